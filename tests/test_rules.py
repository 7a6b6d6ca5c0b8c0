"""The rule language: golden values by hand, refusals, list checks, Excel text, properties."""

from __future__ import annotations

import builtins
import re
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jinan_eval_gui.catalogue.rules import (
    FUNCTIONS,
    Rule,
    RuleEvalError,
    RuleMissingError,
    compile_excel,
    is_identifier,
    parse,
    round_half_up,
    split_identifier,
    to_decimal,
    to_places,
)
from jinan_eval_gui.errors import EvalError, RuleError

D = Decimal
WHERE = "指标 47 的评分规则"

ENV = {
    "a": D(4),
    "b": D(5),
    "c": D(7),
    "z": D(0),
    "n": D(3),
    "total": D(8),
    "t.a": [D(0), D(1), D(2), D(3), D(4)],
    "t.b": [D(2), D(4), D(6), D(8), D(10)],
    "u": [D("0.5"), D("1.5"), D("-0.25")],
}
LISTS = {"t.a", "t.b", "u"}


def ev(expr: str, env: dict | None = None):
    return parse(expr, where=WHERE).evaluate(ENV if env is None else env)


# --------------------------------------------------------------------------- golden values

GOLDEN = [
    # arithmetic and precedence
    ("1 + 2 * 3", "7"),
    ("(1 + 2) * 3", "9"),
    ("a - b - c", "-8"),  # left-associative: (4-5)-7
    ("a / b", "0.8"),
    ("total / n / 2", "4/3"),  # (8/3)/2 exactly; no digit is rounded anywhere
    ("-a + 3", "-1"),
    ("-(a - b) * 2", "2"),
    ("--a", "4"),
    ("2.5 * 4", "10.0"),
    ("1_000 + 1", "1001"),
    ("1e3 / 8", "125"),
    # comparisons give 1/0
    ("a < b", "1"),
    ("a <= 4", "1"),
    ("a > b", "0"),
    ("a >= 5", "0"),
    ("a == 4", "1"),
    ("a != 4", "0"),
    ("a < b < c", "1"),
    ("a < c < b", "0"),  # 4<7 true but 7<5 false
    ("(a < b) + (b < c) + (c < a)", "2"),
    # boolean operators give 1/0, any non-zero is true
    ("a and b", "1"),
    ("a and z", "0"),
    ("z or 0", "0"),
    ("z or 0.5", "1"),
    ("not a", "0"),
    ("not z", "1"),
    ("not (a > b)", "1"),
    ("a > 0 and b > 0 and c > 10", "0"),
    # IF
    ("IF(a > b, 10, 20)", "20"),
    ("IF(a, 10, 20)", "10"),
    ("IF(z, 10, 20)", "20"),
    ("IF(z == 0, 0, a / z)", "0"),  # lazy: a / z is never computed
    ("IF(z != 0, a / z, -1)", "-1"),
    # MIN, MAX, SUM, AVERAGE, COUNT, ABS on numbers
    ("MIN(a, b, c)", "4"),
    ("MAX(a, b, 7.5)", "7.5"),
    ("MIN(3)", "3"),
    ("SUM(a, b, c)", "16"),
    ("AVERAGE(a, b)", "4.5"),
    ("AVERAGE(1, 2, 2)", "5/3"),
    ("COUNT(a, b, c)", "3"),
    ("ABS(-a)", "4"),
    ("ABS(a - 100)", "96"),
    # ROUND: half away from zero on the decimal value, as Excel
    ("ROUND(2.675, 2)", "2.68"),
    ("ROUND(1.005, 2)", "1.01"),
    ("ROUND(-2.675, 2)", "-2.68"),
    ("ROUND(2.665, 2)", "2.67"),  # not banker's rounding (that would give 2.66)
    ("ROUND(0.125, 2)", "0.13"),
    ("ROUND(a / n, 1)", "1.3"),
    ("ROUND(2.5, 0)", "3"),
    ("ROUND(-2.5, 0)", "-3"),
    ("ROUND(1250, -2)", "1300"),
    ("ROUND(1.26, 1.9)", "1.3"),  # digit count truncated like Excel: ROUND(1.26, 1)
    # RATIO
    ("RATIO(a, b)", "0.8"),
    ("RATIO(a, z)", "0"),
    ("RATIO(a, z, 1)", "1"),
    ("RATIO(z, z, 0.5)", "0.5"),
    ("RATIO(b, a)", "1.25"),  # not capped
    ("RATIO(-a, b)", "-0.8"),
    ("100 * RATIO(2469, 20000)", "12.345"),
    ("100 * RATIO(107, 400)", "26.75"),
    # CAPRATIO
    ("CAPRATIO(a, b)", "0.8"),
    ("CAPRATIO(b, a)", "1"),  # 1.25 capped
    ("CAPRATIO(-a, b)", "0"),
    ("CAPRATIO(a, z)", "0"),
    ("CAPRATIO(a, z, 0.5)", "0.5"),
    # CLAMP01
    ("CLAMP01(0.3)", "0.3"),
    ("CLAMP01(-1)", "0"),
    ("CLAMP01(1.5)", "1"),
    ("CLAMP01(a / 10)", "0.4"),
    # ATTAIN
    ("ATTAIN(a, 10)", "0.4"),
    ("ATTAIN(30, 10)", "1"),
    ("ATTAIN(-3, 10)", "0"),
    # RANKSCORE: rank 1 -> 1, rank n -> floor, linear
    ("RANKSCORE(1, 16, 0.6)", "1"),
    ("RANKSCORE(16, 16, 0.6)", "0.6"),
    ("RANKSCORE(6, 11, 0)", "0.5"),  # 1 - 5/10 * 1
    ("RANKSCORE(5, 16, 0.6)", "67/75"),  # 1 - 4/15*2/5 = 1 - 8/75
    ("RANKSCORE(20, 16, 0.6)", "37/75"),  # beyond n, not clamped yet: 1 - 19/15*2/5
    ("RANKSCORE(40, 16, 0.6)", "0"),  # clamped
    ("RANKSCORE(0, 16, 0.6)", "1"),  # clamped
    # GROWTH
    ("GROWTH(115, 100)", "0.15"),
    ("GROWTH(80, 100)", "-0.2"),
    ("GROWTH(a, z)", "0"),
    ("GROWTH(a, b)", "-0.2"),
    # lists: broadcasting and reductions
    ("SUM(t.a)", "10"),
    ("SUM(t.a * 2 + 1)", "25"),  # 1+3+5+7+9
    ("SUM(t.a * t.b)", "80"),  # 0+4+12+24+40
    ("SUM(t.a, a, t.b)", "44"),  # 10 + 4 + 30
    ("AVERAGE(t.a)", "2"),
    ("AVERAGE(t.a, 8)", "3"),  # (10+8)/6
    ("AVERAGE(t.a / t.b)", "163/600"),  # (0 + 30 + 40 + 45 + 48)/120 / 5
    ("COUNT(t.a)", "5"),
    ("COUNT(t.a, u, a)", "9"),
    ("COUNT(t.a > 2)", "5"),  # counts rows, not true rows
    ("SUM(t.a > 2)", "2"),  # counts true rows
    ("MIN(t.a)", "0"),
    ("MAX(t.a, a, 7)", "7"),
    ("MAX(u)", "1.5"),
    ("SUM(CLAMP01(u))", "1.5"),  # 0.5 + 1 + 0
    ("SUM(CLAMP01(t.a / 4))", "2.5"),  # 0 + .25 + .5 + .75 + 1
    ("SUM(ABS(t.a - 3))", "7"),  # 3+2+1+0+1
    ("SUM(-t.a)", "-10"),
    ("SUM(not t.a)", "1"),  # only the 0
    ("SUM(t.a >= 2 and t.b < 10)", "2"),  # rows 3 and 4
    ("SUM(t.a > 3 or t.b < 3)", "2"),  # rows 1 and 5
    ("SUM(t.a < t.b < 9)", "4"),  # chain element-wise: rows 1..4
    ("SUM(t.a * a)", "40"),  # scalar with list
    ("SUM(a - t.a)", "10"),  # 4+3+2+1+0
    ("SUM(t.a) / COUNT(t.a)", "2"),
    ("100 * AVERAGE(CAPRATIO(a, b), CLAMP01(SUM(u) / 2))", "83.75"),  # (0.8 + 1.75/2)/2
]


