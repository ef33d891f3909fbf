"""Resident ID numbers (公民身份号码, GB 11643-1999) as polars expressions.

Every function that takes a ``pl.Expr`` returns a ``pl.Expr``, so a million numbers
are normalised, checked and decoded in one vectorised pass::

    typed = pl.col("社会保障号码")
    frame.with_columns(normalise(typed).alias("id")).with_columns(
        failure_reason(pl.col("id"), today=date.today()).alias("reason"),
        expected_check_char(pl.col("id")).alias("expected"),
    )

Pipeline:

1. :func:`normalise` cleans user input (spaces, hyphens, full-width characters,
   lowercase ``x``) and upgrades 15-digit legacy numbers (15位旧号码) to 18 digits;
   :func:`is_upgraded_15` flags the upgraded rows.
2. :func:`failure_reason` gives a reason code per row (null when valid), in this order:
   ``missing``, ``format``, ``birth_date``, ``future``, ``region``, ``checksum``.
   :data:`MESSAGES_ZH` holds the Chinese message of each code.
3. :func:`birth_date`, :func:`gender`, :func:`age_at`, :func:`province_name`,
   :func:`city_name` and :func:`county_name` decode a normalised number.

All functions except :func:`normalise` and :func:`is_upgraded_15` expect a
*normalised* number; given anything else they return null (or a ``format`` failure).

Eager ``DataFrame.select``/``with_columns`` does not share common subexpressions, so
an expression such as ``failure_reason(normalise(typed), today)`` computes the
normalisation several times. Normalise into a column first (as above), or run the
query lazily (``frame.lazy()…collect()``), where polars computes each shared part once.

The address codes (行政区划代码) come from python-stdnum's ``stdnum/cn/loc.dat``, which is
built on first use (:mod:`sbbatch._regions`) into :func:`region_table`. Unlike ``stdnum.cn.ric.validate``,
sbbatch accepts an address code that existed at *any* time, whatever the birth year:
``370102`` (历下区, created 1983) is valid for a person born in 1970, because real people
born then hold such numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Final, TypeVar

import polars as pl

from sbbatch._mask import mask_id
from sbbatch._regions import region_codes, regions
from sbbatch.exceptions import UnusableInputError

__all__ = [
    "MESSAGES_ZH",
    "REASON_CODES",
    "age_at",
    "birth_date",
    "check_char",
    "city_name",
    "county_name",
    "expected_check_char",
    "failure_reason",
    "gender",
    "is_upgraded_15",
    "is_valid",
    "normalise",
    "province_name",
    "region_table",
    "validate_one",
    "with_region_names",
]

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

REASON_CODES: Final[tuple[str, ...]] = (
    "missing",
    "format",
    "birth_date",
    "future",
    "region",
    "checksum",
)
"""Reason codes of :func:`failure_reason`, in the order they are checked."""

MESSAGES_ZH: Final[dict[str, str]] = {
    "missing": "未填写",
    "format": "格式错误，应为18位：17位数字加1位数字或X",
    "birth_date": "出生日期无效（不是真实日期，或早于1900年1月1日）",
    "future": "出生日期晚于当前日期",
    "region": "前6位地址码（行政区划代码）不存在",
    "checksum": "校验位错误，应为 {expected}",
}
"""Chinese message per reason code.

Format every message with ``.format(expected=...)``; only ``checksum`` uses the value
(from :func:`expected_check_char`), the others ignore it.

