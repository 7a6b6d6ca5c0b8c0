"""市民调查 read back from the round: the current survey of an entity and its result.

The survey feeds one input of the survey indicator its questionnaire names (indicator 88,
市民体验调查综合得分), scored with the round's parameters (cleaning thresholds, bootstrap),
assumption choices (weighting, interval, 不了解) and population shares. The result is cached
with a key of everything it depends on, so scoring a round reads the cache and recomputes from
the stored file only when a threshold, a choice or a share changed. Writing (import, a typed
score, shares) is :mod:`.surveyimport`'s.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.catalogue.questionnaire import (
    Questionnaire,
    load_questionnaire,
    questionnaire_from_json,
)
from jinan_eval_gui.collect import survey as responses
from jinan_eval_gui.errors import SurveyFileError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import Round, SurveyRecord

from .params import round_params
from .rounds import round_catalogue

ALGORITHM = "1"
"""Part of the cache key: bump when the survey's computation changes."""
_PARAMS = {"min_answered_share": "调查答卷最低作答比例", "straightline_min": "直线作答判定的最少量表题数",
           "min_seconds": "最短作答用时（秒）", "bootstrap_reps": "自助法重抽样次数",
           "bootstrap_seed": "自助法随机数起始值"}


@dataclass
class SurveyState:
    """The entity's current survey as scoring uses it: a computed result or a typed score."""

    record: SurveyRecord
    result: responses.SurveyResult | None = None
    questionnaire: Questionnaire | None = None
    error: str = ""
    recomputed: bool = False

    @property
    def score(self) -> Decimal | None:
        if self.record.kind == "score":
            return self.record.score
        return None if self.result is None else self.result.score

    def to_json(self) -> dict[str, Any]:
        """The ``survey score --json`` contract (a typed score: n, intervals … are null)."""
        r = self.record
        if self.result is not None:
            return {**self.result.to_json(), "entity": r.entity, "imported_at": r.imported_at,
                    "imported_by": r.imported_by, "error": self.error}
        return {"source": "score" if r.kind == "score" else "responses", "entity": r.entity,
                "file": r.file_name, "score": None if self.score is None else float(self.score),
                "score_source": r.source, "n": None, "n_kept": None, "excluded": [],
                "ci95": None, "dimensions": [], "questions": [], "error": self.error,
                "imported_at": r.imported_at, "imported_by": r.imported_by}


# ---------------------------------------------------------------------------------------
# The current survey's result
# ---------------------------------------------------------------------------------------
def survey_state(rnd: Round, cat: Catalogue, entity: str, *, save: bool = True,
                 choices: Mapping[str, str] | None = None) -> SurveyState | None:
    """The entity's current survey: the cached result when still valid, else recomputed from
    the stored file (and cached again when ``save`` and the round is writable). ``choices``
    replaces the round's assumption choices (a preview)."""
    record = rnd.current_survey(entity)
    if record is None:
        return None
    state = SurveyState(record)
    if record.kind == "score":
        return state
    try:
        q = questionnaire_from_json(record.questionnaire or "",
                                    name=f"市民调查答卷“{record.file_name}”所用的问卷")
        state.questionnaire = q
        method = survey_method(rnd, cat, entity, q, choices=choices)
        key = cache_key(record.sha256 or "", q, record.mapping, method)
        if record.cache_key == key and record.cache is not None:
            try:
                state.result = responses.from_json(record.cache)
                return state
            except (KeyError, TypeError, ValueError):
                pass  # a cache that does not read back: recomputed below
        table = responses.read_table(Path(record.file_name), rnd.survey_content(record.id))
        state.result = responses.score_table(table, q, method, record.mapping)
        state.recomputed = True
    except SurveyFileError as exc:
        state.error = str(exc)
        return state
    if save and not rnd.readonly:
        rnd.save_survey_cache(record.id, key, state.result.to_json())
    return state


