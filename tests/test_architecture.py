"""The package's shape: its import graph, and where a business may be named.

The modules of ``sbbatch`` form layers; a module imports only from its own layer or
the layers below it, and no import cycle exists anywhere (not even inside a layer).
Imports inside functions count; imports under ``if TYPE_CHECKING:`` do not (they are
never executed). From the bottom:

1. **base** — the interface and the facts: :mod:`sbbatch.spec` (Column, Rule,
   Declaration and its faces), ``exceptions``, ``_clock``, ``_money``, ``_mask`` (the
   one masking of ID numbers and phones), ``_files`` (atomic writes, safe names),
   ``_csv``, ``_resources``, ``_rules`` (the rule engine on :mod:`sbbatch.spec`),
   ``codes``, ``policy`` (a package: every module in it is base), ``ids``, the engine of ``contributions`` (``_lookups``,
   ``_engine``, ``_late_fees``: vectorised amounts) and ``photos`` (with
   ``_photo_image``, one photo's content).
2. **store** — :mod:`sbbatch.store`: the DuckDB workspace and the state machine; and
   the workspace face of the contributions (``sbbatch.contributions``, its
   ``_workspace`` and ``_chunked``), which reads through :mod:`sbbatch.store.contributions`.
3. **declarations** — :mod:`sbbatch.declarations`: one module per business, their
   helpers and the registry. A business never imports an engine.
4. **engines** — everything else that works on declarations: batch, review, io,
   forms, widgets, queries, display, cards, payments, certificates, plots, sample,
   sample_batches, wages.
5. **top** — the entry points: the package's ``__init__``, ``cli`` and ``_cli``,
   ``demo`` and ``_demo``.

Nothing imports through ``importlib`` (``import_module``, ``__import__``): every
dependency is visible to this test. And no string literal naming a business (a
``kind`` of ``schemas/workflow/kinds.csv``) appears outside ``sbbatch/declarations/``:
the engines read ``registry()``/``get()`` and the Declaration's fields.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir

PACKAGE = Path(__file__).resolve().parents[1] / "sbbatch"

BASE = frozenset(
    {
        "sbbatch.spec",
        "sbbatch.exceptions",
        "sbbatch._clock",
        "sbbatch._money",
        "sbbatch._mask",
        "sbbatch._files",
        "sbbatch._csv",
        "sbbatch._resources",
        "sbbatch._rules",
        "sbbatch.codes",
        "sbbatch.policy",
        "sbbatch.ids",
        "sbbatch._regions",
        "sbbatch.contributions._lookups",
        "sbbatch.contributions._engine",
        "sbbatch.contributions._late_fees",
        "sbbatch.photos",
        "sbbatch._photo_image",
        "sbbatch._progress",
    }
)
#: Modules outside ``sbbatch/store`` that sit in the store layer: the workspace face of
#: the contributions reads the registry through :mod:`sbbatch.store.contributions`, so
#: it (and the package that re-exports it) cannot be base; declarations use it.
STORE_FACES = frozenset(
    {
        "sbbatch.contributions",
        "sbbatch.contributions._workspace",
        "sbbatch.contributions._chunked",
    }
)
BASE_PACKAGES = ("sbbatch.policy",)
"""Base packages: every module inside them is base too (``sbbatch.policy._rates`` …)."""
TOP = ("sbbatch.__main__", "sbbatch.cli", "sbbatch._cli", "sbbatch.demo", "sbbatch._demo")
LAYER_NAMES = ("base", "store", "declarations", "engines", "top")


def layer(module: str) -> int:
    """The layer of a module (an index into :data:`LAYER_NAMES`)."""

    def within(prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    if module in BASE or any(within(prefix) for prefix in BASE_PACKAGES):
        return 0
    if within("sbbatch.store") or module in STORE_FACES:
        return 1
    if within("sbbatch.declarations"):
        return 2
    if module == "sbbatch" or any(within(prefix) for prefix in TOP):
        return 4
    return 3


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported sbbatch module, line) for every import that runs, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    known = modules()

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def walk(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = resolve(alias.name)
                    if target:
                        yield target, child.lineno
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    source = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    source = child.module or ""
                if source == "sbbatch" or source.startswith("sbbatch."):
                    for alias in child.names:
                        target = resolve(f"{source}.{alias.name}")
                        if target:
                            yield target, child.lineno
            yield from walk(child)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")))


@cache
def graph() -> dict[str, dict[str, int]]:
    """Module → {imported module: first line}, sbbatch modules only, self-imports dropped."""
    edges: dict[str, dict[str, int]] = {}
    for module, path in modules().items():
        targets: dict[str, int] = {}
        for target, line in _imported(module, path):
            if target != module:
                targets.setdefault(target, line)
        edges[module] = targets
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted.

    Examples:
        >>> cycles({"a": {"b": 1}, "b": {"a": 1}, "c": {"a": 1}})
        [['a', 'b']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


# -- the import graph -----------------------------------------------------------------------


def test_the_graph_sees_the_package() -> None:
    edges = graph()
    assert "sbbatch.spec" in edges
    assert "sbbatch.declarations.enrolment" in edges
    assert "sbbatch.spec" in edges["sbbatch._rules"]
    assert (
        "sbbatch.review" in edges["sbbatch.cli"] or "sbbatch._cli.declare" in edges["sbbatch.cli"]
    )
    assert cycles({"x": {"y": 1}, "y": {"z": 1}, "z": {"x": 1}}) == [["x", "y", "z"]]


def test_no_import_cycle_at_all() -> None:
    assert cycles(graph()) == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{module} ({LAYER_NAMES[layer(module)]}) imports {target} "
        f"({LAYER_NAMES[layer(target)]}) at line {line}"
        for module, targets in graph().items()
        for target, line in targets.items()
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_the_bottom_imports_nothing_of_sbbatch() -> None:
    # at import time nothing; Declaration.schema() alone reaches down to the code tables
    # (base too) inside the method, for the ``isin`` of a code column
    tree = ast.parse(modules()["sbbatch.spec"].read_text(encoding="utf-8"))
    top = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom) and "sbbatch" in ast.unparse(node)
    ]
    assert top == []
    assert set(graph()["sbbatch.spec"]) <= {"sbbatch.codes"}
    assert layer("sbbatch.codes") == 0


def test_the_layers_are_what_the_docstring_says() -> None:
    assert layer("sbbatch.spec") == 0
    assert layer("sbbatch._rules") == 0
    assert layer("sbbatch.policy") == 0
    assert layer("sbbatch.policy._retirement") == 0
    assert layer("sbbatch.store.workspace") == 1
    assert layer("sbbatch.contributions._engine") == 0
    assert layer("sbbatch.contributions") == 1
    assert layer("sbbatch.declarations._registry_review") == 2
    assert layer("sbbatch.declarations") == 2
    assert layer("sbbatch.review") == 3
    assert layer("sbbatch.widgets.form") == 3
    assert layer("sbbatch.demo") == 4
    assert layer("sbbatch._cli.cards") == 4
    assert set(modules()) >= BASE, "a module named in BASE no longer exists"


# -- no hidden imports ----------------------------------------------------------------------


def _hidden_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in {"import_module", "__import__"}:
            name = node.attr
        elif isinstance(node, ast.Name) and node.id in {"import_module", "__import__"}:
            name = node.id
        elif isinstance(node, ast.ImportFrom) and node.module == "importlib":
            names = {alias.name for alias in node.names}
            if names - {"metadata", "resources"}:
                name = f"from importlib import {', '.join(sorted(names))}"
        elif isinstance(node, ast.Import) and any(
            alias.name in {"importlib", "importlib.util"} for alias in node.names
        ):
            name = "import importlib"
        if name:
            found.append(f"{_relative(path)}:{node.lineno}: {name}")
    return found


def _relative(path: Path) -> str:
    return (
        path.relative_to(PACKAGE.parent).as_posix() if path.is_relative_to(PACKAGE) else str(path)
    )


def test_nothing_imports_through_importlib() -> None:
    found = [hit for path in modules().values() for hit in _hidden_imports(path)]
    assert found == []


def test_the_importlib_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import importlib\nimportlib.import_module('x')\n__import__('y')\n")
    assert len(_hidden_imports(sample)) == 3


# -- no business named outside its module ---------------------------------------------------


@cache
def kind_names() -> frozenset[str]:
    frame, _ = read_commented_csv(schemas_dir() / "workflow" / "kinds.csv")
    return frozenset(frame["kind"].to_list())


@cache
def policy_tables() -> frozenset[str]:
    return frozenset(path.stem for path in (schemas_dir() / "policy" / "jinan").glob("*.csv"))


#: Literals equal to a kind that name something else, with why: (file, literal) → count.
NOT_A_KIND: dict[tuple[str, str], tuple[int, str]] = {
    ("sbbatch/payments.py", "backpay"): (1, "a bill kind (bills.kind, schemas/ddl/002_money.sql)"),
    ("sbbatch/_cli/money.py", "backpay"): (1, "the name of the CLI command `sbbatch backpay`"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _policy_table_uses(tree: ast.AST) -> set[int]:
    """Literals used as a policy table's name: ``_Spec("name", …)``, ``tables["name"]``,
    ``typed["name"]`` and ``spec.name == "name"`` / ``spec.name in (…)``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_Spec"
            and node.args
        ):
            found.add(id(node.args[0]))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith(
            ("tables", "typed")
        ):
            found.add(id(node.slice))
        elif isinstance(node, ast.Compare) and ast.unparse(node.left) == "spec.name":
            for right in node.comparators:
                found.add(id(right))
                if isinstance(right, ast.Tuple | ast.List | ast.Set):
                    found.update(id(element) for element in right.elts)
    return found


