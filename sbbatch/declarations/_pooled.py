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
from sbbatch.declarations._registry import rows_source
from sbbatch.exceptions import UnusableInputError
from sbbatch.spec import Column, Rule

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
    "revoke_checks",
]

CONFIRMED, REVOKED = "confirmed", "revoked"

#: The columns of the 行业统筹人员 forms (manual §3.10 screenshot): 身份证号码, 姓名, 性别.
PERSON_COLUMNS: tuple[Column, ...] = (
    id_column(),
    name_column(),
    Column("gender", "性别", "gender", example="男", derived_from_id=True),
)

_CHECK_TABLES = {"person": "pooled_person_checks", "pension": "pooled_pension_checks"}


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
    found = ws.sql(
        "SELECT DISTINCT person_id FROM insured_periods "
        "WHERE unit_id = $unit AND person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"unit": unit_id, "ids": person_ids},
    )["person_id"].to_list()
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
        source, params = rows_source(frame.select("person_id"))
        ws.execute(
            f"DELETE FROM pooled_persons WHERE person_id IN (SELECT person_id FROM {source})",
            params,
        )
        ws.insert_frame("pooled_persons", frame)
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
    where = ""
    if check is not None:
        table = _CHECK_TABLES[check.lstrip("-")]
        negate = "" if check.startswith("-") else "NOT "
        where = (
            f"AND {negate}EXISTS (SELECT 1 FROM {table} c WHERE c.person_id = q.person_id "
            "AND c.unit_id = q.unit_id AND c.status = 'confirmed')"
        )
    return ws.sql(
        "SELECT q.person_id, s.name, s.gender FROM pooled_persons q "
        f"JOIN persons s USING (person_id) WHERE q.unit_id = $unit {where} ORDER BY q.person_id",
        {"unit": unit_id},
    )


def pooled_facts(ws: Workspace, rows: pl.DataFrame, unit_id: str) -> pl.DataFrame:
    """Join the rows with the registry person and their 行业统筹 state in the unit.

    Adds ``reg_name``, ``reg_gender``, ``pooled_unit_id``, ``scheme``, ``pooled_here``,
    the unit's confirmed basic-info check (``person_check_id``, ``person_checked_on``)
    and pension check (``pension_check_id``, ``pension_checked_on``).
    """
    facts = ws.sql(
        """
        WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS person_id)
        SELECT w.person_id, s.name AS reg_name, s.gender AS reg_gender,
               q.unit_id AS pooled_unit_id, q.scheme,
               pc.declaration_id AS person_check_id, pc.confirmed_on AS person_checked_on,
               yc.declaration_id AS pension_check_id, yc.confirmed_on AS pension_checked_on
        FROM wanted w JOIN persons s USING (person_id)
        LEFT JOIN pooled_persons q USING (person_id)
        LEFT JOIN pooled_person_checks pc ON pc.person_id = w.person_id
             AND pc.unit_id = $unit AND pc.status = 'confirmed'
        LEFT JOIN pooled_pension_checks yc ON yc.person_id = w.person_id
             AND yc.unit_id = $unit AND yc.status = 'confirmed'
        """,
        {"ids": rows["person_id"].drop_nulls().to_list(), "unit": unit_id},
    )
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
    table = _CHECK_TABLES[which]
    source, params = rows_source(approved.select("person_id"))
    params = {**params, "unit": header["unit_id"]}
    condition = (
        f"{table}.person_id IN (SELECT person_id FROM {source}) "
        f"AND {table}.unit_id = $unit AND {table}.status = 'confirmed'"
    )
    revoked = int(ws.sql(f"SELECT count(*) AS n FROM {table} WHERE {condition}", params)["n"][0])
    ws.execute(
        f"UPDATE {table} SET status = 'revoked', revoked_by = $declaration, "
        f"revoked_on = $today WHERE {condition}",
        {**params, "declaration": header["declaration_id"], "today": ws.today},
    )
    return revoked
