"""Tests of the code tables (代码表): files, loader and expressions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sbbatch import codes
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError

TITLES = {
    "add_reason": "增加原因",
    "declaration_status": "申报状态",
    "employment_form": "用工形式",
    "ethnicity": "民族",
    "gender": "性别",
    "hospital_level": "医院级别",
    "hukou_type": "户口性质",
    "identity": "个人身份",
    "insurance": "险种",
    "insured_status": "参保状态",
    "leave_reason": "减员原因",
    "medical_type": "就医类别",
    "payment_method": "缴费方式",
    "payment_type": "缴费类型",
    "person_category": "人员类别",
    "relation_to_deceased": "与死者关系",
    "retirement_type": "退休类别",
    "review_result": "审核结果",
    "social_management": "社会化管理方式",
    "special_job_type": "特殊工种类别",
    "support_condition": "供养条件",
    "survivor_type": "遗属类别",
    "unit_type": "单位类型",
}

# The brief's list, GB order: code and name without 族.
GB3304 = (
    "01汉 02蒙古 03回 04藏 05维吾尔 06苗 07彝 08壮 09布依 10朝鲜 11满 12侗 13瑶 14白 15土家 16哈尼 "
    "17哈萨克 18傣 19黎 20傈僳 21佤 22畲 23高山 24拉祜 25水 26东乡 27纳西 28景颇 29柯尔克孜 30土 "
    "31达斡尔 32仫佬 33羌 34布朗 35撒拉 36毛南 37仡佬 38锡伯 39阿昌 40普米 41塔吉克 42怒 43乌孜别克 "
    "44俄罗斯 45鄂温克 46德昂 47保安 48裕固 49京 50塔塔尔 51独龙 52鄂伦春 53赫哲 54门巴 55珞巴 56基诺"
)

#: Every table shipped: the agreed ones above and any a later business adds.
ALL_KEYS = codes.keys()


def _overlapping_duplicates(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Pairs of rows with the same value in ``column`` whose validity periods overlap."""
    rows = frame.with_row_index("row").select(
        "row",
        column,
        lo=pl.col("valid_from").fill_null(date.min),
        hi=pl.col("valid_to").fill_null(date.max),
    )
    return rows.join(rows, on=column, suffix="_other").filter(
        (pl.col("row") < pl.col("row_other"))
        & (pl.col("lo") <= pl.col("hi_other"))
        & (pl.col("lo_other") <= pl.col("hi"))
    )


# --- the files ---------------------------------------------------------------------------


def test_the_agreed_tables_are_all_there() -> None:
    assert set(TITLES) <= set(codes.keys())


def test_titles_come_from_the_first_comment_line() -> None:
    titles = codes.titles()
    assert {key: titles[key] for key in TITLES} == TITLES
    assert set(titles) == set(codes.keys())
    assert all(titles.values())


@pytest.mark.parametrize("key", ALL_KEYS)
def test_every_table_loads_typed(key: str) -> None:
    frame = codes.table(key)
    assert frame.height > 0
    assert frame.columns[:4] == ["code", "label", "valid_from", "valid_to"]
    expected = {"code": pl.String, "label": pl.String, "valid_from": pl.Date, "valid_to": pl.Date}
    for column, dtype in frame.schema.items():
        assert dtype == expected.get(column, pl.String), column
    assert frame.get_column("code").null_count() == 0
    assert frame.get_column("label").null_count() == 0


@pytest.mark.parametrize("key", ALL_KEYS)
def test_every_table_names_its_source(key: str) -> None:
    title = codes.titles()[key]
    lines = codes.source(key)
    assert lines[0].startswith(title)
    assert any(line.startswith("source: ") and len(line) > 20 for line in lines)
    text = (schemas_dir() / "codes" / f"{key}.csv").read_text("utf-8")
    assert text.startswith(f"# {title}")


@pytest.mark.parametrize("key", ALL_KEYS)
def test_status_marks_every_row(key: str) -> None:
    statuses = set(codes.table(key).get_column("status"))
    assert statuses <= {"MANUAL", "SECONDARY", "INFERENCE"}
    assert any(line.startswith("status column") for line in codes.source(key))


@pytest.mark.parametrize("key", ALL_KEYS)
def test_codes_are_unique_within_validity(key: str) -> None:
    assert _overlapping_duplicates(codes.table(key), "code").height == 0


@pytest.mark.parametrize("key", ALL_KEYS)
def test_labels_are_unique_within_validity(key: str) -> None:
    assert _overlapping_duplicates(codes.table(key), "label").height == 0


