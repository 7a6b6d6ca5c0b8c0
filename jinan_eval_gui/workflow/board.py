"""The unit status board of the collection month: who is late, who sent what, what is open.

One row per (entity, unit) the catalogue gives indicators to: when its template was issued and
by when it is due, every file it sent (:mod:`arrivals`), its state, days overdue, the findings
still open on its return and whom to call. The state is one of

* 未报送 — nothing arrived, the deadline (if any) has not passed;
* 逾期 N 天 — nothing arrived and the deadline passed N days ago;
* 已报送待检查 — a file arrived that waits for the office's decision (kept without being
  accepted because it has errors, or logged but not stored);
* 有错误 — the accepted return has errors (its wrong entries count as 数据有误);
* 已反馈待更正 — feedback was sent after the file in question arrived, and its findings are open;
* 已接受 — the accepted return has no errors.

The window shows the rows with counts per state at the top; ``status --json`` prints them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.store import Round, Template

from .arrivals import (
    Arrival,
    feedback_sent,
    moment,
    parse_date,
    severity_counts,
    unit_arrivals,
)
from .contacts import Contact, directory
from .rounds import round_catalogue

STATE_LABELS = {"not_sent": "未报送", "overdue": "逾期", "pending": "已报送待检查",
                "errors": "有错误", "returned": "已反馈待更正", "accepted": "已接受"}
"""The states in the order the board counts them."""


@dataclass(frozen=True)
class UnitRow:
    """One (entity, unit) on the board."""

    entity: str
    unit: str
    issued_at: str
    deadline: str
    deadline_date: date | None
    arrivals: list[Arrival]
    state: str
    days_overdue: int
    open_findings: dict[str, int]
    """Findings of the version the state is about (a newer one kept without being accepted,
    else the accepted one), by severity."""
    contact: Contact
    current_version: int | None = None
    feedback_at: str = ""
    days_late: int = 0
    """Days the first file arrived after the deadline (0: on time or nothing arrived)."""

    @property
    def state_label(self) -> str:
        """未报送 … 已接受; ``逾期 N 天`` for a late unit."""
        if self.state == "overdue":
            return f"逾期 {self.days_overdue} 天"
        return STATE_LABELS[self.state]

    @property
    def issued(self) -> bool:
        return bool(self.issued_at)

    @property
    def last_arrival(self) -> Arrival | None:
        return self.arrivals[-1] if self.arrivals else None

    def to_json(self) -> dict[str, Any]:
        """The board's part of a ``status --json`` unit entry."""
        return {"issued_at": self.issued_at, "deadline": self.deadline,
                "arrivals": [a.to_json() for a in self.arrivals], "state": self.state_label,
                "state_key": self.state, "days_overdue": self.days_overdue,
                "days_late": self.days_late, "open_findings": dict(self.open_findings),
                "current_version": self.current_version, "feedback_at": self.feedback_at,
                "contact": self.contact.to_json()}


@dataclass
class Board:
    """Every unit's row and the counts per state (labels as shown at the top of the board)."""

    rows: list[UnitRow]
    today: date
    counts: dict[str, int] = field(default_factory=dict)

    def late(self) -> list[UnitRow]:
        """Units that sent nothing although their deadline passed (the 催报 list)."""
        return [r for r in self.rows if r.state == "overdue"]

    def in_state(self, *states: str) -> list[UnitRow]:
        return [r for r in self.rows if r.state in states]

    def row(self, entity: str, unit: str) -> UnitRow | None:
        return next((r for r in self.rows if (r.entity, r.unit) == (entity, unit)), None)


def unit_board(rnd: Round, cat: Catalogue | None = None, *, today: date | None = None) -> Board:
    """The status board of the round on ``today`` (default: the computer's date)."""
    cat = cat or round_catalogue(rnd)
    today = today or date.today()
    audit = rnd.audit_log()
    counts = severity_counts(rnd)
    arrivals = unit_arrivals(rnd, audit=audit, counts=counts)
    fed_back = feedback_sent(audit)
    latest: dict[tuple[str, str], Template] = {}
    for t in rnd.list_templates():
        latest[(t.entity, t.unit)] = t
    contacts = directory(rnd, cat, audit=audit)
    rows = []
    for entity in rnd.list_entities():
        for unit in cat.unit_names:
            if not cat.indicators_for_unit(unit):
                continue
            key = (entity, unit)
            rows.append(_row(key, latest.get(key), arrivals.get(key, []), fed_back, counts,
                             contacts[key], today))
    tally = Counter(r.state for r in rows)
    return Board(rows, today, {STATE_LABELS[s]: tally.get(s, 0) for s in STATE_LABELS})


def _row(key: tuple[str, str], template: Template | None, arrivals: list[Arrival],
         fed_back: dict[int, str], counts: dict[int, dict[str, int]], contact: Contact,
         today: date) -> UnitRow:
    deadline = template.deadline or "" if template else ""
    due = parse_date(deadline)
    state, subject = _state(arrivals, fed_back)
    feedback_at = fed_back.get(subject.submission_id or 0, "") if subject else ""
    days_overdue = 0
    if state == "not_sent" and due is not None and today > due:
        state, days_overdue = "overdue", (today - due).days
    current = next((a for a in arrivals if a.state == "accepted"), None)
    about = subject if subject is not None and subject.stored else current
    open_findings = dict(counts.get(about.submission_id or 0, {}) if about else {})
    first = moment(arrivals[0].time) if arrivals else None
    days_late = max(0, (first.date() - due).days) if first and due else 0
    return UnitRow(key[0], key[1], template.issued_at if template else "", deadline, due,
                   list(arrivals), state, days_overdue,
                   {s: open_findings.get(s, 0) for s in ("error", "warning", "info")},
                   contact, current.version if current else None, feedback_at, days_late)


def _state(arrivals: list[Arrival], fed_back: dict[int, str]) -> tuple[str, Arrival | None]:
    """The unit's state and the arrival it is about (None: nothing arrived). Feedback counts
    for the version it was made from: a newer version ends 已反馈待更正."""
    if not arrivals:
        return "not_sent", None
    stored = [a for a in arrivals if a.stored]
    current = next((a for a in stored if a.state == "accepted"), None)
    newest = stored[-1] if stored else None
    if newest is not None and newest.state == "held" and (
            current is None or (newest.version or 0) > (current.version or 0)):
        return ("returned" if newest.submission_id in fed_back else "pending"), newest
    if current is not None:
        if current.submission_id in fed_back and (current.errors or current.warnings):
            return "returned", current
        return ("errors" if current.errors else "accepted"), current
    last = arrivals[-1]
    return ("errors" if last.state == "rejected" else "pending"), last
