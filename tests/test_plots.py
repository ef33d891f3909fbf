"""Plots: the right series, Chinese labels in the CJK font, PNGs that are written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from matplotlib.container import BarContainer

from sbbatch import plots, sample
from sbbatch.contributions import contributions
from sbbatch.exceptions import UnusableInputError
from sbbatch.store import Workspace

JAN, FEB, MAR = (dt.date(2026, m, 1) for m in (1, 2, 3))
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def lines() -> pl.DataFrame:
    """Contribution lines of two persons over three months (fen)."""
    rows = []
    for person, wage in (("A", 500000), ("B", 800000)):
        for month in (JAN, FEB, MAR):
            for insurance, payer, ppm in (
                ("1", "unit", 160000),
                ("1", "person", 80000),
                ("3", "unit", 80000),
            ):
                rows.append((person, month, insurance, payer, wage * ppm // 1_000_000))
    return pl.DataFrame(
        rows, schema=["person_id", "month", "insurance", "payer", "amount_fen"], orient="row"
    )


def test_contributions_by_month_stacks_one_series_per_insurance(
    lines: pl.DataFrame, tmp_path: Path
) -> None:
    chart = plots.contributions_by_month(lines)
    axes = chart.axes[0]
    bars = [c for c in axes.containers if isinstance(c, BarContainer)]
    assert [b.get_label() for b in bars] == ["基本养老保险", "职工基本医疗保险"]
    pension = [patch.get_height() for patch in bars[0]]
    assert pension == pytest.approx([(500000 + 800000) * 0.24 / 100] * 3)
    medical_bottoms = [patch.get_y() for patch in bars[1]]
    assert medical_bottoms == pytest.approx(pension)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["2026-01", "2026-02", "2026-03"]
    assert axes.get_ylabel() == "金额（元）"
    assert chart.data["金额（元）"].sum() == pytest.approx(lines["amount_fen"].sum() / 100)
    path = chart.save(tmp_path / "by_month.png")
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000


def test_contributions_by_payer(lines: pl.DataFrame) -> None:
    chart = plots.contributions_by_month(lines, payer="person")
    assert chart.data["险种"].unique().to_list() == ["基本养老保险"]
    assert "个人缴费" in chart.axes[0].get_title(loc="left")


def test_the_labels_use_the_cjk_font(lines: pl.DataFrame) -> None:
    chart = plots.contributions_by_month(lines)
    axes = chart.axes[0]
    texts = [axes._left_title, axes.xaxis.label, axes.yaxis.label, *axes.get_legend().get_texts()]
    assert all(t.get_fontname() == "Noto Sans SC" for t in texts)
    assert chart.png().startswith(PNG)  # no "Glyph missing" warning: warnings are errors here


def test_headcount_from_insured_periods() -> None:
    periods = pl.DataFrame(
        {
            "person_id": ["A", "A", "B", "C"],
            "unit_id": ["U"] * 4,
            "insurance": ["1", "3", "1", "1"],
            "from_month": [JAN, JAN, FEB, JAN],
            "until_month": [None, None, None, MAR],
        }
    )
    chart = plots.headcount_by_status(periods)
    data = chart.data.pivot(on="status", index="month", values="count").sort("month")
    assert data.rows() == [(JAN, 2, 2, 0), (FEB, 3, 1, 0), (MAR, 2, 0, 1)]
    top, bottom = chart.axes
    assert [line.get_label() for line in top.get_lines()] == ["在保"]
    assert [line.get_label() for line in bottom.get_lines()] == ["增员", "减员"]
    assert list(bottom.get_lines()[0].get_ydata()) == [1, 0]  # from the second month


def test_headcount_from_counts_labels_status_codes() -> None:
    counts = pl.DataFrame(
        {"month": [JAN, JAN, FEB], "status": ["1", "2", "1"], "count": [10, 2, 11]}
    )
    chart = plots.headcount_by_status(counts)
    assert [line.get_label() for line in chart.axes[0].get_lines()] == ["参保缴费", "暂停缴费"]


def test_cost_per_person_is_a_monthly_average_histogram(
    lines: pl.DataFrame, tmp_path: Path
) -> None:
    chart = plots.cost_per_person(lines, bins=10)
    assert chart.data.rows() == [("A", 1600.0), ("B", 2560.0)]
    axes = chart.axes[0]
    assert len(axes.patches) == 10
    labels = [line.get_label() for line in axes.get_lines()]
    assert labels == ["中位数 2,080.00 元", "平均数 2,080.00 元"]
    assert axes.get_xlabel() == "每人月均缴费（元）"
    assert plots.cost_per_person(lines, month=None).data["金额（元）"].to_list() == [4800.0, 7680.0]
    assert chart.save(tmp_path / "cost.png").stat().st_size > 5_000


def test_empty_and_wrong_frames() -> None:
    empty = pl.DataFrame(
        schema={
            "person_id": pl.String,
            "month": pl.Date,
            "insurance": pl.String,
            "amount_fen": pl.Int64,
        }
    )
    assert plots.contributions_by_month(empty).data.height == 0
    with pytest.raises(UnusableInputError, match="金额列"):
        plots.cost_per_person(pl.DataFrame({"person_id": ["A"]}))
    with pytest.raises(UnusableInputError, match="month"):
        plots.contributions_by_month(pl.DataFrame({"insurance": ["1"], "amount_fen": [1]}))


def test_one_call_from_the_contributions_of_a_workspace(tmp_path: Path) -> None:
    ws = Workspace(today=dt.date(2026, 11, 26))
    sample.generate(n_units=2, n_persons=30).load_into(ws)
    unit_id = str(ws.table("units")["unit_id"].sort()[0])
    computed = contributions(ws, unit_id=unit_id, months=[JAN, FEB])
    chart = plots.contributions_by_month(computed)
    assert chart.data["金额（元）"].sum() == pytest.approx(computed.total_fen / 100)
    assert plots.headcount_by_status(ws.table("insured_periods")).data.height > 0
    assert chart.save(tmp_path / "c.png").stat().st_size > 10_000
    ws.close()
