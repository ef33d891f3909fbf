"""The photo upload (上传照片) of a single-case form, checked by :mod:`sbbatch.photos`.

A business whose widget layout names the ``"photo"`` part (社保卡申领) gets it. Manual
§4.2: the photo is a jpg named 身份证号码姓名, on a white background, of 14k to 100k.
The checks are :mod:`sbbatch.photos`'s and the photo is kept as the person's collected
photo by :func:`sbbatch.cards.upload_photo`; :class:`PhotoUpload` is a ``FileUpload``
with its messages under it, shown as soon as a file is chosen; on 下一步 it keeps the
photo, and a rejected photo blocks 下一步 like any other field. A person whose photo
was collected before needs no upload.

This module knows nothing of the form it is part of: the form gives it the workspace,
the unit and a way to read the case's values.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import polars as pl

from sbbatch import cards, ids, photos
from sbbatch.display import mask_text
from sbbatch.exceptions import SbbatchError
from sbbatch.spec import FAILURE_SCHEMA
from sbbatch.store.queries import find_person

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = ["PHOTO_HEADER", "PhotoUpload", "uploaded_photo"]

#: The header photo failures are reported under.
PHOTO_HEADER = "照片"

_NOTE = (
    '<div class="sb-note">说明：照片的命名规则为：身份证号码姓名；文件格式必须为 jpg；'
    "照片底色必须是白色；照片大小不得低于 14k，不得大于 100k。</div>"
)


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
        schema=FAILURE_SCHEMA,
    )


class PhotoUpload:
    """The 上传照片 part of a single-case form: the upload, its note and its messages.

    Args:
        ws: The workspace the case is declared in.
        unit_id: The declaring unit.
        values: Returns the case's values (English field → text), read when a file
            is chosen.

    Attributes:
        upload: The ``FileUpload`` (one jpg).
        messages: The photo's messages (HTML).
    """

    def __init__(self, ws: Workspace, unit_id: str, values: Callable[[], dict[str, Any]]) -> None:
        self.ws = ws
        self.unit_id = unit_id
        self._values = values
        self._kept: tuple[str, str] | None = None
        self.upload = widgets.FileUpload(
            accept=".jpg,.jpeg", multiple=False, description="上传照片"
        )
        self.messages = widgets.HTML("")
        self.messages.add_class("sb-msg")
        self.upload.observe(self._on_upload, names="value")

    def widgets(self) -> list[widgets.Widget]:
        """The widgets shown below the fields."""
        heading = widgets.HTML(f'<div class="sb-section">{PHOTO_HEADER}</div>')
        return [heading, widgets.HTML(_NOTE), self.upload, self.messages]

    def set_disabled(self, disabled: bool) -> None:
        """Lock the upload while the case is not being edited."""
        self.upload.disabled = disabled

    def check(self, values: dict[str, Any]) -> pl.DataFrame:
        """On 下一步: keep the chosen photo (or find the one collected before); its failures."""
        failures = self._collected(values)
        self._show(failures)
        return failures

    def _on_upload(self, _change: dict[str, Any]) -> None:
        if uploaded_photo(self.upload) is not None:
            self._show(self._preview(self._values()))

    def _person_id(self, values: dict[str, Any]) -> str | None:
        try:
            return ids.validate_one(str(values.get("person_id") or ""), self.ws.today)
        except SbbatchError:
            return None

    def _registered(self, person_id: str | None) -> bool:
        if person_id is None:
            return False
        return find_person(self.ws, person_id).height > 0

    def _preview(self, values: dict[str, Any]) -> pl.DataFrame:
        """Check the chosen file without keeping it (as soon as it is chosen)."""
        chosen = uploaded_photo(self.upload)
        if chosen is None:
            return _failures([], None)
        name, data = chosen
        person_id = self._person_id(values)
        persons = None
        if person_id is not None:
            persons = pl.DataFrame({"person_id": [person_id], "name": [values.get("name") or ""]})
        checked = photos.check_photos(
            {name: data}, persons=persons, today=self.ws.today, scope="本次申领人员"
        )
        return _failures(checked["problems"][0].to_list(), name)

    def _collected(self, values: dict[str, Any]) -> pl.DataFrame:
        """Keep the chosen photo as the person's photo, or use the one collected before."""
        person_id = self._person_id(values)
        chosen = uploaded_photo(self.upload)
        if chosen is None:
            if person_id is not None and self._registered(person_id):
                card = cards.lookup_person(self.ws, self.unit_id, person_id)
                if card.photo_file:
                    self.messages.value = (
                        f'<div class="sb-ok">使用已采集的照片：{html.escape(card.photo_file)}</div>'
                    )
                    return _failures([], None)
            return _failures(
                [
                    {
                        "rule": "photo_missing",
                        "level": "reject",
                        "message": "系统中没有该人员的照片，请按要求上传照片（身份证号码姓名.jpg）。",
                    }
                ],
                None,
            )
        if person_id is None or not self._registered(person_id):
            return self._preview(values)
        name, data = chosen
        digest = hashlib.sha256(data).hexdigest()
        if self._kept == (person_id, digest):
            return self._preview(values)
        checked = cards.upload_photo(self.ws, person_id, data, name)
        self._kept = (person_id, digest)
        return _failures(checked["problems"][0].to_list(), name)

    def _show(self, failures: pl.DataFrame) -> None:
        if failures.height == 0:
            if uploaded_photo(self.upload) is not None:
                self.messages.value = '<div class="sb-ok">照片检查通过。</div>'
            return
        self.messages.value = "".join(
            f'<div class="sb-{row["level"]}">{html.escape(mask_text(row["message"]))}</div>'
            for row in failures.iter_rows(named=True)
        )
