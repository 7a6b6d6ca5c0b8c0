"""What the engine needs to score one entity, kept together so an analysis can score it again.

The round gathers these (``workflow.analysis.engine_inputs``); the analysis modules score them
unchanged, with one input changed (the change that gains points, what-if) or with other
assumption choices (robustness) — always through :func:`engine.score`, never by estimating.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue

from .. import engine


@dataclass(frozen=True)
class EngineInputs:
    """One entity's engine inputs: accepted values, round parameters, expert scores, blocked
    indicators (open conflicts) and the round's assumption choices."""

    entity: str
    values: Mapping[int, Mapping[str, engine.Value]]
    params: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[int, engine.Override] = field(default_factory=dict)
    blocked: Mapping[int, list[str]] = field(default_factory=dict)
    choices: Mapping[str, str] = field(default_factory=dict)
    regather: Callable[[Mapping[str, str]], EngineInputs] | None = field(
        default=None, repr=False, compare=False)
    """The same entity's inputs gathered again under other choices (from the round, while it is
    open): needed for choices that act before the engine (:data:`engine.ENGINE_SETTINGS`)."""

    def under(self, cat: Catalogue, choices: Mapping[str, str]) -> EngineInputs:
        """These inputs as ``choices`` give them: gathered again when a choice acts on the
        inputs themselves (a setting the engine does not read), else these with the choices."""
        if self.regather is not None and acts_on_inputs(cat, self.choices, choices):
            return replace(self.regather(choices), params=self.params, overrides=self.overrides,
                           choices=dict(choices), regather=self.regather)
        return replace(self, choices=dict(choices))

    def score(self, cat: Catalogue, *, choices: Mapping[str, str] | None = None,
              params: Mapping[str, Any] | None = None) -> engine.Results:
        """The engine's result for these inputs (``choices``/``params`` replace the round's)."""
        return engine.score(cat, self.values, self.params if params is None else params,
                            self.overrides, entity=self.entity, blocked=self.blocked,
                            choices=self.choices if choices is None else choices)

    def resolved_params(self, cat: Catalogue) -> dict[str, Decimal]:
        """Catalogue defaults with the round's parameters applied (what the engine uses)."""
        return engine.resolve_params(cat, self.params)

    def copy(self) -> EngineInputs:
        """A deep copy whose values can be changed without touching this one (a scratch)."""
        return replace(self, values=copy.deepcopy({k: dict(v) for k, v in self.values.items()}),
                       params=dict(self.params), choices=dict(self.choices),
                       overrides=dict(self.overrides), blocked=dict(self.blocked))


def acts_on_inputs(cat: Catalogue, before: Mapping[str, str],
                   after: Mapping[str, str]) -> bool:
    """Whether going from ``before`` to ``after`` changes a setting the engine does not read."""
    _, old = cat.reading_choices(before)
    _, new = cat.reading_choices(after)
    return any(old.get(k) != new.get(k) for k in set(old) | set(new)
               if k not in engine.ENGINE_SETTINGS)


def score_one(cat: Catalogue, inputs: EngineInputs, indicator_id: int,
              values: Mapping[str, engine.Value], resolved: Mapping[str, Decimal],
              variants: Mapping[int, str], settings: Mapping[str, str]
              ) -> engine.IndicatorResult:
    """One indicator scored by the engine on ``values`` (the rest of ``inputs`` as they are)."""
    ind = cat.indicator(indicator_id)
    return engine.score_indicator(
        ind, values, resolved, inputs.overrides.get(indicator_id),
        inputs.blocked.get(indicator_id, ()), variant=variants.get(indicator_id, ""),
        deduction_blanks=settings["deduction_blanks"], units=cat.units_of(ind))
