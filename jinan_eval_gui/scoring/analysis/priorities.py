"""提分空间: where the next points of the total are, by indicator, level-1 and responsible unit.

Every level-3 indicator's points still available come from :mod:`.shares` (exact); the lists
rank them for the whole entity, per level-1 and per responsible unit (an indicator shared by
several units counts for each of them, marked shared). A gap — an indicator 缺报 or 数据有误 —
is never read as performance: it stays in the exact sum but is listed apart as data to supply,
not as a task of construction. The change of input that gains an item's points comes from
:class:`~.levers.LeverFinder` (the engine), computed when a list needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jinan_eval_gui.catalogue import Catalogue

from .. import engine
from .inputs import EngineInputs
from .levers import Lever, LeverFinder
from .shares import Decomposition, decompose, exact_text

GAP_STATUSES = frozenset({"missing", "invalid"})


@dataclass(frozen=True)
class Priority:
    """One level-3 indicator's points still available in the total."""

    id: int
    name: str
    level1_id: str
    level1: str
    level2: str
    kind: str
    units: tuple[str, ...]
    status: str
    status_label: str
    score: Decimal
    share: Fraction
    """The fraction of the total this indicator's score counts with (0 for deductions)."""
    points: Fraction
    """Points of the total still available (deductions: points deducted), exact."""

    @property
    def gap(self) -> bool:
        """缺报 or 数据有误: points lost to missing data, not to the level of construction."""
        return self.status in GAP_STATUSES

    @property
    def shared(self) -> bool:
        return len(self.units) > 1

    @property
    def unit_text(self) -> str:
        return "、".join(self.units) if len(self.units) <= 6 else \
            f"{'、'.join(self.units[:5])}等 {len(self.units)} 个单位"

    def to_json(self, lever: Lever | None = None) -> dict[str, Any]:
        return {"indicator": self.id, "name": self.name, "level1": self.level1,
                "unit": self.unit_text, "units": list(self.units), "shared": self.shared,
                "kind": self.kind, "status": self.status, "gap": self.gap,
                "score": float(self.score), "points_available": _float(self.points),
                "share_of_total": _float(self.share),
                "points_available_exact": exact_text(self.points),
                "lever": lever.to_json() if lever is not None else None}


def _float(x: Fraction) -> float:
    return round(float(x), 6)


@dataclass
class UnitPriorities:
    """A responsible unit's indicators ranked by the points they still leave."""

    unit: str
    items: list[Priority]

    @property
    def points(self) -> Fraction:
        """Σ points over the unit's indicators (shared ones counted in full)."""
        return sum((p.points for p in self.items), Fraction(0))

    @property
    def ranked(self) -> list[Priority]:
        """Items to work on: no gaps, something to gain, most points first."""
        return [p for p in self.items if not p.gap and p.points > 0]

    @property
    def gaps(self) -> list[Priority]:
        return [p for p in self.items if p.gap]


@dataclass
class EntityPriorities:
    """The 提分空间 of one entity's result."""

    entity: str
    results: engine.Results
    decomposition: Decomposition
    items: list[Priority]
    """Every level-3 indicator in catalogue order."""
    finder: LeverFinder | None = field(default=None, repr=False)

    def lever(self, indicator_id: int, unit: str = "") -> Lever | None:
        """The engine-computed change that gains the item's points (None where none)."""
        return self.finder.lever(indicator_id, unit) if self.finder is not None else None

    @property
    def ranked(self) -> list[Priority]:
        """The whole entity's list: no gaps, something to gain, most points first."""
        return rank([p for p in self.items if not p.gap and p.points > 0])

    @property
    def gaps(self) -> list[Priority]:
        return rank([p for p in self.items if p.gap])

    def by_level1(self) -> dict[str, list[Priority]]:
        """The ranked list split by level-1 (weighted level-1s and 信息安全), in catalogue order."""
        out: dict[str, list[Priority]] = {}
        for p in self.items:
            out.setdefault(p.level1, [])
        for p in self.ranked:
            out[p.level1].append(p)
        return out

    def units(self, cat: Catalogue) -> list[UnitPriorities]:
        """Every unit with indicators, most points first (ties in catalogue unit order)."""
        out = []
        for unit in cat.unit_names:
            mine = [p for p in self.items if unit in p.units]
            if mine:
                out.append(UnitPriorities(unit, rank(mine)))
        order = {u: i for i, u in enumerate(cat.unit_names)}
        return sorted(out, key=lambda u: (-u.points, order[u.unit]))

    def to_json(self, cat: Catalogue, *, levers: bool = True) -> dict[str, Any]:
        """``priorities`` (every indicator, ranked: work items, then gaps, then nothing to
        gain) and ``units`` as ``analyze --json`` prints them, with the exact check."""
        ranked, gaps = self.ranked, self.gaps
        listed = {p.id for p in (*ranked, *gaps)}
        ordered = [*ranked, *gaps, *rank([p for p in self.items if p.id not in listed])]
        d = self.decomposition
        return {
            "entity": self.entity,
            "total": float(self.results.total),
            "priorities": [p.to_json(self.lever(p.id) if levers else None) for p in ordered],
            "units": [{"unit": u.unit, "points_available": _float(u.points),
                       "indicators": [{"indicator": p.id, "name": p.name, "shared": p.shared,
                                       "gap": p.gap, "points_available": _float(p.points),
                                       "lever": _lever_json(self, p, u.unit, levers)}
                                      for p in u.items]}
                      for u in self.units(cat)],
            "exact": {"points_available_sum": exact_text(d.available),
                      "total_unrounded": exact_text(d.total),
                      "weighted_total_unrounded": exact_text(d.weighted_total),
                      "deductions": exact_text(d.deductions),
                      "total": f"{self.results.total:.2f}"},
        }


def _lever_json(prio: EntityPriorities, p: Priority, unit: str, levers: bool) -> Any:
    if not levers:
        return None
    lever = prio.lever(p.id, unit if p.shared else "")
    return lever.to_json() if lever is not None else None


def rank(items: Sequence[Priority]) -> list[Priority]:
    """Most points first; equal points in indicator order."""
    return sorted(items, key=lambda p: (-p.points, p.id))


def priorities(cat: Catalogue, res: engine.Results,
               inputs: EngineInputs | None = None) -> EntityPriorities:
    """The 提分空间 of ``res``; with ``inputs`` (what it was scored from) the levers too."""
    d = decompose(cat, res)
    items = []
    for ind in cat.indicators:
        r = res.indicators[ind.id]
        l2 = cat.level2_by_id(ind.parent)
        l1 = cat.level1_of(ind.parent)
        items.append(Priority(ind.id, ind.name, l1.id, l1.name, l2.name, ind.kind,
                              cat.units_of(ind), r.status, r.status_label, r.score,
                              d.shares.get(ind.id, Fraction(0)), d.points[ind.id]))
    finder = LeverFinder(cat, inputs, res) if inputs is not None else None
    return EntityPriorities(res.entity, res, d, items, finder)
