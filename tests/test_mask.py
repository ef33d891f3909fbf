"""Masking (脱敏): anything in an ID column, valid or not, everywhere masking applies."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from sbbatch import _mask, ids
from sbbatch.cli import main
from sbbatch.declarations import _other as other_filings_module
from sbbatch.display import mask_text, show
from sbbatch.io.read import read_table

BATCHES = Path(__file__).resolve().parent.parent / "sample_data" / "batches"
MALFORMED = [
    "37010219900101123",  # 17 digits
    "3701021990010112311",  # 19 digits
    "370102 19900101 1231",  # spaced
    "370102-19900101-1231",  # dashed
    "3701021990O1011231",  # a letter O for a zero
    "37010219900101123l",  # a letter l for a one
]


def test_one_implementation() -> None:
    # the old copies (ids.mask, declarations._other.mask_id) are gone; display re-exports
    assert not hasattr(ids, "mask") and not hasattr(ids, "mask_phone")
    assert not hasattr(other_filings_module, "mask_id")
    assert mask_text is _mask.mask_text


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_ids_are_masked_in_text(value: str) -> None:
    masked = mask_text(f"身份证号码「{value}」不正确")
    assert value not in masked
    assert masked == f"身份证号码「{_mask.mask_id(value)}」不正确"


def test_cli_check_prints_no_malformed_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = read_table(BATCHES / "enrolment.xlsx").frame.drop("_row")
    id_column = frame.columns[0]
    assert "身份证号码" in id_column
    bad = frame.head(len(MALFORMED)).with_columns(pl.Series(id_column, MALFORMED))
    path = tmp_path / "增员.csv"
    bad.write_csv(path)
    for fmt in ("text", "json"):
        main(["check", str(path), "--format", fmt, "--limit", "500"])
        out = capsys.readouterr().out
        if fmt == "json":
            failures = json.loads(out)["failures"]
            assert {f["column"] for f in failures} >= {"身份证号码"}
        for value in MALFORMED:
            assert value not in out, value
            assert value.replace(" ", "").replace("-", "") not in out
    main(["check", str(path), "--format", "json", "--unmask"])
    assert MALFORMED[0] in capsys.readouterr().out


def test_show_masks_an_integer_id_column() -> None:
    frame = pl.DataFrame({"person_id": [370102199001011231], "身份证号码": [370102199001011231]})
    html = show(frame).html
    assert "370,102,199,001,011,231" not in html and "370102199001011231" not in html
    assert html.count("370102********1231") == 2
    assert "370102199001011231" in show(frame, mask=False).html


def test_mask_failures_hides_the_value_wherever_the_message_quotes_it() -> None:
    failures = pl.DataFrame(
        {
            "row": [2, 3],
            "column": ["身份证号码", "手机号码"],
            "value": ["3701021990O1011231", "1381234567"],
            "message": ["身份证号码「3701021990O1011231」有误", "手机号码「1381234567」应为 11 位"],
        }
    )
    masked = _mask.mask_failures(failures, ["身份证号码"], ["手机号码"])
    assert masked["value"].to_list() == ["370102********1231", "138***4567"]
    assert masked["message"].to_list() == [
        "身份证号码「370102********1231」有误",
        "手机号码「138***4567」应为 11 位",
    ]
