"""The total taken apart exactly: each level-3 indicator's share of it and the points it leaves.

A weighted indicator counts in the total with the product of its weights down the tree
(level 1 × level 2 × level 3, e.g. 21 % × 15 % × 25 % = 0.7875 % for indicator 1); under the
missing-data policy 按已报指标重新归一 the weights of the terms left out are shared among the
others, exactly as the engine does. Its points still available are share × (100 − score);
a deduction indicator's are the points it deducts (apportioned when the cap or the floor at 0
limits the deductions). Everything here is an exact :class:`~fractions.Fraction`, so

    Σ points available = 100 − (Σ share × score − deductions),

the total computed without the per-level rounding, holds exactly; the official total differs
from that only by the rounding to 2 decimals at levels 2, 1 and the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jinan_eval_gui.catalogue import Catalogue

from ..engine import GroupResult, Results, Term

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class Decomposition:
    """Shares and points of every level-3 indicator of one result, exact."""

    shares: dict[int, Fraction]
    """Weighted indicators: the fraction of the total each one's score counts with (0..1)."""
    points: dict[int, Fraction]
    """Every indicator: points of the total still available (deductions: points deducted)."""
    weighted_total: Fraction
    """Σ share × score: the weighted total without intermediate rounding."""
    deductions: Fraction
    """The deductions as they reduce that total (after the cap and the floor at 0)."""

    @property
    def total(self) -> Fraction:
        """The total without intermediate rounding (never below 0)."""
        return self.weighted_total - self.deductions

    @property
    def available(self) -> Fraction:
        """Σ points available = 100 − the total without intermediate rounding, exactly."""
        return sum(self.points.values(), Fraction(0))


def term_shares(terms: Sequence[Term], renormalise: bool) -> list[Fraction]:
    """Each term's share of its group's score, as :func:`engine.weighted_average` weighs it:
    w/100, or w/Σw over the included terms when renormalising; a sole unweighted term 1."""
    if len(terms) == 1 and terms[0].weight is None:
        return [Fraction(0) if renormalise and not terms[0].included else Fraction(1)]
    if not renormalise:
        return [Fraction(t.weight or 0) / 100 for t in terms]
    kept = sum((Fraction(t.weight or 0) for t in terms if t.included), Fraction(0))
    return [Fraction(t.weight or 0) / kept if t.included and kept else Fraction(0)
            for t in terms]


def decompose(cat: Catalogue, res: Results) -> Decomposition:
    """The exact shares and points of ``res`` (see the module docstring)."""
    renormalise = res.settings.get("missing_policy") == "renormalise"
    by_l2 = {g.id: g for g in res.level2}
    weighted = [g for g in res.level1 if g.kind == "weighted"]
    top = term_shares([Term(g.id, g.name, g.weight, g.score, g.score is not None)
                       for g in weighted], renormalise)
    shares: dict[int, Fraction] = {}
    for l1, a1 in zip(weighted, top, strict=True):
        for term2, a2 in zip(l1.terms, term_shares(l1.terms, renormalise), strict=True):
            l2: GroupResult = by_l2[term2.key]
            for term3, a3 in zip(l2.terms, term_shares(l2.terms, renormalise), strict=True):
                shares[int(term3.key)] = a1 * a2 * a3
    points: dict[int, Fraction] = {}
    weighted_total = Fraction(0)
    for ind_id, share in shares.items():
        score = Fraction(res.indicators[ind_id].score)
        weighted_total += share * score
        points[ind_id] = share * (HUNDRED - score)
    deducted = {r.id: Fraction(r.score) for r in res.indicators.values()
                if r.kind == "deduction"}
    raw = sum(deducted.values(), Fraction(0))
    applied = min(raw, Fraction(res.params.get("deduction_cap", raw)), weighted_total)
    for ind_id, d in deducted.items():
        points[ind_id] = d * applied / raw if raw else Fraction(0)
    ordered = {ind.id: points.get(ind.id, Fraction(0)) for ind in cat.indicators}
    return Decomposition(shares, ordered, weighted_total, applied)


def rounded_chain(res: Results) -> Decimal:
    """The official total recomputed from the level-3 scores with the rounding at every level
    (levels 2 and 1, subtotal, total): what :func:`engine.score` does, for the tests' check
    that the two totals differ only by that rounding."""
    from ..engine import round2

    renormalise = res.settings.get("missing_policy") == "renormalise"
    by_l2 = {g.id: g for g in res.level2}
    l1_scores = []
    for l1 in (g for g in res.level1 if g.kind == "weighted"):
        l2_scores = []
        for term2 in l1.terms:
            l2 = by_l2[term2.key]
            a = term_shares(l2.terms, renormalise)
            l2_scores.append(round2(sum((s * Fraction(t.score or 0) for s, t in
                                         zip(a, l2.terms, strict=True)), Fraction(0))))
        a = term_shares(l1.terms, renormalise)
        l1_scores.append((l1, round2(sum((s * Fraction(v) for s, v in
                                          zip(a, l2_scores, strict=True)), Fraction(0)))))
    a = term_shares([Term(g.id, g.name, g.weight, g.score, g.score is not None)
                     for g, _ in l1_scores], renormalise)
    subtotal = round2(sum((s * Fraction(v) for s, (_, v) in zip(a, l1_scores, strict=True)),
                          Fraction(0)))
    return round2(max(Decimal(0), subtotal - res.deductions))


def exact_text(x: Fraction) -> str:
    """An exact number as text: its finite decimal expansion, or ``p/q`` (never rounded)."""
    q, twos, fives = x.denominator, 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return f"{x.numerator}/{x.denominator}"
    places = max(twos, fives)
    scaled = abs(x.numerator) * 10 ** places // x.denominator
    digits = str(scaled).rjust(places + 1, "0")
    whole, frac = digits[:len(digits) - places], digits[len(digits) - places:].rstrip("0")
    return ("-" if x < 0 else "") + whole + (f".{frac}" if frac else "")
