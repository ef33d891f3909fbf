"""Reading the commented CSV files of ``schemas/``.

Every data file opens with ``#`` lines that name its source; the loader keeps those
lines as the file's provenance and reads the rest as text, so no value is coerced.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

__all__ = ["read_commented_csv"]


def read_commented_csv(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """Read a CSV whose leading ``#`` lines are comments; every column as text.

    Returns:
        The frame (all columns ``String``, empty cells null) and the comment lines
        without their ``#``.
    """
    text = path.read_text(encoding="utf-8")
    comments: list[str] = []
    body: list[str] = []
    for line in text.splitlines():
        if not body and line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        elif line.strip():
            body.append(line)
    frame = pl.read_csv(
        io.StringIO("\n".join(body)),
        infer_schema_length=0,
    )
    return frame, comments
