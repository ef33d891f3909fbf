"""Tests of the dated Jinan policy tables and their look-ups (sbbatch.policy)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import PolicyError, UnusableInputError
from sbbatch.policy import STATUSES, TABLES, Policy, half_up_fen, rate_to_ppm

JINAN = schemas_dir() / "policy" / "jinan"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load()


def _months(*months: str) -> pl.DataFrame:
    return pl.DataFrame({"month": [date.fromisoformat(f"{m}-01") for m in months]})


# ----------------------------------------------------------------------------- provenance
@pytest.mark.parametrize("path", sorted(JINAN.glob("*.csv")), ids=lambda p: p.name)
def test_every_csv_opens_with_comments_and_has_source_and_status_on_every_row(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("#")
    frame, comments = read_commented_csv(path)
    assert comments, "the file must say what it is and where it comes from"
    assert {"source", "status", "note"} <= set(frame.columns)
    assert frame.height > 0
    assert frame.filter(
        pl.col("source").is_null() | (pl.col("source").str.strip_chars() == "")
    ).is_empty()
    assert set(frame["status"].to_list()) <= set(STATUSES)


def test_every_table_of_the_spec_is_a_shipped_file() -> None:
    assert {spec.name for spec in TABLES} <= {p.stem for p in JINAN.glob("*.csv")}


def test_load_is_cached(policy: Policy) -> None:
    assert Policy.load("jinan") is policy


def test_unknown_city_raises() -> None:
    with pytest.raises(PolicyError, match="没有城市 atlantis"):
        Policy.load("atlantis")
    with pytest.raises(PolicyError, match="无效"):
        Policy.load("../jinan")


def test_policy_ids_are_unique_across_tables(policy: Policy) -> None:
    ids = pl.concat([t.select("policy_id") for t in policy.tables.values()])["policy_id"]
    assert ids.null_count() == 0
    assert ids.is_unique().all()


def test_status_is_an_enum_of_the_three_words(policy: Policy) -> None:
    for table in policy.tables.values():
        assert table.schema["status"] == pl.Enum(list(STATUSES))
        assert table["status"].null_count() == 0


# ----------------------------------------------------------------------------- windows
WINDOWED = [spec for spec in TABLES if spec.window is not None]


@pytest.mark.parametrize("spec", WINDOWED, ids=lambda s: s.name)
def test_windows_do_not_overlap_and_leave_no_gaps(policy: Policy, spec: Any) -> None:
    name = spec.name
    step = "1mo" if spec.window == "month" else "1d"
    table = policy.tables[name]
    for (key,), windows in table.sort("effective_from").group_by("key", maintain_order=True):
        starts = windows["effective_from"].to_list()
        ends = windows["effective_to"].to_list()
        assert all(e is not None for e in ends[:-1]), (
            f"{name}:{key}: only the last window may be open"
        )
        nxt = windows.select(pl.col("effective_to").dt.offset_by(step))["effective_to"].to_list()
        assert nxt[:-1] == starts[1:], f"{name}:{key}: windows must follow each other exactly"
        assert all(e is None or s <= e for s, e in zip(starts, ends, strict=True))


def test_months_are_first_of_month(policy: Policy) -> None:
    for spec in WINDOWED:
        if spec.window == "month":
            table = policy.tables[spec.name]
            days = table.select(pl.col("effective_from", "effective_to").dt.day())
            assert set(days["effective_from"].to_list()) == {1}
            assert set(days["effective_to"].drop_nulls().to_list()) <= {1}


def test_rates_cover_2018_to_2030_and_maternity_ends_with_the_merger(policy: Policy) -> None:
    months = pl.DataFrame(
        {"month": pl.date_range(date(2018, 1, 1), date(2030, 12, 1), "1mo", eager=True)}
    )
    found = policy.rates_for(months)
    per_month = found.group_by("month").agg(pl.col("insurance").unique().sort())
    assert per_month.height == months.height
    before = found.filter(pl.col("month") <= date(2019, 12, 1))
    after = found.filter(pl.col("month") >= date(2020, 1, 1))
    assert before.group_by("month").len()["len"].unique().to_list() == [18]
    assert after.group_by("month").len()["len"].unique().to_list() == [16]
    assert "5" not in after["insurance"].to_list()
    assert policy.rates.group_by("key").agg(pl.col("effective_from").min())[
        "effective_from"
    ].unique().to_list() == [date(2018, 1, 1)]
    # base limits and minimum wages are covered too
    policy.base_limits_for(months.filter(pl.col("month") >= date(2019, 1, 1)))
    policy.minimum_wage_for(months)
    policy.minimum_wage_for(months.with_columns(g=pl.lit("other")), district_group_col="g")


def test_medical_plus_maternity_is_8_percent_before_and_after_the_merger(policy: Policy) -> None:
    unit = policy.rates_for(_months("2019-12", "2020-01"), ["medical", "maternity"]).filter(
        pl.col("payer") == "unit"
    )
    totals = unit.group_by("month").agg(pl.col("rate_ppm").sum()).sort("month")
    assert totals["rate_ppm"].to_list() == [80_000, 80_000]


# ----------------------------------------------------------------------------- look-ups
# (insurance, payer, unit_risk_class) -> (rate, fixed_fen, policy_id, status) per month
_Key = tuple[str, str, str | None]
_Rate = tuple[str | None, int | None, str, str]
BASE_2019: dict[_Key, _Rate] = {
    ("1", "person", None): ("0.08", None, "rates:pension:person:2018-01", "secondary"),
    # carried back before the period their source covers (issue 12): inference
    ("2", "unit", None): ("0.007", None, "rates:unemployment:unit:2018-01", "inference"),
    ("2", "person", None): ("0.003", None, "rates:unemployment:person:2018-01", "inference"),
    ("3", "unit", None): ("0.075", None, "rates:medical:unit:2018-01", "inference"),
    ("3", "person", None): ("0.02", None, "rates:medical:person:2018-01", "inference"),
    ("4", "person", None): ("0", None, "rates:injury:person:2018-01", "verified"),
    ("5", "unit", None): ("0.005", None, "rates:maternity:unit:2018-01", "inference"),
    ("5", "person", None): ("0", None, "rates:maternity:person:2018-01", "verified"),
    ("10", "person", None): (None, 1000, "rates:large_medical:person:2018-01", "inference"),
    **{
        ("4", "unit", str(c)): (r, None, f"rates:injury:unit:class{c}:2018-01", "secondary")
        for c, r in enumerate(
            ["0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019"], start=1
        )
    },
}
AFTER_MERGER: dict[_Key, _Rate] = {
    **{k: v for k, v in BASE_2019.items() if k[0] != "5"},
    ("1", "unit", None): ("0.16", None, "rates:pension:unit:2019-05", "secondary"),
    # the merger month 2020-01 is assumed: inference until the sourced period
    ("3", "unit", None): ("0.08", None, "rates:medical:unit:2020-01", "inference"),
}
SOURCED: dict[_Key, _Rate] = {
    **AFTER_MERGER,
    ("2", "unit", None): ("0.007", None, "rates:unemployment:unit:2025-01", "secondary"),
    ("2", "person", None): ("0.003", None, "rates:unemployment:person:2025-01", "secondary"),
    ("3", "unit", None): ("0.08", None, "rates:medical:unit:2025-01", "secondary"),
    ("3", "person", None): ("0.02", None, "rates:medical:person:2025-01", "secondary"),
    ("10", "person", None): (None, 1000, "rates:large_medical:person:2025-01", "secondary"),
}
EXPECTED_RATES: dict[str, dict[_Key, _Rate]] = {
    "2019-03": {
        **BASE_2019,
        ("1", "unit", None): ("0.18", None, "rates:pension:unit:2018-01", "inference"),
    },
    "2019-05": {
        **BASE_2019,
        ("1", "unit", None): ("0.16", None, "rates:pension:unit:2019-05", "secondary"),
    },
    "2024-12": AFTER_MERGER,
    "2025-07": SOURCED,
    "2026-11": SOURCED,
}


@pytest.mark.parametrize("month", list(EXPECTED_RATES))
def test_rates_for_the_reference_months(policy: Policy, month: str) -> None:
    found = policy.rates_for(_months(month))
    got = {
        (r["insurance"], r["payer"], r["unit_risk_class"]): (
            r["rate"],
            r["fixed_fen"],
            r["policy_id"],
            r["status"],
        )
        for r in found.iter_rows(named=True)
    }
    assert got == EXPECTED_RATES[month]
    assert found["month"].unique().to_list() == [date.fromisoformat(f"{month}-01")]
    assert found["source"].null_count() == 0


def test_rate_rows_carry_their_sources(policy: Policy) -> None:
    found = policy.rates_for(_months("2019-05"), ["pension"]).filter(pl.col("payer") == "unit")
    assert "国办发〔2019〕13号" in found["source"].item()
    injury_person = policy.rates_for(_months("2025-07"), ["injury"]).filter(
        pl.col("payer") == "person"
    )
    assert "社会保险法 第三十三条" in injury_person["source"].item()


def test_rates_for_rejects_unknown_insurance(policy: Policy) -> None:
    with pytest.raises(PolicyError, match="未知险种 7"):
        policy.rates_for(_months("2025-07"), ["7"])


def test_rates_for_keeps_any_day_of_the_month_and_a_custom_column(policy: Policy) -> None:
    frame = pl.DataFrame({"fee_month": [date(2019, 5, 31)]})
    found = policy.rates_for(frame, ["1"], month_col="fee_month")
    assert found.columns[0] == "fee_month"
    assert found["rate"].to_list() == ["0.16", "0.08"]


def test_a_month_before_every_window_raises_in_chinese(policy: Policy) -> None:
    with pytest.raises(PolicyError, match="2017-12 没有适用的基本养老保险单位费率"):
        policy.rates_for(_months("2017-12", "2018-01"))
    with pytest.raises(PolicyError, match="2018-12 没有适用的缴费基数上下限"):
        policy.base_limits_for(_months("2018-12"))
    with pytest.raises(PolicyError, match="2014-02 没有适用的最低工资标准（市区，第 1 档）"):
        policy.minimum_wage_for(_months("2014-02"))


def test_look_ups_need_a_date_column(policy: Policy) -> None:
    with pytest.raises(UnusableInputError, match="缺少列 month"):
        policy.base_limits_for(pl.DataFrame({"m": [date(2025, 1, 1)]}))
    with pytest.raises(UnusableInputError, match="应为日期类型"):
        policy.base_limits_for(pl.DataFrame({"month": ["2025-01"]}))


EXPECTED_LIMITS = {
    # month: (floor_fen, ceiling_fen, policy_id, status, source fragment)
    "2019-03": (
        327_000,
        1_634_500,
        "base_limits:2019-01",
        "inference",
        "liubigfatty/pension-calculator",
    ),
    "2019-05": (327_000, 1_634_500, "base_limits:2019-05", "inference", "国办发〔2019〕13号"),
    "2025-07": (450_400, 2_251_800, "base_limits:2025-01", "secondary", "鲁人社字〔2025〕91号"),
    # before publication (2026-08-14) the 2026 figures are applied back: inference (issue 12)
    "2026-03": (457_300, 2_286_300, "base_limits:2026-01", "inference", "鲁人社字〔2026〕75号"),
    "2026-11": (457_300, 2_286_300, "base_limits:2026-09", "secondary", "鲁人社字〔2026〕75号"),
}


@pytest.mark.parametrize("month", list(EXPECTED_LIMITS))
def test_base_limits_for_the_reference_months(policy: Policy, month: str) -> None:
    floor, ceiling, policy_id, status, source = EXPECTED_LIMITS[month]
    frame = _months(month).with_columns(person=pl.lit("张三"))
    found = policy.base_limits_for(frame)
    assert found.columns == ["month", "person", "floor_fen", "ceiling_fen", "policy_id"]
    assert found.row(0)[2:] == (floor, ceiling, policy_id)
    row = policy.base_limits.filter(pl.col("policy_id") == policy_id).row(0, named=True)
    assert row["status"] == status
    assert source in row["source"]
    assert row["note"]


def test_base_limits_for_keeps_rows_order_and_nulls(policy: Policy) -> None:
    frame = pl.DataFrame({"month": [date(2026, 11, 1), None, date(2019, 3, 1), date(2026, 11, 1)]})
    found = policy.base_limits_for(frame)
    assert found["floor_fen"].to_list() == [457_300, None, 327_000, 457_300]


def test_base_limits_round_floor_up_and_ceiling_down(policy: Policy) -> None:
    """The documented rule reproduces every secondary figure and the 3746/18726 pair."""
    for row in policy.base_limits.iter_rows(named=True):
        average = Decimal(row["average_wage_fen"]) / 100
        assert row["floor_fen"] == math.ceil(average * Decimal("0.6")) * 100
        assert row["ceiling_fen"] == math.floor(average * 3) * 100
    year_2021 = policy.base_limits.filter(pl.col("policy_year") == 2021)
    assert year_2021.select("floor_fen", "ceiling_fen").row(0) == (374_600, 1_872_600)


EXPECTED_MINIMUM_WAGE = {
    "2019-03": (191_000, "minimum_wage:urban:2018-06", "inference"),
    "2019-05": (191_000, "minimum_wage:urban:2018-06", "inference"),
    "2025-07": (220_000, "minimum_wage:urban:2023-10", "inference"),
    "2026-11": (240_000, "minimum_wage:urban:2025-10", "inference"),
}


@pytest.mark.parametrize("month", list(EXPECTED_MINIMUM_WAGE))
def test_minimum_wage_for_the_reference_months(policy: Policy, month: str) -> None:
    wage, policy_id, status = EXPECTED_MINIMUM_WAGE[month]
    found = policy.minimum_wage_for(_months(month))
    assert found.row(0)[1:] == (wage, policy_id)
    assert policy.minimum_wage.filter(pl.col("policy_id") == policy_id)["status"].item() == status


def test_minimum_wage_2014_is_secondary_and_unknown_group_raises(policy: Policy) -> None:
    found = policy.minimum_wage_for(_months("2015-01"))
    assert found["minimum_wage_fen"].item() == 150_000
    row = policy.minimum_wage.filter(pl.col("policy_id") == found["policy_id"].item())
    assert row["status"].item() == "secondary"
    with pytest.raises(PolicyError, match="最低工资标准（rural）"):
        policy.minimum_wage_for(
            _months("2025-07").with_columns(g=pl.lit("rural")), district_group_col="g"
        )


def test_unemployment_benefit_is_90_percent_of_the_minimum_wage(policy: Policy) -> None:
    frame = _months("2026-11", "2026-11").with_columns(g=pl.Series(["urban", "other"]))
    found = policy.unemployment_benefit_for(frame, district_group_col="g")
    assert found["unemployment_benefit_fen"].to_list() == [216_000, 198_900]
    assert found["policy_id"].to_list() == ["unemployment_benefit:2018-01"] * 2
    assert policy.unemployment_benefit["status"].item() == "inference"


def test_injury_rate_for_picks_the_class(policy: Policy) -> None:
    units = pl.DataFrame(
        {
            "month": [date(2019, 3, 1), date(2026, 11, 1), date(2026, 11, 1)],
            "risk_class": ["3", "8", None],
        }
    )
    found = policy.injury_rate_for(units)
    assert found["injury_rate_ppm"].to_list() == [7000, 19000, None]
    assert found["policy_id"].to_list() == [
        "rates:injury:unit:class3:2018-01",
        "rates:injury:unit:class8:2018-01",
        None,
    ]
    with pytest.raises(PolicyError, match="工伤保险单位费率（行业风险类别 9）"):
        policy.injury_rate_for(units.with_columns(risk_class=pl.lit("9")))


# ----------------------------------------------------------------------------- rates exactness
def test_rate_ppm_is_exact(policy: Policy) -> None:
    assert rate_to_ppm(
        pl.Series(["0.007", "0.16", "0.0005", "0.019", "1", "0.000001"])
    ).to_list() == [
        7000,
        160_000,
        500,
        19_000,
        1_000_000,
        1,
    ]
    unemployment = policy.rates.filter(pl.col("key") == "unemployment:unit")
    assert unemployment["rate_ppm"].to_list() == [7000, 7000]  # inference, then sourced
    assert policy.rates.schema["rate_ppm"] == pl.Int64
    assert policy.rates.schema["rate"] == pl.String


@pytest.mark.parametrize("text", ["0.0000001", "0.1600000"])
def test_a_rate_with_seven_decimals_is_rejected(text: str) -> None:
    with pytest.raises(PolicyError, match="小数位超过 6 位"):
        rate_to_ppm(pl.Series([text]))


@pytest.mark.parametrize("text", ["16%", "-0.1", "abc", ".5"])
def test_a_rate_that_is_no_decimal_is_rejected(text: str) -> None:
    with pytest.raises(PolicyError, match="不是非负小数"):
        rate_to_ppm(pl.Series([text]))


def test_half_up_fen_is_exact() -> None:
    frame = pl.DataFrame(
        {"base": [450_400, 1_000_050, 25, 75, -25], "ppm": [160_000, 7000, 20_000, 20_000, 20_000]}
    )
    got = frame.select(half_up_fen(pl.col("base"), pl.col("ppm")))["amount_fen"].to_list()
    # 720.64 yuan; 70.00350 yuan -> 70.00; 0.5 fen -> 1; 1.5 fen -> 2; -0.5 fen -> -1
    assert got == [72_064, 7000, 1, 2, -1]


# ----------------------------------------------------------------------------- bad files
def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "testcity"
    shutil.copytree(JINAN, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_from_dir_loads_a_copy(tmp_path: Path) -> None:
    copy = Policy.from_dir(_copy(tmp_path))
    assert copy.city == "testcity"
    assert copy.view().height == Policy.load().view().height


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("1,unit,2019-05,,0.16,", "1,unit,2019-05,,0.1600001,", "小数位超过 6 位"),
        ("1,unit,2019-05,,0.16,", "1,unit,2019-04,,0.16,", "重叠"),
        ("1,unit,2019-05,,0.16,", "1,unit,2019-07,,0.16,", "空档"),
        ("1,unit,2018-01,2019-04,0.18,", "1,unit,2018-1,2019-04,0.18,", "应为年月 YYYY-MM"),
        (',secondary,"8% since 2006', ',verfied,"8% since 2006', "status 只能是"),
        (
            '1,unit,2019-05,,0.16,,,"国办发',
            '1,unit,2019-05,,0.16,1600,,"国办发',
            "必须且只能填一个",
        ),
        ("4,unit,2018-01,,0.019,,8,", "4,unit,2018-01,,0.019,,9,", "unit_risk_class"),
    ],
)
def test_from_dir_rejects_bad_rates(tmp_path: Path, old: str, new: str, message: str) -> None:
    directory = _copy(tmp_path)
    _edit(directory / "rates.csv", old, new)
    with pytest.raises(PolicyError, match=message) as caught:
        Policy.from_dir(directory)
    assert "testcity/rates.csv 第" in str(caught.value)


def test_from_dir_rejects_a_missing_source(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(
        directory / "backpay.csv",
        '1,2018-01,,true,"peers.md §2: i人事 https://docs.ihr360.com/hr/604203 (养老 usually back-payable)",',
        "1,2018-01,,true,,",
    )
    with pytest.raises(PolicyError, match="source 不能为空"):
        Policy.from_dir(directory)


def test_from_dir_rejects_a_gap_between_bands(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory / "unemployment_duration.csv", "5,10,18,", "6,10,18,")
    with pytest.raises(PolicyError, match="不衔接"):
        Policy.from_dir(directory)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        # average_wage is used: floor / ceiling must be its 60 % up / 300 % down
        (
            "base_limits.csv",
            "2025,2025-01,2025-12,7506,4504,",
            "2025,2025-01,2025-12,7506,4503,",
            "60%",
        ),
        ("base_limits.csv", "7506,4504,22518,", "7506,4504,22519,", "300%"),
        # basis is used: the only one implemented is the minimum wage
        ("unemployment_benefit.csv", "2018-01,,minimum_wage,", "2018-01,,average_wage,", "basis"),
        # policy_year is used: a policy year is a calendar year
        ("base_limits.csv", "2024,2024-01,2024-12,", "2023,2024-01,2024-12,", "policy_year"),
        ("base_limits.csv", "2024,2024-01,2024-12,", "2024,2024-01,2025-01,", "policy_year"),
        # tier is used: one tier per district group (and it names the look-up)
        ("minimum_wage.csv", "other,2,长清区", "other,3,长清区", "tier"),
    ],
)
def test_from_dir_checks_the_columns_it_does_not_compute_with(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    directory = _copy(tmp_path)
    _edit(directory / file, old, new)
    with pytest.raises(PolicyError, match=message):
        Policy.from_dir(directory)


# ----------------------------------------------------------------------------- retirement
# policy-facts.md §4.2, worked examples: category, born, delay, statutory age, retires, min years
WORKED_EXAMPLES = [
    ("man", "1964-12", 0, "60y", "2024-12", "15"),
    ("man", "1965-01", 1, "60y1m", "2025-02", "15"),
    ("man", "1965-04", 1, "60y1m", "2025-05", "15"),
    ("man", "1965-05", 2, "60y2m", "2025-07", "15"),
    ("man", "1965-12", 3, "60y3m", "2026-03", "15"),
    ("man", "1966-01", 4, "60y4m", "2026-05", "15"),
    ("man", "1970-06", 17, "61y5m", "2031-11", "16"),
    ("man", "1976-08", 35, "62y11m", "2039-07", "20"),
    ("man", "1976-09", 36, "63y", "2039-09", "20"),
    ("man", "1976-12", 36, "63y", "2039-12", "20"),
    ("woman (orig. 55)", "1969-12", 0, "55y", "2024-12", "15"),
    ("woman (orig. 55)", "1970-01", 1, "55y1m", "2025-02", "15"),
    ("woman (orig. 55)", "1970-05", 2, "55y2m", "2025-07", "15"),
    ("woman (orig. 55)", "1971-04", 4, "55y4m", "2026-08", "15"),
    ("woman (orig. 55)", "1981-08", 35, "57y11m", "2039-07", "20"),
    ("woman (orig. 55)", "1981-09", 36, "58y", "2039-09", "20"),
    ("woman (orig. 50)", "1974-12", 0, "50y", "2024-12", "15"),
    ("woman (orig. 50)", "1975-01", 1, "50y1m", "2025-02", "15"),
    ("woman (orig. 50)", "1975-02", 1, "50y1m", "2025-03", "15"),
    ("woman (orig. 50)", "1975-03", 2, "50y2m", "2025-05", "15"),
    ("woman (orig. 50)", "1980-01", 31, "52y7m", "2032-08", "16.5"),
    ("woman (orig. 50)", "1984-10", 59, "54y11m", "2039-09", "20"),
    ("woman (orig. 50)", "1984-11", 60, "55y", "2039-11", "20"),
    ("woman (orig. 50)", "1995-12", 60, "55y", "2050-12", "20"),
]
GROUPS = {"man": "male", "woman (orig. 55)": "female_55", "woman (orig. 50)": "female_50"}


def _age_months(text: str) -> int:
    years, _, months = text.rstrip("m").partition("y")
    return int(years) * 12 + int(months or 0)


def test_there_are_24_worked_examples() -> None:
    assert len(WORKED_EXAMPLES) == 24


@pytest.mark.parametrize(
    ("category", "born", "delay", "age", "retires", "min_years"),
    WORKED_EXAMPLES,
    ids=[f"{c}-{b}" for c, b, *_ in WORKED_EXAMPLES],
)
def test_retirement_worked_example(
    policy: Policy, category: str, born: str, delay: int, age: str, retires: str, min_years: str
) -> None:
    # a birth day late in the month must not matter
    frame = pl.DataFrame({"born": [date.fromisoformat(f"{born}-28")], "group": [GROUPS[category]]})
    got = frame.select(
        policy.retirement_month(pl.col("born"), pl.col("group")),
        policy.statutory_age_months(pl.col("born"), pl.col("group")),
    ).row(0)
    assert got == (date.fromisoformat(f"{retires}-01"), _age_months(age))
    original = {"male": 60, "female_55": 55, "female_50": 50}[GROUPS[category]]
    assert got[1] - original * 12 == delay
    minimum = frame.select(
        policy.min_contribution_years(policy.retirement_month(pl.col("born"), pl.col("group")))
    ).item()
    assert Decimal(str(minimum)) == Decimal(min_years)


def test_retirement_examples_in_one_vectorised_pass(policy: Policy) -> None:
    frame = pl.DataFrame(
        {
            "born": [date.fromisoformat(f"{b}-01") for _, b, *_ in WORKED_EXAMPLES],
            "group": [GROUPS[c] for c, *_ in WORKED_EXAMPLES],
        }
    )
    month = policy.retirement_month(pl.col("born"), pl.col("group"))
    got = frame.select(month, policy.min_contribution_months(month))
    assert got["retirement_month"].to_list() == [
        date.fromisoformat(f"{r}-01") for *_, r, _ in WORKED_EXAMPLES
    ]
    assert got["min_contribution_months"].to_list() == [
        int(Decimal(m) * 12) for *_, m in WORKED_EXAMPLES
    ]


def test_retirement_special_and_unknown_groups(policy: Policy) -> None:
    frame = pl.DataFrame(
        {
            "born": [date(1970, 6, 3), date(1980, 2, 1), date(1970, 6, 3), None],
            "group": ["special_job_male", "illness_female", "nobody", "male"],
        }
    )
    got = frame.select(policy.retirement_month(pl.col("born"), pl.col("group")))
    assert got["retirement_month"].to_list() == [date(2025, 6, 1), date(2025, 2, 1), None, None]
    special = policy.retirement.filter(pl.col("group").str.starts_with("special_job"))
    # sourced (secondary) for retirements before 2025, inference after (issue 12 item 9)
    assert set(special["status"].to_list()) == {"secondary", "inference"}
    schedule = policy.retirement.filter(pl.col("step_months").is_not_null())
    assert set(schedule["status"].to_list()) == {"verified"}


def test_retirement_group_from_gender_and_identity(policy: Policy) -> None:
    frame = pl.DataFrame(
        {
            "gender": ["1", "1", "2", "2", "2", "2", "2", "9"],
            "identity": ["1", "4", "4", "5", "21", "1", "30", "4"],
        }
    )
    got = frame.select(policy.retirement_group(pl.col("gender"), pl.col("identity")))
    assert got["retirement_group"].to_list() == [
        "male",
        "male",
        "female_55",
        "female_55",
        "female_55",
        "female_50",
        "female_50",
        None,
    ]
    women = policy.retirement_groups.filter(pl.col("gender") == "2")
    assert set(women["status"].to_list()) == {"inference"}
    assert women["note"].null_count() == 0


def test_min_contribution_years_table(policy: Policy) -> None:
    frame = pl.DataFrame({"m": [date(y, 6, 1) for y in (2024, 2029, 2030, 2035, 2038, 2039, 2060)]})
    got = frame.select(policy.min_contribution_years(pl.col("m")))["min_contribution_years"]
    assert got.to_list() == [15.0, 15.0, 15.5, 18.0, 19.5, 20.0, 20.0]
    assert set(policy.tables["min_contribution_years"]["status"].to_list()) == {"verified"}


# ----------------------------------------------------------------------------- other rules
def test_unemployment_months_by_contribution_years(policy: Policy) -> None:
    frame = pl.DataFrame({"years": [0.0, 0.99, 1.0, 4.99, 5.0, 9.5, 10.0, 35.0]})
    got = frame.select(policy.unemployment_months(pl.col("years")))["unemployment_months"]
    assert got.to_list() == [0, 0, 12, 12, 18, 18, 24, 24]
    assert set(policy.unemployment_duration["status"].to_list()) == {"verified"}


def test_late_fee_rate_on(policy: Policy) -> None:
    old = policy.late_fee_rate_on(date(2011, 6, 30))
    new = policy.late_fee_rate_on(date(2011, 7, 1))
    assert (old.rate, old.rate_ppm, old.status) == ("0.002", 2000, "inference")
    assert (new.rate, new.rate_ppm, new.status) == ("0.0005", 500, "verified")
    assert new.policy_id == "late_fee:daily_rate:2011-07-01"
    assert "第八十六条" in new.source
    with pytest.raises(PolicyError, match="1999-01-21 没有适用的滞纳金日费率"):
        policy.late_fee_rate_on(date(1999, 1, 21))


def test_late_fee_due_date_is_the_15th_of_the_next_month(policy: Policy) -> None:
    frame = pl.DataFrame({"month": [date(2025, 12, 1), date(2026, 1, 31)]})
    got = frame.select(policy.late_fee_due_date(pl.col("month")))["due_date"]
    assert got.to_list() == [date(2026, 1, 15), date(2026, 2, 15)]


def test_declaration_month_uses_the_cutoff_day(policy: Policy) -> None:
    frame = pl.DataFrame({"on": [date(2025, 12, 25), date(2025, 12, 26), date(2026, 2, 28)]})
    got = frame.select(policy.declaration_month(pl.col("on"), "departure"))["declaration_month"]
    assert got.to_list() == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 3, 1)]
    with pytest.raises(PolicyError, match="没有业务 transfer"):
        policy.declaration_month(pl.col("on"), "transfer")


def test_backpay_allowed(policy: Policy) -> None:
    frame = pl.DataFrame(
        {
            "ins": ["1", "2", "3", "4", "5", "5", "10"],
            "m": [date(2019, 3, 1)] * 5 + [date(2021, 3, 1), date(2019, 3, 1)],
        }
    )
    got = frame.select(policy.backpay_allowed(pl.col("ins"), pl.col("m")))["backpay_allowed"]
    assert got.to_list() == [True, True, True, False, False, None, False]


def test_rounding_is_half_up_to_the_fen_everywhere(policy: Policy) -> None:
    assert set(policy.rounding["mode"].to_list()) == {"half_up"}
    assert set(policy.rounding["unit"].to_list()) == {"fen"}
    assert set(policy.rounding["key"].to_list()) == set(policy.backpay["key"].to_list())


# ----------------------------------------------------------------------------- the view
def test_view_shows_every_row_of_every_table(policy: Policy) -> None:
    view = policy.view()
    assert view.columns == [
        "table",
        "key",
        "parameter",
        "effective_from",
        "effective_to",
        "value",
        "source",
        "status",
        "note",
        "policy_id",
    ]
    all_ids = pl.concat([t.select("policy_id") for t in policy.tables.values()])["policy_id"]
    assert set(view["policy_id"].to_list()) == set(all_ids.to_list())
    assert view.select(pl.col("source", "status", "value").null_count()).row(0) == (0, 0, 0)
    assert view["table"].unique(maintain_order=True).to_list() == [spec.name for spec in TABLES]
    pension = view.filter(
        (pl.col("policy_id") == "rates:pension:unit:2019-05") & (pl.col("parameter") == "rate")
    )
    assert pension.select("value", "status", "effective_from").row(0) == (
        "0.16",
        "secondary",
        date(2019, 5, 1),
    )


def test_view_traces_a_looked_up_amount_to_its_source(policy: Policy) -> None:
    limits = policy.base_limits_for(_months("2026-11"))
    traced = limits.join(policy.view().filter(pl.col("parameter") == "floor"), on="policy_id")
    assert traced.select("value", "status").row(0) == ("4573", "secondary")
    assert "鲁人社字〔2026〕75号" in traced["source"].item()


def test_the_view_shows_the_split_status_tags(policy: Policy) -> None:
    """Figures sourced only for a recent period are inference before it (issue 12)."""
    view = policy.view().filter(pl.col("parameter").is_in(["rate", "fixed_fen", "floor"]))
    split = {
        "rates:unemployment:unit": "2025-01",
        "rates:unemployment:person": "2025-01",
        "rates:medical:person": "2025-01",
        "rates:large_medical:person": "2025-01",
        "rates:medical:unit": "2025-01",
        "base_limits": "2026-09",
    }
    for prefix, sourced_from in split.items():
        rows = view.filter(pl.col("policy_id").str.starts_with(prefix + ":")).sort("effective_from")
        last_two = rows.tail(2)
        assert last_two["status"].cast(pl.String).to_list() == ["inference", "secondary"], prefix
        assert f"{last_two['effective_from'][1]:%Y-%m}" == sourced_from, prefix
        # the inference window ends the month before the sourced one
        assert last_two["effective_to"][0] < last_two["effective_from"][1], prefix


def test_special_and_illness_ages_split_at_the_2025_reform(policy: Policy) -> None:
    """Issue 12 item 9: the 1978 ages are sourced before 2025 only; after, inference."""
    split = policy.retirement.filter(
        pl.col("group").str.starts_with("special_job") | pl.col("group").str.starts_with("illness")
    ).sort("group", "effective_from")
    got = {
        (row["group"], row["effective_from"], row["effective_to"]): row["status"]
        for row in split.rows(named=True)
    }
    for group in ("special_job_male", "special_job_female", "illness_male", "illness_female"):
        assert got[(group, date(1900, 1, 1), date(1978, 5, 1))] == "inference"
        assert got[(group, date(1978, 6, 1), date(2024, 12, 1))] == "secondary"
        assert got[(group, date(2025, 1, 1), None)] == "inference"
    assert len(got) == 12
    later = split.filter(
        (pl.col("status") == "inference") & (pl.col("effective_from") == date(2025, 1, 1))
    )
    assert later["note"].str.contains("按 sbbatch 的假设").all()
    assert later["source"].str.contains("NOT FOUND").all()
    assert "retirement:illness_female:2025-01" in split["policy_id"].to_list()


def test_special_and_illness_ages_unchanged_across_2025(policy: Policy) -> None:
    """The split changes only the tags: a person retiring in 2024 and in 2026 keeps the age."""
    groups = ["special_job_male", "special_job_female", "illness_male", "illness_female"]
    ages = [55, 45, 50, 45]
    born_2024 = [date(2024 - age, 3, 15) for age in ages]
    born_2026 = [date(2026 - age, 3, 15) for age in ages]
    frame = pl.DataFrame({"born": born_2024 + born_2026, "group": groups * 2})
    got = frame.select(
        policy.statutory_age_months(pl.col("born"), pl.col("group")),
        policy.retirement_month(pl.col("born"), pl.col("group")),
    )
    assert got["statutory_age_months"].to_list() == [age * 12 for age in ages] * 2
    assert got["retirement_month"].to_list() == [date(2024, 3, 1)] * 4 + [date(2026, 3, 1)] * 4


def test_statutory_ages_split_at_the_2025_reform(policy: Policy) -> None:
    """Issue 12 item 9: 60/55/50 before 2025 are 国发〔1978〕104号 (secondary), the raise verified."""
    rows = policy.retirement.filter(pl.col("group").is_in(["male", "female_55", "female_50"]))
    got = {
        (row["group"], row["effective_from"]): (row["status"], row["step_months"])
        for row in rows.rows(named=True)
    }
    for group in ("male", "female_55", "female_50"):
        assert got[(group, date(1900, 1, 1))] == ("inference", None)
        assert got[(group, date(1978, 6, 1))] == ("secondary", None)
        assert got[(group, date(2025, 1, 1))][0] == "verified"
        assert got[(group, date(2025, 1, 1))][1] is not None
    before = rows.filter(pl.col("effective_from") == date(1978, 6, 1))
    assert before["source"].str.contains("国发〔1978〕104号").all()
    assert before["source"].str.contains("policy-facts.md §4.1").all()
    earliest = rows.filter(pl.col("effective_from") == date(1900, 1, 1))
    assert earliest["note"].str.contains("按 sbbatch 的假设").all()


def test_retirement_before_1978_has_an_age_not_a_gap(policy: Policy) -> None:
    """A person who reached the age before 1978-06 (a 离休 veteran) still gets the 1978 age."""
    frame = pl.DataFrame(
        {
            "born": [date(1915, 3, 2), date(1926, 8, 1), date(1918, 1, 1), date(1964, 12, 1)],
            "group": ["male", "female_50", "special_job_male", "male"],
        }
    )
    got = frame.select(
        policy.statutory_age_months(pl.col("born"), pl.col("group")),
        policy.retirement_month(pl.col("born"), pl.col("group")),
    )
    assert got["statutory_age_months"].to_list() == [720, 600, 660, 720]
    assert got["retirement_month"].to_list() == [
        date(1975, 3, 1),
        date(1976, 8, 1),
        date(1973, 1, 1),
        date(2024, 12, 1),
    ]


def test_the_2025_raise_starts_exactly_after_the_1978_rows(policy: Policy) -> None:
    """Born 1964-12 retires 2024-12 by the 1978 row, born 1965-01 in 2025-02 by the raise."""
    frame = pl.DataFrame(
        {
            "born": [date(1964, 12, 31), date(1965, 1, 1), date(1969, 12, 1), date(1970, 1, 1)],
            "group": ["male", "male", "female_55", "female_55"],
        }
    )
    got = frame.select(policy.retirement_month(pl.col("born"), pl.col("group"))).to_series()
    assert got.to_list() == [
        date(2024, 12, 1),
        date(2025, 2, 1),
        date(2024, 12, 1),
        date(2025, 2, 1),
    ]


# ------------------------------------------------------------------ whole messages
# Policy.from_dir checks each table with one select of all its row checks; these are
# the messages the per-check filtering gave (captured before that change), word for word.


def _edit_all(path: Path, edits: list[tuple[str, str]]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _rows(path: Path) -> tuple[list[str], list[int]]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = [i for i, line in enumerate(lines) if not line.startswith("#")][1:]
    return lines, body


def _edit_rows(path: Path, cells: dict[int, tuple[int, str]]) -> None:
    """Set one cell of some data rows (row number among the data rows: cell, value)."""
    lines, body = _rows(path)
    for row, (cell, value) in cells.items():
        values = lines[body[row]].rstrip("\n").split(",")
        values[cell] = value
        lines[body[row]] = ",".join(values) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _repeat_row(path: Path, row: int) -> None:
    lines, body = _rows(path)
    lines.insert(body[row], lines[body[row]])
    path.write_text("".join(lines), encoding="utf-8")


def _drop_row(path: Path, row: int) -> None:
    lines, body = _rows(path)
    del lines[body[row]]
    path.write_text("".join(lines), encoding="utf-8")


WHOLE_MESSAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "columns": (
        lambda d: _edit_all(
            d / "rates.csv", [(",0.16,", ",0.1234567,"), (",2019-05,", ",2019-5,")]
        ),
        "政策参数表有误：testcity/rates.csv 第 11 行：effective_from 列的值“2019-5”应为年月 YYYY-MM；testcity/rates.csv 第 11 行：rate 列的值“0.1234567”小数位超过 6 位，无法精确换算为百万分率。提示：请按文件开头的说明修改后重新加载。",
    ),
    "source_status": (
        lambda d: _edit_rows(d / "base_limits.csv", {0: (-3, ""), 1: (-3, ""), 2: (-2, "guess")}),
        "政策参数表有误：testcity/base_limits.csv 第 14 行：source 不能为空；testcity/base_limits.csv 第 15 行：source 不能为空；testcity/base_limits.csv 第 16 行：status 只能是 verified / secondary / inference。提示：请按文件开头的说明修改后重新加载。",
    ),
    "table_checks": (
        lambda d: _edit_all(d / "rates.csv", [(",unit,", ",firm,")]),
        "政策参数表有误：testcity/rates.csv 第 10 行：payer 应为 unit 或 person；testcity/rates.csv 第 11 行：payer 应为 unit 或 person；testcity/rates.csv 第 13 行：payer 应为 unit 或 person；testcity/rates.csv 第 14 行：payer 应为 unit 或 person；testcity/rates.csv 第 17 行：payer 应为 unit 或 person；另有 19 处问题。提示：请按文件开头的说明修改后重新加载。",
    ),
    "windows": (
        lambda d: _repeat_row(d / "base_limits.csv", 1),
        "政策参数表有误：testcity/base_limits.csv 第 15 行：本表 的期间与自 2019-05 起的期间重叠；testcity/base_limits.csv 第 15 行：policy_id base_limits:2019-05 重复；testcity/base_limits.csv 第 16 行：policy_id base_limits:2019-05 重复。提示：请按文件开头的说明修改后重新加载。",
    ),
    "bands": (
        lambda d: _drop_row(d / "min_contribution_years.csv", 1),
        "政策参数表有误：testcity/min_contribution_years.csv 第 5 行：区间与下一行不衔接。提示：请按文件开头的说明修改后重新加载。",
    ),
    "minimum_wage": (
        lambda d: _edit_rows(d / "minimum_wage.csv", {0: (1, "9")}),
        "政策参数表有误：testcity/minimum_wage.csv 第 9 行：同一 district_group 只能有一个 tier（档次）；testcity/minimum_wage.csv 第 10 行：同一 district_group 只能有一个 tier（档次）；testcity/minimum_wage.csv 第 11 行：同一 district_group 只能有一个 tier（档次）；testcity/minimum_wage.csv 第 12 行：同一 district_group 只能有一个 tier（档次）；testcity/minimum_wage.csv 第 13 行：同一 district_group 只能有一个 tier（档次）；另有 1 处问题。提示：请按文件开头的说明修改后重新加载。",
    ),
}


@pytest.mark.parametrize("case", sorted(WHOLE_MESSAGES))
def test_a_broken_policy_is_refused_with_the_same_whole_message(tmp_path: Path, case: str) -> None:
    edit, message = WHOLE_MESSAGES[case]
    directory = _copy(tmp_path)
    edit(directory)
    with pytest.raises(PolicyError) as caught:
        Policy.from_dir(directory)
    assert str(caught.value) == message
