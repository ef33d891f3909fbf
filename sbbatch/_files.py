"""Writing files safely: atomic outputs and file names built from data.

Every output (xlsx, csv, parquet, pdf, json, html) is written through
:func:`atomic_path`: to a temporary file beside the target, renamed into place only
when complete, so a crash or a kill leaves either the old file or the new one whole.
Every file name made from data (a person's name, a declaration number) goes through
:func:`safe_component` and :func:`inside`, so it is one path component that stays
inside its folder.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sbbatch.exceptions import UnusableInputError

__all__ = ["MAX_COMPONENT_CHARS", "atomic_path", "inside", "safe_component"]

#: The longest file-name component :func:`safe_component` returns, in characters
#: (ext4 and NTFS allow 255 bytes/UTF-16 units; a CJK character takes 3 UTF-8 bytes).
MAX_COMPONENT_CHARS = 80

_UNSAFE = re.compile(r'[\\/:*?"<>|]')


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block ends.

    The folder must exist. If the block raises, the temporary file is
    removed and ``target`` is left as it was.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with atomic_path(folder / "a.txt") as part:
        ...     _ = part.write_text("new")
        >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
        ('new', ['a.txt'])
    """
    final = Path(target)
    # same folder (same file system, so the rename is atomic); the real suffix last,
    # for writers that look at it
    part = final.with_name(f".{final.stem}.{secrets.token_hex(4)}.part{final.suffix}")
    try:
        yield part
        if part.exists():
            with open(part, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(part, final)
    finally:
        if part.exists():
            part.unlink()


def safe_component(text: object, *, fallback: str = "未命名") -> str:
    """Return ``text`` as one file-name component: no separators, control characters or dots.

    Path separators and characters Windows forbids become ``_``; control characters
    are dropped; leading dots and spaces go (no hidden files, no ``..``); the result
    is at most :data:`MAX_COMPONENT_CHARS` characters. An empty result is ``fallback``.

    Examples:
        >>> safe_component("甲/../../../../tmp/x")
        '甲_.._.._.._.._tmp_x'
        >>> safe_component("..")
        '未命名'
        >>> safe_component("张三\\n")
        '张三'
    """
    value = unicodedata.normalize("NFC", str(text))
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    value = _UNSAFE.sub("_", value).strip().lstrip(". ").rstrip(". ")
    value = value[:MAX_COMPONENT_CHARS].rstrip(". ")
    return value or fallback


def inside(folder: str | Path, name: str) -> Path:
    """Return ``folder / name``, refusing a name that would lead out of ``folder``.

    Examples:
        >>> inside("out", "a.pdf").as_posix()
        'out/a.pdf'
        >>> inside("out", "../a.pdf")
        Traceback (most recent call last):
        sbbatch.exceptions.UnusableInputError: 文件名「../a.pdf」会写到文件夹 out 之外，已拒绝。
    """
    base = Path(folder)
    path = base / name
    resolved_base = base.resolve()
    if path.resolve().parent != resolved_base or Path(name).name != name:
        msg = f"文件名「{name}」会写到文件夹 {base} 之外，已拒绝。"
        raise UnusableInputError(msg)
    return path
