"""Answers as the questionnaire reads them: each cell of the export to points, or why not.

Every answer cell becomes one of four states: blank, a scored answer (its points on 0–100),
不了解/不适用 (left out of the question's score, never counted as zero) or invalid (not an
option, a rating outside its range: the respondent's row is then excluded on cleaning, with
the answer quoted). Options are matched on their text with full-width forms, spaces and
punctuation ignored, or by their number or letter when the platform exported those.

Work is done per distinct value of a column (a column of 3 000 answers holds a handful of
distinct texts), then spread with pandas, so a large export costs little more than reading it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from jinan_eval_gui.catalogue.questionnaire import Question, Questionnaire, plain_text

from .mapping import ColumnMap
from .table import ResponseTable

if TYPE_CHECKING:
    import numpy as np

BLANK, SCORED, UNKNOWN, INVALID = 0, 1, 2, 3
_SEPARATORS = re.compile(r"[┋|;；,，、\n]+")
_RATING_SUFFIX = re.compile(r"\s*分\s*$")
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?"
                       r"\s*(?:(\d+(?:\.\d+)?)\s*(?:秒钟|秒|s|sec))?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


@dataclass
class Answers:
    """The respondents' answers to the scored questions present in the export, as arrays."""

    rows: list[int]
    """Excel row number of each respondent."""
    questions: tuple[Question, ...]
    """The scored questions a column answers, in questionnaire order (the arrays' columns)."""
    points: np.ndarray = field(repr=False)
    """n × Q points (float); NaN where the answer gives none."""
    state: np.ndarray = field(repr=False)
    """n × Q: BLANK, SCORED, UNKNOWN or INVALID."""
    choice: np.ndarray = field(repr=False)
    """n × Q option index of a scale answer (for straight-lining); −1 otherwise."""
    midpoints: np.ndarray = field(repr=False)
    """Per question: the middle of its points' range (for the 不了解 按中间档 reading)."""
    invalid: dict[int, str] = field(default_factory=dict)
    """Respondent index → the first invalid answer in words (any question, scored or not)."""
    attributes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """Attribute name → category index per respondent (−1 when not answered)."""
    ids: list[str] | None = None
    seconds: np.ndarray | None = field(default=None, repr=False)
    """Completion time in seconds (NaN where it cannot be read), when the export has it."""
    signature: Any = field(default=None, repr=False)
    """The answers to every question column, to find identical answer rows (pandas frame)."""

    @property
    def n(self) -> int:
        return len(self.rows)


def read_answers(table: ResponseTable, questionnaire: Questionnaire,
                 columns: ColumnMap) -> Answers:
    """Convert every mapped column (see the module doc)."""
    import numpy as np

    frame = table.frame
    n = table.n
    by_question = columns.questions
    scored = tuple(q for q in questionnaire.scored if q.id in by_question)
    points = np.full((n, len(scored)), np.nan)
    state = np.zeros((n, len(scored)), dtype=np.int8)
    choice = np.full((n, len(scored)), -1, dtype=np.int16)
    invalid: dict[int, str] = {}
    attributes: dict[str, np.ndarray] = {}
    position = {q.id: j for j, q in enumerate(scored)}
    for q in questionnaire.questions:
        if q.id not in by_question or q.kind == "text":
            continue
        codes = _column_codes(frame[by_question[q.id]], q)
        bad = codes["state"] == INVALID
        for i in np.flatnonzero(bad):
            invalid.setdefault(int(i), codes["why"][i])
        if q.attribute:
            answered = (codes["state"] != INVALID) & (codes["state"] != BLANK)
            attributes[q.attribute] = np.where(answered, codes["choice"], -1)
        if q.id in position:
            j = position[q.id]
            points[:, j] = codes["points"]
            state[:, j] = codes["state"]
            if q.kind == "likert":
                choice[:, j] = codes["choice"]
    id_col, sec_col = columns.column_of("id"), columns.column_of("seconds")
    signature_cols = sorted(by_question.values())
    return Answers(
        rows=list(table.rows), questions=scored, points=points, state=state, choice=choice,
        midpoints=np.array([_midpoint(q) for q in scored], dtype=float), invalid=invalid,
        attributes=attributes,
        ids=None if id_col is None else [str(v).strip() for v in frame[id_col].tolist()],
        seconds=None if sec_col is None else _seconds(frame[sec_col]),
        signature=frame[signature_cols] if signature_cols else None,
    )


