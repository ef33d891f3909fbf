"""The ``sbbatch`` process's entry (``sbbatch.__main__.run``): the collector tuned for one
short run there, and only there."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from pathlib import Path

from sbbatch.__main__ import GC_THRESHOLD
from sbbatch.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, sys
import sbbatch.cli
seen = {}
real = sbbatch.cli.main
def main(argv=None):
    code = real(argv)
    seen["threshold"] = gc.get_threshold()
    return code
sbbatch.cli.main = main
import atexit
atexit.register(lambda: print(seen["threshold"], gc.get_freeze_count() > 0, file=sys.stderr))
sys.argv = ["sbbatch", "--version"]
from sbbatch.__main__ import run
run()
"""


def test_the_console_script_is_the_tuned_entry() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts == {"sbbatch": "sbbatch.__main__:run"}


def test_the_process_collects_less_often_and_freezes_before_exit() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sbbatch ")
    assert done.stderr.strip() == f"{GC_THRESHOLD} True"


def test_python_m_sbbatch_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sbbatch", "--format", "json", "no-such-command"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_main_in_process_leaves_the_collector_alone(capsys: object) -> None:
    before = gc.get_threshold(), gc.get_freeze_count()
    assert main(["--version"]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
