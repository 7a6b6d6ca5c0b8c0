"""Which answer rows count, and why each excluded one does not.

Rules in this order; an excluded row is listed once, with the first rule it breaks:

1. 答卷编号重复 — a respondent id seen in an earlier row (the first occurrence counts);
2. 答案完全相同 — the same answer to every question as an earlier row (double submissions);
3. 回答无效 — an answer that is not an option or outside a rating's range (any question);
4. 作答用时过短 — completion time below ``min_seconds`` (only when the export has the time;
   0 switches the rule off; a time that cannot be read does not exclude);
5. 作答不完整 — answered (incl. 不了解/不适用) fewer than ``min_answered_share`` of the scored
   questions in the file;
6. 直线作答 — every scale question answered with the same option, over at least
   ``straightline_min`` of them (0 switches the rule off).

The thresholds are parameters of the survey's indicator (registered assumptions; the round may
change them), never constants here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from jinan_eval_gui.catalogue.questionnaire import EXCLUSION_RULES

from .answers import SCORED, UNKNOWN, Answers

if TYPE_CHECKING:
    import numpy as np



@dataclass(frozen=True)
class Thresholds:
    """The cleaning thresholds in force (values of the indicator's parameters)."""

    min_answered_share: Decimal
    straightline_min: int
    min_seconds: Decimal


@dataclass(frozen=True)
class Exclusion:
    """One excluded answer row: its Excel row number, the rule and the reason in words."""

    row: int
    rule: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"row": self.row, "reason": self.reason, "rule": self.rule,
                "rule_label": EXCLUSION_RULES[self.rule]}


@dataclass
class Cleaning:
    """Which respondents are kept, and every exclusion with its reason (in row order)."""

    kept: np.ndarray = field(repr=False)
    excluded: list[Exclusion]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(EXCLUSION_RULES, 0)
        for e in self.excluded:
            out[e.rule] += 1
        return out


def clean(answers: Answers, limits: Thresholds) -> Cleaning:
    """Apply the rules of the module doc to every respondent."""
    import numpy as np

    n = answers.n
    reasons: dict[int, tuple[str, str]] = {}

    def exclude(index: int, rule: str, reason: str) -> None:
        reasons.setdefault(index, (rule, reason))

    for i, first in _repeats(answers.ids).items():
        exclude(i, "duplicate_id", f"答卷编号“{_brief(answers.ids[i])}”与第 {answers.rows[first]} 行重复")
    if answers.signature is not None:
        answered = answers.signature.ne("").any(axis=1).to_numpy()
        for i, first in _first_of(answers.signature, answered).items():
            exclude(i, "duplicate_answers", f"全部回答与第 {answers.rows[first]} 行完全相同")
    for i, why in sorted(answers.invalid.items()):
        exclude(i, "invalid", why)
    if answers.seconds is not None and limits.min_seconds > 0:
        too_fast = answers.seconds < float(limits.min_seconds)  # NaN compares False
        for i in np.flatnonzero(too_fast):
            exclude(int(i), "too_fast", f"作答用时 {_seconds_text(answers.seconds[i])}，"
                                        f"少于 {_seconds_text(float(limits.min_seconds))}")
    q = len(answers.questions)
    if q:
        done = ((answers.state == SCORED) | (answers.state == UNKNOWN)).sum(axis=1)
        share = done / q
        for i in np.flatnonzero(share < float(limits.min_answered_share)):
            exclude(int(i), "incomplete", f"计分题答了 {int(done[i])}/{q} 道（{share[i]:.0%}），"
                                          f"少于 {float(limits.min_answered_share):.0%}")
    for i, label, count in _straight_lines(answers, limits.straightline_min):
        exclude(i, "straightlining", f"{count} 道量表题全部选“{label}”")
    kept = np.ones(n, dtype=bool)
    excluded = []
    for i in sorted(reasons):
        kept[i] = False
        rule, reason = reasons[i]
        excluded.append(Exclusion(answers.rows[i], rule, reason))
    return Cleaning(kept, excluded)


def _repeats(ids: list[str] | None) -> dict[int, int]:
    """Respondent index → index of the earlier row with the same id (blank ids never repeat)."""
    if ids is None:
        return {}
    import pandas as pd

    frame = pd.DataFrame({"id": ids})
    return _first_of(frame, frame["id"].ne("").to_numpy())


def _first_of(frame: object, candidate: np.ndarray) -> dict[int, int]:
    """Rows (among ``candidate``) equal to an earlier candidate row → that first row (pandas:
    one grouping over every column, so 3 000 rows of 30 answers take milliseconds)."""
    import numpy as np

    rows = frame[candidate]  # type: ignore[index]
    if rows.empty:
        return {}
    groups = rows.groupby(list(rows.columns), sort=False, dropna=False).ngroup().to_numpy()
    _unique, first = np.unique(groups, return_index=True)
    index = np.flatnonzero(candidate)
    firsts = index[first[np.searchsorted(_unique, groups)]]
    return {int(i): int(f) for i, f in zip(index, firsts, strict=True) if i != f}


def _straight_lines(answers: Answers, minimum: int) -> list[tuple[int, str, int]]:
    """Respondents who chose one and the same option on every scale question they answered
    with a scored option, over at least ``minimum`` questions (0: the rule is off)."""
    import numpy as np

    if minimum <= 0:
        return []
    scale = [j for j, q in enumerate(answers.questions) if q.kind == "likert"]
    if len(scale) < minimum:
        return []
    choice = answers.choice[:, scale].astype(float)
    choice[answers.state[:, scale] != SCORED] = np.nan
    count = np.sum(~np.isnan(choice), axis=1)
    with np.errstate(all="ignore"):
        low = np.nanmin(np.where(np.isnan(choice), np.inf, choice), axis=1)
        high = np.nanmax(np.where(np.isnan(choice), -np.inf, choice), axis=1)
    hits = np.flatnonzero((count >= minimum) & (low == high))
    out = []
    for i in hits:
        j = next(j for j in scale if answers.state[i, j] == SCORED)
        label = answers.questions[j].options[int(answers.choice[i, j])].label
        out.append((int(i), label, int(count[i])))
    return out


def _seconds_text(seconds: float) -> str:
    return f"{seconds:g} 秒"


def _brief(text: str, limit: int = 20) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


__all__ = ["Cleaning", "Exclusion", "Thresholds", "clean"]