>>> MESSAGES_ZH["checksum"].format(expected="2")
'校验位错误，应为 2'
"""

EARLIEST_BIRTH: Final[date] = date(1900, 1, 1)
"""Birth dates before this day are rejected as implausible."""


def region_table() -> pl.DataFrame:
    """Return the address-code table (行政区划代码表) read from python-stdnum's ``loc.dat``.

    One row per address code and name period. Columns:

    - ``code``: the 6-digit address code; ``XX0000`` is a province, ``XXXX00`` a
      prefecture (地级), anything else a county (县级).
    - ``province``: province name (省级).
    - ``city``: the latest name of the prefecture ``XXXX00`` the code belongs to (地市);
      for a municipality (直辖市) the municipality; null for province-level codes and for
      counties directly under a province (省直辖县级行政单位).
    - ``county``: the name the file gives the code in that period (for an ``XXXX00``
      code, the prefecture itself).
    - ``valid_from_year`` / ``valid_to_year``: the period, both inclusive; null means
      open-ended (the file gives no start year for codes already in use in 1980).

    Returns:
        A new frame on each call (about 7,000 rows).

    Example:
        >>> t = region_table()
        >>> t.filter(pl.col("code") == "370102").row(0)
        ('370102', '山东省', '济南市', '历下区', 1983, None)
        >>> t.filter(pl.col("code") == "110105")["city"].item()
        '北京市'
    """
    return regions().table.clone()


# ---------------------------------------------------------------------------------------
# Normalisation (规范化)
# ---------------------------------------------------------------------------------------

# Unicode White_Space (incl. U+3000 ideographic space and NBSP), zero-width characters
# and every hyphen or dash a spreadsheet or an IME may produce (incl. full-width U+FF0D).
_WHITESPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_ZERO_WIDTH: Final = "\u200b\u200c\u200d\u2060\ufeff"
_HYPHENS: Final = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_CLEAN_MAP: Final[dict[str, str]] = {
    **dict.fromkeys(_WHITESPACE + _ZERO_WIDTH + _HYPHENS, ""),
    **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
    **{chr(0xFF21 + i): chr(ord("A") + i) for i in range(26)},  # full-width A-Z
    **{chr(0xFF41 + i): chr(ord("a") + i) for i in range(26)},  # full-width a-z
    "\uff58": "X",  # full-width x
    "x": "X",
}
_FORMAT_RE: Final = r"^[0-9]{17}[0-9X]$"
_LEGACY_RE: Final = r"^([0-9]{15})$"


def _clean(expr: pl.Expr) -> pl.Expr:
    """Return ``expr`` without separators, in half-width characters, with upper-case X."""
    return expr.str.replace_many(_CLEAN_MAP)


def _parse_ymd(digits: pl.Expr) -> pl.Expr:
    """Return the Date of 8 digits ``YYYYMMDD``, null unless it is a real date.

    Year 0000 parses in polars but not in Python, so callers reject it separately.
    """
    return digits.str.to_date("%Y%m%d", strict=False)


def _upgrade_15(cleaned: pl.Expr) -> pl.Expr:
    """Return the 18-digit form of a cleaned 15-digit number, null for anything else.

    Null unless the value is 15 digits whose ``19YYMMDD`` is a real date. The work is
    done on a column that is null except on the (rare) 15-digit rows, so it is cheap.
    """
    first17 = cleaned.str.extract(_LEGACY_RE, 1).str.replace(r"^([0-9]{6})", "${1}19")
    real = _parse_ymd(first17.str.slice(6, 8)).is_not_null()
    return pl.when(real).then(pl.concat_str(first17, _check_char_unguarded(first17)))


def normalise(expr: pl.Expr) -> pl.Expr:
    """Return the normalised ID number (规范化的身份证号码) as a String expression.

    Removes whitespace anywhere (incl. the full-width space U+3000) and hyphens or
    dashes, turns full-width digits and letters into half-width ones and ``x`` into
    ``X``. A 15-digit legacy number (15位旧号码) whose ``YYMMDD`` is a real date is
    upgraded to 18 digits: ``19`` is inserted before the date and the check character
    appended. Anything else is returned cleaned but otherwise unchanged, for
    :func:`failure_reason` to judge. Null stays null.

    Args:
        expr: String expression with the number as typed.

    Returns:
        String expression.

    Example:
        >>> df = pl.DataFrame({"id": [" 370102-19900101 123x", "３７０１０２９００１０１１２３", None]})
        >>> df.select(normalise(pl.col("id"))).to_series().to_list()
        ['37010219900101123X', '370102199001011231', None]
    """
    cleaned = _clean(expr)
    return pl.coalesce(_upgrade_15(cleaned), cleaned)


def is_upgraded_15(expr: pl.Expr) -> pl.Expr:
    """Return whether :func:`normalise` upgrades the value from 15 to 18 digits.

    Use it to warn that a legacy number (15位旧号码) was converted.

    Args:
        expr: String expression with the number as typed (the input of :func:`normalise`).

    Returns:
        Boolean expression; false for null.

    Example:
        >>> df = pl.DataFrame({"id": ["370102900101123", "370102199001011231", None]})
        >>> df.select(is_upgraded_15(pl.col("id"))).to_series().to_list()
        [True, False, False]
    """
    return _upgrade_15(_clean(expr)).is_not_null()


# ---------------------------------------------------------------------------------------
# Check character (校验码), ISO 7064 MOD 11-2
# ---------------------------------------------------------------------------------------

_CHECK_CHARS: Final[dict[int, str]] = dict(enumerate("10X98765432"))


def check_char(first17: pl.Expr) -> pl.Expr:
    """Return the check character (校验码, ISO 7064 MOD 11-2) of the first 17 digits.

    The definition is ``"10X98765432"[S % 11]`` with ``S`` the sum of the digits times
    the weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2. The weight of position ``i``
    (0-based) is ``2**(17 - i) % 11`` and 13 ≡ 2 (mod 11), so
    ``S ≡ 2 × int(first17, base=13)`` (mod 11): a single base-13 parse replaces 17
    slices (python-stdnum uses the same identity). The base-13 value of 17 decimal
    digits is below 7·10^18 and fits an Int64.

    Args:
        first17: String expression with exactly 17 ASCII digits.

    Returns:
        String expression with ``0``–``9`` or ``X``; null unless the input is 17 digits.

    Example:
        >>> df = pl.DataFrame({"f": ["37010219900101123", "11010519491231002", "1234"]})
        >>> df.select(check_char(pl.col("f"))).to_series().to_list()
        ['1', 'X', None]
    """
    return pl.when(first17.str.contains(r"^[0-9]{17}$")).then(_check_char_unguarded(first17))


def _check_char_unguarded(first17: pl.Expr) -> pl.Expr:
    """Return :func:`check_char` for input already known to be 17 digits (else garbage)."""
    weighted_sum_mod_11 = first17.str.to_integer(base=13, strict=False) % 11 * 2 % 11
    return weighted_sum_mod_11.replace_strict(_CHECK_CHARS, return_dtype=pl.String)


def expected_check_char(expr: pl.Expr) -> pl.Expr:
    """Return the check character a normalised number should end with.

    Use it for the ``checksum`` message: 「校验位错误，应为 {expected}」.

    Args:
        expr: String expression with normalised numbers.

    Returns:
        String expression; null unless the value has the 18-character format.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011239", "3701021990"]})
        >>> df.select(expected_check_char(pl.col("id"))).to_series().to_list()
        ['1', None]
    """
    return pl.when(_has_format(expr)).then(_check_char_unguarded(expr.str.slice(0, 17)))


# ---------------------------------------------------------------------------------------
# Validation (校验)
# ---------------------------------------------------------------------------------------


def _has_format(expr: pl.Expr) -> pl.Expr:
    """Return whether the value is 17 ASCII digits followed by a digit or ``X``."""
    return expr.str.contains(_FORMAT_RE)


def _region_known(expr: pl.Expr) -> pl.Expr:
    """Return whether the first 6 digits are an address code of any period.

    A code is listed under its 2-digit province, so a known code implies a known
    province.
    """
    return expr.str.slice(0, 6).is_in(region_codes().implode())


def failure_reason(expr: pl.Expr, today: date | pl.Expr) -> pl.Expr:
    """Return why a normalised ID number is invalid, as a reason code (null when valid).

    Checked in this order, the first failure wins:

    - ``missing``: null or empty.
    - ``format``: not 18 characters of 17 ASCII digits and a digit or ``X``.
    - ``birth_date``: the birth date (出生日期) is not a real date or is before
      1900-01-01.
    - ``future``: the birth date is after ``today``.
    - ``region``: the address code (地址码, first 6 digits) is unknown to python-stdnum's
      ``loc.dat`` in every period. The birth year is *not* compared with the period.
    - ``checksum``: the check character (校验码) is wrong.

    Args:
        expr: String expression with normalised numbers (see :func:`normalise`).
        today: Reference day for ``future``; a date or a Date expression.

    Returns:
        String expression; see :data:`MESSAGES_ZH` for the messages.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "id": [
        ...             "370102197001011232",
        ...             "37010219700101123",
        ...             "370102197002301232",
        ...             "370102203001011232",
        ...             "379902197001011232",
        ...             "370102197001011239",
        ...         ]
        ...     }
        ... )
        >>> df.select(failure_reason(pl.col("id"), date(2026, 11, 26))).to_series().to_list()
        [None, 'format', 'birth_date', 'future', 'region', 'checksum']
    """
    digits = expr.str.slice(6, 8)
    if isinstance(today, pl.Expr):
        today_digits = today.dt.strftime("%Y%m%d")
    else:
        today_digits = pl.lit(today.strftime("%Y%m%d"))
    # 8-digit YYYYMMDD strings compare like the dates they encode.
    earliest = pl.lit(EARLIEST_BIRTH.strftime("%Y%m%d"))
    return (
        pl.when(expr.is_null() | (expr == ""))
        .then(pl.lit("missing"))
        .when(~_has_format(expr))
        .then(pl.lit("format"))
        .when(_parse_ymd(digits).is_null() | (digits < earliest))
        .then(pl.lit("birth_date"))
        .when(digits > today_digits)
        .then(pl.lit("future"))
        .when(~_region_known(expr))
        .then(pl.lit("region"))
        .when(expr.str.slice(17, 1) != _check_char_unguarded(expr.str.slice(0, 17)))
        .then(pl.lit("checksum"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def is_valid(expr: pl.Expr, today: date | pl.Expr) -> pl.Expr:
    """Return whether a normalised ID number passes every check of :func:`failure_reason`.

    Args:
        expr: String expression with normalised numbers.
        today: Reference day for the ``future`` check.

    Returns:
        Boolean expression; false for null.

    Example:
        >>> df = pl.DataFrame({"id": ["370112198503070029", "370112198503070028", None]})
        >>> df.select(is_valid(pl.col("id"), date(2026, 11, 26))).to_series().to_list()
        [True, False, False]
    """
    return failure_reason(expr, today).is_null()


def validate_one(value: str, today: date) -> str:
    """Return the normalised ID number, or raise if it is invalid.

    A scalar convenience over :func:`normalise` and :func:`failure_reason` (evaluated
    on a one-row frame, so it cannot disagree with the vectorised path).

    Args:
        value: The number as typed.
        today: Reference day for the ``future`` check.

    Returns:
        The normalised 18-character number.

    Raises:
        UnusableInputError: With a Chinese message that shows the normalised number
            masked (see :func:`sbbatch._mask.mask_id`) and the reason, e.g.
            「身份证号码「370102********1239」校验位错误，应为 1。」.

    Example:
        >>> validate_one(" 370102 900101 123", date(2026, 11, 26))
        '370102199001011231'
        >>> validate_one("370102199001011239", date(2026, 11, 26))
        Traceback (most recent call last):
        ...
        sbbatch.exceptions.UnusableInputError: 身份证号码「370102********1239」校验位错误，应为 1。提示：请核对后重新输入。
    """
    row = (
        pl.DataFrame({"raw": [value]}, schema={"raw": pl.String})
        .select(normalise(pl.col("raw")).alias("id"))
        .select(
            "id",
            failure_reason(pl.col("id"), today).alias("reason"),
            expected_check_char(pl.col("id")).alias("expected"),
        )
        .row(0, named=True)
    )
    reason: str | None = row["reason"]
    if reason is None:
        return str(row["id"])
    if reason == "missing":
        msg = "身份证号码未填写。提示：请填写18位身份证号码。"
    else:
        detail = MESSAGES_ZH[reason].format(expected=row["expected"])
        msg = f"身份证号码「{mask_id(row['id'])}」{detail}。提示：请核对后重新输入。"
    raise UnusableInputError(msg)


# ---------------------------------------------------------------------------------------
# Derivations (解析)
# ---------------------------------------------------------------------------------------


def birth_date(expr: pl.Expr) -> pl.Expr:
    """Return the birth date (出生日期) encoded in a normalised ID number.

    Any real date in years 1–9999 is returned, even one that :func:`failure_reason`
    rejects (before 1900 or in the future).

    Args:
        expr: String expression with normalised numbers.

    Returns:
        Date expression; null unless the value has the 18-character format and digits
        7–14 are a real date.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "370102199002301231", "x"]})
        >>> df.select(birth_date(pl.col("id"))).to_series().to_list()
        [datetime.date(1990, 1, 1), None, None]
    """
    has_year = expr.str.slice(6, 4) != "0000"
    return pl.when(_has_format(expr) & has_year).then(_parse_ymd(expr.str.slice(6, 8)))


def gender(expr: pl.Expr) -> pl.Expr:
    """Return the gender code (性别) of a normalised ID number: ``'1'`` 男, ``'2'`` 女.

    The 17th digit (the last digit of the order code, 顺序码) is odd for men and even
    for women.

    Args:
        expr: String expression with normalised numbers.

    Returns:
        String expression; null unless the value has the 18-character format.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "370112198503070029"]})
        >>> df.select(gender(pl.col("id"))).to_series().to_list()
        ['1', '2']
    """
    odd = expr.str.slice(16, 1).cast(pl.Int8, strict=False) % 2 == 1
    return pl.when(_has_format(expr)).then(pl.when(odd).then(pl.lit("1")).otherwise(pl.lit("2")))


def age_at(expr: pl.Expr, at: pl.Expr | date) -> pl.Expr:
    """Return the age in completed years (周岁) on the day ``at``.

    The age goes up on the birthday itself; someone born on 29 February becomes a year
    older on 1 March in common years. Negative when ``at`` is before the birth date.

    Args:
        expr: String expression with normalised numbers.
        at: The reference day; a date or a Date/Datetime expression.

    Returns:
        Int32 expression; null where :func:`birth_date` is null.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "370102200002291232"]})
        >>> df.select(age_at(pl.col("id"), date(2025, 12, 31))).to_series().to_list()
        [35, 25]
        >>> df.select(age_at(pl.col("id"), date(2025, 2, 28))).to_series().to_list()
        [35, 24]
    """
    if isinstance(at, pl.Expr):
        at_number = (
            at.dt.year().cast(pl.Int32) * 10_000
            + at.dt.month().cast(pl.Int32) * 100
            + at.dt.day().cast(pl.Int32)
        )
    else:
        at_number = pl.lit(at.year * 10_000 + at.month * 100 + at.day, dtype=pl.Int32)
    born_number = expr.str.slice(6, 8).cast(pl.Int32, strict=False)
    # (YYYYMMDD - YYYYMMDD) // 10000 counts the birthdays passed: exact completed years.
    age = (at_number - born_number).floordiv(10_000)
    return pl.when(birth_date(expr).is_not_null()).then(age)


def _lookup(key: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    """Return ``mapping[key]`` per row, null for unknown keys."""
    return key.replace_strict(mapping, default=None, return_dtype=pl.String)


def province_name(expr: pl.Expr) -> pl.Expr:
    """Return the province name (省份) of a normalised ID number.

    Args:
        expr: String expression with normalised numbers.

    Returns:
        String expression; null unless the value has the 18-character format and its
        6-digit address code is known (in any period).

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "999999199001011231"]})
        >>> df.select(province_name(pl.col("id"))).to_series().to_list()
        ['山东省', None]
    """
    known = _has_format(expr) & _region_known(expr)
    return pl.when(known).then(_lookup(expr.str.slice(0, 2), regions().provinces))


def city_name(expr: pl.Expr) -> pl.Expr:
    """Return the prefecture name (地市) of a normalised ID number.

    It is the latest name of the code ``XXXX00``; for a municipality (直辖市) the
    municipality. See :func:`region_table` for the rules.

    Args:
        expr: String expression with normalised numbers.

    Returns:
        String expression; null when unknown (see :func:`province_name`) and for
        province-level codes and counties directly under a province.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "110105199001011231"]})
        >>> df.select(city_name(pl.col("id"))).to_series().to_list()
        ['济南市', '北京市']
    """
    return pl.when(_has_format(expr)).then(_lookup(expr.str.slice(0, 6), regions().city_by_code))


def county_name(expr: pl.Expr) -> pl.Expr:
    """Return the county name (区县) of a normalised ID number.

    When the code had several names over time, the latest one is returned
    (``370181`` → 章丘市, the name it had until 2016).

    Args:
        expr: String expression with normalised numbers.

    Returns:
        String expression; null when the value lacks the format or the code is unknown.

    Example:
        >>> df = pl.DataFrame({"id": ["370102199001011231", "370112198503070029"]})
        >>> df.select(county_name(pl.col("id"))).to_series().to_list()
        ['历下区', '历城区']
    """
    return pl.when(_has_format(expr)).then(_lookup(expr.str.slice(0, 6), regions().county_by_code))


def with_region_names(
    frame: FrameT,
    column: str,
    *,
    names: tuple[str, str, str] = ("province", "city", "county"),
) -> FrameT:
    """Return ``frame`` with province, city and county names of an ID column added.

    Args:
        frame: A DataFrame or LazyFrame.
        column: Name of the column with normalised numbers.
        names: Names of the three new columns.

    Returns:
        The same kind of frame, with three String columns appended.

    Example:
        >>> df = pl.DataFrame({"id": ["370112198503070029"]})
        >>> with_region_names(df, "id").row(0)
        ('370112198503070029', '山东省', '济南市', '历城区')
    """
    col = pl.col(column)
    return frame.with_columns(
        province_name(col).alias(names[0]),
        city_name(col).alias(names[1]),
        county_name(col).alias(names[2]),
    )
