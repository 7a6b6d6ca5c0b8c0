"""Rules compiled to Excel formulas recompute the engine's values in LibreOffice, to the cent.

One workbook holds the inputs (numbers in cells, lists in column ranges) and, per expression,
``=ROUND(formula, 2)`` and the bare ``=formula``. The formula cells are written with an empty
cached value: LibreOffice recalculates exactly those on load (a cell written with a cached
number, even xlsxwriter's default 0, keeps that number), so every value read back was computed
by LibreOffice, not by us.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
import xlsxwriter
from lo import convert, needs_soffice

from jinan_eval_gui.catalogue.rules import FUNCTIONS, RuleEvalError, parse

pytestmark = [needs_soffice, pytest.mark.slow]

D = Decimal

SCALARS: dict[str, Decimal] = {
    "a": D(4),
    "b": D(5),
    "c": D(7),
    "z": D(0),
    "n": D(3),
    "total": D(8),
    "rank": D(5),
    "cities": D(16),
    "floor": D("0.6"),
    "cur": D(115),
    "prev": D(100),
    "num": D(2469),
    "den": D(20000),
    "p": D("10.05"),
    "neg": D("-2.675"),
    # 城市运行一体化综合管理平台 (30): b-items 7/12, 12/35, 4/5, 27/35 and 47.65/168
    "reported": D(60),
    "filed": D(35),
    "dispatched": D(35),
    "dispatch_ok": D(12),
    "due": D(5),
    "ontime": D(4),
    "closed": D(27),
    "cover": D("47.65"),
    "built": D(168),
}
LISTS: dict[str, list[Decimal]] = {
    "t.a": [D(0), D(1), D(2), D(3), D(4)],
    "t.b": [D(2), D(4), D(6), D(8), D(10)],
    "t.c": [D(3), D(0), D(1), D(5), D(2)],
    "u": [D("0.5"), D("1.5"), D("-0.25"), D("0.875"), D("1.005")],
    # 门诊健康档案调阅率 (16): four hospitals whose rates average exactly 0.61875
    "h.reads": [D(23), D(17), D(1), D(13)],
    "h.visits": [D(24), D(17), D(12), D(30)],
}

BOUNDARY_16 = "100 * AVERAGE(h.reads / h.visits)"
BOUNDARY_16_CAPPED = "100 * AVERAGE(CLAMP01(h.reads / h.visits))"
BOUNDARY_30 = (
    "100 * AVERAGE(CAPRATIO(filed, reported), CAPRATIO(dispatch_ok, dispatched), "
    "CAPRATIO(ontime, due), CAPRATIO(closed, filed), CAPRATIO(cover, built))"
)

CORPUS = [
    # arithmetic, precedence, unary minus
    "a + b * c",
    "(a - b) / c",
    "-a + 3",
    "-(a - b) * 2 - -c",
    "total / n",
    # comparisons and logic
    "(a < b) + (a <= 4) + (a > b) + (a >= 5) + (a == 4) + (a != 4)",
    "a < b < c",
    "a < c < b",
    "a > 0 and b > 0",
    "a > 100 or b > 0",
    "not a",
    "not (a > 100)",
    "IF(a > b, 10, 20)",
    "IF(z == 0, 0, a / z)",  # lazy in both
    "IF(a < b < c, 1, 2)",
    # numeric functions
    "MIN(a, b, c) + MAX(a, b, 7.5)",
    "SUM(a, b, c) + AVERAGE(a, b) + COUNT(a, b, c)",
    "ABS(-a) + ABS(a - 100)",
    "ROUND(2.675, 2)",
    "ROUND(1.005, 2)",
    "ROUND(neg, 2)",
    "ROUND(total / n, 1)",
    "ROUND(1250, -2)",
    # ratios landing on x.xx5 after multiplication (binary floating point in the office suite)
    "100 * RATIO(num, den)",
    "100 * RATIO(2469, 20000)",
    "100 * RATIO(107, 400)",
    "ROUND(100 * RATIO(107, 400), 1)",
    "100 * RATIO(p, 1000)",
    "100 * RATIO(2675, 100000)",
    "RATIO(a, z) + RATIO(a, z, 1) + RATIO(a, b)",
    "100 * CAPRATIO(a, b) + CAPRATIO(b, a) + CAPRATIO(-a, b) + CAPRATIO(a, z, 0.5)",
    "CLAMP01(a / 10) + CLAMP01(-1) + CLAMP01(1.5)",
    "100 * ATTAIN(a, 10) + ATTAIN(30, 10)",
    "100 * RANKSCORE(rank, cities, floor)",
    "RANKSCORE(1, cities, floor) + RANKSCORE(cities, cities, floor)",
    "100 * GROWTH(cur, prev) + GROWTH(a, z)",
    # lists
    "SUM(t.a)",
    "SUM(t.a * 2 + 1)",
    "SUM(t.a * t.b)",
    "SUM(t.a, a, t.b)",
    "AVERAGE(t.a)",
    "AVERAGE(t.a, 8)",
    "100 * AVERAGE(t.a / t.b)",
    "AVERAGE(u * 1.5, 2)",
    "COUNT(t.a) + COUNT(t.a > 2) + COUNT(t.a, u, a)",
    "SUM(t.a > 2)",
    "MIN(t.a) + MAX(t.a, a, 7) + MAX(u)",
    "SUM(CLAMP01(u))",
    "100 * AVERAGE(CLAMP01(t.a / 4))",
    "SUM(ABS(t.a - 3)) + SUM(ABS(u))",
    "SUM(-t.a)",
    "SUM(not t.c)",
    "SUM(t.a >= 2 and t.b < 10)",
    "SUM(t.a > 3 or t.b < 3)",
    "SUM(t.a < t.b < 9)",
    "SUM(t.a * a) + SUM(a - t.a)",
    "SUM(t.a * ATTAIN(a, 10))",
    "100 * AVERAGE(CAPRATIO(a, b), CLAMP01(SUM(u) / 2))",
    "100 * AVERAGE(CLAMP01(u * 1.1))",
    # exact half cents that 28-digit decimals missed (61.875 and 55.625)
    BOUNDARY_16,
    BOUNDARY_16_CAPPED,
    BOUNDARY_30,
    f"ROUND({BOUNDARY_16}, 2)",
]

# Rules that have no value for these data: the engine reports 数据有误, the workbook an error.
FAILING = [
    "a / z",
    "ATTAIN(a, z)",
    "SUM(t.a / t.c)",  # one row divides by zero
    "z > 0 and a / z > 1",  # AND evaluates both sides in Excel too
]


def round2(x: Decimal | Fraction) -> Decimal:
    """The test's own reference: half away from zero to 2 decimals, on the exact value."""
    whole = math.floor(abs(Fraction(x)) * 100 + Fraction(1, 2))
    return D(whole if x >= 0 else -whole) / 100


