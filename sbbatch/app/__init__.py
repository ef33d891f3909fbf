"""The web page for single cases and uploaded files (``sbbatch app``), served by Voilà.

An analyst who does not write Python opens one page with three tabs:

- **报盘检查**: upload a 报盘 (xlsx, xls, csv), see the check — every row with its
  problems under 错误信息 — and, for the rows that pass, 申报并审核 (the simulated
  review: 录入 → 提交 → 审核) with each row's 审核结果 and 审核意见;
- **单笔申报**: choose any business of :func:`sbbatch.declarations.registry` and fill
  its form (:class:`sbbatch.widgets.DeclarationForm`), with 打印 offering the PDF as a
  download;
- **信息查询**: the queries of the manual's 信息查询 as tables.

:class:`App` is the page (an ipywidgets ``Tab``); ``app.ipynb`` beside this module is
the notebook Voilà serves, which builds it with :meth:`App.from_env` from the
variables ``sbbatch app`` sets (``SBBATCH_DB``, ``SBBATCH_TODAY``, ``SBBATCH_OUT``).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import polars as pl

from sbbatch._files import inside, safe_component
from sbbatch.batch import Batch, check
from sbbatch.declarations import registry
from sbbatch.display import show
from sbbatch.exceptions import SbbatchError, UnusableInputError
from sbbatch.io.xlsx import write_error_report
from sbbatch.queries import cards as card_queries
from sbbatch.queries import money as money_queries
from sbbatch.queries import registry as registry_queries
from sbbatch.review import declare, result, review
from sbbatch.store import Workspace
from sbbatch.widgets import DeclarationForm
from sbbatch.widgets._fields import download_link

__all__ = ["NOTEBOOK", "QUERIES", "App"]

#: The notebook Voilà serves (shipped in the package).
NOTEBOOK = Path(__file__).with_name("app.ipynb")

Query = Callable[[Workspace, str], pl.DataFrame]

#: The queries of 信息查询 the page offers: title → (query of a unit, its headers).
QUERIES: dict[str, tuple[Query, dict[str, str]]] = {
    "单位信息": (
        lambda ws, unit: registry_queries.unit_info(ws, unit),
        registry_queries.ZH_HEADERS,
    ),
    "单位人员": (
        lambda ws, unit: registry_queries.unit_persons(ws, unit),
        registry_queries.ZH_HEADERS,
    ),
    "申报业务": (
        lambda ws, unit: registry_queries.declarations(ws, unit),
        registry_queries.ZH_HEADERS,
    ),
    "单位缴费情况": (
        lambda ws, unit: money_queries.unit_payments(ws, unit),
        money_queries.ZH_HEADERS,
    ),
    "缴费单据": (
        lambda ws, unit: money_queries.bills(ws, unit_id=unit),
        money_queries.ZH_HEADERS,
    ),
    "单位缴费比例": (
        lambda ws, unit: money_queries.unit_rates(ws, unit, ws.today.replace(day=1)),
        money_queries.ZH_HEADERS,
    ),
    "社保卡": (lambda ws, unit: card_queries.card_status(ws, unit), card_queries.ZH_HEADERS),
}

_STYLE = """<style>
.sb-app{font-family:"Noto Sans SC","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:1200px}
.sb-app .sb-app-title{font-size:20px;font-weight:600;color:#1f3b5a;margin:4px 0 10px}
.sb-app .sb-app-note{font-size:13px;color:#444;margin:2px 0 8px}
.sb-app .sb-status{font-size:14px;padding:6px 10px;border-radius:3px;margin:6px 0}
.sb-app .sb-status-ok{background:#e6f4ea;color:#1e6b34;border:1px solid #9fd3ad}
.sb-app .sb-status-reject{background:#fde2e2;color:#9b0018;border:1px solid #f1a7a7}
.sb-app .sb-status-info{background:#eef3f8;color:#1f3b5a;border:1px solid #bfcddb}
.sb-app .sb-download{font-size:14px}
</style>"""


def _status(text: str, tone: str = "info") -> str:
    return (
        f'<div class="sb-status sb-status-{tone}" role="status">{html.escape(text)}</div>'
        if text
        else ""
    )


class App(widgets.VBox):  # type: ignore[misc,unused-ignore]
    """The page: 报盘检查, 单笔申报 and 信息查询 for one unit of a workspace.

    Args:
        ws: The workspace (declarations and reviews are recorded in it).
        unit_id: The unit; the first of the workspace by default.
        output_dir: Where error reports, results and printed forms are written
            (each is also offered as a download).

    Attributes:
        tabs: The three tabs.
        upload: The 报盘 upload; ``check_output`` shows its check,
            ``review_output`` its simulated review.
        kind: The business of the 单笔申报 tab; ``form`` is its form.
        query: The query of the 信息查询 tab; ``query_output`` its table.

    Examples:
        >>> import datetime as dt
        >>> from sbbatch import sample
        >>> ws = Workspace(today=dt.date(2026, 11, 26))
        >>> _ = sample.generate(n_units=1, n_persons=5).load_into(ws)
        >>> app = App(ws, output_dir="out/app-doctest")
        >>> [app.tabs.get_title(i) for i in range(3)]
        ['报盘检查', '单笔申报', '信息查询']
        >>> app.form.declaration.title
        '增员申报'
    """

    def __init__(
        self, ws: Workspace, unit_id: str | None = None, *, output_dir: str | Path = "out/app"
    ) -> None:
        super().__init__()
        self.ws = ws
        units = ws.table("units")["unit_id"].sort().to_list()
        if not units:
            msg = "工作区中没有单位。提示：先用 sbbatch load unit 装入单位信息。"
            raise UnusableInputError(msg)
        self.unit_id = unit_id or str(units[0])
        self.output_dir = Path(output_dir)
        self.batch: Batch | None = None
        self.declaration_id: str | None = None
        self.tabs = widgets.Tab(
            children=[self._check_tab(), self._form_tab(), self._query_tab()],
        )
        for index, title in enumerate(("报盘检查", "单笔申报", "信息查询")):
            self.tabs.set_title(index, title)
        name = ws.table("units").filter(pl.col("unit_id") == self.unit_id)["name"]
        heading = f"济南市社会保险单位网上服务（批量工具）— 单位 {self.unit_id} {name[0] if name.len() else ''}"
        self.children = [
            widgets.HTML(_STYLE),
            widgets.HTML(f'<div class="sb-app-title">{html.escape(heading)}</div>'),
            self.tabs,
        ]
        self.add_class("sb-app")

    @classmethod
    def from_env(cls) -> App:
        """The page on the workspace of ``SBBATCH_DB`` (set by ``sbbatch app``)."""
        path = os.environ.get("SBBATCH_DB")
        if not path:
            msg = "没有指定工作区。提示：用 sbbatch app --db 工作区.duckdb 启动。"
            raise UnusableInputError(msg)
        today = os.environ.get("SBBATCH_TODAY")
        ws = Workspace(
            path, today=dt.date.fromisoformat(today) if today else None, user="sbbatch app"
        )
        return cls(
            ws, os.environ.get("SBBATCH_UNIT"), output_dir=os.environ.get("SBBATCH_OUT", "out/app")
        )

    # -- 报盘检查 -------------------------------------------------------------------------

    def _check_tab(self) -> widgets.Widget:
        self.upload = widgets.FileUpload(
            accept=".xlsx,.xls,.csv", multiple=False, description="选择报盘文件"
        )
        self.upload.observe(self._on_upload, names="value")
        self.check_status = widgets.HTML("")
        self.check_output = widgets.HTML("")
        self.review_button = widgets.Button(
            description="申报并审核（模拟）", disabled=True, layout=widgets.Layout(width="auto")
        )
        self.review_button.on_click(lambda _b: self.declare_and_review())
        self.review_status = widgets.HTML("")
        self.review_output = widgets.HTML("")
        note = (
            "上传报盘（xlsx、xls 或 csv），检查每一行；有问题的行标红，错误信息写在右侧。"
            "检查通过的行可以申报（录入、提交），由模拟的经办机构审核。"
        )
        return widgets.VBox(
            [
                widgets.HTML(f'<div class="sb-app-note">{note}</div>'),
                self.upload,
                self.check_status,
                self.check_output,
                self.review_button,
                self.review_status,
                self.review_output,
            ]
        )

    def _on_upload(self, _change: dict[str, Any]) -> None:
        if not self.upload.value:
            return
        item = self.upload.value[0]
        self.check_file(str(item["name"]), bytes(item["content"]))

    def check_file(self, name: str, data: bytes) -> Batch | None:
        """Check an uploaded file; show its rows with their problems; return the batch."""
        self.batch = None
        self.review_button.disabled = True
        self.review_status.value = self.review_output.value = ""
        folder = self.output_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        path = inside(folder, safe_component(Path(name).name))
        path.write_bytes(data)
        try:
            batch = check(path, today=self.ws.today)
        except SbbatchError as exc:
            self.check_status.value = _status(str(exc), "reject")
            self.check_output.value = ""
            return None
        self.batch = batch
        title = batch.declaration.title
        if batch.rejected.height:
            report = write_error_report(
                batch, inside(self.output_dir, safe_component(f"{Path(name).stem}_错误报告.xlsx"))
            )
            text = f"{title}：共 {batch.rows_read} 行，{batch.rejected.height} 行有错误，{batch.accepted.height} 行通过检查。"
            self.check_status.value = _status(text, "reject") + download_link(
                report,
                f"下载错误报告（{report.name}）",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            text = f"{title}：共 {batch.rows_read} 行，全部通过检查。"
            self.check_status.value = _status(text, "ok")
        tables = [show(batch, caption=f"{title}（{name}）").html]
        if batch.failures.height:
            tables.insert(0, show(batch.failures, caption="错误信息").html)
        self.check_output.value = "".join(tables)
        self.review_button.disabled = batch.accepted.height == 0
        return batch

    def declare_and_review(self) -> pl.DataFrame | None:
        """申报 the checked rows (录入, 提交) and review them; show each row's 审核结果."""
        if self.batch is None:
            return None
        try:
            number = declare(
                self.ws, self.batch, self.unit_id, accepted_only=self.batch.rejected.height > 0
            )
            self.ws.submit(number)
            review(self.ws, number)
            outcome = result(self.ws, number)
        except SbbatchError as exc:
            self.review_status.value = _status(str(exc), "reject")
            return None
        self.declaration_id = number
        approved = int((outcome["review_result"] == "1").sum())
        refused = outcome.height - approved
        tone = "ok" if refused == 0 else "reject"
        text = f"申报编号 {number}：{outcome.height} 行已审核，审核通过 {approved} 行，不通过 {refused} 行。"
        self.review_status.value = _status(text, tone)
        self.review_output.value = show(
            outcome, self.batch.declaration, caption=f"审核结果（{number}）"
        ).html
        self.review_button.disabled = True
        return outcome

    # -- 单笔申报 -------------------------------------------------------------------------

    def _form_tab(self) -> widgets.Widget:
        options = [(d.title, d.kind) for d in registry().values()]
        self.kind = widgets.Dropdown(
            options=options,
            value=options[0][1],
            description="业务",
            layout=widgets.Layout(width="28em"),
        )
        self.form_area = widgets.VBox([])
        self.kind.observe(lambda _c: self.open_form(self.kind.value), names="value")
        self.open_form(self.kind.value)
        return widgets.VBox([self.kind, self.form_area])

    def open_form(self, kind: str) -> DeclarationForm:
        """Show the single-case form of a business (English key or Chinese title)."""
        self.form = DeclarationForm(
            self.ws, kind, self.unit_id, output_dir=self.output_dir / "forms", download=True
        )
        self.form_area.children = [self.form]
        return self.form

    # -- 信息查询 -------------------------------------------------------------------------

    def _query_tab(self) -> widgets.Widget:
        self.query = widgets.Dropdown(
            options=list(QUERIES),
            value=None,
            description="查询",
            layout=widgets.Layout(width="20em"),
        )
        self.query_output = widgets.HTML("")
        self.query.observe(lambda _c: self.run_query(self.query.value), names="value")
        return widgets.VBox([self.query, self.query_output])

    def run_query(self, title: str | None) -> pl.DataFrame | None:
        """Run a query of :data:`QUERIES` for the unit and show it."""
        if title is None:
            self.query_output.value = ""
            return None
        query, headers = QUERIES[title]
        try:
            frame = query(self.ws, self.unit_id)
        except SbbatchError as exc:
            self.query_output.value = _status(str(exc), "reject")
            return None
        self.query_output.value = show(frame, headers, caption=f"{title}（{frame.height} 条）").html
        return frame
