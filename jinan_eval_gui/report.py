"""The annual report 济南市智慧城市发展水平评估报告, as Word (.docx) and PDF.

The report is built once as a list of plain blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Table`, :class:`Image`, :class:`PageBreak`, :class:`Spacer`) from the engine's
:class:`~jinan_eval_gui.engine.Results`; :mod:`report_docx` and :mod:`report_pdf` render the same
blocks, so the two files always say the same thing. Fixed wording and section titles come from
``templates/report/report.toml`` and the Word styles from ``templates/report/report_template.docx``
(both editable by the office without code).

PDF route: **fpdf2** (pure Python, no Office, no LibreOffice, no Qt). Checked before choosing:
fpdf2 embeds TrueType *and* OpenType/CFF fonts as subsets (through fontTools; CID-keyed CFF such
as Noto Sans CJK since 2.8.6, which also added ``collection_font_number`` for .ttc/.otc
collections; measured here: 2.8.9 embeds "Noto Sans CJK SC" from Debian's NotoSansCJK-Regular.ttc
as "CID Type 0C", subset, with a ToUnicode map, so pdftotext gets the Chinese back). It also has
tables with repeated header rows, images and bookmarks. reportlab was rejected because it only
embeds TrueType outlines (it refuses CFF-outline .otf/.ttc such as the Noto CJK fonts that Linux
machines have), which would force an extra font package; matplotlib's PDF backend draws figures,
not paginated documents. Fonts are found by :mod:`jinan_eval_gui.fonts` (bundled font, then
Windows, then Linux), and a missing CJK font is a Chinese :class:`ExportError`.

Both writers are atomic (temporary file in the target folder, then ``os.replace``) and accept a
plain ``progress(done, total, message)`` callable.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import paths
from .atomic import atomic_path
from .catalogue import Catalogue, Indicator, Level1
from .engine import STATUS_LABELS, IndicatorResult, Results
from .errors import ExportError
from .fonts import CJKFont

ProgressFn = Callable[[int, int, str], None]
FindingsSummary = str | Sequence[str] | Mapping[str, Any] | None


# ---------------------------------------------------------------------------------------
# The intermediate document model
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A stretch of text; ``bold`` for labels inside a paragraph."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading (level 1 = chapter, 2 = section, 3 = subsection); ``text`` includes numbering."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph in a role: body, detail, note, item, title, subtitle, cover."""

    runs: tuple[Run, ...]
    style: str = "body"
    keep_with_next: bool = False  # an introduction that must not end a page

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``widths`` are relative, ``align`` one of l/c/r per column."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    align: str
    caption: str = ""
    bold_rows: frozenset[int] = frozenset()
    role: str = ""


@dataclass(frozen=True)
class Image:
    """A PNG picture (a chart) with its caption below."""

    png: bytes
    width_cm: float
    caption: str = ""
    role: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Spacer:
    """Vertical space (used on the title page)."""

    height_mm: float


Block = Heading | Paragraph | Table | Image | PageBreak | Spacer


@dataclass(frozen=True)
class ReportInfo:
    """Document-level facts: title, year, entity, date, running header and footer."""

    title: str
    year: int
    entity: str
    date_text: str
    issuer: str
    header: str
    footer: str


@dataclass
class Report:
    """A report ready to render: its facts, its blocks and the layout settings."""

    info: ReportInfo
    blocks: list[Block]
    layout: dict[str, Any] = field(repr=False)

    def headings(self, level: int | None = None) -> list[str]:
        return [b.text for b in self.blocks
                if isinstance(b, Heading) and (level is None or b.level == level)]


# ---------------------------------------------------------------------------------------
# Layout file (report.toml)
# ---------------------------------------------------------------------------------------
def layout_path() -> Path:
    return paths.template("report", "report.toml")


def docx_template_path() -> Path:
    return paths.template("report", "report_template.docx")


def load_layout(path: Path | None = None) -> dict[str, Any]:
    """Read report.toml (the fixed wording, section titles, style names and PDF sizes)."""
    path = path or layout_path()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ExportError(f"找不到报告模板文件“{path}”", hint="请重新安装本程序") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(f"报告模板文件“{path.name}”格式有误：{exc}",
                          hint="请用文本编辑器检查该行的引号和括号") from exc
    for section in ("document", "labels", "sections", "text", "styles", "pdf"):
        if not isinstance(data.get(section), dict):
            raise ExportError(f"报告模板文件“{path.name}”缺少 [{section}] 部分")
    return data


