"""The scoring engine: the seed's 评价方法, exactly, over plain data.

百分制; each level is the weighted average of the level below; every score is kept to 2
decimals (计算时各分值保留2位小数) with Excel's ROUND on the decimal value; 信息安全 only deducts.
Everything is ``decimal.Decimal`` so the numbers equal what an auditor recomputes in Excel.
The engine knows nothing of Qt or Excel libraries; the export compiles the same rules to
formulas, and every number downstream (workbook, report, GUI) comes from :class:`Results`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.catalogue.rules import RuleEvalError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

STATUS_LABELS = {"ok": "正常", "missing": "缺报", "invalid": "数据有误", "expert": "专家评分"}

Value = Decimal | list[Decimal | None] | str | None


def round2(x: Decimal) -> Decimal:
    """Round half away from zero to 2 decimals, as Excel's ROUND does on the shown value."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def clamp(x: Decimal, lo: Decimal = ZERO, hi: Decimal | None = HUNDRED) -> Decimal:
    if x < lo:
        return lo
    if hi is not None and x > hi:
        return hi
    return x


@dataclass(frozen=True)
class Override:
    """An expert score (or deduction) replacing a rule's result; the reason is mandatory."""

    score: Decimal
    reason: str


@dataclass
class IndicatorResult:
    """One level-3 indicator's score with its trace."""

    id: int
    name: str
    kind: str
    weight: Decimal | None
    score: Decimal
    status: str
    inputs: dict[str, Value] = field(default_factory=dict)
    params: dict[str, Decimal] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)
    raw: Decimal | None = None
    rule: str = ""
    messages: list[str] = field(default_factory=list)
    override_reason: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Term:
    """One weighted term of a group's score: shown in the trace and the export."""

    key: str
    name: str
    weight: Decimal | None
    score: Decimal | None


@dataclass
class GroupResult:
    """A level-2 or level-1 score: the rounded weighted average of its terms."""

    id: str
    name: str
    level: int
    weight: Decimal | None
    kind: str
    score: Decimal | None
    terms: list[Term]
    parent: str = ""


@dataclass
class Results:
    """Everything the engine computed for one entity."""

    entity: str
    total: Decimal
    subtotal: Decimal
    deductions: Decimal
    deductions_raw: Decimal
    level1: list[GroupResult]
    level2: list[GroupResult]
    indicators: dict[int, IndicatorResult]
    params: dict[str, Decimal]
    catalogue_version: str = ""
    catalogue_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``score --json`` contract (numbers as floats with 2 decimals)."""
        return {
            "entity": self.entity,
            "total": float(self.total),
            "subtotal": float(self.subtotal),
            "deductions": float(self.deductions),
            "level1": [{"name": g.name, "score": _f(g.score)} for g in self.level1],
            "level2": [{"name": g.name, "level1": g.parent, "score": _f(g.score)}
                       for g in self.level2],
            "indicators": [{"id": r.id, "name": r.name, "score": float(r.score),
                            "status": r.status, "status_label": r.status_label}
                           for r in self.indicators.values()],
            "params": {k: float(v) for k, v in self.params.items()},
            "catalogue_version": self.catalogue_version,
        }


def _f(x: Decimal | None) -> float | None:
    return None if x is None else float(x)


def resolve_params(catalogue: Catalogue, overrides: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """Catalogue defaults with the round's overrides applied (unknown keys are refused)."""
    values = catalogue.parameter_defaults()
    for key, value in (overrides or {}).items():
        if key not in values:
            raise KeyError(key)
        values[key] = Decimal(str(value))
    return values


def score(catalogue: Catalogue, values: Mapping[int, Mapping[str, Value]],
          params: Mapping[str, Any] | None = None,
          overrides: Mapping[int, Override] | None = None, *, entity: str = "",
          blocked: Mapping[int, list[str]] | None = None) -> Results:
    """Score one entity from its accepted input values.

    ``blocked`` names indicators whose data cannot be used yet (e.g. an unresolved conflict
    between two units): they get the status 数据有误 with those messages.
    """
    resolved = resolve_params(catalogue, params)
    overrides = overrides or {}
    blocked = blocked or {}
    indicators = {
        ind.id: score_indicator(ind, values.get(ind.id, {}), resolved, overrides.get(ind.id),
                                blocked.get(ind.id, ()))
        for ind in catalogue.indicators
    }
    level2 = [_group_level2(catalogue, l2.id, indicators) for l2 in catalogue.level2]
    by_l2 = {g.id: g for g in level2}
    level1: list[GroupResult] = []
    deductions_raw = ZERO
    for l1 in catalogue.level1:
        children = [by_l2[l2.id] for l2 in catalogue.level2_of(l1.id)]
        if l1.kind == "deduction":
            terms = [Term(str(r.id), r.name, None, r.score)
                     for c in children for r in (indicators[int(t.key)] for t in c.terms)]
            deductions_raw += sum((t.score for t in terms if t.score is not None), ZERO)
            level1.append(GroupResult(l1.id, l1.name, 1, l1.weight, l1.kind, None, terms))
            continue
        terms = [Term(c.id, c.name, c.weight, c.score) for c in children]
        level1.append(GroupResult(l1.id, l1.name, 1, l1.weight, l1.kind,
                                  weighted_average(terms), terms))
    deductions = min(resolved["deduction_cap"], round2(deductions_raw))
    weighted = [Term(g.id, g.name, g.weight, g.score) for g in level1 if g.kind == "weighted"]
    subtotal = round2(sum((t.weight * t.score for t in weighted), ZERO) / HUNDRED)
    total = max(ZERO, subtotal - deductions)
    return Results(entity, total, subtotal, deductions, deductions_raw, level1, level2,
                   indicators, resolved, catalogue.version, catalogue.hash)


