"""Contracts (数据契约): every business's pandera schema, written out as YAML or JSON.

:meth:`sbbatch.spec.Declaration.schema` generates a ``pandera.polars`` schema from a
business's columns; this module serialises it with pandera's own ``to_yaml`` /
``to_json`` (which support polars schemas), keeping Chinese readable in the YAML, and
writes one file per business into ``schemas/contracts/`` (``sbbatch schema KIND
--format yaml --out schemas/contracts``; ``make contracts`` regenerates them all). The
files are committed; a test regenerates them and fails when they drift from the code.

Design note: the contract says what an accepted row looks like (types, blanks, codes,
lengths, keys); :class:`sbbatch.spec.Rule` with :func:`sbbatch._rules.evaluate` stays the
row-level engine, because pandera cannot carry levels (不通过 / 提示), Chinese message
templates or the spreadsheet's row numbers. Reading the YAML back with pandera's
``from_yaml`` needs pandas (pandera 0.35 imports it to deserialise check values), which
sbbatch does not install; other tools read the YAML as plain data.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml

from sbbatch._resources import schemas_dir
from sbbatch.declarations import get, registry
from sbbatch.spec import Declaration

__all__ = ["FORMATS", "contract_text", "contracts_dir", "write_contracts"]

Format = Literal["yaml", "json"]

#: The formats a contract is written in, and their file suffixes.
FORMATS: dict[str, str] = {"yaml": ".yaml", "json": ".json"}


def contracts_dir() -> Path:
    """Return ``schemas/contracts``, where the committed contracts live."""
    return schemas_dir() / "contracts"


def contract_text(declaration: Declaration | str, fmt: Format = "yaml") -> str:
    """Return a business's contract as YAML (Chinese kept readable) or JSON text.

    Examples:
        >>> text = contract_text("departure")
        >>> print(text.splitlines()[0])
        # 减员申报（departure）的数据契约：由 sbbatch schema departure --format yaml 生成，请勿手改。
        >>> "title: 身份证号码" in text, "unique:\\n- person_id" in text
        (True, True)
    """
    if isinstance(declaration, str):
        declaration = get(declaration)
    schema = declaration.schema()
    if fmt == "json":
        data = json.loads(schema.to_json())
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt != "yaml":
        msg = f"unknown contract format {fmt!r}"
        raise ValueError(msg)
    data = yaml.safe_load(schema.to_yaml())
    head = (
        f"# {declaration.title}（{declaration.kind}）的数据契约："
        f"由 sbbatch schema {declaration.kind} --format yaml 生成，请勿手改。\n"
    )
    return head + str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))


def write_contracts(
    directory: Path | str | None = None, kinds: Iterable[str] | None = None, fmt: Format = "yaml"
) -> list[Path]:
    """Write the contracts of ``kinds`` (every business by default) as ``<kind>.yaml`` files.

    Each file is written beside its target and renamed over it, so a reader never sees
    half a file.

    Returns:
        The files written, in registry order.
    """
    target = Path(directory) if directory is not None else contracts_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds if kinds is not None else registry():
        declaration = get(kind)
        path = target / f"{declaration.kind}{FORMATS[fmt]}"
        handle, temporary = tempfile.mkstemp(dir=target, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(contract_text(declaration, fmt))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written