class _Text:
    """Looks up wording in the layout and fills its placeholders, with Chinese errors."""

    def __init__(self, layout: Mapping[str, Any]) -> None:
        self.layout = layout

    def raw(self, section: str, key: str) -> Any:
        try:
            return self.layout[section][key]
        except KeyError:
            raise ExportError(f"报告模板文件 report.toml 缺少“{section}.{key}”",
                              hint="请从安装目录恢复该文件，或补上这一项") from None

    def __call__(self, section: str, key: str, **values: Any) -> str:
        template = self.raw(section, key)
        try:
            return str(template).format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ExportError(f"报告模板文件 report.toml 中“{section}.{key}”的占位符有误：{exc}",
                              hint="花括号中只能使用原有的占位符名称") from None

    def label(self, key: str) -> str:
        return self("labels", key)


# ---------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------
def fmt(value: Decimal | float | None, dash: str = "—") -> str:
    """A score with 2 decimals (82.27), or a dash when there is none."""
    if value is None:
        return dash
    return f"{Decimal(str(value)):.2f}"


def fmt_delta(current: Decimal | None, previous: Decimal | None, dash: str = "—") -> str:
    """The change from last year with its sign (+1.23, -0.50, 0.00)."""
    if current is None or previous is None:
        return dash
    delta = current - previous
    return f"{delta:+.2f}" if delta else "0.00"


def fmt_weight(weight: Decimal | None, dash: str = "—") -> str:
    if weight is None:
        return dash
    return str(int(weight)) if weight == weight.to_integral_value() else f"{weight.normalize()}"


def fmt_number(value: Any) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value.normalize():f}"
    return str(value)


def _date_text(text: _Text, when: date) -> str:
    return text("document", "date_format", y=when.year, m=when.month, d=when.day)


def _round_field(round_info: Any, *names: str) -> Any:
    for name in names:
        if isinstance(round_info, Mapping):
            if round_info.get(name) not in (None, ""):
                return round_info[name]
        elif getattr(round_info, name, None) not in (None, ""):
            return getattr(round_info, name)
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def _chinese_number(text: _Text, n: int) -> str:
    digits = str(text.raw("document", "chinese_numbers"))
    if n <= len(digits):
        return digits[n - 1]
    if n < 20 and len(digits) >= 10:
        return digits[9] + digits[n - 11]
    return str(n)


# ---------------------------------------------------------------------------------------
# Building the blocks
# ---------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, catalogue: Catalogue, results: Results, layout: Mapping[str, Any], *,
                 info: ReportInfo, previous: Results | None, others: Mapping[str, Results],
                 findings: FindingsSummary, font: CJKFont | None,
                 progress: ProgressFn | None) -> None:
        self.cat = catalogue
        self.res = results
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
        if self.prev is not None:
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
                p = self.prev_ind.get(r.id)
                rows.append([str(r.id), r.name, fmt_weight(r.weight, self.dash), fmt(r.score),
                             r.status_label, *self.yoy_cells(r.score, p.score if p else None)])
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
                p = self.prev_ind.get(r.id)
                rows.append([label, str(r.id), r.name, fmt(r.score), r.status_label,
                             *self.yoy_cells(r.score, p.score if p else None)])
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
        parts: list[str] = []
        if r.status == "expert":
            parts.append(f"{STATUS_LABELS['expert']}：{r.override_reason}")
        elif r.status in ("missing", "invalid"):
            parts.append(f"{r.status_label}：{'；'.join(r.messages)}")
        else:
            for spec in ind.inputs:
                if spec.kind == "table":
                    continue
                value = r.inputs.get(spec.key)
                if value is None or value == [] or value == "":
                    continue
                parts.append(f"{spec.label}：{_input_text(spec, value)}")
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
        missing_score = self.res.params.get("missing_score", Decimal(0))
        self.para(t("text", "quality_policy", missing_score=fmt_number(missing_score)), keep=True)
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


