"""The core install (no extras) runs ``sbbatch demo`` without the repository.

The wheel is built from this checkout and unpacked (without dependencies) into a
temporary folder; ``sbbatch demo`` then runs from another temporary folder with that
wheel first on the path and the extras' packages (ipywidgets, matplotlib, IPython,
Jupyter, Voilà, mkdocs …) made unimportable — so the demo proves that the wheel
carries everything it needs (``schemas/``, fonts, sample data) and that the core
needs no extra. The README states the installed size of the core, measured with
``pip install .`` in a fresh virtual environment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Top-level packages of the extras ([notebook], [app], [docs], [dev]).
EXTRAS = (
    "ipywidgets",
    "matplotlib",
    "IPython",
    "ipykernel",
    "jupyterlab",
    "jupyter_server",
    "voila",
    "mkdocs",
    "nbclient",
    "openpyxl",
    "playwright",
)

RUN = """\
import importlib.abc
import sys

BLOCKED = set(sys.argv[2].split(","))


class Extras(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (an extra)", name=name)
        return None


sys.meta_path.insert(0, Extras())
sys.path.insert(0, sys.argv[1])
import sbbatch
from sbbatch.cli import main

assert sbbatch.__file__.startswith(sys.argv[1]), sbbatch.__file__
sys.exit(main(["demo", "--out", "out", "--db", "out/workspace.duckdb"]))
"""


@pytest.mark.slow
def test_the_core_wheel_runs_the_demo_without_the_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("sbbatch-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(target), ",".join(EXTRAS)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: the demo's planted rejections
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    written = {p.suffix for p in (elsewhere / "out").rglob("*")}
    assert {".xlsx", ".pdf", ".duckdb"} <= written
