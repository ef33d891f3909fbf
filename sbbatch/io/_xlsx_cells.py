"""Where calamine would place a sheet's cells, for :mod:`sbbatch.io._xlsx_guard`'s exact pass.

calamine (0.36, behind fastexcel; python-calamine 0.9 behaves alike) reads a sheet
with quick-xml and places each ``<c>`` element (any namespace prefix) by its
attribute named exactly ``r`` — found by skipping whitespace, reading the key up to
``=``, trimming it, skipping whitespace after ``=`` and taking the quoted value, so
``r = 'xfd1048576'`` counts and letters may be lowercase — or, without one, at the
current row (set by ``<row r>``, else one more per ``</row>``) and the next column
(one more per cell, reset per row). It then allocates the rectangle spanned by the
cells. This module follows the same steps over the sheet's markup and returns a
rectangle at least as large, so a sheet that passes cannot make calamine allocate
more than it was allowed. It is slower than the guard's fast pass and runs only when
that pass sees a sheet written in an unusual way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

from sbbatch.exceptions import UnusableInputError

#: one piece of markup, or a run of text; a start or end tag is quote-aware as
#: quick-xml's tokenizer is (a ``>`` inside a quoted value does not end the tag)
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|(<!)(?!--|\[CDATA\[)"
    rb"|<(/?)([^\s/>]*+)((?:[^>\"']|\"[^\"]*+\"|'[^']*+')*+)>|[^<]++",
    re.S,
)
_WS = b" \t\n\r\x0c"
_POSITION = re.compile(rb"([A-Za-z]*)([0-9]+)")
#: markup a window may carry over while waiting for its end (a longer tag or
#: comment is not something a worksheet holds)
_MAX_PENDING = 64 * 1024**2


class _Extent(Protocol):
    def add(self, row: int, column: int | None) -> None: ...


_E = TypeVar("_E", bound=_Extent)


def cell_extent(
    chunks: Iterator[bytes],
    extent: _E,
    notes: Callable[[bytes, _E], None],
    name: str,
) -> int:
    """Add every cell position calamine could use to ``extent``; the sheet's size.

    ``notes`` is called on every chunk (with the end of the one before) for the
    formulas and hidden rows.

    Raises:
        UnusableInputError: A ``<!DOCTYPE`` or other declaration inside the sheet
            (no writer puts one there; its internal subset could hide markup), or a
            tag longer than 64 MB.
    """
    size = 0
    pending = b""
    tail = b""
    row = column = 0
    for chunk in chunks:
        size += len(chunk)
        notes(tail + chunk, extent)
        tail = (tail + chunk)[-256:]
        text = pending + chunk
        position = 0
        for token in _TOKEN.finditer(text):
            if token.start() != position:
                break  # a piece whose end is in the next chunk (or never comes)
            if token.group(1) is not None:  # <! that is no comment or CDATA
                if len(text) - token.start() < 9:
                    break  # perhaps a comment cut by the chunk's end
                raise UnusableInputError(
                    f"文件「{name}」的工作表中含有文档类型声明（<!DOCTYPE …>），"
                    "不是 Excel 保存的格式，拒绝读取。提示：请用 Excel 打开后另存为 .xlsx 再试。"
                )
            position = token.end()
            element = token.group(3)
            if element is None:
                continue
            local = element.rpartition(b":")[2]
            if local == b"c" and not token.group(2):
                found = _columns(token.group(4), extent)
                if found is None:
                    extent.add(row, column)
                    column += 1
                else:
                    column = found + 1
            elif local == b"row":
                if token.group(2):
                    row, column = row + 1, 0
                    continue
                attributes = token.group(4)
                at = _row_of(attributes)
                if at is not None:  # calamine sets the row outright
                    extent.add(at, None)
                    row = at
                if attributes.rstrip(_WS).endswith(b"/"):  # <row/>: start and end
                    row, column = row + 1, 0
        pending = text[position:]
        if len(pending) > _MAX_PENDING:
            raise UnusableInputError(
                f"文件「{name}」的工作表中有超过 64 MB 的单个标记，不是正常的 Excel 文件，拒绝读取。"
                "提示：请用 Excel 打开后另存为 .xlsx 再试。"
            )
    return size


def _attributes(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The ``(key, value)`` pairs calamine's attribute reader yields, until an error."""
    raw = raw.rstrip(_WS)
    if raw.endswith(b"/"):
        raw = raw[:-1]
    length = len(raw)
    at = 0
    while True:
        while at < length and raw[at] in _WS:
            at += 1
        if at >= length:
            return
        equals = raw.find(b"=", at)
        if equals < 0:
            return
        key = raw[at:equals].rstrip(_WS)
        at = equals + 1
        while at < length and raw[at] in _WS:
            at += 1
        if at >= length or raw[at] not in b"\"'":
            return
        end = raw.find(raw[at : at + 1], at + 1)
        if end < 0:
            end = length
        yield key, raw[at + 1 : end]
        at = end + 1


def _position(value: bytes) -> tuple[int, int | None] | None:
    """A reference's 0-based (row, column) as calamine parses it; None if it fails."""
    found = _POSITION.fullmatch(value)
    if found is None:
        return None
    letters, digits = found.groups()
    significant = digits.lstrip(b"0")
    if not significant:
        return None  # row 0: calamine refuses it
    row = int(significant) - 1 if len(significant) <= 9 else 10**9
    if not letters:
        return row, None
    column = 0
    for letter in letters[:4].upper():
        column = column * 26 + letter - 64
    return row, column - 1


def _columns(attributes: bytes, extent: _Extent) -> int | None:
    """Add a cell's every ``r`` to ``extent``; the largest column, None without one.

    calamine takes one of them (the last before it has seen ``r``, ``s`` and ``t``
    three times); counting all of them, and continuing from the largest column, is
    never less.
    """
    largest = None
    for key, value in _attributes(attributes):
        if key != b"r":
            continue
        position = _position(value)
        if position is None or position[1] is None:
            continue  # calamine stops reading the sheet with an error here
        extent.add(*position)
        largest = position[1] if largest is None else max(largest, position[1])
    return largest


def _row_of(attributes: bytes) -> int | None:
    """The 0-based row of a ``<row>`` element's ``r`` (its first), None without one."""
    for key, value in _attributes(attributes):
        if key == b"r":
            position = _position(value)
            return None if position is None else position[0]
    return None
