"""Fixtures of the review tests: a small registry with two units and typed rows to declare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch.declarations import get
from sbbatch.review import review_failures
from sbbatch.store import Workspace

UNIT = "0010118873"
OTHER_UNIT = "0010222222"
DEC = dt.date(2026, 12, 1)

_DTYPES: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "date": pl.Date(),
    "money": pl.Int64(),
    "int": pl.Int64(),
}


def make_id(region: str, born: str, sequence: str) -> str:
    """Return a valid ID number (stdnum as the oracle) from its parts."""
    first17 = f"{region}{born}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


#: Persons of the registry fixture.
ZHANG = make_id("370102", "19900101", "123")  # 张三, man, insured here
LI = make_id("370103", "19850505", "242")  # 李四, woman, insured in the other unit
WANG = make_id("370104", "19880808", "311")  # 王五, man, left this unit (221) in 2025-01
ZHAO = make_id("370105", "19600202", "221")  # 赵六, woman (worker) born 1960, interrupted (229)


@pytest.fixture
def registry(ws: Workspace) -> Workspace:
    """The ``ws`` fixture plus a second unit, four persons and their insured periods."""
    ws.load(
        units=pl.DataFrame(
            {
                "unit_id": [OTHER_UNIT],
                "name": ["济南其他有限公司"],
                "risk_class": [2],
                "payment_method": ["1"],
            }
        ),
        persons=pl.DataFrame(
            {
                "person_id": [ZHANG, LI, WANG, ZHAO],
                "name": ["张三", "李四", "王五", "赵六"],
                "gender": ["1", "2", "1", "2"],
                "birth_date": [
                    dt.date(1990, 1, 1),
                    dt.date(1985, 5, 5),
                    dt.date(1988, 8, 8),
                    dt.date(1960, 2, 2),
                ],
                "phone": ["13800000001", None, None, None],
                "identity": ["1", "1", "1", "1"],
            }
        ),
        insured_periods=pl.DataFrame(
            {
                "unit_id": [UNIT, UNIT, OTHER_UNIT, UNIT, OTHER_UNIT],
                "person_id": [ZHANG, ZHANG, LI, WANG, ZHAO],
                "insurance": ["1", "3", "1", "1", "1"],
                "person_category": ["11"] * 5,
                "from_month": [dt.date(2020, 1, 1)] * 4 + [dt.date(2000, 1, 1)],
                "until_month": [None, None, None, dt.date(2025, 1, 1), dt.date(2012, 1, 1)],
                "add_reason": ["111"] * 5,
                "leave_reason": [None, None, None, "221", "229"],
            }
        ),
    )
    return ws


def typed_rows(kind: str, *rows: dict[str, Any]) -> pl.DataFrame:
    """Return rows of a business as the check types them: every column, missing ones null."""
    columns = get(kind).columns
    data = {
        c.field: pl.Series(
            c.field, [row.get(c.field) for row in rows], _DTYPES.get(c.type, pl.String())
        )
        for c in columns
    }
    return pl.DataFrame(data)


def enrolment_row(person_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """Return one enrolment row, valid unless ``fields`` say otherwise."""
    born = dt.date(int(person_id[6:10]), int(person_id[10:12]), int(person_id[12:14]))
    gender = "1" if int(person_id[16]) % 2 else "2"
    row = {
        "person_id": person_id,
        "name": name,
        "gender": gender,
        "birth_date": born,
        "employment_form": "2",
        "add_reason": "111",
        "month": DEC,
        "person_category": "11",
    }
    row.update(fields)
    return row


@pytest.fixture
def submitted(registry: Workspace) -> Callable[..., str]:
    """Declare typed rows of a business for the test unit and submit them; return the id."""

    def run(kind: str, *rows: dict[str, Any], unit: str = UNIT) -> str:
        declaration_id = registry.create_declaration(kind, unit, typed_rows(kind, *rows))
        registry.submit(declaration_id)
        return declaration_id

    return run


@pytest.fixture
def outcomes(registry: Workspace) -> Callable[[str], dict[int, dict[str, str]]]:
    """Return the review's findings of a declaration: row → {rule: level}."""

    def run(declaration_id: str) -> dict[int, dict[str, str]]:
        found: dict[int, dict[str, str]] = {}
        for row in review_failures(registry, declaration_id).iter_rows(named=True):
            found.setdefault(row["row"], {})[row["rule"]] = row["level"]
        return found

    return run


@pytest.fixture
def messages(registry: Workspace) -> Callable[[str], dict[tuple[int, str], str]]:
    """Return the review's messages of a declaration: (row, rule) → message."""

    def run(declaration_id: str) -> dict[tuple[int, str], str]:
        failures = review_failures(registry, declaration_id)
        return {(r["row"], r["rule"]): r["message"] for r in failures.iter_rows(named=True)}

    return run


@pytest.fixture
def facts() -> SimpleNamespace:
    """The constants and helpers above, for the test modules (which cannot import conftest)."""
    return SimpleNamespace(
        UNIT=UNIT,
        OTHER_UNIT=OTHER_UNIT,
        DEC=DEC,
        ZHANG=ZHANG,
        LI=LI,
        WANG=WANG,
        ZHAO=ZHAO,
        make_id=make_id,
        typed_rows=typed_rows,
        enrolment_row=enrolment_row,
    )
