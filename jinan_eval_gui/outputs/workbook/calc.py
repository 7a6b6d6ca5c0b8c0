"""计算过程: one sheet per entity where every score is a live formula over the raw data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from jinan_eval_gui.catalogue import KIND_LABELS, Indicator, Step, rules
from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.scoring.engine import round2

if TYPE_CHECKING:
    from .builder import _Builder
from .cells import (
    _C_ID,
    _C_KEY,
    _C_KIND,
    _C_NAME,
    _C_NOTE,
    _C_RULE,
    _C_VALUE,
    _C_WEIGHT,
    SHEETS,
    _CalcCells,
    _cell,
    _num,
    _print_setup,
    _q,
    _range,
)


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
                        "“计算公式/规则”列用中文写出每项的计算方法，“说明”列给出状态。", f.subtitle)
        header = 4
        for col, name in enumerate(["编号", "名称", "类别", "符号", "权重(%)", "值/得分",
                                    "计算公式/规则", "说明"]):
            ws.write_string(header, col, name, f.header)
        row = header + 1
        row = self.section(row, "一、评价参数")
        for spec in self.b.cat.parameters:
            value = self.res.params.get(spec.key, spec.default)
            self.line(row, "", spec.label, "参数")
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

    def param_label(self, key: str) -> str:
        """A round parameter's Chinese name (the key is never shown)."""
        return next((p.label for p in self.b.cat.parameters if p.key == key), "评价参数")

    def formula(self, row: int, formula: str, value: Decimal | int | float | None,
                fmt: Any) -> None:
        """A live formula with the engine's value as its cached result (None: a group left
        out under the renormalising missing-data policy, shown empty)."""
        self.ws.write_formula(row, _C_VALUE, "=" + formula, fmt,
                              "" if value is None else _num(value))

    @property
    def renormalise(self) -> bool:
        """Whether missing/invalid indicators are left out with their weights renormalised."""
        return self.res.settings.get("missing_policy") == "renormalise"

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
                    value = g.score
                    text, formula = _weighted(first, last, [i.weight for i in inds],
                                              renormalise=self.renormalise, by_status=True)
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
                text, formula = _weighted(first, last, [l2.weight for l2, _ in l2s],
                                          renormalise=self.renormalise)
                self.line(row, l1.id, l1.name, "一级指标", weight=l1.weight, rule=text, bold=True)
                self.formula(row, formula, g.score, f.score_bold)
            self.cells.level1[l1.id] = _cell(row, _C_VALUE, self.sheet)

    def totals(self, row: int, l1_rows: dict[str, int], l3_rows: dict[int, int]) -> None:
        f = self.f
        weighted = self.b.weighted_l1
        if weighted:
            first, last = l1_rows[weighted[0].id], l1_rows[weighted[-1].id]
            text, sub = _weighted(first, last, [g.weight for g in weighted],
                                  renormalise=self.renormalise)
            if self.renormalise:  # nothing reported at all scores 0, not an empty cell
                sub = f"N({sub})"
        else:
            text, sub = "", "0"
        self.line(row, "", "加权得分", "合计", rule=text.replace("下级", "一级指标"), bold=True)
        self.formula(row, sub, self.res.subtotal, f.score_bold)
        ranges = []
        for l1 in self.b.deduction_l1:
            inds = [i for l2 in self.b.cat.level2_of(l1.id) for i in self.b.cat.indicators_of(l2.id)]
            if inds:
                ranges.append(_range(l3_rows[inds[0].id], l3_rows[inds[-1].id], _C_VALUE))
        cap = self.param_cells.get("deduction_cap", "0")
        deduct = f"MIN({cap},ROUND(SUM({','.join(ranges)}),2))" if ranges else "0"
        self.line(row + 1, "", "扣分", "合计", bold=True,
                  rule=f"取{self.param_label('deduction_cap')}与各扣分指标扣分合计中的较小值")
        self.formula(row + 1, deduct, self.res.deductions, f.deduction_bold)
        self.line(row + 2, "", "总分", "合计", rule="加权得分 − 扣分，低于0按0计", bold=True)
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
                self.line(row, "", label, "填报项", note=sub.unit)
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
            self.line(row, "", wording.param_label(ind, name), "参数", note="评价参数，可按轮次调整")
            ws.write_number(row, _C_VALUE, _num(value), f.number)
            refs[name] = _cell(row, _C_VALUE)
            row += 1
        list_names |= set(ind.list_names) & set(refs)
        steps, score_rule = ind.reading(self.res.variants.get(ind.id, ""))
        computed = r.status != "expert"
        for step in steps:
            row, computed = self.step(row, ind, step, refs, list_names, computed)
        # the score
        label = "扣分" if deduct else "得分"
        self.line(row, "", f"{label}（{r.status_label}）", label,
                  rule=f"{label} = {wording.rule_text(ind, score_rule)}", bold=True)
        fmt = f.deduction_bold if deduct else f.score_bold
        if r.status == "expert":
            ws.write_number(row, _C_VALUE, _num(r.score), fmt)
            ws.write_string(row, _C_NOTE, f"专家评分：{r.override_reason}", f.text)
        elif deduct and r.status == "missing" and r.raw is None:
            # a blank deduction under 按扣分上限计: the indicator's maximum
            cell = refs.get(ind.max_deduction) if ind.max_deduction else None
            if cell is None:
                ws.write_number(row, _C_VALUE, _num(r.score), fmt)
            else:
                self.formula(row, cell, r.score, fmt)
            ws.write_string(row, _C_NOTE, "；".join(r.messages), f.text)
        elif r.status in ("missing", "invalid") and not (deduct and r.raw is not None):
            if deduct:
                ws.write_number(row, _C_VALUE, 0, fmt)
                ws.write_string(row, _C_NOTE, f"{r.status_label}：扣分制指标不扣分（按 0 计）", f.text)
            else:
                cell = self.param_cells.get("missing_score")
                if cell is None:
                    ws.write_number(row, _C_VALUE, _num(r.score), fmt)
                else:
                    self.formula(row, cell, r.score, fmt)
                how = ("不计入，其权重在同级已报指标间重新归一" if self.renormalise
                       else f"取“{self.param_label('missing_score')}”参数值")
                ws.write_string(row, _C_NOTE, f"{r.status_label}：{how}（{'；'.join(r.messages)}）",
                                f.text)
        else:
            inner = self.compile(score_rule, refs, list_names)
            if inner is None:
                ws.write_number(row, _C_VALUE, _num(r.score), fmt)
                ws.write_string(row, _C_NOTE, "无法生成公式，填入计算结果", f.text)
            elif deduct:
                self.formula(row, f"ROUND(MAX(0,{inner}),2)", r.score, fmt)
            else:
                self.formula(row, f"ROUND(MIN(100,MAX(0,{inner})),2)", r.score, fmt)
            if inner is not None and r.messages:
                ws.write_string(row, _C_NOTE, "；".join(r.messages), f.text)
        return row + 2, _cell(row, _C_VALUE)

    def step(self, row: int, ind: Indicator, step: Step, refs: dict[str, str],
             list_names: set[str], computed: bool) -> tuple[int, bool]:
        ws, f = self.ws, self.f
        r = self.res.indicators[ind.id]
        value = r.steps.get(step.name)
        symbol = step.name if step.name in wording.symbols(ind) else ""
        self.line(row, "", step.label or step.name, "中间量", symbol,
                  rule=f"{wording.step_reference(ind, step)} = {wording.rule_text(ind, step.rule)}")
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