def kind_literals(path: Path) -> list[tuple[str, int]]:
    """(literal, line) of every string literal in ``path`` equal to a business's kind.

    Docstrings are documentation and not counted; a policy table named like a
    business (``retirement.csv``) is not counted where it is used as a table name.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _docstrings(tree)
    tables = _policy_table_uses(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node.value not in kind_names() or id(node) in skipped:
            continue
        if id(node) in tables and node.value in policy_tables():
            continue
        found.append((node.value, node.lineno))
    return sorted(found, key=lambda hit: hit[1])


def _engine_files() -> list[Path]:
    return [
        path
        for path in modules().values()
        if "declarations" not in path.relative_to(PACKAGE).parts[:1]
    ]


def test_no_kind_literal_outside_the_declarations() -> None:
    counts: dict[tuple[str, str], list[int]] = {}
    for path in _engine_files():
        relative = path.relative_to(PACKAGE.parent).as_posix()
        for literal, line in kind_literals(path):
            counts.setdefault((relative, literal), []).append(line)
    unexplained = {
        key: lines
        for key, lines in counts.items()
        if key not in NOT_A_KIND or len(lines) != NOT_A_KIND[key][0]
    }
    assert unexplained == {}, "string literals naming a business outside sbbatch/declarations/"
    assert set(NOT_A_KIND) <= set(counts), "an exception in NOT_A_KIND is no longer needed"


def test_the_kind_check_tells_a_kind_from_a_policy_table(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""About "enrolment"."""\n'
        "tables = {}\n"
        'a = tables["retirement"]\n'  # a policy table: not a kind
        'b = get("retirement")\n'  # the business: a kind
        'c = "enrolment"\n'
        'd = tables["enrolment"]\n',  # enrolment.csv is no policy table
        encoding="utf-8",
    )
    assert kind_literals(sample) == [("retirement", 4), ("enrolment", 5), ("enrolment", 6)]
