"""The summary sheets of the scoring workbook: 总览, 排名, 填报情况, 校验记录, 评分口径说明."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from jinan_eval_gui.catalogue import KIND_LABELS, Indicator, InputSpec
from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.scoring.engine import STATUS_LABELS, round2

from .cells import (
    _FINDING_COLUMNS,
    _SEVERITY,
    _SUBMISSION_COLUMNS,
    FONT,
    SHEETS,
    _num,
    _print_setup,
    _range,
    _weight_text,
    _write_value,
)


class SummarySheets:
    """The summary sheets; mixed into the workbook builder, whose fields they read."""

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
        """Every entity by total (RANK formulas); with parents also each entity's parent and
        its rank within the parent (COUNTIFS over the same live totals)."""
        f = self.fmts
        parents = {e: p for e, p in getattr(self, "parents", {}).items() if e in self.results}
        columns = ["名次", "评价对象", "总分", "加权得分", "扣分"] + [l1.name for l1 in self.weighted_l1]
        if parents:
            columns += ["所属上级", "上级内名次"]
        ws.merge_range(0, 0, 0, len(columns) - 1, "", f.title)
        ws.write_string(0, 0, f"{self.title}：排名（按总分，RANK 公式实时计算）", f.title)
        ws.write_string(1, 0, self.info_line, f.subtitle)
        for col, name in enumerate(columns):
            ws.write_string(3, col, name, f.header)
        order = sorted(self.entities, key=lambda e: -self.results[e].total)
        first, last = 4, 4 + len(order) - 1
        totals = _range(first, last, 2)
        group_col = 5 + len(self.weighted_l1)
        groups = _range(first, last, group_col)
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
            parent = parents.get(entity)
            if parent is not None:
                in_group = 1 + sum(1 for e, p in parents.items()
                                   if p == parent and self.results[e].total > res.total)
                here = xl_rowcol_to_cell(row, group_col)
                ws.write_string(row, group_col, parent)
                ws.write_formula(row, group_col + 1,
                                 f'=1+COUNTIFS({groups},{here},{totals},">"&'
                                 f"{xl_rowcol_to_cell(row, 2)})", f.integer, in_group)
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 14)
        ws.set_column(2, len(columns) - 1, 11)
        if parents:
            ws.set_column(group_col, group_col, 14)
            ws.autofilter(3, 0, last, len(columns) - 1)  # filter one parent's entities
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
    def param_label(self, key: str) -> str:
        """A round parameter's Chinese name (the key is never shown)."""
        return next((p.label for p in self.cat.parameters if p.key == key), "评价参数")

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
            "与 Excel 的四舍五入函数相同）。",
            "二级指标得分 = Σ(三级指标权重 × 三级指标得分) ÷ 100，一级指标得分 = Σ(二级指标权重 × 二级指标得分)"
            " ÷ 100，各保留 2 位小数；只有一个且未设权重的下级指标，得分直接上传。",
            f"缺报（缺少必填数据）或数据有误（校验不通过、无法计算）的三级指标按 {_num(missing)} 分计"
            f"（参数“{self.param_label('missing_score')}”）；扣分制指标缺报或有误时不扣分。",
            "专家评分覆盖规则计算结果，须注明理由，见“计算过程”中该指标的说明。",
            f"{'、'.join(l1.name for l1 in self.deduction_l1) or '信息安全'}为扣分制、不占权重：各扣分指标的扣分"
            f"合计（保留 2 位小数）不超过 {_num(cap)} 分（参数“{self.param_label('deduction_cap')}”），"
            "各指标自身的扣分上限见其参数。",
            "总分 = 加权得分 − 扣分（低于 0 按 0 计），加权得分 = Σ(一级指标权重 × 一级指标得分) ÷ 100，"
            "保留 2 位小数。",
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
        for col, name in enumerate(["", "参数", "取值", "默认值", "说明"]):
            ws.write_string(row, col, name, f.header)
        for spec in self.cat.parameters:
            row += 1
            ws.write_blank(row, 0, None, f.text)
            ws.write_string(row, 1, spec.label, f.text)
            ws.write_number(row, 2, _num(params.get(spec.key, spec.default)), f.number)
            ws.write_number(row, 3, _num(spec.default), f.number)
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
            ws.write_string(row, 4, _rule_text(ind, self.cat.parameters), f.text)
            ws.write_string(row, 5, ind.assumption or "按评估方法原文计算。", f.text)
            ws.write_string(row, 6, "\n".join(
                f"{wording.param_label(ind, name)}：{_num(params.get(f'{ind.id}.{name}', value))}"
                for name, value in ind.params.items()), f.text)
            ws.write_string(row, 7, "\n".join(_input_text(s) for s in ind.inputs), f.text)
        _print_setup(ws, landscape=True, header_rows=(header, header), freeze=None)


def _rule_text(ind: Indicator, parameters: Sequence[Any]) -> str:
    """Steps, score and checks in Chinese formula notation, one per line."""
    lines = wording.lines(ind, parameters)
    lines += [f"校验：{wording.check_text(ind, c, parameters)}（{c.message}）" for c in ind.checks]
    return "\n".join(lines)


def _input_text(spec: InputSpec) -> str:
    unit = f"（{spec.unit}）" if spec.unit else ""
    text = f"{spec.label}{unit}"
    if spec.columns:
        text += "；列：" + "、".join(c.label for c in spec.columns)
    return text
