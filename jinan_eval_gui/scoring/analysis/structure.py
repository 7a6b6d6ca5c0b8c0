"""The catalogue's tree as arrays for the vectorised aggregation (:mod:`.montecarlo`).

Each level holds the official share of every term in its group (weight / 100; a sole term
without a weight passes its score through with share 1), its parent's position, and the
groups whose weights the robustness analysis perturbs (every group of two or more weighted
terms). numpy is imported by the caller; this module only builds plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinan_eval_gui.catalogue import Catalogue


@dataclass(frozen=True)
class Group:
    """Terms whose weights are perturbed together (renormalised to their official sum)."""

    level: int
    """3: level-3 indicators of a level-2; 2: level-2s of a level-1; 1: the level-1s."""
    key: str
    label: str
    members: tuple[int, ...]
    """Positions in the level's arrays."""


@dataclass(frozen=True)
class Tree:
    """Positions and official shares of the weighted part of the tree, and the deductions."""

    ind_ids: tuple[int, ...]
    ind_parent: tuple[int, ...]
    ind_share: tuple[float, ...]
    l2_ids: tuple[str, ...]
    l2_parent: tuple[int, ...]
    l2_share: tuple[float, ...]
    l1_ids: tuple[str, ...]
    l1_names: tuple[str, ...]
    l1_share: tuple[float, ...]
    deduction_ids: tuple[int, ...]
    groups: tuple[Group, ...]


def _shares(weights: list[object]) -> list[float]:
    """weight/100 per term; a sole term without a weight: 1 (the engine passes it through)."""
    if len(weights) == 1 and weights[0] is None:
        return [1.0]
    return [float(w or 0) / 100 for w in weights]


def build_tree(cat: Catalogue) -> Tree:
    """The weighted level-1s, their level-2s and level-3s in catalogue order, as positions."""
    l1s = [g for g in cat.level1 if g.kind == "weighted"]
    ind_ids: list[int] = []
    ind_parent: list[int] = []
    ind_share: list[float] = []
    l2_ids: list[str] = []
    l2_parent: list[int] = []
    l2_share: list[float] = []
    groups: list[Group] = []
    for i1, l1 in enumerate(l1s):
        l2s = cat.level2_of(l1.id)
        first2 = len(l2_ids)
        for l2, share in zip(l2s, _shares([x.weight for x in l2s]), strict=True):
            i2 = len(l2_ids)
            l2_ids.append(l2.id)
            l2_parent.append(i1)
            l2_share.append(share)
            inds = cat.indicators_of(l2.id)
            first3 = len(ind_ids)
            for ind, s in zip(inds, _shares([x.weight for x in inds]), strict=True):
                ind_ids.append(ind.id)
                ind_parent.append(i2)
                ind_share.append(s)
            members = tuple(i for i in range(first3, len(ind_ids)) if ind_share[i] > 0)
            if len(members) >= 2:
                groups.append(Group(3, f"L3:{l2.id}", f"“{l2.name}”下各三级指标的权重",
                                    members))
        members = tuple(i for i in range(first2, len(l2_ids)) if l2_share[i] > 0)
        if len(members) >= 2:
            groups.append(Group(2, f"L2:{l1.id}", f"“{l1.name}”下各二级指标的权重", members))
    l1_share = _shares([g.weight for g in l1s])
    top = tuple(i for i, s in enumerate(l1_share) if s > 0)
    if len(top) >= 2:
        groups.append(Group(1, "L1", "各一级指标之间的权重", top))
    deductions = tuple(ind.id for g in cat.level1 if g.kind == "deduction"
                       for l2 in cat.level2_of(g.id) for ind in cat.indicators_of(l2.id))
    return Tree(tuple(ind_ids), tuple(ind_parent), tuple(ind_share), tuple(l2_ids),
                tuple(l2_parent), tuple(l2_share), tuple(g.id for g in l1s),
                tuple(g.name for g in l1s), tuple(l1_share), deductions,
                tuple(sorted(groups, key=lambda g: g.level)))
