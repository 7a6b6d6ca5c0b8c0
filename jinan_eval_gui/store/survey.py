"""The round's record of the survey (市民调查): the raw responses, or a typed score with its source.

Per evaluated entity one survey is current. Importing responses stores the export exactly as
received (with its SHA-256), the questionnaire it was read with (canonical JSON) and the
user's column mapping, so the score can be recomputed and traced at any time; an older survey
stays in the file, no longer current. A contractor that reports only the score gives a typed
score with its source instead. The population shares for weighting are the office's entries.
Every change is audit-logged; the cached result is only a cache (recomputed when stale).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .base import RoundBase
from .db import _decimal_text, _dumps, _now


@dataclass(frozen=True)
class SurveyRecord:
    """One stored survey of an entity (its bytes are read with :meth:`survey_content`)."""

    id: int
    entity: str
    kind: str
    """``responses`` (the raw export) or ``score`` (a typed score with its source)."""
    file_name: str
    sha256: str | None
    questionnaire: str | None
    mapping: dict[str, str]
    score: Decimal | None
    source: str
    imported_at: str
    imported_by: str
    current: bool
    cache_key: str | None = None
    cache: dict[str, Any] | None = field(default=None, repr=False)


class SurveyRecords(RoundBase):
    """Surveys and population shares of the round's entities."""

    _SURVEY_COLUMNS = ("id, entity, kind, file_name, sha256, questionnaire, mapping, score, source,"
                       " imported_at, imported_by, current, cache_key, cache")

    def current_survey(self, entity: str) -> SurveyRecord | None:
        """The entity's current survey, or None when none was imported or typed."""
        rows = self._rows(f"SELECT {self._SURVEY_COLUMNS} FROM surveys"
                          " WHERE entity = ? AND current = 1", (entity,))
        return self._survey(rows[0]) if rows else None

    def list_surveys(self, entity: str | None = None) -> list[SurveyRecord]:
        """Every stored survey (of one entity), oldest first."""
        rows = self._rows(f"SELECT {self._SURVEY_COLUMNS} FROM surveys"
                          " WHERE ?1 IS NULL OR entity = ?1 ORDER BY id", (entity,))
        return [self._survey(r) for r in rows]

    def survey_content(self, survey_id: int) -> bytes:
        """The stored export's bytes, checked against their SHA-256 (RoundDataError if damaged)."""
        rows = self._rows("SELECT file_name, sha256, content FROM surveys WHERE id = ?",
                          (survey_id,))
        if not rows or rows[0]["content"] is None:
            raise self.damaged(f"市民调查答卷（编号 {survey_id}）", "缺失")
        content = bytes(rows[0]["content"])
        if hashlib.sha256(content).hexdigest() != rows[0]["sha256"]:
            raise self.damaged(f"市民调查答卷“{rows[0]['file_name']}”", "内容与导入时的校验值不符")
        return content

    def add_survey_responses(self, entity: str, *, file_name: str, content: bytes,
                             questionnaire: str, mapping: Mapping[str, str],
                             cache_key: str | None = None, cache: Mapping[str, Any] | None = None,
                             summary: Mapping[str, Any] | None = None) -> int:
        """Store an imported export as the entity's current survey (the previous one is kept,
        no longer current); audited with ``summary`` (n, kept, score …)."""
        sha256 = hashlib.sha256(content).hexdigest()
        with self.transaction():
            self._supersede_survey(entity)
            cur = self._conn.execute(
                "INSERT INTO surveys (entity, kind, file_name, sha256, content, questionnaire,"
                " mapping, imported_at, imported_by, cache_key, cache)"
                " VALUES (?, 'responses', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entity, file_name, sha256, content, questionnaire, _dumps(dict(mapping)),
                 _now(), self.actor, cache_key, None if cache is None else _dumps(cache)))
            self._audit("survey.import", {"entity": entity, "file": file_name, "sha256": sha256,
                                          "mapping": dict(mapping), **dict(summary or {})})
            return int(cur.lastrowid)

    def set_survey_score(self, entity: str, score: Decimal, source: str) -> int:
        """A typed score with its source becomes the entity's current survey (audited)."""
        if not source.strip():
            raise ValueError("a typed survey score needs its source")
        with self.transaction():
            self._supersede_survey(entity)
            cur = self._conn.execute(
                "INSERT INTO surveys (entity, kind, score, source, imported_at, imported_by)"
                " VALUES (?, 'score', ?, ?, ?, ?)",
                (entity, _decimal_text(score), source.strip(), _now(), self.actor))
            self._audit("survey.score", {"entity": entity, "score": str(score),
                                         "source": source.strip()})
            return int(cur.lastrowid)

    def clear_survey(self, entity: str, reason: str) -> bool:
        """No survey is current any more (scoring falls back to a unit's reported score);
        audited with the reason. False when there was none."""
        with self.transaction():
            old = self.current_survey(entity)
            if old is None:
                return False
            self._supersede_survey(entity)
            self._audit("survey.clear", {"entity": entity, "id": old.id, "kind": old.kind,
                                         "file": old.file_name, "reason": reason.strip()})
            return True

    def save_survey_cache(self, survey_id: int, key: str, cache: Mapping[str, Any]) -> None:
        """Keep the result last computed (a cache: not audited)."""
        with self.transaction():
            self._conn.execute("UPDATE surveys SET cache_key = ?, cache = ? WHERE id = ?",
                               (key, _dumps(cache), survey_id))

    def _supersede_survey(self, entity: str) -> None:
        self._conn.execute("UPDATE surveys SET current = 0 WHERE entity = ? AND current = 1",
                           (entity,))

    # -- population shares ---------------------------------------------------------------
    def survey_shares(self, entity: str) -> dict[str, dict[str, Decimal]]:
        """``{attribute: {category: share}}`` the office entered for the entity."""
        out: dict[str, dict[str, Decimal]] = {}
        for row in self._rows("SELECT attribute, category, share FROM survey_shares"
                              " WHERE entity = ? ORDER BY attribute, category", (entity,)):
            out.setdefault(row["attribute"], {})[row["category"]] = self._share(row)
        return out

    def set_survey_shares(self, entity: str, attribute: str,
                          shares: Mapping[str, Decimal] | None) -> None:
        """Replace (or with None/empty remove) one attribute's shares; audited."""
        with self.transaction():
            old = self.survey_shares(entity).get(attribute, {})
            self._conn.execute("DELETE FROM survey_shares WHERE entity = ? AND attribute = ?",
                               (entity, attribute))
            self._conn.executemany(
                "INSERT INTO survey_shares (entity, attribute, category, share) VALUES (?, ?, ?, ?)",
                [(entity, attribute, k, _decimal_text(v)) for k, v in (shares or {}).items()])
            self._audit("survey.shares", {"entity": entity, "attribute": attribute,
                                          "old": {k: str(v) for k, v in old.items()},
                                          "new": {k: str(v) for k, v in (shares or {}).items()}})

    # -- decoding --------------------------------------------------------------------------
    def _survey(self, row: dict[str, Any]) -> SurveyRecord:
        where = f"市民调查记录（编号 {row['id']}）"
        mapping = self._json(row["mapping"], where)
        if not isinstance(mapping, dict):
            raise self.damaged(where, "列对应不是对象")
        score = None
        if row["score"] is not None:
            try:
                score = Decimal(str(row["score"]))
            except (InvalidOperation, ValueError):
                score = None
            if score is None or not score.is_finite() or not 0 <= score <= 100:
                raise self.damaged(where, f"综合得分存储为“{str(row['score'])[:20]}”，不是 0–100 的分值")
        cache = None
        if row["cache"] is not None:
            try:
                cache = json.loads(row["cache"])
            except ValueError:
                cache = None  # only a cache: recomputed from the stored file
        return SurveyRecord(
            id=int(row["id"]), entity=str(row["entity"]), kind=str(row["kind"]),
            file_name=str(row["file_name"] or ""), sha256=row["sha256"],
            questionnaire=row["questionnaire"], mapping={str(k): str(v) for k, v in mapping.items()},
            score=score, source=str(row["source"] or ""), imported_at=str(row["imported_at"]),
            imported_by=str(row["imported_by"]), current=bool(row["current"]),
            cache_key=row["cache_key"], cache=cache if isinstance(cache, dict) else None)

    def _share(self, row: dict[str, Any]) -> Decimal:
        try:
            value = Decimal(str(row["share"]))
        except (InvalidOperation, ValueError):
            value = Decimal(-1)
        if not value.is_finite() or not 0 <= value <= 1:
            raise self.damaged(f"市民调查人口比例（{row['attribute']}“{row['category']}”）",
                               f"存储为“{str(row['share'])[:20]}”，不是 0–1 的比例")
        return value
