"""The seed's special cases on the real catalogue, worked by hand from its 评估方法."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jinan_eval_gui import catalogue
from jinan_eval_gui.scoring import engine


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def _score(cat, ind_id, values, params=None, variant=""):
    resolved = engine.resolve_params(cat, params)
    return engine.score_indicator(cat.indicator(ind_id), values, resolved, variant=variant)


def test_1_is_a_plain_ratio(cat):
    # 1: 已实现电子证照办理的事项数/政务服务事项总数 = 1234/1500 = 82.2666.. -> 82.27
    r = _score(cat, 1, {"used": D(1234), "total": D(1500)})
    assert r.score == D("82.27") and r.status == "ok"


def test_47_no_reports_is_full_score(cat):
    # 47: "举报事件为0则得满分"
    assert _score(cat, 47, {"handled": D(0), "reports": D(0)}).score == D("100.00")
    # 195/200 = 97.5
    assert _score(cat, 47, {"handled": D(195), "reports": D(200)}).score == D("97.50")


def test_20_b2_is_capped_at_1(cat):
    # b1 = 80/100, b2 = (5000+90000)/(4000+80000) > 1 -> 1, b3 = 90/100
    values = {"schools_total": D(100), "mm_schools": D(80), "teacher_spaces": D(5000),
              "student_spaces": D(90000), "teachers": D(4000), "students": D(80000),
              "wifi_schools": D(90)}
    r = _score(cat, 20, values)
    assert r.steps["b2"] == D(1)
    # (0.8 + 1 + 0.9) / 3 * 100 = 90
    assert r.score == D("90.00")


def test_59_update_period_under_one_year_counts_as_one(cat):
    base = {"area_500": D(300), "built_up_area": D(400), "area_1000_2000": D(900),
            "planning_area": D(1000)}
    half_year = _score(cat, 59, {**base, "period_years": D("0.5")})
    assert half_year.steps["b3"] == D(1)
    # (0.75 + 0.9 + 1) / 3 * 100 = 88.333.. -> 88.33
    assert half_year.score == D("88.33")
    # every 4 years: b3 = 0.25; (0.75 + 0.9 + 0.25)/3*100 = 63.333.. -> 63.33
    assert _score(cat, 59, {**base, "period_years": D(4)}).score == D("63.33")


def test_16_is_the_mean_over_hospitals(cat):
    # 1/n * Σ(调阅次数/门诊总数), read literally: (0.5 + 0.25 + 1.2) / 3 = 0.65 -> 65.00
    values = {"hospitals.reads": [D(500), D(100), D(1200)],
              "hospitals.visits": [D(1000), D(400), D(1000)],
              "hospitals.name": ["甲医院", "乙医院", "丙医院"]}
    assert _score(cat, 16, values).score == D("65.00")
    assert _score(cat, 16, {}).status == "missing"
    # the case: 1500/1000 and 300/1000 -> (1.5 + 0.3) / 2 = 0.9 -> 90.00
    two = {"hospitals.reads": [D(1500), D(300)], "hospitals.visits": [D(1000), D(1000)],
           "hospitals.name": ["甲医院", "乙医院"]}
    assert _score(cat, 16, two).score == D("90.00")
    # a mean above 1 scores 100 (百分制), not more: (1.5 + 1.3) / 2 = 1.4
    high = {**two, "hospitals.reads": [D(1500), D(1300)]}
    assert _score(cat, 16, high).score == D("100.00")


def test_16_capped_reading_is_an_alternative(cat):
    # each hospital capped at 1 before averaging: (1 + 0.3) / 2 = 0.65 -> 65.00;
    # (0.5 + 0.25 + 1) / 3 = 0.58333.. -> 58.33
    two = {"hospitals.reads": [D(1500), D(300)], "hospitals.visits": [D(1000), D(1000)],
           "hospitals.name": ["甲医院", "乙医院"]}
    assert _score(cat, 16, two, variant="capped").score == D("65.00")
    three = {"hospitals.reads": [D(500), D(100), D(1200)],
             "hospitals.visits": [D(1000), D(400), D(1000)]}
    assert _score(cat, 16, three, variant="capped").score == D("58.33")


def test_5_b3_is_a_yes_no_test(cat):
    # all 是, roads up to 主干路 only (road_level 2): b1 = (1 + 1 + 1) / 3 = 1, b2 = 1,
    # b3 = 是否达到次干路及以上 = 0 -> (1 + 1 + 0) / 3 = 0.6666.. -> 66.67
    yes = {k: D(1) for k in ("gb_index", "platform", "cap_realtime", "cap_monitor",
                             "cap_forecast", "cap_warning", "cap_event", "publish")}
    assert _score(cat, 5, {**yes, "road_level": D(2)}).score == D("66.67")
    assert _score(cat, 5, {**yes, "road_level": D(3)}).score == D("100.00")
    # graded alternative: b3 = 2/3 -> (1 + 1 + 2/3) / 3 = 0.8888.. -> 88.89
    assert _score(cat, 5, {**yes, "road_level": D(2)}, variant="graded").score == D("88.89")


def test_77_86_score_the_share_itself(cat):
    # 77: 区域当年规上新一代信息技术产业收入/区域GDP = 1500/10000 = 15% -> 15.00
    r77 = {"ict_revenue": D(1500), "gdp": D(10000)}
    assert _score(cat, 77, r77).score == D("15.00")
    # target alternative (目标占比 30%): 15/30 -> 50.00
    assert _score(cat, 77, r77, variant="target").score == D("50.00")
    # 86: 就业人口占比 = 50/1000 = 5% -> 5.00; against the 10% target -> 50.00
    r86 = {"ict_jobs": D(50), "total_jobs": D(1000)}
    assert _score(cat, 86, r86).score == D("5.00")
    assert _score(cat, 86, r86, variant="target").score == D("50.00")
    # 78 (the same kind of ratio) reads the same way: 3000/5000 = 60% -> 60.00
    assert _score(cat, 78, {"ecommerce": D(3000), "retail": D(5000)}).score == D("60.00")


def test_4_rank_maps_linearly(cat):
    assert _score(cat, 4, {"rank": D(1)}).score == D("100.00")
    assert _score(cat, 4, {"rank": D(16)}).score == D("40.00")  # floor 0.4
    # rank 6: 1 - 5/15 * 0.6 = 0.8
    assert _score(cat, 4, {"rank": D(6)}).score == D("80.00")


def test_11_checklist_share(cat):
    values = {k: D(1) for k in ("internet", "kiosk", "wechat", "weibo", "app")} | {"hotline": D(0)}
    # 5 of 6 channels: 83.333.. -> 83.33
    assert _score(cat, 11, values).score == D("83.33")


def test_53_target_attainment_is_a_round_parameter(cat):
    assert _score(cat, 53, {"avg_speed": D(85)}).score == D("85.00")
    assert _score(cat, 53, {"avg_speed": D(150)}).score == D("100.00")
    assert _score(cat, 53, {"avg_speed": D(85)}, {"53.target_speed": 170}).score == D("50.00")


def test_84_scores_the_growth_itself(cat):
    # 万人有效发明专利拥有量增幅 = (当年度 − 前一年度) / 前一年度:
    # per 10k: 10000/1000 = 10 vs 9000/1000 = 9 -> growth 11.111..% -> 11.11
    values = {"patents_cur": D(10000), "pop_cur": D(1000), "patents_prev": D(9000),
              "pop_prev": D(1000)}
    assert _score(cat, 84, values).score == D("11.11")
    # a fall scores 0: 8000 vs 9000 -> -11.1% -> 0.00
    assert _score(cat, 84, {**values, "patents_cur": D(8000)}).score == D("0.00")
    # target alternative (目标增幅 15%): 11.111../15 -> 74.07
    assert _score(cat, 84, values, variant="target").score == D("74.07")


def test_65_deducts_points_with_a_cap(cat):
    none = {"mechanism": D(1), "leaks": D(0), "unreviewed": D(0), "crypto_gap": D(0)}
    assert _score(cat, 65, none).score == D("0.00")
    # no mechanism 2 + 1 leak 1 + 1 unreviewed 0.5 + 2 crypto gaps 1 = 4.5
    some = {"mechanism": D(0), "leaks": D(1), "unreviewed": D(1), "crypto_gap": D(2)}
    assert _score(cat, 65, some).score == D("4.50")
    assert _score(cat, 65, some | {"leaks": D(9)}).score == D("5.00")  # indicator cap


def test_88_survey_score_passes_through(cat):
    assert _score(cat, 88, {"survey_score": D("86.125")}).score == D("86.13")


def test_every_indicator_scores_from_its_inputs(cat):
    """No indicator may score a constant: some input change moves every score."""
    for ind in cat.indicators:
        assert ind.score.names or ind.steps, ind.id
        used = set(ind.score.names).union(*(s.rule.names for s in ind.steps))
        assert {n.split(".")[0] for n in used} & {s.key for s in ind.inputs}, ind.id
