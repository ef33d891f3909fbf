"""Tests for the synthetic Jinan world (sbbatch.sample)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from stdnum.cn import ric

from sbbatch import codes, ids
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError
from sbbatch.policy import Policy
from sbbatch.sample import SCHEMAS, SampleWorld, _world, generate, read_sample, write_sample
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
LAST_MONTH = dt.date(2026, 11, 1)
COMMITTED = Path(__file__).resolve().parents[1] / "sample_data" / "world"


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    """The default world (the committed example)."""
    return generate()


@pytest.fixture(scope="module")
def big() -> SampleWorld:
    """A larger world with many units, for shares and rare cases."""
    return generate(seed=7, n_units=40, n_persons=5_000)


def _share(mask: pl.Series) -> float:
    """Return the share of true values."""
    return float(mask.cast(pl.Int64).sum()) / max(len(mask), 1)


def _pension(world: SampleWorld) -> pl.DataFrame:
    return world.insured_periods.filter(pl.col("insurance") == "1")


def _last_spells(world: SampleWorld) -> pl.DataFrame:
    """Each person's last pension period."""
    return _pension(world).sort("person_id", "from_month").group_by("person_id").last()


def _retirement(world: SampleWorld) -> pl.DataFrame:
    policy = Policy.load()
    group = policy.retirement_group(pl.col("gender"), pl.col("identity"))
    return world.persons.with_columns(
        policy.retirement_month(pl.col("birth_date"), group).alias("retirement_month")
    )


# --------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_frames(world: SampleWorld) -> None:
    # generated afresh twice: generate() itself remembers small worlds (below)
    first, again = (
        _world._world(2026, 5, 300, dt.date(2022, 1, 1), dt.date(2026, 11, 1)) for _ in range(2)
    )
    for name, frame in world.frames().items():
        assert_frame_equal(first.frames()[name], frame)
        assert_frame_equal(again.frames()[name], frame)


def test_a_small_world_is_generated_once_per_process() -> None:
    before = _world._remembered.cache_info()
    one = generate(seed=11, n_units=2, n_persons=7)
    two = generate(seed=11, n_units=2, n_persons=7)
    after = _world._remembered.cache_info()
    assert two is one
    assert (after.misses, after.hits) == (before.misses + 1, before.hits + 1)
    assert generate(seed=12, n_units=2, n_persons=7) is not one


def test_the_birth_table_is_made_once_per_pair_of_months(world: SampleWorld) -> None:
    from sbbatch.sample import _people

    _people._birth_table.cache_clear()
    afresh = _world._world(2026, 5, 300, dt.date(2022, 1, 1), dt.date(2026, 11, 1))
    other_seed = _world._world(2027, 2, 40, dt.date(2022, 1, 1), dt.date(2026, 11, 1))
    info = _people._birth_table.cache_info()
    assert (info.misses, info.hits) == (1, 1)  # the second world took the first's table
    for name, frame in world.frames().items():  # and the world is the one made without it
        assert_frame_equal(afresh.frames()[name], frame)
    assert other_seed.persons.height == 40
    _world._world(2026, 2, 40, dt.date(2023, 1, 1), dt.date(2026, 11, 1))
    assert _people._birth_table.cache_info().misses == 2  # other months: another table


def test_a_large_world_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_world, "_REMEMBERED_PERSONS", 5)
    before = _world._remembered.cache_info()
    one = generate(seed=11, n_units=2, n_persons=6)
    assert generate(seed=11, n_units=2, n_persons=6) is not one
    assert _world._remembered.cache_info() == before


def test_another_seed_gives_another_world(world: SampleWorld) -> None:
    other = generate(seed=2027)
    assert not other.persons.equals(world.persons)
    assert not other.units.equals(world.units)
    shared = set(other.persons["person_id"]) & set(world.persons["person_id"])
    assert len(shared) < 5


def test_committed_example_is_generate_with_defaults(world: SampleWorld) -> None:
    committed = read_sample(COMMITTED)
    for name, frame in world.frames().items():
        assert_frame_equal(committed.frames()[name], frame)
    size = sum(path.stat().st_size for path in COMMITTED.glob("*.csv"))
    assert size < 2_000_000


