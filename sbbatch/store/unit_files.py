"""The SQL of loading a unit's own files (装入本单位数据): named, parameterised statements.

:mod:`sbbatch.unit_files` checks a file and hands the accepted rows here as a frame;
these functions classify them against what was loaded before (added / changed /
unchanged, by each row's key and the md5 of its values, kept as a number), write the changed ones into
the registry tables and keep the provenance of every row (``loads``, ``loaded_rows``).
They run inside the caller's transaction. Table and column names come only from the
constants of this module; values only as parameters or registered frames.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

import polars as pl

from sbbatch.store._sql import Fragment, compose, fragment, ident, join

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "PERSON_FIELDS",
    "UNIT_FIELDS",
    "classify",
    "insured_in_month",
    "known_persons",
    "latest_wages",
    "load_history",
    "record_load",
    "row_provenance",
    "units_in_workspace",
    "upsert_agency_payments",
    "upsert_periods",
    "upsert_persons",
    "upsert_units",
    "upsert_wages",
]

#: The columns of ``units`` a 单位信息 file may set.
UNIT_FIELDS: Final = (
    "name",
    "unit_type",
    "risk_class",
    "payment_method",
    "bank",
    "county_code",
    "agency",
    "insured_since",
)

#: The columns of ``persons`` a 人员信息 file may set.
PERSON_FIELDS: Final = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "hukou_type",
    "employment_form",
    "identity",
    "work_start_date",
)


def units_in_workspace(ws: Workspace) -> list[str]:
    """Return the unit numbers the workspace holds, in order."""
    return ws.sql("SELECT unit_id FROM units ORDER BY unit_id")["unit_id"].to_list()


def classify(ws: Workspace, kind: str, unit_id: str, keyed: pl.DataFrame) -> pl.DataFrame:
    """Tell each keyed row whether it is new, changed or as loaded before.

    Args:
        keyed: ``row_key``, ``content`` (the row's values as one text) and ``sheet_row``.

    Returns:
        ``row_key``, ``row_hash`` and ``state`` (``added``, ``changed``, ``unchanged``),
        in the order of ``keyed``.
    """
    with ws.registered(_sbbatch_keyed=keyed.select("row_key", "content", "sheet_row")):
        return ws.sql(
            "SELECT k.row_key, md5_number_lower(k.content) AS row_hash, "
            "CASE WHEN l.row_hash IS NULL THEN 'added' "
            "     WHEN l.row_hash = md5_number_lower(k.content) THEN 'unchanged' "
            "     ELSE 'changed' END AS state "
            "FROM _sbbatch_keyed k LEFT JOIN loaded_rows l "
            "ON l.kind = $kind AND l.unit_id = $unit AND l.row_key = k.row_key "
            "ORDER BY k.sheet_row",
            {"kind": kind, "unit": unit_id},
        )


def record_load(
    ws: Workspace,
    *,
    kind: str,
    unit_id: str,
    file: str,
    rows_read: int,
    counts: dict[str, int],
    rejected: int,
    provenance: pl.DataFrame,
) -> int:
    """Insert the ``loads`` row and the provenance of the added/changed rows; return the load id.

    Args:
        provenance: ``row_key``, ``row_hash``, ``sheet_row`` of the rows written.
    """
    loaded_at = ws.now()
    load_id = int(
        ws.sql(
            "INSERT INTO loads (kind, unit_id, file, loaded_at, rows_read, added, changed, "
            "unchanged, rejected) VALUES ($kind, $unit, $file, $at, $read, $added, $changed, "
            "$unchanged, $rejected) RETURNING load_id",
            {
                "kind": kind,
                "unit": unit_id,
                "file": file,
                "at": loaded_at,
                "read": rows_read,
                "added": counts.get("added", 0),
                "changed": counts.get("changed", 0),
                "unchanged": counts.get("unchanged", 0),
                "rejected": rejected,
            },
        )["load_id"][0]
    )
    if provenance.height:
        # one row per key, kept here (loaded_rows has no index: 0.17 s of CPU to insert
        # 100,000 rows and 0.33 s at commit with it, 0.10 and 0.05 s without): UPDATE the
        # keys loaded before, INSERT the others, in key order; the file and the time
        # stay in the loads row
        parameters = {"kind": kind, "unit": unit_id, "load": load_id}
        known = ws.sql(
            "SELECT EXISTS (SELECT 1 FROM loaded_rows WHERE kind = $kind AND unit_id = $unit) "
            "AS known",
            {"kind": kind, "unit": unit_id},
        )["known"][0]
        with ws.registered(_sbbatch_provenance=provenance.sort("row_key")):
            if not known:  # the first load of this kind and unit: every key is new
                ws.execute(
                    "INSERT INTO loaded_rows (kind, unit_id, row_key, row_hash, load_id, "
                    "sheet_row) SELECT $kind, $unit, row_key, row_hash, $load, sheet_row "
                    "FROM _sbbatch_provenance",
                    parameters,
                )
                return load_id
            ws.execute(
                "UPDATE loaded_rows SET row_hash = p.row_hash, load_id = $load, "
                "sheet_row = p.sheet_row FROM _sbbatch_provenance p "
                "WHERE loaded_rows.kind = $kind AND loaded_rows.unit_id = $unit "
                "AND loaded_rows.row_key = p.row_key",
                parameters,
            )
            ws.execute(
                "INSERT INTO loaded_rows (kind, unit_id, row_key, row_hash, load_id, sheet_row) "
                "SELECT $kind, $unit, p.row_key, p.row_hash, $load, p.sheet_row "
                "FROM _sbbatch_provenance p ANTI JOIN (SELECT row_key FROM loaded_rows "
                "WHERE kind = $kind AND unit_id = $unit) l ON l.row_key = p.row_key",
                parameters,
            )
    return load_id


def _coalesce_set(table: str, fields: tuple[str, ...]) -> Fragment:
    """Return ``a = coalesce(s.a, table.a), …`` for an UPDATE from the frame ``s``.

    A null in the file keeps the value the workspace has (an HR export without 民族
    does not erase it).
    """
    return join(
        (
            compose("{f} = coalesce(s.{f}, {t}.{f})", f=ident(f, fields), t=ident(table, _TABLES))
            for f in fields
        ),
        ", ",
    )


_TABLES = ("units", "persons", "agency_payments")
_PAYMENT_FIELDS = ("base_fen", "unit_fen", "person_fen", "arrived")
_PAYMENT_KEY = ("person_id", "month", "insurance")


def _keyed_upsert(table: str, key: str, fields: tuple[str, ...]) -> tuple[Fragment, Fragment]:
    """Return the UPDATE of the keys already in ``table`` and the INSERT of the others.

    Both read the frame registered as ``_sbbatch_upsert`` (alias ``s``); the INSERT is an
    anti-join on ``key``.
    """
    slots = {
        "t": ident(table, _TABLES),
        "k": ident(key, (key,)),
        "cols": join((ident(c, (key, *fields)) for c in (key, *fields)), ", "),
        "set": _coalesce_set(table, fields),
    }
    update = compose("UPDATE {t} SET {set} FROM _sbbatch_upsert s WHERE {t}.{k} = s.{k}", **slots)
    insert = compose(
        "INSERT INTO {t} ({cols}) SELECT {cols} FROM _sbbatch_upsert s ANTI JOIN {t} "
        "{alias} ON {alias}.{k} = s.{k}",
        alias=fragment(table[0]),
        **slots,
    )
    return update, insert


# Each upsert is an UPDATE of the keys already there, then an INSERT of the others (an
# anti-join): on 824,570 payment lines a third of the CPU of INSERT … ON CONFLICT, whose
# index probe per row is what costs. The frames come sorted by key, so the primary-key
# index is filled in order (half the CPU again, at insert and at commit).
_UPDATE_UNITS, _INSERT_UNITS = _keyed_upsert("units", "unit_id", UNIT_FIELDS)
_UPDATE_PERSONS, _INSERT_PERSONS = _keyed_upsert("persons", "person_id", PERSON_FIELDS)
_INSERT_FIRST_PERSONS = compose(
    "INSERT INTO persons ({cols}) SELECT {cols} FROM _sbbatch_upsert",
    cols=join(
        (ident(c, ("person_id", *PERSON_FIELDS)) for c in ("person_id", *PERSON_FIELDS)), ", "
    ),
)
_UPDATE_PAYMENTS = compose(
    "UPDATE agency_payments SET {set} FROM _sbbatch_upsert s WHERE agency_payments.unit_id = $unit "
    "AND agency_payments.person_id = s.person_id AND agency_payments.month = s.month "
    "AND agency_payments.insurance = s.insurance",
    set=_coalesce_set("agency_payments", _PAYMENT_FIELDS),
)
_INSERT_PAYMENTS = (
    "INSERT INTO agency_payments (unit_id, person_id, month, insurance, base_fen, unit_fen, "
    "person_fen, arrived) SELECT $unit, s.person_id, s.month, s.insurance, s.base_fen, "
    "s.unit_fen, s.person_fen, s.arrived FROM _sbbatch_upsert s ANTI JOIN "
    "(SELECT person_id, month, insurance FROM agency_payments WHERE unit_id = $unit) a "
    "ON a.person_id = s.person_id AND a.month = s.month AND a.insurance = s.insurance"
)


def _with_columns(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Return ``frame`` with every column of ``columns`` (missing ones null, typed)."""
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in columns.items()
    )


