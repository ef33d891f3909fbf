"""Sample batch files (报盘) for the demo, the notebooks and the tests.

Clean files for 增员, 减员 and 工资申报 built from the synthetic world of
:mod:`sbbatch.sample`, and two deliberately messy ones the way they arrive from HR:
an xlsx with title rows, blank rows, IDs stored as numbers, mixed month formats,
full-width characters and duplicates; and a GB18030 csv export with its own headers.
``python -m sbbatch.sample_batches sample_data/batches`` rewrites them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

from sbbatch._files import atomic_path
from sbbatch.declarations import departure, enrolment, wage_base
from sbbatch.io.xlsx import open_workbook, write_template
from sbbatch.sample import SampleWorld, generate

__all__ = [
    "MESSY_ENROLMENT_EXPECTED",
    "SAMPLE_DECLARATIONS",
    "SAMPLE_MONTH",
    "SAMPLE_UNIT",
    "newcomers",
    "write_batch_samples",
]

#: The month the sample files declare (the agency's window on 2026-11-26, after the cut-off).
SAMPLE_MONTH = dt.date(2026, 12, 1)
#: The businesses of the clean sample files, in the order they are written.
SAMPLE_DECLARATIONS = (enrolment.DECLARATION, departure.DECLARATION, wage_base.DECLARATION)
#: The unit whose files they are (the first unit of the default world).
SAMPLE_UNIT_INDEX = 0
SAMPLE_UNIT = generate().units["unit_id"][SAMPLE_UNIT_INDEX]

#: What ``sbbatch check`` finds in ``enrolment_messy.xlsx``: rule → rows.
MESSY_ENROLMENT_EXPECTED: dict[str, list[int]] = {
    "id_stored_as_number": [8],
    "excel_serial": [9],
    "id_checksum": [11],
    "month_format": [12],
    "duplicate_in_file": [13],
    "code_unknown": [14],
    "gender_matches_id": [15],
    "id_upgraded_15": [16],
    "required": [17],
}


def newcomers(n: int = 12, seed: int = 20261201) -> pl.DataFrame:
    """Return ``n`` persons not in the default world, as enrolment rows (English fields)."""
    world = generate(seed=seed, n_persons=max(n * 3, 30), n_units=1)
    persons = world.persons.filter(
        (pl.col("birth_date") > dt.date(1975, 1, 1)) & (pl.col("birth_date") < dt.date(2004, 1, 1))
    ).head(n)
    return persons.select(
        "person_id",
        "name",
        "gender",
        "birth_date",
        "phone",
        "employment_form",
        "ethnicity",
        "hukou_type",
        "identity",
        "hukou_province",
        "hukou_city",
        "hukou_county",
        "hukou_detail",
        "address",
        pl.lit("111").alias("add_reason"),
        pl.lit(SAMPLE_MONTH).alias("month"),
        pl.when(pl.col("hukou_type").is_in(["2", "4"]))
        .then(pl.lit("12"))
        .otherwise(pl.lit("11"))
        .alias("person_category"),
        "work_start_date",
        pl.lit(None, pl.String).alias("handbook_no"),
        pl.lit(None, pl.String).alias("sub_unit"),
    )


def _insured_now(world: SampleWorld, unit_id: str) -> pl.DataFrame:
    month = SAMPLE_MONTH
    return (
        world.insured_periods.filter(
            (pl.col("unit_id") == unit_id)
            & (pl.col("insurance") == "1")
            & (pl.col("from_month") < month)
            & (pl.col("until_month").is_null() | (pl.col("until_month") > month))
        )
        .join(world.persons, on="person_id")
        .sort("person_id")
    )


def _departures(world: SampleWorld, unit_id: str) -> pl.DataFrame:
    leaving = _insured_now(world, unit_id).head(4)
    reasons = ["221", "222", "221", "231"]
    return leaving.select("person_id", "name").with_columns(
        pl.lit(SAMPLE_MONTH).alias("month"), pl.Series("leave_reason", reasons[: leaving.height])
    )


def _wages(world: SampleWorld, unit_id: str) -> pl.DataFrame:
    last = (
        world.wage_bases.filter(pl.col("unit_id") == unit_id)
        .sort("month")
        .group_by("person_id")
        .agg(pl.col("wage_fen").last())
    )
    return (
        _insured_now(world, unit_id)
        .join(last, on="person_id", how="left")
        .select("person_id", "name", "wage_fen", pl.lit(dt.date(2026, 11, 1)).alias("month"))
    )


def _write_messy_enrolment(path: Path, rows: pl.DataFrame) -> None:
    """Write an enrolment file the way HR sends it: every trap the reader must survive."""
    headers = list(enrolment.DECLARATION.headers.values())
    texts = rows.head(12)

    def line(row: dict[str, object], **changes: object) -> list[object]:
        values = {
            "身份证号码": row["person_id"],
            "姓名": row["name"],
            "用工形式": "城镇合同制职工",
            "增加原因": "在职人员新参保",
            "增员年月": "2026-12",
            "人员类别": "城镇制",
            "手机号码": row["phone"],
        }
        values.update(changes)
        return [values.get(h, "") for h in headers]

    people = texts.to_dicts()
    body: list[list[object]] = [
        line(people[0]),  # row 4
        line(people[1], 增员年月="202612"),  # row 5
        line(people[2], 增员年月="2026年12月", 姓名=f" {people[2]['name']} "),  # row 6
        line(
            people[3], 身份证号码="".join(chr(ord(c) + 0xFEE0) for c in str(people[3]["person_id"]))
        ),  # row 7
        line(people[4]),  # row 8 — the ID cell is a number (see below)
        line(people[5], 增员年月=46357),  # row 9 — an Excel serial (2026-12-01); row 10 is blank
        line(
            people[6],
            身份证号码=str(people[6]["person_id"])[:-1] + _wrong(str(people[6]["person_id"])[-1]),
        ),
        line(people[7], 增员年月="2026/13"),  # row 12
        line(people[0]),  # row 13 — duplicate of row 4
        line(people[8], 用工形式="合同工"),  # row 14
        line(people[9], 性别="女" if people[9]["gender"] == "1" else "男"),  # row 15
        line(people[10], 身份证号码="370102900101123", 姓名="老号码"),  # row 16
        line(people[11], 人员类别="", 身份证号码="370112198503070029", 姓名="李芳"),  # row 17
    ]
    with open_workbook(path) as workbook:
        sheet = workbook.add_worksheet("增员人员")
        sheet.write_string(0, 0, "济南某科技有限公司 2026年12月 增员名单")
        sheet.write_string(1, 0, "制表：人事部")
        for column, header in enumerate(headers):
            sheet.write_string(2, column, header)
        row_number = 3
        for values in body:
            if row_number == 9:  # a blank row, skipped and counted, before row 10
                row_number += 1
            for column, value in enumerate(values):
                if isinstance(value, int):
                    sheet.write_number(row_number, column, value)
                elif value not in ("", None):
                    sheet.write_string(row_number, column, str(value))
            row_number += 1
        # what Excel keeps of an ID typed as a number: 15 significant digits
        sheet.write_number(7, 0, float(str(people[4]["person_id"])[:15] + "000"))


def _wrong(check: str) -> str:
    return "0" if check != "0" else "1"


def _write_hr_wage_csv(path: Path, wages: pl.DataFrame) -> None:
    """Write a GB18030 wage export from an HR system: its own headers and formats."""
    lines = ["工资表导出（2026年11月）,,,", "证件号码,职工姓名,缴费基数,部门"]
    for index, row in enumerate(wages.head(10).iter_rows(named=True)):
        yuan = f"{row['wage_fen'] // 100:,}.{row['wage_fen'] % 100:02d}"
        lines.append(f'{row["person_id"]},{row["name"]},"{yuan}",部门{index % 3 + 1}')
    first = wages.row(0, named=True)
    lines.append(f'{first["person_id"]},{first["name"]},"6,000.00",部门1')  # duplicate person
    lines.append("370102199001011231,王䶮,五千,部门2")  # an amount in words
    with atomic_path(path) as part:
        part.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def write_batch_samples(directory: Path) -> list[Path]:
    """Write the sample batch files into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    world = generate()
    unit_id = world.units["unit_id"][SAMPLE_UNIT_INDEX]
    joining = newcomers()
    paths = [
        write_template(enrolment.DECLARATION, directory / "enrolment.xlsx", joining),
        write_template(
            departure.DECLARATION, directory / "departure.xlsx", _departures(world, unit_id)
        ),
        write_template(wage_base.DECLARATION, directory / "wage_base.xlsx", _wages(world, unit_id)),
    ]
    messy = directory / "enrolment_messy.xlsx"
    _write_messy_enrolment(messy, newcomers(n=12, seed=20261202))
    hr_csv = directory / "wage_base_hr_export_gb18030.csv"
    _write_hr_wage_csv(hr_csv, _wages(world, unit_id))
    return [*paths, messy, hr_csv]


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "sample_data/batches")
    for written in write_batch_samples(target):
        print(written)
