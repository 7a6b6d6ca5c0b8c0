"""Which column of an export answers which question: by number, by text, or as the user says.

Platforms write the header as ``5、您对……是否满意？``, ``Q5``, ``第5题`` or the text alone. A
column is matched

1. as the user mapped it (``--map 列=题号`` or a mapping file; the window's review table): by
   header text, column letter (``F``) or position (``#6``), to a question number or to
   忽略 / 编号 / 用时;
2. as the respondent id or completion time when the header is one of the questionnaire's
   ``[columns]`` names, or ignored when it names a platform column (提交答卷时间, 来源, IP …);
3. by its question number when the header is only a number (``Q5``), or when the text after the
   number agrees with that question (or names no other question);
4. by its text: equal to a question's text, or (six characters or more) contained in exactly one.

A number and a text that point at different questions follow the text (a platform that numbers
the intro page shifts every number) and the review lists the column. Columns matched nowhere
are listed as unmatched (not imported); questions without a column are listed too. Two columns
on one question refuse the file until the user maps them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jinan_eval_gui.catalogue.questionnaire import Questionnaire, leading_number, plain_text
from jinan_eval_gui.errors import SurveyFileError

from .. import xlsxsafe

_SPECIAL = {"忽略": "ignored", "ignore": "ignored", "不导入": "ignored", "编号": "id",
            "答卷编号": "id", "id": "id", "用时": "seconds", "作答用时": "seconds",
            "seconds": "seconds"}
_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")
_POSITION = re.compile(r"^#\s*(\d{1,4})$")
_MIN_CONTAINED = 6


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the export and what it was matched to."""

    index: int
    header: str
    role: str
    """``question``, ``id``, ``seconds``, ``ignored`` or ``unmatched``."""
    question: int | None = None
    how: str = ""
    """How it was matched: 题号, 题目文字, 题目文字（包含）, 指定, 列名."""
    note: str = ""

    @property
    def letter(self) -> str:
        return xlsxsafe.column_letters(self.index + 1)

    def to_json(self) -> dict[str, object]:
        return {"column": self.letter, "header": self.header, "role": self.role,
                "question": self.question, "how": self.how, "note": self.note}


@dataclass(frozen=True)
class ColumnMap:
    """Every column's match, and the questions no column answers."""

    columns: tuple[ColumnMatch, ...]
    missing: tuple[int, ...]

    @property
    def questions(self) -> dict[int, int]:
        """Question number → column position."""
        return {c.question: c.index for c in self.columns
                if c.role == "question" and c.question is not None}

    def column_of(self, role: str) -> int | None:
        return next((c.index for c in self.columns if c.role == role), None)

    @property
    def unmatched(self) -> tuple[ColumnMatch, ...]:
        return tuple(c for c in self.columns if c.role == "unmatched")

    @property
    def doubtful(self) -> tuple[ColumnMatch, ...]:
        """Matches the user should look at (a number and a text that disagree)."""
        return tuple(c for c in self.columns if c.note)


def parse_mapping(entries: Sequence[str]) -> dict[str, str]:
    """``列=题号`` entries (from ``--map`` or the lines of a mapping file) as a dict.

    The column is a header text, a letter (``F``) or a position (``#6``); the target is a
    question number or 忽略 / 编号 / 用时. ``,`` and ``，`` may stand for ``=`` (a two-column CSV).
    """
    out: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        line = entry.strip().lstrip("\ufeff")
        if not line or (line.startswith("#")
                        and not _POSITION.match(re.split(r"[=＝,，\t]", line)[0])):
            continue  # a comment
        for sep in ("=", "＝", ",", "，", "\t"):
            if sep in line:
                column, _, target = line.rpartition(sep)
                break
        else:
            raise SurveyFileError(f"列对应的第 {n} 项“{line[:40]}”格式有误",
                                  hint="请写成“列=题号”，如 F=5、“您的性别是？=3”、G=忽略")
        column, target = column.strip(), target.strip()
        if column.lower() in ("列", "column") and target in ("题号", "question"):
            continue  # a header line of a mapping file
        if not column or not target:
            raise SurveyFileError(f"列对应的第 {n} 项“{line[:40]}”缺少列或题号")
        out[column] = target
    return out