_UNIT_DTYPES: dict[str, pl.DataType] = {
    "unit_id": pl.String(),
    "name": pl.String(),
    "unit_type": pl.String(),
    "risk_class": pl.Int32(),
    "payment_method": pl.String(),
    "bank": pl.String(),
    "county_code": pl.String(),
    "agency": pl.String(),
    "insured_since": pl.Date(),
}
_PERSON_DTYPES: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "name": pl.String(),
    "gender": pl.String(),
    "birth_date": pl.Date(),
    "ethnicity": pl.String(),
    "phone": pl.String(),
    "hukou_type": pl.String(),
    "employment_form": pl.String(),
    "identity": pl.String(),
    "work_start_date": pl.Date(),
}


def upsert_units(ws: Workspace, units: pl.DataFrame) -> None:
    """Insert or update 单位信息 rows (``unit_id`` and any of :data:`UNIT_FIELDS`)."""
    with ws.registered(_sbbatch_upsert=_with_columns(units, _UNIT_DTYPES).sort("unit_id")):
        ws.execute(_UPDATE_UNITS)
        ws.execute(_INSERT_UNITS)


def upsert_persons(ws: Workspace, persons: pl.DataFrame) -> None:
    """Insert or update persons (``person_id`` and any of :data:`PERSON_FIELDS`)."""
    with ws.registered(_sbbatch_upsert=_with_columns(persons, _PERSON_DTYPES).sort("person_id")):
        if ws.sql("SELECT EXISTS (SELECT 1 FROM persons) AS known")["known"][0]:
            ws.execute(_UPDATE_PERSONS)
            ws.execute(_INSERT_PERSONS)
        else:  # a new workspace's first persons: no key to look up (0.04 s, 10 MB less)
            ws.execute(_INSERT_FIRST_PERSONS)


