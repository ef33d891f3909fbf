"""The synthetic world (:class:`SampleWorld`), :func:`generate` and its CSV files."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from sbbatch import _progress
from sbbatch._files import atomic_path
from sbbatch.exceptions import UnusableInputError
from sbbatch.sample._people import _persons, _units
from sbbatch.sample._random import _month_index, _Random, _reference
from sbbatch.sample._spells import _insured_periods, _spells, _wage_bases, _with_spells, _work_start
from sbbatch.sample._tuning import SCHEMAS

if TYPE_CHECKING:
    from sbbatch.store import Workspace


# ------------------------------------------------------------------------ the world
@dataclass(frozen=True)
class SampleWorld:
    """The four registry frames of a synthetic world, typed as the workspace tables.

    Attributes:
        units: 单位 (``units`` table).
        persons: 人员 (``persons`` table).
        insured_periods: 参保, one row per person, unit, insurance and run of months
            (``insured_periods`` table).
        wage_bases: 缴费工资, one row per person, unit and insured month.
    """

    units: pl.DataFrame
    persons: pl.DataFrame
    insured_periods: pl.DataFrame
    wage_bases: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        """Return the frames by table name, in loading order."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def load_into(self, ws: Workspace) -> dict[str, int]:
        """Load the world into a workspace in one transaction (see :meth:`Workspace.load`).

        Returns:
            The number of rows inserted per table.

        Example:
            >>> from sbbatch.store import Workspace
            >>> ws = Workspace(today=date(2026, 11, 26))
            >>> world = generate(n_units=2, n_persons=3, first_month=date(2026, 1, 1))
            >>> counts = world.load_into(ws)
            >>> counts["persons"], counts["units"]
            (3, 2)
        """
        return ws.load(**self.frames())


def _check_months(first_month: date, last_month: date) -> None:
    for name, value in (("first_month", first_month), ("last_month", last_month)):
        if value.day != 1:
            msg = f"{name} 必须是某月1日（{value.isoformat()}）。提示：月份用当月1日表示。"
            raise UnusableInputError(msg)
    if last_month < first_month:
        msg = "last_month 早于 first_month。提示：请交换两个月份。"
        raise UnusableInputError(msg)


@_progress.task("正在生成示例数据")
def generate(
    *,
    seed: int = 2026,
    n_units: int = 5,
    n_persons: int = 300,
    first_month: date = date(2022, 1, 1),
    last_month: date = date(2026, 11, 1),
) -> SampleWorld:
    """Generate a synthetic Jinan world (样例世界), the same for the same arguments.

    Args:
        seed: Seed of every random draw; another seed gives another world.
        n_units: Number of units (单位), at least 1.
        n_persons: Number of persons (人员).
        first_month: First month of the world (first day of a month).
        last_month: Last month of the world (the current month of the sample).

    Returns:
        The four frames, typed as the workspace tables and sorted by their keys.

    Raises:
        UnusableInputError: counts below their minimum or months that are not
            first days, or in the wrong order.

    Example:
        >>> world = generate(n_units=2, n_persons=4)
        >>> world.units.height, world.persons.height
        (2, 4)
        >>> world.persons["person_id"].str.len_chars().to_list()
        [18, 18, 18, 18]
        >>> generate(n_units=2, n_persons=4).persons.equals(world.persons)
        True
    """
    _check_months(first_month, last_month)
    if n_units < 1 or n_persons < 0:
        msg = f"样例世界至少需要 1 个单位、0 个以上人员（收到 {n_units} 个单位、{n_persons} 人）。"
        raise UnusableInputError(msg)
    if n_persons <= _REMEMBERED_PERSONS:
        return _remembered(seed, n_units, n_persons, first_month, last_month)
    return _world(seed, n_units, n_persons, first_month, last_month)


#: Worlds up to this many persons are generated once per process (the demo asks for
#: the default world three times: the batch samples, their unit, the workspace).
_REMEMBERED_PERSONS = 10_000


def _world(
    seed: int, n_units: int, n_persons: int, first_month: date, last_month: date
) -> SampleWorld:
    rng = _Random(seed)
    ref = _reference()
    first_idx, last_idx = _month_index(first_month), _month_index(last_month)
    units = _units(rng, n_units, ref)
    persons = _persons(rng, n_persons, units, ref, first_idx, last_idx)
    persons = _with_spells(rng, persons, n_units, units["size"].to_list(), first_idx, last_idx)
    persons = persons.with_columns(_work_start(rng, first_idx, last_idx).alias("work_start_date"))
    spells = _spells(rng, persons, units, first_month.year)
    return SampleWorld(
        units=units.pipe(_typed, "units").sort("unit_id"),
        persons=persons.pipe(_typed, "persons").sort("person_id"),
        insured_periods=_insured_periods(spells, ref, first_idx, last_idx).pipe(
            _typed, "insured_periods"
        ),
        wage_bases=_wage_bases(spells, first_idx, last_idx).pipe(_typed, "wage_bases"),
    )


_remembered = lru_cache(maxsize=8)(_world)


def _typed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Return the table's columns in order with their exact dtypes."""
    return frame.select(
        pl.col(name).cast(dtype, strict=True) for name, dtype in SCHEMAS[table].items()
    )


# ------------------------------------------------------------------------ CSV files
def write_sample(directory: Path, world: SampleWorld) -> list[Path]:
    """Write the four frames as UTF-8 CSV files ``<table>.csv`` in ``directory``.

    IDs and codes are written as text, dates as ISO ``YYYY-MM-DD``, money as integer
    fen; an empty cell is null.

    Returns:
        The paths written, in table order.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in world.frames().items():
        path = directory / f"{name}.csv"
        with atomic_path(path) as part:
            frame.write_csv(part)
        written.append(path)
    return written


def read_sample(directory: Path) -> SampleWorld:
    """Read a world written by :func:`write_sample`, with the workspace dtypes.

    Raises:
        UnusableInputError: a file is missing or its header is not the table's.

    Example:
        >>> import tempfile
        >>> world = generate(n_units=2, n_persons=3)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = write_sample(Path(tmp), world)
        ...     back = read_sample(Path(tmp))
        >>> all(back.frames()[name].equals(frame) for name, frame in world.frames().items())
        True
    """
    frames: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        path = directory / f"{name}.csv"
        if not path.is_file():
            msg = f"样例数据缺少文件 {path}。提示：用 write_sample 重新生成。"
            raise UnusableInputError(msg)
        header = pl.read_csv(path, n_rows=0, infer_schema_length=0).columns
        if header != list(schema):
            msg = f"{path} 的列与 {name} 表不一致：{'、'.join(header)}。"
            raise UnusableInputError(msg)
        frames[name] = pl.read_csv(path, schema=schema)
    return SampleWorld(**frames)


if __name__ == "__main__":  # pragma: no cover - regenerate the committed example
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("sample_data/world")
    for written in write_sample(target, generate()):
        print(written)
