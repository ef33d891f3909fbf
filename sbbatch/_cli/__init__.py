"""Command modules of the ``sbbatch`` CLI; each has ``register(commands)``."""

from __future__ import annotations

import argparse
import re
import sys

__all__ = ["Parser"]

#: argparse's English prefix of a bad argument's message, shown as ``--today：``.
_ARGUMENT = re.compile(r"^argument ([^:]+): ")


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 2 with a Chinese line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        message = _ARGUMENT.sub(r"\1：", message)
        self.exit(2, f"sbbatch：参数有误：{message}\n")
