"""Building the scoring workbook: the sheets in order, 原始数据 and 指标得分."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.engine import IndicatorResult, Results, round2
from jinan_eval_gui.system.atomic import atomic_path

from .calc import _CalcWriter
from .cells import (
    FONT,
    SHEETS,
    Progress,
    _CalcCells,
    _Formats,
    _InputRef,
    _num,
    _print_setup,
    _q,
    _Sheet,
    _weight_text,
    calc_sheet_names,
)
from .raw import _RawRows
from .streamed import _RowStreamedSheet, _StreamedSheet
from .summary import SummarySheets


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
    parents: Mapping[str, str] | None = None,
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
    for 上年得分 and 变化. ``parents``: ``{entity: parent}``, for the rank within each parent on
    the 排名 sheet. Raises :class:`ExportError` when the file cannot be written.
    """
    if not results_by_entity:
        raise ExportError("没有可导出的评分结果", hint="请先完成评分")
    target = Path(path)
    with atomic_path(target) as tmp:
        builder = _Builder(catalogue, results_by_entity, values_by_entity, sources or {},
                           findings or [], submissions or [], round_info or {}, previous,
                           progress)
        builder.parents = dict(parents or {})
        builder.build(tmp)
    return target


# ---------------------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------------------


class _Builder(SummarySheets):
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
            # each 计算过程 goes to disk once written (a province-wide round has 150 of them)
            ws_calc = {e: wb.add_worksheet(self.calc_names[e], worksheet_class=_StreamedSheet)
                       for e in self.entities}
            ws_raw = wb.add_worksheet(SHEETS["raw"], worksheet_class=_RowStreamedSheet)
            ws_sub = sheet(SHEETS["submissions"])
            ws_find = sheet(SHEETS["findings"])
            ws_notes = sheet(SHEETS["notes"])
            self.write_raw(ws_raw)
            for entity in self.entities:
                self.calc[entity] = _CalcWriter(self, ws_calc[entity], entity).write()
                ws_calc[entity].flush_rows()
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
        headers = [("评价对象", 10), ("序号", 6), ("三级指标", 30), ("填报项", 36), ("类型", 10),
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
