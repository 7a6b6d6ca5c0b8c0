"""The 部门评价反馈单 of one unit as report blocks, written as Word and PDF by the report's
renderers (same styles, fonts and atomic writing as the evaluation report)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from jinan_eval_gui.scoring.engine import round2

from ..report.blocks import Block, Heading, Paragraph, Report, ReportInfo, Run, Spacer, Table
from ..report.render import render_docx, render_pdf
from ..report.text import _date_text, _Text, load_layout
from .model import UnitCard

TITLE = "部门评价反馈单"
POINTS_NOTE = ("说明：“占总分”为该指标按一级、二级、三级权重折算在综合得分中的分量；“失分”为占总分×"
               "（100 − 得分）÷ 100，扣分制指标为扣减的分数。与其他单位共担的指标（标“共担”）每个单位均列出。"
               "缺报或数据有误的指标，失分来自数据缺口，不代表建设水平，须先补报或更正。")


def f2(x: Fraction | Decimal) -> str:
    """2 decimals, half up (as every score in the evaluation)."""
    return f"{round2(Fraction(x)):.2f}"


def percent(share: Fraction) -> str:
    """A share of the total as percent with up to 4 decimals: 0.7875%."""
    value = round(Decimal(share.numerator) / Decimal(share.denominator) * 100, 4)
    return f"{value.normalize():f}%" if value else "—"


def summary_sentences(card: UnitCard) -> list[str]:
    """The scorecard's opening sentences (the test checks each against the numbers)."""
    n = len(card.rows)
    shared = f"（其中与其他单位共担 {card.shared_count} 项）" if card.shared_count else ""
    out = [f"贵单位作为责任单位的三级指标共 {n} 项{shared}。"]
    weighted = card.weighted
    if weighted:
        lost = card.weight_points - card.earned
        out.append(f"其中计分指标 {len(weighted)} 项，按权重在综合得分中合计占 "
                   f"{f2(card.weight_points)} 分，本年度得分折合 {f2(card.earned)} 分，"
                   f"失分 {f2(lost)} 分。")
    deductions = [r for r in card.rows if r.deduction]
    if deductions:
        out.append(f"扣分制指标 {len(deductions)} 项，扣减 "
                   f"{f2(sum((r.points for r in deductions), Fraction(0)))} 分。")
    if card.gaps:
        # A shared indicator whose gap is another unit's part is not this unit's to fix.
        own = {a.id for a in card.actions if a.gap}
        others = [r.id for r in card.gaps if r.id not in own]
        if not own:
            what = "贵单位的数据已报送，待共担单位补报或更正"
        elif others:
            what = ("须补报或更正数据（其中指标 " + "、".join(map(str, others))
                    + " 贵单位的数据已报送，待共担单位补报或更正）")
        else:
            what = "须补报或更正数据"
        out.append(f"缺报或数据有误的指标 {len(card.gaps)} 项（指标 "
                   + "、".join(str(r.id) for r in card.gaps)
                   + f"，失分 {f2(card.gap_points)} 分），{what}。")
    return out


def build_card(card: UnitCard, *, today: date | None = None) -> Report:
    """The scorecard as blocks: result, data quality, next year's items."""
    layout = load_layout()
    text = _Text(layout)
    header = f"{TITLE}（{card.year}年度 {card.unit}）"
    info = ReportInfo(title=TITLE, year=card.year, entity=card.unit,
                      date_text=_date_text(text, today or date.today()),
                      issuer=text("document", "issuer"),
                      header=header + ("（征求意见稿）" if card.draft else ""),
                      footer=str(text.raw("document", "footer")), draft=card.draft)
    blocks: list[Block] = [
        Spacer(4),
        Paragraph((Run(TITLE),), style="title"),
        Paragraph((Run(_round_line(card) + ("（征求意见稿）" if card.draft else "")),),
                  style="subtitle"),
        Paragraph((Run("单位：", bold=True), Run(card.unit), Run("    评价对象：", bold=True),
                   Run(card.entity), Run("    综合得分：", bold=True),
                   Run(f"{card.total:.2f} 分")), style="body"),
        Heading("一、本单位负责指标的评价结果", 1),
        *(Paragraph((Run(s),), style="body") for s in summary_sentences(card)),
        _indicator_table(card),
        Paragraph((Run(POINTS_NOTE),), style="note"),
        Heading("二、数据报送质量", 1),
        _quality_table(card),
        Heading("三、下一年度重点提升事项", 1),
    ]
    if card.actions:
        for n, a in enumerate(card.actions, 1):
            blocks.append(Paragraph((Run(f"{n}. 指标 {a.id} {a.name}（{'须补报' if a.gap else '提分空间'} "
                                         f"{f2(a.points)} 分）：", bold=True), Run(a.text)),
                                    style="detail"))
    else:
        blocks.append(Paragraph((Run("本单位负责的指标均已得满分或无可提升的空间。"),), style="body"))
    for note in card.notes:
        blocks.append(Paragraph((Run(note),), style="note"))
    return Report(info=info, blocks=blocks, layout=layout)


def _round_line(card: UnitCard) -> str:
    """The round's name, with its year unless the name already says it."""
    year = f"{card.year}年度"
    return card.round_name if year in card.round_name else f"{card.round_name}（{year}）"


def _indicator_table(card: UnitCard) -> Table:
    header = ["编号", "指标名称", "一级指标", "占总分", "得分", "状态", "失分"]
    widths = [1.0, 5.0, 2.0, 1.9, 1.3, 1.5, 1.3]
    if card.compared:
        header += ["上年", "变化"]
        widths += [1.3, 1.3]
    rows = []
    for r in card.rows:
        name = r.name + ("（共担）" if r.shared else "")
        score = f"-{r.score:.2f}" if r.deduction and r.score else f"{r.score:.2f}"
        row = [str(r.id), name, r.level1, "扣分制" if r.deduction else percent(r.share), score,
               r.status_label, f2(r.points)]
        if card.compared:
            change = r.change
            row += ["—" if r.previous is None else f"{r.previous:.2f}",
                    "—" if change is None else (f"{change:+.2f}" if change else "0.00")]
        rows.append(row)
    return Table(tuple(header), tuple(tuple(r) for r in rows), tuple(widths),
                 "clcccc" + "c" + ("rr" if card.compared else ""),
                 f"{card.unit}负责的三级指标", role="card_indicators")


def _quality_table(card: UnitCard) -> Table:
    q = card.quality
    rows = [("模板下发时间", q.issued_at or "—"), ("报送截止日期", q.deadline or "未规定"),
            ("首次报送时间", q.first_arrival or "未报送"), ("是否按时报送", q.timeliness),
            ("报送版本数", str(q.versions)), ("首次报送的错误数", str(q.errors_first)),
            ("现行版本的错误数 / 警告数", f"{q.errors_now} / {q.warnings_now}"),
            ("已更正的错误数", str(q.corrected)), ("当前状态", q.state)]
    return Table(("项目", "情况"), tuple(rows), (4.0, 8.0), "ll", f"{card.unit}数据报送情况",
                 role="card_quality")


def write_card(card: UnitCard, folder: Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    """The unit's scorecard as .docx and/or .pdf in ``folder`` (atomically)."""
    report = build_card(card)
    out = []
    if "docx" in formats:
        out.append(render_docx(report, folder / f"{stem}.docx"))
    if "pdf" in formats:
        out.append(render_pdf(report, folder / f"{stem}.pdf"))
    return out
