"""What change of one reported value gains an indicator's points, found by the engine itself.

For a level-3 indicator the search tries one input at a time (for a per-unit input, one unit's
value): it scores the indicator with the engine at a few values between the reported one and
the input's bound, picks the change that reaches the indicator's next milestone (60, 80, 100;
for a deduction: no points deducted) or, failing that, the most any single change reaches, and
narrows it to the smallest such change by bisection. The gain in the total is the engine's
re-aggregation with the changed indicator (the official rounding included), never an estimate.

The base of a rate — the second argument of RATIO, CAPRATIO, ATTAIN, GROWTH, RANKSCORE, or
what a ``/`` divides by — is not offered as a lever: raising the score by shrinking the number
of services or hospitals counted is no improvement. Table inputs are not searched.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec

from .. import engine
from .inputs import EngineInputs, score_one

MILESTONES = (Decimal(60), Decimal(80), Decimal(100))
"""Scores an improvement step aims at: the first one above the current score."""
_GRID = tuple(Fraction(1, 2 ** k) for k in range(6, 0, -1)) + (Fraction(3, 4), Fraction(1))
_INTEGER_KINDS = frozenset({"count", "rank", "level", "yesno"})
_CENT = Decimal("0.01")
_BASE_ARGS = {"RATIO": (1,), "CAPRATIO": (1,), "ATTAIN": (1,), "GROWTH": (1,),
              "RANKSCORE": (1, 2)}


@dataclass(frozen=True)
class Lever:
    """One reported value changed, the indicator's score and the total it gives (engine)."""

    indicator: int
    input_key: str
    label: str
    measure: str
    kind: str
    unit: str
    """The reporting unit for a per-unit input, else empty."""
    old: Decimal
    new: Decimal
    old_text: str
    new_text: str
    deduction: bool
    score_before: Decimal
    score_after: Decimal
    total_before: Decimal
    total_after: Decimal

    @property
    def gain(self) -> Decimal:
        """The change of the official total (2 decimals, the engine's rounding)."""
        return self.total_after - self.total_before

    def text(self) -> str:
        """e.g. 已实现…的事项数量由 1123 项提至 1474 项（得分 60.97 → 80.02）：总分 +0.15 分."""
        who = f"{self.unit}：" if self.unit else ""
        if self.kind in ("yesno", "choice"):
            what = f"{who}{self.label}由“{self.old_text}”改为“{self.new_text}”"
        else:
            verb = "提至" if self.new > self.old else "降至"
            what = f"{who}{self.label}由 {self.old_text} {verb} {self.new_text}"
        score = "扣分" if self.deduction else "得分"
        return (f"{what}（{score} {self.score_before} → {self.score_after}）：总分 "
                f"{_signed(self.gain)} 分")

    def to_json(self) -> dict[str, object]:
        return {"input": self.input_key, "label": self.label, "unit": self.unit or None,
                "old": _num(self.old), "new": _num(self.new),
                "score_before": float(self.score_before), "score_after": float(self.score_after),
                "total_gain": float(self.gain), "text": self.text()}


def _signed(x: Decimal) -> str:
    return f"+{x:.2f}" if x > 0 else f"{x:.2f}"


def _num(x: Decimal) -> int | float:
    return int(x) if x == x.to_integral_value() else float(x)


def value_text(spec: InputSpec, value: Decimal) -> str:
    """A value as a person reads it: 是/否, an option's label, or the number with its unit."""
    if spec.kind == "yesno":
        return "是" if value else "否"
    if spec.kind == "choice":
        return next((o.label for o in spec.options if o.value == value), str(value))
    number = str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"
    return f"{number} {spec.unit}".strip() if spec.unit else number