# ---------------------------------------------------------------------------------------
# Several entities: one combined report
# ---------------------------------------------------------------------------------------
MATRIX_COLUMNS = 6  # entities per table where entities are columns (A4 portrait)


class _RoundBuilder(_Builder):
    """The report of a round with several entities: the ranking, each level-1 compared across
    entities, deductions and data quality per entity, each entity's results in brief, every
    level-3 score, and the scoring rules once (they are the round's, the same for all)."""

    def __init__(self, catalogue: Catalogue, results: Mapping[str, Results],
                 layout: Mapping[str, Any], *, info: ReportInfo,
                 previous: Mapping[str, Results] | None, findings: FindingsSummary,
                 font: CJKFont | None, progress: ProgressFn | None) -> None:
        first = next(iter(results.values()))
        super().__init__(catalogue, first, layout, info=info, previous=None,
                         others={e: r for e, r in results.items() if r is not first},
                         findings=findings, font=font, progress=progress)
        self.all = dict(results)
        self.prev_all = dict(previous or {})
        self.total_rank = {name: rank for rank, name, _ in self.ranking}

    def build(self) -> list[Block]:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("封面", self.cover), ("总体评估结果", self.overview), ("排名情况", self.ranking_table)]
        for group in self.weighted:
            steps.append((group.name, lambda g=group: self.level1_compared(g)))
        steps += [("信息安全扣分", self.deductions_compared), ("数据质量", self.quality_compared),
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
                        rank=self.total_rank.get(e, self.dash)), keep=True)
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


def entities_text(layout: Mapping[str, Any], names: Sequence[str], limit: int = 6) -> str:
    """“济南市、青岛市” or “济南市、青岛市、……等 16 个” for the cover and file names."""
    if len(names) <= limit:
        return "、".join(names)
    return _Text(layout)("document", "entities_text", names="、".join(names[:limit - 1]),
                         n=len(names))


def _report_info(layout: Mapping[str, Any], round_info: Any, entity: str,
                 today: date | None) -> ReportInfo:
    """Title page and running header/footer facts, shared by single and round reports."""
    text = _Text(layout)
    year = _round_field(round_info, "year")
    if year is None:
        raise ExportError("评价轮次信息中缺少年度，无法生成报告", hint="请在轮次设置中填写评价年度")
    when = _as_date(_round_field(round_info, "report_date", "date")) or today or date.today()
    title = text("document", "title")
    return ReportInfo(
        title=title, year=int(year), entity=entity, date_text=_date_text(text, when),
        issuer=text("document", "issuer"),
        header=text("document", "header", title=title, year=year),
        footer=str(text.raw("document", "footer")),
    )


def build_round_report(catalogue: Catalogue, results: Mapping[str, Results], *,
                       round_info: Any, previous: Mapping[str, Results] | None = None,
                       findings_summary: FindingsSummary = None,
                       layout: Mapping[str, Any] | None = None, font: CJKFont | None = None,
                       progress: ProgressFn | None = None, today: date | None = None) -> Report:
    """One report for a round with several entities (render it like :func:`build_report`).

    ``results`` maps entity names to their Results in the round's order; ``previous`` maps
    entity names to last year's (adds last year's total to the ranking table).
    """
    if not results:
        raise ExportError("没有可供生成报告的评价结果", hint="请先导入数据并计算评分")
    layout = dict(layout or load_layout())
    info = _report_info(layout, round_info, entities_text(layout, list(results)), today)
    if font is None:
        from .fonts import find_cjk_font

        font = find_cjk_font()
    builder = _RoundBuilder(catalogue, results, layout, info=info, previous=previous,
                            findings=findings_summary, font=font, progress=progress)
    return Report(info, builder.build(), layout)


def _rule_text(rule: Any) -> str:
    return str(getattr(rule, "text", rule))


