"""The card businesses' services (社保卡, manual §4) that need no engine: values, photos, states.

:mod:`sbbatch.cards` is the public face (declare, check, write the result files); the
parts here work on the workspace directly: the values a unit gives or gets
(:class:`CardBank`, :class:`Collector`, :class:`PersonCard`, :class:`IssuingInfoResult`),
the photo services (获取公安照片 through a :class:`PhotoProvider`, 上传照片, storing
photos by SHA-256), the person look-up of the 社保卡申领 form, the list of pending
applications and the card production (simulated bank) and loading of old cards. The
SQL is in :mod:`sbbatch.store.cards`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import polars as pl

from sbbatch import codes, ids
from sbbatch._mask import mask_id, mask_phone
from sbbatch.declarations._registry_review import code_labels
from sbbatch.declarations.card_application import CARD_STATE_LABELS, change_card_states
from sbbatch.exceptions import UnusableInputError
from sbbatch.photos import check_photos
from sbbatch.store import Workspace, registry
from sbbatch.store import cards as card_sql

__all__ = [
    "CardBank",
    "Collector",
    "FolderPhotoProvider",
    "IssuingInfoResult",
    "PersonCard",
    "PhotoProvider",
    "collect_one",
    "complete_production",
    "confirmed_bank",
    "fetch_police_photo",
    "load_cards",
    "lookup_person",
    "masked",
    "pending_applications",
    "person_of",
    "problems_json",
    "registry_names",
    "store_photos",
    "unit_persons",
    "upload_photo",
    "with_gender",
]


# ------------------------------------------------------------------------- values


def masked(value: str | None, phone: bool = False) -> str:
    if not value:
        return ""
    return mask_phone(value) if phone else mask_id(value)


@dataclass(frozen=True)
class CardBank:
    """The unit's card bank and branch (制卡银行信息)."""

    bank: str
    branch_code: str
    branch_name: str
    address: str | None = None
    phone: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Collector:
    """A card collector (领卡人): 社会保障号码, 联系电话, and the name (filled from the registry).

    Examples:
        >>> Collector("370102199001011231", "13812345678", "张三")
        Collector(370102********1231, 张三, 138****5678)
    """

    person_id: str
    phone: str
    name: str | None = None

    def __repr__(self) -> str:
        return (
            f"Collector({masked(self.person_id)}, {self.name or ''}, "
            f"{masked(self.phone, phone=True)})"
        )


@dataclass(frozen=True)
class PersonCard:
    """One person as the 社保卡申领 form shows them (社保卡信息及照片采集)."""

    person_id: str
    name: str
    gender: str | None
    ethnicity: str | None
    phone: str | None
    insured_here: bool
    card_state: str
    photo_file: str | None
    photo_ok: bool | None

    def __repr__(self) -> str:
        photo = (
            "无照片" if self.photo_file is None else ("照片合格" if self.photo_ok else "照片有问题")
        )
        return (
            f"PersonCard({masked(self.person_id)} {self.name} {self.gender or ''} "
            f"{masked(self.phone, phone=True)} 社保卡：{self.card_state}，{photo})"
        )


@runtime_checkable
class PhotoProvider(Protocol):
    """Where 获取公安照片 gets a person's photo: bytes of a JPEG, or ``None``."""

    def fetch(self, person_id: str) -> bytes | None:
        """Return the photo of ``person_id`` (18-character ID), or ``None`` if there is none."""
        ...


