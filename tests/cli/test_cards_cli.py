"""Tests of the card commands: ``sbbatch photos check`` and ``sbbatch cards …``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sbbatch import cards, cli, ids
from sbbatch._cli import cards as _cards_commands
from sbbatch.photos import synthetic_photo
from sbbatch.queries.cards import card_status
from sbbatch.review import review
from sbbatch.sample import generate
from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)


def make_id(born: str, sequence: str = "123") -> str:
    first17 = f"370102{born}{sequence}"
    return first17 + pl.select(ids.check_char(pl.lit(first17))).item()


ZHANG = make_id("19900101")
LI = make_id("19851203", "456")


@pytest.fixture(autouse=True)
def with_card_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure the card commands are registered (the lead adds them to the list)."""
    if _cards_commands not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, _cards_commands))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_all_good_photos_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / f"{ZHANG}张三.jpg").write_bytes(synthetic_photo(seed=1))
    (tmp_path / f"{LI}.jpg").write_bytes(synthetic_photo(seed=2))
    code, out, _ = _run(capsys, "photos", "check", str(tmp_path))
    assert code == 0
    assert f"[合格] {ZHANG[:6]}********{ZHANG[-4:]}张三.jpg" in out
    assert ZHANG not in out  # masked by default
    assert "[提示]" in out  # the ID-only name
    assert out.strip().endswith("共 2 张照片：合格 2 张，不合格 0 张，提示 1 条。")


def test_a_bad_photo_exits_1_and_json_lists_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / f"{ZHANG}张三.jpg").write_bytes(synthetic_photo(seed=1))
    (tmp_path / f"{LI}李四.jpg").write_bytes(synthetic_photo(background=(200, 210, 230)))
    code, out, _ = _run(capsys, "photos", "check", str(tmp_path), "--format", "json", "--unmask")
    assert code == 1
    entries = json.loads(out)
    assert [(e["file"], e["ok"]) for e in entries] == [
        (f"{LI}李四.jpg", False),
        (f"{ZHANG}张三.jpg", True),
    ]
    assert entries[0]["problems"][0]["rule"] == "photo_background"
    assert entries[0]["problems"][0]["message"].startswith(
        f"照片「{LI}李四.jpg」背景不是白色（边缘平均 RGB "
    )
    assert set(entries[0]["problems"][0]) == {"rule", "level", "message"}
    assert entries[1]["problems"] == []


def test_a_zip_works_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import zipfile

    archive = tmp_path / "照片.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"{ZHANG}张三.jpg", synthetic_photo(seed=1))
    code, out, _ = _run(capsys, "photos", "check", str(archive), "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["ok"] is True


@pytest.mark.parametrize("kind", ["missing", "bad_zip", "empty"])
def test_unusable_sources_exit_2_with_one_chinese_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x"
    if kind == "bad_zip":
        target = tmp_path / "x.zip"
        target.write_bytes(b"PK\x03\x04 broken")
    elif kind == "empty":
        target.mkdir()
    code, out, err = _run(capsys, "photos", "check", str(target))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("sbbatch：")
    assert "Traceback" not in err


def test_unit_check_and_card_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace(db, today=TODAY, create=True) as ws:
        generate(n_units=1, n_persons=20).load_into(ws)
        unit = ws.table("units")["unit_id"][0]
        persons = card_status(ws, unit)
        first = persons.row(0, named=True)
        bank = cards.CardBank("中国银行", "10712", "中国银行股份有限公司济南分行")
        issuing = cards.maintain_issuing_info(
            ws, unit, bank=bank, collectors=[cards.Collector(first["person_id"], "13105311234")]
        )
        ws.submit(issuing)
        review(ws, issuing)
        cards.upload_photo(
            ws, first["person_id"], synthetic_photo(), f"{first['person_id']}{first['name']}.jpg"
        )
        application = cards.apply(ws, unit, first["person_id"], phone="13912345678")
        ws.submit(application)
        review(ws, application)
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / f"{first['person_id']}{first['name']}.jpg").write_bytes(synthetic_photo(seed=3))
    (photos / f"{ZHANG}张三.jpg").write_bytes(synthetic_photo(seed=4))
    code, out, _ = _run(
        capsys, "--db", str(db), "photos", "check", str(photos), "--unit", unit, "--format", "json"
    )
    assert code == 1
    assert [e["ok"] for e in json.loads(out)] == [True, False]
    assert json.loads(out)[1]["problems"][0]["rule"] == "person_unknown"

    code, out, _ = _run(capsys, "--db", str(db), "cards", "status", "--unit", unit, "--list")
    assert code == 0
    assert "申领中" in out and "未申领" in out
    assert first["person_id"] not in out

    target = tmp_path / "未制卡申请人员.xlsx"
    code, out, _ = _run(
        capsys, "--db", str(db), "cards", "export", "--unit", unit, "-o", str(target)
    )
    assert code == 0
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet.max_row == persons.height  # everyone but the applicant, plus the header

    result = tmp_path / "结果.xlsx"
    code, out, _ = _run(capsys, "--db", str(db), "cards", "result", application, "-o", str(result))
    assert code == 0
    assert "申领社保卡成功" in out and "139****5678" in out
    rows = list(openpyxl.load_workbook(result).worksheets[0].iter_rows(values_only=True))
    assert rows[2][1:3] == ("成功", "申领社保卡成功")

    code, _, err = _run(capsys, "cards", "status", "--unit", unit)
    assert code == 2
    assert "--db" in err
