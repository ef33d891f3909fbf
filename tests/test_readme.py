"""The README's shell and Python blocks run as written, in order, on the shipped sample files.

Every fenced ``bash`` and ``python`` block of README.md is executed in a fresh folder
that holds the repository's ``sample_data/`` (as a fresh clone does), one after the
other, so the walkthrough can never drift from what sbbatch does. A shell line may exit
0 or 1 (1 = some rows rejected or differences found, as the README says); 2 or more,
or a traceback, fails the test. A block preceded by ``<!-- readme-test: skip … -->``
is not run (the reason is in the comment: ``make demo`` and ``make test`` are what CI
itself runs).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_FENCE = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>bash|python)\n(?P<body>.*?)\n```", re.S)
_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b")


def blocks(text: str) -> list[tuple[str, str, int]]:
    """Return the runnable blocks: (language, body, line number of the fence)."""
    found = []
    for match in _FENCE.finditer(text):
        if _SKIP.search(match.group("before")):
            continue
        line = text.count("\n", 0, match.start("lang"))
        found.append((match.group("lang"), match.group("body"), line))
    return found


def _commands(body: str) -> list[str]:
    """Shell commands of a block: one per line, joined across trailing backslashes."""
    commands, current = [], ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            commands.append(current)
        current = ""
    return commands


def test_blocks_are_found_and_skips_are_explained() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(blocks(text)) >= 3
    for comment in re.findall(r"<!--\s*readme-test:\s*skip([^>]*)-->", text):
        assert comment.strip(), "a skipped block must say why"


@pytest.mark.slow
def test_the_readme_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONIOENCODING": "utf-8",
    }
    for lang, body, line in blocks(README.read_text(encoding="utf-8")):
        if lang == "python":
            done = subprocess.run(
                [sys.executable, "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"README line {line}: python block failed\n{done.stderr}"
            continue
        for command in _commands(body):
            done = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            shown = f"README line {line}: {shlex.quote(command)} → exit {done.returncode}"
            assert done.returncode in (0, 1), (
                f"{shown}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
            assert "Traceback" not in done.stderr, f"{shown}\n{done.stderr[-3000:]}"
