"""A month at the collection desk, walked in the window (issue 16): issue templates with a
deadline that has passed, three batches of returns (a late one, a duplicate and a worse resend,
a corrected file), the 催报 list, feedback to every unit in one go, reopening the round, the
history of a unit and restoring an earlier version — asserting what the window shows.

Units: A sends a clean file late; B sends a file with 3 errors (accepted after the question),
then one with 18 (refused as worse), then a corrected one; C sends two differing files in one
batch (one is chosen); D never sends.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import wait_idle
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.gui import messages

A, B, C, D = "市交通运输局", "市大数据局", "市教育局", "市城管局"
LATE_DAYS = 3


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok(dialog):
    return dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)


def returned(templates: Path, out: Path, unit: str, seed: int, mistakes: float) -> Path:
    """A unit's return as the sample filler writes it (fresh, so saved after earlier ones)."""
    samplefill.sample_fill(templates, out, seed, 0.0, mistakes)
    return next(p for p in out.glob("*.xlsx") if unit in p.name)


def states(page) -> dict[str, str]:
    return {r.unit: r.state_label for r in page.status.rows() if r.unit in (A, B, C, D)}


def check_and_accept(qtbot, window, page, files, *, pick=None) -> None:
    page.files.set_rows([])
    page.add_files(files)
    click(qtbot, page.ui.previewButton)
    wait_idle(qtbot, window)
    click(qtbot, page.ui.acceptButton)


@pytest.fixture
def month(qtbot, window, tmp_path):
    """A new 2026 round opened in the window."""
    path = tmp_path / "2026年度评价.jeval"
    workflow.create_round(path, year=2026).close()
    window.open_round(path)
    wait_idle(qtbot, window)
    return window


