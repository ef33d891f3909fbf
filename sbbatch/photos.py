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
"""

from __future__ import annotations

import hashlib
import io
import math
import multiprocessing
import os
import random
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import IO, Final

import polars as pl
from PIL import Image, ImageChops, UnidentifiedImageError

from sbbatch import ids
from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch._rules import join_message_list
from sbbatch.exceptions import PolicyError, UnusableInputError

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

#: Every rule of the photo check: id → (level, what it checks).
PHOTO_RULES: Final[dict[str, tuple[str, str]]] = {
    "photo_empty": ("reject", "文件为空"),
    "photo_unreadable": ("reject", "不是图片或已损坏"),
    "photo_truncated": ("reject", "文件不完整（被截断）"),
    "photo_not_jpeg": ("reject", "文件内容不是 JPG"),
    "photo_extension": ("reject", "扩展名不是 .jpg"),
    "photo_extension_jpeg": ("warn", "扩展名为 .jpeg"),
    "photo_too_small_kb": ("reject", "文件小于下限"),
    "photo_too_large_kb": ("reject", "文件大于上限"),
    "photo_resolution": ("reject", "像素太少"),
    "photo_proportion": ("reject", "宽高比不符"),
    "photo_pixel_size": ("warn", "像素尺寸不是标准尺寸"),
    "photo_color_mode": ("warn", "不是 RGB 彩色"),
    "photo_background": ("reject", "背景不是白色"),
    "photo_background_uneven": ("reject", "背景不纯白"),
    "name_no_id": ("reject", "文件名中没有身份证号码"),
    "name_id_invalid": ("reject", "文件名中的身份证号码无效"),
    "name_without_name": ("warn", "文件名只有身份证号码"),
    "name_separator": ("warn", "身份证号码与姓名之间有分隔符"),
    "person_unknown": ("reject", "身份证号码不在名单中"),
    "name_mismatch": ("reject", "姓名与登记不符"),
    "person_duplicate": ("reject", "同一人有多张照片"),
    "photo_duplicate": ("warn", "多人使用同一张照片"),
}

#: The dtype of one problem: rule id, level (``reject``/``warn``) and Chinese message.
PROBLEM_DTYPE: Final = pl.Struct({"rule": pl.String, "level": pl.String, "message": pl.String})

#: Chinese headers of the check frame, for :func:`sbbatch.display.zh`.
ZH_HEADERS: Final[dict[str, str]] = {
    "file": "文件",
    "ok": "检查结果",
    "problems": "问题",
    "name_in_file": "文件名中的姓名",
    "sha256": "照片指纹",
    "size_bytes": "文件大小（字节）",
    "format": "文件格式",
    "width": "宽（像素）",
    "height": "高（像素）",
    "border_rgb": "边缘平均 RGB",
    "white_share": "边缘白色像素占比",
}

_JUNK = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
#: Files larger than this are not decoded (a photo is at most some hundred KB).
_READ_LIMIT_BYTES: Final = 32 * 1024 * 1024
#: The stem of a file name: an ID number first, then an optional separator and name.
_NAME_PATTERN: Final = r"^\s*([0-9０-９]{17}[0-9Xx０-９ｘＸ])([\s_\-－—.·]*)(.*?)\s*$"
_UTF8_FLAG: Final = 0x800


# ---------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class PhotoLimits:
    """The photo limits of a city, from ``schemas/policy/<city>/card_photo.csv``.

    Every figure keeps its provenance in :attr:`status` (``verified`` from the
    manual, ``secondary`` from the national standard, ``inference`` for sbbatch's
    tolerances); messages built on a non-verified limit say so.

    Examples:
        >>> limits = PhotoLimits.load()
        >>> limits.min_bytes, limits.max_bytes, (limits.width_px, limits.height_px)
        (14336, 102400, (358, 441))
        >>> limits.status["min_kb"], limits.status["width_px"], limits.status["white_channel_min"]
        ('verified', 'secondary', 'inference')
    """

    city: str
    format: str
    extension: str
    min_kb: int
    max_kb: int
    kb_bytes: int
    width_px: int
    height_px: int
    size_tolerance_px: int
    aspect_tolerance: float
    min_width_px: int
    min_height_px: int
    color_mode: str
    border_fraction: float
    border_side_height: float
    white_channel_min: int
    white_pixel_min: int
    white_share_min: float
    status: Mapping[str, str]

    @property
    def min_bytes(self) -> int:
        """The smallest file size accepted, in bytes."""
        return self.min_kb * self.kb_bytes

    @property
    def max_bytes(self) -> int:
        """The largest file size accepted, in bytes."""
        return self.max_kb * self.kb_bytes

    @property
    def aspect(self) -> float:
        """The standard width/height ratio (358/441 ≈ 0.812)."""
        return self.width_px / self.height_px

    @classmethod
    def load(cls, city: str = "jinan") -> PhotoLimits:
        """Return the limits of ``city`` (cached)."""
        return _load_limits(city)

    def table(self) -> pl.DataFrame:
        """Return the limits as the CSV holds them: parameter, value, source, status, note."""
        frame, _ = read_commented_csv(_limits_path(self.city))
        return frame


def _limits_path(city: str) -> Path:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", city):
        msg = f"城市名 {city!r} 无效。提示：使用 schemas/policy/ 下的目录名，如 jinan。"
        raise PolicyError(msg)
    return schemas_dir() / "policy" / city / "card_photo.csv"


@cache
def _load_limits(city: str) -> PhotoLimits:
    path = _limits_path(city)
    if not path.is_file():
        msg = f"没有城市 {city} 的制卡照片标准（缺少 schemas/policy/{city}/card_photo.csv）。"
        raise PolicyError(msg)
    frame, _ = read_commented_csv(path)
    values = dict(zip(frame["parameter"].to_list(), frame["value"].to_list(), strict=True))
    status = dict(zip(frame["parameter"].to_list(), frame["status"].to_list(), strict=True))
    kwargs: dict[str, object] = {"city": city, "status": status}
    for item in fields(cls := PhotoLimits):
        if item.name in ("city", "status"):
            continue
        text = values.get(item.name)
        if text is None:
            msg = f"{path.name} 缺少参数 {item.name}。"
            raise PolicyError(msg)
        try:
            kwargs[item.name] = {"int": int, "float": float}.get(str(item.type), str)(text)
        except ValueError:
            msg = f"{path.name} 中参数 {item.name} 的值「{text}」无效。"
            raise PolicyError(msg) from None
    return cls(**kwargs)  # type: ignore[arg-type]


def _basis(limits: PhotoLimits, *parameters: str) -> str:
    """A note for messages built on limits that are not from the manual."""
    statuses = {limits.status.get(p, "inference") for p in parameters}
    if statuses >= {"inference", "secondary"}:
        return "（标准尺寸取自身份证照片标准 GA/T 461，容差为 sbbatch 的估计，济南手册均未规定）"
    if "inference" in statuses:
        return "（此限值为 sbbatch 的估计，济南手册未规定）"
    if "secondary" in statuses:
        return "（此限值取自身份证照片标准 GA/T 461，济南手册未规定）"
    return ""


# ---------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Problem:
    """One problem of a photo: rule id, level (``reject`` 不通过 / ``warn`` 提示), message."""

    rule: str
    level: str
    message: str


@dataclass(frozen=True)
class PhotoFacts:
    """What :func:`inspect` found in one file: measurements and content problems."""

    file: str
    size_bytes: int
    sha256: str
    format: str | None
    width: int | None
    height: int | None
    mode: str | None
    border_rgb: tuple[int, int, int] | None
    white_share: float | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether no problem rejects the photo (提示 only, or none)."""
        return not any(p.level == "reject" for p in self.problems)


