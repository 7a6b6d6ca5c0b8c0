"""One combined report for several evaluated entities: ranking, comparisons, a brief per entity."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.scoring.completeness import Completeness
from jinan_eval_gui.scoring.engine import STATUS_LABELS, Results

from .blocks import (
    AssumptionNote,
    Block,
    FindingsSummary,
    PageBreak,
    ProgressFn,
    Report,
    ReportInfo,
    Run,
)
from .fonts import CJKFont
from .groups import GroupSections
from .single import _Builder
from .text import (
    _f,
    _minus,
    _report_info,
    entities_text,
    fmt,
    fmt_delta,
    fmt_number,
    fmt_weight,
    load_layout,
)

# ---------------------------------------------------------------------------------------
# Several entities: one combined report
# ---------------------------------------------------------------------------------------
MATRIX_COLUMNS = 6  # entities per table where entities are columns (A4 portrait)
#: Beyond this many entities a chart with a bar for each is left out (a province-wide round:
#: 150 bars on a page cannot be read, and drawing them took most of the report's time).
MAX_CHART_BARS = 40


class _RoundBuilder(GroupSections, _Builder):
    """The report of a round with several entities: the ranking, each level-1 compared across
    entities, deductions and data quality per entity, each entity's results in brief, every
    level-3 score, and the scoring rules once (they are the round's, the same for all)."""

    def __init__(self, catalogue: Catalogue, results: Mapping[str, Results],
                 layout: Mapping[str, Any], *, info: ReportInfo,
                 previous: Mapping[str, Results] | None, findings: FindingsSummary,
                 font: CJKFont | None, progress: ProgressFn | None,
                 completeness: Mapping[str, Completeness] | None = None,
                 assumptions: Sequence[AssumptionNote] = (),
                 parents: Mapping[str, str] | None = None) -> None:
        first = next(iter(results.values()))
        super().__init__(catalogue, first, layout, info=info, previous=None,
                         others={e: r for e, r in results.items() if r is not first},
                         findings=findings, font=font, progress=progress,
                         completeness=(completeness or {}).get(first.entity),
                         assumptions=assumptions)
        self.completeness_all = dict(completeness or {})
        self.all = dict(results)
        self.prev_all = dict(previous or {})
        self.total_rank = {name: rank for rank, name, _ in self.ranking}
        self.parents = dict(parents or {})

    def build(self) -> list[Block]:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("封面", self.cover), ("总体评估结果", self.overview), ("排名情况", self.ranking_table),
            ("分组排名", self.ranking_by_parent)]
        for group in self.weighted:
            steps.append((group.name, lambda g=group: self.level1_compared(g)))
        steps += [("信息安全扣分", self.deductions_compared),
                  ("市民满意度调查", lambda: self.survey_compared(self.all)),
                  ("数据质量", self.quality_compared),
                  ("提升空间", self.improvement_compared),
                  ("各评估对象", self.entity_briefs), ("附录A", self.appendix_a_matrix),
                  ("附录B", self.appendix_b)]
        for n, (name, step) in enumerate(steps):
            if self.progress is not None:
                self.progress(n, len(steps) + 1, f"正在生成报告：{name}")
            step()
        return self.blocks

    # -- helpers ----------------------------------------------------------------------------
    def ranks(self, key: Callable[[Results], Decimal | None]) -> dict[str, int | None]:
        """Each entity's rank by ``key`` (highest first; ties share a rank)."""
        values = {e: key(r) for e, r in self.all.items()}
        present = [v for v in values.values() if v is not None]
        return {e: None if v is None else 1 + sum(1 for x in present if x > v)
                for e, v in values.items()}

    def spread(self, key: Callable[[Results], Decimal | None]) -> dict[str, str]:
        """Mean, best and worst entity by ``key`` as text for the wording."""
        values = {e: key(r) for e, r in self.all.items() if key(r) is not None}
        if not values:
            return {"mean": self.dash, "best": self.dash, "best_score": self.dash,
                    "worst": self.dash, "worst_score": self.dash}
        best = max(values, key=lambda e: (values[e], -list(self.all).index(e)))
        worst = min(values, key=lambda e: (values[e], list(self.all).index(e)))
        mean = sum(values.values(), Decimal(0)) / len(values)
        return {"mean": fmt(mean), "best": best, "best_score": fmt(values[best]),
                "worst": worst, "worst_score": fmt(values[worst])}

    def matrix(self, header: Sequence[str], widths: Sequence[float], align: str,
               rows: Sequence[tuple[Sequence[str], Callable[[Results], str]]], caption: str,
               role: str) -> None:
        """Rows of ``rows`` against the entities as columns, at most MATRIX_COLUMNS a table."""
        names = list(self.all)
        parts = [names[i:i + MATRIX_COLUMNS] for i in range(0, len(names), MATRIX_COLUMNS)]
        for n, part in enumerate(parts, 1):
            body = [[*first, *(cell(self.all[e]) for e in part)] for first, cell in rows]
            label = caption if len(parts) == 1 else f"{caption}（{n}/{len(parts)}）"
            self.table([*header, *part], body, [*widths, *[1.4] * len(part)],
                       align + "c" * len(part), label, role=role)

    # -- sections ---------------------------------------------------------------------------
    def overview(self) -> None:
        t = self.t
        index, total_label = t.label("index"), t.label("total")
        self.heading(t("sections", "summary"))
        self.para(t("text", "overview", year=self.info.year, n=len(self.all), index=index,
                    total_label=total_label, **self.spread(lambda r: r.total)))
        for entity, c in self.completeness_all.items():
            if not c.complete:
                self.para(Run(f"{entity}：{c.summary()}", bold=True), style="detail")
        if self.completeness_all and all(c.complete for c in self.completeness_all.values()):
            self.para(t("text", "overview_complete"))
        if self.info.draft:
            pending = sum(1 for a in self.assumptions if not a.confirmed)
            self.para(t("text", "draft_note", pending=pending))
        rows = []
        for g in self.weighted:
            scores = [x.score for r in self.all.values() for x in r.level1
                      if x.id == g.id and x.score is not None]
            if scores:
                stats = [fmt(sum(scores, Decimal(0)) / len(scores)), fmt(max(scores)),
                         fmt(min(scores))]
            else:
                stats = [self.dash] * 3
            rows.append([g.name, fmt_weight(g.weight), *stats])
        self.table([t.label("level1"), t.label("weight"), t.label("mean"), t.label("highest"),
                    t.label("lowest")], rows, [4, 1.6, 1.6, 1.6, 1.6], "lcccc",
                   t("text", "overview_table_caption", index=index), role="summary")

    def ranking_table(self) -> None:
        t = self.t
        index, total_label = t.label("index"), t.label("total")
        self.heading(t("sections", "ranking"))
        self.para(t("text", "ranking_intro", n=len(self.ranking), total_label=total_label,
                    entity_rank=""), keep=True)
        header = [t.label("rank"), t.label("entity"), total_label,
                  *[g.name for g in self.weighted]]
        widths = [1.1, 2.6, 1.6, *[1.5] * len(self.weighted)]
        if self.prev_all:
            header[3:3] = [t.label("previous"), t.label("change")]
            widths[3:3] = [1.4, 1.4]
        rows = []
        for rank, name, res in self.ranking:
            by_id = {g.id: g for g in res.level1}
            row = [str(rank), name or self.dash, fmt(res.total),
                   *[fmt(by_id[g.id].score if g.id in by_id else None, self.dash)
                     for g in self.weighted]]
            if self.prev_all:
                prev = self.prev_all.get(name)
                row[3:3] = [fmt(prev.total if prev else None, self.dash),
                            fmt_delta(res.total, prev.total if prev else None, self.dash)]
            rows.append(row)
        self.table(header, rows, widths, "clc" + "c" * (len(header) - 3),
                   t("text", "ranking_table_caption", total_label=total_label, index=index),
                   role="ranking")
        from .charts import BarChart

        if len(self.all) > MAX_CHART_BARS:  # a bar each would be unreadable (and slow)
            self.group_mean_chart()
            return
        self.chart(BarChart(labels=[name or self.dash for _, name, _ in self.ranking],
                            values=[_f(r.total) for _, _, r in self.ranking], horizontal=True,
                            axis_label=total_label),
                   t("text", "ranking_chart_caption", total_label=total_label), role="ranking")

    def level1_compared(self, group: Any) -> None:
        t = self.t
        index = t.label("index")
        level2 = self.cat.level2_of(group.id)
        n3 = sum(len(self.cat.indicators_of(l2.id)) for l2 in level2)

        def score_of(r: Results, gid: str = group.id) -> Decimal | None:
            return next((g.score for g in r.level1 if g.id == gid), None)

        self.heading(t("sections", "level1", name=group.name))
        self.para(t("text", "level1_compared", name=group.name, weight=fmt_weight(group.weight),
                    n2=len(level2), n3=n3, index=index, **self.spread(score_of)), keep=True)
        ranks = self.ranks(score_of)
        order = sorted(self.all, key=lambda e: (ranks[e] is None, ranks[e] or 0))
        caption = t("text", "level1_compared_caption", name=group.name, index=index)
        l2_scores = {e: {g.id: g.score for g in r.level2} for e, r in self.all.items()}
        shown_l2 = level2 if 1 < len(level2) <= 4 else []
        header = [t.label("rank"), t.label("entity"), index, *[l2.name for l2 in shown_l2]]
        rows = [[str(ranks[e]) if ranks[e] else self.dash, e, fmt(score_of(self.all[e]), self.dash),
                 *[fmt(l2_scores[e].get(l2.id), self.dash) for l2 in shown_l2]] for e in order]
        self.table(header, rows, [1.1, 2.6, 1.6, *[2.0] * len(shown_l2)],
                   "clc" + "c" * len(shown_l2), caption, role="level1_compared")
        if len(level2) > 4:  # many level-2: their indices as a matrix of entities
            self.matrix([t.label("level2")], [4.0], "l",
                        [([l2.name], lambda r, i=l2.id: fmt(
                            next((g.score for g in r.level2 if g.id == i), None), self.dash))
                         for l2 in level2],
                        t("text", "level1_table_caption", name=group.name, index=index),
                        role="level2")
        from .charts import BarChart

        if len(self.all) <= MAX_CHART_BARS:  # beyond, the table above is the comparison
            self.chart(BarChart(labels=order, values=[_f(score_of(self.all[e])) for e in order],
                                horizontal=True, axis_label=index), caption, role="level1")

    def deductions_compared(self) -> None:
        t = self.t
        groups = [g for g in self.cat.level1 if g.kind == "deduction"]
        if not groups:
            return
        self.heading(t("sections", "deductions"))
        cap = self.res.params.get("deduction_cap")
        self.para(t("text", "deductions_compared",
                    cap=fmt_number(cap) if cap is not None else self.dash), keep=True)
        ids = [ind.id for g in groups for l2 in self.cat.level2_of(g.id)
               for ind in self.cat.indicators_of(l2.id)]
        rows = []
        for e, r in self.all.items():
            hit = [f"{i}（{_minus(r.indicators[i].score)}）" for i in ids
                   if i in r.indicators and r.indicators[i].score]
            rows.append([e, fmt(r.deductions_raw), _minus(r.deductions),
                         "、".join(hit) or self.dash])
        self.table([t.label("entity"), t.label("raw_deductions"), t.label("deductions"),
                    t.label("deducted_items")], rows, [2.6, 1.8, 1.8, 6.0], "lccl",
                   t("text", "deductions_compared_caption"), role="deductions")

    def quality_compared(self) -> None:
        t = self.t
        self.heading(t("sections", "quality"))
        n = len(self.cat.indicators)
        self.para(t("text", "quality_compared", n=n), keep=True)
        rows = []
        for e, r in self.all.items():
            counts = {s: sum(1 for x in r.indicators.values() if x.status == s)
                      for s in STATUS_LABELS}
            total = len(r.indicators)
            done = (total - counts["missing"]) * 100 / total if total else 0
            rows.append([e, *[str(counts[s]) for s in STATUS_LABELS], f"{done:.1f}%"])
        self.table([t.label("entity"), *STATUS_LABELS.values(), t.label("completeness")], rows,
                   [2.6, *[1.5] * len(STATUS_LABELS), 1.6], "l" + "c" * (len(STATUS_LABELS) + 1),
                   t("text", "quality_compared_caption"), role="quality")
        if self.findings is not None:
            self.heading(t("sections", "findings"), 2)
            self.findings_blocks(self.findings)

    def entity_briefs(self) -> None:
        t = self.t
        index, total_label = t.label("index"), t.label("total")
        self.heading(t("sections", "entities"))
        self.para(t("text", "entities_intro", n=len(self.all), index=index))
        l1_ranks = {g.id: self.ranks(lambda r, gid=g.id: next(
            (x.score for x in r.level1 if x.id == gid), None)) for g in self.weighted}
        for e, r in self.all.items():
            self.heading(e, 2)
            self.para(t("text", "summary", year=self.info.year, entity_text=e,
                        total_label=total_label, total=fmt(r.total), subtotal=fmt(r.subtotal),
                        level1_count=len(self.weighted), deductions_label=t.label("deductions"),
                        deductions=fmt(r.deductions)),
                      t("text", "ranking_entity", entity=e, total_label=total_label,
                        rank=self.total_rank.get(e, self.dash)) + self.group_sentence(e),
                      keep=True)
            by_id = {g.id: g for g in r.level1}
            rows = [[g.name, fmt_weight(g.weight), fmt(by_id[g.id].score if g.id in by_id
                                                        else None, self.dash),
                     str(l1_ranks[g.id][e] or self.dash)] for g in self.weighted]
            self.table([t.label("level1"), t.label("weight"), index, t.label("rank")], rows,
                       [4, 1.6, 1.8, 1.4], "lccc",
                       t("text", "entity_table_caption", entity=e, index=index), role="entity")

    def appendix_a_matrix(self) -> None:
        t = self.t
        self.blocks.append(PageBreak())
        self.heading(t("sections", "appendix_a"), numbered=False)
        self.para(t("text", "appendix_a_compared", n=len(self.cat.indicators)))

        def cell(ind: Indicator) -> Callable[[Results], str]:
            def value(r: Results) -> str:
                x = r.indicators.get(ind.id)
                if x is None:
                    return self.dash
                return _minus(x.score) if ind.kind == "deduction" else fmt(x.score)
            return value

        self.matrix([t.label("id"), t.label("name")], [1.0, 5.0], "cl",
                    [([str(ind.id), ind.name], cell(ind)) for ind in self.cat.indicators],
                    t("text", "appendix_a_caption"), role="appendix_a")


