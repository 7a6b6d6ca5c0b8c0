"""Rules in Chinese formula notation: how a rule reads wherever a person sees it.

The engine reads ``100 * CAPRATIO(used, total)``; a unit, the office or an auditor reads
得分 = 100 × (已实现…的事项数量 ÷ 政务服务事项总数，超过1按1计（政务服务事项总数为0时按0计）).
The wording is generated from the parsed rule itself, so it cannot drift from what is computed:
names become their Chinese labels (inputs, table columns, steps, parameters), operators become
× ÷ + − and comparisons ≤ ≥ ≠, and every function of :data:`.functions.FUNCTIONS` says in words
what it does, with the same edge cases the evaluator applies (a zero denominator, the clamp
to 0～1). Parentheses follow precedence: a phrase used as an operand is enclosed.

:func:`formula` words one rule given a mapping of names to labels; :func:`describe` and
:func:`lines` word an indicator's steps and score, resolving names from the indicator
(duck-typed: this package never imports the catalogue model).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .functions import FUNCTIONS
from .syntax import _Bin, _Bool, _Call, _children, _Compare, _Name, _Node, _Num, _Unary

if TYPE_CHECKING:
    from .rule import Rule

# Precedence levels, loosest first: a part whose level is below what its place needs is
# enclosed in parentheses.
_CLAUSE, _OR, _AND, _NOT, _CMP, _PHRASE, _ADD, _MUL, _NEG, _ATOM = range(10)

_ARITH = {"+": ("+", _ADD), "-": ("−", _ADD), "*": ("×", _MUL), "/": ("÷", _MUL)}
_CMP_SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_BOUNDED = frozenset({"CAPRATIO", "CLAMP01", "ATTAIN", "RANKSCORE", "ABS", "COUNT"})
"""Functions whose result is never negative, whatever their arguments."""
EACH_ROW = "各行"
EACH_UNIT = "各单位"
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])")


@dataclass(frozen=True, slots=True)
class _Part:
    text: str
    level: int


def _number(value: Decimal) -> str:
    """A literal as people write it: 100, 0.4 (no exponent, no trailing zeros)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class _Writer:
    """Words one rule's tree; ``lists`` maps list names to 各行/各单位, ``signed`` names values
    that may be negative (everything else a rule reads is ≥ 0)."""

    def __init__(self, labels: Mapping[str, str], lists: Mapping[str, str],
                 signed: Collection[str]) -> None:
        self.labels = labels
        self.lists = lists
        self.signed = signed

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def wrap(part: _Part, level: int) -> str:
        return part.text if part.level >= level else f"({part.text})"

    def is_list(self, node: _Node) -> bool:
        match node:
            case _Name():
                return node.name in self.lists
            case _Call():
                kind = FUNCTIONS[node.func].kind
                return kind == "broadcast" and self.is_list(node.args[0])
            case _Unary() | _Bin() | _Compare() | _Bool():
                return any(self.is_list(child) for child in _children(node))
        return False

    def each(self, node: _Node) -> str:
        """各行 or 各单位 for the first list the node reads."""
        stack = [node]
        while stack:
            current = stack.pop(0)
            if isinstance(current, _Name) and current.name in self.lists:
                return self.lists[current.name]
            stack.extend(_children(current))
        return EACH_ROW

    def negative(self, node: _Node) -> bool:
        """Whether the node's value may be below 0 (decides whether a clamp says 低于0按0计)."""
        match node:
            case _Num():
                return node.value < 0
            case _Name():
                return node.name in self.signed
            case _Unary():
                return node.op == "-"
            case _Bin():
                return node.op == "-" or self.negative(node.left) or self.negative(node.right)
            case _Call():
                if node.func in _BOUNDED:
                    return False
                if node.func == "GROWTH":
                    return True
                args = node.args[1:3] if node.func == "IF" else node.args
                if node.func == "ROUND":
                    args = node.args[:1]
                return any(self.negative(a) for a in args)
        return False

    def zero_subject(self, node: _Node) -> str:
        """What "…为0时" names: the denominator's label, or 分母 when it is an expression."""
        part = self.value(node)
        return part.text if part.level == _ATOM else "分母"

    def clamp(self, node: _Node, *inner: _Node) -> str:
        below = "、低于0按0计" if any(self.negative(n) for n in inner) else ""
        return f"超过1按1计{below}"

    # -- values ----------------------------------------------------------------------------
    def value(self, node: _Node) -> _Part:
        match node:
            case _Num():
                return _Part(_number(node.value), _ATOM)
            case _Name():
                return _Part(self.labels.get(node.name, node.name), _ATOM)
            case _Unary(op="-"):
                return _Part(f"−{self.wrap(self.value(node.operand), _NEG)}", _NEG)
            case _Bin():
                sign, level = _ARITH[node.op]
                left = self.wrap(self.value(node.left), level)
                right_needs = level + 1 if node.op in "-/" else level
                right = self.wrap(self.value(node.right), right_needs)
                return _Part(f"{left} {sign} {right}", level)
            case _Call():
                return self.call(node)
        # a condition where a number is expected: 1 when it holds, else 0
        return _Part(f"{self.cond(node).text}时为1，否则为0", _CLAUSE)

    def ratio(self, num: _Node, den: _Node) -> str:
        return f"{self.wrap(self.value(num), _MUL)} ÷ {self.wrap(self.value(den), _MUL + 1)}"

    def if_zero(self, args: tuple[_Node, ...]) -> str:
        fallback = self.wrap(self.value(args[2]), _ATOM) if len(args) > 2 else "0"
        return f"（{self.zero_subject(args[1])}为0时按{fallback}计）"

    def call(self, node: _Call) -> _Part:
        fn, args = node.func, node.args
        if fn == "RATIO":
            return _Part(self.ratio(args[0], args[1]) + self.if_zero(args), _MUL)
        if fn == "CAPRATIO":
            text = f"{self.ratio(args[0], args[1])}，{self.clamp(node, *args[:2])}"
            return _Part(text + self.if_zero(args), _CLAUSE)
        if fn == "ATTAIN":
            return _Part(f"{self.ratio(args[0], args[1])}，{self.clamp(node, *args)}", _CLAUSE)
        if fn == "CLAMP01":
            return _Part(f"{self.wrap(self.value(args[0]), _OR)}，{self.clamp(node, args[0])}",
                         _CLAUSE)
        if fn == "GROWTH":
            current = self.wrap(self.value(args[0]), _ADD)
            previous = self.wrap(self.value(args[1]), _ADD + 1)
            text = (f"({current} − {previous}) ÷ {self.wrap(self.value(args[1]), _MUL + 1)}"
                    f"（{self.zero_subject(args[1])}为0时按0计）")
            return _Part(text, _MUL)
        if fn == "RANKSCORE":
            rank = self.wrap(self.value(args[0]), _ADD)
            total, floor = (self.wrap(self.value(a), _ADD + 1) for a in args[1:])
            text = (f"1 − ({rank} − 1) ÷ ({total} − 1) × (1 − {floor})，"
                    "结果超过1按1计、低于0按0计")
            return _Part(text, _CLAUSE)
        if fn == "ROUND":
            places = self.wrap(self.value(args[1]), _ATOM)
            return _Part(f"{self.wrap(self.value(args[0]), _OR)}，四舍五入保留{places}位小数",
                         _CLAUSE)
        if fn == "ABS":
            return _Part(f"{self.wrap(self.value(args[0]), _ATOM)}的绝对值", _PHRASE)
        if fn == "IF":
            chosen = self.wrap(self.value(args[1]), _OR)
            other = self.value(args[2])
            other_text = (other.text if isinstance(args[2], _Call) and args[2].func == "IF"
                          else self.wrap(other, _OR))
            return _Part(f"若{self.cond(args[0]).text}则{chosen}，否则{other_text}", _CLAUSE)
        return self.reduce(fn, args)

    def reduce(self, fn: str, args: tuple[_Node, ...]) -> _Part:
        """SUM, AVERAGE, COUNT, MIN, MAX: over several values, or over a table's rows."""
        items = []
        for arg in args:
            shown = self.wrap(self.value(arg), _ATOM)
            items.append(f"{self.each(arg)}{shown}" if self.is_list(arg) else shown)
        joined = "、".join(items)
        if fn == "AVERAGE":
            return _Part(f"{joined}的平均值", _PHRASE)
        if fn == "SUM":
            return _Part(f"{joined}的合计" if len(items) == 1 else f"{joined}之和", _PHRASE)
        if fn == "COUNT":
            return _Part(f"{joined}的个数", _PHRASE)
        smaller = fn == "MIN"
        if len(items) == 2:
            text = f"取{items[0]}与{items[1]}中的{'较小值' if smaller else '较大值'}"
        else:
            text = f"取{joined}中的{'最小值' if smaller else '最大值'}"
        return _Part(text, _PHRASE)

    # -- conditions ------------------------------------------------------------------------
    def cond(self, node: _Node) -> _Part:
        match node:
            case _Compare():
                parts = [self.wrap(self.value(o), _PHRASE) for o in node.operands]
                text = parts[0] + "".join(f" {_CMP_SIGNS[op]} {p}"
                                          for op, p in zip(node.ops, parts[1:], strict=True))
                return _Part(text, _CMP)
            case _Bool():
                level = _AND if node.op == "and" else _OR
                joiner = " 且 " if node.op == "and" else " 或 "
                parts = [self.wrap(self.cond(v), level + 1 if level == _AND else level)
                         for v in node.values]
                return _Part(joiner.join(parts), level)
            case _Unary(op="not"):
                return _Part(f"非{self.wrap(self.cond(node.operand), _ATOM)}", _NOT)
        return _Part(f"{self.wrap(self.value(node), _PHRASE)}不为0", _CMP)


