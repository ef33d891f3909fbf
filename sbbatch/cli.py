"""The ``sbbatch`` command: thin calls of the Python API.

Every command prints Chinese; an unusable input gives a one-line reason and exit code
2, never a traceback. Commands live in the modules of :mod:`sbbatch._cli`, each with
a ``register(commands)`` function, listed (imported explicitly) in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from sbbatch import _progress as progress
from sbbatch._cli import Parser, app, batchfiles, cards, core, declare, money, unit_files
from sbbatch.exceptions import SbbatchError

__all__ = ["COMMAND_MODULES", "main"]

#: The modules that add commands, in the order ``sbbatch --help`` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    core,
    batchfiles,
    unit_files,
    declare,
    money,
    cards,
    app,
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every command of :data:`COMMAND_MODULES`."""
    parser = Parser(
        prog="sbbatch",
        description="济南市社会保险单位网上服务的批量工具：报盘检查、申报、审核模拟、缴费计算、打印。",
    )
    parser._positionals.title = "命令"
    parser._optionals.title = "选项"
    parser.add_argument("--db", help="工作区文件（DuckDB）", default=None)
    parser.add_argument(
        "--quiet", action="store_true", help="不显示进度（进度只在终端里显示，写在 stderr 上）"
    )
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sbbatch`` command line; return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (already printed in Chinese) or --help
        return exc.code if isinstance(exc.code, int) else 2
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    if getattr(args, "needs_db", False) and not args.db:
        print("sbbatch：请用 --db 指定工作区文件。", file=sys.stderr)
        return 2
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    try:
        with progress.task(f"sbbatch {args.command}：正在处理"):
            return handler(args)
    except SbbatchError as exc:
        print(f"sbbatch：{exc.text}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader of our output went away (`sbbatch … | head`): not an error of ours;
        # point stdout at /dev/null so that the interpreter's final flush stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(
            f"sbbatch：文件操作失败：{exc.strerror or exc}（{exc.filename or ''}）", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("sbbatch：已中断。", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
