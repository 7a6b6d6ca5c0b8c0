"""Evaluating a rule's tree on one environment, following Excel's semantics."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypeAlias

from jinan_eval_gui.errors import EvalError, RuleError

from .functions import _CONTEXT, _ONE, _ZERO, RuleMissingError, Value

if TYPE_CHECKING:
    from .rule import Rule
from .syntax import _Bin, _Bool, _Call, _Compare, _message, _Name, _Node, _Num, _Unary

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
