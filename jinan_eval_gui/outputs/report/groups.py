"""Rankings within each parent in the combined report (市 → 区县).

A province-wide round ranks a district among all entities and among the districts of its own
city; the second is what a city's office acts on. Entities without a parent are ranked only
over all. The group rank counts, like the overall rank, the entities of the group with a
higher total (ties share a rank): :mod:`jinan_eval_gui.scoring.ranking`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jinan_eval_gui.scoring.engine import Results
from jinan_eval_gui.scoring.ranking import group_ranks

from .text import fmt


class GroupSections:
    """The section ``分组排名``: one table per parent, its members ranked by total."""

    all: dict[str, Results]
    parents: Mapping[str, str]
    t: Any
    dash: str
    weighted: list[Any]

    def group_ranks(self) -> dict[str, tuple[str, int, int]]:
        """Computed once per report (a brief per entity asks for its own)."""
        cached = getattr(self, "_group_ranks", None)
        if cached is None:
            cached = group_ranks({e: r.total for e, r in self.all.items()}, self.parents)
            self._group_ranks = cached
        return cached

    def ranking_by_parent(self) -> None:
        ranks = self.group_ranks()
        if not ranks:
            return
        t = self.t
        index, total_label = t.label("index"), t.label("total")
        groups: dict[str, list[str]] = {}
        for entity, (parent, _rank, _n) in ranks.items():
            groups.setdefault(parent, []).append(entity)
        self.heading(t("sections", "ranking_groups"))  # type: ignore[attr-defined]
        self.para(t("text", "ranking_groups_intro", n=len(ranks), groups=len(groups),  # type: ignore[attr-defined]
                    total_label=total_label), keep=True)
        header = [t.label("group_rank"), t.label("entity"), total_label, t.label("rank"),
                  *[g.name for g in self.weighted]]
        widths = [1.1, 2.6, 1.6, 1.1, *[1.5] * len(self.weighted)]
        overall = {name: rank for rank, name, _ in self.ranking}  # type: ignore[attr-defined]
        for parent, group in groups.items():
            group.sort(key=lambda e: (ranks[e][1], list(self.all).index(e)))
            rows = []
            for entity in group:
                res = self.all[entity]
                by_id = {g.id: g for g in res.level1}
                rows.append([str(ranks[entity][1]), entity, fmt(res.total),
                             str(overall.get(entity, self.dash)),
                             *[fmt(by_id[g.id].score if g.id in by_id else None, self.dash)
                               for g in self.weighted]])
            self.table(header, rows, widths, "clcc" + "c" * len(self.weighted),  # type: ignore[attr-defined]
                       t("text", "ranking_group_caption", parent=parent,
                         total_label=total_label, index=index), role="ranking")

    def group_mean_chart(self) -> None:
        """Many entities: a bar per parent, the mean total of its entities (none without
        parents)."""
        ranks = self.group_ranks()
        if not ranks:
            return
        from .charts import BarChart

        members: dict[str, list[Decimal]] = {}
        for entity, (parent, _rank, _n) in ranks.items():
            members.setdefault(parent, []).append(self.all[entity].total)
        means = {p: sum(v, Decimal(0)) / len(v) for p, v in members.items()}
        order = sorted(means, key=lambda p: -means[p])
        total_label = self.t.label("total")
        self.chart(BarChart(labels=order, values=[float(means[p]) for p in order],  # type: ignore[attr-defined]
                            horizontal=True, axis_label=total_label),
                   self.t("text", "ranking_group_chart_caption", total_label=total_label),
                   role="ranking")

    def group_sentence(self, entity: str) -> str:
        """``在济南市所属的 9 个评估对象中排名第 2 位。``; "" without a parent or alone in it."""
        hit = self.group_ranks().get(entity)
        if hit is None:
            return ""
        parent, rank, count = hit
        if count < 2:  # alone under its parent: nothing to compare with
            return ""
        return self.t("text", "ranking_entity_group", parent=parent, count=count, rank=rank)
