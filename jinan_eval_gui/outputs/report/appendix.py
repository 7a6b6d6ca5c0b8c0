"""The report's appendices: A (every score) and B (how each indicator is scored)."""

from __future__ import annotations

from decimal import Decimal

from jinan_eval_gui.catalogue import Indicator, Level1
from jinan_eval_gui.catalogue.assumptions import SETTING_DEFAULTS, SETTINGS
from jinan_eval_gui.catalogue.rules import wording

from .blocks import Heading, PageBreak, Run
from .text import _minus, fmt, fmt_number, fmt_weight


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
            if ind.kind == "deduction":
                weight, score = t.label("deduction_kind"), _minus(r.score)
                yoy = self.ind_yoy(r, sign=-1)
            else:
                weight, score = fmt_weight(ind.weight, self.dash), fmt(r.score)
                yoy = self.ind_yoy(r)
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
        self.para(t("text", "missing_policy", **self.policy_texts()), style="detail")
        if self.assumptions:
            self.register_table()
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

    def policy_texts(self) -> dict[str, str]:
        """The missing-data and blank-deduction policies in force, as the round chose them."""
        settings = {**SETTING_DEFAULTS, **self.res.settings}
        missing_score = fmt_number(self.res.params.get("missing_score", Decimal(0)))
        policy = SETTINGS["missing_policy"][settings["missing_policy"]]
        return {"policy": policy.replace("（按“缺报或数据有误指标的计分”参数）", f"（{missing_score} 分）"),
                "blanks": SETTINGS["deduction_blanks"][settings["deduction_blanks"]]}

    def register_table(self) -> None:
        """The assumption register with each entry's choice and whether it is confirmed."""
        t = self.t
        notes = self.assumptions
        confirmed = sum(1 for a in notes if a.confirmed)
        self.blocks.append(Heading(t("sections", "appendix_b_assumptions"), 2))
        self.para(t("text", "assumptions_intro", n=len(notes), confirmed=confirmed,
                    pending=len(notes) - confirmed))
        rows = [[a.id, a.category, a.title, "、".join(map(str, a.indicators)) or t.label("all"),
                 f"{a.choice}（{a.origin}）", t.label("confirmed") if a.confirmed
                 else t.label("unconfirmed")] for a in notes]
        self.table([t.label("id"), t.label("category"), t.label("matter"), t.label("indicators"),
                    t.label("choice"), t.label("state")], rows, [1.0, 1.4, 5.0, 1.4, 3.2, 1.4],
                   "cllcll", t("text", "assumptions_caption"), role="assumptions")

    def scoring_item(self, l1: Level1, ind: Indicator) -> None:
        t = self.t
        r = self.res.indicators[ind.id]
        title = t("text", "item_title", id=ind.id, name=ind.name)
        pending = [a.id for a in self.assumptions if not a.confirmed and ind.id in a.indicators]
        if pending:
            title += t("text", "item_unconfirmed", ids="、".join(pending))
        self.para(title, style="item")
        self.para(Run(t("text", "item_assumption"), True),
                  ind.assumption or t("text", "item_no_assumption"), style="detail")
        variant = r.variant
        *steps, score = wording.lines(ind, self.cat.parameters, variant=variant)
        rule = score + (t("text", "item_deduction") if ind.kind == "deduction" else "")
        self.para(Run(t("text", "item_rule"), True), rule, style="detail")
        if steps:
            self.para(Run(t("text", "item_steps"), True), "；".join(steps), style="detail")
        if ind.params:
            params = []
            for name, default in ind.params.items():
                value = self.res.params.get(f"{ind.id}.{name}", default)
                changed = (t("text", "param_changed", default=fmt_number(default))
                           if value != default else "")
                params.append(f"{wording.param_label(ind, name)} {fmt_number(value)}{changed}")
            self.para(Run(t("text", "item_params"), True), "；".join(params), style="detail")