@pytest.mark.parametrize(("expr", "expected"), GOLDEN)
def test_golden_value(expr: str, expected: str) -> None:
    result = ev(expr)
    assert isinstance(result, Fraction)
    assert result == Fraction(expected)


def test_every_function_has_a_golden_value() -> None:
    used = {name for expr, _ in GOLDEN for name in FUNCTIONS if f"{name}(" in expr}
    assert used == set(FUNCTIONS)


def test_lists_come_back_as_lists() -> None:
    assert ev("t.a * 2") == [D(0), D(2), D(4), D(6), D(8)]
    assert ev("t.a + t.b") == [D(2), D(5), D(8), D(11), D(14)]
    assert ev("t.a > 1") == [D(0), D(0), D(1), D(1), D(1)]
    assert ev("CLAMP01(u)") == [D("0.5"), D(1), D(0)]
    assert ev("ABS(u)") == [D("0.5"), D("1.5"), D("0.25")]
    assert ev("-u") == [D("-0.5"), D("-1.5"), D("0.25")]
    assert ev("t.a") == [D(0), D(1), D(2), D(3), D(4)]


def test_empty_lists_follow_excel() -> None:
    env = {"e": []}
    assert ev("SUM(e)", env) == 0
    assert ev("COUNT(e)", env) == 0
    assert ev("MIN(e)", env) == 0  # Excel: MIN of nothing is 0
    assert ev("MAX(e)", env) == 0
    with pytest.raises(RuleEvalError, match="AVERAGE"):
        ev("AVERAGE(e)", env)