# ---------------------------------------------------------------------------------------
# One rule
# ---------------------------------------------------------------------------------------
def formula(rule: Rule, labels: Mapping[str, str], *, lists: Mapping[str, str] | None = None,
            signed: Collection[str] = ()) -> str:
    """The rule in Chinese formula notation.

    ``labels`` gives the Chinese name of every identifier (a name without one is shown as
    written); ``lists`` maps list identifiers (table columns, per-unit inputs) to 各行 or
    各单位; ``signed`` names values that may be negative (only they make a clamp say
    低于0按0计).
    """
    return _Writer(labels, lists or {}, signed).value(rule._root).text


def condition(rule: Rule, labels: Mapping[str, str], *, lists: Mapping[str, str] | None = None,
              signed: Collection[str] = ()) -> str:
    """A check (a rule that must hold) in Chinese notation, e.g. ``a ≤ b``."""
    return _Writer(labels, lists or {}, signed).cond(rule._root).text


# ---------------------------------------------------------------------------------------
# An indicator (duck-typed: id, method, inputs, params, param_labels, steps, score, …)
# ---------------------------------------------------------------------------------------
def symbols(ind: Any) -> frozenset[str]:
    """Step names that are the 指标体系's own symbols (b1, b2 … written in its 评估方法)."""
    names = {step.name for step in _all_steps(ind)}
    return frozenset(names & set(_WORD.findall(ind.method or "")))


