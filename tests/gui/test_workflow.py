"""The yearly workflow driven through the window's own widgets, end to end."""

from __future__ import annotations

import shutil
from decimal import Decimal

from conftest import TEST_UNITS, fill, unit_file, wait_idle
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from jinan_eval_gui.gui.models.table import RECORD_ROLE
from jinan_eval_gui.store import Round


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok_button(dialog):
    return dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)


def drop_files(widget, paths) -> None:
    """Drop files on a widget as the file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    try:
        enter = QDragEnterEvent(QPoint(10, 10), *rest)  # PySide6 up to 6.11
    except TypeError:
        enter = QDragEnterEvent(QPointF(10, 10), *rest)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(QPointF(10, 10), *rest))


def test_create_issue_import_score_override_export(qtbot, window, recorder, tmp_path):
    # 1. 新建评价轮次 through the dialog.
    dialog = window.new_round()
    dialog.ui.yearSpin.setValue(2025)
    dialog.ui.pathEdit.setText(str(tmp_path / "评价2025.jeval"))
    click(qtbot, ok_button(dialog))
    wait_idle(qtbot, window)
    rnd = window.session.rnd
    assert rnd is not None and rnd.info.year == 2025
    assert "2025" in window.windowTitle()
    overview = window.page("overview").ui
    assert overview.overviewStack.currentWidget() is overview.roundPage
    assert "2025" in overview.yearValue.text()

    # 2. 模板下发: three units, deadline, contact, output folder; generate in the worker.
    window.show_page("issue")
    issue = window.page("issue")
    assert len(issue.units.checked_units()) == len(issue.units.units())  # all by default
    click(qtbot, issue.ui.selectNoneButton)
    assert issue.units.checked_units() == []
    assert not issue.ui.generateButton.isEnabled()
    issue.units.set_checked(TEST_UNITS)
    issue.ui.contactPersonEdit.setText("评价工作组 王老师")
    issue.ui.contactPhoneEdit.setText("0531-12345678")
    templates = tmp_path / "templates"
    issue.ui.outputDirEdit.setText(str(templates))
    with qtbot.waitSignal(issue.ui.progressBar.valueChanged, timeout=60_000):
        click(qtbot, issue.ui.generateButton)
    wait_idle(qtbot, window)
    assert sorted(p.name for p in templates.glob("*.xlsx")) == sorted(
        f"2025年度_济南市_{u}_数据采集表.xlsx" for u in TEST_UNITS)
    assert "已生成 3 份" in issue.ui.progressLabel.text()
    assert {t.unit for t in rnd.list_templates()} == set(TEST_UNITS)
    assert rnd.list_templates()[0].contact_person == "评价工作组 王老师"
    click(qtbot, issue.ui.openFolderButton)
    assert recorder.opened[-1] == str(templates)

    # 3. 数据回收: two clean returns and one with mistakes, dropped on the page.
    fill(templates, tmp_path / "clean")
    fill(templates, tmp_path / "mistakes", mistakes=True)
    bad_unit = TEST_UNITS[2]
    files = [unit_file(tmp_path / "clean", TEST_UNITS[0]),
             unit_file(tmp_path / "clean", TEST_UNITS[1]),
             unit_file(tmp_path / "mistakes", bad_unit)]
    window.show_page("collect")
    collect = window.page("collect")
    drop_files(collect, files)
    assert collect.files.rowCount() == 3
    assert collect.add_files(files) == 0  # already listed
    assert not collect.ui.acceptButton.isEnabled()  # check first
    click(qtbot, collect.ui.previewButton)
    wait_idle(qtbot, window)
    assert rnd.list_submissions() == []  # a dry run writes nothing
    statuses = {f.unit: f for f in collect.files.rows()}
    assert set(statuses) == set(TEST_UNITS)
    assert statuses[bad_unit].count("error") > 0
    assert all(statuses[u].count("error") == 0 for u in TEST_UNITS[:2])
    findings = collect.findings
    assert findings.rowCount() >= statuses[bad_unit].count("error")
    # the findings table shows file, sheet, cell, value and message of each problem
    row = next(r for r in findings.rows() if r.severity == "error")
    assert row.file_name == files[2].name and row.message
    assert row.sheet and row.cell and row.category in ("数据有误", "缺报")
    # filter by category and unit through the combo boxes
    proxy = collect.findings_proxy
    collect.ui.categoryCombo.setCurrentIndex(collect.ui.categoryCombo.findData(row.category))
    assert proxy.rowCount() == sum(1 for r in findings.rows() if r.category == row.category)
    assert all(proxy.data(proxy.index(i, 0), RECORD_ROLE).category == row.category
               for i in range(proxy.rowCount()))
    collect.ui.unitCombo.setCurrentIndex(collect.ui.unitCombo.findData(TEST_UNITS[0]))
    assert proxy.rowCount() == 0
    collect.ui.unitCombo.setCurrentIndex(0)
    collect.ui.categoryCombo.setCurrentIndex(0)
    assert proxy.rowCount() == findings.rowCount()
    assert "显示" in collect.ui.findingsCount.text()

    # accepting asks about the file with errors, naming its counts; it is ticked and accepted
    click(qtbot, collect.ui.acceptButton)
    dialog = collect.dialog
    [verdict] = dialog.verdicts.rows()
    assert verdict.unit == bad_unit and f"有错误 {verdict.errors} 处" in verdict.question
    dialog.choose(0)
    click(qtbot, ok_button(dialog))
    wait_idle(qtbot, window)
    assert {s.unit for s in rnd.list_submissions()} == set(TEST_UNITS)
    assert "导入完成" in collect.ui.progressLabel.text()
    status = {r.unit: r for r in collect.status.rows()}
    assert status[TEST_UNITS[0]].state == "accepted"
    assert status[TEST_UNITS[0]].open_findings["error"] == 0
    assert status[bad_unit].open_findings["error"] > 0 and status[bad_unit].state_label == "有错误"
    assert "有错误 1" in overview.summaryLabel.text()

    # 生成反馈表 for the unit with errors (select it in the status table).
    proxy_status = collect.ui.statusTable.model()
    for r in range(proxy_status.rowCount()):
        if proxy_status.data(proxy_status.index(r, 1)) == bad_unit:
            collect.ui.statusTable.selectRow(r)
    feedback_dir = tmp_path / "feedback"
    feedback_dir.mkdir()
    collect.make_feedback(bad_unit, feedback_dir)
    wait_idle(qtbot, window)
    assert collect.last_feedback.exists() and collect.last_feedback.parent == feedback_dir
    assert recorder.opened[-1] == str(collect.last_feedback)

    # 4. 评分结果: the tree, an indicator's trace.
    window.show_page("results")
    results = window.page("results")
    assert results.tree.rowCount() == 8
    res = window.session.results["济南市"]
    assert results.ui.totalLabel.text().startswith(f"总分 {res.total}")
    scored = next(r for r in res.indicators.values() if r.status == "ok" and r.steps)
    assert results.select_indicator(scored.id)
    parts = {row.part for row in results.trace.rows()}
    assert {"填报数据", "中间量", "评分规则", "计算结果"} <= parts
    assert str(scored.id) in results.ui.indicatorTitle.text()

    # 专家评分: an empty reason is refused, then a reasoned score is stored and rescored.
    dialog = results.open_override_dialog()
    dialog.ui.scoreSpin.setValue(88.5)
    click(qtbot, ok_button(dialog))
    assert dialog.isVisible() and "理由" in dialog.ui.messageLabel.text()
    assert rnd.list_overrides() == []
    dialog.ui.reasonEdit.setPlainText("经专家组现场核查，按实际建设情况评分")
    click(qtbot, ok_button(dialog))
    wait_idle(qtbot, window)
    assert not dialog.isVisible()
    [override] = rnd.list_overrides()
    assert override.indicator_id == scored.id and override.score == Decimal("88.5")
    new = window.session.results["济南市"].indicators[scored.id]
    assert new.status == "expert" and new.score == Decimal("88.50")
    assert results.selected_result().id == scored.id  # selection kept after rescoring
    assert any(r.part == "专家评分" for r in results.trace.rows())

    # 5. 报告导出: the scoring workbook in the worker; result listed and openable.
    window.show_page("export")
    export = window.page("export")
    export.ui.wordCheck.setChecked(False)
    export.ui.pdfCheck.setChecked(False)
    out = tmp_path / "export"
    export.ui.outputDirEdit.setText(str(out))
    # most units have not returned: the window names the gaps and asks first; "no" exports nothing
    click(qtbot, export.ui.exportButton)
    wait_idle(qtbot, window)
    question = recorder.questions[-1]
    assert "数据尚不完整" in question and "未报送的单位" in question and "缺报" in question
    assert not out.exists()
    recorder.answer = True
    click(qtbot, export.ui.exportButton)
    wait_idle(qtbot, window)
    assert recorder.errors == []
    assert [p.suffix for p in export.exported] == [".xlsx"]
    assert export.exported[0].exists() and export.files.rowCount() == 1
    click(qtbot, export.ui.openFolderButton)
    assert recorder.opened[-1] == str(out)
    assert recorder.errors == [] and recorder.internals == []


def test_reopen_shows_the_saved_round(qtbot, window, filled_round, tmp_path):
    path = tmp_path / filled_round.name
    shutil.copy2(filled_round, path)
    window.open_round(path)
    wait_idle(qtbot, window)
    assert window.session.rnd.path == path
    overview = window.page("overview")
    rows = {r.unit: r for r in overview.units.rows()}
    assert all(rows[u].arrivals and rows[u].current_version == 1 for u in TEST_UNITS)
    assert "总分" in overview.ui.totalLabel.text()
    # the recent-files list remembers it
    window.session.close_round()
    assert str(path.resolve()) in overview.recent.stringList()


def test_second_writer_is_offered_read_only(qtbot, window, recorder, filled_round, tmp_path):
    path = tmp_path / filled_round.name
    shutil.copy2(filled_round, path)
    other = Round.open(path)  # another program holds the round
    try:
        recorder.answer = True
        window.open_round(path)
        wait_idle(qtbot, window)
        assert recorder.questions and "只读" in recorder.questions[0]
        assert window.session.rnd is not None and window.session.rnd.readonly
        assert "只读" in window.windowTitle()
        results = window.page("results")
        results.select_indicator(1)
        assert not results.ui.overrideButton.isEnabled()
        assert not window.page("catalogue").params.editable
    finally:
        window.session.close_round()
        other.close()
