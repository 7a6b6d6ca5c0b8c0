"""Exact numbers for the rule language: bounded conversion in, half-up rounding, display out.

Rules are evaluated in :class:`fractions.Fraction`, so ``23/24 + 1/12`` is exactly ``25/24``
and a score that is exactly 61.875 rounds to 61.88, as the 指标体系 says (分值保留2位小数) and
as an office suite computes it; a 28-digit :class:`~decimal.Decimal` would hold 61.87499…98
and round down. This module is the one place that turns numbers into fractions (refusing
values too large to compute quickly), rounds them half away from zero, and turns them back
into readable decimals for traces.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import TypeAlias

Exact: TypeAlias = Fraction
"""An exact rule value."""

MAX_EXACT_BITS = 8192
"""Largest denominator (in bits, ≈ 2466 decimal digits) a value may have during evaluation.

The average of 60 ratios with nine-digit denominators needs about 1 800 bits; the cap only
stops hostile or absurd data from making each step slower than the last (the cost of a
fraction operation grows with the square of its size), so evaluation stays within
milliseconds and fails with a clear message instead of hanging."""

MAX_MAGNITUDE_DIGITS = 300
"""Values must stay below 10**300 in absolute value (Excel stops near 1.8E+308)."""

MAX_ROUND_DIGITS = 400
"""``ROUND(x, n)`` with more decimals than this leaves ``x`` as it is (no number shown or
scored has that many); with ``n < -MAX_MAGNITUDE_DIGITS`` the result is 0 exactly."""

DISPLAY_DIGITS = 28
"""Significant digits of a trace value whose decimal expansion does not end (1/3)."""

_LIMIT = 10**MAX_MAGNITUDE_DIGITS
_DISPLAY = decimal.Context(
    prec=DISPLAY_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

ZERO = Fraction(0)
ONE = Fraction(1)


def size_problem(x: Fraction, what: str = "计算结果") -> str | None:
    """Why ``x`` is too large to keep computing with, in Chinese, or ``None`` when it is fine.

    ``what`` names the value in the message (计算结果, or 数值 for an input).
    """
    num, den = x.numerator, x.denominator
    if den.bit_length() > MAX_EXACT_BITS:
        return (f"{what}所需的精度过高（分数的分母超过 {MAX_EXACT_BITS} 位二进制），"
                "请检查填报数据是否有异常的数值或小数位")
    # cheap test first: |num| < 2**(bits(den) + 996) < 10**300 * den
    if num and abs(num).bit_length() > den.bit_length() + 995 and abs(num) >= _LIMIT * den:
        return f"{what}超出范围（绝对值不能达到 10 的 {MAX_MAGNITUDE_DIGITS} 次方）"
    return None


def decimal_problem(value: Decimal) -> str | None:
    """Why a Decimal input cannot become an exact value (checked before converting it, so a
    value such as ``1E+999999`` is refused without building a million-digit integer)."""
    if not value.is_finite():
        return f"数值无效（{value}）"
    if not value:
        return None
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if value.adjusted() >= MAX_MAGNITUDE_DIGITS:
        return f"数值超出范围（绝对值不能达到 10 的 {MAX_MAGNITUDE_DIGITS} 次方）"
    if -exponent > MAX_EXACT_BITS * 3 // 10:  # 10**k needs about 3.32·k bits
        return "数值的小数位数过多"
    return None


def round_half_up(x: Fraction, places: int) -> Fraction:
    """Round ``x`` to ``places`` decimals, half away from zero, exactly (Excel's ROUND).

    2.675 → 2.68, -2.675 → -2.68, 61.875 → 61.88; ``places`` may be negative (1250, -2 →
    1300). Exact for every ``places`` up to :data:`MAX_ROUND_DIGITS`; beyond it ``x`` is kept.
    """
    if places > MAX_ROUND_DIGITS:
        return x
    if places < -MAX_MAGNITUDE_DIGITS - 1 and abs(x) < _LIMIT:
        return ZERO
    scale = Fraction(10) ** places
    scaled = abs(x) * scale
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return (whole if x >= 0 else -whole) / scale


def to_places(x: Fraction | Decimal | int, places: int) -> Decimal:
    """``x`` rounded half away from zero, exactly, as a Decimal with exactly ``places``
    decimals (``places >= 0``): the number a score cell shows."""
    scaled = abs(Fraction(x)) * 10**places
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    negative = x < 0 and whole != 0
    digits = tuple(int(d) for d in str(whole))
    return Decimal((1 if negative else 0, digits, -places))


def to_decimal(x: Fraction) -> Decimal:
    """A readable Decimal for traces and cached cell values: exact when the decimal expansion
    ends within :data:`DISPLAY_DIGITS` significant digits (0.875, 61.875, 1300), else rounded
    to that many (1/3 → 0.3333…). Never used to compute a score."""
    if x.denominator == 1 and abs(x.numerator) < 10**DISPLAY_DIGITS:
        return Decimal(x.numerator)
    with decimal.localcontext(_DISPLAY):
        return Decimal(x.numerator) / Decimal(x.denominator)


def to_decimals(value: Fraction | list[Fraction]) -> Decimal | list[Decimal]:
    """:func:`to_decimal` of a rule result, element-wise for a list (a per-row step)."""
    if isinstance(value, list):
        return [to_decimal(x) for x in value]
    return to_decimal(value)
