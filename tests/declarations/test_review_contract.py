"""The review contract over every business (issue 12, item 10).

1. Each business's review context provides every column its rules read (``expr``,
   ``when``), the column they report and every ``{field}`` of their messages — proved by
   running the context on a small declared batch in a workspace, one filled row per
   business, and the review itself over it (a typo would be a ``ColumnNotFoundError``).
2. Each reject rule has a failing and a passing case: the generated families (``*_yes_no``,
   ``*_valid_on_month``) here, table-driven on the context; every other reject rule must be
   named (``"rule_id"``) in an assertion of some test under ``tests/``. A new reject rule
   without a case fails :func:`test_every_reject_rule_has_a_case`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch import codes
from sbbatch._rules import evaluate, placeholders
from sbbatch.declarations import Declaration, Rule, registry
from sbbatch.review import review_failures
from sbbatch.store import Workspace

TESTS = Path(__file__).resolve().parents[1]

#: Businesses with a simulated review.
REVIEWED = sorted(kind for kind, d in registry().items() if d.review is not None)

#: Reject rules without a case by id: none (the follow-up cases are the
#: ``test_*_reject_cases.py`` modules). A new reject rule without a case fails
#: :func:`test_every_reject_rule_has_a_case`; an entry added here must say why.
KNOWN_WITHOUT_CASE: dict[str, set[str]] = {}


def _generated(rule: Rule) -> bool:
    return rule.id.endswith(("_yes_no", "_valid_on_month"))


def _reads(rule: Rule) -> set[str]:
    """Every column a rule needs from its context."""
    names = set(rule.expr.meta.root_names()) | {rule.column}
    if rule.when is not None:
        names |= set(rule.when.meta.root_names())
    return names | (set(placeholders(rule.message)) - {"value"})


def _filled(declaration: Declaration, person_id: str, month: dt.date) -> dict[str, Any]:
    """One row of the business with every column filled with a plausible typed value."""
    row: dict[str, Any] = {}
    for column in declaration.columns:
        value: Any
        if column.type == "id":
            value = person_id
        elif column.type == "name":
            value = "张三"
        elif column.type == "month":
            value = month
        elif column.type == "date":
            value = dt.date(2026, 11, 2)
        elif column.type in ("money", "int"):
            value = 100
        elif column.type == "gender":
            value = "1"
        elif column.type == "phone":
            value = "13800000001"
        elif column.type == "code" and column.code_table:
            value = codes.table(column.code_table)["code"][0]
        else:
            value = column.example or "是"
        row[column.field] = value
    return row


@pytest.fixture
def contexts(registry: Workspace, facts: Any) -> dict[str, tuple[pl.DataFrame, int]]:
    """Per business: the review context of one declared filled row, and the failures found."""
    found: dict[str, tuple[pl.DataFrame, int]] = {}
    for kind in REVIEWED:
        declaration = registry_of(kind)
        rows = facts.typed_rows(kind, _filled(declaration, facts.ZHANG, facts.DEC))
        month = facts.DEC if declaration.has_business_month else None
        did = registry.create_declaration(kind, facts.UNIT, rows, business_month=month)
        registry.submit(did)
        header = registry.declaration(did)
        assert declaration.review is not None
        context = declaration.review.context(registry, registry.declaration_rows(did), header)
        found[kind] = (context, review_failures(registry, did).height)
    return found


def registry_of(kind: str) -> Declaration:
    return registry()[kind]


def test_every_business_is_reviewed() -> None:
    assert len(REVIEWED) == len(registry())


def test_each_context_provides_what_its_rules_read(
    contexts: dict[str, tuple[pl.DataFrame, int]],
) -> None:
    missing: dict[str, dict[str, list[str]]] = {}
    for kind, (context, _) in contexts.items():
        review = registry_of(kind).review
        assert review is not None
        assert context.height == 1, kind
        for rule in review.rules:
            absent = sorted(_reads(rule) - set(context.columns))
            if absent:
                missing.setdefault(kind, {})[rule.id] = absent
    assert missing == {}


def test_the_contract_sees_a_missing_column() -> None:
    """The check above can fail: a rule reading a column no context has is reported."""
    rule = Rule("typo", "reject", "person_id", "「{reg_nmae}」", pl.col("reg_name").is_not_null())
    assert _reads(rule) - {"person_id", "reg_name"} == {"reg_nmae"}


def _family_cases(kind: str) -> list[tuple[Rule, str, Any, Any]]:
    """(rule, column, failing value, passing value) of the generated families of a business."""
    review = registry_of(kind).review
    assert review is not None
    cases = []
    for rule in review.rules:
        if rule.level != "reject":
            continue
        if rule.id.endswith("_yes_no"):
            cases.append((rule, rule.column, "x", "是"))
        elif rule.id.endswith("_valid_on_month"):
            cases.append((rule, f"{rule.column}_valid", False, True))
    return cases


@pytest.mark.parametrize("kind", REVIEWED)
def test_generated_reject_rules_fail_and_pass(
    kind: str, contexts: dict[str, tuple[pl.DataFrame, int]]
) -> None:
    context, _ = contexts[kind]
    headers = registry_of(kind).headers
    for rule, column, bad, good in _family_cases(kind):
        failing = context.with_columns(pl.lit(bad).alias(column))
        passing = context.with_columns(pl.lit(good).alias(column))
        assert evaluate(failing, [rule], row="row_no", headers=headers)["rule"].to_list() == [
            rule.id
        ], (kind, rule.id)
        assert evaluate(passing, [rule], row="row_no", headers=headers).height == 0, (
            kind,
            rule.id,
        )


def test_every_reject_rule_has_a_case() -> None:
    """Each reject rule is asserted by id in some test (or generated and covered above)."""
    texts = "\n".join(
        path.read_text(encoding="utf-8")
        for path in TESTS.rglob("*.py")
        if path.resolve() != Path(__file__).resolve()
    )
    without: dict[str, set[str]] = {}
    for kind in REVIEWED:
        review = registry_of(kind).review
        assert review is not None
        for rule in review.rules:
            if rule.level == "reject" and not _generated(rule) and f'"{rule.id}"' not in texts:
                without.setdefault(kind, set()).add(rule.id)
    assert without == KNOWN_WITHOUT_CASE
