"""The alternative readings of the assumptions, scored by the engine, for the Monte Carlo.

Every registered assumption with more than one choice is a factor: for each of its choices the
engine scores the entity with that choice (the round's choices elsewhere), and the analysis
keeps which level-3 scores, inclusion flags and engine settings it changes. Assumptions whose
changes touch the same indicators or setting are joined into one factor over every
combination of their choices (each combination scored by the engine), so replacing columns
per factor is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.catalogue.assumptions import Assumption

from .. import engine
from .inputs import EngineInputs, acts_on_inputs, score_one
from .structure import Tree


@dataclass(frozen=True)
class Outcome:
    """What one choice (or combination) gives: level-3 scores, inclusion, deductions, policy."""

    scores: tuple[float, ...]
    included: tuple[bool, ...]
    deductions: tuple[float, ...]
    renormalise: bool


@dataclass(frozen=True)
class Factor:
    """One or more assumptions varied together; ``outcomes`` in mixed-radix order of their
    choice indices (the first assumption's index varies slowest)."""

    assumptions: tuple[Assumption, ...]
    columns: tuple[int, ...]
    """Positions (in :attr:`Tree.ind_ids`) whose score or inclusion changes."""
    deduction_columns: tuple[int, ...]
    sets_policy: bool
    outcomes: tuple[Outcome, ...]


def varied(cat: Catalogue, *, on_inputs_too: bool = True) -> list[Assumption]:
    """The registered assumptions with an alternative reading (more than one choice); without
    ``on_inputs_too``, only those the engine applies itself (no gathering again)."""
    return [a for a in cat.assumptions
            if len(a.choices) > 1 and (on_inputs_too or not on_inputs(a))]


def outcome(tree: Tree, indicators: Mapping[int, engine.IndicatorResult],
            settings: Mapping[str, str]) -> Outcome:
    r = indicators
    return Outcome(tuple(float(r[i].score) for i in tree.ind_ids),
                   tuple(r[i].status in engine.REPORTED for i in tree.ind_ids),
                   tuple(float(r[i].score) for i in tree.deduction_ids),
                   settings.get("missing_policy") == "renormalise")


def scored(cat: Catalogue, tree: Tree, inputs: EngineInputs, base: engine.Results,
           choices: Mapping[str, str]) -> Outcome:
    """The level-3 outcome of ``choices``, scored by the engine where it can differ from
    ``base``: indicators whose reading changes, and the deduction indicators when the rule for
    blanks changes (the missing-data policy only acts in the aggregation). A choice acting on
    the inputs themselves (:data:`engine.ENGINE_SETTINGS`) has them gathered again and all 88
    scored."""
    if acts_on_inputs(cat, inputs.choices, choices):
        res = inputs.under(cat, choices).score(cat, choices=choices)
        return outcome(tree, res.indicators, res.settings)
    variants, settings = cat.reading_choices(choices)
    moved = {k for k in settings if settings[k] != base.settings.get(k)}
    ids = {ind.id for ind in cat.indicators
           if variants.get(ind.id, "") != base.variants.get(ind.id, "")}
    if "deduction_blanks" in moved:
        ids |= {ind.id for ind in cat.indicators if ind.kind == "deduction"}
    resolved = dict(base.params)
    indicators = {**base.indicators, **{
        i: score_one(cat, inputs, i, inputs.values.get(i, {}), resolved, variants, settings)
        for i in ids}}
    return outcome(tree, indicators, settings)


def on_inputs(a: Assumption) -> bool:
    """Whether some choice of ``a`` sets what the engine does not read (acts on the inputs)."""
    return any(set(c.settings) - engine.ENGINE_SETTINGS for c in a.choices)


def factors(cat: Catalogue, tree: Tree, inputs: EngineInputs, base: engine.Results,
            assumptions: Sequence[Assumption]) -> list[Factor]:
    """Each assumption's outcomes (scored by the engine), joined where their changes meet."""
    current = _current_choices(inputs, assumptions)
    base_out = outcome(tree, base.indicators, base.settings)
    single: list[tuple[Assumption, list[Outcome], set[str]]] = []
    for a in assumptions:
        outs = [base_out if c.key == current[a.id] else
                scored(cat, tree, inputs, base, {**current, a.id: c.key}) for c in a.choices]
        single.append((a, outs, _touched(base_out, outs)))
    # join assumptions whose touched sets meet (transitively)
    groups: list[list[int]] = []
    for i, (_, _, touched) in enumerate(single):
        meeting = [g for g in groups if any(single[j][2] & touched for j in g)]
        merged = [i, *(j for g in meeting for j in g)]
        groups = [g for g in groups if g not in meeting] + [sorted(merged)]
    out = []
    for members in sorted(groups):
        chosen = [single[j][0] for j in members]
        if len(members) == 1:
            outs = single[members[0]][1]
        else:  # every combination scored by the engine
            outs = []
            for combo in itertools.product(*(a.choices for a in chosen)):
                trial = {**current, **{a.id: c.key for a, c in zip(chosen, combo, strict=True)}}
                outs.append(scored(cat, tree, inputs, base, trial))
        touched = set().union(*(single[j][2] for j in members))
        out.append(Factor(tuple(chosen),
                          tuple(sorted(int(t[1:]) for t in touched if t[0] == "i")),
                          tuple(sorted(int(t[1:]) for t in touched if t[0] == "d")),
                          "policy" in touched, tuple(outs)))
    return out


def _current_choices(inputs: EngineInputs, assumptions: Sequence[Assumption]) -> dict[str, str]:
    """The round's choice of each assumption (its default where the round has none)."""
    chosen = dict(inputs.choices)
    for a in assumptions:
        if chosen.get(a.id) not in {c.key for c in a.choices}:
            chosen[a.id] = a.default
    return chosen


def _touched(base: Outcome, outs: Sequence[Outcome]) -> set[str]:
    """What any outcome changes against the base: ``i<pos>``, ``d<pos>``, ``policy``."""
    touched: set[str] = set()
    for o in outs:
        touched |= {f"i{k}" for k, (a, b) in enumerate(zip(o.scores, base.scores, strict=True))
                    if a != b}
        touched |= {f"i{k}" for k, (a, b) in
                    enumerate(zip(o.included, base.included, strict=True)) if a != b}
        touched |= {f"d{k}" for k, (a, b) in
                    enumerate(zip(o.deductions, base.deductions, strict=True)) if a != b}
        if o.renormalise != base.renormalise:
            touched.add("policy")
    return touched