def test_the_decimal_context_plays_no_part() -> None:
    import decimal

    before = decimal.getcontext().prec
    decimal.getcontext().prec = 5
    try:
        assert ev("1 / 3") == Fraction(1, 3)
        assert ev("AVERAGE(u) * 3") == D("1.75")  # 0.5 + 1.5 - 0.25, exactly
    finally:
        decimal.getcontext().prec = before


def test_results_are_exact_where_decimals_would_round() -> None:
    # 23/24 + 17/17 + 1/12 + 13/30 = 99/40 exactly; 28 digits give 2.474999...9
    assert ev("SUM(r / v)", {"r": [D(23), D(17), D(1), D(13)], "v": [D(24), D(17), D(12), D(30)]}) \
        == Fraction(99, 40)
    assert ev("1 / 3 * 3") == 1
    assert ev("ROUND(100 * AVERAGE(r / v), 2)",
              {"r": [D(23), D(17), D(1), D(13)], "v": [D(24), D(17), D(12), D(30)]}) \
        == D("61.88")  # 61.875 exactly, half away from zero


def test_results_never_show_a_negative_zero() -> None:
    assert str(to_decimal(ev("-z"))) == "0"
    assert str(to_places(ev("ROUND(-0.001, 2)"), 2)) == "0.00"
    assert str(to_places(Fraction(-1, 1000), 2)) == "0.00"
    assert [str(to_decimal(x)) for x in ev("t.a * -1")] == ["0", "-1", "-2", "-3", "-4"]


def test_to_decimal_is_exact_when_the_expansion_ends() -> None:
    assert to_decimal(Fraction(99, 160)) == D("0.61875")
    assert str(to_decimal(Fraction(61875, 1000))) == "61.875"
    assert str(to_decimal(Fraction(1300))) == "1300"
    assert str(to_decimal(Fraction(1, 3))) == "0." + "3" * 28
    assert str(to_decimal(Fraction(-2, 3))) == "-0." + "6" * 27 + "7"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(2675, 1000), 2, "2.68"),
        (Fraction(-2675, 1000), 2, "-2.68"),
        (Fraction(99, 160) * 100, 2, "61.88"),  # 61.875
        (Fraction(6187499, 100000), 2, "61.87"),  # just below the half
        (Fraction(1, 3), 2, "0.33"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(-5, 2), 0, "-3"),
        (Fraction(1250), -2, "1300"),
        (Fraction(-1250), -2, "-1300"),
    ],
)
def test_round_half_up_is_exact(value: Fraction, places: int, expected: str) -> None:
    assert round_half_up(value, places) == D(expected)
    if places >= 0:
        assert str(to_places(value, places)) == expected


def test_int_values_are_accepted() -> None:
    assert ev("a + b", {"a": 2, "b": [1, 2]}) == [D(3), D(4)]


# --------------------------------------------------------------------------- evaluation errors


@pytest.mark.parametrize(
    "expr",
    [
        "a / z",
        "SUM(t.a / t.a)",  # the first row is 0/0
        "IF(a > 0, a / z, 0)",
        "ATTAIN(a, z)",
        "RANKSCORE(1, 1, 0.5)",
        "z > 0 and a / z > 1",  # and evaluates both sides, like Excel's AND
        "a < b < a / z",  # chains too
        "RATIO(a / z, 1)",
        "GROWTH(a / z, 1)",
        "RATIO(a, z, a / z)",  # the if_zero value is chosen and fails
    ],
)
def test_division_by_zero_is_a_data_error(expr: str) -> None:
    with pytest.raises(RuleEvalError) as info:
        ev(expr)
    assert isinstance(info.value, EvalError)
    assert not isinstance(info.value, RuleError)
    assert WHERE in str(info.value)
    assert expr in str(info.value)


