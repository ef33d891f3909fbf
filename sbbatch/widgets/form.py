"""One case at a time: an ipywidgets form generated from a business's columns.

:class:`DeclarationForm` builds the manual's single-case page (增员申报, 减员申报,
工资申报 for one person, 社保卡申领, 申领信息维护 …) from the same
:class:`~sbbatch.declarations.Column` specifications as the batch files: one input
per column, labelled with its Chinese header (required ones marked with a red ``*``),
code columns as dropdowns of their labels, dates and months typed as the manual shows
them (1999-06-23, 2019-04). Typing an ID number fills 性别, 出生日期 and 户口所在地
(省/市/县) from the number, and what the registry knows of the person (姓名 …).
The buttons are the manual's — 下一步, 提交, 修改, 作废, 设为已读, 打印 — and each is
enabled only where the declaration's state allows it (录入 → 已提交 → 已审核 → 已读).

A case goes exactly where a batch goes: :func:`sbbatch.review.declare` (a batch of
one row — or of a few, for 申领信息维护), :meth:`Workspace.submit
<sbbatch.store.Workspace.submit>` and :func:`sbbatch.review.review`. Validation and
review messages appear under the field they concern, in Chinese, and a status line
says 审核成功 or 不通过：…; the result panel masks ID numbers and phones.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import ipywidgets as widgets
import polars as pl

from sbbatch import codes, ids
from sbbatch._files import inside, safe_component
from sbbatch.batch import Batch, check_frame
from sbbatch.declarations import Column, Declaration, get
from sbbatch.display import mask_text, record, show
from sbbatch.exceptions import SbbatchError
from sbbatch.forms.printer import print_form
from sbbatch.review import declare, result, review, review_failures
from sbbatch.spec import PrintedForm, Section, Slot, WidgetLayout
from sbbatch.store import Workspace
from sbbatch.store.queries import find_person
from sbbatch.store.workflow import STATUS_LABELS, find_transition
from sbbatch.widgets.photo import PhotoUpload

__all__ = ["ACTIONS", "EXTRAS", "DeclarationForm", "FieldWidget", "FormExtra"]

#: The buttons, by action, with their default text (the manual's words).
ACTIONS: dict[str, str] = {
    "next": "下一步",
    "submit": "提交",
    "modify": "修改",
    "void": "作废",
    "mark_read": "设为已读",
    "print": "打印",
    "finish": "完成",
}


class FormExtra(Protocol):
    """A special part of a form below its fields, named in a business's widget layout."""

    def widgets(self) -> list[widgets.Widget]:
        """The widgets shown below the fields."""
        ...

    def check(self, values: dict[str, Any]) -> pl.DataFrame | None:
        """Extra failures of the case on 下一步 (failures shape), or None."""
        ...

    def set_disabled(self, disabled: bool) -> None:
        """Lock or unlock the part with the fields."""
        ...


#: The special parts a widget layout may name (``WidgetLayout.extras``), by name:
#: each is built from (workspace, unit, a way to read the case's values).
EXTRAS: dict[str, Callable[[Workspace, str, Callable[[], dict[str, Any]]], FormExtra]] = {
    "photo": PhotoUpload,
}

#: The input widget of a field: ``Text``, or ``Dropdown`` for codes and 性别.
FieldWidget: TypeAlias = Any

_LABEL_WIDTH = "9.5em"

_PLACEHOLDERS = {
    "id": "18 位身份证号码",
    "month": "如 2019-04",
    "date": "如 1999-06-23",
    "money": "如 5000.00",
    "phone": "11 位手机号码",
}

