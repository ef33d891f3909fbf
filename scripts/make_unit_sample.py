"""Write sample_data/my_unit/: one unit's agency exports and this month's HR roster.

The README walk (init → load → roster → check → declare → review → contributions →
reconcile → 概况) runs on these files. They come from the seeded sample world
(:func:`sbbatch.sample.generate`), unit 0017365116 济南金泉机械制造有限公司, as the agency
would give them back on 2026-11-20, and from an HR roster of 2026-11 with new hires,
leavers, base changes and a few planted problems. Deterministic: running it again
writes the same content (``tests/unit_files/test_sample_unit.py`` checks the counts).

Run: ``.venv/bin/python scripts/make_unit_sample.py``
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import xlsxwriter
import xlwt  # the agency's downloads are .xls (BIFF); xlwt is a dev dependency

from sbbatch import codes
from sbbatch.ids import check_char
from sbbatch.policy import half_up_fen
from sbbatch.reconcile import own_lines
from sbbatch.sample import SampleWorld, generate
from sbbatch.store import Workspace

UNIT = "0017365116"
AS_OF = dt.date(2026, 11, 1)  # the snapshot's month (the agency's data up to 2026-11)
OUT = Path(__file__).resolve().parents[1] / "sample_data" / "my_unit"


def _label(table: str, code_column: pl.Expr) -> pl.Expr:
    return codes.to_label(code_column, table)


def _yuan(fen: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.String).str.zfill(2))


def _pid(first17: str) -> str:
    return first17 + pl.select(check_char(pl.lit(first17))).item()


def _write_xlsx(path: Path, frame: pl.DataFrame, *, title: str | None = None) -> None:
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet("Sheet1")
    text = book.add_format({"num_format": "@"})
    first = 0
    if title:
        sheet.write_string(0, 0, title)
        first = 1
    for c, name in enumerate(frame.columns):
        sheet.write_string(first, c, name)
        sheet.set_column(c, c, 14 if "号" not in name else 22, text)
    for r, row in enumerate(frame.iter_rows(), start=first + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            sheet.write_string(r, c, str(value))
    book.close()


def _write_xls(path: Path, frame: pl.DataFrame, *, title: str) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, title)
    for c, name in enumerate(frame.columns):
        sheet.write(1, c, name)
    for r, row in enumerate(frame.iter_rows(), start=2):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, str(value))
    book.save(str(path))


def main() -> None:
    world = generate()
    OUT.mkdir(parents=True, exist_ok=True)
    unit = world.units.filter(pl.col("unit_id") == UNIT)
    spells = world.insured_periods.filter(
        (pl.col("unit_id") == UNIT) & (pl.col("insurance") == "1")
    ).select("person_id", "person_category", "from_month", "until_month", "leave_reason")
    wages = world.wage_bases.filter(pl.col("unit_id") == UNIT)

    # 单位信息 (单位信息查询)
    _write_xlsx(
        OUT / "单位信息.xlsx",
        unit.select(
            pl.col("unit_id").alias("单位编号"),
            pl.col("name").alias("单位名称"),
            _label("unit_type", pl.col("unit_type")).alias("单位类型"),
            pl.col("risk_class").cast(pl.String).alias("工伤行业类别"),
            _label("payment_method", pl.col("payment_method")).alias("缴费方式"),
            pl.col("bank").alias("开户银行"),
            pl.col("county_code").alias("所在区县"),
            pl.lit("济南市社会保险事业中心").alias("经办机构"),
            pl.lit(spells["from_month"].min()).dt.strftime("%Y-%m-%d").alias("参保日期"),
        ),
        title="单位信息查询",
    )

    # 单位人员信息 (.xls, as downloaded): every person with a spell here, current base
    latest = (
        wages.filter(pl.col("month") <= AS_OF)
        .sort("month")
        .group_by("person_id")
        .agg(pl.col("wage_fen").last())
    )
    persons = (
        spells.join(world.persons, on="person_id")
        .join(latest, on="person_id", how="left")
        .sort("from_month", "person_id")
    )
    _write_xls(
        OUT / "单位人员信息.xls",
        persons.select(
            pl.col("person_id").alias("社会保障号码"),
            pl.col("name").alias("姓名"),
            _label("gender", pl.col("gender")).alias("性别"),
            pl.col("birth_date").dt.strftime("%Y-%m-%d").alias("出生日期"),
            _label("identity", pl.col("identity")).alias("个人身份"),
            _label("person_category", pl.col("person_category")).alias("人员类别"),
            pl.col("from_month").dt.strftime("%Y-%m").alias("参保年月"),
            pl.col("until_month").dt.strftime("%Y-%m").alias("减员年月"),
            _label("leave_reason", pl.col("leave_reason")).alias("减员原因"),
            pl.when(pl.col("until_month").is_null())
            .then(_yuan(pl.col("wage_fen")))
            .otherwise(pl.lit(None, pl.String))
            .alias("缴费基数"),
            pl.col("phone").alias("手机号码"),
        ),
        title="单位人员信息查询",
    )

    # 缴费工资 history 2026-01 … 2026-10, a GB18030 csv as older tools write
    history = (
        wages.filter(pl.col("month").is_between(dt.date(2026, 1, 1), dt.date(2026, 10, 1)))
        .join(world.persons.select("person_id", "name"), on="person_id")
        .sort("month", "person_id")
        .select(
            pl.col("person_id").alias("社会保障号码"),
            pl.col("name").alias("姓名"),
            pl.col("month").dt.strftime("%Y-%m").alias("费款所属期"),
            _yuan(pl.col("wage_fen")).alias("缴费工资"),
        )
    )
    (OUT / "缴费工资.csv").write_bytes(history.write_csv().encode("gb18030"))

    # 花名册 2026-11 from HR: the insured staff, with this month's changes
    active = persons.filter(pl.col("until_month").is_null() | (pl.col("until_month") > AS_OF)).sort(
        "person_id"
    )
    ids = active["person_id"].to_list()
    raised = set(ids[0:4])  # 基数变化: +8 %, rounded to 10 yuan
    leavers = {ids[4]: "2026-10-31", ids[5]: "2026-11-15"}  # 离职
    missing = ids[6]  # 不在花名册 (HR forgot her, or she left without notice)
    roster = active.filter(pl.col("person_id") != missing).select(
        pl.format("JQ{}", pl.int_range(1001, 1001 + pl.len()).cast(pl.String)).alias("工号"),
        pl.col("name").alias("姓名"),
        pl.col("person_id").alias("身份证号"),
        pl.lit("生产部").alias("部门"),
        pl.col("from_month").dt.strftime("%Y-%m-%d").alias("入职日期"),
        pl.col("person_id").replace_strict(leavers, default=None).alias("离职日期"),
        pl.when(pl.col("person_id").is_in(list(raised)))
        .then(_yuan(((pl.col("wage_fen") * 108 // 100 + 500) // 1000) * 1000))
        .otherwise(_yuan(pl.col("wage_fen")))
        .alias("社保基数"),
        _label("person_category", pl.col("person_category")).alias("人员类别"),
        pl.col("phone").alias("联系电话"),
    )
    extra = pl.DataFrame(
        {
            "工号": ["JQ2001", "JQ2002", "JQ2003", "JQ2004", "JQ2005", "JQ2006", "JQ2007"],
            "姓名": ["孙浩然", "周雨桐", "吴建国", "郑晓雯", "冯志强", "陈思远", "褚立新"],
            "身份证号": [
                _pid("37010219980712301"),  # 新入职 2026-11-05
                _pid("37011219990223402"),  # 新入职 2026-10-20 (after last month's cut-off)
                _pid("37010219640815101"),  # 新入职, born 1964: past retirement age
                _pid("37010319970101202"),  # 未到入职日期 (2026-12-01)
                "370102199507143015",  # planted: wrong check digit
                _pid("37010219930909301"),  # planted: 离职日期 before 入职日期
                _pid("37010219890505402"),  # 已离职未参保: left before being insured here
            ],
            "部门": ["生产部", "质检部", "后勤部", "生产部", "生产部", "销售部", "生产部"],
            "入职日期": [
                "2026-11-05",
                "2026-10-20",
                "2026-11-02",
                "2026-12-01",
                "2026-11-03",
                "2026-11-10",
                "2026-09-01",
            ],
            "离职日期": [None, None, None, None, None, "2026-11-01", "2026-09-20"],
            "社保基数": [
                "6500.00",
                "5200.00",
                "4800.00",
                "6000.00",
                "5000.00",
                "5000.00",
                "4500.00",
            ],
            "人员类别": ["城镇制", "农合制", "城镇制", "城镇制", "城镇制", "城镇制", "城镇制"],
            "联系电话": [
                "13905310001",
                "13905310002",
                "13905310003",
                "13905310004",
                "13905310005",
                "13905310006",
                "13905310007",
            ],
        }
    )
    _write_xlsx(OUT / "花名册_2026-11.xlsx", pl.concat([roster, extra]))
    (OUT / "花名册映射.yaml").write_text(
        "# 人事系统花名册 → sbbatch 花名册列：改列名、统一默认值（sbbatch roster --map）\n"
        "columns:\n"
        "  身份证号: 身份证号码\n"
        "  社保基数: 缴费基数\n"
        "  联系电话: 手机号码\n"
        "defaults:\n"
        "  用工形式: 城镇合同制职工\n",
        encoding="utf-8",
    )
    _money_files(world)
    print(f"已写出 {OUT}")


def _money_files(world: SampleWorld) -> None:
    """缴费明细 of 2026-10 from the agency and the 工资表 of 2026-10, each with planted differences.

    Agency: 基数不同 (one person's pension on a base 500 yuan higher), 四舍五入 (one
    medical line one fen more), 缺月 (one person not charged), 人员不在本单位 (a person of
    another unit), 费率不同 (one injury line at 1.5 times the rate), 多月 (a 生育 line,
    an insurance merged into medical since 2020). Payroll: one person's pension deducted
    on last year's base (基数不同), one person not deducted at all (缺月).
    """
    month = dt.date(2026, 10, 1)
    ws = Workspace(today=dt.date(2026, 11, 20))
    world.load_into(ws)
    ours = (
        own_lines(ws, UNIT, [month])
        .join(world.persons.select("person_id", "name"), on="person_id")
        .sort("person_id", pl.col("insurance").cast(pl.Int32))
    )
    ids = ours["person_id"].unique(maintain_order=True).to_list()
    base_p, round_p, missing_p, rate_p = ids[1], ids[2], ids[3], ids[4]
    agency = ours.filter(pl.col("person_id") != missing_p).with_columns(
        pl.when((pl.col("person_id") == base_p) & (pl.col("insurance") == "1"))
        .then(pl.col("ours_base_fen") + 50_000)
        .otherwise(pl.col("ours_base_fen"))
        .alias("base"),
    )
    agency = agency.with_columns(
        pl.when((pl.col("person_id") == base_p) & (pl.col("insurance") == "1"))
        .then(half_up_fen(pl.col("base"), pl.col("_unit_ppm")))
        .when((pl.col("person_id") == round_p) & (pl.col("insurance") == "3"))
        .then(pl.col("ours_unit_fen") + 1)
        .when((pl.col("person_id") == rate_p) & (pl.col("insurance") == "4"))
        .then(half_up_fen(pl.col("base"), pl.col("_unit_ppm") * 3 // 2))
        .otherwise(pl.col("ours_unit_fen"))
        .alias("unit"),
        pl.when((pl.col("person_id") == base_p) & (pl.col("insurance") == "1"))
        .then(half_up_fen(pl.col("base"), pl.col("_person_ppm")))
        .otherwise(pl.col("ours_person_fen"))
        .alias("person"),
    )
    stranger = world.persons.filter(~pl.col("person_id").is_in(ids)).row(0, named=True)
    extra = pl.DataFrame(
        {
            "person_id": [stranger["person_id"], ids[5]],
            "name": [stranger["name"], ours.filter(pl.col("person_id") == ids[5])["name"][0]],
            "insurance": ["1", "5"],
            "base": [500_000, 500_000],
            "unit": [80_000, 3_500],
            "person": [40_000, 0],
        }
    )
    lines = pl.concat(
        [agency.select("person_id", "name", "insurance", "base", "unit", "person"), extra],
        how="vertical_relaxed",
    )
    _write_xlsx(
        OUT / "缴费明细_2026-10.xlsx",
        lines.select(
            pl.col("person_id").alias("社会保障号码"),
            pl.col("name").alias("姓名"),
            pl.lit("2026-10").alias("费款所属期"),
            _label("insurance", pl.col("insurance")).alias("险种"),
            _yuan(pl.col("base")).alias("缴费基数"),
            _yuan(pl.col("unit")).alias("单位缴纳"),
            _yuan(pl.col("person")).alias("个人缴纳"),
            pl.lit("已到账").alias("到账标志"),
        ),
        title="人员缴费情况查询",
    )
    old_base_p, unpaid_p = ids[6], ids[7]
    person = ours.filter(pl.col("person_id") != unpaid_p).with_columns(
        pl.when((pl.col("person_id") == old_base_p) & (pl.col("insurance") == "1"))
        .then(half_up_fen(pl.col("ours_base_fen") - 40_000, pl.col("_person_ppm")))
        .otherwise(pl.col("ours_person_fen"))
        .alias("deducted")
    )
    wide = person.pivot(on="insurance", index=["person_id", "name"], values="deducted")
    headers = {"1": "养老保险个人", "2": "失业保险个人", "3": "医疗保险个人", "10": "大额医疗个人"}
    _write_xlsx(
        OUT / "工资表_2026-10.xlsx",
        wide.select(
            pl.col("name").alias("姓名"),
            pl.col("person_id").alias("身份证号码"),
            pl.lit("2026-10").alias("工资月份"),
            *(_yuan(pl.col(code)).alias(header) for code, header in headers.items()),
        ),
    )


if __name__ == "__main__":
    main()
