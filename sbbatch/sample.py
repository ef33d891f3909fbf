"""A seeded synthetic Jinan world (样例数据): units, persons, insured periods, wage bases.

:func:`generate` builds, from a seed, a world of employers (单位), persons (人员), their
insured periods (参保, one row per insurance) and monthly wage bases (缴费工资). Every frame
has exactly the columns and dtypes of the workspace table of the same name
(``schemas/ddl/001_registry.sql``; ``insured_periods`` without ``period_id``), so
:meth:`SampleWorld.load_into` fills a :class:`~sbbatch.store.Workspace` directly.
:func:`write_sample` and :func:`read_sample` keep a world as UTF-8 CSV files; the example
under ``sample_data/world/`` is ``generate()`` with the defaults.

What the world looks like:

- Units: mostly enterprises (企业), one public institution (事业单位) and an individual
  business (个体工商户) among the first five, a 人力资源 company whose staff are partly
  attached (挂靠); realistic names, 10-digit unit numbers, risk classes 1-8, mixed payment
  methods (缴费方式), a Jinan district each.
- Persons: valid 18-digit ID numbers (check character from :func:`sbbatch.ids.check_char`)
  whose address code, birth date and gender parity match the person; birth dates weighted
  to working ages; ~74% registered in Jinan, the others elsewhere in Shandong or in other
  provinces (外地); names, ethnicity, phone, hukou, address, 用工形式, 个人身份 and the date
  they started work.
- Insured periods: one or two employment spells per person, never overlapping (nobody is
  insured in two units at once), opened with 111/121/141; about 12% have left (减员),
  those who reached the statutory retirement age (:meth:`sbbatch.policy.Policy.retirement_month`)
  left with 251 in-world, and one person in 50 is within six months of retirement at
  ``last_month``. The insurances of a period follow its 人员类别
  (``schemas/policy/jinan/category_insurances.csv``).
- Wage bases: one row per insured month, log-normal-ish by unit and person, raised each
  January, rounded to whole yuan or 10 yuan as HR systems do; some are below the
  provincial floor and some above the ceiling.

The word lists (surnames, given names, regions, streets, unit kinds) are CSV files under
``schemas/sample/``. Everything is vectorised: a million persons take seconds.

Randomness is counter-based: every draw is a 32-bit integer hash (lowbias32) of the seed,
a stream name and the row's keys (person, unit, spell), computed with exact UInt64
arithmetic on whole columns. Unlike ``Expr.hash`` its values are the same in every polars
version, so the committed example does not drift on an upgrade; and a draw does not
depend on the order in which rows or columns are computed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._files import atomic_path
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError
from sbbatch.ids import check_char
from sbbatch.policy import Policy

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["SCHEMAS", "SampleWorld", "generate", "read_sample", "write_sample"]

SCHEMAS: Final[dict[str, dict[str, pl.DataType]]] = {
    "units": {
        "unit_id": pl.String(),
        "name": pl.String(),
        "unit_type": pl.String(),
        "risk_class": pl.Int32(),
        "injury_rate": pl.String(),
        "payment_method": pl.String(),
        "bank": pl.String(),
        "county_code": pl.String(),
        "agency": pl.String(),
        "insured_since": pl.Date(),
    },
    "persons": {
        "person_id": pl.String(),
        "name": pl.String(),
        "gender": pl.String(),
        "birth_date": pl.Date(),
        "ethnicity": pl.String(),
        "phone": pl.String(),
        "hukou_province": pl.String(),
        "hukou_city": pl.String(),
        "hukou_county": pl.String(),
        "hukou_detail": pl.String(),
        "address": pl.String(),
        "hukou_type": pl.String(),
        "employment_form": pl.String(),
        "identity": pl.String(),
        "work_start_date": pl.Date(),
    },
    "insured_periods": {
        "unit_id": pl.String(),
        "person_id": pl.String(),
        "insurance": pl.String(),
        "person_category": pl.String(),
        "from_month": pl.Date(),
        "until_month": pl.Date(),
        "add_reason": pl.String(),
        "leave_reason": pl.String(),
        "opened_by": pl.String(),
        "closed_by": pl.String(),
    },
    "wage_bases": {
        "unit_id": pl.String(),
        "person_id": pl.String(),
        "month": pl.Date(),
        "wage_fen": pl.Int64(),
        "declaration_id": pl.String(),
        "revoked_by": pl.String(),
    },
}
"""Columns and dtypes of each frame: those of the workspace table of the same name."""

# ----------------------------------------------------------------------------- tuning
# Shares and weights that shape the world. Codes only; every Chinese word is in schemas/sample.
_MALE_SHARE: Final = 0.54
_TWO_SPELLS: Final = 0.18  # persons with a second employment spell in another unit
_DEPARTED: Final = 0.12  # persons whose last spell ended before last_month (减员)
_OPEN_AT_START: Final = 0.35  # persons already on the books in first_month
_FORCED_EVERY: Final = 50  # one person in 50 near retirement, one in 50 retired in-world
_NEAR_RETIREMENT_MONTHS: Final = 6
_ADULT_MONTHS: Final = 18 * 12  # first insured month is after the 18th birthday month
_YOUNGEST_MONTHS: Final = 20 * 12  # everybody is at least 20 at last_month
_OLDEST_MONTHS: Final = 75 * 12
# weight of a birth month by age (years) at last_month: (lowest age, weight)
_AGE_WEIGHTS: Final = ((20, 5), (23, 10), (30, 12), (40, 10), (50, 7), (55, 4), (60, 2))
_GROUPS: Final = ("male", "female_55", "female_50")  # retirement groups (retirement.csv)
_MODES: Final = ("normal", "near", "retired")
_UNIT_KINDS: Final = ("enterprise", "institution", "agency", "sole")
_FIRST_KINDS: Final = ("enterprise", "institution", "agency", "sole", "enterprise")
_LATER_KIND_WEIGHTS: Final = (85, 6, 3, 6)  # kinds of units 6, 7, … in _UNIT_KINDS order
_CADRE_SHARE: Final = {"enterprise": 22, "institution": 55, "agency": 5, "sole": 3}  # % 干部
_ETHNICITY: Final = (
    ("01", 9500),
    ("03", 300),
    ("11", 60),
    ("02", 40),
    ("08", 20),
    ("10", 20),
    ("06", 15),
    ("15", 15),
    ("05", 10),
)
# mobile number prefixes (号段) in common use
_PHONE_PREFIXES: Final = tuple(
    str(prefix)
    for prefix in (
        *range(130, 140),
        *range(150, 154),
        *range(155, 160),
        166,
        170,
        171,
        173,
        *range(175, 179),
        *range(180, 190),
        191,
        198,
        199,
    )
)
_MIDDLE_LEAVE: Final = (("222", 45), ("221", 30), ("241", 20), ("223", 5))
_FINAL_LEAVE: Final = (
    ("222", 45),
    ("221", 30),
    ("241", 8),
    ("231", 8),
    ("223", 5),
    ("211", 2),
    ("212", 2),
)
_WAGE_SIGMA: Final = 0.35
_SENIOR: Final = 0.02  # senior staff earning 3-4.5 times their unit's level (plus one in 50)
_WAGE_MIN_YUAN: Final = 2_300
_WAGE_MAX_YUAN: Final = 60_000

_M32: Final = 1 << 32


# ------------------------------------------------------------------------ the world
@dataclass(frozen=True)
class SampleWorld:
    """The four registry frames of a synthetic world, typed as the workspace tables.

    Attributes:
        units: 单位 (``units`` table).
        persons: 人员 (``persons`` table).
        insured_periods: 参保, one row per person, unit, insurance and run of months
            (``insured_periods`` table without ``period_id``).
        wage_bases: 缴费工资, one row per person, unit and insured month.
    """

    units: pl.DataFrame
    persons: pl.DataFrame
    insured_periods: pl.DataFrame
    wage_bases: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        """Return the frames by table name, in loading order."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def load_into(self, ws: Workspace) -> dict[str, int]:
        """Load the world into a workspace in one transaction (see :meth:`Workspace.load`).

        Returns:
            The number of rows inserted per table.

        Example:
            >>> from sbbatch.store import Workspace
            >>> ws = Workspace(today=date(2026, 11, 26))
            >>> world = generate(n_units=2, n_persons=3, first_month=date(2026, 1, 1))
            >>> counts = world.load_into(ws)
            >>> counts["persons"], counts["units"]
            (3, 2)
        """
        return ws.load(**self.frames())