def test_division_by_zero_message_is_chinese_with_position() -> None:
    with pytest.raises(RuleEvalError) as info:
        ev("1 + a / z")
    assert "除数为 0" in str(info.value)
    assert "第 5 列" in str(info.value)


@pytest.mark.parametrize(
    "expr",
    [
        "RATIO(a, z, 7)",  # den 0: numerator not needed
        "RATIO(a / z, z)",  # den 0: the failing numerator is never computed
        "CAPRATIO(a / z, z, 1)",
        "GROWTH(a / z, z)",
        "IF(z, a / z, 1)",
        "IF(1, 1, a / z)",
    ],
)
def test_if_based_functions_are_lazy(expr: str) -> None:
    ev(expr)


def test_lists_of_different_length_are_a_data_error() -> None:
    with pytest.raises(RuleEvalError, match="个数不同"):
        ev("SUM(t.a * u)")


def test_missing_value() -> None:
    with pytest.raises(RuleMissingError) as info:
        ev("a + nothing")
    assert info.value.name == "nothing"
    assert WHERE in str(info.value)
    with pytest.raises(RuleMissingError):
        ev("a + b", {"a": D(1), "b": None})
    with pytest.raises(RuleMissingError):
        ev("SUM(l)", {"l": [D(1), None]})


def test_text_value_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match="文字"):
        ev("a + 1", {"a": "见附件"})


def test_float_values_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        ev("a + 1", {"a": 0.1})


def test_non_finite_input_is_a_data_error() -> None:
    with pytest.raises(RuleEvalError):
        ev("a + 1", {"a": D("NaN")})


def test_list_in_scalar_position_at_evaluation() -> None:
    with pytest.raises(RuleError, match="RATIO"):
        ev("RATIO(t.a, 2)")


def test_overflow_is_a_data_error() -> None:
    with pytest.raises(RuleEvalError, match="超出范围"):
        ev("a * a * a", {"a": D("1e150")})
    with pytest.raises(RuleEvalError, match="a 的数值超出范围"):
        ev("a + 1", {"a": D("1e999990")})
    with pytest.raises(RuleEvalError, match="a 的数值超出范围"):
        ev("a + 1", {"a": 10**400})
    with pytest.raises(RuleEvalError, match="小数位数过多"):
        ev("a + 1", {"a": D("1e-999990")})
    with pytest.raises(RuleEvalError, match="数值无效"):
        ev("a + 1", {"a": D("NaN")})


@pytest.mark.parametrize(
    ("expr", "env"),
    [
        # the denominator of 1/1 + 1/2 + … + 1/n is about 1.44·n bits: it outgrows the bound
        ("SUM(1 / t.a)", {"t.a": [D(n) for n in range(1, 20000)]}),
        ("AVERAGE(t.a / t.b)", {"t.a": [D(1)] * 3000, "t.b": [D(10007 + 2 * n) for n in range(3000)]}),
        ("x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x", {"x": D("1." + "3" * 999)}),
    ],
)
def test_hostile_sizes_fail_fast_with_a_clear_message(expr: str, env: dict) -> None:
    start = time.perf_counter()
    with pytest.raises(RuleEvalError, match="精度过高|小数位数过多"):
        ev(expr, env)
    assert time.perf_counter() - start < 2


def test_ordinary_long_columns_stay_exact() -> None:
    # 60 hospitals with nine-digit visit counts: well inside the bound
    visits = [D(100_000_007 + 2 * n) for n in range(60)]
    reads = [v - 1 for v in visits]
    value = ev("AVERAGE(t.a / t.b)", {"t.a": reads, "t.b": visits})
    exact = sum(Fraction(r) / Fraction(v) for r, v in zip(reads, visits, strict=True))
    assert value == exact / 60


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("ROUND(1 / 3, 500)", Fraction(1, 3)),  # beyond 400 places: unchanged
        ("ROUND(1 / 3, 50)", Fraction(int("3" * 50), 10**50)),
        ("ROUND(123456, -400)", Fraction(0)),
        ("ROUND(1 / 3, 1e14)", Fraction(1, 3)),
        ("ROUND(5, -1e14)", Fraction(0)),
    ],
)
def test_round_with_extreme_digit_counts_stays_exact_and_quick(expr: str, expected: Fraction) -> None:
    assert ev(expr) == expected


# --------------------------------------------------------------------------- refusals

