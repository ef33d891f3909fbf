"""Tests of sbbatch.io.convert: lossless round trips, template layout, column mappings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import python_calamine
import xlsxwriter

from sbbatch.declarations import get
from sbbatch.exceptions import UnusableInputError
from sbbatch.io import xlsx
from sbbatch.io.convert import ConvertResult, convert, load_mapping

TRICKY = {
    "身份证号码": ["370103198310135672", "11010519491231002X", "370103198310135672"],
    "姓名": ["张三", "=1+1", "𠮷䶮"],
    "代码": ["0012345", "007", "1.50"],
    "长数字": ["12345678901234567890", "0.1", "1e5"],
    "备注": ["@SUM(A1)", "-2+3", "+8613812345678"],
}


def cell_values(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.value is None or cell.data_type == "s", cell.coordinate
    return rows


def source_xlsx(tmp_path: Path, columns: dict[str, list[str | None]] | None = None) -> Path:
    frame = pl.DataFrame(columns or TRICKY)
    return xlsx.write_frame(frame, tmp_path / "source.xlsx", text_columns=frame.columns)


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    first = source_xlsx(tmp_path)
    original = cell_values(first)
    convert(first, tmp_path / "a.csv")
    raw = (tmp_path / "a.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens it as UTF-8
    text = raw.decode("utf-8-sig")
    for value in (
        "370103198310135672",
        "11010519491231002X",
        "0012345",
        "12345678901234567890",
        "=1+1",
    ):
        assert value in text
    convert(tmp_path / "a.csv", tmp_path / "b.xlsx")
    assert cell_values(tmp_path / "b.xlsx") == original
    result = convert(tmp_path / "b.xlsx", tmp_path / "c.parquet")
    parquet = pl.read_parquet(tmp_path / "c.parquet")
    assert all(dtype == pl.String for dtype in parquet.dtypes)
    assert parquet.to_dict(as_series=False) == TRICKY
    assert result.rows_written == 3
    convert(tmp_path / "c.parquet", tmp_path / "d.xlsx")
    assert cell_values(tmp_path / "d.xlsx") == original


def test_gb18030_csv(tmp_path: Path) -> None:
    convert(source_xlsx(tmp_path), tmp_path / "g.csv", encoding="gb18030")
    raw = (tmp_path / "g.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "𠮷䶮" in raw.decode("gb18030")
    convert(tmp_path / "g.csv", tmp_path / "g.parquet")
    assert pl.read_parquet(tmp_path / "g.parquet").to_dict(as_series=False) == TRICKY


def test_csv_encoding_that_cannot_hold_a_character(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="gb18030"):
        convert(source_xlsx(tmp_path), tmp_path / "k.csv", encoding="gbk")
    with pytest.raises(UnusableInputError, match="不认识的编码"):
        convert(source_xlsx(tmp_path), tmp_path / "k.csv", encoding="klingon")


def test_csv_keeps_formula_like_values_and_says_so(tmp_path: Path) -> None:
    result = convert(source_xlsx(tmp_path), tmp_path / "f.csv")
    assert "=1+1" in (tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    assert any("= + - @" in note and "4 个" in note for note in result.notes)


def test_xls_output_keeps_every_cell_as_text(tmp_path: Path) -> None:
    # the agency's downloads and uploads are .xls (issue 11): written by extension
    original = cell_values(source_xlsx(tmp_path))
    convert(source_xlsx(tmp_path), tmp_path / "old.xls")
    book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "old.xls"))
    rows = book.get_sheet_by_index(0).to_python()
    assert [[("" if v is None else v) for v in row] for row in rows] == [
        [("" if v is None else v) for v in row] for row in original
    ]
    with pytest.raises(UnusableInputError, match="不支持"):
        convert(source_xlsx(tmp_path), tmp_path / "x.json")


def test_xls_template_layout_marks_required_headers(tmp_path: Path) -> None:
    convert(source_xlsx(tmp_path), tmp_path / "t.xls", kind="wage_base")
    book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "t.xls"))
    assert book.sheet_names == ["工资申报", "填写说明"]
    header = book.get_sheet_by_index(0).to_python()[0]
    assert header[0] == "*社会保障号码"


def test_kind_gives_the_template_layout(tmp_path: Path) -> None:
    src = source_xlsx(
        tmp_path,
        {
            "备注": ["x", None],
            "证件号码": ["370103198310135672", "11010519491231002X"],
            " 姓 名 ": ["张三", "李四"],
            "用工形式": ["2", "城镇合同制职工"],
            "参保年月": ["2019-04", "2019-05"],
        },
    )
    result = convert(src, tmp_path / "enrol.csv", kind="增员申报")
    declaration = get("enrolment")
    out = pl.read_csv(tmp_path / "enrol.csv", infer_schema_length=0)
    assert out.columns == [c.header for c in declaration.columns]
    assert out["身份证号码"].to_list() == ["370103198310135672", "11010519491231002X"]
    assert out["用工形式"].to_list() == ["2", "城镇合同制职工"]  # codes kept verbatim
    assert out["增员年月"].to_list() == ["2019-04", "2019-05"]
    assert out["民族"].to_list() == [None, None]
    assert result.kind == "enrolment"
    assert result.columns_dropped == ("备注",)
    assert result.columns_mapped == {
        "证件号码": "身份证号码",
        "姓 名": "姓名",
        "参保年月": "增员年月",
    }
    assert "增加原因（必填）" in result.columns_missing
    assert "民族" in result.columns_missing
    assert "未写出的列" in str(result)


def test_kind_to_xlsx_is_the_filled_template(tmp_path: Path) -> None:
    src = source_xlsx(tmp_path, {"身份证号码": ["0012345"], "姓名": ["=1+1"], "民族": ["01"]})
    convert(src, tmp_path / "t.xlsx", kind="enrolment")
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["增员申报", "填写说明", "代码表"]
    ws = wb["增员申报"]
    assert ws["A1"].value == "*身份证号码"
    assert [ws["A2"].value, ws["B2"].value, ws["G2"].value] == ["0012345", "=1+1", "01"]
    assert ws["B2"].data_type == "s"
    # and back: the template reads as the same rows
    convert(tmp_path / "t.xlsx", tmp_path / "t.parquet", kind="enrolment")
    back = pl.read_parquet(tmp_path / "t.parquet")
    assert back.row(0)[:3] == ("0012345", "=1+1", None)
    assert back["民族"].to_list() == ["01"]


MAPPING = """\
# HR export → 增员申报
columns:
  证件号: 身份证号码
  Sex: 性别
  工种: 用工形式
