"""Demo step: 退休管理 and 失业支付 on the sample workspace, with the agency's review.

One realistic case per business, each declared, submitted, reviewed and its result
written to ``out_dir``:

1. 单位审定人信息维护 of the unit a person retired from (在职转退休);
2. 退休申报 of that person (申报年龄 and 累计缴费年限 derived), its 退休申报表 PDF;
3. 遗属申报 for the same person, who died this month: 定期支付金额 460.00, 孤身 → 506.00;
4. 特殊工种认定申报 of a year of a person insured in a unit now;
5. 军转干申报 of a person of that unit;
6. 失业待遇申报 of a person dismissed (221/223) after at least a year: months, amount and
   缴费历史.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from sbbatch import ids
from sbbatch._mask import mask_id
from sbbatch._money import yuan
from sbbatch.declarations._registry_review import PENSION, RETIREMENT_REASON
from sbbatch.declarations._retirement import UNEMPLOYMENT, contribution_months
from sbbatch.declarations.unemployment_benefit import benefit_result
from sbbatch.policy import Policy
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["run"]


def _run(
    kit: DemoKit, ws: Workspace, case: dict[str, Any], unit: str, kind: str
) -> tuple[str, pl.DataFrame]:
    declaration_id = kit.declare(ws, case, unit, kind=kind)
    ws.submit(declaration_id)
    kit.review(ws, declaration_id)
    return declaration_id, kit.result(ws, declaration_id)


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _line(declaration_id: str, table: pl.DataFrame) -> str:
    row = table.row(0, named=True)
    opinion = row["review_opinion"] or ""
    return f"{declaration_id}：{mask_id(row['person_id'])} {row['review_result']} {opinion}".strip()


def _retiree(ws: Workspace) -> dict[str, Any]:
    """The latest person departed with 在职转退休 at or after the statutory month."""
    policy = Policy.load()
    found = samples.retired_persons(ws, PENSION, RETIREMENT_REASON)
    group = policy.retirement_group(pl.col("gender"), pl.col("identity"))
    statutory = policy.retirement_month(pl.col("birth_date"), group)
    ready = found.filter(statutory <= pl.col("until_month")).sort(
        "until_month", "person_id", descending=[True, False]
    )
    return ready.row(0, named=True)


def _load_earlier_history(ws: Workspace, retiree: dict[str, Any]) -> int:
    """Load the retiree's pension history before the sample's first month; return the months.

    The sample world starts in 2022, so nobody in it has 15 years of contributions; a unit
    holds the earlier years from the agency's 参保缴费明细. Here: insured in the same unit
    from the September the person turned 22.
    """
    start = dt.date(retiree["birth_date"].year + 22, 9, 1)
    ws.load(
        insured_periods=pl.DataFrame(
            {
                "unit_id": [retiree["unit_id"]],
                "person_id": [retiree["person_id"]],
                "insurance": [PENSION],
                "person_category": ["11"],
                "from_month": [start],
                "until_month": [retiree["from_month"]],
                "add_reason": ["111"],
            }
        )
    )
    months = contribution_months(ws, pl.Series([retiree["person_id"]]), PENSION)
    return int(months["contribution_months"][0])


def _survivor_id(ws: Workspace) -> str:
    """An ID number of a spouse (born 1968-05-06, female) not in the workspace."""
    for sequence in range(100, 999, 2):
        first17 = f"3701041968050{6}{sequence:03d}"
        number = first17 + str(pl.select(ids.check_char(pl.lit(first17))).item())
        if not samples.is_known(ws, number):
            return number
    msg = "没有可用的示例身份证号码。"  # pragma: no cover
    raise LookupError(msg)


def _insured_now(ws: Workspace) -> dict[str, Any]:
    """A person insured (养老) in a unit now for at least three years: the longest first."""
    return samples.longest_insured_now(ws, PENSION, dt.date(ws.today.year - 3, 1, 1))


def _dismissed(ws: Workspace) -> dict[str, Any]:
    """A person whose last 失业保险 period ended with 221/223, insured nowhere now."""
    return samples.dismissed_person(ws, UNEMPLOYMENT, ("221", "223"), ws.today.replace(day=1))


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run one case of each business of 退休管理 and 失业支付; return (label, outcome) lines."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[str, str]] = []

    retiree = _retiree(ws)
    unit = retiree["unit_id"]
    months = _load_earlier_history(ws, retiree)
    lines.append(("历史参保记录", f"{mask_id(retiree['person_id'])} 养老保险累计 {months} 个月"))
    approver_id, approver = _run(
        kit, ws, {"审定人姓名": "王芳", "联系电话": "0531-86995566"}, unit, "approver_info"
    )
    lines.append(("单位审定人信息维护", f"{approver_id}：{approver['review_result'][0]}"))

    # 退休申报 is for 已减员结清人员 (§5.2): settle the pension account first (退休结清)
    if not samples.is_settled(ws, retiree["person_id"]):
        settlement_id, settlement = _run(
            kit, ws, {"身份证号码": retiree["person_id"]}, unit, "retirement_settlement"
        )
        lines.append(("退休结清", _line(settlement_id, settlement)))
    retirement_case = {
        "身份证号码": retiree["person_id"],
        "姓名": retiree["name"],
        "退休类别": "正常退休",
        "退休日期": retiree["until_month"].strftime("%Y-%m"),
        "社会化管理方式": "社区管理",
        "公安分局": "济南市槐荫区",
        "派出所名称": "营市街",
        "保障中心名称": "营市街(职工)",
        "代发机构": "工商银行(市区)",
        "军转干标志": "否",
    }
    retirement_id, table = _run(kit, ws, retirement_case, unit, "retirement")
    kit.write_review_result(ws, retirement_id, out_dir)
    kit.print_form(ws, retirement_id, out_dir / f"退休申报表_{retirement_id}.pdf")
    lines.append(("退休申报", _line(retirement_id, table)))

    death = ws.today.replace(day=3)
    survivor_case = {
        "社会保障号码": retiree["person_id"],
        "姓名": retiree["name"],
        "离退休日期": retiree["until_month"].isoformat(),
        "死亡日期": death.isoformat(),
        "离退休类别": "正常退休",
        "遗属身份证号码": _survivor_id(ws),
        "遗属姓名": "刘秀英",
        "性别": "女",
        "出生日期": "1968-05-06",
        "与死者关系": "配偶",
        "待遇享受开始年月": _add_months(death.replace(day=1), 1).strftime("%Y-%m"),
        "遗属类别": "退休遗属",
        "社会化管理方式": "社区管理",
        "供养条件": "配偶",
        "孤身标志": "是",
        "建国前标志": "否",
        "单位审定人": "王芳",
        "单位审定人联系电话": "0531-86995566",
        "定期支付金额": "460.00",
        "待遇总额": "506.00",
    }
    survivor_id, table = _run(kit, ws, survivor_case, unit, "survivor")
    kit.write_review_result(ws, survivor_id, out_dir)
    total = samples.survivor_totals(ws, survivor_id)
    amount = f"，待遇总额 {yuan(total[0])} 元" if total.len() else ""
    lines.append(("遗属申报", _line(survivor_id, table) + amount))

    worker = _insured_now(ws)
    start = worker["from_month"]
    special_case = {
        "身份证号码": worker["person_id"],
        "姓名": worker["name"],
        "起始年月": start.strftime("%Y-%m"),
        "终止年月": _add_months(start, 11).strftime("%Y-%m"),
        "特殊工种标识": "高温",
        "特殊工种名称": "炉前工",
        "单位编号": worker["unit_id"],
        "单位名称": worker["unit_name"],
    }
    special_id, table = _run(kit, ws, special_case, worker["unit_id"], "special_job")
    kit.write_review_result(ws, special_id, out_dir)
    lines.append(("特殊工种认定申报", _line(special_id, table)))

    cadre_case = {
        "身份证号码": worker["person_id"],
        "姓名": worker["name"],
        "人员状态": "在职",
        "军队转业年月": f"{worker['birth_date'].year + 30}-01",
        "职务": "营级",
        "入伍时间": f"{worker['birth_date'].year + 18}-09-01",
        "企业性质": "市属非困难",
        "现工作情况": "在岗",
        "是否军转提前退休": "否",
    }
    cadre_id, table = _run(kit, ws, cadre_case, worker["unit_id"], "military_cadre")
    kit.write_review_result(ws, cadre_id, out_dir)
    lines.append(("军转干申报", _line(cadre_id, table)))

    dismissed = _dismissed(ws)
    benefit_id, _ = _run(kit,
        ws, {"身份证号码": dismissed["person_id"], "姓名": dismissed["name"]},
        dismissed["unit_id"], "unemployment_benefit",
    )  # fmt: skip
    benefit = benefit_result(ws, benefit_id, kit.result(ws, benefit_id))
    kit.write_review_result(ws, benefit_id, out_dir)
    row = benefit.row(0, named=True)
    lines.append(
        (
            "失业待遇申报",
            f"{_line(benefit_id, benefit)}：缴费 {row['paid_months']} 个月，"
            f"领取 {row['benefit_months']} 个月，每月 {row['monthly_yuan']} 元",
        )
    )
    return lines