def weighted_average(terms: list[Term]) -> Decimal:
    """round2(Σ wᵢ·sᵢ / 100); a sole unweighted term passes its score through."""
    if len(terms) == 1 and terms[0].weight is None:
        return terms[0].score if terms[0].score is not None else ZERO
    return round2(sum((t.weight * t.score for t in terms), ZERO) / HUNDRED)


def _group_level2(catalogue: Catalogue, l2_id: str,
                  indicators: Mapping[int, IndicatorResult]) -> GroupResult:
    l2 = catalogue.level2_by_id(l2_id)
    l1 = catalogue.level1_of(l2_id)
    terms = [Term(str(ind.id), ind.name, ind.weight, indicators[ind.id].score)
             for ind in catalogue.indicators_of(l2_id)]
    value = None if l1.kind == "deduction" else weighted_average(terms)
    return GroupResult(l2.id, l2.name, 2, l2.weight, l1.kind, value, terms, parent=l1.name)


def indicator_env(ind: Indicator, values: Mapping[str, Value],
                  params: Mapping[str, Decimal]) -> tuple[dict[str, Any], list[str]]:
    """The names a rule can see, and the labels of required inputs that are missing."""
    env: dict[str, Any] = {name: params[f"{ind.id}.{name}"] for name in ind.params}
    missing: list[str] = []
    for spec in ind.inputs:
        if spec.kind == "text":
            continue
        if spec.kind == "table":
            columns = {f"{spec.key}.{c.key}": list(values.get(f"{spec.key}.{c.key}") or [])
                       for c in spec.columns if c.kind != "text"}
            rows = max((len(v) for v in columns.values()), default=0)
            incomplete = any(len(v) != rows or any(x is None for x in v) for v in columns.values())
            if (spec.required and rows == 0) or incomplete:
                missing.append(spec.label)
            env.update(columns)
            continue
        value = values.get(spec.key)
        if ind.collect == "per_unit":
            continue
        if value is None:
            if spec.required:
                missing.append(spec.label)
            value = ZERO
        env[spec.key] = value
    if ind.collect == "per_unit":
        _per_unit_env(ind, values, env, missing)
    return env, missing


def _per_unit_env(ind: Indicator, values: Mapping[str, Value], env: dict[str, Any],
                  missing: list[str]) -> None:
    """Per-unit inputs as aligned lists over the units that reported every required input.

    A unit that did not report is left out (its row in every list, so the lists stay aligned)
    and named in ``missing`` only when no unit at all reported.
    """
    specs = [s for s in ind.inputs if s.kind not in ("text", "table")]
    lists = {s.key: list(values.get(s.key) or []) for s in specs}
    width = max((len(v) for v in lists.values()), default=0)
    for v in lists.values():
        v.extend([None] * (width - len(v)))
    complete = [i for i in range(width)
                if all(lists[s.key][i] is not None for s in specs if s.required)]
    if not complete:
        missing.extend(s.label for s in specs if s.required)
    for s in specs:
        env[s.key] = [lists[s.key][i] if lists[s.key][i] is not None else ZERO for i in complete]


def score_indicator(ind: Indicator, values: Mapping[str, Value], params: Mapping[str, Decimal],
                    override: Override | None = None,
                    blocked: Sequence[str] = ()) -> IndicatorResult:
    """One indicator: override, else missing/invalid status, else the rule clamped and rounded."""
    env, missing = indicator_env(ind, values, params)
    result = IndicatorResult(
        id=ind.id, name=ind.name, kind=ind.kind, weight=ind.weight, score=ZERO, status="ok",
        inputs={s.key: values.get(s.key) for s in ind.inputs if s.kind != "table"},
        params={n: params[f"{ind.id}.{n}"] for n in ind.params}, rule=ind.score.text,
    )
    for spec in ind.inputs:
        for col in spec.columns:
            result.inputs[f"{spec.key}.{col.key}"] = values.get(f"{spec.key}.{col.key}")
    fallback = ZERO if ind.kind == "deduction" else params["missing_score"]
    if override is not None:
        result.score, result.status = round2(override.score), "expert"
        result.override_reason = override.reason
        return result
    if blocked:
        result.score, result.status = fallback, "invalid"
        result.messages.extend(blocked)
        return result
    if missing:
        result.score, result.status = fallback, "missing"
        result.messages.append("缺少必填数据：" + "、".join(missing))
        return result
    try:
        for check in ind.checks:
            if check.severity == "error" and not check.rule.evaluate(env):
                result.messages.append(check.message)
        for step in ind.steps:
            env[step.name] = result.steps[step.name] = step.rule.evaluate(env)
        raw = ind.score.evaluate(env)
    except RuleEvalError as exc:
        result.messages.append(str(exc))
        raw = None
    if result.messages or not isinstance(raw, Decimal):
        result.score, result.status = fallback, "invalid"
        return result
    result.raw = raw
    result.score = round2(clamp(raw, hi=None if ind.kind == "deduction" else HUNDRED))
    return result
