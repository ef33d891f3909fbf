"""Social security card services (社保卡), manual §4: issuing information, photos, applications.

The four businesses of the manual, around the generic declare → submit → review cycle
(:mod:`sbbatch.review`):

- 申领信息维护 (§4.1): :func:`maintain_issuing_info` declares the unit's card bank and
  branch and its collectors; :func:`issuing_info_result` shows the two review results
  as the manual does (审核结果, 领卡人审核结果).
- 社保卡申领 (§4.2), one person: :func:`lookup_person`, then a photo by
  :func:`fetch_police_photo` (获取公安照片, through a :class:`PhotoProvider`) or
  :func:`upload_photo` (上传照片), then :func:`apply`.
- 批量社保卡申领 (§4.3): :func:`export_unapplied` (导出未制卡申请人员) writes the file
  to fill; :func:`sbbatch.batch.check` reads it back; :func:`collect_photos` attaches
  the photos of a folder or zip by file name; :func:`check_batch` judges every person
  (data and photo) before anything is submitted; :func:`declare_applications`;
  :func:`application_result` and :func:`write_application_result` give the manual's
  result table.
- 撤销社保卡申领 (§4.4): :func:`pending_applications` lists what can be revoked,
  :func:`revoke_applications` declares it.

Photos are stored in the workspace by SHA-256 (``photos``), and each person's
collected photo is kept with what the check found (``person_photos``). A card's state
(未申领 → 申领中 → 已制卡, or 已撤销) changes only through approved declarations and
:func:`complete_production` (the bank making the cards, simulated); every change is in
``card_history`` and the event log. Queries are in :mod:`sbbatch.queries.cards`; the
services that need no engine (values, photos, card states) in
:mod:`sbbatch.declarations._cards`, the SQL in :mod:`sbbatch.store.cards`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from sbbatch import ids
from sbbatch._rules import evaluate, join_messages
from sbbatch.batch import FAILURE_SCHEMA, Batch, check_frame
from sbbatch.declarations._cards import (
    CardBank,
    Collector,
    FolderPhotoProvider,
    IssuingInfoResult,
    PersonCard,
    PhotoProvider,
    complete_production,
    confirmed_bank,
    fetch_police_photo,
    load_cards,
    lookup_person,
    masked,
    pending_applications,
    person_of,
    registry_names,
    store_photos,
    unit_persons,
    upload_photo,
    with_gender,
)
from sbbatch.declarations.card_application import (
    CARD_STATE_LABELS,
    unapplied_persons,
)
from sbbatch.declarations.card_application import DECLARATION as CARD_APPLICATION
from sbbatch.declarations.card_issuing_info import (
    BANK_CONFIRMED_MESSAGE,
    BANK_FIELDS,
    BANK_PART,
    COLLECTOR_PART,
    MAX_COLLECTORS,
)
from sbbatch.declarations.card_issuing_info import DECLARATION as CARD_ISSUING_INFO
from sbbatch.declarations.card_revocation import DECLARATION as CARD_REVOCATION
from sbbatch.exceptions import UnusableInputError
from sbbatch.io.xlsx import write_frame, write_result, write_template
from sbbatch.photos import PhotoLimits, check_photos, iter_photo_files
from sbbatch.review import declare
from sbbatch.store import Workspace
from sbbatch.store import cards as card_sql

__all__ = [
    "APPLICATION_RESULT_HEADERS",
    "CARD_STATE_LABELS",
    "CHECK_HEADERS",
    "PHOTO_CHECK_HEADERS",
    "ZH_HEADERS",
    "CardBank",
    "Collector",
    "FolderPhotoProvider",
    "IssuingInfoResult",
    "PersonCard",
    "PhotoProvider",
    "application_result",
    "apply",
    "check_application",
    "check_batch",
    "collect_photos",
    "complete_production",
    "declare_applications",
    "export_unapplied",
    "fetch_police_photo",
    "issuing_info_result",
    "load_cards",
    "lookup_person",
    "maintain_issuing_info",
    "pending_applications",
    "revocation_result",
    "revoke_applications",
    "upload_photo",
    "write_application_result",
    "write_check",
    "write_photo_check",
]

#: 审核状态 of the card results, as the manual's 批量社保卡申领 result shows them.
_STATUS_LABELS = {"1": "成功", "2": "不通过"}

#: The manual's result table of 批量社保卡申领 (审批结果), by English column.
APPLICATION_RESULT_HEADERS: dict[str, str] = {
    "review_status": "审核状态",
    "review_opinion": "审核说明",
    "person_id": "身份证号码",
    "name": "姓名",
    "gender": "性别",
    "phone": "手机号码",
    "department": "部门信息",
}

#: Headers of the per-person check before submission (:func:`check_batch`).
CHECK_HEADERS: dict[str, str] = {
    "source_row": "行号",
    "person_id": "身份证号码",
    "name": "姓名",
    "phone": "手机号码",
    "department": "部门信息",
    "photo_file": "照片文件",
    "result": "检查结果",
    "messages": "问题说明",
}

#: Chinese headers of this module's frames, for :func:`sbbatch.display.zh`.
ZH_HEADERS: dict[str, str] = {
    **APPLICATION_RESULT_HEADERS,
    **CHECK_HEADERS,
    "card_state": "社保卡状态",
    "application_id": "申领申报编号",
    "attached": "已采集",
}


def _refuse(batch: Batch, what: str) -> None:
    rejected = batch.failures.filter(pl.col("level") == "reject")
    if rejected.height:
        msg = f"{what}有误：{'；'.join(rejected['message'].unique(maintain_order=True).to_list())}"
        raise UnusableInputError(msg)


def maintain_issuing_info(
    ws: Workspace,
    unit_id: str,
    *,
    bank: CardBank | None = None,
    collectors: Sequence[Collector] = (),
) -> str:
    """Declare the unit's card bank and collectors (申领信息维护); return the draft's number.

    Collectors' names are taken from the registry when not given. The draft goes
    through ``ws.submit`` and :func:`sbbatch.review.review` like any declaration.

    Args:
        ws: The workspace.
        unit_id: The unit (单位编号).
        bank: The card bank and branch; needed the first time, and refused once the
            agency has confirmed a different one.
        collectors: The full list of collectors (at most 2), replacing the old list.

    Raises:
        UnusableInputError: A third collector, a change of a confirmed bank, no bank
            on a first maintenance, or fields the check rejects.
    """
    names = registry_names(ws, [ids.validate_one(c.person_id, ws.today) for c in collectors])
    if len(collectors) > MAX_COLLECTORS:
        extra = collectors[MAX_COLLECTORS]
        shown = extra.name or names.get(ids.validate_one(extra.person_id, ws.today))
        msg = (
            f"领卡人最多维护 {MAX_COLLECTORS} 人（手册 §4.1），收到 {len(collectors)} 人，"
            f"第 {MAX_COLLECTORS + 1} 位「{shown or masked(extra.person_id)}」不能添加。"
            "提示：领卡人允许修改，请先确定保留哪两位。"
        )
        raise UnusableInputError(msg)
    confirmed = confirmed_bank(ws, unit_id)
    if bank is None and confirmed is None:
        msg = "单位的制卡银行及网点信息尚未确定。提示：第一次维护时请同时填写制卡银行信息。"
        raise UnusableInputError(msg)
    if bank is not None and confirmed is not None:
        given = {name: (getattr(bank, name) or "").strip() for name in BANK_FIELDS}
        if any(given[name] != (confirmed[name] or "").strip() for name in BANK_FIELDS):
            raise UnusableInputError(BANK_CONFIRMED_MESSAGE)
    if bank is None and not collectors:
        msg = "没有要维护的申领信息。提示：请填写制卡银行信息或领卡人。"
        raise UnusableInputError(msg)
    rows: list[dict[str, str | None]] = []
    if bank is not None:
        rows.append({"part": BANK_PART, **{name: getattr(bank, name) for name in BANK_FIELDS}})
    for collector in collectors:
        person_id = ids.validate_one(collector.person_id, ws.today)
        rows.append(
            {
                "part": COLLECTOR_PART,
                "person_id": person_id,
                "name": collector.name or names.get(person_id),
                "phone": collector.phone,
            }
        )
    columns = ["part", *BANK_FIELDS, "person_id", "name"]
    frame = pl.DataFrame(
        [{name: row.get(name) for name in columns} for row in rows],
        schema=dict.fromkeys(columns, pl.String),
    )
    batch = check_frame(frame, CARD_ISSUING_INFO.kind, today=ws.today)
    _refuse(batch, "申领信息")
    return declare(ws, batch, unit_id)


def issuing_info_result(ws: Workspace, declaration_id: str) -> IssuingInfoResult:
    """Return the outcome of a 申领信息维护: 审核结果 (bank) and 领卡人审核结果 (collectors)."""
    header = ws.declaration(declaration_id)
    if header["kind"] != CARD_ISSUING_INFO.kind:
        msg = f"申报「{declaration_id}」不是申领信息维护。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id)
    bank_rows = rows.filter(pl.col("part") == BANK_PART)
    collectors = rows.filter(pl.col("part") == COLLECTOR_PART)
    bank: dict[str, str | None]
    if bank_rows.height:
        first = bank_rows.row(0, named=True)
        bank = {name: first[name] for name in BANK_FIELDS}
        result = _STATUS_LABELS.get(first["review_result"] or "")
        opinion = first["review_opinion"]
    else:
        bank = dict(confirmed_bank(ws, header["unit_id"]) or dict.fromkeys(BANK_FIELDS))
        result, opinion = None, "银行及网点信息未变更"
    collector_result = None
    collector_opinion = None
    if collectors.height and collectors["review_result"].null_count() == 0:
        failed = collectors.filter(pl.col("review_result") == "2")
        collector_result = "不通过" if failed.height else "成功"
        collector_opinion = "；".join(o for o in failed["review_opinion"].to_list() if o) or None
    return IssuingInfoResult(
        declaration_id,
        result,
        opinion,
        collector_result,
        collector_opinion,
        bank,
        collectors.select("person_id", "name", "phone", "review_result", "review_opinion"),
    )


def collect_photos(
    ws: Workspace,
    unit_id: str,
    source: str | Path | Mapping[str, bytes],
    *,
    persons: Batch | pl.DataFrame | None = None,
    workers: int = 1,
    limits: PhotoLimits | None = None,
) -> pl.DataFrame:
    """Check the photos of a folder or zip and collect them for their persons (上传照片).

    Files are matched to persons by name (身份证号码姓名.jpg). Every file is
    checked (:func:`sbbatch.photos.check_photos`); a file whose ID number is one of
    ``persons`` is stored and becomes that person's current photo, with its problems,
    so the review judges it. Other files are only reported.

    Args:
        ws: The workspace.
        unit_id: The unit.
        source: A folder, a zip, or a mapping of file names to bytes.
        persons: The applicants (a checked batch, or a frame with ``person_id``);
            by default every person insured in the unit.
        workers: Processes for the photo checks.
        limits: The city's photo limits.

    Returns:
        The check frame of :func:`sbbatch.photos.check_photos` plus ``attached``.
    """
    if persons is None:
        roster = unit_persons(ws, unit_id)
        scope = "本单位参保人员"
    else:
        rows = persons.rows if isinstance(persons, Batch) else persons
        wanted = rows["person_id"].drop_nulls().unique().to_list()
        names = registry_names(ws, wanted)
        given = rows.select("person_id", *(["name"] if "name" in rows.columns else []))
        roster = (
            given.filter(pl.col("person_id").is_not_null())
            .unique("person_id", keep="first", maintain_order=True)
            .with_columns(
                pl.col("person_id")
                .replace_strict(names, default=None, return_dtype=pl.String)
                .alias("_registered")
            )
            .select(
                "person_id",
                pl.coalesce(
                    "_registered", "name" if "name" in given.columns else pl.lit(None, pl.String)
                ).alias("name"),
            )
        )
        scope = "本次申领名单"
    items = list(iter_photo_files(source))
    checked = check_photos(
        items, persons=roster, today=ws.today, limits=limits, workers=workers, scope=scope
    )
    attached = pl.col("person_id").is_in(roster["person_id"].implode()).fill_null(False)
    checked = checked.with_columns(attached.alias("attached"))
    store_photos(ws, checked.filter(pl.col("attached")), dict(items), "batch")
    return checked


# ------------------------------------------------------------------ one application


def apply(
    ws: Workspace,
    unit_id: str,
    person_id: str,
    *,
    phone: str | None = None,
    department: str | None = None,
    note: str | None = None,
) -> str:
    """Declare one person's card application (社保卡申领); return the draft's number.

    The name comes from the registry, the phone from the registry when not given.
    Collect the photo first (:func:`fetch_police_photo` or :func:`upload_photo`);
    :func:`check_application` tells what the review will find.

    Raises:
        UnusableInputError: Unknown person, or fields the check rejects (手机号码).
    """
    person = person_of(ws, person_id)
    frame = pl.DataFrame(
        {
            "person_id": [person["person_id"]],
            "name": [person["name"]],
            "phone": [phone or person.get("phone")],
            "department": [department],
            "note": [note],
        },
        schema=dict.fromkeys(["person_id", "name", "phone", "department", "note"], pl.String),
    )
    batch = check_frame(frame, CARD_APPLICATION.kind, today=ws.today)
    _refuse(batch, "社保卡申领信息")
    return declare(ws, batch, unit_id)


def check_application(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return what the review of a card application would find (failures frame), recording nothing."""
    from sbbatch.review import review_failures

    return review_failures(ws, declaration_id)


