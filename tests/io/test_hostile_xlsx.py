"""Crafted and damaged xlsx files: a Chinese refusal or failures, never a dead process.

The crafted files are made here, a few KB each, from a small genuine workbook: they
reproduce issue 13's aborts (a shared-string table claiming 2³¹ entries, one cell at
XFD1048576, a sheet whose zip headers lie about its size). Each is read in a child
process, because the failure being guarded against kills the interpreter outright;
the child reports its own peak memory.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sbbatch.batch import check
from sbbatch.declarations import get
from sbbatch.exceptions import UnusableInputError
from sbbatch.io import _xlsx_guard
from sbbatch.io.read import read_table
from sbbatch.io.xlsx import write_template

KNOWN = ["姓名", "社会保障号码"]
SHEET = "xl/worksheets/sheet1.xml"
# what reading a tiny file costs (imports included), and a margin: far below the
# gigabytes the crafted claims would make the reader allocate
SMALL_PEAK_MB = 400


def genuine(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, KNOWN)
    sheet.write_row(1, 0, ["张三", "370103198310135672"])
    workbook.close()
    return path


def rewrite(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Copy a workbook, changing the named members' contents."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename in edits:
                data = edits[info.filename](data)
            new.writestr(info.filename, data)
    return dst


def add_cells(xml: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


def lie_about_size(path: Path, member: str, claimed: int) -> None:
    """Write ``claimed`` as the member's uncompressed size in both zip headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, claimed)  # local header
    entry = data.index(b"PK\x01\x02")
    while bytes(data[entry + 46 : entry + 46 + len(member)]) != member.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, claimed)  # central directory
    path.write_bytes(bytes(data))


