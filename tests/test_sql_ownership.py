"""Where SQL is written (issue 10 item 4): only in ``sbbatch/store/``, never by an f-string.

* Outside :mod:`sbbatch.store`, no string in the code (docstrings aside) holds an SQL
  statement: businesses, engines, forms and widgets call named, parameterised
  functions of the store.
* Nowhere — not even in the store — does an f-string hold SQL. Values travel as
  parameters; the parts of a statement that vary are :class:`sbbatch.store._sql.Fragment`
  objects put together by :func:`sbbatch.store._sql.compose`, which refuses a plain
  ``str``.

``PENDING`` lists the modules still being moved; each entry must still break the rule
(so the list cannot go stale) and the list must end empty.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sbbatch"

# SQL words as sbbatch writes them (upper case); one is enough inside an f-string.
SQL_WORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|UNION|VALUES|COPY)\b")
# A whole statement in a plain string.
SQL_STATEMENT = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+(\s+AS\s+\w+)?\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|INDEX)|COPY\s+\(|ALTER\s+TABLE)\b"
)

PENDING: frozenset[str] = frozenset(
    {
        "sbbatch/contributions.py",
    }
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def sql_violations(path: Path, *, in_store: bool) -> Iterator[str]:
    """Yield ``line: what`` for every f-string with SQL, and (outside the store) SQL text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            for part in node.values:
                inside_fstring.add(id(part))
            if SQL_WORD.search(text):
                yield f"{node.lineno}: f-string builds SQL: {text[:60]!r}"
    if in_store:
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and id(node) not in inside_fstring
            and SQL_STATEMENT.search(node.value)
        ):
            yield f"{node.lineno}: SQL outside sbbatch/store: {node.value.strip()[:60]!r}"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent).as_posix(), path


def test_sql_is_written_only_in_the_store_and_never_by_an_fstring() -> None:
    found = {}
    for name, path in _modules():
        if name in PENDING:
            continue
        problems = list(sql_violations(path, in_store=name.startswith("sbbatch/store/")))
        if problems:
            found[name] = problems
    assert not found, "\n".join(f"{name}:{line}" for name, lines in found.items() for line in lines)


def test_every_pending_module_still_needs_moving() -> None:
    stale = [
        name
        for name, path in _modules()
        if name in PENDING
        and not list(sql_violations(path, in_store=name.startswith("sbbatch/store/")))
    ]
    assert not stale, f"remove from PENDING (already clean): {stale}"
    missing = PENDING - {name for name, _ in _modules()}
    assert not missing, f"PENDING names modules that do not exist: {sorted(missing)}"


def test_the_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        '"""SELECT a FROM docstrings is fine."""\n'
        "table = 'x'\n"
        'q1 = f"SELECT * FROM {table}"\n'
        'q2 = "DELETE FROM units WHERE unit_id = $unit"\n'
        'ok = "选择 FROM 中文"\n'
    )
    outside = list(sql_violations(sample, in_store=False))
    inside = list(sql_violations(sample, in_store=True))
    assert [line.split(":")[0] for line in outside] == ["3", "4"]
    assert [line.split(":")[0] for line in inside] == ["3"]