FORBIDDEN = [
    ("__import__('os')", 1),
    ("__import__", 1),
    ("a.__class__", 1),
    ("a[0]", 1),
    ("t.a[1:2]", 1),
    ("'x'", 1),
    ("b'x'", 1),
    ("a + 'x'", 5),
    ("f'{a}'", 1),
    ("lambda: 1", 1),
    ("[x for x in t.a]", 1),
    ("SUM(x for x in t.a)", 4),  # the generator's own parentheses
    ("FOO(1)", 1),
    ("eval('1')", 1),
    ("open('f')", 1),
    ("min(a, b)", 1),
    ("RATIO(1)", 1),
    ("RATIO(1, 2, 3, 4)", 1),
    ("IF(1, 2)", 1),
    ("CLAMP01()", 1),
    ("SUM()", 1),
    ("x.y.z", 1),
    ("x.y()", 1),
    ("RATIO(num=1, den=2)", 7),
    ("ROUND(a, ndigits=2)", 10),
    ("SUM(*t.a)", 5),
    ("a ** 2", 1),
    ("a // 2", 1),
    ("a % 2", 1),
    ("a & b", 1),
    ("~a", 1),
    ("+a", 1),
    ("a is b", 1),
    ("a in t.a", 1),
    ("a if b else c", 1),
    ("[1, 2]", 1),
    ("(1, 2)", 1),
    ("{1: 2}", 1),
    ("(a := 1)", 2),
    ("True", 1),
    ("None", 1),
    ("1j", 1),
    ("...", 1),
    ("SUM", 1),
    ("a +", 0),
    ("RATIO(a, b", 6),
    ("", 0),
    ("   ", 0),
    ("1e400", 1),
    ("12345678901234567", 1),  # more digits than Excel keeps
    ("变量 + 1", 1),
    ("a.b.c + 1", 1),
    ("IF(a, 1, 2)(3)", 1),
]


@pytest.mark.parametrize(("expr", "column"), FORBIDDEN)
def test_forbidden_constructs_are_refused(expr: str, column: int) -> None:
    with pytest.raises(RuleError) as info:
        parse(expr, where=WHERE)
    message = str(info.value)
    assert WHERE in message
    if column:
        assert f"第 {column} 列" in message


def test_refusal_messages_say_what_is_wrong() -> None:
    cases = {
        "'x'": "字符串",
        "a[0]": "下标",
        "FOO(1)": "未知函数 FOO",
        "min(a)": "MIN",
        "RATIO(1)": "2 到 3 个参数",
        "x.y.z": "表名.列名",
        "RATIO(num=1, den=2)": "名字=值",
        "a.__class__": "双下划线",
        "lambda: 1": "lambda",
        "a if b else c": "IF(c, x, y)",
        "a ** 2": "**",
    }
    for expr, fragment in cases.items():
        with pytest.raises(RuleError, match=re.escape(fragment)):
            parse(expr, where=WHERE)


def test_column_counts_characters_not_bytes() -> None:
    # ast reports UTF-8 byte offsets: x sits at byte 16 but is the 13th character
    with pytest.raises(RuleError) as info:
        parse("RATIO('中文', x=1)", where=WHERE)
    assert "第 13 列" in str(info.value)


def test_line_is_named_for_multi_line_rules() -> None:
    with pytest.raises(RuleError) as info:
        parse("RATIO(\n  a,\n  b['k'])", where=WHERE)
    assert "第 3 行第 3 列" in str(info.value)


def test_multi_line_rule_in_parentheses_is_accepted() -> None:
    rule = parse("(\n  RATIO(a, b)\n  + 1\n)")
    assert rule.evaluate(ENV) == Fraction(9, 5)


def test_where_defaults_to_a_generic_label() -> None:
    with pytest.raises(RuleError, match="规则"):
        parse("'x'")


def test_very_long_and_deep_rules_are_refused_cleanly() -> None:
    with pytest.raises(RuleError, match="过长"):
        parse("1+" * 2000 + "1", where=WHERE)
    with pytest.raises(RuleError, match=WHERE):
        parse("(" * 300 + "1" + ")" * 300, where=WHERE)
    with pytest.raises(RuleError, match="嵌套过深"):
        parse("-" * 150 + "1", where=WHERE)
    with pytest.raises(RuleError, match="嵌套过深"):
        parse("+".join(["a"] * 200), where=WHERE)


def test_parse_and_evaluate_never_call_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec/compile must not be used")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    rule = parse("100 * AVERAGE(CAPRATIO(a, b), CLAMP01(SUM(u)))", where=WHERE)
    assert rule.evaluate(ENV) == D(90)


# --------------------------------------------------------------------------- the Rule object


