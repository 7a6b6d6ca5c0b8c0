"""Engine golden cases on a small catalogue shaped like the seed's, worked by hand."""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinan_eval_gui import catalogue
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.engine import Override, round2


def _ind(id_, parent, weight, inputs, score, kind="scored", **extra):
    entry = {
        "id": id_, "parent": parent, "name": f"指标{id_}", "kind": kind,
        "description": "说明", "method": "方法", "units": [{"name": "市大数据局"}],
        "inputs": inputs, "score": {"expr": score},
    }
    if weight is not None:
        entry["weight"] = weight
    entry.update(extra)
    return entry


def _count(key, **kw):
    return {"key": key, "label": key, "kind": "count", **kw}


RAW = {
    "meta": {"title": "测试指标体系", "version": "t1"},
    "unit": [{"name": "市大数据局"}, {"name": "市公安局"}],
    "parameter": [
        {"key": "missing_score", "label": "缺报计分", "default": 0},
        {"key": "deduction_cap", "label": "扣分上限", "default": 10},
    ],
    "level1": [
        {"id": "A", "name": "甲", "weight": 60},
        {"id": "B", "name": "乙", "weight": 40},
        {"id": "S", "name": "信息安全", "weight": 0, "kind": "deduction"},
    ],
    "level2": [
        {"id": "A.1", "parent": "A", "name": "甲一", "weight": 70},
        {"id": "A.2", "parent": "A", "name": "甲二", "weight": 30},
        {"id": "B.1", "parent": "B", "name": "——"},
        {"id": "S.1", "parent": "S", "name": "安全"},
    ],
    "indicator": [
        _ind(1, "A.1", 25, [_count("n"), _count("d")], "100 * CAPRATIO(n, d)",
             checks=[{"expr": "n <= d", "message": "分子不能大于分母"}]),
        _ind(2, "A.1", 75, [_count("b1n"), _count("b1d"), _count("b2n"), _count("b2d")],
             "100 * AVERAGE(b1, b2)",
             steps=[{"name": "b1", "label": "b1", "expr": "CAPRATIO(b1n, b1d)"},
                    {"name": "b2", "label": "b2", "expr": "CAPRATIO(b2n, b2d)"}]),
        _ind(3, "A.2", 100, [_count("handled"), _count("reports")],
             "100 * CAPRATIO(handled, reports, 1)"),
        _ind(4, "B.1", None, [{"key": "survey", "label": "调查得分", "kind": "score"}],
             "survey", kind="survey"),
        _ind(5, "S.1", None, [_count("events")], "MIN(cap, per_event * events)",
             kind="deduction", params={"cap": 5, "per_event": 2},
             param_labels={"cap": "本项扣分上限", "per_event": "每起事件扣分"},
             assumption="每起事件扣 2 分，本项最多扣 5 分。"),
        _ind(6, "S.1", None, [{"key": "cii", "label": "运营关基", "kind": "yesno"},
                              {"key": "mech", "label": "建立机制", "kind": "yesno"}],
             "SUM(cii * (1 - mech))", kind="deduction", collect="per_unit", all_units=True,
             units=[]),
    ],
}


@pytest.fixture(scope="module")
def cat():
    return catalogue.build(copy.deepcopy(RAW))


def _values(**over):
    values = {
        1: {"n": D(1234), "d": D(1500)},
        2: {"b1n": D(7), "b1d": D(8), "b2n": D(1), "b2d": D(3)},
        3: {"handled": D(45), "reports": D(50)},
        4: {"survey": D("83.456")},
        5: {"events": D(1)},
        6: {"cii": [D(0), D(0)], "mech": [D(1), D(1)]},
    }
    for key, val in over.items():
        values[int(key[1:])] = val
    return values


def test_round2_is_excel_round_on_decimal_value():
    assert round2(D("2.675")) == D("2.68")  # Python's round(2.675, 2) gives 2.67
    assert round2(D("1.005")) == D("1.01")
    assert round2(D("-2.675")) == D("-2.68")
    assert round2(D("82.265")) == D("82.27")
    assert round2(D("82.2649999")) == D("82.26")


def test_golden_weighted_averages(cat):
    r = engine.score(cat, _values())
    # 1: 1234/1500 = 0.822666.. -> 82.27
    assert r.indicators[1].score == D("82.27")
    # 2: b1 = 7/8 = 0.875, b2 = 1/3; (0.875 + 0.3333..)/2 * 100 = 60.41666.. -> 60.42
    assert r.indicators[2].steps["b1"] == D("0.875")
    assert r.indicators[2].score == D("60.42")
    # 3: 45/50 = 90
    assert r.indicators[3].score == D("90.00")
    # 4 survey passes through, rounded: 83.46
    assert r.indicators[4].score == D("83.46")
    l2 = {g.id: g.score for g in r.level2}
    # A.1 = (25*82.27 + 75*60.42)/100 = (2056.75 + 4531.5)/100 = 65.8825 -> 65.88
    assert l2["A.1"] == D("65.88")
    assert l2["A.2"] == D("90.00")
    assert l2["B.1"] == D("83.46")  # sole unweighted child passes through
    l1 = {g.id: g.score for g in r.level1}
    # A = (70*65.88 + 30*90)/100 = (4611.6 + 2700)/100 = 73.116 -> 73.12
    assert l1["A"] == D("73.12")
    assert l1["B"] == D("83.46")
    assert l1["S"] is None
    # subtotal = (60*73.12 + 40*83.46)/100 = (4387.2 + 3338.4)/100 = 77.256 -> 77.26
    assert r.subtotal == D("77.26")
    # one event at 2 points
    assert r.deductions == D("2.00")
    assert r.total == D("75.26")