def rate_bases(ind: Indicator, variant: str = "") -> frozenset[str]:
    """Names the reading only ever uses as the base of a rate (see the module docstring).

    Steps are followed into: a step used as a base (last year's rate in GROWTH) makes the
    inputs it is computed from bases too.
    """
    steps, score = ind.reading(variant)
    trees = {s.name: ast.parse(s.rule.text, mode="eval").body for s in steps}
    base: set[str] = set()
    used: set[str] = set()

    def walk(n: ast.AST, is_base: bool, depth: int = 0) -> None:
        if isinstance(n, ast.Name):
            if n.id in trees and depth < 32:
                walk(trees[n.id], is_base, depth + 1)
            (base if is_base else used).add(n.id)
        elif isinstance(n, ast.Attribute):
            name = f"{n.value.id}.{n.attr}" if isinstance(n.value, ast.Name) else n.attr
            (base if is_base else used).add(name)
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
            walk(n.left, is_base, depth)
            walk(n.right, True, depth)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            positions = _BASE_ARGS.get(n.func.id, ())
            for i, arg in enumerate(n.args):
                walk(arg, is_base or i in positions, depth)
        else:
            for child in ast.iter_child_nodes(n):
                walk(child, is_base, depth)

    walk(ast.parse(score.text, mode="eval").body, False)
    return frozenset(base - used)


@dataclass(frozen=True)
class _Candidate:
    spec: InputSpec
    position: int | None
    unit: str
    current: Decimal