def step_reference(ind: Any, step: Any) -> str:
    """How a formula names a step: the 指标体系's symbol (b1), else the step's label."""
    if step.name in symbols(ind) or not step.label:
        return step.name
    return step.label


def step_title(ind: Any, step: Any) -> str:
    """The left side of a step's line: b1（label） for a symbol, else the label."""
    if step.name in symbols(ind):
        return f"{step.name}（{step.label}）" if step.label else step.name
    return step.label or step.name


def score_title(ind: Any) -> str:
    """得分, or 扣分 for a deduction indicator (its rule gives the points deducted)."""
    return "扣分" if ind.kind == "deduction" else "得分"


def param_label(ind: Any, name: str) -> str:
    """The Chinese name of an indicator parameter (the catalogue gives every one a name)."""
    return ind.param_labels.get(name) or "参数"


def labels(ind: Any, parameters: Iterable[Any] = (), *, variant: str = "") -> dict[str, str]:
    """Every name the indicator's rules read, with its Chinese label.

    Global parameters (``parameters``, each with ``key`` and ``label``) first, then the
    indicator's inputs and table columns, its parameters and the steps of the reading.
    """
    out = {p.key: p.label for p in parameters}
    for spec in ind.inputs:
        out[spec.key] = spec.label
        for col in spec.columns:
            out[f"{spec.key}.{col.key}"] = col.label
    out.update(ind.param_labels)
    for step in _steps(ind, variant):
        out[step.name] = step_reference(ind, step)
    return out


def list_words(ind: Any) -> dict[str, str]:
    """List identifiers with how a reduction names their elements: 各行 or 各单位."""
    words = {name: EACH_ROW for name in ind.list_names if "." in name}
    words |= {name: EACH_UNIT for name in ind.list_names if "." not in name}
    return words


