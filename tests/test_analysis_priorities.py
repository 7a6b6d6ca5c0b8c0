"""提分空间: the exact decomposition of the total, the ranked lists, the engine's levers.

Golden values are worked by hand from the 指标体系's weights (indicator 1: 民生服务 21 % ×
政务服务“一网通办” 15 % × 25 % = 0.7875 % of the total).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from analysis_round import build_round

from jinan_eval_gui import workflow
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.analysis import decompose, priorities, rounded_chain
from jinan_eval_gui.scoring.analysis.levers import rate_bases
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import analysis


@pytest.fixture(scope="module")
def round_path(tmp_path_factory):
    return build_round(tmp_path_factory.mktemp("priorities"))


@pytest.fixture(scope="module")
def setup(round_path):
    with Round.open(round_path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        inputs = analysis.engine_inputs(rnd, cat, "济南市")
    return cat, inputs


def _with(inputs, **changes):
    values = {k: dict(v) for k, v in inputs.values.items()}
    for ind_id, vals in changes.items():
        values[int(ind_id[1:])] = vals
    return replace(inputs, values=values)


def _rounding_bound() -> Fraction:
    """Half a cent at each of level 2, level 1, the subtotal and the total."""
    return Fraction(4, 200)


@pytest.mark.parametrize("choices, params", [
    ({}, {}),
    ({"G1": "renormalise"}, {}),  # missing indicators left out, weights shared out again
    ({}, {"deduction_cap": "0.5"}),  # the cap limits the deductions: points apportioned
    ({"G2": "cap"}, {"missing_score": "40"}),
])
def test_points_available_sum_to_100_minus_the_unrounded_total_exactly(setup, choices, params):
    cat, inputs = setup
    res = inputs.score(cat, choices={**inputs.choices, **choices},
                       params={**inputs.params, **params})
    d = decompose(cat, res)
    unrounded = sum((d.shares[i] * Fraction(res.indicators[i].score) for i in d.shares),
                    Fraction(0)) - d.deductions
    assert d.available == 100 - unrounded  # exactly, as fractions
    assert d.total == unrounded
    # the official total is the same computation rounded at every level
    assert rounded_chain(res) == res.total
    assert abs((100 - Fraction(res.total)) - d.available) <= _rounding_bound()


def test_shares_are_the_products_of_the_weights(setup):
    cat, inputs = setup
    res = inputs.score(cat)
    d = decompose(cat, res)
    assert d.shares[1] == Fraction(7875, 1_000_000)  # 21 % × 15 % × 25 %
    assert d.shares[88] == Fraction(23, 100)  # 市民满意度 23 %, a sole indicator without weight
    assert sum(d.shares.values()) == 1
    assert 65 not in d.shares and 66 not in d.shares  # 信息安全 only deducts


def test_points_of_one_indicator_by_hand(setup):
    cat, inputs = setup
    res = _with(inputs, i1={"used": Decimal(1123), "total": Decimal(1842)}).score(cat)
    assert res.indicators[1].score == Decimal("60.97")  # 1123 / 1842 = 60.966…%
    p = priorities(cat, res)
    item = next(i for i in p.items if i.id == 1)
    assert item.points == Fraction("0.30736125")  # 0.007875 × (100 − 60.97)
    assert item.share == Fraction("0.007875")
    assert item.units == ("市大数据局", "市行政审批服务局") and item.shared


def test_deductions_count_with_the_points_they_deduct(setup):
    cat, inputs = setup
    res = _with(inputs, i65={"mechanism": Decimal(1), "leaks": Decimal(2),
                             "unreviewed": Decimal(1), "crypto_gap": Decimal(0)}).score(cat)
    assert res.indicators[65].score == Decimal("2.50")  # 2 × 1 + 1 × 0.5
    d = decompose(cat, res)
    assert d.points[65] == Fraction(5, 2) * d.deductions / sum(
        (Fraction(r.score) for r in res.indicators.values() if r.kind == "deduction"),
        Fraction(0))


def test_ranked_lists_leave_gaps_apart(setup):
    cat, inputs = setup
    res = inputs.score(cat)
    p = priorities(cat, res, inputs)
    gaps = {r.id for r in res.indicators.values() if r.status in ("missing", "invalid")}
    assert gaps, "the sample round has a few blanks and mistakes"
    assert {i.id for i in p.gaps} == gaps
    assert not gaps & {i.id for i in p.ranked}
    points = [i.points for i in p.ranked]
    assert points == sorted(points, reverse=True) and all(x > 0 for x in points)
    by_level1 = p.by_level1()
    assert list(by_level1) == [g.name for g in cat.level1]
    assert sum(len(v) for v in by_level1.values()) == len(p.ranked)


def test_each_unit_lists_exactly_its_catalogue_indicators(setup):
    cat, inputs = setup
    p = priorities(cat, inputs.score(cat), inputs)
    units = {u.unit: u for u in p.units(cat)}
    expected = {u for u in cat.unit_names if cat.indicators_for_unit(u)}
    assert set(units) == expected
    for unit, up in units.items():
        assert sorted(i.id for i in up.items) == [ind.id for ind in cat.indicators_for_unit(unit)]
        for item in up.items:
            assert item.shared == (len(cat.units_of(cat.indicator(item.id))) > 1)
        assert up.points == sum((i.points for i in up.items), Fraction(0))
    assert [u.points for u in p.units(cat)] == sorted((u.points for u in p.units(cat)),
                                                       reverse=True)


def test_the_lever_of_indicator_1_by_hand(setup):
    cat, inputs = setup
    changed = _with(inputs, i1={"used": Decimal(1123), "total": Decimal(1842)})
    res = changed.score(cat)
    lever = priorities(cat, res, changed).lever(1)
    assert lever is not None
    # next milestone above 60.97 is 80: 100 × u / 1842 ≥ 79.995 first holds at u = 1474
    assert (lever.input_key, lever.old, lever.new) == ("used", Decimal(1123), Decimal(1474))
    assert (lever.score_before, lever.score_after) == (Decimal("60.97"), Decimal("80.02"))
    # the total it gives is the engine's own result with that one value changed
    again = _with(changed, i1={"used": Decimal(1474), "total": Decimal(1842)}).score(cat)
    assert lever.total_after == again.total and lever.total_before == res.total
    assert lever.text() == (f"已实现电子证照办理的政务服务事项数量由 1123 项 提至 1474 项（得分 60.97 → "
                            f"80.02）：总分 +{again.total - res.total:.2f} 分")


def test_every_lever_is_the_engine_result_of_its_change(setup):
    cat, inputs = setup
    res = inputs.score(cat)
    p = priorities(cat, res, inputs)
    checked = 0
    for item in p.ranked[:15]:
        lever = p.lever(item.id)
        if lever is None:
            continue
        values = {k: dict(v) for k, v in inputs.values.items()}
        if lever.unit:
            units = cat.units_of(cat.indicator(item.id))
            column = list(values[item.id][lever.input_key])
            column[units.index(lever.unit)] = lever.new
            values[item.id][lever.input_key] = column
        else:
            values[item.id][lever.input_key] = lever.new
        again = replace(inputs, values=values).score(cat)
        assert again.indicators[item.id].score == lever.score_after
        assert again.total == lever.total_after
        assert (lever.score_after < lever.score_before if item.kind == "deduction"
                else lever.score_after > lever.score_before)
        checked += 1
    assert checked >= 5


def test_no_lever_for_a_gap_an_expert_score_or_full_marks(setup):
    cat, inputs = setup
    overridden = replace(inputs, overrides={**inputs.overrides,
                                            2: engine.Override(Decimal(50), "专家复核")})
    changed = _with(overridden, i3={"auth_n": Decimal(10), "total": Decimal(10)})
    res = changed.score(cat)
    p = priorities(cat, res, changed)
    assert res.indicators[3].score == Decimal(100) and p.lever(3) is None
    assert res.indicators[2].status == "expert" and p.lever(2) is None
    for gap in p.gaps:
        assert p.lever(gap.id) is None


def test_the_base_of_a_rate_is_never_a_lever(setup):
    cat, _ = setup
    assert rate_bases(cat.indicator(1)) == {"total"}
    assert {"patents_prev", "pop_cur", "pop_prev"} <= rate_bases(cat.indicator(84))
    assert "patents_cur" not in rate_bases(cat.indicator(84))


def test_analyze_json_contract(round_path, setup):
    cat, _ = setup
    with Round.open(round_path, readonly=True) as rnd:
        data = analysis.analyze(rnd, runs=200).to_json(cat)
    assert {"priorities", "units", "robustness"} <= set(data)
    assert all({"indicator", "unit", "points_available", "share_of_total"} <= set(p)
               for p in data["priorities"])
    assert all({"unit", "points_available", "indicators"} <= set(u) for u in data["units"])
    robust = data["robustness"]
    assert {"median", "p05", "p95"} <= set(robust["total"])
    assert {"level1", "drivers"} <= set(robust)
    assert len(data["priorities"]) == len(cat.indicators)
    exact = sum((Fraction(p["points_available_exact"]) for p in data["priorities"]),
                Fraction(0))
    assert exact == Fraction(data["exact"]["points_available_sum"])
    assert exact == 100 - Fraction(data["exact"]["total_unrounded"])
