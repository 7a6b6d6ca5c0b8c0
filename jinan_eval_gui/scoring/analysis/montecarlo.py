"""Robustness of the result: Monte Carlo over the weights and the assumptions' readings.

Each replication perturbs the weights — within every group of two or more weighted terms a
Dirichlet draw around the official weights, renormalised to the group's official sum — and,
unless only the weights are asked for, takes for every registered assumption with an
alternative reading one of its choices at random (each equally likely). The level-3 scores of
each choice come from the engine (:mod:`.readings`); the aggregation is the engine's, written
over arrays with numpy: level 2, level 1 and the subtotal are rounded half up to 2 decimals,
the deductions capped, the total floored at 0, the missing-data policy 重新归一 honoured. With
zero spread and the assumptions fixed every replication is the official result exactly.

Spread ``s``: in a group of n terms the Dirichlet concentration is (n − 1)/s² − 1, which gives
a weight of average size (1/n of the group) a relative standard deviation of ``s``.

numpy is imported here only (the CLI's ``--help`` and the window's start never load this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue

from .. import engine
from .drivers import Driver, drivers, prepare
from .inputs import EngineInputs
from .readings import Factor, factors, varied
from .structure import Tree, build_tree

MAX_SPREAD = 0.5
_GUARD = 1e-7  # an exact half cent computed in binary may fall a hair short of it


@dataclass(frozen=True)
class Interval:
    """The distribution of one score over the replications (2 decimals) and the official."""

    official: Decimal | None
    median: Decimal | None
    p05: Decimal | None
    p95: Decimal | None

    def to_json(self) -> dict[str, Any]:
        return {k: None if v is None else float(v) for k, v in (
            ("official", self.official), ("median", self.median), ("p05", self.p05),
            ("p95", self.p95))}


@dataclass
class Robustness:
    """One entity's result under perturbed weights and readings."""

    entity: str
    runs: int
    spread: float
    seed: int
    assumptions: tuple[str, ...]
    """Ids of the assumptions whose readings were varied (empty: weights only)."""
    total: Interval
    level1: list[tuple[str, str, Interval]]
    """(level-1 id, name, interval) for every weighted level-1."""
    drivers: list[Driver]
    rank: Interval | None = None
    """With several entities: the rank by total (official rank, median, 5–95 %)."""
    held: tuple[str, ...] = ()
    """Assumptions with alternative readings kept at the round's choice (they act on the
    inputs, which would have to be gathered again for every reading: see ``simulate``)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "runs": self.runs, "spread": self.spread,
                "seed": self.seed, "assumptions": list(self.assumptions),
                "held": list(self.held),
                "total": self.total.to_json(),
                "level1": [{"id": i, "name": n, **x.to_json()} for i, n, x in self.level1],
                "drivers": [d.to_json() for d in self.drivers],
                "rank": None if self.rank is None else {
                    k: None if v is None else int(v) for k, v in self.rank.to_json().items()}}


def check_spread(spread: float) -> None:
    """Refuse a spread the Dirichlet cannot take (ValueError with the allowed range)."""
    if not 0 <= spread <= MAX_SPREAD:
        raise ValueError(f"spread must be within 0 and {MAX_SPREAD}")


def simulate(cat: Catalogue, entities: Mapping[str, tuple[EngineInputs, engine.Results]], *,
             runs: int = 10_000, spread: float = 0.2, seed: int = 1,
             vary_assumptions: bool = True, input_readings: bool = True,
             keep: bool = False) -> dict[str, Robustness]:
    """Every entity under the same ``runs`` draws of weights and readings (so their ranks are
    compared replication by replication); see the module docstring. Readings that act on the
    inputs (a survey's weighting: the inputs are gathered again for each) are varied only with
    ``input_readings``; otherwise they are listed in ``held``. ``keep`` leaves the totals, the
    choices drawn and the weight shares of every replication in ``extra``."""
    import numpy as np

    check_spread(spread)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    tree = build_tree(cat)
    rng = np.random.default_rng(seed)
    weights = _sample_weights(np, rng, tree, runs, spread)
    assumptions = varied(cat, on_inputs_too=input_readings) if vary_assumptions else []
    held = tuple(a.id for a in varied(cat) if vary_assumptions and a not in assumptions)
    picks = {a.id: rng.integers(0, len(a.choices), size=runs) for a in assumptions}
    groups = prepare(np, weights, tree)
    out: dict[str, Robustness] = {}
    totals = {}
    for name, (inputs, base) in entities.items():
        fs = factors(cat, tree, inputs, base, assumptions)
        l1, total = _aggregate(np, tree, weights, _scores(np, tree, base, fs, picks, runs),
                               float(base.params["deduction_cap"]))
        totals[name] = total
        out[name] = Robustness(
            name, runs, spread, seed, tuple(a.id for a in assumptions),
            _interval(np, total, base.total),
            [(gid, gname, _interval(np, l1[:, k], _level1_score(base, gid)))
             for k, (gid, gname) in enumerate(zip(tree.l1_ids, tree.l1_names, strict=True))],
            drivers(np, total, groups, picks, assumptions), held=held)
        if keep:
            out[name].extra = {"totals": total, "level1": l1, "picks": picks,
                               "shares": weights["levels"]}
    if len(entities) > 1:
        _ranks(np, out, totals, entities)
    return out


def _level1_score(res: engine.Results, gid: str) -> Decimal | None:
    return next((g.score for g in res.level1 if g.id == gid), None)


def round2(np: Any, x: Any) -> Any:
    """Half up to 2 decimals (scores are never negative); NaN stays NaN."""
    return np.floor(x * 100 + 0.5 + _GUARD) / 100


def _sample_weights(np: Any, rng: Any, tree: Tree, runs: int, spread: float
                    ) -> dict[Any, Any]:
    """Per level the share of every term in each replication (runs × terms), and per
    perturbed group its members' sampled shares (for the drivers)."""
    shares = {3: np.tile(np.array(tree.ind_share), (runs, 1)),
              2: np.tile(np.array(tree.l2_share), (runs, 1)),
              1: np.tile(np.array(tree.l1_share), (runs, 1))}
    sampled: dict[str, Any] = {}
    if spread > 0:
        for g in tree.groups:
            official = shares[g.level][0, list(g.members)]
            scale = official.sum()
            n = len(g.members)
            concentration = (n - 1) / spread ** 2 - 1
            draw = rng.standard_gamma(concentration * official / scale, size=(runs, n))
            draw *= scale / draw.sum(axis=1, keepdims=True)
            shares[g.level][:, list(g.members)] = draw
            sampled[g.key] = draw
    return {"levels": shares, "groups": sampled}


def _scores(np: Any, tree: Tree, base: engine.Results, fs: Sequence[Factor],
            picks: Mapping[str, Any], runs: int) -> dict[str, Any]:
    """Level-3 scores, inclusion, deductions and policy of every replication."""
    r = base.indicators
    scores = np.tile(np.array([float(r[i].score) for i in tree.ind_ids]), (runs, 1))
    included = np.tile(np.array([r[i].status in engine.REPORTED for i in tree.ind_ids]),
                       (runs, 1))
    deductions = np.tile(np.array([float(r[i].score) for i in tree.deduction_ids]), (runs, 1))
    renormalise = np.full(runs, base.settings.get("missing_policy") == "renormalise")
    for f in fs:
        index = np.zeros(runs, dtype=np.int64)
        for a in f.assumptions:  # mixed radix, the first assumption slowest
            index = index * len(a.choices) + picks[a.id]
        if f.columns:
            cols = list(f.columns)
            scores[:, cols] = np.array([[o.scores[c] for c in cols] for o in f.outcomes])[index]
            included[:, cols] = np.array([[o.included[c] for c in cols]
                                          for o in f.outcomes])[index]
        if f.deduction_columns:
            cols = list(f.deduction_columns)
            deductions[:, cols] = np.array([[o.deductions[c] for c in cols]
                                            for o in f.outcomes])[index]
        if f.sets_policy:
            renormalise = np.array([o.renormalise for o in f.outcomes])[index]
    return {"scores": scores, "included": included, "deductions": deductions,
            "renormalise": renormalise}


def _level(np: Any, values: Any, included: Any, shares: Any, parent: Sequence[int],
           groups: int, renormalise: Any) -> tuple[Any, Any]:
    """One level up: each group's rounded weighted score, and whether it is included."""
    onehot = np.zeros((len(parent), groups))
    onehot[np.arange(len(parent)), list(parent)] = 1.0
    plain = round2(np, (shares * np.nan_to_num(values)) @ onehot)
    if not renormalise.any():
        return plain, np.ones_like(plain, dtype=bool)
    kept = shares * included
    weight = kept @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        renorm = round2(np, (kept * np.nan_to_num(values)) @ onehot / weight)
    renorm = np.where(weight > 0, renorm, np.nan)
    out = np.where(renormalise[:, None], renorm, plain)
    return out, ~np.isnan(out)


def _aggregate(np: Any, tree: Tree, weights: Mapping[str, Any], s: Mapping[str, Any],
               cap: float) -> tuple[Any, Any]:
    """(level-1 scores, totals) of every replication, as :func:`engine.aggregate` rounds."""
    levels = weights["levels"]
    renorm = s["renormalise"]
    l2, inc2 = _level(np, s["scores"], s["included"], levels[3], tree.ind_parent,
                      len(tree.l2_ids), renorm)
    l1, inc1 = _level(np, l2, inc2, levels[2], tree.l2_parent, len(tree.l1_ids), renorm)
    sub, _ = _level(np, l1, inc1, levels[1], [0] * len(tree.l1_ids), 1, renorm)
    sub = np.nan_to_num(sub[:, 0])
    deducted = np.minimum(cap, round2(np, s["deductions"].sum(axis=1)))
    return l1, round2(np, np.maximum(0.0, sub - deducted))


def _interval(np: Any, values: Any, official: Decimal | None) -> Interval:
    values = values[~np.isnan(values)]
    if not len(values):
        return Interval(official, None, None, None)

    def q(p: float) -> Decimal:
        return Decimal(f"{float(np.percentile(values, p, method='inverted_cdf')):.2f}")

    return Interval(official, q(50), q(5), q(95))


def _ranks(np: Any, out: dict[str, Robustness], totals: Mapping[str, Any],
           entities: Mapping[str, tuple[EngineInputs, engine.Results]]) -> None:
    """Each entity's rank by total in every replication (ties share a rank): 5–95 %."""
    names = list(totals)
    stack = np.vstack([totals[n] for n in names])
    official = {n: 1 + sum(1 for m in names if entities[m][1].total > entities[n][1].total)
                for n in names}
    for k, n in enumerate(names):
        ranks = 1 + (stack > stack[k]).sum(axis=0)
        q = [int(np.percentile(ranks, p, method="inverted_cdf")) for p in (50, 5, 95)]
        out[n].rank = Interval(Decimal(official[n]), *(Decimal(v) for v in q))