def _column_codes(series: Any, q: Question) -> dict[str, Any]:
    """State, points, option index and (for invalid answers) the reason, per respondent."""
    import numpy as np
    import pandas as pd

    distinct = pd.unique(series)
    decoded = {value: _decode(str(value), q) for value in distinct}
    codes = pd.Series(pd.Categorical(series, categories=list(distinct))).cat.codes.to_numpy()
    table = [decoded[v] for v in distinct]
    state = np.array([t[0] for t in table], dtype=np.int8)[codes]
    points = np.array([np.nan if t[1] is None else t[1] for t in table], dtype=float)[codes]
    choice = np.array([t[2] for t in table], dtype=np.int16)[codes]
    why = [table[c][3] for c in codes]
    return {"state": state, "points": points, "choice": choice, "why": why}


def _decode(raw: str, q: Question) -> tuple[int, float | None, int, str]:
    """One distinct answer text: (state, points, option index, reason if invalid)."""
    text = raw.strip()
    if not text:
        return BLANK, None, -1, ""
    if q.kind == "rating":
        return _rating(text, q)
    index = q.option_index()
    if q.kind == "multiple":
        return _multiple(text, q, index)
    i = index.get(plain_text(text))
    if i is None:
        return INVALID, None, -1, f"第 {q.id} 题的回答“{_brief(text)}”不在选项中"
    option = q.options[i]
    if option.unknown or option.points is None:
        return UNKNOWN, None, i, ""
    return SCORED, float(option.points), i, ""


def _multiple(text: str, q: Question, index: dict[str, int]) -> tuple[int, float | None, int, str]:
    """Several options in one cell (``A┋B``, ``网上办事,实时公交``): points add up to at most 100."""
    chosen = []
    for token in _SEPARATORS.split(text):
        if not token.strip():
            continue
        i = index.get(plain_text(token))
        if i is None:
            return INVALID, None, -1, f"第 {q.id} 题的回答“{_brief(token)}”不在选项中"
        chosen.append(q.options[i])
    scored = [o.points for o in chosen if o.points is not None and not o.unknown]
    if not scored:
        return UNKNOWN if chosen else BLANK, None, -1, ""
    return SCORED, float(min(Decimal(100), sum(scored, Decimal(0)))), -1, ""


def _rating(text: str, q: Question) -> tuple[int, float | None, int, str]:
    """A number within the question's range, maybe written 8分 or ８; or a 不了解 answer."""
    if plain_text(text) in {plain_text(u) for u in q.unknown_labels}:
        return UNKNOWN, None, -1, ""
    value = _RATING_SUFFIX.sub("", unicodedata.normalize("NFKC", text))
    try:
        number = Decimal(value) if len(value) <= 20 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return INVALID, None, -1, f"第 {q.id} 题的回答“{_brief(text)}”不是 {_n(q.low)}–{_n(q.high)} 的分数"
    if not q.low <= number <= q.high:
        return INVALID, None, -1, f"第 {q.id} 题的回答 {_brief(text)} 超出 {_n(q.low)}–{_n(q.high)} 分"
    return SCORED, float((number - q.low) / (q.high - q.low) * 100), -1, ""


def _midpoint(q: Question) -> float:
    if q.kind == "rating":
        return 50.0
    points = [float(o.points) for o in q.options if o.points is not None and not o.unknown]
    return (max(points) + min(points)) / 2 if points else 50.0


def _seconds(series: Any) -> np.ndarray:
    """Completion times as platforms write them: 185, 185秒, 3分5秒, 00:03:05, 1小时2分."""
    import numpy as np
    import pandas as pd

    distinct = pd.unique(series)
    parsed = {v: duration_seconds(str(v)) for v in distinct}
    return np.array([parsed[v] for v in series.tolist()], dtype=float)


def duration_seconds(text: str) -> float:
    """Seconds in a duration text, NaN when it cannot be read."""
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not value or len(value) > 30:
        return float("nan")
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    try:
        return float(Decimal(value)) if Decimal(value).is_finite() else float("nan")
    except InvalidOperation:
        pass
    m = _DURATION.match(value)
    if m and any(m.groups()):
        hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
        return hours * 3600 + minutes * 60 + seconds
    return float("nan")


def _brief(text: str, limit: int = 20) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)
