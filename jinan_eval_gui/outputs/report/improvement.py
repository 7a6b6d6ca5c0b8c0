"""提升空间与下一年度重点任务建议 and 评价结果稳健性: the report's 以评促建 chapters.

Every number comes from the analysis (:mod:`jinan_eval_gui.scoring.analysis`): the exact
points available per indicator, the engine's single-input changes, the Monte Carlo intervals
and drivers, the saved scenarios re-evaluated. Gaps (缺报, 数据有误) are named apart, never
listed among the tasks. The wording is ``[improvement]`` in ``report.toml``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from jinan_eval_gui.scoring.engine import round2

from .blocks import Image


def f2(x: Any) -> str:
    """2 decimals, half up."""
    return f"{round2(Fraction(x)):.2f}"


def f4(x: Fraction) -> str:
    """4 decimals, half up (the total without intermediate rounding)."""
    from jinan_eval_gui.catalogue.rules import to_places

    return f"{to_places(x, 4):.4f}"


def percent_text(x: float) -> str:
    """A spread such as 0.2 as 20 (percent, no trailing zeros)."""
    return f"{x * 100:.4g}"


class ImprovementSections:
    """The 以评促建 chapters; mixed into the report builders (``self.analysis`` is an
    ``EntityAnalysis`` for one entity's report, a ``RoundAnalysis`` for the combined one)."""

    analysis: Any = None

    def w(self, key: str, **values: Any) -> str:
        return self.t("improvement", key, **values)

    def count(self, key: str) -> int:
        return int(self.t.raw("improvement", key))

    # -- one entity -------------------------------------------------------------------------
    def improvement_chapter(self) -> None:
        """The chapter for one entity, then its robustness (skipped without an analysis)."""
        a = self.analysis
        if a is None:
            return
        p = a.priorities
        d = p.decomposition
        deducted = d.deductions
        self.heading(self.w("chapter"))
        self.para(self.w("intro", entity=self.res.entity or "", available=f2(d.available),
                         unrounded=f4(d.total), total=f"{self.res.total:.2f}",
                         lost=f2(d.available - deducted), deducted=f2(deducted)))
        gaps = p.gaps
        if gaps:
            self.para(self.w("gaps", n=len(gaps), ids="、".join(str(g.id) for g in gaps),
                             points=f2(sum((g.points for g in gaps), Fraction(0)))))
        ranked = p.ranked
        if ranked:
            self.top_items(p, ranked[:self.count("top_count")], d.available)
            self.level1_items(p)
            self.unit_items(p)
        if a.scenarios:
            self.scenario_table(a.scenarios)
        self.robustness_chapter(a.robustness)

    def top_items(self, p: Any, top: list[Any], available: Fraction) -> None:
        self.heading(self.w("top_section"), 2)
        self.para(self.w("top_intro", k=len(top)), keep=True)
        rows = []
        for item in top:
            lever = p.lever(item.id)
            rows.append([str(item.id), item.name, item.level1,
                         f"-{item.score:.2f}" if item.kind == "deduction" else f"{item.score:.2f}",
                         f2(item.points), item.unit_text, lever.text() if lever else self.dash])
        self.table(["编号", "指标名称", "一级指标", "得分", "提分空间", "责任单位", "单项提升试算"],
                   rows, [0.9, 3.0, 1.8, 1.2, 1.2, 2.2, 5.4], "clcccll",
                   self.w("top_caption"), role="improvement_top")
        points = sum((i.points for i in top), Fraction(0))
        share = points / available * 100 if available else Fraction(0)
        self.para(self.w("top_sum", k=len(top), points=f2(points), share=_one(share)))

    def level1_items(self, p: Any) -> None:
        self.heading(self.w("level1_section"), 2)
        k = self.count("level1_count")
        for level1, items in p.by_level1().items():
            if not items:
                continue
            entries = "、".join(self.w("level1_entry", id=i.id, name=i.name, points=f2(i.points),
                                       units=i.unit_text) for i in items[:k])
            self.para(self.w("level1_item", level1=level1,
                             points=f2(sum((i.points for i in items), Fraction(0))),
                             items=entries))

    def unit_items(self, p: Any) -> None:
        """The units with the most points to gain (their gaps left out, as in the lists)."""
        order = {u: n for n, u in enumerate(self.cat.unit_names)}
        points = {u.unit: sum((i.points for i in u.ranked), Fraction(0))
                  for u in p.units(self.cat) if u.ranked}
        units = sorted(points, key=lambda u: (-points[u], order[u]))[:self.count("units_count")]
        if not units:
            return
        self.heading(self.w("units_section"), 2)
        items = "、".join(self.w("units_entry", unit=u, points=f2(points[u])) for u in units)
        self.para(self.w("units_intro", k=len(units), items=items))

    def scenario_table(self, scenarios: list[Any]) -> None:
        self.heading(self.w("scenarios_section"), 2)
        self.para(self.w("scenarios_intro"), keep=True)
        rows = [[s.name, "；".join(c.text() for c in s.changes)
                 + ("（" + "；".join(s.problems) + "）" if s.problems else ""),
                 f"{s.total:.2f}", f"{s.delta:+.2f}" if s.delta else "0.00"] for s in scenarios]
        self.table(["情景名称", "调整内容", "综合得分", "与正式结果之差"], rows, [2.6, 8.0, 1.6, 1.8],
                   "llcc", self.w("scenarios_caption"), role="scenarios")

    def robustness_chapter(self, r: Any) -> None:
        self.heading(self.w("robustness_chapter"))
        if r is None:
            self.para(self.w("robustness_none"))
            return
        self.para(robustness_sentence(self.w, r))
        drivers = drivers_sentence(self.w, r)
        if drivers:
            self.para(drivers)
        if r.rank is not None:
            self.para(self.w("robustness_rank", n=len(self.ranking) or "", entity=self.res.entity,
                             low=r.rank.p05, high=r.rank.p95, rank=r.rank.official))
        from .intervals import IntervalChart

        rows = [(self.t.label("total"), r.total), *((name, x) for _, name, x in r.level1)]
        self.interval_chart(IntervalChart(
            [label for label, _ in rows], [_fl(x.p05) for _, x in rows],
            [_fl(x.median) for _, x in rows], [_fl(x.p95) for _, x in rows],
            [_fl(x.official) for _, x in rows]),
            self.w("robustness_caption", index=self.t.label("index")))

    def interval_chart(self, chart: Any, caption: str) -> None:
        from .intervals import render_interval_png

        self.figures += 1
        self.blocks.append(Image(render_interval_png(chart, self.font), chart.width_cm,
                                 f"图{self.figures}  {caption}", "robustness"))

    # -- several entities ------------------------------------------------------------------
    def improvement_compared(self) -> None:
        """The combined report's chapter: each entity's points and first items, then every
        entity's total and rank intervals with one chart."""
        a = self.analysis
        if a is None:
            return
        self.heading(self.w("chapter"))
        self.para(self.w("compared_intro"), keep=True)
        rows = []
        for entity, ea in a.entities.items():
            p = ea.priorities
            first = "、".join(f"{i.id}（{f2(i.points)}）" for i in p.ranked[:3]) or self.dash
            gaps = [g for g in p.gaps if g.points > 0]
            rows.append([entity, f"{p.results.total:.2f}", f2(p.decomposition.available), first,
                         "、".join(str(g.id) for g in gaps) or self.dash])
        self.table(["评估对象", "综合得分", "提分空间", "首要提升指标（提分空间）", "缺报或有误的指标"],
                   rows, [2.4, 1.6, 1.6, 4.4, 3.0], "lccll", self.w("compared_caption"),
                   role="improvement_compared")
        robust = {e: ea.robustness for e, ea in a.entities.items() if ea.robustness}
        self.heading(self.w("robustness_chapter"))
        if not robust:
            self.para(self.w("robustness_none"))
            return
        r0 = next(iter(robust.values()))
        readings = self.w("robustness_readings", n=len(r0.assumptions)) if r0.assumptions else ""
        held = self.w("robustness_held", n=len(r0.held), ids="、".join(r0.held)) if r0.held else ""
        self.para(self.w("compared_robustness", spread=percent_text(r0.spread), readings=readings,
                         runs=r0.runs) + held, keep=True)
        order = sorted(robust, key=lambda e: (robust[e].rank.official if robust[e].rank else 0, e))
        rows = [[e, f"{robust[e].total.official:.2f}",
                 f"{robust[e].total.p05}–{robust[e].total.p95}",
                 str(robust[e].rank.official) if robust[e].rank else self.dash,
                 f"{robust[e].rank.p05}–{robust[e].rank.p95}" if robust[e].rank else self.dash]
                for e in order]
        self.table(["评估对象", "综合得分", "90% 区间", "正式排名", "排名 90% 区间"], rows,
                   [2.6, 1.8, 2.6, 1.6, 2.4], "lcccc", self.w("compared_robustness_caption"),
                   role="robustness_compared")
        from .intervals import IntervalChart

        self.interval_chart(IntervalChart(
            order, [_fl(robust[e].total.p05) for e in order],
            [_fl(robust[e].total.median) for e in order],
            [_fl(robust[e].total.p95) for e in order],
            [_fl(robust[e].total.official) for e in order], axis_label=self.t.label("total")),
            self.w("compared_chart_caption"))


def _fl(x: Any) -> float | None:
    return None if x is None else float(x)


def _one(x: Fraction) -> str:
    """One decimal, half up."""
    from jinan_eval_gui.catalogue.rules import to_places

    return f"{to_places(x, 1):.1f}"


def robustness_sentence(w: Any, r: Any) -> str:
    """The robustness statement of one entity (wording ``w``, numbers of ``r``)."""
    readings = w("robustness_readings", n=len(r.assumptions)) if r.assumptions else ""
    t = r.total
    inside = t.p05 is not None and t.p05 <= t.official <= t.p95
    held = w("robustness_held", n=len(r.held), ids="、".join(r.held)) if r.held else ""
    return w("robustness", spread=percent_text(r.spread), readings=readings, runs=r.runs,
             p05=t.p05, p95=t.p95, median=t.median, official=f"{t.official:.2f}",
             position=w("robustness_inside" if inside else "robustness_outside")) + held


def drivers_sentence(w: Any, r: Any, k: int = 3) -> str:
    """The largest first-order shares (at least 1 %), or nothing."""
    top = [d for d in r.drivers if d.share >= 0.01][:k]
    if not top:
        return ""
    return w("robustness_drivers", items="、".join(
        w("robustness_driver", label=d.label, share=f"{d.share * 100:.0f}") for d in top))
