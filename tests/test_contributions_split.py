"""Tests of the split of a selection's inputs into buckets of persons (the writer thread)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sbbatch.contributions._chunked import _split


def _frames(rows: int, batches: int) -> list[tuple[str, pl.DataFrame]]:
    out = []
    for name in ("periods", "bases"):
        for batch in range(batches):
            start = batch * rows
            out.append(
                (
                    name,
                    pl.DataFrame(
                        {
                            "person_id": [f"p{n}" for n in range(start, start + rows)],
                            "value": list(range(start, start + rows)),
                            "bucket": [n % 3 for n in range(start, start + rows)],
                        },
                        schema_overrides={"bucket": pl.Int32},
                    ),
                )
            )
    return out


def test_every_row_lands_in_its_table_and_bucket_in_order(tmp_path: Path) -> None:
    parts = _frames(rows=10, batches=4)
    _split(iter(parts), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{name}-{bucket}.arrows" for name in ("periods", "bases") for bucket in range(3)
    )
    for name in ("periods", "bases"):
        given = pl.concat(frame for table, frame in parts if table == name)
        for bucket in range(3):
            expected = given.filter(pl.col("bucket") == bucket).drop("bucket")
            # the batches are appended in the order they come
            assert_frame_equal(pl.read_ipc_stream(tmp_path / f"{name}-{bucket}.arrows"), expected)


def test_a_failing_fetch_stops_and_leaves_complete_files(tmp_path: Path) -> None:
    good = _frames(rows=6, batches=1)[0]

    def parts() -> Iterator[tuple[str, pl.DataFrame]]:
        yield good
        msg = "DuckDB went away"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="went away"):
        _split(parts(), tmp_path)
    # the batch already handed to the writer thread is written and its files closed
    read = pl.concat(pl.read_ipc_stream(path) for path in sorted(tmp_path.iterdir()))
    assert read.sort("value")["value"].to_list() == list(range(6))


def test_a_failing_write_stops_the_fetching(tmp_path: Path) -> None:
    fetched: list[int] = []
    broken = pl.DataFrame({"person_id": ["p"], "value": [1]})  # no bucket column

    def parts() -> Iterator[tuple[str, pl.DataFrame]]:
        for index in range(100):
            fetched.append(index)
            yield "bases", broken

    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        _split(parts(), tmp_path)
    assert len(fetched) <= 3  # the writer's failure is seen at the next batch or so


def test_the_first_failure_is_reported_when_closing_fails_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    opened = pa.ipc.new_stream

    class _FullDisk:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self._writer = opened(*args, **kwargs)

        def write_table(self, table: object) -> None:
            self._writer.write_table(table)

        def close(self) -> None:
            self._writer.close()
            msg = "No space left on device"
            raise OSError(msg)

    monkeypatch.setattr(pa.ipc, "new_stream", _FullDisk)

    def parts() -> Iterator[tuple[str, pl.DataFrame]]:
        yield _frames(rows=6, batches=1)[0]
        msg = "DuckDB went away"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="went away"):
        _split(parts(), tmp_path)
    # without a first failure, an error while closing is not swallowed
    with pytest.raises(OSError, match="No space"):
        _split(iter(_frames(rows=6, batches=1)), tmp_path)
