"""The businesses of the manual, one module each, and the registry that lists them.

Every module exposes ``DECLARATION`` (a :class:`Declaration`): its columns and rules.
The generic machinery — templates, reading, validation, error reports, declaring,
reviewing — looks businesses up here by English key or Chinese title.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import LEVEL_LABELS, Column, Declaration, Review, Rule
from sbbatch.store.workflow import kinds

__all__ = ["LEVEL_LABELS", "Column", "Declaration", "Review", "Rule", "get", "registry"]


@cache
def _declarations() -> tuple[Declaration, ...]:
    """Find every business module of this package (adding a business is adding a module).

    Modules whose name starts with ``_`` are helpers; every other module must define
    ``DECLARATION``. The order is that of ``schemas/workflow/kinds.csv`` (the manual's).
    """
    found: dict[str, Declaration] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        declaration: Declaration = module.DECLARATION
        found[declaration.kind] = declaration
    order = list(kinds())
    return tuple(
        sorted(found.values(), key=lambda d: order.index(d.kind) if d.kind in order else len(order))
    )


def registry() -> dict[str, Declaration]:
    """Return every business that has a batch file, by English key."""
    return {declaration.kind: declaration for declaration in _declarations()}


def get(kind: str) -> Declaration:
    """Return the business with English key ``kind`` or a Chinese title/alias of it.

    Examples:
        >>> get("批量增员申报").kind
        'enrolment'
        >>> get("wage_base").title
        '工资申报'
    """
    known = registry()
    if kind in known:
        return known[kind]
    wanted = kind.strip()
    for key, row in kinds().items():
        names = {row["title"], *(row["aliases"] or "").split("|")}
        if wanted in names and key in known:
            return known[key]
    choices = "、".join(f"{d.kind}（{d.title}）" for d in known.values())
    msg = f"未知的业务「{kind}」。提示：可用的有 {choices}。"
    raise UnusableInputError(msg)
