"""Command modules of the ``sbbatch`` CLI; each has ``register(commands)``.

This module is the parser's framing, all in Chinese and all in one place: the help
layout (用法：, 选项, 位置参数), the ``-h`` help line, and argparse's usage errors
translated (required arguments, invalid choices, unrecognized arguments …). It also
adds the options every command shares — ``--db``, ``--format``, ``--unmask`` — to
every subcommand, so that they may be written before or after the command's name.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

__all__ = ["Parser", "UsageError", "add_shared_options", "translate", "wants_json"]

#: argparse's English usage errors (Python 3.11–3.13) and their Chinese wording.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"^the following arguments are required: (.+)$", r"缺少必需的参数：\1。"),
        (r"^unrecognized arguments?: (.+)$", r"无法识别的参数：\1。"),
        (r"^expected one argument$", r"需要一个值。"),
        (r"^expected at most one argument$", r"最多只能给一个值。"),
        (r"^expected at least one argument$", r"至少需要一个值。"),
        (r"^expected (\d+) arguments?$", r"需要 \1 个值。"),
        (r"^invalid int value: '?([^']*)'?$", r"「\1」不是整数。"),
        (r"^invalid float value: '?([^']*)'?$", r"「\1」不是数字。"),
        (r"^invalid (\w+) value: '?([^']*)'?$", r"「\2」不是有效的值。"),
        (r"^ambiguous option: (\S+) could match (.+)$", r"选项 \1 不明确，可能是：\2。"),
        (r"^not allowed with argument (.+)$", r"不能与 \1 同时使用。"),
        (r"^one of the arguments (.+) is required$", r"必须给出 \1 之一。"),
        (r"^ignored explicit argument '?([^']*)'?$", r"多余的值「\1」。"),
    )
)
_CHOICE = re.compile(r"^invalid choice: '?([^']*?)'? \(choose from (.+)\)$")
_ARGUMENT = re.compile(r"^argument ([^:]+): (.*)$", re.DOTALL)


def translate(message: str) -> str:
    """Return argparse's English usage error in Chinese (an unknown one is kept as it is).

    Examples:
        >>> translate("the following arguments are required: file")
        '缺少必需的参数：file。'
        >>> translate("argument 命令: invalid choice: 'chek' (choose from 'check', 'declare')")
        '命令：无效的选择「chek」，可选：check、declare。'
        >>> translate("unrecognized arguments: --frmat json")
        '无法识别的参数：--frmat json。'
    """
    prefix = ""
    found = _ARGUMENT.match(message)
    if found:
        prefix, message = f"{found.group(1)}：", found.group(2)
    choice = _CHOICE.match(message)
    if choice:
        options = "、".join(re.findall(r"'([^']*)'", choice.group(2))) or choice.group(2)
        return f"{prefix}无效的选择「{choice.group(1)}」，可选：{options}。"
    for pattern, text in _MESSAGES:
        if pattern.match(message):
            return prefix + pattern.sub(text, message)
    return prefix + message


class UsageError(SystemExit):
    """A usage error: the parser that found it and the Chinese message; exit code 2.

    :func:`sbbatch.cli.main` prints it (a line on stderr, or JSON under ``--format json``);
    anyone else calling :meth:`Parser.parse_args` gets a :class:`SystemExit` of code 2.
    """

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(2)
        self.parser = parser
        self.message = message


#: Placeholders shown in help for the values of arguments (``--unit 单位编号``).
METAVARS: dict[str, str] = {
    "unit": "单位编号",
    "today": "日期",
    "month": "年月",
    "month_from": "年月",
    "month_to": "年月",
    "output": "文件",
    "out": "目录",
    "file": "文件",
    "report": "文件",
    "result": "文件",
    "pdf": "文件",
    "agency": "文件",
    "payroll": "文件",
    "map": "映射文件",
    "src": "源文件",
    "dst": "目标文件",
    "source": "文件夹或zip",
    "workspace": "工作区文件",
    "kind": "业务",
    "id": "编号",
    "declaration": "申报编号",
    "bill": "单据号",
    "sheet": "工作表",
    "encoding": "编码",
    "limit": "条数",
    "seed": "种子",
    "workers": "进程数",
    "persons": "人数",
    "units": "单位数",
    "person": "社会保障号码",
    "person_name": "姓名",
    "name": "名称",
    "status": "状态",
    "insurance": "险种代码",
    "city": "城市",
    "table": "参数表",
}


class Formatter(argparse.HelpFormatter):
    """The help layout with a Chinese usage prefix and Chinese section colons."""

    def format_help(self) -> str:
        return re.sub(r"^(\S[^\n]*?):$", r"\1：", super().format_help(), flags=re.MULTILINE)

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    _SubParsers = argparse._SubParsersAction


class SubCommands(_SubParsers):
    """Subcommands built as :class:`Parser` with the shared options of every command."""

    def add_parser(self, name: str, **kwargs: Any) -> Parser:
        kwargs.setdefault("conflict_handler", "resolve")  # a command may redefine --format
        parser = super().add_parser(name, **kwargs)
        assert isinstance(parser, Parser)
        add_shared_options(parser, top=False)
        return parser


class Parser(argparse.ArgumentParser):
    """An argument parser whose help and usage errors are Chinese; errors exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.register("action", "parsers", SubCommands)
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出"
            )

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.nargs != 0 and action.choices is None:
            action.metavar = METAVARS.get(action.dest, "值")
        return action

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", Parser)
        kwargs.setdefault("metavar", "命令")
        kwargs.setdefault("title", "命令")
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, translate(message))


def add_shared_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Add ``--db``, ``--format``, ``--unmask`` and ``--quiet``.

    On the top parser they carry the defaults; on a subcommand they default to
    nothing (``SUPPRESS``), so a value given before the command's name is kept and
    one given after it wins.
    """

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--db",
        default=default(None),
        metavar="工作区",
        help="工作区文件（DuckDB）；不给时用环境变量 SBBATCH_DB",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default=default("text"),
        help="输出格式：text（文字，默认）或 json（供其他程序读取）",
    )
    parser.add_argument(
        "--unmask",
        action="store_true",
        default=default(False),
        help="输出中显示完整的身份证号码和手机号码（默认脱敏）",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=default(False),
        help="不显示进度（进度只在终端里显示，写在 stderr 上）",
    )


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON (looked at before parsing, for usage errors)."""
    for index, arg in enumerate(argv):
        if arg == "--format=json" or (
            arg == "--format" and index + 1 < len(argv) and argv[index + 1] == "json"
        ):
            return True
    return False