def test_rule_attributes_and_immutability() -> None:
    rule = parse("  CAPRATIO(hospitals.visits_online, total) + SUM(hospitals.visits)  ")
    assert rule.text == "CAPRATIO(hospitals.visits_online, total) + SUM(hospitals.visits)"
    assert rule.names == {"hospitals.visits_online", "total", "hospitals.visits"}
    assert isinstance(rule.names, frozenset)
    with pytest.raises(AttributeError):
        rule.text = "1"  # type: ignore[misc]
    assert parse("a + 1") == parse("a + 1")
    assert hash(parse("a + 1")) == hash(parse(" a + 1 "))


def test_rule_cannot_be_made_without_parse() -> None:
    with pytest.raises(TypeError):
        Rule(text="1", names=frozenset())


def test_function_names_are_not_names() -> None:
    assert parse("RATIO(a, b) + IF(c, 1, 0)").names == {"a", "b", "c"}


def test_identifier_helpers() -> None:
    assert is_identifier("b1_n")
    assert is_identifier("hospitals.visits")
    assert is_identifier("Target")
    assert not is_identifier("x.y.z")
    assert not is_identifier("__class__")
    assert not is_identifier("a__b")
    assert not is_identifier("1a")
    assert not is_identifier("中文")
    assert not is_identifier("RATIO")
    assert not is_identifier("")
    assert split_identifier("hospitals.visits") == ("hospitals", "visits")
    assert split_identifier("total") == ("total", None)


def test_functions_table_documents_every_function() -> None:
    assert list(FUNCTIONS) == [
        "IF", "MIN", "MAX", "ROUND", "SUM", "AVERAGE", "COUNT", "ABS",
        "RATIO", "CAPRATIO", "CLAMP01", "ATTAIN", "RANKSCORE", "GROWTH",
    ]  # fmt: skip
    for name, spec in FUNCTIONS.items():
        assert spec.name == name
        assert spec.signature.startswith(name + "(")
        assert spec.description and any("\u4e00" <= ch <= "\u9fff" for ch in spec.description)
        assert spec.kind in ("scalar", "broadcast", "reduce")


# --------------------------------------------------------------------------- check()


@pytest.mark.parametrize(
    "expr",
    [
        "SUM(t.a)",
        "100 * AVERAGE(CLAMP01(t.a / t.b))",
        "RATIO(SUM(t.a), total)",
        "IF(COUNT(t.a) > 0, SUM(t.a) / COUNT(t.a), 0)",
        "MAX(t.a, a)",
        "SUM(t.a * MAX(t.b))",
        "SUM(t.a) * RATIO(a, b)",  # RATIO outside the list arithmetic
        "SUM(t.a * ATTAIN(a, 10))",  # ATTAIN has no IF: fine inside SUMPRODUCT
        "a + b",
    ],
)
def test_check_accepts(expr: str) -> None:
    parse(expr).check(LISTS)


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("t.a * 2", "汇总"),
        ("t.a", "汇总"),
        ("RATIO(t.a, total)", "RATIO"),
        ("CAPRATIO(a, u)", "CAPRATIO"),
        ("IF(t.a > 1, 1, 0)", "IF"),
        ("ROUND(t.a, 2)", "ROUND"),
        ("RANKSCORE(t.a, 16, 0.5)", "RANKSCORE"),
        ("GROWTH(t.a, t.b)", "GROWTH"),
        ("ATTAIN(u, 1)", "ATTAIN"),
        ("MIN(t.a * 2)", "MIN"),
        ("MAX(CLAMP01(u))", "MAX"),
        ("SUM(t.a * RATIO(a, b))", "RATIO"),  # IF inside SUMPRODUCT
        ("SUM(t.a * IF(a, 1, 2))", "IF"),
        ("AVERAGE(CLAMP01(t.a) + GROWTH(a, b))", "GROWTH"),
    ],
)
def test_check_refuses(expr: str, fragment: str) -> None:
    rule = parse(expr, where=WHERE)
    with pytest.raises(RuleError) as info:
        rule.check(LISTS)
    assert fragment in str(info.value)
    assert WHERE in str(info.value)


def test_check_allows_a_list_valued_step_when_asked() -> None:
    rule = parse("CLAMP01(t.a / t.b)")
    rule.check(LISTS, allow_list_result=True)
    assert rule.is_list_valued(LISTS)
    assert not parse("SUM(t.a)").is_list_valued(LISTS)
    with pytest.raises(RuleError):
        rule.check(LISTS)


# --------------------------------------------------------------------------- Excel text

REFS = {
    "a": "Data!$B$2",
    "b": "Data!$B$3",
    "c": "Data!$B$4",
    "z": "Data!$B$5",
    "n": "Data!$B$6",
    "total": "Data!$B$7",
    "t.a": "Data!$D$2:$D$6",
    "t.b": "Data!$E$2:$E$6",
    "u": "Data!$F$2:$F$4",
}


