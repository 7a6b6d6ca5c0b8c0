"""评分口径 page: the register in a table, a switch previewed before it is stored, confirmations,
the 确认单, read-only rounds, and no internal keys anywhere on the page."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from conftest import wait_idle
from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QWidget,
)

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.gui.models.table import text
from jinan_eval_gui.workflow import assumptions

ENTITIES = ("济南市", "历下区")


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory) -> Path:
    """Every unit's return imported for two entities (as the demo does), then one confirmation
    that stands (G3) and one that lapsed because its parameter changed afterwards (A17)."""
    base = tmp_path_factory.mktemp("assumptions")
    path = base / "2025年度评价.jeval"
    rnd = workflow.create_round(path, year=2025, entities=ENTITIES)
    try:
        workflow.issue_templates(rnd, base / "templates")
        files = samplefill.sample_fill(base / "templates", base / "returns", 3, 0.02, 0.03)
        workflow.import_files(rnd, files)
        assumptions.confirm(rnd, ["G3"], by="李四", note="按年度末口径")
        assumptions.confirm(rnd, ["A17"], by="李四")
        rnd.set_params({"17.target": 4})
        workflow.score_round(rnd)
    finally:
        rnd.close()
    return path


def _open(qtbot, window, demo_round, tmp_path, *, readonly=False):
    path = tmp_path / demo_round.name
    shutil.copy2(demo_round, path)
    window.open_round(path, readonly=readonly)
    wait_idle(qtbot, window)
    assert window.session.rnd is not None
    return window.show_page("assumptions")


@pytest.fixture
def page(qtbot, window, demo_round, tmp_path):
    return _open(qtbot, window, demo_round, tmp_path)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok_button(dialog):
    return dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def column(page, col: int) -> dict[str, str]:
    model = page.model
    return {model.index(r, 0).data(): model.index(r, col).data() for r in range(model.rowCount())}


def alternative(cat, assumption_id: str):
    """The registered assumption and the number and choice of its first non-default option."""
    a = cat.assumption(assumption_id)
    number, choice = next((n, c) for n, c in enumerate(a.choices) if c.key != a.default)
    return a, number, choice


# ---------------------------------------------------------------------------------------
def test_page_sits_before_the_report_export(window):
    nav = window.ui.navList
    titles = [nav.item(i).text() for i in range(nav.count())]
    assert titles.index("评分结果") < titles.index("评分口径") < titles.index("报告导出")


def test_table_lists_every_assumption_with_its_state(page, window):
    rnd = window.session.rnd
    expected = assumptions.register(rnd)
    model = page.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] \
        == ["编号", "类别", "事项", "当前选择", "来源", "状态", "确认人/时间"]
    assert model.rowCount() == page.proxy.rowCount() == len(expected) == len(
        window.session.cat.assumptions)
    states = column(page, model.STATE_COLUMN)
    assert states == {s.assumption.id: s.state for s in expected}
    assert states["G3"] == "已确认" and states["A17"] == "需重新确认"
    assert list(states.values()).count("待确认") == len(expected) - 2
    assert column(page, 3) == {s.assumption.id: s.choice.label for s in expected}
    assert column(page, 4)["G3"] == "本轮确认" and column(page, 4)["A77"] == "指标体系原文"
    assert column(page, 6)["G3"].startswith("李四 20") and column(page, 6)["G1"] == ""

    # counts, and the banner while anything is unconfirmed
    assert page.ui.summaryLabel.text() == (f"共 {len(expected)} 项评分口径：已确认 1 项 · "
                                           f"待确认 {len(expected) - 2} 项 · 需重新确认 1 项")
    banner = page.ui.pendingBanner
    assert banner.isVisible()
    assert f"尚有 {len(expected) - 1} 项评分口径待确认，导出的评估报告为征求意见稿" in banner.text()

    # filters by state and category
    ui = page.ui
    ui.stateCombo.setCurrentIndex(ui.stateCombo.findData("需重新确认"))
    assert page.proxy.rowCount() == 1 and page.proxy.index(0, 0).data() == "A17"
    assert ui.shownLabel.text() == f"显示 1 / {len(expected)} 项"
    ui.stateCombo.setCurrentIndex(0)
    ui.categoryCombo.setCurrentIndex(ui.categoryCombo.findText("目标值"))
    targets = [s for s in expected if s.assumption.category == "目标值"]
    assert page.proxy.rowCount() == len(targets) > 1
    assert {page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())} == {"目标值"}

    # details: text, indicators, parameters by Chinese name with the default, the record
    assert page.select("A17")  # still listed: 目标值
    details = ui.detailBrowser.toPlainText()
    a17 = next(s for s in expected if s.assumption.id == "A17")
    assert a17.assumption.title in details and a17.assumption.text[:30] in details
    assert "17. 医院智慧服务水平" in details
    assert "目标平均级别（级）：4（默认 3）" in details
    assert "李四 于 20" in details and "须重新确认" in details
    assert [b.text() for b in page.choice_buttons] == [
        f"{c.label}（{c.origin}）" for c in a17.assumption.choices]
    assert page.choice_buttons[0].isChecked()


def test_a_switch_is_previewed_before_it_is_stored_then_applied(qtbot, page, window):
    rnd = window.session.rnd
    a, number, choice = alternative(window.session.cat, "A77")
    expected = assumptions.preview(rnd, "A77", choice.key)
    assert any(e.delta for e in expected), "the switch should matter in this round"
    stored = digest(rnd.path)
    audit = len(rnd.audit_log())

    assert page.select("A77")
    page.choice_buttons[number].click()
    wait_idle(qtbot, window)
    ui = page.ui
    assert page.pending == ("A77", choice.key) and ui.previewBox.isVisible()
    rows = page.effects.rows()
    assert [(r.entity, r.before, r.after) for r in rows if r.total] == [
        (e.entity, e.total_before, e.total_after) for e in expected]
    assert [(r.entity, r.item.split(".")[0], r.before, r.after) for r in rows if not r.total] == [
        (e.entity, str(i), before, after) for e in expected for i, before, after in e.changed]
    first = expected[0]
    assert page.effects.index(0, 4).data() == f"+{text(first.delta)}"
    assert f"改为“{choice.label}”后" in ui.previewLabel.text()
    assert "尚未保存" in ui.previewLabel.text()
    # nothing stored yet: the round file is byte for byte the same
    assert digest(rnd.path) == stored and len(rnd.audit_log()) == audit
    assert "A77" not in rnd.assumption_choices()
    assert not ui.confirmButton.isEnabled() and "应用" in ui.confirmButton.toolTip()

    # 取消 keeps the stored choice
    click(qtbot, ui.cancelButton)
    assert page.pending is None and not ui.previewBox.isVisible()
    assert page.choice_buttons[a.choices.index(a.default_choice)].isChecked()
    assert digest(rnd.path) == stored

    # 应用 stores it, and the results and overview are scored again with it
    page.choice_buttons[number].click()
    wait_idle(qtbot, window)
    click(qtbot, ui.applyButton)
    wait_idle(qtbot, window)
    assert rnd.assumption_choices()["A77"] == choice.key
    [entry] = rnd.audit_log("assumption.choose")
    assert entry.details["id"] == "A77" and entry.details["new"] == choice.key
    for effect in expected:
        assert window.session.results[effect.entity].total == effect.total_after
    assert text(first.total_after) in window.page("results").ui.totalLabel.text()
    assert text(first.total_after) in window.page("overview").ui.totalLabel.text()
    assert column(page, 3)["A77"] == choice.label and column(page, 5)["A77"] == "待确认"
    assert page.current_id() == "A77" and page.pending is None


def test_confirming_two_items_records_who_when_and_why(qtbot, page, window):
    rnd = window.session.rnd
    total = page.model.rowCount()
    ui = page.ui
    assert f"尚有 {total - 1} 项" in ui.pendingBanner.text()
    ui.stateCombo.setCurrentIndex(ui.stateCombo.findData("待确认"))
    listed = page.proxy.rowCount()
    assert page.select("G1")
    table = ui.assumptionTable
    g2 = page.proxy.mapFromSource(page.model.index(page.model.row_of("G2"), 0))
    table.selectionModel().select(g2, QItemSelectionModel.SelectionFlag.Select
                                  | QItemSelectionModel.SelectionFlag.Rows)
    click(qtbot, ui.confirmButton)
    dialog = page.dialog
    assert dialog.isVisible() and dialog.ui.itemList.count() == 2
    click(qtbot, ok_button(dialog))  # no name yet
    assert dialog.isVisible() and "确认人" in dialog.ui.messageLabel.text()
    dialog.ui.nameEdit.setText("张三")
    dialog.ui.noteEdit.setPlainText("经市智慧办专题会审定")
    click(qtbot, ok_button(dialog))
    wait_idle(qtbot, window)
    states = rnd.assumption_states()
    for aid in ("G1", "G2"):
        assert states[aid].confirmed_by == "张三"
        assert states[aid].note == "经市智慧办专题会审定" and states[aid].confirmed_at
    assert [e.details["id"] for e in rnd.audit_log("assumption.confirm")][-2:] == ["G1", "G2"]
    assert column(page, 5)["G1"] == column(page, 5)["G2"] == "已确认"
    # the filter stays: the confirmed rows leave the 待确认 list
    assert ui.stateCombo.currentData() == "待确认" and page.proxy.rowCount() == listed - 2
    assert f"尚有 {total - 3} 项" in ui.pendingBanner.text()
    assert "已确认 3 项" in ui.summaryLabel.text()
    overview = window.page("overview").ui.totalLabel
    assert f"评分口径：尚有 {total - 3} 项待确认" in overview.text()

    # the name is remembered; 全部确认 takes every item not yet confirmed
    click(qtbot, ui.confirmAllButton)
    dialog = page.dialog
    assert dialog.ui.nameEdit.text() == "张三"
    assert dialog.ui.itemList.count() == total - 3
    click(qtbot, ok_button(dialog))
    wait_idle(qtbot, window)
    assert assumptions.is_final(rnd)
    assert "全部评分口径均已确认" in ui.pendingBanner.text()
    assert "评分口径：全部已确认" in overview.text()
    assert not ui.confirmAllButton.isEnabled()
    assert ui.confirmAllButton.toolTip() == "全部评分口径均已确认"


def test_a_parameter_changed_elsewhere_asks_for_reconfirmation(qtbot, page, window):
    assert column(page, 5)["G3"] == "已确认"
    window.page("assumptions").confirm(["G7"], "张三", "")
    wait_idle(qtbot, window)
    assert column(page, 5)["G7"] == "已确认"
    catalogue = window.show_page("catalogue")
    params = catalogue.params
    row = next(i for i, r in enumerate(params.rows()) if r.key == "deduction_cap")
    assert params.setData(params.index(row, params.VALUE_COLUMN), "8")
    wait_idle(qtbot, window)
    assert column(page, 5)["G7"] == "需重新确认"


def test_export_of_the_signoff_sheet(qtbot, page, window, recorder, tmp_path, monkeypatch):
    from jinan_eval_gui.gui.pages import assumptions as page_module

    out = tmp_path / "确认单"
    monkeypatch.setattr(page_module.QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: str(out)))
    recorder.answer = True  # open the folder
    click(qtbot, page.ui.exportButton)
    wait_idle(qtbot, window)
    assert sorted(p.suffix for p in page.exported) == [".docx", ".xlsx"]
    assert all(p.is_file() and p.parent == out for p in page.exported)
    assert "是否打开" in recorder.questions[-1]
    assert recorder.opened == [str(out)]
    assert "已导出评分口径确认单" in page.ui.messageLabel.text()


def test_read_only_round_can_preview_and_export_but_not_change(qtbot, window, demo_round,
                                                               tmp_path):
    page = _open(qtbot, window, demo_round, tmp_path, readonly=True)
    ui = page.ui
    assert page.select("A77")
    for button in (ui.confirmButton, ui.confirmAllButton):
        assert not button.isEnabled() and "只读" in button.toolTip()
    assert ui.exportButton.isEnabled()
    _a, number, _choice = alternative(window.session.cat, "A77")
    page.choice_buttons[number].click()
    wait_idle(qtbot, window)
    assert page.effects.rowCount() > 0
    assert not ui.applyButton.isEnabled() and "只读" in ui.applyButton.toolTip()
    assert page.open_confirm_dialog(pending=True) is None


# ---------------------------------------------------------------------------------------
def _texts(root: QWidget) -> list[str]:
    """What a person can read on the page: labels, buttons, tooltips, combos, every cell."""
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        out.append(w.toolTip())
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QGroupBox):
            out.append(w.title())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            # the Python model itself: QModelIndex.data() returning None from Python code
            # under-counts None's references in PySide6 6.12 (a crash after ~10⁵ calls)
            model = w.model()
            if isinstance(model, QSortFilterProxyModel):
                model = model.sourceModel()
            for r in range(model.rowCount()):
                for c in range(model.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = model.data(model.index(r, c), role)
                        out.append(value if isinstance(value, str) else "")
    return out


def test_no_internal_keys_anywhere_on_the_page(qtbot, page, window):
    from internal_words import WORD, Checker, source_texts

    cat = window.session.cat
    checker = Checker(cat)
    # the 指标体系's own symbols (indicator 16's "1/n×∑…") may be explained in the register
    symbols = {w for t in source_texts(cat) for w in WORD.findall(t)}
    keys = {c.key for a in cat.assumptions for c in a.choices} | {
        p for a in cat.assumptions for p in a.params}
    texts = []
    for status in page.statuses:
        assert page.select(status.assumption.id)
        texts.append(page.ui.detailBrowser.toPlainText())
        texts += _texts(page)
    _a, number, _c = alternative(cat, "A77")
    page.select("A77")
    page.choice_buttons[number].click()
    wait_idle(qtbot, window)
    texts += _texts(page)
    page.select("G1")
    page.select("G2")
    texts += _texts(page)
    hits = [(w, t) for t in texts for w in checker.words(t or "") if w not in symbols]
    hits += [(w, t) for t in texts for w in WORD.findall(t or "") if w in keys]
    assert not hits, sorted({(w, t[:60]) for w, t in hits})
    assert not any(re.search(r"[a-z]+_[a-z]+", t or "") for t in texts)
