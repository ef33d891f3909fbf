"""What the commands print under ``--format json``: one JSON document on stdout.

Every command answers ``--format json`` with one JSON object (described by
``schemas/cli/<command>.schema.json``); an error is ``{"error": …, "hint": …}`` with
exit code 2. ID numbers (``person_id`` fields and IDs inside messages) and phone
numbers are masked unless ``--unmask``; file names are never masked, so that a tool
can map results back to its files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
from collections.abc import Iterable
from typing import Any

import polars as pl

__all__ = ["error_document", "json_mode", "print_json", "records"]

#: Columns that hold file names or paths: never masked.
_UNMASKED = frozenset({"file", "path", "source", "output", "photo_file"})


def json_mode(args: argparse.Namespace) -> bool:
    """Whether the command was asked for JSON."""
    return getattr(args, "format", "text") == "json"


def unmasked(args: argparse.Namespace) -> bool:
    """Whether ``--unmask`` was given."""
    return bool(getattr(args, "unmask", False))


def _default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, pl.DataFrame):
        return value.to_dicts()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def print_json(document: object) -> None:
    """Print one JSON document (Chinese readable, dates ISO, decimals as text)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=_default) + "\n")


def records(frame: pl.DataFrame, unmask: bool, *, keep: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The rows of a frame as JSON records, ID numbers and phones masked unless ``unmask``."""
    if not unmask:
        from sbbatch._mask import mask_id_expr, mask_text

        kept = _UNMASKED | set(keep)
        frame = frame.with_columns(
            [mask_id_expr(pl.col(c)) for c in ("person_id",) if c in frame.columns]
            + [
                pl.col(c).map_elements(mask_text, return_dtype=pl.String)
                for c, dtype in frame.schema.items()
                if dtype == pl.String and c != "person_id" and c not in kept
            ]
        )
    return frame.to_dicts()


def masked_text(text: str | None, unmask: bool) -> str | None:
    """A message with ID numbers and phones masked unless ``unmask``."""
    if text is None or unmask:
        return text
    from sbbatch._mask import mask_text

    return mask_text(text)


def error_document(message: str) -> dict[str, str | None]:
    """``{"error": …, "hint": …}`` from a Chinese message whose hint follows 「提示：」.

    Examples:
        >>> error_document("单位 001 不在工作区中。提示：请先装入单位信息。")
        {'error': '单位 001 不在工作区中。', 'hint': '请先装入单位信息。'}
        >>> error_document("已中断。")
        {'error': '已中断。', 'hint': None}
    """
    error, sep, hint = message.partition("提示：")
    return {"error": error.strip(), "hint": hint.strip() if sep else None}
