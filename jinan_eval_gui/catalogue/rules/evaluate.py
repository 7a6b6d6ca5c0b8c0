"""Evaluating a rule's tree on one environment, exactly, following Excel's semantics.

Every value is a :class:`~fractions.Fraction` (or a tuple of them for a list), so ratios,
averages and sums carry no rounding error at all; only ``ROUND`` in a rule rounds (half away
from zero, exactly). Each intermediate result is checked against the size bounds of
:mod:`.exact`, so hostile data fail with a message instead of making evaluation crawl.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, TypeAlias

from jinan_eval_gui.errors import EvalError, RuleError

from .exact import ONE, ZERO, decimal_problem, round_half_up, size_problem
from .functions import RuleMissingError

if TYPE_CHECKING:
    from .rule import Rule
from .syntax import _Bin, _Bool, _Call, _Compare, _message, _Name, _Node, _Num, _Unary

# --------------------------------------------------------------------------- evaluation

_Val: TypeAlias = Fraction | tuple[Fraction, ...]


class _Evaluator:
    """Walks the tree once for one environment; values are Fractions or tuples of them."""

    def __init__(self, rule: Rule, env: Mapping[str, object]) -> None:
        self.rule = rule
        self.env = env

    def fail(self, node: _Node, reason: str) -> EvalError:
        error = self.rule._fail(node.pos, reason)
        # what failed, for a reader's message without the rule's code (wording.failure)
        error.rule, error.node, error.reason = self.rule, node, reason  # type: ignore[attr-defined]
        return error

    def run(self, node: _Node) -> _Val:
        return self.eval(node)

    def scalar(self, node: _Node, fn: str) -> Fraction:
        value = self.eval(node)
        if isinstance(value, tuple):
            raise self.rule._fail(
                node.pos,
                f"{fn} 的参数必须是单个数值，不能是表格列或分单位填报的一组数",
                RuleError,
            )
        return value

    def bounded(self, node: _Node, value: _Val) -> _Val:
        """``value`` itself, after checking every number in it against the size bounds."""
        for item in value if isinstance(value, tuple) else (value,):
            problem = size_problem(item)
            if problem is not None:
                raise self.fail(node, problem)
        return value

    def eval(self, node: _Node) -> _Val:
        match node:
            case _Num(value=value):
                return Fraction(value)
            case _Name(name=name):
                return self.lookup(node, name)
            case _Unary(op="-", operand=operand):
                return _map(lambda x: -x, self.eval(operand))
            case _Unary(operand=operand):
                return _map(lambda x: _truth(x == 0), self.eval(operand))
            case _Bin(op=op, left=left, right=right):
                result = self.broadcast(
                    node, _arith(self, node, op), self.eval(left), self.eval(right)
                )
                return self.bounded(node, result)
            case _Compare(ops=ops, operands=operands):
                values = [self.eval(o) for o in operands]  # every operand, like Excel
                result: _Val = ONE
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
                return self.bounded(node, self.call(node))
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
            return tuple(self.number(node, name, item) for item in raw)
        return self.number(node, name, raw)

    def number(self, node: _Name, name: str, raw: object) -> Fraction:
        """One value of the environment as an exact fraction (Decimal converts exactly)."""
        if raw is None:
            raise RuleMissingError(
                _message(
                    self.rule.where or "规则", self.rule.text, node.pos, f"{name} 有空缺的数值"
                ),
                name=name,
            )
        if isinstance(raw, Decimal):
            problem = decimal_problem(raw)
            if problem is not None:
                raise self.fail(node, f"{name} 的{problem}")
            return Fraction(raw)
        if isinstance(raw, Fraction | int):
            value = Fraction(raw)
            problem = size_problem(value, "数值")
            if problem is not None:
                raise self.fail(node, f"{name} 的{problem}")
            return value
        raise TypeError(
            f"rule value {name!r} must be Decimal, Fraction, int or a list of them, not {raw!r}"
        )

    def broadcast(
        self, node: _Node, op: Callable[[Fraction, Fraction], Fraction], a: _Val, b: _Val
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
                return self.scalar(args[2], fn) if len(args) > 2 else ZERO
            ratio = self.scalar(args[0], fn) / den
            return _clamp01(ratio) if fn == "CAPRATIO" else ratio
        if fn == "GROWTH":
            previous = self.scalar(args[1], fn)
            if previous == 0:
                return ZERO
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
            return _clamp01(ONE - ((rank - 1) / (total - 1)) * (ONE - floor))
        if fn == "ROUND":
            return round_half_up(self.scalar(args[0], fn), int(self.scalar(args[1], fn)))
        if fn == "ABS":
            return _map(abs, self.eval(args[0]))
        if fn == "CLAMP01":
            return _map(_clamp01, self.eval(args[0]))
        items: list[Fraction] = []
        for arg in args:
            value = self.eval(arg)
            items.extend(value if isinstance(value, tuple) else (value,))
        if fn == "SUM":
            return self.total(node, items)
        if fn == "COUNT":
            return Fraction(len(items))
        if fn == "AVERAGE":
            if not items:
                raise self.fail(node, "AVERAGE 没有可平均的数（表格为空）")
            return self.total(node, items) / len(items)
        if fn in ("MIN", "MAX"):
            if not items:
                return ZERO  # as Excel: MIN/MAX of nothing is 0
            return min(items) if fn == "MIN" else max(items)
        raise AssertionError(fn)

    def total(self, node: _Node, items: Iterable[Fraction]) -> Fraction:
        """The exact sum, checked after every term so a long column cannot grow unbounded."""
        result = ZERO
        for item in items:
            result += item
            problem = size_problem(result)
            if problem is not None:
                raise self.fail(node, problem)
        return result


def _map(fn: Callable[[Fraction], Fraction], value: _Val) -> _Val:
    if isinstance(value, tuple):
        return tuple(fn(x) for x in value)
    return fn(value)


def _truth(flag: bool) -> Fraction:
    return ONE if flag else ZERO


def _clamp01(x: Fraction) -> Fraction:
    return min(ONE, max(ZERO, x))


def _comparison(op: str) -> Callable[[Fraction, Fraction], Fraction]:
    return {
        "<": lambda a, b: _truth(a < b),
        "<=": lambda a, b: _truth(a <= b),
        ">": lambda a, b: _truth(a > b),
        ">=": lambda a, b: _truth(a >= b),
        "==": lambda a, b: _truth(a == b),
        "!=": lambda a, b: _truth(a != b),
    }[op]


def _arith(ev: _Evaluator, node: _Node, op: str) -> Callable[[Fraction, Fraction], Fraction]:
    if op == "+":
        return lambda a, b: a + b
    if op == "-":
        return lambda a, b: a - b
    if op == "*":
        return lambda a, b: a * b

    def divide(a: Fraction, b: Fraction) -> Fraction:
        if b == 0:
            raise ev.fail(node, "除数为 0（需要时请用 RATIO(分子, 分母, 分母为0时的值)）")
        return a / b

    return divide