class LeverFinder:
    """Searches levers for the indicators of one result (cached; the engine scores each try)."""

    def __init__(self, cat: Catalogue, inputs: EngineInputs, res: engine.Results) -> None:
        self.cat = cat
        self.inputs = inputs
        self.res = res
        self.resolved = dict(res.params)
        self.variants = dict(res.variants)
        self.settings = dict(res.settings)
        self._cache: dict[tuple[int, str], Lever | None] = {}

    def lever(self, indicator_id: int, unit: str = "") -> Lever | None:
        """The best single change for ``indicator_id`` (for ``unit``: among the values that
        unit reports), or None when the rule allows none (gap, expert score, nothing to gain)."""
        ind = self.cat.indicator(indicator_id)
        if ind.collect != "per_unit" and not any(s.owner for s in ind.inputs):
            unit = ""  # every unit reports the same inputs: one lever for all
        key = (indicator_id, unit)
        if key not in self._cache:
            self._cache[key] = self._search(indicator_id, unit)
        return self._cache[key]

    # -- search ---------------------------------------------------------------------------
    def _search(self, indicator_id: int, unit: str) -> Lever | None:
        current = self.res.indicators[indicator_id]
        if current.status != "ok":
            return None  # a gap is补报, an expert score is not the rule's
        ind = self.cat.indicator(indicator_id)
        deduction = ind.kind == "deduction"
        if (current.score <= 0) if deduction else (current.score >= 100):
            return None
        values = self.inputs.values.get(indicator_id, {})
        tried: list[tuple[_Candidate, list[tuple[Decimal, Decimal]]]] = []
        for cand in self._candidates(ind, values, unit):
            points = [(v, s) for v in self._grid(ind, cand, values)
                      if (s := self._score(ind, values, cand, v)) is not None]
            if points:
                tried.append((cand, points))
        better = [s for _, pts in tried for _, s in pts
                  if (s < current.score if deduction else s > current.score)]
        if not better:
            return None
        if deduction:
            target = min(better)
        else:
            milestone = next(m for m in MILESTONES if m > current.score)
            target = min(milestone, max(better))
        found = []
        for cand, points in tried:
            value = self._smallest(ind, values, cand, points, target, deduction)
            if value is not None:
                found.append((cand, value))
        if not found:
            return None
        cand, value = min(found, key=lambda cv: (cv[1] < cv[0].current,
                                                 abs(cv[1] - cv[0].current)
                                                 / max(abs(cv[0].current), Decimal(1))))
        return self._lever(ind, values, cand, value, deduction)

    def _candidates(self, ind: Indicator, values: Mapping[str, engine.Value],
                    unit: str) -> Iterable[_Candidate]:
        """Scalar numeric inputs (per unit: each unit's value) that are not a rate's base."""
        bases = rate_bases(ind, self.variants.get(ind.id, ""))
        specs = self.cat.inputs_for_unit(ind, unit) if unit else ind.inputs
        units = self.cat.units_of(ind)
        for spec in specs:
            if not spec.is_numeric or spec.key in bases:
                continue
            value = values.get(spec.key)
            if ind.collect == "per_unit":
                if not isinstance(value, list):
                    continue
                for pos, (who, v) in enumerate(zip(units, value, strict=False)):
                    if isinstance(v, Decimal) and (not unit or who == unit):
                        yield _Candidate(spec, pos, who, v)
            elif isinstance(value, Decimal):
                yield _Candidate(spec, None, "", value)

    def _grid(self, ind: Indicator, cand: _Candidate,
              values: Mapping[str, engine.Value]) -> list[Decimal]:
        """Values to try: toward each bound at 1/64 … 1 of the way, the other inputs' values
        (a numerator reaching its base), each option of a choice; nearest first."""
        spec, cur = cand.spec, cand.current
        if spec.kind == "choice":
            return [o.value for o in spec.options if o.value != cur]
        if spec.kind == "yesno":
            return [Decimal(1 - int(cur))]
        lo, hi = spec.bounds()
        others = [v for k, v in values.items()
                  if k != spec.key and isinstance(v, Decimal) and v >= 0]
        lo = Decimal(0) if lo is None else lo
        if hi is None:
            hi = max([cur * 10, Decimal(100), *others])
        points = set()
        for end in (lo, hi):
            for f in _GRID:
                points.add(self._quantise(spec, cur + (end - cur) * Decimal(f.numerator)
                                          / Decimal(f.denominator)))
        points |= {self._quantise(spec, v) for v in others if lo <= v <= hi}
        points.discard(cur)
        return sorted((p for p in points if lo <= p <= hi), key=lambda p: abs(p - cur))

    @staticmethod
    def _quantise(spec: InputSpec, value: Decimal) -> Decimal:
        step = Decimal(1) if spec.kind in _INTEGER_KINDS else _CENT
        return value.quantize(step)

    def _with(self, ind: Indicator, values: Mapping[str, engine.Value], cand: _Candidate,
              value: Decimal) -> dict[str, engine.Value]:
        changed = dict(values)
        if cand.position is None:
            changed[cand.spec.key] = value
        else:
            column = list(changed[cand.spec.key])  # type: ignore[arg-type]
            column[cand.position] = value
            changed[cand.spec.key] = column
        return changed

    def _result(self, ind: Indicator, values: Mapping[str, engine.Value], cand: _Candidate,
                value: Decimal) -> engine.IndicatorResult:
        return score_one(self.cat, self.inputs, ind.id, self._with(ind, values, cand, value),
                         self.resolved, self.variants, self.settings)

    def _score(self, ind: Indicator, values: Mapping[str, engine.Value], cand: _Candidate,
               value: Decimal) -> Decimal | None:
        """The indicator's score with ``value``; None if the value breaks a check."""
        result = self._result(ind, values, cand, value)
        return result.score if result.status == "ok" else None

    def _smallest(self, ind: Indicator, values: Mapping[str, engine.Value], cand: _Candidate,
                  points: Sequence[tuple[Decimal, Decimal]], target: Decimal,
                  deduction: bool) -> Decimal | None:
        """The value nearest the reported one that reaches ``target`` (bisection between the
        last grid value short of it and the first that reaches it, on the same side)."""
        def reaches(s: Decimal | None) -> bool:
            return s is not None and (s <= target if deduction else s >= target)

        for side in (1, -1):
            on_side = [(v, s) for v, s in points if (v - cand.current) * side > 0]
            hit = next(((v, s) for v, s in on_side if reaches(s)), None)
            if hit is None:
                continue
            near = cand.current
            for v, _ in on_side:
                if v == hit[0]:
                    break
                near = v
            far = hit[0]
            step = Decimal(1) if cand.spec.kind in _INTEGER_KINDS else _CENT
            if cand.spec.kind in ("yesno", "choice"):
                return far
            while abs(far - near) > step:
                mid = self._quantise(cand.spec, (far + near) / 2)
                if mid in (near, far):
                    break
                if reaches(self._score(ind, values, cand, mid)):
                    far = mid
                else:
                    near = mid
            return far
        return None

    def _lever(self, ind: Indicator, values: Mapping[str, engine.Value], cand: _Candidate,
               value: Decimal, deduction: bool) -> Lever:
        result = self._result(ind, values, cand, value)
        after = engine.aggregate(self.cat, {**self.res.indicators, ind.id: result},
                                 self.resolved, self.settings, self.variants,
                                 entity=self.res.entity)
        return Lever(ind.id, cand.spec.key, cand.spec.label, cand.spec.unit, cand.spec.kind,
                     cand.unit, cand.current, value, value_text(cand.spec, cand.current),
                     value_text(cand.spec, value), deduction,
                     self.res.indicators[ind.id].score, result.score, self.res.total,
                     after.total)
