"""The small per-business hooks of the widget forms: sections, print label, extras.

A form is generated from a business's columns (:mod:`sbbatch.declarations`); what the
columns cannot say lives here, as data: how the manual groups the fields (基本信息,
参保信息, 更多...), what the print button is called (打印增员表), which PDF form it
prints, and extra widgets such as the photo upload of 社保卡申领. Other modules may
register hooks and printers for their businesses with :func:`register_hooks` and
:func:`register_printer`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch._files import inside, safe_component

if TYPE_CHECKING:
    import ipywidgets as widgets

    from sbbatch.store import Workspace
    from sbbatch.widgets.form import DeclarationForm

__all__ = [
    "FormHooks",
    "Printer",
    "Section",
    "Slot",
    "hooks_for",
    "printer_for",
    "register_hooks",
    "register_printer",
]

#: Writes the printed form (PDF) of a declaration: (workspace, declaration id, folder) → file.
Printer = Callable[["Workspace", str, Path], Path]

#: Extra widgets below the fields (e.g. 上传照片), built once per form.
ExtraWidgets = Callable[["DeclarationForm"], list["widgets.Widget"]]

#: Extra failures of the case before it is declared (e.g. the photo checks), in the
#: failures shape (row, column, value, rule, level, message); ``None`` for none.
ExtraChecks = Callable[["DeclarationForm", dict[str, Any]], "pl.DataFrame | None"]


#: Values a new case starts with (English field → text), e.g. the accepted 增员年月.
Defaults = Callable[["DeclarationForm"], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """A titled group of fields; ``collapsed`` groups start folded (the manual's 更多...)."""

    title: str
    fields: tuple[str, ...]
    collapsed: bool = False


@dataclass(frozen=True)
class Slot:
    """One row of a multi-row form (申领信息维护: the bank, then each collector).

    Attributes:
        title: The slot's heading (制卡银行信息, 领卡人信息（1） …).
        fields: The fields shown, in order.
        fixed: Values every row of this slot carries (e.g. 信息类别).
        optional: A slot left blank declares no row.
    """

    title: str
    fields: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class FormHooks:
    """What a business's form needs beyond its columns.

    Attributes:
        sections: The field groups in order; fields in no section follow in a last,
            untitled group.
        print_label: The print button's text, in the manual's words.
        extras: Builds extra widgets shown below the fields.
        checks: Extra checks of the case, run with validation on 下一步.
        defaults: The values a new case starts with.
        slots: For a business declared as several rows at once, one :class:`Slot`
            per row; a single-row form by default.
    """

    sections: tuple[Section, ...] = ()
    print_label: str = "打印"
    extras: ExtraWidgets | None = None
    checks: ExtraChecks | None = None
    defaults: Defaults | None = None
    slots: tuple[Slot, ...] = ()


def _accepted_month(form: DeclarationForm) -> dict[str, Any]:
    """Start 增员年月/减员年月 at the month the agency accepts today (受理年月)."""
    try:
        from sbbatch.declarations._registry import accepted_month

        month = accepted_month(form.ws, form.declaration.kind)
    except (ImportError, LookupError, ValueError):
        return {}
    return {"month": f"{month:%Y-%m}"}


_HOOKS: dict[str, FormHooks] = {
    "enrolment": FormHooks(
        sections=(
            Section(
                "基本信息",
                (
                    "person_id",
                    "name",
                    "gender",
                    "birth_date",
                    "phone",
                    "employment_form",
                    "hukou_province",
                    "hukou_city",
                    "hukou_county",
                    "hukou_detail",
                    "address",
                ),
            ),
            Section("更多...", ("ethnicity", "hukou_type", "identity"), collapsed=True),
            Section(
                "参保信息",
                (
                    "add_reason",
                    "month",
                    "person_category",
                    "work_start_date",
                    "handbook_no",
                    "sub_unit",
                ),
            ),
        ),
        print_label="打印增员表",
        defaults=_accepted_month,
    ),
    "departure": FormHooks(print_label="打印减员表", defaults=_accepted_month),
    "wage_base": FormHooks(print_label="打印"),
    "backpay": FormHooks(print_label="打印申请表"),
    "card_issuing_info": FormHooks(
        slots=(
            Slot(
                "制卡银行信息",
                ("bank", "branch_code", "branch_name", "address", "phone", "contact"),
                fixed=(("part", "制卡银行信息"),),
                optional=True,
            ),
            Slot(
                "领卡人信息（1）", ("person_id", "name", "phone"), (("part", "领卡人信息"),), True
            ),
            Slot(
                "领卡人信息（2）", ("person_id", "name", "phone"), (("part", "领卡人信息"),), True
            ),
        ),
        print_label="打印",
    ),
}

_PRINTERS: dict[str, Printer] = {}


def register_hooks(kind: str, hooks: FormHooks) -> None:
    """Set the form hooks of a business (English key)."""
    _HOOKS[kind] = hooks


def hooks_for(kind: str) -> FormHooks:
    """Return the form hooks of a business; the photo upload is added for 社保卡申领.

    Examples:
        >>> hooks_for("enrolment").print_label
        '打印增员表'
        >>> hooks_for("wage_revocation").sections
        ()
    """
    if kind == "card_application" and kind not in _HOOKS:
        from sbbatch.widgets.photo import card_application_hooks

        hooks = card_application_hooks()
        if hooks is not None:
            return hooks
    return _HOOKS.get(kind, FormHooks())


def register_printer(kind: str, printer: Printer) -> None:
    """Make the form's print button of a business call ``printer``."""
    _PRINTERS[kind] = printer


def printer_for(kind: str) -> Printer | None:
    """Return the PDF form printer of a business, or None when there is none yet.

    Registered printers come first; then the forms of
    :mod:`sbbatch.forms.registry_forms` (增员表, 减员表 …: its ``FORMS`` and
    ``print_form``), written as ``<表名>_<申报编号>.pdf`` in the chosen folder.

    Examples:
        >>> printer_for("enrolment") is not None, printer_for("wage_base") is None
        (True, True)
    """
    if kind in _PRINTERS:
        return _PRINTERS[kind]
    try:
        module = importlib.import_module("sbbatch.forms.registry_forms")
    except ImportError:  # pragma: no cover - depends on the tree
        return None
    forms = getattr(module, "FORMS", {})
    print_form = getattr(module, "print_form", None)
    if kind not in forms or not callable(print_form):
        return None
    title = str(getattr(forms[kind], "title", kind))

    def printer(ws: Workspace, declaration_id: str, folder: Path) -> Path:
        return Path(
            print_form(
                ws,
                declaration_id,
                inside(folder, safe_component(f"{title}_{declaration_id}") + ".pdf"),
            )
        )

    return printer
