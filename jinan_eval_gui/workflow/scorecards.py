"""部门评价反馈单 for a round: each responsible unit's indicators, data quality and next
year's items, as Word and PDF per unit and one Excel summary.

Scores and points come from the analysis (:func:`analysis.analyze`, the exact decomposition and
the engine's levers); data quality from the collection desk's board (issue date, deadline, every
file the unit sent, findings). Gaps (缺报, 数据有误) are listed as data to supply, never as a
result, and no change against last year is shown for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import zip_longest
from pathlib import Path

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.analysis import EntityPriorities, Priority
from jinan_eval_gui.store import Round
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import ensure_folder

from . import assumptions
from .analysis import analyze
from .rounds import ProgressFn, round_catalogue
from .scores import score_round

TOP_ACTIONS = 5
"""Improvement items per scorecard (after every gap to supply)."""


def resolve_unit(cat: Catalogue, name: str) -> str:
    """The canonical unit named (or by an alias); a Chinese error listing units if unknown."""
    name = name.strip()
    for u in cat.units:
        if name == u.name or name in u.aliases:
            if not cat.indicators_for_unit(u.name):
                raise EvalError(f"单位“{u.name}”没有负责的三级指标，无需反馈单")
            return u.name
    known = "、".join(u.name for u in cat.units[:6])
    raise EvalError(f"指标体系中没有单位“{name}”", hint=f"请使用单位全称，如 {known} 等")


def unit_cards(rnd: Round, *, units: Sequence[str] | None = None,
               previous: dict[str, engine.Results] | None = None,
               cat: Catalogue | None = None) -> list:
    """The scorecards (:class:`outputs.scorecards.UnitCard`) of every (entity, unit)."""
    from jinan_eval_gui.outputs.scorecards import UnitCard

    from .arrivals import shown_time
    from .board import unit_board

    cat = cat or round_catalogue(rnd)
    info = rnd.info
    result = analyze(rnd, runs=0)
    board = unit_board(rnd, cat)
    draft = not assumptions.is_final(rnd, cat)
    wanted = list(units) if units else [u for u in cat.unit_names if cat.indicators_for_unit(u)]
    per_unit = frozenset(ind.id for ind in cat.indicators if ind.collect == "per_unit")
    cards = []
    for entity, a in result.entities.items():
        prev = (previous or {}).get(entity)
        for unit in wanted:
            row = board.row(entity, unit)
            cards.append(UnitCard(
                info.year, info.name, entity, unit, a.priorities.results.total,
                _rows(a.priorities, unit, prev), _quality(row, shown_time),
                _actions(a.priorities, unit, per_unit), compared=prev is not None,
                draft=draft))
    return cards


def _rows(prio: EntityPriorities, unit: str, prev: engine.Results | None) -> list:
    from jinan_eval_gui.outputs.scorecards import CardRow

    out = []
    for p in prio.items:
        if unit not in p.units:
            continue
        before = prev.indicators.get(p.id) if prev is not None else None
        previous = before.score if before is not None and before.status in engine.REPORTED \
            else None
        out.append(CardRow(p.id, p.name, p.level1, p.kind == "deduction", p.share, p.score,
                           p.status, p.status_label, p.gap, p.points, p.shared, previous))
    return out


def _quality(row, shown_time):
    from jinan_eval_gui.outputs.scorecards import Quality

    if row is None:
        return Quality("", "", "", "未下发", 0, 0, 0, 0, 0, 0, "未下发")
    stored = [a for a in row.arrivals if a.stored]
    if not row.arrivals:
        timeliness = f"未报送（逾期 {row.days_overdue} 天）" if row.days_overdue else "未报送"
    elif row.deadline_date is None:
        timeliness = "未规定截止日期"
    elif row.days_late > 0:
        timeliness = f"逾期 {row.days_late} 天"
    else:
        timeliness = "按时"
    errors_first = stored[0].errors if stored else 0
    errors_now = row.open_findings.get("error", 0)
    return Quality(shown_time(row.issued_at), row.deadline,
                   shown_time(row.arrivals[0].time) if row.arrivals else "", timeliness,
                   row.days_late, len(stored), errors_first, errors_now,
                   row.open_findings.get("warning", 0),
                   max(0, errors_first - errors_now) if len(stored) > 1 else 0, row.state_label)


def _actions(prio: EntityPriorities, unit: str, per_unit: frozenset[int]) -> list:
    """Every gap to supply first, then the unit's largest points with the engine's change."""
    from jinan_eval_gui.outputs.scorecards import Action

    mine = [p for p in prio.items if unit in p.units]
    out = []
    for p in sorted((p for p in mine if p.gap and p.points > 0), key=lambda p: (-p.points, p.id)):
        messages = prio.results.indicators[p.id].messages
        if p.id in per_unit and not _names_unit(messages, unit):
            continue  # each unit reports its own part: this unit's part is in
        reason = "；".join(messages) or p.status_label
        out.append(Action(p.id, p.name, p.points, f"{p.status_label}：{reason}。请补报或更正后重新报送。",
                          gap=True))
    ranked = sorted((p for p in mine if not p.gap and p.points > 0),
                    key=lambda p: (-p.points, p.id))
    for p in ranked[:TOP_ACTIONS]:
        out.append(Action(p.id, p.name, p.points, _action_text(prio, p, unit)))
    return out


def _names_unit(messages: Sequence[str], unit: str) -> bool:
    """Whether a gap's messages are about ``unit`` (its blank, or its wrong entry)."""
    return any(f"{unit}未填报" in m or f"“{unit}”" in m for m in messages)


