"""Collection progress at a glance: which (entity, unit) has a template, an accepted file and
how many findings, read with one aggregate query each.

A province-wide round has 150 entities × 29 units: listing every template, submission and
finding as records only to count them would cost the window most of a second each time it
shows the progress table.
"""

from __future__ import annotations

from .base import RoundBase


class ProgressRecords(RoundBase):
    """Aggregates for the progress table (:func:`workflow.collection.collection_status`)."""

    def issued_pairs(self) -> set[tuple[str, str]]:
        """The (entity, unit) pairs that have been issued a template."""
        rows = self._conn.execute("SELECT DISTINCT entity, unit FROM templates").fetchall()
        return {(r[0], r[1]) for r in rows}

    def accepted_files(self) -> dict[tuple[str, str], tuple[int, str]]:
        """``{(entity, unit): (submission id, file name)}`` of the latest accepted return."""
        # no ORDER BY: the index on status covers the query (the files' bytes in the same
        # rows are never read); the latest is the highest id
        rows = self._conn.execute("SELECT entity, unit, id, file_name FROM submissions"
                                  " WHERE status = 'accepted'").fetchall()
        out: dict[tuple[str, str], tuple[int, str]] = {}
        for entity, unit, sid, name in rows:
            if (entity, unit) not in out or out[(entity, unit)][0] < sid:
                out[(entity, unit)] = (sid, name)
        return out

    def finding_counts(self) -> dict[int, dict[str, int]]:
        """``{submission id: {severity: count}}``."""
        out: dict[int, dict[str, int]] = {}
        for sid, severity, n in self._conn.execute(
                "SELECT submission_id, severity, count(*) FROM findings"
                " GROUP BY submission_id, severity"):
            out.setdefault(sid or 0, {})[severity] = n
        return out
