"""市民调查 page: check an export (columns, exclusions, score and interval, nothing stored),
map an unmatched column, import, see indicator 88's trace name the file and method, enter
population shares, type a contractor's score, export the questionnaire, refuse a bad file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import wait_idle

from jinan_eval_gui import workflow
from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
from jinan_eval_gui.collect.survey import sample_rows
from jinan_eval_gui.gui.models.table import BAD


@pytest.fixture
def survey_files(tmp_path) -> tuple[Path, Path]:
    """A round, and an export of 400 respondents with a column no question matches."""
    path = tmp_path / "2025年度评价.jeval"
    workflow.create_round(path, year=2025).close()
    header, rows = sample_rows(load_questionnaire(), 400, seed=5)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*header, "调查员备注"])
    writer.writerows([*r, "已核"] for r in rows)
    export = tmp_path / "问卷星导出.csv"
    export.write_bytes(buffer.getvalue().encode("gb18030"))
    return path, export


def _page(qtbot, window, path):
    window.open_round(path)
    wait_idle(qtbot, window)
    page = window.show_page("survey")
    wait_idle(qtbot, window)  # a page built hidden reads the round in an event-loop turn
    return page


def test_check_map_import_and_trace(qtbot, window, survey_files, recorder):
    path, export = survey_files
    page = _page(qtbot, window, path)
    assert "尚未导入" in page.ui.summaryLabel.text()
    assert not page.ui.importButton.isEnabled()
    page.choose_file(export)
    page.preview()
    wait_idle(qtbot, window)
    assert recorder.errors == []
    assert page.ui.summaryLabel.text().startswith("预览（尚未保存）")
    assert window.session.rnd.current_survey("济南市") is None
    unmatched = [r for r in page.columns.rows() if r["role"] == "unmatched"]
    assert [r["header"] for r in unmatched] == ["调查员备注"]
    row = page.columns.rows().index(unmatched[0])
    assert page.columns.background(unmatched[0], 0) == BAD
    assert "1 列未对应" in page.ui.detailTabs.tabText(page.ui.detailTabs.indexOf(page.ui.columnsTab))
    assert page.excluded.rowCount() > 0 and page.questions.rowCount() == 23
    assert page.ui.importButton.isEnabled()
    page.map_column(unmatched[0]["column"], "忽略")
    wait_idle(qtbot, window)
    assert page.columns.record(row)["role"] == "ignored"
    page.import_file()
    wait_idle(qtbot, window)
    stored = window.session.rnd.current_survey("济南市")
    assert stored is not None and stored.mapping == {unmatched[0]["column"]: "忽略"}
    assert page.ui.summaryLabel.text().startswith("当前使用")
    results = window.show_page("results")
    wait_idle(qtbot, window)
    assert results.select_indicator(88)
    trace = {(r.part, r.name): r.value for r in results.trace.rows()}
    assert "问卷星导出.csv" in trace[("数据来源", "答卷文件")]
    assert "自助法" in trace[("数据来源", "计分方法")]
    assert ("数据来源", "95%置信区间") in trace
    # nothing internal (input or parameter keys, 种子/seed) on the page or in the trace
    from internal_words import Checker, report
    from test_internal_words import _widget_texts

    texts = [*_widget_texts(window.show_page("survey"), "survey"),
             *_widget_texts(results.ui.traceTable, "trace")]
    for tab in range(page.ui.detailTabs.count()):
        page.ui.detailTabs.setCurrentIndex(tab)
        texts += list(_widget_texts(page, f"survey tab {tab}"))
    hits = Checker(window.session.cat).scan(texts)
    assert not hits, report(hits)


def test_shares_typed_score_forms_and_a_refused_file(qtbot, window, survey_files, recorder,
                                                     tmp_path):
    path, export = survey_files
    page = _page(qtbot, window, path)
    page.choose_file(export)
    page.import_file()
    wait_idle(qtbot, window)
    page.set_shares("性别", "男 0.51\n女 0.49")
    wait_idle(qtbot, window)
    assert page.shares.rowCount() == 2
    assert "按性别加权" in page.ui.summaryLabel.text()
    page.set_shares("性别", "男 0.6\n女 0.6")
    assert any("合计" in e for e in recorder.errors)
    page.set_score(D("81.50"), "某调查公司《2025年市民体验调查报告》")
    wait_idle(qtbot, window)
    assert "调查机构出具的综合得分 81.50" in page.ui.summaryLabel.text()
    assert window.session.results["济南市"].indicators[88].score == D("81.50")
    page.export_forms(tmp_path / "问卷")
    wait_idle(qtbot, window)
    assert len(list((tmp_path / "问卷").glob("*.docx"))) == 1
    assert len(list((tmp_path / "问卷").glob("*.xlsx"))) == 1
    bad = tmp_path / "坏文件.csv"
    bad.write_bytes("序号,1、题\n1,2\n".encode("utf-16"))
    page.choose_file(bad)
    page.preview()
    wait_idle(qtbot, window)
    assert any("UTF-16" in e for e in recorder.errors)
    assert not page.ui.importButton.isEnabled()


def test_the_questionnaire_is_shown(qtbot, window, survey_files):
    path, _export = survey_files
    page = _page(qtbot, window, path)
    assert page.questionnaire_model.rowCount() == 28
    assert "内置问卷" in page.ui.questionnaireLabel.text()
    first = page.questionnaire_model.record(0)
    assert first.dimension == "受访者属性：区县"


def test_opening_a_round_with_a_survey_does_not_load_pandas(survey_files):
    """The window's start-up path reads the survey's cached result: no pandas, no numpy."""
    import subprocess
    import sys

    from jinan_eval_gui.workflow import surveyimport

    path, export = survey_files
    with workflow.create_round(path.with_name("带调查.jeval"), year=2025) as rnd:
        assert surveyimport.import_survey(rnd, export).stored
        workflow.score_round(rnd)
    code = f"""
import os, sys
os.environ['QT_QPA_PLATFORM'] = 'offscreen'
from PySide6.QtWidgets import QApplication
from jinan_eval_gui.gui.app import wait_idle
from jinan_eval_gui.gui.main_window import MainWindow
app = QApplication([])
w = MainWindow(); w.show(); w.open_round({str(path.with_name("带调查.jeval"))!r}); wait_idle(app, w)
w.build_pages(); wait_idle(app, w)
w.show_page('survey'); wait_idle(app, w)
print(w.session.results['济南市'].indicators[88].status, 'pandas' in sys.modules,
      'numpy' in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.split() == ["ok", "False", "False"], proc.stdout + proc.stderr
