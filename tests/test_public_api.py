"""The public API: ``sbbatch.__all__`` is what an analyst imports, each name documented,
and the notebooks use nothing else."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sbbatch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("name", [n for n in sbbatch.__all__ if n != "__version__"])
def test_every_public_name_resolves_and_has_a_docstring(name: str) -> None:
    value = getattr(sbbatch, name)
    if isinstance(value, dict):  # a table such as PAYER_LABELS
        return
    assert (value.__doc__ or "").strip(), f"sbbatch.{name} has no docstring"


def test_functions_named_like_their_module_stay_functions() -> None:
    import sbbatch.review  # the submodules: importing them must not replace the functions

    for name in sbbatch._SHADOWED:
        assert callable(getattr(sbbatch, name)), name
        module = getattr(sbbatch, name).__module__  # the module, or a module of its package
        assert module == f"sbbatch.{name}" or module.startswith(f"sbbatch.{name}."), name
    assert sys.modules["sbbatch.review"].review is sbbatch.review
    package = ROOT / "sbbatch"
    submodules = {p.stem for p in package.glob("*.py")} | {
        p.name for p in package.iterdir() if (p / "__init__.py").is_file()
    }
    clashing = set(sbbatch.__all__) & submodules
    assert clashing <= set(sbbatch._SHADOWED) | sbbatch._NAMESPACES


def test_import_sbbatch_stays_light() -> None:
    code = "import sys, sbbatch; print(sorted(m for m in ('pandera', 'fpdf', 'ipywidgets', 'matplotlib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_use_only_the_public_api(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"
    )
    assert re.findall(r"from sbbatch\.[\w.]+ import|import sbbatch\.\w", code) == []
    assert re.findall(r"\bSELECT\b|\.sql\(", code) == []
    assert "extra_parts" not in code and ".upload.value" not in code
    imported = re.findall(r"from sbbatch import \(?([^)]*?)\)?\n\n", code + "\n\n")
    names = {n.strip() for group in imported for n in group.replace("\n", ",").split(",")}
    assert names - {""} <= set(sbbatch.__all__)
