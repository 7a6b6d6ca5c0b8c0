"""The small safe rule language of the scoring entries.

Rules are written in Python expression syntax because the people who maintain the catalogue
already read it, and because the standard library's :mod:`ast` gives us a correct parser for
free. The parsed tree is checked against a short whitelist and copied into our own immutable
node classes; nothing is ever handed to ``eval``/``exec``/``compile``, so a catalogue file can
never run code.

The same tree is used twice:

* :meth:`Rule.evaluate` computes the value in :class:`~decimal.Decimal` (28 digits), which is
  what the engine scores with;
* :meth:`Rule.to_excel` writes the same computation as an Excel formula so that the scoring
  workbook recomputes it in Excel, WPS and LibreOffice without array entry (list arithmetic
  becomes ``SUMPRODUCT``; ``IF`` never appears inside ``SUMPRODUCT`` because legacy Excel only
  evaluates it element-wise when the formula is array-entered).

Semantics follow Excel wherever the two could differ, so that the engine and the workbook agree:
``IF`` (and the functions built on it: ``RATIO``, ``CAPRATIO``, ``GROWTH``) evaluates only the
chosen branch, while ``and``/``or`` and comparison chains evaluate every operand like Excel's
``AND``/``OR`` (so ``d > 0 and n / d > 1`` still fails on ``d = 0``; use ``RATIO`` or ``IF``).
"""

from __future__ import annotations

import ast
import decimal
import re
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal, TypeAlias

from .errors import EvalError, RuleError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXCEL_FORMULA",
    "MAX_RULE_LENGTH",
    "FunctionSpec",
    "Rule",
    "RuleEvalError",
    "RuleMissingError",
    "Value",
    "compile_excel",
    "is_identifier",
    "parse",
    "split_identifier",
]

Value: TypeAlias = Decimal | list[Decimal]
"""What a rule reads from its environment and returns: a number or a list (table column,
per-unit input)."""

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

_CONTEXT = decimal.Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_ZERO = Decimal(0)
_ONE = Decimal(1)

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


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class _Pos:
    line: int
    col: int  # 1-based, in characters


@dataclass(frozen=True, slots=True)
class _Num:
    value: Decimal
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Name:
    name: str
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Unary:
    op: Literal["-", "not"]
    operand: _Node
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Bin:
    op: Literal["+", "-", "*", "/"]
    left: _Node
    right: _Node
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Compare:
    ops: tuple[str, ...]
    operands: tuple[_Node, ...]
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Bool:
    op: Literal["and", "or"]
    values: tuple[_Node, ...]
    pos: _Pos


@dataclass(frozen=True, slots=True)
class _Call:
    func: str
    args: tuple[_Node, ...]
    pos: _Pos


_Node: TypeAlias = _Num | _Name | _Unary | _Bin | _Compare | _Bool | _Call

