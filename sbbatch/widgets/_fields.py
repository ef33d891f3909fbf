"""The fields of a single-case form: inputs from the columns, their values and messages.

:class:`FormFields` is the half of :class:`~sbbatch.widgets.form.DeclarationForm`
that knows the business's columns — which input each column gets (a dropdown of
labels for codes, a text box with the manual's example otherwise), how the inputs
read and fill, and where a failure's message shows — while the form adds the
buttons and the declaration's way through 录入 → 提交 → 审核 → 已读.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import ipywidgets as widgets
import polars as pl

from sbbatch import codes
from sbbatch.declarations import Column, Declaration
from sbbatch.display import mask_text
from sbbatch.spec import Section, Slot, WidgetLayout
from sbbatch.store import Workspace
from sbbatch.widgets.photo import PhotoUpload

__all__ = ["ACTIONS", "EXTRAS", "FieldWidget", "FormExtra", "FormFields", "download_link"]

#: The buttons, by action, with their default text (the manual's words).
ACTIONS: dict[str, str] = {
    "next": "下一步",
    "submit": "提交",
    "modify": "修改",
    "void": "作废",
    "mark_read": "设为已读",
    "print": "打印",
    "finish": "完成",
}


class FormExtra(Protocol):
    """A special part of a form below its fields, named in a business's widget layout."""

    def widgets(self) -> list[widgets.Widget]:
        """The widgets shown below the fields."""
        ...

    def check(self, values: dict[str, Any]) -> pl.DataFrame | None:
        """Extra failures of the case on 下一步 (failures shape), or None."""
        ...

    def set_disabled(self, disabled: bool) -> None:
        """Lock or unlock the part with the fields."""
        ...


#: The special parts a widget layout may name (``WidgetLayout.extras``), by name:
#: each is built from (workspace, unit, a way to read the case's values).
EXTRAS: dict[str, Callable[[Workspace, str, Callable[[], dict[str, Any]]], FormExtra]] = {
    "photo": PhotoUpload,
}

#: The input widget of a field: ``Text``, or ``Dropdown`` for codes and 性别.
FieldWidget: TypeAlias = Any

_LABEL_WIDTH = "9.5em"

_PLACEHOLDERS = {
    "id": "18 位身份证号码",
    "month": "如 2019-04",
    "date": "如 1999-06-23",
    "money": "如 5000.00",
    "phone": "11 位手机号码",
}

