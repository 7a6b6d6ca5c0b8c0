"""试算 on 评分结果: a change on a copy shows the affected scores and the total at once, and the
round file stays byte for byte the same until the user saves the changes as a scenario."""

from __future__ import annotations

import hashlib

import pytest
from conftest import TEST_UNITS, wait_idle

from jinan_eval_gui.store import Round


@pytest.fixture
def opened(qtbot, opened):
    """The shared opened window (conftest) with every page built, and its round file."""
    opened.build_pages()  # as the app does right after the window appears
    wait_idle(qtbot, opened)
    return opened, opened.session.rnd.path


def _results_page(window, qtbot):
    """评分结果 shown, once it has read the round (pages refresh in their own event turn)."""
    page = window.show_page("results")
    qtbot.waitUntil(lambda: page.entity() == "济南市" and page.tree.rowCount() > 0,
                    timeout=10_000)
    return page


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reported_indicator(window):
    """An indicator of the test units scored from data, with a count input."""
    cat = window.session.cat
    res = window.session.results["济南市"]
    for unit in TEST_UNITS:
        for ind in cat.indicators_for_unit(unit):
            r = res.indicators[ind.id]
            if r.status == "ok" and r.score < 100 and ind.collect == "shared" and any(
                    s.kind == "count" for s in ind.inputs):
                return ind
    raise AssertionError("no reported indicator among the test units")


def test_a_trial_updates_the_scores_and_leaves_the_round_file_alone(opened, qtbot, recorder):
    window, path = opened
    before = _digest(path)
    page = _results_page(window, qtbot)
    ind = _reported_indicator(window)
    assert page.select_indicator(ind.id)
    page.ui.detailTabs.setCurrentIndex(1)
    panel = page.whatif
    ui = panel.ui
    assert ui.kindCombo.currentText() == "填报数据"
    labels = [ui.targetCombo.itemText(i) for i in range(ui.targetCombo.count())]
    assert labels == [s.label for s in ind.inputs if s.is_numeric]
    spec = next(s for s in ind.inputs if s.kind == "count")
    ui.targetCombo.setCurrentIndex(labels.index(spec.label))
    official = window.session.results["济南市"]
    assert ui.currentLabel.text().startswith(str(official.indicators[ind.id].inputs[spec.key]))
    ui.valueEdit.setText("0")
    ui.tryButton.click()
    assert ui.messageLabel.text() == ""
    assert panel.last_ms < 100  # the engine on the changed copy: about 10 ms
    outcome = panel.scratch.outcome()
    assert ui.resultLabel.text().startswith(f"试算综合得分 {outcome.results.total:.2f}")
    assert "评价轮次文件未改变" in ui.resultLabel.text()
    rows = panel.effects.rows()
    assert rows[0].name == "综合得分" and rows[0].official == official.total
    assert any(r.level == "indicator" and r.key == str(ind.id) for r in rows) or \
        outcome.results.indicators[ind.id].score == official.indicators[ind.id].score
    # an assumption's other reading, then a bad value: said in Chinese, nothing else changes
    ui.kindCombo.setCurrentIndex(2)
    ui.targetCombo.setCurrentIndex(ui.targetCombo.findData("G1"))
    ui.valueCombo.setCurrentIndex(ui.valueCombo.findData("renormalise"))
    ui.tryButton.click()
    assert [c.kind for c in panel.scratch.changes] == ["input", "choice"]
    ui.kindCombo.setCurrentIndex(1)
    ui.targetCombo.setCurrentIndex(ui.targetCombo.findData("missing_score"))
    ui.valueEdit.setText("120")
    ui.tryButton.click()
    assert "之间" in ui.messageLabel.text()
    assert panel.change_list.rowCount() == 2
    wait_idle(qtbot, window)
    assert _digest(path) == before  # nothing stored: the what-if lives in memory only
    assert window.session.results["济南市"] is official
    ui.resetButton.click()
    assert panel.scratch.changes == [] and _digest(path) == before
    assert recorder.errors == []