_BIN_OPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMP_OPS: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_EXCEL_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
_OP_NAMES: dict[type, str] = {
    ast.Pow: "**（乘方）",
    ast.FloorDiv: "//（整除）",
    ast.Mod: "%（取余）",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.UAdd: "一元 +",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_FORBIDDEN: dict[type, str] = {
    ast.Subscript: "下标或切片（如 a[0]）",
    ast.Lambda: "匿名函数 lambda",
    ast.ListComp: "推导式",
    ast.SetComp: "推导式",
    ast.DictComp: "推导式",
    ast.GeneratorExp: "推导式",
    ast.IfExp: "条件表达式 x if c else y（请用 IF(c, x, y)）",
    ast.List: "列表",
    ast.Tuple: "元组（多余的逗号？）",
    ast.Set: "集合",
    ast.Dict: "字典",
    ast.NamedExpr: "赋值表达式 :=",
    ast.JoinedStr: '格式化字符串 f"…"',
    ast.Starred: "星号展开 *",
    ast.Await: "异步写法 await",
    ast.Yield: "生成器写法 yield",
    ast.YieldFrom: "生成器写法 yield",
}


# --------------------------------------------------------------------------- parsing


def parse(expr: str, *, where: str = "") -> Rule:
    """Parse ``expr`` into a :class:`Rule`, or raise :class:`RuleError` naming ``where``.

    ``where`` says which rule this is (e.g. "指标 47 的评分规则") so that a catalogue error
    message leads the maintainer straight to the line to fix.
    """
    text = expr.strip()
    label = where or "规则"
    if not text:
        raise RuleError(f"{label}为空", hint="请填写表达式")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(f"{label}过长（{len(text)} 个字符，最多 {MAX_RULE_LENGTH} 个）")
    try:
        with warnings.catch_warnings():
            # "1abc" parses with a SyntaxWarning; the whitelist refuses such text anyway.
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        pos = _Pos(exc.lineno or 1, exc.offset or 1)
        raise RuleError(_message(label, text, pos, f"语法错误（{exc.msg}）")) from None
    except (ValueError, RecursionError, MemoryError):
        raise RuleError(f"{label}无法解析（含有空字符或嵌套过深）") from None
    _check_depth(tree.body, label, text)
    node = _Converter(text, label).convert(tree.body)
    names = frozenset(_collect_names(node))
    return Rule(text=text, names=names, where=where, _tree=node)


def compile_excel(expr: str, ref: Callable[[str], str], *, where: str = "") -> str:
    """Parse ``expr`` and return its Excel formula (without ``=``); see :meth:`Rule.to_excel`."""
    return parse(expr, where=where).to_excel(ref)


def _message(label: str, text: str, pos: _Pos, reason: str) -> str:
    """A Chinese error message that names the rule, quotes it and points at the column."""
    place = f"第 {pos.line} 行第 {pos.col} 列" if pos.line > 1 else f"第 {pos.col} 列"
    return f"{label}「{text}」{place}：{reason}"


def _check_depth(root: ast.AST, label: str, text: str) -> None:
    """Refuse deep trees iteratively, before any recursive walk could overflow the stack."""
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            pos = _Pos(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)
            raise RuleError(_message(label, text, pos, f"嵌套过深（最多 {MAX_DEPTH} 层）"))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


class _Converter:
    """Copies a whitelisted :mod:`ast` tree into our node classes; refuses everything else."""

    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label
        self.lines = text.splitlines() or [""]

    def pos(self, node: ast.AST) -> _Pos:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        # ast columns are UTF-8 byte offsets; people count characters.
        col = len(source.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1
        return _Pos(line, col)

    def fail(self, node: ast.AST, reason: str) -> RuleError:
        return RuleError(_message(self.label, self.text, self.pos(node), reason))

    def convert(self, node: ast.AST) -> _Node:
        match node:
            case ast.Constant(value=value):
                return self.number(node, value)
            case ast.Name(id=name):
                return _Name(self.name(node, name), self.pos(node))
            case ast.Attribute(value=ast.Name(id=table), attr=column):
                full = f"{self.name(node, table)}.{self.name(node, column)}"
                return _Name(full, self.pos(node))
            case ast.Attribute():
                raise self.fail(node, "只允许“表名.列名”一级引用（如 hospitals.visits）")
            case ast.BinOp(left=left, op=op, right=right):
                if type(op) not in _BIN_OPS:
                    raise self.fail(node, f"不支持运算符 {_OP_NAMES.get(type(op), '?')}")
                return _Bin(
                    _BIN_OPS[type(op)], self.convert(left), self.convert(right), self.pos(node)
                )
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return _Unary("-", self.convert(operand), self.pos(node))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return _Unary("not", self.convert(operand), self.pos(node))
            case ast.UnaryOp(op=op):
                raise self.fail(node, f"不支持运算符 {_OP_NAMES.get(type(op), '?')}")
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                for op in ops:
                    if type(op) not in _CMP_OPS:
                        raise self.fail(node, f"不支持比较 {_OP_NAMES.get(type(op), '?')}")
                operands = tuple(self.convert(n) for n in (left, *comparators))
                return _Compare(tuple(_CMP_OPS[type(op)] for op in ops), operands, self.pos(node))
            case ast.BoolOp(op=op, values=values):
                kind = "and" if isinstance(op, ast.And) else "or"
                converted = tuple(self.convert(v) for v in values)
                return _Bool(kind, converted, self.pos(node))
            case ast.Call():
                return self.call(node)
        reason = _FORBIDDEN.get(type(node), f"写法 {type(node).__name__}")
        raise self.fail(node, f"不支持{reason}")

    def number(self, node: ast.AST, value: object) -> _Num:
        if isinstance(value, str | bytes):
            raise self.fail(node, "不支持文字（字符串）；规则里只能有数字、名字和函数")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, f"不支持常量 {value!r}")
        segment = ast.get_source_segment(self.text, node) or ""
        try:
            number = Decimal(segment.replace("_", ""))
        except decimal.InvalidOperation:
            number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not number.is_finite() or (number and not -300 < number.adjusted() < MAX_DIGITS):
            raise self.fail(node, f"数字 {segment} 超出范围")
        significant = "".join(map(str, number.as_tuple().digits)).strip("0")
        if len(significant) > MAX_DIGITS:
            raise self.fail(
                node, f"数字 {segment} 位数过多（Excel 只保留 {MAX_DIGITS} 位有效数字）"
            )
        if number.as_tuple().exponent > 0:  # type: ignore[operator]
            number = Decimal(int(number))  # 1e3 -> 1000, so results print plainly
        return _Num(number, self.pos(node))

    def name(self, node: ast.AST, name: str) -> str:
        problem = _plain_name_problem(name)
        if problem is not None:
            raise self.fail(node, problem)
        return name

    def call(self, node: ast.Call) -> _Call:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "只能调用函数表中的大写函数（如 RATIO(a, b)）")
        name = node.func.id
        if "__" in name:
            raise self.fail(node, f"不允许使用含双下划线的名字 {name}")
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name.upper() in FUNCTIONS:
                raise self.fail(node, f"函数名要大写：{name.upper()}")
            known = "、".join(FUNCTIONS)
            raise self.fail(node, f"未知函数 {name}（可用：{known}）")
        if node.keywords:
            raise self.fail(node.keywords[0], f"{name} 的参数不能写成“名字=值”，请按位置填写")
        count = len(node.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise self.fail(node, f"{name} 需要 {_arity(spec)} 个参数，这里有 {count} 个")
        args = tuple(self.convert(arg) for arg in node.args)
        return _Call(name, args, self.pos(node))


def _arity(spec: FunctionSpec) -> str:
    if spec.max_args is None:
        return f"至少 {spec.min_args}"
    if spec.max_args == spec.min_args:
        return str(spec.min_args)
    return f"{spec.min_args} 到 {spec.max_args}"


def _children(node: _Node) -> tuple[_Node, ...]:
    match node:
        case _Unary():
            return (node.operand,)
        case _Bin():
            return (node.left, node.right)
        case _Compare():
            return node.operands
        case _Bool():
            return node.values
        case _Call():
            return node.args
    return ()


def _collect_names(node: _Node) -> list[str]:
    """Identifiers in source order (first occurrence first)."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _Name) and current.name not in found:
            found.append(current.name)
        stack.extend(reversed(_children(current)))
    return found


# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule: evaluate it on data, check where lists may go, or write it for Excel.

    Made only by :func:`parse`. Immutable, so a catalogue can share one instance everywhere.
    """

    text: str
    """The rule as written (surrounding whitespace removed); shown in traces and the report."""
    names: frozenset[str]
    """Every identifier the rule reads, ``table.column`` as one string."""
    where: str = field(default="", compare=False)
    """Which rule this is, for messages (e.g. "指标 47 的评分规则")."""
    _tree: _Node | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._tree is None:
            raise TypeError("Rule objects are made by rules.parse()")

    @property
    def _root(self) -> _Node:
        assert self._tree is not None
        return self._tree

    def _fail(self, pos: _Pos, reason: str, error: type[EvalError] = RuleEvalError) -> EvalError:
        return error(_message(self.where or "规则", self.text, pos, reason))

    @property
    def functions(self) -> frozenset[str]:
        """Names of the functions the rule calls (the catalogue asks for an assumption when a
        rule encodes a target or a rubric)."""
        found: set[str] = set()
        stack: list[_Node] = [self._root]
        while stack:
            node = stack.pop()
            if isinstance(node, _Call):
                found.add(node.func)
            stack.extend(_children(node))
        return frozenset(found)

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """Compute the rule on ``env`` (identifier → Decimal or list of Decimal).

        Raises :class:`RuleEvalError` when the data do not allow a value (division by zero,
        lists of unequal length, a non-finite result), :class:`RuleMissingError` when a value
        is absent, and :class:`RuleError` when a list reaches a position that takes only a
        number (a rule error that :meth:`check` finds before any data arrive).
        """
        with decimal.localcontext(_CONTEXT):
            try:
                result = _Evaluator(self, env).run(self._root)
            except (decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero):
                raise self._fail(_Pos(1, 1), "计算结果超出范围") from None
        if isinstance(result, tuple):
            return list(result)
        return result

    def check(self, list_names: Collection[str], *, allow_list_result: bool = False) -> None:
        """Check, before any data arrive, that lists only go where they can.

        ``list_names`` are the identifiers that hold lists (table columns, per-unit inputs).
        Refuses a list in a number-only position (``RATIO``, ``IF``, …), a result that is still
        a list, ``MIN``/``MAX`` over list arithmetic and IF-based functions inside list
        arithmetic (neither has a non-array Excel form that Excel, WPS and LibreOffice all
        compute), so that every accepted rule also evaluates and exports. A step may give a
        list (one value per row) when ``allow_list_result`` is set.
        """
        _Analysis(self, frozenset(list_names), allow_list_result=allow_list_result)

    def is_list_valued(self, list_names: Collection[str]) -> bool:
        """Whether the rule gives a list (e.g. a per-row step) when ``list_names`` are lists."""
        return _Analysis(self, frozenset(list_names), allow_list_result=True).is_list(self._root)

    def to_excel(
        self, ref: Callable[[str], str], *, list_names: Collection[str] | None = None
    ) -> str:
        """The rule as Excel formula text, without the leading ``=``.

        ``ref(name)`` gives the cell address of a number or the range of a list. Which names
        are lists is taken from ``list_names`` or, when omitted, from ``ref`` returning a range
        (containing ``:``). Raises :class:`RuleError` for the same rules as :meth:`check` and
        for formulas longer than Excel accepts.
        """
        refs = {name: ref(name) for name in sorted(self.names)}
        if list_names is None:
            list_names = {name for name, address in refs.items() if ":" in address}
        analysis = _Analysis(self, frozenset(list_names))
        formula = _ExcelWriter(analysis, refs).arg(self._root)
        if len(formula) > MAX_EXCEL_FORMULA:
            raise RuleError(
                f"{self.where or '规则'}「{self.text}」写成 Excel 公式后过长"
                f"（{len(formula)} 个字符，最多 {MAX_EXCEL_FORMULA} 个）",
                hint="请把其中一部分定义为单独的步骤",
            )
        return formula


# --------------------------------------------------------------------------- evaluation

_Val: TypeAlias = Decimal | tuple[Decimal, ...]


class _Evaluator:
    """Walks the tree once for one environment; values are Decimal or tuples of Decimal."""

    def __init__(self, rule: Rule, env: Mapping[str, Value]) -> None:
        self.rule = rule
        self.env = env

    def fail(self, node: _Node, reason: str) -> EvalError:
        return self.rule._fail(node.pos, reason)

    def run(self, node: _Node) -> _Val:
        value = self.eval(node)
        for item in value if isinstance(value, tuple) else (value,):
            if not item.is_finite():
                raise self.fail(node, "计算结果不是有限的数")
        return _map(_unsigned_zero, value)

    def scalar(self, node: _Node, fn: str) -> Decimal:
        value = self.eval(node)
        if isinstance(value, tuple):
            raise self.rule._fail(
                node.pos,
                f"{fn} 的参数必须是单个数值，不能是表格列或分单位填报的一组数",
                RuleError,
            )
        return value

    def eval(self, node: _Node) -> _Val:
        match node:
            case _Num(value=value):
                return value
            case _Name(name=name):
                return self.lookup(node, name)
            case _Unary(op="-", operand=operand):
                return _map(lambda x: -x, self.eval(operand))
            case _Unary(operand=operand):
                return _map(lambda x: _truth(x == 0), self.eval(operand))
            case _Bin(op=op, left=left, right=right):
                return self.broadcast(
                    node, _arith(self, node, op), self.eval(left), self.eval(right)
                )
            case _Compare(ops=ops, operands=operands):
                values = [self.eval(o) for o in operands]  # every operand, like Excel
                result: _Val = _ONE
                for op, a, b in zip(ops, values, values[1:], strict=False):
                    test = self.broadcast(node, _comparison(op), a, b)
                    result = self.broadcast(node, lambda x, y: x * y, result, test)
                return result
            case _Bool(op=op, values=operands):
                values = [self.eval(o) for o in operands]  # every operand, like Excel's AND/OR
                truths = [_map(lambda x: _truth(x != 0), v) for v in values]
                result = truths[0]
                for truth in truths[1:]:
                    combine = (lambda x, y: x * y) if op == "and" else (lambda x, y: max(x, y))
                    result = self.broadcast(node, combine, result, truth)
                return result
            case _Call():
                return self.call(node)
        raise AssertionError(node)

    def lookup(self, node: _Name, name: str) -> _Val:
        if name not in self.env or self.env[name] is None:
            raise RuleMissingError(
                _message(
                    self.rule.where or "规则", self.rule.text, node.pos, f"缺少 {name} 的数值"
                ),
                name=name,
            )
        raw = self.env[name]
        if isinstance(raw, str):
            raise self.rule._fail(node.pos, f"{name} 是文字说明，不能参与计算", RuleError)
        if isinstance(raw, list | tuple):
            items = tuple(self.number(node, name, item) for item in raw)
            return items
        return self.number(node, name, raw)

    def number(self, node: _Name, name: str, raw: object) -> Decimal:
        if raw is None:
            raise RuleMissingError(
                _message(
                    self.rule.where or "规则", self.rule.text, node.pos, f"{name} 有空缺的数值"
                ),
                name=name,
            )
        if isinstance(raw, Decimal):
            if not raw.is_finite():
                raise self.fail(node, f"{name} 的数值无效（{raw}）")
            return +raw
        if isinstance(raw, int):
            return Decimal(raw)
        raise TypeError(f"rule value {name!r} must be Decimal or a list of Decimal, not {raw!r}")

    def broadcast(
        self, node: _Node, op: Callable[[Decimal, Decimal], Decimal], a: _Val, b: _Val
    ) -> _Val:
        if isinstance(a, tuple) or isinstance(b, tuple):
            if isinstance(a, tuple) and isinstance(b, tuple) and len(a) != len(b):
                raise self.fail(node, f"两组数的个数不同（{len(a)} 与 {len(b)}），无法逐项计算")
            n = len(a) if isinstance(a, tuple) else len(b)
            xs = a if isinstance(a, tuple) else (a,) * n
            ys = b if isinstance(b, tuple) else (b,) * n
            return tuple(op(x, y) for x, y in zip(xs, ys, strict=True))
        return op(a, b)

    def call(self, node: _Call) -> _Val:
        fn, args = node.func, node.args
        if fn == "IF":
            condition = self.scalar(args[0], fn)
            return self.scalar(args[1] if condition != 0 else args[2], fn)
        if fn in ("RATIO", "CAPRATIO"):
            den = self.scalar(args[1], fn)
            if den == 0:
                return self.scalar(args[2], fn) if len(args) > 2 else _ZERO
            ratio = self.scalar(args[0], fn) / den
            return _clamp01(ratio) if fn == "CAPRATIO" else ratio
        if fn == "GROWTH":
            previous = self.scalar(args[1], fn)
            if previous == 0:
                return _ZERO
            return (self.scalar(args[0], fn) - previous) / previous
        if fn == "ATTAIN":
            value, target = self.scalar(args[0], fn), self.scalar(args[1], fn)
            if target == 0:
                raise self.fail(node, "ATTAIN 的目标值为 0，无法计算达成率")
            return _clamp01(value / target)
        if fn == "RANKSCORE":
            rank, total, floor = (self.scalar(a, fn) for a in args)
            if total == 1:
                raise self.fail(node, "RANKSCORE 的参评总数为 1，无法按名次插值")
            return _clamp01(_ONE - ((rank - 1) / (total - 1)) * (_ONE - floor))
        if fn == "ROUND":
            return _round(self.scalar(args[0], fn), self.scalar(args[1], fn))
        if fn == "ABS":
            return _map(abs, self.eval(args[0]))
        if fn == "CLAMP01":
            return _map(_clamp01, self.eval(args[0]))
        items: list[Decimal] = []
        for arg in args:
            value = self.eval(arg)
            items.extend(value if isinstance(value, tuple) else (value,))
        if fn == "SUM":
            return sum(items, _ZERO)
        if fn == "COUNT":
            return Decimal(len(items))
        if fn == "AVERAGE":
            if not items:
                raise self.fail(node, "AVERAGE 没有可平均的数（表格为空）")
            return sum(items, _ZERO) / len(items)
        if fn in ("MIN", "MAX"):
            if not items:
                return _ZERO  # as Excel: MIN/MAX of nothing is 0
            return min(items) if fn == "MIN" else max(items)
        raise AssertionError(fn)


def _map(fn: Callable[[Decimal], Decimal], value: _Val) -> _Val:
    if isinstance(value, tuple):
        return tuple(fn(x) for x in value)
    return fn(value)


def _unsigned_zero(x: Decimal) -> Decimal:
    """Decimal keeps the sign of zero (``-0``, ``-0.00`` after rounding); people never should."""
    return x.copy_abs() if x == 0 else x


def _truth(flag: bool) -> Decimal:
    return _ONE if flag else _ZERO


def _clamp01(x: Decimal) -> Decimal:
    return min(_ONE, max(_ZERO, x))


def _comparison(op: str) -> Callable[[Decimal, Decimal], Decimal]:
    return {
        "<": lambda a, b: _truth(a < b),
        "<=": lambda a, b: _truth(a <= b),
        ">": lambda a, b: _truth(a > b),
        ">=": lambda a, b: _truth(a >= b),
        "==": lambda a, b: _truth(a == b),
        "!=": lambda a, b: _truth(a != b),
    }[op]


def _arith(ev: _Evaluator, node: _Node, op: str) -> Callable[[Decimal, Decimal], Decimal]:
    if op == "+":
        return lambda a, b: a + b
    if op == "-":
        return lambda a, b: a - b
    if op == "*":
        return lambda a, b: a * b

    def divide(a: Decimal, b: Decimal) -> Decimal:
        if b == 0:
            raise ev.fail(node, "除数为 0（需要时请用 RATIO(分子, 分母, 分母为0时的值)）")
        return a / b

    return divide


def _round(x: Decimal, digits: Decimal) -> Decimal:
    """Excel's ROUND on the decimal value: half away from zero; digits truncated to an integer."""
    n = int(digits)  # Excel truncates a fractional digit count
    if n > 27:
        return x
    if n < -400:
        return _ZERO
    with decimal.localcontext(_CONTEXT) as ctx:
        ctx.prec = 1000
        result = x.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
        if n < 0:
            result = result.quantize(_ONE)  # 1200, not 1.2E+3, in traces
    return +result


# --------------------------------------------------------------------------- list analysis


class _Analysis:
    """Which nodes are lists, and refusal of lists where neither evaluation nor Excel can go."""

    def __init__(
        self, rule: Rule, list_names: frozenset[str], *, allow_list_result: bool = False
    ) -> None:
        self.rule = rule
        self.list_names = list_names
        self.lists: dict[int, bool] = {}
        self.mark(rule._root)
        if self.is_list(rule._root) and not allow_list_result:
            raise self.fail(
                rule._root,
                "结果是一组数（表格列或分单位数据），请用 SUM、AVERAGE、COUNT 等汇总成一个数",
            )
        self.placement(rule._root, in_array=False)

    def fail(self, node: _Node, reason: str) -> RuleError:
        return RuleError(_message(self.rule.where or "规则", self.rule.text, node.pos, reason))

    def is_list(self, node: _Node) -> bool:
        return self.lists[id(node)]

    def mark(self, node: _Node) -> bool:
        children = _children(node)
        child_lists = [self.mark(child) for child in children]
        if isinstance(node, _Name):
            result = node.name in self.list_names
        elif isinstance(node, _Call):
            kind = FUNCTIONS[node.func].kind
            if kind == "reduce":
                result = False
            elif kind == "broadcast":
                result = child_lists[0]
            else:
                for child, is_list in zip(children, child_lists, strict=True):
                    if is_list:
                        raise self.fail(
                            child,
                            f"{node.func} 的参数必须是单个数值，不能是表格列或分单位填报的一组数"
                            "（先用 SUM、AVERAGE 等汇总）",
                        )
                result = False
        else:
            result = any(child_lists)
        self.lists[id(node)] = result
        return result

    def placement(self, node: _Node, *, in_array: bool) -> None:
        if isinstance(node, _Call):
            if in_array and node.func in _IF_BEARING:
                raise self.fail(
                    node,
                    f"{node.func} 不能用在表格列的逐行运算中（Excel 需要数组公式），"
                    "请把它定义为单独的步骤",
                )
            if node.func in ("MIN", "MAX"):
                for arg in node.args:
                    if self.is_list(arg) and not isinstance(arg, _Name):
                        raise self.fail(
                            arg,
                            f"{node.func} 只能直接用于表格列，不能用于表格列的运算结果"
                            "（Excel 不用数组公式无法计算）",
                        )
        array = in_array or self.is_list(node)
        for child in _children(node):
            self.placement(child, in_array=array)

    def first_list_name(self, node: _Node) -> str:
        if isinstance(node, _Name) and self.is_list(node):
            return node.name
        for child in _children(node):
            if self.is_list(child):
                return self.first_list_name(child)
        raise AssertionError("list node without a list name")


# --------------------------------------------------------------------------- Excel


class _ExcelWriter:
    """Writes the analysed tree as Excel formula text, parenthesised generously.

    ``operand`` results are atoms, function calls or fully parenthesised, so they can sit next
    to any operator; ``arg`` may drop the outer parentheses where a comma delimits the text.
    """

    def __init__(self, analysis: _Analysis, refs: Mapping[str, str]) -> None:
        self.analysis = analysis
        self.refs = refs

    def arg(self, node: _Node) -> str:
        return self.write(node, top=True)

    def operand(self, node: _Node) -> str:
        return self.write(node, top=False)

    def is_list(self, node: _Node) -> bool:
        return self.analysis.is_list(node)

    def write(self, node: _Node, *, top: bool) -> str:
        wrap = (lambda s: s) if top else (lambda s: f"({s})")
        match node:
            case _Num(value=value):
                return _excel_number(value)
            case _Name(name=name):
                return self.refs[name]
            case _Unary(op="-", operand=operand):
                # Excel's unary minus binds tighter than ^ and than Python's: keep it enclosed.
                return f"(-{self.operand(operand)})"
            case _Unary(operand=operand):
                if self.is_list(node):
                    return wrap(f"({self.operand(operand)}=0)*1")
                return wrap(f"NOT({self.condition(operand)})*1")
            case _Bin(op=op, left=left, right=right):
                return wrap(f"{self.operand(left)}{op}{self.operand(right)}")
            case _Compare(ops=ops, operands=operands):
                texts = [self.operand(o) for o in operands]
                tests = [
                    f"({a}{_EXCEL_CMP[op]}{b})"
                    for op, a, b in zip(ops, texts, texts[1:], strict=False)
                ]
                return wrap("*".join(tests) if len(tests) > 1 else f"{tests[0]}*1")
            case _Bool(op=op, values=values):
                if self.is_list(node):
                    tests = [self.truth(v) for v in values]
                    if op == "and":
                        return wrap("*".join(tests))
                    return wrap(f"(({'+'.join(tests)})>0)*1")
                joined = ",".join(self.condition(v) for v in values)
                return wrap(f"{op.upper()}({joined})*1")
            case _Call():
                return self.call(node)
        raise AssertionError(node)

    def condition(self, node: _Node) -> str:
        """A scalar truth value for IF, AND, OR, NOT: a comparison stays a bare comparison."""
        if isinstance(node, _Compare):
            texts = [self.operand(o) for o in node.operands]
            tests = [
                f"{a}{_EXCEL_CMP[op]}{b}"
                for op, a, b in zip(node.ops, texts, texts[1:], strict=False)
            ]
            return tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"
        return self.arg(node)

    def truth(self, node: _Node) -> str:
        """An enclosed element-wise truth value (non-zero = true) for list ``and``/``or``."""
        if isinstance(node, _Compare) and len(node.ops) == 1:
            a, b = (self.operand(o) for o in node.operands)
            return f"({a}{_EXCEL_CMP[node.ops[0]]}{b})"
        if isinstance(node, _Compare | _Bool):
            return self.operand(node)  # already 0/1
        return f"({self.operand(node)}<>0)"

    def call(self, node: _Call) -> str:
        fn, args = node.func, node.args
        a = [self.arg(x) for x in args]
        o = [self.operand(x) for x in args]
        if fn == "IF":
            return f"IF({self.condition(args[0])},{a[1]},{a[2]})"
        if fn == "ROUND":
            return f"ROUND({a[0]},{a[1]})"
        if fn == "RATIO":
            z = a[2] if len(a) > 2 else "0"
            return f"IF({o[1]}=0,{z},{o[0]}/{o[1]})"
        if fn == "CAPRATIO":
            z = a[2] if len(a) > 2 else "0"
            return f"IF({o[1]}=0,{z},MIN(1,MAX(0,{o[0]}/{o[1]})))"
        if fn == "ATTAIN":
            return f"MIN(1,MAX(0,{o[0]}/{o[1]}))"
        if fn == "RANKSCORE":
            return f"MIN(1,MAX(0,1-(({o[0]}-1)/({o[1]}-1))*(1-{o[2]})))"
        if fn == "GROWTH":
            return f"IF({o[1]}=0,0,({o[0]}-{o[1]})/{o[1]})"
        if fn == "ABS":
            if self.is_list(node):
                x = f"({a[0]})"
                return f"({x}*(({x}>0)-({x}<0)))"
            return f"ABS({a[0]})"
        if fn == "CLAMP01":
            if self.is_list(node):
                # MIN/MAX would reduce the whole array inside SUMPRODUCT; this form is exact
                # in binary floating point too (no X-(X-1) that could give 0.9999999999999999).
                x = f"({a[0]})"
                return f"(({x}>1)+({x}>0)*({x}<=1)*{x})"
            return f"MIN(1,MAX(0,{a[0]}))"
        return self.reduce(node, a)

    def reduce(self, node: _Call, a: Sequence[str]) -> str:
        fn, args = node.func, node.args
        exprs = [self.is_list(x) and not isinstance(x, _Name) for x in args]
        if not any(exprs):
            return f"{fn}({','.join(a)})"
        sums, counts = [], []
        for arg, text, is_expr in zip(args, a, exprs, strict=True):
            if is_expr:
                sums.append(f"SUMPRODUCT({text})")
                counts.append(f"COUNT({self.refs[self.analysis.first_list_name(arg)]})")
            elif self.is_list(arg):
                sums.append(f"SUM({text})")
                counts.append(f"COUNT({text})")
            else:
                sums.append(self.operand(arg))
                counts.append("1")
        total = sums[0] if len(sums) == 1 else f"({'+'.join(sums)})"
        count = counts[0] if len(counts) == 1 else f"({'+'.join(counts)})"
        if fn == "SUM":
            return total
        if fn == "COUNT":
            return count
        if fn == "AVERAGE":
            return f"({total}/{count})"
        raise AssertionError(fn)  # MIN/MAX over list arithmetic is refused by _Analysis


def _excel_number(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
