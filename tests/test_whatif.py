"""试算 (what-if): a scratch copy scored by the engine, never written to the round unless saved
as a named scenario, which the report cites (re-evaluated on the current data)."""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal

import pytest
from analysis_round import build_round

from jinan_eval_gui import workflow
from jinan_eval_gui.errors import EvalError, RoundFileError
from jinan_eval_gui.scoring.analysis import Change
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import analysis


@pytest.fixture(scope="module")
def template_round(tmp_path_factory):
    return build_round(tmp_path_factory.mktemp("whatif"))


@pytest.fixture
def round_path(template_round, tmp_path):
    target = tmp_path / template_round.name
    target.write_bytes(template_round.read_bytes())
    return target


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_changes_are_scored_by_the_engine_and_compared(round_path):
    with Round.open(round_path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        work = analysis.scratch(rnd, "济南市")
        official = workflow.score_entity(rnd, "济南市", save=False)
    outcome = work.set_input(1, "used", "1474")
    assert outcome.official.total == official.total
    expected = work.inputs.score(cat)
    assert outcome.results.total == expected.total
    rows = {r.level: r for r in outcome.rows()}
    assert rows["total"].official == official.total and rows["total"].now == expected.total
    moved = {r.key for r in outcome.rows() if r.level == "indicator"}
    assert moved == {"1"}
    # the base (and so the round's values) stay as they were
    assert work.base.values[1]["used"] != Decimal(1474)
    assert [c.kind for c in work.changes] == ["input"]
    work.set_param("missing_score", "50")
    work.set_choice("A77", "target")
    assert [c.kind for c in work.changes] == ["input", "param", "choice"]
    assert work.changes[2].text().startswith("评分口径 A77")
    # setting a value back to the official one drops the change
    work.set_input(1, "used", str(work.base.values[1]["used"]))
    assert [c.kind for c in work.changes] == ["param", "choice"]
    assert work.reset().delta == 0 and work.changes == []


def test_bad_values_are_refused_in_chinese(round_path):
    with Round.open(round_path, readonly=True) as rnd:
        work = analysis.scratch(rnd, "济南市")
    with pytest.raises(EvalError, match="整数"):
        work.set_input(1, "used", "12.5")
    with pytest.raises(EvalError, match="之间"):
        work.set_input(1, "used", "-3")
    with pytest.raises(EvalError, match="不是数值"):
        work.set_input(1, "used", "很多")
    with pytest.raises(EvalError, match="之间"):
        work.set_param("missing_score", "120")
    with pytest.raises(EvalError, match="可选项"):
        work.set_choice("A77", "nonsense")
    with pytest.raises(EvalError, match="不能试算"):
        work.set_input(43, next(s.key for s in work.cat.indicator(43).inputs
                                if s.kind == "text"), "x")
    assert work.changes == []


def test_a_per_unit_value_changes_that_units_value_only(round_path):
    with Round.open(round_path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        work = analysis.scratch(rnd, "济南市")
    units = cat.units_of(cat.indicator(66))
    work.set_input(66, "missed", "3", "市公安局")
    column = work.inputs.values[66]["missed"]
    assert column[units.index("市公安局")] == Decimal(3)
    before = work.base.values[66]["missed"]
    assert [a for i, a in enumerate(column) if i != units.index("市公安局")] == \
        [b for i, b in enumerate(before) if i != units.index("市公安局")]
    with pytest.raises(EvalError):
        work.set_input(66, "missed", "1", "不存在的单位")


def test_what_if_never_writes_the_round(round_path):
    before = _digest(round_path)
    with Round.open(round_path) as rnd:  # open for writing, as the window does
        work = analysis.scratch(rnd, "济南市")
        work.set_input(1, "used", "1500")
        work.set_param("deduction_cap", "3")
        work.set_choice("G1", "renormalise")
        work.outcome()
        work.reset()
    assert _digest(round_path) == before


def test_a_trial_takes_well_under_100_ms(round_path):
    with Round.open(round_path, readonly=True) as rnd:
        work = analysis.scratch(rnd, "济南市")
    times = []
    for k in range(7):
        start = time.perf_counter()
        work.set_input(1, "used", str(1000 + k))
        times.append(time.perf_counter() - start)
    assert sorted(times)[3] < 0.1  # about 10 ms: the engine scores all 88 on the copy


def test_saved_scenarios_are_stored_audited_and_cited_by_the_report(round_path, tmp_path):
    with Round.open(round_path) as rnd:
        work = analysis.scratch(rnd, "济南市")
        with pytest.raises(EvalError, match="没有任何调整"):
            analysis.save_scenario(rnd, work, "空情景")
        work.set_input(1, "used", "1474")
        trial_total = work.outcome().results.total
        scenario_id = analysis.save_scenario(rnd, work, "电子证照使用率提至80%")
        with pytest.raises(RoundFileError, match="同名|已有名为"):
            analysis.save_scenario(rnd, work, "电子证照使用率提至80%")
        saved = rnd.list_scenarios("济南市")
        assert [s.name for s in saved] == ["电子证照使用率提至80%"]
        assert Change.from_json(saved[0].changes[0]).new == "1474"
        assert saved[0].summary["total"] == str(trial_total)
        assert [e.action for e in rnd.audit_log("scenario.save")] == ["scenario.save"]
        result = analysis.analyze(rnd, runs=100)
        files = workflow.export_all(rnd, tmp_path / "out", formats=("docx",))
    [scenario] = result.entities["济南市"].scenarios
    assert scenario.total == trial_total and scenario.problems == ()
    docx = next(p for p in files if p.suffix == ".docx")
    import docx as python_docx

    doc = python_docx.Document(str(docx))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "电子证照使用率提至80%" in cells
    assert f"{trial_total:.2f}" in cells
    with Round.open(round_path) as rnd:
        assert rnd.delete_scenario(scenario_id)
        assert rnd.list_scenarios() == []


def test_a_round_made_before_scenarios_is_migrated(tmp_path, monkeypatch):
    from jinan_eval_gui.store import schema

    older = schema.MIGRATIONS[:schema.MIGRATIONS.index(schema._SCHEMA_V4_SCENARIOS)]
    monkeypatch.setattr(schema, "MIGRATIONS", older)
    path = tmp_path / "旧轮次.jeval"
    workflow.create_round(path, year=2025).close()
    monkeypatch.undo()
    with Round.open(path) as rnd:
        assert rnd.info.schema_version == len(schema.MIGRATIONS)
        work = analysis.scratch(rnd, "济南市")
        work.set_param("missing_score", "10")
        analysis.save_scenario(rnd, work, "缺报按10分计")
        assert [s.name for s in rnd.list_scenarios()] == ["缺报按10分计"]
