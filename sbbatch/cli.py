"""The ``sbbatch`` command: thin calls of the Python API.

Every command prints Chinese; an unusable input gives a one-line reason and exit code
2, never a traceback (under ``--format json``: ``{"error": …, "hint": …}`` on stdout). Commands live in the modules of :mod:`sbbatch._cli`, each with
a ``register(commands)`` function, listed (imported explicitly) in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from sbbatch import _progress as progress
from sbbatch._cli import (
    Parser,
    UsageError,
    add_shared_options,
    app,
    batchfiles,
    cards,
    core,
    declare,
    money,
    unit_files,
    wants_json,
)
from sbbatch._cli.output import error_document, print_json
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


def _version() -> str:
    from sbbatch import __version__

    return __version__


class _VersionAction(argparse.Action):
    """``--version``: the version is looked up (``importlib.metadata``) only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"sbbatch {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every command of :data:`COMMAND_MODULES`."""
    parser = Parser(
        prog="sbbatch",
        description="济南市社会保险单位网上服务的批量工具：报盘检查、申报、审核模拟、缴费计算、打印。",
        epilog="--db、--format、--unmask 可写在命令名之前或之后。"
        "每个命令的帮助：sbbatch 命令 --help。",
    )
    parser.add_argument("--version", action=_VersionAction, help="显示版本号并退出")
    add_shared_options(parser, top=True)
    commands = parser.add_subparsers(dest="command")
    for module in COMMAND_MODULES:
        module.register(commands)
    _complete(parser)
    return parser


def _complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion through argcomplete, when it is installed (``pip install argcomplete``;
    then ``eval "$(register-python-argcomplete sbbatch)"``)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover - optional
        return
    argcomplete.autocomplete(parser)  # pragma: no cover - exits inside the shell's completion


def _fail(message: str, as_json: bool, code: int = 2) -> int:
    """Report an error: ``{"error", "hint"}`` on stdout under --format json, else a line on stderr."""
    if as_json:
        print_json(error_document(message))
    else:
        print(f"sbbatch：{message}", file=sys.stderr)
    return code


def _database_error(exc: Exception) -> str:
    """A DuckDB error that the store did not already put into Chinese."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "lock" in text.lower():
        return (
            f"工作区正被另一个进程使用。提示：关闭正在使用它的 sbbatch 或笔记本后重试。（{text}）"
        )
    if "does not exist" in text or "No such file" in text:
        return f"工作区文件不存在。提示：请检查 --db 的路径，或用 sbbatch init 建立。（{text}）"
    return f"工作区数据库出错。提示：请确认 --db 指向 sbbatch 工作区，且磁盘未满。（{text}）"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sbbatch`` command line; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = wants_json(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        if as_json:
            print_json(
                error_document(f"参数有误：{exc.message}提示：sbbatch --help 列出全部命令和选项。")
            )
        else:
            exc.parser.print_usage(sys.stderr)
            print(f"sbbatch：参数有误：{exc.message}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    as_json = args.format == "json"
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        if as_json:
            return _fail("没有给出命令。提示：sbbatch --help 列出全部命令。", True)
        parser.print_help()
        return 0
    if args.db is None and not getattr(args, "own_db", False):
        args.db = os.environ.get("SBBATCH_DB") or None
    if getattr(args, "needs_db", False) and not args.db:
        return _fail("请用 --db 指定工作区文件（或设环境变量 SBBATCH_DB）。", as_json)
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    try:
        with progress.task(f"sbbatch {args.command}：正在处理"):
            code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except SbbatchError as exc:
        return _fail(exc.text, as_json)
    except BrokenPipeError:
        # the reader of our output went away (`sbbatch … | head`): not an error of ours;
        # point stdout at /dev/null so that the interpreter's final flush stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _fail(f"文件操作失败：{exc.strerror or exc}（{exc.filename or ''}）", as_json)
    except KeyboardInterrupt:
        return _fail("已中断。", as_json, 130)
    except Exception as exc:
        if type(exc).__module__.split(".")[0] != "duckdb":
            raise
        return _fail(_database_error(exc), as_json)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