def bomb_sheet(path: Path, inflated_mb: int) -> Path:
    """A workbook whose sheet inflates to ``inflated_mb`` MB of real cells."""
    src = genuine(path.with_name("genuine.xlsx"))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head, tail = zipfile.ZipFile(src).read(SHEET).split(b"</sheetData>")
    body = head + row * (inflated_mb * 1024**2 // len(row)) + b"</sheetData>" + tail
    return rewrite(src, path, {SHEET: lambda _data: body})


def read_in_child(path: Path, *args: str) -> dict[str, object]:
    """Read ``path`` (``read_table``, or ``check`` with ``args``) in a fresh interpreter."""
    code = """
import json, sys
from sbbatch.exceptions import SbbatchError
outcome = {}
try:
    if len(sys.argv) > 2:
        from sbbatch.batch import check
        batch = check(sys.argv[1], sys.argv[2])
        outcome["rows"] = batch.rows_read
    else:
        from sbbatch.io.read import read_table
        outcome["rows"] = read_table(sys.argv[1]).rows_read
except SbbatchError as error:
    outcome["error"] = str(error)
# VmHWM, not ru_maxrss: Linux keeps the parent's (pytest's) peak across exec
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
outcome["peak_mb"] = int(peak.split()[1]) / 1024
print(json.dumps(outcome, ensure_ascii=False))
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    outcome: dict[str, object] = json.loads(done.stdout)
    return outcome


CRAFTED: dict[str, tuple[dict[str, Callable[[bytes], bytes]], str]] = {
    "unique_count": (
        {
            "xl/sharedStrings.xml": lambda d: re.sub(
                rb'uniqueCount="\d+"', b'uniqueCount="2147483647"', d
            )
        },
        r"共享字符串表声称有 2,147,483,647 个字符串",
    ),
    "far_cell": (
        {SHEET: add_cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')},
        r"声称占用 1048576 行 × 16384 列",
    ),
    "far_cell_first": (  # rows out of order, the far one before the header
        {
            SHEET: lambda d: d.replace(
                b"<sheetData>", b'<sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
            )
        },
        r"声称占用 1048576 行 × 16384 列",
    ),
    "far_cell_single_quotes": (
        {SHEET: add_cells("<row r='900000'><c r='XFD900000'><v>1</v></c></row>")},
        r"声称占用 900000 行 × 16384 列",
    ),
    "beyond_excel": (
        {SHEET: add_cells('<row r="3"><c r="A99999999"><v>1</v></c></row>')},
        r"超出 Excel 范围的单元格（第 99999999 行",
    ),
}
# Spellings calamine honours (each one, unguarded, aborted the reader: measured with
# fastexcel 0.21 / calamine 0.36.1 in a child under a 3 GB ulimit) that the fast pass
# once let through unmeasured or the full count misread.
_FAR = "声称占用 1048576 行 × 16384 列"
for _case, _cell in {
    "far_cell_space_after_equals": '<c r= "XFD1048576"><v>1</v></c>',
    "far_cell_newline_before_equals": '<c r\n="XFD1048576"><v>1</v></c>',
    "far_cell_no_space_before_r": '<c s="0"r="XFD1048576"><v>1</v></c>',
    "far_cell_lowercase": '<c r="xfd1048576"><v>1</v></c>',
    "far_cell_prefixed_element": (
        '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' r="XFD1048576"><v>1</v></x:c>'
    ),
    "far_cell_after_gt_in_a_value": '<c foo=">" r="XFD1048576"><v>1</v></c>',
    "far_cell_after_another_r": '<c zr="A1" r="XFD1048576"><v>1</v></c>',
    "far_cell_second_r": '<c r="A1" r="XFD1048576"><v>1</v></c>',
    "far_cell_leading_zeros": '<c r="XFD00000000001048576"><v>1</v></c>',
}.items():
    CRAFTED[_case] = ({SHEET: add_cells(f"<row>{_cell}</row>")}, _FAR)
# cells without ``r`` are placed after the one before: 3,000 of them (48 KB of XML)
# after Z999999 spanned 3 GB of cells
CRAFTED["cells_without_references"] = (
    {
        SHEET: add_cells(
            '<row r="999999"><c r="Z999999"><v>1</v></c>' + "<c><v>1</v></c>" * 3000 + "</row>"
        )
    },
    r"声称占用 999999 行 × 3026 列",
)


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_claims_are_refused_in_a_living_process(tmp_path: Path, case: str) -> None:
    edits, message = CRAFTED[case]
    path = rewrite(genuine(tmp_path / "genuine.xlsx"), tmp_path / f"{case}.xlsx", edits)
    assert path.stat().st_size < 10_000
    outcome = read_in_child(path)
    assert re.search(message, str(outcome.get("error"))), outcome
    assert f"「{case}.xlsx」" in str(outcome["error"])
    assert float(str(outcome["peak_mb"])) < SMALL_PEAK_MB


def test_crafted_file_through_check_and_the_cli(tmp_path: Path) -> None:
    edits, message = CRAFTED["unique_count"]
    path = rewrite(genuine(tmp_path / "genuine.xlsx"), tmp_path / "crafted.xlsx", edits)
    outcome = read_in_child(path, "enrolment")
    assert re.search(message, str(outcome.get("error"))), outcome
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sbbatch.cli import main; sys.exit(main())",
            "check",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert re.search(message, done.stderr + done.stdout)
    assert "Traceback" not in done.stderr


def test_sheet_whose_zip_headers_lie_is_measured_while_inflating(tmp_path: Path) -> None:
    path = bomb_sheet(tmp_path / "bomb.xlsx", 48)
    lie_about_size(path, SHEET, 1024)
    assert path.stat().st_size < 200_000
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET).file_size == 1024  # what the headers say
    outcome = read_in_child(path)
    assert re.search(r"「bomb.xlsx」.*解压到 \d+ MB 时压缩比已超过 200 倍", str(outcome["error"]))
    assert float(str(outcome["peak_mb"])) < SMALL_PEAK_MB


def test_total_size_is_counted_while_inflating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb_sheet(tmp_path / "big.xlsx", 3)
    lie_about_size(path, SHEET, 1024)

    monkeypatch.setattr(_xlsx_guard, "MAX_UNCOMPRESSED_BYTES", 2 * 1024**2)
    with pytest.raises(UnusableInputError, match=r"「big.xlsx」解压后超过 \d+ MB，超过上限 2 MB"):
        read_table(path)


def test_wide_and_sparse_genuine_sheets_still_read(tmp_path: Path) -> None:
    """Far references send a sheet to the full count; genuine ones pass it."""
    wide = tmp_path / "wide.xlsx"
    workbook = xlsxwriter.Workbook(wide)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, [*KNOWN, *(f"列{i}" for i in range(60))])
    sheet.write_row(1, 0, ["张三", "370103198310135672"])
    workbook.close()
    assert read_table(wide, known_headers=KNOWN).frame.width == 63
    deep = tmp_path / "deep.xlsx"
    workbook = xlsxwriter.Workbook(deep)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, KNOWN)
    sheet.write_row(1, 0, ["张三", "370103198310135672"])
    sheet.write_string(1_000_001, 0, "李四")
    workbook.close()
    table = read_table(deep, known_headers=KNOWN)
    assert table.frame["姓名"].to_list() == ["张三", "李四"]
    assert table.frame["_row"].to_list() == [2, 1_000_002]
    # the same two cells 62 columns apart span 62 million cells: refused, not read
    sparse = tmp_path / "sparse.xlsx"
    workbook = xlsxwriter.Workbook(sparse)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, KNOWN)
    sheet.write_string(1_000_001, 61, "李四")
    workbook.close()
    with pytest.raises(UnusableInputError, match=r"声称占用 1000002 行 × 62 列"):
        read_table(sparse)


def test_stored_and_unsupported_compression(tmp_path: Path) -> None:
    src = genuine(tmp_path / "genuine.xlsx")
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    assert read_table(stored, known_headers=KNOWN).rows_read == 1
    bz = tmp_path / "bzip2.xlsx"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(bz, "w", zipfile.ZIP_BZIP2) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    with pytest.raises(UnusableInputError, match=r"使用了 Excel 不使用的压缩方式"):
        read_table(bz)


# ------------------------------------------------------------------ fuzz (hypothesis)


@pytest.fixture(scope="module")
def template_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "wage_base.xlsx"
    return write_template(get("wage_base"), path).read_bytes()


def _check_survives(data: bytes, folder: Path) -> None:
    path = folder / "fuzzed.xlsx"
    path.write_bytes(data)
    try:
        batch = check(path, "wage_base")
    except UnusableInputError as error:
        assert re.search(r"[\u4e00-\u9fff]", str(error))
        assert "「fuzzed.xlsx」" in str(error) or "fuzzed" in str(error)
    else:
        assert batch.accepted.height + batch.rejected.height == batch.rows_read


_FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_templates_give_a_chinese_reason(
    template_bytes: bytes, tmp_path: Path, cut: float
) -> None:
    _check_survives(template_bytes[: int(len(template_bytes) * cut)] or b"P", tmp_path)


@_FUZZ
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flipped_templates_give_a_chinese_reason_or_failures(
    template_bytes: bytes, tmp_path: Path, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(template_bytes)
    for where, bit in flips:
        data[min(int(where * len(data)), len(data) - 1)] ^= 1 << bit
    _check_survives(bytes(data), tmp_path)


@_FUZZ
@given(
    member=st.sampled_from([SHEET, "xl/workbook.xml", "xl/styles.xml"]),
    where=st.floats(0.0, 1.0),
    junk=st.binary(min_size=1, max_size=40),
)
def test_damaged_xml_inside_a_sound_zip(
    template_bytes: bytes, tmp_path: Path, member: str, where: float, junk: bytes
) -> None:
    """The zip is sound but one part's XML is not: flipped inside the inflated text."""
    src = tmp_path / "template.xlsx"
    src.write_bytes(template_bytes)

    def spoil(data: bytes) -> bytes:
        at = int(where * len(data))
        return data[:at] + junk + data[at:]

    out = rewrite(src, tmp_path / "spoiled.xlsx", {member: spoil})
    _check_survives(out.read_bytes(), tmp_path)


def test_deflate_stream_that_never_ends(tmp_path: Path) -> None:
    """A sheet whose deflate data stops mid-stream reads as damaged, not as a hang."""
    src = genuine(tmp_path / "genuine.xlsx")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename)
    compressed = zlib.compressobj(9, zlib.DEFLATED, -15)
    partial = compressed.compress(b"<worksheet>" * 100) + compressed.flush(zlib.Z_SYNC_FLUSH)
    size = min(len(partial), info.compress_size)
    data[start : start + size] = partial[:size]
    (tmp_path / "cut.xlsx").write_bytes(bytes(data))
    with pytest.raises(UnusableInputError, match=r"「cut.xlsx」"):
        read_table(tmp_path / "cut.xlsx")


