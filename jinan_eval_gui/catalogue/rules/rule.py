"""A parsed rule (:class:`Rule`) and the two entry points :func:`parse` and :func:`compile_excel`."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from jinan_eval_gui.errors import EvalError, RuleError

from .evaluate import _Evaluator
from .excel import _Analysis, _ExcelWriter
from .functions import MAX_EXCEL_FORMULA, MAX_RULE_LENGTH, ExactValue, RuleEvalError, Value
from .syntax import (
    _Call,
    _check_depth,
    _children,
    _collect_names,
    _Converter,
    _message,
    _Node,
    _Pos,
)

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

    def evaluate(self, env: Mapping[str, Value]) -> ExactValue:
        """Compute the rule exactly on ``env`` (identifier → number or list of numbers).

        Inputs may be Decimal, Fraction or int (Decimal converts exactly); the result is a
        :class:`~fractions.Fraction` (a list of them for a per-row step) with no rounding
        except where the rule itself says ``ROUND``. Use :func:`to_decimal` to show it.

        Raises :class:`RuleEvalError` when the data do not allow a value (division by zero,
        lists of unequal length, a value too large to compute), :class:`RuleMissingError`
        when a value is absent, and :class:`RuleError` when a list reaches a position that
        takes only a number (a rule error that :meth:`check` finds before any data arrive).
        """
        result = _Evaluator(self, env).run(self._root)
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
