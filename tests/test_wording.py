"""Rules in Chinese formula notation (catalogue/rules/wording.py).

The expected strings are written by hand from the rules in resources/catalogue/scoring and
the meaning of each function (evaluate.py): what a reader must see for the engine's rule.
"""

from __future__ import annotations

import pytest

from jinan_eval_gui import catalogue
from jinan_eval_gui.catalogue import rules
from jinan_eval_gui.catalogue.rules import wording

LABELS = {"a": "甲", "b": "乙", "c": "丙", "d": "丁", "t.x": "某列", "t.y": "另一列",
          "u": "各单位值"}
LISTS = {"t.x": wording.EACH_ROW, "t.y": wording.EACH_ROW, "u": wording.EACH_UNIT}


def say(expr: str, *, signed: tuple[str, ...] = ()) -> str:
    return wording.formula(rules.parse(expr), LABELS, lists=LISTS, signed=signed)


# ---------------------------------------------------------------------------------------
# Operators, precedence and every function
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("expr", "expected"), [
    ("a + b * c", "甲 + 乙 × 丙"),
    ("(a + b) * c", "(甲 + 乙) × 丙"),
    ("a - (b - c)", "甲 − (乙 − 丙)"),
    ("a - b - c", "甲 − 乙 − 丙"),
    ("a / (b * c)", "甲 ÷ (乙 × 丙)"),
    ("a * (b / c)", "甲 × 乙 ÷ 丙"),
    ("-a * b", "−甲 × 乙"),
    ("-(a + b)", "−(甲 + 乙)"),
    ("100 * 0.40", "100 × 0.4"),
    ("a >= b", "甲 ≥ 乙时为1，否则为0"),
    ("1 - (a != b)", "1 − (甲 ≠ 乙时为1，否则为0)"),
    ("RATIO(a, b)", "甲 ÷ 乙（乙为0时按0计）"),
    ("RATIO(a, b + c, 1)", "甲 ÷ (乙 + 丙)（分母为0时按1计）"),
    ("100 * RATIO(a, b)", "100 × 甲 ÷ 乙（乙为0时按0计）"),
    ("CAPRATIO(a, b)", "甲 ÷ 乙，超过1按1计（乙为0时按0计）"),
    ("100 * CAPRATIO(a, b)", "100 × (甲 ÷ 乙，超过1按1计（乙为0时按0计）)"),
    ("CAPRATIO(a - c, b)", "(甲 − 丙) ÷ 乙，超过1按1计、低于0按0计（乙为0时按0计）"),
    ("CLAMP01(a / b)", "甲 ÷ 乙，超过1按1计"),
    ("CLAMP01(a)", "甲，超过1按1计"),
    ("CLAMP01(a - b)", "甲 − 乙，超过1按1计、低于0按0计"),
    ("ATTAIN(a, b)", "甲 ÷ 乙，超过1按1计"),
    ("RANKSCORE(a, b, c)", "1 − (甲 − 1) ÷ (乙 − 1) × (1 − 丙)，结果超过1按1计、低于0按0计"),
    ("GROWTH(a, b)", "(甲 − 乙) ÷ 乙（乙为0时按0计）"),
    ("ROUND(a / b, 2)", "甲 ÷ 乙，四舍五入保留2位小数"),
    ("ABS(a - b)", "(甲 − 乙)的绝对值"),
    ("MIN(a, b)", "取甲与乙中的较小值"),
    ("MAX(a, b, c)", "取甲、乙、丙中的最大值"),
    ("MIN(c, a + b)", "取丙与(甲 + 乙)中的较小值"),
    ("AVERAGE(a, b)", "甲、乙的平均值"),
    ("100 * AVERAGE(a, b)", "100 × (甲、乙的平均值)"),
    ("SUM(a, b, c)", "甲、乙、丙之和"),
    ("SUM(t.x)", "各行某列的合计"),
    ("AVERAGE(t.x / t.y)", "各行(某列 ÷ 另一列)的平均值"),
    ("AVERAGE(CLAMP01(t.x / t.y))", "各行(某列 ÷ 另一列，超过1按1计)的平均值"),
    ("COUNT(t.x)", "各行某列的个数"),
    ("SUM(u * (1 - a))", "各单位(各单位值 × (1 − 甲))的合计"),
    ("IF(a > b, c, 0)", "若甲 > 乙则丙，否则0"),
    ("IF(a, b, IF(c, d, 0))", "若甲不为0则乙，否则若丙不为0则丁，否则0"),
    ("IF(a > 0 and b > 0 or c > 0, 1, 0)", "若甲 > 0 且 乙 > 0 或 丙 > 0则1，否则0"),
    ("IF((a > 0 or b > 0) and c > 0, 1, 0)", "若(甲 > 0 或 乙 > 0) 且 丙 > 0则1，否则0"),
    ("IF(not (a > b), 1, 0)", "若非(甲 > 乙)则1，否则0"),
    ("ATTAIN(d, c)", "丁 ÷ 丙，超过1按1计"),
])
def test_formula(expr, expected):
    assert say(expr) == expected


