"""Demo step: a month of 增员 and 减员 on the sample workspace, with the agency's review.

On the agency's date the agency accepts 增员/减员 for one month (the current one, or the
next after the cut-off day). The step picks the unit with the most insured persons and:

1. writes a 批量增员 batch file of 30 persons (27 new hires, generated from another
   seed of the sample world, and four rows that the review should catch or flag: one
   already insured in another unit, one past the retirement age, one with an earlier
   month (往月, 补缴 instead), one woman without 个人身份 checked as a worker);
2. checks it, declares it, submits it, reviews it, writes the result xlsx and prints
   the 增员表 PDF, marks it read (the failed rows become a new draft), corrects the
   early month in that draft, voids the two rows that cannot pass, and declares again;
3. does the same with a 批量减员 of four persons (one 在职转退休 below the age: a 提示);
4. changes the 减员原因 of one departed person (减员原因变更).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch import ids
from sbbatch.declarations._registry_review import PENSION, accepted_month
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["new_hires", "run"]

#: Seed of the sample world the new hires come from (another world than the workspace's).
HIRES_SEED = 7
HIRES = 27


def _unit(ws: Workspace) -> str:
    """The unit with the most persons insured now (ties: lowest number)."""
    return samples.largest_unit(ws)


def _make_id(region: str, born: dt.date, sequence: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    check_char = pl.select(ids.check_char(pl.lit(first17))).item()
    return f"{first17}{check_char}"


def new_hires(kit: DemoKit, ws: Workspace, month: dt.date, count: int = HIRES) -> pl.DataFrame:
    """Return ``count`` persons of working age not yet in the workspace, as enrolment rows."""
    persons = kit.generate(seed=HIRES_SEED, n_units=1, n_persons=count * 3).persons
    known = samples.known_ids(ws, persons["person_id"].to_list())
    age_months = (month.year * 12 + month.month) - (
        pl.col("birth_date").dt.year() * 12 + pl.col("birth_date").dt.month()
    )
    return (
        persons.filter(~pl.col("person_id").is_in(known.implode()))
        .filter(age_months.is_between(18 * 12, 45 * 12))
        .head(count)
        .select(
            "person_id",
            "name",
            "gender",
            "birth_date",
            "phone",
            "employment_form",
            "ethnicity",
            "hukou_type",
            "identity",
            "address",
            pl.lit("111").alias("add_reason"),
            pl.lit(month).alias("month"),
            pl.lit("11").alias("person_category"),
        )
    )


def _enrolment_rows(kit: DemoKit, ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    hires = new_hires(kit, ws, month)
    elsewhere = samples.insured_elsewhere(ws, unit_id, PENSION)
    extra = pl.DataFrame(
        {
            "person_id": [
                elsewhere["person_id"][0],
                _make_id("370102", dt.date(1960, 3, 15), "031"),
                _make_id("370103", dt.date(1975, 6, 8), "042"),
            ],
            "name": [elsewhere["name"][0], "王建国", "赵秀英"],
            "gender": [elsewhere["gender"][0], "1", "2"],
            "birth_date": [elsewhere["birth_date"][0], dt.date(1960, 3, 15), dt.date(1975, 6, 8)],
        }
    ).with_columns(
        pl.lit("2").alias("employment_form"),
        pl.lit("111").alias("add_reason"),
        pl.lit(month).alias("month"),
        pl.lit("11").alias("person_category"),
    )
    rows = pl.concat([hires, extra], how="diagonal_relaxed")
    # one new hire declared for the month before: the agency no longer takes it (补缴)
    early = dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return rows.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit(early)).otherwise("month").alias("month")
    )


def _cycle(
    kit: DemoKit,
    ws: Workspace,
    kind: str,
    rows: pl.DataFrame,
    unit_id: str,
    out_dir: Path,
    stem: str,
) -> tuple[str, pl.DataFrame, str | None]:
    """Batch file → check → declare → submit → review → result xlsx → PDF → mark read."""
    declaration = kit.get(kind)
    batch_file = kit.write_template(declaration, out_dir / f"{stem}_报盘.xlsx", rows)
    batch = kit.check(batch_file, kind, today=ws.today)
    declaration_id = kit.declare(ws, batch, unit_id)
    ws.submit(declaration_id)
    result = kit.review(ws, declaration_id)
    kit.write_review_result(ws, declaration_id, out_dir)  # <业务>_审核结果.xlsx
    if (result["review_result"] == "审核成功").any():
        kit.print_form(ws, declaration_id, out_dir / f"{stem}_{declaration_id}.pdf")
    redraft = ws.mark_read(declaration_id)
    return declaration_id, result, redraft


def _counts(result: pl.DataFrame) -> str:
    approved = int((result["review_result"] == "审核成功").sum())
    return f"共{result.height}人，审核成功 {approved} 人，不通过 {result.height - approved} 人"


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run the month's 增员, 减员 and 减员原因变更 on the sample workspace.

    Returns:
        (item, value) lines for the demo's closing summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    unit_id = _unit(ws)
    month = accepted_month(ws, "enrolment")
    lines: list[tuple[str, str]] = [("增减员受理年月", f"{month:%Y-%m}（经办日期 {ws.today}）")]

    # 增员: the batch, then the failed rows once more
    rows = _enrolment_rows(kit, ws, unit_id, month)
    enrolment_id, result, redraft = _cycle(kit, ws, "enrolment", rows, unit_id, out_dir, "增员")
    lines.append(("批量增员申报", f"{enrolment_id}：{_counts(result)}"))
    reasons = result.filter(pl.col("review_result") == "不通过")["review_opinion"].to_list()
    lines.extend(("　不通过", reason) for reason in reasons)
    warned = result.filter(
        (pl.col("review_result") == "审核成功") & pl.col("review_opinion").str.contains("提示")
    )["review_opinion"]
    lines.extend(("　提示", text) for text in warned.to_list())
    if redraft is not None:
        failed = ws.declaration_rows(redraft)
        fixable = failed.filter(pl.col("month") < month)
        if fixable.height:
            corrected = fixable.with_columns(pl.lit(month).alias("month")).drop(
                "row_no", "review_result", "review_opinion"
            )
            ws.modify_declaration(redraft, corrected, note="改为本期受理年月；其余人员不再申报")
            ws.submit(redraft)
            again = kit.review(ws, redraft)
            kit.write_review_result(ws, redraft, out_dir / "增员申报_重报_审核结果.xlsx")
            kit.print_form(ws, redraft, out_dir / f"增员_重报_{redraft}.pdf")
            ws.mark_read(redraft)
            lines.append(("增员重报（修改增员年月）", f"{redraft}：{_counts(again)}"))
        else:
            ws.void(redraft)

    # 减员: four insured persons of the unit, one of them 在职转退休 below the age
    leavers = samples.staff_now(ws, unit_id, limit=4, new_only=True).with_columns(
        pl.lit(month).alias("month"),
        pl.Series("leave_reason", ["221", "222", "221", "251"]),
    )
    departure_id, result, redraft = _cycle(kit, ws, "departure", leavers, unit_id, out_dir, "减员")
    lines.append(("批量减员申报", f"{departure_id}：{_counts(result)}"))
    warnings = result.filter(pl.col("review_opinion").str.contains("提示"))["review_opinion"]
    lines.extend(("　提示", text) for text in warnings.to_list())
    if redraft is not None:
        ws.void(redraft)

    # 减员原因变更: the first leaver resigned (辞职) rather than had the contract ended
    change = {
        "身份证号码": leavers["person_id"][0],
        "姓名": leavers["name"][0],
        "减员原因": "在职人员辞职",
    }
    change_id = kit.declare(ws, change, unit_id, kind="leave_reason_change")
    ws.submit(change_id)
    result = kit.review(ws, change_id)
    kit.write_review_result(ws, change_id, out_dir)
    ws.mark_read(change_id)
    lines.append(
        (
            "减员原因变更",
            f"{change_id}：{result['review_opinion'][0] or result['review_result'][0]}",
        )
    )
    return lines