def _minus(points: Decimal) -> str:
    return f"-{points:.2f}" if points else "0.00"


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _input_text(spec: Any, value: Any) -> str:
    """An input value as a reader understands it (是/否, options, units, per-unit lists)."""
    if isinstance(value, list):
        present = [v for v in value if v is not None]
        if spec.kind == "yesno":
            yes = sum(1 for v in present if v)
            return f"是 {yes} 个单位、否 {len(present) - yes} 个单位"
        total = sum(present, Decimal(0))
        return f"合计 {fmt_number(total)}{spec.unit}（{len(present)} 个单位）"
    if spec.kind == "yesno" and isinstance(value, Decimal):
        return "是" if value else "否"
    if spec.kind == "choice":
        for opt in spec.options:
            if opt.value == value:
                return opt.label
    if isinstance(value, str):
        return value if len(value) <= 120 else value[:119] + "…"
    return f"{fmt_number(value)}{spec.unit}"


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def build_report(catalogue: Catalogue, results: Results, *, round_info: Any,
                 previous: Results | None = None, others: Mapping[str, Results] | None = None,
                 findings_summary: FindingsSummary = None, layout: Mapping[str, Any] | None = None,
                 font: CJKFont | None = None, progress: ProgressFn | None = None,
                 today: date | None = None) -> Report:
    """Build the report's blocks once (render them with :func:`render_docx` / :func:`render_pdf`).

    ``round_info`` is the round (``store.RoundInfo`` or a mapping) with ``year`` and optionally
    ``date``/``report_date`` (defaults to today). ``others`` maps entity names to their Results
    for the ranking section. ``findings_summary`` is text, a list of lines or a mapping
    (category -> count or text).
    """
    layout = dict(layout or load_layout())
    info = _report_info(layout, round_info, results.entity, today)
    others = {k: v for k, v in (others or {}).items() if v is not results}
    if font is None:
        from .fonts import find_cjk_font

        font = find_cjk_font()
    builder = _Builder(catalogue, results, layout, info=info, previous=previous, others=others,
                       findings=findings_summary, font=font, progress=progress)
    return Report(info, builder.build(), layout)


def render_docx(report: Report, path: str | Path, template: Path | None = None) -> Path:
    """Write ``report`` as a Word document (atomically)."""
    from .report_docx import render

    path = Path(path)
    with atomic_path(path, opened_by="Word 或 WPS") as tmp:
        render(report, tmp, template or docx_template_path())
    return path


def render_pdf(report: Report, path: str | Path, font: CJKFont | None = None) -> Path:
    """Write ``report`` as PDF with an embedded CJK font (atomically)."""
    from .fonts import find_cjk_font
    from .report_pdf import render

    path = Path(path)
    font = font or find_cjk_font()
    with atomic_path(path, opened_by="PDF 阅读器") as tmp:
        render(report, tmp, font)
    return path


def write_docx(catalogue: Catalogue, results: Results, path: str | Path, *, round_info: Any,
               previous: Results | None = None, others: Mapping[str, Results] | None = None,
               findings_summary: FindingsSummary = None,
               progress: ProgressFn | None = None) -> Path:
    """Write the annual report as .docx (what the office edits and forwards)."""
    return _write(render_docx, "Word 报告已生成", catalogue, results, path, round_info,
                  previous, others, findings_summary, progress)


def write_pdf(catalogue: Catalogue, results: Results, path: str | Path, *, round_info: Any,
              previous: Results | None = None, others: Mapping[str, Results] | None = None,
              findings_summary: FindingsSummary = None,
              progress: ProgressFn | None = None) -> Path:
    """Write the annual report as PDF, made offline with fpdf2 and an embedded Chinese font."""
    return _write(render_pdf, "PDF 报告已生成", catalogue, results, path, round_info,
                  previous, others, findings_summary, progress)


def _write(render: Callable[[Report, Path], Path], done: str, catalogue: Catalogue,
           results: Results, path: str | Path, round_info: Any, previous: Results | None,
           others: Mapping[str, Results] | None, findings_summary: FindingsSummary,
           progress: ProgressFn | None) -> Path:
    report = build_report(catalogue, results, round_info=round_info, previous=previous,
                          others=others, findings_summary=findings_summary, progress=progress)
    out = render(report, Path(path))
    _done(progress, done)
    return out


def _done(progress: ProgressFn | None, message: str) -> None:
    if progress is not None:
        progress(1, 1, message)


def iter_tables(report: Report, role: str | None = None) -> Iterator[Table]:
    """The report's tables (of one role such as ``appendix_a``), for tests and previews."""
    for block in report.blocks:
        if isinstance(block, Table) and (role is None or block.role == role):
            yield block
