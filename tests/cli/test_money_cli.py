"""Tests of the money commands: contributions, bill, pay, backpay, fee-form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import cli
from sbbatch._cli import money as _money_commands
from sbbatch.contributions import contributions
from sbbatch.store import Workspace

TODAY = "2026-11-26"
UNIT, BANK = "0010118873", "0010300003"


def person(n: int) -> str:
    first17 = f"37010219870707{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.fixture(autouse=True)
def with_money_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure the money commands are registered (the lead adds them to the list)."""
    if _money_commands not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, _money_commands))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A workspace file: two persons in UNIT (网银缴费) for 2026-10/11, one in BANK (银行代扣)."""
    path = tmp_path / "ws.duckdb"
    insurances = ["1", "2", "3", "4", "10"]
    people = [(UNIT, person(1), 5000_55), (UNIT, person(2), 30000_00), (BANK, person(3), 6000_00)]
    with Workspace(path, today=dt.date(2026, 11, 26), create=True) as ws:
        ws.load(
            units=pl.DataFrame(
                {
                    "unit_id": [UNIT, BANK],
                    "name": ["济南测试科技有限公司", "济南代扣有限公司"],
                    "unit_type": ["10", "10"],
                    "risk_class": [1, 4],
                    "payment_method": ["2", "1"],
                }
            ),
            persons=pl.DataFrame(
                {
                    "person_id": [p for _, p, _ in people],
                    "name": ["甲", "乙", "丙"],
                    "gender": ["1", "1", "1"],
                    "birth_date": [dt.date(1987, 7, 7)] * 3,
                }
            ),
            insured_periods=pl.DataFrame(
                {
                    "unit_id": [u for u, _, _ in people for _ in insurances],
                    "person_id": [p for _, p, _ in people for _ in insurances],
                    "insurance": insurances * 3,
                    "person_category": ["11"] * 15,
                    "from_month": [dt.date(2026, 10, 1)] * 15,
                }
            ),
            wage_bases=pl.DataFrame(
                {
                    "unit_id": [u for u, _, _ in people for _ in range(2)],
                    "person_id": [p for _, p, _ in people for _ in range(2)],
                    "month": [dt.date(2026, 10, 1), dt.date(2026, 11, 1)] * 3,
                    "wage_fen": [w for _, _, w in people for _ in range(2)],
                }
            ),
        )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_contributions_csv(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "contributions",
        "--month",
        "2026-11",
        "--unit",
        UNIT,
        "-o",
        str(target),
        "--today",
        TODAY,
    )
    assert code == 0
    assert "2026-11 至 2026-11，16 行，2 人" in out
    frame = pl.read_csv(target, infer_schema_length=0)
    assert frame.columns == [
        "unit",
        "person",
        "month",
        "insurance",
        "payer",
        "base",
        "rate",
        "amount",
        "policy_id",
    ]
    # the file is streamed, in no particular order: find the line
    first = frame.filter(
        (pl.col("person") == person(1)) & (pl.col("insurance") == "1") & (pl.col("payer") == "unit")
    ).row(0, named=True)
    assert first == {
        "unit": UNIT,
        "person": person(1),
        "month": "2026-11",
        "insurance": "1",
        "payer": "unit",
        "base": "5000.55",
        "rate": "0.16",
        "amount": "800.09",
        "policy_id": "rates:pension:unit:2019-05",
    }
    fixed = frame.filter(pl.col("insurance") == "10").row(0, named=True)
    assert (fixed["base"], fixed["rate"], fixed["amount"]) == (None, None, "10.00")
    with Workspace(db, read_only=True) as ws:
        expected = contributions(ws, months=dt.date(2026, 11, 1), unit_id=UNIT).total_fen
    assert sum(Decimal(a) for a in frame["amount"]) * 100 == expected


def test_contributions_all_months_xlsx_and_parquet(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "contributions",
        "-o",
        str(tmp_path / "all.parquet"),
        "--today",
        TODAY,
    )
    assert code == 0 and "2026-10 至 2026-11，48 行，3 人" in out
    parquet = pl.read_parquet(tmp_path / "all.parquet")
    assert parquet.schema["amount"] == pl.Decimal(18, 2)
    assert parquet.schema["month"] == pl.Date
    assert parquet.filter(pl.col("person") == person(2))[
        "base"
    ].drop_nulls().unique().to_list() == [Decimal("22863.00")]
    code, _, _ = run(
        capsys,
        "--db",
        str(db),
        "contributions",
        "--unit",
        BANK,
        "-o",
        str(tmp_path / "bank.xlsx"),
        "--today",
        TODAY,
    )
    assert code == 0
    sheet = openpyxl.load_workbook(tmp_path / "bank.xlsx").active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "单位编号",
        "社会保障号码",
        "费款所属期",
        "险种",
        "缴费人",
        "缴费基数",
        "缴费费率",
        "缴费金额",
        "政策依据",
    ]
    assert rows[1][:8] == [BANK, person(3), "2026-10", "1", "unit", 6000, "0.16", 960]
    injury = next(r for r in rows[1:] if r[3] == "4")
    assert injury[6:9] == ["0.009", 54, "rates:injury:unit:class4:2018-01"]


def test_contributions_totals_are_summed_in_the_workspace(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "totals.csv"
    code, out, _ = run(
        capsys, "--db", str(db), "contributions", "--totals", "-o", str(target), "--today", TODAY
    )
    assert code == 0 and "缴费汇总：2026-10 至 2026-11" in out
    totals = pl.read_csv(target, infer_schema_length=0)
    assert totals.columns == ["unit_id", "month", "insurance", "payer", "persons", "base", "amount"]
    with Workspace(db, read_only=True) as ws:
        expected = contributions(ws).total_fen
    assert sum(Decimal(a) for a in totals["amount"]) * 100 == expected
    assert f"合计 {Decimal(expected) / 100:.2f} 元" in out
    code, _, err = run(
        capsys,
        "--db",
        str(db),
        "contributions",
        "--totals",
        "--person",
        person(1),
        "-o",
        str(target),
        "--today",
        TODAY,
    )
    assert code == 2 and "--totals" in err


def test_unknown_format_and_missing_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, _, err = run(capsys, "--db", str(db), "contributions", "-o", str(tmp_path / "x.json"))
    assert code == 2 and "不支持的输出格式" in err
    code, _, err = run(capsys, "contributions", "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "--db" in err


def test_bill_pay_retry(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--db", str(db), "bill", "--unit", BANK, "--month", "2026-11", "--today", TODAY
    )
    assert code == 2 and "银行代扣" in err and "不需要生成单据" in err
    pdf = tmp_path / "bill.pdf"
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "bill",
        "--unit",
        UNIT,
        "--month",
        "2026-11",
        "--pdf",
        str(pdf),
        "--today",
        TODAY,
    )
    assert code == 0
    assert "单据号 DJ2026112600001（工资申报缴费），状态：未支付" in out
    assert "大写：" in out and pdf.exists()
    code, out, _ = run(
        capsys, "--db", str(db), "pay", "DJ2026112600001", "--outcome", "failure", "--today", TODAY
    )
    assert code == 1 and "支付失败" in out and "重新支付" in out
    code, out, _ = run(capsys, "--db", str(db), "pay", "DJ2026112600001", "--today", TODAY)
    assert code == 0 and "支付成功" in out
    code, _, err = run(capsys, "--db", str(db), "pay", "DJ2026112600001", "--today", TODAY)
    assert code == 2 and "不能重复支付" in err
    code, _, _ = run(
        capsys, "--db", str(db), "bill", "--unit", UNIT, "--month", "2026-10", "--today", TODAY
    )
    code, out, _ = run(
        capsys, "--db", str(db), "pay", "DJ2026112600002", "--abandon", "--today", TODAY
    )
    assert code == 0 and "已放弃支付" in out
    form = tmp_path / "form.pdf"
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "fee-form",
        "--unit",
        UNIT,
        "--month",
        "2026-11",
        "-o",
        str(form),
        "--today",
        TODAY,
    )
    assert code == 0 and form.exists()


def test_backpay_command(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "补缴.csv"
    source.write_text(
        "社会保障号码,姓名,补缴年月,补缴终止年月,缴费基数,补缴原因\n"
        f"{person(1)},甲,2026-04,2026-09,5000,稽核补缴\n",
        encoding="utf-8",
    )
    result = tmp_path / "result.xlsx"
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "backpay",
        str(source),
        "--unit",
        UNIT,
        "--result",
        str(result),
        "--bill",
        "--today",
        TODAY,
    )
    assert code == 0, out
    assert "审核成功 1 行，不通过 0 行" in out
    assert "6 个月，应缴 10500.00 元" in out
    assert person(1) not in out  # masked on the terminal
    assert "社会保险费补缴缴费" in out
    sheet = openpyxl.load_workbook(result).active
    values = [cell.value for cell in sheet[3]]
    assert "审核成功" in values and person(1) in values
    bad = tmp_path / "bad.csv"
    bad.write_text("社会保障号码,补缴年月\n123,2026-04\n", encoding="utf-8")
    code, out, _ = run(
        capsys, "--db", str(db), "backpay", str(bad), "--unit", UNIT, "--today", TODAY
    )
    assert code == 1 and "不通过 1 行" in out
