"""The scoring workbook (评分表): every number of the evaluation as a live, auditable formula.

The engine computes the scores (:class:`~jinan_eval_gui.engine.Results`); this module writes
them as an .xlsx in which every level-3, level-2 and level-1 score and the total is a formula
over the raw data and the parameters, so an auditor can follow (and recompute) each number in
Excel, WPS or LibreOffice. The engine's own values are written as the cached results of the
formulas, so a viewer that does not recalculate shows the same numbers.

Sheets: 总览, 排名 (several entities only), 指标得分, 计算过程 (one per entity), 原始数据,
填报情况, 校验记录, 评分口径说明. No text that came from a unit is ever written as a formula:
every text goes through ``write_string`` and the workbook refuses ``strings_to_formulas``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from . import engine, rules
from .atomic import atomic_path
from .catalogue import KIND_LABELS, Catalogue, Indicator, InputSpec, Step
from .engine import STATUS_LABELS, IndicatorResult, Results, round2
from .errors import EvalError, ExportError

__all__ = ["FONT", "SHEETS", "Progress", "calc_sheet_names", "export_workbook"]

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
        for row, height in need.items():
            if height > self._heights.get(row, 15):
                super().set_row(row, min(height, 409))


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


# ---------------------------------------------------------------------------------------
# the public function
# ---------------------------------------------------------------------------------------
def export_workbook(
    catalogue: Catalogue,
    results_by_entity: Mapping[str, Results],
    path: str | Path,
    *,
    values_by_entity: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None,
    sources: Mapping[str, Mapping[tuple[Any, ...], Any]] | None = None,
    findings: Sequence[Mapping[str, Any]] | None = None,
    submissions: Sequence[Mapping[str, Any]] | None = None,
    round_info: Mapping[str, Any] | None = None,
    previous: Mapping[str, Results] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write the scoring workbook (评分表) to ``path`` atomically and return the path.

    ``values_by_entity``: ``{entity: {indicator_id: {key: value}}}``, the input values the
    engine scored (table columns as ``"table.column"`` lists, per-unit inputs as lists over
    ``catalogue.units_of(indicator)``); when omitted, the values recorded in the results.
    ``sources``: ``{entity: {(indicator_id, key): (file, sheet, cell)}}``; a list element may
    be given as ``(indicator_id, key, index)`` or as a list of tuples under ``(id, key)``.
    ``findings``: dicts with unit, file, sheet, cell, indicator, input, severity, message.
    ``submissions``: dicts with unit, issued, returned, errors, accepted (other keys are kept).
    ``round_info``: ``name`` and ``year``. ``previous``: an earlier round's results by entity,
    for 上年得分 and 变化. Raises :class:`ExportError` when the file cannot be written.
    """
    if not results_by_entity:
        raise ExportError("没有可导出的评分结果", hint="请先完成评分")
    target = Path(path)
    with atomic_path(target) as tmp:
        builder = _Builder(catalogue, results_by_entity, values_by_entity, sources or {},
                           findings or [], submissions or [], round_info or {}, previous,
                           progress)
        builder.build(tmp)
    return target


