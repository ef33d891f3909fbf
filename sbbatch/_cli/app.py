"""Command: app — the web page for single cases and uploaded files (Voilà)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sbbatch._cli.args import date_arg
from sbbatch._cli.output import json_mode, print_json
from sbbatch.exceptions import UnusableInputError

__all__ = ["register", "voila_command"]


def voila_command(notebook: Path, port: int, *, open_browser: bool) -> list[str]:
    """The command line that serves the app's notebook with Voilà on 127.0.0.1."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        *([] if open_browser else ["--no-browser"]),
    ]


def _app(args: argparse.Namespace) -> int:
    try:
        import ipywidgets  # noqa: F401
        import voila  # noqa: F401

        from sbbatch.app import NOTEBOOK
    except ImportError:
        msg = "未安装网页所需的 voila 和 ipywidgets。提示：pip install 'sbbatch[app]'。"
        raise UnusableInputError(msg) from None
    workspace = Path(args.db).resolve()
    if not workspace.is_file():
        msg = f"工作区文件 {args.db} 不存在。提示：先用 sbbatch init 或 sbbatch demo 建立工作区。"
        raise UnusableInputError(msg)
    env = dict(os.environ, SBBATCH_DB=str(workspace), SBBATCH_OUT=str(Path(args.out).resolve()))
    if args.today is not None:
        env["SBBATCH_TODAY"] = args.today.isoformat()
    if args.unit:
        env["SBBATCH_UNIT"] = args.unit
    url = f"http://127.0.0.1:{args.port}/"
    if json_mode(args):  # a tool that starts the page learns where it is; Voilà logs on stderr
        print_json({"url": url, "workspace": str(workspace), "out": env["SBBATCH_OUT"]})
    else:
        print(f"网页地址：{url}（工作区 {workspace}）。按 Ctrl+C 停止。", file=sys.stderr)
    command = voila_command(NOTEBOOK, args.port, open_browser=not args.no_browser)
    sys.stdout.flush()
    sys.stderr.flush()
    # the command becomes Voilà (same process): Ctrl+C or SIGTERM stop it, and it shuts
    # its kernel down (freeing the workspace) before it exits
    os.execve(command[0], command, env)
    return 0  # pragma: no cover - execve does not return


def register(commands: Any) -> None:
    """Add the app command to the parser."""
    app = commands.add_parser(
        "app",
        help="打开网页：上传报盘检查并模拟审核、填写任一业务的单笔表单并下载打印件、信息查询",
    )
    app.add_argument("--port", type=int, default=8866, help="网页端口，默认 8866")
    app.add_argument("--unit", help="单位编号（默认为工作区的第一个单位）")
    app.add_argument("--today", type=date_arg, help="经办日期，如 2026-11-26（默认今天）")
    app.add_argument("--out", default="out/app", help="错误报告、审核结果与打印件的目录")
    app.add_argument("--no-browser", action="store_true", help="不自动打开浏览器")
    app.set_defaults(handler=_app, needs_db=True)
