"""Look-ups, columns and rules shared by 退休结清 (manual §3.7) and the 行业统筹 businesses
(manual §3.9–3.12).

行业统筹人员 are persons of a unit in an industry pooling scheme (table
``pooled_persons``, loaded from the agency's list with :func:`mark_pooled`). The unit
confirms their basic information (核对行业统筹人员基本信息, ``pooled_person_checks``)
and then their pension (核对行业统筹人员养老金, ``pooled_pension_checks``); either
confirmation may be revoked (撤销…认定), which sets its ``status`` to ``revoked``. Every
look-up is one query over the declared persons, joined back by ``person_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.declarations._common import id_column, name_column
from sbbatch.declarations._other import known_person
from sbbatch.declarations._registry_review import (
    name_matches_registry,
    once_in_declaration,
    with_all_columns,
)
from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import Column, Declaration, Review, Rule
from sbbatch.store import pooled, registry

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "CONFIRMED",
    "PERSON_COLUMNS",
    "REVOKED",
    "gender_matches_registry",
    "mark_pooled",
    "pooled_facts",
    "pooled_here_rule",
    "pooled_of_unit",
    "revocation",
    "revoke_checks",
]

CONFIRMED, REVOKED = "confirmed", "revoked"

#: The columns of the 行业统筹人员 forms (manual §3.10 screenshot): 身份证号码, 姓名, 性别.
PERSON_COLUMNS: tuple[Column, ...] = (
    id_column(),
    name_column(),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
)


def mark_pooled(
    ws: Workspace, unit_id: str, person_ids: list[str], scheme: str, since: dt.date
) -> int:
    """List persons of a unit as 行业统筹人员 (the agency's list), in one transaction.

    A person already listed is replaced (unit, scheme, date). Every person must be in
    the registry and have been insured in the unit.

    Returns:
        The number of persons listed.

    Raises:
        UnusableInputError: A person is unknown or never insured in the unit.
    """
    found = registry.insured_persons_of_unit(ws, unit_id, person_ids)
    missing = sorted(set(person_ids) - set(found))
    if missing:
        msg = f"{len(missing)} 人未在单位 {unit_id} 参保过，不能列为行业统筹人员。"
        raise UnusableInputError(msg)
    frame = pl.DataFrame({"person_id": sorted(set(person_ids))}).with_columns(
        pl.lit(unit_id).alias("unit_id"),
        pl.lit(scheme).alias("scheme"),
        pl.lit(since).alias("since"),
    )
    with ws.transaction():
        pooled.replace_pooled(ws, frame)
        ws.log_effect(None, f"单位 {unit_id} 列入行业统筹人员 {frame.height} 人（{scheme}）。")
    return frame.height


def pooled_of_unit(ws: Workspace, unit_id: str, *, check: str | None = None) -> pl.DataFrame:
    """Return the unit's 行业统筹人员 as rows of the forms: ``person_id, name, gender``.

    Args:
        ws: The workspace.
        unit_id: The unit.
        check: ``"person"`` / ``"pension"``: only persons *without* that confirmation (to
            tick for a 核对); ``"-person"`` / ``"-pension"``: only persons *with* it
            (to revoke); None: all.
    """
    return pooled.pooled_of_unit(ws, unit_id, check=check)


def pooled_facts(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Join the rows with the registry person and their 行业统筹 state in the unit.

    Adds ``reg_name``, ``reg_gender``, ``pooled_unit_id``, ``scheme``, ``pooled_here``,
    the unit's confirmed basic-info check (``person_check_id``, ``person_checked_on``)
    and pension check (``pension_check_id``, ``pension_checked_on``).
    """
    facts = pooled.pooled_facts(ws, rows["person_id"].drop_nulls().to_list(), unit_id)
    return rows.join(facts, on="person_id", how="left", maintain_order="left").with_columns(
        (pl.col("pooled_unit_id") == unit_id).fill_null(False).alias("pooled_here"),
        pl.col("person_checked_on").dt.strftime("%Y-%m-%d").alias("person_checked_text"),
        pl.col("pension_checked_on").dt.strftime("%Y-%m-%d").alias("pension_checked_text"),
    )


def gender_matches_registry() -> Rule:
    """Return the rule that the declared 性别 is the registry's."""
    return Rule(
        "gender_matches_registry",
        "reject",
        "gender",
        "性别「{value}」与社保登记的性别不符。提示：请核对人员信息。",
        pl.col("gender") == pl.col("reg_gender"),
    )


def pooled_here_rule(action: str) -> Rule:
    """Return the rule that the person is a 行业统筹人员 of the declaring unit."""
    return Rule(
        "pooled_here",
        "reject",
        "person_id",
        f"「{{reg_name}}」不是本单位的行业统筹人员，不能{action}。",
        pl.col("pooled_here"),
        when=pl.col("reg_name").is_not_null(),
    )


def revoke_checks(ws: Workspace, which: str, approved: pl.DataFrame, header: dict[str, Any]) -> int:
    """Set the unit's confirmed checks (``"person"`` / ``"pension"``) of the persons revoked.

    Returns:
        The number of confirmations revoked.
    """
    if not approved.height:
        return 0
    return pooled.revoke_checks(
        ws,
        which,
        approved,
        unit_id=header["unit_id"],
        declaration_id=header["declaration_id"],
        today=ws.today,
    )


def revocation(
    *,
    kind: str,
    title: str,
    which: str,
    description: str,
    confirmed: Rule,
    before_once: tuple[Rule, ...] = (),
) -> Declaration:
    """Return the Declaration of a 撤销行业统筹人员…认定 business (manual §3.10, §3.12).

    Both revocations take one row per person (身份证号码, 姓名, 性别), prefill the unit's
    persons whose ``which`` (``"person"`` / ``"pension"``) confirmation stands, check
    the registry person and that confirmation (``confirmed``, plus ``before_once``),
    and, when approved, set the unit's confirmations of the persons to revoked.
    """

    def prefill(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
        del month
        return pooled_of_unit(ws, unit_id, check=f"-{which}")

    def context(ws: Workspace, rows: pl.DataFrame, header: dict[str, Any]) -> pl.DataFrame:
        return pooled_facts(ws, with_all_columns(rows, PERSON_COLUMNS), header["unit_id"])

    def effects(ws: Workspace, approved: pl.DataFrame, header: dict[str, Any]) -> None:
        revoked = revoke_checks(ws, which, approved, header)
        ws.log_effect(
            header["declaration_id"],
            f"{title}审核通过 {approved.height} 人：撤销认定 {revoked} 条。",
        )

    rules = (
        known_person(),
        name_matches_registry(),
        gender_matches_registry(),
        confirmed,
        *before_once,
        once_in_declaration(),
    )
    return Declaration(
        kind=kind,
        title=title,
        columns=PERSON_COLUMNS,
        description=description,
        prefill=prefill,
        review=Review(rules, context, effects),
        detectable=False,
    )