@pytest.mark.parametrize("key", ALL_KEYS)
def test_aliases_name_no_other_row(key: str) -> None:
    frame = codes.table(key)
    if "aliases" not in frame.columns:
        return
    aliases = frame.select("code", alias=pl.col("aliases").str.split("|")).explode("alias")
    aliases = aliases.drop_nulls("alias")
    assert aliases.get_column("alias").is_duplicated().sum() == 0
    assert aliases.get_column("alias").is_in(frame.get_column("label").implode()).sum() == 0
    assert aliases.get_column("alias").is_in(frame.get_column("code").implode()).sum() == 0


def test_ethnicity_is_gb3304_in_order() -> None:
    pairs = [(item[:2], f"{item[2:]}族") for item in GB3304.split(" ")]
    assert len(pairs) == 56
    assert len({code for code, _ in pairs}) == 56
    assert len({label for _, label in pairs}) == 56
    assert [code for code, _ in pairs] == [f"{number:02d}" for number in range(1, 57)]
    frame = codes.table("ethnicity")
    assert frame.height == 56
    assert list(frame.select("code", "label").iter_rows()) == pairs
    assert frame.get_column("label").n_unique() == 56


def test_reasons_follow_aae160() -> None:
    add = codes.table("add_reason")
    assert add.get_column("code").to_list() == ["111", "121", "131", "141", "151"]
    assert add.row(0) == ("111", "在职人员新参保", None, None, "MANUAL")
    leave = codes.table("leave_reason")
    assert leave.height == 17
    assert leave.get_column("code").str.starts_with("2").all()
    labels = dict(leave.select("code", "label").iter_rows())
    assert labels["251"] == "在职转退休"
    assert labels["212"] == "在职人员出国定居"


def test_person_category_codes_and_groups() -> None:
    frame = codes.table("person_category").select("code", "label", "category_group")
    expected = pl.DataFrame(
        {
            "code": ["11", "12", "13", "14", "21"],
            "label": ["城镇制", "农合制", "挂靠", "个体", "退休人员"],
            "category_group": ["城合制", "农合制", "挂靠", "个体", None],
        }
    )
    assert_frame_equal(frame, expected)


def test_insurance_keys() -> None:
    frame = codes.table("insurance")
    assert dict(frame.select("key", "code").iter_rows()) == {
        "pension": "1",
        "unemployment": "2",
        "medical": "3",
        "injury": "4",
        "maternity": "5",
        "large_medical": "10",
    }
    assert frame.filter(pl.col("code") == "3").get_column("label").item() == "职工基本医疗保险"


def test_small_tables_hold_the_agreed_codes() -> None:
    def pairs(key: str) -> list[tuple[str, str]]:
        return list(codes.table(key).select("code", "label").iter_rows())

    assert pairs("gender") == [("1", "男"), ("2", "女"), ("9", "未说明的性别")]
    assert pairs("employment_form") == [
        ("1", "原固定职工"),
        ("2", "城镇合同制职工"),
        ("3", "农民合同制工人"),
        ("4", "临时工"),
        ("9", "其他"),
    ]
    assert pairs("payment_method") == [("1", "银行代扣"), ("2", "网银缴费")]
    assert pairs("review_result") == [("1", "审核成功"), ("2", "不通过")]
    assert codes.table("review_result").get_column("level").to_list() == ["pass", "reject"]
    assert codes.table("declaration_status").get_column("code").to_list() == [
        "draft",
        "submitted",
        "reviewed",
        "read",
        "voided",
        "revoked",
    ]
    insured = dict(pairs("insured_status"))
    assert (insured["1"], insured["2"], insured["3"]) == ("参保缴费", "暂停缴费", "终止参保")


def test_remote_hospital_code_carries_the_level_digit() -> None:
    frame = codes.table("hospital_level")
    assert frame.get_column("code").to_list() == ["1", "2", "3", "9"]
    assert (frame.get_column("remote_hospital_code") == "99999" + frame.get_column("code")).all()


def test_manual_labels_are_present() -> None:
    seen = {
        "add_reason": "在职人员新参保",
        "leave_reason": "在职人员出国定居",
        "employment_form": "城镇合同制职工",
        "person_category": "城镇制",
        "hospital_level": "一级医院",
        "medical_type": "常驻外地",
        "retirement_type": "正常退休",
        "relation_to_deceased": "父母",
        "survivor_type": "退休遗属",
        "support_condition": "子女",
        "social_management": "社区管理",
        "review_result": "审核成功",
        "special_job_type": "有害",
        "unit_type": "企业",
    }
    for key, label in seen.items():
        row = codes.table(key).filter(pl.col("label") == label)
        assert row.get_column("status").to_list() == ["MANUAL"], key


