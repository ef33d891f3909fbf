"""Progress of a long step, so that no wait is silent.

One context manager, :func:`task`, wraps every step that can take more than a couple
of seconds (a big file, a check, the first use of the PDF font, a demo step). What
it shows depends on where sbbatch runs:

- in a terminal: one line on **stderr** that counts the seconds (and the items done,
  when the step knows its total), replaced by ``…：完成（N 秒）`` at the end; stdout,
  which may be JSON read by another program, never gets a character of it;
- in a Jupyter notebook: a small text widget (ipywidgets) with the same words;
- elsewhere (stderr is a file or a pipe, a test, a cron job): nothing.

Nothing is shown for a step that ends within ``delay`` seconds (default 1 s). Of
nested steps only the innermost is shown; the outer one goes on when it ends. The
global switch :func:`set_quiet` (the CLI's ``--quiet``) or ``SBBATCH_QUIET=1`` turns
it all off; ``SBBATCH_PROGRESS=1`` turns it on where stderr is not a terminal (tests).

Example:
    >>> with task("正在计算缴费明细") as step:  # silent here: doctests are not a terminal
    ...     step.total = 3
    ...     for _ in range(3):
    ...         step.advance()
    >>> step.done
    3
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["Task", "enabled", "set_quiet", "task"]

_state = {"quiet": False}
_active: list[Task] = []  # running tasks, innermost last: only the innermost is shown
_TICK = 0.5  # seconds between updates of the line


def set_quiet(quiet: bool) -> None:
    """Switch every progress display off (``True``) or back on (``False``)."""
    _state["quiet"] = quiet


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    get = getattr(shell, "get_ipython", None)
    ip = get() if get is not None else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def enabled(stream: TextIO | None = None) -> bool:
    """Whether progress is shown: not quiet, and a terminal, a notebook or forced."""
    if _state["quiet"] or os.environ.get("SBBATCH_QUIET", "") not in ("", "0"):
        return False
    if os.environ.get("SBBATCH_PROGRESS", "") not in ("", "0"):
        return True
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty or _in_notebook()


@dataclass
class Task:
    """One running step: what it does, how far it is (``done`` of ``total``)."""

    message: str
    total: int | None = None
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.done += n

    def line(self, *, finished: bool = False) -> str:
        """The text shown: ``正在…… 12 秒``, with ``3/10`` when the total is known."""
        seconds = time.perf_counter() - self.started
        if finished:
            return f"{self.message}：完成（{seconds:.1f} 秒）"
        count = f" {self.done:,}/{self.total:,}" if self.total else ""
        return f"{self.message}……{count} {seconds:.0f} 秒"


class _Display:
    """Where the line goes: stderr (rewritten in place) or a notebook widget."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._widget: Any = None
        self._display: Any = None
        self._shown = False
        if _in_notebook():
            try:
                import ipywidgets
                from IPython.display import display

                self._widget = ipywidgets.HTML()
                self._display = display
            except ImportError:  # pragma: no cover - ipywidgets is in the notebook extra
                self._widget = None

    def show(self, text: str) -> None:
        if self._widget is not None:
            if not self._shown:
                self._display(self._widget)
            self._widget.value = text
        else:
            self._stream.write(f"\r\x1b[K{text}")
            self._stream.flush()
        self._shown = True

    def finish(self, text: str) -> None:
        if not self._shown:
            return
        if self._widget is not None:
            self._widget.value = text
        else:
            self._stream.write(f"\r\x1b[K{text}\n")
            self._stream.flush()


@contextmanager
def task(message: str, *, total: int | None = None, delay: float | None = None) -> Iterator[Task]:
    """Show the progress of the block's work when it takes longer than ``delay`` seconds.

    Args:
        message: What is being done, in the manual's Chinese (``正在读取文件 a.xlsx``).
        total: The number of items, when known (then ``step.advance()`` counts them).
        delay: Seconds before anything is shown (``SBBATCH_PROGRESS_DELAY``, else 1).

    Yields:
        The :class:`Task`, to count items with.
    """
    step = Task(message, total)
    stream = sys.stderr
    if not enabled(stream):
        yield step
        return
    if delay is None:
        delay = float(os.environ.get("SBBATCH_PROGRESS_DELAY", "1"))
    display = _Display(stream)
    stop = threading.Event()

    def tick() -> None:
        if stop.wait(delay):
            return
        while True:
            if _active and _active[-1] is step:
                display.show(step.line())
            if stop.wait(_TICK):
                return

    ticker = threading.Thread(target=tick, name="sbbatch-progress", daemon=True)
    _active.append(step)
    ticker.start()
    finished = False
    try:
        yield step
        finished = True
    finally:
        stop.set()
        ticker.join()
        _active.remove(step)
        display.finish(step.line(finished=True) if finished else f"{step.message}：未完成")
