"""From an export to a score: match columns, read answers, clean, weight, score, interval.

One function, :func:`score_table`, used both when a survey is imported and when a round
recomputes it (a threshold, a choice or the population shares changed): the same file, the
same mapping and the same method always give the same result, to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from jinan_eval_gui.catalogue.questionnaire import Questionnaire
from jinan_eval_gui.errors import SurveyFileError

from . import estimate, weighting
from .answers import UNKNOWN, read_answers
from .cleaning import Thresholds, clean
from .mapping import ColumnMap, match_columns
from .result import SurveyResult, round2
from .table import ResponseTable

WEIGHTINGS = ("poststrat", "none")
INTERVALS = ("bootstrap", "analytic")
UNKNOWNS = ("exclude", "neutral")


@dataclass(frozen=True)
class Method:
    """How a survey is scored: cleaning thresholds, readings chosen, population shares."""

    thresholds: Thresholds
    weighting: str = "poststrat"
    """``poststrat``: weight on the attributes the office gave shares for; ``none``."""
    interval: str = "bootstrap"
    unknown: str = "exclude"
    reps: int = 1000
    seed: int = 20210
    shares: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    """Attribute (区县 …) → category → population share (adding up to 1)."""


def score_table(table: ResponseTable, questionnaire: Questionnaire, method: Method,
                chosen: Mapping[str, str] | None = None) -> SurveyResult:
    """Score the export ``table`` with ``questionnaire`` and ``method`` (the module doc)."""
    import numpy as np

    columns = match_columns(table.header, questionnaire, chosen)
    if not any(questionnaire.question(qid).scored for qid in columns.questions):
        raise SurveyFileError(
            f"调查答卷文件“{table.name}”中没有一列能对应问卷“{questionnaire.title}”的计分题",
            hint="请确认选择的问卷和答卷文件是否对应；表头应为题号或题目文字，也可用列对应指明")
    answers = read_answers(table, questionnaire, columns)
    cleaning = clean(answers, method.thresholds)
    kept = cleaning.kept
    points = answers.points[kept].copy()
    if method.unknown == "neutral":
        unknown = answers.state[kept] == UNKNOWN
        points[unknown] = np.broadcast_to(answers.midpoints, points.shape)[unknown]
    dims = [d.id for d in questionnaire.dimensions]
    layout = estimate.design(points, [dims.index(q.dimension) for q in answers.questions],
                             [float(q.weight) for q in answers.questions],
                             [float(d.weight) for d in questionnaire.dimensions])
    strata = _strata(questionnaire, answers.attributes, method, kept)
    weights, iterations = weighting.rake(np.ones((1, int(kept.sum()))), strata)
    est = estimate.point_estimate(weights, layout)
    n_kept = int(kept.sum())
    ci, se = _interval(method, layout, strata, weights[0], est) if n_kept else (None, None)
    state = answers.state[kept]
    return SurveyResult(
        file=table.name, sha256=table.sha256, format=table.format, encoding=table.encoding,
        questionnaire={"title": questionnaire.title, "version": questionnaire.version,
                       "hash": questionnaire.hash},
        n=answers.n, n_kept=n_kept, n_eff=weighting.kish(weights[0]) if n_kept else 0.0,
        excluded=cleaning.excluded,
        score=round2(est.overall) if n_kept else None, ci95=ci,
        dimensions=_dimensions(questionnaire, answers.questions, est, layout),
        questions=_questions(questionnaire, answers.questions, est, state),
        method=_method(method, strata, iterations, se),
        columns=[c.to_json() for c in columns.columns], missing=list(columns.missing),
        notes=_notes(columns, questionnaire) + weighting.empty_categories(strata),
    )


def _strata(questionnaire: Questionnaire, codes: Mapping[str, object], method: Method,
            kept: object) -> weighting.Strata:
    """The attributes to weight on: shares given, answered in the file, weighting chosen."""
    if method.weighting != "poststrat":
        return weighting.Strata([], [], [], [])
    shares: dict[str, list[float]] = {}
    labels: dict[str, list[str]] = {}
    for name, given in method.shares.items():
        try:
            q = questionnaire.attribute(name)
        except KeyError:
            continue
        labels[name] = [o.label for o in q.options]
        shares[name] = [float(given.get(o.label, 0)) for o in q.options]
    return weighting.strata(codes, shares, labels, kept)  # type: ignore[arg-type]


def _interval(method: Method, layout: estimate.Design, strata: weighting.Strata,
              weights: object, est: estimate.Estimate
              ) -> tuple[tuple[Decimal, Decimal] | None, float | None]:
    low, high, se = estimate.analytic_interval(weights, layout, est)  # type: ignore[arg-type]
    if method.interval == "bootstrap":
        low, high = estimate.percentile_interval(
            estimate.bootstrap(layout, strata, method.reps, method.seed))
    lo, hi = round2(max(0.0, low)), round2(min(100.0, high))
    return (None if lo is None or hi is None else (lo, hi)), se


def _dimensions(questionnaire: Questionnaire, questions: tuple, est: estimate.Estimate,
                layout: estimate.Design) -> list[dict[str, object]]:
    present = {q.dimension for q in questions}
    out = []
    for j, d in enumerate(questionnaire.dimensions):
        value = float(est.dimensions[j]) if d.id in present else None
        out.append({"id": d.id, "name": d.name, "weight": float(d.weight), "areas": list(d.areas),
                    "score": _f(round2(value)),
                    "questions": [q.id for q in questions if q.dimension == d.id]})
    return out


def _questions(questionnaire: Questionnaire, questions: tuple, est: estimate.Estimate,
               state: object) -> list[dict[str, object]]:
    import numpy as np

    names = {d.id: d.name for d in questionnaire.dimensions}
    out = []
    for j, q in enumerate(questions):
        column = state[:, j]  # type: ignore[index]
        out.append({"id": q.id, "text": q.text, "kind": q.kind, "dimension": q.dimension,
                    "dimension_name": names[q.dimension], "weight": float(q.weight),
                    "score": _f(round2(float(est.questions[j]))),
                    "n": int(np.sum(column == 1)), "unknown": int(np.sum(column == UNKNOWN)),
                    "blank": int(np.sum(column == 0))})
    return out


def _method(method: Method, strata: weighting.Strata, iterations: int,
            se: float | None) -> dict[str, object]:
    t = method.thresholds
    return {
        "thresholds": {"min_answered_share": float(t.min_answered_share),
                       "straightline_min": t.straightline_min,
                       "min_seconds": float(t.min_seconds)},
        "unknown": method.unknown,
        "weighting": {"method": strata.method, "chosen": method.weighting,
                      "attributes": list(strata.names), "iterations": iterations,
                      "shares": {name: {label: float(s) for label, s in zip(
                          labels, shares, strict=True)} for name, labels, shares in zip(
                          strata.names, strata.labels, strata.shares, strict=True)}},
        "interval": method.interval, "reps": method.reps if method.interval == "bootstrap"
        else None, "seed": method.seed if method.interval == "bootstrap" else None,
        "se_analytic": None if se is None else round(se, 4),
    }


def _notes(columns: ColumnMap, questionnaire: Questionnaire) -> list[str]:
    notes = [f"{c.letter} 列“{c.header[:30]}”：{c.note}" for c in columns.doubtful]
    unmatched = columns.unmatched
    if unmatched:
        notes.append("未对应问卷题目、未导入的列：" + "、".join(
            f"{c.letter}“{c.header[:20]}”" for c in unmatched))
    scored_missing = [qid for qid in columns.missing if questionnaire.question(qid).scored]
    if scored_missing:
        notes.append("答卷文件中没有以下计分题，未计入得分：" + "、".join(
            f"第 {qid} 题" for qid in scored_missing))
    return notes


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
