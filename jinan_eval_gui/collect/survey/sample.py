"""Synthetic survey responses, exported as a questionnaire platform does, dirty rows included.

For the demo, the tests and the benchmark: one CSV (UTF-8 with BOM, what Excel's "CSV UTF-8"
writes) with the columns a platform export has — 序号, 提交答卷时间, 所用时间 (``185秒``), 来源,
来自IP, then ``N、题目`` per question — and one row per respondent. Answers follow a latent
satisfaction per respondent and per dimension; a share of 不了解/未使用 answers and blanks is
normal. Dirty rows, as real exports have them: repeated submissions (same 序号, or a copy of an
earlier row), answers in a few seconds, rows left mostly blank, the same option all the way
down, and answers that are not options (a rating of 11, 很满意). The same seed gives the same
file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from jinan_eval_gui.catalogue.questionnaire import Question, Questionnaire
from jinan_eval_gui.system.atomic import atomic_path

PLATFORM_COLUMNS = ("序号", "提交答卷时间", "所用时间", "来源", "来自IP")


@dataclass(frozen=True)
class DirtyShares:
    """Shares of respondents made dirty in each way (of the requested number of rows)."""

    duplicate_id: float = 0.01
    duplicate_answers: float = 0.01
    too_fast: float = 0.02
    incomplete: float = 0.02
    straightlining: float = 0.015
    invalid: float = 0.005


def sample_rows(questionnaire: Questionnaire, n: int = 3000, *, seed: int = 2026,
                dirty: DirtyShares | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and ``n`` rows of a synthetic export (see the module doc)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dirty = dirty or DirtyShares()
    header = [*PLATFORM_COLUMNS, *(f"{q.id}、{q.text}" for q in questionnaire.questions)]
    dims = {d.id: k for k, d in enumerate(questionnaire.dimensions)}
    base = rng.normal(0.62, 0.16, n)
    dim_effect = rng.normal(0, 0.08, len(dims))
    start = datetime(2025, 11, 3, 8, 0, 0)
    rows: list[list[str]] = []
    for i in range(n):
        answers = [_answer(q, base[i] + (dim_effect[dims[q.dimension]] if q.dimension else 0),
                           rng) for q in questionnaire.questions]
        seconds = int(max(70, rng.gamma(6.0, 45.0)))
        when = start + timedelta(minutes=int(i * 7 + rng.integers(0, 7)))
        rows.append([str(i + 1), when.strftime("%Y/%m/%d %H:%M:%S"), f"{seconds}秒",
                     "微信" if rng.random() < 0.7 else "链接",
                     f"{rng.integers(27, 223)}.{rng.integers(0, 255)}.{rng.integers(0, 255)}."
                     f"{rng.integers(1, 255)}", *answers])
    _make_dirty(rows, questionnaire, rng, dirty)
    return header, rows


def write_sample(questionnaire: Questionnaire, path: str | Path, n: int = 3000, *,
                 seed: int = 2026) -> Path:
    """Write :func:`sample_rows` as a UTF-8 CSV with BOM (atomically)."""
    header, rows = sample_rows(questionnaire, n, seed=seed)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = Path(path)
    with atomic_path(path, opened_by="Excel 或 WPS") as tmp:
        tmp.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _answer(q: Question, latent: float, rng: object) -> str:
    """One plausible answer to ``q`` from a latent satisfaction in [0, 1]."""
    r = rng.random()  # type: ignore[attr-defined]
    if q.attribute:
        weights = [1.0 + 0.6 * ((k * 7) % 5) for k in range(len(q.options))]
        total = sum(weights)
        return q.options[int(rng.choice(len(q.options), p=[w / total for w in weights]))].label  # type: ignore[attr-defined]
    if q.kind == "text":
        return "希望进一步简化办事流程" if r < 0.05 else ""
    if q.kind == "multiple":
        picked = [o.label for o in q.options[:-1] if rng.random() < 0.35]  # type: ignore[attr-defined]
        return "┋".join(picked) if picked else q.options[-1].label
    if r < 0.015:
        return ""
    if r < 0.09 and q.unknown_labels:
        return q.unknown_labels[0]
    level = min(1.0, max(0.0, latent + rng.normal(0, 0.18)))  # type: ignore[attr-defined]
    if q.kind == "rating":
        return str(int(round(float(q.low) + level * float(q.high - q.low))))
    scored = [o for o in q.options if o.points is not None and not o.unknown]
    return min(scored, key=lambda o: abs(float(o.points) / 100 - level)).label


def _make_dirty(rows: list[list[str]], questionnaire: Questionnaire, rng: object,
                dirty: DirtyShares) -> None:
    """Turn some rows into the dirty kinds of the module doc (each row at most one kind)."""
    n = len(rows)
    if n < 20:
        return
    first = len(PLATFORM_COLUMNS)
    order = list(rng.permutation(range(10, n)))  # type: ignore[attr-defined]
    picks: dict[str, list[int]] = {}
    for kind in ("duplicate_id", "duplicate_answers", "too_fast", "incomplete",
                 "straightlining", "invalid"):
        count = int(round(getattr(dirty, kind) * n))
        picks[kind], order = [int(i) for i in order[:count]], order[count:]
    scored = [k for k, q in enumerate(questionnaire.questions) if q.scored]
    scale = [k for k, q in enumerate(questionnaire.questions) if q.kind == "likert"]
    for i in picks["duplicate_id"]:
        rows[i][0] = rows[i - 1 - int(rng.integers(0, 9))][0]  # type: ignore[attr-defined]
    for i in picks["duplicate_answers"]:
        source = rows[i - 1 - int(rng.integers(0, 9))]  # type: ignore[attr-defined]
        rows[i][first:] = list(source[first:])
    for i in picks["too_fast"]:
        rows[i][2] = f"{int(rng.integers(8, 45))}秒"  # type: ignore[attr-defined]
    for i in picks["incomplete"]:
        for k in scored[len(scored) // 4:]:
            rows[i][first + k] = ""
    for i in picks["straightlining"]:
        q = questionnaire.questions[scale[0]]
        label = q.options[int(rng.integers(0, 3))].label  # type: ignore[attr-defined]
        for k in scale:
            rows[i][first + k] = label
    ratings = [k for k, q in enumerate(questionnaire.questions) if q.kind == "rating"]
    for j, i in enumerate(picks["invalid"]):
        if ratings and j % 2 == 0:
            rows[i][first + ratings[0]] = "11"
        elif scale:
            rows[i][first + scale[j % len(scale)]] = "很满意"