def test_saving_a_scenario_is_the_only_write(opened, qtbot, recorder):
    window, path = opened
    page = _results_page(window, qtbot)
    page.select_indicator(_reported_indicator(window).id)
    panel = page.whatif
    panel.ui.kindCombo.setCurrentIndex(1)
    panel.ui.targetCombo.setCurrentIndex(panel.ui.targetCombo.findData("missing_score"))
    panel.ui.valueEdit.setText("60")
    panel.try_value()
    assert panel.ui.saveButton.isEnabled()
    before = _digest(path)
    assert panel.save("缺报指标按60分计")
    assert recorder.infos and "缺报指标按60分计" in recorder.infos[-1]
    assert _digest(path) != before
    window.session.close_round()
    with Round.open(path, readonly=True) as rnd:
        [scenario] = rnd.list_scenarios("济南市")
    assert scenario.name == "缺报指标按60分计"
    assert scenario.changes[0]["key"] == "missing_score" and scenario.changes[0]["new"] == "60"


def test_a_new_entity_or_rescore_starts_from_the_official_result(opened, qtbot):
    window, _path = opened
    page = _results_page(window, qtbot)
    page.select_indicator(_reported_indicator(window).id)
    panel = page.whatif
    panel.ui.kindCombo.setCurrentIndex(1)
    panel.ui.targetCombo.setCurrentIndex(panel.ui.targetCombo.findData("missing_score"))
    panel.ui.valueEdit.setText("30")
    panel.try_value()
    assert panel.scratch is not None
    window.session.rescore()
    wait_idle(qtbot, window)
    assert panel.scratch is None and panel.effects.rowCount() == 0


def test_scorecards_from_the_export_page(opened, qtbot, tmp_path, recorder):
    window, _path = opened
    page = window.show_page("export")
    page.ui.pdfCheck.setChecked(False)
    page.ui.outputDirEdit.setText(str(tmp_path / "结果"))
    assert page.ui.scorecardsButton.isEnabled()
    page.ui.scorecardsButton.click()
    wait_idle(qtbot, window)
    assert recorder.errors == []
    folder = tmp_path / "结果" / "部门评价反馈单"
    cat = window.session.cat
    units = [u for u in cat.unit_names if cat.indicators_for_unit(u)]
    assert len(list(folder.glob("*.docx"))) == len(units)
    assert len(list(folder.glob("*.xlsx"))) == 1 and not list(folder.glob("*.pdf"))
    assert page.files.rowCount() == len(units) + 1


def test_the_panel_shows_no_internal_words(opened, qtbot):
    from internal_words import Checker, report

    window, _path = opened
    page = _results_page(window, qtbot)
    page.select_indicator(_reported_indicator(window).id)
    panel = page.whatif
    ui = panel.ui
    texts = []
    for kind in range(ui.kindCombo.count()):
        ui.kindCombo.setCurrentIndex(kind)
        texts += [(f"kind {kind} target", ui.targetCombo.itemText(i))
                  for i in range(ui.targetCombo.count())]
        for i in range(ui.targetCombo.count()):
            ui.targetCombo.setCurrentIndex(i)
            texts.append((f"kind {kind} current", ui.currentLabel.text()))
            texts += [(f"kind {kind} option", ui.valueCombo.itemText(j))
                      for j in range(ui.valueCombo.count())]
            if ui.valueCombo.isVisible() and ui.valueCombo.count() > 1:
                ui.valueCombo.setCurrentIndex(ui.valueCombo.count() - 1)
                panel.try_value()
    for model in (panel.effects, panel.change_list):
        for row in range(model.rowCount()):
            texts += [("table", model.index(row, c).data()) for c in range(model.columnCount())]
    texts += [("result", ui.resultLabel.text()), ("message", ui.messageLabel.text())]
    hits = Checker(window.session.cat).scan(texts, strict=False)
    assert not hits, report(hits)