class FolderPhotoProvider:
    """A simulated police photo service: a folder of photos named by ID number.

    A file belongs to a person when its name starts with the person's ID number
    (``370102199001011231.jpg`` or ``370102199001011231张三.jpg``).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            msg = f"找不到公安照片文件夹：{self.folder}。"
            raise UnusableInputError(msg)

    def fetch(self, person_id: str) -> bytes | None:
        """Return the first photo whose file name starts with ``person_id``."""
        wanted = person_id.upper()
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and path.name.upper().startswith(wanted):
                return path.read_bytes()
        return None

    def __repr__(self) -> str:
        return f"FolderPhotoProvider({self.folder})"


# --------------------------------------------------------------- issuing information


@dataclass(frozen=True)
class IssuingInfoResult:
    """The outcome of a 申领信息维护, as the manual's 查看审批结果 shows it."""

    declaration_id: str
    review_result: str | None
    review_opinion: str | None
    collector_result: str | None
    collector_opinion: str | None
    bank: Mapping[str, str | None]
    collectors: pl.DataFrame = field(compare=False)

    def to_text(self, *, unmask: bool = False) -> str:
        """Return the result screen as Chinese text (ID numbers and phones masked)."""
        bank = self.bank
        lines = [
            f"申领信息维护 {self.declaration_id} 审批结果",
            f"审核结果：{self.review_result or '（未审核）'}    审核说明：{self.review_opinion or ''}",
            f"领卡人审核结果：{self.collector_result or '（无）'}    "
            f"领卡人审核说明：{self.collector_opinion or ''}",
            f"制卡银行：{bank.get('bank') or ''}    网点编号：{bank.get('branch_code') or ''}    "
            f"网点名称：{bank.get('branch_name') or ''}",
            f"地址：{bank.get('address') or ''}    联系电话：{bank.get('phone') or ''}    "
            f"联系人：{bank.get('contact') or ''}",
            "领卡人信息：",
        ]
        for number, row in enumerate(self.collectors.iter_rows(named=True), start=1):
            person = row["person_id"] if unmask else masked(row["person_id"])
            phone = row["phone"] if unmask else masked(row["phone"], phone=True)
            lines.append(f"  {number}  {person}  {row['name'] or ''}  {phone}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.to_text()


# ---------------------------------------------------------------------------- photos


def problems_json() -> pl.Expr:
    encoded = pl.col("problems").list.eval(pl.element().struct.json_encode()).list.join(",")
    return pl.concat_str(pl.lit("["), encoded, pl.lit("]"))


def store_photos(
    ws: Workspace,
    checked: pl.DataFrame,
    contents: Mapping[str, bytes],
    source: str,
) -> int:
    """Store the photos of ``checked`` rows by hash and attach them to their persons (one transaction)."""
    if checked.height == 0:
        return 0
    hashes = checked["sha256"].unique().to_list()
    with ws.transaction():
        known = card_sql.known_photo_hashes(ws, hashes)
        new = checked.unique("sha256", keep="first", maintain_order=True).filter(
            ~pl.col("sha256").is_in(known.implode())
        )
        ws.insert_frame(
            "photos",
            new.select(
                "sha256",
                pl.Series("content", [contents[f] for f in new["file"]], pl.Binary),
                pl.col("size_bytes").cast(pl.Int32),
                "format",
                pl.col("width").cast(pl.Int32),
                pl.col("height").cast(pl.Int32),
                pl.lit(ws.now()).alias("stored_at"),
            ),
        )
        ws._checkpoint("photos:stored")
        ws.insert_frame(
            "person_photos",
            checked.select(
                "person_id",
                "sha256",
                pl.lit(source).alias("source"),
                pl.col("file").alias("file_name"),
                "ok",
                problems_json().alias("problems"),
                pl.lit(ws.now()).alias("collected_at"),
                pl.lit(ws.user).alias("by_user"),
            ),
        )
        ws.log_effect(
            None,
            json.dumps(
                {"photos": checked.height, "new_files": new.height, "source": source},
                ensure_ascii=False,
            ),
        )
    return checked.height


def unit_persons(ws: Workspace, unit_id: str) -> pl.DataFrame:
    return card_sql.persons_insured_in_unit(ws, unit_id, ws.today.replace(day=1))


def person_of(ws: Workspace, person_id: str) -> dict[str, Any]:
    normalised = ids.validate_one(person_id, ws.today)
    found = card_sql.person_row(ws, normalised)
    if found.height == 0:
        msg = f"身份证号码「{mask_id(normalised)}」不在参保人员中。提示：请核对号码。"
        raise UnusableInputError(msg)
    return found.row(0, named=True)


def collect_one(
    ws: Workspace, person: dict[str, Any], data: bytes, file_name: str, source: str
) -> pl.DataFrame:
    roster = pl.DataFrame({"person_id": [person["person_id"]], "name": [person["name"]]})
    checked = check_photos(
        [(file_name, data)], persons=roster, today=ws.today, scope="本次申领人员"
    ).with_columns(pl.lit(person["person_id"]).alias("person_id"), pl.lit(True).alias("attached"))
    store_photos(ws, checked, {file_name: data}, source)
    return checked


def fetch_police_photo(ws: Workspace, person_id: str, provider: PhotoProvider) -> pl.DataFrame:
    """Get a person's photo from the police photo service (获取公安照片), check and keep it.

    The photo is named 身份证号码姓名.jpg, as the upload rules want.

    Returns:
        The one-row check frame (``ok``, ``problems`` …).

    Raises:
        UnusableInputError: The person is unknown, or the service has no photo.
    """
    person = person_of(ws, person_id)
    data = provider.fetch(person["person_id"])
    if data is None:
        msg = (
            f"公安系统中没有「{person['name']}」的照片。"
            "提示：请按要求上传照片（身份证号码姓名.jpg，白色背景，14–100 KB）。"
        )
        raise UnusableInputError(msg)
    return collect_one(ws, person, data, f"{person['person_id']}{person['name']}.jpg", "police")


def upload_photo(
    ws: Workspace, person_id: str, photo: bytes | str | Path, file_name: str | None = None
) -> pl.DataFrame:
    """Upload a photo for a person (上传照片): check it, keep it as the person's photo.

    Args:
        ws: The workspace.
        person_id: The person (身份证号码).
        photo: The file, or its bytes.
        file_name: The file's name when ``photo`` is bytes (it is checked too:
            身份证号码姓名.jpg).

    Returns:
        The one-row check frame.
    """
    person = person_of(ws, person_id)
    if isinstance(photo, bytes):
        if file_name is None:
            msg = "上传照片的字节时请同时给出文件名（身份证号码姓名.jpg）。"
            raise UnusableInputError(msg)
        data = photo
    else:
        path = Path(photo)
        if not path.is_file():
            msg = f"找不到照片文件：{path}。"
            raise UnusableInputError(msg)
        data = path.read_bytes()
        file_name = file_name or path.name
    return collect_one(ws, person, data, file_name, "upload")


def lookup_person(ws: Workspace, unit_id: str, person_id: str) -> PersonCard:
    """Look a person up as the 社保卡申领 form does (输入身份证号码检索)."""
    person = person_of(ws, person_id)
    facts = card_sql.card_facts(ws, person["person_id"], unit_id, ws.today.replace(day=1))

    ethnicity = None
    if person.get("ethnicity"):
        labels = codes.table("ethnicity")
        match = labels.filter(pl.col("code") == person["ethnicity"])
        ethnicity = match["label"][0] if match.height else person["ethnicity"]
    return PersonCard(
        person_id=person["person_id"],
        name=person["name"],
        gender=code_labels("gender").get(person["gender"]),
        ethnicity=ethnicity,
        phone=person.get("phone"),
        insured_here=bool(facts["insured_here"]),
        card_state=CARD_STATE_LABELS[facts["state"] or "none"],
        photo_file=facts["file_name"],
        photo_ok=facts["ok"],
    )


def pending_applications(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Return the unit's applications that can be revoked (申领中): the list of §4.4."""
    return card_sql.pending_applications(ws, unit_id)


# ---------------------------------------------------------------- card production


def complete_production(
    ws: Workspace, unit_id: str, person_ids: Sequence[str] | None = None
) -> int:
    """Mark the unit's cards in 申领中 as made (已制卡), as the bank would; return how many.

    A simulation of the card bank: ``person_ids`` limits it to some persons.
    """
    pending = pending_applications(ws, unit_id)
    if person_ids is not None:
        pending = pending.filter(pl.col("person_id").is_in(list(person_ids)))
    with ws.transaction():
        return change_card_states(ws, unit_id, pending.select("person_id"), "made", None)


def load_cards(ws: Workspace, cards: pl.DataFrame) -> int:
    """Load cards made before the workspace existed (已制卡): ``person_id``, ``unit_id``.

    Returns:
        The number of persons loaded; in one transaction.
    """
    missing = {"person_id", "unit_id"} - set(cards.columns)
    if missing:
        msg = f"社保卡数据缺少列：{'、'.join(sorted(missing))}。"
        raise UnusableInputError(msg)
    count = 0
    with ws.transaction():
        for (unit_id,), group in cards.group_by("unit_id", maintain_order=True):
            count += change_card_states(ws, str(unit_id), group.select("person_id"), "made", None)
    return count


def confirmed_bank(ws: Workspace, unit_id: str) -> dict[str, Any] | None:
    found = card_sql.confirmed_bank(ws, unit_id)
    return found.row(0, named=True) if found.height else None


def registry_names(ws: Workspace, person_ids: Sequence[str]) -> dict[str, str]:
    found = registry.person_columns(ws, list(person_ids), {"name": "name"})
    return dict(zip(found["person_id"].to_list(), found["name"].to_list(), strict=True))


def with_gender(ws: Workspace, rows: pl.DataFrame) -> pl.DataFrame:
    genders = registry.person_columns(ws, rows["person_id"], {"gender": "gender"})
    return rows.join(genders, on="person_id", how="left", maintain_order="left").with_columns(
        codes.to_label(pl.coalesce("gender", ids.gender(pl.col("person_id"))), "gender").alias(
            "gender"
        )
    )
