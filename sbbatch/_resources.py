"""Where the language-neutral data of ``schemas/`` lives.

In a wheel, ``schemas/`` is shipped as ``sbbatch/schemas`` (see pyproject.toml); in a
source checkout (editable install) it is the ``schemas/`` folder beside the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["schemas_dir"]


@cache
def schemas_dir() -> Path:
    """Return the folder that holds ``ddl/``, ``codes/`` and ``policy/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / "ddl").is_dir():
            return candidate
    msg = "找不到 schemas 数据目录。提示：请重新安装 sbbatch。"
    raise FileNotFoundError(msg)