@pytest.mark.parametrize(
    ("expr", "formula"),
    [
        ("a + b * c", "Data!$B$2+(Data!$B$3*Data!$B$4)"),
        ("-a", "(-Data!$B$2)"),
        ("-(a - b)", "(-(Data!$B$2-Data!$B$3))"),
        ("a < b", "(Data!$B$2<Data!$B$3)*1"),
        ("a == b", "(Data!$B$2=Data!$B$3)*1"),
        ("a != b", "(Data!$B$2<>Data!$B$3)*1"),
        ("a < b < c", "(Data!$B$2<Data!$B$3)*(Data!$B$3<Data!$B$4)"),
        ("a > 0 and b", "AND(Data!$B$2>0,Data!$B$3)*1"),
        ("a or b", "OR(Data!$B$2,Data!$B$3)*1"),
        ("not a", "NOT(Data!$B$2)*1"),
        ("IF(z == 0, 0, a / z)", "IF(Data!$B$5=0,0,Data!$B$2/Data!$B$5)"),
        ("RATIO(a, b)", "IF(Data!$B$3=0,0,Data!$B$2/Data!$B$3)"),
        ("RATIO(a, b, 1)", "IF(Data!$B$3=0,1,Data!$B$2/Data!$B$3)"),
        ("CAPRATIO(a, b)", "IF(Data!$B$3=0,0,MIN(1,MAX(0,Data!$B$2/Data!$B$3)))"),
        ("CLAMP01(a)", "MIN(1,MAX(0,Data!$B$2))"),
        ("ATTAIN(a, 10)", "MIN(1,MAX(0,Data!$B$2/10))"),
        ("RANKSCORE(a, 16, 0.6)", "MIN(1,MAX(0,1-((Data!$B$2-1)/(16-1))*(1-0.6)))"),
        ("GROWTH(a, b)", "IF(Data!$B$3=0,0,(Data!$B$2-Data!$B$3)/Data!$B$3)"),
        ("ROUND(a, 2)", "ROUND(Data!$B$2,2)"),
        ("SUM(t.a)", "SUM(Data!$D$2:$D$6)"),
        ("AVERAGE(t.a)", "AVERAGE(Data!$D$2:$D$6)"),
        ("COUNT(t.a)", "COUNT(Data!$D$2:$D$6)"),
        ("MIN(t.a)", "MIN(Data!$D$2:$D$6)"),
        ("SUM(t.a * 2)", "SUMPRODUCT(Data!$D$2:$D$6*2)"),
        ("AVERAGE(t.a / t.b)", "(SUMPRODUCT(Data!$D$2:$D$6/Data!$E$2:$E$6)/COUNT(Data!$D$2:$D$6))"),
        ("COUNT(t.a > 1)", "COUNT(Data!$D$2:$D$6)"),
        ("SUM(t.a > 1)", "SUMPRODUCT((Data!$D$2:$D$6>1)*1)"),
        ("SUM(t.a > 1 and t.b)", "SUMPRODUCT((Data!$D$2:$D$6>1)*(Data!$E$2:$E$6<>0))"),
        (
            "SUM(CLAMP01(u))",
            "SUMPRODUCT((((Data!$F$2:$F$4)>1)+((Data!$F$2:$F$4)>0)"
            "*((Data!$F$2:$F$4)<=1)*(Data!$F$2:$F$4)))",
        ),
        ("1.50 * 1e3", "1.5*1000"),
    ],
)
def test_excel_text(expr: str, formula: str) -> None:
    assert parse(expr).to_excel(REFS.__getitem__) == formula


def test_excel_never_puts_if_or_min_max_inside_sumproduct() -> None:
    for expr in [
        "SUM(CLAMP01(t.a / t.b))",
        "AVERAGE(CLAMP01(u) * 2, a)",
        "SUM(ABS(t.a - 3))",
        "SUM(t.a * ATTAIN(a, 10))",
    ]:
        formula = parse(expr).to_excel(REFS.__getitem__)
        for part in formula.split("SUMPRODUCT(")[1:]:
            assert "IF(" not in part
        assert "SUMPRODUCT(" in formula


def test_excel_list_names_can_be_given_explicitly() -> None:
    refs = {"v": "ListV", "w": "Data!$B$2"}  # a defined name has no ':'
    assert parse("SUM(v * w)").to_excel(refs.__getitem__, list_names={"v"}) == (
        "SUMPRODUCT(ListV*Data!$B$2)"
    )


