"""The report of one evaluated entity, built as blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.scoring.completeness import Completeness
from jinan_eval_gui.scoring.engine import STATUS_LABELS, IndicatorResult, Results

from .appendix import Appendices
from .blocks import (
    AssumptionNote,
    Block,
    FindingsSummary,
    Heading,
    Image,
    PageBreak,
    Paragraph,
    ProgressFn,
    Report,
    ReportInfo,
    Run,
    Spacer,
    Table,
)
from .fonts import CJKFont
from .text import (
    _chinese_number,
    _f,
    _input_text,
    _minus,
    _report_info,
    _Text,
    fmt,
    fmt_delta,
    fmt_number,
    fmt_weight,
    load_layout,
)

# ---------------------------------------------------------------------------------------
# Building the blocks
# ---------------------------------------------------------------------------------------


class _Builder(Appendices):
    def __init__(self, catalogue: Catalogue, results: Results, layout: Mapping[str, Any], *,
                 info: ReportInfo, previous: Results | None, others: Mapping[str, Results],
                 findings: FindingsSummary, font: CJKFont | None,
                 progress: ProgressFn | None, completeness: Completeness | None = None,
                 assumptions: Sequence[AssumptionNote] = ()) -> None:
        self.cat = catalogue
        self.res = results
        self.completeness = completeness
        self.assumptions = list(assumptions)
        # gaps in the data are never read as performance: not strong, not weak, not a change
        self.gaps = (completeness.gap_ids if completeness is not None else frozenset(
            r.id for r in results.indicators.values() if r.status in ("missing", "invalid")))
        self.t = _Text(layout)
        self.info = info
        self.prev = previous
        self.others = dict(others)
        self.findings = findings
        self.font = font
        self.progress = progress
        self.blocks: list[Block] = []
        self.chapter = 0
        self.section = 0
        self.tables = 0
        self.figures = 0
        self.dash = self.t.label("none")
        weighted = [g for g in results.level1 if g.kind == "weighted"]
        self.weighted = weighted
        self.prev_l1 = {g.id: g for g in previous.level1} if previous else {}
        self.prev_l2 = {g.id: g for g in previous.level2} if previous else {}
        self.prev_ind = previous.indicators if previous else {}
        self.ranking = self._ranking() if self.others else []

    # -- primitives -----------------------------------------------------------------
    def heading(self, title: str, level: int = 1, *, numbered: bool = True) -> None:
        if level == 1 and numbered:
            self.chapter += 1
            self.section = 0
            title = f"{_chinese_number(self.t, self.chapter)}、{title}"
        elif level == 2 and numbered:
            self.section += 1
            title = f"（{_chinese_number(self.t, self.section)}）{title}"
        self.blocks.append(Heading(title, level))

    def para(self, *parts: str | Run, style: str = "body", keep: bool = False) -> None:
        runs = tuple(p if isinstance(p, Run) else Run(p) for p in parts if p)
        if runs:
            self.blocks.append(Paragraph(runs, style, keep))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
              align: str, caption: str = "", *, bold_rows: Sequence[int] = (),
              role: str = "") -> None:
        if caption:
            self.tables += 1
            caption = f"表{self.tables}  {caption}"
        self.blocks.append(Table(tuple(header), tuple(tuple(r) for r in rows), tuple(widths),
                                 align, caption, frozenset(bold_rows), role))

    def chart(self, chart: Any, caption: str, role: str = "") -> None:
        from . import charts

        self.figures += 1
        png = charts.render_png(chart, self.font)
        self.blocks.append(Image(png, chart.width_cm, f"图{self.figures}  {caption}", role))

    # -- year-on-year helpers -----------------------------------------------------------
    def yoy_header(self) -> list[str]:
        return [self.t.label("previous"), self.t.label("change")] if self.prev else []

    def yoy_cells(self, current: Decimal | None, previous: Decimal | None) -> list[str]:
        if not self.prev:
            return []
        return [fmt(previous, self.dash), fmt_delta(current, previous, self.dash)]

    def ind_yoy(self, r: IndicatorResult, sign: int = 1) -> list[str]:
        """Last year and change of one indicator; no change is shown for a gap in the data."""
        p = self.prev_ind.get(r.id)
        previous = None if p is None else sign * p.score
        if r.id in self.gaps:
            return self.yoy_cells(None, previous)
        return self.yoy_cells(sign * r.score, previous)

    def change_text(self, current: Decimal, previous: Decimal) -> str:
        delta = current - previous
        if delta > 0:
            return self.t("text", "change_up", delta=fmt(delta))
        if delta < 0:
            return self.t("text", "change_down", delta=fmt(-delta))
        return self.t("text", "change_flat")

    # -- the report -----------------------------------------------------------------------
    def build(self) -> list[Block]:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("封面", self.cover), ("总体评估结果", self.summary)]
        if self.ranking:
            steps.append(("排名情况", self.ranking_section))
        for group in self.weighted:
            steps.append((group.name, lambda g=group: self.level1_section(g)))
        steps += [("信息安全扣分", self.deductions_section), ("数据质量", self.quality_section),
                  ("附录A", self.appendix_a), ("附录B", self.appendix_b)]
        for n, (name, step) in enumerate(steps):
            if self.progress is not None:
                self.progress(n, len(steps) + 1, f"正在生成报告：{name}")
            step()
        return self.blocks

    def cover(self) -> None:
        t, info = self.t, self.info
        self.blocks.append(Spacer(45))
        self.para(info.title, style="title")
        self.para(t("document", "year_line", year=info.year), style="subtitle")
        if info.draft:
            self.para(t("document", "draft_mark"), style="subtitle")
        if info.entity:
            self.blocks.append(Spacer(10))
            self.para(t("document", "entity_line", entity=info.entity), style="cover")
        self.blocks.append(Spacer(75))
        self.para(t("document", "issuer_line", issuer=t("document", "issuer"),
                    issuer_short=t("document", "issuer_short")), style="cover")
        self.para(t("document", "date_line", date=info.date_text), style="cover")
        self.blocks.append(PageBreak())

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

    # -- deductions ---------------------------------------------------------------------------
    def deductions_section(self) -> None:
        t = self.t
        groups = [g for g in self.res.level1 if g.kind == "deduction"]
        if not groups:
            return
        self.heading(t("sections", "deductions"))
        cap = self.res.params.get("deduction_cap")
        self.para(t("text", "deductions_intro", raw=fmt(self.res.deductions_raw),
                    cap=fmt_number(cap) if cap is not None else self.dash,
                    deductions=fmt(self.res.deductions)), keep=True)
        rows = []
        for g in groups:
            for term in g.terms:
                r = self.res.indicators[int(term.key)]
                ind = self.cat.indicator(r.id)
                rows.append([str(r.id), r.name, fmt(r.score), self.deduction_reason(ind, r)])
        self.table([t.label("id"), t.label("name"), t.label("points"), t.label("reason")], rows,
                   [1.0, 4.2, 1.2, 6.0], "clcl", t("text", "deductions_table_caption"),
                   role="deductions")

    def deduction_reason(self, ind: Indicator, r: IndicatorResult) -> str:
        """Why the points: the inputs the deduction was computed from, exactly those (for
        per-unit indicators only the units the score counted), and any gap."""
        parts: list[str] = []
        if r.status == "expert":
            parts.append(f"{STATUS_LABELS['expert']}：{r.override_reason}")
        elif r.status == "invalid" or (r.status == "missing" and r.raw is None):
            parts.append(f"{r.status_label}：{'；'.join(r.messages)}")
        else:
            used = _units_used(ind, r) if ind.collect == "per_unit" else None
            for spec in ind.inputs:
                if spec.kind == "table":
                    continue
                value = r.inputs.get(spec.key)
                if value is None or value == [] or value == "":
                    continue
                parts.append(f"{spec.label}：{_input_text(spec, value, used)}")
            if r.messages:
                parts.append(f"{r.status_label}：{'；'.join(r.messages)}" if r.status != "ok"
                             else "；".join(r.messages))
        return "；".join(parts) or self.dash

    # -- data quality ---------------------------------------------------------------------
    def quality_section(self) -> None:
        t = self.t
        inds = list(self.res.indicators.values())
        counts = {s: sum(1 for r in inds if r.status == s) for s in STATUS_LABELS}
        n = len(inds)
        completeness = (n - counts["missing"]) * 100 / n if n else 0
        self.heading(t("sections", "quality"))
        self.para(t("text", "quality_intro", n=n, ok=counts["ok"], missing=counts["missing"],
                    invalid=counts["invalid"], expert=counts["expert"],
                    completeness=f"{completeness:.1f}"))
        self.para(t("text", "quality_policy", **self.policy_texts()), keep=True)
        rows = [[STATUS_LABELS[s], str(c), f"{c * 100 / n:.1f}%" if n else self.dash]
                for s, c in counts.items()]
        rows.append([t.label("sum"), str(n), "100.0%" if n else self.dash])
        self.table([t.label("status"), t.label("count"), t.label("share")], rows, [3, 2, 2],
                   "ccc", t("text", "quality_table_caption"), bold_rows=[len(rows) - 1],
                   role="quality")
        issues = [r for r in inds if r.status != "ok"]
        if issues:
            order = {"missing": 0, "invalid": 1, "expert": 2}
            issues.sort(key=lambda r: (order[r.status], r.id))
            rows = [[str(r.id), r.name, r.status_label,
                     r.override_reason if r.status == "expert" else "；".join(r.messages)]
                    for r in issues]
            self.table([t.label("id"), t.label("name"), t.label("status"), t.label("note")], rows,
                       [1.0, 5.2, 1.4, 5.0], "clcl", t("text", "quality_issues_caption"),
                       role="issues")
        else:
            self.para(t("text", "quality_none"))
        if self.findings is not None:
            self.heading(t("sections", "findings"), 2)
            self.findings_blocks(self.findings)

    def findings_blocks(self, findings: FindingsSummary) -> None:
        t = self.t
        if isinstance(findings, str):
            lines = [line.strip() for line in findings.splitlines() if line.strip()]
            for line in lines or [t("text", "findings_none")]:
                self.para(line)
        elif isinstance(findings, Mapping):
            if not findings:
                self.para(t("text", "findings_none"))
                return
            rows = [[str(k), fmt_number(v)] for k, v in findings.items()]
            self.table([t.label("finding_kind"), t.label("finding_value")], rows, [5, 7], "lc",
                       t("text", "findings_table_caption"), role="findings")
        else:
            items = [str(x) for x in findings]
            if not items:
                self.para(t("text", "findings_none"))
            for i, item in enumerate(items, 1):
                self.para(f"{i}. {item}", style="detail")


def _units_used(ind: Indicator, r: IndicatorResult) -> list[int]:
    """Positions of the units a per-unit score counted: those that reported every required
    input (as the engine computes it)."""
    lists = [r.inputs.get(s.key) or [] for s in ind.inputs
             if s.required and s.kind not in ("text", "table")]
    width = max((len(v) for v in lists), default=0)
    return [i for i in range(width) if all(i < len(v) and v[i] is not None for v in lists)]


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def build_report(catalogue: Catalogue, results: Results, *, round_info: Any,
                 previous: Results | None = None, others: Mapping[str, Results] | None = None,
                 findings_summary: FindingsSummary = None, layout: Mapping[str, Any] | None = None,
                 font: CJKFont | None = None, progress: ProgressFn | None = None,
                 today: date | None = None, completeness: Completeness | None = None,
                 assumptions: Sequence[AssumptionNote] = ()) -> Report:
    """Build the report's blocks once (render them with :func:`render_docx` / :func:`render_pdf`).

    ``round_info`` is the round (``store.RoundInfo`` or a mapping) with ``year`` and optionally
    ``date``/``report_date`` (defaults to today). ``others`` maps entity names to their Results
    for the ranking section. ``findings_summary`` is text, a list of lines or a mapping
    (category -> count or text). ``completeness`` is stated beside the headline score;
    ``assumptions`` (the register as it stands) makes the report a 征求意见稿 while any is
    unconfirmed.
    """
    layout = dict(layout or load_layout())
    draft = any(not a.confirmed for a in assumptions)
    info = _report_info(layout, round_info, results.entity, today, draft)
    others = {k: v for k, v in (others or {}).items() if v is not results}
    if font is None:
        from .fonts import find_cjk_font

        font = find_cjk_font()
    builder = _Builder(catalogue, results, layout, info=info, previous=previous, others=others,
                       findings=findings_summary, font=font, progress=progress,
                       completeness=completeness, assumptions=assumptions)
    return Report(info, builder.build(), layout)
