"""Reject rules of 撤销工资申报 by id: each a failing case and its passing twin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from sbbatch import payments
from sbbatch.review import declare, review, review_failures
from sbbatch.store import Workspace

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def read_wages(registry: Workspace, facts: Any) -> str:
    """A 工资申报 of 张三 for 2026-11 in the test unit, reviewed and read."""
    return _read_wage_declaration(registry, facts.UNIT, facts.ZHANG, "张三")


def _read_wage_declaration(ws: Workspace, unit: str, person_id: str, name: str) -> str:
    frame = pl.DataFrame({"社会保障号码": [person_id], "姓名": [name], "缴费工资": ["6000"]})
    declaration_id = declare(ws, frame, unit, kind="wage_base", business_month=NOV)
    ws.submit(declaration_id)
    review(ws, declaration_id)
    ws.mark_read(declaration_id)
    return declaration_id


def _revocation_rules(ws: Workspace, unit: str, target: str) -> list[str]:
    revocation = declare(ws, {"申报编号": target}, unit, kind="wage_revocation")
    ws.submit(revocation)
    return review_failures(ws, revocation)["rule"].to_list()


def test_the_target_is_a_wage_declaration_of_the_unit_with_wages(
    registry: Workspace, read_wages: str, facts: Any
) -> None:
    assert _revocation_rules(registry, facts.UNIT, read_wages) == []
    enrolment = registry.create_declaration(
        "enrolment",
        facts.UNIT,
        facts.typed_rows("enrolment", facts.enrolment_row(facts.WANG, "王五")),
    )
    assert _revocation_rules(registry, facts.UNIT, enrolment) == ["target_is_wage_base"]
    other = _read_wage_declaration(registry, facts.OTHER_UNIT, facts.LI, "李四")
    assert _revocation_rules(registry, facts.UNIT, other) == ["target_of_unit"]
    # 王五 left the unit in 2025: the declaration is read but approved no wage
    empty = _read_wage_declaration(registry, facts.UNIT, facts.WANG, "王五")
    assert registry.declaration(empty)["status"] == "read"
    assert _revocation_rules(registry, facts.UNIT, empty) == ["target_has_bases"]


def test_a_billed_or_paid_month_cannot_be_revoked(
    registry: Workspace, read_wages: str, facts: Any
) -> None:
    bill_id = payments.create_bill(registry, facts.UNIT, NOV, allow_missing=True)
    assert _revocation_rules(registry, facts.UNIT, read_wages) == ["month_not_billed"]
    payments.pay(registry, bill_id)
    assert _revocation_rules(registry, facts.UNIT, read_wages) == ["month_not_paid"]
