"""Column mappings (映射文件): how an HR export's headers and values become a batch file's.

A mapping is YAML (or a dict) with up to three sections — 改列名 (``columns``),
改取值 (``values``) and 默认值 (``defaults``); :func:`load_mapping` reads and checks it
into a :class:`ColumnMapping`, which :mod:`sbbatch.io.convert` and the roster apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sbbatch.exceptions import UnusableInputError

__all__ = ["ColumnMapping", "load_mapping"]

_SECTIONS = {"columns": "改列名", "values": "改取值", "defaults": "默认值"}


@dataclass(frozen=True)
class ColumnMapping:
    """How to turn an HR export into a batch file, as read from a mapping file.

    Attributes:
        columns: Source header → new header.
        values: Header (after renaming) → {value as found → new value}.
        defaults: Header (after renaming) → value for its empty cells.
        name: Where the mapping came from, for messages.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    name: str = "映射"


def _mapping_error(name: str, problem: str, hint: str) -> UnusableInputError:
    return UnusableInputError(f"映射文件 {name} 有误：{problem}。提示：{hint}")


def _text(value: Any, name: str, where: str) -> str:
    """A mapping entry as text; anything YAML did not read as text is refused."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, str) or value is None:
        raise _mapping_error(name, f"{where} 是空的", "请填写内容，或删去这一项。")
    raise _mapping_error(
        name,
        f"{where} 的「{value}」没有被读成文本（YAML 会把 01、yes、on、1.50 这类写法读成数字或真假值，前导零等会丢失）",
        f"请给它加引号，例如 '{value}'。",
    )


def _section(raw: Any, key: str, name: str) -> dict[Any, Any]:
    section = raw.get(key)
    if section is None:
        return {}
    if not isinstance(section, dict):
        example = {
            "columns": "columns:\n  证件号: 身份证号码",
            "values": "values:\n  性别: {M: 男, F: 女}",
            "defaults": "defaults:\n  增加原因: 在职人员新参保",
        }[key]
        raise _mapping_error(
            name, f"{key}（{_SECTIONS[key]}）应是「键: 值」的列表", f"请写成\n{example}"
        )
    return section


def load_mapping(mapping: str | Path | Mapping[str, Any]) -> ColumnMapping:
    """Read and check a column mapping: a YAML file, or the same shape as a dict.

    Args:
        mapping: The path of a YAML file, or a dict with the sections ``columns``,
            ``values`` and ``defaults`` (each optional).

    Returns:
        The checked :class:`ColumnMapping`.

    Raises:
        UnusableInputError: The file is missing, is not YAML, or its shape is wrong;
            the Chinese message says where and how to fix it.

    Example:
        >>> m = load_mapping({"columns": {"证件号": "身份证号码"}, "values": {"性别": {"M": "男"}}})
        >>> m.columns, m.values
        ({'证件号': '身份证号码'}, {'性别': {'M': '男'}})
        >>> load_mapping({"values": {"民族": {1: "汉族"}}})
        Traceback (most recent call last):
        ...
        sbbatch.exceptions.UnusableInputError: 映射文件 映射 有误：values → 民族 → 1 的「1」没有被读成文本（YAML 会把 01、yes、on、1.50 这类写法读成数字或真假值，前导零等会丢失）。提示：请给它加引号，例如 '1'。
    """
    if isinstance(mapping, Mapping):
        raw: Any = dict(mapping)
        name = "映射"
    else:
        path = Path(mapping)
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as error:
            msg = f"找不到映射文件 {path}。提示：请检查路径。"
            raise UnusableInputError(msg) from error
        except UnicodeDecodeError as error:
            raise _mapping_error(
                name, "不是 UTF-8 编码的文本", "请用 UTF-8 编码保存该文件。"
            ) from error
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"第 {mark.line + 1} 行附近" if mark is not None else "文件中"
            raise _mapping_error(
                name, f"{where}不是有效的 YAML", "检查缩进（用空格，不用 Tab）和冒号后的空格。"
            ) from error
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _mapping_error(
            name,
            "内容应是「键: 值」的列表，含 columns、values、defaults 中的一节或几节",
            "参照 columns:\\n  证件号: 身份证号码 的写法。",
        )
    unknown = [str(key) for key in raw if key not in _SECTIONS]
    if unknown:
        allowed = "、".join(f"{key}（{label}）" for key, label in _SECTIONS.items())
        raise _mapping_error(name, f"有未知的一节「{'、'.join(unknown)}」", f"只能有 {allowed}。")
    columns: dict[str, str] = {}
    for source, target in _section(raw, "columns", name).items():
        source_text = _text(source, name, f"columns → {source}")
        columns[source_text] = _text(target, name, f"columns → {source}")
    targets = list(columns.values())
    doubled = sorted({t for t in targets if targets.count(t) > 1})
    if doubled:
        raise _mapping_error(
            name,
            f"columns 中有几列都改名为「{'、'.join(doubled)}」",
            "每个新列名只能对应一个原列名。",
        )
    values: dict[str, dict[str, str]] = {}
    for column, recode in _section(raw, "values", name).items():
        column_text = _text(column, name, f"values → {column}")
        if not isinstance(recode, dict):
            raise _mapping_error(
                name,
                f"values → {column_text} 应是「原值: 新值」的列表",
                f"请写成 {column_text}: {{原值: 新值}}。",
            )
        values[column_text] = {
            _text(old, name, f"values → {column_text} → {old}"): _text(
                new, name, f"values → {column_text} → {old}"
            )
            for old, new in recode.items()
        }
    defaults = {
        _text(column, name, f"defaults → {column}"): _text(value, name, f"defaults → {column}")
        for column, value in _section(raw, "defaults", name).items()
    }
    return ColumnMapping(columns=columns, values=values, defaults=defaults, name=name)
