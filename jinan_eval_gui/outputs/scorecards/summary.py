"""One Excel workbook summing up every unit's scorecard (xlsxwriter, written atomically).

Sheet 各单位汇总: one row per (entity, unit) — indicators, the points they carry, earn and
leave, gaps, timeliness, versions, errors, the top item for next year. Sheet 指标明细: every
(unit, indicator) row of the scorecards. Numbers are written as numbers (2 decimals shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from jinan_eval_gui.scoring.engine import round2
from jinan_eval_gui.system.atomic import atomic_path

from .model import UnitCard

SUMMARY_COLUMNS = ("评价对象", "单位", "负责指标数", "共担指标数", "权重合计（分）", "得分折合（分）",
                   "失分（分）", "扣分制扣分（分）", "缺报或有误指标数", "是否按时报送", "逾期天数",
                   "报送版本数", "现行错误数", "已更正错误数", "下一年度首要提升事项")
DETAIL_COLUMNS = ("评价对象", "单位", "编号", "指标名称", "一级指标", "占总分（%）", "得分", "状态",
                  "失分（分）", "共担", "上年", "变化")


def _num(x: Fraction) -> float:
    return float(round2(x))


def write_summary(cards: Sequence[UnitCard], path: Path, *, title: str) -> Path:
    """The summary workbook of ``cards`` at ``path``."""
    import xlsxwriter

    path = Path(path)
    with atomic_path(path, opened_by="Excel 或 WPS") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False})
        try:
            fmt = _formats(wb)
            _summary_sheet(wb, fmt, cards, title)
            _detail_sheet(wb, fmt, cards)
        finally:
            wb.close()
    return path


def _formats(wb) -> dict[str, object]:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
    return {
        "title": wb.add_format({"font_name": "宋体", "bold": True, "font_size": 14}),
        "head": wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                               "bg_color": "#DDEBF7"}),
        "text": wb.add_format({**base, "text_wrap": True}),
        "num": wb.add_format({**base, "num_format": "0.00"}),
        "pct": wb.add_format({**base, "num_format": "0.0000"}),
        "int": wb.add_format({**base, "num_format": "0"}),
    }


def _summary_sheet(wb, fmt, cards: Sequence[UnitCard], title: str) -> None:
    ws = wb.add_worksheet("各单位汇总")
    ws.write_string(0, 0, title, fmt["title"])
    for col, label in enumerate(SUMMARY_COLUMNS):
        ws.write_string(2, col, label, fmt["head"])
    ws.set_row(2, 30)  # two lines of header
    for row, card in enumerate(cards, 3):
        q = card.quality
        deducted = sum((r.points for r in card.rows if r.deduction), Fraction(0))
        lost = card.weight_points - card.earned
        first = next((a for a in card.actions if not a.gap), None)
        cells = [(card.entity, "text"), (card.unit, "text"), (len(card.rows), "int"),
                 (card.shared_count, "int"), (_num(card.weight_points), "num"),
                 (_num(card.earned), "num"), (_num(lost), "num"), (_num(deducted), "num"),
                 (len(card.gaps), "int"), (q.timeliness, "text"), (q.days_late, "int"),
                 (q.versions, "int"), (q.errors_now, "int"), (q.corrected, "int"),
                 (f"指标 {first.id}：{first.text}" if first else "—", "text")]
        for col, (value, kind) in enumerate(cells):
            if kind == "text":
                ws.write_string(row, col, str(value), fmt["text"])
            else:
                ws.write_number(row, col, value, fmt[kind])
    widths = (10, 22, 8, 8, 10, 10, 10, 10, 10, 12, 8, 8, 8, 8, 70)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, 2 + len(cards), len(SUMMARY_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)


def _detail_sheet(wb, fmt, cards: Sequence[UnitCard]) -> None:
    ws = wb.add_worksheet("指标明细")
    for col, label in enumerate(DETAIL_COLUMNS):
        ws.write_string(0, col, label, fmt["head"])
    row = 1
    for card in cards:
        for r in card.rows:
            ws.write_string(row, 0, card.entity, fmt["text"])
            ws.write_string(row, 1, card.unit, fmt["text"])
            ws.write_number(row, 2, r.id, fmt["int"])
            ws.write_string(row, 3, r.name, fmt["text"])
            ws.write_string(row, 4, r.level1, fmt["text"])
            if r.deduction:
                ws.write_string(row, 5, "扣分制", fmt["text"])
            else:
                ws.write_number(row, 5, float(r.share * 100), fmt["pct"])
            ws.write_number(row, 6, float(-r.score if r.deduction else r.score), fmt["num"])
            ws.write_string(row, 7, r.status_label, fmt["text"])
            ws.write_number(row, 8, _num(r.points), fmt["num"])
            ws.write_string(row, 9, "是" if r.shared else "", fmt["text"])
            if r.previous is not None:
                ws.write_number(row, 10, float(r.previous), fmt["num"])
            else:
                ws.write_blank(row, 10, None, fmt["text"])
            change = r.change
            if change is not None:
                ws.write_number(row, 11, float(change), fmt["num"])
            else:
                ws.write_blank(row, 11, None, fmt["text"])
            row += 1
    for col, width in enumerate((10, 22, 6, 48, 14, 10, 8, 10, 10, 6, 8, 8)):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 4)
    ws.autofilter(0, 0, max(1, row - 1), len(DETAIL_COLUMNS) - 1)