_STYLE = """<style>
.sb-form{max-width:1100px;font-family:"Noto Sans SC","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.sb-form .sb-title{font-size:18px;font-weight:600;margin:4px 0 8px;color:#1f3b5a}
.sb-form .sb-section{font-size:14px;font-weight:600;color:#1f3b5a;border-bottom:2px solid #3a6ea5;
 margin:10px 0 4px;padding-bottom:2px}
.sb-form .sb-required .widget-label::after{content:" *";color:#d40000;font-weight:700}
.sb-form .sb-msg{font-size:12px;line-height:1.35;margin:0 0 2px 9.5em}
.sb-form .sb-msg .sb-reject{color:#b00020}
.sb-form .sb-msg .sb-warn{color:#8a5a00}
.sb-form .sb-msg .sb-ok{color:#1e6b34}
.sb-form .sb-note{font-size:12px;color:#555;margin:2px 0 6px}
.sb-form .sb-status{font-size:14px;padding:6px 10px;border-radius:3px;margin-top:6px}
.sb-form .sb-status-ok{background:#e6f4ea;color:#1e6b34;border:1px solid #9fd3ad}
.sb-form .sb-status-reject{background:#fde2e2;color:#9b0018;border:1px solid #f1a7a7}
.sb-form .sb-status-info{background:#eef3f8;color:#1f3b5a;border:1px solid #bfcddb}
.sb-form .sb-status ul{margin:4px 0 0 1.2em;padding:0}
</style>"""


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def download_link(path: Path, text: str, mime: str = "application/pdf") -> str:
    """An HTML link that downloads ``path`` from the page itself (a ``data:`` URL)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<a class="sb-download" download="{_escape(path.name)}" '
        f'href="data:{mime};base64,{data}">{_escape(text)}</a>'
    )


class FormFields(widgets.VBox):  # type: ignore[misc,unused-ignore]
    """The inputs of a form, one per column of each slot, with their message areas.

    Built and owned by :class:`~sbbatch.widgets.form.DeclarationForm`, which sets the
    attributes annotated here before it builds the fields.
    """

    ws: Workspace
    unit_id: str
    declaration: Declaration
    widget_layout: WidgetLayout
    slots: list[Slot]
    slot_fields: list[dict[str, FieldWidget]]
    slot_messages: list[dict[str, widgets.HTML]]
    slot_message_texts: list[dict[str, list[str]]]
    status: widgets.HTML
    status_text: str
    _row_slots: list[int]
    _field_of_header: dict[str, str]

    def _slots(self) -> list[Slot]:
        if self.widget_layout.slots:
            return list(self.widget_layout.slots)
        return [Slot("", tuple(c.field for c in self.declaration.columns))]

    def _sections(self, slot: Slot) -> list[Section]:
        if len(self.slots) > 1 or not self.widget_layout.sections:
            return [Section(slot.title, slot.fields)]
        sections = [
            Section(s.title, tuple(f for f in s.fields if f in slot.fields), s.collapsed)
            for s in self.widget_layout.sections
        ]
        placed = {f for s in sections for f in s.fields}
        rest = tuple(f for f in slot.fields if f not in placed)
        if rest:
            sections.append(Section("", rest))
        return [s for s in sections if s.fields]

    def _required(self, column: Column, slot: Slot) -> bool:
        if slot.optional:
            return False
        return column.required or (self.declaration.has_business_month and column.field == "month")

    def _make_input(self, column: Column, slot: Slot) -> FieldWidget:
        common: dict[str, Any] = {
            "description": column.header,
            "style": {"description_width": _LABEL_WIDTH},
            "layout": widgets.Layout(width="auto"),
        }
        if column.help:
            common["tooltip"] = column.help
        widget: FieldWidget
        if column.type == "code" and column.code_table:
            widget = widgets.Dropdown(options=self._options(column.code_table), value="", **common)
        elif column.type == "gender":
            widget = widgets.Dropdown(
                options=[("", ""), ("男", "1"), ("女", "2")], value="", **common
            )
        else:
            placeholder = _PLACEHOLDERS.get(column.type, "")
            widget = widgets.Text(
                value="", placeholder=placeholder, continuous_update=False, **common
            )
        if self._required(column, slot):
            widget.add_class("sb-required")
        return widget

    def _options(self, table: str) -> list[tuple[str, str]]:
        """Return ("", "") then (label, code) of the codes valid on the agency's date."""
        frame = codes.table(table)
        today = self.ws.today
        valid = frame.filter(
            (pl.col("valid_from").is_null() | (pl.col("valid_from") <= today))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= today))
        ).unique("code", keep="last", maintain_order=True)
        return [("", ""), *zip(valid["label"].to_list(), valid["code"].to_list(), strict=True)]

    def _cell(self, index: int, slot: Slot, name: str) -> widgets.Widget:
        column = self.declaration.column(name)
        widget = self._make_input(column, slot)
        message = widgets.HTML("")
        message.add_class("sb-msg")
        self.slot_fields[index][name] = widget
        self.slot_messages[index][name] = message
        self.slot_message_texts[index][name] = []
        return widgets.VBox([widget, message], layout=widgets.Layout(width="100%"))

    def slot_values(self, index: int) -> dict[str, str | None]:
        """Return one row's inputs as text by English field (blank fields are None)."""
        out: dict[str, str | None] = {}
        for name, widget in self.slot_fields[index].items():
            value = widget.value
            out[name] = None if value is None or str(value).strip() == "" else str(value).strip()
        return out

    def values(self) -> dict[str, str | None]:
        """Return the case (its first row) as text by English field (blank fields are None)."""
        return self.slot_values(0)

    def set_values(self, values: dict[str, Any], slot: int = 0) -> None:
        """Fill fields of a row from English field → value (labels or codes for dropdowns)."""
        for name, value in values.items():
            widget = self.slot_fields[slot][name]
            if isinstance(widget, widgets.Dropdown):
                self._set_dropdown(widget, value)
            elif hasattr(value, "isoformat"):
                widget.value = value.isoformat()
            else:
                widget.value = "" if value is None else str(value)

    @staticmethod
    def _set_dropdown(widget: widgets.Dropdown, value: Any) -> None:
        text = "" if value is None else str(value)
        for label, code in widget.options:
            if text in (label, code):
                widget.value = code
                return

    def rows(self) -> pl.DataFrame:
        """Return the rows the form declares: one per filled slot, every column as text."""
        names = [c.field for c in self.declaration.columns]
        rows: list[dict[str, str | None]] = []
        self._row_slots = []
        for index, slot in enumerate(self.slots):
            values = self.slot_values(index)
            if slot.optional and all(v is None for v in values.values()):
                continue
            row: dict[str, str | None] = dict.fromkeys(names)
            row.update(values)
            row.update(dict(slot.fixed))
            rows.append(row)
            self._row_slots.append(index)
        return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String))

    def _set_messages(self, slot: int, field: str, items: list[tuple[str, str]]) -> None:
        self.slot_message_texts[slot][field] = [text for _, text in items]
        self.slot_messages[slot][field].value = "".join(
            f'<div class="sb-{level}">{_escape(mask_text(text))}</div>' for level, text in items
        )

    def _clear_messages(self) -> None:
        for index, fields in enumerate(self.slot_fields):
            for name in fields:
                self._set_messages(index, name, [])

    def _show_failures(self, failures: pl.DataFrame) -> list[str]:
        """Put each failure under its field; return the messages of no field."""
        self._clear_messages()
        found: dict[tuple[int, str], list[tuple[str, str]]] = {}
        elsewhere: list[str] = []
        for failure in failures.sort(pl.col("level") != "reject").iter_rows(named=True):
            label = "提示：" if failure["level"] == "warn" else ""
            text = f"{label}{failure['message']}"
            row = int(failure["row"] or 1) - 1
            slot = self._row_slots[row] if 0 <= row < len(self._row_slots) else 0
            field = self._field_of_header.get(failure["column"])
            if field is not None and field in self.slot_fields[slot]:
                found.setdefault((slot, field), []).append((failure["level"], text))
            else:
                elsewhere.append(text)
        for (slot, field), items in found.items():
            self._set_messages(slot, field, items)
        return elsewhere

    def _set_status(self, text: str, tone: str = "info", details: list[str] | None = None) -> None:
        self.status_text = text
        items = "".join(f"<li>{_escape(mask_text(d))}</li>" for d in details or [])
        self.status.value = (
            f'<div class="sb-status sb-status-{tone}" role="status">{_escape(mask_text(text))}'
            f"{f'<ul>{items}</ul>' if items else ''}</div>"
            if text
            else ""
        )