def _weighted(first: int, last: int, weights: Iterable[Decimal | None], *,
              renormalise: bool = False, by_status: bool = False) -> tuple[str, str]:
    """The rule text and formula of a weighted average over rows first..last.

    With ``renormalise`` the missing-data policy 按已报指标重新归一权重 holds: children that are
    gaps are left out and the weights of the others rescaled — level-3 children by their status
    (缺报/数据有误, ``by_status``), groups by being empty (a group with nothing reported is empty
    itself). SUMPRODUCT takes an empty text as 0 in Excel, WPS and LibreOffice alike.
    """
    weights = list(weights)
    value = _cell(first, _C_VALUE)
    w, s = _range(first, last, _C_WEIGHT), _range(first, last, _C_VALUE)
    if by_status:
        n = _range(first, last, _C_NOTE)
        included = f'({n}<>"缺报")*({n}<>"数据有误")'
        one_in = f'AND({_cell(first, _C_NOTE)}<>"缺报",{_cell(first, _C_NOTE)}<>"数据有误")'
    else:
        included, one_in = f"--ISNUMBER({s})", f"ISNUMBER({value})"
    if len(weights) == 1 and weights[0] is None:
        if renormalise:
            return ("唯一下级指标（未设权重），已报送时得分直接上传，否则不计入",
                    f'IF({one_in},{value},"")')
        return "唯一下级指标（未设权重），得分直接上传", value
    if renormalise:
        return ("Σ(下级权重×得分)/Σ(已报送的下级权重)，缺报和数据有误的不计入，保留2位小数",
                f'IF(SUMPRODUCT({w},{included})=0,"",'
                f"ROUND(SUMPRODUCT({w},{s},{included})/SUMPRODUCT({w},{included}),2))")
    return "Σ(下级权重×得分)/100，保留2位小数", f"ROUND(SUMPRODUCT({w},{s})/100,2)"
