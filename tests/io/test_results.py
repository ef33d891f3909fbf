"""Every business's review result (审核结果) goes through the one presenter.

One small batch per business of ``registry()`` is declared on the sample world,
submitted and reviewed, and its result xlsx is opened with openpyxl: 序号 first,
Chinese headers only, codes as their labels, money as yuan text, months as YYYY-MM,
dates as YYYY-MM-DD, and a Chinese file name.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from sbbatch.batch import check_frame
from sbbatch.declarations import Declaration, registry
from sbbatch.io.results import result_columns, result_file_name, result_table, write_review_result
from sbbatch.present import code_labels
from sbbatch.review import declare, review
from sbbatch.sample import generate
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z_]")


@pytest.fixture(scope="module")
def world() -> Workspace:
    """The sample world in one workspace, shared by the businesses' cases."""
    ws = Workspace(today=TODAY)
    generate().load_into(ws)
    return ws


def _case(ws: Workspace, declaration: Declaration, offset: int) -> tuple[dict[str, Any], str]:
    """One row of the business from its columns' examples, on real persons of the world."""
    people = ws.sql(
        "SELECT DISTINCT p.person_id, s.name, s.gender, s.birth_date, p.unit_id FROM insured_periods p "
        "JOIN persons s USING (person_id) WHERE p.until_month IS NULL "
        "ORDER BY p.person_id LIMIT 3 OFFSET ?",
        [offset],
    )
    row: dict[str, Any] = {}
    ids = iter(people.iter_rows(named=True))
    person = latest = people.row(0, named=True)
    for column in declaration.columns:
        if column.derived_from_id:
            continue  # derived from the ID number
        if column.type == "id":
            latest = next(ids)
            row[column.header] = latest["person_id"]
            if column.field == "person_id":
                person = latest
        elif column.type == "gender":  # that of the ID number just before it
            row[column.header] = code_labels("gender")[latest["gender"]]
        elif column.type == "date" and "birth" in column.field:
            row[column.header] = latest["birth_date"].isoformat()
        elif column.example:
            row[column.header] = column.example
    name = declaration.column("name").header if "name" in declaration.headers else None
    if name is not None:
        row[name] = person["name"]
    return row, person["unit_id"]


def _declared(ws: Workspace, declaration: Declaration, offset: int) -> str:
    row, unit = _case(ws, declaration, offset)
    batch = check_frame(
        pl.DataFrame({key: [value] for key, value in row.items()}), declaration.kind, today=TODAY
    )
    optional = {c.header for c in declaration.columns if not c.required}
    wrong = set(batch.failures.filter(pl.col("level") == "reject")["column"].to_list())
    if wrong and wrong <= optional:  # an example that contradicts a real person: leave it out
        row = {key: value for key, value in row.items() if key not in wrong}
        batch = check_frame(
            pl.DataFrame({key: [value] for key, value in row.items()}),
            declaration.kind,
            today=TODAY,
        )
    if batch.rejected.height == batch.rows.height:  # the examples don't fit: keep the row as is
        messages = batch.failures.filter(pl.col("level") == "reject")["message"].to_list()
        pytest.fail(f"{declaration.title}: the case is rejected at check: {messages}")
    declaration_id = declare(ws, batch, unit, business_month=dt.date(2026, 12, 1))
    ws.submit(declaration_id)
    review(ws, declaration_id)
    return declaration_id


def _assert_presented(declaration: Declaration, path: Path) -> None:
    assert path.name == result_file_name(declaration)
    assert _CJK.search(path.stem) and not re.search(r"[A-Za-z]", path.stem), path.name
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[1])
    columns = result_columns(declaration)
    assert headers == ["序号", *[c.header for c in columns]]
    assert headers[:3] == ["序号", "审核结果", "审核说明"]
    for header in headers:
        assert isinstance(header, str) and _CJK.search(header), header
        assert not _LATIN.search(header), header
    body = rows[2:-1]
    assert body, f"{declaration.title}: no rows"
    assert rows[-1][0] == f"共{len(body)}人"
    for line in body:
        assert line[0] == body.index(line) + 1
        for column, value in zip(columns, line[1:], strict=True):
            if value is None:
                continue
            where = f"{declaration.title} {column.header}「{value}」"
            assert isinstance(value, str), where  # every cell as presented text
            assert "_fen" not in value, where
            if column.type == "month":
                assert re.fullmatch(r"\d{4}-\d{2}", value), where
            elif column.type == "date":
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), where
            elif column.type == "money":
                assert re.fullmatch(r"-?\d+\.\d{2}", value), where
            elif column.type == "gender":
                assert value in code_labels("gender").values(), where
            elif column.code_table:
                assert value in code_labels(column.code_table).values(), where


@pytest.mark.parametrize("kind", list(registry()))
def test_every_business_writes_its_result_through_the_presenter(
    world: Workspace, kind: str, tmp_path: Path
) -> None:
    declaration = registry()[kind]
    declaration_id = _declared(world, declaration, list(registry()).index(kind) * 3)
    path = write_review_result(world, declaration_id, tmp_path)
    _assert_presented(declaration, path)
    table = result_table(world, declaration_id)
    assert table.columns[:3] == ["row_no", "review_result", "review_opinion"]
    assert set(table["review_result"].to_list()) <= {"审核成功", "不通过"}


def test_a_departure_result_takes_gender_and_birth_date_from_the_registry(
    world: Workspace, tmp_path: Path
) -> None:
    declaration = registry()["departure"]
    declaration_id = _declared(world, declaration, 100)
    table = result_table(world, declaration_id)
    person = table.row(0, named=True)
    registered = world.sql(
        "SELECT gender, birth_date FROM persons WHERE person_id = ?", [person["person_id"]]
    ).row(0, named=True)
    assert person["gender"] == code_labels("gender")[registered["gender"]]
    assert person["birth_date"] == registered["birth_date"].isoformat()
    assert re.fullmatch(r"\d{4}-\d{2}", person["month"])
    assert "_" not in write_review_result(world, declaration_id, tmp_path).stem.replace(
        "_审核结果", ""
    )
