"""Writing a rule as an Excel formula that needs no array entry (lists become ``SUMPRODUCT``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from jinan_eval_gui.errors import RuleError

from .functions import _IF_BEARING, FUNCTIONS

if TYPE_CHECKING:
    from .rule import Rule
from .syntax import (
    _EXCEL_CMP,
    _Bin,
    _Bool,
    _Call,
    _children,
    _Compare,
    _message,
    _Name,
    _Node,
    _Num,
    _Unary,
)

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