def upsert_periods(ws: Workspace, periods: pl.DataFrame) -> None:
    """Open or update insured periods from the agency's snapshot of the unit's persons.

    Args:
        periods: ``unit_id``, ``person_id``, ``insurance``, ``person_category``,
            ``from_month``, ``until_month``, ``leave_reason``. A period of the same unit,
            person, insurance and 参保年月 is updated (its 减员年月/原因 and 人员类别 as the
            snapshot says); any other is opened.
    """
    with ws.registered(_sbbatch_periods=periods):
        # the units as a parameter: DuckDB would read the frame's 500,000 unit ids for it
        known = ws.sql(
            "SELECT EXISTS (SELECT 1 FROM insured_periods WHERE unit_id IN "
            "(SELECT unnest($units))) AS known",
            {"units": periods["unit_id"].unique().to_list()},
        )["known"][0]
        if known:
            ws.execute(_UPDATE_PERIODS)
            ws.execute(_INSERT_PERIODS)
        else:  # the unit's first periods: nothing to update, nothing to leave out
            ws.execute(_INSERT_NEW_PERIODS)


# The INSERT is an anti-join on the periods of the frame's unit(s), not a correlated
# NOT EXISTS (0.31–0.36 s against 0.40–0.48 s of CPU for 500,000 periods). A unit's
# first periods are inserted without it (the join's state was 20 MB of peak memory).
_INSERT_NEW_PERIODS = (
    "INSERT INTO insured_periods (unit_id, person_id, insurance, person_category, "
    "from_month, until_month, leave_reason) "
    "SELECT unit_id, person_id, insurance, person_category, from_month, until_month, "
    "leave_reason FROM _sbbatch_periods"
)
_UPDATE_PERIODS = (
    "UPDATE insured_periods p SET until_month = s.until_month, "
    "leave_reason = s.leave_reason, person_category = s.person_category "
    "FROM _sbbatch_periods s WHERE p.unit_id = s.unit_id AND p.person_id = s.person_id "
    "AND p.insurance = s.insurance AND p.from_month = s.from_month"
)
_INSERT_PERIODS = (
    "INSERT INTO insured_periods (unit_id, person_id, insurance, person_category, "
    "from_month, until_month, leave_reason) "
    "SELECT s.unit_id, s.person_id, s.insurance, s.person_category, s.from_month, "
    "s.until_month, s.leave_reason FROM _sbbatch_periods s ANTI JOIN ("
    "SELECT unit_id, person_id, insurance, from_month FROM insured_periods "
    "WHERE unit_id IN (SELECT unit_id FROM _sbbatch_periods)) p "
    "ON p.unit_id = s.unit_id AND p.person_id = s.person_id "
    "AND p.insurance = s.insurance AND p.from_month = s.from_month"
)