# ---------------------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, catalogue: Catalogue, results: Mapping[str, Results],
                 values: Mapping[str, Mapping[int, Mapping[str, Any]]] | None,
                 sources: Mapping[str, Mapping[tuple[Any, ...], Any]],
                 findings: Sequence[Mapping[str, Any]], submissions: Sequence[Mapping[str, Any]],
                 round_info: Mapping[str, Any], previous: Mapping[str, Results] | None,
                 progress: Progress | None) -> None:
        self.cat = catalogue
        self.results = dict(results)
        self.entities = list(self.results)
        self.values = values
        self.sources = sources
        self.findings = findings
        self.submissions = submissions
        self.round_name = str(round_info.get("name") or "")
        self.year = str(round_info.get("year") or "")
        self.previous = previous or None
        self.progress = progress
        self.calc_names = calc_sheet_names(self.entities)
        self.raw_refs: dict[str, dict[int, dict[str, _InputRef]]] = {}
        self.calc: dict[str, _CalcCells] = {}
        self.status_cols: dict[str, str] = {}  # entity -> 指标得分 status column range
        self.tree = [(l1, [(l2, self.cat.indicators_of(l2.id)) for l2 in self.cat.level2_of(l1.id)])
                     for l1 in self.cat.level1]
        self.ordered = [ind for _, l2s in self.tree for _, inds in l2s for ind in inds]
        self.weighted_l1 = [l1 for l1 in self.cat.level1 if l1.kind == "weighted"]
        self.deduction_l1 = [l1 for l1 in self.cat.level1 if l1.kind == "deduction"]
        self._done = 0
        self._steps = 3 + 2 * len(self.entities)

    def tick(self, message: str) -> None:
        self._done += 1
        if self.progress is not None:
            self.progress(min(self._done, self._steps), self._steps, message)

    @property
    def title(self) -> str:
        year = f"{self.year}年度 " if self.year else ""
        return f"{year}{self.cat.title}评分表"

    @property
    def info_line(self) -> str:
        parts = [f"评价轮次：{self.round_name}" if self.round_name else "",
                 f"年度：{self.year}" if self.year else "",
                 f"指标体系版本：{self.cat.version}",
                 f"导出时间：{_dt.datetime.now():%Y-%m-%d %H:%M}"]
        return "    ".join(p for p in parts if p)

    def build(self, file: Path) -> None:
        wb = xlsxwriter.Workbook(str(file), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_format_properties": {"font_name": FONT, "font_size": 10},
        })
        try:
            self.fmts = _Formats(wb)
            wb.set_properties({"title": self.title, "subject": "智慧城市评价评分表",
                               "comments": f"catalogue {self.cat.version} {self.cat.hash}"})
            wb.set_custom_property("catalogue_version", self.cat.version)
            wb.set_custom_property("catalogue_hash", self.cat.hash)
            # Tab order first; contents are written where their addresses are known.
            def sheet(name: str) -> _Sheet:
                return wb.add_worksheet(name, worksheet_class=_Sheet)

            ws_overview = sheet(SHEETS["overview"])
            ws_ranking = sheet(SHEETS["ranking"]) if len(self.entities) > 1 else None
            ws_scores = sheet(SHEETS["scores"])
            ws_calc = {e: sheet(self.calc_names[e]) for e in self.entities}
            ws_raw = sheet(SHEETS["raw"])
            ws_sub = sheet(SHEETS["submissions"])
            ws_find = sheet(SHEETS["findings"])
            ws_notes = sheet(SHEETS["notes"])
            self.write_raw(ws_raw)
            for entity in self.entities:
                self.calc[entity] = _CalcWriter(self, ws_calc[entity], entity).write()
                self.tick(f"已写入{entity}的计算过程")
            self.write_scores(ws_scores)
            self.tick("已写入指标得分")
            self.write_overview(wb, ws_overview)
            if ws_ranking is not None:
                self.write_ranking(ws_ranking)
            self.write_submissions(ws_sub)
            self.write_findings(ws_find)
            self.write_notes(ws_notes)
            for ws in wb.worksheets():
                ws.fit_rows()
            self.tick("已写入填报情况、校验记录和评分口径说明")
            ws_overview.activate()
        except BaseException:
            try:
                wb.close()
            except Exception:  # noqa: BLE001 - the original error matters, not this one
                pass
            raise
        try:
            wb.close()
        except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
            raise ExportError(f"无法保存评分表：{exc}", hint="请检查磁盘空间和文件夹写入权限") from exc
        self.tick("评分表已保存")

    # -- 原始数据 --------------------------------------------------------------------------
    def entity_values(self, entity: str, ind: Indicator) -> Mapping[str, Any]:
        if self.values is not None:
            return self.values.get(entity, {}).get(ind.id, {})
        return self.results[entity].indicators[ind.id].inputs

    def write_raw(self, ws: Worksheet) -> None:
        f = self.fmts
        headers = [("评价对象", 10), ("序号", 6), ("三级指标", 30), ("填报项", 36), ("键名", 16),
                   ("明细（行/单位）", 20), ("计量单位", 8), ("数值", 14), ("来源文件", 30),
                   ("工作表", 12), ("单元格", 8), ("说明", 30)]
        ws.write_string(0, 0, "原始数据：评分所用的全部填报数值（计算过程中的公式引用本表“数值”列）",
                        f.title)
        for col, (name, width) in enumerate(headers):
            ws.write_string(1, col, name, f.header)
            ws.set_column(col, col, width)
        row = 2
        for entity in self.entities:
            refs_e = self.raw_refs.setdefault(entity, {})
            for ind in self.cat.indicators:
                values = self.entity_values(entity, ind)
                env, _missing = engine.indicator_env(ind, values, self.results[entity].params)
                writer = _RawRows(self, ws, row, entity, ind, self.sources.get(entity, {}))
                refs_e[ind.id] = writer.write(values, env)
                row = writer.row
            self.tick(f"已写入{entity}的原始数据")
        last = max(row - 1, 2)
        ws.autofilter(1, 0, last, len(headers) - 1)
        _print_setup(ws, landscape=True, header_rows=(1, 1), freeze=(2, 3))

    # -- 指标得分 --------------------------------------------------------------------------
    def write_scores(self, ws: Worksheet) -> None:
        f = self.fmts
        tree_cols = [("一级指标", 12), ("权重", 7), ("二级指标", 16), ("权重", 7), ("序号", 5),
                     ("三级指标", 40), ("权重", 7), ("责任单位", 22)]
        per_entity = ["一级得分", "二级得分", "得分", "状态"]
        if self.previous:
            per_entity += ["上年得分", "变化"]
        width = len(per_entity)
        first_data = 4
        last_col = len(tree_cols) + width * len(self.entities) - 1
        ws.merge_range(0, 0, 0, last_col, "", f.title)
        ws.write_string(0, 0, f"{self.title}：指标得分", f.title)
        ws.write_string(1, 0, self.info_line, f.subtitle)
        for col, (name, w) in enumerate(tree_cols):
            ws.merge_range(2, col, 3, col, "", f.header)
            ws.write_string(2, col, name, f.header)
            ws.set_column(col, col, w)
        for k, entity in enumerate(self.entities):
            base = len(tree_cols) + k * width
            if width > 1:
                ws.merge_range(2, base, 2, base + width - 1, "", f.header)
            ws.write_string(2, base, entity, f.header)
            for j, name in enumerate(per_entity):
                ws.write_string(3, base + j, name, f.header)
            ws.set_column(base, base + width - 1, 9)
        # tree columns
        row = first_data
        scored_rows: list[int] = []
        for l1, l2s in self.tree:
            l1_rows = sum(len(inds) for _, inds in l2s)
            deduct = l1.kind == "deduction"
            self._merged(ws, row, l1_rows, 0, l1.name, f.bold_center)
            self._merged(ws, row, l1_rows, 1, "扣分制" if deduct else _weight_text(l1.weight),
                         f.bold_center)
            for l2, inds in l2s:
                self._merged(ws, row, len(inds), 2, l2.name, f.center)
                self._merged(ws, row, len(inds), 3, "扣分制" if deduct else
                             _weight_text(l2.weight), f.center)
                for ind in inds:
                    ws.write_number(row, 4, ind.id, f.center)
                    ws.write_string(row, 5, ind.name, f.text)
                    ws.write_string(row, 6, "扣分制" if deduct else _weight_text(ind.weight),
                                    f.center)
                    units = "各有关部门" if ind.all_units else "、".join(
                        r.name + (f"（{r.note}）" if r.note else "") for r in ind.unit_refs)
                    ws.write_string(row, 7, units, f.text)
                    if not deduct:
                        scored_rows.append(row)
                    row += 1
        last_data = row - 1
        # per-entity columns
        for k, entity in enumerate(self.entities):
            base = len(tree_cols) + k * width
            res, cells = self.results[entity], self.calc[entity]
            prev = self.previous.get(entity) if self.previous else None
            row = first_data
            for l1, l2s in self.tree:
                deduct = l1.kind == "deduction"
                l1_rows = sum(len(inds) for _, inds in l2s)
                g1 = next(g for g in res.level1 if g.id == l1.id)
                value1 = res.deductions if deduct else g1.score
                ref1 = cells.deductions if deduct else cells.level1[l1.id]
                fmt1 = f.deduction_bold if deduct else f.score_bold
                self._merged(ws, row, l1_rows, base, "", fmt1)
                ws.write_formula(row, base, f"={ref1}", fmt1, _num(value1 or 0))
                for l2, inds in l2s:
                    g2 = next(g for g in res.level2 if g.id == l2.id)
                    value2 = g2.score if g2.score is not None else round2(
                        sum((res.indicators[i.id].score for i in inds), Decimal(0)))
                    fmt2 = f.deduction if deduct else f.score
                    self._merged(ws, row, len(inds), base + 1, "", fmt2)
                    ws.write_formula(row, base + 1, f"={cells.level2[l2.id]}", fmt2, _num(value2))
                    for ind in inds:
                        r = res.indicators[ind.id]
                        ws.write_formula(row, base + 2, f"={cells.level3[ind.id]}",
                                         f.deduction if deduct else f.score, _num(r.score))
                        ws.write_string(row, base + 3, r.status_label, f.center)
                        if self.previous:
                            self._previous_cells(ws, row, base, r, prev, deduct)
                        row += 1
            col = xl_col_to_name(base + 3)
            self.status_cols[entity] = f"{_q(SHEETS['scores'])}!${col}${first_data + 1}:" \
                                       f"${col}${last_data + 1}"
            self._score_highlights(ws, scored_rows, base)
        ws.set_row(2, 30)
        _print_setup(ws, landscape=True, header_rows=(2, 3), freeze=(first_data, 6))

    def _merged(self, ws: Worksheet, row: int, rows: int, col: int, text: str, fmt: Any) -> None:
        if rows > 1:
            ws.merge_range(row, col, row + rows - 1, col, "", fmt)
        if text:
            ws.write_string(row, col, text, fmt)
        elif rows <= 1:
            ws.write_blank(row, col, None, fmt)

    def _previous_cells(self, ws: Worksheet, row: int, base: int, r: IndicatorResult,
                        prev: Results | None, deduct: bool) -> None:
        f = self.fmts
        old = prev.indicators.get(r.id) if prev is not None else None
        if old is None:
            ws.write_blank(row, base + 4, None, f.score)
            ws.write_blank(row, base + 5, None, f.change)
            return
        ws.write_number(row, base + 4, _num(old.score), f.deduction if deduct else f.score)
        now = xl_rowcol_to_cell(row, base + 2)
        then = xl_rowcol_to_cell(row, base + 4)
        ws.write_formula(row, base + 5, f"=ROUND({now}-{then},2)", f.change,
                         _num(round2(r.score - old.score)))

    def _score_highlights(self, ws: Worksheet, rows: list[int], base: int) -> None:
        """Red below 60, amber below 80 on level-3 scores; changes coloured by sign."""
        if not rows:
            return
        blocks: list[tuple[int, int]] = []
        for r in rows:
            if blocks and blocks[-1][1] == r - 1:
                blocks[-1] = (blocks[-1][0], r)
            else:
                blocks.append((r, r))
        col = base + 2
        name = xl_col_to_name(col)
        multi = " ".join(f"{name}{a + 1}:{name}{b + 1}" for a, b in blocks)
        for extra in ({"criteria": "<", "value": 60, "format": self.fmts.red},
                      {"criteria": "between", "minimum": 60, "maximum": 79.995,
                       "format": self.fmts.amber}):
            ws.conditional_format(blocks[0][0], col, blocks[-1][1], col,
                                  {"type": "cell", "multi_range": multi, **extra})
        if self.previous:
            name = xl_col_to_name(base + 5)
            multi = " ".join(f"{name}{a + 1}:{name}{b + 1}" for a, b in blocks)
            for criteria, fmt in (("<", self.fmts.down), (">", self.fmts.up)):
                ws.conditional_format(blocks[0][0], base + 5, blocks[-1][1], base + 5,
                                      {"type": "cell", "criteria": criteria, "value": 0,
                                       "format": fmt, "multi_range": multi})

    # -- 总览 ------------------------------------------------------------------------------
    def write_overview(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        f = self.fmts
        columns = ["评价对象", "总分", "加权得分", "扣分"] + [l1.name for l1 in self.weighted_l1]
        if self.previous:
            columns += ["上年总分", "变化"]
        last_col = len(columns) - 1
        ws.merge_range(0, 0, 0, max(last_col, 6), "", f.title)
        ws.write_string(0, 0, f"{self.title}：总览", f.title)
        ws.write_string(1, 0, self.info_line, f.subtitle)
        ws.write_string(2, 0, "各得分均为公式，引用“计算过程”中的单元格；修改原始数据或参数后自动重算。",
                        f.subtitle)
        header, weights = 4, 5
        for col, name in enumerate(columns):
            ws.write_string(header, col, name, f.header)
        ws.write_string(weights, 0, "权重", f.bold_center)
        ws.write_string(weights, 1, "100%", f.bold_center)
        ws.write_string(weights, 2, "", f.bold_center)
        deduct_names = "、".join(l1.name for l1 in self.deduction_l1) or "扣分"
        ws.write_string(weights, 3, f"{deduct_names}（扣分制）", f.bold_center)
        for j, l1 in enumerate(self.weighted_l1):
            ws.write_string(weights, 4 + j, _weight_text(l1.weight), f.bold_center)
        for col in range(4 + len(self.weighted_l1), len(columns)):
            ws.write_blank(weights, col, None, f.bold_center)
        first = weights + 1
        for k, entity in enumerate(self.entities):
            row = first + k
            res, cells = self.results[entity], self.calc[entity]
            ws.write_string(row, 0, entity, f.bold)
            ws.write_formula(row, 1, f"={cells.total}", f.total, _num(res.total))
            ws.write_formula(row, 2, f"={cells.subtotal}", f.score, _num(res.subtotal))
            ws.write_formula(row, 3, f"={cells.deductions}", f.deduction, _num(res.deductions))
            for j, l1 in enumerate(self.weighted_l1):
                g = next(g for g in res.level1 if g.id == l1.id)
                ws.write_formula(row, 4 + j, f"={cells.level1[l1.id]}", f.score,
                                 _num(g.score or 0))
            if self.previous:
                col = 4 + len(self.weighted_l1)
                old = self.previous.get(entity)
                if old is None:
                    ws.write_blank(row, col, None, f.score)
                    ws.write_blank(row, col + 1, None, f.change)
                else:
                    ws.write_number(row, col, _num(old.total), f.score)
                    ws.write_formula(row, col + 1, f"=ROUND({xl_rowcol_to_cell(row, 1)}-"
                                     f"{xl_rowcol_to_cell(row, col)},2)", f.change,
                                     _num(round2(res.total - old.total)))
        last = first + len(self.entities) - 1
        ws.set_column(0, 0, 14)
        ws.set_column(1, last_col, 11)
        ws.set_row(header, 32)
        # completeness
        row = last + 2
        ws.write_string(row, 0, "数据采集完整性（三级指标个数）", f.section)
        row += 1
        labels = [STATUS_LABELS[s] for s in ("ok", "missing", "invalid", "expert")]
        for col, name in enumerate(["评价对象", *labels, "合计", "非缺报占比"]):
            ws.write_string(row, col, name, f.header)
        for k, entity in enumerate(self.entities):
            r = row + 1 + k
            statuses = [ir.status for ir in self.results[entity].indicators.values()]
            ws.write_string(r, 0, entity, f.bold)
            for j, status in enumerate(("ok", "missing", "invalid", "expert")):
                ws.write_formula(r, 1 + j, f'=COUNTIF({self.status_cols[entity]},'
                                 f'"{STATUS_LABELS[status]}")', f.integer, statuses.count(status))
            total_cell = xl_rowcol_to_cell(r, 5)
            ws.write_formula(r, 5, f"=SUM({xl_rowcol_to_cell(r, 1)}:{xl_rowcol_to_cell(r, 4)})",
                             f.integer, len(statuses))
            share = (len(statuses) - statuses.count("missing")) / len(statuses) if statuses else 0
            ws.write_formula(r, 6, f"=IF({total_cell}=0,0,({total_cell}-"
                             f"{xl_rowcol_to_cell(r, 2)})/{total_cell})", f.percent, share)
        chart_row = row + len(self.entities) + 2
        self._overview_chart(wb, ws, header, first, last, chart_row)
        _print_setup(ws, landscape=True, header_rows=(header, weights), freeze=(first, 1))

    def _overview_chart(self, wb: xlsxwriter.Workbook, ws: Worksheet, header: int, first: int,
                        last: int, at_row: int) -> None:
        if not self.weighted_l1:
            return
        sheet = SHEETS["overview"]
        c0, c1 = 4, 4 + len(self.weighted_l1) - 1
        chart = wb.add_chart({"type": "column"})
        font = {"name": FONT, "size": 9}
        for row in range(first, last + 1):
            series: dict[str, Any] = {
                "name": [sheet, row, 0],
                "categories": [sheet, header, c0, header, c1],
                "values": [sheet, row, c0, row, c1],
            }
            if first == last:
                series["data_labels"] = {"value": True, "num_format": "0.00", "font": font}
                series["fill"] = {"color": "#4472C4"}
            chart.add_series(series)
        chart.set_title({"name": "一级指标得分", "name_font": {"name": FONT, "size": 12}})
        chart.set_x_axis({"num_font": font})
        chart.set_y_axis({"min": 0, "max": 100, "num_font": font,
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom", "font": font} if first != last
                         else {"none": True})
        chart.set_size({"width": 760, "height": 360})
        ws.insert_chart(at_row, 0, chart)

    # -- 排名 ------------------------------------------------------------------------------
    def write_ranking(self, ws: Worksheet) -> None:
        f = self.fmts
        columns = ["名次", "评价对象", "总分", "加权得分", "扣分"] + [l1.name for l1 in self.weighted_l1]
        ws.merge_range(0, 0, 0, len(columns) - 1, "", f.title)
        ws.write_string(0, 0, f"{self.title}：排名（按总分，RANK 公式实时计算）", f.title)
        ws.write_string(1, 0, self.info_line, f.subtitle)
        for col, name in enumerate(columns):
            ws.write_string(3, col, name, f.header)
        order = sorted(self.entities, key=lambda e: -self.results[e].total)
        first, last = 4, 4 + len(order) - 1
        totals = _range(first, last, 2)
        for k, entity in enumerate(order):
            row = first + k
            res, cells = self.results[entity], self.calc[entity]
            rank = 1 + sum(1 for e in self.entities if self.results[e].total > res.total)
            ws.write_formula(row, 0, f"=RANK({xl_rowcol_to_cell(row, 2)},{totals})", f.integer,
                             rank)
            ws.write_string(row, 1, entity, f.bold)
            ws.write_formula(row, 2, f"={cells.total}", f.total, _num(res.total))
            ws.write_formula(row, 3, f"={cells.subtotal}", f.score, _num(res.subtotal))
            ws.write_formula(row, 4, f"={cells.deductions}", f.deduction, _num(res.deductions))
            for j, l1 in enumerate(self.weighted_l1):
                g = next(g for g in res.level1 if g.id == l1.id)
                ws.write_formula(row, 5 + j, f"={cells.level1[l1.id]}", f.score,
                                 _num(g.score or 0))
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 14)
        ws.set_column(2, len(columns) - 1, 11)
        ws.set_row(3, 32)
        _print_setup(ws, landscape=True, header_rows=(3, 3), freeze=(4, 2))

    # -- 填报情况 / 校验记录 ----------------------------------------------------------------
    def write_submissions(self, ws: Worksheet) -> None:
        f = self.fmts
        keys: list[str] = [k for k in ("unit", "issued", "returned", "errors", "accepted")]
        for item in self.submissions:
            keys += [k for k in item if k not in keys]
        ws.write_string(0, 0, "填报情况：各责任单位模板下发、回收与采纳", f.title)
        for col, key in enumerate(keys):
            ws.write_string(2, col, _SUBMISSION_COLUMNS.get(key, str(key)), f.header)
            ws.set_column(col, col, 24 if key in ("unit", "file", "note") else 12)
        for r, item in enumerate(self.submissions, start=3):
            for col, key in enumerate(keys):
                _write_value(ws, r, col, item.get(key), f)
        if not self.submissions:
            ws.write_string(3, 0, "（无填报记录）", f.text)
        else:
            ws.autofilter(2, 0, 2 + len(self.submissions), len(keys) - 1)
        _print_setup(ws, landscape=False, header_rows=(2, 2), freeze=(3, 1))

    def write_findings(self, ws: Worksheet) -> None:
        f = self.fmts
        ws.write_string(0, 0, "校验记录：导入回收表时发现的全部问题", f.title)
        for col, (_, name, width) in enumerate(_FINDING_COLUMNS):
            ws.write_string(2, col, name, f.header)
            ws.set_column(col, col, width)
        for r, item in enumerate(self.findings, start=3):
            for col, (key, _, _) in enumerate(_FINDING_COLUMNS):
                value = item.get(key)
                if key == "severity" and isinstance(value, str):
                    value = _SEVERITY.get(value, value)
                _write_value(ws, r, col, value, f)
        if not self.findings:
            ws.write_string(3, 0, "（无校验问题）", f.text)
        else:
            ws.autofilter(2, 0, 2 + len(self.findings), len(_FINDING_COLUMNS) - 1)
            col = [k for k, _, _ in _FINDING_COLUMNS].index("severity")
            ws.conditional_format(3, col, 2 + len(self.findings), col, {
                "type": "cell", "criteria": "==", "value": '"错误"', "format": self.fmts.red})
        _print_setup(ws, landscape=True, header_rows=(2, 2), freeze=(3, 0))

    # -- 评分口径说明 ----------------------------------------------------------------------
    def write_notes(self, ws: Worksheet) -> None:
        f = self.fmts
        params = self.results[self.entities[0]].params
        missing = params.get("missing_score", Decimal(0))
        cap = params.get("deduction_cap", Decimal(0))
        widths = [6, 30, 14, 9, 44, 44, 22, 40]
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        last_col = len(widths) - 1
        ws.merge_range(0, 0, 0, last_col, "", f.title)
        ws.write_string(0, 0, f"{self.title}：评分口径说明", f.title)
        ws.write_string(1, 0, self.info_line, f.subtitle)
        rules = [
            "百分制：三级指标得分在 0～100 分之间（超过按 100 分、低于按 0 分计），保留 2 位小数（四舍五入，"
            "与 Excel 的 ROUND 相同）。",
            "二级指标得分 = Σ(三级指标权重 × 三级指标得分) ÷ 100，一级指标得分 = Σ(二级指标权重 × 二级指标得分)"
            " ÷ 100，各保留 2 位小数；只有一个且未设权重的下级指标，得分直接上传。",
            f"缺报（缺少必填数据）或数据有误（校验不通过、无法计算）的三级指标按 {_num(missing)} 分计"
            "（参数 missing_score）；扣分制指标缺报或有误时不扣分。",
            "专家评分覆盖规则计算结果，须注明理由，见“计算过程”中该指标的说明。",
            f"{'、'.join(l1.name for l1 in self.deduction_l1) or '信息安全'}为扣分制、不占权重：各扣分指标的扣分"
            f"合计（保留 2 位小数）不超过 {_num(cap)} 分（参数 deduction_cap），各指标自身上限见其参数 cap。",
            "总分 = max(0, 加权得分 − 扣分)，加权得分 = Σ(一级指标权重 × 一级指标得分) ÷ 100，保留 2 位小数。",
        ]
        row = 3
        ws.merge_range(row, 0, row, last_col, "", f.section)
        ws.write_string(row, 0, "一、评分方法与缺报处理", f.section)
        for k, text in enumerate(rules, 1):
            row += 1
            ws.merge_range(row, 0, row, last_col, "", f.text)
            ws.write_string(row, 0, f"{k}. {text}", f.text)
            ws.set_row(row, 30)
        row += 2
        ws.merge_range(row, 0, row, last_col, "", f.section)
        ws.write_string(row, 0, "二、评价参数", f.section)
        row += 1
        for col, name in enumerate(["", "参数", "键名", "取值", "说明"]):
            ws.write_string(row, col, name, f.header)
        for spec in self.cat.parameters:
            row += 1
            ws.write_blank(row, 0, None, f.text)
            ws.write_string(row, 1, spec.label, f.text)
            ws.write_string(row, 2, spec.key, f.text)
            ws.write_number(row, 3, _num(params.get(spec.key, spec.default)), f.number)
            differing = [f"{e}：{_num(self.results[e].params.get(spec.key, spec.default))}"
                         for e in self.entities[1:]
                         if self.results[e].params.get(spec.key) != params.get(spec.key)]
            note = spec.hint + (f"（各评价对象取值不同：{'；'.join(differing)}）" if differing else "")
            ws.write_string(row, 4, note, f.text)
        row += 2
        ws.merge_range(row, 0, row, last_col, "", f.section)
        ws.write_string(row, 0, "三、三级指标评分口径", f.section)
        row += 1
        header = row
        for col, name in enumerate(["序号", "三级指标", "类型", "采集方式", "计算规则", "评分口径（假设）",
                                    "参数", "填报项"]):
            ws.write_string(row, col, name, f.header)
        for ind in self.ordered:
            row += 1
            ws.write_number(row, 0, ind.id, f.center)
            ws.write_string(row, 1, ind.name, f.text)
            ws.write_string(row, 2, KIND_LABELS.get(ind.kind, ind.kind), f.center)
            ws.write_string(row, 3, "分单位填报" if ind.collect == "per_unit" else "统一填报", f.center)
            ws.write_string(row, 4, _rule_text(ind), f.text)
            ws.write_string(row, 5, ind.assumption or "按评估方法原文计算。", f.text)
            ws.write_string(row, 6, "\n".join(
                f"{name} = {_num(params.get(f'{ind.id}.{name}', value))}"
                for name, value in ind.params.items()), f.text)
            ws.write_string(row, 7, "\n".join(_input_text(s) for s in ind.inputs), f.text)
        _print_setup(ws, landscape=True, header_rows=(header, header), freeze=None)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _rule_text(ind: Indicator) -> str:
    lines = [f"{s.name}（{s.label}）= {s.rule.text}" if s.label else f"{s.name} = {s.rule.text}"
             for s in ind.steps]
    lines.append(("扣分 = " if ind.kind == "deduction" else "得分 = ") + ind.score.text)
    lines += [f"校验：{c.rule.text}（{c.message}）" for c in ind.checks]
    return "\n".join(lines)


def _input_text(spec: InputSpec) -> str:
    unit = f"（{spec.unit}）" if spec.unit else ""
    text = f"{spec.key}：{spec.label}{unit}"
    if spec.columns:
        text += "；列：" + "、".join(f"{c.key} {c.label}" for c in spec.columns)
    return text


# ---------------------------------------------------------------------------------------
# 原始数据 rows of one indicator
# ---------------------------------------------------------------------------------------
class _RawRows:
    """Writes one (entity, indicator)'s inputs; a list's elements go in consecutive rows."""

    def __init__(self, builder: _Builder, ws: Worksheet, row: int, entity: str, ind: Indicator,
                 sources: Mapping[tuple[Any, ...], Any]) -> None:
        self.b = builder
        self.ws = ws
        self.row = row
        self.entity = entity
        self.ind = ind
        self.sources = sources
        self.f = builder.fmts

    def write(self, values: Mapping[str, Any], env: Mapping[str, Any]) -> dict[str, _InputRef]:
        refs: dict[str, _InputRef] = {}
        per_unit = self.ind.collect == "per_unit"
        included = self.included_units(values, env) if per_unit else []
        for spec in self.ind.inputs:
            raw = values.get(spec.key)
            if spec.kind == "text":
                self.line(spec, spec.key, "", raw, "" if raw is not None else "未填写")
            elif spec.kind == "table":
                self.table(spec, values, refs)
            elif per_unit:
                refs[spec.key] = self.per_unit(spec, raw, env.get(spec.key), included)
            else:
                missing = raw is None and spec.required
                value = None if missing else env.get(spec.key)
                note = "" if raw is not None else "缺报" if missing else "未填报，按 0 计"
                refs[spec.key] = _InputRef(self.row, 0, [value])
                self.line(spec, spec.key, "", value, note)
        return refs

    def table(self, spec: InputSpec, values: Mapping[str, Any], refs: dict[str, _InputRef]) -> None:
        columns = {c.key: list(values.get(f"{spec.key}.{c.key}") or []) for c in spec.columns}
        rows = max((len(v) for v in columns.values()), default=0)
        names = next((columns[c.key] for c in spec.columns if c.kind == "text"), [])
        for col in spec.columns:
            name = f"{spec.key}.{col.key}"
            items = columns[col.key] + [None] * (rows - len(columns[col.key]))
            first = self.row
            if not items:
                self.line(col, name, "", None, "明细表无数据", label=f"{spec.label}：{col.label}")
            for i, item in enumerate(items):
                who = names[i] if i < len(names) and isinstance(names[i], str) and names[i] else ""
                detail = f"第{i + 1}行" + (f"（{who}）" if who and col.kind != "text" else "")
                self.line(col, name, detail, item, "缺报" if item is None else "",
                          label=f"{spec.label}：{col.label}", index=i)
            if col.kind != "text":
                refs[name] = _InputRef(first, max(len(items), 1), items)

    def included_units(self, values: Mapping[str, Any], env: Mapping[str, Any]) -> list[int] | None:
        """Which units' rows the engine's lists hold: those that reported every required input.

        Checked against the engine's lists; ``None`` when they disagree (the lists are then
        written as the engine holds them, without unit names).
        """
        specs = [s for s in self.ind.inputs if s.kind not in ("text", "table")]
        lists = {s.key: _as_list(values.get(s.key)) for s in specs}
        width = max((len(v) for v in lists.values()), default=0)
        at = {key: (v + [None] * width)[:width] for key, v in lists.items()}
        rows = [i for i in range(width)
                if all(at[s.key][i] is not None for s in specs if s.required)]
        for s in specs:
            expected = [at[s.key][i] if at[s.key][i] is not None else 0 for i in rows]
            if expected != list(_as_list(env.get(s.key))):
                return None
        return rows

    def per_unit(self, spec: InputSpec, raw: Any, used: Any, included: list[int] | None
                 ) -> _InputRef:
        """The values the rules read first, contiguous (one range), then the units left out."""
        items = _as_list(raw)
        used = _as_list(used)
        units = self.b.cat.units_of(self.ind)
        labels = list(units) if len(units) == len(items) else [f"第{i + 1}项"
                                                                for i in range(len(items))]
        first = self.row
        if included is None:
            for k, value in enumerate(used):
                self.line(spec, spec.key, f"第{k + 1}项", value, "")
        else:
            for k, i in enumerate(included):
                note = "" if items[i] is not None else "未填报，按 0 计"
                self.line(spec, spec.key, labels[i], used[k], note, index=i)
        if not used:
            self.line(spec, spec.key, "", None, "无数据" if not items else "无单位填齐必填项")
        for i in range(len(items)) if included is not None else ():
            if i not in included:
                self.line(spec, spec.key, labels[i], items[i],
                          "该单位未填齐必填项，不参与计算", index=i)
        return _InputRef(first, max(len(used), 1), list(used))

    def line(self, spec: InputSpec, key: str, detail: str, value: Any, note: str, *,
             label: str | None = None, index: int | None = None) -> None:
        ws, f, r = self.ws, self.f, self.row
        ws.write_string(r, 0, self.entity, f.text)
        ws.write_number(r, 1, self.ind.id, f.center)
        ws.write_string(r, 2, self.ind.name, f.text)
        ws.write_string(r, 3, label or spec.label, f.text)
        ws.write_string(r, 4, key, f.text)
        ws.write_string(r, 5, detail, f.text)
        ws.write_string(r, 6, "%" if spec.kind == "percent" and not spec.unit else spec.unit, f.center)
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            fmt = f.yesno if spec.kind == "yesno" else f.number
            ws.write_number(r, _R_VALUE, _num(value), fmt)
            if spec.kind == "choice":
                label_of = {o.value: o.label for o in spec.options}
                if value in label_of:
                    note = f"{note}；选项：{label_of[value]}" if note else f"选项：{label_of[value]}"
        elif value is None:
            ws.write_blank(r, _R_VALUE, None, f.number)
        else:
            ws.write_string(r, _R_VALUE, _text(value), f.text)
        source = self.source(key, index)
        for j in range(3):
            part = source[j] if j < len(source) else None
            ws.write_string(r, 8 + j, _text(part), f.text)
        ws.write_string(r, 11, note, f.text)
        self.row += 1

    def source(self, key: str, index: int | None) -> tuple[Any, ...]:
        """(file, sheet, cell) of a value; a list element needs its own entry.

        An entry for the whole input is trusted for a scalar; for a table row it gives the
        file and sheet (the cell only for the first row); for a per-unit element nothing,
        since each unit returned its own file.
        """
        if index is not None:
            found = self.sources.get((self.ind.id, key, index))
            if found is not None:
                return _source_tuple(found)
        found = self.sources.get((self.ind.id, key))
        if found is None and "." in key:
            found = self.sources.get((self.ind.id, key.split(".")[0]))
        if isinstance(found, list):
            return _source_tuple(found[index]) if index is not None and index < len(found) else ()
        if found is None or index is None:
            return _source_tuple(found)
        if self.ind.collect == "per_unit" and "." not in key:
            return ()
        parts = _source_tuple(found)
        return parts if index == 0 else (*parts[:2], "")


def _source_tuple(found: Any) -> tuple[Any, ...]:
    if found is None:
        return ()
    return tuple(found) if isinstance(found, tuple | list) else (found,)


# ---------------------------------------------------------------------------------------
# 计算过程 of one entity
# ---------------------------------------------------------------------------------------
class _CalcWriter:
    """One entity's 计算过程: parameters, totals, the 8/26/88 summary, then each indicator.

    Rows of the summary are planned before the indicator blocks are written, so the summary
    (at the top) can refer down to the blocks' score cells.
    """

    def __init__(self, builder: _Builder, ws: Worksheet, entity: str) -> None:
        self.b = builder
        self.ws = ws
        self.entity = entity
        self.res = builder.results[entity]
        self.f = builder.fmts
        self.sheet = builder.calc_names[entity]
        self.raw = builder.raw_refs[entity]
        self.cells = _CalcCells(self.sheet)
        self.param_cells: dict[str, str] = {}

    def write(self) -> _CalcCells:
        ws, f = self.ws, self.f
        widths = [7, 40, 9, 14, 8, 14, 46, 40]
        for col, w in enumerate(widths):
            ws.set_column(col, col, w)
        ws.merge_range(0, 0, 0, 7, "", f.title)
        ws.write_string(0, 0, f"{self.entity}：评分计算过程", f.title)
        ws.write_string(1, 0, self.b.info_line, f.subtitle)
        ws.write_string(2, 0, "“值/得分”列均为公式（引用“原始数据”和本表参数），可逐项核对；"
                        "灰色说明列给出规则原文和状态。", f.subtitle)
        header = 4
        for col, name in enumerate(["编号", "名称", "类别", "键名", "权重(%)", "值/得分",
                                    "计算公式/规则", "说明"]):
            ws.write_string(header, col, name, f.header)
        row = header + 1
        row = self.section(row, "一、评价参数")
        for spec in self.b.cat.parameters:
            value = self.res.params.get(spec.key, spec.default)
            self.line(row, "", spec.label, "参数", spec.key)
            ws.write_number(row, _C_VALUE, _num(value), f.number)
            ws.write_string(row, _C_NOTE, spec.hint, f.text)
            self.param_cells[spec.key] = _cell(row, _C_VALUE)
            row += 1
        # plan the summary
        row = self.section(row + 1, "二、总分")
        totals_row = row
        row += 3
        row = self.section(row + 1, "三、一级指标")
        l1_rows = {l1.id: row + k for k, l1 in enumerate(self.b.weighted_l1 + self.b.deduction_l1)}
        row += len(l1_rows)
        row = self.section(row + 1, "四、二级指标")
        l2_order = [l2 for _, l2s in self.b.tree for l2, _ in l2s]
        l2_rows = {l2.id: row + k for k, l2 in enumerate(l2_order)}
        row += len(l2_rows)
        row = self.section(row + 1, "五、三级指标得分")
        l3_rows = {ind.id: row + k for k, ind in enumerate(self.b.ordered)}
        row += len(l3_rows)
        row = self.section(row + 1, "六、各三级指标计算过程")
        score_cells: dict[int, str] = {}
        for ind in self.b.ordered:
            row, score_cells[ind.id] = self.block(row, ind)
        self.level3(l3_rows, score_cells)
        self.level2(l2_rows, l3_rows)
        self.level1(l1_rows, l2_rows, l3_rows)
        self.totals(totals_row, l1_rows, l3_rows)
        ws.set_row(header, 20)
        _print_setup(ws, landscape=True, header_rows=(header, header), freeze=(header + 1, 2))
        return self.cells

    # -- helpers -------------------------------------------------------------------------
    def section(self, row: int, title: str) -> int:
        self.ws.merge_range(row, 0, row, 7, "", self.f.section)
        self.ws.write_string(row, 0, title, self.f.section)
        return row + 1

    def line(self, row: int, ident: Any, name: str, kind: str, key: str = "",
             weight: Decimal | None = None, rule: str = "", note: str = "",
             bold: bool = False) -> None:
        ws, f = self.ws, self.f
        text = f.bold if bold else f.text
        if isinstance(ident, int):
            ws.write_number(row, _C_ID, ident, f.bold_center if bold else f.center)
        else:
            ws.write_string(row, _C_ID, str(ident), f.bold_center if bold else f.center)
        ws.write_string(row, _C_NAME, name, text)
        ws.write_string(row, _C_KIND, kind, f.center)
        ws.write_string(row, _C_KEY, key, f.text)
        if weight is None:
            ws.write_blank(row, _C_WEIGHT, None, f.number)
        else:
            ws.write_number(row, _C_WEIGHT, _num(weight), f.number)
        ws.write_string(row, _C_RULE, rule, f.text)
        ws.write_string(row, _C_NOTE, note, f.text)

    def formula(self, row: int, formula: str, value: Decimal | int | float, fmt: Any) -> None:
        self.ws.write_formula(row, _C_VALUE, "=" + formula, fmt, _num(value))

    # -- summary ---------------------------------------------------------------------------
    def level3(self, rows: dict[int, int], score_cells: dict[int, str]) -> None:
        f = self.f
        for ind in self.b.ordered:
            r = self.res.indicators[ind.id]
            row = rows[ind.id]
            deduct = ind.kind == "deduction"
            self.line(row, ind.id, ind.name, "三级指标（扣分）" if deduct else "三级指标",
                      weight=ind.weight, rule=f"见下方指标 {ind.id} 的计算过程",
                      note=r.status_label)
            self.formula(row, score_cells[ind.id], r.score, f.deduction if deduct else f.score)
            self.cells.level3[ind.id] = _cell(row, _C_VALUE, self.sheet)

    def level2(self, rows: dict[str, int], l3_rows: dict[int, int]) -> None:
        f = self.f
        for l1, l2s in self.b.tree:
            for l2, inds in l2s:
                row = rows[l2.id]
                g = next(g for g in self.res.level2 if g.id == l2.id)
                first, last = l3_rows[inds[0].id], l3_rows[inds[-1].id]
                if l1.kind == "deduction":
                    value = round2(sum((self.res.indicators[i.id].score for i in inds),
                                       Decimal(0)))
                    text, formula = "本组扣分合计", f"ROUND(SUM({_range(first, last, _C_VALUE)}),2)"
                    fmt = f.deduction_bold
                else:
                    value = g.score or Decimal(0)
                    text, formula = _weighted(first, last, [i.weight for i in inds])
                    fmt = f.score_bold
                self.line(row, l2.id, l2.name, "二级指标", weight=l2.weight,
                          rule=text, note=l1.name, bold=True)
                self.formula(row, formula, value, fmt)
                self.cells.level2[l2.id] = _cell(row, _C_VALUE, self.sheet)

    def level1(self, rows: dict[str, int], l2_rows: dict[str, int],
               l3_rows: dict[int, int]) -> None:
        f = self.f
        for l1, l2s in self.b.tree:
            row = rows[l1.id]
            g = next(g for g in self.res.level1 if g.id == l1.id)
            if l1.kind == "deduction":
                inds = [i for _, group in l2s for i in group]
                first, last = l3_rows[inds[0].id], l3_rows[inds[-1].id]
                value = round2(sum((self.res.indicators[i.id].score for i in inds), Decimal(0)))
                self.line(row, l1.id, l1.name, "一级指标", rule="扣分制，不占权重：扣分合计（封顶前）",
                          bold=True)
                self.formula(row, f"ROUND(SUM({_range(first, last, _C_VALUE)}),2)", value,
                             f.deduction_bold)
            else:
                first, last = l2_rows[l2s[0][0].id], l2_rows[l2s[-1][0].id]
                text, formula = _weighted(first, last, [l2.weight for l2, _ in l2s])
                self.line(row, l1.id, l1.name, "一级指标", weight=l1.weight, rule=text, bold=True)
                self.formula(row, formula, g.score or Decimal(0), f.score_bold)
            self.cells.level1[l1.id] = _cell(row, _C_VALUE, self.sheet)

    def totals(self, row: int, l1_rows: dict[str, int], l3_rows: dict[int, int]) -> None:
        f = self.f
        weighted = self.b.weighted_l1
        if weighted:
            first, last = l1_rows[weighted[0].id], l1_rows[weighted[-1].id]
            sub = (f"ROUND(SUMPRODUCT({_range(first, last, _C_WEIGHT)},"
                   f"{_range(first, last, _C_VALUE)})/100,2)")
        else:
            sub = "0"
        self.line(row, "", "加权得分", "合计", rule="Σ(一级指标权重×得分)/100，保留2位小数", bold=True)
        self.formula(row, sub, self.res.subtotal, f.score_bold)
        ranges = []
        for l1 in self.b.deduction_l1:
            inds = [i for l2 in self.b.cat.level2_of(l1.id) for i in self.b.cat.indicators_of(l2.id)]
            if inds:
                ranges.append(_range(l3_rows[inds[0].id], l3_rows[inds[-1].id], _C_VALUE))
        cap = self.param_cells.get("deduction_cap", "0")
        deduct = f"MIN({cap},ROUND(SUM({','.join(ranges)}),2))" if ranges else "0"
        self.line(row + 1, "", "扣分", "合计", rule="MIN(扣分上限, 各扣分指标扣分合计)", bold=True)
        self.formula(row + 1, deduct, self.res.deductions, f.deduction_bold)
        self.line(row + 2, "", "总分", "合计", rule="MAX(0, 加权得分 − 扣分)", bold=True)
        self.formula(row + 2, f"MAX(0,ROUND({_cell(row, _C_VALUE)}-{_cell(row + 1, _C_VALUE)},2))",
                     self.res.total, f.total)
        self.cells.subtotal = _cell(row, _C_VALUE, self.sheet)
        self.cells.deductions = _cell(row + 1, _C_VALUE, self.sheet)
        self.cells.total = _cell(row + 2, _C_VALUE, self.sheet)

    # -- one indicator ---------------------------------------------------------------------
    def block(self, row: int, ind: Indicator) -> tuple[int, str]:
        """Write one indicator's trace; return the next free row and its score cell."""
        ws, f = self.ws, self.f
        r = self.res.indicators[ind.id]
        deduct = ind.kind == "deduction"
        status_note = r.status_label + ("：" + "；".join(r.messages) if r.messages else "")
        self.line(row, ind.id, ind.name, KIND_LABELS.get(ind.kind, ind.kind), weight=ind.weight,
                  rule=ind.assumption, note=status_note, bold=True)
        ws.write_blank(row, _C_VALUE, None, f.bold)
        row += 1
        raw_sheet = SHEETS["raw"]
        refs: dict[str, str] = {}
        list_names: set[str] = set()
        inputs = self.raw.get(ind.id, {})
        for spec in ind.inputs:
            targets = ([(f"{spec.key}.{c.key}", c) for c in spec.columns if c.kind != "text"]
                       if spec.kind == "table" else [] if spec.kind == "text" else [(spec.key, spec)])
            for name, sub in targets:
                ref = inputs.get(name)
                if ref is None:
                    continue
                refs[name] = ref.address(raw_sheet)
                label = sub.label if sub is spec else f"{spec.label}：{sub.label}"
                shown = ref.address(raw_sheet).split("!")[1].replace("$", "")
                self.line(row, "", label, "填报项", name, note=sub.unit)
                ws.write_url(row, _C_RULE, f"internal:{_q(raw_sheet)}!{shown}", f.link,
                             f"{raw_sheet}!{shown}")
                if ref.is_list:
                    list_names.add(name)
                    ws.write_string(row, _C_VALUE, f"{ref.count} 项", f.center)
                else:
                    value = ref.values[0] if ref.values else None
                    cached = value if isinstance(value, Decimal | int | float) else 0
                    self.formula(row, ref.address(raw_sheet), cached,
                                 f.yesno if sub.kind == "yesno" else f.number)
                row += 1
        for name in ind.params:
            value = r.params.get(name, ind.params[name])
            self.line(row, "", f"参数 {name}", "参数", name, note="评价参数，可按轮次调整")
            ws.write_number(row, _C_VALUE, _num(value), f.number)
            refs[name] = _cell(row, _C_VALUE)
            row += 1
        list_names |= set(ind.list_names) & set(refs)
        computed = r.status != "expert"
        for step in ind.steps:
            row, computed = self.step(row, ind, step, refs, list_names, computed)
        # the score
        label = "扣分" if deduct else "得分"
        self.line(row, "", f"{label}（{r.status_label}）", label, "score", rule=ind.score.text,
                  bold=True)
        fmt = f.deduction_bold if deduct else f.score_bold
        if r.status == "expert":
            ws.write_number(row, _C_VALUE, _num(r.score), fmt)
            ws.write_string(row, _C_NOTE, f"专家评分：{r.override_reason}", f.text)
        elif r.status in ("missing", "invalid"):
            if deduct:
                ws.write_number(row, _C_VALUE, 0, fmt)
                ws.write_string(row, _C_NOTE, f"{r.status_label}：扣分制指标不扣分（按 0 计）", f.text)
            else:
                cell = self.param_cells.get("missing_score")
                if cell is None:
                    ws.write_number(row, _C_VALUE, _num(r.score), fmt)
                else:
                    self.formula(row, cell, r.score, fmt)
                ws.write_string(row, _C_NOTE, f"{r.status_label}：按缺报/有误计分规则取 "
                                f"missing_score 参数值（{'；'.join(r.messages)}）", f.text)
        else:
            inner = self.compile(ind.score, refs, list_names)
            if inner is None:
                ws.write_number(row, _C_VALUE, _num(r.score), fmt)
                ws.write_string(row, _C_NOTE, "无法生成公式，填入计算结果", f.text)
            elif deduct:
                self.formula(row, f"ROUND(MAX(0,{inner}),2)", r.score, fmt)
            else:
                self.formula(row, f"ROUND(MIN(100,MAX(0,{inner})),2)", r.score, fmt)
        return row + 2, _cell(row, _C_VALUE)

    def step(self, row: int, ind: Indicator, step: Step, refs: dict[str, str],
             list_names: set[str], computed: bool) -> tuple[int, bool]:
        ws, f = self.ws, self.f
        r = self.res.indicators[ind.id]
        value = r.steps.get(step.name)
        self.line(row, "", step.label or step.name, "中间量", step.name, rule=step.rule.text)
        if not computed or step.name not in r.steps:
            ws.write_string(row, _C_VALUE, "—", f.center)
            ws.write_string(row, _C_NOTE, "未计算（" + r.status_label + "）", f.text)
            return row + 1, False
        if isinstance(value, list):  # the catalogue refuses list-valued steps; never a formula
            ws.write_string(row, _C_VALUE, "；".join(str(v) for v in value), f.text)
            ws.write_string(row, _C_NOTE, "一组数（逐项结果），不生成公式", f.text)
            return row + 1, True
        inner = self.compile(step.rule, refs, list_names)
        cached = value if isinstance(value, Decimal) else Decimal(0)
        if inner is None:
            ws.write_number(row, _C_VALUE, _num(cached), f.number)
            ws.write_string(row, _C_NOTE, "无法生成公式，填入计算结果", f.text)
        else:
            self.formula(row, inner, cached, f.number)
        refs[step.name] = _cell(row, _C_VALUE)
        return row + 1, True

    def compile(self, rule: rules.Rule, refs: Mapping[str, str], list_names: set[str]) -> str | None:
        """The rule as formula text, or None when it cannot be written (then a constant)."""
        try:
            return rule.to_excel(lambda name: refs[name], list_names=list_names & rule.names)
        except (EvalError, KeyError):
            return None


def _weighted(first: int, last: int, weights: Iterable[Decimal | None]) -> tuple[str, str]:
    """The rule text and formula of a weighted average over rows first..last."""
    weights = list(weights)
    if len(weights) == 1 and weights[0] is None:
        return "唯一下级指标（未设权重），得分直接上传", _cell(first, _C_VALUE)
    return ("Σ(下级权重×得分)/100，保留2位小数",
            f"ROUND(SUMPRODUCT({_range(first, last, _C_WEIGHT)},"
            f"{_range(first, last, _C_VALUE)})/100,2)")
