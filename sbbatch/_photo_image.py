"""One card photo's bytes judged (制卡照片内容检查): the limits, the measurements, the problems.

The content half of :mod:`sbbatch.photos` (which re-exports every public name here):
:class:`PhotoLimits` from ``schemas/policy/<city>/card_photo.csv``, :func:`inspect` on
one file's bytes, and :func:`synthetic_photo` for tests and the demo.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl
from PIL import Image, ImageChops, UnidentifiedImageError

from sbbatch._csv import read_commented_csv
from sbbatch._resources import schemas_dir
from sbbatch.exceptions import PolicyError

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

_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
#: Files larger than this are not decoded (a photo is at most some hundred KB).
_READ_LIMIT_BYTES: Final = 32 * 1024 * 1024


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
