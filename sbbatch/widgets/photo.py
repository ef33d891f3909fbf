"""The photo upload (上传照片) of 社保卡申领, checked by :mod:`sbbatch.photos`.

Manual §4.2: the photo is a jpg named 身份证号码姓名, on a white background, of 14k to
100k. The checks are :mod:`sbbatch.photos`'s and the photo is kept as the person's
collected photo by :func:`sbbatch.cards.upload_photo`; this module adds a
``FileUpload`` to the form, shows the checks' messages under it as soon as a file is
chosen, keeps the photo on 下一步, and makes a rejected photo block 下一步 like any
other field. A person whose photo was collected before needs no upload.
"""

from __future__ import annotations

import hashlib
import html
import importlib
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import polars as pl

from sbbatch import ids
from sbbatch.display import mask_text
from sbbatch.exceptions import SbbatchError
from sbbatch.widgets.hooks import FormHooks

if TYPE_CHECKING:
    from sbbatch.widgets.form import DeclarationForm

__all__ = ["PHOTO_HEADER", "card_application_hooks", "uploaded_photo"]

#: The header photo failures are reported under.
PHOTO_HEADER = "照片"

_SCHEMA = {
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "level": pl.String,
    "message": pl.String,
}


def uploaded_photo(upload: widgets.FileUpload) -> tuple[str, bytes] | None:
    """Return (file name, bytes) of the file chosen in ``upload``, or None."""
    if not upload.value:
        return None
    item: dict[str, Any] = upload.value[0]
    return str(item["name"]), bytes(item["content"])


def _failures(problems: list[dict[str, Any]], file: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": [1] * len(problems),
            "column": [PHOTO_HEADER] * len(problems),
            "value": [file] * len(problems),
            "rule": [p["rule"] for p in problems],
            "level": [p["level"] for p in problems],
            "message": [p["message"] for p in problems],
        },
        schema=_SCHEMA,
    )


def _person_id(values: dict[str, Any], form: DeclarationForm) -> str | None:
    try:
        return ids.validate_one(str(values.get("person_id") or ""), form.ws.today)
    except SbbatchError:
        return None


def _registered(form: DeclarationForm, person_id: str | None) -> bool:
    if person_id is None:
        return False
    return form.ws.sql("SELECT 1 FROM persons WHERE person_id = ?", [person_id]).height > 0


def _preview(form: DeclarationForm, values: dict[str, Any]) -> pl.DataFrame:
    """Check the chosen file without keeping it (as soon as it is chosen)."""
    photos = importlib.import_module("sbbatch.photos")
    chosen = uploaded_photo(form.photo_upload)
    if chosen is None:
        return _failures([], None)
    name, data = chosen
    person_id = _person_id(values, form)
    persons = None
    if person_id is not None:
        persons = pl.DataFrame({"person_id": [person_id], "name": [values.get("name") or ""]})
    checked = photos.check_photos(
        {name: data}, persons=persons, today=form.ws.today, scope="本次申领人员"
    )
    return _failures(checked["problems"][0].to_list(), name)


def _collected(form: DeclarationForm, values: dict[str, Any]) -> pl.DataFrame:
    """Keep the chosen photo as the person's photo, or use the one collected before."""
    cards = importlib.import_module("sbbatch.cards")
    person_id = _person_id(values, form)
    chosen = uploaded_photo(form.photo_upload)
    if chosen is None:
        if person_id is not None and _registered(form, person_id):
            card = cards.lookup_person(form.ws, form.unit_id, person_id)
            if card.photo_file:
                form.photo_messages.value = (
                    f'<div class="sb-ok">使用已采集的照片：{html.escape(card.photo_file)}</div>'
                )
                return _failures([], None)
        return pl.DataFrame(
            {
                "row": [1],
                "column": [PHOTO_HEADER],
                "value": [None],
                "rule": ["photo_missing"],
                "level": ["reject"],
                "message": ["系统中没有该人员的照片，请按要求上传照片（身份证号码姓名.jpg）。"],
            },
            schema=_SCHEMA,
        )
    if person_id is None or not _registered(form, person_id):
        return _preview(form, values)
    name, data = chosen
    digest = hashlib.sha256(data).hexdigest()
    if form._kept_photo == (person_id, digest):
        return _preview(form, values)
    checked = cards.upload_photo(form.ws, person_id, data, name)
    form._kept_photo = (person_id, digest)
    return _failures(checked["problems"][0].to_list(), name)


def _show(form: DeclarationForm, failures: pl.DataFrame) -> None:
    if failures.height == 0:
        if uploaded_photo(form.photo_upload) is not None:
            form.photo_messages.value = '<div class="sb-ok">照片检查通过。</div>'
        return
    form.photo_messages.value = "".join(
        f'<div class="sb-{row["level"]}">{html.escape(mask_text(row["message"]))}</div>'
        for row in failures.iter_rows(named=True)
    )


def _extras(form: DeclarationForm) -> list[widgets.Widget]:
    upload = widgets.FileUpload(accept=".jpg,.jpeg", multiple=False, description="上传照片")
    messages = widgets.HTML("")
    messages.add_class("sb-msg")
    form.photo_upload = upload
    form.photo_messages = messages

    def on_upload(_change: dict[str, Any]) -> None:
        if uploaded_photo(upload) is not None:
            _show(form, _preview(form, form.values()))

    upload.observe(on_upload, names="value")
    note = widgets.HTML(
        '<div class="sb-note">说明：照片的命名规则为：身份证号码姓名；文件格式必须为 jpg；'
        "照片底色必须是白色；照片大小不得低于 14k，不得大于 100k。</div>"
    )
    return [widgets.HTML('<div class="sb-section">照片</div>'), note, upload, messages]


def _checks(form: DeclarationForm, values: dict[str, Any]) -> pl.DataFrame:
    failures = _collected(form, values)
    _show(form, failures)
    return failures


def card_application_hooks() -> FormHooks | None:
    """Return the hooks of the 社保卡申领 form, or None while ``sbbatch.cards`` is missing."""
    try:
        importlib.import_module("sbbatch.cards")
    except ImportError:  # pragma: no cover - depends on the tree
        return None
    return FormHooks(extras=_extras, checks=_checks)
