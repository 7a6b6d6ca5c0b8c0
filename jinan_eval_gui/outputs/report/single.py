"""The report of one evaluated entity, built as blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.scoring.completeness import Completeness
from jinan_eval_gui.scoring.engine import IndicatorResult, Results

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
from .improvement import ImprovementSections
from .quality import QualitySections
from .sections import Sections
from .survey import SurveySection
from .text import (
    _chinese_number,
    _report_info,
    _Text,
    fmt,
    fmt_delta,
    load_layout,
)

# ---------------------------------------------------------------------------------------
# Building the blocks
# ---------------------------------------------------------------------------------------


class _Builder(Sections, SurveySection, QualitySections, ImprovementSections, Appendices):
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
        steps.append(("市民满意度调查", self.survey_chapter))
        steps += [("信息安全扣分", self.deductions_section), ("数据质量", self.quality_section),
                  ("提升空间", self.improvement_chapter),
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


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def build_report(catalogue: Catalogue, results: Results, *, round_info: Any,
                 previous: Results | None = None, others: Mapping[str, Results] | None = None,
                 findings_summary: FindingsSummary = None, layout: Mapping[str, Any] | None = None,
                 font: CJKFont | None = None, progress: ProgressFn | None = None,
                 today: date | None = None, completeness: Completeness | None = None,
                 assumptions: Sequence[AssumptionNote] = (), analysis: Any = None) -> Report:
    """Build the report's blocks once (render them with :func:`render_docx` / :func:`render_pdf`).

    ``round_info`` is the round (``store.RoundInfo`` or a mapping) with ``year`` and optionally
    ``date``/``report_date`` (defaults to today). ``others`` maps entity names to their Results
    for the ranking section. ``findings_summary`` is text, a list of lines or a mapping
    (category -> count or text). ``completeness`` is stated beside the headline score;
    ``assumptions`` (the register as it stands) makes the report a 征求意见稿 while any is
    unconfirmed. ``analysis`` (``scoring.analysis.EntityAnalysis``) adds the chapters
    提升空间与下一年度重点任务建议 and 评价结果稳健性.
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
    builder.analysis = analysis
    return Report(info, builder.build(), layout)