def upsert_wages(ws: Workspace, unit_id: str, wages: pl.DataFrame) -> None:
    """Set the loaded wage (缴费工资) of each person and month; declared wages stay.

    Args:
        wages: ``person_id``, ``month`` (first of the month), ``wage_fen``.
    """
    with ws.registered(_sbbatch_wages=wages.select("person_id", "month", "wage_fen")):
        ws.execute(
            "DELETE FROM wage_bases w USING _sbbatch_wages s WHERE w.unit_id = $unit "
            "AND w.person_id = s.person_id AND w.month = s.month AND w.declaration_id IS NULL",
            {"unit": unit_id},
        )
        ws.execute(
            "INSERT INTO wage_bases (unit_id, person_id, month, wage_fen) "
            "SELECT $unit, s.person_id, s.month, s.wage_fen FROM _sbbatch_wages s "
            "WHERE NOT EXISTS (SELECT 1 FROM wage_bases w WHERE w.unit_id = $unit "
            "AND w.person_id = s.person_id AND w.month = s.month AND w.revoked_by IS NULL)",
            {"unit": unit_id},
        )


def upsert_agency_payments(ws: Workspace, unit_id: str, lines: pl.DataFrame) -> None:
    """Insert or replace the agency's payment detail lines of the unit.

    Args:
        lines: ``person_id``, ``month``, ``insurance``, ``base_fen``, ``unit_fen``,
            ``person_fen``, ``arrived``.
    """
    frame = lines.select(*_PAYMENT_KEY, *_PAYMENT_FIELDS).sort(_PAYMENT_KEY)
    with ws.registered(_sbbatch_upsert=frame):
        ws.execute(_UPDATE_PAYMENTS, {"unit": unit_id})
        ws.execute(_INSERT_PAYMENTS, {"unit": unit_id})


