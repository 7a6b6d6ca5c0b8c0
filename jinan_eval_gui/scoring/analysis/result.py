"""What the analysis of a round hands to the CLI, the report and the scorecards."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue

from .montecarlo import Robustness
from .priorities import EntityPriorities
from .whatif import Change


@dataclass(frozen=True)
class ScenarioResult:
    """A saved what-if scenario evaluated again on the round's current data."""

    name: str
    note: str
    changes: tuple[Change, ...]
    official: Decimal
    total: Decimal
    problems: tuple[str, ...] = ()
    """Changes that no longer apply (the input or the choice is gone)."""
    created_at: str = ""
    created_by: str = ""

    @property
    def delta(self) -> Decimal:
        return self.total - self.official

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "note": self.note,
                "changes": [c.to_json() for c in self.changes],
                "official": float(self.official), "total": float(self.total),
                "delta": float(self.delta), "problems": list(self.problems)}


@dataclass
class EntityAnalysis:
    """One entity: where its points are (priorities), how robust its result is, scenarios."""

    priorities: EntityPriorities
    robustness: Robustness | None = None
    scenarios: list[ScenarioResult] = field(default_factory=list)

    @property
    def entity(self) -> str:
        return self.priorities.entity

    def to_json(self, cat: Catalogue, *, levers: bool = True) -> dict[str, Any]:
        """The ``analyze --json`` object of one entity."""
        out = self.priorities.to_json(cat, levers=levers)
        out["robustness"] = self.robustness.to_json() if self.robustness else None
        out["scenarios"] = [s.to_json() for s in self.scenarios]
        return out


@dataclass
class RoundAnalysis:
    """Every entity of a round, in the round's order."""

    entities: dict[str, EntityAnalysis]
    runs: int = 0
    spread: float = 0.0
    seed: int = 0

    def to_json(self, cat: Catalogue, *, levers: bool = True) -> dict[str, Any]:
        """One entity: its object; several: ``{"entities": [...]}`` (like ``score --json``)."""
        items = [a.to_json(cat, levers=levers) for a in self.entities.values()]
        return items[0] if len(items) == 1 else {"entities": items}