values:
  性别: {M: 男, F: 女}
  用工形式: {合同工: 城镇合同制职工}
defaults:
  增加原因: 在职人员新参保
  人员类别: 城镇制
"""


def test_mapping_renames_recodes_and_fills(tmp_path: Path) -> None:
    src = source_xlsx(
        tmp_path,
        {
            "证件号": ["370103198310135672", "11010519491231002X", "370103198310135680"],
            "姓名": ["张三", "李四", "王五"],
            "Sex": ["M", "F ", "X"],
            "工种": ["合同工", "临时工", "合同工"],
            "人员类别": [None, "农合制", None],
            "部门": ["财务", "人事", "IT"],
        },
    )
    mapping = tmp_path / "hr.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = convert(src, tmp_path / "out.parquet", kind="enrolment", mapping=mapping)
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out["身份证号码"].to_list()[0] == "370103198310135672"
    assert out["性别"].to_list() == ["男", "女", "X"]
    assert out["用工形式"].to_list() == ["城镇合同制职工", "临时工", "城镇合同制职工"]
    assert out["增加原因"].to_list() == ["在职人员新参保"] * 3
    assert out["人员类别"].to_list() == ["城镇制", "农合制", "城镇制"]
    assert result.columns_mapped == {"证件号": "身份证号码", "Sex": "性别", "工种": "用工形式"}
    assert result.values_recoded == {"性别": 2, "用工形式": 2}
    assert result.defaults_filled == {"增加原因": 3, "人员类别": 2}
    assert result.columns_dropped == ("部门",)
    assert "增员年月（必填）" in result.columns_missing
    text = result.summary_zh()
    assert "按映射改写的值：性别 2 个、用工形式 2 个" in text
    assert "填入默认值的空单元格：增加原因 3 个、人员类别 2 个" in text


def test_mapping_without_kind_keeps_all_columns(tmp_path: Path) -> None:
    src = source_xlsx(tmp_path, {"证件号": ["0012345"], "Sex": ["M"], "其他": ["x"]})
    result = convert(
        src,
        tmp_path / "o.csv",
        mapping={
            "columns": {"证件号": "身份证号码", "不存在": "姓名"},
            "values": {"Sex": {"M": "男"}},
        },
    )
    out = pl.read_csv(tmp_path / "o.csv", infer_schema_length=0)
    assert out.columns == ["身份证号码", "Sex", "其他"]
    assert out.row(0) == ("0012345", "男", "x")
    assert result.columns_dropped == ()
    assert any("不存在" in note for note in result.notes)


def test_rename_onto_an_existing_column_is_refused(tmp_path: Path) -> None:
    src = source_xlsx(tmp_path, {"证件号": ["1"], "身份证号码": ["2"]})
    with pytest.raises(UnusableInputError, match="已有列「身份证号码」"):
        convert(src, tmp_path / "o.csv", mapping={"columns": {"证件号": "身份证号码"}})


def test_no_matching_column_for_the_template(tmp_path: Path) -> None:
    src = source_xlsx(tmp_path, {"foo": ["1"]})
    with pytest.raises(UnusableInputError, match="没有找到表头"):
        convert(src, tmp_path / "o.csv", kind="departure")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "应是「键: 值」的列表"),
        ("colums:\n  a: b\n", "未知的一节「colums」"),
        ("columns: [a, b]\n", "columns（改列名）应是"),
        ("values:\n  性别: 男\n", "values → 性别 应是「原值: 新值」"),
        ("values:\n  民族:\n    01: 汉族\n", "加引号"),
        ("values:\n  是否:\n    yes: 是\n", "True"),
        ("defaults:\n  增加原因:\n", "是空的"),
        ("columns:\n  a: 姓名\n  b: 姓名\n", "都改名为「姓名」"),
        ("columns:\n  a: [b\n", "行附近不是有效的 YAML"),
    ],
)
def test_malformed_mapping_files(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnusableInputError, match=re.escape(expected)) as info:
        load_mapping(path)
    assert str(path) in str(info.value)
    assert "提示：" in str(info.value)


def test_mapping_file_missing_and_unknown_template_column(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="找不到映射文件"):
        load_mapping(tmp_path / "nope.yaml")
    src = source_xlsx(tmp_path, {"证件号": ["1"]})
    with pytest.raises(UnusableInputError, match="不是增员申报模板中的列"):
        convert(
            src,
            tmp_path / "o.csv",
            kind="enrolment",
            mapping={"columns": {"证件号": "身份证"}} | {"defaults": {"工号": "1"}},
        )


def test_result_type(tmp_path: Path) -> None:
    result = convert(source_xlsx(tmp_path), tmp_path / "r.parquet")
    assert isinstance(result, ConvertResult)
    assert result.columns == tuple(TRICKY)
    assert result.columns_mapped == {}
    assert result.values_recoded == {}


def test_id_stored_as_number_is_reported(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "numeric.xlsx"
    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["身份证号码", "姓名"])
        sheet.write_row(1, 0, ["370103198310135672", "张三"])
        sheet.write_number(2, 0, 370103198310135672)  # what Excel keeps of a typed ID
        sheet.write_string(2, 1, "李四")
    result = convert(path, tmp_path / "n.csv", kind="departure")
    assert any("1 个单元格存的是数字" in note and "第 3 行" in note for note in result.notes)
    assert "请核对" in str(result)


def test_text_that_looks_like_a_number_cell_survives(tmp_path: Path) -> None:
    texts = {"a": ["10.0", "2019-04-01 00:00:00"]}
    convert(source_xlsx(tmp_path, texts), tmp_path / "x.parquet")
    assert pl.read_parquet(tmp_path / "x.parquet").to_dict(as_series=False) == texts


def test_date_and_number_cells_are_tidied_and_the_report_says_so(tmp_path: Path) -> None:
    """Only cells stored as dates or numbers change, and the result lists them."""
    path = tmp_path / "typed.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "出生日期", "备注"])
    sheet.write_string(1, 0, "张三")
    sheet.write_datetime(
        1, 1, dt.datetime(1983, 10, 13), workbook.add_format({"num_format": "yyyy-mm-dd"})
    )
    sheet.write_string(1, 2, "2019-04-01 00:00:00")
    workbook.close()
    result = convert(path, tmp_path / "x.csv")
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "1983-10-13," in text and "2019-04-01 00:00:00" in text
    assert "1983-10-13 00:00:00" not in text
    assert any(
        "「出生日期」1 个" in note and "文本单元格一律原样写出" in note for note in result.notes
    )