def _action_text(prio: EntityPriorities, p: Priority, unit: str) -> str:
    lever = prio.lever(p.id, unit)
    shared = "（与其他单位共担）" if p.shared else ""
    if lever is not None:
        return f"{lever.text()}{shared}。"
    if p.kind == "deduction":
        return f"扣减 {_f2(p.points)} 分{shared}，请对照扣分依据逐项整改。"
    return (f"得分 {p.score}，距满分的失分 {_f2(p.points)} 分{shared}；该指标不能由单项填报数据的"
            "调整试算，请对照评估方法逐项提升。")


def _f2(x: Fraction) -> str:
    return f"{engine.round2(x):.2f}"


def write_scorecards(rnd: Round, out_dir: str | Path, *, unit: str | None = None,
                     compare: str | Path | None = None,
                     formats: Sequence[str] = ("docx", "pdf", "xlsx"),
                     progress: ProgressFn | None = None) -> list[Path]:
    """Write the scorecards (all units, or ``unit``) and the Excel summary into ``out_dir``."""
    from jinan_eval_gui.outputs import scorecards
    from jinan_eval_gui.system.filenames import sanitize_filename

    say = progress or (lambda _d, _t, _m: None)
    cat = round_catalogue(rnd)
    units = [resolve_unit(cat, unit)] if unit else None
    previous = None
    if compare:
        with Round.open(Path(compare), readonly=True) as earlier:
            previous = score_round(earlier, save=False)
    say(0, 3, "正在计算各单位的得分与提分空间")
    cards = unit_cards(rnd, units=units, previous=previous, cat=cat)
    folder = ensure_folder(out_dir)
    year = rnd.info.year
    several = len(rnd.list_entities()) > 1
    stems = [sanitize_filename(f"{year}年度_{c.entity + '_' if several else ''}{c.unit}_"
                               f"{scorecards.TITLE}") for c in cards]
    written: list[Path] = []
    if "docx" in formats:
        say(1, 3, f"正在写入 Word 反馈单（{len(cards)} 份）")
        for card, stem in zip(cards, stems, strict=True):
            written += scorecards.write_card(card, folder, stem, ("docx",))
    if "pdf" in formats:
        say(2, 3, f"正在写入 PDF 反馈单（{len(cards)} 份）")
        jobs = [(_card_pdf, (card, folder / f"{stem}.pdf")) for card, stem in
                zip(cards, stems, strict=True)]
        # a second process takes every other card (fonts are subset per document)
        here, there = parallel.run(jobs[::2], background=jobs[1::2] if len(jobs) > 2 else ())
        if len(jobs) <= 2:
            here, there = [fn(*args) for fn, args in jobs], []
        written += [p for pair in zip_longest(here, there) for p in pair if p is not None]
    if "xlsx" in formats and cards:
        name = sanitize_filename(f"{year}年度_{scorecards.TITLE}汇总") + ".xlsx"
        written.append(scorecards.write_summary(cards, folder / name,
                                                title=f"{year}年度 各单位{scorecards.TITLE}汇总"))
    say(3, 3, f"已生成 {len(written)} 个文件")
    return written


def _card_pdf(card, path: Path) -> Path:
    """One scorecard as PDF; module-level so that it runs in a worker process."""
    from jinan_eval_gui.outputs.report import render_pdf
    from jinan_eval_gui.outputs.scorecards import build_card

    return render_pdf(build_card(card), path)
