"""Sections of the report of one entity: the overall result, the ranking, each level-1."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jinan_eval_gui.scoring.engine import IndicatorResult, Results

from .blocks import (
    Run,
)
from .text import (
    _f,
    _minus,
    fmt,
    fmt_weight,
)


class Sections:
    """The result sections; mixed into the report builder, whose fields and helpers they read."""

    def summary(self) -> None:
        t, res = self.t, self.res
        index, total_label = t.label("index"), t.label("total")
        self.heading(t("sections", "summary"))
        entity_text = res.entity or ""
        self.para(t("text", "summary", year=self.info.year, entity_text=entity_text,
                    total_label=total_label, total=fmt(res.total), subtotal=fmt(res.subtotal),
                    level1_count=len(self.weighted), deductions_label=t.label("deductions"),
                    deductions=fmt(res.deductions)))
        if self.completeness is not None:
            self.para(Run(self.completeness.summary(), bold=not self.completeness.complete))
        if self.info.draft:
            pending = sum(1 for a in self.assumptions if not a.confirmed)
            self.para(t("text", "draft_note", pending=pending))
        if self.prev is not None and self.gaps:
            self.para(t("text", "summary_yoy_incomplete", total_label=total_label,
                        prev_total=fmt(self.prev.total), gaps=len(self.gaps)))
        elif self.prev is not None:
            self.para(t("text", "summary_yoy", total_label=total_label,
                        prev_total=fmt(self.prev.total),
                        change_text=self.change_text(res.total, self.prev.total)))
        scored = [g for g in self.weighted if g.score is not None]
        if len(scored) >= 2:
            best = max(scored, key=lambda g: g.score)
            worst = min(scored, key=lambda g: g.score)
            self.para(t("text", "summary_best", best=best.name, best_label=index,
                        best_score=fmt(best.score), worst=worst.name,
                        worst_score=fmt(worst.score)), keep=True)
        rows = []
        for g in self.weighted:
            prev = self.prev_l1.get(g.id)
            rows.append([g.name, fmt_weight(g.weight), fmt(g.score),
                         *self.yoy_cells(g.score, prev.score if prev else None)])
        prev = self.prev
        rows.append([t.label("subtotal"), "100", fmt(res.subtotal),
                     *self.yoy_cells(res.subtotal, prev.subtotal if prev else None)])
        rows.append([t.label("deductions"), self.dash, _minus(res.deductions),
                     *self.yoy_cells(-res.deductions, -prev.deductions if prev else None)])
        rows.append([t.label("total"), self.dash, fmt(res.total),
                     *self.yoy_cells(res.total, prev.total if prev else None)])
        header = [t.label("level1"), t.label("weight"), index, *self.yoy_header()]
        self.table(header, rows, [4, 1.6, 1.8, *([1.6, 1.6] if prev else [])],
                   "lccrr" if prev else "lcc",
                   t("text", "summary_table_caption", index=index),
                   bold_rows=[len(rows) - 1], role="summary")
        from .charts import BarChart

        self.chart(BarChart(
            labels=[g.name for g in self.weighted], values=[_f(g.score) for g in self.weighted],
            previous=[_f(self.prev_l1[g.id].score) if g.id in self.prev_l1 else None
                      for g in self.weighted] if prev else None,
            series=(t.label("this_year"), t.label("last_year")), axis_label=index),
            t("text", "summary_chart_caption", index=index), role="summary")

    # -- ranking ----------------------------------------------------------------------------
    def _ranking(self) -> list[tuple[int, str, Results]]:
        entries = dict(self.others)
        entries[self.res.entity] = self.res
        ordered = sorted(entries.items(), key=lambda kv: (-kv[1].total, kv[0]))
        out: list[tuple[int, str, Results]] = []
        for i, (name, res) in enumerate(ordered):
            rank = out[-1][0] if out and out[-1][2].total == res.total else i + 1
            out.append((rank, name, res))
        return out

    def rank_of(self, key: Callable[[Results], Decimal | None]) -> int | None:
        values = [key(r) for _, _, r in self.ranking]
        mine = key(self.res)
        if mine is None:
            return None
        return 1 + sum(1 for v in values if v is not None and v > mine)

    def ranking_section(self) -> None:
        t = self.t
        index, total_label = t.label("index"), t.label("total")
        self.heading(t("sections", "ranking"))
        mine = next((r for r, name, _ in self.ranking if name == self.res.entity), None)
        entity_rank = (t("text", "ranking_entity", entity=self.res.entity or "",
                         total_label=total_label, rank=mine) if mine and self.res.entity else "")
        self.para(t("text", "ranking_intro", n=len(self.ranking), total_label=total_label,
                    entity_rank=entity_rank), keep=True)
        header = [t.label("rank"), t.label("entity"), total_label,
                  *[g.name for g in self.weighted]]
        rows, bold = [], []
        for i, (rank, name, res) in enumerate(self.ranking):
            by_id = {g.id: g for g in res.level1}
            rows.append([str(rank), name or self.dash, fmt(res.total),
                         *[fmt(by_id[g.id].score if g.id in by_id else None, self.dash)
                           for g in self.weighted]])
            if name == self.res.entity:
                bold.append(i)
        self.table(header, rows, [1.1, 2.6, 1.6, *[1.5] * len(self.weighted)],
                   "clc" + "c" * len(self.weighted),
                   t("text", "ranking_table_caption", total_label=total_label, index=index),
                   bold_rows=bold, role="ranking")
        from .charts import BarChart

        names = [name or self.dash for _, name, _ in self.ranking]
        highlight = next((i for i, (_, name, _) in enumerate(self.ranking)
                          if name == self.res.entity), None)
        self.chart(BarChart(labels=names, values=[_f(r.total) for _, _, r in self.ranking],
                            horizontal=True, highlight=highlight, axis_label=total_label),
                   t("text", "ranking_chart_caption", total_label=total_label), role="ranking")

    # -- one level-1 ------------------------------------------------------------------------
    def level1_section(self, group: Any) -> None:
        t = self.t
        index = t.label("index")
        level2 = [g for g in self.res.level2 if g.id in {l2.id for l2 in self.cat.level2_of(group.id)}]
        inds = [self.res.indicators[ind.id] for l2 in level2 for ind in self.cat.indicators_of(l2.id)]
        self.heading(t("sections", "level1", name=group.name))
        prev = self.prev_l1.get(group.id)
        yoy = ""
        if prev is not None and prev.score is not None and group.score is not None:
            yoy = t("text", "level1_yoy", prev=fmt(prev.score),
                    change_text=self.change_text(group.score, prev.score))
        self.para(t("text", "level1_intro", name=group.name, weight=fmt_weight(group.weight),
                    index=index, score=fmt(group.score), yoy=yoy, n2=len(level2), n3=len(inds)))
        if self.ranking:
            rank = self.rank_of(lambda r, gid=group.id: next(
                (g.score for g in r.level1 if g.id == gid), None))
            if rank is not None:
                self.para(t("text", "level1_rank", n=len(self.ranking), rank=rank, index=index),
                          keep=True)
        from .charts import BarChart

        if len(level2) > 1:  # the level-2 development indices
            rows = []
            for g in level2:
                p = self.prev_l2.get(g.id)
                rows.append([g.name, fmt_weight(g.weight, self.dash), fmt(g.score),
                             *self.yoy_cells(g.score, p.score if p else None)])
            header = [t.label("level2"), t.label("weight"), index, *self.yoy_header()]
            self.table(header, rows, [4.2, 1.6, 1.8, *([1.6, 1.6] if self.prev else [])],
                       "lcc" + ("rr" if self.prev else ""),
                       t("text", "level1_table_caption", name=group.name, index=index),
                       role="level2")
            labels = [g.name for g in level2]
            values = [_f(g.score) for g in level2]
            previous = ([_f(self.prev_l2[g.id].score) if g.id in self.prev_l2 else None
                         for g in level2] if self.prev else None)
        else:  # a sole level-2 (体制机制, 市民满意度): show its level-3 scores instead
            rows = []
            for r in inds:
                rows.append([str(r.id), r.name, fmt_weight(r.weight, self.dash), fmt(r.score),
                             r.status_label, *self.ind_yoy(r)])
            header = [t.label("id"), t.label("name"), t.label("weight"), t.label("score"),
                      t.label("status"), *self.yoy_header()]
            self.table(header, rows, [1.0, 6.2, 1.4, 1.3, 1.5, *([1.3, 1.3] if self.prev else [])],
                       "clccc" + ("rr" if self.prev else ""),
                       t("text", "level1_ind_table_caption", name=group.name),
                       role="level2")
            labels = [f"{r.id} {r.name}" for r in inds]
            values = [_f(r.score) for r in inds]
            previous = ([_f(self.prev_ind[r.id].score) if r.id in self.prev_ind else None
                         for r in inds] if self.prev else None)
        if len(labels) > 1:
            self.chart(BarChart(labels=labels, values=values, previous=previous, horizontal=True,
                                series=(t.label("this_year"), t.label("last_year")),
                                axis_label=index if len(level2) > 1 else t.label("score")),
                       t("text", "level1_chart_caption" if len(level2) > 1
                         else "level1_ind_chart_caption", name=group.name, index=index),
                       role="level1")
        self.extremes(group, inds)

    def extremes(self, group: Any, inds: list[IndicatorResult]) -> None:
        t = self.t
        n = int(t.raw("extremes", "count"))
        inds = [r for r in inds if r.id not in self.gaps]  # a gap is no result, good or bad
        k = min(n, len(inds) // 2)
        if k < 1:
            return
        strongest = sorted(inds, key=lambda r: (-r.score, r.id))[:k]
        rest = [r for r in inds if r not in strongest]
        weakest = sorted(rest, key=lambda r: (r.score, r.id))[:k]
        self.para(t("text", "extremes_intro"), keep=True)
        rows = []
        for label, chosen in ((t.label("strongest"), strongest), (t.label("weakest"), weakest)):
            for r in chosen:
                rows.append([label, str(r.id), r.name, fmt(r.score), r.status_label,
                             *self.ind_yoy(r)])
        header = [t.label("kind"), t.label("id"), t.label("name"), t.label("score"),
                  t.label("status"), *self.yoy_header()]
        self.table(header, rows, [1.0, 1.0, 6.4, 1.3, 1.5, *([1.3, 1.3] if self.prev else [])],
                   "cclcc" + ("rr" if self.prev else ""),
                   t("text", "extremes_table_caption", name=group.name), role="extremes")
