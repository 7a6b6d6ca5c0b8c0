"""Ranks of entities by total, over all and within each parent (市 → 区县).

The rank counts the entities with a higher total, plus one: ties share a rank (two second
places, then a fourth), as Excel's RANK and the report's tables have it. Shared by the report,
the scoring workbook's cached values and the window's ranking table.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal


def ranks(totals: Mapping[str, Decimal]) -> dict[str, int]:
    """``{entity: rank}``, highest total first, ties sharing a rank."""
    ordered = sorted(totals.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {entity: first[value] for entity, value in totals.items()}


def group_ranks(totals: Mapping[str, Decimal], parents: Mapping[str, str]
                ) -> dict[str, tuple[str, int, int]]:
    """``{entity: (parent, rank within the parent, entities in the parent)}`` for every
    entity with a parent (and a total); ranked as :func:`ranks`, within the parent."""
    members: dict[str, dict[str, Decimal]] = {}
    for entity, parent in parents.items():
        if entity in totals:
            members.setdefault(parent, {})[entity] = totals[entity]
    out: dict[str, tuple[str, int, int]] = {}
    for parent, group in members.items():
        for entity, rank in ranks(group).items():
            out[entity] = (parent, rank, len(group))
    return out
