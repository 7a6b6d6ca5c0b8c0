"""The survey's method on small answer tables worked by hand: mapping, exclusion, weighting,
the interval; and the questionnaire's validation.

Every expected number below is computed in the comments from the answers, never taken from
the code under test.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D
from pathlib import Path

import pytest

from jinan_eval_gui import catalogue
from jinan_eval_gui.catalogue.questionnaire import (
    build_questionnaire,
    leading_number,
    load_questionnaire,
    plain_text,
)
from jinan_eval_gui.collect import survey
from jinan_eval_gui.errors import SurveyFileError

SCALE = [{"label": "满意", "points": 100}, {"label": "一般", "points": 50},
         {"label": "不满意", "points": 0}, {"label": "不了解", "unknown": True}]


def small(**changes) -> dict:
    """Q1 性别 (attribute); Q2, Q3 in dimension A (scale 100/50/0, 不了解); Q4 rating 0–10
    in dimension B; Q5 open text."""
    raw = {
        "meta": {"title": "测试问卷", "version": "1", "indicator": 88, "input": "survey_score"},
        "columns": {"id": ["编号"], "seconds": ["用时"], "ignore": ["来源"]},
        "scale": [{"id": "s", "options": SCALE}],
        "dimension": [{"id": "A", "name": "甲", "weight": 1}, {"id": "B", "name": "乙", "weight": 1}],
        "question": [
            {"id": 1, "text": "您的性别是？", "kind": "single", "attribute": "性别",
             "options": ["男", "女"]},
            {"id": 2, "text": "您对甲服务是否满意？", "kind": "likert", "dimension": "A", "scale": "s"},
            {"id": 3, "text": "您对乙服务是否满意？", "kind": "likert", "dimension": "A", "scale": "s"},
            {"id": 4, "text": "总体打几分？", "kind": "rating", "dimension": "B", "min": 0,
             "max": 10, "unknown": ["不了解"]},
            {"id": 5, "text": "您有什么建议？", "kind": "text"},
        ],
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="module")
def q():
    return build_questionnaire(small(), catalogue=catalogue.load())


def table(tmp_path: Path, rows: list[list[str]], name: str = "t.csv",
          encoding: str = "utf-8-sig") -> survey.ResponseTable:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return survey.read_table(path)


def method(share="0.5", straight=2, seconds=30, **kw) -> survey.Method:
    return survey.Method(survey.Thresholds(D(share), straight, D(seconds)), **kw)


HEADER = ["编号", "用时", "Q1", "请问您对甲服务是否满意", "3、您对乙服务是否满意？", "第4题", "来源", "备注"]


# ---------------------------------------------------------------------------------------
# Mapping
# ---------------------------------------------------------------------------------------
def test_columns_match_by_number_text_and_name(q):
    m = survey.match_columns(HEADER, q)
    got = [(c.letter, c.role, c.question, c.how) for c in m.columns]
    assert got == [("A", "id", None, "列名"), ("B", "seconds", None, "列名"),
                   ("C", "question", 1, "题号"), ("D", "question", 2, "题目文字（包含）"),
                   ("E", "question", 3, "题号"), ("F", "question", 4, "题号"),
                   ("G", "ignored", None, "列名"), ("H", "unmatched", None, "")]
    assert m.missing == (5,)
    assert [c.header for c in m.unmatched] == ["备注"]


def test_a_number_that_disagrees_with_the_text_follows_the_text(q):
    m = survey.match_columns(["2、您对乙服务是否满意？"], q)
    c = m.columns[0]
    assert (c.question, c.how) == (3, "题目文字")
    assert "表头题号 2" in c.note and "第 3 题" in c.note


def test_the_user_maps_what_did_not_match(q):
    chosen = survey.parse_mapping(["备注=5", "#7=忽略", "列,题号"])
    assert chosen == {"备注": "5", "#7": "忽略"}
    m = survey.match_columns(HEADER, q, chosen)
    assert [(c.letter, c.role, c.question, c.how) for c in m.columns[6:]] == [
        ("G", "ignored", None, "指定"), ("H", "question", 5, "指定")]
    assert m.missing == ()
    assert survey.match_columns(HEADER, q, {"H": "5"}).questions[5] == 7


def test_two_columns_on_one_question_or_a_wrong_mapping_refuse(q):
    with pytest.raises(SurveyFileError, match="都对应问卷第 2 题"):
        survey.match_columns(["Q2", "您对甲服务是否满意？"], q)
    with pytest.raises(SurveyFileError, match="不在问卷中"):
        survey.match_columns(HEADER, q, {"备注": "99"})
    with pytest.raises(SurveyFileError, match="找不到"):
        survey.match_columns(HEADER, q, {"不存在的列": "5"})
    with pytest.raises(SurveyFileError, match="格式有误"):
        survey.parse_mapping(["备注5"])


def test_numbers_and_texts_are_read_as_platforms_write_them():
    assert [leading_number(h) for h in ("5、题目", "Q12", "第3题 题目", "7. 题", "2026年", "十")] \
        == [5, 12, 3, 7, None, None]
    assert plain_text("  “满意” ") == plain_text("满意") == "满意"
    assert plain_text("１０") == "10"


# ---------------------------------------------------------------------------------------
# Exclusion
# ---------------------------------------------------------------------------------------
ROWS = [
    ["编号", "用时", "1、您的性别是？", "2、您对甲服务是否满意？", "3、您对乙服务是否满意？",
     "4、总体打几分？", "5、您有什么建议？"],
    ["a1", "100秒", "男", "满意", "一般", "8", ""],          # row 2: kept
    ["a1", "120", "女", "一般", "一般", "6", ""],            # row 3: id of row 2 again
    ["a3", "90", "男", "满意", "一般", "8", ""],              # row 4: the answers of row 2
    ["a4", "90", "女", "一般", "满意", "11", ""],            # row 5: a rating of 11
    ["a5", "20秒", "女", "一般", "不满意", "5", ""],          # row 6: 20 s < 30 s
    ["a6", "95", "女", "不满意", "", "", ""],                # row 7: 1 of 3 answered < 50 %
    ["a7", "95", "男", "满意", "满意", "7", ""],              # row 8: both scale items 满意
    ["a8", "00:01:40", "女", "不了解", " 不满意 ", "不了解", ""],  # row 9: kept (不了解 answered)
    ["a9", "2分5秒", "女", "一般", "满意", "６", "很好"],      # row 10: kept (full-width ６)
]


def test_each_excluded_row_is_listed_with_its_reason(tmp_path, q):
    result = survey.score_table(table(tmp_path, ROWS), q, method(weighting="none"))
    assert (result.n, result.n_kept) == (9, 3)
    assert [(e.row, e.rule) for e in result.excluded] == [
        (3, "duplicate_id"), (4, "duplicate_answers"), (5, "invalid"), (6, "too_fast"),
        (7, "incomplete"), (8, "straightlining")]
    reasons = [e.reason for e in result.excluded]
    assert reasons[0] == "答卷编号“a1”与第 2 行重复"
    assert reasons[1] == "全部回答与第 2 行完全相同"
    assert reasons[2] == "第 4 题的回答 11 超出 0–10 分"
    assert reasons[3] == "作答用时 20 秒，少于 30 秒"
    assert reasons[4] == "计分题答了 1/3 道（33%），少于 50%"
    assert reasons[5] == "2 道量表题全部选“满意”"


def test_thresholds_at_zero_switch_their_rules_off(tmp_path, q):
    result = survey.score_table(table(tmp_path, ROWS), q,
                                method(share="0", straight=0, seconds=0, weighting="none"))
    # rows 6 (fast), 7 (incomplete), 8 (straight) now count: 3 + 3 = 6 kept
    assert [e.rule for e in result.excluded] == ["duplicate_id", "duplicate_answers", "invalid"]
    assert result.n_kept == 6


# ---------------------------------------------------------------------------------------
# Scores and weighting (kept: row 2 男 100/50/80, row 9 女 —/0/—, row 10 女 50/100/60)
# ---------------------------------------------------------------------------------------
def test_unweighted_scores(tmp_path, q):
    r = survey.score_table(table(tmp_path, ROWS), q, method(weighting="none"))
    # Q2 (100 + 50)/2 = 75 (row 9's 不了解 left out, not zero); Q3 (50 + 0 + 100)/3 = 50;
    # Q4 (80 + 60)/2 = 70. A = (75 + 50)/2 = 62.5, B = 70, overall (62.5 + 70)/2 = 66.25
    assert [(x["id"], x["score"], x["n"], x["unknown"]) for x in r.questions] == [
        (2, 75.0, 2, 1), (3, 50.0, 3, 0), (4, 70.0, 2, 1)]
    assert [d["score"] for d in r.dimensions] == [62.5, 70.0]
    assert r.score == D("66.25")
    assert r.n_eff == pytest.approx(3.0)


def test_post_stratified_to_the_population_shares(tmp_path, q):
    shares = {"性别": {"男": D("0.5"), "女": D("0.5")}}
    r = survey.score_table(table(tmp_path, ROWS), q, method(shares=shares))
    # 1 man, 2 women kept; shares 1/2 each: man 0.5 × 3 / 1 = 1.5, each woman 0.5 × 3 / 2 = 0.75.
    # Q2 (1.5×100 + 0.75×50)/(1.5 + 0.75) = 187.5/2.25 = 83.333…; Q3 (75 + 0 + 75)/3 = 50;
    # Q4 (1.5×80 + 0.75×60)/2.25 = 165/2.25 = 73.333…; A = 66.666…, B = 73.333…, overall 70
    assert [x["score"] for x in r.questions] == [83.33, 50.0, 73.33]
    assert r.score == D("70.00")
    assert r.n_eff == pytest.approx(9 / 3.375)          # (Σw)²/Σw² = 9/(2.25 + 2×0.5625)
    assert r.method["weighting"]["method"] == "poststrat"


def test_weighting_can_be_switched_off_and_unknown_read_as_the_middle(tmp_path, q):
    shares = {"性别": {"男": D("0.5"), "女": D("0.5")}}
    r = survey.score_table(table(tmp_path, ROWS), q,
                           method(shares=shares, weighting="none", unknown="neutral"))
    # row 9's 不了解 become the middle, 50: Q2 (100 + 50 + 50)/3 = 66.666…, Q3 50,
    # Q4 (80 + 50 + 60)/3 = 63.333…; A = 58.333…, B = 63.333…, overall 60.8333 → 60.83
    assert r.score == D("60.83")
    assert r.method["weighting"]["method"] == "none"


def test_raking_on_two_attributes_matches_both_margins():
    import numpy as np

    from jinan_eval_gui.collect.survey import weighting

    # sex × age counts 3, 1 / 1, 3 (not independent): raking to 50/50 and 50/50
    sex = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    age = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    design = weighting.Strata(["性别", "年龄"], [sex, age], [np.array([0.5, 0.5]),
                                                          np.array([0.5, 0.5])], [[], []])
    w, iterations = weighting.rake(np.ones((1, 8)), design)
    # the table is symmetric, so the margins already hold: every weight stays 1
    assert iterations == 1 and np.allclose(w, 1)
    design.shares[1] = np.array([0.25, 0.75])
    w, iterations = weighting.rake(np.ones((1, 8)), design)
    for codes, share in zip(design.codes, design.shares, strict=True):
        totals = np.bincount(codes, weights=w[0]) / w[0].sum()
        assert np.allclose(totals, share, atol=1e-8)
    assert 1 < iterations < weighting.MAX_ITERATIONS


# ---------------------------------------------------------------------------------------
# The interval
# ---------------------------------------------------------------------------------------
def one_question(tmp_path, answers: list[str]) -> survey.ResponseTable:
    """Answers to question 2, each row with its own suggestion (so no row repeats another)."""
    return table(tmp_path, [["2、您对甲服务是否满意？", "5、您有什么建议？"],
                            *[[a, f"建议{i}"] for i, a in enumerate(answers)]])


def test_analytic_interval_by_hand(tmp_path, q):
    five = build_questionnaire(small(scale=[{"id": "s", "options": [
        {"label": "非常满意", "points": 100}, {"label": "满意", "points": 75},
        {"label": "一般", "points": 50}, {"label": "不满意", "points": 25},
        {"label": "非常不满意", "points": 0}]}]))
    r = survey.score_table(one_question(tmp_path, ["非常满意", "满意", "一般", "满意"]), five,
                           method(share="0", straight=0, interval="analytic"))
    # mean 75; s² = (25² + 0 + 25² + 0)/3 = 416.67; SE = √(416.67/4) = 10.2062;
    # 75 ± 1.959964 × 10.2062 = 75 ± 20.0038 → 55.00 – 95.00
    assert r.score == D("75.00")
    assert r.ci95 == (D("55.00"), D("95.00"))
    assert r.method["se_analytic"] == pytest.approx(10.2062, abs=1e-4)


def test_bootstrap_interval_by_hand(tmp_path, q):
    # two respondents, 100 and 0: a resample's mean is 0, 50 or 100 with chances ¼, ½, ¼, so
    # of 1 000 resamples about 250 are 0 and 250 are 100: the 2.5th and 97.5th percentiles
    # are 0 and 100
    r = survey.score_table(one_question(tmp_path, ["满意", "不满意"]), q,
                           method(share="0", straight=0, reps=1000, seed=7))
    assert r.score == D("50.00")
    assert r.ci95 == (D("0.00"), D("100.00"))
    # every respondent alike: no spread at all
    same = survey.score_table(one_question(tmp_path, ["一般"] * 5), q,
                              method(share="0", straight=0))
    assert same.ci95 == (D("50.00"), D("50.00"))


def test_bootstrap_is_reproducible_and_agrees_with_the_analytic_interval(tmp_path):
    qn = load_questionnaire()
    path = survey.write_sample(qn, tmp_path / "s.csv", 1500, seed=3)
    t = survey.read_table(path)
    a = survey.score_table(t, qn, method(share="0.8", straight=10, seconds=60))
    b = survey.score_table(t, qn, method(share="0.8", straight=10, seconds=60))
    c = survey.score_table(t, qn, method(share="0.8", straight=10, seconds=60, interval="analytic"))
    assert a.ci95 == b.ci95
    assert a.score == c.score
    width_boot, width_analytic = a.ci95[1] - a.ci95[0], c.ci95[1] - c.ci95[0]
    assert abs(width_boot - width_analytic) <= D("0.25") * width_analytic


# ---------------------------------------------------------------------------------------
# The questionnaire
# ---------------------------------------------------------------------------------------
def test_the_default_questionnaire_covers_the_level1_areas():
    cat = catalogue.load()
    qn = load_questionnaire(catalogue=cat)
    areas = {a for d in qn.dimensions for a in d.areas}
    assert areas == {l1.id for l1 in cat.level1}
    assert {a.attribute for a in qn.attributes} == {"区县", "年龄段", "性别"}
    assert qn.indicator == 88 and qn.input == "survey_score"
    assert len(qn.hash) == 64 and qn.version


@pytest.mark.parametrize("change, message", [
    ({"question": [{"id": 1, "text": "甲", "kind": "likert", "dimension": "A",
                    "options": [{"label": "好", "points": 120}, {"label": "差", "points": 0}]}]},
     "超出 0–100"),
    ({"question": [{"id": 1, "text": "甲", "kind": "quiz"}]}, "题型“quiz”无效"),
    ({"question": [{"id": 2, "text": "甲", "kind": "likert", "dimension": "X", "scale": "s"}]},
     "维度“X”没有定义"),
    ({"question": [{"id": 2, "text": "甲", "kind": "likert", "dimension": "A", "scale": "s"},
                   {"id": 2, "text": "乙", "kind": "likert", "dimension": "B", "scale": "s"}]},
     "题号 2 重复"),
    ({"question": [{"id": 2, "text": "甲", "kind": "likert", "dimension": "A", "scale": "s"}]},
     "维度“乙”没有计分的题目"),
    ({"question": [{"id": 2, "text": "甲", "kind": "single", "attribute": "性别", "options": [
        {"label": "男", "points": 1}, "女"]}]}, "选项不计分"),
    ({"scale": [{"id": "s", "options": [{"label": "不了解", "unknown": True, "points": 0}]}]},
     "不能有分值"),
])
def test_a_broken_questionnaire_is_refused_in_chinese(change, message):
    with pytest.raises(SurveyFileError, match=message):
        build_questionnaire(small(**change))


def test_the_questionnaire_must_score_a_survey_indicator():
    with pytest.raises(SurveyFileError, match="不是问卷调查类指标"):
        build_questionnaire(small(meta={"title": "t", "version": "1", "indicator": 1,
                                        "input": "x"}), catalogue=catalogue.load())
