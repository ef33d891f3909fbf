"""Plots (图表) where an analyst would rather look than read.

Each function takes a query or contributions frame and draws one figure in one call:

- :func:`contributions_by_month` — contributions by fee month, stacked by insurance
  (险种), in yuan;
- :func:`headcount_by_status` — headcount over time: insured (在保), joined (增员)
  and left (减员) per month, or any ``month, status, count`` frame;
- :func:`cost_per_person` — the distribution of what each person costs a month
  (histogram, with median and mean marked).

Figures are matplotlib's, drawn without pyplot (no global state, no GUI backend), with
every Chinese label in sbbatch's CJK font (:func:`sbbatch.forms._font.cjk_font_path`),
so nothing renders as boxes. The returned :class:`Chart` is a matplotlib ``Figure``
that a notebook shows as a PNG, with :meth:`Chart.save` and the aggregated ``data``
it drew.

Example:
    >>> import datetime as dt
    >>> import polars as pl
    >>> lines = pl.DataFrame({
    ...     "person_id": ["A", "A", "B"], "month": [dt.date(2026, 1, 1)] * 3,
    ...     "insurance": ["1", "3", "1"], "amount_fen": [40000, 10000, 50000]})
    >>> chart = contributions_by_month(lines)
    >>> chart.data.rows()
    [(datetime.date(2026, 1, 1), '基本养老保险', 900.0), (datetime.date(2026, 1, 1), '职工基本医疗保险', 100.0)]
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
import polars as pl
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sbbatch import codes
from sbbatch.exceptions import UnusableInputError
from sbbatch.forms._font import cjk_font_path

__all__ = [
    "Chart",
    "contributions_by_month",
    "cost_per_person",
    "headcount_by_status",
    "reconciliation_by_month",
]

_AMOUNT_CANDIDATES = ("amount_fen", "total_fen", "contribution_fen")
_COLOURS = ("#3a6ea5", "#e07b39", "#4f9d69", "#c0504d", "#8064a2", "#4bacc6", "#9b9b9b")
_PAYERS = {"unit": "单位", "person": "个人", "单位": "单位", "个人": "个人"}


@cache
def _font_family() -> str:
    """Register the CJK font with matplotlib once and return its family name."""
    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def _rc() -> dict[str, Any]:
    return {
        "font.family": [_font_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e3e7ec",
        "axes.axisbelow": True,
        "legend.frameon": False,
    }


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(cast(Any, _rc())):
        yield


class Chart(Figure):
    """A matplotlib figure with the CJK font, :meth:`save` and the data it drew.

    Attributes:
        data: The aggregated frame the figure shows (yuan, Chinese labels).
    """

    data: pl.DataFrame

    def draw(self, renderer: Any) -> None:
        """Draw with sbbatch's font settings, however the figure is rendered."""
        with _style():
            super().draw(renderer)

    def save(self, path: str | Path, *, dpi: int = 150) -> Path:
        """Write the figure (PNG, PDF or SVG by the suffix); return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with _style():
            self.savefig(target, dpi=dpi)
        return target

    def png(self, *, dpi: int = 110) -> bytes:
        """Return the figure as PNG bytes."""
        buffer = io.BytesIO()
        with _style():
            self.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()


def _new_chart(width: float = 9.0, height: float = 4.8) -> tuple[Chart, Axes]:
    chart = Chart(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(chart)
    axes = chart.add_subplot()
    return chart, axes


def _yuan_axis(axes: Axes, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _pos: f"{value:,.0f}")
    (axes.yaxis if axis == "y" else axes.xaxis).set_major_formatter(formatter)


def _amount(frame: pl.DataFrame, amount: str | None) -> tuple[str, pl.Expr]:
    """Return the amount column and an expression of it in yuan (Float64)."""
    if amount is None:
        found = [c for c in _AMOUNT_CANDIDATES if c in frame.columns]
        found += [c for c in frame.columns if c.endswith("_fen") and c not in found]
        if not found:
            msg = f"找不到金额列（如 amount_fen）。提示：用 amount= 指定，现有列：{'、'.join(frame.columns)}。"
            raise UnusableInputError(msg)
        amount = found[0]
    if amount not in frame.columns:
        msg = f"没有金额列「{amount}」。"
        raise UnusableInputError(msg)
    value = pl.col(amount).cast(pl.Float64)
    return amount, (value / 100 if amount.endswith("_fen") else value)


def _frame(data: Any) -> pl.DataFrame:
    """Accept a frame, a lazy frame, or an object with a ``detail`` frame (Contributions)."""
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    if isinstance(data, pl.DataFrame):
        return data
    detail = getattr(data, "detail", None)
    if isinstance(detail, pl.DataFrame):
        return detail
    msg = f"不能用 {type(data).__name__} 画图。提示：请传入 polars DataFrame（如 contributions(ws).detail）。"
    raise UnusableInputError(msg)


def _need(frame: pl.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"画图所需的列不存在：{'、'.join(missing)}。现有列：{'、'.join(frame.columns)}。"
        raise UnusableInputError(msg)


def _insurance_labels() -> dict[str, str]:
    table = codes.table("insurance")
    labels = dict(zip(table["code"].to_list(), table["label"].to_list(), strict=True))
    labels.update(dict(zip(table["key"].to_list(), table["label"].to_list(), strict=True)))
    return labels


def _month_text(month: Any) -> str:
    return month.strftime("%Y-%m") if isinstance(month, dt.date) else str(month)


def _empty(axes: Axes, chart: Chart, data: pl.DataFrame) -> Chart:
    axes.text(
        0.5,
        0.5,
        "无数据",
        ha="center",
        va="center",
        fontsize=16,
        color="#888",
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])
    chart.data = data
    return chart


def contributions_by_month(
    frame: pl.DataFrame | pl.LazyFrame | Any,
    *,
    month: str = "month",
    insurance: str = "insurance",
    amount: str | None = None,
    payer: str | None = None,
    title: str | None = None,
) -> Chart:
    """Draw contributions by fee month as bars stacked by insurance (险种).

    Args:
        frame: Contribution or bill lines: a month, an insurance (code, English key
            or label) and an amount (``amount_fen`` … in fen, or yuan otherwise);
            a :class:`sbbatch.contributions.Contributions` is taken by its detail.
        month: The month column (费款所属期).
        insurance: The insurance column.
        amount: The amount column; found by name when omitted.
        payer: Only this payer's part: ``"unit"`` (单位) or ``"person"`` (个人),
            from a ``payer`` column; both by default.
        title: The title; 「缴费金额（按月、险种）」 by default.

    Returns:
        The :class:`Chart`; ``data`` has ``month``, ``险种``, ``金额（元）``.
    """
    frame = _frame(frame)
    _need(frame, month, insurance)
    _, yuan = _amount(frame, amount)
    if payer is not None:
        _need(frame, "payer")
        wanted = [k for k, v in _PAYERS.items() if v == _PAYERS.get(payer, payer)]
        frame = frame.filter(pl.col("payer").is_in(wanted))
    labels = _insurance_labels()
    data = (
        frame.group_by(
            pl.col(month).alias("month"), pl.col(insurance).cast(pl.String).alias("_ins")
        )
        .agg(yuan.sum().alias("金额（元）"))
        .with_columns(pl.col("_ins").replace(labels).alias("险种"))
        .group_by("month", "险种")
        .agg(pl.col("金额（元）").sum())
        .sort("month", "险种")
        .select("month", "险种", "金额（元）")
    )
    who = f"（{_PAYERS.get(payer, payer)}缴费）" if payer else ""
    with _style():
        chart, axes = _new_chart()
        axes.set_title(title or f"缴费金额（按月、险种）{who}", fontsize=13, loc="left")
        if data.height == 0:
            return _empty(axes, chart, data)
        months = data["month"].unique().sort().to_list()
        order = (
            data.group_by("险种")
            .agg(pl.col("金额（元）").sum())
            .sort("金额（元）", descending=True)
        )["险种"].to_list()
        positions = list(range(len(months)))
        bottom = [0.0] * len(months)
        for index, name in enumerate(order):
            part = dict(
                data.filter(pl.col("险种") == name).select("month", "金额（元）").iter_rows()
            )
            heights = [float(part.get(m, 0.0)) for m in months]
            axes.bar(
                positions,
                heights,
                bottom=bottom,
                label=name,
                width=0.72,
                color=_COLOURS[index % len(_COLOURS)],
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_xticks(positions, [_month_text(m) for m in months])
        step = max(1, len(months) // 12)
        for i, label in enumerate(axes.get_xticklabels()):
            label.set_visible(i % step == 0)
            label.set_rotation(45 if len(months) > 6 else 0)
            label.set_horizontalalignment("right" if len(months) > 6 else "center")
        axes.set_xlabel("费款所属期")
        axes.set_ylabel("金额（元）")
        axes.grid(axis="x", visible=False)
        _yuan_axis(axes)
        axes.legend(title="险种", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    chart.data = data
    return chart


def _headcount_from_periods(frame: pl.DataFrame, person: str) -> pl.DataFrame:
    """Count in force, joining and leaving persons per month from insured periods."""
    spells = frame.select(
        pl.col(person).alias("_p"),
        *([pl.col("unit_id")] if "unit_id" in frame.columns else []),
        pl.col("from_month"),
        pl.col("until_month"),
    ).unique()
    last = cast(
        dt.date,
        spells.select(
            pl.max_horizontal(pl.col("from_month").max(), pl.col("until_month").max())
        ).item(),
    )
    first = cast(dt.date | None, spells["from_month"].min())
    if first is None:
        return pl.DataFrame(schema={"month": pl.Date, "status": pl.String, "count": pl.Int64})
    months = pl.DataFrame({"month": pl.date_range(first, last, interval="1mo", eager=True)})
    joined = spells.group_by(pl.col("from_month").alias("month")).agg(pl.len().alias("增员"))
    left = (
        spells.filter(pl.col("until_month").is_not_null())
        .group_by(pl.col("until_month").alias("month"))
        .agg(pl.len().alias("减员"))
    )
    counts = (
        months.join(joined, on="month", how="left")
        .join(left, on="month", how="left")
        .with_columns(pl.col("增员", "减员").fill_null(0).cast(pl.Int64))
        .sort("month")
        .with_columns((pl.col("增员").cum_sum() - pl.col("减员").cum_sum()).alias("在保"))
    )
    return counts.unpivot(
        index="month", on=["在保", "增员", "减员"], variable_name="status", value_name="count"
    )


def headcount_by_status(
    frame: pl.DataFrame | pl.LazyFrame | Any,
    *,
    month: str = "month",
    status: str = "status",
    count: str = "count",
    person: str = "person_id",
    title: str | None = None,
) -> Chart:
    """Draw headcount over time, one line per status.

    Args:
        frame: Either insured periods (``person_id``, ``from_month``,
            ``until_month``; one row per insurance is fine) — then the lines are
            在保 (insured in the month) in a top panel, 增员 and 减员 of each
            month below it (from the second month: in the first, everybody already
            on the books looks new); a spell ends at ``until_month``, the first
            month no longer insured — or counts already made: ``month``,
            ``status``, ``count``, one line each.
        month: The month column of a counts frame.
        status: The status column of a counts frame (codes of 参保状态 are shown
            as labels).
        count: The count column of a counts frame.
        person: The person column of a periods frame.
        title: The title; 「参保人数变化」 by default.

    Returns:
        The :class:`Chart`; ``data`` has ``month``, ``status``, ``count``.
    """
    frame = _frame(frame)
    flows = {"from_month", "until_month"} <= set(frame.columns)
    if flows:
        _need(frame, person)
        data = _headcount_from_periods(frame, person)
    else:
        _need(frame, month, status, count)
        labels = dict(
            zip(
                *(codes.table("insured_status")[c].to_list() for c in ("code", "label")),
                strict=True,
            )
        )
        data = (
            frame.select(
                pl.col(month).alias("month"),
                pl.col(status).cast(pl.String).replace(labels).alias("status"),
                pl.col(count).cast(pl.Int64).alias("count"),
            )
            .group_by("month", "status")
            .agg(pl.col("count").sum())
            .sort("month", "status")
        )
    with _style():
        if flows:
            chart = Chart(figsize=(9.0, 5.6), layout="constrained")
            FigureCanvasAgg(chart)
            axes, lower = chart.subplots(2, 1, sharex=True, height_ratios=(3, 1.6))
        else:
            chart, axes = _new_chart()
            lower = None
        axes.set_title(title or "参保人数变化", fontsize=13, loc="left")
        if data.height == 0:
            if lower is not None:
                lower.set_visible(False)
            return _empty(axes, chart, data)
        statuses = data["status"].unique(maintain_order=True).to_list()
        for index, name in enumerate(statuses):
            part = data.filter(pl.col("status") == name).sort("month")
            target = axes
            if lower is not None and name != "在保":
                target = lower
                part = part.slice(1)  # the first month's 增员 is the opening stock
            target.plot(
                part["month"].to_list(),
                part["count"].to_list(),
                label=name,
                color=_COLOURS[index % len(_COLOURS)],
                linewidth=2 if index == 0 else 1.4,
                marker="o" if part.height <= 24 else None,
                markersize=3,
            )
        for target in (axes, lower):
            if target is None:
                continue
            target.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
            target.yaxis.set_major_locator(MaxNLocator(integer=True))
            target.set_ylabel("人数")
            target.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        bottom = lower if lower is not None else axes
        bottom.set_xlabel("年月")
        if lower is not None:
            lower.set_title("每月增员、减员", fontsize=10, loc="left", color="#444")
        for label in bottom.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    chart.data = data
    return chart


def cost_per_person(
    frame: pl.DataFrame | pl.LazyFrame | Any,
    *,
    person: str = "person_id",
    month: str | None = "month",
    amount: str | None = None,
    payer: str | None = None,
    bins: int = 30,
    title: str | None = None,
) -> Chart:
    """Draw the distribution of the cost per person (histogram), median and mean marked.

    Args:
        frame: Contribution or bill lines: a person, an amount and, usually, a month.
        person: The person column.
        month: With a month column, each person's cost is their average per month
            (月均); ``None`` sums everything per person.
        amount: The amount column; found by name when omitted.
        payer: Only ``"unit"`` (单位) or ``"person"`` (个人) amounts.
        bins: Number of bars.
        title: The title.

    Returns:
        The :class:`Chart`; ``data`` has ``person_id`` and ``金额（元）``.
    """
    frame = _frame(frame)
    _need(frame, person)
    _, yuan = _amount(frame, amount)
    if payer is not None:
        _need(frame, "payer")
        wanted = [k for k, v in _PAYERS.items() if v == _PAYERS.get(payer, payer)]
        frame = frame.filter(pl.col("payer").is_in(wanted))
    per_month = month is not None and month in frame.columns
    if per_month:
        assert month is not None
        data = (
            frame.group_by(pl.col(person).alias("person_id"), pl.col(month))
            .agg(yuan.sum().alias("_m"))
            .group_by("person_id")
            .agg(pl.col("_m").mean().alias("金额（元）"))
        )
    else:
        data = frame.group_by(pl.col(person).alias("person_id")).agg(yuan.sum().alias("金额（元）"))
    data = data.sort("person_id")
    who = _PAYERS.get(payer, payer) if payer else ""
    what = f"每人月均{who}缴费" if per_month else f"每人{who}缴费合计"
    with _style():
        chart, axes = _new_chart(8.0, 4.6)
        axes.set_title(title or f"{what}分布（{data.height:,} 人）", fontsize=13, loc="left")
        if data.height == 0:
            return _empty(axes, chart, data)
        values = data["金额（元）"].to_list()
        axes.hist(values, bins=bins, color=_COLOURS[0], edgecolor="white", label="人数")
        median = float(cast(float, data["金额（元）"].median() or 0.0))
        mean = float(cast(float, data["金额（元）"].mean() or 0.0))
        axes.axvline(
            median,
            color=_COLOURS[1],
            linestyle="--",
            linewidth=1.5,
            label=f"中位数 {median:,.2f} 元",
        )
        axes.axvline(
            mean, color=_COLOURS[3], linestyle=":", linewidth=1.5, label=f"平均数 {mean:,.2f} 元"
        )
        axes.set_xlabel(f"{what}（元）")
        axes.set_ylabel("人数")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        _yuan_axis(axes, "x")
        axes.grid(axis="x", visible=False)
        axes.legend(loc="upper right")
    chart.data = data
    return chart


def reconciliation_by_month(result: Any, *, title: str | None = None) -> Chart:
    """Draw the differences of a reconciliation (对账) by fee month, stacked by cause.

    Args:
        result: A :class:`sbbatch.reconcile.ReconcileResult` (its ``lines``).
        title: The title; 「对账差异（按月、原因）」 by default.

    Returns:
        The :class:`Chart`; ``data`` has ``month``, ``比对``, ``差异原因``, ``差额（元）``
        (source − sbbatch's calculation; the agency's lines with both payers, the
        payroll's with the person's part).
    """
    lines: pl.DataFrame = result.lines
    agency = lines.filter(pl.col("agency_cause").is_not_null()).select(
        "month",
        pl.lit("社保经办机构").alias("比对"),
        pl.col("agency_cause").alias("差异原因"),
        (
            pl.col("agency_unit_fen").fill_null(0)
            + pl.col("agency_person_fen").fill_null(0)
            - pl.col("ours_unit_fen").fill_null(0)
            - pl.col("ours_person_fen").fill_null(0)
        ).alias("_fen"),
    )
    payroll = lines.filter(pl.col("payroll_cause").is_not_null()).select(
        "month",
        pl.lit("工资表").alias("比对"),
        pl.col("payroll_cause").alias("差异原因"),
        (pl.col("payroll_person_fen").fill_null(0) - pl.col("ours_person_fen").fill_null(0)).alias(
            "_fen"
        ),
    )
    data = (
        pl.concat([agency, payroll])
        .group_by("month", "比对", "差异原因")
        .agg((pl.col("_fen").sum() / 100).alias("差额（元）"))
        .sort("month", "比对", "差异原因")
    )
    with _style():
        chart, axes = _new_chart()
        axes.set_title(title or "对账差异（按月、原因）", fontsize=13, loc="left")
        if data.height == 0:
            return _empty(axes, chart, data)
        groups = data.select("month", "比对").unique().sort("month", "比对").rows()
        causes = data["差异原因"].unique().sort().to_list()
        positions = list(range(len(groups)))
        up = [0.0] * len(groups)
        down = [0.0] * len(groups)
        for index, cause in enumerate(causes):
            part = {
                (m, c): v
                for m, c, v in data.filter(pl.col("差异原因") == cause)
                .select("month", "比对", "差额（元）")
                .iter_rows()
            }
            heights = [float(part.get(g, 0.0)) for g in groups]
            bottoms = [up[i] if h >= 0 else down[i] for i, h in enumerate(heights)]
            axes.bar(
                positions,
                heights,
                bottom=bottoms,
                label=cause,
                width=0.6,
                color=_COLOURS[index % len(_COLOURS)],
            )
            for i, h in enumerate(heights):
                if h >= 0:
                    up[i] += h
                else:
                    down[i] += h
        axes.axhline(0, color="#333333", linewidth=0.8)
        axes.set_xticks(positions, [f"{_month_text(m)}\n{c}" for m, c in groups])
        axes.set_ylabel("差额（元，来源 − sbbatch）")
        axes.grid(axis="x", visible=False)
        _yuan_axis(axes)
        axes.legend(title="差异原因", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    chart.data = data.select("month", "比对", "差异原因", "差额（元）")
    return chart
