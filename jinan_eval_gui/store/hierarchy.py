"""Entities in a hierarchy: each evaluated entity may belong to a parent (市 → 区县).

A province-wide run evaluates cities and their districts and counties in one round; rankings
and comparisons are then made within each parent as well as over all. The parent is a group
name: usually itself an evaluated entity (济南市 above 历下区), but it need not be (districts
evaluated without their city). Every change is audit-logged.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import RoundBase


class HierarchyRecords(RoundBase):
    """The parent of each entity that has one."""

    def entity_parents(self) -> dict[str, str]:
        """``{entity: parent}`` for the entities that have a parent, in entity order."""
        rows = self._rows("SELECT p.entity, p.parent FROM entity_parents p"
                          " JOIN entities e ON e.name = p.entity ORDER BY e.position")
        return {r["entity"]: r["parent"] for r in rows}

    def set_entity_parents(self, parents: Mapping[str, str | None]) -> None:
        """Set (or, with None or "", remove) the parent of each entity named, in one
        transaction; ValueError for an unknown entity or an entity its own parent."""
        known = {r["name"] for r in self._rows("SELECT name FROM entities")}
        changes: dict[str, str | None] = {}
        for entity, parent in parents.items():
            if entity not in known:
                raise ValueError(f"unknown entity: {entity!r}")
            parent = (parent or "").strip() or None
            if parent == entity:
                raise ValueError(f"an entity cannot be its own parent: {entity!r}")
            changes[entity] = parent
        with self.transaction():
            for entity, parent in changes.items():
                if parent is None:
                    self._conn.execute("DELETE FROM entity_parents WHERE entity = ?", (entity,))
                else:
                    self._conn.execute(
                        "INSERT INTO entity_parents (entity, parent) VALUES (?, ?)"
                        " ON CONFLICT (entity) DO UPDATE SET parent = excluded.parent",
                        (entity, parent))
            self._audit("entity.parents", {"parents": changes})
