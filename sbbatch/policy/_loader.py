"""Reading and checking one policy table (政策参数表): types, keys, ids, windows.

Every problem is collected with its file and line and raised as one
:class:`~sbbatch.exceptions.PolicyError` in the manual's voice.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sbbatch._csv import read_commented_csv
from sbbatch.exceptions import PolicyError
from sbbatch.policy._tables import (
    _INSURANCE_KEYS,
    _PROVENANCE,
    _RATE_SCALE,
    PAYERS,
    STATUS_DTYPE,
    STATUSES,
    _Spec,
)


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


class _Checks:
    """Row checks of one frame, all evaluated in ONE ``select`` (one collect).

    Each check is a mask (true where a row is wrong) and a message; :meth:`messages`
    returns one message per wrong row, check by check, in the order the checks were
    added — the same messages, in the same order, as filtering the frame once per
    check, which cost a collect each (about 500 per :meth:`Policy.load`). Messages
    made otherwise (:meth:`extend`) keep their place among them.
    """

    def __init__(self, frame: pl.DataFrame, where: str) -> None:
        self.frame = frame
        self.where = where
        self._items: list[tuple[pl.Expr, str | None, str] | list[str]] = []

    def add(self, mask: pl.Expr, what: str) -> None:
        """A check whose message names the row: ``…第 N 行：what``."""
        self._items.append((mask, None, what))

    def add_value(self, mask: pl.Expr, column: str, reason: str) -> None:
        """A check of one column whose message names the row and the value."""
        self._items.append((mask, column, reason))

    def extend(self, messages: list[str]) -> None:
        """Messages found otherwise, kept in their place."""
        self._items.append(messages)

    def messages(self) -> list[str]:
        """Every message, check by check, row by row."""
        masks = [item[0] for item in self._items if isinstance(item, tuple)]
        flags = (
            self.frame.select(
                mask.fill_null(False).alias(f"_check_{i}") for i, mask in enumerate(masks)
            )
            if masks
            else pl.DataFrame()
        )
        problems: list[str] = []
        checked = 0
        for item in self._items:
            if isinstance(item, list):
                problems += item
                continue
            flag = flags.to_series(checked)
            checked += 1
            if not flag.any():
                continue
            _, column, what = item
            lines = self.frame["_line"].filter(flag).to_list()
            if column is None:
                problems += [f"{self.where} 第 {line} 行：{what}" for line in lines]
            else:
                values = self.frame[column].filter(flag).to_list()
                problems += [
                    f"{self.where} 第 {line} 行：{column} 列的值“{value or ''}”{what}"
                    for line, value in zip(lines, values, strict=True)
                ]
        return problems


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
    """Checks specific to one table, on the typed frame (its masks in one select)."""
    problems = _Checks(frame, where)
    if spec.name in ("rates", "backpay", "rounding"):
        problems.add(pl.col("key").is_null(), "未知的险种代码")
    if spec.name == "rates":
        problems.add(~pl.col("payer").is_in(list(PAYERS)), "payer 应为 unit 或 person")
        problems.add(
            pl.col("rate").is_null() == pl.col("fixed_fen").is_null(),
            "rate 与 fixed_fen 必须且只能填一个",
        )
        injury_unit = (pl.col("insurance") == "4") & (pl.col("payer") == "unit")
        problems.add(
            injury_unit
            != pl.col("unit_risk_class").is_in([str(i) for i in range(1, 9)]).fill_null(False),
            "unit_risk_class 只用于工伤单位费率，取值 1-8",
        )
    if spec.name == "base_limits":
        problems.add(pl.col("floor_fen") > pl.col("ceiling_fen"), "下限高于上限")
        # 60% of the average rounded up, 300% rounded down, in whole yuan (the CSV's rule)
        average = pl.col("average_wage_fen")
        floor_due = (average * 60 + 9_999) // 10_000 * 100
        ceiling_due = average * 300 // 10_000 * 100
        problems.add(
            (pl.col("floor_fen") != floor_due) | (pl.col("ceiling_fen") != ceiling_due),
            "floor / ceiling 与 average_wage 的 60% / 300%（下限进位、上限舍去到元）不符",
        )
    if spec.name == "base_limits":
        # every policy year is a calendar year (README): a row's window lies inside its year
        year = pl.col("policy_year")
        problems.add(
            (pl.col("effective_from").dt.year() != year)
            | (pl.col("effective_to").dt.year() != year).fill_null(False),
            "policy_year 与 effective_from / effective_to 的年份不符（缴费年度为自然年）",
        )
    if spec.name == "minimum_wage":
        problems.add(
            pl.col("tier").n_unique().over("district_group") > 1,
            "同一 district_group 只能有一个 tier（档次）",
        )
    if spec.name == "late_fee":
        rate_rows = pl.col("parameter") == "daily_rate"
        _, too_fine, not_decimal = _scaled(pl.col("value"), _RATE_SCALE)
        problems.add(rate_rows & (too_fine | not_decimal), "日费率应为最多 6 位小数的非负小数")
    if spec.name == "retirement":
        delayed = pl.col("step_months").is_not_null()
        consistent = (delayed == pl.col("max_delay_months").is_not_null()) & (
            delayed == pl.col("first_affected_birth_month").is_not_null()
        )
        problems.add(
            ~consistent,
            "step_months、max_delay_months、first_affected_birth_month 须同时填写或同时留空",
        )
        problems.add(pl.col("step_months") <= 0, "step_months 应为正数")
    if spec.name == "retirement_groups":
        problems.add(~pl.col("gender").is_in(["1", "2"]), "gender 应为 1（男）或 2（女）")
    if spec.name == "min_contribution_years":
        problems.extend(
            _check_bands(frame, "retirement_year_from", "retirement_year_to", True, where)
        )
    if spec.name == "unemployment_duration":
        problems.extend(_check_bands(frame, "min_years", "max_years", False, where))
    if spec.name == "unemployment_benefit":
        # the only basis :meth:`Policy.unemployment_benefit_for` implements: another one
        # must fail loudly rather than be computed as a share of the minimum wage
        problems.add(
            pl.col("basis") != "minimum_wage",
            "basis 只支持 minimum_wage（失业保险金按最低工资标准的比例计算）",
        )
    if spec.name == "enrolment_window":
        problems.add(~pl.col("cutoff_day").is_between(1, 31), "cutoff_day 应在 1-31 之间")
    return problems.messages()


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
    checks = _Checks(lined, where)
    for column, kind in spec.columns.items():
        converted, column_checks = _convert(column, kind)
        exprs += converted
        for mask, reason in column_checks:
            checks.add_value(mask, column, reason)
    checks.add(pl.col("source").is_null(), "source 不能为空")
    checks.add(
        ~pl.col("status").is_in(list(STATUSES)).fill_null(False),
        f"status 只能是 {' / '.join(STATUSES)}",
    )
    problems = checks.messages()
    if problems:
        raise PolicyError(_join_problems(problems))
    typed = (
        lined.lazy()
        .select(*exprs, pl.col("source"), pl.col("status").cast(STATUS_DTYPE), pl.col("note"))
        .with_columns(_key_expr(spec).alias("key"))
        .with_columns(_policy_id_expr(spec).alias("policy_id"))
        .collect()
    )
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