_STYLE = """<style>
.sb-form{max-width:1100px;font-family:"Noto Sans SC","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.sb-form .sb-title{font-size:18px;font-weight:600;margin:4px 0 8px;color:#1f3b5a}
.sb-form .sb-section{font-size:14px;font-weight:600;color:#1f3b5a;border-bottom:2px solid #3a6ea5;
 margin:10px 0 4px;padding-bottom:2px}
.sb-form .sb-required .widget-label::after{content:" *";color:#d40000;font-weight:700}
.sb-form .sb-msg{font-size:12px;line-height:1.35;margin:0 0 2px 9.5em}
.sb-form .sb-msg .sb-reject{color:#b00020}
.sb-form .sb-msg .sb-warn{color:#8a5a00}
.sb-form .sb-msg .sb-ok{color:#1e6b34}
.sb-form .sb-note{font-size:12px;color:#555;margin:2px 0 6px}
.sb-form .sb-status{font-size:14px;padding:6px 10px;border-radius:3px;margin-top:6px}
.sb-form .sb-status-ok{background:#e6f4ea;color:#1e6b34;border:1px solid #9fd3ad}
.sb-form .sb-status-reject{background:#fde2e2;color:#9b0018;border:1px solid #f1a7a7}
.sb-form .sb-status-info{background:#eef3f8;color:#1f3b5a;border:1px solid #bfcddb}
.sb-form .sb-status ul{margin:4px 0 0 1.2em;padding:0}
</style>"""


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


