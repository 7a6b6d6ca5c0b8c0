"""The scoring engine: the catalogue's rules computed exactly over plain data.

The rules are the tool's reading of the 指标体系's 评估方法 (``scoring/*.toml``, each with its stated
评分口径); the weights and the level structure are the 指标体系's own.

百分制; each level is the weighted average of the level below; every score is kept to 2
decimals (计算时各分值保留2位小数), rounded half away from zero like Excel's ROUND; 信息安全 only
deducts. Rules are evaluated exactly (fractions) and rounded only where the 指标体系 rounds, so
every score is the exact value rounded, which is also what an auditor recomputes in Excel.
Scores are ``decimal.Decimal`` with 2 places; traces show steps as readable Decimals.
The engine knows nothing of Qt or Excel libraries; the export compiles the same rules to
formulas, and every number downstream (workbook, report, GUI) comes from :class:`Results`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.catalogue.rules import (
    RuleEvalError,
    to_decimal,
    to_decimals,
    to_places,
    wording,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

STATUS_LABELS = {"ok": "正常", "missing": "缺报", "invalid": "数据有误", "expert": "专家评分"}
REPORTED = frozenset({"ok", "expert"})
"""Statuses scored from data (or by an expert); the others are gaps in the data."""
ENGINE_SETTINGS = frozenset({"missing_policy", "deduction_blanks"})
"""The assumption settings :func:`score` itself reads. A choice setting anything else acts
before the engine, on its inputs (e.g. how the survey's answers are weighted), so whoever
varies it must gather the inputs again with that choice."""

Value = Decimal | list[Decimal | None] | str | None


def round2(x: Decimal | Fraction | int) -> Decimal:
    """The exact value rounded half away from zero to 2 decimals (Excel's ROUND(x, 2)):
    61.875 → 61.88, 2.675 → 2.68, -2.675 → -2.68; a Decimal with exactly 2 places."""
    return to_places(x, 2)


def clamp(x: Any, lo: Decimal = ZERO, hi: Decimal | None = HUNDRED) -> Any:
    """``x`` limited to [lo, hi] (no upper limit when ``hi`` is None); exact for any number."""
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
    variant: str = ""
    """The alternative reading scored (chosen through an assumption); "" for the default."""
    provenance: dict[str, Any] = field(default_factory=dict)
    """Where the inputs came from when the workflow knows more than the values (a survey's
    file, method and result): ``{"trace": [(name, text), …], "survey": {…}}``. The engine
    neither reads nor sets it; traces and the report show it."""

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
    included: bool = True
    """False when the missing-data policy leaves the term out and renormalises the others."""


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
    settings: dict[str, str] = field(default_factory=dict)
    """The engine's policies in force (missing data, blank deductions), from the assumptions."""
    variants: dict[int, str] = field(default_factory=dict)
    """Indicators scored by an alternative reading (id → reading key), from the assumptions."""

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
            "settings": dict(self.settings),
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
          blocked: Mapping[int, list[str]] | None = None,
          choices: Mapping[str, str] | None = None) -> Results:
    """Score one entity from its accepted input values.

    ``blocked`` names indicators whose data cannot be used yet (e.g. an unresolved conflict
    between two units): they get the status 数据有误 with those messages. ``choices`` are the
    round's choices of registered assumptions (assumption id → choice key; defaults elsewhere),
    which select alternative readings of indicators and the engine's policies.
    """
    resolved = resolve_params(catalogue, params)
    variants, settings = catalogue.reading_choices(choices)
    overrides = overrides or {}
    blocked = blocked or {}
    indicators = {
        ind.id: score_indicator(ind, values.get(ind.id, {}), resolved, overrides.get(ind.id),
                                blocked.get(ind.id, ()), variant=variants.get(ind.id, ""),
                                deduction_blanks=settings["deduction_blanks"],
                                units=catalogue.units_of(ind))
        for ind in catalogue.indicators
    }
    return aggregate(catalogue, indicators, resolved, settings, variants, entity=entity)


def aggregate(catalogue: Catalogue, indicators: Mapping[int, IndicatorResult],
              resolved: Mapping[str, Decimal], settings: Mapping[str, str],
              variants: Mapping[int, str] | None = None, *, entity: str = "") -> Results:
    """Levels 2 and 1, the deductions and the total from level-3 results (already scored).

    Split from :func:`score` so that an analysis that changes one indicator (what-if, the
    input change that gains points) re-aggregates with the engine's own rounding instead of
    scoring all 88 again. ``resolved`` are the parameters as :func:`resolve_params` gives them,
    ``settings`` and ``variants`` as :meth:`Catalogue.reading_choices` gives them.
    """
    indicators = dict(indicators)
    renormalise = settings["missing_policy"] == "renormalise"
    level2 = [_group_level2(catalogue, l2.id, indicators, renormalise)
              for l2 in catalogue.level2]
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
        terms = [Term(c.id, c.name, c.weight, c.score, c.score is not None) for c in children]
        level1.append(GroupResult(l1.id, l1.name, 1, l1.weight, l1.kind,
                                  weighted_average(terms, renormalise), terms))
    deductions = min(resolved["deduction_cap"], round2(deductions_raw))
    weighted = [Term(g.id, g.name, g.weight, g.score, g.score is not None)
                for g in level1 if g.kind == "weighted"]
    subtotal = weighted_average(weighted, renormalise)
    subtotal = ZERO if subtotal is None else subtotal
    total = round2(max(ZERO, subtotal - deductions))  # 2 places even when 0
    return Results(entity, total, subtotal, deductions, deductions_raw, level1, level2,
                   indicators, dict(resolved), catalogue.version, catalogue.hash, dict(settings),
                   {i: v for i, v in (variants or {}).items() if v})


def weighted_average(terms: list[Term], renormalise: bool = False) -> Decimal | None:
    """round2(Σ wᵢ·sᵢ / 100); a sole unweighted term passes its score through.

    With ``renormalise`` (the missing-data policy 按已报指标重新归一权重) only included terms
    count and their weights are rescaled to sum to 100: round2(Σ wᵢ·sᵢ / Σ wᵢ) over them; None
    when none is included (the group itself is then left out one level up).
    """
    if len(terms) == 1 and terms[0].weight is None:
        if renormalise and not terms[0].included:
            return None
        return terms[0].score if terms[0].score is not None else ZERO
    if not renormalise:
        return round2(_weighted_sum(terms) / 100)
    kept = [t for t in terms if t.included]
    weight = sum((Fraction(t.weight or 0) for t in kept), Fraction(0))
    if not kept or weight == 0:
        return None
    return round2(_weighted_sum(kept) / weight)


def _weighted_sum(terms: Sequence[Term]) -> Fraction:
    """Σ wᵢ·sᵢ exactly (weights and scores are finite decimals; no context precision)."""
    return sum((Fraction(t.weight or 0) * Fraction(t.score or 0) for t in terms), Fraction(0))


def _group_level2(catalogue: Catalogue, l2_id: str, indicators: Mapping[int, IndicatorResult],
                  renormalise: bool = False) -> GroupResult:
    l2 = catalogue.level2_by_id(l2_id)
    l1 = catalogue.level1_of(l2_id)
    terms = [Term(str(ind.id), ind.name, ind.weight, indicators[ind.id].score,
                  indicators[ind.id].status in REPORTED)
             for ind in catalogue.indicators_of(l2_id)]
    value = None if l1.kind == "deduction" else weighted_average(terms, renormalise)
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
                    blocked: Sequence[str] = (), *, variant: str = "",
                    deduction_blanks: str = "resupply",
                    units: Sequence[str] = ()) -> IndicatorResult:
    """One indicator: override, else missing/invalid status, else the rule clamped and rounded.

    ``variant`` names an alternative reading of the indicator (chosen through an assumption).
    A deduction indicator with blanks (an input left empty, or for per-unit indicators a unit of
    ``units`` that did not report) follows ``deduction_blanks``: ``resupply`` deducts what the
    reported data gives and marks it 缺报 (须补报), ``cap`` deducts the indicator's maximum,
    ``zero`` deducts what the reported data gives and accepts the blanks as nothing to deduct.
    """
    steps, score_rule = ind.reading(variant)
    env, missing = indicator_env(ind, values, params)
    result = IndicatorResult(
        id=ind.id, name=ind.name, kind=ind.kind, weight=ind.weight, score=ZERO, status="ok",
        inputs={s.key: values.get(s.key) for s in ind.inputs if s.kind != "table"},
        params={n: params[f"{ind.id}.{n}"] for n in ind.params}, rule=score_rule.text,
        variant=variant,
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
    gaps = [*missing, *(f"{u}未填报" for u in absent_units(ind, values, units))] \
        if ind.kind == "deduction" else []
    if gaps:
        if deduction_blanks == "cap" and ind.max_deduction:
            result.score = round2(params[f"{ind.id}.{ind.max_deduction}"])
            result.status = "missing"
            result.messages.append(f"留空：{'、'.join(gaps)}；按本指标扣分上限扣分")
            return result
        missing = []  # the deduction is computed from what was reported
    if missing:
        result.score, result.status = fallback, "missing"
        result.messages.append("缺少必填数据：" + "、".join(missing))
        return result
    try:
        for check in ind.checks:
            if check.severity == "error" and not check.rule.evaluate(env):
                result.messages.append(check.message)
        for step in steps:
            exact = step.rule.evaluate(env)  # later steps and the score read the exact value
            env[step.name] = exact
            result.steps[step.name] = to_decimals(exact)  # shown in traces only
        raw = score_rule.evaluate(env)
    except RuleEvalError as exc:
        result.messages.append(wording.failure(ind, exc, variant=variant))  # no rule code
        raw = None
    if result.messages or not isinstance(raw, Fraction):
        result.score, result.status = fallback, "invalid"
        return result
    result.raw = to_decimal(raw)  # shown in traces only; the score uses the exact value
    result.score = round2(clamp(raw, hi=None if ind.kind == "deduction" else HUNDRED))
    if gaps:
        resupply = deduction_blanks != "zero"
        result.status = "missing" if resupply else "ok"
        result.messages.append(f"留空：{'、'.join(gaps)}；"
                               + ("须补报，暂按已报送的数据扣分" if resupply else "留空按不扣分计"))
    return result


def absent_units(ind: Indicator, values: Mapping[str, Value], units: Sequence[str]) -> list[str]:
    """Units of a per-unit indicator that did not report every required input (in unit order)."""
    if ind.collect != "per_unit" or not units:
        return []
    specs = [s for s in ind.inputs if s.kind not in ("text", "table") and s.required]
    lists = {s.key: list(values.get(s.key) or []) for s in specs}
    return [u for i, u in enumerate(units)
            if any(i >= len(lists[s.key]) or lists[s.key][i] is None for s in specs)]
