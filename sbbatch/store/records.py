"""The SQL of the businesses' look-ups in the agency's records: named, parameterised reads.

The records are what approved declarations left behind — 退休 (``retirements``),
结清 (``retirement_settlements``), 军转干 (``military_cadres``), 遗属 and 失业 benefits,
特殊工种 periods, 门规证 and 病种, 异地备案, 专管员, 审定人, 工资 (``wage_bases``) and
the bills — and a business's review asks of them for the persons it declares. Each
function is one statement; ID numbers travel as one list parameter (``$ids``), the
answer comes back as a frame the caller joins by ``person_id`` or ``row_no``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch.store._sql import compose
from sbbatch.store.registry import rows_source

if TYPE_CHECKING:
    from sbbatch.store import Workspace


def _ids(person_ids: pl.Series | Sequence[str]) -> list[str]:
    if isinstance(person_ids, pl.Series):
        return list(person_ids.drop_nulls().cast(pl.String).unique().to_list())
    return list(dict.fromkeys(person_ids))


def _of(
    ws: Workspace, query: str, person_ids: pl.Series | Sequence[str], **params: Any
) -> pl.DataFrame:
    return ws.sql(query, {"ids": _ids(person_ids), **params})


# ------------------------------------------------------------------ persons and units
def persons_of_unit_in_month(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """The persons insured in the unit in ``month``: ``person_id, name, month, leave_reason`` (empty)."""
    return ws.sql(
        """
        SELECT DISTINCT p.person_id, s.name, NULL::DATE AS month, NULL::VARCHAR AS leave_reason
        FROM insured_periods p JOIN persons s USING (person_id)
        WHERE p.unit_id = $unit AND p.from_month <= $month
          AND (p.until_month IS NULL OR p.until_month > $month)
        ORDER BY p.person_id
        """,
        {"unit": unit_id, "month": month},
    )


def unit_insurance_facts(
    ws: Workspace,
    unit_id: str,
    person_ids: pl.Series | Sequence[str],
    *,
    month: dt.date,
    insurance: str | None,
) -> pl.DataFrame:
    """Per known person: registry facts and their insurance in the unit (see ``_other.in_unit``)."""
    return _of(
        ws,
        """
        WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS person_id),
        here AS (
            SELECT * FROM insured_periods
            WHERE unit_id = $unit AND ($insurance IS NULL OR insurance = $insurance)
        )
        SELECT w.person_id, s.name AS reg_name, s.gender AS reg_gender,
               s.birth_date AS reg_birth_date,
               count(h.from_month) > 0 AS ever_here,
               coalesce(bool_or(h.from_month IS NOT NULL AND h.until_month IS NULL), false) AS open_here,
               coalesce(bool_or(h.from_month <= $month
                        AND (h.until_month IS NULL OR h.until_month > $month)), false)
                   AS insured_in_month,
               min(h.from_month) AS first_month_here,
               arg_max(h.leave_reason, h.until_month) AS last_leave_reason
        FROM wanted w JOIN persons s USING (person_id)
        LEFT JOIN here h USING (person_id)
        GROUP BY ALL
        """,
        person_ids,
        unit=unit_id,
        insurance=insurance,
        month=month,
    )


def ever_insured(ws: Workspace, person_ids: pl.Series | Sequence[str]) -> pl.DataFrame:
    """The persons with any insured period: ``person_id, ever_insured`` (true)."""
    return _of(
        ws,
        "SELECT DISTINCT person_id, true AS ever_insured FROM insured_periods "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def persons_with_period_in_unit(ws: Workspace, unit_id: str) -> pl.Series:
    """The ID numbers of everyone with an insured period in the unit."""
    return ws.sql("SELECT DISTINCT person_id FROM insured_periods WHERE unit_id = ?", [unit_id])[
        "person_id"
    ]


def first_month_in_unit(ws: Workspace, unit_id: str) -> dt.date | None:
    """The first month anyone was insured in the unit (None when nobody was)."""
    found: dt.date | None = ws.sql(
        "SELECT min(from_month) AS m FROM insured_periods WHERE unit_id = ?", [unit_id]
    )["m"][0]
    return found


def unit_names(ws: Workspace) -> pl.DataFrame:
    """Every unit's name: ``unit_id, unit_name``."""
    return ws.sql("SELECT unit_id, name AS unit_name FROM units")


