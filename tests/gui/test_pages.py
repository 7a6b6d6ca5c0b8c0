"""Single pages: catalogue and parameters, conflicts, overrides, backup, menus."""

from __future__ import annotations

from conftest import wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from jinan_eval_gui import workflow
from jinan_eval_gui.store import Round


def ok(dialog):
    return dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)


def test_navigation_lists_the_workflow_steps(window):
    nav = window.ui.navList
    assert [nav.item(i).text() for i in range(nav.count())] == [
        "概览", "指标体系", "模板下发", "数据回收", "市民调查", "评分结果", "评分口径", "报告导出"]
    nav.setCurrentRow(5)
    assert window.ui.pageStack.currentWidget() is window.page("results")
    assert window.page("results").banner.isVisible()  # no round yet
    assert not window.backup_action.isEnabled()


def test_builtin_catalogue_tree_before_any_round(qtbot, window):
    window.session.load_builtin_catalogue()
    wait_idle(qtbot, window)
    page = window.page("catalogue")
    tree = page.tree
    assert tree.rowCount() == 8
    assert sum(tree.rowCount(tree.index(r, 0)) for r in range(8)) == 26
    assert sum(1 for n in tree.nodes() if n.item.level == 3) == 88
    assert tree.index(0, 1).data() == "21%"
    page.select_indicator(1)
    html = page.ui.detailBrowser.toPlainText()
    for part in ("指标说明", "评估方法", "填报项", "评分规则",
                 "电子证照使用率 = 已实现电子证照办理的政务服务事项数量 ÷ 政务服务事项总数", "超过1按1计"):
        assert part in html
    assert "CAPRATIO" not in html and "used" not in html
    assert not page.params.editable  # no round: parameters are read-only


def test_parameter_edits_are_validated_and_audited(qtbot, opened):
    page = opened.page("catalogue")
    rnd = opened.session.rnd
    model = page.params
    assert model.editable
    row = next(i for i, r in enumerate(model.rows()) if r.key == "deduction_cap")
    index = model.index(row, model.VALUE_COLUMN)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(index, "很多")
    assert "不是数字" in page.ui.paramMessage.text()
    assert not model.setData(index, "150")
    assert "0 ~ 100" in page.ui.paramMessage.text()
    assert "deduction_cap" not in rnd.get_params()
    assert model.setData(index, "5")
    wait_idle(qtbot, opened)
    assert rnd.get_params()["deduction_cap"] == 5
    [entry] = rnd.audit_log("params.set")
    assert entry.details == {"key": "deduction_cap", "old": None, "new": 5}
    assert opened.session.results["济南市"].params["deduction_cap"] == 5
    # indicator parameters: numbers >= 0; the reset button restores the default
    row = next(i for i, r in enumerate(model.rows()) if r.key == "17.target")
    assert not model.setData(model.index(row, model.VALUE_COLUMN), "-1")
    assert model.setData(model.index(row, model.VALUE_COLUMN), "4.5")
    wait_idle(qtbot, opened)
    assert rnd.get_params()["17.target"] == 4.5
    page.ui.paramTable.selectRow(row)
    qtbot.mouseClick(page.ui.resetParamButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, opened)
    assert rnd.get_params()["17.target"] == 3


def test_conflict_needs_a_unit_and_a_reason(qtbot, opened):
    rnd = opened.session.rnd
    conflict_id = rnd.add_conflict("济南市", 23, "kiosks", [
        {"unit": "市交通运输局", "value": "120"}, {"unit": "市城管局", "value": "95"}])
    opened.session.notify_data_changed(rescore=False)
    page = opened.page("collect")
    assert page.conflicts.open_count() == 1
    assert "1 项待处理" in page.ui.collectTabs.tabText(page.ui.collectTabs.indexOf(
        page.ui.conflictsTab))
    page.ui.conflictTable.selectRow(0)
    assert page.ui.resolveButton.isEnabled()
    qtbot.mouseClick(page.ui.resolveButton, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog.isVisible()
    assert dialog.ui.unitCombo.count() == 2
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "理由" in dialog.ui.messageLabel.text()
    assert rnd.list_conflicts(open_only=True)
    dialog.ui.unitCombo.setCurrentIndex(dialog.ui.unitCombo.findData("市城管局"))
    dialog.ui.reasonEdit.setPlainText("经核实，以市城管局台账为准")
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, opened)
    [done] = rnd.list_conflicts()
    assert done.id == conflict_id and done.resolution == {"unit": "市城管局"}
    assert done.reason == "经核实，以市城管局台账为准"
    assert page.conflicts.open_count() == 0
    assert page.conflicts.index(0, 5).data() == "采用 市城管局 的数据"


