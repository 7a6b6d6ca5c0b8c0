"""Models of the 市民调查 page: the survey's dimensions, questions, exclusions, columns, shares
and the questionnaire itself, all from plain data (the survey's JSON, the questionnaire)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor

from jinan_eval_gui.catalogue.questionnaire import COLUMN_ROLES, EXCLUSION_RULES, KIND_LABELS

from .table import BAD, RIGHT, WARN, Column, RecordTableModel


def score_text(value: Any) -> str:
    return "" if value is None else f"{float(value):.2f}"


class DimensionModel(RecordTableModel):
    """One row per dimension: its areas of the indicator system, questions and score."""

    columns = (
        Column("维度", lambda d: d["name"]),
        Column("对应一级指标", lambda d: d.get("areas_text", "")),
        Column("权重", lambda d: f"{d['weight']:g}", RIGHT),
        Column("题数", lambda d: len(d.get("questions", [])), RIGHT),
        Column("得分", lambda d: score_text(d["score"]), RIGHT,
               sort=lambda d: -1 if d["score"] is None else d["score"]),
    )


class QuestionModel(RecordTableModel):
    """One row per scored question; the lowest scores are marked."""

    columns = (
        Column("题号", lambda q: q["id"], RIGHT),
        Column("题目", lambda q: q["text"]),
        Column("维度", lambda q: q["dimension_name"]),
        Column("得分", lambda q: score_text(q["score"]), RIGHT,
               sort=lambda q: -1 if q["score"] is None else q["score"]),
        Column("有效回答", lambda q: q["n"], RIGHT),
        Column("不了解", lambda q: q["unknown"], RIGHT),
        Column("未答", lambda q: q.get("blank", 0), RIGHT),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lowest: set[int] = set()

    def set_rows(self, rows: Any) -> None:
        rated = sorted((q for q in rows if q["score"] is not None), key=lambda q: q["score"])
        self.lowest = {q["id"] for q in rated[:5]}
        super().set_rows(rows)

    def background(self, record: Any, column: int) -> QColor | None:
        return WARN if record["id"] in self.lowest and column == 3 else None


class ExclusionModel(RecordTableModel):
    """Every excluded answer row with its reason."""

    columns = (
        Column("行号", lambda e: e["row"], RIGHT),
        Column("剔除原因", lambda e: EXCLUSION_RULES.get(e.get("rule", ""), "")),
        Column("说明", lambda e: e["reason"]),
    )


class ColumnModel(RecordTableModel):
    """The review of the column mapping; columns matched nowhere are marked."""

    columns = (
        Column("列", lambda c: c["column"]),
        Column("表头", lambda c: c["header"]),
        Column("对应为", lambda c: COLUMN_ROLES.get(c["role"], "")),
        Column("题号", lambda c: c["question"] or "", RIGHT),
        Column("对应方式", lambda c: c["how"]),
        Column("说明", lambda c: c["note"] or ("双击选择对应的题目" if c["role"] == "unmatched" else "")),
    )

    def background(self, record: Any, column: int) -> QColor | None:
        if record["role"] == "unmatched":
            return BAD
        return WARN if record["note"] else None


@dataclass(frozen=True)
class ShareRow:
    attribute: str
    category: str
    share: str


class ShareModel(RecordTableModel):
    """Population shares entered for weighting."""

    columns = (
        Column("属性", lambda r: r.attribute),
        Column("类别", lambda r: r.category),
        Column("人口比例", lambda r: r.share, RIGHT),
    )


@dataclass(frozen=True)
class QuestionRow:
    id: int
    kind: str
    dimension: str
    text: str
    options: str


class QuestionnaireModel(RecordTableModel):
    """The questionnaire as the office reads it: each question, its kind, options and points."""

    columns = (
        Column("题号", lambda r: r.id, RIGHT),
        Column("题型", lambda r: r.kind),
        Column("维度", lambda r: r.dimension),
        Column("题目", lambda r: r.text),
        Column("选项及分值", lambda r: r.options),
    )


def questionnaire_rows(q: Any) -> list[QuestionRow]:
    """The questionnaire's questions as rows (attribute questions say what they record)."""
    names = {d.id: d.name for d in q.dimensions}
    rows = []
    for question in q.questions:
        if question.kind == "rating":
            low, high = int(question.low), int(question.high)
            options = f"{low}–{high} 分，得分 =（回答 − {low}）÷ {high - low} × 100"
            if question.unknown_labels:
                options += "；" + "、".join(question.unknown_labels) + "：不计分"
        elif question.kind == "text":
            options = "不计分"
        else:
            options = "、".join(
                o.label + ("（不计分）" if o.unknown else f" {o.points.normalize():f}"
                           if o.points is not None else "") for o in question.options)
        dimension = names.get(question.dimension, "") if question.scored else (
            f"受访者属性：{question.attribute}" if question.attribute else "不计分")
        rows.append(QuestionRow(question.id, KIND_LABELS[question.kind], dimension,
                                question.text, options))
    return rows