# ------------------------------------------------------------------------ randomness
def _mix32_int(value: int) -> int:
    """Return lowbias32 of a Python integer (the scalar twin of :func:`_mix32`)."""
    x = value & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def _mix32(x: pl.Series) -> pl.Series:
    """Return lowbias32 (C. Wellons) of a UInt64 series below 2**32.

    Products stay below 2**64, so UInt64 arithmetic is exact in every polars version.
    It works on a materialised series: as an expression, every xor-shift would double
    the expression tree.
    """
    x = x ^ (x // (1 << 16))
    x = x * 0x7FEB352D % _M32
    x = x ^ (x // (1 << 15))
    x = x * 0x846CA68B % _M32
    return x ^ (x // (1 << 16))


def _hasher(salt: int) -> Callable[[pl.Series], pl.Series]:
    """Return the batch function that hashes a struct of keys under ``salt``."""
    final = _mix32_int(salt + 1)

    def run(keys: pl.Series) -> pl.Series:
        value = pl.repeat(salt, len(keys), dtype=pl.UInt64, eager=True)
        for field in keys.struct.unnest().iter_columns():
            value = _mix32(value ^ field.cast(pl.UInt64))
        return _mix32(value ^ final)

    return run


class _Random:
    """Counter-based random numbers: a hash of (seed, stream, row keys)."""

    def __init__(self, seed: int) -> None:
        seed &= (1 << 64) - 1
        self._seed = _mix32_int(_mix32_int(seed) ^ (seed >> 32))

    def bits(self, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return 32 random bits per row (UInt64 below 2**32) for a stream and row keys.

        Keys must be non-negative integers below 2**32; at least one must be a column.
        """
        salt = _mix32_int(self._seed ^ zlib.crc32(stream.encode()))
        fields = [key.alias(f"k{i}") for i, key in enumerate(keys)]
        return pl.struct(fields).map_batches(
            _hasher(salt), return_dtype=pl.UInt64, is_elementwise=True
        )

    def scalar(self, stream: str) -> int:
        """Return 32 random bits for a stream, as a Python integer (one value per world)."""
        salt = _mix32_int(self._seed ^ zlib.crc32(stream.encode()))
        return _mix32_int(salt + 1)

    def below(self, n: pl.Expr | int, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return a uniform integer in ``[0, n)`` per row as Int64 (0 where ``n <= 0``)."""
        bound = (pl.lit(n) if isinstance(n, int) else n).cast(pl.Int64).clip(lower_bound=0)
        return (self.bits(stream, *keys) * bound.cast(pl.UInt64) // _M32).cast(pl.Int64)

    def chance(self, share: float, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return True with probability ``share`` per row."""
        return self.bits(stream, *keys) < int(share * _M32)

    def uniform(self, stream: str, *keys: pl.Expr) -> pl.Expr:
        """Return a uniform float in ``[0, 1)`` per row."""
        return self.bits(stream, *keys).cast(pl.Float64) / _M32


def _pick(bits: pl.Expr, weights: Sequence[int]) -> pl.Expr:
    """Return an index into ``weights``, drawn in proportion to the weights."""
    cumulative = pl.Series(list(accumulate(weights)), dtype=pl.UInt64)
    target = bits * int(cumulative[-1]) // _M32
    return pl.lit(cumulative).search_sorted(target, side="right").cast(pl.Int64)


def _choose(values: Sequence[str], index: pl.Expr) -> pl.Expr:
    """Return ``values[index]`` per row."""
    return pl.lit(pl.Series(list(values), dtype=pl.String)).gather(index)


@dataclass(frozen=True)
class _Table:
    """A reference table sorted by class, for weighted draws within a row's class."""

    frame: pl.DataFrame  # sorted by class; has a weight column
    starts: list[int]  # cumulative weight before each class
    totals: list[int]  # total weight of each class

    @classmethod
    def of(cls, frame: pl.DataFrame, classes: Sequence[str] | None, class_col: str = "") -> _Table:
        """Build from a frame with ``weight``; ``classes`` orders the ``class_col`` values."""
        if classes is None:
            frame = frame.with_columns(_class=pl.lit(0, pl.Int64))
            classes = [""]
        else:
            order = {name: i for i, name in enumerate(classes)}
            frame = frame.with_columns(
                _class=pl.col(class_col).replace_strict(order, return_dtype=pl.Int64)
            ).sort("_class", maintain_order=True)
        totals = [
            int(frame.filter(pl.col("_class") == i)["weight"].sum()) for i in range(len(classes))
        ]
        starts = [0, *accumulate(totals)][:-1]
        return cls(frame=frame, starts=starts, totals=totals)

    def pick(self, bits: pl.Expr, klass: pl.Expr | None = None) -> pl.Expr:
        """Return the row index drawn for each row, in proportion to weight within its class."""
        cumulative = pl.lit(self.frame["weight"].cast(pl.UInt64).cum_sum())
        if klass is None:
            start: pl.Expr = pl.lit(self.starts[0], pl.UInt64)
            total: pl.Expr = pl.lit(self.totals[0], pl.UInt64)
        else:
            start = pl.lit(pl.Series(self.starts, dtype=pl.UInt64)).gather(klass)
            total = pl.lit(pl.Series(self.totals, dtype=pl.UInt64)).gather(klass)
        target = start + bits * total // _M32
        return cumulative.search_sorted(target, side="right").cast(pl.Int64)

    def get(self, column: str, index: pl.Expr) -> pl.Expr:
        """Return the value of ``column`` at the drawn row index."""
        return pl.lit(self.frame[column]).gather(index)


# ------------------------------------------------------------------- reference data
@dataclass(frozen=True)
class _Reference:
    """The word lists of ``schemas/sample`` and the category→insurance table."""

    surnames: _Table
    given_chars: _Table  # class: gender code
    given_names: _Table  # class: gender + era
    regions: _Table
    streets: _Table  # class: county code ("" = generic)
    brands: _Table
    banks: _Table
    villages: _Table
    templates: _Table  # class: unit kind
    category_insurances: pl.DataFrame
    region_names: dict[str, str]  # county code -> county name
    region_cities: dict[str, str]  # county code -> prefecture name
    street_classes: list[str]


def _read_sample(name: str) -> pl.DataFrame:
    frame, _ = read_commented_csv(schemas_dir() / "sample" / f"{name}.csv")
    weight = pl.col("weight").cast(pl.Int64) if "weight" in frame.columns else pl.lit(1, pl.Int64)
    return frame.with_columns(weight.alias("weight"))


@cache
def _reference() -> _Reference:
    """Load the reference tables once per process."""
    given = _read_sample("given_names")
    chars = given.filter(pl.col("kind") == "char")
    names = given.filter(pl.col("kind") == "name").with_columns(
        _key=pl.col("gender") + ":" + pl.col("era")
    )
    regions = _read_sample("regions").with_columns(
        pl.col("id_code").fill_null(pl.col("code")),
        pl.col("urban_share").cast(pl.Int64),
    )
    streets = _read_sample("streets").with_columns(pl.col("county_code").fill_null(""))
    street_classes = list(dict.fromkeys(streets["county_code"].to_list()))
    vocabulary = _read_sample("vocabulary")
    templates = _read_sample("unit_templates").with_columns(
        pl.col("risk_class").cast(pl.Int32), pl.col("wage_level").cast(pl.Int64)
    )
    categories, _ = read_commented_csv(
        schemas_dir() / "policy" / "jinan" / "category_insurances.csv"
    )
    return _Reference(
        surnames=_Table.of(_read_sample("surnames"), None),
        given_chars=_Table.of(chars, ["1", "2"], "gender"),
        given_names=_Table.of(
            names, [f"{g}:{e}" for g in ("1", "2") for e in ("old", "mid", "young")], "_key"
        ),
        regions=_Table.of(regions, None),
        streets=_Table.of(streets, street_classes, "county_code"),
        brands=_Table.of(vocabulary.filter(pl.col("kind") == "brand"), None),
        banks=_Table.of(vocabulary.filter(pl.col("kind") == "bank"), None),
        villages=_Table.of(vocabulary.filter(pl.col("kind") == "village"), None),
        templates=_Table.of(templates, list(_UNIT_KINDS), "kind"),
        category_insurances=categories,
        region_names=dict(zip(regions["code"], regions["county"], strict=True)),
        region_cities=dict(zip(regions["code"], regions["city"], strict=True)),
        street_classes=street_classes,
    )


# ----------------------------------------------------------------------- month helpers
def _month_index(value: date) -> int:
    return value.year * 12 + value.month - 1


def _month_index_expr(expr: pl.Expr) -> pl.Expr:
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def _month_date(index: pl.Expr, lo: int, hi: int) -> pl.Expr:
    """Return the first day of month ``index`` (``year * 12 + month - 1``), lo <= index <= hi.

    A look-up in the list of month starts: on long columns much faster than ``pl.date``.
    """
    starts = pl.Series([date(i // 12, i % 12 + 1, 1) for i in range(lo, hi + 1)], dtype=pl.Date)
    return pl.lit(starts).gather((index - lo).clip(0, hi - lo))


# -------------------------------------------------------------------------- units
def _units(rng: _Random, n_units: int, ref: _Reference) -> pl.DataFrame:
    """Return the units with their internal columns (``u``, ``kind``, ``size``, …)."""
    u = pl.col("u")
    jinan = ref.regions.frame.filter(pl.col("area") == "jinan")
    county_table = _Table.of(jinan, None)
    fixed = [_UNIT_KINDS.index(kind) for kind in _FIRST_KINDS]
    kind_index = (
        pl.when(u < len(fixed))
        .then(pl.lit(pl.Series(fixed, dtype=pl.Int64)).gather(u.clip(upper_bound=len(fixed) - 1)))
        .otherwise(_pick(rng.bits("unit.kind", u), _LATER_KIND_WEIGHTS))
    )
    # unit numbers: "001" + 7 digits from a bijection of the index (so they never collide)
    step = 2 * (rng.scalar("unit.id") % 4_000_000) + 1_000_003
    step += 2 if step % 5 == 0 else 0
    offset = rng.scalar("unit.offset") % 10_000_000
    frame = (
        pl.DataFrame({"u": pl.int_range(n_units, dtype=pl.Int64, eager=True)})
        .with_columns(kind_index.alias("_kind"))
        .with_columns(
            _choose(_UNIT_KINDS, pl.col("_kind")).alias("kind"),
            ref.templates.pick(rng.bits("unit.template", u), pl.col("_kind")).alias("_tpl"),
            county_table.pick(rng.bits("unit.county", u)).alias("_county"),
            ref.brands.pick(rng.bits("unit.brand", u)).alias("_brand"),
            ref.surnames.pick(rng.bits("unit.surname", u)).alias("_surname"),
            ref.banks.pick(rng.bits("unit.bank", u)).alias("_bank"),
            (u * step + offset).mod(10_000_000).cast(pl.String).str.zfill(7).alias("_digits"),
        )
        .with_columns(
            ("001" + pl.col("_digits")).alias("unit_id"),
            ref.templates.get("unit_type", pl.col("_tpl")).alias("unit_type"),
            ref.templates.get("risk_class", pl.col("_tpl")).alias("risk_class"),
            county_table.get("code", pl.col("_county")).alias("county_code"),
            county_table.get("county", pl.col("_county")).alias("_county_name"),
            ref.banks.get("text", pl.col("_bank")).alias("bank"),
            # the class's base rate applies (no floating rate set by the agency)
            pl.lit(None, pl.String).alias("injury_rate"),
            # 经办机构 and 参保日期 come from the unit's own 单位信息 file (load), not made up
            pl.lit(None, pl.String).alias("agency"),
            pl.lit(None, pl.Date).alias("insured_since"),
            pl.when(u == 0)
            .then(pl.lit("1"))
            .when(u == 1)
            .then(pl.lit("2"))
            .when(rng.chance(0.6, "unit.payment", u))
            .then(pl.lit("1"))
            .otherwise(pl.lit("2"))
            .alias("payment_method"),
            # staffing weight: how many persons a unit draws
            pl.when(pl.col("kind") == "sole")
            .then(2 + rng.below(6, "unit.size", u))
            .when(pl.col("kind") == "enterprise")
            .then(20 + rng.below(180, "unit.size", u))
            .otherwise(40 + rng.below(60, "unit.size", u))
            .alias("size"),
            # median wage of the unit's staff, yuan: the kind's level × 0.8-1.25
            (
                ref.templates.get("wage_level", pl.col("_tpl")).cast(pl.Float64)
                * (0.8 + 0.45 * rng.uniform("unit.wage", u))
            ).alias("wage_level"),
            # HR rounding: 10 yuan for 60% of units, whole yuan for the others
            pl.when(rng.chance(0.6, "unit.rounding", u))
            .then(pl.lit(10, pl.Int64))
            .otherwise(pl.lit(1, pl.Int64))
            .alias("rounding"),
        )
        .with_columns(
            ref.templates.get("name", pl.col("_tpl"))
            .str.replace("{brand}", ref.brands.get("text", pl.col("_brand")), literal=True)
            .str.replace("{county}", pl.col("_county_name"), literal=True)
            .str.replace("{surname}", ref.surnames.get("surname", pl.col("_surname")), literal=True)
            .alias("name")
        )
    )
    return _unique_names(frame)


def _unique_names(units: pl.DataFrame) -> pl.DataFrame:
    """Make unit names unique: a repeated name becomes a branch (分公司/分店), then numbered."""
    rank = pl.col("u").rank("ordinal").over("name") - 1
    branch = (
        pl.when(pl.col("kind") == "sole")
        .then(pl.lit("分店"))
        .when(pl.col("kind") == "institution")
        .then(pl.lit("分中心"))
        .otherwise(pl.lit("分公司"))
    )
    units = units.with_columns(
        pl.when(rank == 0)
        .then(pl.col("name"))
        .otherwise(pl.col("name") + pl.col("_county_name") + branch)
        .alias("name")
    )
    rank = pl.col("u").rank("ordinal").over("name") - 1
    return units.with_columns(
        pl.when(rank == 0)
        .then(pl.col("name"))
        .otherwise(pl.col("name") + "（" + (rank + 1).cast(pl.String) + "）")
        .alias("name")
    )


# ------------------------------------------------------------------------ birth months
def _birth_table(first_idx: int, last_idx: int) -> _Table:
    """Return the birth months a person may have, by retirement group and mode.

    Modes: ``normal`` (weighted by age at ``last_month``, retiring after ``first_month``),
    ``near`` (retiring within six months after ``last_month``) and ``retired``
    (retiring in-world, early enough to leave before ``last_month``).
    """
    policy = Policy.load()
    birth = pl.col("birth_idx")
    born = _month_date(birth, last_idx - _OLDEST_MONTHS, last_idx - _YOUNGEST_MONTHS)
    age = (last_idx - birth) // 12
    weight = pl.lit(0, pl.Int64)
    for lowest, value in _AGE_WEIGHTS:
        weight = pl.when(age >= lowest).then(pl.lit(value, pl.Int64)).otherwise(weight)
    candidates = (
        pl.DataFrame(
            {
                "birth_idx": pl.int_range(
                    last_idx - _OLDEST_MONTHS,
                    last_idx - _YOUNGEST_MONTHS + 1,
                    dtype=pl.Int64,
                    eager=True,
                )
            }
        )
        .join(pl.DataFrame({"group": list(_GROUPS)}), how="cross", maintain_order="left_right")
        .with_columns(
            _month_index_expr(policy.retirement_month(born, pl.col("group"))).alias("retire_idx"),
            weight.alias("age_weight"),
        )
    )
    retire = pl.col("retire_idx")
    modes = {
        "normal": (retire >= first_idx + 3, pl.col("age_weight")),
        "near": (
            (retire > last_idx) & (retire <= last_idx + _NEAR_RETIREMENT_MONTHS),
            pl.lit(1, pl.Int64),
        ),
        "retired": ((retire >= first_idx + 6) & (retire < last_idx), pl.lit(1, pl.Int64)),
    }
    parts = [
        candidates.filter(condition).with_columns(
            weight=value, _key=pl.col("group") + ":" + pl.lit(mode)
        )
        for mode, (condition, value) in modes.items()
    ]
    keys = [f"{group}:{mode}" for group in _GROUPS for mode in _MODES]
    return _Table.of(pl.concat(parts), keys, "_key")


# ------------------------------------------------------------------------ persons
def _persons(
    rng: _Random,
    n_persons: int,
    units: pl.DataFrame,
    ref: _Reference,
    first_idx: int,
    last_idx: int,
) -> pl.DataFrame:
    """Return persons with their internal columns (spell plan, wage factors, …)."""
    p = pl.col("p")
    policy = Policy.load()
    births = _birth_table(first_idx, last_idx)
    if any(births.totals[i * len(_MODES)] == 0 for i in range(len(_GROUPS))):
        msg = "样例世界的月份范围无法容纳在职人员。提示：请检查 first_month 与 last_month。"
        raise UnusableInputError(msg)
    unit_kinds = units["kind"].to_list()
    unit_counties = units["county_code"].to_list()
    sizes = units["size"].to_list()
    mode = (
        pl.when(p % _FORCED_EVERY == 7)
        .then(pl.lit(1, pl.Int64))
        .when(p % _FORCED_EVERY == 23)
        .then(pl.lit(2, pl.Int64))
        .otherwise(pl.lit(0, pl.Int64))
    )
    forced_female = (pl.col("mode") > 0) & ((p // _FORCED_EVERY) % 2 == 1)
    regions = ref.regions
    region = pl.col("_region")
    persons = (
        pl.DataFrame({"p": pl.int_range(n_persons, dtype=pl.Int64, eager=True)})
        .with_columns(
            regions.pick(rng.bits("person.region", p)).alias("_region"),
            mode.alias("mode"),
            _pick(rng.bits("spell.unit1", p), sizes).alias("unit1"),
        )
        .with_columns(
            regions.get("code", region).alias("region_code"),
            regions.get("id_code", region).alias("id_code"),
            regions.get("province", region).alias("hukou_province"),
            regions.get("city", region).alias("hukou_city"),
            regions.get("county", region).alias("hukou_county"),
            regions.get("area", region).alias("area"),
            regions.get("urban_share", region).alias("_urban_share"),
            _choose(unit_kinds, pl.col("unit1")).alias("kind1"),
            pl.when(pl.col("mode") > 0)
            .then(pl.when(forced_female).then(pl.lit("2")).otherwise(pl.lit("1")))
            .when(rng.chance(_MALE_SHARE, "person.gender", p))
            .then(pl.lit("1"))
            .otherwise(pl.lit("2"))
            .alias("gender"),
        )
        .with_columns(
            (rng.below(100, "person.urban", p) < pl.col("_urban_share")).alias("urban"),
        )
        .with_columns(
            pl.when(forced_female)
            .then(pl.lit("1"))
            .when(
                rng.below(100, "person.cadre", p)
                < pl.col("kind1")
                .replace_strict(_CADRE_SHARE, return_dtype=pl.Int64)
                .floordiv(pl.when(pl.col("urban")).then(1).otherwise(4))
            )
            .then(pl.lit("4"))
            .otherwise(pl.lit("1"))
            .alias("identity"),
            pl.when(pl.col("area") == "jinan")
            .then(pl.when(pl.col("urban")).then(pl.lit("1")).otherwise(pl.lit("2")))
            .otherwise(pl.when(pl.col("urban")).then(pl.lit("3")).otherwise(pl.lit("4")))
            .alias("hukou_type"),
        )
        .with_columns(
            policy.retirement_group(pl.col("gender"), pl.col("identity"))
            .replace_strict({g: i for i, g in enumerate(_GROUPS)}, return_dtype=pl.Int64)
            .alias("_group"),
        )
    )
    # birth month: the class is group × mode; a mode without candidates falls back to normal
    klass = pl.col("_group") * len(_MODES) + pl.col("mode")
    klass = (
        pl.when(pl.lit(pl.Series(births.totals, dtype=pl.Int64)).gather(klass) > 0)
        .then(klass)
        .otherwise(pl.col("_group") * len(_MODES))
    )
    persons = persons.with_columns(births.pick(rng.bits("person.birth", p), klass).alias("_birth"))
    persons = persons.with_columns(
        births.get("birth_idx", pl.col("_birth")).alias("birth_idx"),
        births.get("retire_idx", pl.col("_birth")).alias("retire_idx"),
    ).with_columns(
        _month_date(
            pl.col("birth_idx"), last_idx - _OLDEST_MONTHS, last_idx - _YOUNGEST_MONTHS
        ).alias("_birth_month")
    )
    days_in_month = pl.col("_birth_month").dt.month_end().dt.day().cast(pl.Int64)
    persons = persons.with_columns(
        (
            pl.col("_birth_month") + pl.duration(days=rng.below(days_in_month, "person.day", p))
        ).alias("birth_date")
    )
    return _with_names_and_contacts(rng, _with_id(rng, persons), ref, unit_counties)


def _with_id(rng: _Random, persons: pl.DataFrame) -> pl.DataFrame:
    """Add ``person_id``: address code + birth date + order code + check character.

    The order code (顺序码) of persons sharing address code, birth date and gender is
    consecutive from a random start, so the numbers are unique; its last digit is odd
    for men and even for women.
    """
    p = pl.col("p")
    male = (pl.col("gender") == "1").cast(pl.Int64)
    days = (pl.col("birth_date") - pl.lit(date(1900, 1, 1))).dt.total_days().cast(pl.Int64)
    start = rng.below(500, "person.order", pl.col("_region"), days, male)
    # one integer per (address code, birth date, gender): ranking over it is fast
    key = (pl.col("_region") * 65_536 + days) * 2 + male
    rank = p.rank("ordinal").over(key).cast(pl.Int64) - 1
    persons = persons.with_columns(rank.alias("_rank"))
    if persons.height and int(persons["_rank"].max()) >= 500:  # type: ignore[arg-type]
        msg = "样例人员过多：同一地区、出生日期与性别的人数超过 500。"
        raise UnusableInputError(msg)
    order = ((start + pl.col("_rank")) % 500 * 2 + male).cast(pl.String).str.zfill(3)
    first17 = pl.col("id_code") + pl.col("birth_date").dt.strftime("%Y%m%d") + order
    return persons.with_columns(first17.alias("_first17")).with_columns(
        (pl.col("_first17") + check_char(pl.col("_first17"))).alias("person_id")
    )


def _with_names_and_contacts(
    rng: _Random,
    persons: pl.DataFrame,
    ref: _Reference,
    unit_counties: list[str],
) -> pl.DataFrame:
    """Add name, ethnicity, phone, hukou detail, address and employment form."""
    p = pl.col("p")
    year = pl.col("birth_date").dt.year().cast(pl.Int64)
    gender_class = pl.col("gender").cast(pl.Int64) - 1
    era = pl.when(year < 1975).then(0).when(year < 1990).then(1).otherwise(2)
    chars, names = ref.given_chars, ref.given_names
    char1 = chars.get("text", chars.pick(rng.bits("name.char1", p), gender_class))
    char2 = chars.get("text", chars.pick(rng.bits("name.char2", p), gender_class))
    whole = names.get("text", names.pick(rng.bits("name.whole", p), gender_class * 3 + era))
    style = rng.below(100, "name.style", p)
    given = pl.when(style < 25).then(char1).when(style < 55).then(char1 + char2).otherwise(whole)
    surname = ref.surnames.get("surname", ref.surnames.pick(rng.bits("name.surname", p)))

    street_class = {code: i for i, code in enumerate(ref.street_classes)}
    generic = street_class[""]
    streets = ref.streets
    district = (
        pl.when(pl.col("area") == "jinan")
        .then(pl.col("region_code"))
        .otherwise(_choose(unit_counties, pl.col("unit1")))
    )

    def street(stream: str, code: pl.Expr) -> pl.Expr:
        klass = code.replace_strict(street_class, default=generic, return_dtype=pl.Int64)
        return streets.get("street", streets.pick(rng.bits(stream, p), klass))

    def number(stream: str, n: int) -> pl.Expr:
        return (1 + rng.below(n, stream, p)).cast(pl.String)

    floor = 1 + rng.below(18, "address.floor", p)
    address = pl.concat_str(
        pl.col("_district").replace_strict(ref.region_cities, return_dtype=pl.String),
        pl.col("_district").replace_strict(ref.region_names, return_dtype=pl.String),
        street("address.street", pl.col("_district")),
        number("address.number", 400),
        pl.lit("号"),
        number("address.building", 30),
        pl.lit("号楼"),
        number("address.unit", 4),
        pl.lit("单元"),
        floor.cast(pl.String),
        pl.lit("0"),
        number("address.room", 4),
        pl.lit("室"),
    )
    village = ref.villages.get("text", ref.villages.pick(rng.bits("hukou.village", p)))
    village_surname = ref.surnames.get("surname", ref.surnames.pick(rng.bits("hukou.surname", p)))
    hukou_detail = (
        pl.when(pl.col("urban"))
        .then(
            pl.concat_str(
                street(
                    "hukou.street",
                    pl.when(pl.col("area") == "jinan")
                    .then(pl.col("region_code"))
                    .otherwise(pl.lit("")),
                ),
                number("hukou.number", 300),
                pl.lit("号"),
            )
        )
        .otherwise(village_surname + village)
    )
    form_draw = rng.below(100, "person.form", p)
    employment_form = (
        pl.when(~pl.col("urban"))
        .then(pl.when(form_draw < 15).then(pl.lit("4")).otherwise(pl.lit("3")))
        .when(form_draw < 10)
        .then(pl.lit("4"))
        .when(form_draw < 14)
        .then(pl.lit("9"))
        .when((year < 1975) & rng.chance(0.3, "person.fixed", p))
        .then(pl.lit("1"))
        .otherwise(pl.lit("2"))
    )
    ethnicity = _choose(
        [code for code, _ in _ETHNICITY],
        _pick(rng.bits("person.ethnicity", p), [w for _, w in _ETHNICITY]),
    )
    phone = _choose(
        _PHONE_PREFIXES, rng.below(len(_PHONE_PREFIXES), "phone.prefix", p)
    ) + rng.below(100_000_000, "phone.number", p).cast(pl.String).str.zfill(8)
    return persons.with_columns(district.alias("_district")).with_columns(
        (surname + given).alias("name"),
        ethnicity.alias("ethnicity"),
        phone.alias("phone"),
        hukou_detail.alias("hukou_detail"),
        address.alias("address"),
        employment_form.alias("employment_form"),
    )


# ------------------------------------------------------------------------ spells
def _with_spells(
    rng: _Random,
    persons: pl.DataFrame,
    n_units: int,
    sizes: list[int],
    first_idx: int,
    last_idx: int,
) -> pl.DataFrame:
    """Plan one or two employment spells per person (month indices, units, reasons).

    The spells of a person never overlap: the second starts when or after the first
    ends. ``until`` is exclusive (the 减员年月) and null while still insured.
    """
    p = pl.col("p")
    a, b = pl.col("_a"), pl.col("_b")
    retired = pl.col("retired")
    departed = pl.col("departed")
    two = pl.col("two")
    persons = persons.with_columns(
        (pl.col("birth_idx") + _ADULT_MONTHS + 1).alias("_adult"),
        (pl.col("retire_idx") < last_idx).alias("retired"),
    ).with_columns(
        pl.max_horizontal(pl.lit(first_idx, pl.Int64), pl.col("_adult")).alias("_a"),
        pl.when(retired).then(pl.col("retire_idx")).otherwise(last_idx).alias("_b"),
    )
    span = b - a + 1
    persons = persons.with_columns(
        (rng.chance(_TWO_SPELLS, "spell.two", p) & (span >= 4) & pl.lit(n_units >= 2)).alias("two"),
        (
            rng.chance(_DEPARTED, "spell.departed", p)
            & ~retired
            & (span >= 2)
            & (pl.col("mode") != _MODES.index("near"))  # the near-retirement stay insured
        ).alias("departed"),
        rng.chance(_OPEN_AT_START, "spell.open", p).alias("_open"),
        (a + 1 + rng.below(span - 2, "spell.cut", p)).alias("_cut"),
        (pl.max_horizontal(rng.below(6, "spell.gap", p) - 2, 0)).alias("_gap"),
    )
    cut = pl.col("_cut")
    start1 = (
        pl.when(pl.col("_open") & (a == first_idx))  # on the books when the world opens
        .then(a)
        .when(two)
        .then(a + rng.below(cut - a, "spell.start", p))
        .otherwise(a + rng.below(span - departed.cast(pl.Int64), "spell.start", p))
    )
    persons = persons.with_columns(start1.alias("start1")).with_columns(
        pl.min_horizontal(cut + pl.col("_gap"), b - departed.cast(pl.Int64)).alias("start2"),
    )
    last_start = pl.when(two).then(pl.col("start2")).otherwise(pl.col("start1"))
    unit2 = _pick(rng.bits("spell.unit2", p), sizes)
    other = (pl.col("unit1") + 1 + rng.below(n_units - 1, "spell.unit2b", p)) % n_units
    new_entrant = (
        (pl.col("start1") > first_idx)
        & (pl.col("start1") - pl.col("_adult") <= 36)
        & rng.chance(0.8, "spell.new", p)
    )
    middle_leave = _choose(
        [code for code, _ in _MIDDLE_LEAVE],
        _pick(rng.bits("spell.leave1", p), [w for _, w in _MIDDLE_LEAVE]),
    )
    final_leave = _choose(
        [code for code, _ in _FINAL_LEAVE],
        _pick(rng.bits("spell.leave2", p), [w for _, w in _FINAL_LEAVE]),
    )
    return persons.with_columns(
        pl.when(departed)
        .then(last_start + 1 + rng.below(b - last_start, "spell.end", p))
        .when(retired)
        .then(b + 1)
        .otherwise(pl.lit(None, pl.Int64))
        .alias("end"),
        pl.when(unit2 == pl.col("unit1")).then(other).otherwise(unit2).alias("unit2"),
        pl.when(new_entrant)
        .then(pl.lit("111"))
        .when(rng.chance(0.55, "spell.add", p))
        .then(pl.lit("141"))
        .otherwise(pl.lit("121"))
        .alias("add1"),
        middle_leave.alias("leave1"),
        pl.when(retired)
        .then(pl.lit("251"))
        .when(departed)
        .then(final_leave)
        .otherwise(pl.lit(None, pl.String))
        .alias("leave_final"),
    )


def _work_start(rng: _Random, first_idx: int, last_idx: int) -> pl.Expr:
    """Return 参加工作日期: in the first spell's month for 新参保, else after age 16."""
    p = pl.col("p")
    spell_start = _month_date(pl.col("start1"), first_idx, last_idx)
    earliest = pl.col("birth_date").dt.offset_by("16y")
    latest = pl.min_horizontal(
        spell_start.dt.offset_by("-1d"), pl.col("birth_date").dt.offset_by("26y")
    )
    span = (latest - earliest).dt.total_days().cast(pl.Int64) + 1
    return (
        pl.when(pl.col("add1") == "111")
        .then(spell_start + pl.duration(days=rng.below(28, "work.day", p)))
        .otherwise(earliest + pl.duration(days=rng.below(span, "work.start", p)))
    )


def _spells(
    rng: _Random, persons: pl.DataFrame, units: pl.DataFrame, first_year: int
) -> pl.DataFrame:
    """Return one row per spell with ids, months, reasons, category and base wage.

    Rows are sorted by unit number, ID number and start month.
    """
    first = persons.select(
        "p",
        pl.lit(1, pl.Int64).alias("spell"),
        pl.col("unit1").alias("unit"),
        pl.col("start1").alias("from_idx"),
        pl.when("two").then(pl.col("_cut")).otherwise(pl.col("end")).alias("until_idx"),
        pl.col("add1").alias("add_reason"),
        pl.when("two")
        .then(pl.col("leave1"))
        .otherwise(pl.col("leave_final"))
        .alias("leave_reason"),
    )
    second = persons.filter("two").select(
        "p",
        pl.lit(2, pl.Int64).alias("spell"),
        pl.col("unit2").alias("unit"),
        pl.col("start2").alias("from_idx"),
        pl.col("end").alias("until_idx"),
        pl.when(pl.col("leave1") == "241")
        .then(pl.lit("141"))
        .otherwise(pl.lit("121"))
        .alias("add_reason"),
        pl.col("leave_final").alias("leave_reason"),
    )
    p, spell = pl.col("p"), pl.col("spell")
    # a person's wage factor is shared by both spells: log-normal-ish (Irwin-Hall z)
    z = sum((rng.uniform(f"wage.z{i}", p) for i in range(4)), start=pl.lit(-2.0)) * 3**0.5
    age = (first_year * 12 - pl.col("_birth_idx")) // 12
    factor = (
        (z * _WAGE_SIGMA).exp()
        * pl.when(age < 25)
        .then(0.8)
        .when(age < 30)
        .then(0.92)
        .when(age < 50)
        .then(1.05)
        .otherwise(1.0)
        * pl.when(pl.col("_identity") == "4").then(1.15).otherwise(1.0)
        * pl.when(pl.col("_form") == "4").then(0.75).otherwise(1.0)
        * pl.when((p % _FORCED_EVERY == 41) | rng.chance(_SENIOR, "wage.senior", p))
        .then(3.0 + 1.5 * rng.uniform("wage.senior_level", p))
        .otherwise(1.0)
    )
    growth = (
        pl.when(rng.chance(0.25, "wage.flat", p))
        .then(0.0)
        .otherwise(0.02 + 0.06 * rng.uniform("wage.raise", p))
    )
    category = (
        pl.when(pl.col("_kind") == "sole")
        .then(pl.lit("14"))
        .when((pl.col("_kind") == "agency") & rng.chance(0.5, "spell.attached", p, spell))
        .then(pl.lit("13"))
        .when(pl.col("_urban"))
        .then(pl.lit("11"))
        .otherwise(pl.lit("12"))
    )

    def by_unit(column: str) -> pl.Expr:
        return pl.lit(units[column]).gather(pl.col("unit"))

    def by_person(column: str) -> pl.Expr:
        return pl.lit(persons[column]).gather(p)

    # sort keys: the rank of the unit number and of the ID number (integers sort fast)
    unit_order = units["unit_id"].rank("ordinal").cast(pl.Int64)
    person_order = persons["person_id"].rank("ordinal").cast(pl.Int64)

    return (
        pl.concat([first, second])
        .with_columns(
            by_unit("unit_id").alias("unit_id"),
            by_person("person_id").alias("person_id"),
            by_unit("kind").alias("_kind"),
            by_unit("wage_level").alias("_level"),
            by_unit("rounding").alias("rounding"),
            by_person("urban").alias("_urban"),
            by_person("identity").alias("_identity"),
            by_person("employment_form").alias("_form"),
            by_person("birth_idx").alias("_birth_idx"),
            pl.lit(unit_order).gather(pl.col("unit")).alias("_unit_order"),
            pl.lit(person_order).gather(p).alias("_person_order"),
        )
        .with_columns(
            category.alias("person_category"),
            (pl.col("_level") * factor).alias("wage0"),
            (1.0 + growth).alias("growth"),
        )
        .sort("_unit_order", "_person_order", "from_idx")
    )


# ------------------------------------------------------------------ output frames
_NEVER: Final = 1 << 40  # a month index standing for "open-ended"


def _insured_periods(
    spells: pl.DataFrame, ref: _Reference, first_idx: int, last_idx: int
) -> pl.DataFrame:
    """Return one row per spell and insurance its category joins (category_insurances.csv).

    An insurance whose window ends or starts inside the spell (生育 before 2020-01) is
    cut to the window; the leave reason stays only on a row that ends with the spell.
    """

    def window_month(column: str, default: int, shift: int) -> pl.Expr:
        month = pl.col(column).str.to_date("%Y-%m")
        return (_month_index_expr(month) + shift).fill_null(default)

    insurances = ref.category_insurances.select(
        pl.col("person_category"),
        pl.col("insurance"),
        window_month("effective_from", -_NEVER, 0).alias("_eff_from"),
        window_month("effective_to", _NEVER, 1).alias("_eff_until"),
    )
    # insurances whose window misses the world entirely are dropped; when every other
    # window covers the whole world (the usual case), no row needs cutting
    insurances = insurances.filter(
        (pl.col("_eff_from") <= last_idx) & (pl.col("_eff_until") > first_idx)
    )
    whole = bool(
        insurances.select(
            ((pl.col("_eff_from") <= first_idx) & (pl.col("_eff_until") > last_idx)).all()
        ).item()
    )
    until = pl.col("until_idx").fill_null(_NEVER)
    periods = spells.select(
        "unit_id",
        "person_id",
        "person_category",
        "from_idx",
        "until_idx",
        "add_reason",
        "leave_reason",
    ).join(insurances, on="person_category", how="inner", maintain_order="left_right")
    if whole:
        periods = periods.with_columns(pl.col("from_idx").alias("_start"), until.alias("_stop"))
    else:
        periods = periods.with_columns(
            pl.max_horizontal("from_idx", "_eff_from").alias("_start"),
            pl.min_horizontal(until, "_eff_until").alias("_stop"),
        ).filter(pl.col("_start") < pl.col("_stop"))
    schema = SCHEMAS["insured_periods"]
    return periods.select(
        "unit_id",
        "person_id",
        "insurance",
        "person_category",
        _month_date(pl.col("_start"), first_idx, last_idx).alias("from_month"),
        pl.when(pl.col("_stop") < _NEVER)
        .then(_month_date(pl.col("_stop"), first_idx, last_idx + 1))
        .otherwise(pl.lit(None, pl.Date))
        .alias("until_month"),
        "add_reason",
        pl.when(pl.col("_stop") == until)
        .then(pl.col("leave_reason"))
        .otherwise(pl.lit(None, pl.String))
        .alias("leave_reason"),
        pl.lit(None, schema["opened_by"]).alias("opened_by"),
        pl.lit(None, schema["closed_by"]).alias("closed_by"),
    )


def _wage_bases(spells: pl.DataFrame, first_idx: int, last_idx: int) -> pl.DataFrame:
    """Return one wage per spell and insured month, raised each January.

    Wages are rounded half up to the unit's step (10 or 1 yuan), kept within
    2,300-60,000 yuan, and stored in fen.
    """
    # first the wage of each spell and calendar year, then its months
    year = pl.col("year")
    until = pl.col("until_idx").fill_null(last_idx + 1)
    raised = pl.col("growth").pow((year - first_idx // 12).cast(pl.Float64))
    yuan = (pl.col("wage0") * raised).clip(_WAGE_MIN_YUAN, _WAGE_MAX_YUAN)
    step = pl.col("rounding")
    fen = (yuan / step + 0.5).floor().cast(pl.Int64) * step * 100
    months = pl.int_ranges(
        pl.max_horizontal("from_idx", year * 12), pl.min_horizontal(until, year * 12 + 12)
    )
    schema = SCHEMAS["wage_bases"]
    return (
        spells.select(
            "unit_id",
            "person_id",
            "from_idx",
            until.alias("until_idx"),
            "wage0",
            "growth",
            "rounding",
            pl.int_ranges(pl.col("from_idx") // 12, (until - 1) // 12 + 1).alias("year"),
        )
        .explode("year")
        .select("unit_id", "person_id", fen.alias("wage_fen"), months.alias("month_idx"))
        .explode("month_idx")
        .select(
            "unit_id",
            "person_id",
            _month_date(pl.col("month_idx"), first_idx, last_idx).alias("month"),
            "wage_fen",
            pl.lit(None, schema["declaration_id"]).alias("declaration_id"),
            pl.lit(None, schema["revoked_by"]).alias("revoked_by"),
        )
    )


def _check_months(first_month: date, last_month: date) -> None:
    for name, value in (("first_month", first_month), ("last_month", last_month)):
        if value.day != 1:
            msg = f"{name} 必须是某月1日（{value.isoformat()}）。提示：月份用当月1日表示。"
            raise UnusableInputError(msg)
    if last_month < first_month:
        msg = "last_month 早于 first_month。提示：请交换两个月份。"
        raise UnusableInputError(msg)


def generate(
    *,
    seed: int = 2026,
    n_units: int = 5,
    n_persons: int = 300,
    first_month: date = date(2022, 1, 1),
    last_month: date = date(2026, 11, 1),
) -> SampleWorld:
    """Generate a synthetic Jinan world (样例世界), the same for the same arguments.

    Args:
        seed: Seed of every random draw; another seed gives another world.
        n_units: Number of units (单位), at least 1.
        n_persons: Number of persons (人员).
        first_month: First month of the world (first day of a month).
        last_month: Last month of the world (the current month of the sample).

    Returns:
        The four frames, typed as the workspace tables and sorted by their keys.

    Raises:
        UnusableInputError: counts below their minimum or months that are not
            first days, or in the wrong order.

    Example:
        >>> world = generate(n_units=2, n_persons=4)
        >>> world.units.height, world.persons.height
        (2, 4)
        >>> world.persons["person_id"].str.len_chars().to_list()
        [18, 18, 18, 18]
        >>> generate(n_units=2, n_persons=4).persons.equals(world.persons)
        True
    """
    _check_months(first_month, last_month)
    if n_units < 1 or n_persons < 0:
        msg = f"样例世界至少需要 1 个单位、0 个以上人员（收到 {n_units} 个单位、{n_persons} 人）。"
        raise UnusableInputError(msg)
    rng = _Random(seed)
    ref = _reference()
    first_idx, last_idx = _month_index(first_month), _month_index(last_month)
    units = _units(rng, n_units, ref)
    persons = _persons(rng, n_persons, units, ref, first_idx, last_idx)
    persons = _with_spells(rng, persons, n_units, units["size"].to_list(), first_idx, last_idx)
    persons = persons.with_columns(_work_start(rng, first_idx, last_idx).alias("work_start_date"))
    spells = _spells(rng, persons, units, first_month.year)
    return SampleWorld(
        units=units.pipe(_typed, "units").sort("unit_id"),
        persons=persons.pipe(_typed, "persons").sort("person_id"),
        insured_periods=_insured_periods(spells, ref, first_idx, last_idx).pipe(
            _typed, "insured_periods"
        ),
        wage_bases=_wage_bases(spells, first_idx, last_idx).pipe(_typed, "wage_bases"),
    )


def _typed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Return the table's columns in order with their exact dtypes."""
    return frame.select(
        pl.col(name).cast(dtype, strict=True) for name, dtype in SCHEMAS[table].items()
    )


# ------------------------------------------------------------------------ CSV files
def write_sample(directory: Path, world: SampleWorld) -> list[Path]:
    """Write the four frames as UTF-8 CSV files ``<table>.csv`` in ``directory``.

    IDs and codes are written as text, dates as ISO ``YYYY-MM-DD``, money as integer
    fen; an empty cell is null.

    Returns:
        The paths written, in table order.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in world.frames().items():
        path = directory / f"{name}.csv"
        with atomic_path(path) as part:
            frame.write_csv(part)
        written.append(path)
    return written


def read_sample(directory: Path) -> SampleWorld:
    """Read a world written by :func:`write_sample`, with the workspace dtypes.

    Raises:
        UnusableInputError: a file is missing or its header is not the table's.

    Example:
        >>> import tempfile
        >>> world = generate(n_units=2, n_persons=3)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = write_sample(Path(tmp), world)
        ...     back = read_sample(Path(tmp))
        >>> all(back.frames()[name].equals(frame) for name, frame in world.frames().items())
        True
    """
    frames: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        path = directory / f"{name}.csv"
        if not path.is_file():
            msg = f"样例数据缺少文件 {path}。提示：用 write_sample 重新生成。"
            raise UnusableInputError(msg)
        header = pl.read_csv(path, n_rows=0, infer_schema_length=0).columns
        if header != list(schema):
            msg = f"{path} 的列与 {name} 表不一致：{'、'.join(header)}。"
            raise UnusableInputError(msg)
        frames[name] = pl.read_csv(path, schema=schema)
    return SampleWorld(**frames)


if __name__ == "__main__":  # pragma: no cover - regenerate the committed example
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("sample_data/world")
    for written in write_sample(target, generate()):
        print(written)
