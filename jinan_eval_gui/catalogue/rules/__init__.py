"""The small safe rule language of the scoring entries.

Rules are written in Python expression syntax because the people who maintain the catalogue
already read it, and because the standard library's :mod:`ast` gives us a correct parser for
free. The parsed tree is checked against a short whitelist and copied into our own immutable
node classes; nothing is ever handed to ``eval``/``exec``/``compile``, so a catalogue file can
never run code.

The same tree is used twice:

* :meth:`Rule.evaluate` computes the value exactly in :class:`~fractions.Fraction` (no
  rounding except a rule's own ``ROUND``), which is what the engine scores with;
  :func:`to_decimal` turns it into a readable Decimal for traces;
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

from .exact import (
    MAX_EXACT_BITS,
    MAX_MAGNITUDE_DIGITS,
    Exact,
    round_half_up,
    to_decimal,
    to_decimals,
    to_places,
)
from .functions import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXCEL_FORMULA,
    MAX_RULE_LENGTH,
    ExactValue,
    FunctionSpec,
    RuleEvalError,
    RuleMissingError,
    Value,
    is_identifier,
    split_identifier,
)
from .rule import Rule, compile_excel, parse

__all__ = ["FUNCTIONS", "FunctionSpec", "MAX_DEPTH", "MAX_EXACT_BITS", "MAX_EXCEL_FORMULA", "MAX_MAGNITUDE_DIGITS", "MAX_RULE_LENGTH", "Exact", "ExactValue", "Rule", "RuleEvalError", "RuleMissingError", "Value", "compile_excel", "is_identifier", "parse", "round_half_up", "split_identifier", "to_decimal", "to_decimals", "to_places"]
