"""The report's appendices: A (every score) and B (how each indicator is scored)."""

from __future__ import annotations

from decimal import Decimal

from jinan_eval_gui.catalogue import Indicator, Level1

from .blocks import Heading, PageBreak, Run
from .text import _minus, _rule_text, fmt, fmt_number, fmt_weight


class Appendices:
    """The appendices; mixed into the report builders, whose fields and helpers they read."""

    # -- appendices -----------------------------------------------------------------------
    def appendix_a(self) -> None:
        t = self.t
        self.blocks.append(PageBreak())
        self.heading(t("sections", "appendix_a"), numbered=False)
        self.para(t("text", "appendix_a_intro", n=len(self.res.indicators)))
        rows = []
        for ind in self.cat.indicators:
            r = self.res.indicators[ind.id]
            p = self.prev_ind.get(ind.id)
            if ind.kind == "deduction":
                weight, score = t.label("deduction_kind"), _minus(r.score)
                yoy = self.yoy_cells(-r.score, -p.score if p else None)
            else:
                weight, score = fmt_weight(ind.weight, self.dash), fmt(r.score)
                yoy = self.yoy_cells(r.score, p.score if p else None)
            rows.append([str(ind.id), ind.name, weight, score, r.status_label, *yoy])
        header = [t.label("id"), t.label("name"), t.label("weight"), t.label("score"),
                  t.label("status"), *self.yoy_header()]
        self.table(header, rows, [1.0, 6.4, 1.4, 1.3, 1.5, *([1.3, 1.3] if self.prev else [])],
                   "clccc" + ("rr" if self.prev else ""), t("text", "appendix_a_caption"),
                   role="appendix_a")

    def appendix_b(self) -> None:
        t = self.t
        self.blocks.append(PageBreak())
        self.heading(t("sections", "appendix_b"), numbered=False)
        self.para(t("text", "appendix_b_intro"))
        self.blocks.append(Heading(t("sections", "appendix_b_general"), 2))
        for rule in t.raw("text", "general_rules"):
            self.para(str(rule), style="detail")
        missing_score = self.res.params.get("missing_score", Decimal(0))
        self.para(t("text", "missing_policy", missing_score=fmt_number(missing_score)),
                  style="detail")
        self.blocks.append(Heading(t("sections", "appendix_b_params"), 2))
        rows = []
        for spec in self.cat.parameters:
            value = self.res.params.get(spec.key, spec.default)
            changed = (t("text", "param_changed", default=fmt_number(spec.default))
                       if value != spec.default else "")
            rows.append([spec.label, f"{fmt_number(value)}{changed}", spec.hint])
        self.table([t.label("param"), t.label("value"), t.label("note")], rows, [3.2, 2.4, 6.4],
                   "lcl", t("text", "params_table_caption"), role="params")
        for l1 in self.cat.level1:
            self.blocks.append(Heading(l1.name, 2))
            for l2 in self.cat.level2_of(l1.id):
                for ind in self.cat.indicators_of(l2.id):
                    self.scoring_item(l1, ind)

    def scoring_item(self, l1: Level1, ind: Indicator) -> None:
        t = self.t
        r = self.res.indicators[ind.id]
        self.para(t("text", "item_title", id=ind.id, name=ind.name), style="item")
        self.para(Run(t("text", "item_assumption"), True),
                  ind.assumption or t("text", "item_no_assumption"), style="detail")
        lhs = t.label("rule_points" if ind.kind == "deduction" else "rule_score")
        rule = f"{lhs} = {r.rule or _rule_text(ind.score)}"
        if ind.kind == "deduction":
            rule += t("text", "item_deduction")
        self.para(Run(t("text", "item_rule"), True), rule, style="detail")
        if ind.steps:
            steps = "；".join(f"{s.name}{f'（{s.label}）' if s.label and s.label != s.name else ''}"
                              f" = {_rule_text(s.rule)}" for s in ind.steps)
            self.para(Run(t("text", "item_steps"), True), steps, style="detail")
        symbols = []
        for spec in ind.inputs:
            if spec.kind == "text":
                continue
            if spec.kind == "table":
                for col in spec.columns:
                    if col.kind != "text":
                        symbols.append(f"{spec.key}.{col.key}：{spec.label}·{col.label}"
                                       f"{f'（{col.unit}）' if col.unit else ''}")
                continue
            symbols.append(f"{spec.key}：{spec.label}{f'（{spec.unit}）' if spec.unit else ''}")
        if symbols:
            self.para(Run(t("text", "item_symbols"), True), "；".join(symbols), style="detail")
        if ind.params:
            params = []
            for name, default in ind.params.items():
                value = self.res.params.get(f"{ind.id}.{name}", default)
                changed = (t("text", "param_changed", default=fmt_number(default))
                           if value != default else "")
                params.append(f"{name} = {fmt_number(value)}{changed}")
            self.para(Run(t("text", "item_params"), True), "；".join(params), style="detail")
