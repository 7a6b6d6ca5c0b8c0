"""Which weight groups and assumptions move the total most: first-order shares of variance.

For an assumption (a choice among a few readings) the share is the variance of the mean total
per choice over the total's variance. For a weight group the total is, given the group's
weights, linear in them in expectation (every other group is drawn independently around its
official weights), so its first-order share is the R² of a linear regression of the total on
the group's sampled weights (adjusted for the number of weights, never below 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.catalogue.assumptions import Assumption

from .structure import Tree


@dataclass(frozen=True)
class Driver:
    """One source of uncertainty and its first-order share of the total's variance (0..1)."""

    key: str
    kind: str
    """``weights`` or ``assumption``."""
    label: str
    share: float

    def to_json(self) -> dict[str, Any]:
        return {"factor": self.key, "kind": self.kind, "label": self.label,
                "share": round(self.share, 4)}


def prepare(np: Any, weights: Mapping[str, Any], tree: Tree) -> list[tuple[Any, Any, Any]]:
    """Per perturbed weight group, what every entity's regression shares: the centred weights
    (one column dropped, they sum to a constant) and the inverse of their cross-product."""
    out = []
    for g in tree.groups:
        sampled = weights["groups"].get(g.key)
        if sampled is None or sampled.shape[0] <= sampled.shape[1]:
            continue
        x = sampled[:, :-1] - sampled[:, :-1].mean(axis=0)
        try:
            inverse = np.linalg.inv(x.T @ x)
        except np.linalg.LinAlgError:
            continue
        out.append((g, x, inverse))
    return out


def drivers(np: Any, total: Any, groups: Sequence[tuple[Any, Any, Any]],
            picks: Mapping[str, Any], assumptions: Sequence[Assumption]) -> list[Driver]:
    """Every varied weight group and assumption, largest share first (empty: no variance)."""
    variance = float(total.var())
    if not variance > 1e-12:
        return []
    y = total - total.mean()
    n = len(total)
    out = []
    for g, x, inverse in groups:
        xy = x.T @ y
        r2 = float(xy @ inverse @ xy) / float(y @ y)
        k = x.shape[1]
        adjusted = 1 - (1 - r2) * (n - 1) / (n - k - 1) if n > k + 1 else 0.0
        out.append(Driver(g.key, "weights", g.label, max(0.0, min(1.0, adjusted))))
    for a in assumptions:
        index = picks[a.id]
        between = 0.0
        mean = float(total.mean())
        for k in range(len(a.choices)):
            part = total[index == k]
            if len(part):
                between += len(part) * (float(part.mean()) - mean) ** 2
        share = between / n / variance
        out.append(Driver(a.id, "assumption", f"评分口径 {a.id}：{a.title}", min(1.0, share)))
    return sorted(out, key=lambda d: (-d.share, d.key))