def test_write_read_round_trip_is_exact(world: SampleWorld, tmp_path: Path) -> None:
    paths = write_sample(tmp_path, world)
    assert [path.name for path in paths] == [f"{name}.csv" for name in SCHEMAS]
    back = read_sample(tmp_path)
    for name, frame in world.frames().items():
        assert_frame_equal(back.frames()[name], frame)
    # IDs and codes stay text (leading zeros kept), money stays integer fen
    text = (tmp_path / "units.csv").read_text(encoding="utf-8")
    assert world.units["unit_id"][0] in text
    assert world.units["unit_id"][0].startswith("00")


def test_read_sample_reports_missing_file_and_wrong_header(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="缺少文件"):
        read_sample(tmp_path)
    write_sample(tmp_path, generate(n_units=1, n_persons=2))
    (tmp_path / "units.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match="不一致"):
        read_sample(tmp_path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_units": 0},
        {"n_persons": -1},
        {"first_month": dt.date(2022, 1, 2)},
        {"first_month": dt.date(2026, 12, 1), "last_month": dt.date(2026, 11, 1)},
    ],
)
def test_unusable_arguments_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(UnusableInputError):
        generate(**kwargs)  # type: ignore[arg-type]


def test_empty_world() -> None:
    empty = generate(n_units=1, n_persons=0)
    assert empty.persons.height == 0
    assert empty.wage_bases.height == 0
    assert empty.units.height == 1


# ------------------------------------------------------------------ workspace tables
def test_columns_and_dtypes_equal_the_workspace_tables(world: SampleWorld) -> None:
    ws = Workspace(today=TODAY)
    counts = world.load_into(ws)
    assert counts == {name: frame.height for name, frame in world.frames().items()}
    for name, frame in world.frames().items():
        stored = ws.table(name)
        assert stored.schema == frame.schema, name
        assert_frame_equal(
            stored.sort(stored.columns, nulls_last=True), frame.sort(frame.columns, nulls_last=True)
        )


# ------------------------------------------------------------------------- persons
def test_ids_are_valid_and_unique(big: SampleWorld) -> None:
    persons = big.persons
    reasons = persons.select(ids.failure_reason(pl.col("person_id"), TODAY).alias("reason"))
    assert reasons["reason"].null_count() == persons.height
    assert persons["person_id"].n_unique() == persons.height
    for number in persons["person_id"].head(200):
        assert ric.calc_check_digit(number) == number[-1]


def test_gender_and_birth_date_match_the_id(big: SampleWorld) -> None:
    decoded = big.persons.select(
        (ids.gender(pl.col("person_id")) == pl.col("gender")).all().alias("gender"),
        (ids.birth_date(pl.col("person_id")) == pl.col("birth_date")).all().alias("born"),
    )
    assert decoded.row(0) == (True, True)


def test_birth_dates_are_working_ages(world: SampleWorld) -> None:
    years = world.persons["birth_date"].dt.year()
    assert years.is_between(1962, 2006).all()
    assert _share(years.is_between(1980, 1995)) > 0.3


def test_person_fields_look_real(big: SampleWorld) -> None:
    persons = big.persons
    assert persons["phone"].str.contains(r"^1[3-9][0-9]{9}$").all()
    assert persons["name"].str.len_chars().is_between(2, 4).all()
    assert persons.filter(pl.col("ethnicity") == "01").height > 0.9 * persons.height
    assert persons["ethnicity"].n_unique() > 3
    assert persons["address"].str.starts_with("济南市").all()
    # 16 or older when they started work
    sixteen = pl.col("birth_date").dt.offset_by("16y")
    assert persons.select((pl.col("work_start_date") >= sixteen).all()).item()
    # hukou: Jinan is 1 城镇 / 2 农村, elsewhere 3 外地城镇 / 4 外地非城镇
    jinan = pl.col("hukou_city") == "济南市"
    local = pl.col("hukou_type").is_in(["1", "2"])
    assert persons.select((jinan == local).all()).item()
    # rural hukou ↔ 农民合同制工人 or 临时工
    rural = pl.col("hukou_type").is_in(["2", "4"])
    assert persons.filter(rural)["employment_form"].is_in(["3", "4"]).all()
    assert persons.filter(~rural)["employment_form"].is_in(["1", "2", "4", "9"]).all()
    # hukou names are those of the ID's region when it was not renumbered
    named = persons.with_columns(ids.county_name(pl.col("person_id")).alias("id_county"))
    same = named.filter(pl.col("person_id").str.slice(0, 4) == "3701")
    assert _share(same["id_county"] == same["hukou_county"]) > 0.7