def match_columns(header: Sequence[str], questionnaire: Questionnaire,
                  chosen: Mapping[str, str] | None = None) -> ColumnMap:
    """Match every column of ``header`` (see the module doc); ``chosen`` is the user's say."""
    by_text = {plain_text(q.text): q.id for q in questionnaire.questions}
    ids = {q.id for q in questionnaire.questions}
    assigned = _chosen(header, questionnaire, chosen or {})
    specials = {plain_text(h): role for role, names in (
        ("id", questionnaire.id_headers), ("seconds", questionnaire.seconds_headers),
        ("ignored", questionnaire.ignore_headers)) for h in names}
    columns: list[ColumnMatch] = []
    taken_roles: set[str] = set()
    for i, head in enumerate(header):
        if i in assigned:
            match = assigned[i]
        else:
            match = _auto(i, head, by_text, ids, specials)
            if match.role in ("id", "seconds") and match.role in taken_roles:
                match = ColumnMatch(i, head, "ignored", how="列名", note="同类列已有一列，本列不用")
        if match.role in ("id", "seconds"):
            taken_roles.add(match.role)
        columns.append(match)
    _refuse_duplicates(columns, questionnaire)
    used = {c.question for c in columns if c.role == "question"}
    missing = tuple(q.id for q in questionnaire.questions if q.id not in used)
    return ColumnMap(tuple(columns), missing)


def _auto(i: int, head: str, by_text: Mapping[str, int], ids: set[int],
          specials: Mapping[str, str]) -> ColumnMatch:
    """A column matched on its own header (steps 2–4 of the module doc)."""
    text = plain_text(head)
    if text in specials:
        return ColumnMatch(i, head, specials[text], how="列名")
    number = leading_number(head)
    rest = plain_text(re.sub(r"^\s*(?:第\s*)?[Qq]?\s*\d{1,4}\s*(?:题)?\s*[、.．:：)）\-_]?", "",
                             head)) if number is not None else text
    by_words = _by_text(rest, by_text) if rest else None
    if number is not None and number in ids and (not rest or by_words in (None, number)):
        return ColumnMatch(i, head, "question", number, "题号")
    if by_words is not None:
        note = "" if number is None else f"表头题号 {number} 与题目文字（第 {by_words} 题）不一致，按题目文字对应"
        how = "题目文字" if rest in by_text else "题目文字（包含）"
        return ColumnMatch(i, head, "question", by_words, how, note)
    return ColumnMatch(i, head, "unmatched")


def _by_text(text: str, by_text: Mapping[str, int]) -> int | None:
    if text in by_text:
        return by_text[text]
    if len(text) < _MIN_CONTAINED:
        return None
    found = {qid for q_text, qid in by_text.items()
             if len(q_text) >= _MIN_CONTAINED and (text in q_text or q_text in text)}
    return found.pop() if len(found) == 1 else None


def _chosen(header: Sequence[str], questionnaire: Questionnaire,
            chosen: Mapping[str, str]) -> dict[int, ColumnMatch]:
    """The user's mapping resolved to column positions (SurveyFileError for a wrong entry)."""
    ids = {q.id for q in questionnaire.questions}
    plain_header = [plain_text(h) for h in header]
    out: dict[int, ColumnMatch] = {}
    for column, target in chosen.items():
        index = _column_index(column, header, plain_header)
        if index is None:
            raise SurveyFileError(f"列对应中的列“{column[:40]}”在答卷文件中找不到",
                                  hint="请写表头文字、列字母（如 F）或列序号（如 #6）")
        role = _SPECIAL.get(target.strip().lower())
        if role is not None:
            out[index] = ColumnMatch(index, header[index], role, how="指定")
            continue
        number = leading_number(target)
        if number is None or number not in ids:
            raise SurveyFileError(f"列对应中“{column[:40]}”所对应的题号“{target[:20]}”不在问卷中",
                                  hint="请写问卷的题号，或“忽略”“编号”“用时”")
        out[index] = ColumnMatch(index, header[index], "question", number, "指定")
    return out


def _column_index(column: str, header: Sequence[str], plain_header: list[str]) -> int | None:
    if column in header:
        return header.index(column)
    if plain_text(column) in plain_header and plain_text(column):
        return plain_header.index(plain_text(column))
    position = _POSITION.match(column.strip())
    if position and 1 <= int(position.group(1)) <= len(header):
        return int(position.group(1)) - 1
    if _LETTERS.match(column.strip()):
        n = xlsxsafe.column_number(column.strip())
        return n - 1 if 1 <= n <= len(header) else None
    return None


def _refuse_duplicates(columns: list[ColumnMatch], questionnaire: Questionnaire) -> None:
    seen: dict[int, ColumnMatch] = {}
    for c in columns:
        if c.role != "question" or c.question is None:
            continue
        if c.question in seen:
            first = seen[c.question]
            raise SurveyFileError(
                f"答卷文件的 {first.letter} 列“{first.header[:30]}”和 {c.letter} 列“{c.header[:30]}”"
                f"都对应问卷第 {c.question} 题“{questionnaire.question(c.question).text[:30]}”",
                hint=f"请用列对应指明各列的题号（如 {c.letter}=忽略），再导入")
        seen[c.question] = c
