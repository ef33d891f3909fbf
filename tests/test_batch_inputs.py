"""check() and declare() take any frame-like rows; a Batch shows itself in a notebook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

from sbbatch.batch import as_frame, check
from sbbatch.exceptions import UnusableInputError
from sbbatch.review import declare
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
GOOD, BAD = "370102199001011231", "370102199001011232"
COLUMNS: dict[str, list[Any]] = {
    "身份证号码": [GOOD, BAD],
    "姓名": ["张三", "李四"],
    "用工形式": ["城镇合同制职工"] * 2,
    "增加原因": ["在职人员新参保"] * 2,
    "增员年月": ["2026-12"] * 2,
    "人员类别": ["城镇制"] * 2,
}
ROWS = [dict(zip(COLUMNS, values, strict=True)) for values in zip(*COLUMNS.values(), strict=True)]


def _shapes() -> dict[str, object]:
    shapes: dict[str, object] = {
        "polars": pl.DataFrame(COLUMNS),
        "lazy": pl.DataFrame(COLUMNS).lazy(),
        "pyarrow": pa.table(COLUMNS),
        "dict of lists": COLUMNS,
        "list of dicts": ROWS,
    }
    try:
        import pandas as pd
    except ImportError:  # pandas is not a dependency; tested where it is installed
        pass
    else:
        shapes["pandas"] = pd.DataFrame(COLUMNS)
    return shapes


@pytest.mark.parametrize("shape", sorted(_shapes()))
def test_check_takes_any_frame_like_rows(shape: str) -> None:
    batch = check(_shapes()[shape], "enrolment", today=TODAY)
    assert (batch.rows_read, batch.accepted.height, batch.rejected.height) == (2, 1, 1)
    assert batch.rows["person_id"].to_list() == [GOOD, BAD]


@pytest.mark.parametrize("shape", ["lazy", "pyarrow", "list of dicts"])
def test_declare_takes_any_frame_like_rows(ws: Workspace, shape: str) -> None:
    number = declare(ws, _shapes()[shape], "0010118873", kind="enrolment", accepted_only=True)
    assert ws.declaration_rows(number)["person_id"].to_list() == [GOOD]


def test_declare_still_takes_one_case_as_a_dict_of_values(ws: Workspace) -> None:
    case = {key: values[0] for key, values in COLUMNS.items()}
    number = declare(ws, case, "0010118873", kind="enrolment")
    assert ws.declaration_rows(number).height == 1


@pytest.mark.parametrize("rows", [42, ["not", "rows"], {"a": 1, "b": [1]}, None])
def test_other_inputs_are_refused_in_chinese(rows: object) -> None:
    with pytest.raises(UnusableInputError, match=r"无法把 .* 当作报盘的行。提示：请给文件路径"):
        as_frame(rows)
    if rows is not None:
        with pytest.raises(UnusableInputError, match="当作报盘的行"):
            check(rows, "enrolment", today=TODAY)  # type: ignore[arg-type]


def test_repr_html_shows_kind_counts_and_masked_failures() -> None:
    batch = check(pl.DataFrame(COLUMNS), "enrolment", today=TODAY)
    shown = batch._repr_html_()
    assert "增员申报" in shown and "enrolment" in shown
    assert "读取 2 行，通过 1 行，不通过 1 行" in shown
    assert "<table>" in shown and "不通过" in shown
    assert BAD not in shown and "370102********1232" in shown
    clean = check(pl.DataFrame(COLUMNS).head(1), "enrolment", today=TODAY)
    assert "<table>" not in clean._repr_html_()


def test_repr_html_escapes_what_the_file_says() -> None:
    rows = {**COLUMNS, "姓名": ["<script>x</script>", "李四"]}
    shown = check(pl.DataFrame(rows), "enrolment", today=TODAY)._repr_html_()
    assert "<script>" not in shown
