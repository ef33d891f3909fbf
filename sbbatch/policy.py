"""Dated social-insurance policy of a city, kept as data (政策参数).

Every rate, base limit, minimum wage, late-fee rate and retirement-age parameter lives
in a commented CSV under ``schemas/policy/<city>/``. Each row carries its ``source``
and a ``status`` (``verified`` / ``secondary`` / ``inference``), and every row of a
dated table has an ``effective_from`` / ``effective_to`` window of months (inclusive;
an empty ``effective_to`` is open-ended). :class:`Policy` loads and checks those files
(the windows of a key must neither overlap nor leave a gap) and offers vectorised
as-of look-ups by month. Every looked-up row carries a stable ``policy_id`` such as
``rates:pension:unit:2019-05``, which :meth:`Policy.view` maps back to its source.

Conventions: months are ``pl.Date`` on the first of the month; money is integer fen
(``Int64``, ``*_fen``); a rate is kept verbatim (``rate``, ``String``) and as exact parts
per million (``rate_ppm``, ``Int64``), so ``base_fen × rate_ppm / 10⁶`` rounded half up
(:func:`sbbatch._money.half_up_fen`) is an exact amount in fen.

Example:
    >>> from datetime import date
    >>> policy = Policy.load()
    >>> months = pl.DataFrame({"month": [date(2019, 3, 1), date(2019, 5, 1)]})
    >>> policy.rates_for(months, ["pension"]).filter(pl.col("payer") == "unit").select(
    ...     "month", "rate", "policy_id", "status"
    ... ).rows()
    [(datetime.date(2019, 3, 1), '0.18', 'rates:pension:unit:2018-01', 'inference'),
     (datetime.date(2019, 5, 1), '0.16', 'rates:pension:unit:2019-05', 'secondary')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch._money import half_up_fen
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import PolicyError, UnusableInputError

__all__ = [
    "DISTRICT_GROUPS",
    "INSURANCES",
    "PAYERS",
    "STATUSES",
    "STATUS_DTYPE",
    "TABLES",
    "LateFeeRate",
    "Policy",
    "half_up_fen",  # re-exported: it lives in sbbatch._money
    "rate_to_ppm",
]

STATUSES: Final[tuple[str, ...]] = ("verified", "secondary", "inference")
"""The three provenance tags a policy row may carry."""

STATUS_DTYPE: Final = pl.Enum(list(STATUSES))
"""Dtype of every ``status`` column."""

INSURANCES: Final[dict[str, tuple[str, str]]] = {
    "1": ("pension", "基本养老保险"),
    "2": ("unemployment", "失业保险"),
    "3": ("medical", "职工基本医疗保险"),
    "4": ("injury", "工伤保险"),
    "5": ("maternity", "生育保险"),
    "10": ("large_medical", "大额医疗补助"),
}
"""Insurance code (险种, AAE140) -> (English key used in policy ids, Chinese label)."""

PAYERS: Final[dict[str, str]] = {"unit": "单位", "person": "个人"}
"""Payer -> Chinese label."""

DISTRICT_GROUPS: Final[dict[str, str]] = {"urban": "市区", "other": "其他区县"}
"""District group of ``minimum_wage.csv`` -> Chinese label."""

_PROVENANCE: Final = ("source", "status", "note")
_RATE_SCALE: Final = 6
_INSURANCE_KEYS: Final = {code: key for code, (key, _) in INSURANCES.items()}
_INSURANCE_LABELS: Final = {code: label for code, (_, label) in INSURANCES.items()}
_CITY_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class _Spec:
    """How one CSV of a city's policy folder is typed and keyed.

    ``columns`` maps every non-provenance column, in file order, to its kind; a
    trailing ``!`` marks a required column. Kinds: ``text``, ``month`` (``YYYY-MM``),
    ``date`` (``YYYY-MM-DD``), ``int``, ``bool``, ``rate`` (kept + ``<col>_ppm``),
    ``yuan`` (replaced by ``<col>_fen``), ``years`` (kept + ``months``).
    """

    name: str
    columns: dict[str, str]
    keys: tuple[str, ...]
    window: str | None  # "month", "date" or None (undated)


TABLES: Final[tuple[_Spec, ...]] = (
    _Spec(
        "rates",
        {
            "insurance": "text!",
            "payer": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "rate": "rate",
            "fixed_fen": "int",
            "unit_risk_class": "text",
        },
        ("insurance", "payer", "unit_risk_class"),
        "month",
    ),
    _Spec(
        "base_limits",
        {
            "policy_year": "int!",
            "effective_from": "month!",
            "effective_to": "month",
            "average_wage": "yuan!",
            "floor": "yuan!",
            "ceiling": "yuan!",
        },
        (),
        "month",
    ),
    _Spec(
        "minimum_wage",
        {
            "district_group": "text!",
            "tier": "int!",
            "districts": "text",
            "effective_from": "month!",
            "effective_to": "month",
            "monthly_wage": "yuan!",
            "hourly_wage": "yuan",
        },
        ("district_group",),
        "month",
    ),
    _Spec(
        "late_fee",
        {
            "parameter": "text!",
            "effective_from": "date!",
            "effective_to": "date",
            "value": "text!",
        },
        ("parameter",),
        "date",
    ),
    _Spec(
        "retirement",
        {
            "group": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "original_age_years": "int!",
            "step_months": "int",
            "max_delay_months": "int",
            "first_affected_birth_month": "month",
            "elastic_early_max_months": "int",
            "elastic_late_max_months": "int",
        },
        ("group",),
        "month",  # the window holds the retirement month a row applies to
    ),
    _Spec(
        "retirement_groups",
        {"gender": "text!", "identity": "text", "group": "text!"},
        ("gender", "identity"),
        None,
    ),
    _Spec(
        "retirement_posts",
        {"gender": "text!", "post": "text!", "group": "text!"},
        ("gender", "post"),
        None,
    ),
    _Spec(
        "min_contribution_years",
        {"retirement_year_from": "int", "retirement_year_to": "int", "years": "years!"},
        ("retirement_year_from", "retirement_year_to"),
        None,
    ),
    _Spec(
        "unemployment_duration",
        {"min_years": "int!", "max_years": "int", "max_months": "int!"},
        ("min_years",),
        None,
    ),
    _Spec(
        "unemployment_benefit",
        {"effective_from": "month!", "effective_to": "month", "basis": "text!", "rate": "rate!"},
        (),
        "month",
    ),
    _Spec(
        "enrolment_window",
        {
            "business": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "cutoff_day": "int!",
            "after_cutoff": "text!",
        },
        ("business",),
        "month",
    ),
    _Spec(
        "backpay",
        {
            "insurance": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "allowed": "bool!",
        },
        ("insurance",),
        "month",
    ),
    _Spec(
        "rounding",
        {
            "insurance": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "mode": "text!",
            "unit": "text!",
        },
        ("insurance",),
        "month",
    ),
    _Spec(
        "category_insurances",
        {
            "person_category": "text!",
            "insurance": "text!",
            "effective_from": "month",
            "effective_to": "month",
        },
        ("person_category", "insurance"),
        None,  # open-ended rows; the loader keeps the windows, the view shows the notes
    ),
    _Spec("card_photo", {"parameter": "text!", "value": "text!"}, ("parameter",), None),
    _Spec("working_age", {"parameter": "text!", "value": "text!"}, ("parameter",), None),
    _Spec(
        "remote_filing",
        {"registered_from": "date", "registered_to": "date", "min_months": "int!"},
        ("min_months",),
        None,
    ),
    _Spec(
        "other_filings",
        {
            "key": "text!",
            "value": "text!",
            "unit": "text",
            "effective_from": "month",
            "effective_to": "month",
        },
        ("key",),
        None,
    ),
    _Spec(
        "survivor_supplements",
        {
            "supplement": "text!",
            "rate": "rate!",
            "effective_from": "month!",
            "effective_to": "month",
        },
        ("supplement",),
        "month",
    ),
    _Spec(
        "unemployment_reasons",
        {"leave_reason": "text!", "involuntary": "bool!"},
        ("leave_reason",),
        None,
    ),
)
"""Every table of a city's policy folder, in the order of :meth:`Policy.view`."""


