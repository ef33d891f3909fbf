"""Tests of the contribution engine: golden amounts by hand, SQL = polars = Decimal oracle."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from stdnum.cn import ric

import sbbatch.contributions  # noqa: F401 (loads the module looked up below)
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import PolicyError, UnusableInputError
from sbbatch.policy import Policy
from sbbatch.sample import generate
from sbbatch.store import Workspace
from sbbatch.store import contributions as store_c

# the module: ``sbbatch.contributions`` the package attribute is its function (public API)
c = sys.modules["sbbatch.contributions"]

UNIT = "0010118873"  # the conftest unit: risk class 1, 网银缴费
ALL = ("1", "2", "3", "4", "10")


def person(n: int) -> str:
    first17 = f"37010219900101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def month(text: str) -> dt.date:
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


def load(
    ws: Workspace,
    wages: dict[tuple[int, str], str],
    *,
    unit: str = UNIT,
    insurances: tuple[str, ...] = ALL,
    from_month: str = "2018-01",
    until_month: str | None = None,
    category: str = "11",
) -> None:
    """Insure persons ``n`` of ``wages`` in ``unit`` and load their wages (yuan) per month."""
    people = sorted({n for n, _ in wages})
    ws.load(
        persons=pl.DataFrame(
            {
                "person_id": [person(n) for n in people],
                "name": [f"职工{n}" for n in people],
                "gender": ["1"] * len(people),
                "birth_date": [dt.date(1990, 1, 1)] * len(people),
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [unit] * len(people) * len(insurances),
                "person_id": [person(n) for n in people for _ in insurances],
                "insurance": [i for _ in people for i in insurances],
                "person_category": [category] * len(people) * len(insurances),
                "from_month": [month(from_month)] * len(people) * len(insurances),
                "until_month": [month(until_month) if until_month else None]
                * len(people)
                * len(insurances),
            },
            schema_overrides={"until_month": pl.Date},
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [unit] * len(wages),
                "person_id": [person(n) for n, _ in wages],
                "month": [month(m) for _, m in wages],
                "wage_fen": [int(Decimal(v) * 100) for v in wages.values()],
            }
        ),
    )


def amounts(ws: Workspace, m: str, n: int = 1, **kwargs: object) -> dict[tuple[str, str], int]:
    detail = c.contributions(ws, months=month(m), **kwargs).detail  # type: ignore[arg-type]
    rows = detail.filter(pl.col("person_id") == person(n))
    return {(i, p): a for i, p, a in rows.select("insurance", "payer", "amount_fen").rows()}


# ------------------------------------------------------------------ golden, by hand
def test_base_under_floor_over_ceiling_and_between_2026(ws: Workspace) -> None:
    # 2026: floor 4573, ceiling 22863 (鲁人社字〔2026〕75号); pension 16% / 8%
    load(ws, {(1, "2026-11"): "3000", (2, "2026-11"): "30000", (3, "2026-11"): "8000"})
    detail = c.contributions(ws, months=month("2026-11"), insurances=["1"]).detail
    got = {
        (r["person_id"], r["payer"]): (r["base_fen"], r["base_rule"], r["amount_fen"])
        for r in detail.iter_rows(named=True)
    }
    assert got[(person(1), "unit")] == (457300, "floor", 73168)  # 4573 × 16% = 731.68
    assert got[(person(1), "person")] == (457300, "floor", 36584)  # 4573 × 8% = 365.84
    assert got[(person(2), "unit")] == (2286300, "ceiling", 365808)  # 22863 × 16% = 3658.08
    assert got[(person(2), "person")] == (2286300, "ceiling", 182904)
    assert got[(person(3), "unit")] == (800000, None, 128000)
    assert got[(person(3), "person")] == (800000, None, 64000)
    assert set(detail["limits_policy_id"]) == {"base_limits:2026-09"}


def test_every_insurance_of_one_month(ws: Workspace) -> None:
    load(ws, {(1, "2026-11"): "5000.55"})
    # 5000.55 × rate, half up to the fen
    assert amounts(ws, "2026-11") == {
        ("1", "unit"): 80009,  # × 16% = 800.088
        ("1", "person"): 40004,  # × 8% = 400.044
        ("2", "unit"): 3500,  # × 0.7% = 35.00385
        ("2", "person"): 1500,  # × 0.3% = 15.00165
        ("3", "unit"): 40004,  # × 8%
        ("3", "person"): 10001,  # × 2% = 100.011
        ("4", "unit"): 1000,  # class 1: × 0.2% = 10.0011
        ("10", "person"): 1000,  # 大额医疗: 10 yuan a month
    }


def test_pension_rate_before_and_after_2019_05(ws: Workspace) -> None:
    load(ws, {(1, "2019-04"): "5000", (1, "2019-05"): "5000"})
    detail = c.contributions(
        ws, insurances=["1"], months=[month("2019-04"), month("2019-05")]
    ).detail
    unit = (
        detail.filter(pl.col("payer") == "unit")
        .select("month", "rate", "amount_fen", "policy_id")
        .rows()
    )
    assert unit == [
        (dt.date(2019, 4, 1), "0.18", 90000, "rates:pension:unit:2018-01"),
        (dt.date(2019, 5, 1), "0.16", 80000, "rates:pension:unit:2019-05"),
    ]
    assert detail.filter(pl.col("payer") == "person")["amount_fen"].to_list() == [40000, 40000]


def test_2025_and_2026_policy_periods(ws: Workspace) -> None:
    # 2025: 4504 / 22518; 2026: 4573 / 22863
    load(
        ws,
        {
            (1, "2025-12"): "4550",
            (1, "2026-01"): "4550",
            (2, "2025-12"): "22600",
            (2, "2026-01"): "22600",
        },
    )
    detail = c.contributions(
        ws, insurances=["1"], months=[month("2025-12"), month("2026-01")]
    ).detail
    unit = detail.filter(pl.col("payer") == "unit")
    got = {
        (p, m): (b, a, lim)
        for p, m, b, a, lim in unit.select(
            "person_id", "month", "base_fen", "amount_fen", "limits_policy_id"
        ).rows()
    }
    assert got[(person(1), month("2025-12"))] == (455000, 72800, "base_limits:2025-01")
    assert got[(person(1), month("2026-01"))] == (457300, 73168, "base_limits:2026-01")
    assert got[(person(2), month("2025-12"))] == (2251800, 360288, "base_limits:2025-01")
    assert got[(person(2), month("2026-01"))] == (2260000, 361600, "base_limits:2026-01")


@pytest.mark.parametrize(
    ("risk_class", "amount_fen"),
    [(1, 2000), (2, 4000), (3, 7000), (4, 9000), (5, 11000), (6, 13000), (7, 16000), (8, 19000)],
)
def test_injury_rate_by_risk_class(ws: Workspace, risk_class: int, amount_fen: int) -> None:
    # base 10000 yuan × the class's base rate (0.2% … 1.9%)
    ws.execute("UPDATE units SET risk_class = ? WHERE unit_id = ?", [risk_class, UNIT])
    load(ws, {(1, "2026-11"): "10000"})
    detail = c.contributions(ws, months=month("2026-11"), insurances=["工伤"]).detail
    assert detail.select("payer", "amount_fen", "policy_id").rows() == [
        ("unit", amount_fen, f"rates:injury:unit:class{risk_class}:2018-01")
    ]


def test_unit_floating_injury_rate_overrides_the_class(ws: Workspace) -> None:
    ws.execute("UPDATE units SET injury_rate = '0.0016' WHERE unit_id = ?", [UNIT])
    load(ws, {(1, "2026-11"): "10000"})
    detail = c.contributions(ws, months=month("2026-11"), insurances=["4"]).detail
    assert detail.select("rate", "amount_fen", "policy_id").rows() == [
        ("0.0016", 1600, f"units:{UNIT}:injury_rate")
    ]


@pytest.mark.parametrize("category", ["13", "14"])
def test_attached_and_individual_staff_pay_the_employee_split(ws: Workspace, category: str) -> None:
    # category_insurances.csv (社会保险法 第十条第一款): 挂靠 / 个体 declared by a unit pay
    # 单位 16% + 个人 8%, not the flexible-employment 20% paid by the person alone
    load(ws, {(1, "2026-11"): "8000"}, insurances=("1",), category=category)
    detail = c.contributions(ws, months=month("2026-11"), insurances=["1"]).detail
    got = {r["payer"]: (r["rate_ppm"], r["amount_fen"]) for r in detail.iter_rows(named=True)}
    assert got == {"unit": (160_000, 128_000), "person": (80_000, 64_000)}


def test_fixed_amount_has_no_base_and_no_rate(ws: Workspace) -> None:
    load(ws, {(1, "2026-11"): "99999"})
    result = c.contributions(ws, months=month("2026-11"), insurances=["10"])
    assert result.detail.row(0, named=True)["rate_ppm"] is None
    line = result.plain().row(0, named=True)
    assert (line["base_fen"], line["rate"], line["fixed_fen"], line["amount_fen"]) == (
        None,
        None,
        1000,
        1000,
    )
    assert line["policy_id"] == "rates:large_medical:person:2025-01"


def test_maternity_before_the_merger(ws: Workspace) -> None:
    load(ws, {(1, "2019-12"): "5000", (1, "2020-01"): "5000"}, insurances=("3", "5"))
    detail = c.contributions(ws, months=[month("2019-12"), month("2020-01")]).detail
    rows = detail.select("month", "insurance", "payer", "amount_fen").rows()
    assert rows == [
        (month("2019-12"), "3", "unit", 37500),  # 7.5% before the merger
        (month("2019-12"), "3", "person", 10000),
        (month("2019-12"), "5", "unit", 2500),  # 生育 0.5%, person pays nothing (no line)
        (month("2020-01"), "3", "unit", 40000),  # 8% incl. 生育
        (month("2020-01"), "3", "person", 10000),
    ]


# ------------------------------------------------------------------ bases, missing, months
def test_insured_without_base_is_listed_not_dropped(ws: Workspace) -> None:
    load(
        ws,
        {(1, "2026-10"): "5000", (2, "2026-10"): "6000", (2, "2026-11"): "6000"},
        from_month="2026-10",
    )
    result = c.contributions(ws, months=[month("2026-10"), month("2026-11")])
    assert result.missing.rows() == [(UNIT, person(1), month("2026-11"), "1,2,3,4,10")]
    assert result.detail.filter(pl.col("person_id") == person(1))["month"].unique().to_list() == [
        month("2026-10")
    ]


def test_declared_wage_supersedes_history_and_revocation_restores_it(ws: Workspace) -> None:
    load(ws, {(1, "2026-11"): "5000"})
    ws.execute(
        "INSERT INTO wage_bases VALUES (?, ?, ?, ?, ?, NULL)",
        [UNIT, person(1), month("2026-11"), 600000, "GZ1"],
    )
    assert amounts(ws, "2026-11", insurances=["1"])[("1", "unit")] == 96000
    ws.execute("UPDATE wage_bases SET revoked_by = 'CX1' WHERE declaration_id = 'GZ1'")
    assert amounts(ws, "2026-11", insurances=["1"])[("1", "unit")] == 80000


def test_default_months_run_to_the_agency_month(ws: Workspace) -> None:
    load(
        ws,
        {(1, "2026-09"): "5000", (1, "2026-10"): "5000", (1, "2026-11"): "5000"},
        from_month="2026-09",
    )
    result = c.contributions(ws)
    assert result.months == [month("2026-09"), month("2026-10"), month("2026-11")]
    assert result.missing.height == 0


def test_period_end_is_exclusive(ws: Workspace) -> None:
    load(
        ws,
        {(1, "2026-09"): "5000", (1, "2026-10"): "5000"},
        from_month="2026-09",
        until_month="2026-10",
    )
    assert c.contributions(ws, months=[month("2026-09"), month("2026-10")]).detail[
        "month"
    ].unique().to_list() == [month("2026-09")]


def test_months_outside_the_policy_raise(ws: Workspace) -> None:
    load(ws, {(1, "2017-12"): "5000"}, from_month="2017-12")
    with pytest.raises(PolicyError, match="2017-12"):
        c.contributions(ws, months=month("2017-12"))


def test_unknown_insurance_and_unit(ws: Workspace) -> None:
    with pytest.raises(UnusableInputError, match="未知险种"):
        c.contributions(ws, insurances=["住房公积金"])
    with pytest.raises(UnusableInputError, match="不在工作区"):
        c.unit_totals(ws, unit_id="0000000000", months=month("2026-11"))


def test_rates_for_unit_lists_every_rate_with_source(ws: Workspace) -> None:
    rates = c.rates_for_unit(ws, UNIT, dt.date(2026, 11, 15))
    assert rates.height == 9
    assert rates.filter((pl.col("insurance") == "4") & (pl.col("payer") == "person"))[
        "rate"
    ].to_list() == ["0"]
    assert rates["source"].null_count() == 0
    assert set(rates["limits_policy_id"]) == {"base_limits:2026-09"}


# ------------------------------------------------------------------ SQL = polars
@pytest.fixture(scope="module")
def sample_ws() -> Workspace:
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate(n_persons=200, n_units=4, first_month=dt.date(2024, 1, 1)).load_into(ws)
    ws.execute(
        "UPDATE units SET injury_rate = '0.0035' WHERE unit_id = (SELECT min(unit_id) FROM units)"
    )
    return ws


def test_sql_totals_equal_the_polars_detail(sample_ws: Workspace) -> None:
    detail = c.contributions(sample_ws)
    sql = c.unit_totals(sample_ws)
    assert sql.height > 500
    assert_frame_equal(detail.totals(), sql)
    assert int(sql["amount_fen"].sum()) == detail.total_fen


def test_polars_totals_without_lines_equal_the_detail(sample_ws: Workspace) -> None:
    result = c.contributions(sample_ws)
    periods = store_c.read_periods(sample_ws, result.months, None, None).lazy()
    bases = store_c.read_bases(sample_ws, result.months, None, None).lazy()
    groups, rates = c.rate_groups(store_c.read_units(sample_ws, None), result.months)
    totals = c.compute_totals(
        periods, bases, groups.lazy(), rates, c.limits_for(result.months).lazy()
    )
    assert_frame_equal(totals, result.totals())


def test_sql_detail_equals_the_polars_detail(sample_ws: Workspace) -> None:
    months = [month("2026-10"), month("2026-11")]
    where, base_where, params = c.sql_filters(None, months)
    with sample_ws.registered(**c.sql_inputs(sample_ws, months)):
        sql = sample_ws.sql(
            c.contribution_sql(detail=True, where=where, base_where=base_where), params
        )
    polars = c.contributions(sample_ws, months=months).plain()
    keys = ["unit_id", "person_id", "month", "insurance", "payer"]
    assert_frame_equal(
        sql.select(*keys, "base_fen", "rate_ppm", "fixed_fen", "amount_fen", "policy_id").sort(
            keys
        ),
        polars.select(*keys, "base_fen", "rate_ppm", "fixed_fen", "amount_fen", "policy_id").sort(
            keys
        ),
        check_dtypes=False,
    )


def test_sql_totals_of_one_unit_and_month(sample_ws: Workspace) -> None:
    unit = sample_ws.sql("SELECT min(unit_id) AS u FROM units")["u"][0]
    sql = c.unit_totals(sample_ws, unit_id=unit, months=month("2026-11"), insurances=["1", "4"])
    polars = c.contributions(
        sample_ws, unit_id=unit, months=month("2026-11"), insurances=["1", "4"]
    ).totals()
    assert_frame_equal(polars, sql)
    assert sql.filter(pl.col("insurance") == "4")["payer"].to_list() == ["unit"]


# ------------------------------------------------------------------ streaming to a file
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_sink_streams_the_same_lines_as_the_frame(
    sample_ws: Workspace, tmp_path: Path, suffix: str
) -> None:
    frame = c.contributions(sample_ws)
    written = c.contributions(sample_ws, sink=tmp_path / f"detail{suffix}")
    assert isinstance(written, c.WrittenContributions)
    if suffix == ".parquet":
        streamed = pl.read_parquet(written.path)
    else:
        streamed = pl.read_csv(written.path, schema=c.PLAIN_COLUMNS)
    keys = ["unit_id", "person_id", "month", "insurance", "payer"]
    assert_frame_equal(streamed.sort(keys), frame.plain().sort(keys))
    assert written.lines == frame.detail.height > 5000
    assert written.total_fen == frame.total_fen == int(c.unit_totals(sample_ws)["amount_fen"].sum())
    assert written.persons == frame.detail["person_id"].n_unique()
    assert written.months == frame.months
    assert_frame_equal(written.missing, frame.missing)


@pytest.fixture(scope="module")
def gappy_ws() -> Workspace:
    """A sample world where some persons lack a wage in some months (and one in all)."""
    ws = Workspace(today=dt.date(2026, 11, 26))
    generate(n_persons=150, n_units=3, first_month=dt.date(2025, 6, 1)).load_into(ws)
    ws.execute(
        "DELETE FROM wage_bases WHERE (month = DATE '2026-03-01' AND person_id LIKE '%1_') "
        "OR person_id = (SELECT max(person_id) FROM wage_bases)"
    )
    return ws


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_chunks_of_persons_write_the_same_lines_as_one_chunk_and_the_frame(
    gappy_ws: Workspace, tmp_path: Path, suffix: str
) -> None:
    sample_ws = gappy_ws
    from sbbatch.contributions._chunked import bucket_count
    from sbbatch.contributions._workspace import plan_inputs

    frame = c.contributions(sample_ws)
    inputs, _ = plan_inputs(sample_ws, None, None, None, None, None)
    assert bucket_count(sample_ws, inputs, 800) > 10  # a tiny budget: many buckets
    assert bucket_count(sample_ws, inputs, 10**12) == 1  # one bucket: no split
    written = {
        budget: c.write_contributions(
            sample_ws, tmp_path / f"{budget}{suffix}", c.plain, chunk_lines=budget
        )
        for budget in (800, 10**12)
    }
    read = {
        budget: (
            pl.read_parquet(done.path)
            if suffix == ".parquet"
            else pl.read_csv(done.path, schema=c.PLAIN_COLUMNS)
        )
        for budget, done in written.items()
    }
    keys = ["unit_id", "person_id", "month", "insurance", "payer"]
    expected = frame.plain().sort(keys)
    for budget, done in written.items():
        assert not list(tmp_path.glob(".sbbatch-*"))  # the buckets' files are gone
        assert_frame_equal(read[budget].sort(keys), expected)
        assert done.lines == frame.detail.height
        assert done.persons == frame.detail["person_id"].n_unique()
        assert done.total_fen == frame.total_fen
        assert_frame_equal(done.missing, frame.missing)
    assert frame.missing.height > 12  # persons without a base, in several chunks
    assert (
        frame.missing["person_id"].max()
        == gappy_ws.sql("SELECT max(person_id) AS p FROM insured_periods")["p"][0]
    )  # the last person has no wage at all: the last, open range finds him


def test_chunks_of_one_unit_and_some_insurances(gappy_ws: Workspace, tmp_path: Path) -> None:
    sample_ws = gappy_ws
    unit = sample_ws.sql("SELECT max(unit_id) AS u FROM units")["u"][0]
    frame = c.contributions(sample_ws, unit_id=unit, insurances=["1", "3"])
    done = c.write_contributions(
        sample_ws, tmp_path / "u.csv", c.plain, unit_id=unit, insurances=["1", "3"], chunk_lines=50
    )
    keys = ["unit_id", "person_id", "month", "insurance", "payer"]
    read = pl.read_csv(done.path, schema=c.PLAIN_COLUMNS)
    assert_frame_equal(read.sort(keys), frame.plain().sort(keys))
    assert done.total_fen == frame.total_fen
    assert_frame_equal(done.missing, frame.missing)


def test_sink_of_one_unit_and_month_equals_the_sql_totals(
    sample_ws: Workspace, tmp_path: Path
) -> None:
    unit = sample_ws.sql("SELECT max(unit_id) AS u FROM units")["u"][0]
    written = c.contributions(
        sample_ws, unit_id=unit, months=month("2026-11"), sink=tmp_path / "u.parquet"
    )
    summed = (
        pl.read_parquet(written.path)
        .group_by("unit_id", "month", "insurance", "payer")
        .agg(pl.len().cast(pl.Int64).alias("persons"), pl.col("amount_fen").sum())
        .sort("unit_id", "month", pl.col("insurance").cast(pl.Int64), pl.col("payer") == "person")
    )
    sql = c.unit_totals(sample_ws, unit_id=unit, months=month("2026-11"))
    assert_frame_equal(summed, sql.select(summed.columns))


def test_a_selection_too_big_for_a_frame_asks_for_the_sink(sample_ws: Workspace) -> None:
    with pytest.raises(UnusableInputError, match="sink="):
        c.contributions(sample_ws, max_lines=1000)
    assert c.contributions(sample_ws, months=month("2026-11"), max_lines=None).detail.height


def test_default_months_skip_history_before_the_policy(ws: Workspace, tmp_path: Path) -> None:
    load(ws, {(1, "2026-10"): "5000", (1, "2026-11"): "5000"}, from_month="1998-09")
    result = c.contributions(ws)
    assert result.months[0] == month("2019-01") == c.policy_first_month(Policy.load())
    assert result.months[-1] == month("2026-11")
    assert len(result.skipped_months) == 4 + 20 * 12  # 1998-09 … 2018-12
    assert result.skipped_months[0] == month("1998-09")
    assert result.skipped_months[-1] == month("2018-12")
    assert set(result.detail["month"].unique()) == {month("2026-10"), month("2026-11")}
    written = c.contributions(ws, sink=tmp_path / "all.parquet")
    assert written.skipped_months == result.skipped_months
    assert written.total_fen == result.total_fen
    assert int(c.unit_totals(ws)["amount_fen"].sum()) == result.total_fen
    with pytest.raises(PolicyError, match="1998-09"):
        c.contributions(ws, months=month("1998-09"))


# ------------------------------------------------------------------ independent Decimal oracle
def _policy_csv(name: str) -> list[dict[str, str]]:
    path = schemas_dir() / "policy" / "jinan" / f"{name}.csv"
    lines = [
        line
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    return list(csv.DictReader(lines))


def _in_window(row: dict[str, str], m: dt.date) -> bool:
    start = month(row["effective_from"])
    end = month(row["effective_to"]) if row["effective_to"] else dt.date.max
    return start <= m <= end


def _oracle(line: dict[str, object], risk_class: int, own_rate: str | None) -> int:
    """The amount of one line, computed from the CSV files with Decimal, ROUND_HALF_UP."""
    m = line["month"]
    assert isinstance(m, dt.date)
    insurance, payer = line["insurance"], line["payer"]
    rate_rows = [
        r
        for r in _policy_csv("rates")
        if r["insurance"] == insurance
        and r["payer"] == payer
        and _in_window(r, m)
        and (r["unit_risk_class"] in ("", str(risk_class)))
    ]
    assert len(rate_rows) == 1
    rate_row = rate_rows[0]
    if rate_row["fixed_fen"]:
        return int(rate_row["fixed_fen"])
    limit = next(r for r in _policy_csv("base_limits") if _in_window(r, m))
    wage = Decimal(str(line["wage_fen"])) / 100
    base = min(max(wage, Decimal(limit["floor"])), Decimal(limit["ceiling"]))
    rate = (
        Decimal(own_rate)
        if (insurance == "4" and payer == "unit" and own_rate)
        else Decimal(rate_row["rate"])
    )
    yuan = (base * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(yuan * 100)


def test_decimal_oracle_agrees_on_every_sampled_amount(sample_ws: Workspace) -> None:
    detail = c.contributions(sample_ws).detail
    units = {
        u: (r, o)
        for u, r, o in sample_ws.sql("SELECT unit_id, risk_class, injury_rate FROM units").rows()
    }
    sample = detail.sample(n=3000, seed=7)
    # make sure the sample has clamped bases and every insurance and payer
    extra = detail.filter(pl.col("base_rule").is_not_null()).head(200)
    rows = pl.concat([sample, extra]).iter_rows(named=True)
    checked = 0
    for line in rows:
        risk, own = units[line["unit_id"]]
        assert line["amount_fen"] == _oracle(line, risk, own), line
        checked += 1
    assert checked == 3200
    assert set(sample["insurance"]) == set(ALL)


# ------------------------------------------------------------------ properties
wages = st.integers(min_value=1, max_value=20_000_000)
rates = st.sampled_from(
    ["0.16", "0.08", "0.007", "0.003", "0.08", "0.02", "0.002", "0.019", "0.0016", "0.123456"]
)
months = st.sampled_from([month("2019-03"), month("2021-06"), month("2025-07"), month("2026-11")])


@settings(max_examples=300, deadline=None)
@given(wage=wages, rate=rates, m=months)
def test_clamped_base_within_limits_and_amount_half_up(wage: int, rate: str, m: dt.date) -> None:
    limits = c.limits_for([m])
    floor, ceiling = limits["floor_fen"][0], limits["ceiling_fen"][0]
    frame = pl.DataFrame({"wage": [wage], "ppm": [int(Decimal(rate) * 1_000_000)], "fixed": [None]})
    base, rule, amount = frame.select(
        c.priced(
            pl.col("wage"),
            pl.lit(floor),
            pl.lit(ceiling),
            pl.col("ppm"),
            pl.col("fixed").cast(pl.Int64),
        )
    ).row(0)
    assert floor <= base <= ceiling
    assert rule == ("floor" if wage < floor else "ceiling" if wage > ceiling else None)
    assert amount >= 0
    expected = (Decimal(base) / 100 * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert amount == int(expected * 100)


@settings(max_examples=40, deadline=None)
@given(
    wages_=st.lists(st.integers(min_value=1, max_value=6_000_000), min_size=1, max_size=6),
    risk=st.integers(min_value=1, max_value=8),
    m=months,
)
def test_property_engine_lines_agree_with_the_oracle(
    wages_: list[int], risk: int, m: dt.date
) -> None:
    people = [f"p{i}" for i in range(len(wages_))]
    periods = pl.LazyFrame(
        {
            "unit_id": ["U"] * len(people) * 4,
            "person_id": [p for p in people for _ in range(4)],
            "insurance": ["1", "2", "3", "4"] * len(people),
            "from_month": [m] * len(people) * 4,
            "until_month": [None] * len(people) * 4,
        },
        schema_overrides={"until_month": pl.Date},
    )
    bases = pl.LazyFrame(
        {
            "unit_id": ["U"] * len(people),
            "person_id": people,
            "month": [m] * len(people),
            "wage_fen": wages_,
        }
    )
    groups, table = c.rate_groups(
        pl.DataFrame({"unit_id": ["U"], "risk_class": [risk], "injury_rate": [None]}), [m]
    )
    lines = c.compute_lines(
        periods, bases, groups.lazy(), table.lazy(), c.limits_for([m]).lazy()
    ).collect()
    assert lines.height == len(people) * 7  # 养老, 失业, 医疗 × 2 payers + 工伤 单位
    for line in lines.iter_rows(named=True):
        assert line["amount_fen"] == _oracle(line, risk, None) >= 0


# ------------------------------------------------------------------ late fees
def test_late_fee_of_a_six_month_back_payment_by_hand() -> None:
    # base 5000 in 2026-03 … 2026-08 paid on 2026-11-26; due the 15th of the next month;
    # days from the day after the due date to the payment day inclusive; 0.05 % a day.
    months_ = [month(f"2026-{m:02d}") for m in range(3, 9)]
    shares = [80000, 3500, 40000, 40000, 1500, 10000]  # 养老/失业/医疗 单位, 养老/失业/医疗 个人
    lines = pl.DataFrame(
        {"month": [m for m in months_ for _ in shares], "amount_fen": shares * len(months_)}
    )
    fees = c.with_late_fees(lines, dt.date(2026, 11, 26))
    per_month = (
        fees.group_by("month", "due_date", "late_fee_days")
        .agg(pl.col("late_fee_fen").sum())
        .sort("month")
    )
    assert per_month.rows() == [
        (
            month("2026-03"),
            dt.date(2026, 4, 15),
            225,
            19688,
        ),  # 90 + 3.9375→3.94 + 45 + 45 + 1.6875→1.69 + 11.25
        (month("2026-04"), dt.date(2026, 5, 15), 195, 17062),  # 78 + 3.41 + 39 + 39 + 1.46 + 9.75
        (month("2026-05"), dt.date(2026, 6, 15), 164, 14350),
        (month("2026-06"), dt.date(2026, 7, 15), 134, 11726),  # 2.345→2.35 and 1.005→1.01: half up
        (month("2026-07"), dt.date(2026, 8, 15), 103, 9012),
        (month("2026-08"), dt.date(2026, 9, 15), 72, 6300),
    ]
    assert int(fees["late_fee_fen"].sum()) == 78138
    assert set(fees["late_fee_policy_id"]) == {"late_fee:daily_rate:2011-07-01"}


def test_no_late_fee_on_or_before_the_due_date() -> None:
    lines = pl.DataFrame({"month": [month("2026-10")] * 2, "amount_fen": [80000, 80000]})
    assert c.with_late_fees(lines, dt.date(2026, 11, 15))["late_fee_fen"].to_list() == [0, 0]
    assert c.with_late_fees(lines, dt.date(2026, 11, 16))["late_fee_fen"].to_list() == [40, 40]


def test_late_fee_spanning_a_rate_change() -> None:
    # due 2011-06-15: 15 days at 0.2 % (06-16 … 06-30) then 2 days at 0.05 % (07-01, 07-02)
    lines = pl.DataFrame({"month": [month("2011-05")], "amount_fen": [100000]})
    fee = c.with_late_fees(lines, dt.date(2011, 7, 2)).row(0, named=True)
    assert fee["late_fee_days"] == 17
    assert fee["late_fee_fen"] == 100000 * 15 * 2000 // 1_000_000 + 100000 * 2 * 500 // 1_000_000
    assert (
        fee["late_fee_policy_id"] == "late_fee:daily_rate:1999-01-22+late_fee:daily_rate:2011-07-01"
    )


def test_money_texts() -> None:
    assert c.yuan(100) == "1.00"
    assert c.percent(123456) == "12.3456"
    frame = pl.DataFrame({"f": [0, 1, 99, 100, 123456789]})
    assert frame.select(c.yuan_expr(pl.col("f"))).to_series().to_list() == [
        "0.00",
        "0.01",
        "0.99",
        "1.00",
        "1234567.89",
    ]
