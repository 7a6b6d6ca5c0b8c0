"""Exact arithmetic: scores equal the exact value rounded half up, at every level.

The 指标体系 scores on a 100-point scale and keeps 2 decimals at each level (计算时各分值保留
2位小数). The engine evaluates rules in fractions and rounds only there, so a score that is
exactly 61.875 shows 61.88 (28-digit decimals gave 61.87). The references below are written
from the rule semantics with :class:`fractions.Fraction`; they never call the engine's
evaluator. The last test recalculates a scoring workbook built from boundary inputs in
LibreOffice and finds the engine's number in every score cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lo import convert, needs_soffice
from test_export import (
    _assert_cents,
    _half_cent_overrides,
    _recomputed,
    _strip_cached_values,
    synthetic_values,
)

from jinan_eval_gui import catalogue
from jinan_eval_gui.outputs import workbook as export
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.engine import Override, round2

CAT = catalogue.load()
PARAMS = engine.resolve_params(CAT, None)
D = Decimal
F = Fraction


# --------------------------------------------------------------------------- the reference


def cents(x: Fraction) -> Fraction:
    """Half away from zero to 2 decimals, exactly (Excel's ROUND(x, 2))."""
    whole = math.floor(abs(x) * 100 + F(1, 2))
    return F(whole if x >= 0 else -whole, 100)


def capratio(num: Fraction, den: Fraction) -> Fraction:
    return F(0) if den == 0 else min(F(1), max(F(0), num / den))


def ratio(num: Fraction, den: Fraction) -> Fraction:
    return F(0) if den == 0 else num / den


def attain(value: Fraction, target: Fraction) -> Fraction:
    return min(F(1), max(F(0), value / target))


def mean(*xs: Fraction) -> Fraction:
    return sum(xs, F(0)) / len(xs)


def scored(raw: Fraction) -> Fraction:
    """A level-3 score: clamped to [0, 100], then 2 decimals."""
    return cents(min(F(100), max(F(0), raw)))


def param(ind: int, name: str) -> Fraction:
    return F(PARAMS[f"{ind}.{name}"])


def _fractions(values: dict, keys: str) -> list[Fraction]:
    return [F(values[k]) for k in keys.split()]


# --------------------------------------------------------------------------- golden values


def hospitals_16() -> dict:
    return {
        "hospitals.name": ["甲医院", "乙医院", "丙医院", "丁医院"],
        "hospitals.reads": [D(23), D(17), D(1), D(13)],
        "hospitals.visits": [D(24), D(17), D(12), D(30)],
    }


def city_management_30() -> dict:
    return {
        "reported": D(60), "filed": D(35),  # b1 立案率 = 35/60 = 7/12
        "dispatched": D(35), "dispatch_ok": D(12),  # b2 派遣正确率 = 12/35
        "due": D(5), "ontime": D(4),  # b3 按时处置率 = 4/5
        "closed": D(27),  # b4 结案率 = 27/35
        "cover_area": D("47.65"), "built_area": D(168),  # b5 覆盖率 = 47.65/168
    }


def test_indicator_16_is_exactly_61_875_and_scores_61_88():
    # 指标体系, 16: 1/n×∑(调阅次数/门诊总数) over the hospitals (every rate here is ≤ 1, so
    # capping a rate at 1 or not gives the same number):
    # 23/24 + 17/17 + 1/12 + 13/30 = (115 + 120 + 10 + 52)/120 = 297/120 = 2.475
    # 2.475 / 4 = 0.61875 -> 61.875 points -> 61.88 (half up; 28-digit decimals gave 61.87)
    r = engine.score_indicator(CAT.indicator(16), hospitals_16(), PARAMS)
    assert r.status == "ok", r.messages
    assert r.score == D("61.88")
    assert r.raw == D("61.875")
    assert r.steps["rate"] == D("0.61875")


def test_indicator_30_is_exactly_55_625_and_scores_55_63():
    # 指标体系, 30: b1..b5 averaged. Over 3360:
    # 7/12 = 1960, 12/35 = 1152, 4/5 = 2688, 27/35 = 2592, 47.65/168 = 4765/16800 = 953
    # Σ = 9345/3360 = 2.78125; / 5 = 0.55625 -> 55.625 points -> 55.63 (28 digits: 55.62)
    r = engine.score_indicator(CAT.indicator(30), city_management_30(), PARAMS)
    assert r.status == "ok", r.messages
    assert r.score == D("55.63")
    assert r.raw == D("55.625")
    assert r.steps["b3"] == D("0.8")  # terminating: shown exactly
    assert r.steps["b1"] == D("0.5833333333333333333333333333")  # 7/12, shown to 28 digits


def test_boundary_scores_carry_through_the_levels():
    values = synthetic_values(CAT, seed=2)
    values[16] = hospitals_16()
    values[30] = city_management_30()
    res = engine.score(CAT, values)
    assert res.indicators[16].score == D("61.88")
    assert res.indicators[30].score == D("55.63")
    scores = {i: F(r.score) for i, r in res.indicators.items()}
    want = reference_levels(scores)
    assert {g.id: F(g.score) for g in res.level2 if g.score is not None} == want["level2"]
    assert {g.id: F(g.score) for g in res.level1 if g.score is not None} == want["level1"]
    assert (res.subtotal, res.deductions, res.total) == want["totals"]


def test_round2_is_exact_on_fractions_and_decimals():
    assert round2(F(61875, 1000)) == D("61.88")
    assert round2(F(297, 480) * 100) == D("61.88")
    assert round2(F(6187499999, 10**8)) == D("61.87")  # just below: down
    assert round2(F(-2675, 1000)) == D("-2.68")
    assert round2(D("2.675")) == D("2.68")
    assert round2(F(1, 3)) == D("0.33")
    assert str(round2(F(0))) == "0.00" and str(round2(F(-1, 1000))) == "0.00"
    assert str(round2(100)) == "100.00"


# --------------------------------------------------------------------------- aggregation


def reference_levels(scores: dict[int, Fraction]) -> dict:
    """Level-2, level-1 and the totals from level-3 scores, as the 指标体系 says: each level
    the weighted average of the one below, 2 decimals at each level; 信息安全 deducts."""

    def weighted(pairs: list[tuple[Decimal | None, Fraction]]) -> Fraction:
        if len(pairs) == 1 and pairs[0][0] is None:
            return pairs[0][1]
        return cents(sum((F(w) * s for w, s in pairs), F(0)) / 100)

    level2: dict[str, Fraction] = {}
    level1: dict[str, Fraction] = {}
    deducted = F(0)
    for l1 in CAT.level1:
        if l1.kind == "deduction":
            deducted += sum((scores[i.id] for l2 in CAT.level2_of(l1.id)
                             for i in CAT.indicators_of(l2.id)), F(0))
            continue
        for l2 in CAT.level2_of(l1.id):
            level2[l2.id] = weighted([(i.weight, scores[i.id]) for i in CAT.indicators_of(l2.id)])
        level1[l1.id] = weighted([(l2.weight, level2[l2.id]) for l2 in CAT.level2_of(l1.id)])
    subtotal = cents(sum((F(l1.weight) * level1[l1.id] for l1 in CAT.level1
                          if l1.kind != "deduction"), F(0)) / 100)
    deductions = min(F(PARAMS["deduction_cap"]), cents(deducted))
    total = max(F(0), subtotal - deductions)
    return {"level2": level2, "level1": level1, "totals": (subtotal, deductions, total)}


def _cent_scores(hi: int) -> st.SearchStrategy[Decimal]:
    """2-decimal scores, often on values whose weighted sums land on half cents."""
    return st.one_of(
        st.integers(0, hi * 100).map(lambda c: D(c) / 100),
        st.integers(0, 40).map(lambda k: D(60) + D(k) / 100),
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_level_is_the_exact_weighted_average_rounded_half_up(data):
    overrides = {}
    for ind in CAT.indicators:
        hi = 5 if ind.kind == "deduction" else 100
        overrides[ind.id] = Override(data.draw(_cent_scores(hi), label=str(ind.id)), "性质测试")
    res = engine.score(CAT, {}, overrides=overrides)
    scores = {i: F(r.score) for i, r in res.indicators.items()}
    assert scores == {i: F(o.score) for i, o in overrides.items()}
    want = reference_levels(scores)
    assert {g.id: F(g.score) for g in res.level2 if g.score is not None} == want["level2"]
    assert {g.id: F(g.score) for g in res.level1 if g.score is not None} == want["level1"]
    assert (res.subtotal, res.deductions, res.total) == want["totals"]
    for value in (res.subtotal, res.total):
        assert value.as_tuple().exponent == -2  # 2 places, as the workbook shows them


# --------------------------------------------------------------------------- level 3 on random data

# counts: often small (so exact half cents and zero denominators come up), sometimes large
COUNT = st.one_of(st.integers(0, 40), st.integers(0, 10**8))
POSITIVE = st.one_of(st.integers(1, 40), st.integers(1, 10**8))


def amount(lo: str = "0", hi: str = "20000") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(lo), max_value=D(hi), places=2)


@st.composite
def below(draw, top: st.SearchStrategy[int]) -> tuple[int, int]:
    """(part, whole) with part <= whole (an error-severity check of the catalogue)."""
    whole = draw(top)
    return draw(st.integers(0, whole)), whole


@st.composite
def values_16(draw) -> dict:
    rows = draw(st.integers(1, 8))
    visits = [draw(POSITIVE) for _ in range(rows)]
    reads = [draw(st.integers(0, v)) for v in visits]  # rates <= 1: capping plays no part
    return {"hospitals.name": ["医院"] * rows, "hospitals.reads": [D(x) for x in reads],
            "hospitals.visits": [D(x) for x in visits]}


def reference_16(v: dict) -> Fraction:
    rates = [F(r) / F(n) for r, n in zip(v["hospitals.reads"], v["hospitals.visits"],
                                          strict=True)]
    return scored(100 * mean(*rates))


@st.composite
def values_30(draw) -> dict:
    filed, reported = draw(below(COUNT))
    closed = draw(st.integers(0, filed))
    ok, dispatched = draw(below(COUNT))
    ontime, due = draw(below(COUNT))
    return {"reported": D(reported), "filed": D(filed), "closed": D(closed),
            "dispatched": D(dispatched), "dispatch_ok": D(ok), "due": D(due),
            "ontime": D(ontime), "cover_area": draw(amount()), "built_area": draw(amount())}


def reference_30(v: dict) -> Fraction:
    reported, filed, closed, dispatched, ok, due, ontime, cover, built = _fractions(
        v, "reported filed closed dispatched dispatch_ok due ontime cover_area built_area")
    return scored(100 * mean(capratio(filed, reported), capratio(ok, dispatched),
                             capratio(ontime, due), capratio(closed, filed),
                             capratio(cover, built)))


@st.composite
def values_17(draw) -> dict:
    total = draw(st.one_of(st.integers(0, 40), st.integers(0, 10000)))
    counts = []
    left = total
    for _ in range(5):
        n = draw(st.integers(0, left))
        counts.append(n)
        left -= n
    values = {f"n_l{k}": D(n) for k, n in enumerate(draw(st.permutations(counts)), start=1)}
    return {"hosp_total": D(total), **values}


def reference_17(v: dict) -> Fraction:
    levels = sum((k * F(v[f"n_l{k}"]) for k in range(1, 6)), F(0))
    return scored(100 * attain(ratio(levels, F(v["hosp_total"])), param(17, "target")))


def values_4() -> st.SearchStrategy[dict]:
    return st.integers(1, 16).map(lambda r: {"rank": D(r)})


def reference_4(v: dict) -> Fraction:
    n, floor = param(4, "n"), param(4, "floor")
    share = 1 - (F(v["rank"]) - 1) / (n - 1) * (1 - floor)
    return scored(100 * min(F(1), max(F(0), share)))


SERVICES_24 = ("life_pay hosp_booking traffic_query fine_pay transport_ticket scenic_ticket "
               "tour_complaint si_query fund_query tax exit_entry marriage birth_cert "
               "vehicle_license env_report").split()


@st.composite
def values_24(draw) -> dict:
    values = {key: D(draw(st.integers(0, 1))) for key in SERVICES_24}
    values["other_n"] = D(draw(st.integers(0, 1000)))
    return values


def reference_24(v: dict) -> Fraction:
    base = mean(*(F(v[k]) for k in SERVICES_24))
    bonus = attain(F(v["other_n"]), param(24, "bonus_target"))
    w = param(24, "base_weight")
    return scored(100 * (w * base + (1 - w) * bonus))


@st.composite
def values_59(draw) -> dict:
    built, planning = draw(amount()), draw(amount())
    return {"built_up_area": built, "area_500": draw(amount(hi=str(built))),
            "planning_area": planning, "area_1000_2000": draw(amount(hi=str(planning))),
            "period_years": draw(amount("0.01", "100"))}


def reference_59(v: dict) -> Fraction:
    a500, built, a1000, planning, years = _fractions(
        v, "area_500 built_up_area area_1000_2000 planning_area period_years")
    return scored(100 * mean(capratio(a500, built), capratio(a1000, planning),
                             1 / max(F(1), years)))


@st.composite
def values_66(draw) -> dict:
    units = len(CAT.units_of(CAT.indicator(66)))
    return {"has_cii": [D(draw(st.integers(0, 1))) for _ in range(units)],
            "has_mechanism": [D(draw(st.integers(0, 1))) for _ in range(units)],
            "missed": [D(draw(st.integers(0, 3))) for _ in range(units)]}


def reference_66(v: dict) -> Fraction:
    rows = list(zip(v["has_cii"], v["has_mechanism"], v["missed"], strict=True))
    no_mechanism = sum((F(c) * (1 - F(m)) for c, m, _ in rows), F(0))
    missed = sum((F(c) * F(n) for c, _, n in rows), F(0))
    deducted = min(param(66, "cap"),
                   param(66, "p_no_mechanism") * no_mechanism + param(66, "p_missed") * missed)
    return cents(max(F(0), deducted))  # a deduction: not capped at 100


@st.composite
def values_84(draw) -> dict:
    return {"patents_cur": D(draw(COUNT.filter(lambda n: n <= 10**7))),
            "patents_prev": D(draw(COUNT.filter(lambda n: n <= 10**7))),
            "pop_cur": draw(amount(hi="10000")), "pop_prev": draw(amount(hi="10000"))}


def reference_84(v: dict) -> Fraction:
    cur = ratio(F(v["patents_cur"]), F(v["pop_cur"]))
    prev = ratio(F(v["patents_prev"]), F(v["pop_prev"]))
    growth = F(0) if prev == 0 else (cur - prev) / prev
    return scored(100 * growth)


REFERENCES: dict[int, tuple[Callable[[], st.SearchStrategy[dict]], Callable[[dict], Fraction]]] = {
    4: (values_4, reference_4),  # a rank
    16: (values_16, reference_16),  # a table: average of per-row ratios
    17: (values_17, reference_17),  # a weighted ratio against a target
    24: (values_24, reference_24),  # yes/no shares and a capped bonus, with parameters
    30: (values_30, reference_30),  # average of five capped ratios (counts and areas)
    59: (values_59, reference_59),  # ratios of areas with 2 decimals and a reciprocal
    66: (values_66, reference_66),  # per-unit lists: a capped deduction
    84: (values_84, reference_84),  # a growth rate of two ratios, clamped to [0, 100]
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_level3_scores_equal_the_exact_reference(data):
    ind_id = data.draw(st.sampled_from(sorted(REFERENCES)), label="indicator")
    strategy, reference = REFERENCES[ind_id]
    values = data.draw(strategy(), label="values")
    result = engine.score_indicator(CAT.indicator(ind_id), values, PARAMS)
    assert result.status == "ok", result.messages
    assert F(result.score) == reference(values)
    assert result.score.as_tuple().exponent == -2


# --------------------------------------------------------------------------- LibreOffice


def boundary_values() -> dict[int, dict]:
    """Synthetic valid data with inputs whose scores are exact half cents reached through
    inexact intermediate ratios (1/3, 7/12, 47.65/168 have no finite binary expansion)."""
    values = synthetic_values(CAT, seed=4)
    values[16] = hospitals_16()  # 61.875
    values[30] = city_management_30()  # 55.625
    # 17: (7·1 + 100·2 + 30·3)/160 = 297/160 average level; ÷ target 3 = 297/480 -> 61.875
    values[17] = {"hosp_total": D(160), "n_l1": D(7), "n_l2": D(100), "n_l3": D(30),
                  "n_l4": D(0), "n_l5": D(0)}
    # 6: 100·(1/3 + 8561/30000)/2 = 50·(10000 + 8561)/30000 = 50·18561/30000 = 30.935
    values[6] = {"forecast_lines": D(1), "lines_total": D(3), "e_signs": D(8561),
                 "stops_total": D(30000)}
    return values


BOUNDARY_SCORES = {16: "61.88", 30: "55.63", 17: "61.88", 6: "30.94"}


@needs_soffice
@pytest.mark.slow
def test_libreoffice_recalculates_the_boundary_workbook_to_the_engines_cents(tmp_path: Path):
    values = boundary_values()
    # expert scores on half cents for level-2 groups that do not hold a boundary indicator
    overrides, _ = _half_cent_overrides(CAT)
    held = {CAT.indicator(i).parent for i in BOUNDARY_SCORES}
    overrides = {i: o for i, o in overrides.items() if CAT.indicator(i).parent not in held}
    res = engine.score(CAT, values, overrides=overrides, entity="边界")
    for ind_id, expected in BOUNDARY_SCORES.items():
        assert res.indicators[ind_id].status == "ok"
        assert res.indicators[ind_id].score == D(expected), ind_id
    scores = {i: F(r.score) for i, r in res.indicators.items()}
    assert (res.subtotal, res.deductions, res.total) == reference_levels(scores)["totals"]

    path = export.export_workbook(CAT, {"边界": res}, tmp_path / "boundary.xlsx",
                                  values_by_entity={"边界": values})
    stripped = tmp_path / "stripped.xlsx"
    _strip_cached_values(path, stripped)  # every number read back comes from LibreOffice
    recalculated = _recomputed(convert(stripped, tmp_path / "lo"), "计算过程")
    _assert_cents(recalculated, res)
    for ind_id, expected in BOUNDARY_SCORES.items():
        assert D(repr(recalculated[ind_id])) == D(expected), ind_id