# --------------------------------------------------------------------------- money
def _scaled(values: pl.Expr, scale: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Parse non-negative decimal text into an integer scaled by ``10**scale``.

    Returns:
        The scaled ``Int64`` expression (null where the text is not usable), a mask of
        texts with more than ``scale`` decimals and a mask of texts that are no
        non-negative decimal at all.
    """
    pattern = rf"^[0-9]+(\.[0-9]{{1,{scale}}})?$" if scale else r"^[0-9]+$"
    ok = values.str.contains(pattern)
    parts = values.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    frac = (
        parts.struct.field("field_1").fill_null("").str.pad_end(scale, "0").cast(pl.Int64)
        if scale
        else pl.lit(0, pl.Int64)
    )
    scaled = pl.when(ok).then(whole * 10**scale + frac)
    too_fine = values.is_not_null() & values.str.contains(r"^[0-9]+\.[0-9]+$") & ~ok
    not_decimal = values.is_not_null() & ~ok & ~too_fine
    return scaled, too_fine, not_decimal


def rate_to_ppm(rates: pl.Series) -> pl.Series:
    """Convert exact decimal rate texts to parts per million (百万分率), exactly.

    Args:
        rates: decimal fractions as text (``"0.16"`` is 16%); nulls stay null.

    Returns:
        An ``Int64`` series named ``rate_ppm``.

    Raises:
        PolicyError: a rate has more than 6 decimals or is not a non-negative decimal.

    Examples:
        >>> rate_to_ppm(pl.Series(["0.16", "0.007", "0.0005", "1", None])).to_list()
        [160000, 7000, 500, 1000000, None]
        >>> rate_to_ppm(pl.Series(["0.0000001"]))
        Traceback (most recent call last):
        ...
        sbbatch.exceptions.PolicyError: 费率 0.0000001 的小数位超过 6 位，无法精确换算。提示：费率最多保留 6 位小数（百万分之一）。
    """
    frame = pl.DataFrame({"rate": rates.cast(pl.String)})
    scaled, too_fine, not_decimal = _scaled(pl.col("rate"), _RATE_SCALE)
    checked = frame.select(
        scaled.alias("rate_ppm"), too_fine.alias("too_fine"), not_decimal.alias("bad")
    )
    fine = frame.filter(checked["too_fine"])["rate"]
    if fine.len():
        msg = (
            f"费率 {'、'.join(fine.head(3).to_list())} 的小数位超过 {_RATE_SCALE} 位，无法精确换算。"
            f"提示：费率最多保留 {_RATE_SCALE} 位小数（百万分之一）。"
        )
        raise PolicyError(msg)
    bad = frame.filter(checked["bad"])["rate"]
    if bad.len():
        msg = f"费率 {'、'.join(bad.head(3).to_list())} 不是非负小数。提示：费率写成小数，如 0.16 表示 16%。"
        raise PolicyError(msg)
    return checked["rate_ppm"]


# --------------------------------------------------------------------------- loading
def _convert(column: str, kind: str) -> tuple[list[pl.Expr], list[tuple[pl.Expr, str]]]:
    """Typed expressions of one CSV column and its (bad-mask, reason) checks."""
    required = kind.endswith("!")
    kind = kind.rstrip("!")
    raw = pl.col(column)
    checks: list[tuple[pl.Expr, str]] = []
    if required:
        checks.append((raw.is_null() | (raw.str.strip_chars() == ""), "不能为空"))
    if kind == "text":
        return [raw], checks
    if kind == "month":
        ok = raw.str.contains(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
        checks.append((raw.is_not_null() & ~ok, "应为年月 YYYY-MM"))
        parsed = pl.when(ok).then(raw + "-01").str.to_date("%Y-%m-%d", strict=False)
        return [parsed.alias(column)], checks
    if kind == "date":
        parsed = raw.str.to_date("%Y-%m-%d", strict=False)
        ok = raw.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") & parsed.is_not_null()
        checks.append((raw.is_not_null() & ~ok, "应为日期 YYYY-MM-DD"))
        return [parsed.alias(column)], checks
    if kind == "int":
        parsed = raw.cast(pl.Int64, strict=False)
        checks.append((raw.is_not_null() & parsed.is_null(), "应为整数"))
        return [parsed.alias(column)], checks
    if kind == "bool":
        parsed = raw.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
        checks.append((raw.is_not_null() & parsed.is_null(), "应为 true 或 false"))
        return [parsed.alias(column)], checks
    if kind == "rate":
        scaled, too_fine, not_decimal = _scaled(raw, _RATE_SCALE)
        checks.append((too_fine, f"小数位超过 {_RATE_SCALE} 位，无法精确换算为百万分率"))
        checks.append((not_decimal, "应为非负小数，如 0.16"))
        return [raw, scaled.alias(f"{column}_ppm")], checks
    if kind == "yuan":
        scaled, too_fine, not_decimal = _scaled(raw, 2)
        checks.append((too_fine | not_decimal, "应为以元计的金额，最多 2 位小数"))
        return [scaled.alias(f"{column}_fen")], checks
    if kind == "years":
        scaled, too_fine, not_decimal = _scaled(raw, 1)
        months = scaled * 12 // 10
        checks.append(
            (too_fine | not_decimal | (scaled * 12 % 10 != 0), "应为以年计的年限，精确到月")
        )
        return [raw, months.alias("months")], checks
    msg = f"未知的列类型 {kind}"  # pragma: no cover - a programming error in TABLES
    raise AssertionError(msg)


def _key_expr(spec: _Spec) -> pl.Expr:
    """The ``key`` of a row: what stays constant from one window to the next."""
    if spec.name in ("rates", "backpay", "rounding"):
        insurance = pl.col("insurance").replace_strict(
            _INSURANCE_KEYS, default=None, return_dtype=pl.String
        )
        if spec.name != "rates":
            return insurance
        risk = pl.col("unit_risk_class")
        return pl.concat_str(
            insurance,
            pl.lit(":"),
            pl.col("payer"),
            pl.when(risk.is_not_null()).then(pl.lit(":class") + risk).otherwise(pl.lit("")),
        )
    if spec.name == "retirement_groups":
        return pl.concat_str(pl.col("gender"), pl.lit(":"), pl.col("identity").fill_null("*"))
    if spec.name == "min_contribution_years":
        start = pl.col("retirement_year_from").cast(pl.String)
        end = pl.col("retirement_year_to").cast(pl.String)
        return (
            pl.when(start == end)
            .then(start)
            .otherwise(pl.concat_str(start.fill_null(""), pl.lit(".."), end.fill_null("")))
        )
    if not spec.keys:
        return pl.lit("")
    return pl.concat_str([pl.col(k).cast(pl.String) for k in spec.keys], separator=":")


def _policy_id_expr(spec: _Spec) -> pl.Expr:
    """The stable id of a row: ``table[:key][:effective_from]``."""
    parts: list[pl.Expr] = [pl.lit(spec.name)]
    parts.append(
        pl.when(pl.col("key") != "").then(pl.lit(":") + pl.col("key")).otherwise(pl.lit(""))
    )
    if spec.window is not None:
        fmt = "%Y-%m" if spec.window == "month" else "%Y-%m-%d"
        parts.append(pl.lit(":") + pl.col("effective_from").dt.strftime(fmt))
    return pl.concat_str(parts)


def _problems(frame: pl.DataFrame, mask: pl.Expr, what: str, where: str) -> list[str]:
    """One message per row of ``frame`` where ``mask`` holds."""
    lines = frame.filter(mask.fill_null(False))["_line"].to_list()
    return [f"{where} 第 {line} 行：{what}" for line in lines]


def _check_windows(frame: pl.DataFrame, spec: _Spec, where: str) -> list[str]:
    """Windows of one key must be ordered, contiguous and only the last open."""
    step = "1mo" if spec.window == "month" else "1d"
    fmt = "%Y-%m" if spec.window == "month" else "%Y-%m-%d"
    chained = frame.sort("key", "effective_from").with_columns(
        _next=pl.col("effective_from").shift(-1).over("key")
    )
    problems = _problems(
        chained,
        pl.col("effective_to") < pl.col("effective_from"),
        "effective_to 早于 effective_from",
        where,
    )
    following = chained.filter(pl.col("_next").is_not_null())
    expected_next = pl.col("effective_to").dt.offset_by(step)
    overlap = following.filter(pl.col("effective_to").is_null() | (expected_next > pl.col("_next")))
    gap = following.filter(expected_next < pl.col("_next"))
    for row in overlap.iter_rows(named=True):
        problems.append(
            f"{where} 第 {row['_line']} 行：{row['key'] or '本表'} 的期间与自 "
            f"{row['_next']:{fmt}} 起的期间重叠"
        )
    for row in gap.iter_rows(named=True):
        problems.append(
            f"{where} 第 {row['_line']} 行：{row['key'] or '本表'} 的期间与自 "
            f"{row['_next']:{fmt}} 起的期间之间有空档"
        )
    return problems


def _check_bands(
    frame: pl.DataFrame, low: str, high: str, inclusive: bool, where: str
) -> list[str]:
    """Bands ``low..high`` must follow each other without overlap or gap."""
    ordered = frame.sort(low, nulls_last=False)
    expected = pl.col(high) + 1 if inclusive else pl.col(high)
    chained = ordered.with_columns(_next=pl.col(low).shift(-1))
    broken = chained.filter(
        (pl.col("_line") != ordered["_line"][-1])
        & (pl.col(high).is_null() | (expected != pl.col("_next")) | pl.col("_next").is_null())
    )
    problems = [f"{where} 第 {line} 行：区间与下一行不衔接" for line in broken["_line"]]
    if ordered.height and ordered[high][-1] is not None:
        problems.append(f"{where} 第 {ordered['_line'][-1]} 行：最后一个区间应不设上限")
    return problems


def _table_checks(frame: pl.DataFrame, spec: _Spec, where: str) -> list[str]:
    """Checks specific to one table, on the typed frame."""
    problems: list[str] = []
    if spec.name in ("rates", "backpay", "rounding"):
        problems += _problems(frame, pl.col("key").is_null(), "未知的险种代码", where)
    if spec.name == "rates":
        problems += _problems(
            frame, ~pl.col("payer").is_in(list(PAYERS)), "payer 应为 unit 或 person", where
        )
        problems += _problems(
            frame,
            pl.col("rate").is_null() == pl.col("fixed_fen").is_null(),
            "rate 与 fixed_fen 必须且只能填一个",
            where,
        )
        injury_unit = (pl.col("insurance") == "4") & (pl.col("payer") == "unit")
        problems += _problems(
            frame,
            injury_unit
            != pl.col("unit_risk_class").is_in([str(i) for i in range(1, 9)]).fill_null(False),
            "unit_risk_class 只用于工伤单位费率，取值 1-8",
            where,
        )
    if spec.name == "base_limits":
        problems += _problems(
            frame, pl.col("floor_fen") > pl.col("ceiling_fen"), "下限高于上限", where
        )
        # 60% of the average rounded up, 300% rounded down, in whole yuan (the CSV's rule)
        average = pl.col("average_wage_fen")
        floor_due = (average * 60 + 9_999) // 10_000 * 100
        ceiling_due = average * 300 // 10_000 * 100
        problems += _problems(
            frame,
            (pl.col("floor_fen") != floor_due) | (pl.col("ceiling_fen") != ceiling_due),
            "floor / ceiling 与 average_wage 的 60% / 300%（下限进位、上限舍去到元）不符",
            where,
        )
    if spec.name == "late_fee":
        rate_rows = pl.col("parameter") == "daily_rate"
        _, too_fine, not_decimal = _scaled(pl.col("value"), _RATE_SCALE)
        problems += _problems(
            frame, rate_rows & (too_fine | not_decimal), "日费率应为最多 6 位小数的非负小数", where
        )
    if spec.name == "retirement":
        delayed = pl.col("step_months").is_not_null()
        consistent = (delayed == pl.col("max_delay_months").is_not_null()) & (
            delayed == pl.col("first_affected_birth_month").is_not_null()
        )
        problems += _problems(
            frame,
            ~consistent,
            "step_months、max_delay_months、first_affected_birth_month 须同时填写或同时留空",
            where,
        )
        problems += _problems(frame, pl.col("step_months") <= 0, "step_months 应为正数", where)
    if spec.name == "retirement_groups":
        problems += _problems(
            frame, ~pl.col("gender").is_in(["1", "2"]), "gender 应为 1（男）或 2（女）", where
        )
    if spec.name == "min_contribution_years":
        problems += _check_bands(frame, "retirement_year_from", "retirement_year_to", True, where)
    if spec.name == "unemployment_duration":
        problems += _check_bands(frame, "min_years", "max_years", False, where)
    if spec.name == "unemployment_benefit":
        # the only basis :meth:`Policy.unemployment_benefit_for` implements: another one
        # must fail loudly rather than be computed as a share of the minimum wage
        problems += _problems(
            frame,
            pl.col("basis") != "minimum_wage",
            "basis 只支持 minimum_wage（失业保险金按最低工资标准的比例计算）",
            where,
        )
    if spec.name == "enrolment_window":
        problems += _problems(
            frame, ~pl.col("cutoff_day").is_between(1, 31), "cutoff_day 应在 1-31 之间", where
        )
    return problems


def _load_table(directory: Path, spec: _Spec) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Read, type and check one table.

    Returns:
        The typed frame, the verbatim (all-text) frame and the file's comment lines.

    Raises:
        PolicyError: the file is missing, has other columns, or any value is unusable.
    """
    path = directory / f"{spec.name}.csv"
    where = f"{directory.name}/{path.name}"
    if not path.is_file():
        msg = (
            f"缺少政策参数文件 {where}。提示：请从 schemas/policy/jinan/ 复制一份并按本地政策修改。"
        )
        raise PolicyError(msg)
    raw, comments = read_commented_csv(path)
    expected = [*spec.columns, *_PROVENANCE]
    if raw.columns != expected:
        msg = f"{where} 的列应为 {','.join(expected)}，实际为 {','.join(raw.columns)}。"
        raise PolicyError(msg)
    if not comments:
        msg = f"{where} 开头缺少说明内容与来源的 # 注释行。"
        raise PolicyError(msg)
    raw = raw.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))
    lined = raw.with_row_index("_line", offset=len(comments) + 2)
    exprs: list[pl.Expr] = [pl.col("_line")]
    problems: list[str] = []
    for column, kind in spec.columns.items():
        converted, checks = _convert(column, kind)
        exprs += converted
        for mask, reason in checks:
            bad = lined.filter(mask.fill_null(False)).select("_line", column)
            problems += [
                f"{where} 第 {line} 行：{column} 列的值“{value or ''}”{reason}"
                for line, value in bad.rows()
            ]
    problems += _problems(lined, pl.col("source").is_null(), "source 不能为空", where)
    problems += _problems(
        lined,
        ~pl.col("status").is_in(list(STATUSES)).fill_null(False),
        f"status 只能是 {' / '.join(STATUSES)}",
        where,
    )
    if problems:
        raise PolicyError(_join_problems(problems))
    typed = lined.select(
        *exprs,
        pl.col("source"),
        pl.col("status").cast(STATUS_DTYPE),
        pl.col("note"),
    )
    typed = typed.with_columns(_key_expr(spec).alias("key"))
    typed = typed.with_columns(_policy_id_expr(spec).alias("policy_id"))
    problems += _table_checks(typed, spec, where)
    if spec.window is not None:
        problems += _check_windows(typed, spec, where)
    duplicated = typed.filter(pl.col("policy_id").is_duplicated())
    problems += [
        f"{where} 第 {line} 行：policy_id {pid} 重复"
        for line, pid in duplicated.select("_line", "policy_id").rows()
    ]
    if problems:
        raise PolicyError(_join_problems(problems))
    if spec.name == "late_fee":
        scaled, _, _ = _scaled(pl.col("value"), _RATE_SCALE)
        typed = typed.with_columns(
            pl.when(pl.col("parameter") == "daily_rate").then(scaled).alias("rate_ppm")
        )
    return typed.drop("_line"), raw, comments


