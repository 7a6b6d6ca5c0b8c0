"""Every file a unit sent, as the round remembers it: stored versions and logged arrivals.

A unit's **versions** are its stored submissions in the order they arrived (version 1, 2, …):
the accepted one (已接受, the unit's current return), those replaced by a later one (已被替换) and
those kept without being accepted because they have errors (未接受, see
``collect/acceptance.py``). Files an import read but did not store (rejected as not this round's
template, held as older or as one of several files, not chosen, or the same as the stored
return) appear in the ``import`` audit entry of an import that stored something; they are
arrivals without a version number. An import that stores nothing leaves the round unchanged,
so such files leave no trace (the import's own answer listed them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinan_eval_gui.store import AuditEntry, Round, Submission

#: What happened to an arrival, for people.
ARRIVAL_LABELS = {"accepted": "已接受", "superseded": "已被替换", "held": "未接受",
                  "rejected": "已拒绝", "waiting": "待确认", "skipped": "未采用",
                  "unchanged": "未变化"}
_STORED = {"accepted": "accepted", "superseded": "superseded", "rejected": "held"}
_LOGGED = {"rejected": "rejected", "held": "waiting", "skipped": "skipped",
           "unchanged": "unchanged"}
FEEDBACK_ACTION = "feedback"
RESTORE_ACTION = "version.restore"


@dataclass(frozen=True)
class Arrival:
    """One file a unit sent: when, which file (name, SHA-256), what became of it."""

    entity: str
    unit: str
    time: str
    file_name: str
    sha256: str
    state: str
    version: int | None = None
    submission_id: int | None = None
    errors: int = 0
    warnings: int = 0
    accepted_by: str = ""
    restored_from: int | None = None
    """The version this one restored (a restore stores the earlier file again)."""

    @property
    def state_label(self) -> str:
        return ARRIVAL_LABELS.get(self.state, self.state)

    @property
    def stored(self) -> bool:
        return self.version is not None

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` arrival entry."""
        return {"time": self.time, "file": self.file_name, "sha256": self.sha256,
                "version": self.version, "state": self.state, "state_label": self.state_label,
                "errors": self.errors, "warnings": self.warnings,
                "accepted_by": self.accepted_by, "restored_from": self.restored_from}


def severity_counts(rnd: Round) -> dict[int, dict[str, int]]:
    """Findings per submission, counted by severity."""
    counts: dict[int, dict[str, int]] = {}
    for f in rnd.list_findings():
        by = counts.setdefault(f.submission_id or 0, {"error": 0, "warning": 0, "info": 0})
        by[f.severity] = by.get(f.severity, 0) + 1
    return counts


def unit_arrivals(rnd: Round, *, audit: Iterable[AuditEntry] | None = None,
                  subs: Iterable[Submission] | None = None,
                  counts: dict[int, dict[str, int]] | None = None,
                  ) -> dict[tuple[str, str], list[Arrival]]:
    """Every (entity, unit)'s arrivals, oldest first: its versions and the logged files."""
    audit = list(rnd.audit_log() if audit is None else audit)
    subs = list(rnd.list_submissions() if subs is None else subs)
    counts = severity_counts(rnd) if counts is None else counts
    restored = {e.details.get("submission_id"): e.details.get("version")
                for e in audit if e.action == RESTORE_ACTION}
    out: dict[tuple[str, str], list[Arrival]] = {}
    numbers: dict[tuple[str, str], int] = {}
    for s in subs:
        key = (s.entity, s.unit)
        numbers[key] = numbers.get(key, 0) + 1
        found = counts.get(s.id, {})
        state = _STORED.get(s.status, s.status)
        out.setdefault(key, []).append(Arrival(
            s.entity, s.unit, s.imported_at, s.file_name, s.sha256, state, numbers[key], s.id,
            found.get("error", 0), found.get("warning", 0),
            s.imported_by if state != "held" else "", restored.get(s.id)))
    for entry in audit:
        if entry.action != "import":
            continue
        for f in entry.details.get("files", []):
            if f.get("submission_id") is not None or not f.get("entity") or not f.get("unit"):
                continue
            state = _LOGGED.get(f.get("status", ""))
            if state is None:
                continue
            out.setdefault((f["entity"], f["unit"]), []).append(Arrival(
                f["entity"], f["unit"], entry.ts, str(f.get("file", "")), str(f.get("sha256", "")),
                state, errors=int(f.get("errors", 0) or 0),
                warnings=int(f.get("warnings", 0) or 0)))
    for arrivals in out.values():
        arrivals.sort(key=lambda a: (moment(a.time) or datetime.min.astimezone(),
                                     a.version or 0))
    return out


def feedback_sent(audit: Iterable[AuditEntry]) -> dict[int, str]:
    """When feedback on each stored version (by submission id) was last sent."""
    out: dict[int, str] = {}
    for e in audit:
        if e.action == FEEDBACK_ACTION and isinstance(e.details.get("submission_id"), int):
            out[e.details["submission_id"]] = e.ts
    return out


# ---------------------------------------------------------------------------------------
# Times and dates as the round stores and people type them
# ---------------------------------------------------------------------------------------
def moment(text: str | None) -> datetime | None:
    """A stored ISO time (with offset) as an aware datetime, or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.astimezone()


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str | None) -> date | None:
    """A deadline as people type it (2027-01-31, 2027/1/31, 2027年1月31日, 2027.1.31), or None."""
    if not text:
        return None
    match = _DATE.match(str(text))
    if match is None:
        try:
            return datetime.fromisoformat(str(text).strip()).date()
        except ValueError:
            return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def shown_time(text: str | None) -> str:
    """A stored time as people read it: 2027-01-05 14:03."""
    value = moment(text)
    return value.strftime("%Y-%m-%d %H:%M") if value else (text or "")
