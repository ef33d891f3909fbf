"""Tests of 打印单位参保人员缴费证明 (manual §3.13): query, rules, end to end, the PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from pypdf import PdfReader
from stdnum.cn import ric

from sbbatch import certificates, payments
from sbbatch.declarations import get
from sbbatch.exceptions import UnusableInputError
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace

UNIT, OTHER = "0010118873", "0010555555"
SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def _id(n: int) -> str:
    first17 = f"37011219920202{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


STAFF, MOVER, STRANGER = _id(1), _id(2), _id(3)


@pytest.fixture
def paid_ws(ws: Workspace) -> Workspace:
    """STAFF: here since 2026-09 (Oct paid, Nov due); MOVER: OTHER (Sep paid) then here."""
    ws.load(
        units=pl.DataFrame(
            {"unit_id": [OTHER], "name": ["旧单位"], "risk_class": [1], "payment_method": ["2"]}
        ),
        persons=pl.DataFrame(
            {
                "person_id": [STAFF, MOVER, STRANGER],
                "name": ["孙丽", "周强", "吴敏"],
                "gender": ["2", "1", "2"],
                "birth_date": [dt.date(1992, 2, 2)] * 3,
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT, OTHER, UNIT, OTHER],
                "person_id": [STAFF, MOVER, MOVER, STRANGER],
                "insurance": ["1"] * 4,
                "person_category": ["11"] * 4,
                "from_month": [SEP, SEP, OCT, SEP],
                "until_month": [None, OCT, None, None],
            }
        ),
        wage_bases=pl.DataFrame(
            {
                "unit_id": [UNIT, UNIT, UNIT, UNIT, OTHER, OTHER],
                "person_id": [STAFF, STAFF, STAFF, MOVER, MOVER, STRANGER],
                "month": [SEP, OCT, NOV, OCT, SEP, SEP],
                "wage_fen": [500000] * 6,
            }
        ),
    )
    payments.pay(ws, payments.create_bill(ws, UNIT, OCT))
    payments.pay(ws, payments.create_bill(ws, OTHER, SEP))
    return ws


def _row(person_id: str, name: str | None = None, **extra: object) -> dict[str, object]:
    return {"社会保障号码": person_id, "姓名": name, **extra}


def _reviewed(ws: Workspace, *rows: dict[str, object]) -> str:
    did = declare(ws, pl.DataFrame(list(rows)), UNIT, kind="payment_certificate")
    ws.submit(did)
    return did


def _found(ws: Workspace, did: str) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for r in review_failures(ws, did).iter_rows(named=True):
        found.setdefault(r["row"], {})[r["rule"]] = r["level"]
    return found


def test_registered_with_the_manuals_columns() -> None:
    declaration = get("打印单位参保人员缴费证明")
    assert [c.header for c in declaration.columns][:2] == ["社会保障号码", "姓名"]
    assert [c.header for c in declaration.required] == ["社会保障号码"]


def test_query_persons_with_payments(paid_ws: Workspace) -> None:
    found = certificates.payment_persons(paid_ws, UNIT, SEP, NOV)
    assert found.select("person_id", "paid_months").rows() == sorted([(STAFF, 1), (MOVER, 1)])
    anywhere = certificates.payment_persons(paid_ws, UNIT, SEP, NOV, only_unit=False)
    assert anywhere.filter(pl.col("person_id") == MOVER)["paid_months"].item() == 2
    assert certificates.payment_persons(paid_ws, UNIT, NOV, NOV).height == 0


def test_period_check_rules() -> None:
    from sbbatch.batch import check_frame

    batch = check_frame(
        pl.DataFrame(
            [_row(STAFF, 起始年月="2026-10", 终止年月="2026-09", 是否只查询本单位人员="也许")]
        ),
        "payment_certificate",
        today=dt.date(2026, 11, 26),
    )
    assert set(batch.failures["rule"].to_list()) == {"period_order", "only_unit_value"}


def test_review_rules(paid_ws: Workspace, facts: SimpleNamespace) -> None:
    def row(
        pid: str, name: str | None, first: dt.date, last: dt.date, only: str = "是"
    ) -> dict[str, object]:
        return {
            "person_id": pid,
            "name": name,
            "first_month": first,
            "last_month": last,
            "only_unit": only,
        }

    rows = facts.typed_rows(
        "payment_certificate",
        row(STAFF, "孙丽", SEP, NOV),  # Sep and Nov due only: 提示
        row(STRANGER, "吴敏", SEP, NOV),  # not the unit's
        row(MOVER, "周强", NOV, NOV),  # nothing paid in Nov
        row(MOVER, "周强", SEP, SEP, "否"),  # paid in the other unit: counts
        row(STAFF, "孙莉", OCT, OCT),  # wrong name, twice in the declaration
        row(_id(9), None, OCT, OCT),  # unknown
    )
    did = paid_ws.create_declaration("payment_certificate", UNIT, rows)
    paid_ws.submit(did)
    found = _found(paid_ws, did)
    assert found[1] == {"unpaid_months": "warn"}
    assert found[2] == {"belongs_to_unit": "reject", "has_payments": "reject"}
    assert found[3] == {"has_payments": "reject"}
    assert found[4] == {"once_in_declaration": "reject"}
    assert found[5] == {"name_matches_registry": "reject", "once_in_declaration": "reject"}
    assert found[6] == {"known_person": "reject"}


def test_not_only_this_unit_needs_insurance_somewhere(paid_ws: Workspace) -> None:
    did = _reviewed(paid_ws, _row(STRANGER, "吴敏", 是否只查询本单位人员="否", 起始年月="2026-09"))
    assert _found(paid_ws, did) == {1: {"unpaid_months": "warn"}}  # 2026-10, 2026-11 due


def test_end_to_end_prints_paid_and_due_months(paid_ws: Workspace, tmp_path: Path) -> None:
    did = _reviewed(
        paid_ws, _row(STAFF, "孙丽", 起始年月="2026-09", 终止年月="2026-11"), _row(_id(9))
    )
    result = review(paid_ws, did)
    assert result["review_result"].to_list() == ["审核成功", "不通过"]
    assert "2 个月应缴未缴" in result["review_opinion"][0]
    written = certificates.print_declaration(paid_ws, did, "购房", tmp_path, note="购房资格审核")
    assert [p.name for p in written] == [f"缴费证明_孙丽_{STAFF[-4:]}.pdf"]
    text = "".join(page.extract_text() for page in PdfReader(written[0]).pages)
    for expected in (
        "社保缴费证明",
        "孙丽",
        STAFF,
        "2026-10",
        "应缴未缴月份",
        "2026-09",
        "2026-11",
    ):
        assert expected in text
    assert "购房" in text and "1200.00" in text
    recorded = paid_ws.table("payment_certificates")
    assert recorded.select("person_id", "purpose", "paid_fen").rows() == [(STAFF, "2", 120000)]


def test_printing_refuses_persons_without_payments(paid_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="没有已缴费记录"):
        certificates.print_certificates(paid_ws, UNIT, [STAFF], NOV, NOV, "落户", tmp_path)
    with pytest.raises(UnusableInputError, match="单位打印用途"):
        certificates.print_certificates(paid_ws, UNIT, [STAFF], OCT, OCT, "旅游", tmp_path)
    assert paid_ws.table("payment_certificates").height == 0


def test_month_ranges() -> None:
    assert certificates.month_ranges([OCT, SEP, NOV]) == "2026-09至2026-11"


def test_a_name_with_path_separators_stays_inside_the_folder(
    paid_ws: Workspace, tmp_path: Path
) -> None:
    # a registry name that never went through check (loaded by hand, or an older file)
    paid_ws.execute("UPDATE persons SET name = ? WHERE person_id = ?", ["甲/../../../../x", STAFF])
    out = tmp_path / "out" / "certs"
    written = certificates.print_certificates(paid_ws, UNIT, [STAFF], OCT, OCT, "购房", out)
    assert [p.parent for p in written] == [out]
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in written]
    assert "/" not in written[0].name and not written[0].name.startswith(".")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing escaped
