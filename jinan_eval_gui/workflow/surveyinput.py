"""The survey as the source of its indicator's input, with the trace people read.

When an entity has a current survey, its score replaces whatever a unit typed for the survey
indicator's score input (a typed number still counts when no survey was imported); the trace
names the file (and its SHA-256), the sample kept and excluded, the method and the interval,
or for a typed score its source. A unit's own typed score that is not used is named too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.catalogue.questionnaire import EXCLUSION_RULES
from jinan_eval_gui.collect.survey import method_text
from jinan_eval_gui.store import Round

from .survey import SurveyState, survey_state

SOURCE_SHEET = "市民调查答卷"
TYPED_SHEET = "调查机构报告"


@dataclass
class SurveyInput:
    """What scoring takes from the survey: the value of one input, or why there is none."""

    indicator: int
    key: str
    value: Decimal | None
    source: tuple[str, ...]
    """(file, sheet, cell, note) as the scoring workbook's 原始数据 shows them."""
    trace: list[tuple[str, str]] = field(default_factory=list)
    blocked: str = ""
    survey: dict[str, Any] | None = None


def survey_input(rnd: Round, cat: Catalogue, entity: str, *,
                 choices: Mapping[str, str] | None = None) -> SurveyInput | None:
    """The entity's survey as an input value, or None when it has no current survey.

    ``choices`` replaces the round's assumption choices (a preview: nothing is cached)."""
    state = survey_state(rnd, cat, entity, choices=choices,
                         save=choices is None and not rnd.readonly)
    if state is None:
        return None
    target = _target(cat, state)
    if target is None:
        return None
    indicator, key = target
    record = state.record
    if record.kind == "score":
        when = record.imported_at[:10]
        return SurveyInput(indicator, key, record.score, ("", TYPED_SHEET, "", f"来源：{record.source}"),
                           [("综合得分来源", f"调查机构出具的综合得分 {record.score}（来源：{record.source}；"
                                        f"{when} 由 {record.imported_by} 录入）")],
                           survey=state.to_json())
    if state.error or state.result is None:
        return SurveyInput(indicator, key, None, (record.file_name, SOURCE_SHEET, "", ""),
                           [("答卷文件", _file_text(state))],
                           blocked=f"市民调查答卷无法计算得分：{state.error}")
    result = state.result
    trace = [("答卷文件", _file_text(state)), ("样本", sample_text(result.to_json())),
             ("计分方法", method_text(result.method))]
    if result.ci95 is not None:
        trace.append(("95%置信区间", f"{result.ci95[0]} – {result.ci95[1]}"))
    trace += [("说明", note) for note in result.notes]
    note = f"有效答卷 {result.n_kept}/{result.n} 份；{method_text(result.method)}"
    if result.ci95 is not None:
        note += f"；95%置信区间 {result.ci95[0]} – {result.ci95[1]}"
    blocked = "" if result.score is not None else "市民调查答卷经清洗后没有有效答卷，无法计算得分"
    return SurveyInput(indicator, key, result.score,
                       (result.file, SOURCE_SHEET, f"SHA-256 {result.sha256[:12]}", note),
                       trace, blocked, state.to_json())


def sample_text(survey: Mapping[str, Any]) -> str:
    """答卷 3 000 份，有效 2 762 份，剔除 238 份（答卷编号重复 30 份、…）；有效样本量 1 647.9。"""
    counts = survey.get("exclusion_counts") or {}
    parts = "、".join(f"{EXCLUSION_RULES[k]} {v} 份" for k, v in counts.items() if v and k in EXCLUSION_RULES)
    excluded = int(survey["n"]) - int(survey["n_kept"])
    text = f"答卷 {survey['n']} 份，有效 {survey['n_kept']} 份，剔除 {excluded} 份"
    if parts:
        text += f"（{parts}）"
    n_eff = float(survey.get("n_eff", survey["n_kept"]))
    shown = f"{n_eff:.0f}" if abs(n_eff - round(n_eff)) < 0.05 else f"{n_eff:.1f}"
    return text + f"；有效样本量 {shown}"


def _file_text(state: SurveyState) -> str:
    r = state.record
    q = state.questionnaire
    text = f"市民调查答卷“{r.file_name}”（SHA-256 {str(r.sha256)[:12]}…，{r.imported_at[:10]} 由 " \
           f"{r.imported_by} 导入）"
    if q is not None:
        text += f"，问卷“{q.title}”{q.version} 版"
    return text


def _target(cat: Catalogue, state: SurveyState) -> tuple[int, str] | None:
    """The (indicator, input) the survey scores: its questionnaire's, or for a typed score the
    catalogue's one survey indicator with a score input."""
    q = state.questionnaire
    if q is not None:
        try:
            cat.indicator(q.indicator).input(q.input)
        except KeyError:
            return None
        return q.indicator, q.input
    found = [(ind.id, spec.key) for ind in cat.indicators if ind.kind == "survey"
             for spec in ind.inputs if spec.kind == "score"]
    return found[0] if len(found) == 1 else None
