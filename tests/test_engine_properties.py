"""Property tests of the engine over the real catalogue: any valid data, sane scores."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinan_eval_gui import catalogue
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.engine import round2

CAT = catalogue.load()


def _number(spec) -> st.SearchStrategy:
    lo, hi = spec.bounds()
    lo = lo if lo is not None else D(0)
    hi = hi if hi is not None else lo + D(100000)
    if spec.kind in ("count", "rank", "level", "yesno"):
        return st.integers(int(lo), int(hi)).map(D)
    if spec.kind == "choice":
        return st.sampled_from([o.value for o in spec.options])
    return st.decimals(min_value=lo, max_value=hi, places=2, allow_nan=False)


@st.composite
def indicator_values(draw, ind):
    values = {}
    units = len(CAT.units_of(ind))
    for spec in ind.inputs:
        if spec.kind == "text":
            continue
        if spec.kind == "table":
            rows = draw(st.integers(1, 3))
            for col in spec.columns:
                if col.kind == "text":
                    values[f"{spec.key}.{col.key}"] = ["医院"] * rows
                else:
                    values[f"{spec.key}.{col.key}"] = [draw(_number(col)) for _ in range(rows)]
        elif ind.collect == "per_unit":
            values[spec.key] = [draw(st.one_of(st.none(), _number(spec))) for _ in range(units)]
        else:
            values[spec.key] = draw(st.one_of(st.none(), _number(spec)))
    return values


@st.composite
def all_values(draw):
    return {ind.id: draw(indicator_values(ind)) for ind in CAT.indicators}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=all_values())
def test_any_data_gives_scores_in_range_and_the_seed_total(values):
    r = engine.score(CAT, values)
    for res in r.indicators.values():
        assert res.status in ("ok", "missing", "invalid")
        if res.kind == "deduction":
            cap = res.params.get("cap", D(100))
            assert D(0) <= res.score <= cap, res.id
        else:
            assert D(0) <= res.score <= D(100), res.id
        assert res.score == round2(res.score)
    for group in r.level2 + r.level1:
        if group.score is not None:
            assert D(0) <= group.score <= D(100)
    weighted = sum(g.weight * g.score for g in r.level1 if g.kind == "weighted")
    assert r.subtotal == round2(weighted / 100)
    assert r.total == max(D(0), r.subtotal - r.deductions)
    assert r.deductions <= r.params["deduction_cap"]


RATIOS = [ind for ind in CAT.indicators
          if ind.kind == "scored" and len(ind.inputs) == 2
          and all(s.kind in ("count", "amount") for s in ind.inputs)
          and ind.checks and "CAPRATIO" in "".join(s.rule.text for s in ind.steps) + ind.score.text]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_ratio_scores_never_fall_when_the_numerator_rises(data):
    ind = data.draw(st.sampled_from(RATIOS))
    num, den = ind.inputs
    params = engine.resolve_params(CAT, None)
    d = data.draw(st.integers(1, 10**6))
    n = data.draw(st.integers(0, d))
    up = data.draw(st.integers(n, d))
    low = engine.score_indicator(ind, {num.key: D(n), den.key: D(d)}, params)
    high = engine.score_indicator(ind, {num.key: D(up), den.key: D(d)}, params)
    assert high.score >= low.score


def test_there_are_ratio_indicators_to_test():
    assert len(RATIOS) >= 15
