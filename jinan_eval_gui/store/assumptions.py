"""The round's record of the assumption register: which reading was chosen, who confirmed it.

The register itself is catalogue data; the round keeps only what the office decided, so the
same catalogue can serve rounds decided differently. Every change is audit-logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .base import RoundBase
from .db import _dumps, _now
from .records import AssumptionState


class AssumptionRecords(RoundBase):
    """Choices and confirmations of registered assumptions (absent: the default, unconfirmed)."""

    def assumption_states(self) -> dict[str, AssumptionState]:
        """Every assumption the office has touched in this round, by id."""
        rows = self._rows("SELECT * FROM assumptions ORDER BY id")
        for row in rows:
            row["snapshot"] = None if row["snapshot"] is None else json.loads(row["snapshot"])
        return {row["id"]: AssumptionState(**row) for row in rows}

    def assumption_choices(self) -> dict[str, str]:
        """``{assumption id: choice key}`` as the engine takes them."""
        return {r["id"]: r["choice"] for r in self._rows("SELECT id, choice FROM assumptions")}

    def set_assumption_choice(self, assumption_id: str, choice: str, *, reason: str = "") -> None:
        """Switch an assumption to another choice; an earlier confirmation no longer applies."""
        with self.transaction():
            old = self._conn.execute("SELECT choice FROM assumptions WHERE id = ?",
                                     (assumption_id,)).fetchone()
            self._conn.execute(
                "INSERT INTO assumptions (id, choice, changed_at, changed_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET choice = excluded.choice,"
                " changed_at = excluded.changed_at, changed_by = excluded.changed_by,"
                " confirmed_by = NULL, confirmed_at = NULL, note = NULL, snapshot = NULL",
                (assumption_id, choice, _now(), self.actor),
            )
            self._audit("assumption.choose", {"id": assumption_id, "old": old[0] if old else None,
                                              "new": choice, "reason": reason})

    def confirm_assumption(self, assumption_id: str, *, choice: str, by: str, note: str = "",
                           params: Mapping[str, Any] | None = None) -> None:
        """Record that ``by`` confirmed ``choice`` with these parameter values (audited)."""
        if not by.strip():
            raise ValueError("a confirmation needs the name of who confirmed it")
        snapshot = {"choice": choice, "params": dict(params or {})}
        now = _now()
        with self.transaction():
            self._conn.execute(
                "INSERT INTO assumptions (id, choice, changed_at, changed_by, confirmed_by,"
                " confirmed_at, note, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET"
                " changed_at = CASE WHEN choice = excluded.choice THEN changed_at"
                "   ELSE excluded.changed_at END,"
                " changed_by = CASE WHEN choice = excluded.choice THEN changed_by"
                "   ELSE excluded.changed_by END,"
                " choice = excluded.choice, confirmed_by = excluded.confirmed_by,"
                " confirmed_at = excluded.confirmed_at, note = excluded.note,"
                " snapshot = excluded.snapshot",
                (assumption_id, choice, now, self.actor, by.strip(), now, note.strip(),
                 _dumps(snapshot)),
            )
            self._audit("assumption.confirm", {"id": assumption_id, "choice": choice,
                                               "by": by.strip(), "note": note.strip(),
                                               "params": snapshot["params"]})
