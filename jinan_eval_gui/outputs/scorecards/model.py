"""A responsible unit's scorecard (部门评价反馈单) as plain data, built by the workflow.

Numbers come from the engine's result and the exact decomposition of the total
(:mod:`jinan_eval_gui.scoring.analysis`); data quality from the round's collection records.
The document and the Excel summary only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class CardRow:
    """One indicator the unit is responsible for."""

    id: int
    name: str
    level1: str
    deduction: bool
    share: Fraction
    """The fraction of the total its score counts with (0 for a deduction), exact."""
    score: Decimal
    status: str
    status_label: str
    gap: bool
    points: Fraction
    """Points of the total it leaves (deductions: points deducted), exact."""
    shared: bool
    previous: Decimal | None = None
    """Last year's score (None: not compared, or no score)."""

    @property
    def change(self) -> Decimal | None:
        """Change against last year; never for a gap (a gap is not a result)."""
        if self.previous is None or self.gap:
            return None
        return self.score - self.previous


@dataclass(frozen=True)
class Quality:
    """How the unit's data came in this round (texts for people, counts for the summary)."""

    issued_at: str
    deadline: str
    first_arrival: str
    timeliness: str
    """按时 / 逾期 N 天 / 未报送 / 未规定截止日期."""
    days_late: int
    versions: int
    errors_first: int
    errors_now: int
    warnings_now: int
    corrected: int
    state: str


@dataclass(frozen=True)
class Action:
    """One item to work on next year: the indicator, its points, the change that gains them."""

    id: int
    name: str
    points: Fraction
    text: str
    gap: bool = False


@dataclass
class UnitCard:
    """Everything one unit's scorecard says."""

    year: int
    round_name: str
    entity: str
    unit: str
    total: Decimal
    rows: list[CardRow]
    quality: Quality
    actions: list[Action]
    compared: bool = False
    draft: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def weighted(self) -> list[CardRow]:
        return [r for r in self.rows if not r.deduction]

    @property
    def weight_points(self) -> Fraction:
        """The points of the total the unit's weighted indicators carry (100 × Σ share)."""
        return 100 * sum((r.share for r in self.weighted), Fraction(0))

    @property
    def earned(self) -> Fraction:
        """The points of the total their scores give (Σ share × score)."""
        return sum((r.share * Fraction(r.score) for r in self.weighted), Fraction(0))

    @property
    def points(self) -> Fraction:
        """Σ points left over the unit's indicators (deductions included)."""
        return sum((r.points for r in self.rows), Fraction(0))

    @property
    def gap_points(self) -> Fraction:
        return sum((r.points for r in self.rows if r.gap), Fraction(0))

    @property
    def shared_count(self) -> int:
        return sum(1 for r in self.rows if r.shared)

    @property
    def gaps(self) -> list[CardRow]:
        return [r for r in self.rows if r.gap]
