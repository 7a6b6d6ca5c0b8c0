"""The round's record of collection: issued templates, returned files, values, findings."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from .base import RoundBase, StoredValueError, _excerpt
from .db import SUBMISSION_STATUSES, _decimal_text, _now
from .filecheck import _hint_backup
from .records import Finding, NewValue, StoredValue, Submission, Template


def _finite(stored: Any) -> Decimal | None:
    """A stored number as Decimal, or None if it is not a finite number (NaN, ∞, text, blob)."""
    if isinstance(stored, bool) or not isinstance(stored, str | int | float):
        return None
    try:
        number = Decimal(stored if isinstance(stored, str) else str(stored))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


class CollectionRecords(RoundBase):
    """Templates, submissions, input values and findings of a round."""

    # -- templates ----------------------------------------------------------

    def record_template(
        self,
        *,
        entity: str,
        unit: str,
        file_name: str,
        path: str | os.PathLike[str],
        sha256: str,
        template_version: str,
        deadline: str | None = None,
        contact_person: str | None = None,
        contact_phone: str | None = None,
        issued_at: str | None = None,
    ) -> int:
        """Record an issued template, so returns can be matched and reminders sent."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO templates (entity, unit, file_name, path, issued_at, deadline,"
                " contact_person, contact_phone, template_version, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entity,
                    unit,
                    file_name,
                    str(path),
                    issued_at or _now(),
                    deadline,
                    contact_person,
                    contact_phone,
                    template_version,
                    sha256.lower(),
                ),
            )
            self._audit(
                "template.record",
                {"id": cur.lastrowid, "entity": entity, "unit": unit, "file_name": file_name},
            )
        return int(cur.lastrowid)

    def list_templates(self, entity: str | None = None) -> list[Template]:
        """Issued templates, oldest first (a unit may have been issued several)."""
        rows = self._rows(
            # two statements, not "?1 IS NULL OR entity = ?1": that form cannot use the index
            "SELECT * FROM templates" + ("" if entity is None else " WHERE entity = ?1")
            + " ORDER BY id", () if entity is None else (entity,)
        )
        return [Template(**row) for row in rows]

    # -- submissions --------------------------------------------------------

    def add_submission(
        self,
        *,
        entity: str,
        unit: str,
        file_name: str,
        content: bytes,
        status: str = "accepted",
        imported_by: str | None = None,
    ) -> int:
        """Keep a returned file byte for byte, so every value can be traced to its file."""
        digest = hashlib.sha256(content).hexdigest()
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO submissions (entity, unit, file_name, sha256, content,"
                " imported_at, imported_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entity,
                    unit,
                    file_name,
                    digest,
                    content,
                    _now(),
                    imported_by or self.actor,
                    status,
                ),
            )
            self._audit(
                "submission.add",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "unit": unit,
                    "file_name": file_name,
                    "sha256": digest,
                    "status": status,
                },
            )
        return int(cur.lastrowid)

    def list_submissions(self, entity: str | None = None) -> list[Submission]:
        """Imported files, oldest first, without their bytes."""
        rows = self._rows(
            "SELECT id, entity, unit, file_name, sha256, length(content) AS size, imported_at,"
            " imported_by, status FROM submissions"
            + ("" if entity is None else " WHERE entity = ?1") + " ORDER BY id",
            () if entity is None else (entity,),
        )
        return [Submission(**row) for row in rows]

    def submission_content(self, submission_id: int) -> bytes:
        """The returned file's original bytes (to save it again or re-import it).

        Checked against the SHA-256 recorded at import: damaged bytes are refused, never
        handed on as the unit's file.
        """
        rows = self._rows(
            "SELECT content, sha256, file_name FROM submissions WHERE id = ?", (submission_id,)
        )
        if not rows:
            raise KeyError(submission_id)
        content = rows[0]["content"]
        if not isinstance(content, bytes) or hashlib.sha256(content).hexdigest() != rows[0]["sha256"]:
            raise self.damaged(f"回传文件“{rows[0]['file_name']}”的存档内容",
                                "与导入时记录的校验值不符")
        return content

    def set_submission_status(self, submission_id: int, status: str, reason: str = "") -> None:
        """Reject or supersede a file; its values stop being current (they are not restored)."""
        if status not in SUBMISSION_STATUSES:
            raise ValueError(f"unknown submission status {status!r}")
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE submissions SET status = ? WHERE id = ?", (status, submission_id)
            )
            if cur.rowcount != 1:
                raise KeyError(submission_id)
            if status != "accepted":
                self._conn.execute(
                    "UPDATE input_values SET current = 0 WHERE submission_id = ?",
                    (submission_id,),
                )
            self._audit(
                "submission.status", {"id": submission_id, "status": status, "reason": reason}
            )

    # -- values -------------------------------------------------------------

    def add_values(
        self,
        submission_id: int | None,
        values: Iterable[NewValue],
        *,
        entity: str | None = None,
        unit: str | None = None,
    ) -> int:
        """Store values as current; earlier values of the same inputs are kept, not current.

        Entity and unit come from the submission; values typed by hand pass
        ``submission_id=None`` with both.  A new value replaces the whole input
        (all table rows) of the same entity and unit; return the count stored.
        """
        values = list(values)
        with self.transaction():
            if submission_id is not None:
                row = self._conn.execute(
                    "SELECT entity, unit FROM submissions WHERE id = ?", (submission_id,)
                ).fetchone()
                if row is None:
                    raise KeyError(submission_id)
                if entity not in (None, row["entity"]) or unit not in (None, row["unit"]):
                    raise ValueError("entity/unit differ from the submission's")
                entity, unit = row["entity"], row["unit"]
            if entity is None or unit is None:
                raise ValueError("values typed by hand need entity and unit")
            superseded = 0
            for indicator_id, input_key in dict.fromkeys(
                (v.indicator_id, v.input_key) for v in values
            ):
                superseded += self._conn.execute(
                    "UPDATE input_values SET current = 0 WHERE entity = ? AND unit = ?"
                    " AND indicator_id = ? AND input_key = ? AND current = 1",
                    (entity, unit, indicator_id, input_key),
                ).rowcount
            now = _now()
            self._conn.executemany(
                "INSERT INTO input_values (submission_id, entity, unit, indicator_id, input_key,"
                " row_index, column_key, value_text, value_num, source_sheet, source_cell,"
                " current, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                [
                    (
                        submission_id,
                        entity,
                        unit,
                        v.indicator_id,
                        v.input_key,
                        v.row_index,
                        v.column_key,
                        v.text,
                        _decimal_text(v.number),
                        v.sheet,
                        v.cell,
                        now,
                    )
                    for v in values
                ],
            )
            self._audit(
                "values.add",
                {
                    "submission_id": submission_id,
                    "entity": entity,
                    "unit": unit,
                    "count": len(values),
                    "superseded": superseded,
                },
            )
        return len(values)

    _VALUE_COLUMNS = (
        "id, submission_id, entity, unit, indicator_id, input_key, row_index, column_key,"
        " value_text AS text, value_num AS number, source_sheet AS sheet, source_cell AS cell,"
        " current, recorded_at"
    )

    def _values(self, sql: str, args: Sequence[Any]) -> Iterator[StoredValue]:
        """Value rows as StoredValue, built from plain tuples in column order (scoring reads
        every current value of an entity each time, so this is on the re-score path)."""
        for (vid, sub, entity, unit, ind, key, row, col, text, number, sheet, cell, current,
             recorded) in self._tuples(sql, args):
            if number is not None:
                number = _finite(number)
                if number is None:
                    raise self._bad_value(entity, unit, ind, key, sheet, cell, vid)
            if text is not None and not isinstance(text, str):
                raise self._bad_value(entity, unit, ind, key, sheet, cell, vid)
            yield StoredValue(vid, sub, entity, unit, ind, key, row, col, text, number, sheet,
                              cell, bool(current), recorded)

    def _bad_value(self, entity: Any, unit: Any, indicator_id: Any, key: Any, sheet: Any,
                   cell: Any, value_id: int) -> StoredValueError:
        """A stored value that is not a finite number (NaN, ∞, text) or not text, and where."""
        row = self._conn.execute("SELECT value_num, value_text FROM input_values WHERE id = ?",
                                 (value_id,)).fetchone()
        stored = _excerpt(row[0] if row[0] is not None else row[1])
        where = "，".join(part for part in (
            f"评价对象“{entity}”", f"单位“{unit}”", f"指标 {indicator_id}",
            f"工作表“{sheet}”{cell}" if sheet else "") if part)
        message = (f"评价轮次文件“{self.path.name}”已损坏：{where}的填报数据"
                   f"存储为“{stored}”，不是有效的数值")
        return StoredValueError(
            message, hint="文件可能被其他程序或手工修改过；" + _hint_backup(self.path),
            entity=str(entity), unit=str(unit),
            indicator_id=indicator_id if isinstance(indicator_id, int) else None,
            input_key=str(key), sheet=str(sheet or ""), cell=str(cell or ""), stored=stored)

    def current_values(self, entity: str, *, notes: bool = True
                       ) -> dict[int, dict[str, list[StoredValue]]]:
        """``{indicator_id: {input_key: [values]}}`` of current values, for the engine.

        A list because table inputs have rows/columns and per-unit inputs one
        value per unit; ordered by unit, row, column. ``notes=False`` leaves out the
        keys that start with ``_`` (evidence, notes, filler: never scored), which are
        about two fifths of the rows.
        """
        result: dict[int, dict[str, list[StoredValue]]] = {}
        for value in self._values(
            f"SELECT {self._VALUE_COLUMNS} FROM input_values WHERE entity = ? AND current = 1"
            + ("" if notes else " AND input_key NOT GLOB '_*'")
            + " ORDER BY indicator_id, input_key, unit, row_index, column_key, id",
            (entity,),
        ):
            result.setdefault(value.indicator_id, {}).setdefault(value.input_key, []).append(value)
        return result

    def value_history(self, entity: str, indicator_id: int, input_key: str) -> list[StoredValue]:
        """Every value ever recorded for one input, oldest first (superseded ones too)."""
        return list(self._values(
            f"SELECT {self._VALUE_COLUMNS} FROM input_values WHERE entity = ?"
            " AND indicator_id = ? AND input_key = ? ORDER BY id",
            (entity, indicator_id, input_key),
        ))

    # -- findings -----------------------------------------------------------

    def add_findings(self, submission_id: int, findings: Iterable[Finding]) -> int:
        """Keep what the import found in a file, so it can be shown and sent back."""
        findings = list(findings)
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO findings (submission_id, severity, sheet, cell, indicator_id,"
                " input_key, value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        submission_id,
                        f.severity,
                        f.sheet,
                        f.cell,
                        f.indicator_id,
                        f.input_key,
                        f.value,
                        f.message,
                    )
                    for f in findings
                ],
            )
        return len(findings)

    def list_findings(self, submission_id: int | None = None) -> list[Finding]:
        """Findings of one submission (or all), in the order found."""
        rows = self._rows(
            "SELECT * FROM findings" + ("" if submission_id is None else
                                        " WHERE submission_id = ?1") + " ORDER BY id",
            () if submission_id is None else (submission_id,),
        )
        return [Finding(**row) for row in rows]