def test_codes_are_in_the_code_tables(big: SampleWorld) -> None:
    checks = {
        ("persons", "ethnicity"): "ethnicity",
        ("persons", "gender"): "gender",
        ("persons", "hukou_type"): "hukou_type",
        ("persons", "employment_form"): "employment_form",
        ("persons", "identity"): "identity",
        ("units", "unit_type"): "unit_type",
        ("units", "payment_method"): "payment_method",
        ("insured_periods", "insurance"): "insurance",
        ("insured_periods", "person_category"): "person_category",
        ("insured_periods", "add_reason"): "add_reason",
        ("insured_periods", "leave_reason"): "leave_reason",
    }
    for (table, column), key in checks.items():
        values = big.frames()[table][column].drop_nulls()
        assert values.is_in(codes.table(key)["code"].implode()).all(), (table, column)
    assert set(big.insured_periods["add_reason"]) == {"111", "121", "141"}


# --------------------------------------------------------------------------- units
def test_units_are_realistic(world: SampleWorld, big: SampleWorld) -> None:
    for units in (world.units, big.units):
        assert units["unit_id"].str.contains(r"^[0-9]{10}$").all()
        assert units["unit_id"].n_unique() == units.height
        assert units["name"].n_unique() == units.height
        assert units["risk_class"].is_between(1, 8).all()
        assert set(units["payment_method"]) == {"1", "2"}
    assert set(world.units["unit_type"]) == {"10", "30", "60"}
    assert world.units.filter(pl.col("unit_type") == "30").height == 1
    assert big.units.filter(pl.col("unit_type") == "10").height > 0.7 * big.units.height
    assert big.units["risk_class"].n_unique() >= 5


# ------------------------------------------------------------------ insured periods
def test_insurances_follow_the_category_table(big: SampleWorld) -> None:
    table, _ = read_commented_csv(schemas_dir() / "policy" / "jinan" / "category_insurances.csv")
    current = table.filter(pl.col("effective_to").is_null())
    expected = current.group_by("person_category").agg(pl.col("insurance").sort())
    found = (
        big.insured_periods.group_by("unit_id", "person_id", "from_month", "person_category")
        .agg(pl.col("insurance").sort())
        .join(expected, on="person_category", suffix="_expected")
    )
    assert (found["insurance"] == found["insurance_expected"]).all()
    assert "5" not in set(big.insured_periods["insurance"])  # merged into medical before 2022


def test_maternity_only_before_the_merger() -> None:
    early = generate(n_persons=200, first_month=dt.date(2019, 1, 1))
    maternity = early.insured_periods.filter(pl.col("insurance") == "5")
    assert maternity.height > 0
    assert (maternity["until_month"] <= dt.date(2020, 1, 1)).all()
    assert maternity["person_category"].is_in(["11", "12"]).all()


def test_category_matches_hukou_and_unit(big: SampleWorld) -> None:
    periods = big.insured_periods.join(big.persons, on="person_id").join(big.units, on="unit_id")
    own = periods.filter(pl.col("person_category").is_in(["11", "12"]))
    urban = own["hukou_type"].is_in(["1", "3"])
    assert ((own["person_category"] == "11") == urban).all()
    assert periods.filter(pl.col("person_category") == "14")["unit_type"].eq("60").all()
    assert periods.filter(pl.col("unit_type") == "60")["person_category"].eq("14").all()
    assert periods.filter(pl.col("person_category") == "13").height > 0


def test_periods_lie_in_the_world(world: SampleWorld) -> None:
    periods = world.insured_periods
    assert (periods["from_month"] >= dt.date(2022, 1, 1)).all()
    assert (periods["from_month"] <= LAST_MONTH).all()
    assert (periods["until_month"].drop_nulls() <= LAST_MONTH).all()
    assert (
        periods["until_month"].drop_nulls() > periods.drop_nulls("until_month")["from_month"]
    ).all()
    assert (periods["from_month"].dt.day() == 1).all()
    # a leave reason exactly when the period is closed
    closed = periods["until_month"].is_not_null()
    assert (closed == periods["leave_reason"].is_not_null()).all()