def test_inference_rows_are_marked() -> None:
    def inferred(key: str) -> list[str]:
        frame = codes.table(key).filter(pl.col("status") == "INFERENCE")
        return frame.get_column("label").to_list()

    assert inferred("medical_type") == ["异地转诊", "异地长期居住"]
    assert inferred("social_management") == ["单位管理", "其他"]
    assert inferred("survivor_type") == ["在职遗属"]
    assert "子女" not in inferred("support_condition")
    assert len(inferred("support_condition")) == 4


# --- mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL_KEYS)
def test_code_label_round_trip(key: str) -> None:
    frame = codes.table(key)
    mapped = frame.select(
        "code",
        "label",
        label_of_code=codes.to_label("code", key),
        code_of_label=codes.to_code("label", key),
        code_of_code=codes.to_code("code", key),
        label_of_label=codes.to_label("label", key),
    )
    assert mapped.get_column("label_of_code").to_list() == frame.get_column("label").to_list()
    assert mapped.get_column("code_of_label").to_list() == frame.get_column("code").to_list()
    assert mapped.get_column("code_of_code").to_list() == frame.get_column("code").to_list()
    assert mapped.get_column("label_of_label").to_list() == frame.get_column("label").to_list()


@pytest.mark.parametrize("key", ALL_KEYS)
def test_every_alias_maps_to_its_row(key: str) -> None:
    frame = codes.table(key)
    if "aliases" not in frame.columns:
        return
    aliases = (
        frame.select("code", alias=pl.col("aliases").str.split("|")).explode("alias").drop_nulls()
    )
    mapped = aliases.select("code", mapped=codes.to_code("alias", key))
    assert mapped.get_column("mapped").to_list() == mapped.get_column("code").to_list()


def test_aliases_and_spellings() -> None:
    people = pl.DataFrame(
        {
            "category": ["城合制", "城镇合同制", " 城镇制 ", "\u3000１１", "农民合同制", "个体户"],
        }
    )
    result = people.select(
        code=codes.to_code("category", "person_category"),
        label=codes.to_label(pl.col("category"), "person_category"),
    )
    assert result.get_column("code").to_list() == ["11", "11", "11", "11", "12", None]
    assert result.get_column("label").to_list() == ["城镇制"] * 4 + ["农合制", None]

    def code(value: str, key: str) -> str | None:
        result = pl.select(codes.to_code(pl.lit(value, dtype=pl.String), key)).item()
        return None if result is None else str(result)

    assert code("毛难族", "ethnicity") == "36"
    assert code("崩龙族", "ethnicity") == "46"
    assert code("汉", "ethnicity") == "01"
    assert code("男性", "gender") == "1"
    assert code("基本医疗保险", "insurance") == "3"
    assert code("审核失败", "review_result") == "2"
    assert code("城镇(非农业户口)", "hukou_type") == "1"
    assert code("DRAFT", "declaration_status") == "draft"
    assert code("1", "ethnicity") is None


def test_mapping_accepts_numbers_and_keeps_nulls() -> None:
    frame = pl.DataFrame({"insurance": [1, 10, None, 99]}, schema={"insurance": pl.Int64})
    result = frame.select(codes.to_code("insurance", "insurance"))
    assert result.schema == pl.Schema({"insurance": pl.String})
    assert result.get_column("insurance").to_list() == ["1", "10", None, None]


def test_enums() -> None:
    assert codes.enum("gender") == pl.Enum(["1", "2", "9"])
    assert codes.label_enum("gender") == pl.Enum(["男", "女", "未说明的性别"])
    for key in ALL_KEYS:
        frame = codes.table(key)
        assert codes.enum(key).categories.to_list() == frame.get_column("code").to_list()
        frame.select(
            pl.col("code").cast(codes.enum(key)),
            pl.col("label").cast(codes.label_enum(key)),
        )


def test_table_returns_a_copy() -> None:
    frame = codes.table("gender")
    frame.insert_column(0, pl.Series("extra", [1, 2, 3]))
    assert "extra" not in codes.table("gender").columns


def test_is_valid_on_open_tables() -> None:
    frame = pl.DataFrame(
        {
            "reason": ["在职转退休", "251", "111", "bogus", None],
            "day": [date(2019, 3, 1), date(2019, 3, 1), None, date(2019, 3, 1), date(2019, 3, 1)],
        }
    )
    result = frame.select(
        fixed=codes.is_valid_on("reason", "leave_reason", date(2019, 3, 1)),
        per_row=codes.is_valid_on(pl.col("reason"), "leave_reason", pl.col("day")),
    )
    assert result.get_column("fixed").to_list() == [True, True, False, False, None]
    assert result.get_column("per_row").to_list() == [True, True, None, False, None]


