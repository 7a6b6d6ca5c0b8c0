"""values.parse_value: every way people fill in a cell, one row per case."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jinan_eval_gui.collect.values import KINDS, Issue, Parsed, parse_value
from jinan_eval_gui.collect.xlsxsafe import CellValue


def text(raw: str, **kw) -> CellValue:
    return CellValue("B3", raw, raw, "s", **kw)


def num(raw: str, **kw) -> CellValue:
    return CellValue("B3", raw, D(raw), "n", **kw)


def formula(cell: CellValue) -> CellValue:
    return CellValue(cell.address, cell.raw, cell.value, cell.type, has_formula=True,
                     is_date_format=cell.is_date_format, is_percent_format=cell.is_percent_format)


def boolean(flag: bool) -> CellValue:
    return CellValue("B3", "1" if flag else "0", flag, "b")


def error(code: str) -> CellValue:
    return CellValue("B3", code, None, "e")


BLANK = CellValue.blank("B3")
PCT = {"is_percent_format": True, "number_format": "0%"}
DATE = {"is_date_format": True, "number_format": "yyyy-mm-dd"}
OPTIONS = [{"label": "已建成", "value": 2}, {"label": "在建", "value": 1}, {"label": "未建", "value": 0}]

# (id, cell, kind, keyword arguments, expected value, expected (severity, code) findings)
CASES = [
    # --- blank and whitespace -------------------------------------------------------------
    ("blank", BLANK, "count", {}, None, []),
    ("blank text kind", BLANK, "text", {}, None, []),
    ("spaces only", text("  "), "count", {}, None, [("info", "only_spaces")]),
    ("nbsp and ideographic space", text("\u00a0\u3000"), "amount", {}, None, [("info", "only_spaces")]),
    ("empty string", text(""), "count", {}, None, []),
    # --- plain numbers ----------------------------------------------------------------------
    ("number", num("85"), "count", {}, D(85), []),
    ("decimal amount", num("1234.5"), "amount", {}, D("1234.5"), []),
    ("zero", num("0"), "count", {}, D(0), []),
    ("float noise rounded to 15 digits", num("0.30000000000000004"), "amount", {}, D("0.3"), []),
    ("float noise just below", num("2.9999999999999996"), "count", {}, D(3), []),
    ("Excel scientific storage", num("1.5E+3"), "amount", {}, D(1500), []),
    ("tiny number", num("1E-3"), "amount", {}, D("0.001"), []),
    ("huge number", num("1E+25"), "amount", {}, None, [("error", "too_large")]),
    ("huge exponent stored", num("1E+999999999"), "amount", {}, None, [("error", "too_large")]),
    ("tiny exponent stored, never 0", num("1E-999999999"), "amount", {}, None,
     [("error", "too_small")]),
    ("too many decimals", num("1E-25"), "amount", {}, None, [("error", "too_small")]),
    ("huge exponent typed", text("1e1000000"), "amount", {}, None, [("error", "out_of_range")]),
    ("exponent typed near the cap", text("1e999"), "count", {}, None,
     [("error", "out_of_range")]),
    ("long digits typed", text("1" * 70), "amount", {}, None, [("error", "too_many_digits")]),
    ("cell Excel cannot show", CellValue("B3", "2", None, "bad", problem="逻辑值单元格保存的是“2”"),
     "yesno", {}, None, [("error", "ambiguous")]),
    # --- numbers stored as text ---------------------------------------------------------------
    ("text number", text("85"), "count", {}, D(85), [("info", "number_as_text")]),
    ("text with spaces", text("  85 "), "count", {}, D(85), [("info", "number_as_text")]),
    ("text with nbsp", text("\u00a085\u00a0"), "count", {}, D(85), [("info", "number_as_text")]),
    ("zero-width space", text("8\u200b5"), "count", {}, D(85), [("info", "number_as_text")]),
    ("full-width digits", text("８５"), "count", {}, D(85), [("info", "number_as_text")]),
    ("full-width decimal point", text("８５．５"), "amount", {}, D("85.5"), [("info", "number_as_text")]),
    ("full-width minus", text("－５"), "amount", {}, None, [("error", "negative")]),
    ("unicode minus", text("\u22125"), "count", {}, None, [("error", "negative")]),
    ("leading plus", text("+12"), "count", {}, D(12), [("info", "number_as_text")]),
    ("leading apostrophe", text("'123"), "count", {}, D(123), [("info", "number_as_text")]),
    ("thousands separators", text("1,234"), "count", {}, D(1234), [("info", "number_as_text")]),
    ("thousands, millions", text("1,234,567.89"), "amount", {}, D("1234567.89"),
     [("info", "number_as_text")]),
    ("full-width comma separator", text("1，234"), "count", {}, D(1234), [("info", "number_as_text")]),
    ("full-width comma and digits", text("１，２３４"), "count", {}, D(1234),
     [("info", "number_as_text")]),
    ("comma as decimal point", text("1,5"), "amount", {}, None, [("error", "bad_separator")]),
    ("wrong grouping", text("12,34"), "amount", {}, None, [("error", "bad_separator")]),
    ("two decimal points", text("1.234.567"), "amount", {}, None, [("error", "several_numbers")]),
    ("space inside number", text("1 234"), "count", {}, None, [("error", "several_numbers")]),
    ("scientific text", text("1.2E+5"), "amount", {}, D(120000),
     [("info", "number_as_text"), ("info", "scientific")]),
    ("scientific lower case", text("3e2"), "count", {}, D(300),
     [("info", "number_as_text"), ("info", "scientific")]),
    ("NaN is not a number", text("NaN"), "amount", {}, None, [("error", "not_number")]),
    ("Infinity is not a number", text("Infinity"), "amount", {}, None, [("error", "not_number")]),
    ("underscore digits", text("1_000"), "count", {}, None, [("error", "number_with_text")]),
    ("arabic-indic digits", text("٨٥"), "count", {}, None, [("error", "not_number")]),
    # --- words instead of numbers (never guessed) -------------------------------------------
    ("about 100", text("约100"), "count", {}, None, [("error", "approximate")]),
    ("100 or so", text("100左右"), "amount", {}, None, [("error", "approximate")]),
    ("more than 100", text("100以上"), "count", {}, None, [("error", "approximate")]),
    ("100+", text("100+"), "count", {}, None, [("error", "approximate")]),
    (">=100", text("≥100"), "count", {}, None, [("error", "approximate")]),
    ("tilde range", text("80~90"), "percent", {}, None, [("error", "approximate")]),
    ("not applicable", text("不适用"), "count", {}, None, [("error", "not_applicable")]),
    ("none", text("无"), "count", {}, None, [("error", "not_applicable")]),
    ("N/A typed", text("N/A"), "amount", {}, None, [("error", "not_applicable")]),
    ("dash", text("—"), "count", {}, None, [("error", "not_applicable")]),
    ("slash", text("/"), "count", {}, None, [("error", "not_applicable")]),
    ("with unit", text("100个"), "count", {}, None, [("error", "number_with_text")]),
    ("with magnitude unit", text("12万元"), "amount", {}, None, [("error", "number_with_text")]),
    ("chinese numeral", text("八十五"), "count", {}, None, [("error", "chinese_numeral")]),
    ("plain words", text("已完成"), "count", {}, None, [("error", "not_number")]),
    ("percent sign in count", text("85%"), "count", {}, None,
     [("error", "percent_sign")]),
    # --- whole numbers, negatives, bounds ---------------------------------------------------
    ("decimal in count", num("12.5"), "count", {}, None, [("error", "not_whole")]),
    ("decimal text in count", text("12.5"), "count", {}, None, [("error", "not_whole")]),
    ("85.0 is whole", text("85.0"), "count", {}, D(85), [("info", "number_as_text")]),
    ("decimal in rank", num("2.5"), "rank", {}, None, [("error", "not_whole")]),
    ("decimal in level", num("3.5"), "level", {}, None, [("error", "not_whole")]),
    ("negative count", num("-5"), "count", {}, None, [("error", "negative")]),
    ("negative amount", num("-0.5"), "amount", {}, None, [("error", "negative")]),
    ("negative zero", num("-0"), "count", {}, D(0), []),
    ("negative score", num("-1"), "score", {}, None, [("error", "negative")]),
    ("rank 0", num("0"), "rank", {}, None, [("error", "rank_range")]),
    ("rank 1", num("1"), "rank", {}, D(1), []),
    ("level 0", num("0"), "level", {}, D(0), []),
    ("score 100", num("100"), "score", {}, D(100), []),
    ("score above 100", num("100.5"), "score", {}, None, [("error", "out_of_range")]),
    ("declared maximum", num("17"), "rank", {"maximum": D(16)}, None, [("error", "above_max")]),
    ("declared minimum", num("4"), "amount", {"minimum": D(5)}, None, [("error", "below_min")]),
    ("within bounds", num("16"), "rank", {"minimum": D(1), "maximum": D(16)}, D(16), []),
    # --- percent ------------------------------------------------------------------------------
    ("percent 85", num("85"), "percent", {}, D(85), []),
    ("percent 0", num("0"), "percent", {}, D(0), []),
    ("percent 100", num("100"), "percent", {}, D(100), []),
    ("percent typed as fraction", num("0.85"), "percent", {}, D("0.85"),
     [("warning", "percent_fraction")]),
    ("percent 1 is suspicious", num("1"), "percent", {}, D(1), [("warning", "percent_fraction")]),
    ("percent 1.5 is fine", num("1.5"), "percent", {}, D("1.5"), []),
    ("percent-formatted cell", num("0.85", **PCT), "percent", {}, D(85), [("info", "percent_format")]),
    ("percent-formatted noise", num("0.85000000000000009", **PCT), "percent", {}, D(85),
     [("info", "percent_format")]),
    ("percent-formatted 85 means 8500%", num("85", **PCT), "percent", {}, None,
     [("error", "out_of_range")]),
    ("percent text 85%", text("85%"), "percent", {}, D(85), [("info", "number_as_text")]),
    ("percent text with space", text("85 %"), "percent", {}, D(85), [("info", "number_as_text")]),
    ("percent full-width sign", text("８５％"), "percent", {}, D(85), [("info", "number_as_text")]),
    ("percent text 0.5% is explicit", text("0.5%"), "percent", {}, D("0.5"),
     [("info", "number_as_text")]),
    ("percent text fraction", text("0.85"), "percent", {}, D("0.85"),
     [("info", "number_as_text"), ("warning", "percent_fraction")]),
    ("percent above 100", num("120"), "percent", {}, None, [("error", "out_of_range")]),
    ("percent 120% text", text("120%"), "percent", {}, None, [("error", "out_of_range")]),
    ("percent fraction mode", num("0.85"), "percent", {"percent_mode": "fraction"}, D(85), []),
    ("percent-format on a count", num("0.12", **PCT), "count", {}, None, [("error", "not_whole")]),
    ("percent-format on an amount", num("0.12", **PCT), "amount", {}, D("0.12"),
     [("warning", "percent_format_elsewhere")]),
    # --- yes/no -------------------------------------------------------------------------------
    ("是", text("是"), "yesno", {}, D(1), []),
    ("否", text("否"), "yesno", {}, D(0), []),
    ("有", text("有"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("无", text("无"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("check mark", text("√"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("heavy check mark", text("✔"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("cross", text("×"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("Y", text("Y"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("n lower", text("n"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("YES", text(" YES "), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("no", text("no"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("true text", text("true"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("FALSE text", text("FALSE"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("1 text", text("1"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("0 number", num("0"), "yesno", {}, D(0), [("info", "yesno_synonym")]),
    ("1 number", num("1"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("full-width Y", text("Ｙ"), "yesno", {}, D(1), [("info", "yesno_synonym")]),
    ("boolean TRUE", boolean(True), "yesno", {}, D(1), []),
    ("boolean FALSE", boolean(False), "yesno", {}, D(0), []),
    ("2 is not yes/no", num("2"), "yesno", {}, None, [("error", "not_yesno")]),
    ("X is ambiguous", text("X"), "yesno", {}, None, [("error", "not_yesno")]),
    ("words", text("已建成"), "yesno", {}, None, [("error", "not_yesno")]),
    ("partly", text("部分"), "yesno", {}, None, [("error", "not_yesno")]),
    # --- choice -------------------------------------------------------------------------------
    ("choice exact", text("在建"), "choice", {"options": OPTIONS}, D(1), []),
    ("choice with spaces", text(" 已建成 "), "choice", {"options": OPTIONS}, D(2), []),
    ("choice full-width", text("ＡＢ"), "choice", {"options": [("AB", "ab")]}, "ab",
     [("info", "choice_normalised")]),
    ("choice numeric label", num("3"), "choice", {"options": [("3", 3), ("4", 4)]}, D(3), []),
    ("choice unknown", text("规划中"), "choice", {"options": OPTIONS}, None, [("error", "not_option")]),
    ("choice bare labels", text("在建"), "choice", {"options": ["已建成", "在建"]}, "在建", []),
    ("choice bare label, canonical back", text(" Ａ级 "), "choice", {"options": ["A级", "B级"]},
     "A级", [("info", "choice_normalised")]),
    # --- text ---------------------------------------------------------------------------------
    ("text", text(" 已上线“爱山东”APP "), "text", {}, "已上线“爱山东”APP", []),
    ("text from number", num("12.50"), "text", {}, "12.5", []),
    ("text from date", num("45293", **DATE), "text", {}, "2024-01-02", []),
    ("text from boolean", boolean(True), "text", {}, "TRUE", []),
    ("text too long", text("字" * 21), "text", {"max_text_length": 20}, None, [("error", "too_long")]),
    # --- types that are not numbers -------------------------------------------------------------
    ("boolean in count", boolean(True), "count", {}, None, [("error", "boolean")]),
    ("date in count", num("45293", **DATE), "count", {}, None, [("error", "date")]),
    ("date in percent", num("45293", **DATE), "percent", {}, None, [("error", "date")]),
    ("ISO date cell", CellValue("B3", "2024-01-02T00:00:00", "2024-01-02T00:00:00", "d",
                                is_date_format=True), "amount", {}, None, [("error", "date")]),
    ("#DIV/0!", error("#DIV/0!"), "percent", {}, None, [("error", "excel_error")]),
    ("#N/A", error("#N/A"), "count", {}, None, [("error", "excel_error")]),
    ("#REF!", error("#REF!"), "amount", {}, None, [("error", "excel_error")]),
    ("#VALUE! in text", error("#VALUE!"), "text", {}, None, [("error", "excel_error")]),
    ("#NAME? in yesno", error("#NAME?"), "yesno", {}, None, [("error", "excel_error")]),
    # --- formulas -------------------------------------------------------------------------------
    ("formula number", formula(num("170")), "count", {}, D(170), [("warning", "formula")]),
    ("formula percent", formula(num("0.85", **PCT)), "percent", {}, D(85),
     [("warning", "formula"), ("info", "percent_format")]),
    ("formula error", formula(error("#DIV/0!")), "percent", {}, None,
     [("warning", "formula"), ("error", "excel_error")]),
    ("formula text result", formula(CellValue("B3", "是", "是", "str")), "yesno", {}, D(1),
     [("warning", "formula")]),
    ("formula without cached value", formula(BLANK), "count", {}, None,
     [("error", "formula_without_value")]),
    ("formula giving a decimal", formula(num("2.5")), "count", {}, None,
     [("warning", "formula"), ("error", "not_whole")]),
]


@pytest.mark.parametrize(
    ("cell", "kind", "kwargs", "expected", "findings"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_parse_value(cell, kind, kwargs, expected, findings):
    parsed = parse_value(cell, kind, **kwargs)
    assert [(i.severity, i.code) for i in parsed.issues] == findings
    assert parsed.value == expected
    assert type(parsed.value) is type(expected)
    if isinstance(expected, D):
        assert str(parsed.value) == str(expected), "canonical form (no exponent, no trailing zeros)"
    assert parsed.ok == all(sev != "error" for sev, _ in findings)
    for issue in parsed.issues:
        assert re.search(r"[\u4e00-\u9fff]", issue.message), issue
        assert issue.message.endswith(("。", "）")), issue.message


def test_error_messages_say_what_to_do():
    for cell, kind in [(text("约100"), "count"), (error("#DIV/0!"), "amount"),
                       (num("45293", **DATE), "count"), (text("部分"), "yesno")]:
        message = parse_value(cell, kind).errors[0].message
        assert "请" in message


def test_message_quotes_what_was_typed():
    assert "“100左右”" in parse_value(text("100左右"), "count").errors[0].message
    assert "0.85" in parse_value(num("0.85"), "percent").warnings[0].message
    assert "#DIV/0!" in parse_value(error("#DIV/0!"), "count").errors[0].message
    assert "已建成、在建、未建" in parse_value(text("x"), "choice", options=OPTIONS).errors[0].message


def test_choice_accepts_objects_with_label_and_value():
    class Option:
        def __init__(self, label, value):
            self.label, self.value = label, value

    assert parse_value(text("高"), "choice", options=[Option("高", D(3))]).value == D(3)


def test_programming_errors_are_not_findings():
    with pytest.raises(ValueError):
        parse_value(text("1"), "table")
    with pytest.raises(ValueError):
        parse_value(text("1"), "percent", percent_mode="ratio")
    with pytest.raises(ValueError):
        parse_value(text("1"), "choice")


def test_types():
    parsed = parse_value(num("1"), "count")
    assert isinstance(parsed, Parsed) and parsed.issues == ()
    assert isinstance(Issue("info", "x", "说明。"), Issue)
    assert set(KINDS) == {"count", "amount", "percent", "yesno", "choice", "rank", "level",
                          "score", "text"}


@given(st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False))
def test_typed_text_reads_exactly(number):
    typed = f"{number:f}"
    parsed = parse_value(text(typed), "amount")
    assert parsed.ok and parsed.value == number


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_round_trip(n):
    parsed = parse_value(text(f"{n:,}"), "count")
    assert parsed.ok and parsed.value == n


@given(st.text(max_size=12))
def test_never_crashes_and_never_guesses(raw):
    for kind in ("count", "amount", "percent", "yesno", "text"):
        parsed = parse_value(text(raw), kind)
        if parsed.value is None:
            continue
        if kind in ("count", "amount", "percent"):
            # Whatever was accepted holds nothing but the number (and separators/percent/sign).
            assert re.fullmatch(r"[\s\d０-９.,，．'+＋%％eE\u200b-\u200d\u2060\ufeff\u00a0\u3000-]*",
                                raw), raw


@pytest.mark.parametrize("raw", ["1E+999999999", "1e999999", "9" * 40, "-1E+308"])
def test_messages_about_huge_numbers_stay_short(raw):
    for cell in (num(raw), text(raw)):
        parsed = parse_value(cell, "amount")
        assert parsed.value is None
        assert all(len(i.message) < 200 for i in parsed.issues), parsed.issues
