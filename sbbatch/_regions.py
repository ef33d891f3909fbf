"""The address-code table (行政区划代码表) of ID numbers, read from python-stdnum on first use.

:mod:`sbbatch.ids` decodes and checks ID numbers; the table it needs (about 7,000
rows parsed from ``stdnum/cn/loc.dat``) is built here once, the first time a check
or a name lookup asks for it, and cached — importing :mod:`sbbatch.ids` costs nothing.
Checking an ID number needs only the set of address codes (:func:`region_codes`),
read from the same file without building the table: numdb's parser and the table
cost about 0.3 s of CPU, a third of reading a 100,000-row xlsx, in every ``check``
and ``load`` process.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import polars as pl

__all__ = ["Regions", "region_codes", "regions"]


# A name with its optional period: "历下区", "[1983-]历下区", "[-1982]县", "[1983-1999]郊区".
_PERIOD_RE: Final = r"^(?:\[([0-9]{4})?-([0-9]{4})?\])?(.+)$"
# Prefecture-level names in loc.dat that are placeholders, not places.
_PLACEHOLDER_PREFECTURES: Final = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "省直辖行政单位"}
)
# Province-level municipalities (直辖市): their placeholder prefecture is the city itself.
_MUNICIPALITIES: Final = frozenset({"11", "12", "31", "50"})


def _read_loc_dat() -> pl.DataFrame:
    """Return one row per address-code line of stdnum's ``cn/loc.dat``.

    Columns: ``code`` (6 digits), ``province``, ``names`` (the raw ``county`` value,
    e.g. ``"[1983-1999]郊区,[2000-]赛罕区"``) and ``line`` (file order).
    """
    codes: list[str] = []
    provinces: list[str] = []
    names: list[str] = []
    from stdnum import numdb  # imports stdnum.util (pydoc, ssl): only when the table is built

    # numdb entries: (length, low, high, properties, children); a line may hold a range.
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or "province" not in props:
            msg = f"stdnum 的 cn/loc.dat 格式无法识别（省级条目 {low!r}）。提示：请检查 python-stdnum 版本。"
            raise RuntimeError(msg)
        for c_length, c_low, c_high, c_props, _ in children:
            if c_length != 4 or "county" not in c_props:
                msg = f"stdnum 的 cn/loc.dat 格式无法识别（县级条目 {low}{c_low!r}）。提示：请检查 python-stdnum 版本。"
                raise RuntimeError(msg)
            for p in range(int(low), int(high) + 1):
                for c in range(int(c_low), int(c_high) + 1):
                    codes.append(f"{p:02d}{c:04d}")
                    provinces.append(props["province"])
                    names.append(c_props["county"])
    return pl.DataFrame(
        {"code": codes, "province": provinces, "names": names},
        schema={"code": pl.String, "province": pl.String, "names": pl.String},
    ).with_row_index("line")


def _build_region_table() -> pl.DataFrame:
    """Return the region table: one row per (address code, name period), in file order."""
    raw = _read_loc_dat()
    periods = (
        raw.with_columns(pl.col("names").str.split(","))
        .explode("names")
        .with_columns(
            pl.col("names").str.extract(_PERIOD_RE, 1).cast(pl.Int16).alias("valid_from_year"),
            pl.col("names").str.extract(_PERIOD_RE, 2).cast(pl.Int16).alias("valid_to_year"),
            pl.col("names").str.extract(_PERIOD_RE, 3).alias("county"),
        )
        .drop("names", "line")
    )
    if periods["county"].is_null().any():
        msg = "stdnum 的 cn/loc.dat 中有无法识别的名称。提示：请检查 python-stdnum 版本。"
        raise RuntimeError(msg)
    is_prefecture = pl.col("code").str.ends_with("00") & ~pl.col("code").str.ends_with("0000")
    prefectures = (
        _latest_names(periods.filter(is_prefecture))
        .join(raw.select("code", "province"), on="code")
        .select(
            pl.col("code").alias("prefecture_code"),
            pl.when(~pl.col("county").is_in(list(_PLACEHOLDER_PREFECTURES)))
            .then(pl.col("county"))
            .when(pl.col("code").str.slice(0, 2).is_in(list(_MUNICIPALITIES)))
            .then(pl.col("province"))
            .alias("city"),
        )
    )
    return (
        periods.with_columns(
            pl.when(~pl.col("code").str.ends_with("0000"))
            .then(pl.concat_str(pl.col("code").str.slice(0, 4), pl.lit("00")))
            .alias("prefecture_code")
        )
        .join(prefectures, on="prefecture_code", how="left", maintain_order="left")
        .select("code", "province", "city", "county", "valid_from_year", "valid_to_year")
    )


def _latest_names(periods: pl.DataFrame) -> pl.DataFrame:
    """Return ``code`` → latest ``county`` name.

    The latest period is the open-ended one, else the one that ended last; ties keep
    file order (``loc.dat`` lists the names of a code oldest first).
    """
    return (
        periods.sort(pl.col("valid_to_year").fill_null(9999), maintain_order=True)
        .group_by("code", maintain_order=True)
        .last()
        .select("code", "county")
    )


@dataclass(frozen=True)
class Regions:
    """The region table and the lookups derived from it (built once, see :func:`regions`)."""

    table: pl.DataFrame
    codes: pl.Series
    provinces: dict[str, str]
    county_by_code: dict[str, str]
    city_by_code: dict[str, str]


@cache
def regions() -> Regions:
    """Return the region table and its lookups, built on the first call and cached.

    Example:
        >>> regions().county_by_code["370102"]
        '历下区'
    """
    table = _build_region_table()
    latest = _latest_names(table).join(
        table.unique("code", keep="first").select("code", "city"), on="code"
    )
    return Regions(
        table=table,
        codes=latest["code"],
        provinces=dict(
            table.select(pl.col("code").str.slice(0, 2), "province").unique().iter_rows()
        ),
        county_by_code=dict(latest.select("code", "county").iter_rows()),
        city_by_code=dict(
            latest.filter(pl.col("city").is_not_null()).select("code", "city").iter_rows()
        ),
    )


def _loc_dat() -> str:
    """The text of stdnum's ``cn/loc.dat``, found without importing stdnum.

    Importing the package imports ``stdnum.util`` (pydoc, ssl: ~10 ms of every ``check``
    and ``load``); the file is looked for where the import system looks first, the
    folders of ``sys.path``, and an install found otherwise (a zip, another finder) is
    read through the package. The first folder that holds the ``stdnum`` package is
    the one its import would use; a ``stdnum/cn/loc.dat`` that is no package's is
    passed over.
    """
    for folder in sys.path:
        package = Path(folder or ".") / "stdnum"
        if (package / "__init__.py").is_file():
            path = package / "cn" / "loc.dat"
            if path.is_file():
                return path.read_text(encoding="utf-8")
            break
    return resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")


@cache
def region_codes() -> pl.Series:
    """Return every address code (地址码) of ``loc.dat``, of any period, as a String Series.

    The same codes as ``regions().codes``, read straight from the file: ``loc.dat``
    holds a province line (``11 province="北京市"``) followed by its county lines
    (``  0101 county="东城区"``), one code a line (ASCII digits), read as one column of
    lines. A line of any other shape (a range, another depth) sends the reading to
    :func:`regions`, which parses the file with stdnum's own numdb reader.

    Example:
        >>> "370102" in region_codes().to_list()
        True
    """
    lines = pl.Series("line", _loc_dat().splitlines(), dtype=pl.String).to_frame()
    line = pl.col("line")
    read = (
        lines.filter((line != "") & ~line.str.starts_with("#"))
        .with_columns(
            province=line.str.contains(r"^[0-9]{2} ")
            & line.str.contains(" province=", literal=True),
            county=line.str.contains(r"^  [0-9]{4} ")
            & line.str.slice(6).str.contains(" county=", literal=True),
        )
        .with_columns(
            pl.when("province").then(line.str.slice(0, 2)).forward_fill().alias("_province")
        )
    )
    # a line of another shape, or a county before any province: let numdb read the file
    if read.filter(
        ~(pl.col("province") | (pl.col("county") & pl.col("_province").is_not_null()))
    ).height:
        return regions().codes
    counties = read.filter("county")
    return (
        counties.select(pl.concat_str("_province", line.str.slice(2, 4)).alias("code"))
        .to_series()
        .unique(maintain_order=True)
    )