def wage_month(today: dt.date) -> dt.date:
    """The month a persons file's 缴费基数 is recorded for: the agency's current month."""
    return today.replace(day=1)


def insured_in_month(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return the persons insured in the unit in ``month`` or enrolled from a later month.

    One row each: ``person_id``, ``reg_name``, ``reg_gender``, ``reg_birth_date``,
    ``reg_identity``, ``reg_category`` (人员类别 of the latest period),
    ``enrolled_month`` (the earliest 增员年月 of these periods) and ``reg_until``
    (the 减员年月 already set, null while a period is open).
    """
    return ws.sql(
        "SELECT p.person_id, any_value(s.name) AS reg_name, any_value(s.gender) AS reg_gender, "
        "any_value(s.birth_date) AS reg_birth_date, any_value(s.identity) AS reg_identity, "
        "arg_max(p.person_category, p.from_month) AS reg_category, "
        "min(p.from_month) AS enrolled_month, "
        "CASE WHEN bool_or(p.until_month IS NULL) THEN NULL ELSE max(p.until_month) END "
        "AS reg_until "
        "FROM insured_periods p JOIN persons s USING (person_id) "
        "WHERE p.unit_id = $unit AND (p.until_month IS NULL OR p.until_month > $month) "
        "GROUP BY p.person_id ORDER BY p.person_id",
        {"unit": unit_id, "month": month},
    )


def latest_wages(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """Return each person's latest wage (缴费工资) in the unit up to ``month``.

    Columns: ``person_id``, ``reg_wage_fen``, ``reg_wage_month``. Revoked wages are
    skipped; in the same month a declared wage (工资申报) wins over a loaded one.
    """
    return ws.sql(
        "SELECT person_id, wage_fen AS reg_wage_fen, month AS reg_wage_month FROM wage_bases "
        "WHERE unit_id = $unit AND month <= $month AND revoked_by IS NULL "
        "QUALIFY row_number() OVER (PARTITION BY person_id "
        "ORDER BY month DESC, declaration_id IS NOT NULL DESC) = 1",
        {"unit": unit_id, "month": month},
    )


def known_persons(ws: Workspace, person_ids: pl.Series | list[str]) -> pl.DataFrame:
    """Return ``person_id`` and ``ever_insured`` (any insured period anywhere) of known persons."""
    # the IDs as a registered frame, not a list parameter (converted value by value)
    wanted = pl.DataFrame({"person_id": pl.Series(person_ids, dtype=pl.String)})
    with ws.registered(_sbbatch_ids=wanted):
        return ws.sql(
            "SELECT s.person_id, s.person_id IN (SELECT person_id FROM insured_periods) "
            "AS ever_insured FROM persons s "
            "WHERE s.person_id IN (SELECT person_id FROM _sbbatch_ids)"
        )


def load_history(ws: Workspace) -> pl.DataFrame:
    """Return every load (装入记录), newest first."""
    return ws.sql(
        "SELECT load_id, kind, unit_id, file, loaded_at, rows_read, added, changed, unchanged, "
        "rejected FROM loads ORDER BY load_id DESC"
    )


def row_provenance(ws: Workspace, person_id: str | None = None) -> pl.DataFrame:
    """Return where each loaded row came from: kind, key, file, sheet row, load time.

    The file and the time are those of the load that last added or changed the row
    (``loads``, joined by ``load_id``). With ``person_id``, only the rows of that person (their key starts with the ID number).
    """
    return ws.sql(
        "SELECT r.kind, r.unit_id, r.row_key, l.file, r.sheet_row, l.loaded_at, r.load_id "
        "FROM loaded_rows r JOIN loads l ON l.load_id = r.load_id "
        "WHERE $id IS NULL OR r.row_key = $id OR starts_with(r.row_key, $id || '|') "
        "ORDER BY r.kind, r.row_key",
        {"id": person_id},
    )