def build_round_report(catalogue: Catalogue, results: Mapping[str, Results], *,
                       round_info: Any, previous: Mapping[str, Results] | None = None,
                       findings_summary: FindingsSummary = None,
                       layout: Mapping[str, Any] | None = None, font: CJKFont | None = None,
                       progress: ProgressFn | None = None, today: date | None = None,
                       completeness: Mapping[str, Completeness] | None = None,
                       assumptions: Sequence[AssumptionNote] = (), analysis: Any = None,
                       parents: Mapping[str, str] | None = None) -> Report:
    """One report for a round with several entities (render it like :func:`build_report`).

    ``results`` maps entity names to their Results in the round's order; ``previous`` maps
    entity names to last year's (adds last year's total to the ranking table);
    ``completeness`` (by entity) and ``assumptions`` as for :func:`build_report`;
    ``parents`` (``{entity: parent}``) adds the ranking within each parent.
    """
    if not results:
        raise ExportError("没有可供生成报告的评价结果", hint="请先导入数据并计算评分")
    layout = dict(layout or load_layout())
    draft = any(not a.confirmed for a in assumptions)
    info = _report_info(layout, round_info, entities_text(layout, list(results)), today, draft)
    if font is None:
        from .fonts import find_cjk_font

        font = find_cjk_font()
    builder = _RoundBuilder(catalogue, results, layout, info=info, previous=previous,
                            findings=findings_summary, font=font, progress=progress,
                            completeness=completeness, assumptions=assumptions,
                            parents=parents)
    builder.analysis = analysis  # scoring.analysis.RoundAnalysis: the 以评促建 chapters
    return Report(info, builder.build(), layout)
