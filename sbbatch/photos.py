"""Card photo checks (社保卡制卡照片检查): every problem the agency would reject, before it does.

A photo is judged on its bytes and its file name, against the city's limits kept as
data in ``schemas/policy/<city>/card_photo.csv`` (:class:`PhotoLimits`):

- the content is a JPEG (a PNG renamed ``.jpg`` is caught) and the file is complete;
- the file size is within 14–100 KB (manual §4.2);
- the background is white: the mean colour of the border strips (top, and the upper
  part of the left and right edges, where no shoulder reaches) and the share of
  near-white pixels there, with the colour found in the message;
- the pixel size and proportions of the card photo standard (358×441; a
  *secondary* figure, so a different size with the right proportions is only a 提示);
- the file name: 身份证号码姓名.jpg as the manual says (身份证号码.jpg is accepted
  with a 提示), a valid ID number, and — given the persons — an ID that belongs to
  them with the name they are registered under;
- two files of the same person (不通过) and one photo used for several persons (提示).

:func:`inspect` judges one file's bytes (content only, no registry): a pure function
of bytes and a name, so :func:`check_photos` can spread files over a process pool.
:func:`check_photos` reads a folder, a zip or a mapping of names to bytes and
returns one row per file: ``file``, ``person_id``, ``ok``, ``problems`` (a list of
``{rule, level, message}``) and what was measured. Every message is Chinese and names
the file.

The content checks of one file (limits, :func:`inspect`, :func:`synthetic_photo`) live
in :mod:`sbbatch._photo_image`; this module reads many files, adds the name and
registry rules, and re-exports every public name.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import IO, Final

import polars as pl

from sbbatch import _progress, ids
from sbbatch._photo_image import (
    _READ_LIMIT_BYTES,
    PHOTO_RULES,
    PROBLEM_DTYPE,
    ZH_HEADERS,
    PhotoFacts,
    PhotoLimits,
    Problem,
    inspect,
    synthetic_photo,
)
from sbbatch._rules import join_message_list
from sbbatch.exceptions import UnusableInputError

__all__ = [
    "PHOTO_RULES",
    "PROBLEM_DTYPE",
    "ZH_HEADERS",
    "PhotoFacts",
    "PhotoLimits",
    "Problem",
    "check_photos",
    "inspect",
    "iter_photo_files",
    "problems_text",
    "synthetic_photo",
]

_JUNK = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
#: The stem of a file name: an ID number first, then an optional separator and name.
_NAME_PATTERN: Final = r"^\s*([0-9０-９]{17}[0-9Xx０-９ｘＸ])([\s_\-－—.·]*)(.*?)\s*$"
_UTF8_FLAG: Final = 0x800


# ---------------------------------------------------------------------------- many files


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name, decoded as GB18030 when the zip did not mark it UTF-8."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _skipped(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    return (
        not base
        or base.lower() in _JUNK
        or base.startswith(".")
        or base.startswith("~$")
        or any(part == "__MACOSX" or part.startswith(".") for part in parts[:-1])
    )


@dataclass(frozen=True)
class _Item:
    """A file to check: its bytes, or where to read them (a path, or a zip and a member)."""

    file: str
    data: bytes | None = None
    path: str | None = None
    member: str | None = None


def _read_limited(handle: IO[bytes]) -> bytes:
    return handle.read(_READ_LIMIT_BYTES + 1)


def _zip_error(path: Path, exc: BaseException) -> UnusableInputError:
    if isinstance(exc, NotImplementedError):
        msg = f"压缩包 {path} 使用了不支持的压缩方式或加密。提示：请用标准 zip 格式、不设密码重新打包。"
    else:
        msg = f"压缩包 {path} 已损坏，无法读取（{exc}）。提示：请重新打包后再试。"
    return UnusableInputError(msg)


def _list_items(source: str | Path | Mapping[str, bytes]) -> list[_Item]:
    """List the files of a source without reading them (a mapping's bytes are kept)."""
    if isinstance(source, Mapping):
        return [_Item(str(name), data=bytes(data)) for name, data in source.items()]
    path = Path(source)
    if path.is_dir():
        return [
            _Item(relative, path=str(item))
            for item in sorted(path.rglob("*"))
            if item.is_file() and not _skipped(relative := item.relative_to(path).as_posix())
        ]
    if not path.exists():
        msg = f"找不到照片文件夹或压缩包：{path}。"
        raise UnusableInputError(msg)
    if not zipfile.is_zipfile(path):
        msg = (
            f"{path} 不是文件夹，也不是 zip 压缩包。提示：请把照片放在一个文件夹里，或打包成 zip。"
        )
        raise UnusableInputError(msg)
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                _Item(name, path=str(path), member=info.filename)
                for info in archive.infolist()
                if not info.is_dir() and not _skipped(name := _zip_name(info))
            ]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise _zip_error(path, exc) from None


