"""The round's record of decisions: conflicts settled, expert overrides, scores, the audit log."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .base import RoundBase
from .db import _decimal_text, _dumps, _now
from .records import AuditEntry, Conflict, Override, ScoreSnapshot


class DecisionRecords(RoundBase):
    """Conflicts, overrides, saved scores and the append-only audit log of a round."""

    # -- conflicts ----------------------------------------------------------

    def add_conflict(
        self, entity: str, indicator_id: int, input_key: str, candidates: Sequence[Any]
    ) -> int:
        """Record units reporting different values for a shared input."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO conflicts (entity, indicator_id, input_key, candidates, detected_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (entity, indicator_id, input_key, _dumps(list(candidates)), _now()),
            )
            self._audit(
                "conflict.add",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "indicator_id": indicator_id,
                    "input_key": input_key,
                },
            )
        return int(cur.lastrowid)

    def resolve_conflict(self, conflict_id: int, resolution: Any, reason: str) -> None:
        """Settle a conflict; the reason is mandatory because the report cites it."""
        if not reason.strip():
            raise ValueError("a conflict resolution needs a reason")
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE conflicts SET resolution = ?, reason = ?, resolved_at = ?,"
                " resolved_by = ? WHERE id = ?",
                (_dumps(resolution), reason.strip(), _now(), self.actor, conflict_id),
            )
            if cur.rowcount != 1:
                raise KeyError(conflict_id)
            self._audit(
                "conflict.resolve",
                {"id": conflict_id, "resolution": resolution, "reason": reason.strip()},
            )

    def list_conflicts(
        self, entity: str | None = None, *, open_only: bool = False
    ) -> list[Conflict]:
        """Conflicts, oldest first; ``open_only`` leaves out the resolved ones."""
        rows = self._rows(
            "SELECT * FROM conflicts WHERE (?1 IS NULL OR entity = ?1)"
            " AND (?2 = 0 OR resolved_at IS NULL) ORDER BY id",
            (entity, int(open_only)),
        )
        for row in rows:
            where = f"数据冲突记录（第 {row['id']} 条）"
            row["candidates"] = self._json(row["candidates"], where)
            row["resolution"] = (None if row["resolution"] is None
                                 else self._json(row["resolution"], where))
        return [Conflict(**row) for row in rows]

    # -- expert overrides ---------------------------------------------------

    def set_override(
        self, entity: str, indicator_id: int, score: Decimal | int | str, reason: str
    ) -> int:
        """Give an indicator an expert score (or points deducted); replaces an active one.

        The reason is mandatory since 专家评分 must be justified in the report.
        """
        if not reason.strip():
            raise ValueError("an expert override needs a reason")
        score_text = _decimal_text(score)
        assert score_text is not None
        if not Decimal(0) <= Decimal(score_text) <= Decimal(100):
            raise ValueError(f"override score must be in [0, 100], not {score}")
        with self.transaction():
            self._conn.execute(
                "UPDATE overrides SET active = 0 WHERE entity = ? AND indicator_id = ?"
                " AND active = 1",
                (entity, indicator_id),
            )
            cur = self._conn.execute(
                "INSERT INTO overrides (entity, indicator_id, score, reason, set_by, set_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (entity, indicator_id, score_text, reason.strip(), self.actor, _now()),
            )
            self._audit(
                "override.set",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "indicator_id": indicator_id,
                    "score": score_text,
                    "reason": reason.strip(),
                },
            )
        return int(cur.lastrowid)

    def clear_override(self, entity: str, indicator_id: int, reason: str) -> bool:
        """Return an indicator to its computed score; False if it had no override."""
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE overrides SET active = 0 WHERE entity = ? AND indicator_id = ?"
                " AND active = 1",
                (entity, indicator_id),
            )
            if cur.rowcount:
                self._audit(
                    "override.clear",
                    {"entity": entity, "indicator_id": indicator_id, "reason": reason},
                )
        return bool(cur.rowcount)

    def list_overrides(
        self, entity: str | None = None, *, active_only: bool = True
    ) -> list[Override]:
        """Expert overrides (the active ones by default, else with their history)."""
        rows = self._rows(
            "SELECT * FROM overrides WHERE (?1 IS NULL OR entity = ?1)"
            " AND (?2 = 0 OR active = 1) ORDER BY id",
            (entity, int(active_only)),
        )
        for row in rows:
            score = _score(row["score"])
            if score is None:
                raise self.damaged(
                    f"评价对象“{row['entity']}”指标 {row['indicator_id']} 的专家评分",
                    f"存储为“{row['score']}”，应为 0 到 100 之间的数值")
            row["score"] = score
            row["active"] = bool(row["active"])
        return [Override(**row) for row in rows]

    # -- scores -------------------------------------------------------------

    def save_scores(self, entity: str, results: Any) -> None:
        """Keep the last results (JSON; Decimals as text) so lists and reports open fast."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO scores (entity, computed_at, results) VALUES (?, ?, ?)"
                " ON CONFLICT (entity) DO UPDATE SET computed_at = excluded.computed_at,"
                " results = excluded.results",
                (entity, _now(), _dumps(results)),
            )

    def load_scores(self, entity: str) -> ScoreSnapshot | None:
        """The last saved results of ``entity``, or None if never scored."""
        rows = self._rows("SELECT * FROM scores WHERE entity = ?", (entity,))
        if not rows:
            return None
        try:  # a cache of the engine's results: an unreadable one is simply recomputed
            results = json.loads(rows[0]["results"])
        except (ValueError, TypeError):
            return None
        return ScoreSnapshot(rows[0]["entity"], rows[0]["computed_at"], results)

    # -- audit log ----------------------------------------------------------

    def audit(self, action: str, details: Mapping[str, Any] | None = None) -> int:
        """Append a row to the audit log (e.g. export, report); rows can never change."""
        with self.transaction():
            return self._audit(action, details)

    def audit_log(self, action: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first (optionally one action only)."""
        rows = self._rows(
            "SELECT * FROM audit_log WHERE ?1 IS NULL OR action = ?1 ORDER BY id", (action,)
        )
        for row in rows:
            row["details"] = self._json(row["details"], f"操作记录（第 {row['id']} 条）")
        return [AuditEntry(**row) for row in rows]


def _score(stored: object) -> Decimal | None:
    """A stored expert score as Decimal, or None unless it is a number in [0, 100]."""
    if not isinstance(stored, str | int | float) or isinstance(stored, bool):
        return None
    try:
        score = Decimal(str(stored))
    except ArithmeticError:
        return None
    return score if score.is_finite() and 0 <= score <= 100 else None