def test_zero_reports_mean_full_score(cat):
    r = engine.score(cat, _values(i3={"handled": D(0), "reports": D(0)}))
    assert r.indicators[3].score == D("100.00")


def test_deduction_capped_per_item_and_total_never_negative(cat):
    r = engine.score(cat, _values(i5={"events": D(9)}), params={"deduction_cap": 3})
    assert r.indicators[5].score == D("5.00")  # 9 * 2 = 18, item cap 5
    assert r.deductions == D("3.00")  # round cap 3
    low = _values(i4={"survey": D(0)}, i1={"n": D(0), "d": D(10)},
                  i2={"b1n": D(0), "b1d": D(1), "b2n": D(0), "b2d": D(1)},
                  i3={"handled": D(0), "reports": D(10)})
    r = engine.score(cat, low)
    assert r.subtotal == D("0.00") and r.total == D("0.00")


def test_missing_and_invalid_are_never_silent(cat):
    values = _values(i1={"n": D(5)})
    r = engine.score(cat, values)
    assert r.indicators[1].status == "missing" and r.indicators[1].score == D(0)
    assert "d" in r.indicators[1].messages[0]
    r = engine.score(cat, values, params={"missing_score": 60})
    assert r.indicators[1].score == D(60)
    r = engine.score(cat, _values(i1={"n": D(20), "d": D(10)}))
    assert r.indicators[1].status == "invalid"
    assert r.indicators[1].messages == ["分子不能大于分母"]


def test_expert_override_replaces_rule(cat):
    r = engine.score(cat, _values(), overrides={2: Override(D("77.777"), "专家复核")})
    assert r.indicators[2].status == "expert"
    assert r.indicators[2].score == D("77.78")
    assert r.indicators[2].override_reason == "专家复核"


def test_unknown_parameter_is_refused(cat):
    with pytest.raises(KeyError):
        engine.score(cat, _values(), params={"no_such": 1})


def test_indicator_parameter_override(cat):
    r = engine.score(cat, _values(i5={"events": D(1)}), params={"5.per_event": 3})
    assert r.indicators[5].score == D("3.00")


counts = st.integers(min_value=0, max_value=10**6)


@settings(max_examples=200, deadline=None)
@given(n=counts, d=counts, extra=st.integers(min_value=1, max_value=1000),
       survey=st.decimals(min_value=0, max_value=100, places=3), events=st.integers(0, 50))
def test_properties(cat, n, d, extra, survey, events):
    n = min(n, d)
    values = _values(i1={"n": D(n), "d": D(d)}, i4={"survey": survey}, i5={"events": D(events)})
    r = engine.score(cat, values)
    for res in r.indicators.values():
        assert D(0) <= res.score <= D(100)
    # ratio scores never fall when the numerator rises
    if d > 0:
        up = engine.score(cat, _values(i1={"n": D(min(n + extra, d)), "d": D(d)}))
        assert up.indicators[1].score >= r.indicators[1].score
    # total = rounded weighted sum of level-1 scores minus deductions (never below 0)
    weighted = sum(g.weight * g.score for g in r.level1 if g.kind == "weighted")
    assert r.total == max(D(0), round2(weighted / 100) - r.deductions)
    assert D(0) <= r.total <= D(100)


def test_per_unit_lists_stay_aligned_when_a_unit_did_not_report(cat):
    # unit 1: operates CII without a mechanism (1 point); unit 2 left "mech" blank;
    # unit 3 left "cii" blank. Only unit 1 is complete, so exactly 1 point is deducted, and by
    # default (须补报) the indicator says it is incomplete, naming the unit that did not report.
    values = _values(i6={"cii": [D(1), D(1), None], "mech": [D(0), None, D(0)]})
    r = engine.score(cat, values)
    assert r.indicators[6].status == "missing" and r.indicators[6].score == D("1.00")
    assert "市公安局未填报" in r.indicators[6].messages[0]
    assert r.deductions == D("3.00")  # 2 (indicator 5) + 1
    nobody = engine.score(cat, _values(i6={"cii": [None, None], "mech": [None, None]}))
    assert nobody.indicators[6].status == "missing" and nobody.indicators[6].score == D(0)