def _sheet_xml(body: str) -> Callable[[bytes], bytes]:
    return lambda data: re.sub(
        rb"<sheetData>.*</sheetData>", f"<sheetData>{body}</sheetData>".encode(), data, flags=re.S
    )


IRREGULAR_SHEETS = {
    # no references at all: calamine counts cells and rows
    "no_references": "<row><c t='inlineStr'><is><t>姓名</t></is></c><c t='inlineStr'><is><t>社会保障号码</t></is></c></row>"
    "<row><c t='inlineStr'><is><t>张三</t></is></c><c t='inlineStr'><is><t>370103198310135672</t></is></c></row>"
    "<row/><row><c/><c><v>7</v></c></row>",
    # references after other attributes, some cells without, rows set and counted
    "mixed": '<row r="2"><c t="inlineStr" r="C2"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>社会保障号码</t></is></c></row>'
    '<row><c r="B4"><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>'
    '<!-- <c r="XFD1"> a comment is no cell --><row r="9"><c><v>4</v></c></row>',
    # pretty-printed, single quotes, spaces around =
    "pretty": "<row r = '1'>\n  <c r = 'A1' t='inlineStr'><is><t>姓名</t></is></c>\n"
    "  <c\n r='b1' t='inlineStr'><is><t>社会保障号码</t></is></c>\n</row>\n"
    "<row r='3'>\n  <c r='A3' t='inlineStr'><is><t>张三</t></is></c>\n</row>\n",
}


