"""Shell completion (argcomplete, in the dev environment) as a shell asks for it.

The shell runs ``sbbatch`` with ``_ARGCOMPLETE`` and the line typed so far; argcomplete
answers with the words that fit and exits. The kinds come from where they are defined
(the business registry, ``LOAD_KINDS``), so a new business completes without a change here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sbbatch.declarations import registry
from sbbatch.unit_files import LOAD_KINDS


def _complete(line: str, tmp_path: Path) -> list[str]:
    out = tmp_path / "completions.txt"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
    }
    code = "import sys; from sbbatch.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    return out.read_text(encoding="utf-8").split("\n")


def test_commands_complete(tmp_path: Path) -> None:
    words = _complete("sbbatch re", tmp_path)
    assert {"review", "result", "read", "reconcile"} <= set(words)
    assert "roster" not in words
    assert "declare" not in words


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("sbbatch template wage", sorted(k for k in registry() if k.startswith("wage"))),
        ("sbbatch declare x.xlsx --kind enrol", ["enrolment"]),
        ("sbbatch schema al", ["all"]),
        ("sbbatch load p", [k for k in LOAD_KINDS if k.startswith("p")]),
    ],
)
def test_kinds_complete_from_where_they_are_defined(
    line: str, expected: list[str], tmp_path: Path
) -> None:
    words = [w.strip() for w in _complete(line, tmp_path) if w.strip()]
    assert expected, line
    assert words == expected