def _problem(rule: str, message: str) -> Problem:
    return Problem(rule, PHOTO_RULES[rule][0], message)


def _kb(size: int, limits: PhotoLimits, rounding: str) -> str:
    value = size / limits.kb_bytes * 10
    shown = math.floor(value) if rounding == "down" else math.ceil(value)
    return f"{shown / 10:.1f}"


def _suffix(file: str) -> str:
    return Path(file.replace("\\", "/")).suffix.lower()


def _border_measure(image: Image.Image, limits: PhotoLimits) -> tuple[tuple[int, int, int], float]:
    """Mean RGB of the border strips and the share of near-white pixels in them."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    strip_w = max(1, round(width * limits.border_fraction))
    strip_h = max(1, round(height * limits.border_fraction))
    side_bottom = max(strip_h + 1, round(height * limits.border_side_height))
    boxes = [
        (0, 0, width, strip_h),  # top
        (0, strip_h, strip_w, side_bottom),  # left, upper part
        (width - strip_w, strip_h, width, side_bottom),  # right, upper part
    ]
    sums = [0.0, 0.0, 0.0]
    count = 0
    white = 0
    for box in boxes:
        crop = rgb.crop(box)
        pixels = crop.size[0] * crop.size[1]
        if pixels == 0:
            continue
        # a box filter down to one pixel is the crop's mean colour, computed in C
        mean_pixel = crop.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        assert isinstance(mean_pixel, tuple)
        for channel in range(3):
            sums[channel] += float(mean_pixel[channel]) * pixels
        count += pixels
        red, green, blue = crop.split()
        darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
        histogram = darkest.histogram()
        white += sum(histogram[limits.white_pixel_min :])
    if count == 0:
        return (0, 0, 0), 0.0
    mean = (round(sums[0] / count), round(sums[1] / count), round(sums[2] / count))
    return mean, white / count


def inspect(data: bytes, file: str, limits: PhotoLimits | None = None) -> PhotoFacts:
    """Judge one photo's bytes: format, completeness, file size, pixels, background.

    The file name is used for messages and the extension only; the name rules that
    need the registry are in :func:`check_photos`. Never raises for a bad file:
    every problem is a :class:`Problem` naming the file.

    Args:
        data: The file's content.
        file: The file name as the user sees it (folder-relative path or zip member).
        limits: The city's limits; Jinan's by default.

    Examples:
        >>> facts = inspect(synthetic_photo(), "370102199001011231张三.jpg")
        >>> facts.ok, facts.format, (facts.width, facts.height), facts.problems
        (True, 'JPEG', (358, 441), ())
        >>> [p.message for p in inspect(b"", "a.jpg").problems]
        ['照片「a.jpg」是空文件（0 字节）。']
    """
    limits = limits or PhotoLimits.load()
    size = len(data)
    digest = hashlib.sha256(data).hexdigest()
    where = f"照片「{file}」"
    problems: list[Problem] = []
    suffix = _suffix(file)
    if suffix == ".jpeg":
        problems.append(
            _problem(
                "photo_extension_jpeg",
                f"{where}扩展名为 .jpeg，手册要求 jpg 格式。提示：上传前请把扩展名改为 .jpg。",
            )
        )
    elif suffix != f".{limits.extension}":
        shown = suffix or "（无扩展名）"
        problems.append(
            _problem(
                "photo_extension",
                f"{where}扩展名为 {shown}，应为 .{limits.extension}（手册：文件格式必须为 jpg）。",
            )
        )
    if size == 0:
        problems.append(_problem("photo_empty", f"{where}是空文件（0 字节）。"))
        return PhotoFacts(file, 0, digest, None, None, None, None, None, None, tuple(problems))
    if size < limits.min_bytes:
        problems.append(
            _problem(
                "photo_too_small_kb",
                f"{where}文件大小 {_kb(size, limits, 'down')} KB，小于 {limits.min_kb} KB"
                f"（手册：不得低于 {limits.min_kb}k）。提示：请用较高的质量重新保存 JPG。",
            )
        )
    elif size > limits.max_bytes:
        problems.append(
            _problem(
                "photo_too_large_kb",
                f"{where}文件大小 {_kb(size, limits, 'up')} KB，大于 {limits.max_kb} KB"
                f"（手册：不得大于 {limits.max_kb}k）。提示：请降低 JPG 质量或按 "
                f"{limits.width_px}×{limits.height_px} 像素重新保存。",
            )
        )
    if size > _READ_LIMIT_BYTES:
        problems.append(
            _problem(
                "photo_unreadable", f"{where}文件过大（{size // 1024 // 1024} MB），不是制卡照片。"
            )
        )
        return PhotoFacts(file, size, digest, None, None, None, None, None, None, tuple(problems))
    fmt: str | None = None
    width = height = None
    mode: str | None = None
    border: tuple[int, int, int] | None = None
    share: float | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            width, height = image.size
            mode = image.mode
            if fmt in _JPEG_FORMATS:
                # decode at 1/8 scale (DCT scaling): enough for the border, and ~2.5× faster
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        if fmt is None:
            problems.append(
                _problem(
                    "photo_unreadable",
                    f"{where}不是图片文件，或已损坏，无法读取。提示：请重新导出 JPG 照片。",
                )
            )
        else:
            problems.append(
                _problem("photo_unreadable", f"{where}像素过多（{width}×{height}），不是制卡照片。")
            )
        return PhotoFacts(file, size, digest, fmt, width, height, mode, None, None, tuple(problems))
    except (OSError, SyntaxError, ValueError) as exc:
        truncated = "truncated" in str(exc)
        problems.append(
            _problem(
                "photo_truncated" if truncated else "photo_unreadable",
                f"{where}文件不完整（被截断），无法完整读取。提示：请重新复制或导出该照片。"
                if truncated
                else f"{where}已损坏，无法读取（{exc}）。提示：请重新导出 JPG 照片。",
            )
        )
        return PhotoFacts(file, size, digest, fmt, width, height, mode, None, None, tuple(problems))
    if fmt not in _JPEG_FORMATS:
        problems.append(
            _problem(
                "photo_not_jpeg",
                f"{where}的内容是 {fmt} 图片，不是 JPG（扩展名为 {suffix or '无'}）。"
                "提示：请用图片工具“另存为”JPG，不要只改扩展名。",
            )
        )
    assert width is not None and height is not None
    problems.extend(_pixel_problems(where, width, height, limits))
    if mode != limits.color_mode:
        what = {"L": "灰度图", "CMYK": "CMYK 印刷色", "1": "黑白图", "P": "调色板图"}.get(
            mode or "", mode
        )
        problems.append(
            _problem(
                "photo_color_mode",
                f"{where}颜色模式为{what}，制卡照片应为 24 位 RGB 彩色"
                f"{_basis(limits, 'color_mode')}。",
            )
        )
    border, share = _border_measure(image, limits)
    problems.extend(_background_problems(where, border, share, limits))
    return PhotoFacts(file, size, digest, fmt, width, height, mode, border, share, tuple(problems))


def _pixel_problems(where: str, width: int, height: int, limits: PhotoLimits) -> list[Problem]:
    standard = f"{limits.width_px}×{limits.height_px}"
    ratio = width / height if height else 0.0
    if width < limits.min_width_px or height < limits.min_height_px:
        return [
            _problem(
                "photo_resolution",
                f"{where}只有 {width}×{height} 像素，少于 {limits.min_width_px}×{limits.min_height_px}，"
                f"制卡会模糊。提示：请按 {standard} 像素提供照片"
                f"{_basis(limits, 'min_width_px', 'min_height_px')}。",
            )
        ]
    if abs(ratio / limits.aspect - 1) > limits.aspect_tolerance:
        return [
            _problem(
                "photo_proportion",
                f"{where}宽高比 {ratio:.2f}（{width}×{height} 像素），制卡照片标准为 {standard}"
                f"（{limits.aspect:.2f}），制卡时会被裁切或变形。提示：请按 {standard} 像素裁剪"
                f"{_basis(limits, 'width_px', 'aspect_tolerance')}。",
            )
        ]
    tolerance = limits.size_tolerance_px
    if abs(width - limits.width_px) > tolerance or abs(height - limits.height_px) > tolerance:
        return [
            _problem(
                "photo_pixel_size",
                f"{where}为 {width}×{height} 像素，制卡照片标准为 {standard}，宽高比相符，"
                f"经办机构可能会缩放{_basis(limits, 'width_px', 'height_px')}。",
            )
        ]
    return []


def _background_problems(
    where: str, border: tuple[int, int, int], share: float, limits: PhotoLimits
) -> list[Problem]:
    rgb = ",".join(str(v) for v in border)
    if min(border) < limits.white_channel_min:
        return [
            _problem(
                "photo_background",
                f"{where}背景不是白色（边缘平均 RGB {rgb}，白色为 255,255,255，"
                f"每个通道应不低于 {limits.white_channel_min}）。提示：请换白色背景重新拍摄"
                f"（手册：照片底色必须是白色）。",
            )
        ]
    if share < limits.white_share_min:
        return [
            _problem(
                "photo_background_uneven",
                f"{where}背景不纯白：边缘只有 {share:.0%} 的像素接近白色"
                f"（应不少于 {limits.white_share_min:.0%}；边缘平均 RGB {rgb}），"
                f"可能有阴影、边框或杂物{_basis(limits, 'white_share_min')}。",
            )
        ]
    return []


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


# ---------------------------------------------------------------------------- samples


def synthetic_photo(
    *,
    background: tuple[int, int, int] = (255, 255, 255),
    size: tuple[int, int] = (358, 441),
    quality: int = 90,
    texture: int = 40,
    seed: int = 0,
    format: str = "JPEG",
) -> bytes:
    """Return a synthetic card photo: a light face-like ellipse with hair and shoulders.

    For tests and the demo, never for a real application. With the defaults it is a
    358×441 JPEG of about 30–40 KB on white; ``texture`` (noise on the person, not on
    the background) and ``quality`` move the file size; ``seed`` varies the person a
    little, so photos of different persons differ in content. The same arguments give
    the same bytes.

    Examples:
        >>> data = synthetic_photo()
        >>> data[:3] == b"\\xff\\xd8\\xff", 14 * 1024 <= len(data) <= 100 * 1024
        (True, True)
    """
    from PIL import ImageDraw

    width, height = size
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    shift = (seed * 7919) % 21 - 10  # the person sits a little left or right
    tone = (seed * 104729) % 30
    shoulders = (
        int(width * 0.05) + shift,
        int(height * 0.72),
        int(width * 0.95) + shift,
        int(height * 1.4),
    )
    head = (
        int(width * 0.21) + shift,
        int(height * 0.12),
        int(width * 0.79) + shift,
        int(height * 0.66),
    )
    draw.ellipse(shoulders, fill=(40 + tone, 50, 70 + tone))
    draw.rectangle(
        (
            int(width * 0.42) + shift,
            int(height * 0.55),
            int(width * 0.58) + shift,
            int(height * 0.78),
        ),
        fill=(225, 190 - tone // 2, 165),
    )
    draw.ellipse(head, fill=(235, 200 - tone // 2, 175 - tone // 3))
    draw.chord(
        (head[0] - 2, int(height * 0.08), head[2] + 2, int(height * 0.5)),
        180,
        360,
        fill=(30, 25, 20),
    )
    if texture > 0:
        rng = random.Random(seed)
        spread = texture * 3 // 2
        noise = (
            Image.frombytes("L", size, rng.randbytes(width * height))
            .point(lambda v: 128 + (v - 128) * spread // 128)
            .convert("RGB")
        )
        mask = Image.new("L", size, 0)
        mask_draw = ImageDraw.Draw(mask)
        mask_draw.ellipse((head[0], int(height * 0.08), head[2], head[3]), fill=90)
        mask_draw.ellipse(shoulders, fill=90)
        image = Image.composite(ImageChops.add(image, noise, 1, -128), image, mask)
    buffer = io.BytesIO()
    if format == "JPEG":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, format)
    return buffer.getvalue()