def _join_problems(problems: list[str]) -> str:
    shown = "；".join(problems[:5])
    more = f"；另有 {len(problems) - 5} 处问题" if len(problems) > 5 else ""
    return f"政策参数表有误：{shown}{more}。提示：请按文件开头的说明修改后重新加载。"


# --------------------------------------------------------------------------- look-ups
@dataclass(frozen=True)
class LateFeeRate:
    """The late-fee (滞纳金) daily rate in force on one day, with its provenance."""

    rate: str
    rate_ppm: int
    policy_id: str
    source: str
    status: str


def _month_starts(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Unique first-of-month dates of ``frame[column]`` as column ``_at``."""
    if column not in frame.columns:
        msg = f"缺少列 {column}。提示：传入含所属期（年月）列的表，或用 month_col 指定列名。"
        raise UnusableInputError(msg)
    dtype = frame.schema[column]
    if dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        msg = f"列 {column} 应为日期类型（每月 1 日），实际为 {dtype}。"
        raise UnusableInputError(msg)
    return frame.select(_month_start(pl.col(column)).alias("_at")).unique().drop_nulls()


def _month_start(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Date).dt.month_start()


def _month_index(expr: pl.Expr) -> pl.Expr:
    """Months since year 0 (``year * 12 + month - 1``) of a date expression."""
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def _attach(
    frame: pl.DataFrame,
    month_col: str,
    found: pl.DataFrame,
    extra: dict[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Left-join look-up results (keyed by ``_at`` and ``extra``) back onto ``frame``."""
    extra = extra or {}
    keyed = frame.with_columns(_month_start(pl.col(month_col)).alias("_at"), **extra)
    on = ["_at", *extra]
    joined = keyed.join(found, on=on, how="left", maintain_order="left")
    return joined.drop(on)


def _delay_months(born: pl.Expr, step: Any, cap: Any, first: Any) -> pl.Expr:
    """Delay of the 2025 raise: 0 if n <= 0 or no step, else min(ceil(n / step), cap)."""
    step_e = step if isinstance(step, pl.Expr) else pl.lit(step, pl.Int64)
    cap_e = cap if isinstance(cap, pl.Expr) else pl.lit(cap, pl.Int64)
    first_e = first if isinstance(first, pl.Expr) else pl.lit(first, pl.Int64)
    n = born - first_e + 1
    raw_delay = (n + step_e - 1) // step_e
    return (
        pl.when(step_e.is_null() | (n <= 0))
        .then(pl.lit(0, pl.Int64))
        .when(raw_delay > cap_e)
        .then(cap_e)
        .otherwise(raw_delay)
    )


def _row_age_months(born: pl.Expr, row: dict[str, Any]) -> pl.Expr:
    """Statutory age in months by one ``retirement.csv`` row (its age plus its delay)."""
    first = row["first_affected_birth_month"]
    first_index = None if first is None else first.year * 12 + first.month - 1
    delay = _delay_months(born, row["step_months"], row["max_delay_months"], first_index)
    return row["original_age_years"] * 12 + delay


@dataclass(frozen=True, eq=False, repr=False)
class Policy:
    """The dated policy of one city (政策参数), each table a typed polars frame.

    Build it with :meth:`load` (cached per city) or :meth:`from_dir`. ``tables`` maps
    every table name of :data:`TABLES` to its frame; each table except
    ``min_contribution_years`` (whose name is taken by the look-up method) is also an
    attribute. Every table has the columns of its CSV (money as ``*_fen``, rates also
    as ``*_ppm``, months as ``Date``), plus ``source``, ``status`` (``Enum``), ``note``,
    ``key`` and ``policy_id``.

    Attributes:
        city: the folder name under ``schemas/policy/``.
        tables: every typed table by name, in the order of :data:`TABLES`.
        comments: the leading ``#`` lines (what the file is, its provenance) per table.
    """

    city: str
    tables: dict[str, pl.DataFrame]
    comments: dict[str, list[str]]
    _raw: dict[str, pl.DataFrame]

    # ------------------------------------------------------------------ building
    @classmethod
    def load(cls, city: str = "jinan") -> Policy:
        """Load the shipped policy of ``city`` (cached: the same object every call).

        Raises:
            PolicyError: the city has no policy folder or a file is unusable.
        """
        return _load_city(city)

    @classmethod
    def from_dir(cls, directory: Path, city: str | None = None) -> Policy:
        """Load and check every table of a policy folder (not cached).

        Raises:
            PolicyError: a file is missing or any row is unusable (the message lists
                the first problems with their line numbers).
        """
        typed: dict[str, pl.DataFrame] = {}
        raw: dict[str, pl.DataFrame] = {}
        comments: dict[str, list[str]] = {}
        for spec in TABLES:
            typed[spec.name], raw[spec.name], comments[spec.name] = _load_table(directory, spec)
        groups = set(typed["retirement"]["group"].to_list())
        for table in ("retirement_groups", "retirement_posts"):
            unknown = sorted(set(typed[table]["group"].to_list()) - groups)
            if unknown:
                msg = (
                    f"{table}.csv 中的退休组别 {'、'.join(unknown)} 在 retirement.csv 中没有定义。"
                )
                raise PolicyError(msg)
        return cls(city=city or directory.name, tables=typed, comments=comments, _raw=raw)

    def __repr__(self) -> str:
        return f"Policy(city={self.city!r}, tables={len(TABLES)})"

    # ------------------------------------------------------------------ tables
    @property
    def rates(self) -> pl.DataFrame:
        """Contribution rates (费率) by insurance, payer, risk class and month window."""
        return self.tables["rates"]

    @property
    def base_limits(self) -> pl.DataFrame:
        """Contribution-base floor and ceiling (缴费基数上下限) by month window."""
        return self.tables["base_limits"]

    @property
    def minimum_wage(self) -> pl.DataFrame:
        """Monthly minimum wage (最低工资标准) by district group and month window."""
        return self.tables["minimum_wage"]

    @property
    def late_fee(self) -> pl.DataFrame:
        """Late-fee (滞纳金) daily rate and counting convention, by day window."""
        return self.tables["late_fee"]

    @property
    def retirement(self) -> pl.DataFrame:
        """Retirement-age schedule (法定退休年龄) by retirement group."""
        return self.tables["retirement"]

    @property
    def retirement_groups(self) -> pl.DataFrame:
        """Gender × 个人身份 -> retirement group."""
        return self.tables["retirement_groups"]

    @property
    def unemployment_duration(self) -> pl.DataFrame:
        """Maximum benefit months (领取期限) by contribution-year band."""
        return self.tables["unemployment_duration"]

    @property
    def unemployment_benefit(self) -> pl.DataFrame:
        """Unemployment benefit (失业保险金) as a share of the minimum wage."""
        return self.tables["unemployment_benefit"]

    @property
    def enrolment_window(self) -> pl.DataFrame:
        """Monthly cut-off day (受理截止日) of 增员 / 减员."""
        return self.tables["enrolment_window"]

    @property
    def backpay(self) -> pl.DataFrame:
        """Which insurances may be back-paid (补缴), by fee month."""
        return self.tables["backpay"]

    @property
    def rounding(self) -> pl.DataFrame:
        """Rounding rule of contribution amounts (舍入规则) per insurance."""
        return self.tables["rounding"]

    # ------------------------------------------------------------------ core as-of
    def _as_of(
        self, table: pl.DataFrame, probe: pl.DataFrame, *, drop_ended: bool, fmt: str = "%Y-%m"
    ) -> pl.DataFrame:
        """As-of join of ``probe`` (``_at``, ``key``, ``_label``, …) on the windows of ``table``.

        A probe before the first window of its key raises; one after a closed last
        window raises too unless ``drop_ended`` (the key ended, e.g. 生育 after the
        merger), in which case the row is dropped.
        """
        joined = probe.sort("_at").join_asof(
            table.sort("effective_from"),
            left_on="_at",
            right_on="effective_from",
            by="key",
            strategy="backward",
            check_sortedness=False,
        )
        ended = pl.col("effective_to").is_not_null() & (pl.col("_at") > pl.col("effective_to"))
        missing = pl.col("effective_from").is_null()
        if not drop_ended:
            missing = missing | ended
        bad = joined.filter(missing)
        if bad.height:
            order = ["_at", "_order"] if "_order" in bad.columns else ["_at", "key"]
            rows = bad.sort(order).select(pl.col("_at").dt.strftime(fmt), "_label").rows()
            shown = "；".join(f"{at} 没有适用的{label}" for at, label in rows[:3])
            more = f"（另有 {len(rows) - 3} 处）" if len(rows) > 3 else ""
            msg = (
                f"{shown}{more}。提示：请核对所属期；若政策已有规定，"
                f"请在 schemas/policy/{self.city}/ 的参数表中补充该期间。"
            )
            raise PolicyError(msg)
        return joined.filter(~ended) if drop_ended else joined

    # ------------------------------------------------------------------ rates
    def rates_for(
        self,
        months: pl.DataFrame,
        insurances: Iterable[str] | None = None,
        *,
        month_col: str = "month",
    ) -> pl.DataFrame:
        """Rates (费率) in force in each month, one row per month × insurance × payer.

        Injury (工伤) unit rates come once per risk class (``unit_risk_class``); use
        :meth:`injury_rate_for` to pick a unit's class. An insurance whose last window
        is closed (生育 after the merger) simply has no rows after it.

        Args:
            months: a frame with a date column (any day of the month counts as its month).
            insurances: codes (``"1"``) or keys (``"pension"``) to keep; all if None.
            month_col: the name of the month column.

        Returns:
            Columns ``month_col, insurance, payer, unit_risk_class, rate, rate_ppm,
            fixed_fen, policy_id, source, status``, sorted by month, insurance, payer.

        Raises:
            PolicyError: a month lies before every window of a requested rate, e.g.
                「2017-12 没有适用的基本养老保险单位费率」.

        Examples:
            >>> from datetime import date
            >>> months = pl.DataFrame({"month": [date(2025, 7, 1)]})
            >>> Policy.load().rates_for(months, ["3", "10"]).select(
            ...     "insurance", "payer", "rate_ppm", "fixed_fen", "policy_id"
            ... ).rows()
            [('3', 'unit', 80000, None, 'rates:medical:unit:2025-01'),
             ('3', 'person', 20000, None, 'rates:medical:person:2025-01'),
             ('10', 'person', None, 1000, 'rates:large_medical:person:2025-01')]
        """
        at = _month_starts(months, month_col)
        table = self.rates
        if insurances is not None:
            table = table.filter(pl.col("insurance").is_in(_insurance_codes(insurances)))
        keys = table.select("key", "insurance", "payer", "unit_risk_class").unique()
        label = pl.concat_str(
            pl.col("insurance").replace_strict(_INSURANCE_LABELS, return_dtype=pl.String),
            pl.col("payer").replace_strict(PAYERS, return_dtype=pl.String),
            pl.when(pl.col("insurance") == "10").then(pl.lit("缴费标准")).otherwise(pl.lit("费率")),
            pl.when(pl.col("unit_risk_class").is_not_null())
            .then(pl.lit("（行业风险类别 ") + pl.col("unit_risk_class") + pl.lit("）"))
            .otherwise(pl.lit("")),
        )
        order = (
            pl.col("insurance").cast(pl.Int64) * 1000
            + (pl.col("payer") == "person").cast(pl.Int64) * 100
            + pl.col("unit_risk_class").cast(pl.Int64).fill_null(0)
        )
        probe = at.join(
            keys.select("key", label.alias("_label"), order.alias("_order")), how="cross"
        )
        found = self._as_of(table, probe, drop_ended=True)
        return found.sort("_at", "_order").select(
            pl.col("_at").alias(month_col),
            "insurance",
            "payer",
            "unit_risk_class",
            "rate",
            "rate_ppm",
            "fixed_fen",
            "policy_id",
            "source",
            "status",
        )

    def injury_rate_for(
        self,
        frame: pl.DataFrame,
        *,
        month_col: str = "month",
        risk_class_col: str = "risk_class",
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the unit's work-injury rate (工伤保险单位费率) by industry risk class and month.

        Returns:
            ``frame`` with ``injury_rate`` (text), ``injury_rate_ppm`` and
            ``policy_id_col``; rows with a null class or month get nulls.

        Raises:
            PolicyError: a class has no rate in that month (unknown class or too early).

        Examples:
            >>> from datetime import date
            >>> units = pl.DataFrame({"month": [date(2025, 7, 1)] * 2, "risk_class": [1, 8]})
            >>> Policy.load().injury_rate_for(units).select(
            ...     "risk_class", "injury_rate", "injury_rate_ppm", "policy_id"
            ... ).rows()
            [(1, '0.002', 2000, 'rates:injury:unit:class1:2018-01'),
             (8, '0.019', 19000, 'rates:injury:unit:class8:2018-01')]
        """
        _month_starts(frame, month_col)
        risk = pl.col(risk_class_col).cast(pl.String)
        probe = (
            frame.select(_month_start(pl.col(month_col)).alias("_at"), risk.alias("_class"))
            .unique()
            .drop_nulls()
            .with_columns(
                (pl.lit("injury:unit:class") + pl.col("_class")).alias("key"),
                (pl.lit("工伤保险单位费率（行业风险类别 ") + pl.col("_class") + pl.lit("）")).alias(
                    "_label"
                ),
            )
        )
        found = self._as_of(self.rates, probe, drop_ended=False).select(
            "_at",
            "_class",
            pl.col("rate").alias("injury_rate"),
            pl.col("rate_ppm").alias("injury_rate_ppm"),
            pl.col("policy_id").alias(policy_id_col),
        )
        return _attach(frame, month_col, found, {"_class": risk})

    # ------------------------------------------------------------------ bases, wages
    def base_limits_for(
        self, frame: pl.DataFrame, month_col: str = "month", *, policy_id_col: str = "policy_id"
    ) -> pl.DataFrame:
        """Add the contribution-base floor and ceiling (缴费基数上下限) of each month.

        Returns:
            ``frame`` with ``floor_fen``, ``ceiling_fen`` and ``policy_id_col``.

        Raises:
            PolicyError: a month has no limits (before 2019-01 in Jinan).

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2019, 3, 1), date(2026, 11, 1)]})
            >>> Policy.load().base_limits_for(frame).rows()
            [(datetime.date(2019, 3, 1), 327000, 1634500, 'base_limits:2019-01'),
             (datetime.date(2026, 11, 1), 457300, 2286300, 'base_limits:2026-09')]
        """
        at = _month_starts(frame, month_col)
        probe = at.with_columns(key=pl.lit(""), _label=pl.lit("缴费基数上下限"))
        found = self._as_of(self.base_limits, probe, drop_ended=False).select(
            "_at", "floor_fen", "ceiling_fen", pl.col("policy_id").alias(policy_id_col)
        )
        return _attach(frame, month_col, found)

    def minimum_wage_for(
        self,
        frame: pl.DataFrame,
        month_col: str = "month",
        *,
        district_group_col: str | None = None,
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the monthly minimum wage (最低工资标准) of each month and district group.

        Args:
            frame: a frame with a month column.
            month_col: the month column.
            district_group_col: a column of ``urban`` / ``other``; if None, every row
                is taken as ``urban`` (Jinan's five urban districts, tier 1).
            policy_id_col: the name of the added id column.

        Returns:
            ``frame`` with ``minimum_wage_fen`` and ``policy_id_col``.

        Raises:
            PolicyError: no minimum wage for a month or an unknown district group.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2026, 11, 1)], "group": ["other"]})
            >>> Policy.load().minimum_wage_for(frame, district_group_col="group").rows()
            [(datetime.date(2026, 11, 1), 'other', 221000, 'minimum_wage:other:2025-10')]
        """
        found = self._minimum_wage(frame, month_col, district_group_col).select(
            "_at",
            "_group",
            pl.col("monthly_wage_fen").alias("minimum_wage_fen"),
            pl.col("policy_id").alias(policy_id_col),
        )
        return _attach(frame, month_col, found, {"_group": _group_expr(district_group_col)})

    def _minimum_wage(
        self, frame: pl.DataFrame, month_col: str, district_group_col: str | None
    ) -> pl.DataFrame:
        _month_starts(frame, month_col)
        group = _group_expr(district_group_col)
        probe = (
            frame.select(_month_start(pl.col(month_col)).alias("_at"), group.alias("_group"))
            .unique()
            .drop_nulls()
            .with_columns(
                pl.col("_group").alias("key"),
                pl.concat_str(
                    pl.lit("最低工资标准（"),
                    pl.col("_group").replace(DISTRICT_GROUPS),
                    pl.lit("）"),
                ).alias("_label"),
            )
        )
        return self._as_of(self.minimum_wage, probe, drop_ended=False)

    def unemployment_benefit_for(
        self,
        frame: pl.DataFrame,
        month_col: str = "month",
        *,
        district_group_col: str | None = None,
        policy_id_col: str = "policy_id",
    ) -> pl.DataFrame:
        """Add the monthly unemployment benefit (失业保险金) of each month and district group.

        Returns:
            ``frame`` with ``unemployment_benefit_fen`` (share of the minimum wage, half
            up to the fen), ``policy_id_col`` (the benefit rule) and
            ``minimum_wage_policy_id``.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2025, 7, 1)]})
            >>> Policy.load().unemployment_benefit_for(frame).rows()
            [(datetime.date(2025, 7, 1), 198000, 'unemployment_benefit:2018-01', 'minimum_wage:urban:2023-10')]
        """
        wages = self._minimum_wage(frame, month_col, district_group_col).select(
            "_at", "_group", "monthly_wage_fen", pl.col("policy_id").alias("minimum_wage_policy_id")
        )
        probe = (
            wages.select("_at")
            .unique()
            .with_columns(key=pl.lit(""), _label=pl.lit("失业保险金标准"))
        )
        rules = self._as_of(self.unemployment_benefit, probe, drop_ended=False).select(
            "_at", "rate_ppm", pl.col("policy_id").alias(policy_id_col)
        )
        found = wages.join(rules, on="_at").select(
            "_at",
            "_group",
            half_up_fen(pl.col("monthly_wage_fen"), pl.col("rate_ppm")).alias(
                "unemployment_benefit_fen"
            ),
            policy_id_col,
            "minimum_wage_policy_id",
        )
        return _attach(frame, month_col, found, {"_group": _group_expr(district_group_col)})

    # ------------------------------------------------------------------ late fee
    def late_fee_rate_on(self, on: date) -> LateFeeRate:
        """The late-fee daily rate (滞纳金日费率) in force on one day.

        Raises:
            PolicyError: no rate covers that day.

        Examples:
            >>> from datetime import date
            >>> Policy.load().late_fee_rate_on(date(2025, 7, 16))
            LateFeeRate(rate='0.0005', rate_ppm=500, policy_id='late_fee:daily_rate:2011-07-01', source=..., status='verified')
        """
        probe = pl.DataFrame(
            {"_at": [on], "key": ["daily_rate"], "_label": ["滞纳金日费率"]},
            schema={"_at": pl.Date, "key": pl.String, "_label": pl.String},
        )
        row = self._as_of(self.late_fee, probe, drop_ended=False, fmt="%Y-%m-%d").row(0, named=True)
        return LateFeeRate(
            rate=row["value"],
            rate_ppm=row["rate_ppm"],
            policy_id=row["policy_id"],
            source=row["source"],
            status=row["status"],
        )

    def late_fee_due_date(self, fee_month: pl.Expr) -> pl.Expr:
        """Due date of a fee month's contributions (the day before late fees start).

        Uses the open-ended ``due_month_offset`` and ``due_day`` rows of
        ``late_fee.csv`` (Jinan: the 15th of the following month, an assumption).

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"month": [date(2025, 7, 1), date(2025, 12, 1)]})
            >>> frame.select(Policy.load().late_fee_due_date(pl.col("month"))).to_series().to_list()
            [datetime.date(2025, 8, 15), datetime.date(2026, 1, 15)]
        """
        current = self.late_fee.filter(pl.col("effective_to").is_null())
        values = dict(zip(current["parameter"], current["value"], strict=True))
        offset, day = int(values["due_month_offset"]), int(values["due_day"])
        return (
            _month_start(fee_month)
            .dt.offset_by(f"{offset}mo")
            .dt.offset_by(f"{day - 1}d")
            .alias("due_date")
        )

    # ------------------------------------------------------------------ retirement
    def _retirement_param(self, birth_date: pl.Expr, group: pl.Expr, column: str) -> pl.Expr:
        """One parameter of the ``retirement.csv`` row of ``group`` for this birth date.

        A group may have several rows with windows of months (``effective_from`` /
        ``effective_to``): the row applies whose own retirement month (birth month +
        its original age + its delay) falls in its window. Null for an unknown group or
        a retirement month outside every window.
        """
        born = _month_index(birth_date)
        group_text = group.cast(pl.String)
        branches: list[pl.Expr] = []
        for row in self.retirement.rows(named=True):
            value = row[column]
            if isinstance(value, date):
                value = value.year * 12 + value.month - 1
            start = row["effective_from"]
            end = row["effective_to"]
            index = born + _row_age_months(born, row)
            inside = index >= start.year * 12 + start.month - 1
            if end is not None:
                inside = inside & (index <= end.year * 12 + end.month - 1)
            branches.append(
                pl.when((group_text == row["group"]) & inside).then(pl.lit(value, pl.Int64))
            )
        if not branches:
            return pl.lit(None, pl.Int64)
        return pl.coalesce(branches)

    def statutory_age_months(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Statutory retirement age in months (法定退休年龄), by birth month and group.

        The verified algorithm of the 2025 progressive raise: with original age A,
        step S, maximum delay D and first affected birth month B0, n = months from B0
        to the birth month counting B0 as 1; delay = 0 if n <= 0 else
        min(ceil(n / S), D); age = A years + delay months. Groups without a step
        (special jobs, illness) have no delay; an unknown group gives null.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1965, 5, 9)], "group": ["male"]})
            >>> frame.select(Policy.load().statutory_age_months(pl.col("born"), pl.col("group"))).item()
            722
        """
        born = _month_index(birth_date)
        age = self._retirement_param(birth_date, group, "original_age_years") * 12
        step = self._retirement_param(birth_date, group, "step_months")
        cap = self._retirement_param(birth_date, group, "max_delay_months")
        first = self._retirement_param(birth_date, group, "first_affected_birth_month")
        delay = _delay_months(born, step, cap, first)
        return (age + delay).alias("statutory_age_months")

    def retirement_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Month of reaching the statutory retirement age (退休年月), first of the month.

        Birth month + :meth:`statutory_age_months`. Trace it with the policy id
        ``retirement:<group>``.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1965, 5, 9), date(1975, 3, 1)], "group": ["male", "female_50"]})
            >>> frame.select(Policy.load().retirement_month(pl.col("born"), pl.col("group"))).to_series().to_list()
            [datetime.date(2025, 7, 1), datetime.date(2025, 5, 1)]
        """
        index = _month_index(birth_date) + self.statutory_age_months(birth_date, group)
        return pl.date(index // 12, index % 12 + 1, 1).alias("retirement_month")

    def retirement_group(self, gender: pl.Expr, identity: pl.Expr) -> pl.Expr:
        """Retirement group (male / female_55 / female_50) from gender and 个人身份.

        Args:
            gender: AAC004 code (``"1"`` 男, ``"2"`` 女).
            identity: AAC012 code (``"4"`` 干部, ``"5"`` 国家公务员, ``"21"`` 军转干部, …).

        Returns:
            A String expression; null for an unknown gender.

        Examples:
            >>> frame = pl.DataFrame({"gender": ["1", "2", "2", "2"], "identity": ["4", "4", "1", None]})
            >>> frame.select(Policy.load().retirement_group(pl.col("gender"), pl.col("identity"))).to_series().to_list()
            ['male', 'female_55', 'female_50', 'female_50']
        """
        gender_text = gender.cast(pl.String)
        identity_text = identity.cast(pl.String)
        rows = self.retirement_groups.sort(pl.col("identity").is_null()).rows(named=True)
        branches = [
            pl.when(
                (gender_text == row["gender"])
                & (pl.lit(True) if row["identity"] is None else identity_text == row["identity"])
            ).then(pl.lit(row["group"]))
            for row in rows
        ]
        return pl.coalesce(branches).alias("retirement_group")

    def retirement_group_by_post(
        self, gender: pl.Expr, identity: pl.Expr, post: pl.Expr
    ) -> pl.Expr:
        """Retirement group from gender, the post (现岗位) and 个人身份.

        A post listed in ``retirement_posts.csv`` (女职工现岗位 管理/技术 → the 55
        schedule, 生产 → 50) decides; otherwise :meth:`retirement_group` by 个人身份.

        Examples:
            >>> frame = pl.DataFrame({"g": ["2", "2", "2", "1"], "i": ["1", "4", "1", "1"], "p": ["管理", "生产", None, "管理"]})
            >>> frame.select(Policy.load().retirement_group_by_post(pl.col("g"), pl.col("i"), pl.col("p"))).to_series().to_list()
            ['female_55', 'female_50', 'female_50', 'male']
        """
        gender_text = gender.cast(pl.String)
        post_text = post.cast(pl.String).str.strip_chars()
        branches = [
            pl.when((gender_text == row["gender"]) & (post_text == row["post"])).then(
                pl.lit(row["group"])
            )
            for row in self.tables["retirement_posts"].rows(named=True)
        ]
        return pl.coalesce(*branches, self.retirement_group(gender, identity)).alias(
            "retirement_group"
        )

    def elastic_earliest_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Earliest month of elastic early retirement (弹性提前退休), first of the month.

        At most ``elastic_early_max_months`` before the statutory month, never below the
        original age (60/55/50) — ``retirement.csv``; null for groups without the window.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1966, 1, 10), date(1980, 1, 1)], "group": ["male", "female_50"]})
            >>> frame.select(Policy.load().elastic_earliest_month(pl.col("born"), pl.col("group"))).to_series().to_list()
            [datetime.date(2026, 1, 1), datetime.date(2030, 1, 1)]
        """
        born = _month_index(birth_date)
        statutory = born + self.statutory_age_months(birth_date, group)
        early = self._retirement_param(birth_date, group, "elastic_early_max_months")
        floor = born + self._retirement_param(birth_date, group, "original_age_years") * 12
        index = pl.max_horizontal(statutory - early, floor)
        return (pl.when(early.is_not_null()).then(pl.date(index // 12, index % 12 + 1, 1))).alias(
            "elastic_earliest_month"
        )

    def elastic_latest_month(self, birth_date: pl.Expr, group: pl.Expr) -> pl.Expr:
        """Latest month of elastic late retirement (弹性延迟退休): statutory + the late maximum.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"born": [date(1966, 1, 10)], "group": ["male"]})
            >>> frame.select(Policy.load().elastic_latest_month(pl.col("born"), pl.col("group"))).item()
            datetime.date(2029, 5, 1)
        """
        index = (
            _month_index(birth_date)
            + self.statutory_age_months(birth_date, group)
            + self._retirement_param(birth_date, group, "elastic_late_max_months")
        )
        return pl.date(index // 12, index % 12 + 1, 1).alias("elastic_latest_month")

    def min_contribution_months(self, retirement_month: pl.Expr) -> pl.Expr:
        """Minimum contribution months (最低缴费年限) by the year of retirement.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"m": [date(2029, 12, 1), date(2030, 1, 1), date(2045, 1, 1)]})
            >>> frame.select(Policy.load().min_contribution_months(pl.col("m"))).to_series().to_list()
            [180, 186, 240]
        """
        year = retirement_month.dt.year().cast(pl.Int64)
        branches = []
        for row in self.tables["min_contribution_years"].rows(named=True):
            low, high = row["retirement_year_from"], row["retirement_year_to"]
            condition = pl.lit(True)
            if low is not None:
                condition = condition & (year >= low)
            if high is not None:
                condition = condition & (year <= high)
            branches.append(pl.when(condition).then(pl.lit(row["months"], pl.Int64)))
        return pl.coalesce(branches).alias("min_contribution_months")

    def min_contribution_years(self, retirement_month: pl.Expr) -> pl.Expr:
        """Minimum contribution years (最低缴费年限) as a number (15.5 = 15 years 6 months).

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"m": [date(2031, 11, 1), date(2032, 8, 1)]})
            >>> frame.select(Policy.load().min_contribution_years(pl.col("m"))).to_series().to_list()
            [16.0, 16.5]
        """
        return (self.min_contribution_months(retirement_month) / 12).alias("min_contribution_years")

    # ------------------------------------------------------------------ unemployment
    def unemployment_months(self, contribution_years: pl.Expr) -> pl.Expr:
        """Maximum months of unemployment benefit (领取期限) by cumulative contribution years.

        Args:
            contribution_years: years as a number (months / 12 is fine).

        Examples:
            >>> frame = pl.DataFrame({"years": [0.5, 1, 4.99, 5, 10, 30]})
            >>> frame.select(Policy.load().unemployment_months(pl.col("years"))).to_series().to_list()
            [0, 12, 12, 18, 24, 24]
        """
        branches = []
        for row in self.unemployment_duration.rows(named=True):
            condition = contribution_years >= row["min_years"]
            if row["max_years"] is not None:
                condition = condition & (contribution_years < row["max_years"])
            branches.append(pl.when(condition).then(pl.lit(row["max_months"], pl.Int64)))
        return pl.coalesce(branches).alias("unemployment_months")

    # ------------------------------------------------------------------ windows, backpay
    def declaration_month(self, declared_on: pl.Expr, business: str) -> pl.Expr:
        """Month a 增员 (``enrolment``) or 减员 (``departure``) takes effect, by declaration date.

        On or before the cut-off day the current month is taken, after it the next.

        Raises:
            PolicyError: ``business`` has no cut-off rule.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"on": [date(2025, 7, 25), date(2025, 7, 26)]})
            >>> frame.select(Policy.load().declaration_month(pl.col("on"), "enrolment")).to_series().to_list()
            [datetime.date(2025, 7, 1), datetime.date(2025, 8, 1)]
        """
        rules = self.enrolment_window.filter(pl.col("business") == business)
        if not rules.height:
            known = "、".join(self.enrolment_window["business"].unique(maintain_order=True))
            msg = f"没有业务 {business} 的受理截止日。提示：可用的业务为 {known}。"
            raise PolicyError(msg)
        month = _month_start(declared_on)
        day = declared_on.dt.day()
        branches = []
        for row in rules.rows(named=True):
            inside = month >= row["effective_from"]
            if row["effective_to"] is not None:
                inside = inside & (month <= row["effective_to"])
            late = day > row["cutoff_day"]
            if row["after_cutoff"] == "next_month":
                taken = pl.when(late).then(month.dt.offset_by("1mo")).otherwise(month)
            else:
                taken = month
            branches.append(pl.when(inside).then(taken))
        return pl.coalesce(branches).alias("declaration_month")

    def backpay_allowed(self, insurance: pl.Expr, month: pl.Expr) -> pl.Expr:
        """Whether a fee month of an insurance may be back-paid (补缴); null if not covered.

        Examples:
            >>> from datetime import date
            >>> frame = pl.DataFrame({"ins": ["1", "4"], "m": [date(2020, 3, 1)] * 2})
            >>> frame.select(Policy.load().backpay_allowed(pl.col("ins"), pl.col("m"))).to_series().to_list()
            [True, False]
        """
        month_start = _month_start(month)
        code = insurance.cast(pl.String)
        branches = []
        for row in self.backpay.rows(named=True):
            condition = (code == row["insurance"]) & (month_start >= row["effective_from"])
            if row["effective_to"] is not None:
                condition = condition & (month_start <= row["effective_to"])
            branches.append(pl.when(condition).then(pl.lit(row["allowed"])))
        return pl.coalesce(branches).alias("backpay_allowed")

    # ------------------------------------------------------------------ view
    def view(self) -> pl.DataFrame:
        """Every parameter of every table in one long frame: the ``policy`` view.

        Columns: ``table, key, parameter, effective_from, effective_to, value,
        source, status, note, policy_id``. ``value`` is the CSV text verbatim; undated
        tables have null windows.

        Examples:
            >>> view = Policy.load().view()
            >>> view.filter(pl.col("policy_id") == "base_limits:2025-01").select("parameter", "value", "status").rows()
            [('policy_year', '2025', 'secondary'), ('average_wage', '7506', 'secondary'),
             ('floor', '4504', 'secondary'), ('ceiling', '22518', 'secondary')]
        """
        parts = []
        for number, spec in enumerate(TABLES):
            typed = self.tables[spec.name]
            raw = self._raw[spec.name]
            windowed = spec.window is not None
            parameters = [
                c
                for c in spec.columns
                if c not in spec.keys and c not in ("effective_from", "effective_to")
            ] or [spec.keys[-1]]  # a table of keys only (category_insurances) shows its last key
            frame = raw.select(parameters).with_columns(
                pl.lit(number).alias("_table_order"),
                pl.int_range(pl.len()).alias("_row"),
                pl.lit(spec.name).alias("table"),
                typed["key"],
                (typed["effective_from"] if windowed else pl.lit(None, pl.Date)).alias(
                    "effective_from"
                ),
                (typed["effective_to"] if windowed else pl.lit(None, pl.Date)).alias(
                    "effective_to"
                ),
                typed["source"],
                typed["status"],
                typed["note"],
                typed["policy_id"],
            )
            long = frame.unpivot(
                on=parameters,
                index=[c for c in frame.columns if c not in parameters],
                variable_name="_parameter",
                value_name="_value",
            ).with_columns(
                pl.col("_parameter")
                .replace_strict({p: i for i, p in enumerate(parameters)}, return_dtype=pl.Int64)
                .alias("_column_order")
            )
            parts.append(long)
        return (
            pl.concat(parts)
            .drop_nulls("_value")
            .sort("_table_order", "_row", "_column_order")
            .select(
                "table",
                "key",
                # late_fee.csv is long already: its key names the parameter
                pl.when(pl.col("table") == "late_fee")
                .then(pl.col("key"))
                .otherwise(pl.col("_parameter"))
                .alias("parameter"),
                "effective_from",
                "effective_to",
                pl.col("_value").alias("value"),
                "source",
                "status",
                "note",
                "policy_id",
            )
        )


def _group_expr(district_group_col: str | None) -> pl.Expr:
    return pl.col(district_group_col).cast(pl.String) if district_group_col else pl.lit("urban")


def _insurance_codes(insurances: Iterable[str]) -> list[str]:
    """Codes of insurances given as codes (``"1"``) or keys (``"pension"``)."""
    by_key = {key: code for code, (key, _) in INSURANCES.items()}
    codes: list[str] = []
    for item in insurances:
        text = str(item)
        code = text if text in INSURANCES else by_key.get(text)
        if code is None:
            known = "、".join(f"{c} {label}" for c, (_, label) in INSURANCES.items())
            msg = f"未知险种 {text}。提示：可用的险种代码为 {known}。"
            raise PolicyError(msg)
        codes.append(code)
    return codes


@cache
def _load_city(city: str) -> Policy:
    if not _CITY_NAME.match(city):
        msg = f"城市名 {city!r} 无效。提示：使用 schemas/policy/ 下的目录名，如 jinan。"
        raise PolicyError(msg)
    directory = schemas_dir() / "policy" / city
    if not directory.is_dir():
        msg = f"没有城市 {city} 的政策参数（缺少 schemas/policy/{city}/）。提示：默认城市为 jinan。"
        raise PolicyError(msg)
    return Policy.from_dir(directory, city=city)
