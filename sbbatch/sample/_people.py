"""Units (单位), birth months and persons (人员) of the synthetic world."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from sbbatch.exceptions import UnusableInputError
from sbbatch.ids import check_char
from sbbatch.policy import Policy
from sbbatch.sample._random import (
    _choose,
    _month_date,
    _month_index_expr,
    _pick,
    _Random,
    _Reference,
    _Table,
)
from sbbatch.sample._tuning import (
    _AGE_WEIGHTS,
    _CADRE_SHARE,
    _ETHNICITY,
    _FIRST_KINDS,
    _FORCED_EVERY,
    _GROUPS,
    _LATER_KIND_WEIGHTS,
    _MALE_SHARE,
    _MODES,
    _NEAR_RETIREMENT_MONTHS,
    _OLDEST_MONTHS,
    _PHONE_PREFIXES,
    _UNIT_KINDS,
    _YOUNGEST_MONTHS,
)

if TYPE_CHECKING:
    pass


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
@cache
def _birth_table(first_idx: int, last_idx: int) -> _Table:
    """Return the birth months a person may have, by retirement group and mode.

    Modes: ``normal`` (weighted by age at ``last_month``, retiring after ``first_month``),
    ``near`` (retiring within six months after ``last_month``) and ``retired``
    (retiring in-world, early enough to leave before ``last_month``).

    The table depends on the two months only (and the policy's retirement ages), and
    its plan is large (the retirement month of every group for 40 years of births):
    made once per process for the same months (``sbbatch demo`` builds five worlds
    over the same months; 60 ms each). A frozen ``_Table`` of a polars frame: shared.
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