def survey_method(rnd: Round, cat: Catalogue, entity: str, q: Questionnaire, *,
                  choices: Mapping[str, str] | None = None) -> responses.Method:
    """The method in force: the indicator's parameters, the round's choices (or ``choices``)
    and population shares."""
    params = engine.resolve_params(cat, round_params(rnd, cat))
    values = {}
    for name, label in _PARAMS.items():
        key = f"{q.indicator}.{name}"
        if key not in params:
            raise SurveyFileError(f"本评价轮次的指标体系中，指标 {q.indicator} 没有参数“{label}”",
                                  hint="请用新版本的指标体系创建评价轮次后再导入市民调查答卷")
        values[name] = params[key]
    share = values["min_answered_share"]
    if share > 1:
        raise SurveyFileError(f"参数“{_PARAMS['min_answered_share']}”为 {share}，应在 0–1 之间",
                              hint="请在“指标体系”页修改该参数（如 0.8 表示 80%）")
    for name in ("straightline_min", "bootstrap_reps", "bootstrap_seed"):
        if values[name] != values[name].to_integral_value():
            raise SurveyFileError(f"参数“{_PARAMS[name]}”应为整数，当前为 {values[name]}")
    reps = int(values["bootstrap_reps"])
    if not 1 <= reps <= 100_000:
        raise SurveyFileError(f"参数“{_PARAMS['bootstrap_reps']}”应在 1–100000 之间，当前为 {reps}")
    _variants, settings = cat.reading_choices(
        rnd.assumption_choices() if choices is None else choices)
    return responses.Method(
        thresholds=responses.Thresholds(share, int(values["straightline_min"]),
                                        values["min_seconds"]),
        weighting=settings.get("survey_weighting", "poststrat"),
        interval=settings.get("survey_interval", "bootstrap"),
        unknown=settings.get("survey_unknown", "exclude"),
        reps=reps, seed=int(values["bootstrap_seed"]) % (2 ** 63),
        shares=rnd.survey_shares(entity))


def cache_key(sha256: str, q: Questionnaire, mapping: Mapping[str, str],
               method: responses.Method) -> str:
    """Everything a result depends on, hashed (a stale cache is recomputed, never used)."""
    t = method.thresholds
    data = {"algorithm": ALGORITHM, "file": sha256, "questionnaire": q.hash,
            "mapping": dict(sorted(mapping.items())),
            "thresholds": [str(t.min_answered_share), t.straightline_min, str(t.min_seconds)],
            "weighting": method.weighting, "interval": method.interval,
            "unknown": method.unknown, "reps": method.reps, "seed": method.seed,
            "shares": {a: {k: str(v) for k, v in s.items()} for a, s in method.shares.items()}}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def ordered_shares(rnd: Round, entity: str) -> dict[str, dict[str, Decimal]]:
    """The entity's population shares with attributes and categories in questionnaire order."""
    shares = rnd.survey_shares(entity)
    try:
        q = questionnaire_of(rnd, entity)
    except SurveyFileError:
        return shares
    order = {a.attribute: [o.label for o in a.options] for a in q.attributes}
    out = {}
    for attribute in sorted(shares, key=lambda a: list(order).index(a) if a in order else 99):
        labels = order.get(attribute, [])
        out[attribute] = dict(sorted(shares[attribute].items(), key=lambda kv: labels.index(
            kv[0]) if kv[0] in labels else len(labels)))
    return out


def questionnaire_of(rnd: Round, entity: str) -> Questionnaire:
    """The questionnaire of the entity's current survey, else the built-in one."""
    record = rnd.current_survey(entity)
    if record is not None and record.questionnaire:
        return questionnaire_from_json(record.questionnaire)
    return load_questionnaire(catalogue=round_catalogue(rnd))


def resolve_entity(rnd: Round, entity: str) -> str:
    entities = rnd.list_entities()
    if not entity:
        return entities[0]
    if entity not in entities:
        raise SurveyFileError(f"评价对象“{entity}”不在本评价轮次中",
                              hint="可选：" + "、".join(entities))
    return entity