# ------------------------------------------------------------------ batch applications


def export_unapplied(ws: Workspace, unit_id: str, path: str | Path | None = None) -> pl.DataFrame:
    """Return, and write as the batch file when ``path`` is given, the 未制卡申请人员.

    The unit's insured persons without a card and without an application in
    progress, with their registered phone (导出未制卡申请人员报盘文件): the analyst
    completes 手机号码 and 部门信息 and reads it back with :func:`sbbatch.batch.check`.
    """
    rows = unapplied_persons(ws, unit_id, ws.today)
    if path is not None:
        write_template(CARD_APPLICATION, path, rows)
    return rows


def check_batch(ws: Workspace, unit_id: str, batch: Batch) -> pl.DataFrame:
    """Judge every person of a checked batch before submission: data, registry and photo.

    The file's own failures (:attr:`Batch.failures`) and what the agency's review
    would find now (the business's review rules: insured here, card made or pending,
    issuing information, the collected photo and its problems) are joined per person.

    Returns:
        One row per batch row: ``source_row``, ``person_id``, ``name``, ``phone``,
        ``department``, ``photo_file`` (the person's collected photo), ``result``
        (通过 / 提示 / 不通过) and ``messages`` (every problem, 不通过 first).
    """
    declaration = CARD_APPLICATION
    assert declaration.review is not None
    rows = batch.rows.with_columns(pl.col("source_row").alias("row_no"))
    context = declaration.review.context(ws, rows, {"unit_id": unit_id, "declaration_id": None})
    review_failures = evaluate(
        context, declaration.review.rules, row="row_no", headers=declaration.headers
    )
    failures = (
        pl.concat([batch.failures.select(list(FAILURE_SCHEMA)), review_failures])
        .unique(subset=["row", "rule"], keep="first", maintain_order=True)
        .sort(["row", pl.col("level") != "reject"], maintain_order=True)
    )
    per_row = failures.group_by("row", maintain_order=True).agg(
        (pl.col("level") == "reject").any().alias("_rejected"),
        pl.when(pl.col("level") == "warn")
        .then(pl.lit("提示：") + pl.col("message"))
        .otherwise(pl.col("message"))
        .pipe(join_messages)
        .alias("messages"),
    )
    photos = card_sql.current_photos_of(ws, rows["person_id"]).select(
        "person_id", pl.col("file_name").alias("photo_file")
    )
    return (
        rows.join(per_row, left_on="source_row", right_on="row", how="left")
        .join(photos, on="person_id", how="left", maintain_order="left")
        .select(
            "source_row",
            "person_id",
            "name",
            "phone",
            "department",
            "photo_file",
            pl.when(pl.col("_rejected").fill_null(False))
            .then(pl.lit("不通过"))
            .when(pl.col("messages").is_not_null())
            .then(pl.lit("提示"))
            .otherwise(pl.lit("通过"))
            .alias("result"),
            "messages",
        )
    )


