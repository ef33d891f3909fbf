"""sbbatch: batch social-insurance work for Jinan employers (济南市社会保险单位网上服务).

Everything an analyst does in the employer web system, in batches, from a notebook,
a script or another tool: enrolment and departure, wage bases, contributions, bills,
back-payments, social security cards and the queries of the manual.

The names below are the public API (``sbbatch.__all__``); a notebook or another tool
imports from ``sbbatch`` only. The monthly path, as functions::

    import sbbatch as sb
    ws = sb.Workspace("ws.duckdb")
    batch = sb.check("增员报盘.xlsx")                 # 报盘检查 → Batch (rows, failures)
    number = sb.declare(ws, batch, unit_id)           # 录入 → 申报编号
    ws.submit(number); sb.review(ws, number)          # 提交, 审核 (simulated)
    sb.show(sb.result(ws, number))                    # 审核结果, in Chinese
    sb.contributions(ws, months=month)                # 缴费明细 to the fen

Modules that group many functions are namespaces of this package: :mod:`queries`
(信息查询: ``queries.registry``, ``queries.money``, ``queries.cards``), :mod:`cards`
(社保卡), :mod:`codes` (code tables and their labels), :mod:`wages` (取上次申报工资, 撤销工资申报), :mod:`sample` (a synthetic city).
The widget form (:class:`DeclarationForm`) and :mod:`plots` need the ``[notebook]``
extra and are imported on first use; :mod:`sample_batches` (sample files and their
unit) is too, since it builds its sample when imported.

Examples:
    >>> import sbbatch
    >>> {"check", "declare", "review", "result", "contributions", "Workspace"} <= set(sbbatch.__all__)
    True
    >>> callable(sbbatch.review), callable(sbbatch.contributions)  # functions, not modules
    (True, True)
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from sbbatch.exceptions import (
    InvalidTransitionError,
    PolicyError,
    SbbatchError,
    UnusableInputError,
    WorkspaceLockedError,
    WorkspaceVersionError,
)

if TYPE_CHECKING:  # what the names below are, for type checkers (imported on first use)
    from sbbatch import cards, codes, plots, queries, sample, sample_batches, wages
    from sbbatch.batch import Batch, check
    from sbbatch.contributions import PAYER_LABELS, Contributions, contributions
    from sbbatch.declarations import Declaration, get, registry
    from sbbatch.declarations.wage_base import last_declared_wages
    from sbbatch.declarations.wage_base import totals as wage_totals
    from sbbatch.display import money, record, show, zh
    from sbbatch.forms.money_forms import bill_form, declaration_form
    from sbbatch.forms.printer import print_form
    from sbbatch.io import read_table
    from sbbatch.io.convert import convert
    from sbbatch.io.results import write_review_result
    from sbbatch.io.xlsx import write_error_report, write_frame, write_result, write_template
    from sbbatch.overview import overview
    from sbbatch.payments import SimulatedGateway, bill, bill_lines, create_bill, pay
    from sbbatch.photos import check_photos, synthetic_photo
    from sbbatch.reconcile import reconcile, write_reconciliation
    from sbbatch.review import declare, result, review, review_failures
    from sbbatch.roster import compare_roster, declare_roster, write_roster
    from sbbatch.store import Workspace
    from sbbatch.unit_files import load
    from sbbatch.widgets import DeclarationForm

    __version__: str

#: Where each public name lives: name → (module, attribute). Nothing is imported until
#: a name is first used, so ``import sbbatch`` (and the CLI) stays quick.
_LAZY: dict[str, tuple[str, str]] = {
    **{n: ("batch", n) for n in ("Batch", "check")},
    **{n: ("contributions", n) for n in ("PAYER_LABELS", "Contributions", "contributions")},
    **{n: ("declarations", n) for n in ("Declaration", "get", "registry")},
    "last_declared_wages": ("declarations.wage_base", "last_declared_wages"),
    "wage_totals": ("declarations.wage_base", "totals"),
    **{n: ("display", n) for n in ("money", "record", "show", "zh")},
    **{n: ("forms.money_forms", n) for n in ("bill_form", "declaration_form")},
    "print_form": ("forms.printer", "print_form"),
    "read_table": ("io", "read_table"),
    "convert": ("io.convert", "convert"),
    "write_review_result": ("io.results", "write_review_result"),
    **{
        n: ("io.xlsx", n)
        for n in ("write_error_report", "write_frame", "write_result", "write_template")
    },
    "overview": ("overview", "overview"),
    **{
        n: ("payments", n) for n in ("SimulatedGateway", "bill", "bill_lines", "create_bill", "pay")
    },
    **{n: ("photos", n) for n in ("check_photos", "synthetic_photo")},
    **{n: ("reconcile", n) for n in ("reconcile", "write_reconciliation")},
    **{n: ("review", n) for n in ("declare", "result", "review", "review_failures")},
    **{n: ("roster", n) for n in ("compare_roster", "declare_roster", "write_roster")},
    "load": ("unit_files", "load"),
    "Workspace": ("store", "Workspace"),
    "DeclarationForm": ("widgets", "DeclarationForm"),
}

#: Modules that are namespaces of the public API (``sbbatch.queries.money.bills`` …).
_NAMESPACES = frozenset({"cards", "codes", "plots", "queries", "sample", "sample_batches", "wages"})


def _module(name: str) -> types.ModuleType:
    """Import ``sbbatch.<name>`` (every import spelled out, for the architecture test)."""
    if name == "batch":
        import sbbatch.batch
    elif name == "cards":
        import sbbatch.cards
    elif name == "codes":
        import sbbatch.codes
    elif name == "contributions":
        import sbbatch.contributions
    elif name == "declarations":
        import sbbatch.declarations
    elif name == "declarations.wage_base":
        import sbbatch.declarations.wage_base
    elif name == "display":
        import sbbatch.display
    elif name == "forms.money_forms":
        import sbbatch.forms.money_forms
    elif name == "forms.printer":
        import sbbatch.forms.printer
    elif name == "io":
        import sbbatch.io
    elif name == "io.convert":
        import sbbatch.io.convert
    elif name == "io.results":
        import sbbatch.io.results
    elif name == "io.xlsx":
        import sbbatch.io.xlsx
    elif name == "overview":
        import sbbatch.overview
    elif name == "payments":
        import sbbatch.payments
    elif name == "photos":
        import sbbatch.photos
    elif name == "plots":
        import sbbatch.plots
    elif name == "queries":
        import sbbatch.queries.cards
        import sbbatch.queries.money
        import sbbatch.queries.registry
    elif name == "reconcile":
        import sbbatch.reconcile
    elif name == "review":
        import sbbatch.review
    elif name == "roster":
        import sbbatch.roster
    elif name == "sample":
        import sbbatch.sample
    elif name == "sample_batches":
        import sbbatch.sample_batches
    elif name == "store":
        import sbbatch.store
    elif name == "unit_files":
        import sbbatch.unit_files
    elif name == "wages":
        import sbbatch.wages
    elif name == "widgets":
        import sbbatch.widgets  # noqa: F401 (returned from sys.modules below)
    return sys.modules[f"sbbatch.{name}"]


def _version() -> str:
    """The installed distribution's version (``importlib.metadata`` is imported only here)."""
    from importlib import metadata

    try:
        return metadata.version("sbbatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    """Import a public name on first use (widgets and plots need the ``[notebook]`` extra).

    ``Workspace`` (DuckDB, polars) and ``__version__`` (``importlib.metadata``) too: the
    CLI's ``--version`` and ``--help`` import neither.
    """
    if name == "__version__":
        version = _version()
        globals()["__version__"] = version
        return version
    if name in _NAMESPACES:
        return _module(name)
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(_module(module), attribute)
    msg = f"module 'sbbatch' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


#: Public functions named like the module that holds them (``sbbatch.review`` …).
_SHADOWED = ("contributions", "overview", "reconcile", "review")


class _Package(types.ModuleType):
    """The package, whose :data:`_SHADOWED` names are the API's functions.

    ``sbbatch.review`` is also a module, and importing it would set the package's
    attribute to the module. A property per such name keeps the public name the
    function (the module stays in ``sys.modules`` under its full name).
    """


def _shadowing(name: str) -> property:
    def get(_package: types.ModuleType) -> Any:
        return getattr(_module(name), name)

    def set_(_package: types.ModuleType, _value: Any) -> None:
        """The import system sets the submodule here: the function stays the name."""

    return property(get, set_, doc=f"The public function ``sbbatch.{name}.{name}``.")


for _name in _SHADOWED:
    setattr(_Package, _name, _shadowing(_name))

sys.modules[__name__].__class__ = _Package

__all__ = [
    "PAYER_LABELS",
    "Batch",
    "Contributions",
    "Declaration",
    "DeclarationForm",
    "InvalidTransitionError",
    "PolicyError",
    "SbbatchError",
    "SimulatedGateway",
    "UnusableInputError",
    "Workspace",
    "WorkspaceLockedError",
    "WorkspaceVersionError",
    "__version__",
    "bill",
    "bill_form",
    "bill_lines",
    "cards",
    "check",
    "check_photos",
    "codes",
    "compare_roster",
    "contributions",
    "convert",
    "create_bill",
    "declaration_form",
    "declare",
    "declare_roster",
    "get",
    "last_declared_wages",
    "load",
    "money",
    "overview",
    "pay",
    "plots",
    "print_form",
    "queries",
    "read_table",
    "reconcile",
    "record",
    "registry",
    "result",
    "review",
    "review_failures",
    "sample",
    "sample_batches",
    "show",
    "synthetic_photo",
    "wage_totals",
    "wages",
    "write_error_report",
    "write_frame",
    "write_reconciliation",
    "write_result",
    "write_review_result",
    "write_roster",
    "write_template",
    "zh",
]
