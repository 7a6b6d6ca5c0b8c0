"""试算情景: what-if changes the office saved by name (schema v4), for the report to cite.

A scenario is a list of changes (a reported value, a parameter, an assumption's choice) with
the totals they gave when saved; it never changes the round's data, parameters or choices.
Saving and deleting are audit-logged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.errors import RoundFileError

from .base import RoundBase
from .db import _dumps, _now


@dataclass(frozen=True)
class ScenarioRecord:
    """A saved what-if scenario of one entity."""

    id: int
    entity: str
    name: str
    note: str
    changes: list[dict[str, Any]]
    summary: dict[str, Any]
    created_at: str
    created_by: str


class ScenarioRecords(RoundBase):
    """Saved what-if scenarios (named per entity)."""

    def save_scenario(self, entity: str, name: str, changes: Sequence[Mapping[str, Any]],
                      summary: Mapping[str, Any], *, note: str = "") -> int:
        """Store a named scenario; a second one of the same name for the entity is refused."""
        name = name.strip()
        if not name:
            raise ValueError("a scenario needs a name")
        with self.transaction():
            try:
                cur = self._conn.execute(
                    "INSERT INTO scenarios (entity, name, note, changes, summary, created_at,"
                    " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (entity, name, note.strip(), _dumps(list(changes)), _dumps(dict(summary)),
                     _now(), self.actor))
            except sqlite3.IntegrityError as exc:
                raise RoundFileError(f"“{entity}”已有名为“{name}”的试算情景",
                                     hint="请换一个名称，或先删除原有情景") from exc
            scenario_id = int(cur.lastrowid or 0)
            self._audit("scenario.save", {"id": scenario_id, "entity": entity, "name": name,
                                          "changes": list(changes)})
        return scenario_id

    def list_scenarios(self, entity: str | None = None) -> list[ScenarioRecord]:
        """Saved scenarios (of one entity), oldest first."""
        sql = "SELECT * FROM scenarios" + (" WHERE entity = ?" if entity is not None else "")
        rows = self._rows(sql + " ORDER BY id", (entity,) if entity is not None else ())
        out = []
        for row in rows:
            where = f"试算情景“{row['name']}”"
            row["changes"] = self._json(row["changes"], where)
            row["summary"] = self._json(row["summary"], where)
            if not isinstance(row["changes"], list) or not isinstance(row["summary"], dict):
                raise self.damaged(where, "内容格式不对")
            out.append(ScenarioRecord(**row))
        return out

    def delete_scenario(self, scenario_id: int) -> bool:
        """Remove a saved scenario (audited); False if there is none with that id."""
        with self.transaction():
            row = self._conn.execute("SELECT entity, name FROM scenarios WHERE id = ?",
                                     (scenario_id,)).fetchone()
            if row is None:
                return False
            self._conn.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
            self._audit("scenario.delete", {"id": scenario_id, "entity": row[0],
                                            "name": row[1]})
        return True
