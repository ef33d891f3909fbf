"""Demo step: batch files (报盘) — templates, checks and error reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sbbatch.batch import check
from sbbatch.io.xlsx import write_error_report, write_template
from sbbatch.sample_batches import SAMPLE_DECLARATIONS, write_batch_samples
from sbbatch.store import Workspace

if TYPE_CHECKING:
    from sbbatch._demo.kit import DemoKit

__all__ = ["run"]


def run(_kit: DemoKit, ws: Workspace, out_dir: Path) -> list[tuple[str, str]]:
    """Write the templates and the sample files, check every file, report the messy ones."""
    folder = out_dir / "报盘"
    folder.mkdir(parents=True, exist_ok=True)
    for declaration in SAMPLE_DECLARATIONS:
        write_template(declaration, folder / f"{declaration.title}_模板.xlsx")
    lines: list[tuple[str, str]] = []
    for path in write_batch_samples(folder / "示例"):
        batch = check(path, today=ws.today)
        print(f"  检查 {path.name}：{batch.summary_zh()}")
        if batch.failures.height:
            report = write_error_report(batch, folder / f"{path.stem}_错误报告.xlsx")
            print(f"    错误报告：{report}")
        lines.append((f"报盘检查 {path.name}", f"{batch.accepted.height}/{batch.rows_read} 行通过"))
    return lines