def write_check(checked: pl.DataFrame, path: str | Path) -> Path:
    """Write :func:`check_batch`'s frame as xlsx: rows not passing highlighted."""
    shown = checked.select(list(CHECK_HEADERS))
    highlight = (
        shown.with_row_index("row")
        .filter(pl.col("result") != "通过")
        .select(
            pl.col("row").cast(pl.Int64),
            pl.lit("result").alias("column"),
            pl.when(pl.col("result") == "不通过")
            .then(pl.lit("reject"))
            .otherwise(pl.lit("warn"))
            .alias("level"),
        )
    )
    return write_frame(
        shown,
        path,
        sheet="社保卡申领检查结果",
        headers=CHECK_HEADERS,
        text_columns=["person_id", "phone"],
        highlight=highlight,
    )


#: Headers of the photo check report (:func:`write_photo_check`).
PHOTO_CHECK_HEADERS: dict[str, str] = {
    "file": "文件",
    "person_id": "身份证号码",
    "result": "检查结果",
    "message": "问题说明",
    "size_kb": "大小（KB）",
    "pixels": "像素",
    "border_rgb": "边缘平均 RGB",
}


def write_photo_check(checked: pl.DataFrame, path: str | Path) -> Path:
    """Write a photo check frame (:func:`sbbatch.photos.check_photos`) as xlsx, one row per file."""
    from sbbatch.photos import problems_text

    shown = problems_text(checked).select(
        "file",
        "person_id",
        pl.when(pl.col("ok")).then(pl.lit("合格")).otherwise(pl.lit("不合格")).alias("result"),
        "message",
        (pl.col("size_bytes") / 1024).round(1).alias("size_kb"),
        pl.concat_str(pl.col("width"), pl.lit("×"), pl.col("height")).alias("pixels"),
        "border_rgb",
    )
    highlight = (
        shown.with_row_index("row")
        .filter(pl.col("result") == "不合格")
        .select(
            pl.col("row").cast(pl.Int64),
            pl.lit("result").alias("column"),
            pl.lit("reject").alias("level"),
        )
    )
    return write_frame(
        shown,
        path,
        sheet="照片检查结果",
        headers=PHOTO_CHECK_HEADERS,
        text_columns=["file", "person_id"],
        highlight=highlight,
    )


