"""Tests of checking batch files: header matching, typing, rules, failures, counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from sbbatch.batch import FAILURE_SCHEMA, check, check_frame, detect_kind, match_headers
from sbbatch.declarations import get, registry
from sbbatch.exceptions import UnusableInputError

TODAY = dt.date(2026, 11, 26)
GOOD_ID = "370102199001011231"  # 历下区, 1990-01-01, male
OLD_REGION_ID = "370102197001011232"  # 历下区 did not exist in 1970; still valid for us
FEMALE_ID = "370112198503070029"


def _enrolment(**overrides: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "身份证号码": [GOOD_ID],
        "姓名": ["张三"],
        "用工形式": ["城镇合同制职工"],
        "增加原因": ["在职人员新参保"],
        "增员年月": ["2026-11"],
        "人员类别": ["城镇制"],
    }
    base.update(overrides)
    return pl.DataFrame(base)


def _rules(frame: pl.DataFrame, kind: str = "enrolment") -> list[tuple[int, str, str]]:
    batch = check_frame(frame, kind, today=TODAY)
    return [(r["row"], r["rule"], r["level"]) for r in batch.failures.iter_rows(named=True)]


def test_a_clean_row_passes_and_derives_from_the_id() -> None:
    batch = check_frame(_enrolment(), "enrolment", today=TODAY)
    assert batch.failures.height == 0
    row = batch.accepted.row(0, named=True)
    assert row["gender"] == "1"
    assert row["birth_date"] == dt.date(1990, 1, 1)
    assert (row["hukou_province"], row["hukou_city"], row["hukou_county"]) == (
        "山东省",
        "济南市",
        "历下区",
    )
    assert row["employment_form"] == "2"
    assert row["month"] == dt.date(2026, 11, 1)
    assert row["person_category"] == "11"


@pytest.mark.parametrize(
    ("month_text", "expected"),
    [
        ("2019-04", dt.date(2019, 4, 1)),
        ("201904", dt.date(2019, 4, 1)),
        ("2019/4", dt.date(2019, 4, 1)),
        ("2019.4", dt.date(2019, 4, 1)),
        ("2019年4月", dt.date(2019, 4, 1)),
        ("2019-04-01 00:00:00", dt.date(2019, 4, 1)),
    ],
)
def test_month_formats(month_text: str, expected: dt.date) -> None:
    batch = check_frame(_enrolment(增员年月=[month_text]), "enrolment", today=TODAY)
    assert batch.rows["month"][0] == expected
    assert batch.rejected.height == 0


def test_an_excel_serial_month_is_read_with_a_warning() -> None:
    assert _rules(_enrolment(增员年月=["43556"])) == [(1, "excel_serial", "warn")]


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("身份证号码", "370102199001011232", "id_checksum"),
        ("身份证号码", "37010219900101123", "id_format"),
        ("身份证号码", "370102199002301234", "id_birth_date"),
        ("身份证号码", "990102199001011234", "id_region"),
        ("增员年月", "2019/13", "month_format"),
        ("用工形式", "合同工", "code_unknown"),
        ("人员类别", "外包", "code_unknown"),
        ("性别", "未知", "gender_format"),
        ("性别", "女", "gender_matches_id"),
        ("出生日期", "1990-01-02", "birth_date_matches_id"),
        ("出生日期", "1990-02-30", "date_format"),
        ("手机号码", "1381234567", "phone_format"),
        ("参加工作日期", "1980-01-01", "work_start_before_birth"),
        ("姓名", "甲/../../../../tmp/x", "name_path_chars"),
        ("姓名", "张\\三", "name_path_chars"),
        ("姓名", "张\x07三", "name_path_chars"),
        ("姓名", "张三\x00", "name_path_chars"),
    ],
)
def test_each_rule_rejects_its_row(column: str, value: str, rule: str) -> None:
    failures = _rules(_enrolment(**{column: [value]}))
    assert (1, rule, "reject") in failures, failures


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("姓名", "=HYPERLINK(1)", "formula_like"),
        ("通讯地址", "@SUM(A1)", "formula_like"),
        ("姓名", "张三2号ab", "name_chars"),
        ("参加工作日期", "2027-01-01", "work_start_after_month"),
    ],
)
def test_warnings_keep_the_row(column: str, value: str, rule: str) -> None:
    batch = check_frame(_enrolment(**{column: [value]}), "enrolment", today=TODAY)
    assert (1, rule, "warn") in [
        (r["row"], r["rule"], r["level"]) for r in batch.failures.iter_rows(named=True)
    ]
    if rule != "work_start_after_month":
        assert batch.accepted.height == 1


def test_a_region_that_did_not_exist_in_the_birth_year_is_accepted() -> None:
    batch = check_frame(_enrolment(身份证号码=[OLD_REGION_ID]), "enrolment", today=TODAY)
    assert batch.rejected.height == 0


def test_an_old_15_digit_number_is_upgraded_with_a_warning() -> None:
    batch = check_frame(_enrolment(身份证号码=["370102900101123"]), "enrolment", today=TODAY)
    assert batch.rows["person_id"][0] == GOOD_ID
    assert [r["rule"] for r in batch.failures.iter_rows(named=True)] == ["id_upgraded_15"]


def test_full_width_and_lower_case_x_are_normalised() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "370102199001011231")
    batch = check_frame(
        _enrolment(身份证号码=[full_width], 姓名=[" 张三 "]), "enrolment", today=TODAY
    )
    assert batch.rows["person_id"][0] == GOOD_ID
    assert batch.rows["name"][0] == "张三"
    assert batch.failures.height == 0


def test_required_cells_left_blank_are_named() -> None:
    batch = check_frame(_enrolment(人员类别=[None], 增员年月=[""]), "enrolment", today=TODAY)
    messages = sorted(batch.failures["message"].to_list())
    assert messages == ["人员类别必填，不能为空。", "增员年月必填，不能为空。"]


def test_duplicates_within_a_file_point_at_the_first_row() -> None:
    frame = pl.concat(
        [_enrolment(), _enrolment(), _enrolment(身份证号码=[FEMALE_ID], 姓名=["李四"])]
    )
    batch = check_frame(frame, "enrolment", today=TODAY)
    duplicate = batch.failures.filter(pl.col("rule") == "duplicate_in_file")
    assert duplicate["row"].to_list() == [2]
    assert "与第 1 行相同" in duplicate["message"][0]
    assert batch.accepted.height == 2


def test_all_problems_of_all_rows_in_one_pass() -> None:
    frame = pl.DataFrame(
        {
            "身份证号码": ["370102199001011232", GOOD_ID],
            "姓名": ["甲", "乙"],
            "用工形式": ["合同工", "临时工"],
            "增加原因": ["在职人员新参保", "不存在的原因"],
            "增员年月": ["2019/13", "2026-11"],
            "人员类别": ["城镇制", "城镇制"],
        }
    )
    batch = check_frame(frame, "enrolment", today=TODAY)
    assert sorted(_rules(frame)) == sorted(
        [
            (1, "id_checksum", "reject"),
            (1, "code_unknown", "reject"),
            (1, "month_format", "reject"),
            (2, "code_unknown", "reject"),
        ]
    )
    assert batch.accepted.height + batch.rejected.height == batch.rows_read == 2
    assert dict(batch.failures.schema) == FAILURE_SCHEMA


def test_a_checksum_message_says_the_right_digit() -> None:
    batch = check_frame(_enrolment(身份证号码=["370102199001011232"]), "enrolment", today=TODAY)
    assert batch.failures["message"][0] == "身份证号码「370102199001011232」校验位错误，应为 1"


def test_wage_base_money() -> None:
    frame = pl.DataFrame(
        {
            "社会保障号码": [GOOD_ID, FEMALE_ID, OLD_REGION_ID, "370102198001011237"],
            "姓名": ["甲", "乙", "丙", "丁"],
            "缴费工资": ["5,000.00", "0", "12.345", "-1"],
        }
    )
    batch = check_frame(frame, "wage_base", today=TODAY)
    assert batch.rows["wage_fen"].to_list()[:2] == [500000, 0]
    assert sorted(_rules(frame, "wage_base")) == [
        (2, "wage_positive", "reject"),
        (3, "money_format", "reject"),
        (4, "money_negative", "reject"),
        (4, "wage_positive", "reject"),
    ]


def test_headers_match_ignoring_marks_and_synonyms() -> None:
    declaration = get("enrolment")
    mapping = match_headers(
        ["* 公民身份号码", "姓名（必填）", "参保年月", "缴费人员类别"], declaration
    )
    assert mapping["* 公民身份号码"] == "person_id"
    assert mapping["参保年月"] == "month"
    assert mapping["缴费人员类别"] == "person_category"


def test_the_business_is_detected_from_the_headers() -> None:
    assert detect_kind(["社会保障号码", "姓名", "缴费工资"]).kind == "wage_base"
    assert detect_kind(["身份证号码", "姓名", "减员年月", "减员原因"]).kind == "departure"
    assert detect_kind(list(get("enrolment").headers.values())).kind == "enrolment"
    with pytest.raises(UnusableInputError, match="无法从表头识别业务类型"):
        detect_kind(["甲", "乙"])


def test_missing_required_columns_are_unusable() -> None:
    with pytest.raises(UnusableInputError, match="缺少减员申报的必填列：减员原因"):
        check_frame(
            pl.DataFrame({"身份证号码": [GOOD_ID], "姓名": ["甲"], "减员年月": ["2026-11"]}),
            "departure",
        )


def _write_xlsx(
    path: Path, rows: list[list[object]], numeric_id_rows: dict[int, float] | None = None
) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("增员")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write_string(r, c, str(value))
    for r, number in (numeric_id_rows or {}).items():
        sheet.write_number(r, 0, number)
    workbook.close()
    return path


def test_a_file_with_title_rows_blank_rows_and_a_numeric_id(tmp_path: Path) -> None:
    headers = list(get("enrolment").headers.values())
    row = dict.fromkeys(headers, "")
    row.update(
        {
            "身份证号码": GOOD_ID,
            "姓名": "张三",
            "用工形式": "城镇合同制职工",
            "增加原因": "在职人员新参保",
            "增员年月": "2026-11",
            "人员类别": "城镇制",
        }
    )
    other = dict(row, 身份证号码=FEMALE_ID, 姓名="李四")
    rows = [
        ["济南某公司 增员报盘"],
        [],
        headers,
        list(row.values()),
        [],
        list(other.values()),
        list(other.values()),
    ]
    path = _write_xlsx(tmp_path / "增员.xlsx", rows, numeric_id_rows={6: 3.7011219850307002e17})
    batch = check(path, today=TODAY)
    assert batch.kind == "enrolment"
    assert batch.rows["source_row"].to_list() == [4, 6, 7]
    numeric = batch.failures.filter(pl.col("rule") == "id_stored_as_number")
    assert numeric["row"].to_list() == [7]
    assert "设为文本格式" in numeric["message"][0]
    # the numeric cell's other complaints (checksum, duplicate) are not repeated
    assert batch.failures.filter(pl.col("row") == 7).height == 1
    assert batch.accepted["source_row"].to_list() == [4, 6]


@pytest.mark.parametrize("kind", sorted(registry()))
def test_junk_never_breaks_a_business(kind: str) -> None:
    """Contract: every business turns junk into failures, never into an exception."""
    declaration = get(kind)
    junk = [
        "",
        " ",
        "=cmd|' /C calc'!A0",
        "NULL",
        "１２３",
        "9" * 40,
        "2019-13-45",
        "💥",
        "-0",
        "０.５",
    ]
    frame = pl.DataFrame(
        {c.header: [junk[i % len(junk)] for i in range(len(junk))] for c in declaration.columns}
    )
    frame = frame.with_columns(pl.Series(declaration.columns[0].header, junk))
    batch = check_frame(frame, kind, today=TODAY)
    assert batch.rows_read == len(junk)
    assert batch.accepted.height + batch.rejected.height == len(junk)
    if declaration.columns[0].type == "id":
        assert batch.rejected.height == len(junk)  # every row has at least an invalid ID
    assert batch.failures["message"].null_count() == 0
    assert set(batch.failures["level"].unique()) <= {"reject", "warn"}


def test_formula_cells_without_a_computed_value_are_reported(tmp_path: Path) -> None:
    """Issue 13 item 9: a formula saved without its value is not silently empty."""
    import re
    import zipfile

    source = Path(__file__).resolve().parent.parent / "sample_data" / "batches" / "enrolment.xlsx"
    target = tmp_path / "公式.xlsx"
    sheet = "xl/worksheets/sheet1.xml"

    def formula(cell: str, text: bytes) -> bytes:
        pattern = rb'<c r="' + cell.encode() + rb'"[^>]*?(?:/>|>.*?</c>)'
        replaced, count = re.subn(
            pattern, b'<c r="' + cell.encode() + b'"><f>A1&amp;""</f></c>', text
        )
        assert count == 1
        return replaced

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == sheet:
                data = formula("E3", formula("B2", data))  # 姓名 (required), 手机号码
            new.writestr(info.filename, data)
    batch = check(target, "enrolment", today=dt.date(2026, 11, 26))
    found = batch.failures.filter(pl.col("rule") == "formula_without_value")
    assert found.select("row", "column", "level").rows() == [
        (2, "姓名", "reject"),
        (3, "手机号码", "warn"),
    ]
    assert "是公式，但文件中没有保存计算结果" in found["message"][0]
    # the empty required cell is explained once, not again as "required"
    assert batch.failures.filter((pl.col("row") == 2) & (pl.col("column") == "姓名")).height == 1


def test_a_rows_messages_join_without_doubled_punctuation() -> None:
    """Issue 13 item 11: 「甲；乙。」 in the error report and in 审核意见, never 「。；」."""
    import datetime as dt

    import polars as pl

    from sbbatch.batch import check_frame

    batch = check_frame(
        pl.DataFrame(
            {
                "person_id": ["370102199001011232"],  # wrong check digit
                "name": ["张三"],
                "employment_form": ["城镇合同制职工"],
                "add_reason": ["在职人员新参保"],
                "month": ["2026-13"],  # no such month
                "person_category": ["城镇制"],
            }
        ),
        "enrolment",
        today=dt.date(2026, 11, 26),
    )
    (text,) = batch.messages_by_row()["错误信息"].to_list()
    assert batch.failures.height >= 2
    assert "；" in text and "。；" not in text and text.endswith("。")
