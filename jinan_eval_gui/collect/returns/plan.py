"""What a unit's template holds: its indicators, its inputs and the input map, once per catalogue.

Both the structure checks (:mod:`.reading`) and the value checks (:mod:`.inputs`) walk the same
plan, so it is computed once per (catalogue, unit) and cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.collect import templates


@dataclass(frozen=True)
class _UnitPlan:
    """What a unit's template holds: its indicators with its inputs, and the input map."""

    indicators: tuple[tuple[Indicator, tuple[InputSpec, ...]], ...]
    expected: dict[tuple[Any, ...], str]

    def inputs(self, indicator_id: int) -> tuple[InputSpec, ...]:
        return next((specs for ind, specs in self.indicators if ind.id == indicator_id), ())


_PLANS: dict[tuple[int, str], tuple[Catalogue, _UnitPlan]] = {}


def unit_plan(cat: Catalogue, unit: str) -> _UnitPlan:
    """What ``unit``'s template holds (indicators, inputs, input map), once per catalogue."""
    cached = _PLANS.get((id(cat), unit))
    if cached is not None and cached[0] is cat:
        return cached[1]
    indicators = tuple((ind, tuple(cat.inputs_for_unit(ind, unit)))
                       for ind in cat.indicators_for_unit(unit))
    plan = _UnitPlan(indicators, _expected_map(indicators))
    if len(_PLANS) > 1000:
        _PLANS.clear()
    _PLANS[(id(cat), unit)] = (cat, plan)
    return plan


def _expected_map(indicators: Iterable[tuple[Indicator, Iterable[InputSpec]]]
                  ) -> dict[tuple[Any, ...], str]:
    """Every input-map entry a template of the unit holds, with a name for messages."""
    out: dict[tuple[Any, ...], str] = {}
    for ind, specs in indicators:
        out[(ind.id, templates.NOTES_KEY, None, "")] = f"指标 {ind.id} 备注"
        for spec in specs:
            out[(ind.id, templates.EVIDENCE_PREFIX + spec.key, None, "")] = \
                f"指标 {ind.id}“{spec.label}”的佐证材料说明"
            if spec.kind == "table":
                for r in range(1, max(spec.max_rows, 1) + 1):
                    for col in spec.columns:
                        out[(ind.id, spec.key, r, col.key)] = \
                            f"指标 {ind.id}“{spec.label}”第 {r} 行“{col.label}”"
            else:
                out[(ind.id, spec.key, None, "")] = f"指标 {ind.id}“{spec.label}”"
    for key, label, _hint in templates.FILLER_FIELDS:
        out[(None, templates.FILLER_PREFIX + key, None, "")] = label
    return out
