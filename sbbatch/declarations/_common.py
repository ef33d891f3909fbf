"""Columns and rules that several businesses share, defined once."""

from __future__ import annotations

import polars as pl

from sbbatch.spec import (
    ID_SYNONYMS,
    Column,
    FieldGrid,
    FormColumn,
    FormField,
    FormTable,
    PrintedForm,
    Rule,
    Signatures,
)

__all__ = [
    "birth_date_matches_id",
    "gender_matches_id",
    "id_column",
    "leave_month_column",
    "leave_reason_column",
    "name_column",
    "registry_form",
]

NAME_SYNONYMS = ("姓名", "职工姓名", "员工姓名", "名字", "人员姓名")


def id_column(header: str = "身份证号码") -> Column:
    """Return the ID-number column (身份证号码 = 社会保障号码), required."""
    return Column(
        "person_id",
        header,
        "id",
        required=True,
        example="370103198310135678",
        help="18 位身份证号码，该列须设为文本格式",
        synonyms=tuple(s for s in ID_SYNONYMS if s != header),
    )


def name_column(*, required: bool = True) -> Column:
    """Return the name column (姓名)."""
    return Column(
        "name",
        "姓名",
        "name",
        required=required,
        example="张三",
        max_length=30,
        synonyms=tuple(s for s in NAME_SYNONYMS if s != "姓名"),
    )


def gender_column(*, example: str = "男") -> Column:
    """Return the 性别 column, optional and derived from the ID number when left blank."""
    return Column(
        "gender",
        "性别",
        "gender",
        example=example,
        help="可不填，按身份证号码带出",
        derived_from_id=True,
    )


def birth_date_column(*, example: str = "1983-10-13") -> Column:
    """Return the 出生日期 column, optional and derived from the ID number when left blank."""
    return Column(
        "birth_date",
        "出生日期",
        "date",
        example=example,
        help="可不填，按身份证号码带出",
        derived_from_id=True,
    )


def leave_month_column(
    *,
    example: str = "2019-04",
    help: str = "停止参保的年月，写成 2019-04",
    synonyms: tuple[str, ...] = ("停保年月", "减员月份"),
) -> Column:
    """Return the 减员年月 column (the first month no longer insured), required."""
    return Column(
        "month", "减员年月", "month", required=True, example=example, help=help, synonyms=synonyms
    )


def leave_reason_column(*, example: str = "在职人员解除劳动合同") -> Column:
    """Return the 减员原因 column (code table leave_reason), required."""
    return Column(
        "leave_reason",
        "减员原因",
        "code",
        required=True,
        code_table="leave_reason",
        example=example,
        synonyms=("停保原因",),
    )


def gender_matches_id() -> Rule:
    """Return the rule that a filled 性别 agrees with the ID number's 17th digit."""
    return Rule(
        "gender_matches_id",
        "reject",
        "gender",
        "性别「{value}」与身份证号码不符（身份证号码第 17 位表示{id_gender_label}）。",
        pl.col("gender") == pl.col("id_gender"),
    )


def birth_date_matches_id() -> Rule:
    """Return the rule that a filled 出生日期 agrees with the ID number."""
    return Rule(
        "birth_date_matches_id",
        "reject",
        "birth_date",
        "出生日期「{value}」与身份证号码中的出生日期 {id_birth_date} 不符。",
        pl.col("birth_date") == pl.col("id_birth_date"),
    )


#: The person columns that open every registry form's table (增员表, 减员表 …).
_FORM_PERSON = (
    FormColumn("no", "序号", 6, "C"),
    FormColumn("person_id", "身份证号码", 24, "L"),
    FormColumn("name", "姓名", 12, "L"),
    FormColumn("gender", "性别", 6, "C"),
    FormColumn("birth_date", "出生日期", 13, "C"),
)

#: The head of a declaration's printed form: the unit, the declaration and its dates.
DECLARATION_HEAD = FieldGrid(
    (
        FormField("单位名称", "unit_name"),
        FormField("单位编号", "unit_id"),
        FormField("申报编号", "declaration_id"),
        FormField("申报日期", "declared_on"),
        FormField("审核日期", "reviewed_on"),
        FormField("打印日期", "printed_on"),
    )
)


def registry_form(title: str, *columns: FormColumn) -> PrintedForm:
    """Return a registry form (打印增员表 / 打印减员表 …) of the approved persons.

    The unit and declaration head, one landscape table of the persons (序号 and the
    person's columns, then ``columns``), ``共N人`` and the signature and seal boxes,
    as the manual prints them after 审核成功.
    """
    return PrintedForm(
        title,
        (
            DECLARATION_HEAD,
            FormTable((*_FORM_PERSON, *columns), total="共{rows}人", font_size=9),
            Signatures(
                continued="{title}（续）  单位：{unit_name}（{unit_id}）  申报编号：{declaration_id}"
            ),
        ),
        orientation="L",
    )