def test_signed_names_make_a_clamp_say_below_zero():
    assert say("ATTAIN(a, b)", signed=("a",)) == "甲 ÷ 乙，超过1按1计、低于0按0计"
    assert say("ATTAIN(GROWTH(a, b), c)") == (
        "(甲 − 乙) ÷ 乙（乙为0时按0计） ÷ 丙，超过1按1计、低于0按0计")


def test_every_function_is_worded():
    for name, spec in rules.FUNCTIONS.items():
        args = ", ".join(["a", "b", "c"][: max(spec.min_args, 1)]) if name != "ROUND" else "a, 2"
        text = say(f"{name}({args})")
        assert name not in text and "a" not in text, (name, text)


def test_conditions_read_as_checks():
    assert wording.condition(rules.parse("a <= b"), LABELS) == "甲 ≤ 乙"
    assert wording.condition(rules.parse("a == 1 or b + c == 0"), LABELS) == (
        "甲 = 1 或 乙 + 丙 = 0")
    assert wording.condition(rules.parse("SUM(t.x > t.y) == 0"), LABELS, lists=LISTS) == (
        "各行(某列 > 另一列时为1，否则为0)的合计 = 0")


# ---------------------------------------------------------------------------------------
# Real indicators: every step and the score, names resolved from the catalogue
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


EXPECTED = {
    1: ["电子证照使用率 = 已实现电子证照办理的政务服务事项数量 ÷ 政务服务事项总数（剔除不涉及电子证照的事项），"
        "超过1按1计（政务服务事项总数（剔除不涉及电子证照的事项）为0时按0计）",
        "得分 = 100 × 电子证照使用率"],
    2: ["b1（线下一站式办理率） = 实现线下一站式办理的政务服务事项数量 ÷ 政务服务事项总数，超过1按1计"
        "（政务服务事项总数为0时按0计）",
        "b2（一窗办理率） = 实现一窗办理的政务服务事项数量 ÷ 政务服务事项总数，超过1按1计"
        "（政务服务事项总数为0时按0计）",
        "得分 = 100 × (b1、b2的平均值)"],
    4: ["排名得分率 = 1 − (“泉城办”本地分厅接入应用数量全省排名 − 1) ÷ (参评城市数 − 1) × (1 − 末名得分率)，"
        "结果超过1按1计、低于0按0计",
        "得分 = 100 × 排名得分率"],
    17: ["二级及以上医院智慧服务平均级别 = (智慧服务分级为1级的二级及以上医院数 + 2 × 智慧服务分级为2级的二级及以上医院数"
         " + 3 × 智慧服务分级为3级的二级及以上医院数 + 4 × 智慧服务分级为4级的二级及以上医院数"
         " + 5 × 智慧服务分级为5级的二级及以上医院数) ÷ 二级及以上医院总数（二级及以上医院总数为0时按0计）",
         "得分 = 100 × (二级及以上医院智慧服务平均级别 ÷ 目标平均级别（级），超过1按1计)"],
    23: ["就业自助服务一体机社区覆盖率 = 设有就业服务自助一体机的社区数 ÷ 社区总数，超过1按1计（社区总数为0时按0计）",
         "自助服务一体机是否计入（覆盖率达标） = 就业自助服务一体机社区覆盖率 ≥ 自助服务一体机社区覆盖率达标线时为1，"
         "否则为0",
         "已开通服务模式占比（6种） = 是否通过互联网（网站/网上服务大厅）提供就业服务、自助服务一体机是否计入（覆盖率达标）、"
         "是否通过政务微信提供就业服务、是否通过政务微博提供就业服务、是否通过手机APP提供就业服务、"
         "是否通过电话热线提供就业服务的平均值",
         "得分 = 100 × 已开通服务模式占比（6种）"],
    36: ["多网格融合达成度 = 实现多网格合一的部门数量 ÷ 目标部门数（个），超过1按1计",
         "得分 = 100 × 多网格融合达成度"],
    41: ["b1（视频图像支撑打击犯罪贡献率） = 年度利用视频监控协助查破的刑事案件数量 ÷ 年度公安机关查破的刑事案件总数，"
         "超过1按1计（年度公安机关查破的刑事案件总数为0时按0计）",
         "b2（服务其他职能部门达成度） = 公共安全视频图像服务的政府其他职能部门个数 ÷ 服务其他职能部门目标数（个），"
         "超过1按1计",
         "得分 = 100 × (b1、b2的平均值)"],
    48: ["城区气象自动监测点密度（个/百平方公里） = 100 × 城区气象自动监测点（自动气象站）数量 ÷ 城区面积（城市建成区面积）"
         "（城区面积（城市建成区面积）为0时按0计）",
         "得分 = 100 × (城区气象自动监测点密度（个/百平方公里） ÷ 目标监测点密度（个/百平方公里），超过1按1计)"],
    53: ["得分 = 100 × (移动通信网络平均下载速率 ÷ 目标下载速率（Mbit/s），超过1按1计)"],
    56: ["远传能源智能监控表数量（水、电、气合计） = 居民家庭远传智能水表数量 + 居民家庭远传智能电表数量"
         " + 居民家庭远传智能燃气表数量",
         "家庭能源自动化采集覆盖率 = 远传能源智能监控表数量（水、电、气合计） ÷ (每户计表数（块） × 区域内总户数)，"
         "超过1按1计（分母为0时按0计）",
         "得分 = 100 × 家庭能源自动化采集覆盖率"],
    65: ["通报预警机制扣分 = 通报预警机制未达要求扣分（分） × (1 − 通报预警机制是否覆盖所有关键信息基础设施并及时整改)",
         "失泄密及保密审查扣分 = 每起失泄密事件扣分（分） × 智慧城市建设过程中发生的失泄密事件（案件）数"
         " + 每起未经保密审查的事件扣分（分） × 数据发布或输入非涉密网络前未经保密审查的事件数",
         "密码应用扣分 = 每个未落实“三同步一评估”的系统扣分（分） × 未落实密码应用“三同步一评估”的等保三级及以上系统数",
         "扣分 = 取本指标扣分上限（分）与(通报预警机制扣分 + 失泄密及保密审查扣分 + 密码应用扣分)中的较小值"],
    66: ["未形成定期检查长效机制扣分 = 每个未形成长效机制的单位扣分（分） × (各单位(本单位是否运营或主管关键信息基础设施"
         " × (1 − 是否建立关键信息基础设施定期安全检查长效机制))的合计)",
         "定期检查未完成扣分 = 每次未完成的定期检查扣分（分） × (各单位(本单位是否运营或主管关键信息基础设施"
         " × 本年度应开展而未完成的定期安全检查次数)的合计)",
         "扣分 = 取本指标扣分上限（分）与(未形成定期检查长效机制扣分 + 定期检查未完成扣分)中的较小值"],
    54: ["IPv6网站支持率 = 10个城市主要网站中支持IPv6的网站数量 ÷ 城市主要网站数（个），超过1按1计"
         "（城市主要网站数（个）为0时按0计）",
         "得分 = 100 × IPv6网站支持率"],
}