def _layout() -> dict[str, str]:
    """Cell address (numbers) or column range (lists) of every input on the Data sheet."""
    refs = {name: f"Data!$B${row}" for row, name in enumerate(SCALARS, start=2)}
    for col, name in enumerate(LISTS):
        letter = chr(ord("D") + col)
        refs[name] = f"Data!${letter}$2:${letter}${len(LISTS[name]) + 1}"
    return refs


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, object]]:
    """Write the corpus, let LibreOffice recalculate it, return {expr: (rounded, raw)}."""
    refs = _layout()
    folder = tmp_path_factory.mktemp("rules_excel")
    source = folder / "rules.xlsx"
    book = xlsxwriter.Workbook(source)
    data = book.add_worksheet("Data")
    for row, (name, value) in enumerate(SCALARS.items(), start=1):
        data.write_string(row, 0, name)
        data.write_number(row, 1, float(value))
    for col, (name, values) in enumerate(LISTS.items(), start=3):
        data.write_string(0, col, name)
        for row, value in enumerate(values, start=1):
            data.write_number(row, col, float(value))
    calc = book.add_worksheet("Calc")
    exprs = ["1 + 6", *CORPUS, *FAILING]  # the first is a plain recalculation witness
    for row, expr in enumerate(exprs):
        formula = parse(expr).to_excel(refs.__getitem__)
        calc.write_string(row, 0, expr)
        # value="" writes an empty cached value: LibreOffice must compute the cell on load.
        calc.write_formula(row, 1, f"=ROUND({formula},2)", None, "")
        calc.write_formula(row, 2, f"={formula}", None, "")
    book.close()

    result = convert(source, folder / "out")
    sheet = openpyxl.load_workbook(result, data_only=True)["Calc"]
    values = {}
    for row, expr in enumerate(exprs, start=1):
        assert sheet.cell(row, 1).value == expr
        values[expr] = (sheet.cell(row, 2).value, sheet.cell(row, 3).value)
    return values