def test_override_of_a_deduction_indicator_and_clearing_it(qtbot, opened):
    page = opened.page("results")
    rnd = opened.session.rnd
    assert page.select_indicator(65)
    dialog = page.open_override_dialog()
    assert dialog.ui.scoreCaption.text() == "扣减分值："
    dialog.ui.scoreSpin.setValue(2)
    dialog.ui.reasonEdit.setPlainText("   ")
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and rnd.list_overrides() == []
    dialog.ui.reasonEdit.setPlainText("通报发生一起数据泄露事件")
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, opened)
    res = opened.session.results["济南市"]
    assert res.indicators[65].status == "expert" and res.deductions >= 2
    assert page.tree.index_of(lambda it: it.level == 3 and it.obj.id == 65).siblingAtColumn(
        2).data() == "−2"
    assert page.ui.clearOverrideButton.isEnabled()
    page.clear_override(65, "复核后撤销")
    wait_idle(qtbot, opened)
    assert rnd.list_overrides() == []
    assert opened.session.results["济南市"].indicators[65].status != "expert"


def test_backup_copies_a_sound_round(qtbot, opened, tmp_path, recorder):
    target = opened.backup_to(tmp_path / "备份" / "copy")
    assert target is None and "无法备份" in recorder.errors[-1]  # folder missing
    (tmp_path / "备份").mkdir()
    target = opened.backup_to(tmp_path / "备份" / "copy")
    assert target == tmp_path / "备份" / "copy.jeval"
    with Round.open(target, readonly=True) as copy:
        assert copy.info == opened.session.rnd.info
        assert len(copy.list_submissions()) == 3
    assert not list((tmp_path / "备份").glob(".*part"))
    assert opened.backup_to(opened.session.rnd.path) is None
    assert "不能与当前" in recorder.errors[-1]


def test_new_round_dialog_refuses_an_existing_file(qtbot, window, tmp_path):
    existing = tmp_path / "old.jeval"
    workflow.create_round(existing, year=2024).close()
    dialog = window.new_round()
    dialog.ui.pathEdit.setText(str(existing))
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "已存在" in dialog.ui.messageLabel.text()
    dialog.ui.pathEdit.setText(str(tmp_path / "新轮次"))
    dialog.ui.entitiesEdit.setPlainText("济南市\n历下区、市中区")
    assert dialog.entities() == ["济南市", "历下区", "市中区"]
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    rnd = window.session.rnd
    assert rnd.path == tmp_path / "新轮次.jeval"
    assert rnd.list_entities() == ["济南市", "历下区", "市中区"]
    assert window.page("results").ui.entityCombo.count() == 3


def test_help_and_about(window):
    dialog = window.show_help()
    assert "使用说明" in dialog.windowTitle()
    assert "数据回收" in dialog.ui.helpBrowser.toPlainText()
    dialog.close()
    text = window.about_text()
    assert "程序版本" in text


def test_creating_while_the_catalogue_loads_waits_instead_of_refusing(qtbot, window, recorder,
                                                                      tmp_path):
    window.session.load_builtin_catalogue()
    assert window.session.busy and window.new_action.isEnabled()
    dialog = window.new_round()
    dialog.ui.pathEdit.setText(str(tmp_path / "r.jeval"))
    qtbot.mouseClick(ok(dialog), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert recorder.errors == []
    assert window.session.rnd is not None and window.session.rnd.path == tmp_path / "r.jeval"


def test_demo_menu_runs_the_demo_and_opens_its_round(qtbot, window, monkeypatch, tmp_path):
    seen = {}

    def fake_demo(out_dir, *, progress=None, log=None):
        seen["out"] = out_dir
        log("1/6 新建评价轮次")
        out_dir.mkdir(parents=True)
        path = out_dir / "2026年度评价.jeval"
        workflow.create_round(path, year=2026).close()
        return [path]

    monkeypatch.setattr(workflow, "run_demo", fake_demo)
    window.run_demo(tmp_path / "演示")
    wait_idle(qtbot, window)
    assert seen["out"] == tmp_path / "演示"
    assert window.session.rnd.path == tmp_path / "演示" / "2026年度评价.jeval"
    assert "演示数据已生成" in window.status_label.text()


def test_a_page_built_while_a_task_runs_reads_the_round_afterwards(qtbot, opened):
    import threading

    gate = threading.Event()
    opened.session.run(lambda w: gate.wait(10))
    page = opened.page("collect")  # built lazily, while the task holds the round
    assert page._stale and page.status.rowCount() == 0
    gate.set()
    wait_idle(qtbot, opened)
    assert not page._stale and page.status.rowCount() > 0
