"""评分口径确认单: the assumption register laid out for the office to review and sign.

Word through the report's block model and renderer (the same styles as the report), Excel with
xlsxwriter (one row per assumption, a column to sign, printable on A4 landscape). Both list
every registered assumption with its current choice, where it comes from (指标体系原文 /
工具默认 / 本轮确认), the parameter values it fixes and its confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xlsxwriter

from jinan_eval_gui.system.atomic import atomic_path

from .report.blocks import Paragraph, Report, ReportInfo, Run, Spacer, Table
from .report.render import render_docx
from .report.text import _date_text, _Text, load_layout

TITLE = "评分口径确认单"
COLUMNS = ("编号", "类别", "事项与说明", "涉及指标", "当前选择（来源）", "参数取值", "确认情况")
WIDTHS = (1.0, 1.3, 6.0, 1.3, 2.6, 2.2, 2.2)


@dataclass(frozen=True)
class SignoffItem:
    """One assumption as the 确认单 shows it (texts already in Chinese)."""

    id: str
    category: str
    title: str
    text: str
    indicators: tuple[int, ...]
    choice: str
    origin: str
    alternatives: tuple[str, ...]
    params: tuple[str, ...]
    state: str
    confirmation: str

    def cells(self) -> tuple[str, ...]:
        others = "；".join(self.alternatives)
        what = f"{self.title}\n{self.text}" + (f"\n可选：{others}" if others else "")
        where = "、".join(str(i) for i in self.indicators) or "全部"
        return (self.id, self.category, what, where, f"{self.choice}（{self.origin}）",
                "\n".join(self.params) or "—", self.confirmation or self.state)


def build_signoff(items: Sequence[SignoffItem], *, round_name: str, year: int,
                  today: date | None = None) -> Report:
    """The 确认单 as report blocks (title, how to use it, the table, the signature block)."""
    layout = load_layout()
    text = _Text(layout)
    when = today or date.today()
    pending = sum(1 for i in items if i.state != "已确认")
    info = ReportInfo(title=TITLE, year=year, entity=round_name,
                      date_text=_date_text(text, when), issuer=text("document", "issuer"),
                      header=f"{TITLE}（{round_name}）", footer=str(text.raw("document", "footer")))
    blocks = [
        Spacer(10),
        Paragraph((Run(TITLE),), style="title"),
        Paragraph((Run(f"{round_name}（{year}年度）"),), style="subtitle"),
        Spacer(6),
        Paragraph((Run("《济南市新型智慧城市评价指标体系（试行）》未作规定、由本工具先行取定的评分口径共 "
                       f"{len(items)} 项，列于下表。请逐项审阅“当前选择”和参数取值，确认后签字；"
                       "如需改选或调整参数，请在评价工具中修改后重新导出本确认单。全部确认前，评估报告"
                       "标注为“征求意见稿”。"),), style="body"),
        Paragraph((Run(f"确认情况：已确认 {len(items) - pending} 项，待确认 {pending} 项。",
                       bold=True),), style="body"),
        Table(COLUMNS, tuple(i.cells() for i in items), WIDTHS, "llllllll", role="signoff"),
        Spacer(12),
        Paragraph((Run("确认单位（盖章）：                    确认人（签字）：                    "
                       "日期：        年    月    日"),), style="body"),
    ]
    return Report(info=info, blocks=blocks, layout=layout)


def write_signoff_docx(report: Report, path: Path) -> Path:
    """The 确认单 as Word (atomically), in the report's styles."""
    return render_docx(report, path)


def write_signoff_xlsx(items: Sequence[SignoffItem], path: Path, *, round_name: str,
                       year: int) -> Path:
    """The 确认单 as one printable sheet with a column to sign per row (atomically)."""
    path = Path(path)
    with atomic_path(path, opened_by="Excel 或 WPS") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False})
        try:
            _sheet(wb, items, round_name, year)
        finally:
            wb.close()
    return path


def _sheet(wb: xlsxwriter.Workbook, items: Sequence[SignoffItem], round_name: str,
           year: int) -> None:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}
    title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center",
                           "text_wrap": False})
    head = wb.add_format({**base, "bold": True, "border": 1, "align": "center",
                          "bg_color": "#DDEBF7"})
    cell = wb.add_format({**base, "border": 1})
    note = wb.add_format(base)
    ws = wb.add_worksheet(TITLE)
    widths = (7, 9, 60, 9, 22, 20, 18, 16)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, len(COLUMNS), f"{TITLE}（{round_name}，{year}年度）", title)
    ws.set_row(0, 28)
    ws.merge_range(1, 0, 1, len(COLUMNS),
                   "《济南市新型智慧城市评价指标体系（试行）》未作规定、由本工具先行取定的评分口径。"
                   "请逐项审阅当前选择和参数取值，在“签字”栏签字确认。", note)
    ws.set_row(1, 30)
    for col, label in enumerate((*COLUMNS, "签字")):
        ws.write_string(2, col, label, head)
    for row, item in enumerate(items, 3):
        values = item.cells()
        for col, value in enumerate(values):
            ws.write_string(row, col, value, cell)
        ws.write_blank(row, len(values), None, cell)
        lines = max(_lines(v, widths[c]) for c, v in enumerate(values))
        ws.set_row(row, min(409, 14 * lines + 4))
    last = 3 + len(items)
    ws.write_string(last + 1, 0, "确认单位（盖章）：", note)
    ws.write_string(last + 1, 4, "确认人：", note)
    ws.write_string(last + 1, 6, "日期：", note)
    ws.repeat_rows(2)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.print_area(0, 0, last + 1, len(COLUMNS))
    ws.set_footer("&C第 &P 页，共 &N 页")


def _lines(text: str, width: float) -> int:
    """Printed lines of a wrapped cell (a CJK character is about two columns wide)."""
    lines = 0
    for part in text.split("\n"):
        columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
        lines += max(1, -(-columns // max(int(width) - 1, 1)))
    return lines
