"""Smaller rooms (issue 10 item 7): no module of the package is over ~600 lines.

A module that grows past the limit is split by responsibility (a loader and its
look-ups, an engine and its workspace reader, a writer and its reports) rather than
allowed to become the place where everything lands.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sbbatch"
LIMIT = 600


def test_no_module_is_over_the_limit() -> None:
    sizes = {
        path.relative_to(PACKAGE.parent).as_posix(): len(
            path.read_text(encoding="utf-8").splitlines()
        )
        for path in PACKAGE.rglob("*.py")
    }
    over = {name: lines for name, lines in sorted(sizes.items()) if lines > LIMIT}
    assert not over, f"modules over {LIMIT} lines: {over}"
