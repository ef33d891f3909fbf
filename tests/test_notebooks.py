"""The analyst notebooks (``notebooks/*.ipynb``), executed as CI runs them.

Each notebook runs top to bottom in a fresh ``python3`` kernel (nbclient) with the
``notebooks/`` folder as its working directory, as Jupyter opens it; a cell that raises
fails the test. Every notebook ends with its own assertions on what it produced
(counts, amounts to the fen); here we check the files it wrote into
``out/notebooks/NN/`` and that no output shows a full ID number or mobile number.
How long each notebook took is printed and kept in ``out/notebooks/timings.txt``.

The committed notebooks keep their outputs, so that an analyst sees results on GitHub;
``python tests/test_notebooks.py`` re-executes them and saves them in place after the
same checks (widget state is not saved: the form inputs hold full ID numbers).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "out" / "notebooks"
CELL_TIMEOUT_S = 300
#: What the last cell of every notebook prints once all its assertions hold.
FINISHED = "全部核对通过"

#: What each notebook must write into ``out/notebooks/NN/`` (glob patterns, non-empty).
PRODUCES: dict[str, tuple[str, ...]] = {
    "01_monthly_cycle.ipynb": (
        "workspace.duckdb",
        "增员_审核结果.xlsx",
        "增员表_ZY*.pdf",
        "减员_审核结果.xlsx",
        "减员表_JY*.pdf",
        "工资申报_审核结果.xlsx",
        "社会保险费申报表.pdf",
        "缴费单据_DJ*.pdf",
    ),
    "02_single_cases_with_forms.ipynb": (
        "workspace.duckdb",
        "增员表_ZY*.pdf",
        "减员表_JY*.pdf",
    ),
    "03_queries_and_plots.ipynb": (
        "workspace.duckdb",
        "contributions_by_month.png",
        "headcount_by_status.png",
        "cost_per_person.png",
        "单位缴费情况.xlsx",
    ),
    "04_bulk_conversion_and_checks.ipynb": (
        "enrolment_messy_错误报告.xlsx",
        "wage_base_hr_export_错误报告.xlsx",
        "hr_export.xlsx",
        "mapping.yaml",
        "增员_来自人事导出.xlsx",
        "增员_来自人事导出_错误报告.xlsx",
        "增员_来自人事导出_修正映射.xlsx",
        "roundtrip.csv",
        "roundtrip.xlsx",
    ),
    "05_my_unit.ipynb": (
        "workspace.duckdb",
        "本月报盘/增员报盘.xlsx",
        "本月报盘/花名册比对.xlsx",
        "增员申报_审核结果.xlsx",
        "工资申报_审核结果.xlsx",
        "对账.xlsx",
        "对账差异.png",
    ),
}

# A full ID number (18 or 15 digits) or mobile number, not part of a longer token.
_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def execute(name: str) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook in a fresh kernel (cwd ``notebooks/``); return it with its outputs and the seconds taken."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        store_widget_state=False,
        record_timing=False,
    )
    started = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - started


def out_dir(name: str) -> Path:
    """The folder a notebook writes into: ``out/notebooks/NN``."""
    return OUT / name[:2]


def missing_files(name: str) -> list[str]:
    """Return the expected files a notebook did not write (or wrote empty)."""
    folder = out_dir(name)
    missing = []
    for pattern in PRODUCES[name]:
        found = [p for p in folder.glob(pattern) if p.is_file() and p.stat().st_size > 0]
        if not found:
            missing.append(pattern)
    return missing


def _output_texts(notebook: nbformat.NotebookNode) -> list[str]:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(str(output["text"]))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    texts.append(value if isinstance(value, str) else json.dumps(value))
            texts.extend(output.get("traceback", []))
    return texts


def personal_numbers(notebook: nbformat.NotebookNode) -> list[str]:
    """Return every full ID number or mobile number shown in the notebook's outputs."""
    found = []
    for text in _output_texts(notebook):
        found += _ID.findall(text) + _PHONE.findall(text)
    return found


def check_executed(name: str, notebook: nbformat.NotebookNode) -> None:
    """Fail unless every code cell ran, the files were written and nothing personal shows."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), f"{name}：有未运行的单元格"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}：单元格出错 {errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert FINISHED in "".join(o.get("text", "") for o in code[-1].outputs)
    assert missing_files(name) == [], f"{name} 没有写出：{missing_files(name)}"
    shown = personal_numbers(notebook)
    assert shown == [], f"{name} 的输出中有未遮蔽的号码：{shown[:3]}"


def record_timing(name: str, seconds: float) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    timings = OUT / "timings.txt"
    lines = timings.read_text(encoding="utf-8").splitlines() if timings.exists() else []
    lines = [line for line in lines if not line.startswith(name)]
    lines.append(f"{name}\t{seconds:.1f} s")
    timings.write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    print(f"{name}: {seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PRODUCES))
def test_notebook_runs_and_writes_its_files(name: str) -> None:
    notebook, seconds = execute(name)
    record_timing(name, seconds)
    check_executed(name, notebook)


@pytest.mark.parametrize("name", sorted(PRODUCES))
def test_saved_notebook_shows_its_results_and_nothing_personal(name: str) -> None:
    text = (NOTEBOOKS / name).read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), f"{name}：保存的版本有未运行的单元格"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    last = "".join(o.get("text", "") for o in code[-1].outputs)
    assert FINISHED in last, f"{name}：保存的版本没有运行到最后的核对"
    assert "widgets" not in notebook.metadata, "不保存 widget 状态（其中有完整的身份证号码）"
    without_images = re.sub(r'"image/png": "[^"]*"', "", text)
    assert _ID.findall(without_images) == []
    assert _PHONE.findall(without_images) == []
    assert len(text) < 400_000, f"{name} 的输出太大（{len(text):,} 字符）"


def main(names: list[str]) -> int:
    """Execute the notebooks, check them and save them in place with their outputs."""
    for name in names or sorted(PRODUCES):
        notebook, seconds = execute(name)
        record_timing(name, seconds)
        check_executed(name, notebook)
        nbformat.write(notebook, NOTEBOOKS / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
