"""Command modules of the ``sbbatch`` CLI; each has ``register(commands)``."""

from __future__ import annotations

import argparse
import sys

__all__ = ["Parser"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 2 with a Chinese line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"sbbatch：参数有误：{message}\n")