def declare_applications(
    ws: Workspace, unit_id: str, batch: Batch, *, passing_only: bool = True
) -> str:
    """Declare a checked batch of card applications; return the draft's number.

    Args:
        ws: The workspace.
        unit_id: The unit.
        batch: The batch read back from the filled 未制卡申请人员 file.
        passing_only: Declare only the persons :func:`check_batch` does not reject
            (the others keep their problems to fix); ``False`` declares every row the
            file check accepts and leaves the rest to the review.

    Raises:
        UnusableInputError: No person can be declared.
    """
    rows = batch.accepted
    if passing_only:
        passing = check_batch(ws, unit_id, batch).filter(pl.col("result") != "不通过")
        rows = rows.filter(pl.col("source_row").is_in(passing["source_row"].implode()))
    if rows.height == 0:
        msg = "没有可以申报的人员：每个人都有未解决的问题。提示：请按检查结果修正照片或报盘后重试。"
        raise UnusableInputError(msg)
    return declare(ws, rows, unit_id, kind=CARD_APPLICATION.kind)


def application_result(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return the 社保卡申领 result table: 审核状态, 审核说明, 身份证号码, 姓名, 性别, 手机号码, 部门信息.

    Columns are English (:data:`APPLICATION_RESULT_HEADERS` gives the Chinese);
    ``review_status`` is 成功 / 不通过 (null before the review).
    """
    header = ws.declaration(declaration_id)
    if header["kind"] != CARD_APPLICATION.kind:
        msg = f"申报「{declaration_id}」不是社保卡申领。"
        raise UnusableInputError(msg)
    rows = ws.declaration_rows(declaration_id)
    return with_gender(ws, rows).select(
        pl.col("review_result")
        .replace_strict(_STATUS_LABELS, default=None, return_dtype=pl.String)
        .alias("review_status"),
        pl.col("review_opinion"),
        "person_id",
        "name",
        "gender",
        "phone",
        "department",
    )


def write_application_result(ws: Workspace, declaration_id: str, path: str | Path) -> Path:
    """Write the 批量社保卡申领 审批结果 as xlsx, as the manual's table, ending with 共N人."""
    return write_result(
        application_result(ws, declaration_id),
        path,
        "批量社保卡申领审批结果",
        APPLICATION_RESULT_HEADERS,
    )


# ------------------------------------------------------------------------ revocation


def revoke_applications(ws: Workspace, unit_id: str, person_ids: Sequence[str]) -> str:
    """Declare the revocation of card applications (撤销社保卡申领); return the draft's number."""
    if not person_ids:
        msg = "请勾选需要撤销社保卡申领的人员。"
        raise UnusableInputError(msg)
    normalised = [ids.validate_one(p, ws.today) for p in person_ids]
    names = registry_names(ws, normalised)
    frame = pl.DataFrame(
        {"person_id": normalised, "name": [names.get(p) for p in normalised]},
        schema={"person_id": pl.String, "name": pl.String},
    )
    batch = check_frame(frame, CARD_REVOCATION.kind, today=ws.today)
    _refuse(batch, "撤销社保卡申领")
    return declare(ws, batch, unit_id)


def revocation_result(ws: Workspace, declaration_id: str) -> pl.DataFrame:
    """Return the result of a 撤销社保卡申领: 审核状态, 审核说明, 身份证号码, 姓名, 性别."""
    rows = ws.declaration_rows(declaration_id)
    return with_gender(ws, rows).select(
        pl.col("review_result")
        .replace_strict(_STATUS_LABELS, default=None, return_dtype=pl.String)
        .alias("review_status"),
        "review_opinion",
        "person_id",
        "name",
        "gender",
    )
