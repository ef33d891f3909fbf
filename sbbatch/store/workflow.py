"""The declaration state machine (申报状态流转), read from ``schemas/workflow``.

States: ``draft`` 录入 → ``submitted`` 已提交 → ``reviewed`` 已审核 → ``read`` 已读;
``voided`` 已作废 from a draft or after a review that rejected rows; ``revoked`` 已撤销
for the businesses that allow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sbbatch import codes
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import InvalidTransitionError

__all__ = [
    "STATUS_LABELS",
    "Transition",
    "add_kind",
    "find_transition",
    "kind_prefix",
    "kind_revocable",
    "kind_title",
    "kinds",
    "resolve_kind",
    "transitions",
]

#: 申报状态 of each state, from ``schemas/codes/declaration_status.csv``.
STATUS_LABELS: dict[str, str] = dict(
    codes.table("declaration_status").select("code", "label").iter_rows()
)


@dataclass(frozen=True)
class Transition:
    """One allowed move of a declaration: ``action`` takes ``from_status`` to ``to_status``."""

    action: str
    label: str
    from_status: str
    to_status: str
    guard: str | None


@cache
def transitions() -> tuple[Transition, ...]:
    """Return every allowed transition, as listed in ``schemas/workflow/transitions.csv``."""
    frame, _ = read_commented_csv(schemas_dir() / "workflow" / "transitions.csv")
    return tuple(Transition(**row) for row in frame.iter_rows(named=True))


def find_transition(action: str, from_status: str) -> Transition:
    """Return the transition for ``action`` from ``from_status`` or raise a Chinese error.

    Examples:
        >>> find_transition("submit", "draft").to_status
        'submitted'
        >>> find_transition("submit", "read")
        Traceback (most recent call last):
        ...
        sbbatch.exceptions.InvalidTransitionError: 申报状态为「已读」，不能提交。提示：只有「录入」状态的申报可以提交。
    """
    candidates = [t for t in transitions() if t.action == action]
    if not candidates:
        msg = f"未知的操作「{action}」。"
        raise InvalidTransitionError(msg)
    for transition in candidates:
        if transition.from_status == from_status:
            return transition
    allowed = "、".join(f"「{STATUS_LABELS[t.from_status]}」" for t in candidates)
    label = candidates[0].label
    msg = (
        f"申报状态为「{STATUS_LABELS.get(from_status, from_status)}」，不能{label}。"
        f"提示：只有{allowed}状态的申报可以{label}。"
    )
    raise InvalidTransitionError(msg)


@cache
def _manual_kinds() -> dict[str, dict[str, str]]:
    frame, _ = read_commented_csv(schemas_dir() / "workflow" / "kinds.csv")
    return {row["kind"]: row for row in frame.iter_rows(named=True)}


#: Businesses added by :func:`add_kind` (extensions), by English key.
_ADDED_KINDS: dict[str, dict[str, str]] = {}


def kinds() -> dict[str, dict[str, str]]:
    """Return every business of the manual by English key: title, manual section, prefix.

    The rows of ``schemas/workflow/kinds.csv`` come first, in the manual's order, then
    those added by :func:`add_kind`.
    """
    return _manual_kinds() | _ADDED_KINDS


def add_kind(
    kind: str,
    title: str,
    prefix: str,
    *,
    revocable: bool = False,
    manual: str = "",
    aliases: tuple[str, ...] = (),
) -> None:
    """Add a business's row of the state machine (what ``kinds.csv`` holds) for an extension.

    A business that is not part of sbbatch needs this row before
    :func:`sbbatch.declarations.register`: its Chinese title and the two-letter prefix of
    its declaration numbers. Adding the same kind again replaces its row; a kind of the
    manual cannot be replaced.

    Raises:
        InvalidTransitionError: ``kind`` is a business of the manual.

    Examples:
        >>> add_kind("toy_example", "示例业务", "ZZ")
        >>> kind_title("toy_example"), kind_prefix("toy_example"), kind_revocable("toy_example")
        ('示例业务', 'ZZ', False)
        >>> _ = _ADDED_KINDS.pop("toy_example")
    """
    if kind in _manual_kinds():
        msg = f"业务「{kind}」已在手册的业务中，不能重复登记。提示：请换一个英文业务代码。"
        raise InvalidTransitionError(msg)
    _ADDED_KINDS[kind] = {
        "kind": kind,
        "title": title,
        "manual": manual,
        "prefix": prefix,
        "revocable": "true" if revocable else "false",
        "aliases": "|".join(aliases),
    }


def _kind(kind: str) -> dict[str, str]:
    known = kinds()
    if kind in known:
        return known[kind]
    wanted = kind.strip()
    for row in known.values():
        if wanted == row["title"] or wanted in (row["aliases"] or "").split("|"):
            return row
    msg = f"未知的业务「{kind}」。提示：可用的业务有 {'、'.join(known)}。"
    raise InvalidTransitionError(msg)


def resolve_kind(kind: str) -> str:
    """Return the English key of a business given its key or its Chinese title."""
    return _kind(kind)["kind"]


def kind_title(kind: str) -> str:
    """Return the Chinese title of a business (增员申报 …)."""
    return _kind(kind)["title"]


def kind_prefix(kind: str) -> str:
    """Return the two-letter prefix of the business's declaration numbers."""
    return _kind(kind)["prefix"]


def kind_revocable(kind: str) -> bool:
    """Return whether the manual offers a 撤销 for the business."""
    return _kind(kind)["revocable"] == "true"
