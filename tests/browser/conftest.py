"""What the browser tests share: chromium, a served page, a small workspace.

Every test here is skipped, saying why, where chromium, voila or playwright is missing
(``scripts/install_browser.sh`` installs chromium and the CJK fonts from Debian).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sbbatch import ids, sample
from sbbatch.store import Workspace

CHROMIUM = Path("/usr/bin/chromium")
TODAY = dt.date(2026, 11, 26)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} 不存在：请先运行 scripts/install_browser.sh（Debian chromium）"
    for module in ("voila", "playwright"):
        if importlib.util.find_spec(module) is None:
            return f"未安装 {module}：pip install voila playwright"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests of this folder, saying why, where the browser stack is missing."""
    reason = _missing()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


class Served:
    """A web server process (Voilà, or ``sbbatch app`` which becomes Voilà) on 127.0.0.1.

    Stopped with SIGTERM, like a Ctrl+C, which shuts its kernels down and frees the
    workspace file.
    """

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self._log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [part.format(port=self.port) for part in command],
            env=dict(os.environ, PYTHONWARNINGS="ignore", **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until the server answers; fail if it exits or takes longer than ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}voila/api/shutdown", timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # the server answers
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"the server did not start within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then kill after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start a server: ``serve(command, env=…, cwd=…, log=…)``; ``{port}`` in the command is
    replaced by a free port. Every server started is stopped at the end of the test."""
    started: list[Served] = []

    def start(command: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> Served:
        server = Served(command, env, cwd, log)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def browser_page() -> Iterator[Callable[..., Any]]:
    """Open a page in headless chromium: ``with browser_page(height) as page: …``."""
    from playwright.sync_api import sync_playwright

    @contextlib.contextmanager
    def open_page(height: int) -> Iterator[Any]:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": height}, locale="zh-CN")
                page.set_default_timeout(30_000)
                yield page
            finally:
                browser.close()

    yield open_page


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A workspace file of a small sample world (2 units, 40 persons) and its first unit."""
    path = tmp_path / "workspace.duckdb"
    with Workspace(path, today=TODAY, create=True) as ws:
        sample.generate(n_units=2, n_persons=40).load_into(ws)
        unit_id = str(ws.table("units")["unit_id"].sort()[0])
    yield path, unit_id


def new_person_id(first17: str) -> str:
    """The valid ID number of these 17 digits (a person not in the sample)."""
    check_char = pl.select(ids.check_char(pl.lit(first17))).item()
    return f"{first17}{check_char}"


@pytest.fixture
def person_id_of() -> Callable[[str], str]:
    """:func:`new_person_id`, for the tests (a conftest is not imported by name)."""
    return new_person_id