class DeclarationForm(widgets.VBox):
    """A single-case form (单笔申报) of a business, driven by its columns.

    How the fields are grouped, what the print button says and which special
    parts (the photo upload …) the form has come from the business's
    ``Declaration.widget`` (a :class:`~sbbatch.spec.WidgetLayout`); the button
    prints ``Declaration.form`` and shows only for a business that has one.

    Args:
        ws: The workspace the case is declared in.
        kind: The business (English key or Chinese title, such as 增员申报,
            减员申报, 工资申报, 社保卡申领, 申领信息维护 …).
        unit_id: The declaring unit (单位编号).
        auto_review: Review (审核, simulated) right after 提交, as the agency
            would; otherwise the declaration waits in 已提交.
        output_dir: Where 打印 writes the PDF form.

    Attributes:
        declaration: The business.
        fields: The input widget of each English field (of the first row, for the
            forms of several rows; see ``slot_fields``).
        messages: The message area under each field (first row).
        slot_fields: The input widgets of every row (slot), in order.
        buttons: The buttons by action (``next``, ``submit``, ``modify``, ``void``,
            ``mark_read``, ``print``, ``finish``).
        status: The status line (HTML); ``status_text`` is its plain text.
        result_panel: The 查看审批结果 panel (HTML, masked).
        declaration_id: The case's declaration number once 下一步 recorded it.

    Examples:
        >>> import datetime as dt
        >>> import polars as pl
        >>> from sbbatch.store import Workspace
        >>> ws = Workspace(today=dt.date(2026, 11, 26))
        >>> _ = ws.load(units=pl.DataFrame({"unit_id": ["U1"], "name": ["测试"],
        ...     "risk_class": [1], "payment_method": ["2"]}))
        >>> form = DeclarationForm(ws, "增员申报", "U1")
        >>> form.fields["person_id"].value = "370102199001011231"
        >>> form.fields["gender"].label, form.fields["birth_date"].value
        ('男', '1990-01-01')
        >>> form.fields["hukou_county"].value
        '历下区'
        >>> [b.description for b in form.buttons.values() if not b.disabled]
        ['下一步']
    """

    def __init__(
        self,
        ws: Workspace,
        kind: str,
        unit_id: str,
        *,
        auto_review: bool = True,
        output_dir: str | Path = "out/forms",
    ) -> None:
        super().__init__()
        self.ws = ws
        self.unit_id = unit_id
        self.declaration: Declaration = get(kind)
        self.widget_layout: WidgetLayout = self.declaration.widget
        self.printed_form: PrintedForm | None = self.declaration.form
        self.auto_review = auto_review
        self.output_dir = Path(output_dir)
        self.declaration_id: str | None = None
        self.editing = True
        self.slots: list[Slot] = self._slots()
        self.slot_fields: list[dict[str, FieldWidget]] = [{} for _ in self.slots]
        self.slot_messages: list[dict[str, widgets.HTML]] = [{} for _ in self.slots]
        self.slot_message_texts: list[dict[str, list[str]]] = [{} for _ in self.slots]
        self.status_text = ""
        self._row_slots: list[int] = []
        self._field_of_header = {c.header: c.field for c in self.declaration.columns}
        self._filling = False
        self._build()
        self._apply_defaults()
        self._refresh()

    # -- shape --------------------------------------------------------------------------

    def __repr__(self) -> str:
        state = "未申报" if self.declaration_id is None else f"申报编号 {self.declaration_id}"
        return f"{self.declaration.title}表单（单位 {self.unit_id}，{state}）"

    @property
    def fields(self) -> dict[str, FieldWidget]:
        """The input widgets of the first (or only) row, by English field."""
        return self.slot_fields[0]

    @property
    def messages(self) -> dict[str, widgets.HTML]:
        """The message areas of the first (or only) row, by English field."""
        return self.slot_messages[0]

    @property
    def message_texts(self) -> dict[str, list[str]]:
        """The messages shown under each field of the first row, as plain text."""
        return self.slot_message_texts[0]

    def _slots(self) -> list[Slot]:
        if self.widget_layout.slots:
            return list(self.widget_layout.slots)
        return [Slot("", tuple(c.field for c in self.declaration.columns))]

    def _sections(self, slot: Slot) -> list[Section]:
        if len(self.slots) > 1 or not self.widget_layout.sections:
            return [Section(slot.title, slot.fields)]
        sections = [
            Section(s.title, tuple(f for f in s.fields if f in slot.fields), s.collapsed)
            for s in self.widget_layout.sections
        ]
        placed = {f for s in sections for f in s.fields}
        rest = tuple(f for f in slot.fields if f not in placed)
        if rest:
            sections.append(Section("", rest))
        return [s for s in sections if s.fields]

    # -- building ---------------------------------------------------------------------

    def _required(self, column: Column, slot: Slot) -> bool:
        if slot.optional:
            return False
        return column.required or (self.declaration.has_business_month and column.field == "month")

    def _make_input(self, column: Column, slot: Slot) -> FieldWidget:
        common: dict[str, Any] = {
            "description": column.header,
            "style": {"description_width": _LABEL_WIDTH},
            "layout": widgets.Layout(width="auto"),
        }
        if column.help:
            common["tooltip"] = column.help
        widget: FieldWidget
        if column.type == "code" and column.code_table:
            widget = widgets.Dropdown(options=self._options(column.code_table), value="", **common)
        elif column.type == "gender":
            widget = widgets.Dropdown(
                options=[("", ""), ("男", "1"), ("女", "2")], value="", **common
            )
        else:
            placeholder = _PLACEHOLDERS.get(column.type, "")
            widget = widgets.Text(
                value="", placeholder=placeholder, continuous_update=False, **common
            )
        if self._required(column, slot):
            widget.add_class("sb-required")
        return widget

    def _options(self, table: str) -> list[tuple[str, str]]:
        """Return ("", "") then (label, code) of the codes valid on the agency's date."""
        frame = codes.table(table)
        today = self.ws.today
        valid = frame.filter(
            (pl.col("valid_from").is_null() | (pl.col("valid_from") <= today))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= today))
        ).unique("code", keep="last", maintain_order=True)
        return [("", ""), *zip(valid["label"].to_list(), valid["code"].to_list(), strict=True)]

    def _build(self) -> None:
        title = widgets.HTML(f'<div class="sb-title">{_escape(self.declaration.title)}</div>')
        groups: list[widgets.Widget] = []
        for index, slot in enumerate(self.slots):
            for section in self._sections(slot):
                grid = widgets.GridBox(
                    [self._cell(index, slot, name) for name in section.fields],
                    layout=widgets.Layout(
                        grid_template_columns="repeat(2, minmax(0, 1fr))",
                        grid_gap="0px 28px",
                        width="100%",
                    ),
                )
                if section.collapsed:
                    accordion = widgets.Accordion(children=[grid], selected_index=None)
                    accordion.set_title(0, section.title)
                    groups.append(accordion)
                elif section.title:
                    heading = f'<div class="sb-section">{_escape(section.title)}</div>'
                    groups += [widgets.HTML(heading), grid]
                else:
                    groups.append(grid)
            if "person_id" in self.slot_fields[index]:
                self.slot_fields[index]["person_id"].observe(
                    lambda change, i=index: self._on_id(i, change), names="value"
                )
        self.extra_parts: dict[str, FormExtra] = {
            name: EXTRAS[name](self.ws, self.unit_id, self.values)
            for name in self.widget_layout.extras
        }
        self.extras: list[widgets.Widget] = [
            widget for part in self.extra_parts.values() for widget in part.widgets()
        ]
        labels = dict(ACTIONS, print=self.widget_layout.print_label)
        self.buttons: dict[str, widgets.Button] = {}
        for action, label in labels.items():
            button = widgets.Button(
                description=label,
                layout=widgets.Layout(width="auto", min_width="6em"),
            )
            button.on_click(lambda _b, a=action: self._run(a))
            self.buttons[action] = button
        if self.printed_form is None:
            self.buttons["print"].layout.display = "none"
        self.status = widgets.HTML("")
        self.result_panel = widgets.HTML("")
        self.children = [
            widgets.HTML(_STYLE),
            title,
            *groups,
            *self.extras,
            widgets.HBox(list(self.buttons.values()), layout=widgets.Layout(margin="10px 0 0 0")),
            self.status,
            self.result_panel,
        ]
        self.add_class("sb-form")

    def _cell(self, index: int, slot: Slot, name: str) -> widgets.Widget:
        column = self.declaration.column(name)
        widget = self._make_input(column, slot)
        message = widgets.HTML("")
        message.add_class("sb-msg")
        self.slot_fields[index][name] = widget
        self.slot_messages[index][name] = message
        self.slot_message_texts[index][name] = []
        return widgets.VBox([widget, message], layout=widgets.Layout(width="100%"))

    def _apply_defaults(self) -> None:
        if self.declaration.has_business_month and "month" in self.fields:
            self.fields["month"].value = f"{self.ws.today:%Y-%m}"
        defaults = self.widget_layout.defaults
        if defaults is not None:
            values = defaults(self.ws, self.declaration)
            self.set_values({k: v for k, v in values.items() if k in self.fields})

    # -- values -----------------------------------------------------------------------

    def slot_values(self, index: int) -> dict[str, str | None]:
        """Return one row's inputs as text by English field (blank fields are None)."""
        out: dict[str, str | None] = {}
        for name, widget in self.slot_fields[index].items():
            value = widget.value
            out[name] = None if value is None or str(value).strip() == "" else str(value).strip()
        return out

    def values(self) -> dict[str, str | None]:
        """Return the case (its first row) as text by English field (blank fields are None)."""
        return self.slot_values(0)

    def set_values(self, values: dict[str, Any], slot: int = 0) -> None:
        """Fill fields of a row from English field → value (labels or codes for dropdowns)."""
        for name, value in values.items():
            widget = self.slot_fields[slot][name]
            if isinstance(widget, widgets.Dropdown):
                self._set_dropdown(widget, value)
            elif hasattr(value, "isoformat"):
                widget.value = value.isoformat()
            else:
                widget.value = "" if value is None else str(value)

    @staticmethod
    def _set_dropdown(widget: widgets.Dropdown, value: Any) -> None:
        text = "" if value is None else str(value)
        for label, code in widget.options:
            if text in (label, code):
                widget.value = code
                return

    def rows(self) -> pl.DataFrame:
        """Return the rows the form declares: one per filled slot, every column as text."""
        names = [c.field for c in self.declaration.columns]
        rows: list[dict[str, str | None]] = []
        self._row_slots = []
        for index, slot in enumerate(self.slots):
            values = self.slot_values(index)
            if slot.optional and all(v is None for v in values.values()):
                continue
            row: dict[str, str | None] = dict.fromkeys(names)
            row.update(values)
            row.update(dict(slot.fixed))
            rows.append(row)
            self._row_slots.append(index)
        return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String))

    def _on_id(self, index: int, change: dict[str, Any]) -> None:
        """Fill 性别, 出生日期, 户口所在地 and what the registry knows from a typed ID."""
        if self._filling:
            return
        text = str(change["new"] or "").strip()
        self._set_messages(index, "person_id", [])
        if not text:
            return
        try:
            number = ids.validate_one(text, self.ws.today)
        except SbbatchError as exc:
            self._set_messages(index, "person_id", [("reject", str(exc))])
            return
        fields = self.slot_fields[index]
        self._filling = True
        try:
            derived = {c.field for c in self.declaration.columns if c.derived_from_id}
            facts = (
                pl.DataFrame({"id": [number]})
                .select(
                    ids.gender(pl.col("id")).alias("gender"),
                    ids.birth_date(pl.col("id")).alias("birth_date"),
                    ids.province_name(pl.col("id")).alias("hukou_province"),
                    ids.city_name(pl.col("id")).alias("hukou_city"),
                    ids.county_name(pl.col("id")).alias("hukou_county"),
                )
                .row(0, named=True)
            )
            self.set_values(
                {k: v for k, v in facts.items() if k in derived and k in fields and v}, index
            )
            known = find_person(self.ws, number)
            if known.height:
                person = known.row(0, named=True)
                current = self.slot_values(index)
                self.set_values(
                    {
                        k: v
                        for k, v in person.items()
                        if k in fields and k != "person_id" and v is not None and current[k] is None
                    },
                    index,
                )
        finally:
            self._filling = False

    # -- messages ---------------------------------------------------------------------

    def _set_messages(self, slot: int, field: str, items: list[tuple[str, str]]) -> None:
        self.slot_message_texts[slot][field] = [text for _, text in items]
        self.slot_messages[slot][field].value = "".join(
            f'<div class="sb-{level}">{_escape(mask_text(text))}</div>' for level, text in items
        )

    def _clear_messages(self) -> None:
        for index, fields in enumerate(self.slot_fields):
            for name in fields:
                self._set_messages(index, name, [])

    def _show_failures(self, failures: pl.DataFrame) -> list[str]:
        """Put each failure under its field; return the messages of no field."""
        self._clear_messages()
        found: dict[tuple[int, str], list[tuple[str, str]]] = {}
        elsewhere: list[str] = []
        for failure in failures.sort(pl.col("level") != "reject").iter_rows(named=True):
            label = "提示：" if failure["level"] == "warn" else ""
            text = f"{label}{failure['message']}"
            row = int(failure["row"] or 1) - 1
            slot = self._row_slots[row] if 0 <= row < len(self._row_slots) else 0
            field = self._field_of_header.get(failure["column"])
            if field is not None and field in self.slot_fields[slot]:
                found.setdefault((slot, field), []).append((failure["level"], text))
            else:
                elsewhere.append(text)
        for (slot, field), items in found.items():
            self._set_messages(slot, field, items)
        return elsewhere

    def _set_status(self, text: str, tone: str = "info", details: list[str] | None = None) -> None:
        self.status_text = text
        items = "".join(f"<li>{_escape(mask_text(d))}</li>" for d in details or [])
        self.status.value = (
            f'<div class="sb-status sb-status-{tone}" role="status">{_escape(mask_text(text))}'
            f"{f'<ul>{items}</ul>' if items else ''}</div>"
            if text
            else ""
        )

    # -- state ------------------------------------------------------------------------

    @property
    def state(self) -> str | None:
        """The declaration's state (draft, submitted, reviewed, read, voided), or None."""
        if self.declaration_id is None:
            return None
        return str(self.ws.declaration(self.declaration_id)["status"])

    def _allowed(self, action: str, state: str | None) -> bool:
        if state is None:
            return False
        try:
            transition = find_transition(action, state)
        except SbbatchError:
            return False
        if transition.guard == "has_failures":
            return self._results().count("2") > 0
        return transition.guard is None

    def _results(self) -> list[str | None]:
        assert self.declaration_id is not None
        return list(self.ws.declaration_rows(self.declaration_id)["review_result"].to_list())

    def _refresh(self) -> None:
        state = self.state
        approved = state in ("reviewed", "read") and "1" in self._results()
        enabled = {
            "next": self.editing and state in (None, "draft"),
            "submit": not self.editing and self._allowed("submit", state),
            "modify": not self.editing and self._allowed("modify", state),
            "void": self._allowed("void", state),
            "mark_read": self._allowed("mark_read", state),
            "print": self.printed_form is not None and approved,
            "finish": state in ("read", "voided", "submitted"),
        }
        # the step the manual expects next is the highlighted one
        leading = next((a for a in ("next", "submit", "mark_read", "finish") if enabled[a]), None)
        for action, button in self.buttons.items():
            button.disabled = not enabled[action]
            button.button_style = "primary" if action == leading else ""
        for fields in self.slot_fields:
            for widget in fields.values():
                widget.disabled = not self.editing
        for part in self.extra_parts.values():
            part.set_disabled(not self.editing)

    # -- actions ----------------------------------------------------------------------

    def _run(self, action: str) -> None:
        handler = {
            "next": self.next_step,
            "submit": self.submit,
            "modify": self.modify,
            "void": self.void,
            "mark_read": self.mark_read,
            "print": self.print_form,
            "finish": self.finish,
        }[action]
        try:
            handler()
        except SbbatchError as exc:
            self._set_status(str(exc), "reject")
        self._refresh()

    def _check(self) -> tuple[Batch | None, pl.DataFrame]:
        rows = self.rows()
        if rows.height == 0:
            return None, pl.DataFrame(
                {
                    "row": [1],
                    "column": [""],
                    "value": [None],
                    "rule": ["empty"],
                    "level": ["reject"],
                    "message": ["没有填写任何内容。"],
                },
                schema={
                    "row": pl.Int64,
                    "column": pl.String,
                    "value": pl.String,
                    "rule": pl.String,
                    "level": pl.String,
                    "message": pl.String,
                },
            )
        batch = check_frame(rows, self.declaration.kind, today=self.ws.today)
        failures = batch.failures
        for part in self.extra_parts.values():
            extra = part.check(self.values())
            if extra is not None and extra.height:
                failures = pl.concat(
                    [failures, extra.select(failures.columns).cast(failures.schema)]
                )
        return batch, failures

    def next_step(self) -> bool:
        """下一步: validate the case and record it as a draft (or save a modification).

        Returns:
            Whether the case passed validation and was recorded.
        """
        batch, failures = self._check()
        elsewhere = self._show_failures(failures)
        rejects = failures.filter(pl.col("level") == "reject").height
        if batch is None or rejects:
            self._set_status(
                f"不通过：有 {rejects} 处需要修改，请按提示修改后再点击“下一步”。",
                "reject",
                elsewhere,
            )
            return False
        if self.declaration_id is None:
            rows = self.rows()
            source: pl.DataFrame | dict[str, Any] = (
                rows.row(0, named=True) if rows.height == 1 else rows
            )
            self.declaration_id = declare(
                self.ws, source, self.unit_id, kind=self.declaration.kind, note="单笔录入"
            )
        else:
            self.ws.modify_declaration(self.declaration_id, batch.accepted, note="单笔修改")
        self.editing = False
        warns = failures.height - rejects
        hint = f"（提示 {warns} 条）" if warns else ""
        self._set_status(
            f"已录入，申报编号 {self.declaration_id}{hint}。请核对后点击“提交”，有误点击“修改”。",
            "info",
            elsewhere,
        )
        self.result_panel.value = ""
        return True

    def submit(self) -> None:
        """提交: submit the draft; with ``auto_review`` the agency's review follows."""
        assert self.declaration_id is not None
        self.ws.submit(self.declaration_id, note="单笔申报")
        if not self.auto_review or self.declaration.review is None:
            self._set_status(f"已提交（申报编号 {self.declaration_id}），等待审核。", "info")
            self._show_result()
            return
        failures = review_failures(self.ws, self.declaration_id)
        review(self.ws, self.declaration_id)
        elsewhere = self._show_failures(failures)
        outcome = result(self.ws, self.declaration_id)
        rejected = outcome.filter(pl.col("review_result") == "不通过")
        if rejected.height == 0:
            opinions = [o for o in outcome["review_opinion"].to_list() if o]
            suffix = f"：{'；'.join(opinions)}" if opinions and outcome.height == 1 else ""
            self._set_status(f"审核成功{suffix}", "ok", elsewhere)
        elif outcome.height == 1:
            self._set_status(f"不通过：{rejected['review_opinion'][0] or ''}", "reject", elsewhere)
        else:
            details = [
                f"第 {r['row_no']} 行：{r['review_opinion'] or ''}"
                for r in rejected.iter_rows(named=True)
            ]
            self._set_status(
                f"不通过：{rejected.height} 行审核不通过（共 {outcome.height} 行）。",
                "reject",
                details + elsewhere,
            )
        self._show_result()

    def modify(self) -> None:
        """修改: unlock the fields of the draft; 下一步 saves the modification."""
        self.editing = True
        self._set_status("请修改后点击“下一步”保存。", "info")

    def void(self) -> None:
        """作废: void the draft (or a reviewed declaration that was rejected)."""
        assert self.declaration_id is not None
        self.ws.void(self.declaration_id, note="单笔作废")
        self.editing = False
        self._set_status(f"申报 {self.declaration_id} 已作废。", "info")
        self._show_result()

    def mark_read(self) -> None:
        """设为已读: finish the business; rejected content becomes a new draft to fix."""
        assert self.declaration_id is not None
        old = self.declaration_id
        redraft = self.ws.mark_read(old, note="单笔设为已读")
        if redraft is None:
            self._set_status(f"申报 {old} 已设为已读，业务办理完成。", "ok")
            self._show_result()
            return
        self.declaration_id = redraft
        self.editing = True
        self._set_status(
            f"申报 {old} 已设为已读。审核不通过的内容已转为新的申报 {redraft}，"
            "请修改后点击“下一步”再提交，或作废。",
            "info",
        )

    def print_form(self) -> Path:
        """打印: write the business's PDF form of the declaration and return its path."""
        assert self.declaration_id is not None and self.printed_form is not None
        self.output_dir.mkdir(parents=True, exist_ok=True)
        target = inside(
            self.output_dir,
            safe_component(f"{self.printed_form.title}_{self.declaration_id}") + ".pdf",
        )
        path = print_form(self.ws, self.declaration_id, target, self.printed_form)
        label = self.widget_layout.print_label.removeprefix("打印")
        self._set_status(f"已生成{label}：{path}", "ok")
        return path

    def finish(self) -> None:
        """完成: clear the form for the next case."""
        self.declaration_id = None
        self.editing = True
        self._filling = True
        try:
            for fields in self.slot_fields:
                for widget in fields.values():
                    widget.value = ""
            self._apply_defaults()
        finally:
            self._filling = False
        self._clear_messages()
        self._set_status("")
        self.result_panel.value = ""

    def _show_result(self) -> None:
        assert self.declaration_id is not None
        header = self.ws.declaration(self.declaration_id)
        rows = result(self.ws, self.declaration_id).drop("source_row")
        front = [c for c in ("row_no", "review_result", "review_opinion") if c in rows.columns]
        rows = rows.select(*front, *[c for c in rows.columns if c not in front])
        state = STATUS_LABELS.get(header["status"], header["status"])
        caption = f"申报编号 {self.declaration_id}　状态：{state}"
        if rows.height == 1:
            self.result_panel.value = record(
                rows.drop("row_no"), self.declaration, caption=caption
            ).html
        else:
            self.result_panel.value = show(rows, self.declaration, caption=caption).html
