"""Tests of sbbatch.io.xlsx: frames, templates, error reports and results, read back with openpyxl."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sbbatch import codes
from sbbatch.declarations import Declaration, get
from sbbatch.exceptions import UnusableInputError
from sbbatch.io import xlsx

RED_FILL = "FFFFC7CE"
YELLOW_FILL = "FFFFEB9C"
FORMULA_LIKE = ["=1+1", "@SUM(A1)", "-2+3", "+8613812345678", '=HYPERLINK("http://x")']


def sheet_xml(path: Path, index: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def values(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def column_format(ws: openpyxl.worksheet.worksheet.Worksheet, index: int) -> str:
    """The number format of a whole column (openpyxl groups equal neighbours)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return str(dim.number_format)
    return "General"


def validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, object]:
    """Data validations by the column letter they start in."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split(":")[0]
        found[re.sub(r"\d", "", first)] = dv
    return found


# --------------------------------------------------------------------------- frames


def test_formula_like_text_is_never_a_formula(tmp_path: Path) -> None:
    frame = pl.DataFrame({"name": FORMULA_LIKE, "id": ["370103198310135678"] * 5})
    path = xlsx.write_frame(frame, tmp_path / "f.xlsx", text_columns=["id"])
    ws = openpyxl.load_workbook(path).active
    for row, text in enumerate(FORMULA_LIKE, start=2):
        cell = ws.cell(row, 1)
        assert cell.data_type == "s"
        assert cell.value == text
    assert "<f>" not in sheet_xml(path)
    assert ws.cell(2, 2).number_format == "@"


def test_write_frame_types_formats_and_layout(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "person_id": ["11010519491231002X", "370103198310135678", None],
            "code": [12345, 7, 1],
            "born": [date(1949, 12, 31), date(1899, 1, 1), None],
            "wage": [500069, 69, -5],
            "big": [12345678901234567, 1, 2],
            "count": [3, 4, 5],
            "month": [date(2019, 4, 1), date(2019, 5, 1), None],
            "ok": [True, False, None],
        }
    )
    path = xlsx.write_frame(
        frame,
        tmp_path / "t.xlsx",
        sheet="人员",
        headers={"person_id": "身份证号码", "wage": "缴费工资"},
        text_columns=["person_id", "code"],
        money_columns=["wage"],
        month_columns=["month"],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["人员"]
    assert values(ws)[0] == [
        "身份证号码",
        "code",
        "born",
        "缴费工资",
        "big",
        "count",
        "month",
        "ok",
    ]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1])
    row = values(ws)[1]
    assert row[0] == "11010519491231002X"
    assert row[1] == "12345"
    assert row[2] == datetime(1949, 12, 31)
    assert ws.cell(2, 3).number_format == "yyyy-mm-dd"
    assert row[3] == pytest.approx(5000.69)
    assert ws.cell(2, 4).number_format == "#,##0.00"
    assert row[4] == "12345678901234567"  # 17 digits: kept as text, never rounded
    assert row[5] == 3
    assert row[6] == "2019-04"
    assert row[7] == "是"
    assert values(ws)[2][2] == "1899-01-01"  # before Excel's calendar: ISO text
    assert ws.cell(2, 1).number_format == "@"
    assert column_format(ws, 1) == "@"


def test_money_is_written_as_its_exact_decimal(tmp_path: Path) -> None:
    fen = [69, 56, 1, 10, 123456789012, -5, 0]
    path = xlsx.write_frame(pl.DataFrame({"w": fen}), tmp_path / "m.xlsx", money_columns=["w"])
    cells = re.findall(r"<c r=\"A\d+\"([^>]*)><v>([^<]*)</v>", sheet_xml(path))
    numbers = [number for attributes, number in cells if 't="s"' not in attributes]
    assert [Decimal(n) for n in numbers] == [Decimal(f) / 100 for f in fen]
    assert "0.69" in numbers  # not 0.6899999999999999
    assert all(len(n) < 16 for n in numbers)


def test_money_rejects_floats() -> None:
    with pytest.raises(TypeError, match="fen"):
        xlsx.write_frame(pl.DataFrame({"w": [1.5]}), "unused.xlsx", money_columns=["w"])


def test_widths_count_cjk_as_two(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": ["城镇合同制职工" * 2], "b": ["abcdefghijklmn"]})
    ws = openpyxl.load_workbook(xlsx.write_frame(frame, tmp_path / "w.xlsx")).active
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width + 10


def test_highlight_fills(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": ["x", "y"], "b": ["1", None]})
    marks = pl.DataFrame(
        {"row": [0, 1, 1], "column": ["a", "b", "b"], "level": ["warn", "warn", "reject"]}
    )
    ws = openpyxl.load_workbook(
        xlsx.write_frame(frame, tmp_path / "h.xlsx", highlight=marks)
    ).active
    assert ws["A2"].fill.fgColor.rgb == YELLOW_FILL
    assert ws["B3"].fill.fgColor.rgb == RED_FILL  # reject wins, blank cell filled too
    assert ws["B2"].fill.fgColor.rgb != RED_FILL


@pytest.mark.slow
def test_large_frames_stream_in_row_order(tmp_path: Path) -> None:
    n = xlsx.CONSTANT_MEMORY_ROWS + 10
    frame = pl.DataFrame({"id": [f"{i:018d}" for i in range(n)], "wage": list(range(n))})
    path = xlsx.write_frame(
        frame, tmp_path / "big.xlsx", text_columns=["id"], money_columns=["wage"]
    )
    assert 't="inlineStr"' in sheet_xml(path)  # constant_memory mode
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()
    assert len(rows) == n + 1
    assert rows[1] == ("000000000000000000", 0)
    assert rows[-1] == (f"{n - 1:018d}", pytest.approx((n - 1) / 100))


def test_too_many_rows_and_unwritable_path(tmp_path: Path) -> None:
    with (
        pytest.raises(UnusableInputError, match="1,048,576"),
        xlsx.open_workbook(tmp_path / "x.xlsx", rows=xlsx.EXCEL_MAX_ROWS),
    ):
        pass
    with pytest.raises(UnusableInputError, match="无法写入"):
        xlsx.write_frame(pl.DataFrame({"a": ["1"]}), tmp_path / "missing" / "x.xlsx")


def test_display_width() -> None:
    assert xlsx.text_width("身份证号码") == 10
    assert xlsx.text_width("ＡＢ") == 4
    assert xlsx.text_width("𠮷") == 2


@given(st.lists(st.text(max_size=12), max_size=30))
def test_text_width_is_display_width_of_one_text(texts: list[str]) -> None:
    from sbbatch.io._xlsx_writer import display_width

    texts += ["身份证号码", "ＡＢ", "𠮷", "城镇（非农业户口）", "ｱ한글ㄱ〇〿\u3040\uffe6\uffe7", ""]
    by_query = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(
        display_width(pl.col("t"))
    )
    assert [xlsx.text_width(text) for text in texts] == by_query.to_series().to_list()


# ------------------------------------------------------------------------- templates


def test_enrolment_template_layout(tmp_path: Path) -> None:
    declaration = get("enrolment")
    path = xlsx.write_template(declaration, tmp_path / "enrol.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["增员申报", "填写说明", "代码表"]
    assert wb["代码表"].sheet_state == "hidden"
    ws = wb["增员申报"]
    assert wb.active.title == "增员申报"
    headers = [cell.value for cell in ws[1]]
    assert headers == [f"*{c.header}" if c.required else c.header for c in declaration.columns]
    for cell, column in zip(ws[1], declaration.columns, strict=True):
        assert cell.font.bold
        assert (
            cell.font.color is not None and cell.font.color.rgb == "FFC00000"
        ) == column.required
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1  # no example row: it would be read as data
    for index, column in enumerate(declaration.columns, start=1):
        assert column_format(ws, index) == "@", column.header

    dv = validations(ws)
    assert dv["F"].type == "list"  # 用工形式
    labels = codes.table("employment_form")["label"].to_list()
    assert dv["F"].formula1 == '"' + ",".join(labels) + '"'
    assert dv["F"].errorStyle == "warning"
    assert dv["C"].formula1 == '"男,女"'  # 性别
    assert dv["G"].formula1 == "'代码表'!$A$2:$A$57"  # 民族: 56 labels on the hidden sheet
    assert str(dv["G"].sqref) == "G2:G5001"
    month = dv[openpyxl.utils.get_column_letter(headers.index("*增员年月") + 1)]
    assert month.promptTitle == "增员年月"
    assert "写成 2019-04" in month.prompt
    assert "写成 1999-06-23" in dv["D"].prompt  # 出生日期
    assert dv["A"].prompt  # ID number: input message

    codes_ws = wb["代码表"]
    ethnic = [codes_ws.cell(r, 1).value for r in range(2, 58)]
    assert ethnic == codes.table("ethnicity")["label"].to_list()
    assert codes_ws.cell(2, 2).value == "01"


def test_guide_sheet_explains_every_column(tmp_path: Path) -> None:
    declaration = get("enrolment")
    ws = openpyxl.load_workbook(xlsx.write_template(declaration, tmp_path / "g.xlsx"))["填写说明"]
    rows = values(ws)
    assert rows[0][0] == "增员申报报盘填写说明"
    assert any("红色*项目是必须的" in str(r[0]) for r in rows[:6])
    start = next(i for i, r in enumerate(rows) if r[0] == "列名")
    assert rows[start] == ["列名", "是否必填", "格式", "可选值", "示例", "说明"]
    body = {r[0]: r for r in rows[start + 1 :] if r[0]}
    assert list(body) == [c.header for c in declaration.columns]
    assert body["身份证号码"][1] == "是"
    assert body["身份证号码"][4] == "370103198310135678"
    assert "文本" in body["身份证号码"][2]
    assert body["民族"][1] == "否"
    assert str(body["民族"][3]).startswith("汉族、蒙古族、回族")
    assert body["增员年月"][2] == "文本，年-月，如 2019-04"
    assert "自动带出" in body["性别"][5]
    assert ws.cell(start + 2, 1).font.color.rgb == "FFC00000"  # 身份证号码 required: red


def test_departure_template_uses_code_sheet_for_long_lists(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(xlsx.write_template(get("departure"), tmp_path / "d.xlsx"))
    dv = validations(wb["减员申报"])
    n = codes.table("leave_reason").height
    assert dv["D"].formula1 == f"'代码表'!$A$2:$A${n + 1}"


def test_template_with_data(tmp_path: Path) -> None:
    rows = pl.DataFrame(
        {
            "person_id": ["370103198310135678", "11010519491231002X"],
            "name": ["张三", "=1+1"],
            "gender": ["1", "女"],
            "birth_date": [date(1983, 10, 13), None],
            "employment_form": ["2", "不存在的形式"],
            "ethnicity": ["01", None],
            "add_reason": ["111", "在职人员续保"],
            "month": [date(2019, 4, 1), date(2019, 5, 1)],
            "person_category": ["11", "12"],
            "source_row": [2, 3],
        }
    )
    ws = openpyxl.load_workbook(
        xlsx.write_template(get("enrolment"), tmp_path / "e.xlsx", rows)
    ).active
    got = values(ws)
    header = [str(h).lstrip("*") for h in got[0]]
    first = dict(zip(header, got[1], strict=True))
    second = dict(zip(header, got[2], strict=True))
    assert first["身份证号码"] == "370103198310135678"
    assert first["性别"] == "男"
    assert first["出生日期"] == "1983-10-13"
    assert first["用工形式"] == "城镇合同制职工"
    assert first["民族"] == "汉族"
    assert first["增加原因"] == "在职人员新参保"
    assert first["增员年月"] == "2019-04"
    assert first["人员类别"] == "城镇制"
    assert second["用工形式"] == "不存在的形式"  # unknown code kept for the check to report
    assert second["姓名"] == "=1+1"
    name_cell = ws.cell(3, header.index("姓名") + 1)
    assert name_cell.data_type == "s"
    assert name_cell.number_format == "@"
    assert len(got) == 3


def test_wage_template_money_as_yuan(tmp_path: Path) -> None:
    rows = pl.DataFrame(
        {"person_id": ["370103198310135678"], "wage_fen": [500069], "month": [date(2019, 3, 1)]}
    )
    path = xlsx.write_template(get("wage_base"), tmp_path / "w.xlsx", rows)
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[1]] == ["*社会保障号码", "姓名", "*缴费工资", "申报年月"]
    assert [c.value for c in ws[2]] == [
        "370103198310135678",
        None,
        pytest.approx(5000.69),
        "2019-03",
    ]
    assert ws["C2"].number_format == "0.00"
    assert column_format(ws, 3) == "0.00"
    assert "<v>5000.69</v>" in sheet_xml(path)


def test_template_frame_every_column() -> None:
    shown = xlsx.template_frame(get("departure"))
    assert shown.columns == ["身份证号码", "姓名", "减员年月", "减员原因"]
    assert shown.height == 0


def test_every_declaration_has_a_template(tmp_path: Path) -> None:
    from sbbatch.declarations import registry

    for kind, declaration in registry().items():
        wb = openpyxl.load_workbook(xlsx.write_template(declaration, tmp_path / f"{kind}.xlsx"))
        assert wb.sheetnames[0] == declaration.title


# ---------------------------------------------------------------------- error reports


@dataclass(frozen=True)
class StandInRaw:
    frame: pl.DataFrame
    headers: list[str]


@dataclass(frozen=True)
class StandInBatch:
    """What write_error_report uses of sbbatch.batch.Batch."""

    declaration: Declaration
    raw: StandInRaw | None
    rows: pl.DataFrame
    failures: pl.DataFrame

    @property
    def rows_read(self) -> int:
        return self.rows.height

    def _bad(self) -> pl.Series:
        return self.failures.filter(pl.col("level") == "reject")["row"].unique()

    @property
    def rejected(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("source_row").is_in(self._bad().implode()))

    @property
    def accepted(self) -> pl.DataFrame:
        return self.rows.filter(~pl.col("source_row").is_in(self._bad().implode()))


USER_HEADERS = ["证件号码", "姓名", "用工形式", "增加原因", "增员年月", "人员类别", "备注"]
USER_ROWS = {
    "证件号码": ["370103198310135678", "370103198310135671", "0012345", "11010519491231002X"],
    "姓名": ["张三", "=1+1", "王五", "赵六"],
    "用工形式": ["城镇合同制职工", "城镇合同制职工", "合同工", "临时工"],
    "增加原因": ["在职人员新参保"] * 4,
    "增员年月": ["2019-04", "2019/13", "2019-04", "2019-04"],
    "人员类别": ["城镇制"] * 4,
    "备注": [None, "新入职", None, "  保留空格 "],
}
FAILURES = pl.DataFrame(
    {
        "row": [3, 3, 3, 5, 5, None],
        "column": ["身份证号码", "姓名", "增员年月", "身份证号码", "用工形式", "手机号码"],
        "value": ["370103198310135671", "=1+1", "2019/13", "0012345", "合同工", None],
        "rule": [
            "id_check_digit",
            "formula_like",
            "month_format",
            "id_length",
            "code_unknown",
            "x",
        ],
        "level": ["reject", "warn", "reject", "reject", "reject", "warn"],
        "message": [
            "身份证号码「370103198310135671」校验位错误，应为 2。",
            "姓名「=1+1」以 = + - @ 开头。",
            "不是有效的年月。",
            "身份证号码「0012345」长度不对。",
            "用工形式「合同工」不是有效的选项。",
            "文件级提示。",
        ],
    },
    schema_overrides={"row": pl.Int64},
)


def stand_in_batch(*, raw: bool = True) -> StandInBatch:
    source_rows = [2, 3, 5, 7]  # the user's file had blank rows 4 and 6
    frame = pl.DataFrame(USER_ROWS).with_columns(pl.Series("_row", source_rows, pl.Int64))
    typed = pl.DataFrame(
        {
            "source_row": source_rows,
            "person_id": USER_ROWS["证件号码"],
            "name": USER_ROWS["姓名"],
            "employment_form": ["2", "2", None, "4"],
            "month": [date(2019, 4, 1), None, date(2019, 4, 1), date(2019, 4, 1)],
        }
    )
    return StandInBatch(
        get("enrolment"), StandInRaw(frame, USER_HEADERS) if raw else None, typed, FAILURES
    )


def test_error_report_rows_messages_and_fills(tmp_path: Path) -> None:
    path = xlsx.write_error_report(stand_in_batch(), tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["增员申报检查结果", "问题清单"]
    ws = wb["增员申报检查结果"]
    assert "读取 4 行，通过 2 行，不通过 2 行，提示 2 条" in ws["A1"].value
    rows = values(ws)
    assert rows[1] == ["原行号", "错误信息", *USER_HEADERS]
    assert ws.freeze_panes == "C3"
    body = rows[2:]
    assert [r[0] for r in body] == [2, 3, 5, 7]
    for r, user_row in zip(body, zip(*USER_ROWS.values(), strict=True), strict=True):
        assert r[2:] == list(user_row)  # the user's text, exactly
    assert body[0][1] is None and body[3][1] is None  # passed rows: empty 错误信息
    assert body[1][1] == (
        "身份证号码「370103198310135671」校验位错误，应为 2；"
        "提示：姓名「=1+1」以 = + - @ 开头；增员年月：不是有效的年月。"
    )
    assert body[2][1] == "身份证号码「0012345」长度不对；用工形式「合同工」不是有效的选项。"
    # the failing cells, found under the user's header 证件号码 (a synonym of 身份证号码)
    assert ws["C4"].fill.fgColor.rgb == RED_FILL
    assert ws["D4"].fill.fgColor.rgb == YELLOW_FILL
    assert ws["D4"].data_type == "s"
    assert ws["G4"].fill.fgColor.rgb == RED_FILL
    assert ws["B4"].fill.fgColor.rgb == RED_FILL
    assert ws["E5"].fill.fgColor.rgb == RED_FILL
    assert ws["C3"].fill.fgColor.rgb not in (RED_FILL, YELLOW_FILL)
    assert ws["C6"].number_format == "@"

    issues = values(wb["问题清单"])
    assert "不通过 2 行" in issues[0][0]
    assert issues[1] == ["行号", "列", "值", "规则", "级别", "说明"]
    assert len(issues) - 2 == FAILURES.height
    assert issues[2][0] is None and issues[2][4] == "提示"  # file-level first
    assert issues[3] == [
        3,
        "证件号码",
        "370103198310135671",
        "id_check_digit",
        "不通过",
        "身份证号码「370103198310135671」校验位错误，应为 2。",
    ]
    assert wb["问题清单"]["E4"].fill.fgColor.rgb == RED_FILL
    assert wb["问题清单"]["E5"].fill.fgColor.rgb == YELLOW_FILL


def test_error_report_without_raw_uses_typed_rows(tmp_path: Path) -> None:
    path = xlsx.write_error_report(stand_in_batch(raw=False), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path).active
    rows = values(ws)
    assert rows[1][:4] == ["原行号", "错误信息", "身份证号码", "姓名"]
    assert [r[0] for r in rows[2:]] == [2, 3, 5, 7]
    assert rows[2][2] == "370103198310135678"
    assert ws["C4"].fill.fgColor.rgb == RED_FILL
    employment = rows[1].index("用工形式")
    assert rows[2][employment] == "城镇合同制职工"


def user_file(path: Path) -> Path:
    """An analyst's own sheet: a title row, a synonym header, a blank row, extra columns."""
    import xlsxwriter

    rows = [
        ["2026年11月增员名单"],
        ["序", "证件号码", "姓 名", "用工形式", "增加原因", "参保年月", "人员类别", "部门"],
        [
            "1",
            "370103198310135678",
            "张三",
            "城镇合同制职工",
            "在职人员新参保",
            "2019-04",
            "城镇制",
            "财务",
        ],
        [
            "2",
            "370103198310135671",
            "=1+1",
            "合同工",
            "在职人员新参保",
            "2019/13",
            "城镇制",
            "人事",
        ],
        [],
        ["3", "11010519491231002X", "王五", "临时工", "在职人员新参保", "2019-04", "城镇制", None],
    ]
    with xlsxwriter.Workbook(str(path), {"strings_to_formulas": False}) as workbook:
        sheet = workbook.add_worksheet("名单")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, value)
    return path


