"""``get`` imports only the asked business; the registry still lists every one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sbbatch.declarations import _BUILT_IN_KINDS, _built_in_one, get, registry
from sbbatch.exceptions import UnusableInputError
from sbbatch.store.workflow import kinds


def test_every_built_in_kind_is_its_module_and_in_the_registry() -> None:
    known = registry()
    assert set(_BUILT_IN_KINDS) <= set(known)
    for kind in _BUILT_IN_KINDS:
        assert get(kind) is known[kind]
        assert known[kind].kind == kind


def test_titles_and_aliases_find_the_same_business() -> None:
    for key, row in kinds().items():
        if key not in _BUILT_IN_KINDS:
            continue
        assert get(row["title"]) is get(key)
        for alias in filter(None, (row["aliases"] or "").split("|")):
            assert get(alias) is get(key)


def test_unknown_kind_lists_the_choices() -> None:
    with pytest.raises(UnusableInputError, match="可用的有"):
        get("no_such_business")
    with pytest.raises(UnusableInputError, match="未知的业务"):
        _built_in_one("no_such_business")


def test_get_imports_only_the_asked_business() -> None:
    code = (
        "import sys\n"
        "from sbbatch.declarations import get\n"
        "get('批量增员申报')\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
        "      if m.startswith('sbbatch.declarations.') and not m.split('.')[2].startswith('_')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['enrolment']"
