"""Post-stratification: respondents weighted so that district, age group and sex match the
population shares the office enters.

One attribute is classic post-stratification (each category's weight share equals its
population share, in one step). Several attributes are raked (iterative proportional fitting:
each attribute's shares matched in turn until none moves by more than 1e-9), since the office
knows each attribute's distribution, rarely their joint table. Respondents who did not answer
an attribute keep their weight for that attribute; the others are adjusted among themselves,
so the known categories take the population shares of the respondents with a known category.
A category with no respondent cannot be represented: its share goes to the other categories
in proportion, and a note says so.

The same function weights bootstrap replicates (``mass`` is then a replicates × respondents
matrix of resampling counts), so the interval carries the weighting's own variability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_ITERATIONS = 200
TOLERANCE = 1e-9


@dataclass
class Strata:
    """The attributes weighted on: each respondent's category index and the target shares."""

    names: list[str]
    codes: list[np.ndarray] = field(repr=False)
    """Per attribute, each respondent's category index (−1: not answered)."""
    shares: list[np.ndarray] = field(repr=False)
    """Per attribute, the population share of each category (adding up to 1)."""
    labels: list[list[str]] = field(repr=False)

    @property
    def method(self) -> str:
        return "none" if not self.names else "poststrat" if len(self.names) == 1 else "raking"


def strata(codes: Mapping[str, np.ndarray], shares: Mapping[str, Sequence[float]],
           labels: Mapping[str, Sequence[str]], kept: np.ndarray) -> Strata:
    """The attributes that have both answers and population shares, for the kept respondents."""
    import numpy as np

    names = [a for a in shares if a in codes]
    return Strata(names, [np.asarray(codes[a])[kept] for a in names],
                  [np.asarray(shares[a], dtype=float) for a in names],
                  [list(labels[a]) for a in names])


def rake(mass: np.ndarray, design: Strata) -> tuple[np.ndarray, int]:
    """Weights (same shape as ``mass``) matching every attribute's shares; and the iterations.

    ``mass`` is 1 per respondent for the estimate, or replicates × respondents resampling counts.
    A weight depends only on the respondent's combination of categories, so the fitting runs on
    those cells (a few hundred at most), not on the respondents.
    """
    import numpy as np

    mass = np.atleast_2d(np.asarray(mass, dtype=float))
    if not design.names:
        return mass, 0
    cells, inverse = np.unique(np.stack(design.codes, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    cell_mass = mass @ _onehot(inverse, len(cells))                # replicates × cells
    factor = np.ones_like(cell_mass)
    onehots = [_onehot(cells[:, a], len(s)) for a, s in enumerate(design.shares)]
    iterations = MAX_ITERATIONS
    for iteration in range(1, MAX_ITERATIONS + 1):
        moved = 0.0
        for a, (share, onehot) in enumerate(zip(design.shares, onehots, strict=True)):
            totals = (cell_mass * factor) @ onehot                  # replicates × categories
            present = totals > 0
            target = np.where(present, share, 0.0)
            scale = target.sum(axis=1, keepdims=True)
            target = np.divide(target, scale, out=np.zeros_like(target), where=scale > 0)
            target *= totals.sum(axis=1, keepdims=True)
            adjust = np.divide(target, totals, out=np.ones_like(totals), where=present)
            moved = max(moved, float(np.max(np.abs(adjust - 1.0), initial=0.0)))
            padded = np.hstack([adjust, np.ones((adjust.shape[0], 1))])  # last: not answered
            codes = cells[:, a]
            factor *= padded[:, np.where(codes >= 0, codes, adjust.shape[1])]
        if moved < TOLERANCE:
            iterations = iteration
            break
    if inverse.size and np.all(inverse[1:] >= inverse[:-1]):  # respondents sorted by cell
        return mass * np.repeat(factor, np.bincount(inverse, minlength=len(cells)), axis=1), \
            iterations
    return mass * factor[:, inverse], iterations


def empty_categories(design: Strata) -> list[str]:
    """Notes for categories without any kept respondent (their share goes to the others)."""
    import numpy as np

    notes = []
    for name, codes, share, labels in zip(design.names, design.codes, design.shares,
                                          design.labels, strict=True):
        counts = np.bincount(codes[codes >= 0], minlength=len(share))
        for k in np.flatnonzero((counts == 0) & (share > 0)):
            notes.append(f"{name}“{labels[k]}”没有有效答卷，其人口比例按比例分给其他类别")
    return notes


def kish(weights: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²: what the weighting leaves of n."""
    import numpy as np

    total = float(np.sum(weights))
    squares = float(np.sum(np.square(weights)))
    return total * total / squares if squares > 0 else 0.0


def _onehot(codes: np.ndarray, k: int) -> np.ndarray:
    import numpy as np

    out = np.zeros((len(codes), k))
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    return out