def test_nobody_is_insured_for_pension_in_two_units_at_once(big: SampleWorld) -> None:
    pension = _pension(big).sort("person_id", "from_month")
    overlaps = pension.with_columns(
        pl.col("until_month").shift(1).over("person_id").alias("previous_until"),
        pl.col("unit_id").shift(1).over("person_id").alias("previous_unit"),
    ).filter(pl.col("previous_unit").is_not_null())
    assert overlaps["previous_until"].null_count() == 0
    assert (overlaps["from_month"] >= overlaps["previous_until"]).all()
    assert (overlaps["unit_id"] != overlaps["previous_unit"]).all()
    assert overlaps.height > 0.1 * big.persons.height  # some persons changed units
    # and by month: at most one pension unit per person and month
    months = big.wage_bases.group_by("person_id", "month").len()
    assert months["len"].max() == 1


def test_some_departed_and_some_retired(world: SampleWorld, big: SampleWorld) -> None:
    for sample in (world, big):
        last = _last_spells(sample)
        departed = last.filter(
            pl.col("until_month").is_not_null() & (pl.col("leave_reason") != "251")
        )
        share = departed.height / last.height
        assert 0.08 <= share <= 0.17, share
        assert last.filter(pl.col("leave_reason") == "251").height >= 3
    # whoever left with 251 did so the month after reaching the statutory age
    retired = _last_spells(big).join(_retirement(big), on="person_id")
    with_251 = retired.filter(pl.col("leave_reason") == "251")
    assert (with_251["until_month"] == with_251["retirement_month"].dt.offset_by("1mo")).all()
    # nobody is still insured past the statutory age
    open_ = retired.filter(pl.col("until_month").is_null())
    assert (open_["retirement_month"] >= LAST_MONTH).all()


def test_some_are_within_six_months_of_retirement(world: SampleWorld) -> None:
    persons = _retirement(world).join(_last_spells(world), on="person_id")
    near = persons.filter(
        (pl.col("retirement_month") > LAST_MONTH)
        & (pl.col("retirement_month") <= dt.date(2027, 5, 1))
        & pl.col("until_month").is_null()
    )
    assert near.height >= 4
    assert set(near["gender"]) == {"1", "2"}
    women = near.filter(pl.col("gender") == "2")
    assert (women["identity"] == "1").all()  # women workers retire at 50 (+ delay)


# ------------------------------------------------------------------------ wage bases
def test_wage_rows_are_the_insured_months(world: SampleWorld) -> None:
    pension = _pension(world).with_columns(pl.col("until_month").fill_null(dt.date(2026, 12, 1)))
    months = pension.select(
        "unit_id",
        "person_id",
        pl.date_ranges("from_month", pl.col("until_month").dt.offset_by("-1mo"), "1mo").alias(
            "month"
        ),
    ).explode("month")
    wages = world.wage_bases.select("unit_id", "person_id", "month")
    assert_frame_equal(months.sort(months.columns), wages.sort(wages.columns))


def test_wages_are_sane_and_clamping_shows(world: SampleWorld) -> None:
    wages = world.wage_bases
    assert wages["wage_fen"].is_between(230_000, 6_000_000).all()
    assert (wages["wage_fen"] % 100 == 0).all()  # whole yuan
    assert wages["declaration_id"].null_count() == wages.height
    limits = Policy.load().base_limits_for(wages)
    below = _share(limits["wage_fen"] < limits["floor_fen"])
    above = _share(limits["wage_fen"] > limits["ceiling_fen"])
    assert 0.01 < below < 0.25, below
    assert 0.001 < above < 0.08, above
    assert _share(wages["wage_fen"].is_between(450_000, 1_200_000)) > 0.5


def test_wages_rise_only_in_january(world: SampleWorld) -> None:
    steps = (
        world.wage_bases.sort("unit_id", "person_id", "month")
        .with_columns(
            pl.col("wage_fen").diff().over("unit_id", "person_id").alias("change"),
            pl.col("month").dt.month().alias("calendar_month"),
        )
        .drop_nulls("change")
    )
    assert (steps["change"] >= 0).all()
    assert steps.filter(pl.col("change") != 0)["calendar_month"].eq(1).all()
    assert steps.filter(pl.col("change") > 0).height > 0
