"""The pandera contracts generated from the specs: content, what they validate, drift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
import yaml

from sbbatch import codes
from sbbatch.batch import check, check_frame
from sbbatch.cli import main
from sbbatch.contracts import contract_text, contracts_dir, write_contracts
from sbbatch.declarations import get, registry
from sbbatch.review import declare
from sbbatch.sample_batches import newcomers, write_batch_samples
from sbbatch.spec import COLUMN_DTYPES
from sbbatch.store import Workspace

KINDS = list(registry())


def _failed_checks(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> set[tuple[str, str]]:
    """(column, check) of every failure of ``frame`` against ``schema``; empty when valid."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.select("column", "check").unique()
        return {(str(column), str(name)) for column, name in cases.iter_rows()}
    return set()


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_generated_from_the_columns(kind: str) -> None:
    declaration = get(kind)
    schema = declaration.schema()
    assert schema.name == kind
    assert schema.title == declaration.title
    assert list(schema.columns) == [column.field for column in declaration.columns]
    for column in declaration.columns:
        contract = schema.columns[column.field]
        assert contract.title == column.header
        assert contract.nullable is (not column.required)
        assert str(contract.dtype) == str(COLUMN_DTYPES.get(column.type, pl.String()))
        isin = [check for check in contract.checks if check.name == "isin"]
        table = "gender" if column.type == "gender" else column.code_table
        if table is None:
            assert not isin
        else:
            (only,) = isin
            assert sorted(only.statistics["allowed_values"]) == sorted(
                codes.table(table)["code"].to_list()
            )
        lengths = [check for check in contract.checks if check.name == "str_length"]
        if column.type == "id":
            assert lengths[0].statistics["min_value"] == lengths[0].statistics["max_value"] == 18
        elif column.max_length is not None:
            assert lengths[0].statistics["max_value"] == column.max_length
        else:
            assert not lengths


def test_unique_is_the_key_fields_when_they_are_required() -> None:
    assert get("backpay").schema().unique == ["person_id", "from_month"]
    assert get("departure").schema().unique == ["person_id"]
    # 申领信息维护: the person may be blank (a bank row), and pandera counts two blanks as equal
    assert not get("card_issuing_info").column("person_id").required
    assert get("card_issuing_info").schema().unique is None


def test_accepted_rows_hold_and_the_rejected_ones_break_it() -> None:
    """A file with a repeated person, an unknown code, a long name and a blank month."""
    declaration = get("departure")
    good = {c.header: c.example for c in declaration.columns}
    headers = list(good)
    rows = [
        dict(good),
        dict(good),  # the same person again: rejected as a repeat, the first row kept
        {**good, "减员原因": "外星调动"},
        {**good, "姓名": "张" * 31},
        {**good, "减员年月": ""},
    ]
    frame = pl.DataFrame({h: [row[h] or None for row in rows] for h in headers})
    batch = check_frame(frame, "departure", today=dt.date(2026, 11, 26))
    schema = declaration.schema()
    assert batch.accepted.height == 1
    assert _failed_checks(schema, batch.accepted) == set()
    broken = _failed_checks(schema, batch.rows)
    # an unknown code types as blank (reported by check as 不是有效的选项)
    assert ("leave_reason", "not_nullable") in broken
    assert any(column == "name" and name.startswith("str_length") for column, name in broken)
    assert ("month", "not_nullable") in broken
    assert any(name == "multiple_fields_uniqueness" for _, name in broken)


def test_a_code_outside_its_table_breaks_the_contract() -> None:
    """Frames that other tools hand over untyped by check: codes are held to their table."""
    schema = get("departure").schema()
    frame = pl.DataFrame(
        {
            "person_id": ["370103198310135672", "37010319831013567"],
            "name": ["张三", "李四"],
            "month": [dt.date(2026, 12, 1), dt.date(2026, 12, 1)],
            "leave_reason": ["999", codes.table("leave_reason")["code"][0]],
        }
    )
    broken = _failed_checks(schema, frame)
    assert {column for column, _ in broken} == {"leave_reason", "person_id"}
    assert any(name.startswith("isin") for _, name in broken)
    assert any(name.startswith("str_length") for _, name in broken)


def test_what_check_accepts_from_the_sample_files_holds(tmp_path: Path) -> None:
    checked = 0
    for path in write_batch_samples(tmp_path):
        batch = check(path)
        assert batch.accepted.height, path.name
        assert _failed_checks(batch.declaration.schema(), batch.accepted) == set(), path.name
        checked += 1
    assert checked >= 4


def test_what_the_workspace_reads_back_holds(ws: Workspace) -> None:
    rows = newcomers(5)
    declaration_id = declare(ws, rows, "0010118873", kind="enrolment")
    back = ws.declaration_rows(declaration_id)
    assert back.height == 5
    assert _failed_checks(get("enrolment").schema(), back) == set()
    # and the contract is not blind to what it reads: a repeated person breaks it
    twice = pl.concat([back, back.head(1)])
    assert any(
        name == "multiple_fields_uniqueness"
        for _, name in _failed_checks(get("enrolment").schema(), twice)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_committed_contracts_do_not_drift(kind: str) -> None:
    path = contracts_dir() / f"{kind}.yaml"
    assert path.is_file(), f"{path} is missing: run `make contracts`"
    assert path.read_text(encoding="utf-8") == contract_text(kind), (
        f"{path.name} differs from the code: run `make contracts` and commit"
    )


def test_no_contract_without_a_business() -> None:
    assert sorted(p.stem for p in contracts_dir().glob("*.yaml")) == sorted(KINDS)


def test_contract_yaml_is_pandera_yaml_with_chinese_kept(tmp_path: Path) -> None:
    (path,) = write_contracts(tmp_path, ["wage_base"])
    text = path.read_text(encoding="utf-8")
    assert text == contract_text("wage_base")
    data = yaml.safe_load(text)
    assert data["schema_type"] == "polars_dataframe"
    assert data["title"] == get("wage_base").title
    assert data["columns"]["wage_fen"]["dtype"] == "Int64"
    assert "\\u" not in text
    assert [p.name for p in tmp_path.iterdir()] == ["wage_base.yaml"]  # no temporary left


def test_cli_schema_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "departure", "--format", "yaml"]) == 0
    assert capsys.readouterr().out == contract_text("departure")
    assert main(["schema", "departure", "--format", "json"]) == 0
    assert '"title": "减员申报"' in capsys.readouterr().out
    assert main(["schema", "all", "--out", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.yaml")) == sorted(KINDS)
    assert main(["schema", "all"]) == 2
    assert "--out" in capsys.readouterr().err


def test_the_shape_alone_keeps_types_and_blanks_only() -> None:
    full, shape = get("backpay").schema(), get("backpay").schema(checks=False)
    assert shape.unique is None and full.unique == ["person_id", "from_month"]
    assert {name: str(c.dtype) for name, c in shape.columns.items()} == {
        name: str(c.dtype) for name, c in full.columns.items()
    }
    assert [c.nullable for c in shape.columns.values()] == [
        c.nullable for c in full.columns.values()
    ]
    assert all(not c.checks for c in shape.columns.values())
    assert any(c.checks for c in full.columns.values())