def _env() -> dict[str, Decimal | list[Decimal]]:
    return {**SCALARS, **LISTS}


def test_libreoffice_really_recalculated(recalculated: dict[str, tuple[object, object]]) -> None:
    # Written with an empty cached value: a number can only come from LibreOffice.
    assert recalculated["1 + 6"] == (7, 7)
    assert all(rounded is not None for rounded, _ in recalculated.values())


def test_corpus_covers_every_function() -> None:
    used = {name for expr in CORPUS for name in FUNCTIONS if f"{name}(" in expr}
    assert used == set(FUNCTIONS)
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("expr", CORPUS)
def test_libreoffice_agrees_to_the_cent(
    expr: str, recalculated: dict[str, tuple[object, object]]
) -> None:
    rule = parse(expr)
    expected = rule.evaluate(_env())
    assert isinstance(expected, Fraction)
    rounded, raw = recalculated[expr]
    assert isinstance(rounded, int | float), f"{expr}: LibreOffice gave {rounded!r}"
    # LibreOffice's ROUND(…, 2) equals the exact value rounded half up, to the cent
    assert D(repr(rounded)) == round2(expected), f"{expr}: {rounded} vs {expected}"
    assert isinstance(raw, int | float)
    assert abs(Fraction(repr(raw)) - expected) <= Fraction(1, 10**9) * max(1, abs(expected))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("100 * RATIO(num, den)", "12.35"),
        ("100 * RATIO(2469, 20000)", "12.35"),
        ("100 * RATIO(p, 1000)", "1.01"),
        ("100 * RATIO(2675, 100000)", "2.68"),
        ("ROUND(100 * RATIO(107, 400), 1)", "26.8"),
        ("ROUND(1.005, 2)", "1.01"),
        ("ROUND(neg, 2)", "-2.68"),
        # 16: (23/24 + 17/17 + 1/12 + 13/30)/4 = (115 + 120 + 10 + 52)/120/4 = 297/480
        #     = 0.61875 exactly -> 61.875 -> 61.88 (28-digit decimals gave 61.87)
        (BOUNDARY_16, "61.88"),
        (BOUNDARY_16_CAPPED, "61.88"),
        (f"ROUND({BOUNDARY_16}, 2)", "61.88"),
        # 30: 7/12 + 12/35 + 4/5 + 27/35 + 47.65/168 over 3360:
        #     (1960 + 1152 + 2688 + 2592 + 953)/3360 = 9345/3360 = 2.78125; /5 = 0.55625
        #     -> 55.625 -> 55.63 (28-digit decimals gave 55.62)
        (BOUNDARY_30, "55.63"),
    ],
)
def test_half_cent_cases_round_up_in_both(
    expr: str, expected: str, recalculated: dict[str, tuple[object, object]]
) -> None:
    assert round2(parse(expr).evaluate(_env())) == D(expected)
    assert D(repr(recalculated[expr][0])) == D(expected)


@pytest.mark.parametrize("expr", FAILING)
def test_failing_rules_fail_in_both(
    expr: str, recalculated: dict[str, tuple[object, object]]
) -> None:
    with pytest.raises(RuleEvalError):
        parse(expr).evaluate(_env())
    rounded, raw = recalculated[expr]
    assert rounded == "#DIV/0!"
    assert raw == "#DIV/0!"
