"""Tests of reading batch files: every format, the Excel traps, and unusable files."""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter

from sbbatch.exceptions import UnusableInputError
from sbbatch.io import _sheets, read
from sbbatch.io.read import RawTable, header_key, read_table

ID_TEXT = "370103198310135672"
ID_FLOAT = 3.7010319831013568e17  # what a script writes when the ID became a float
ID_15_DIGITS = 370103198310135000  # what Excel keeps of an 18-digit ID typed as a number
KNOWN = ["社会保障号码", "姓名", "出生日期", "缴费工资"]


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "人员",
    first_column: int = 0,
    extra_sheets: Sequence[tuple[str, bool]] = (),
) -> Path:
    """Write ``rows`` cell by cell with the cell type of each Python value.

    ``extra_sheets`` are (name, hidden) sheets added *before* the data sheet.
    """
    workbook = xlsxwriter.Workbook(path)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, hidden in extra_sheets:
        extra = workbook.add_worksheet(name)
        extra.write_string(0, 0, "说明")
        if hidden:
            extra.hide()
    worksheet = workbook.add_worksheet(sheet)
    if extra_sheets:
        worksheet.activate()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            column = first_column + c
            if value is None:
                continue
            if isinstance(value, str):
                worksheet.write_string(r, column, value)
            elif isinstance(value, bool):
                worksheet.write_boolean(r, column, value)
            elif isinstance(value, dt.datetime):
                worksheet.write_datetime(r, column, value, time_format)
            elif isinstance(value, dt.date):
                worksheet.write_datetime(r, column, value, date_format)
            else:
                worksheet.write_number(r, column, value)
    workbook.close()
    return path


def as_dict(table: RawTable) -> dict[str, list[Any]]:
    return table.frame.to_dict(as_series=False)