def test_a_month_at_the_collection_desk(qtbot, month, recorder, monkeypatch, tmp_path):
    window, rnd = month, month.session.rnd
    folders = {"feedback": tmp_path / "反馈", "remind": tmp_path / "催报名单.xlsx"}
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folders["feedback"])))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(folders["remind"]), "")))

    # -- 模板下发: four units, a deadline three days ago, the office's contact -------------
    issue = window.show_page("issue")
    wait_idle(qtbot, window)
    assert len(issue.units.checked_units()) == len(issue.units.units())  # first issue: all
    issue.units.set_checked([A, B, C, D])
    deadline = date.today() - timedelta(days=LATE_DAYS)
    issue.ui.deadlineEdit.setDate(QDate(deadline.year, deadline.month, deadline.day))
    issue.ui.contactPersonEdit.setText("市智慧办 王老师")
    issue.ui.contactPhoneEdit.setText("0531-12345678")
    templates = tmp_path / "模板"
    issue.ui.outputDirEdit.setText(str(templates))
    click(qtbot, issue.ui.generateButton)
    wait_idle(qtbot, window)
    assert "已生成 4 份" in issue.ui.progressLabel.text()
    # the issue is remembered: the units not issued yet are checked, deadline and contact kept
    checked = issue.units.checked_units()
    assert len(checked) == len(issue.units.units()) - 4 and A not in checked
    assert issue.ui.deadlineEdit.date().toPython() == deadline
    assert issue.ui.contactPersonEdit.text() == "市智慧办 王老师"
    assert issue.ui.contactPhoneEdit.text() == "0531-12345678"
    # re-issuing A into the same folder asks first, naming the file; "no" writes nothing
    stamp = next(templates.glob(f"*{A}*")).stat().st_mtime_ns
    issue.units.set_checked([A])
    recorder.answer = False
    click(qtbot, issue.ui.generateButton)
    wait_idle(qtbot, window)
    assert "已有 1 份同名数据采集表" in recorder.questions[-1] and A in recorder.questions[-1]
    assert next(templates.glob(f"*{A}*")).stat().st_mtime_ns == stamp
    assert len(rnd.list_templates()) == 4

    # -- the board: every issued unit is late, counts at the top, a filter ---------------
    page = window.show_page("collect")
    wait_idle(qtbot, window)
    assert set(states(page).values()) == {f"逾期 {LATE_DAYS} 天"}
    assert page.ui.overdueButton.text() == "逾期 4"
    click(qtbot, page.ui.overdueButton)
    assert {r.unit for r in page.board_rows()} == {A, B, C, D}
    row = page.board_rows()[0]
    assert row.deadline_date == deadline and row.issued_at

    # -- batch 1, late: A clean, B with 3 errors — accepting B asks, naming the counts ----
    a1 = returned(templates, tmp_path / "第一批", A, 3, 0.0)
    b1 = returned(templates, tmp_path / "第一批", B, 2, 0.1)
    check_and_accept(qtbot, window, page, [a1, b1])
    labels = {f.unit: f.status_label for f in page.files.rows()}
    assert labels[A] == "可导入" and labels[B] == "有错误 3 处，接受前询问"
    dialog = page.dialog
    [verdict] = dialog.verdicts.rows()
    assert verdict.unit == B and "有错误 3 处" in dialog.ui.questionLabel.text()
    dialog.choose(0)
    click(qtbot, ok(dialog))
    wait_idle(qtbot, window)
    assert states(page) == {A: "已接受", B: "有错误", C: f"逾期 {LATE_DAYS} 天",
                            D: f"逾期 {LATE_DAYS} 天"}
    row_a = next(r for r in page.status.rows() if r.unit == A)
    assert row_a.days_late == LATE_DAYS and "迟报" in page.status.data(
        page.status.index(page.status.rows().index(row_a), 5))
    # the findings of the check: a wrong entry is 数据有误, with the value typed
    wrong = next(v for v in page.findings.rows() if v.unit == B and v.category == "数据有误")
    assert wrong.value and wrong.row_label and wrong.sheet and wrong.cell

    # -- 催报: C and D, as an Excel sheet and as text to paste, logged --------------------
    click(qtbot, page.ui.remindButton)
    wait_idle(qtbot, window)
    reminder = page.dialog
    assert {r.unit for r in reminder.model.rows()} == {C, D}
    assert all(r.days_overdue == LATE_DAYS for r in reminder.model.rows())
    text = reminder.ui.textEdit.toPlainText()
    assert C in text and D in text and f"已逾期 {LATE_DAYS} 天" in text and "王老师" in text
    assert folders["remind"].is_file()
    reminder.copy_text()
    from PySide6.QtWidgets import QApplication

    assert QApplication.clipboard().text() == text
    [logged] = rnd.audit_log("reminder")
    assert logged.details["count"] == 2

    # -- feedback in one go: every unit with open findings gets its workbook --------------
    click(qtbot, page.ui.feedbackAllButton)
    wait_idle(qtbot, window)
    made = {s.unit: s for s in page.last_feedbacks}
    assert B in made and made[B].path.is_file() and made[B].errors == 3
    assert all(s.errors or s.warnings for s in made.values())
    assert states(page)[B] == "已反馈待更正"
    assert recorder.opened[-1] == str(folders["feedback"])

    # -- batch 2: C twice (choose one), B resent with 18 errors (worse: kept, not accepted) --
    c_one = returned(templates, tmp_path / "第二批甲", C, 3, 0.0)
    c_two = returned(templates, tmp_path / "第二批乙", C, 7, 0.0)
    b2 = returned(templates, tmp_path / "第二批甲", B, 5, 0.6)
    chosen = []

    def pick(parent, text, options, title=""):
        chosen.append(text)
        return options.index(str(c_two))

    monkeypatch.setattr(messages, "pick", pick)
    check_and_accept(qtbot, window, page, [c_one, c_two, b2])
    assert chosen and C in chosen[0]
    dialog = page.dialog
    [verdict] = dialog.verdicts.rows()
    assert verdict.unit == B and verdict.worse and verdict.replaces.version == 1
    ui = dialog.ui
    assert "更差" in ui.questionLabel.text() and "第 1 版" in ui.questionLabel.text()
    assert ui.oldBox.title() == "已接受的第 1 版" and "错误 3 处" in ui.oldCounts.text()
    assert "错误 18 处" in ui.newCounts.text()
    assert dialog.old.rowCount() >= 3 and dialog.new.rowCount() >= 18
    assert dialog.changes.rowCount() == len(verdict.changes) > 0
    click(qtbot, ok(dialog))  # nothing ticked: B's worse file is kept as a version only
    wait_idle(qtbot, window)
    assert {f.path: f.status for f in page.files.rows() if f.unit == C} == {
        c_one: "skipped", c_two: "imported"}
    b_file = next(f for f in page.files.rows() if f.unit == B)
    assert b_file.status_label == "未接受（比已接受的版本差，已存为版本）"
    assert states(page)[B] == "已报送待检查" and states(page)[C] == "已接受"
    accepted_b = next(s for s in rnd.list_submissions() if s.unit == B and s.status == "accepted")
    assert accepted_b.file_name == b1.name  # the better version stays in use

    # -- batch 3: B corrected ----------------------------------------------------------
    b3 = returned(templates, tmp_path / "第三批", B, 3, 0.0)
    check_and_accept(qtbot, window, page, [b3])
    wait_idle(qtbot, window)
    assert not page.dialog.isVisible()  # a corrected file: nothing to ask
    assert states(page)[B] == "已接受"
    assert [v.number for v in workflow.versions.unit_versions(rnd, B)] == [1, 2, 3]

    # -- reopen: the findings stay and explain ------------------------------------------
    path = rnd.path
    window.session.close_round()
    window.open_round(path)
    wait_idle(qtbot, window)
    rnd = window.session.rnd
    page = window.show_page("collect")
    page.ui.collectTabs.setCurrentWidget(page.ui.openTab)
    wait_idle(qtbot, window)
    assert page.open_model.rowCount() > 0
    assert {v.unit for v in page.open_model.rows()} >= {B}
    a_state = "已反馈待更正" if A in made else "已接受"  # A's warnings were fed back too
    assert states(page) == {A: a_state, B: "已接受", C: "已接受", D: f"逾期 {LATE_DAYS} 天"}

    # -- history of B: versions with arrival, file, hash, who accepted, diffs; restore v1 --
    page.select_unit(B) or (page.show_state("") or page.select_unit(B))
    history = page.open_history(B)
    rows = history.versions.rows()
    assert [(v.number, v.arrival.state_label) for v in rows] == [
        (1, "已被替换"), (2, "未接受"), (3, "已接受")]
    assert rows[0].arrival.sha256 and rows[0].arrival.file_name == b1.name
    assert rows[2].arrival.accepted_by and rows[2].changes
    history.select_version(1)
    assert history.ui.restoreButton.isEnabled()
    recorder.answer = True
    click(qtbot, history.ui.restoreButton)
    wait_idle(qtbot, window)
    numbers = [(v.number, v.arrival.state, v.arrival.restored_from)
               for v in history.versions.rows()]
    assert numbers[-1] == (4, "accepted", 1)
    assert rnd.audit_log("version.restore")
    # B's state follows its restored version (3 errors again)
    assert states(page)[B] == "有错误"

    # -- one finding explained, its file opened ---------------------------------------
    history.reject()
    page.ui.collectTabs.setCurrentWidget(page.ui.openTab)
    page.load_open_findings()
    proxy = page.open_proxy
    row = next(r for r in range(proxy.rowCount())
               if proxy.view_at(r).unit == B and proxy.view_at(r).category == "数据有误")
    page.ui.openTable.selectRow(row)
    detail = page.ui.openDetail.toPlainText()
    assert "数据有误" in detail and "填写内容" in detail
    finding = page.open_finding()
    text = finding.text()
    for part in ("类别", "单位", "文件", "位置", "填写内容", "问题说明", "指标", "评分规则", B):
        assert part in text, part
    click(qtbot, finding.ui.openFileButton)
    opened = Path(recorder.opened[-1])
    view = finding.view
    assert opened.read_bytes() == rnd.submission_content(view.submission_id)

    # -- the operation log, filtered -----------------------------------------------------
    finding.reject()
    log = page.open_log()
    labels = [e.label for e in log.entries()]
    for action in ("下发模板", "催报", "生成反馈表", "导入回传文件", "恢复版本"):
        assert action in labels, action
    log.set_filters(action="reminder")
    assert [e.label for e in log.entries()] == ["催报"]
    log.set_filters(action="", unit=B)
    assert log.entries() and all(B in e.units for e in log.entries())
    assert recorder.errors == [] and recorder.internals == []
