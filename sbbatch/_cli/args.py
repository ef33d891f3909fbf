"""The argument types shared by every command: dates, months, and what completes a kind.

Every date or month option of every command is parsed here, by an argparse ``type=``
function, so a bad value is a usage error (exit 2, a Chinese line), never a traceback.
The kinds a shell completes (argcomplete, when installed) come from where the kinds are
defined — the business registry and ``LOAD_KINDS`` — imported only while completing.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

__all__ = ["business_kind", "date_arg", "load_kind", "month_arg"]

Completer = Callable[..., list[str]]


def _completes(action: argparse.Action, completer: Completer) -> argparse.Action:
    """Attach a shell completer to ``action`` (argcomplete reads ``action.completer``)."""
    action.completer = completer  # type: ignore[attr-defined]
    return action


def _business_kinds(*extra: str) -> Completer:
    def complete(prefix: str, **_: object) -> list[str]:
        from sbbatch.declarations import registry

        return sorted(kind for kind in [*registry(), *extra] if kind.startswith(prefix))

    return complete


def _load_kinds(prefix: str, **_: object) -> list[str]:
    from sbbatch.unit_files import LOAD_KINDS

    return [kind for kind in LOAD_KINDS if kind.startswith(prefix)]


def business_kind(action: argparse.Action, *extra: str) -> argparse.Action:
    """Complete ``action`` with the businesses' English keys (``enrolment``, ``wage_base`` …)
    and any ``extra`` word the command also takes."""
    return _completes(action, _business_kinds(*extra))


def load_kind(action: argparse.Action) -> argparse.Action:
    """Complete ``action`` with what ``load`` takes (``unit``, ``persons``, ``wages``, ``payments``)."""
    return _completes(action, _load_kinds)


def date_arg(text: str) -> dt.date:
    """Parse a date argument (经办日期, the only date the commands take) written ``YYYY-MM-DD``.

    Examples:
        >>> date_arg("2026-11-26")
        datetime.date(2026, 11, 26)
        >>> date_arg("2026-13-01")
        Traceback (most recent call last):
        argparse.ArgumentTypeError: 经办日期「2026-13-01」无效。提示：请写成 2026-11-26。
    """
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = f"经办日期「{text}」无效。提示：请写成 2026-11-26。"
        raise argparse.ArgumentTypeError(msg) from None


def month_arg(text: str) -> dt.date:
    """Parse a month argument (年月) as its first day: ``2026-11``, ``202611``, ``2026年11月``.

    Examples:
        >>> month_arg("2026-11")
        datetime.date(2026, 11, 1)
        >>> month_arg("2026-13")
        Traceback (most recent call last):
        argparse.ArgumentTypeError: 年月「2026-13」无效。提示：请写成 2026-11。
    """
    import polars as pl

    from sbbatch.io.normalise import parse_month

    try:  # a frame, not a literal: parse_month keeps the input column's name
        value = pl.DataFrame({"month": [text]}).select(parse_month(pl.col("month"))).item()
    except pl.exceptions.PolarsError:
        value = None
    if not isinstance(value, dt.date):
        msg = f"年月「{text}」无效。提示：请写成 2026-11。"
        raise argparse.ArgumentTypeError(msg)
    return value