def real_batch(tmp_path: Path) -> object:
    """A real ``Batch`` over a real ``RawTable``; failures as the checker reports them."""
    batch_module = pytest.importorskip("sbbatch.batch")
    from sbbatch.io.read import read_table

    declaration = get("enrolment")
    known = [n for c in declaration.columns for n in (c.header, *c.synonyms)]
    raw = read_table(user_file(tmp_path / "mine.xlsx"), known_headers=known)
    rows = pl.DataFrame({"source_row": raw.frame["_row"]})
    failures = pl.DataFrame(
        {
            "row": [4, 4, 4, 4, 6],
            "column": ["身份证号码", "姓名", "用工形式", "增员年月", "身份证号码"],
            "value": ["370103198310135671", "=1+1", "合同工", "2019/13", "11010519491231002X"],
            "rule": ["id_check_digit", "formula_like", "code_unknown", "month_format", "x_warn"],
            "level": ["reject", "warn", "reject", "reject", "warn"],
            "message": [
                "身份证号码「370103198310135671」校验码不对，应为 2。",
                "姓名「=1+1」以 = + - @ 开头，Excel 可能把它当作公式；sbbatch 写出时一律按文本处理。",
                "用工形式「合同工」不是有效的选项。提示：原固定职工、城镇合同制职工、农民合同制工人、临时工、其他。",
                "增员年月「2019/13」不是有效的年月。提示：请写成 2019-04。",
                "身份证号码「11010519491231002X」的人已满 60 周岁，请核对。",
            ],
        },
        schema_overrides={"row": pl.Int64},
    )
    return batch_module.Batch(declaration, rows, failures, raw=raw)