@pytest.fixture(params=["peek", "calamine"])
def id_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through both ID checks: the xlsx peek fast path and the cell pass."""
    if request.param == "calamine":
        monkeypatch.setattr(_sheets, "_guess_id_columns", lambda *args: set())
    return str(request.param)


# ---------------------------------------------------------------------------- xlsx


def test_xlsx_title_rows_blank_rows_keep_sheet_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["济南某公司参保人员增加表"],
            [],
            ["单位编号：0010118873", None, None, "制表日期：2026-11"],
            ["*社会保障号码", "姓名", "出生日期", "缴费工资"],
            [ID_TEXT, "张三", dt.date(1983, 10, 13), 5000],
            [],
            ["  ", "\u3000"],
            ["11010519491231002X", "李四", "1949/12/31", 5000.5],
            [],
        ],
    )
    table = read_table(path, known_headers=KNOWN)
    assert as_dict(table) == {
        "*社会保障号码": [ID_TEXT, "11010519491231002X"],
        "姓名": ["张三", "李四"],
        "出生日期": ["1983-10-13", "1949/12/31"],
        "缴费工资": ["5000", "5000.5"],
        "_row": [5, 8],
    }
    assert table.headers == ["*社会保障号码", "姓名", "出生日期", "缴费工资"]
    assert (table.header_row, table.rows_read, table.blank_rows) == (4, 2, 2)
    assert (table.format, table.sheet, table.encoding) == ("xlsx", "人员", None)
    assert table.frame.schema["_row"] == pl.Int64
    assert table.non_text_cells.is_empty()
    assert "张三" not in repr(table) and "rows_read=2" in repr(table)


def test_xlsx_without_known_headers_takes_first_nonblank_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [[], ["姓名", "备注"], ["张三", "x"]])
    table = read_table(path)
    assert table.header_row == 2
    assert as_dict(table) == {"姓名": ["张三"], "备注": ["x"], "_row": [3]}


def test_duplicate_and_empty_headers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["姓名", "姓名", None, "姓名_2", None, " 备注 "],
            ["张三", "张三丰", "x", "y", None, "z"],
        ],
        first_column=1,
    )
    table = read_table(path, known_headers=["姓名", "备注"])
    # the empty header over data is named by its Excel column (D = 4); the empty
    # column without data is left out
    assert as_dict(table) == {
        "姓名": ["张三"],
        "姓名_2": ["张三丰"],
        "列4": ["x"],
        "姓名_2_2": ["y"],
        "备注": ["z"],
        "_row": [2],
    }
    assert table.headers == ["姓名", "姓名", "", "姓名_2", " 备注 "]


def test_numeric_id_cells_are_reported(tmp_path: Path, id_check: str) -> None:
    path = write_xlsx(
        tmp_path / "ids.xlsx",
        [
            ["参保人员增加表"],
            ["姓名", "社会保障号码", "出生日期"],
            ["张三", ID_TEXT, dt.date(1983, 10, 13)],
            ["李四", ID_FLOAT, 30602],
            ["王五", ID_15_DIGITS, "1983-10-13"],
            [],
            ["赵六", dt.date(1983, 10, 13), None],
            ["钱七", True, None],
        ],
        first_column=2,
    )
    table = read_table(path, known_headers=KNOWN, id_headers=["＊社会保障 号码"])
    assert table.non_text_cells.to_dict(as_series=False) == {
        "_row": [4, 5, 7, 8],
        "header": ["社会保障号码"] * 4,
        "value": ["370103198310135680", "370103198310134976", "1983-10-13 00:00:00", "true"],
        "cell_type": ["float", "float", "date", "bool"],
    }
    # the frame still holds what was read: a valid-looking, wrong ID
    assert as_dict(table)["社会保障号码"] == [
        ID_TEXT,
        "370103198310135680",
        "370103198310134976",
        "1983-10-13",
        "true",
    ]
    assert table.non_text_cells.schema == pl.Schema(
        {"_row": pl.Int64, "header": pl.String, "value": pl.String, "cell_type": pl.String}
    )


def test_text_ids_report_nothing(
    tmp_path: Path, id_check: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if id_check == "peek":  # text-only ID columns are proven in the one fastexcel parse

        def no_second_pass(*args: object) -> None:
            raise AssertionError("the python-calamine pass should not run")

        monkeypatch.setattr(_sheets, "_non_text_cells", no_second_pass)
    path = write_xlsx(
        tmp_path / "ids.xlsx",
        [
            ["社会保障号码", "姓名", "缴费工资"],
            [ID_TEXT, "张三", 5000],
            ["11010519491231002X", "李四", 4000],
            [None, "王五", 3000],
        ],
    )
    table = read_table(path, known_headers=KNOWN, id_headers=["社会保障号码"])
    assert table.non_text_cells.is_empty()
    assert table.non_text_cells.columns == ["_row", "header", "value", "cell_type"]
    assert as_dict(table)["社会保障号码"] == [ID_TEXT, "11010519491231002X", None]


def test_text_under_1499_numbers_is_neither_null_nor_lost(tmp_path: Path, id_check: str) -> None:
    # feasibility §4.3: type inference from the first 1,000 rows turned these cells
    # into null and polars then dropped the row
    rows: list[list[Any]] = [["社会保障号码", "姓名", "代码"]]
    rows += [[110105194912310000 + i, f"人{i}", i] for i in range(1, 1500)]
    rows.append(["11010519491231002X", "最后", "A10"])
    path = write_xlsx(tmp_path / "trap.xlsx", rows)
    table = read_table(path, known_headers=KNOWN, id_headers=["社会保障号码"])
    assert table.rows_read == 1500
    assert table.frame.null_count().row(0) == (0, 0, 0, 0)
    assert table.frame.tail(1).to_dicts() == [
        {"社会保障号码": "11010519491231002X", "姓名": "最后", "代码": "A10", "_row": 1501}
    ]
    assert table.frame["代码"].head(2).to_list() == ["1", "2"]
    assert table.non_text_cells.height == 1499
    assert table.non_text_cells["_row"].to_list() == list(range(2, 1501))


def test_date_cells_and_integral_numbers_read_as_typed_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["姓名", "出生日期", "参保时间", "缴费工资", "人数", "在职"],
            ["张三", dt.date(1983, 10, 13), dt.datetime(2020, 1, 2, 8, 30), 5000.0, 3, True],
            ["李四", 30602, "2020-01", -12.5, 0, False],
        ],
    )
    table = read_table(path, known_headers=["姓名", "出生日期"])
    assert as_dict(table) == {
        "姓名": ["张三", "李四"],
        "出生日期": ["1983-10-13", "30602"],
        "参保时间": ["2020-01-02 08:30:00", "2020-01"],
        "缴费工资": ["5000", "-12.5"],
        "人数": ["3", "0"],
        "在职": ["true", "false"],
        "_row": [2, 3],
    }


def test_sheet_choice(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["姓名", "备注"], ["张三", "x"]],
        sheet="数据",
        extra_sheets=[("隐藏", True), ("说明", False)],
    )
    assert read_table(path).sheet == "说明"  # the first visible sheet
    assert read_table(path, sheet="数据").rows_read == 1
    assert read_table(path, sheet=2).sheet == "数据"
    with pytest.raises(UnusableInputError, match=r"没有名为「明细」的工作表.*「数据」"):
        read_table(path, sheet="明细")
    with pytest.raises(UnusableInputError, match=r"没有第 6 个"):
        read_table(path, sheet=5)


def test_one_known_header_is_enough_when_only_one_is_given(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["说明"], ["序号", "姓名"], ["1", "张三"]])
    assert read_table(path, known_headers=["姓 名"]).header_row == 2


def test_no_header_row_names_the_expected_headers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["说明"], ["序号", "姓名"], ["1", "张三"]])
    with pytest.raises(UnusableInputError) as error:
        read_table(path, known_headers=["社会保障号码", "姓名", "缴费工资"])
    assert "a.xlsx" in error.value.text
    assert "「社会保障号码」、「姓名」、「缴费工资」中的至少 2 个" in error.value.text


def test_empty_sheet_is_refused(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(tmp_path / "empty.xlsx")
    workbook.add_worksheet("空表")
    workbook.close()
    with pytest.raises(UnusableInputError, match=r"「empty.xlsx」的工作表「空表」是空的"):
        read_table(tmp_path / "empty.xlsx")


def test_header_only_sheet_has_no_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名", "社会保障号码"]])
    table = read_table(path, known_headers=KNOWN, id_headers=["社会保障号码"])
    assert as_dict(table) == {"姓名": [], "社会保障号码": [], "_row": []}
    assert (table.rows_read, table.blank_rows) == (0, 0)


def test_a_lost_row_stops_the_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名"], ["张三"], ["李四"]])
    load = _sheets._load_sheet

    def losing_a_row(*args: Any, **kwargs: Any) -> Any:
        loaded = load(*args, **kwargs)
        assert loaded is not None
        frame, absolute, height = loaded
        return frame.head(-1), absolute, height

    monkeypatch.setattr(_sheets, "_load_sheet", losing_a_row)
    with pytest.raises(UnusableInputError, match="读出 2 行，但工作表实际有 3 行"):
        read_table(path)


# ---------------------------------------------------------------------------- xls


def test_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("人员")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write(0, 0, "参保人员增加表")
    for c, text in enumerate(["社会保障号码", "姓名", "出生日期", "缴费工资"]):
        sheet.write(2, c, text)
    sheet.write(3, 0, ID_TEXT)
    sheet.write(3, 1, "张三")
    sheet.write(3, 2, dt.date(1983, 10, 13), date_style)
    sheet.write(3, 3, 5000)
    sheet.write(5, 0, ID_15_DIGITS)
    sheet.write(5, 1, "李四")
    sheet.write(5, 2, 30602)
    sheet.write(5, 3, 5000.5)
    workbook.save(str(tmp_path / "a.xls"))

    table = read_table(tmp_path / "a.xls", known_headers=KNOWN, id_headers=["社会保障号码"])
    assert (table.format, table.header_row, table.blank_rows) == ("xls", 3, 1)
    assert as_dict(table) == {
        "社会保障号码": [ID_TEXT, "370103198310134976"],
        "姓名": ["张三", "李四"],
        "出生日期": ["1983-10-13", "30602"],
        "缴费工资": ["5000", "5000.5"],
        "_row": [4, 6],
    }
    assert table.non_text_cells.to_dicts() == [
        {"_row": 6, "header": "社会保障号码", "value": "370103198310134976", "cell_type": "float"}
    ]


# ---------------------------------------------------------------------------- csv


def test_gb18030_csv_with_rare_characters(tmp_path: Path) -> None:
    text = "姓名,社会保障号码,备注\r\n王䶮,370103198310135672,𠮷\r\n𠮷野,11010519491231002X,\r\n"
    path = tmp_path / "gb.csv"
    path.write_bytes(text.encode("gb18030"))
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")  # the reason GB18030, not GBK, is the fallback
    table = read_table(path, known_headers=KNOWN)
    assert table.encoding == "gb18030"
    assert as_dict(table) == {
        "姓名": ["王䶮", "𠮷野"],
        "社会保障号码": [ID_TEXT, "11010519491231002X"],
        "备注": ["𠮷", None],
        "_row": [2, 3],
    }
    assert read_table(path, encoding="GBK").encoding == "gb18030"


def test_utf8_bom_csv_with_title_blank_lines_and_quoted_newline(tmp_path: Path) -> None:
    text = (
        "参保人员增加表,,\n"
        "\n"
        "姓名,社会保障号码,备注\n"
        "张三,370103198310135672,\n"
        ",,\n"
        '李四,11010519491231002X,"两行\n备注"\n'
        "\n"
        "王五,00123, 5000.0 \n"
    )
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    table = read_table(path, known_headers=KNOWN)
    assert (table.encoding, table.header_row, table.blank_rows) == ("utf-8-sig", 3, 2)
    # a csv's text is kept as written: leading zeros and "5000.0" stay
    assert as_dict(table) == {
        "姓名": ["张三", "李四", "王五"],
        "社会保障号码": [ID_TEXT, "11010519491231002X", "00123"],
        "备注": [None, "两行\n备注", " 5000.0 "],
        "_row": [4, 6, 8],
    }
    assert table.headers == ["姓名", "社会保障号码", "备注"]


def test_tab_separated_text_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "导出.xls"
    path.write_text("姓名\t社会保障号码\n张三\t370103198310135672\n", encoding="utf-8")
    table = read_table(path, known_headers=KNOWN)
    assert table.format == "csv"
    assert as_dict(table) == {"姓名": ["张三"], "社会保障号码": [ID_TEXT], "_row": [2]}


def test_utf16_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"  # Excel's "Unicode 文本": UTF-16 with BOM, tab-separated
    path.write_text("姓名\t社会保障号码\n王䶮\t370103198310135672\n", encoding="utf-16")
    table = read_table(path, known_headers=KNOWN)
    assert (table.format, table.encoding) == ("csv", "utf-16")
    assert as_dict(table) == {"姓名": ["王䶮"], "社会保障号码": [ID_TEXT], "_row": [2]}


def test_csv_with_more_fields_than_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("姓名,备注\n张三,x,多出\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match=r"列数多于表头"):
        read_table(path)


def test_csv_in_undetectable_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xd0\xd5\xc3\xfb,x\n\xff\xfe\xfd\x80,1\n")
    with pytest.raises(UnusableInputError, match=r"「a.csv」的文字编码无法识别"):
        read_table(path)
    with pytest.raises(UnusableInputError, match=r"无法按 utf-8 编码读取"):
        read_table(path, encoding="utf-8")


# ---------------------------------------------------------------------------- parquet


def test_parquet_every_column_as_text(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pl.DataFrame(
        {
            "姓名": ["张三", None, "李四"],
            "出生日期": [dt.date(1983, 10, 13), None, dt.date(1949, 12, 31)],
            "参保时间": [dt.datetime(2020, 1, 2), None, dt.datetime(2020, 1, 2, 8, 30)],
            "缴费工资": [5000.0, None, 4000.0000000000005],
            "人数": [3, None, -1],
            "在职": [True, None, False],
        }
    ).write_parquet(path)
    table = read_table(path, known_headers=["姓名", "出生日期"])
    assert (table.format, table.header_row, table.blank_rows) == ("parquet", 1, 1)
    assert as_dict(table) == {
        "姓名": ["张三", "李四"],
        "出生日期": ["1983-10-13", "1949-12-31"],
        "参保时间": ["2020-01-02", "2020-01-02 08:30:00"],
        "缴费工资": ["5000", "4000"],
        "人数": ["3", "-1"],
        "在职": ["true", "false"],
        "_row": [2, 4],
    }


def test_parquet_without_expected_headers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pl.DataFrame({"a": ["1"], "b": ["2"]}).write_parquet(path)
    with pytest.raises(UnusableInputError, match=r"没有找到表头"):
        read_table(path, known_headers=KNOWN)


# ---------------------------------------------------------------------------- unusable


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match=r"找不到文件「nope.xlsx」"):
        read_table(tmp_path / "nope.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UnusableInputError, match=r"「empty.csv」是空的"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_text("\n ,\n\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match=r"「blank.csv」中没有任何内容"):
        read_table(tmp_path / "blank.csv")


def test_png_renamed_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "报盘.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(UnusableInputError, match=r"「报盘.xlsx」是PNG 图片，不是电子表格"):
        read_table(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><table><tr><td>1</td></tr></table></html>", "网页（HTML）"),
        (b"hello, world", "内容不是 xlsx 格式"),
    ],
)
def test_other_content_named_xlsx_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnusableInputError, match=message):
        read_table(path)


def test_truncated_and_corrupt_xlsx_are_refused(tmp_path: Path) -> None:
    rows = [["姓名", "备注"]] + [[f"张{i}", "x" * 50] for i in range(2000)]
    whole = write_xlsx(tmp_path / "whole.xlsx", rows).read_bytes()
    (tmp_path / "half.xlsx").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnusableInputError, match=r"「half.xlsx」已损坏或不完整"):
        read_table(tmp_path / "half.xlsx")
    # the zip directory is intact but the sheet's compressed data is garbage
    with zipfile.ZipFile(tmp_path / "whole.xlsx") as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + 64
    broken = bytearray(whole)
    broken[start : start + 512] = bytes(512)
    (tmp_path / "broken.xlsx").write_bytes(bytes(broken))
    with pytest.raises(UnusableInputError, match=r"「broken.xlsx」已损坏"):
        read_table(tmp_path / "broken.xlsx")


def test_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(UnusableInputError, match=r"是Word 文档，不是 xlsx"):
        read_table(path)


def test_zip_bomb_by_declared_size_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bomb.xlsx", [["姓名"], ["张三"]])
    data = bytearray(path.read_bytes())
    # claim 3 GiB for the sheet in the central directory (offset 24: uncompressed size)
    entry = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        name = bytes(data[entry + 46 : entry + 46 + name_length])
        if name == b"xl/worksheets/sheet1.xml":
            break
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 3 * 1024**3)
    path.write_bytes(bytes(data))
    with pytest.raises(UnusableInputError, match=r"解压后有 3.0 GB，超过上限 2.0 GB"):
        read_table(path)


def test_zip_bomb_by_compression_ratio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * read.RATIO_CHECK_MIN_BYTES)
    with pytest.raises(UnusableInputError, match=r"解压到 \d+ MB 时压缩比已超过 200 倍"):
        read_table(path)


# ---------------------------------------------------------------------------- header_key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("社会保障号码", "社会保障号码"),
        ("*社会保障号码", "社会保障号码"),
        ("＊社会保障号码", "社会保障号码"),
        (" 姓\u3000名\n", "姓名"),
        ("缴费工资（元）：", "缴费工资元"),
        ("缴费工资(元):", "缴费工资元"),
        ("ＩＤ　Ｎｏ．", "idno"),
        ("出生日期【必填】", "出生日期必填"),
        ("\ufeff姓名", "姓名"),
        ("", ""),
    ],
)
def test_header_key(text: str, key: str) -> None:
    assert header_key(text) == key


@pytest.mark.parametrize("id_check", ["peek", "calamine"], indirect=True)
def test_text_cells_are_never_tidied_number_and_date_cells_are(
    tmp_path: Path, id_check: str
) -> None:
    """Issue 13 item 12: a text cell '10.0' stays '10.0'; a number cell 5000.0 is '5000'."""
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["姓名", "文本", "日期", "混合"],
            ["张三", "10.0", dt.date(2019, 4, 1), "2019-04-01 00:00:00"],
            ["李四", "2019-04-01 00:00:00", dt.datetime(2020, 1, 2), dt.date(2019, 4, 1)],
            ["王五", "4523.4000000000005", None, 10.0],
            ["赵六", "-3.0", dt.date(1983, 10, 13), "10.0"],
        ],
    )
    table = read_table(path, known_headers=["姓名", "文本"])
    assert as_dict(table) == {
        "姓名": ["张三", "李四", "王五", "赵六"],
        "文本": ["10.0", "2019-04-01 00:00:00", "4523.4000000000005", "-3.0"],  # all text
        "日期": ["2019-04-01", "2020-01-02", None, "1983-10-13"],  # all dates
        "混合": ["2019-04-01 00:00:00", "2019-04-01", "10", "10.0"],  # cell by cell
        "_row": [2, 3, 4, 5],
    }
    assert dict(table.tidied_cells) == {"日期": 3, "混合": 1}


def test_parquet_text_columns_are_kept_byte_for_byte(tmp_path: Path) -> None:
    pl.DataFrame({"姓名": ["张三"], "文本": ["10.0"], "数": [5000.0]}).write_parquet(
        tmp_path / "a.parquet"
    )
    table = read_table(tmp_path / "a.parquet")
    assert table.frame.row(0) == ("张三", "10.0", "5000", 2)


def test_data_on_a_later_sheet_is_found(tmp_path: Path) -> None:
    """Issue 13 item 11: an empty first sheet, or one without the header, is passed over."""
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("空白")
    notes = workbook.add_worksheet("填写说明")
    notes.write_string(0, 0, "请在第三个工作表填写")
    data = workbook.add_worksheet("人员")
    data.write_row(0, 0, ["姓名", "社会保障号码"])
    data.write_row(1, 0, ["张三", ID_TEXT])
    workbook.close()
    table = read_table(path, known_headers=KNOWN)
    assert table.sheet == "人员" and table.frame["姓名"].to_list() == ["张三"]
    with pytest.raises(UnusableInputError, match=r"工作表「空白」是空的"):
        read_table(path, known_headers=KNOWN, sheet=0)  # a chosen sheet is not passed over
    with pytest.raises(
        UnusableInputError,
        match=r"没有找到表头.*（已查看工作表 「空白」、「填写说明」、「人员」。）",
    ):
        read_table(path, known_headers=["不存在的列"])


def test_hidden_rows_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, ["姓名", "社会保障号码"])
    for r in range(1, 5):
        sheet.write_row(r, 0, [f"张{r}", ID_TEXT])
    sheet.set_row(2, None, None, {"hidden": True})
    sheet.set_row(6, None, None, {"hidden": True})  # a hidden blank row: not a data row
    workbook.close()
    table = read_table(path, known_headers=KNOWN)
    assert table.hidden_rows == (3,)
