"""The built wheel is a typed package: a user's mypy sees sbbatch's types (PEP 561).

The wheel is built from this checkout, installed (without its dependencies) into a bare
virtual environment, and a user's snippet is type-checked against that environment by
mypy. Without ``py.typed`` in the wheel mypy would refuse the import ("missing library
stubs or py.typed marker") and every type would be ``Any``.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """\
import sbbatch

version: int = sbbatch.__version__
workspace: sbbatch.Workspace = sbbatch.Workspace()
reveal_type(workspace.today)
"""


@pytest.mark.slow
def test_a_users_mypy_sees_the_types_of_the_installed_wheel(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("sbbatch-*.whl")
    env_dir = tmp_path / "user-env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    assert (Path(site) / "sbbatch" / "py.typed").is_file()
    user = tmp_path / "user"
    user.mkdir()
    (user / "snippet.py").write_text(SNIPPET, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--python-executable",
            str(python),
            "--ignore-missing-imports",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            "snippet.py",
        ],
        cwd=user,
        capture_output=True,
        text=True,
    )
    out = result.stdout
    assert "py.typed" not in out, out
    assert 'expression has type "str", variable has type "int"' in out, out
    assert 'Revealed type is "datetime.date"' in out, out