def test_error_report_with_real_batch_and_raw_table(tmp_path: Path) -> None:
    batch = real_batch(tmp_path)
    path = xlsx.write_error_report(batch, tmp_path / "b.xlsx")  # type: ignore[arg-type]
    ws = openpyxl.load_workbook(path).active
    rows = values(ws)
    assert "读取 3 行，通过 2 行，不通过 1 行，提示 2 条" in ws["A1"].value
    assert rows[1] == [
        "原行号",
        "错误信息",
        "序",
        "证件号码",
        "姓 名",
        "用工形式",
        "增加原因",
        "参保年月",
        "人员类别",
        "部门",
    ]
    assert [r[0] for r in rows[2:]] == [3, 4, 6]  # the user's own row numbers
    assert rows[3][4] == "=1+1" and ws["E4"].data_type == "s"
    assert ws["D4"].fill.fgColor.rgb == RED_FILL  # 证件号码 (身份证号码)
    assert ws["E4"].fill.fgColor.rgb == YELLOW_FILL  # 姓 名
    assert ws["H4"].fill.fgColor.rgb == RED_FILL  # 参保年月 (增员年月)
    assert ws["D5"].fill.fgColor.rgb == YELLOW_FILL
    assert ws["B5"].fill.fgColor.rgb == YELLOW_FILL
    assert rows[4][1] == "提示：身份证号码「11010519491231002X」的人已满 60 周岁，请核对。"


