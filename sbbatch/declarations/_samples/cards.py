"""Demo step: social security cards (社保卡) on the sample workspace, manual §4.

The step picks the unit with the most insured persons and:

1. maintains its issuing information (申领信息维护): 中国银行 and two collectors, reviewed
   and confirmed; then shows that the bank can no longer be changed and that a third
   collector is refused;
2. loads the cards some persons already have (已制卡, made before the workspace);
3. exports the 未制卡申请人员 file, fills in 手机号码 and 部门信息 for 24 persons and
   reads it back; writes their photos (generated) into a folder and a zip — four of
   them bad: a light-blue background, too small in KB, a PNG renamed .jpg, a file
   named with another person's name — collects them, checks every person (data and
   photo), declares the persons who pass, submits, reviews and writes the result;
4. applies for one more person alone, with the photo from the (simulated) police
   photo service (获取公安照片);
5. revokes one pending application (撤销社保卡申领) and lets the bank make the others.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from PIL import Image

from sbbatch._files import atomic_path, inside
from sbbatch.exceptions import UnusableInputError
from sbbatch.photos import synthetic_photo
from sbbatch.store import samples

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit
    from sbbatch.store import Workspace

__all__ = ["BATCH_SIZE", "run"]

#: Persons in the batch application.
BATCH_SIZE = 24
_DEPARTMENTS = ("财务部", "人力资源部", "生产部", "销售部", "技术部", "综合办公室")
#: The unit's card bank (制卡银行), as ``CardBank`` fields.
_BANK = {
    "bank": "中国银行",
    "branch_code": "10712",
    "branch_name": "中国银行股份有限公司济南分行营业部",
    "address": "济南市历下区泺源大街22号",
    "phone": "0531-86995566",
    "contact": "李慧、孙娜",
}


def _unit(ws: Workspace) -> str:
    """The unit with the most persons insured now (ties: lowest number)."""
    return samples.largest_unit(ws)


def _png(data: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).resize((179, 221)).save(buffer, "PNG")
    return buffer.getvalue()


def _photos(rows: pl.DataFrame) -> tuple[dict[str, bytes], dict[str, str]]:
    """Photos for the batch (file → bytes) and what is wrong with the bad ones (file → why)."""
    files: dict[str, bytes] = {}
    bad: dict[str, str] = {}
    people = rows.select("person_id", "name").rows()
    for index, (person_id, name) in enumerate(people):
        file = f"{person_id}{name}.jpg"
        data = synthetic_photo(seed=index + 1)
        if index == 0:
            data = synthetic_photo(background=(200, 215, 235), seed=index + 1)
            bad[file] = "浅蓝色背景"
        elif index == 1:
            data = synthetic_photo(texture=0, quality=40, seed=index + 1)
            bad[file] = "文件太小"
        elif index == 2:
            data = _png(data)
            bad[file] = "PNG 改名为 .jpg"
        elif index == 3:
            other = people[4][1]
            file = f"{person_id}{other}.jpg"
            bad[file] = "文件名中是别人的姓名"
        files[file] = data
    return files, bad


def _zip(files: dict[str, bytes], path: Path) -> Path:
    with (
        atomic_path(path) as part,
        zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def run(kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Run the card businesses of §4 on the sample workspace; return summary lines."""
    out_dir.mkdir(parents=True, exist_ok=True)
    unit_id = _unit(ws)
    persons = kit.card_status(ws, unit_id)
    lines: list[tuple[str, str]] = []

    # 1. 申领信息维护
    registry = samples.phones_of(ws, persons["person_id"].head(2).to_list())
    collectors = [
        kit.Collector(person_id, phone or "13105310000") for person_id, phone in registry.rows()
    ]
    issuing_id = kit.maintain_issuing_info(
        ws, unit_id, bank=kit.CardBank(**_BANK), collectors=collectors
    )
    ws.submit(issuing_id)
    kit.review(ws, issuing_id)
    ws.mark_read(issuing_id)
    issuing = kit.issuing_info_result(ws, issuing_id)
    print(f"\n【申领信息维护】\n{issuing.to_text()}")
    lines.append(
        (
            "申领信息维护",
            f"{issuing_id}：审核结果 {issuing.review_result}，领卡人审核结果 {issuing.collector_result}",
        )
    )
    try:
        kit.maintain_issuing_info(
            ws, unit_id, bank=kit.CardBank("中国工商银行", "20001", "中国工商银行济南分行")
        )
    except UnusableInputError as exc:
        lines.append(("　改制卡银行", exc.text))
    try:
        kit.maintain_issuing_info(ws, unit_id, collectors=[*collectors, collectors[0]])
    except UnusableInputError as exc:
        lines.append(("　第 3 位领卡人", exc.text))

    # 2. cards made before the workspace: every fourth person after the collectors
    made = persons.slice(2).gather_every(4).select("person_id", pl.lit(unit_id).alias("unit_id"))
    kit.load_cards(ws, made)

    # 3. 批量社保卡申领
    export_path = out_dir / "未制卡申请人员.xlsx"
    unapplied = kit.export_unapplied(ws, unit_id, export_path)
    chosen = unapplied.head(BATCH_SIZE).with_columns(
        pl.coalesce("phone", pl.lit("13105310000")).alias("phone"),
        pl.Series("department", [_DEPARTMENTS[i % len(_DEPARTMENTS)] for i in range(BATCH_SIZE)])
        .head(min(BATCH_SIZE, unapplied.height))
        .alias("department"),
    )
    filled_path = out_dir / "批量社保卡申领.xlsx"
    kit.write_template(kit.get("card_application"), filled_path, chosen)
    batch = kit.check(filled_path, "card_application", today=ws.today)
    photo_files, bad = _photos(chosen)
    photo_dir = out_dir / "社保卡照片"
    photo_dir.mkdir(exist_ok=True)
    for name, data in photo_files.items():
        with atomic_path(inside(photo_dir, name)) as part:
            part.write_bytes(data)
    archive = _zip(photo_files, out_dir / "社保卡照片.zip")
    photo_check = kit.collect_photos(ws, unit_id, archive, persons=batch)
    kit.write_photo_check(photo_check, out_dir / "社保卡照片检查结果.xlsx")
    person_check = kit.check_batch(ws, unit_id, batch)
    kit.write_check(person_check, out_dir / "社保卡申领检查结果.xlsx")
    failing = person_check.filter(pl.col("result") == "不通过")
    lines.append(
        (
            "导出未制卡申请人员",
            f"{unapplied.height} 人（已制卡 {made.height} 人不在其中），本次申领 {batch.rows_read} 人",
        )
    )
    lines.append(
        (
            "照片检查",
            f"{photo_check.height} 张，合格 {photo_check['ok'].sum()} 张，"
            f"不合格 {photo_check.height - photo_check['ok'].sum()} 张"
            f"（故意做坏：{'、'.join(bad.values())}）",
        )
    )
    for row in failing.iter_rows(named=True):
        first = (row["messages"] or "").split("；")[0]
        lines.append(("　不通过", f"{row['name']}：{first}"))
    application_id = kit.declare_applications(ws, unit_id, batch)
    ws.submit(application_id)
    kit.review(ws, application_id)
    kit.write_application_result(ws, application_id, out_dir / "批量社保卡申领审批结果.xlsx")
    ws.mark_read(application_id, failed_rows="void")
    result = kit.application_result(ws, application_id)
    succeeded = result.filter(pl.col("review_status") == "成功").height
    lines.append(
        ("批量社保卡申领", f"{application_id}：申报 {result.height} 人，成功 {succeeded} 人")
    )

    # 4. 社保卡申领 for one person, with the police photo
    single = unapplied.row(BATCH_SIZE, named=True) if unapplied.height > BATCH_SIZE else None
    if single is not None:
        police_dir = out_dir / "公安照片"
        police_dir.mkdir(exist_ok=True)
        with atomic_path(police_dir / f"{single['person_id']}.jpg") as part:
            part.write_bytes(synthetic_photo(seed=99))
        provider = kit.FolderPhotoProvider(police_dir)
        kit.fetch_police_photo(ws, single["person_id"], provider)
        single_id = kit.apply(
            ws,
            unit_id,
            single["person_id"],
            phone=single["phone"] or "13105310000",
            department="财务部",
        )
        ws.submit(single_id)
        kit.review(ws, single_id)
        ws.mark_read(single_id, failed_rows="void")
        outcome = kit.application_result(ws, single_id).row(0, named=True)
        lines.append(
            (
                "社保卡申领（单人，公安照片）",
                f"{single_id}：{outcome['review_status']} {outcome['review_opinion']}",
            )
        )

    # 5. 撤销社保卡申领, then the bank makes the other cards
    pending = kit.pending_applications(ws, unit_id)
    revocation_id = kit.revoke_applications(ws, unit_id, pending["person_id"].head(1).to_list())
    ws.submit(revocation_id)
    kit.review(ws, revocation_id)
    ws.mark_read(revocation_id, failed_rows="void")
    revoked = kit.revocation_result(ws, revocation_id).row(0, named=True)
    lines.append(
        (
            "撤销社保卡申领",
            f"{revocation_id}：{revoked['review_status']} {revoked['review_opinion']}",
        )
    )
    made_now = kit.complete_production(
        ws, unit_id, kit.pending_applications(ws, unit_id)["person_id"].head(5).to_list()
    )
    lines.append(("制卡完成（模拟银行）", f"{made_now} 人"))
    counts = kit.card_state_counts(ws, unit_id)
    lines.append(("社保卡状态", "，".join(f"{state} {n} 人" for state, n in counts.rows())))
    return lines
