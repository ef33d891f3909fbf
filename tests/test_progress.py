"""Progress: on stderr in a terminal, absent with --quiet and off a terminal; stdout clean."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from sbbatch import _progress

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "batches" / "enrolment.xlsx"
CLI = [sys.executable, "-m", "sbbatch.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SBBATCH_PROGRESS")}
    env.pop("SBBATCH_QUIET", None)
    env["SBBATCH_PROGRESS_DELAY"] = "0"  # show at once: the test commands are quick
    env.update(extra)
    return env


def _run_with_tty_stderr(args: list[str], env: dict[str, str]) -> tuple[str, str, int]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=slave, env=env, stdin=subprocess.DEVNULL
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out, _ = process.communicate(timeout=120)
    os.close(master)
    return out.decode(), b"".join(chunks).decode(errors="replace"), process.returncode


def test_progress_is_on_stderr_in_a_terminal_and_stdout_stays_json() -> None:
    out, err, code = _run_with_tty_stderr(
        ["check", str(SAMPLE), "--kind", "enrolment", "--format", "json"], _env()
    )
    assert code in (0, 1)
    assert "sbbatch check：正在处理" in err and "完成" in err
    json.loads(out)  # nothing but the JSON
    assert "正在处理" not in out


def test_quiet_switches_progress_off_in_a_terminal() -> None:
    out, err, code = _run_with_tty_stderr(
        ["--quiet", "check", str(SAMPLE), "--kind", "enrolment", "--format", "json"], _env()
    )
    assert code in (0, 1)
    assert "正在处理" not in err
    json.loads(out)


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    done = subprocess.run(
        [*CLI, "check", str(SAMPLE), "--kind", "enrolment", "--format", "json"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert "正在处理" not in done.stderr
    json.loads(done.stdout)


def test_task_writes_the_line_and_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("SBBATCH_PROGRESS", "1")
    with _progress.task("正在读取文件", total=2, delay=0) as step:
        step.advance(2)
        import time

        time.sleep(0.2)
    text = stream.getvalue()
    assert "正在读取文件……" in text and "正在读取文件：完成" in text
    assert text.endswith("\n")
    _progress.set_quiet(True)
    try:
        stream.truncate(0)
        stream.seek(0)
        with _progress.task("正在读取文件", delay=0):
            time.sleep(0.1)
        assert stream.getvalue() == ""
    finally:
        _progress.set_quiet(False)


def test_nested_tasks_show_the_inner_one_and_a_failure_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("SBBATCH_PROGRESS", "1")
    with _progress.task("外层", delay=0.3):
        with _progress.task("正在写出 r.xlsx", delay=0):
            time.sleep(0.6)
        with pytest.raises(ValueError), _progress.task("正在读取", delay=0):
            time.sleep(0.2)
            raise ValueError
    text = stream.getvalue()
    assert "正在写出 r.xlsx：完成" in text
    assert "正在读取：未完成" in text
    assert "外层……" not in text.split("正在写出 r.xlsx：完成")[0]  # the inner one was shown


def test_the_long_api_steps_show_progress_in_a_notebook_or_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """check(), like review/contributions/photos/sample, is a step a user can wait on."""
    from sbbatch import check

    monkeypatch.setenv("SBBATCH_PROGRESS", "1")
    monkeypatch.setenv("SBBATCH_PROGRESS_DELAY", "0")
    batch = check(Path(__file__).parents[1] / "sample_data" / "batches" / "enrolment.xlsx")
    assert batch.accepted.height > 0
    assert "正在检查报盘：完成" in capsys.readouterr().err