# ------------------------------------------------------------------------- results


def test_result_table(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "person_id": ["370103198310135678", "11010519491231002X"],
            "result": ["审核成功", "不通过"],
            "note": [None, "已在其他单位参保"],
            "wage": [500000, 450069],
        }
    )
    path = xlsx.write_result(
        frame,
        tmp_path / "res.xlsx",
        "增员申报审核结果",
        {"person_id": "身份证号码", "result": "审核结果", "note": "审核说明", "wage": "缴费工资"},
        money_columns=["wage"],
    )
    ws = openpyxl.load_workbook(path).active
    rows = values(ws)
    assert rows[0][0] == "增员申报审核结果"
    assert rows[1] == ["序号", "身份证号码", "审核结果", "审核说明", "缴费工资"]
    # money as yuan text, exactly as the presenter writes it everywhere (issue 10)
    assert rows[2] == [1, "370103198310135678", "审核成功", None, "5000.00"]
    assert rows[3][4] == "4500.69"
    assert rows[4][0] == "共2人"
    assert ws.freeze_panes == "A3"
    assert ws["B3"].number_format == "@"


@pytest.mark.slow
def test_large_error_report_streams(tmp_path: Path) -> None:
    n = xlsx.CONSTANT_MEMORY_ROWS + 1
    rows = list(range(2, n + 2))
    raw = StandInRaw(
        pl.DataFrame({"证件号码": [f"{i:018d}" for i in rows], "_row": rows}), ["证件号码"]
    )
    failures = pl.DataFrame(
        {
            "row": [n + 1],
            "column": ["身份证号码"],
            "value": ["x"],
            "rule": ["r"],
            "level": ["reject"],
            "message": ["坏了。"],
        },
        schema_overrides={"row": pl.Int64},
    )
    batch = StandInBatch(get("departure"), raw, pl.DataFrame({"source_row": rows}), failures)
    path = xlsx.write_error_report(batch, tmp_path / "big.xlsx")
    assert 't="inlineStr"' in sheet_xml(path)
    wb = openpyxl.load_workbook(path, read_only=True)
    last = list(wb.active.iter_rows(min_row=n + 2, values_only=True))
    wb.close()
    assert last == [(n + 1, "身份证号码：坏了。", f"{n + 1:018d}")]


def test_error_report_of_a_checked_file(tmp_path: Path) -> None:
    batch_module = pytest.importorskip("sbbatch.batch")
    batch = batch_module.check(
        user_file(tmp_path / "mine.xlsx"), "enrolment", today=date(2026, 11, 26)
    )
    ws = openpyxl.load_workbook(xlsx.write_error_report(batch, tmp_path / "r.xlsx")).active
    rows = values(ws)
    summary = f"读取 {batch.rows_read} 行，通过 {batch.accepted.height} 行，不通过 {batch.rejected.height} 行"
    assert summary in ws["A1"].value
    assert [r[0] for r in rows[2:]] == batch.raw.frame["_row"].to_list() == [3, 4, 6]
    rejected = set(batch.rejected["source_row"].to_list())
    for offset, row in enumerate(rows[2:]):
        if row[0] in rejected:
            assert row[1], row
            assert ws.cell(offset + 3, 2).fill.fgColor.rgb == RED_FILL
    month = rows[1].index("参保年月") + 1  # a synonym of 增员年月
    assert ws.cell(4, month).fill.fgColor.rgb == RED_FILL  # 2019/13
    assert ws.cell(4, rows[1].index("姓 名") + 1).value == "=1+1"
