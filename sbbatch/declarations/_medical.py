"""Look-ups and rules shared by the medical businesses (manual §3.2–3.4).

异地人员备案, 撤销异地人员备案 and 门诊规定病种申请 ask the registry the same questions:
is the person insured in (or retired from) the unit, is their remote filing (异地备案)
active and how old is it, which region does a code name, does an 异地 hospital code
(``99999`` + the level digit) agree with the hospital's level. Each question is one
vectorised look-up or one polars expression here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch import codes, ids
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.declarations._registry_review import RETIREE_CATEGORY, RETIREMENT_REASON, code_labels
from sbbatch.spec import (
    FieldGrid,
    FormField,
    FormRows,
    FormText,
    PrintedForm,
    Rule,
    Signatures,
)
from sbbatch.store import records, registry
from sbbatch.store.workflow import kind_title

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "JINAN_PREFIX",
    "MEDICAL_KINDS",
    "REMOTE_PREFIX",
    "YES_NO",
    "active_filings",
    "filing_form",
    "hospital_code_format",
    "is_remote_code",
    "min_filing_months",
    "open_medical_declarations",
    "person_status",
    "refile_allowed_from",
    "region_names",
    "remote_code_level_rule",
    "remote_code_of",
    "with_medical_person",
]

#: 异地 hospital codes: 「前五位为99999，最后一位为医院等级的数字形式」 (manual §3.4 填表说明 3).
REMOTE_PREFIX: Final = "99999"

#: Region codes of Jinan (济南市): a filing there is no 异地 filing.
JINAN_PREFIX: Final = "3701"

#: The answers of 是否境外.
YES_NO: Final = ("是", "否")

#: The medical businesses whose open declarations block another one for the same person.
MEDICAL_KINDS: Final = ("remote_filing", "remote_filing_revocation")

_OPEN_STATUSES: Final = ("draft", "submitted")


def is_remote_code(code: pl.Expr) -> pl.Expr:
    """Return whether a 医院编码 is an 异地 hospital code (``99999N``).

    Examples:
        >>> pl.DataFrame({"c": ["999991", "000001", None]}).select(is_remote_code(pl.col("c"))).to_series().to_list()
        [True, False, None]
    """
    return code.str.starts_with(REMOTE_PREFIX)


def hospital_code_format() -> Rule:
    """Return the rule that a 医院编码 is six digits (本地 or 异地 ``99999N``)."""
    return Rule(
        "hospital_code_format",
        "reject",
        "hospital_code",
        "医院编码「{value}」应为六位数字。提示：异地医院填写 99999 加医院等级数字，如异地一级医院填 999991。",
        pl.col("hospital_code").str.contains(r"^\d{6}$"),
    )


@cache
def _remote_codes() -> dict[str, str]:
    """Map each 医院级别 code to its 异地 hospital code (codes/hospital_level)."""
    table = codes.table("hospital_level")
    return dict(zip(table["code"].to_list(), table["remote_hospital_code"].to_list(), strict=True))


def remote_code_of(level: pl.Expr) -> pl.Expr:
    """Return the 异地 医院编码 of a 医院级别 (``1`` → ``999991``)."""
    return level.replace_strict(_remote_codes(), default=None, return_dtype=pl.String)


def remote_code_level_rule(level_column: str = "hospital_level") -> Rule:
    """Return the rule that an 异地 医院编码 ends with the digit of its 医院级别."""
    return Rule(
        "remote_code_matches_level",
        "reject",
        "hospital_code",
        "异地医院编码「{value}」与医院级别不符。提示：医院编码前五位为 99999，最后一位为医院等级的数字，"
        "如异地一级医院填 999991。",
        pl.col("hospital_code").is_in(list(_remote_codes().values()))
        & (
            pl.col(level_column).is_null()
            | (pl.col("hospital_code") == remote_code_of(pl.col(level_column)))
        ),
        when=is_remote_code(pl.col("hospital_code")),
    )


@cache
def region_names() -> dict[str, str]:
    """Return the current 6-digit region codes with the name the system shows for them.

    A prefecture is named with its province (``321200`` → 江苏省泰州市), a county with
    its prefecture (``321181`` → 镇江市丹阳市), a province by itself.

    Examples:
        >>> names = region_names()
        >>> names["321200"], names["321181"], names["320000"]
        ('江苏省泰州市', '镇江市丹阳市', '江苏省')
    """
    table = ids.region_table().filter(pl.col("valid_to_year").is_null())
    named = table.select(
        "code",
        pl.when(pl.col("code").str.ends_with("0000"))
        .then(pl.col("province"))
        .when(pl.col("code").str.ends_with("00"))
        .then(pl.col("province") + pl.col("city").fill_null(pl.col("county")))
        .otherwise(pl.coalesce("city", "province") + pl.col("county"))
        .alias("name"),
    ).unique("code", keep="last")
    return dict(zip(named["code"].to_list(), named["name"].to_list(), strict=True))


# ------------------------------------------------------------------------- filing age
@cache
def _filing_periods() -> pl.DataFrame:
    frame, _ = read_commented_csv(schemas_dir() / "policy" / "jinan" / "remote_filing.csv")
    return frame.select(
        pl.col("registered_from").str.to_date("%Y-%m-%d"),
        pl.col("registered_to").str.to_date("%Y-%m-%d"),
        pl.col("min_months").cast(pl.Int32),
    )


def min_filing_months(registered: pl.Expr) -> pl.Expr:
    """Return how many months a filing registered on ``registered`` must have lasted.

    From ``schemas/policy/jinan/remote_filing.csv`` (manual §3.2 填表说明 3).

    Examples:
        >>> frame = pl.DataFrame({"d": [dt.date(2018, 9, 30), dt.date(2018, 10, 1), None]})
        >>> frame.select(min_filing_months(pl.col("d"))).to_series().to_list()
        [12, 6, None]
    """
    expr: pl.Expr = pl.lit(None, pl.Int32)
    for period in _filing_periods().iter_rows(named=True):
        inside = pl.lit(True)
        if period["registered_from"] is not None:
            inside = inside & (registered >= pl.lit(period["registered_from"]))
        if period["registered_to"] is not None:
            inside = inside & (registered <= pl.lit(period["registered_to"]))
        expr = pl.when(inside).then(pl.lit(period["min_months"], pl.Int32)).otherwise(expr)
    return expr


def refile_allowed_from(registered: pl.Expr) -> pl.Expr:
    """Return the first date a filing registered on ``registered`` may be cancelled or redone.

    Examples:
        >>> frame = pl.DataFrame({"d": [dt.date(2018, 3, 5), dt.date(2026, 5, 31)]})
        >>> frame.select(refile_allowed_from(pl.col("d"))).to_series().to_list()
        [datetime.date(2019, 3, 5), datetime.date(2026, 11, 30)]
    """
    months = min_filing_months(registered)
    return registered.dt.offset_by(pl.format("{}mo", months))


# ------------------------------------------------------------------------- look-ups
def person_status(ws: Workspace, unit_id: str, person_ids: pl.Series) -> pl.DataFrame:
    """Return, per person, whether they are insured in or retired from the unit.

    Columns: ``person_id``, ``employed_here`` (an open insured period in the unit, not
    as a retiree), ``retired_here`` (an open period as 退休人员, or a period closed by
    在职转退休), ``unit_category`` (the 人员类别 of the person's latest period in the
    unit) and ``status`` (``employed`` / ``retired`` / null) — the word
    codes/medical_type's ``applies_to`` uses.
    """
    found = records.medical_unit_facts(
        ws, unit_id, person_ids, retiree=RETIREE_CATEGORY, retired=RETIREMENT_REASON
    )
    return found.with_columns(
        pl.when(pl.col("employed_here"))
        .then(pl.lit("employed"))
        .when(pl.col("retired_here"))
        .then(pl.lit("retired"))
        .alias("status")
    )


def active_filings(ws: Workspace, person_ids: pl.Series) -> pl.DataFrame:
    """Return the active remote filing (有效的异地备案) of each of the given persons.

    Columns: those of ``remote_filings``, prefixed ``filing_`` where they would clash
    with a declared field (``filing_region_code``, ``filing_hospital_code``,
    ``filing_hospital_name``, ``filing_address``, ``filing_start_date``,
    ``filing_medical_type``, ``filing_unit_id``), plus ``filing_id``,
    ``filing_approved_on`` and ``refile_from`` (the first date it may end).
    """
    found = records.active_remote_filings(ws, person_ids)
    return found.with_columns(
        refile_allowed_from(pl.col("filing_approved_on")).alias("refile_from"),
        pl.col("filing_approved_on").dt.strftime("%Y-%m-%d").alias("filing_approved_text"),
    ).with_columns(pl.col("refile_from").dt.strftime("%Y-%m-%d").alias("refile_text"))


def open_medical_declarations(
    ws: Workspace, person_ids: pl.Series, exclude: str, kinds: tuple[str, ...]
) -> pl.DataFrame:
    """Return, per person, the earliest other unfinished declaration of ``kinds`` before ``exclude``.

    Columns: ``person_id``, ``other_declaration_id``, ``other_kind_title``.
    """
    found = records.earlier_open_declarations(
        ws, person_ids, kinds=kinds, statuses=_OPEN_STATUSES, exclude=exclude
    )
    titles = {kind: kind_title(kind) for kind in kinds}
    return found.select(
        "person_id",
        "other_declaration_id",
        pl.col("other_kind")
        .replace_strict(titles, default=None, return_dtype=pl.String)
        .alias("other_kind_title"),
    )


def with_medical_person(
    ws: Workspace, rows: pl.DataFrame, header: dict[str, Any], kinds: tuple[str, ...]
) -> pl.DataFrame:
    """Add the registry's name, the person's status in the unit and open declarations.

    New columns: ``reg_name``, ``known`` (the person is in the registry),
    ``employed_here``, ``retired_here``, ``unit_category``, ``status``,
    ``other_declaration_id``, ``other_kind_title``, ``today`` and ``today_text``.
    """
    names = registry.person_columns(ws, rows["person_id"], {"name": "reg_name"})
    status = person_status(ws, header["unit_id"], rows["person_id"])
    others = open_medical_declarations(ws, rows["person_id"], header["declaration_id"], kinds)
    today: dt.date = ws.today
    return (
        rows.join(names, on="person_id", how="left", maintain_order="left")
        .join(status, on="person_id", how="left", maintain_order="left")
        .join(others, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("reg_name").is_not_null().alias("known"),
            pl.lit(today).alias("today"),
            pl.lit(today.isoformat()).alias("today_text"),
        )
    )


# ------------------------------------------------------------------------- shared rules
def person_known() -> Rule:
    """Return the rule that the person is in the registry."""
    return Rule(
        "person_known",
        "reject",
        "person_id",
        "社会保障号码「{value}」不在参保人员中。提示：请核对社会保障号码。",
        pl.col("known"),
    )


def insured_or_retired_here(business: str) -> Rule:
    """Return the rule that the person is insured in (or retired from) the unit."""
    return Rule(
        "insured_or_retired_here",
        "reject",
        "person_id",
        f"该人员不是本单位的参保职工或退休人员，不能办理{business}。",
        pl.col("employed_here").fill_null(False) | pl.col("retired_here").fill_null(False),
        when=pl.col("known"),
    )


#: The filings a 备案 declaration made, or a 撤销 declaration ended (the 备案表's rows).
_FILINGS_MADE = records.remote_filings_made
_FILINGS_ENDED = records.remote_filings_ended


def _filing_rows(read: Callable[[Workspace, str], pl.DataFrame]) -> FormRows:
    def rows(ws: Workspace, declaration_id: str) -> pl.DataFrame:
        filings = read(ws, declaration_id)
        persons = registry.person_columns(
            ws, filings["person_id"], {"name": "name", "gender": "gender"}
        )
        joined = filings.join(persons, on="person_id", how="left", maintain_order="left")

        def label(name: str, table: str) -> pl.Expr:
            return pl.col(name).replace_strict(code_labels(table), default=pl.col(name))

        def day(name: str) -> pl.Expr:
            return pl.col(name).dt.strftime("%Y-%m-%d")

        return joined.select(
            "person_id",
            pl.col("name"),
            label("gender", "gender"),
            pl.when(pl.col("abroad")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("abroad"),
            "region_code",
            "region_name",
            "hospital_code",
            "hospital_name",
            "actual_hospital_name",
            label("hospital_level", "hospital_level"),
            label("medical_type", "medical_type"),
            "phone",
            day("filed_on"),
            day("start_date"),
            day("approved_on"),
            day("ended_on"),
            "address",
        ).with_columns(pl.all().cast(pl.String).fill_null(""))

    return rows


_FILING_FIELDS = (
    FormField("社会保障号码", "person_id"),
    FormField("姓名", "name"),
    FormField("性别", "gender"),
    FormField("是否境外", "abroad"),
    FormField("地区编码", "region_code"),
    FormField("地区名称", "region_name"),
    FormField("医院编码", "hospital_code"),
    FormField("医院名称", "hospital_name"),
    FormField("实际医院名称", "actual_hospital_name"),
    FormField("医院级别", "hospital_level"),
    FormField("就医类别", "medical_type"),
    FormField("手机号码", "phone"),
    FormField("备案日期", "filed_on"),
    FormField("起始日期", "start_date"),
    FormField("审核日期", "approved_on"),
)

#: The manual's 注意事项 under the 异地人员备案表.
FILING_NOTICE = (
    "1、异地备案成功后，应在所选备案地就医使用医保，非特殊情况不得在备案地之外（含济南）就医。"
    "2、常驻外地指在职人员被单位派驻外地工作的；异地安置指退休人员选择在异地居住的。"
    "3、申请注销异地备案或重新登记异地备案，须原异地备案已登记满半年"
    "（2018年10月之前登记异地备案的应满一年）。"
)


def filing_form(title: str, *, ended: bool) -> PrintedForm:
    """Return the 备案表 (``ended=False``) or 备案注销表 of a reviewed declaration (§3.2–3.3).

    One page per approved person: the unit and declaration, the person's filing as
    the manual's 异地备案信息 shows it (with 注销日期 on the 注销表), the 异地居住地址,
    the manual's notice (备案表 only) and the signature and seal boxes.
    """
    fields = (*_FILING_FIELDS, FormField("注销日期", "ended_on")) if ended else _FILING_FIELDS
    parts = (
        FieldGrid(
            (
                FormField("单位名称", "unit_name"),
                FormField("单位编号", "unit_id"),
                FormField("申报编号", "declaration_id"),
            )
        ),
        FieldGrid(fields),
        FieldGrid((FormField("异地居住地址", "address"),), columns=1),
        *(() if ended else (FormText(FILING_NOTICE, size=8),)),
        Signatures(("参保人（签字）", "单位（盖章）", "社保经办机构（盖章）")),
    )
    return PrintedForm(
        title,
        parts,
        rows=_filing_rows(_FILINGS_ENDED if ended else _FILINGS_MADE),
        page_per="person_id",
        foot=(FormText("共{pages}人    打印日期 {printed_on}", size=9),),
    )
