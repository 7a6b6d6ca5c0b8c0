"""The survey questionnaire as immutable objects: dimensions, questions, options and points.

Indicator 88 (市民体验调查) says only that its score "通过调查问卷完成，评价得分方法由调查问卷
确定", so the questionnaire is what fixes the method: which options are worth how many points
on 0–100, which answers mean 不了解/不适用 (left out, never counted as zero), how questions and
dimensions are weighted, and which questions record a respondent's attributes (district, age
group, sex) for weighting. :mod:`.loader` is the only place that builds these from a TOML file.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

QUESTION_KINDS = ("single", "likert", "multiple", "rating", "text")
KIND_LABELS = {"single": "单选题", "likert": "量表题", "multiple": "多选题", "rating": "评分题",
               "text": "填空题"}
CHOICE_KINDS = frozenset({"single", "likert", "multiple"})
#: What a column of a response export is to the questionnaire (the import's review step).
COLUMN_ROLES = {"question": "题目", "id": "答卷编号", "seconds": "作答用时", "ignored": "忽略",
                "unmatched": "未对应"}
#: The reasons a response is left out by cleaning, in the order they are checked and reported.
EXCLUSION_RULES = {
    "duplicate_id": "答卷编号重复",
    "duplicate_answers": "答案完全相同",
    "invalid": "回答无效",
    "too_fast": "作答用时过短",
    "incomplete": "作答不完整",
    "straightlining": "直线作答",
}

_PUNCTUATION = re.compile(r"[\s\"'“”‘’`~!@#$%^&*()（）\[\]【】{}<>《》,，.。、:：;；?？!！\-_—=+|/\\…·]+")
_NUMBERING = re.compile(r"^\s*(?:第\s*)?[Qq]?\s*(\d{1,4})\s*(?:题)?\s*(?:[、.．:：)）\-_]|\s|$)")


def plain_text(text: str) -> str:
    """Text reduced for matching: full-width forms folded (NFKC), case folded, spaces and
    punctuation removed. Why: platforms export the same question or option with other quotes,
    a trailing colon or full-width digits, and a respondent's "满意 " is still 满意."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def leading_number(header: str) -> int | None:
    """The question number a column header starts with (``5、…``, ``Q5``, ``第5题``, ``5.``)."""
    match = _NUMBERING.match(unicodedata.normalize("NFKC", str(header)))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Option:
    """One answer a respondent can give: its label and what it is worth.

    ``points`` is None for options that are not scored (an attribute's categories, and
    不了解/不适用 options, which carry ``unknown``: they are left out of the question's score,
    never counted as zero).
    """

    label: str
    points: Decimal | None = None
    unknown: bool = False


@dataclass(frozen=True)
class Dimension:
    """A group of questions scored together (政务服务, 交通出行, …) with its weight."""

    id: str
    name: str
    weight: Decimal
    areas: tuple[str, ...] = ()
    """The level-1 areas of the indicator system (L1 … L8) the dimension asks about."""


@dataclass(frozen=True)
class Question:
    """One question: its number (``id``), text, kind, dimension, weight and options."""

    id: int
    text: str
    kind: str
    dimension: str = ""
    weight: Decimal = Decimal(0)
    options: tuple[Option, ...] = ()
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(10)
    attribute: str = ""
    """The respondent attribute this question records (e.g. 区县), for weighting; not scored."""
    note: str = ""

    @property
    def scored(self) -> bool:
        """Whether the question counts towards its dimension's score."""
        return bool(self.dimension) and self.weight > 0 and self.kind != "text" \
            and not self.attribute

    @property
    def unknown_labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.options if o.unknown)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def option_index(self) -> dict[str, int]:
        """Every way an export may write an option (label, number 1…n, letter A…) → its index.

        Labels are matched on :func:`plain_text`; a number or letter stands for the option at
        that position, as platforms export when "answers as option numbers" is chosen.
        """
        index: dict[str, int] = {}
        for i, option in enumerate(self.options):
            index.setdefault(plain_text(option.label), i)
        for i in range(len(self.options)):
            index.setdefault(str(i + 1), i)
            if i < 26:
                index.setdefault(chr(ord("a") + i), i)
        return index


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire (see :func:`.loader.build_questionnaire`)."""

    title: str
    version: str
    intro: str
    indicator: int
    input: str
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    id_headers: tuple[str, ...]
    seconds_headers: tuple[str, ...]
    ignore_headers: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def question(self, question_id: int) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    @property
    def scored(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.scored)

    @property
    def attributes(self) -> tuple[Question, ...]:
        """The questions that record a respondent's attribute, in questionnaire order."""
        return tuple(q for q in self.questions if q.attribute)

    def attribute(self, name: str) -> Question:
        for q in self.attributes:
            if q.attribute == name:
                return q
        raise KeyError(name)

    def questions_of(self, dimension_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.scored if q.dimension == dimension_id)

    @cached_property
    def canonical_json(self) -> str:
        """The loaded questionnaire as canonical JSON (comments and layout do not change it)."""
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          default=str)

    @cached_property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical_json.encode("utf-8")).hexdigest()
