"""The rule language's vocabulary: limits, the function table, identifiers, evaluation errors.

Kept apart from parsing and evaluation so that the catalogue checks, the window (which lists
the functions) and the Excel writer share one definition of each function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal, TypeAlias

from jinan_eval_gui.errors import EvalError

Number: TypeAlias = Decimal | Fraction | int
Value: TypeAlias = Number | list[Decimal] | list[Fraction] | list[int] | list[Number]
"""What a rule reads from its environment: a number or a list (table column, per-unit input).
Decimal inputs convert to fractions exactly."""

ExactValue: TypeAlias = Fraction | list[Fraction]
"""What a rule returns: an exact number, or a list of them for a per-row step."""

MAX_RULE_LENGTH = 2000
"""Longest rule text accepted; catalogue rules are a line or two, anything longer is a mistake
(and keeps the parser and the Excel formula small)."""

MAX_DEPTH = 100
"""Deepest nesting accepted; protects the recursive evaluator and keeps formulas readable."""

MAX_EXCEL_FORMULA = 8000
"""Excel refuses formulas longer than 8192 characters; we keep a margin for the ``ROUND(…)``
wrapper that the export adds."""

MAX_DIGITS = 15
"""Excel keeps 15 significant digits; a longer literal would silently differ in the workbook."""

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RuleEvalError(EvalError):
    """A rule could not be computed from the data (division by zero, lists of unequal length, …).

    The engine turns it into the status 数据有误; the message names the rule and the position.
    """


class RuleMissingError(RuleEvalError):
    """A value the rule reads is absent (``None`` or not in the environment).

    Kept apart so the engine may report 缺报 instead of 数据有误; ``name`` is the identifier.
    """

    def __init__(self, message: str, *, name: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.name = name


# --------------------------------------------------------------------------- functions


_Kind: TypeAlias = Literal["scalar", "broadcast", "reduce"]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of the rule language, documented for the report appendix and the GUI."""

    name: str
    signature: str
    """How it is written, with Chinese parameter names (shown to users)."""
    min_args: int
    max_args: int | None
    """``None``: any number of arguments (at least ``min_args``)."""
    kind: _Kind
    """``scalar``: numbers only; ``broadcast``: element-wise on lists; ``reduce``: lists → one
    number."""
    description: str
    """One line in Chinese: what it computes."""


_DESCRIPTIONS: dict[str, str] = {
    "IF": "条件不为 0 时取第二个参数，否则取第三个参数；只计算被选中的一项。",
    "MIN": "取最小值；参数可以是数值或表格列。",
    "MAX": "取最大值；参数可以是数值或表格列。",
    "ROUND": "四舍五入到指定小数位（与 Excel 相同：恰好一半时远离 0 进位，2.675 → 2.68）。",
    "SUM": "求和；参数可以是数值、表格列或表格列的运算结果。",
    "AVERAGE": "算术平均；表格列的每一行计为一个数。",
    "COUNT": "个数；表格列计其行数，单个数值计 1。",
    "ABS": "绝对值；对表格列逐行计算。",
    "RATIO": "分子 ÷ 分母；分母为 0 时取第三个参数（省略时为 0）。",
    "CAPRATIO": "分子 ÷ 分母，结果限定在 0～1 之间；分母为 0 时取第三个参数（省略时为 0）。",
    "CLAMP01": "把值限定在 0～1 之间（小于 0 取 0，大于 1 取 1）；对表格列逐行计算。",
    "ATTAIN": "目标达成率 = 实际值 ÷ 目标值，限定在 0～1 之间。",
    "RANKSCORE": "按名次线性得分：第 1 名得 1，最后一名得末名得分率，结果限定在 0～1 之间。",
    "GROWTH": "增长率 = (本期值 − 上期值) ÷ 上期值；上期值为 0 时取 0。",
}


# name, how it is written (Chinese parameter names), min and max argument count, kind
_SIGNATURES: tuple[tuple[str, str, int, int | None, _Kind], ...] = (
    ("IF", "IF(条件, 成立时的值, 不成立时的值)", 3, 3, "scalar"),
    ("MIN", "MIN(值, …)", 1, None, "reduce"),
    ("MAX", "MAX(值, …)", 1, None, "reduce"),
    ("ROUND", "ROUND(值, 小数位数)", 2, 2, "scalar"),
    ("SUM", "SUM(值, …)", 1, None, "reduce"),
    ("AVERAGE", "AVERAGE(值, …)", 1, None, "reduce"),
    ("COUNT", "COUNT(值, …)", 1, None, "reduce"),
    ("ABS", "ABS(值)", 1, 1, "broadcast"),
    ("RATIO", "RATIO(分子, 分母[, 分母为0时的值])", 2, 3, "scalar"),
    ("CAPRATIO", "CAPRATIO(分子, 分母[, 分母为0时的值])", 2, 3, "scalar"),
    ("CLAMP01", "CLAMP01(值)", 1, 1, "broadcast"),
    ("ATTAIN", "ATTAIN(实际值, 目标值)", 2, 2, "scalar"),
    ("RANKSCORE", "RANKSCORE(名次, 参评总数, 末名得分率)", 3, 3, "scalar"),
    ("GROWTH", "GROWTH(本期值, 上期值)", 2, 2, "scalar"),
)

FUNCTIONS: dict[str, FunctionSpec] = {
    name: FunctionSpec(name, signature, low, high, kind, _DESCRIPTIONS[name])
    for name, signature, low, high, kind in _SIGNATURES
}
"""The functions of the rule language, in the order the report appendix lists them."""


# Functions whose Excel form contains IF: allowed only outside list arithmetic (SUMPRODUCT).
_IF_BEARING = frozenset({"IF", "RATIO", "CAPRATIO", "GROWTH"})


# --------------------------------------------------------------------------- identifiers


def is_identifier(name: str) -> bool:
    """Whether ``name`` can be referred to in a rule: ``key`` or ``table.column``.

    ASCII letters, digits and ``_`` only (never a leading digit, never ``__``), and not a
    function name, so that every identifier the engine stores can be written in a rule.
    """
    parts = name.split(".")
    if len(parts) > 2:
        return False
    return all(_plain_name_problem(part) is None for part in parts)


def split_identifier(name: str) -> tuple[str, str | None]:
    """Split ``table.column`` into ``("table", "column")``; a plain key gives ``(key, None)``."""
    table, dot, column = name.partition(".")
    return (table, column) if dot else (name, None)


def _plain_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an identifier part, or ``None`` when it can."""
    if "__" in name:
        return f"不允许使用含双下划线的名字 {name}"
    if not _NAME_RE.fullmatch(name):
        return f"名字 {name} 只能由英文字母、数字和下划线组成，且不能以数字开头"
    if name in FUNCTIONS:
        return f"{name} 是函数名，后面要跟括号和参数"
    return None