# --- validity periods and broken files, on tables written for the test -------------------


@pytest.fixture
def codes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loader at an empty folder for the test, and back afterwards."""
    monkeypatch.setattr(codes, "_codes_dir", lambda: tmp_path)
    codes._clear_caches()
    yield tmp_path
    codes._clear_caches()


def _write(folder: Path, key: str, body: str) -> None:
    header = "# 测试表 (written by a test)\n# source: tests/test_codes.py\n"
    (folder / f"{key}.csv").write_text(header + body, encoding="utf-8")


def test_validity_periods(codes_dir: Path) -> None:
    _write(
        codes_dir,
        "dated",
        "code,label,valid_from,valid_to\n"
        "A,甲,,2019-12-31\n"
        "A,甲新,2020-01-01,\n"
        "B,乙,2020-01-01,2020-12-31\n"
        "C,丙,,\n"
        "D,甲,2021-01-01,\n",
    )
    assert codes.keys() == ["dated"]
    assert codes.titles() == {"dated": "测试表"}
    frame = codes.table("dated")
    assert frame.schema["valid_to"] == pl.Date
    assert frame.row(0) == ("A", "甲", None, date(2019, 12, 31))
    days = [date(2019, 6, 1), date(2020, 6, 1), date(2021, 6, 1)]
    checks = pl.DataFrame(
        {
            "code": ["A", "A", "B", "B", "B", "C", "甲新", "X", None, "C"],
            "day": [*days[:2], *days, days[0], days[0], days[0], days[0], None],
        }
    ).select(codes.is_valid_on("code", "dated", pl.col("day")))
    assert checks.to_series().to_list() == [
        True,
        True,
        False,
        True,
        False,
        True,
        True,
        False,
        None,
        None,
    ]
    on_one_day = pl.DataFrame({"code": ["A", "B", "C", "D"]}).select(
        codes.is_valid_on("code", "dated", date(2020, 12, 31))
    )
    assert on_one_day.to_series().to_list() == [True, True, True, False]
    # Labels reused after their period, and codes with several rows: the last row wins.
    mapped = pl.DataFrame({"value": ["A", "甲", "甲新"]}).select(
        code=codes.to_code("value", "dated"), label=codes.to_label("value", "dated")
    )
    assert mapped.get_column("code").to_list() == ["A", "D", "A"]
    assert mapped.get_column("label").to_list() == ["甲新", "甲", "甲新"]
    assert codes.enum("dated") == pl.Enum(["A", "B", "C", "D"])
    assert codes.label_enum("dated") == pl.Enum(["甲", "甲新", "乙", "丙"])


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("code,label,valid_from,valid_to\n1,甲,,\n1,乙,,\n", "1"),
        ("code,label,valid_from,valid_to\n1,甲,,\n2,甲,,\n", "甲"),
        ("code,label,valid_from,valid_to,aliases\n1,甲,,,乙\n2,乙,,,\n", "乙"),
        ("code,label,valid_from,valid_to\n1,甲,,2020-12-31\n2,甲,2020-12-31,\n", "甲"),
        ("code,label,valid_from,valid_to\n1,甲,2020/01/01,\n", "YYYY-MM-DD"),
        ("code,label,valid_from,valid_to\n1,甲,2021-01-01,2020-01-01\n", "晚于"),
        ("code,label,valid_from,valid_to\n1,,,\n", "空值"),
        ("code,label\n1,甲\n", "valid_from"),
    ],
)
def test_broken_tables_are_refused(codes_dir: Path, body: str, problem: str) -> None:
    _write(codes_dir, "broken", body)
    with pytest.raises(UnusableInputError, match=problem) as raised:
        codes.table("broken")
    assert "broken.csv" in raised.value.text
    assert "提示" in raised.value.text


def test_table_without_comments_is_refused(codes_dir: Path) -> None:
    (codes_dir / "bare.csv").write_text("code,label,valid_from,valid_to\n1,甲,,\n", "utf-8")
    with pytest.raises(UnusableInputError, match="注释"):
        codes.table("bare")


# --- unknown keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: codes.table("nation"),
        lambda: codes.source("nation"),
        lambda: codes.enum("nation"),
        lambda: codes.label_enum("nation"),
        lambda: codes.to_code("x", "nation"),
        lambda: codes.to_label("x", "nation"),
        lambda: codes.is_valid_on("x", "nation", date(2020, 1, 1)),
    ],
)
def test_unknown_key_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(UnusableInputError) as raised:
        call()
    assert "没有名为“nation”的代码表" in raised.value.text
    assert "提示" in raised.value.text
    assert "ethnicity" in raised.value.text
