"""Loading a unit's own files: counts, idempotence, snapshots, provenance, one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from sbbatch.exceptions import UnusableInputError
from sbbatch.store import Workspace
from sbbatch.store.unit_files import row_provenance
from sbbatch.unit_files import load

TODAY = dt.date(2026, 11, 26)
UNIT = "0010118873"

# valid ID numbers (check character computed)
ZHANG = "370102199001011231"  # male
LI = "37010219850505234X"  # female
WANG = "370102197512121011"


def _xlsx(path: Path, headers: list[str], rows: list[list[str]], title: str | None = None) -> Path:
    """Write a sheet as the agency's downloads look: optional title row, text cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    first = 0
    if title:
        sheet.write_string(0, 0, title)
        first = 1
    for c, header in enumerate(headers):
        sheet.write_string(first, c, header)
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def _unit_file(tmp_path: Path) -> Path:
    return _xlsx(
        tmp_path / "单位信息.xlsx",
        ["单位编号", "单位名称", "单位类型", "工伤行业类别", "缴费方式", "经办机构", "参保日期"],
        [
            [
                UNIT,
                "济南示例科技有限公司",
                "企业",
                "2",
                "银行代扣",
                "济南市社会保险事业中心",
                "2015-03-01",
            ]
        ],
    )


PERSON_HEADERS = ["身份证号码", "姓名", "人员类别", "参保年月", "减员年月", "减员原因", "缴费基数"]


def _persons_file(tmp_path: Path, rows: list[list[str]], name: str = "人员.xlsx") -> Path:
    return _xlsx(tmp_path / name, PERSON_HEADERS, rows, title="单位人员信息查询")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(today=TODAY)
    load(workspace, "unit", _unit_file(tmp_path))
    return workspace


