"""The one way SQL text is put together: fragments written in the source, never values.

Values always travel as parameters (``$name`` or ``?``). Where a statement needs a
part that varies — a table chosen from a fixed set, an optional filter, a sub-query
shared by two statements — the part is a :class:`Fragment`: SQL text that was written
in sbbatch's own source (``fragment("…")`` with a literal), an identifier from an
allow-list (:func:`ident`), or a composition of those (:func:`compose`). A plain
``str`` (which could hold a value typed by a user) is refused at run time, and
``tests/test_architecture.py`` refuses an f-string holding SQL anywhere in the package.

Examples:
    >>> where = fragment("p.unit_id = $unit")
    >>> compose("SELECT count(*) FROM insured_periods p WHERE {where}", where=where)
    'SELECT count(*) FROM insured_periods p WHERE p.unit_id = $unit'
    >>> compose("SELECT * FROM {table}", table=ident("pooled_persons", {"pooled_persons"}))
    'SELECT * FROM pooled_persons'
    >>> compose("SELECT * FROM t WHERE {where}", where="1=1; DROP TABLE t")
    Traceback (most recent call last):
    ...
    TypeError: SQL slot 'where' must be a Fragment (source text or an allowed identifier), not str
    >>> ident("x; DROP TABLE t", {"units"})
    Traceback (most recent call last):
    ...
    ValueError: identifier 'x; DROP TABLE t' is not one of the allowed names
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

__all__ = ["TRUE", "Fragment", "compose", "fragment", "ident", "join"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class Fragment(str):
    """SQL text from sbbatch's source or an allow-list — never from data."""

    __slots__ = ()


def fragment(text: str) -> Fragment:
    """Mark SQL text written in the source as a fragment (call it with a literal only)."""
    return Fragment(text)


def ident(name: str, allowed: Collection[str]) -> Fragment:
    """An identifier (table, column, alias) that must be one of ``allowed``."""
    if name not in allowed or not _IDENTIFIER.match(name):
        msg = f"identifier {name!r} is not one of the allowed names"
        raise ValueError(msg)
    return Fragment(name)


def compose(template: str, **slots: Fragment) -> Fragment:
    """Fill the ``{slot}`` places of ``template`` with fragments (``{{``/``}}`` for braces)."""
    for name, value in slots.items():
        if not isinstance(value, Fragment):
            msg = (
                f"SQL slot {name!r} must be a Fragment (source text or an allowed identifier), "
                f"not {type(value).__name__}"
            )
            raise TypeError(msg)
    return Fragment(template.format_map(slots))


def join(parts: Iterable[Fragment], separator: str = " AND ") -> Fragment:
    """Join fragments (e.g. filters) with ``separator``; ``TRUE`` when there are none."""
    items = list(parts)
    for value in items:
        if not isinstance(value, Fragment):
            msg = f"SQL part must be a Fragment, not {type(value).__name__}"
            raise TypeError(msg)
    return Fragment(separator.join(items)) if items else TRUE


TRUE = Fragment("TRUE")
