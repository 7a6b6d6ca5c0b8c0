"""The round's record of the collection desk: whom to call at each unit, the round compared with.

The units' contacts (the people who fill a unit's return, not the office's own contact printed
on the templates) are what a reminder (催报) needs; the office keeps them up to date by hand.
The earlier round chosen for year-on-year comparison is remembered so that it is chosen once.
Every change is audit-logged.
"""

from __future__ import annotations

from .base import RoundBase
from .db import _now
from .records import RoundLink, UnitContact

#: Longest text kept in a contact field (names, phone numbers, e-mail addresses, a note).
MAX_CONTACT_TEXT = 200
CONTACT_FIELDS = ("person", "phone", "email", "note")


class DeskRecords(RoundBase):
    """Unit contacts and links to other rounds."""

    # -- unit contacts ------------------------------------------------------

    def unit_contacts(self, entity: str | None = None) -> dict[tuple[str, str], UnitContact]:
        """Every contact recorded, by (entity, unit)."""
        rows = self._rows("SELECT * FROM unit_contacts WHERE ?1 IS NULL OR entity = ?1"
                          " ORDER BY entity, unit", (entity,))
        return {(r["entity"], r["unit"]): UnitContact(**r) for r in rows}

    def set_unit_contact(self, entity: str, unit: str, **fields: str) -> UnitContact:
        """Record (or change) the contact of ``unit``: person, phone, email, note.

        Fields not given keep their value; an empty string clears one. The old and new values
        go into the audit log.
        """
        unknown = set(fields) - set(CONTACT_FIELDS)
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")
        if not unit.strip():
            raise ValueError("a contact needs a unit")
        with self.transaction():
            old = self.unit_contacts(entity).get((entity, unit))
            merged = {f: getattr(old, f) if old else "" for f in CONTACT_FIELDS}
            merged.update({f: str(v).strip()[:MAX_CONTACT_TEXT] for f, v in fields.items()})
            now = _now()
            self._conn.execute(
                "INSERT INTO unit_contacts (entity, unit, person, phone, email, note, changed_at,"
                " changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity, unit) DO UPDATE"
                " SET person = excluded.person, phone = excluded.phone, email = excluded.email,"
                " note = excluded.note, changed_at = excluded.changed_at,"
                " changed_by = excluded.changed_by",
                (entity, unit, merged["person"], merged["phone"], merged["email"],
                 merged["note"], now, self.actor))
            self._audit("contact.set", {
                "entity": entity, "unit": unit,
                "old": {f: getattr(old, f) for f in CONTACT_FIELDS} if old else None,
                "new": merged})
        return UnitContact(entity, unit, merged["person"], merged["phone"], merged["email"],
                           merged["note"], now, self.actor)

    # -- links to other rounds ----------------------------------------------

    def round_link(self, kind: str) -> RoundLink | None:
        """The round linked as ``kind`` (``"previous"``: the year-on-year comparison)."""
        rows = self._rows("SELECT * FROM round_links WHERE kind = ?", (kind,))
        return RoundLink(**rows[0]) if rows else None

    def set_round_link(self, kind: str, *, path: str, round_id: str, year: int,
                       name: str) -> RoundLink:
        """Remember another round (checked by the caller); replaces an earlier link (audited)."""
        with self.transaction():
            old = self.round_link(kind)
            now = _now()
            self._conn.execute(
                "INSERT INTO round_links (kind, path, round_id, year, name, set_at, set_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind) DO UPDATE SET"
                " path = excluded.path, round_id = excluded.round_id, year = excluded.year,"
                " name = excluded.name, set_at = excluded.set_at, set_by = excluded.set_by",
                (kind, path, round_id, int(year), name, now, self.actor))
            self._audit("link.set", {"kind": kind, "path": path, "round_id": round_id,
                                     "year": int(year), "name": name,
                                     "old": old.path if old else None})
        return RoundLink(kind, path, round_id, int(year), name, now, self.actor)

    def clear_round_link(self, kind: str) -> bool:
        """Forget the round linked as ``kind``; False if there was none."""
        with self.transaction():
            old = self.round_link(kind)
            if old is None:
                return False
            self._conn.execute("DELETE FROM round_links WHERE kind = ?", (kind,))
            self._audit("link.clear", {"kind": kind, "path": old.path})
        return True
