"""The core (``pip install .``) imports nothing that only an extra installs (issue 15).

``[notebook]`` (ipywidgets, matplotlib, Jupyter) is for :mod:`sbbatch.widgets` and
:mod:`sbbatch.plots` only; ``[app]`` (Voilà) and ``[dev]`` (test tools) for no module of
the package. Any import counts, at any depth (a lazy import inside a function too), and
no other module may import the two notebook modules. ``make test-lower`` runs the CLI
in a venv without the extras; this test says which import would break it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sbbatch"

#: Top-level packages installed only by an extra.
EXTRAS_ONLY = {
    "ipywidgets": "notebook",
    "matplotlib": "notebook",
    "IPython": "notebook",
    "jupyterlab": "notebook",
    "ipykernel": "notebook",
    "voila": "app",
    "pytest": "dev",
    "hypothesis": "dev",
    "nbclient": "dev",
    "nbformat": "dev",
    "openpyxl": "dev",
    "pypdf": "dev",
    "pdfplumber": "dev",
    "pypdfium2": "dev",
    "playwright": "dev",
}
#: Modules that may use the [notebook] extra (and nothing else may import them); the
#: web page (``sbbatch.app``, started by ``sbbatch app``) is the [app] extra's.
NOTEBOOK_MODULES = ("sbbatch.widgets", "sbbatch.plots", "sbbatch.app")


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _catches_import_error(node: ast.Try) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception"}
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(k, ast.Name) and k.id in names for k in kinds):
            return True
    return False


def _imports(path: Path) -> list[tuple[str, int]]:
    """The imports of a module that run unguarded.

    Not counted: imports under ``if TYPE_CHECKING:`` (never run), inside a ``try`` that
    catches ``ImportError`` (the code says what to install), and — in the package's
    ``__init__`` only — imports inside functions: the public names it loads on first use
    (its docstring names the two that need ``[notebook]``).
    """
    found: list[tuple[str, int]] = []
    lazy_init = path.name == "__init__.py" and path.parent == PACKAGE

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.Try) and _catches_import_error(node):
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, in_function)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function = True
        if not (lazy_init and in_function):
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((node.module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _notebook_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in NOTEBOOK_MODULES)


def offending(package: Path) -> list[str]:
    """``module:line imports name ([extra])`` for every core import of an extra."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = _module(path) if package == PACKAGE else path.stem
        for name, line in _imports(path):
            top = name.split(".")[0]
            extra = EXTRAS_ONLY.get(top)
            if extra in ("notebook", "app") and _notebook_module(module):
                continue
            if extra:
                problems.append(f"{module}:{line} imports {name} ([{extra}])")
            elif _notebook_module(name) and not _notebook_module(module):
                problems.append(f"{module}:{line} imports {name} (needs [notebook])")
    return problems


def test_the_core_imports_no_extra() -> None:
    assert offending(PACKAGE) == []


def test_the_notebook_modules_are_the_ones_using_the_extra() -> None:
    """The allow-list is not empty talk: widgets and plots do import the extra."""
    used = {
        name.split(".")[0]
        for path in [*(PACKAGE / "widgets").rglob("*.py"), PACKAGE / "plots.py"]
        for name, _ in _imports(path)
    }
    assert {"ipywidgets", "matplotlib"} <= used


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    import matplotlib.pyplot as plt\n", "mod:2 imports matplotlib.pyplot"),
        ("from sbbatch.widgets import form\n", "mod:1 imports sbbatch.widgets"),
        ("import openpyxl\n", "mod:1 imports openpyxl ([dev])"),
    ],
)
def test_the_check_sees_a_core_import_of_an_extra(
    tmp_path: Path, source: str, expected: str
) -> None:
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    assert any(problem.startswith(expected) for problem in offending(tmp_path))
