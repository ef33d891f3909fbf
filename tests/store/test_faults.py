"""Fault injection: kill -9 in the middle of declare, review, bill, pay and output writing.

Each case runs the operation in a child process that SIGKILLs itself at a named point
inside the transaction (or, for the CLI's output files, is killed by the parent at
several moments). Afterwards the workspace's canonical dump must be what it was
before, and an output file must be the old one or a whole new one.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from stdnum.cn import ric

from sbbatch import payments
from sbbatch.review import declare
from sbbatch.sample import generate
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)
MONTH = dt.date(2026, 11, 1)


def _id(sequence: int) -> str:
    first17 = f"37010219900101{sequence:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


NEWCOMERS = pl.DataFrame(
    {
        "身份证号码": [_id(111), _id(113)],
        "姓名": ["张三", "李四"],
        "用工形式": ["城镇合同制职工"] * 2,
        "增加原因": ["在职人员新参保"] * 2,
        "增员年月": ["2026-11"] * 2,
        "人员类别": ["城镇制"] * 2,
    }
)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return every table of the workspace, rows sorted: equal dumps, equal workspaces."""
    with Workspace(path, today=TODAY, read_only=True) as ws:
        names = ws.sql(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY table_name"
        )["table_name"].to_list()
        return {
            name: sorted(ws.table(name).rows(), key=lambda row: tuple(map(repr, row)))
            for name in names
        }


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A workspace file with a sample world, a submitted declaration and an unpaid bill."""
    path = tmp_path_factory.mktemp("faults") / "ws.duckdb"
    with Workspace(path, today=TODAY, create=True) as ws:
        generate(n_persons=40, n_units=2).load_into(ws)
        unit = ws.table("units").sort("unit_id")["unit_id"][0]
        submitted = declare(ws, NEWCOMERS, unit, kind="enrolment")
        ws.submit(submitted)
        bill_id = payments.create_bill(ws, unit, MONTH, allow_missing=True)
    return {"path": path, "unit": unit, "declaration": submitted, "bill": bill_id}


SCRIPT = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    import polars as pl
    from sbbatch import payments
    from sbbatch.review import declare, review
    from sbbatch.store import Workspace

    path, op, point, unit, declaration, bill_id = sys.argv[1:7]

    def fault(name):
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    ws = Workspace(path, today=dt.date(2026, 11, 26))
    ws._fault = fault
    if op == "declare":
        declare(ws, pl.read_csv(sys.argv[7], infer_schema=False), unit, kind="enrolment")
    elif op == "review":
        review(ws, declaration)
    elif op == "bill":
        payments.create_bill(ws, unit, dt.date(2026, 10, 1), allow_missing=True)
    elif op == "pay":
        payments.pay(ws, bill_id, payments.SimulatedGateway("success"))
    print("not killed")
    """
)


@pytest.mark.parametrize(
    ("op", "point"),
    [
        ("declare", "declare:rows"),
        ("review", "review:recorded"),
        ("review", "review:effects"),
        ("bill", "bill:header"),
        ("bill", "bill:lines"),
        ("pay", "payment:attempt"),
    ],
)
def test_kill_9_inside_a_mutation_leaves_the_workspace_as_it_was(
    prepared: dict[str, Any], tmp_path: Path, op: str, point: str
) -> None:
    path = tmp_path / "ws.duckdb"
    path.write_bytes(prepared["path"].read_bytes())
    batch = tmp_path / "增员.csv"
    NEWCOMERS.write_csv(batch)
    before = dump(path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(path),
            op,
            point,
            prepared["unit"],
            prepared["declaration"],
            prepared["bill"],
            str(batch),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    assert dump(path) == before


def test_the_same_operations_do_change_the_workspace_without_a_kill(
    prepared: dict[str, Any], tmp_path: Path
) -> None:
    # the control: with no kill point the operations commit, so the test above can fail
    path = tmp_path / "ws.duckdb"
    path.write_bytes(prepared["path"].read_bytes())
    before = dump(path)
    for op in ("review", "pay"):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                SCRIPT,
                str(path),
                op,
                "none",
                prepared["unit"],
                prepared["declaration"],
                prepared["bill"],
                "-",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and "not killed" in result.stdout, result.stderr
    after = dump(path)
    assert after["payments"] != before["payments"]
    assert after["declarations"] != before["declarations"]


def _contributions(db: Path, target: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sbbatch.cli",
        "--db",
        str(db),
        "contributions",
        "-o",
        str(target),
        "--today",
        "2026-11-26",
    ]


def _rows(target: Path) -> int:
    if target.suffix == ".csv":
        return pl.read_csv(target, infer_schema=False).height
    if target.suffix == ".parquet":
        return pl.read_parquet(target).height
    return pl.read_excel(target, infer_schema_length=0).height


def test_kill_9_while_writing_an_output_leaves_the_old_file_or_the_new_one(
    prepared: dict[str, Any], tmp_path: Path
) -> None:
    # xlsx takes longest to write; csv and parquet are covered by the rename test below
    db = tmp_path / "ws.duckdb"
    db.write_bytes(prepared["path"].read_bytes())
    target = tmp_path / "缴费明细.xlsx"
    started = time.perf_counter()
    subprocess.run(_contributions(db, target), check=True, capture_output=True, timeout=300)
    whole = time.perf_counter() - started
    new_rows = _rows(target)
    old = b"an older file the user keeps"
    for fraction in (0.6, 0.8, 0.9, 0.97):  # startup, computing, writing, renaming
        target.write_bytes(old)
        child = subprocess.Popen(
            _contributions(db, target), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(whole * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        data = target.read_bytes()
        assert data == old or _rows(target) == new_rows, (fraction, len(data))
    # a killed write leaves at most a hidden temporary file, never a visible half file
    visible = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert visible <= {db.name, f"{db.name}.wal", target.name}


KILL_BEFORE_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    import sbbatch._files as files
    from sbbatch import cli

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    files.os.replace = killed  # the whole new file is written; die before it is renamed
    sys.exit(cli.main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_a_kill_before_the_rename_keeps_the_old_file(
    prepared: dict[str, Any], tmp_path: Path, suffix: str
) -> None:
    db = tmp_path / "ws.duckdb"
    db.write_bytes(prepared["path"].read_bytes())
    target = tmp_path / f"缴费明细{suffix}"
    target.write_bytes(b"old")
    args = _contributions(db, target)[3:]
    result = subprocess.run(
        [sys.executable, "-c", KILL_BEFORE_RENAME, *args], capture_output=True, timeout=300
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert target.read_bytes() == b"old"
