"""Tests of the card photo checks (sbbatch.photos): every bad photo gets its own message."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from PIL import Image, ImageDraw

from sbbatch import ids
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import UnusableInputError
from sbbatch.photos import (
    PHOTO_RULES,
    PhotoLimits,
    check_photos,
    inspect,
    iter_photo_files,
    problems_text,
    synthetic_photo,
)

TODAY = dt.date(2026, 11, 26)


def make_id(born: str, sequence: str = "123", region: str = "370102") -> str:
    first17 = f"{region}{born}{sequence}"
    return first17 + pl.select(ids.check_char(pl.lit(first17))).item()


ZHANG = make_id("19900101")
LI = make_id("19851203", "456")
PERSONS = pl.DataFrame({"person_id": [ZHANG, LI], "name": ["张三", "李四"]})
GOOD = synthetic_photo()


def _reencode(
    data: bytes, fmt: str = "JPEG", size: tuple[int, int] | None = None, **kw: int
) -> bytes:
    image = Image.open(io.BytesIO(data))
    if size is not None:
        image = image.resize(size)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kw)
    return buffer.getvalue()


def _rules(data: bytes, file: str = f"{ZHANG}张三.jpg") -> dict[str, str]:
    """Check one file against the two persons; return {rule: message}."""
    frame = check_photos({file: data}, persons=PERSONS, today=TODAY)
    return {p["rule"]: p["message"] for p in frame["problems"][0]}


# ----------------------------------------------------------------------------- limits


def test_limits_come_from_the_policy_csv_with_provenance() -> None:
    limits = PhotoLimits.load()
    assert (limits.min_kb, limits.max_kb, limits.kb_bytes) == (14, 100, 1024)
    assert (limits.width_px, limits.height_px) == (358, 441)
    assert limits.status["format"] == limits.status["min_kb"] == "verified"
    assert limits.status["width_px"] == "secondary"
    assert limits.status["white_channel_min"] == "inference"
    frame, comments = read_commented_csv(schemas_dir() / "policy" / "jinan" / "card_photo.csv")
    assert comments
    assert frame.filter(pl.col("source").is_null()).is_empty()
    assert set(frame["status"]) <= {"verified", "secondary", "inference"}
    assert limits.table().height == frame.height


def test_the_rules_have_known_levels() -> None:
    assert {level for level, _ in PHOTO_RULES.values()} == {"reject", "warn"}


# ----------------------------------------------------------------------------- content


def test_the_good_photo_passes_without_any_problem() -> None:
    frame = check_photos({f"{ZHANG}张三.jpg": GOOD}, persons=PERSONS, today=TODAY)
    row = frame.row(0, named=True)
    assert row["ok"] is True
    assert row["problems"] == []
    assert row["person_id"] == ZHANG
    assert row["name_in_file"] == "张三"
    assert (row["width"], row["height"], row["format"]) == (358, 441, "JPEG")
    assert row["border_rgb"] == "255,255,255"
    assert 14 * 1024 <= row["size_bytes"] <= 100 * 1024


def test_an_off_white_background_with_jpeg_noise_passes() -> None:
    assert _rules(synthetic_photo(background=(246, 247, 245), quality=75)) == {}


def test_a_coloured_background_says_how_far_off_it_is() -> None:
    rules = _rules(synthetic_photo(background=(200, 210, 230)))
    assert set(rules) == {"photo_background"}
    message = rules["photo_background"]
    assert message.startswith(f"照片「{ZHANG}张三.jpg」背景不是白色（边缘平均 RGB ")
    measured = message.split("RGB ")[1].split("，")[0]
    assert [
        abs(int(v) - e) <= 2 for v, e in zip(measured.split(","), (200, 210, 230), strict=True)
    ] == [True] * 3


def test_a_grey_background_is_not_white() -> None:
    rules = _rules(synthetic_photo(background=(200, 200, 200)))
    assert set(rules) == {"photo_background"}
    assert "边缘平均 RGB 200,200,200" in rules["photo_background"]


def test_a_shadow_on_a_white_background_is_caught() -> None:
    image = Image.open(io.BytesIO(GOOD))
    ImageDraw.Draw(image).rectangle((0, 22, 17, 160), fill=(200, 200, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    rules = _rules(buffer.getvalue())
    assert set(rules) == {"photo_background_uneven"}
    assert "背景不纯白：边缘只有 8" in rules["photo_background_uneven"]


def test_a_file_below_14_kb_is_too_small() -> None:
    data = synthetic_photo(texture=0, quality=40)
    assert len(data) < 14 * 1024
    rules = _rules(data)
    assert set(rules) == {"photo_too_small_kb"}
    assert "小于 14 KB" in rules["photo_too_small_kb"]


def test_a_file_above_100_kb_is_too_large() -> None:
    data = GOOD + b"\0" * (101 * 1024 - len(GOOD))  # trailing bytes after the image
    rules = _rules(data)
    assert set(rules) == {"photo_too_large_kb"}
    assert "大于 100 KB" in rules["photo_too_large_kb"]


def test_a_proportional_but_larger_photo_is_only_a_warning() -> None:
    data = _reencode(GOOD, size=(716, 882), quality=60)
    frame = check_photos({f"{ZHANG}张三.jpg": data}, persons=PERSONS, today=TODAY)
    rules = {p["rule"]: p for p in frame["problems"][0]}
    assert set(rules) == {"photo_pixel_size"}
    assert rules["photo_pixel_size"]["level"] == "warn"
    assert "716×882" in rules["photo_pixel_size"]["message"]
    assert "GA/T 461" in rules["photo_pixel_size"]["message"]  # says the limit is not Jinan's
    assert frame["ok"][0] is True


def test_wrong_proportions_and_too_few_pixels_are_rejected() -> None:
    square = _rules(_reencode(GOOD, size=(400, 400), quality=90))
    assert set(square) == {"photo_proportion"}
    assert "宽高比 1.00（400×400 像素）" in square["photo_proportion"]
    tiny = check_photos(
        {f"{ZHANG}张三.jpg": _reencode(GOOD, size=(100, 123))}, persons=PERSONS, today=TODAY
    )
    assert "photo_resolution" in {p["rule"] for p in tiny["problems"][0]}


def test_a_png_renamed_jpg_is_caught_by_its_content() -> None:
    data = _reencode(synthetic_photo(texture=8), "PNG", size=(179, 221))
    rules = _rules(data)
    assert "photo_not_jpeg" in rules
    assert "内容是 PNG 图片，不是 JPG" in rules["photo_not_jpeg"]
    assert "photo_extension" not in rules


def test_a_truncated_file_is_caught() -> None:
    rules = _rules(GOOD[: len(GOOD) // 2])
    assert set(rules) == {"photo_truncated"}
    assert "文件不完整（被截断）" in rules["photo_truncated"]


def test_a_file_that_is_no_image_and_an_empty_file() -> None:
    assert set(_rules(b"PK\x03\x04 not a photo at all" * 1000)) == {"photo_unreadable"}
    empty = _rules(b"")
    assert set(empty) == {"photo_empty"}
    assert empty["photo_empty"] == f"照片「{ZHANG}张三.jpg」是空文件（0 字节）。"


def test_extensions() -> None:
    assert set(_rules(GOOD, f"{ZHANG}张三.png")) == {"photo_extension"}
    assert set(_rules(GOOD, f"{ZHANG}张三.JPG")) == set()
    jpeg = check_photos({f"{ZHANG}张三.jpeg": GOOD}, persons=PERSONS, today=TODAY)
    assert [p["rule"] for p in jpeg["problems"][0]] == ["photo_extension_jpeg"]
    assert jpeg["ok"][0] is True


def test_a_greyscale_jpeg_gets_a_warning() -> None:
    data = _reencode(GOOD, quality=95)
    grey = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("L").save(grey, "JPEG", quality=98)
    facts = inspect(grey.getvalue(), f"{ZHANG}张三.jpg")
    assert [p.rule for p in facts.problems if p.rule == "photo_color_mode"] == ["photo_color_mode"]


# ----------------------------------------------------------------------------- names


def test_file_names() -> None:
    assert set(_rules(GOOD, "张三.jpg")) == {"name_no_id"}
    wrong_check = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    invalid = _rules(GOOD, f"{wrong_check}张三.jpg")
    assert set(invalid) == {"name_id_invalid"}
    assert f"校验位错误，应为 {ZHANG[17]}" in invalid["name_id_invalid"]
    mismatch = _rules(GOOD, f"{ZHANG}李四.jpg")
    assert set(mismatch) == {"name_mismatch"}
    assert "姓名「李四」与该身份证号码登记的姓名「张三」不符" in mismatch["name_mismatch"]
    stranger = make_id("19770707", "888")
    assert set(_rules(GOOD, f"{stranger}王五.jpg")) == {"person_unknown"}


def test_an_id_only_name_or_a_separator_is_a_warning() -> None:
    frame = check_photos(
        {f"{ZHANG}.jpg": GOOD, f"{LI}_李四.jpg": synthetic_photo(seed=3)},
        persons=PERSONS,
        today=TODAY,
    )
    assert frame["ok"].to_list() == [True, True]
    assert [[p["rule"] for p in row] for row in frame["problems"]] == [
        ["name_without_name"],
        ["name_separator"],
    ]
    assert frame["person_id"].to_list() == [ZHANG, LI]


def test_without_persons_only_the_form_of_the_name_is_checked() -> None:
    stranger = make_id("19770707", "888")
    frame = check_photos({f"{stranger}王五.jpg": GOOD}, today=TODAY)
    assert frame["ok"][0] is True


def test_one_photo_for_two_persons_is_a_warning_on_both() -> None:
    frame = check_photos(
        {f"{ZHANG}张三.jpg": GOOD, f"{LI}李四.jpg": GOOD}, persons=PERSONS, today=TODAY
    )
    assert frame["ok"].to_list() == [True, True]
    messages = [p["message"] for row in frame["problems"] for p in row]
    assert messages == [
        f"照片「{ZHANG}张三.jpg」与「{LI}李四.jpg」是同一张照片（内容完全相同），请核对是否本人。",
        f"照片「{LI}李四.jpg」与「{ZHANG}张三.jpg」是同一张照片（内容完全相同），请核对是否本人。",
    ]


def test_two_photos_of_one_person_are_rejected() -> None:
    frame = check_photos(
        {f"{ZHANG}张三.jpg": GOOD, f"新/{ZHANG}张三.jpg": synthetic_photo(seed=5)},
        persons=PERSONS,
        today=TODAY,
    )
    assert frame["ok"].to_list() == [False, False]
    assert all(row[0]["rule"] == "person_duplicate" for row in frame["problems"])


def test_every_bad_photo_gets_its_own_message_and_the_good_one_passes() -> None:
    others = [make_id(f"1980010{i}", "111") for i in range(1, 10)]
    names = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬"]
    persons = pl.DataFrame({"person_id": [ZHANG, *others], "name": ["张三", *names]})
    shared = synthetic_photo(seed=8)
    cases = {
        "good": (f"{ZHANG}张三.jpg", GOOD),
        "photo_background": (
            f"{others[0]}甲.jpg",
            synthetic_photo(background=(190, 220, 190), seed=1),
        ),
        "photo_too_small_kb": (
            f"{others[1]}乙.jpg",
            synthetic_photo(texture=0, quality=40, seed=2),
        ),
        "photo_too_large_kb": (f"{others[2]}丙.jpg", synthetic_photo(seed=3) + b"\0" * 110_000),
        "photo_proportion": (
            f"{others[3]}丁.jpg",
            _reencode(synthetic_photo(seed=4), size=(441, 358)),
        ),
        "photo_not_jpeg": (
            f"{others[4]}戊.jpg",
            _reencode(synthetic_photo(seed=5, texture=8), "PNG", size=(179, 221)),
        ),
        "photo_truncated": (f"{others[5]}己.jpg", synthetic_photo(seed=6)[:9000]),
        "name_mismatch": (f"{others[6]}辛.jpg", synthetic_photo(seed=7)),
        "photo_duplicate": (f"{others[7]}辛.jpg", shared),
        "photo_duplicate ": (f"{others[8]}壬.jpg", shared),
    }
    frame = check_photos(dict(cases.values()), persons=persons, today=TODAY)
    by_file = {row["file"]: row for row in frame.iter_rows(named=True)}
    assert by_file[cases["good"][0]]["ok"] is True
    assert by_file[cases["good"][0]]["problems"] == []
    for rule, (file, _) in cases.items():
        if rule == "good":
            continue
        found = [p for p in by_file[file]["problems"] if p["rule"] == rule.strip()]
        assert found, (rule, by_file[file]["problems"])
        assert found[0]["message"].startswith(f"照片「{file}」"), found[0]["message"]
    texts = problems_text(frame)["message"].to_list()
    assert len(set(texts)) == len(texts)


# ----------------------------------------------------------------------------- sources


def _gbk_zip(path: Path, files: dict[str, bytes]) -> Path:
    """A zip as Chinese Windows writes it: GBK names without the UTF-8 flag, and junk."""
    placeholders = {}
    with zipfile.ZipFile(path, "w") as archive:
        for number, (name, data) in enumerate(files.items()):
            raw = name.encode("gb18030")
            placeholder = f"{number:0{len(raw)}d}".encode()
            placeholders[placeholder] = raw
            archive.writestr(placeholder.decode(), data)
        archive.writestr("__MACOSX/._x.jpg", b"junk")
        archive.writestr("Thumbs.db", b"junk")
    content = path.read_bytes()
    for placeholder, raw in placeholders.items():
        content = content.replace(placeholder, raw)
    path.write_bytes(content)
    return path


def test_a_zip_with_gbk_names_and_junk(tmp_path: Path) -> None:
    path = _gbk_zip(
        tmp_path / "照片.zip", {f"{ZHANG}张三.jpg": GOOD, f"{LI}李四.jpg": synthetic_photo(seed=2)}
    )
    frame = check_photos(path, persons=PERSONS, today=TODAY)
    assert frame["file"].to_list() == [f"{ZHANG}张三.jpg", f"{LI}李四.jpg"]
    assert frame["ok"].all()


def test_a_folder_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / f"{ZHANG}张三.jpg").write_bytes(GOOD)
    (tmp_path / "sub" / f"{LI}李四.jpg").write_bytes(synthetic_photo(seed=4))
    (tmp_path / ".hidden.jpg").write_bytes(b"x")
    assert [name for name, _ in iter_photo_files(tmp_path)] == [
        f"{ZHANG}张三.jpg",
        f"sub/{LI}李四.jpg",
    ]


def test_unusable_sources(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="找不到照片文件夹或压缩包"):
        check_photos(tmp_path / "missing", today=TODAY)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(UnusableInputError, match=r"不是文件夹，也不是 zip 压缩包|已损坏"):
        check_photos(bad, today=TODAY)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnusableInputError, match="中没有照片文件"):
        check_photos(tmp_path / "empty", today=TODAY)


def test_a_process_pool_gives_the_same_result() -> None:
    files = {
        f"{make_id('19900101', f'{i:03d}')}某某.jpg": synthetic_photo(seed=i) for i in range(70)
    }
    files["bad.jpg"] = b"nothing"
    one = check_photos(files, today=TODAY)
    two = check_photos(files, today=TODAY, workers=2)
    assert one.equals(two)