def _load_items(items: Sequence[_Item]) -> Iterator[tuple[str, bytes]]:
    """Yield each item's name and bytes, opening each zip once."""
    archives: dict[str, zipfile.ZipFile] = {}
    try:
        for item in items:
            if item.data is not None:
                yield item.file, item.data
            elif item.member is None:
                assert item.path is not None
                with open(item.path, "rb") as handle:
                    yield item.file, _read_limited(handle)
            else:
                assert item.path is not None
                archive = archives.get(item.path)
                if archive is None:
                    archive = archives[item.path] = zipfile.ZipFile(item.path)
                try:
                    with archive.open(item.member) as member:
                        data = _read_limited(member)
                except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
                    raise _zip_error(Path(item.path), exc) from None
                yield item.file, data
    finally:
        for archive in archives.values():
            archive.close()


def iter_photo_files(source: str | Path | Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(file, bytes)`` for every file of a folder (recursively), a zip or a mapping.

    Hidden files, ``Thumbs.db``, ``desktop.ini`` and ``__MACOSX`` are skipped; zip
    member names written by Chinese Windows (GBK, no UTF-8 flag) are decoded.
    ``file`` is the path relative to the folder (``/`` separated) or the member name.

    Raises:
        UnusableInputError: The path does not exist, is not a folder or a zip, or
            the zip is damaged.
    """
    yield from _load_items(_list_items(source))


def _inspect_many(items: Sequence[_Item], limits: PhotoLimits) -> list[PhotoFacts]:
    """Read and judge files one at a time (never all of them in memory)."""
    return [inspect(data, file, limits) for file, data in _load_items(items)]


def _chunks(items: Sequence[_Item], size: int) -> Iterator[Sequence[_Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _facts_frame(facts: Sequence[PhotoFacts]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file": [f.file for f in facts],
            "size_bytes": [f.size_bytes for f in facts],
            "sha256": [f.sha256 for f in facts],
            "format": [f.format for f in facts],
            "width": [f.width for f in facts],
            "height": [f.height for f in facts],
            "border_rgb": [
                None if f.border_rgb is None else ",".join(map(str, f.border_rgb)) for f in facts
            ],
            "white_share": [f.white_share for f in facts],
            "content_problems": [
                [{"rule": p.rule, "level": p.level, "message": p.message} for p in f.problems]
                for f in facts
            ],
        },
        schema={
            "file": pl.String,
            "size_bytes": pl.Int64,
            "sha256": pl.String,
            "format": pl.String,
            "width": pl.Int64,
            "height": pl.Int64,
            "border_rgb": pl.String,
            "white_share": pl.Float64,
            "content_problems": pl.List(PROBLEM_DTYPE),
        },
    )


def _problem_expr(rule: str, failing: pl.Expr, message: pl.Expr) -> pl.Expr:
    """A list of zero or one problem struct per row."""
    struct = pl.struct(
        pl.lit(rule).alias("rule"),
        pl.lit(PHOTO_RULES[rule][0]).alias("level"),
        message.alias("message"),
    )
    return (
        pl.when(failing.fill_null(False))
        .then(pl.concat_list(struct))
        .otherwise(pl.lit([], dtype=pl.List(PROBLEM_DTYPE)))
    )


def _name_problems(
    frame: pl.DataFrame, persons: pl.DataFrame | None, today: date, scope: str
) -> pl.DataFrame:
    """Add ``person_id``, ``name_in_file`` and the file-name problems of every file."""
    where = pl.concat_str(pl.lit("照片「"), pl.col("file"), pl.lit("」"))
    stem = pl.col("file").str.replace(r"^.*[/\\]", "").str.replace(r"\.[^.]*$", "")
    parsed = frame.with_columns(
        stem.str.extract_groups(_NAME_PATTERN).alias("_parts")
    ).with_columns(
        pl.col("_parts").struct.field("1").alias("_raw_id"),
        pl.col("_parts").struct.field("2").alias("_separator"),
        pl.col("_parts").struct.field("3").str.strip_chars().alias("name_in_file"),
    )
    parsed = parsed.with_columns(ids.normalise(pl.col("_raw_id")).alias("person_id")).with_columns(
        ids.failure_reason(pl.col("person_id"), today).alias("_reason"),
        ids.expected_check_char(pl.col("person_id")).alias("_expected"),
    )
    reason_text = pl.col("_reason").replace_strict(
        {code: message for code, message in ids.MESSAGES_ZH.items() if code != "checksum"},
        default=pl.concat_str(pl.lit("校验位错误，应为 "), pl.col("_expected")),
        return_dtype=pl.String,
    )
    has_id = pl.col("_raw_id").is_not_null()
    valid = has_id & pl.col("_reason").is_null()
    named = pl.col("name_in_file").fill_null("") != ""
    checks = [
        _problem_expr(
            "name_no_id",
            ~has_id,
            where
            + pl.lit("的文件名应为“身份证号码姓名.jpg”（手册 §4.2），从中找不到 18 位身份证号码。"),
        ),
        _problem_expr(
            "name_id_invalid",
            has_id & ~valid,
            where
            + pl.lit("文件名中的身份证号码")
            + reason_text
            + pl.lit("。提示：请按本人身份证号码重命名。"),
        ),
        _problem_expr(
            "name_without_name",
            valid & ~named,
            where
            + pl.lit(
                "的文件名只有身份证号码；手册的命名规则为“身份证号码姓名.jpg”。"
                "提示：sbbatch 已按身份证号码匹配，上传经办系统前请在号码后加上姓名。"
            ),
        ),
        _problem_expr(
            "name_separator",
            valid & named & (pl.col("_separator").fill_null("") != ""),
            where
            + pl.lit("的文件名在身份证号码和姓名之间有「")
            + pl.col("_separator")
            + pl.lit("」；手册的命名规则为“身份证号码姓名”，两者直接相连。"),
        ),
    ]
    if persons is not None:
        registry = persons.select(
            pl.col("person_id").cast(pl.String),
            pl.col("name").cast(pl.String).alias("_registered_name"),
            pl.lit(True).alias("_known"),
        ).unique("person_id", keep="first")
        parsed = parsed.join(registry, on="person_id", how="left")
        known = pl.col("_known").fill_null(False)
        checks += [
            _problem_expr(
                "person_unknown",
                valid & ~known,
                where
                + pl.lit(
                    f"文件名中的身份证号码不在{scope}中。提示：请核对号码，或先把此人加入名单。"
                ),
            ),
            _problem_expr(
                "name_mismatch",
                valid & known & named & (pl.col("name_in_file") != pl.col("_registered_name")),
                where
                + pl.lit("文件名中的姓名「")
                + pl.col("name_in_file")
                + pl.lit("」与该身份证号码登记的姓名「")
                + pl.col("_registered_name")
                + pl.lit("」不符。提示：请核对照片是否本人，并按“身份证号码姓名.jpg”重命名。"),
            ),
        ]
    return parsed.with_columns(pl.concat_list(checks).alias("name_problems")).with_columns(
        pl.when(valid).then(pl.col("person_id")).alias("person_id")
    )


def _duplicate_problems(frame: pl.DataFrame) -> pl.DataFrame:
    """Problems of files sharing a person (不通过) or sharing the same content (提示)."""
    where = pl.concat_str(pl.lit("照片「"), pl.col("file"), pl.lit("」"))
    with_groups = frame.with_columns(
        pl.col("file").implode().over("person_id").alias("_same_person"),
        pl.col("person_id").n_unique().over("sha256").alias("_persons_same_photo"),
        pl.col("file").implode().over("sha256").alias("_same_photo"),
    )
    others_person = pl.col("_same_person").list.set_difference(pl.concat_list(pl.col("file")))
    others_photo = pl.col("_same_photo").list.set_difference(pl.concat_list(pl.col("file")))
    person_dup = _problem_expr(
        "person_duplicate",
        pl.col("person_id").is_not_null() & (others_person.list.len() > 0),
        where
        + pl.lit("与「")
        + others_person.list.sort().list.join("」「")
        + pl.lit("」是同一人的照片，每人只能有一张。提示：请删去多余的照片。"),
    )
    photo_dup = _problem_expr(
        "photo_duplicate",
        pl.col("sha256").is_not_null()
        & (pl.col("format").is_not_null())
        & (others_photo.list.len() > 0)
        & (pl.col("_persons_same_photo") > 1),
        where
        + pl.lit("与「")
        + others_photo.list.sort().list.join("」「")
        + pl.lit("」是同一张照片（内容完全相同），请核对是否本人。"),
    )
    return with_groups.with_columns(pl.concat_list(person_dup, photo_dup).alias("dup_problems"))


@_progress.task("正在检查照片")
def check_photos(
    source: str | Path | Mapping[str, bytes] | Iterable[tuple[str, bytes]],
    *,
    persons: pl.DataFrame | None = None,
    today: date | None = None,
    limits: PhotoLimits | None = None,
    workers: int = 1,
    scope: str = "名单",
) -> pl.DataFrame:
    """Check every photo of a folder, a zip or a mapping; one row per file.

    Args:
        source: A folder (searched recursively), a zip file, a mapping of file
            names to bytes, or ``(file, bytes)`` pairs.
        persons: The persons the photos are for (``person_id``, ``name``): the ID
            in a file name must be one of them, with the same name. Without it only
            the form of the name is checked.
        today: The agency's date (an ID's birth date may not be later).
        limits: The city's photo limits; Jinan's by default.
        workers: Processes to use; ``1`` checks in this process. The check of a
            file is pure, so files are simply split between the processes.
        scope: How messages name ``persons`` (``本单位人员``, ``本次申领名单`` …).

    Returns:
        Columns ``file``, ``person_id`` (from the file name, null if none valid),
        ``name_in_file``, ``ok`` (no 不通过 problem), ``problems`` (list of
        ``{rule, level, message}``, 不通过 first), ``sha256``, ``size_bytes``,
        ``format``, ``width``, ``height``, ``border_rgb``, ``white_share``; in file
        order.

    Raises:
        UnusableInputError: The source cannot be read, or holds no file.

    Examples:
        >>> good = synthetic_photo()
        >>> frame = check_photos({"370102199001011231张三.jpg": good, "照片.jpg": good},
        ...                      today=date(2026, 11, 26))
        >>> frame.select("file", "person_id", "ok").rows()
        [('370102199001011231张三.jpg', '370102199001011231', True), ('照片.jpg', None, False)]
        >>> frame["problems"][1][0]["message"]
        '照片「照片.jpg」的文件名应为“身份证号码姓名.jpg”（手册 §4.2），从中找不到 18 位身份证号码。'
    """
    limits = limits or PhotoLimits.load()
    today = today or date.today()
    if isinstance(source, str | Path | Mapping):
        items = _list_items(source)
    else:
        items = [_Item(str(name), data=bytes(data)) for name, data in source]
    if not items:
        where = f"{source} " if isinstance(source, str | Path) else ""
        msg = f"{where}中没有照片文件。提示：请把 身份证号码姓名.jpg 形式的照片放进去。"
        raise UnusableInputError(msg)
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers == 1 or len(items) < 64:
        facts = _inspect_many(items, limits)
    else:
        size = max(16, math.ceil(len(items) / (workers * 8)))
        # Workers read the files themselves (only names travel between processes).
        # spawn, not fork: forking a process that runs polars' thread pool can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            facts = [
                fact
                for chunk in pool.map(_inspect_many, _chunks(items, size), repeat(limits))
                for fact in chunk
            ]
    frame = _facts_frame(facts)
    frame = _name_problems(frame, persons, today, scope)
    frame = _duplicate_problems(frame)
    all_problems = pl.concat_list("content_problems", "name_problems", "dup_problems")
    ordered = all_problems.list.eval(
        pl.element().sort_by(pl.element().struct.field("level") != "reject", maintain_order=True)
    )
    return frame.with_columns(ordered.alias("problems")).select(
        "file",
        "person_id",
        pl.col("name_in_file").replace("", None),
        (
            pl.col("problems")
            .list.eval(pl.element().struct.field("level") == "reject")
            .list.any()
            .not_()
        ).alias("ok"),
        "problems",
        "sha256",
        "size_bytes",
        "format",
        "width",
        "height",
        "border_rgb",
        "white_share",
    )


def problems_text(frame: pl.DataFrame, *, warnings_too: bool = True) -> pl.DataFrame:
    """Return ``frame`` with each row's problem messages joined by ``；`` as ``message``.

    A 提示 (warning) is marked ``提示：``; ``warnings_too=False`` keeps only the 不通过.

    Examples:
        >>> problems_text(check_photos({"x.png": b""}, today=date(2026, 11, 26)))["message"][0]
        '照片「x.png」扩展名为 .png，应为 .jpg（手册：文件格式必须为 jpg）；照片「x.png」是空文件（0 字节）；照片「x.png」的文件名应为“身份证号码姓名.jpg”（手册 §4.2），从中找不到 18 位身份证号码。'
    """
    kept = (
        pl.col("problems")
        if warnings_too
        else pl.col("problems").list.filter(pl.element().struct.field("level") == "reject")
    )
    shown = (
        pl.when(pl.element().struct.field("level") == "warn")
        .then(pl.lit("提示：") + pl.element().struct.field("message"))
        .otherwise(pl.element().struct.field("message"))
    )
    return frame.with_columns(join_message_list(kept.list.eval(shown)).alias("message"))