def test_excel_refuses_what_check_refuses() -> None:
    with pytest.raises(RuleError, match=WHERE):
        parse("MIN(t.a * 2)", where=WHERE).to_excel(REFS.__getitem__)
    with pytest.raises(RuleError):
        parse("t.a * 2").to_excel(REFS.__getitem__)


def test_excel_refuses_overlong_formulas() -> None:
    expr = "SUM(" + "CLAMP01(" * 8 + "t.a" + ")" * 8 + ")"
    with pytest.raises(RuleError, match="过长"):
        parse(expr).to_excel(REFS.__getitem__)


def test_compile_excel_shortcut() -> None:
    assert compile_excel("RATIO(a, b)", REFS.__getitem__) == parse("RATIO(a, b)").to_excel(
        REFS.__getitem__
    )


# --------------------------------------------------------------------------- properties

decimals = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False)
positive = st.decimals(min_value=D("0.0001"), max_value=10**6, places=4)


@given(num=decimals, den=decimals.filter(lambda d: d != 0))
def test_capratio_stays_in_unit_interval(num: Decimal, den: Decimal) -> None:
    value = parse("CAPRATIO(n, d)").evaluate({"n": num, "d": den})
    assert 0 <= value <= 1


@given(num=decimals, extra=positive, den=positive)
def test_capratio_never_falls_when_numerator_rises(
    num: Decimal, extra: Decimal, den: Decimal
) -> None:
    rule = parse("CAPRATIO(n, d)")
    assert rule.evaluate({"n": num + extra, "d": den}) >= rule.evaluate({"n": num, "d": den})


@given(x=decimals)
def test_clamp01_is_idempotent_and_bounded(x: Decimal) -> None:
    once = parse("CLAMP01(x)").evaluate({"x": x})
    assert 0 <= once <= 1
    assert parse("CLAMP01(CLAMP01(x))").evaluate({"x": x}) == once


@given(rank=st.integers(1, 16), worse=st.integers(0, 15), floor=st.decimals(0, 1, places=2))
def test_rankscore_falls_with_rank_between_floor_and_one(
    rank: int, worse: int, floor: Decimal
) -> None:
    rule = parse("RANKSCORE(r, 16, f)")
    better = rule.evaluate({"r": D(rank), "f": floor})
    lower = rule.evaluate({"r": D(min(16, rank + worse)), "f": floor})
    assert floor <= lower <= better <= 1


@given(x=st.decimals(min_value=-(10**6), max_value=10**6, places=6))
def test_round_matches_half_up_quantize(x: Decimal) -> None:
    from decimal import ROUND_HALF_UP

    assert parse("ROUND(x, 2)").evaluate({"x": x}) == x.quantize(D("0.01"), ROUND_HALF_UP)


@given(num=st.integers(-(10**9), 10**9), den=st.integers(1, 10**9), places=st.integers(-3, 6))
def test_round_of_a_ratio_is_half_away_from_zero_exactly(num: int, den: int, places: int) -> None:
    got = parse(f"ROUND(n / d, {places})").evaluate({"n": num, "d": den})
    scaled = Fraction(num, den) * Fraction(10) ** places
    # reference: the nearest multiple, ties away from zero, by integer arithmetic
    lower = scaled.numerator // scaled.denominator
    rest = scaled - lower
    whole = lower + 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and scaled > 0) else lower
    assert got == whole / Fraction(10) ** places


@given(values=st.lists(decimals, min_size=1, max_size=8), k=decimals)
def test_sum_broadcast_is_linear(values: list[Decimal], k: Decimal) -> None:
    env = {"v": values, "k": k}
    assert parse("SUM(v * k + 1)").evaluate(env) == parse("k * SUM(v) + COUNT(v)").evaluate(env)
    assert parse("AVERAGE(v)").evaluate(env) == parse("SUM(v) / COUNT(v)").evaluate(env)


@given(st.text(max_size=60))
def test_parse_only_ever_raises_rule_error(text: str) -> None:
    try:
        parse(text, where=WHERE)
    except RuleError as error:
        assert WHERE in str(error)


TOKENS = [*"ab()+-*/<>=!., 012", "SUM(", "RATIO(", "IF(", "CLAMP01(", " and ", "not ", "t.a"]


@given(st.lists(st.sampled_from(TOKENS), max_size=20).map("".join))
def test_parsed_rules_evaluate_or_fail_cleanly(text: str) -> None:
    try:
        rule = parse(text)
    except RuleError:
        return
    try:
        rule.evaluate({"a": D(2), "b": D(0), "t.a": [D(1), D(0)]})
    except (RuleEvalError, RuleError):
        pass
