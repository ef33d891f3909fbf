"""The SQL of the 行业统筹 businesses: the pooled persons and their two confirmations.

``pooled_persons`` is the agency's list; ``pooled_person_checks`` (基本信息) and
``pooled_pension_checks`` (养老金) hold the unit's confirmations, which a revocation
sets to ``revoked``. The check table is named by ``"person"`` or ``"pension"`` and
chosen from an allow-list; values travel as parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.store._sql import Fragment, compose, fragment, ident
from sbbatch.store.registry import rows_source

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["CHECK_TABLES", "pooled_facts", "pooled_of_unit", "replace_pooled", "revoke_checks"]

#: The confirmation tables, by the name the businesses use.
CHECK_TABLES = {"person": "pooled_person_checks", "pension": "pooled_pension_checks"}


def _check_table(which: str) -> Fragment:
    return ident(CHECK_TABLES[which], set(CHECK_TABLES.values()))


def replace_pooled(ws: Workspace, frame: pl.DataFrame) -> int:
    """Replace the list rows of the frame's persons by the frame (caller's transaction)."""
    source, params = rows_source(frame.select("person_id"))
    ws.execute(
        compose(
            "DELETE FROM pooled_persons WHERE person_id IN (SELECT person_id FROM {source})",
            source=source,
        ),
        params,
    )
    return ws.insert_frame("pooled_persons", frame)


def pooled_of_unit(ws: Workspace, unit_id: str, *, check: str | None = None) -> pl.DataFrame:
    """Return the unit's 行业统筹人员: ``person_id, name, gender``.

    ``check`` ``"person"`` / ``"pension"``: only persons *without* that confirmation;
    ``"-person"`` / ``"-pension"``: only persons *with* it; None: all.
    """
    where = fragment("")
    if check is not None:
        where = compose(
            "AND {negate}EXISTS (SELECT 1 FROM {table} c WHERE c.person_id = q.person_id "
            "AND c.unit_id = q.unit_id AND c.status = 'confirmed')",
            negate=fragment("") if check.startswith("-") else fragment("NOT "),
            table=_check_table(check.lstrip("-")),
        )
    return ws.sql(
        compose(
            "SELECT q.person_id, s.name, s.gender FROM pooled_persons q "
            "JOIN persons s USING (person_id) WHERE q.unit_id = $unit {where} "
            "ORDER BY q.person_id",
            where=where,
        ),
        {"unit": unit_id},
    )


def pooled_facts(ws: Workspace, person_ids: list[str], unit_id: str) -> pl.DataFrame:
    """Return the registry person and their 行业统筹 state in the unit, per person.

    Columns: ``person_id``, ``reg_name``, ``reg_gender``, ``pooled_unit_id``,
    ``scheme``, ``person_check_id``, ``person_checked_on``, ``pension_check_id``,
    ``pension_checked_on``.
    """
    return ws.sql(
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
        {"ids": person_ids, "unit": unit_id},
    )


def revoke_checks(
    ws: Workspace,
    which: str,
    person_ids: pl.DataFrame,
    *,
    unit_id: str,
    declaration_id: str,
    today: dt.date,
) -> int:
    """Set the unit's confirmed checks (``"person"`` / ``"pension"``) of the persons revoked.

    Returns:
        The number of confirmations revoked.
    """
    table = _check_table(which)
    source, params = rows_source(person_ids.select("person_id"))
    params = {**params, "unit": unit_id}
    condition = compose(
        "{table}.person_id IN (SELECT person_id FROM {source}) "
        "AND {table}.unit_id = $unit AND {table}.status = 'confirmed'",
        table=table,
        source=source,
    )
    revoked = int(
        ws.sql(
            compose(
                "SELECT count(*) AS n FROM {table} WHERE {condition}",
                table=table,
                condition=condition,
            ),
            params,
        )["n"][0]
    )
    ws.execute(
        compose(
            "UPDATE {table} SET status = 'revoked', revoked_by = $declaration, "
            "revoked_on = $today WHERE {condition}",
            table=table,
            condition=condition,
        ),
        {**params, "declaration": declaration_id, "today": today},
    )
    return revoked