@pytest.mark.parametrize("ind_id", sorted(EXPECTED))
def test_real_indicators(cat, ind_id):
    ind = cat.indicator(ind_id)
    assert wording.lines(ind, cat.parameters) == EXPECTED[ind_id]
    assert wording.describe(ind, cat.parameters) == "；".join(EXPECTED[ind_id])


def test_checks_of_real_indicators(cat):
    ind = cat.indicator(1)
    assert [wording.check_text(ind, c) for c in ind.checks] == [
        "已实现电子证照办理的政务服务事项数量 ≤ 政务服务事项总数（剔除不涉及电子证照的事项）"]


def test_symbols_are_the_indicator_systems_own(cat):
    assert wording.symbols(cat.indicator(2)) == {"b1", "b2"}
    assert wording.symbols(cat.indicator(1)) == set()
    step = cat.indicator(1).steps[0]
    assert wording.step_title(cat.indicator(1), step) == "电子证照使用率"
    assert wording.step_title(cat.indicator(2), cat.indicator(2).steps[0]) == "b1（线下一站式办理率）"


def test_every_catalogue_rule_reads_without_identifiers(cat):
    """No identifier of the catalogue and no function name survives the wording."""
    import re

    words = set(rules.FUNCTIONS)
    for ind in cat.indicators:
        words |= set(ind.params) | {s.key for s in ind.inputs}
        words |= {c.key for s in ind.inputs for c in s.columns}
    for ind in cat.indicators:
        texts = wording.lines(ind, cat.parameters)
        texts += [wording.check_text(ind, c) for c in ind.checks]
        for variant in ind.variants:
            texts += wording.lines(ind, cat.parameters, variant=variant)
        found = {w for t in texts for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", t)} & words
        assert not found, (ind.id, found, texts)


def test_a_rule_that_cannot_be_computed_is_told_without_code(cat):
    """The evaluator's message quotes the rule's code; the reader's names the value."""
    from decimal import Decimal as D

    from jinan_eval_gui.scoring import engine

    values = {4: {"rank": D(3)},
              17: {"hosp_total": D(10), **{f"n_l{k}": D(1) for k in range(1, 6)}},
              54: {"ipv6_sites": D(3)}}
    res = engine.score(cat, values, params={"4.n": 1, "17.target": 0})
    assert res.indicators[4].messages == [
        "“排名得分率”无法计算：参评城市数为1，无法按名次计分，请核对该参数"]
    assert res.indicators[17].messages == [
        "“得分”无法计算：目标平均级别（级）为0，无法计算达成程度，请核对该参数"]
    assert res.indicators[4].status == res.indicators[17].status == "invalid"
    assert res.indicators[54].status == "ok"
    error = pytest.raises(rules.RuleEvalError, rules.parse("a / (b - c)").evaluate,
                          {"a": D(1), "b": D(2), "c": D(2)}).value
    message = wording.failure(cat.indicator(1), error)  # a rule not of the indicator
    assert message == "“得分”无法计算：(b − c)为0，无法相除，请核对填报数据"
