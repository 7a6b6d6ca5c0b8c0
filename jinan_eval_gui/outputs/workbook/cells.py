"""Small pieces of the scoring workbook: addresses, number and text cells, formats, print setup."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
"""Chinese font of every cell (Excel and WPS on the office's Windows machines have SimSun)."""

SHEETS = {
    "overview": "总览",
    "ranking": "排名",
    "scores": "指标得分",
    "calc": "计算过程",
    "raw": "原始数据",
    "submissions": "填报情况",
    "findings": "校验记录",
    "notes": "评分口径说明",
}

Progress = Callable[[int, int, str], None]
"""``progress(done, total, message)``; it may raise to cancel (the temp file is removed)."""

_MAX_TEXT = 32000  # Excel keeps at most 32767 characters in a cell
_SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
_SUBMISSION_COLUMNS = {
    "unit": "责任单位", "entity": "评价对象", "issued": "已下发", "returned": "已回收",
    "errors": "错误数", "warnings": "警告数", "accepted": "已采纳", "file": "文件",
    "status": "状态", "note": "备注",
}
_FINDING_COLUMNS = (
    ("unit", "责任单位", 16), ("file", "文件", 28), ("sheet", "工作表", 14),
    ("cell", "单元格", 8), ("indicator", "指标", 8), ("input", "填报项", 24),
    ("severity", "级别", 8), ("message", "说明", 60),
)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


# 计算过程 columns
_C_ID, _C_NAME, _C_KIND, _C_KEY, _C_WEIGHT, _C_VALUE, _C_RULE, _C_NOTE = range(8)
# 原始数据 columns
_R_VALUE = 7


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def _q(sheet: str) -> str:
    """A sheet name quoted for a formula (always quoted: Chinese names, hyphens, spaces)."""
    return "'" + sheet.replace("'", "''") + "'"


def _cell(row: int, col: int, sheet: str | None = None) -> str:
    address = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
    return f"{_q(sheet)}!{address}" if sheet else address


def _range(first: int, last: int, col: int, sheet: str | None = None) -> str:
    a = xl_rowcol_to_cell(first, col, row_abs=True, col_abs=True)
    b = xl_rowcol_to_cell(last, col, row_abs=True, col_abs=True)
    return f"{_q(sheet)}!{a}:{b}" if sheet else f"{a}:{b}"


def _num(x: Decimal | int | float) -> int | float:
    """A number for a cell: whole Decimals as int (shown without '.0'), others as float."""
    if isinstance(x, Decimal):
        return int(x) if x == x.to_integral_value() and abs(x) < 10**15 else float(x)
    return x


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def _weight_text(weight: Decimal | None) -> str:
    return "—" if weight is None else f"{_num(weight)}%"


def calc_sheet_names(entities: Sequence[str]) -> dict[str, str]:
    """The 计算过程 sheet of each entity: one entity → "计算过程", else "计算过程-<entity>"."""
    base = SHEETS["calc"]
    if len(entities) == 1:
        return {entities[0]: base}
    names: dict[str, str] = {}
    used = {s.lower() for s in SHEETS.values()}
    for entity in entities:
        clean = _BAD_SHEET_CHARS.sub("_", entity).strip("'") or "评价对象"
        name = f"{base}-{clean}"[:31]
        n = 2
        while name.lower() in used:
            suffix = f"({n})"
            name = f"{base}-{clean}"[: 31 - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        names[entity] = name
    return names


class _Sheet(Worksheet):
    """A worksheet that fits row heights to its wrapped texts when asked.

    LibreOffice and WPS do not grow the rows of an xlsxwriter file to fit wrapped text on
    opening, so long names would be cut off on screen and on paper; the heights are estimated
    from the text and the column widths instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self._wrapped: dict[tuple[int, int], str] = {}
        self._spans: dict[tuple[int, int], tuple[int, int]] = {}
        self._widths: dict[int, float] = {}
        self._heights: dict[int, float] = {}

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        if string and cell_format is not None and getattr(cell_format, "text_wrap", 0):
            self._wrapped[(row, col)] = string
        return super().write_string(row, col, string, cell_format)

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int,
                    data: Any, cell_format: Any = None) -> int:
        self._spans[(first_row, first_col)] = (last_row, last_col)
        return super().merge_range(first_row, first_col, last_row, last_col, data, cell_format)

    def set_column(self, first_col: int, last_col: int, width: float | None = None,
                   cell_format: Any = None, options: Any = None) -> int:
        for col in range(first_col, last_col + 1):
            self._widths[col] = width if width is not None else 8.43
        return super().set_column(first_col, last_col, width, cell_format, options)

    def set_row(self, row: int, height: float | None = None, cell_format: Any = None,
                options: Any = None) -> int:
        if height is not None:
            self._heights[row] = height
        return super().set_row(row, height, cell_format, options)

    def fit_rows(self, line_height: float = 13.0) -> None:
        for row, height in self.fitted_heights(line_height).items():
            super().set_row(row, height)

    def fitted_heights(self, line_height: float = 13.0) -> dict[int, float]:
        """The rows whose wrapped texts need more height than they have, and that height."""
        need: dict[int, float] = {}
        for (row, col), text in self._wrapped.items():
            last_row, last_col = self._spans.get((row, col), (row, col))
            width = sum(self._widths.get(c, 8.43) for c in range(col, last_col + 1)) - 1
            if len(text) * 1.8 <= width and "\n" not in text:
                continue
            lines = sum(max(1, math.ceil(_display_width(part) / max(width, 1)))
                        for part in text.split("\n"))
            height = (lines * line_height + 4) / (last_row - row + 1)
            need[row] = max(need.get(row, 0), height)
        return {row: min(height, 409) for row, height in need.items()
                if height > self._heights.get(row, 15)}


def _display_width(text: str) -> float:
    """Width of a text in Excel column units at 10 pt (a Chinese character is about 1.8)."""
    wide = len(text) - len(text.encode("ascii", "ignore"))
    return len(text) + 0.8 * wide


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}

        def make(**extra: Any) -> Any:
            return wb.add_format({**base, **extra})

        cell = {"border": 1, "border_color": "#A6A6A6"}
        self.title = make(bold=True, font_size=14)
        self.subtitle = make(font_color="#595959", text_wrap=False)
        self.header = make(bold=True, bg_color="#D9E1F2", text_wrap=True, align="center", **cell)
        self.section = make(bold=True, font_size=11, bg_color="#FCE4D6", **cell)
        self.text = make(text_wrap=True, **cell)
        self.center = make(text_wrap=True, align="center", **cell)
        self.bold = make(bold=True, text_wrap=True, bg_color="#F2F2F2", **cell)
        self.bold_center = make(bold=True, text_wrap=True, align="center", bg_color="#F2F2F2",
                                **cell)
        self.number = make(num_format="General", **cell)
        self.score = make(num_format="0.00", align="right", **cell)
        self.score_bold = make(num_format="0.00", bold=True, bg_color="#F2F2F2", **cell)
        self.total = make(num_format="0.00", bold=True, font_size=12, bg_color="#FFF2CC", **cell)
        self.deduction = make(num_format='"扣"0.00"分"', align="right", font_color="#C00000",
                              **cell)
        self.deduction_bold = make(num_format='"扣"0.00"分"', bold=True, font_color="#C00000",
                                   bg_color="#F2F2F2", **cell)
        self.change = make(num_format="+0.00;-0.00;0.00", align="right", **cell)
        self.yesno = make(num_format='[=1]"是";[=0]"否";General', align="right", **cell)
        self.percent = make(num_format="0.0%", align="right", **cell)
        self.integer = make(num_format="0", align="right", **cell)
        self.link = make(font_color="#0563C1", underline=1, **cell)
        self.datetime = make(num_format="yyyy-mm-dd hh:mm", **cell)
        self.red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.amber = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.down = wb.add_format({"font_color": "#C00000"})
        self.up = wb.add_format({"font_color": "#007A33"})


def _print_setup(ws: Worksheet, *, landscape: bool, header_rows: tuple[int, int] | None,
                 freeze: tuple[int, int] | None = None) -> None:
    """A4, fit to the page width, header rows repeated, frozen headers, page numbers."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if freeze is not None:
        ws.freeze_panes(*freeze)


def _write_value(ws: Worksheet, row: int, col: int, value: Any, fmts: _Formats,
                 fmt: Any = None) -> None:
    """Any plain value: numbers as numbers, booleans as 是/否, everything else as text."""
    fmt = fmt or fmts.text
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmts.center)
    elif isinstance(value, Decimal | int | float):
        ws.write_number(row, col, _num(value), fmts.number)
    elif isinstance(value, _dt.datetime | _dt.date):
        ws.write_datetime(row, col, value, fmts.datetime)
    else:
        ws.write_string(row, col, _text(value), fmt)


# ---------------------------------------------------------------------------------------
# addresses shared between sheets
# ---------------------------------------------------------------------------------------
@dataclass
class _InputRef:
    """Where an input name sits in 原始数据: one cell, or a column range for a list."""

    first: int
    count: int  # 0: a scalar cell; >= 1: a list of that many rows
    values: list[Any] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return self.count > 0

    def address(self, sheet: str) -> str:
        if not self.is_list:
            return _cell(self.first, _R_VALUE, sheet)
        return _range(self.first, self.first + self.count - 1, _R_VALUE, sheet)


@dataclass
class _CalcCells:
    """Absolute addresses (with sheet) of one entity's results in its 计算过程 sheet."""

    sheet: str
    total: str = ""
    subtotal: str = ""
    deductions: str = ""
    level1: dict[str, str] = field(default_factory=dict)
    level2: dict[str, str] = field(default_factory=dict)
    level3: dict[int, str] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
