"""The businesses of the manual, one module each, and the registry that lists them.

Every module exposes ``DECLARATION`` (a :class:`Declaration`): its columns and rules.
The generic machinery — templates, reading, validation, error reports, declaring,
reviewing — looks businesses up here by English key or Chinese title.
"""

from __future__ import annotations

from functools import cache

from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import LEVEL_LABELS, Column, Declaration, Review, Rule
from sbbatch.store.workflow import kinds

__all__ = [
    "LEVEL_LABELS",
    "Column",
    "Declaration",
    "Review",
    "Rule",
    "get",
    "register",
    "registry",
]


@cache
def _built_in() -> tuple[Declaration, ...]:
    """The businesses of the manual, one module each (adding one is adding its module here).

    Imported on first use, not with the package: a command that needs one business (or
    none, like ``sbbatch load``) does not import the thirty modules and their policy.
    """
    from sbbatch.declarations import (
        approver_info,
        backpay,
        card_application,
        card_issuing_info,
        card_revocation,
        departure,
        enrolment,
        flexible_pension_deduction,
        interrupted_to_retired,
        leave_reason_change,
        medical_account_subsidy,
        military_cadre,
        outpatient_disease,
        payment_certificate,
        pooled_pension_check,
        pooled_pension_revocation,
        pooled_person_check,
        pooled_person_revocation,
        remote_filing,
        remote_filing_revocation,
        resident_medical_stop,
        retiree_medical,
        retirement,
        retirement_settlement,
        special_job,
        survivor,
        terminal_operator,
        unemployment_benefit,
        wage_base,
        wage_revocation,
    )

    return (
        approver_info.DECLARATION,
        backpay.DECLARATION,
        card_application.DECLARATION,
        card_issuing_info.DECLARATION,
        card_revocation.DECLARATION,
        departure.DECLARATION,
        enrolment.DECLARATION,
        flexible_pension_deduction.DECLARATION,
        interrupted_to_retired.DECLARATION,
        leave_reason_change.DECLARATION,
        medical_account_subsidy.DECLARATION,
        military_cadre.DECLARATION,
        outpatient_disease.DECLARATION,
        payment_certificate.DECLARATION,
        pooled_pension_check.DECLARATION,
        pooled_pension_revocation.DECLARATION,
        pooled_person_check.DECLARATION,
        pooled_person_revocation.DECLARATION,
        remote_filing.DECLARATION,
        remote_filing_revocation.DECLARATION,
        resident_medical_stop.DECLARATION,
        retiree_medical.DECLARATION,
        retirement.DECLARATION,
        retirement_settlement.DECLARATION,
        special_job.DECLARATION,
        survivor.DECLARATION,
        terminal_operator.DECLARATION,
        unemployment_benefit.DECLARATION,
        wage_base.DECLARATION,
        wage_revocation.DECLARATION,
    )


#: Businesses added by :func:`register` (extensions), by English key.
_REGISTERED: dict[str, Declaration] = {}


def register(declaration: Declaration) -> None:
    """Add a business that is not part of sbbatch (an extension) to the registry.

    Its kind needs a row of the state machine's business table first (title,
    declaration-number prefix): see :func:`sbbatch.store.workflow.add_kind`. A kind
    registered again replaces the earlier registration; a built-in kind cannot be
    replaced.

    Raises:
        UnusableInputError: the kind is built in, or has no workflow row.
    """
    if any(built.kind == declaration.kind for built in _built_in()):
        msg = f"业务「{declaration.kind}」已存在，不能重复登记。提示：请换一个英文业务代码。"
        raise UnusableInputError(msg)
    if declaration.kind not in kinds():
        msg = (
            f"业务「{declaration.kind}」没有申报流转信息。"
            "提示：先用 sbbatch.store.workflow.add_kind 登记它的名称和申报编号前缀。"
        )
        raise UnusableInputError(msg)
    _REGISTERED[declaration.kind] = declaration


def _declarations() -> tuple[Declaration, ...]:
    """Every business, in the order of ``schemas/workflow/kinds.csv`` (the manual's).

    Registered extensions follow, in the order they were registered.
    """
    found = {declaration.kind: declaration for declaration in _built_in()} | _REGISTERED
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
