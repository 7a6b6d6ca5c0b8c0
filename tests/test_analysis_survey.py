"""Readings that act on the inputs (the survey's weighting, interval, 不了解 answers): the
analysis gathers the inputs again under each choice, so the robustness analysis and what-if
move indicator 88 exactly as scoring the round with that choice does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from analysis_round import build_round

from jinan_eval_gui import workflow
from jinan_eval_gui.scoring.analysis import simulate
from jinan_eval_gui.scoring.analysis.readings import on_inputs, varied
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import analysis


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory):
    from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
    from jinan_eval_gui.collect.survey import write_sample
    from jinan_eval_gui.workflow import surveyimport

    root = tmp_path_factory.mktemp("survey-analysis")
    path = build_round(root)
    answers = write_sample(load_questionnaire(), root / "答卷.csv", 600)
    with Round.open(path) as rnd:
        surveyimport.set_shares(rnd, "性别", {"男": "0.51", "女": "0.49"})
        surveyimport.import_survey(rnd, answers)
    with Round.open(path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        inputs = analysis.engine_inputs(rnd, cat, "济南市")
        yield rnd, cat, inputs, inputs.score(cat)


def test_survey_readings_are_registered_as_acting_on_the_inputs(surveyed):
    _rnd, cat, _inputs, _res = surveyed
    on = [a.id for a in varied(cat) if on_inputs(a)]
    assert on, "the survey's readings act before the engine"
    assert not {"G1", "G2", "A77"} & set(on)
    assert [a.id for a in varied(cat, on_inputs_too=False)] == [
        a.id for a in varied(cat) if a.id not in on]


def test_each_drawn_reading_is_the_rounds_score_under_it(surveyed):
    rnd, cat, inputs, res = surveyed
    out = simulate(cat, {"济南市": (inputs, res)}, runs=24, spread=0, seed=6, keep=True)
    r = out["济南市"]
    assert r.held == ()
    assumptions = varied(cat)
    for k in range(0, 24, 3):
        choices = {**rnd.assumption_choices(),
                   **{a.id: a.choices[int(r.extra["picks"][a.id][k])].key for a in assumptions}}
        expected = workflow.score_entity(rnd, "济南市", cat=cat, save=False, choices=choices)
        assert Decimal(f"{r.extra['totals'][k]:.2f}") == expected.total


def test_held_when_asked_and_named(surveyed):
    _rnd, cat, inputs, res = surveyed
    r = simulate(cat, {"济南市": (inputs, res)}, runs=50, spread=0.1, input_readings=False)
    held = r["济南市"].held
    assert held and set(held) == {a.id for a in varied(cat) if on_inputs(a)}
    assert not set(held) & set(r["济南市"].assumptions)


def test_what_if_on_a_survey_reading_moves_the_survey_indicator(surveyed):
    rnd, cat, inputs, res = surveyed
    work = analysis.scratch(rnd, "济南市", cat=cat, official=res)
    a = next(a for a in varied(cat) if on_inputs(a))
    other = next(c for c in a.choices if c.key != rnd.assumption_choices().get(a.id, a.default))
    outcome = work.set_choice(a.id, other.key)
    expected = workflow.score_entity(rnd, "济南市", cat=cat, save=False,
                                     choices={**rnd.assumption_choices(), a.id: other.key})
    assert outcome.results.total == expected.total
    assert outcome.results.indicators[88].score == expected.indicators[88].score
