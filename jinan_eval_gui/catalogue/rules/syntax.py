"""The rule's syntax tree and its conversion from Python's :mod:`ast` through a whitelist.

Nothing here evaluates anything: the tree is plain immutable data that :mod:`.evaluate` and
:mod:`.excel` walk.
"""

from __future__ import annotations

import ast
import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from jinan_eval_gui.errors import RuleError

from .functions import FUNCTIONS, MAX_DEPTH, MAX_DIGITS, FunctionSpec, _plain_name_problem

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