@pytest.mark.parametrize("case", sorted(IRREGULAR_SHEETS))
def test_irregular_sheets_are_measured_at_least_as_calamine_places_them(
    tmp_path: Path, case: str
) -> None:
    """The exact pass's rectangle holds every cell calamine reads, and such sheets still read."""
    import python_calamine

    path = rewrite(
        genuine(tmp_path / "genuine.xlsx"),
        tmp_path / f"{case}.xlsx",
        {SHEET: _sheet_xml(IRREGULAR_SHEETS[case])},
    )
    with zipfile.ZipFile(path) as archive, archive.open(SHEET) as member:
        text = member.read()
    from sbbatch.io import _xlsx_cells

    extent = _xlsx_guard._Extent()
    _xlsx_cells.cell_extent(iter([text]), extent, lambda _text, _extent: None, path.name)
    with python_calamine.CalamineWorkbook.from_path(path) as workbook:
        sheet = workbook.get_sheet_by_index(0)
        start, end = sheet.start, sheet.end
    assert start is not None and end is not None
    assert extent.first_row <= start[0] and extent.first_column <= start[1]
    assert extent.last_row >= end[0] and extent.last_column >= end[1]
    assert _xlsx_guard.check_xlsx(path) == {}
    read_table(path, known_headers=KNOWN)


def test_exact_pass_places_cells_as_calamine_does() -> None:
    from sbbatch.io import _xlsx_cells

    def extent_of(xml: bytes, cut: int) -> tuple[int, int, int, int]:
        extent = _xlsx_guard._Extent()
        chunks = iter([xml[i : i + cut] for i in range(0, len(xml), cut)])
        _xlsx_cells.cell_extent(chunks, extent, lambda _t, _e: None, "x.xlsx")
        return extent.first_row, extent.last_row, extent.first_column, extent.last_column

    xml = (
        b'<sheetData><row r="5"><c><v>1</v></c><c r="D5"/><c/></row><row><c/></row>'
        b"<row><c t=\"s\" r='c9'><v>1</v></c><c><v>1</v></c></row></sheetData>"
    )
    # row 5: A5, D5, E5; row 6: A6; then C9 (its own row), D9 (row 7, after C9)
    assert extent_of(xml, len(xml)) == (4, 8, 0, 4)
    for cut in (1, 2, 3, 7, 16):  # the same whatever the chunks
        assert extent_of(xml, cut) == (4, 8, 0, 4)
    with pytest.raises(UnusableInputError, match="文档类型声明"):
        extent_of(b"<!DOCTYPE x [<!ENTITY e \"<c r='XFD1'>\">]><sheetData/>", 64)


def test_fast_pass_sees_patterns_cut_by_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks cut inside a reference or a Chinese character change nothing."""
    monkeypatch.setattr(_xlsx_guard, "_OUT", 97)
    edits, message = CRAFTED["far_cell_space_after_equals"]
    path = rewrite(genuine(tmp_path / "genuine.xlsx"), tmp_path / "far.xlsx", edits)
    with pytest.raises(UnusableInputError, match=message):
        _xlsx_guard.check_xlsx(path)
    assert _xlsx_guard.check_xlsx(genuine(tmp_path / "fine.xlsx")) == {}


def test_full_count_over_many_chunks_keeps_the_near_corner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near references in other chunks than the far one still span the rectangle."""
    sparse = tmp_path / "sparse.xlsx"
    workbook = xlsxwriter.Workbook(sparse)
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, KNOWN)
    sheet.write_string(1_000_001, 61, "李四")
    workbook.close()
    monkeypatch.setattr(_xlsx_guard, "_OUT", 300)
    with pytest.raises(UnusableInputError, match=r"声称占用 1000002 行 × 62 列"):
        _xlsx_guard.check_xlsx(sparse)