def signed_names(ind: Any, *, variant: str = "") -> set[str]:
    """Inputs that may be negative, and steps whose rule may give a negative value."""
    signed = set()
    for spec in ind.inputs:
        low = spec.bounds()[0]
        if spec.kind == "choice":
            low = min((o.value for o in spec.options), default=Decimal(0))
        if spec.kind not in ("text", "table") and (low is None or low < 0):
            signed.add(spec.key)
    writer = _Writer({}, list_words(ind), signed)
    for step in _steps(ind, variant):
        if writer.negative(step.rule._root):
            signed.add(step.name)
    return signed


def rule_text(ind: Any, rule: Rule, parameters: Iterable[Any] = (), *,
              variant: str = "") -> str:
    """One of the indicator's rules (a step's or the score's) in Chinese notation."""
    return formula(rule, labels(ind, parameters, variant=variant), lists=list_words(ind),
                   signed=signed_names(ind, variant=variant))


def check_text(ind: Any, check: Any, parameters: Iterable[Any] = ()) -> str:
    """A cross-field check of the indicator in Chinese notation (e.g. a ≤ b)."""
    return condition(check.rule, labels(ind, parameters), lists=list_words(ind),
                     signed=signed_names(ind))


def lines(ind: Any, parameters: Iterable[Any] = (), *, variant: str = "") -> list[str]:
    """Each step as ``title = formula``, then ``得分 = formula`` (扣分 for deductions)."""
    names = labels(ind, parameters, variant=variant)
    lists = list_words(ind)
    signed = signed_names(ind, variant=variant)
    out = [f"{step_title(ind, s)} = {formula(s.rule, names, lists=lists, signed=signed)}"
           for s in _steps(ind, variant)]
    score = _score(ind, variant)
    out.append(f"{score_title(ind)} = {formula(score, names, lists=lists, signed=signed)}")
    return out


def describe(ind: Any, parameters: Iterable[Any] = (), *, variant: str = "") -> str:
    """The indicator's whole rule on one line: ``b1（…）= …；得分 = 100 × …``."""
    return "；".join(lines(ind, parameters, variant=variant))


def failure(ind: Any, error: Exception, parameters: Iterable[Any] = (), *,
            variant: str = "") -> str:
    """Why one of the indicator's rules could not be computed, in the reader's words.

    The evaluator's own message quotes the rule's code (for whoever maintains the catalogue);
    a unit or the office reads which value made it impossible, named by its label.
    """
    rule = getattr(error, "rule", None)
    steps = _steps(ind, variant)
    part = next((f"“{step_title(ind, s)}”" for s in steps if s.rule is rule), None)
    if part is None:
        check = next((c for c in ind.checks if c.rule is rule), None)
        part = (f"校验规则“{check_text(ind, check, parameters)}”" if check is not None
                else f"“{score_title(ind)}”")
    writer = _Writer(labels(ind, parameters, variant=variant), list_words(ind),
                     signed_names(ind, variant=variant))
    return f"{part}无法计算：{_why(writer, getattr(error, 'node', None), getattr(error, 'reason', ''))}"


def _why(writer: _Writer, node: Any, reason: str) -> str:
    """The reason, naming values by their labels (never a key or a function name)."""
    def shown(n: _Node) -> str:
        return writer.wrap(writer.value(n), _ATOM)

    match node:
        case _Call(func="ATTAIN"):
            return f"{shown(node.args[1])}为0，无法计算达成程度，请核对该参数"
        case _Call(func="RANKSCORE"):
            return f"{shown(node.args[1])}为1，无法按名次计分，请核对该参数"
        case _Call(func="AVERAGE"):
            return "明细表没有数据，无法求平均值，请补填"
        case _Bin(op="/"):
            return f"{shown(node.right)}为0，无法相除，请核对填报数据"
        case _Name():
            return reason.replace(node.name, f"“{shown(node)}”", 1).replace(" ", "")
    if reason and not _WORD.search(reason):
        return reason
    return "所填数据超出可计算的范围，请核对填报数据"


def _steps(ind: Any, variant: str) -> tuple[Any, ...]:
    return ind.reading(variant)[0] if variant else tuple(ind.steps)


def _score(ind: Any, variant: str) -> Rule:
    return ind.reading(variant)[1] if variant else ind.score


def _all_steps(ind: Any) -> list[Any]:
    steps = list(ind.steps)
    for variant in getattr(ind, "variants", {}).values():
        steps += list(variant.steps)
    return steps