def _dump(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the workspace, rows sorted: the canonical content."""
    tables = ws.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
    )["table_name"].to_list()
    assert {"units", "persons", "insured_periods", "loaded_rows", "loads"} <= set(tables)
    return {t: sorted(map(tuple, ws.table(t).rows()), key=str) for t in sorted(tables)}


def test_unit_file_fills_the_units_row(ws: Workspace) -> None:
    unit = ws.table("units").row(0, named=True)
    assert unit["unit_id"] == UNIT
    assert unit["name"] == "济南示例科技有限公司"
    assert unit["risk_class"] == 2
    assert unit["payment_method"] == "1"
    assert unit["agency"] == "济南市社会保险事业中心"
    assert unit["insured_since"] == dt.date(2015, 3, 1)


def test_persons_open_periods_per_insurance_and_record_the_current_base(
    ws: Workspace, tmp_path: Path
) -> None:
    result = load(
        ws,
        "persons",
        _persons_file(
            tmp_path,
            [
                [ZHANG, "张三", "城镇制", "2019-04", "", "", "6000.00"],
                [LI, "李四", "城镇制", "2021-07", "2026-09", "在职人员解除劳动合同", ""],
            ],
        ),
    )
    assert (result.added, result.changed, result.unchanged, result.rejected) == (2, 0, 0, 0)
    persons = dict(ws.table("persons").select("person_id", "gender").rows())
    assert persons == {ZHANG: "1", LI: "2"}  # derived from the ID numbers
    periods = ws.table("insured_periods")
    zhang = periods.filter(pl.col("person_id") == ZHANG)
    # 城镇制 joins pension, unemployment, medical, injury, 大额; 生育 ended before 2019-04? no:
    # 生育 is its own insurance until 2019-12, so a 2019-04 start has a 生育 period to 2020-01
    assert sorted(zhang["insurance"].to_list()) == ["1", "10", "2", "3", "4", "5"]
    maternity = zhang.filter(pl.col("insurance") == "5").row(0, named=True)
    assert maternity["until_month"] == dt.date(2020, 1, 1)
    assert maternity["leave_reason"] is None
    li = periods.filter(pl.col("person_id") == LI)
    assert set(li["until_month"].to_list()) == {dt.date(2026, 9, 1)}
    assert "5" not in li["insurance"].to_list()  # started after the merger
    wages = ws.table("wage_bases")
    assert wages.select("person_id", "month", "wage_fen").rows() == [
        (ZHANG, dt.date(2026, 11, 1), 600000)
    ]


def test_loading_the_same_file_again_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = _persons_file(tmp_path, [[ZHANG, "张三", "城镇制", "2019-04", "", "", "6000.00"]])
    load(ws, "persons", path)
    before = _dump(ws)
    again = load(ws, "persons", path)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 1)
    after = _dump(ws)
    before_loads, after_loads = before.pop("loads"), after.pop("loads")
    assert len(after_loads) == len(before_loads) + 1  # only the new load's log row
    assert after_loads[: len(before_loads)] == before_loads
    assert after == before


def test_a_newer_snapshot_updates_what_changed(ws: Workspace, tmp_path: Path) -> None:
    load(
        ws,
        "persons",
        _persons_file(
            tmp_path,
            [
                [ZHANG, "张三", "城镇制", "2019-04", "", "", ""],
                [LI, "李四", "城镇制", "2021-07", "", "", ""],
            ],
        ),
    )
    newer = load(
        ws,
        "persons",
        _persons_file(
            tmp_path,
            [
                [ZHANG, "张三", "城镇制", "2019-04", "", "", ""],
                [LI, "李四", "城镇制", "2021-07", "2026-11", "在职人员解除劳动合同", ""],
                [WANG, "王五", "城镇制", "2026-10", "", "", ""],
            ],
            name="人员_新.xlsx",
        ),
    )
    assert (newer.added, newer.changed, newer.unchanged) == (1, 1, 1)
    periods = ws.table("insured_periods")
    li = periods.filter(pl.col("person_id") == LI)
    assert li.height == 5  # updated in place, not duplicated
    assert set(li["until_month"].to_list()) == {dt.date(2026, 11, 1)}
    assert set(li["leave_reason"].to_list()) == {"221"}  # 在职人员解除劳动合同
    provenance = row_provenance(ws, LI).row(0, named=True)
    assert provenance["file"].endswith("人员_新.xlsx")
    assert provenance["sheet_row"] == 4  # title row, header row, then 张三, 李四
    assert provenance["load_id"] == newer.load_id
    # an unchanged row keeps the provenance of the load that wrote it
    assert row_provenance(ws, ZHANG)["file"].to_list()[0].endswith("人员.xlsx")


def test_reloading_and_changing_keeps_one_provenance_row_per_key(
    ws: Workspace, tmp_path: Path
) -> None:
    # loaded_rows has no primary key: record_load's UPDATE-then-ANTI-JOIN keeps the keys
    # unique, through first loads, reloads, changes, additions and another kind
    first = [
        [ZHANG, "张三", "城镇制", "2019-04", "", "", ""],
        [LI, "李四", "城镇制", "2021-07", "", "", ""],
    ]
    changed = [
        [ZHANG, "张三", "城镇制", "2019-04", "", "", "6000.00"],
        [LI, "李四", "城镇制", "2021-07", "2026-11", "在职人员解除劳动合同", ""],
        [WANG, "王五", "城镇制", "2026-10", "", "", ""],
    ]
    results = []
    for number, rows in enumerate([first, first, changed, changed, first, changed]):
        results.append(
            load(ws, "persons", _persons_file(tmp_path, rows, name=f"人员{number}.xlsx"))
        )
    load(ws, "unit", _unit_file(tmp_path))
    assert [(r.added, r.changed, r.unchanged) for r in results] == [
        (2, 0, 0),
        (0, 0, 2),
        (1, 2, 0),
        (0, 0, 3),
        (0, 2, 0),
        (0, 2, 1),
    ]
    stored = ws.table("loaded_rows")
    assert stored.height == 4  # 3 persons and the unit
    assert stored.select("kind", "unit_id", "row_key").is_unique().all()
    provenance = row_provenance(ws)
    assert provenance.height == 4
    by_key = {row["row_key"]: row for row in provenance.iter_rows(named=True)}
    assert by_key[ZHANG]["load_id"] == by_key[LI]["load_id"] == results[5].load_id
    assert by_key[WANG]["load_id"] == results[2].load_id
    assert by_key[WANG]["file"].endswith("人员2.xlsx")
    assert by_key[UNIT]["kind"] == "unit"


def test_every_row_is_accepted_or_reported_with_its_sheet_row(
    ws: Workspace, tmp_path: Path
) -> None:
    result = load(
        ws,
        "persons",
        _persons_file(
            tmp_path,
            [
                [ZHANG, "张三", "城镇制", "2019-04", "", "", ""],
                ["370102199001011232", "坏号", "城镇制", "2019-04", "", "", ""],  # check digit
                [LI, "李四", "城镇制", "2021-07", "2020-01", "在职人员解除劳动合同", ""],
                [WANG, "王五", "城镇制", "2026-10", "2026-11", "", ""],  # reason missing
                [ZHANG, "张三", "城镇制", "2020-01", "", "", ""],  # same person twice
            ],
        ),
    )
    assert result.accepted + result.rejected == 5
    assert result.accepted == 1
    rejected = result.failures.filter(pl.col("level") == "reject")
    assert sorted(rejected["row"].unique().to_list()) == [4, 5, 6, 7]
    assert set(rejected["rule"]) >= {
        "leave_after_start",
        "leave_reason_with_month",
        "duplicate_in_file",
    }
    assert ws.table("persons")["person_id"].to_list() == [ZHANG]


def test_a_failed_load_leaves_the_workspace_as_it_was(ws: Workspace, tmp_path: Path) -> None:
    load(ws, "persons", _persons_file(tmp_path, [[ZHANG, "张三", "城镇制", "2019-04", "", "", ""]]))
    before = _dump(ws)

    def fault(name: str) -> None:
        if name == "load:persons":
            raise RuntimeError("injected")

    ws._fault = fault
    with pytest.raises(RuntimeError, match="injected"):
        load(
            ws,
            "persons",
            _persons_file(
                tmp_path,
                [
                    [ZHANG, "张三", "城镇制", "2019-04", "2026-10", "在职人员解除劳动合同", ""],
                    [LI, "李四", "城镇制", "2021-07", "", "", ""],
                ],
                name="fault.xlsx",
            ),
        )
    ws._fault = None
    assert _dump(ws) == before


def test_rows_of_another_unit_are_refused(ws: Workspace, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "wages.xlsx",
        ["单位编号", "身份证号码", "费款所属期", "缴费基数"],
        [[UNIT, ZHANG, "2026-09", "5000"], ["0099999999", ZHANG, "2026-10", "5100"]],
    )
    result = load(ws, "wages", path)
    assert result.accepted == 1
    failure = result.failures.row(0, named=True)
    assert failure["row"] == 3
    assert failure["rule"] == "own_unit"
    assert "0099999999" in failure["message"]


def test_wages_replace_loaded_history_but_never_a_declared_wage(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.insert_frame(
        "wage_bases",
        pl.DataFrame(
            {
                "unit_id": [UNIT],
                "person_id": [ZHANG],
                "month": [dt.date(2026, 10, 1)],
                "wage_fen": [700000],
                "declaration_id": ["GZ20261000001"],
            }
        ),
    )
    path = _xlsx(
        tmp_path / "wages.xlsx",
        ["身份证号码", "申报年月", "缴费工资"],
        [[ZHANG, "2026-09", "5000.00"], [ZHANG, "2026-10", "5200.00"]],
    )
    first = load(ws, "wages", path)
    assert first.added == 2
    wages = ws.table("wage_bases").sort("month")
    assert wages.select("month", "wage_fen").rows() == [
        (dt.date(2026, 9, 1), 500000),
        (dt.date(2026, 10, 1), 700000),  # the declared wage stays
    ]
    path2 = _xlsx(
        tmp_path / "wages2.xlsx",
        ["身份证号码", "申报年月", "缴费工资"],
        [[ZHANG, "2026-09", "5050.00"]],
    )
    second = load(ws, "wages", path2)
    assert (second.added, second.changed) == (0, 1)
    assert ws.table("wage_bases").sort("month")["wage_fen"].to_list() == [505000, 700000]


def test_agency_payment_lines_with_codes_and_arrival(ws: Workspace, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "缴费明细.xlsx",
        [
            "社会保障号码",
            "姓名",
            "费款所属期",
            "险种",
            "缴费基数",
            "单位缴纳",
            "个人缴纳",
            "到账标志",
        ],
        [
            [ZHANG, "张三", "2026-10", "基本养老保险", "5000.00", "800.00", "400.00", "已到账"],
            [ZHANG, "张三", "2026-10", "失业保险", "5000.00", "35.00", "15.00", "未到账"],
        ],
    )
    result = load(ws, "payments", path)
    assert result.added == 2
    lines = ws.table("agency_payments").sort("insurance")
    assert lines.select("insurance", "unit_fen", "person_fen", "arrived").rows() == [
        ("1", 80000, 40000, True),
        ("2", 3500, 1500, False),
    ]


def test_unknown_kind_and_unknown_unit_are_refused_in_chinese(
    ws: Workspace, tmp_path: Path
) -> None:
    path = _persons_file(tmp_path, [[ZHANG, "张三", "城镇制", "2019-04", "", "", ""]])
    with pytest.raises(UnusableInputError, match="可装入的有"):
        load(ws, "salaries", path)
    with pytest.raises(UnusableInputError, match="不在工作区中"):
        load(ws, "persons", path, unit_id="0000000001")


def test_without_a_unit_the_analyst_is_told_to_create_one(tmp_path: Path) -> None:
    path = _persons_file(tmp_path, [[ZHANG, "张三", "城镇制", "2019-04", "", "", ""]])
    with pytest.raises(UnusableInputError, match="sbbatch init"):
        load(Workspace(today=TODAY), "persons", path)


def test_a_first_load_fast_path_writes_what_the_general_upsert_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # into an empty workspace persons, periods and provenance are inserted without the
    # UPDATE and the anti-join; forced through them, the workspace ends the same
    rows = [
        [ZHANG, "张三", "城镇制", "2019-04", "", "", "6000.00"],
        [LI, "李四", "城镇制", "2021-07", "2026-11", "在职人员解除劳动合同", ""],
        [WANG, "王五", "城镇制", "2026-10", "", "", ""],
    ]
    path = _persons_file(tmp_path, rows)
    fast = Workspace(today=TODAY)
    load(fast, "unit", _unit_file(tmp_path))
    fast_result = load(fast, "persons", path)

    general = Workspace(today=TODAY)
    load(general, "unit", _unit_file(tmp_path))
    asked: list[str] = []
    real_sql = Workspace.sql

    def always_known(self: Workspace, query: str, params: object = None) -> pl.DataFrame:
        if query.startswith("SELECT EXISTS"):
            asked.append(query)
            return pl.DataFrame({"known": [True]})
        return real_sql(self, query, params)  # type: ignore[arg-type]

    monkeypatch.setattr(Workspace, "sql", always_known)
    general_result = load(general, "persons", path)
    monkeypatch.undo()
    assert len(asked) == 3  # persons, periods, provenance
    assert (fast_result.added, general_result.added) == (3, 3)
    assert _dump(fast) == _dump(general)
    assert fast.table("insured_periods").height > 0
