"""The businesses of the manual, one module each, and the registry that lists them.

Every module exposes ``DECLARATION`` (a :class:`Declaration`): its columns and rules.
The generic machinery — templates, reading, validation, error reports, declaring,
reviewing — looks businesses up here by English key or Chinese title.
"""

from __future__ import annotations

from sbbatch.declarations import (
    backpay,
    card_application,
    card_issuing_info,
    card_revocation,
    departure,
    enrolment,
    interrupted_to_retired,
    leave_reason_change,
    wage_base,
    wage_revocation,
)
from sbbatch.declarations._spec import LEVEL_LABELS, Column, Declaration, Review, Rule
from sbbatch.exceptions import UnusableInputError
from sbbatch.store.workflow import kinds

__all__ = ["LEVEL_LABELS", "Column", "Declaration", "Review", "Rule", "get", "registry"]

_MODULES = (
    enrolment,
    departure,
    wage_base,
    leave_reason_change,
    interrupted_to_retired,
    card_issuing_info,
    card_application,
    card_revocation,
    wage_revocation,
    backpay,
)


def registry() -> dict[str, Declaration]:
    """Return every business that has a batch file, by English key."""
    return {module.DECLARATION.kind: module.DECLARATION for module in _MODULES}


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
