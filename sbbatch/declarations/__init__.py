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


#: The businesses of the manual: each is the module of that name, whose ``DECLARATION``
#: is the business of the same English key (adding one is adding its module, its key
#: here and its case in :func:`_built_in_one`; tests/declarations/test_lazy_get.py checks
#: that each key's module holds the business of that key).
_BUILT_IN_KINDS: tuple[str, ...] = (
    "approver_info",
    "backpay",
    "card_application",
    "card_issuing_info",
    "card_revocation",
    "departure",
    "enrolment",
    "flexible_pension_deduction",
    "interrupted_to_retired",
    "leave_reason_change",
    "medical_account_subsidy",
    "military_cadre",
    "outpatient_disease",
    "payment_certificate",
    "pooled_pension_check",
    "pooled_pension_revocation",
    "pooled_person_check",
    "pooled_person_revocation",
    "remote_filing",
    "remote_filing_revocation",
    "resident_medical_stop",
    "retiree_medical",
    "retirement",
    "retirement_settlement",
    "special_job",
    "survivor",
    "terminal_operator",
    "unemployment_benefit",
    "wage_base",
    "wage_revocation",
)


def _built_in_one(kind: str) -> Declaration:
    """The business of the manual with English key ``kind``, importing only its module.

    One static import per business (the architecture tests read the imports), chosen
    by the key: a command that declares or reviews one business imports one module.
    """
    match kind:
        case "approver_info":
            from sbbatch.declarations import approver_info

            return approver_info.DECLARATION
        case "backpay":
            from sbbatch.declarations import backpay

            return backpay.DECLARATION
        case "card_application":
            from sbbatch.declarations import card_application

            return card_application.DECLARATION
        case "card_issuing_info":
            from sbbatch.declarations import card_issuing_info

            return card_issuing_info.DECLARATION
        case "card_revocation":
            from sbbatch.declarations import card_revocation

            return card_revocation.DECLARATION
        case "departure":
            from sbbatch.declarations import departure

            return departure.DECLARATION
        case "enrolment":
            from sbbatch.declarations import enrolment

            return enrolment.DECLARATION
        case "flexible_pension_deduction":
            from sbbatch.declarations import flexible_pension_deduction

            return flexible_pension_deduction.DECLARATION
        case "interrupted_to_retired":
            from sbbatch.declarations import interrupted_to_retired

            return interrupted_to_retired.DECLARATION
        case "leave_reason_change":
            from sbbatch.declarations import leave_reason_change

            return leave_reason_change.DECLARATION
        case "medical_account_subsidy":
            from sbbatch.declarations import medical_account_subsidy

            return medical_account_subsidy.DECLARATION
        case "military_cadre":
            from sbbatch.declarations import military_cadre

            return military_cadre.DECLARATION
        case "outpatient_disease":
            from sbbatch.declarations import outpatient_disease

            return outpatient_disease.DECLARATION
        case "payment_certificate":
            from sbbatch.declarations import payment_certificate

            return payment_certificate.DECLARATION
        case "pooled_pension_check":
            from sbbatch.declarations import pooled_pension_check

            return pooled_pension_check.DECLARATION
        case "pooled_pension_revocation":
            from sbbatch.declarations import pooled_pension_revocation

            return pooled_pension_revocation.DECLARATION
        case "pooled_person_check":
            from sbbatch.declarations import pooled_person_check

            return pooled_person_check.DECLARATION
        case "pooled_person_revocation":
            from sbbatch.declarations import pooled_person_revocation

            return pooled_person_revocation.DECLARATION
        case "remote_filing":
            from sbbatch.declarations import remote_filing

            return remote_filing.DECLARATION
        case "remote_filing_revocation":
            from sbbatch.declarations import remote_filing_revocation

            return remote_filing_revocation.DECLARATION
        case "resident_medical_stop":
            from sbbatch.declarations import resident_medical_stop

            return resident_medical_stop.DECLARATION
        case "retiree_medical":
            from sbbatch.declarations import retiree_medical

            return retiree_medical.DECLARATION
        case "retirement":
            from sbbatch.declarations import retirement

            return retirement.DECLARATION
        case "retirement_settlement":
            from sbbatch.declarations import retirement_settlement

            return retirement_settlement.DECLARATION
        case "special_job":
            from sbbatch.declarations import special_job

            return special_job.DECLARATION
        case "survivor":
            from sbbatch.declarations import survivor

            return survivor.DECLARATION
        case "terminal_operator":
            from sbbatch.declarations import terminal_operator

            return terminal_operator.DECLARATION
        case "unemployment_benefit":
            from sbbatch.declarations import unemployment_benefit

            return unemployment_benefit.DECLARATION
        case "wage_base":
            from sbbatch.declarations import wage_base

            return wage_base.DECLARATION
        case "wage_revocation":
            from sbbatch.declarations import wage_revocation

            return wage_revocation.DECLARATION
        case _:
            msg = f"未知的业务「{kind}」。"
            raise UnusableInputError(msg)


@cache
def _built_in() -> tuple[Declaration, ...]:
    """The businesses of the manual, one module each.

    Imported on first use, not with the package: a command that needs one business
    (:func:`get`) imports that one module, and one that needs none (``sbbatch load``)
    none of the thirty modules and their policy.
    """
    return tuple(_built_in_one(kind) for kind in _BUILT_IN_KINDS)


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
    if declaration.kind in _BUILT_IN_KINDS:  # without importing the thirty modules
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

    Only the module of that business is imported (a review of 增员 does not import the
    thirty businesses); the full registry is built only to list the choices of an
    unknown kind.

    Examples:
        >>> get("批量增员申报").kind
        'enrolment'
        >>> get("wage_base").title
        '工资申报'
    """
    found = _one(kind)
    if found is not None:
        return found
    wanted = kind.strip()
    for key, row in kinds().items():
        names = {row["title"], *(row["aliases"] or "").split("|")}
        if wanted in names:
            found = _one(key)
            if found is not None:
                return found
    choices = "、".join(f"{d.kind}（{d.title}）" for d in registry().values())
    msg = f"未知的业务「{kind}」。提示：可用的有 {choices}。"
    raise UnusableInputError(msg)


def _one(key: str) -> Declaration | None:
    """The business of English key ``key`` (registered or built in), or None."""
    if key in _REGISTERED:
        return _REGISTERED[key]
    if key in _BUILT_IN_KINDS:
        return _built_in_one(key)
    return None