def unit_injury_rates(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's 工伤 risk class and rate: ``unit_id, risk_class, injury_rate``."""
    return ws.sql("SELECT unit_id, risk_class, injury_rate FROM units WHERE unit_id = ?", [unit_id])


def departures_approved(
    ws: Workspace, unit_id: str, person_ids: pl.Series, *, kind: str, statuses: Sequence[str]
) -> pl.DataFrame:
    """Per person, the unit's latest approved ``kind`` (减员) that closed their periods.

    Columns: ``person_id``, ``departure_id``, ``left_month``, ``old_reason``.
    """
    return _of(
        ws,
        "SELECT p.person_id, arg_max(p.closed_by, p.until_month) AS departure_id, "
        "max(p.until_month) AS left_month, arg_max(p.leave_reason, p.until_month) AS old_reason "
        "FROM insured_periods p JOIN declarations d ON d.declaration_id = p.closed_by "
        "WHERE d.kind = $kind AND d.status IN (SELECT unnest($done)) "
        "AND p.unit_id = $unit AND p.person_id IN (SELECT unnest($ids)) "
        "GROUP BY p.person_id",
        person_ids,
        kind=kind,
        done=list(statuses),
        unit=unit_id,
    )


def contribution_months(
    ws: Workspace,
    person_ids: pl.Series,
    insurance: str,
    *,
    end: dt.date,
    starts: pl.DataFrame,
) -> pl.DataFrame:
    """Each person's insured months of ``insurance`` before ``end``, from ``since_month`` on.

    ``starts``: ``person_id``, ``since_month`` (Date). Columns: ``person_id``,
    ``contribution_months``.
    """
    with ws.registered(sb_since=starts):
        return _of(
            ws,
            """
        WITH p AS (
            SELECT i.person_id, greatest(i.from_month, coalesce(s.since_month, i.from_month))
                       AS from_month,
                   least(coalesce(i.until_month, $end), $end) AS stop
            FROM insured_periods i LEFT JOIN sb_since s ON s.person_id = i.person_id
            WHERE i.insurance = $insurance AND i.person_id IN (SELECT unnest($ids::VARCHAR[]))
        ), months AS (
            SELECT person_id,
                   unnest(generate_series(from_month, stop - INTERVAL 1 MONTH, INTERVAL 1 MONTH))
                   AS month
            FROM p WHERE stop > from_month
        )
        SELECT person_id, count(DISTINCT month)::BIGINT AS contribution_months
        FROM months GROUP BY person_id
        """,
            person_ids,
            insurance=insurance,
            end=end,
        )


def insured_months_of_periods(ws: Workspace, keyed: pl.DataFrame, pension: str) -> pl.DataFrame:
    """Per row (``row_no, person_id, unit_key, from_month, to_month``): months insured there."""
    source, params = rows_source(keyed)
    return ws.sql(
        compose(
            """
        WITH wanted AS (
            SELECT x.row_no, unnest(generate_series(x.from_month, x.to_month, INTERVAL 1 MONTH))
                   AS month, x.person_id, x.unit_key
            FROM {source}
        )
        SELECT w.row_no, count(DISTINCT w.month)::BIGINT AS insured_months
        FROM wanted w JOIN insured_periods p
          ON p.person_id = w.person_id AND p.unit_id = w.unit_key AND p.insurance = $pension
         AND p.from_month <= w.month AND (p.until_month IS NULL OR p.until_month > w.month)
        GROUP BY w.row_no
        """,
            source=source,
        ),
        {**params, "pension": pension},
    )


def medical_unit_facts(
    ws: Workspace, unit_id: str, person_ids: pl.Series, *, retiree: str, retired: str
) -> pl.DataFrame:
    """Per person: employed / retired here and the latest 人员类别 in the unit."""
    return _of(
        ws,
        """
        SELECT person_id,
               bool_or(until_month IS NULL AND person_category <> $retiree) AS employed_here,
               bool_or((until_month IS NULL AND person_category = $retiree)
                       OR leave_reason = $retired) AS retired_here,
               arg_max(person_category, from_month) AS unit_category
        FROM insured_periods
        WHERE unit_id = $unit AND person_id IN (SELECT unnest($ids::VARCHAR[]))
        GROUP BY person_id
        """,
        person_ids,
        unit=unit_id,
        retiree=retiree,
        retired=retired,
    )


def earlier_open_declarations(
    ws: Workspace,
    person_ids: pl.Series,
    *,
    kinds: Sequence[str],
    statuses: Sequence[str],
    exclude: str,
) -> pl.DataFrame:
    """Per person, the earliest open declaration of ``kinds`` made before ``exclude``."""
    return _of(
        ws,
        "SELECT r.person_id, min(d.declaration_id) AS other_declaration_id, "
        "arg_min(d.kind, d.declaration_id) AS other_kind "
        "FROM declaration_rows r JOIN declarations d USING (declaration_id) "
        "WHERE d.status IN (SELECT unnest($statuses)) AND d.kind IN (SELECT unnest($kinds)) "
        "AND d.declaration_id <> $exclude "
        "AND substr(d.declaration_id, 3) < substr($exclude, 3) "
        "AND r.person_id IN (SELECT unnest($ids::VARCHAR[])) GROUP BY r.person_id",
        person_ids,
        statuses=list(statuses),
        kinds=list(kinds),
        exclude=exclude,
    )


# ------------------------------------------------------------------ retirement records
def retirement_months(
    ws: Workspace, person_ids: pl.Series, *, unit_id: str | None = None
) -> pl.DataFrame:
    """The recorded 退休年月 (of the unit when given): ``person_id, retirement_month``."""
    return _of(
        ws,
        "SELECT person_id, retirement_month FROM retirements "
        "WHERE ($unit IS NULL OR unit_id = $unit) "
        "AND person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
        unit=unit_id,
    )


def retirements_of(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The retirements a 退休申报 recorded: ``row_no, declared_age, contribution_months, pension_start_month``."""
    return ws.sql(
        "SELECT row_no, declared_age, contribution_months, pension_start_month "
        "FROM retirements WHERE declaration_id = ?",
        [declaration_id],
    )


def settlements_of(
    ws: Workspace, person_ids: pl.Series, *, unit_id: str | None = None
) -> pl.DataFrame:
    """The 退休结清 records (of the unit when given): ``person_id, settled_on, settled_by``."""
    return _of(
        ws,
        "SELECT person_id, settled_on, declaration_id AS settled_by FROM retirement_settlements "
        "WHERE ($unit IS NULL OR unit_id = $unit) "
        "AND person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
        unit=unit_id,
    )


def settlements_of_unit(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's settled persons: ``person_id, name, settled_on, declaration_id``."""
    return ws.sql(
        "SELECT r.person_id, s.name, r.settled_on, r.declaration_id "
        "FROM retirement_settlements r JOIN persons s USING (person_id) "
        "WHERE r.unit_id = ? ORDER BY r.settled_on, r.person_id",
        [unit_id],
    )


def military_cadres_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The 军转干 records: ``person_id, recorded_by``."""
    return _of(
        ws,
        "SELECT person_id, declaration_id AS recorded_by FROM military_cadres "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def special_job_periods_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The recorded 特殊工种 periods: ``person_id, other_from, other_to``."""
    return _of(
        ws,
        "SELECT person_id, from_month AS other_from, to_month AS other_to FROM special_job_periods "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def special_job_months(ws: Workspace, person_ids: pl.Series, heavy: Sequence[str]) -> pl.DataFrame:
    """Per person: ``special_job_months`` and ``heavy_job_months`` (of the ``heavy`` types)."""
    return _of(
        ws,
        """
        WITH months AS (
            SELECT person_id, special_job_type,
                   unnest(generate_series(from_month, to_month, INTERVAL 1 MONTH)) AS month
            FROM special_job_periods WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))
        )
        SELECT person_id, count(DISTINCT month)::BIGINT AS special_job_months,
               count(DISTINCT month) FILTER (WHERE special_job_type IN (SELECT unnest($heavy::VARCHAR[])))::BIGINT
                   AS heavy_job_months
        FROM months GROUP BY person_id
        """,
        person_ids,
        heavy=list(heavy),
    )


def unit_approver(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's current approver (单位审定人): ``name, phone`` (no row when none)."""
    return ws.sql("SELECT name, phone FROM unit_approvers WHERE unit_id = $unit", {"unit": unit_id})


def survivor_benefits_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The granted survivor benefits per deceased: ``person_id, survivor_id, granted``."""
    return _of(
        ws,
        "SELECT deceased_id AS person_id, survivor_id, true AS granted FROM survivor_benefits "
        "WHERE deceased_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def lone_survivors_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """Per deceased, the survivors granted 孤寡补助: ``person_id, lone_survivors``."""
    return _of(
        ws,
        "SELECT deceased_id AS person_id, list(DISTINCT survivor_id) AS lone_survivors "
        "FROM survivor_benefits "
        "WHERE lone_fen > 0 AND deceased_id IN (SELECT unnest($ids::VARCHAR[])) GROUP BY ALL",
        person_ids,
    )


def unemployment_spells(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The recorded 失业 benefits: ``person_id, leave_month``."""
    return _of(
        ws,
        "SELECT person_id, leave_month FROM unemployment_benefits "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def unemployment_benefits_of(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The benefits a 失业待遇申报 recorded (amounts in fen)."""
    return ws.sql(
        "SELECT person_id, paid_months, benefit_months, monthly_fen, total_fen, start_month, "
        "history FROM unemployment_benefits WHERE declaration_id = ?",
        [declaration_id],
    )


# ------------------------------------------------------------------ medical records
def resident_medical_stops_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The recorded 居民医保停保: ``person_id, stopped_text, stop_declaration_id``."""
    return _of(
        ws,
        "SELECT person_id, strftime(stopped_on, '%Y-%m-%d') AS stopped_text, "
        "declaration_id AS stop_declaration_id FROM resident_medical_stops "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def retiree_medical_records_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The recorded 退休人员医保: ``person_id, record_declaration_id``."""
    return _of(
        ws,
        "SELECT person_id, declaration_id AS record_declaration_id FROM retiree_medical_records "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def medical_subsidy_prefill(
    ws: Workspace, unit_id: str, month: dt.date, medical: str
) -> pl.DataFrame:
    """Everyone insured for ``medical`` in the unit in ``month`` with their wage, amount 0."""
    return ws.sql(
        "SELECT DISTINCT p.person_id, s.name, s.gender, $month::DATE AS month, "
        "coalesce(w.wage_fen, 0) AS wage, 0::BIGINT AS amount "
        "FROM insured_periods p JOIN persons s USING (person_id) "
        "LEFT JOIN wage_bases w ON w.unit_id = p.unit_id AND w.person_id = p.person_id "
        " AND w.month = $month AND w.revoked_by IS NULL "
        "WHERE p.unit_id = $unit AND p.insurance = $medical AND p.from_month <= $month "
        "AND (p.until_month IS NULL OR p.until_month > $month) ORDER BY p.person_id",
        {"unit": unit_id, "month": month, "medical": medical},
    )


def medical_subsidies_granted(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The granted 个人账户补助: ``person_id, month, granted``."""
    return _of(
        ws,
        "SELECT DISTINCT person_id, month, true AS granted FROM medical_account_subsidies "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def active_remote_filings(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The persons' active 异地备案, columns prefixed ``filing_``."""
    return _of(
        ws,
        "SELECT person_id, filing_id, unit_id AS filing_unit_id, "
        "region_code AS filing_region_code, region_name AS filing_region_name, "
        "hospital_code AS filing_hospital_code, hospital_name AS filing_hospital_name, "
        "address AS filing_address, start_date AS filing_start_date, "
        "medical_type AS filing_medical_type, approved_on AS filing_approved_on "
        "FROM remote_filings WHERE ended_on IS NULL "
        "AND person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def remote_filings_of_unit(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's active filings as 撤销异地人员备案 rows."""
    return ws.sql(
        "SELECT f.person_id, p.name, p.gender, f.hospital_code, f.hospital_name, "
        "f.address, f.start_date FROM remote_filings f JOIN persons p USING (person_id) "
        "WHERE f.unit_id = $unit AND f.ended_on IS NULL ORDER BY f.person_id",
        {"unit": unit_id},
    )


def remote_filings_made(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The filings a declaration registered, by person."""
    return ws.sql(
        "SELECT * FROM remote_filings WHERE declaration_id = $declaration ORDER BY person_id",
        {"declaration": declaration_id},
    )


def remote_filings_ended(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The filings a declaration ended, by person."""
    return ws.sql(
        "SELECT * FROM remote_filings WHERE ended_by = $declaration ORDER BY person_id",
        {"declaration": declaration_id},
    )


def outpatient_certificates_of(
    ws: Workspace, person_ids: pl.Series | Sequence[str]
) -> pl.DataFrame:
    """The persons' 门规证: ``person_id, certificate_no``."""
    return _of(
        ws,
        "SELECT person_id, certificate_no FROM outpatient_certificates "
        "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def outpatient_diseases_of(ws: Workspace, person_ids: pl.Series | Sequence[str]) -> pl.DataFrame:
    """The persons' approved 病种: ``person_id, disease, disease_approved_text``."""
    return _of(
        ws,
        "SELECT person_id, disease, strftime(approved_on, '%Y-%m-%d') AS disease_approved_text "
        "FROM outpatient_diseases WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


def outpatient_lines_of(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """The 病种 a declaration approved, with the registry name and gender."""
    return ws.sql(
        "SELECT d.*, s.name AS reg_name, s.gender AS reg_gender FROM outpatient_diseases d "
        "JOIN persons s USING (person_id) WHERE d.declaration_id = $declaration "
        "ORDER BY d.person_id, d.disease",
        {"declaration": declaration_id},
    )


def flexible_deductions_of(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """The recorded 补扣养老费: ``person_id, month, done_declaration_id``."""
    return _of(
        ws,
        "SELECT person_id, month, declaration_id AS done_declaration_id "
        "FROM flexible_pension_deductions WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        person_ids,
    )


# ------------------------------------------------------------------ operators
def terminal_operators_of_unit(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's terminal operators: ``person_id, name, declaration_id, since``."""
    return ws.sql(
        "SELECT person_id, name, declaration_id, since FROM terminal_operators "
        "WHERE unit_id = ? ORDER BY since, person_id",
        [unit_id],
    )
