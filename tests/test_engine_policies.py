"""The engine's registered policies on the small seed-shaped catalogue, worked by hand.

G1 (缺报处理): missing or invalid indicators count 0, or are left out with their siblings'
weights renormalised. G2: blanks in deduction indicators are 须补报 (deduct what was reported,
marked 缺报), deduct the indicator's maximum, or count as nothing to deduct. Base case (all
reported), from test_engine.py: 1 = 82.27, 2 = 60.42, 3 = 90.00, 4 = 83.46; A.1 = 65.88,
A.2 = 90.00, A = 73.12, B = 83.46; subtotal (60·73.12 + 40·83.46)/100 = 77.256 → 77.26; 5 deducts
2 (one event), 6 deducts 0; total 75.26.
"""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest
from test_engine import RAW, _values

from jinan_eval_gui import catalogue
from jinan_eval_gui.catalogue.assumptions import SETTINGS
from jinan_eval_gui.errors import CatalogueError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.completeness import completeness


def _choice(key, setting, value):
    return {"key": key, "label": f"选项{key}", "origin": "工具默认", "settings": {setting: value}}


ASSUMPTIONS = [
    {"id": "G1", "category": "缺报处理", "text": "缺报如何计分", "params": ["missing_score"],
     "default": "zero", "choices": [_choice("zero", "missing_policy", "zero"),
                                    _choice("renormalise", "missing_policy", "renormalise")]},
    {"id": "G2", "category": "缺报处理", "text": "扣分项留空", "indicators": [5, 6], "params": [],
     "default": "resupply", "choices": [_choice(k, "deduction_blanks", k)
                                        for k in ("resupply", "cap", "zero")]},
]


@pytest.fixture(scope="module")
def cat():
    raw = copy.deepcopy(RAW)
    raw["assumption"] = copy.deepcopy(ASSUMPTIONS)
    five = next(e for e in raw["indicator"] if e["id"] == 5)
    five["max_deduction"] = "cap"
    five["param_labels"] = {"cap": "本项扣分上限", "per_event": "每起事件扣分"}
    return catalogue.build(raw)


def _score(cat, choices=None, **over):
    return engine.score(cat, _values(**over), choices=choices)


def test_base_case_is_the_same_under_every_policy(cat):
    for g1 in ("zero", "renormalise"):
        r = _score(cat, {"G1": g1})
        assert (r.subtotal, r.deductions, r.total) == (D("77.26"), D("2.00"), D("75.26"))
        assert r.settings["missing_policy"] == g1


def test_missing_indicator_counts_zero_by_default(cat):
    r = _score(cat, v2={})
    assert r.indicators[2].status == "missing" and r.indicators[2].score == D("0")
    l2 = {g.id: g.score for g in r.level2}
    # A.1 = (25·82.27 + 75·0)/100 = 20.5675 -> 20.57; A = (70·20.57 + 30·90)/100 = 41.399 -> 41.40
    assert l2["A.1"] == D("20.57")
    assert {g.id: g.score for g in r.level1}["A"] == D("41.40")
    # subtotal (60·41.40 + 40·83.46)/100 = 58.224 -> 58.22; total 58.22 - 2 = 56.22
    assert (r.subtotal, r.total) == (D("58.22"), D("56.22"))


def test_renormalised_weights_leave_the_gap_out(cat):
    r = _score(cat, {"G1": "renormalise"}, v2={})
    l2 = {g.id: g for g in r.level2}
    # A.1 over indicator 1 alone: 25·82.27/25 = 82.27
    assert l2["A.1"].score == D("82.27")
    assert [t.included for t in l2["A.1"].terms] == [True, False]
    # A = (70·82.27 + 30·90)/100 = 84.589 -> 84.59; subtotal (60·84.59 + 40·83.46)/100
    # = 84.138 -> 84.14; total 82.14
    assert {g.id: g.score for g in r.level1}["A"] == D("84.59")
    assert (r.subtotal, r.total) == (D("84.14"), D("82.14"))


def test_a_whole_group_missing_is_left_out_one_level_up(cat):
    r = _score(cat, {"G1": "renormalise"}, v3={})
    assert {g.id: g.score for g in r.level2}["A.2"] is None
    # A = A.1 alone = 65.88; subtotal (60·65.88 + 40·83.46)/100 = 72.912 -> 72.91; total 70.91
    assert {g.id: g.score for g in r.level1}["A"] == D("65.88")
    assert r.total == D("70.91")
    # the survey level-1 (B, a sole unweighted chain) missing: subtotal = A alone = 73.12
    r = _score(cat, {"G1": "renormalise"}, v4={})
    assert {g.id: g.score for g in r.level1}["B"] is None
    assert (r.subtotal, r.total) == (D("73.12"), D("71.12"))
    # ... where the default counts it 0: (60·73.12)/100 = 43.872 -> 43.87; total 41.87
    r = _score(cat, v4={})
    assert (r.subtotal, r.total) == (D("43.87"), D("41.87"))


def test_a_blank_deduction_input_must_be_resupplied(cat):
    r = _score(cat, v5={})
    five = r.indicators[5]
    # nothing reported deducts nothing yet, but the indicator is 缺报 and says so
    assert (five.score, five.status) == (D("0.00"), "missing")
    assert five.messages == ["留空：events；须补报，暂按已报送的数据扣分"]  # events: its label here
    assert r.total == D("77.26")
    gaps = completeness(cat, r, ["市公安局"])
    assert 5 in gaps.gap_ids and "市公安局" in gaps.summary()


def test_a_blank_deduction_may_deduct_the_maximum_or_nothing(cat):
    capped = _score(cat, {"G2": "cap"}, v5={})
    assert (capped.indicators[5].score, capped.indicators[5].status) == (D("5.00"), "missing")
    # deductions 5 + 0 = 5; total 77.26 - 5 = 72.26
    assert capped.total == D("72.26")
    accepted = _score(cat, {"G2": "zero"}, v5={})
    assert (accepted.indicators[5].score, accepted.indicators[5].status) == (D("0.00"), "ok")
    assert accepted.total == D("77.26")


def test_a_unit_that_did_not_report_is_named_not_dropped_silently(cat):
    # unit 1 runs CII without a mechanism (deducts 1); unit 2 left both blank
    v6 = {"cii": [D(1), None], "mech": [D(0), None]}
    r = _score(cat, v6=v6)
    six = r.indicators[6]
    assert (six.score, six.status) == (D("1.00"), "missing")
    assert "市公安局未填报" in six.messages[0]
    # deductions 2 + 1 = 3; total 77.26 - 3 = 74.26
    assert r.total == D("74.26")
    assert _score(cat, {"G2": "zero"}, v6=v6).indicators[6].status == "ok"


def test_choices_the_register_does_not_know_are_ignored(cat):
    assert _score(cat, {"G1": "no-such-choice", "X9": "y"}).total == D("75.26")


def test_settings_are_checked_when_the_catalogue_loads():
    raw = copy.deepcopy(RAW)
    next(e for e in raw["indicator"] if e["id"] == 5)["param_labels"] = {
        "cap": "本项扣分上限", "per_event": "每起事件扣分"}
    raw["assumption"] = [{**ASSUMPTIONS[0], "choices": [
        _choice("zero", "missing_policy", "average")]}]
    with pytest.raises(CatalogueError, match="未知的计分规则"):
        catalogue.build(raw)
    assert set(SETTINGS) == {"missing_policy", "deduction_blanks", "survey_weighting",
                             "survey_interval", "survey_unknown"}
