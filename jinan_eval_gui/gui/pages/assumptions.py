"""评分口径: review the assumption register, try another choice, apply, confirm, export.

Everything the page decides is the workflow's (``workflow.assumptions``): ``register`` for the
table, ``preview`` (in a worker, nothing stored) for the effect of a switch, ``choose`` and
``confirm`` for what the office decides, ``export_signoff`` for the 确认单. The page only shows
Chinese labels, never the keys the data uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QHeaderView,
    QRadioButton,
)

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.dialogs.confirm_assumptions import ConfirmAssumptionsDialog
from jinan_eval_gui.gui.models.assumptions import (
    CHANGED,
    CONFIRMED,
    STATES,
    UNCONFIRMED,
    AssumptionFilterProxy,
    AssumptionsModel,
    EffectsModel,
    counts,
    effect_rows,
    signed,
    when_text,
)
from jinan_eval_gui.gui.models.table import RECORD_ROLE, text

from .base import Page, setup_table

READONLY = "评价轮次以只读方式打开，不能改选或确认评分口径（可以试算和导出确认单）"
BUSY = "正在处理其他操作，请稍候"
PENDING_SWITCH = "请先对正在试算的改选点“应用”或“取消”"
PENDING_STYLE = ("background: #fff3d6; border: 1px solid #e8c77a; padding: 8px; "
                 "border-radius: 3px; font-weight: bold;")
FINAL_STYLE = "background: #e3f4e6; border: 1px solid #9ccca6; padding: 8px; border-radius: 3px;"


class AssumptionsPage(Page):
    """The register as a filterable table; details, choices and the preview of a switch."""

    key = "assumptions"
    title = "评分口径"
    form_name = "page_assumptions"

    def setup(self) -> None:
        ui = self.ui
        self.model = AssumptionsModel(self)
        self.proxy = AssumptionFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        ui.assumptionTable.setModel(self.proxy)
        setup_table(ui.assumptionTable, stretch_last=False)
        selection = ui.assumptionTable.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self._on_current_changed())
        selection.selectionChanged.connect(lambda *_: self.update_actions())
        self.effects = EffectsModel(self)
        ui.previewTable.setModel(self.effects)
        setup_table(ui.previewTable, stretch_last=False)
        ui.stateCombo.addItem("全部", "")
        for state in STATES:
            ui.stateCombo.addItem(state, state)
        ui.categoryCombo.addItem("全部", "")
        ui.stateCombo.currentIndexChanged.connect(lambda _: self._apply_filters())
        ui.categoryCombo.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.choice_group = QButtonGroup(self)
        self.choice_group.idClicked.connect(self._on_choice_clicked)
        self.choice_buttons: list[QRadioButton] = []
        ui.applyButton.clicked.connect(self.apply_choice)
        ui.cancelButton.clicked.connect(self.cancel_choice)
        ui.confirmButton.clicked.connect(lambda: self.open_confirm_dialog())
        ui.confirmAllButton.clicked.connect(lambda: self.open_confirm_dialog(pending=True))
        ui.exportButton.clicked.connect(self._on_export)
        ui.mainSplitter.setSizes([260, 340])
        ui.detailSplitter.setSizes([560, 540])
        ui.previewBox.setVisible(False)
        ui.messageLabel.setVisible(False)
        self.session.data_changed.connect(self.refresh)
        self.session.scores_changed.connect(self._on_scores_changed)
        self.statuses: list[Any] = []
        self.pending: tuple[str, str] | None = None  # (assumption id, choice key) on trial
        self.dialog: ConfirmAssumptionsDialog | None = None
        self.exported: list[Path] = []

    # -- reading the register ------------------------------------------------------------
    def refresh(self) -> None:
        """Read the register from the round (main thread, session idle); drop any trial."""
        rnd = self.session.rnd
        keep = self.current_id()
        self._discard_trial()
        if rnd is None:
            self.statuses = []
        else:
            from jinan_eval_gui.workflow import assumptions

            self.statuses = assumptions.register(rnd, self.session.cat)
        self.model.set_rows(self.statuses)
        self._fill_categories()
        self._apply_filters()
        self._show_counts()
        self._size_columns()
        if not (keep and self.select(keep, reveal=False)) and self.proxy.rowCount():
            self.ui.assumptionTable.selectRow(0)
        self._show_details()
        self.update_actions()

    def _on_scores_changed(self) -> None:
        """Parameters changed elsewhere may lapse confirmations: read the states again."""
        if self.idle_with_round and self.pending is None:
            self.refresh()

    def _fill_categories(self) -> None:
        combo = self.ui.categoryCombo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("全部", "")
        for category in dict.fromkeys(s.assumption.category for s in self.statuses):
            combo.addItem(category, category)
        found = combo.findData(current)
        combo.setCurrentIndex(found if found >= 0 else 0)
        combo.blockSignals(False)

    def _apply_filters(self) -> None:
        ui = self.ui
        self.proxy.set_filters(state=ui.stateCombo.currentData() or "",
                               category=ui.categoryCombo.currentData() or "")
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        ui.shownLabel.setText(f"显示 {shown} / {total} 项" if total else "")
        self.update_actions()

    def _show_counts(self) -> None:
        ui = self.ui
        if self.session.rnd is None or not self.statuses:
            ui.summaryLabel.setText("")
            ui.pendingBanner.setVisible(False)
            return
        n = counts(self.statuses)
        ui.summaryLabel.setText(
            f"共 {len(self.statuses)} 项评分口径：已确认 {n[CONFIRMED]} 项 · 待确认 "
            f"{n[UNCONFIRMED]} 项 · 需重新确认 {n[CHANGED]} 项")
        open_items = len(self.statuses) - n[CONFIRMED]
        ui.pendingBanner.setVisible(True)
        if open_items:
            ui.pendingBanner.setStyleSheet(PENDING_STYLE)
            ui.pendingBanner.setText(
                f"尚有 {open_items} 项评分口径待确认，导出的评估报告为征求意见稿。"
                "请逐项审阅说明和取值，需要时改选，然后确认（可多选后点“确认所选…”）。")
        else:
            ui.pendingBanner.setStyleSheet(FINAL_STYLE)
            ui.pendingBanner.setText("全部评分口径均已确认，评估报告将作为正式稿导出。")

    def _size_columns(self) -> None:
        table = self.ui.assumptionTable
        header = table.horizontalHeader()
        for column in range(self.model.columnCount()):
            table.resizeColumnToContents(column)
        header.setSectionResizeMode(AssumptionsModel.TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(3, min(header.sectionSize(3), 300))
        header.resizeSection(6, max(header.sectionSize(6), 150))

    # -- selection -----------------------------------------------------------------------
    def select(self, assumption_id: str, *, reveal: bool = True) -> bool:
        """Select an assumption's row; ``reveal`` clears a state or category filter hiding it
        (after a confirmation the filters stay: a confirmed row may leave a 待确认 list)."""
        row = self.model.row_of(assumption_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid() and not reveal:
            return False
        if not index.isValid():
            self.ui.stateCombo.setCurrentIndex(0)
            self.ui.categoryCombo.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.ui.assumptionTable.selectRow(index.row())
        self.ui.assumptionTable.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def current(self) -> Any:
        index = self.ui.assumptionTable.selectionModel().currentIndex()
        return index.data(RECORD_ROLE) if index.isValid() else None

    def current_id(self) -> str | None:
        status = self.current()
        return status.assumption.id if status is not None else None

    def selected(self) -> list[Any]:
        rows = self.ui.assumptionTable.selectionModel().selectedRows()
        return [index.data(RECORD_ROLE) for index in sorted(rows, key=lambda i: i.row())]

    def _on_current_changed(self) -> None:
        if self.pending is not None and self.pending[0] != self.current_id():
            self._discard_trial()
        self._show_details()
        self.update_actions()

    # -- details and choices -------------------------------------------------------------
    def _show_details(self) -> None:
        status = self.current()
        ui = self.ui
        if status is None:
            ui.detailBrowser.setHtml("<p style='color:#666'>在左侧选择一项评分口径，查看说明、"
                                     "参数取值、可选口径和确认记录。</p>" if self.statuses else "")
            self._set_choices(None)
            return
        ui.detailBrowser.setHtml(detail_html(status, self.session.cat))
        self._set_choices(status)

    def _set_choices(self, status: Any) -> None:
        """One radio button per choice, the stored one (or the one on trial) checked."""
        for button in self.choice_buttons:  # gone at once: deleteLater waits for the loop
            self.choice_group.removeButton(button)
            self.ui.choiceLayout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.choice_buttons = []
        ui = self.ui
        ui.choiceBox.setVisible(status is not None)
        if status is None:
            return
        choices = status.assumption.choices
        checked = self.pending[1] if self.pending is not None else status.choice.key
        for n, choice in enumerate(choices):
            button = QRadioButton(f"{choice.label}（{choice.origin}）", ui.choiceBox)
            button.setChecked(choice.key == checked)
            self.choice_group.addButton(button, n)
            ui.choiceLayout.insertWidget(n, button)
            self.choice_buttons.append(button)
        if len(choices) < 2:
            ui.choiceHint.setText("本项只有一种取定（见上方说明），审阅后确认即可；"
                                  "相关参数可在“指标体系”页修改。")
        else:
            ui.choiceHint.setText("选中其他口径先试算其影响，点“应用”才保存（原有确认随之失效）。")

    def _on_choice_clicked(self, number: int) -> None:
        status = self.current()
        if status is None or not 0 <= number < len(status.assumption.choices):
            return
        key = status.assumption.choices[number].key
        if key == status.choice.key:
            self.cancel_choice()
        else:
            self.preview_choice(status.assumption.id, key)

    # -- trying another choice -----------------------------------------------------------
    def preview_choice(self, assumption_id: str, choice_key: str) -> None:
        """Score every entity with the choice switched (worker; nothing is stored)."""
        rnd = self.session.rnd
        if rnd is None:
            return
        self.pending = (assumption_id, choice_key)
        trial = self.pending
        ui = self.ui
        self.effects.set_rows([])
        ui.previewBox.setVisible(True)
        ui.previewLabel.setText("正在试算改选后的得分…")

        def task(_worker: Any) -> Any:
            from jinan_eval_gui.workflow import assumptions

            return assumptions.preview(rnd, assumption_id, choice_key)

        def done(effects: Any) -> None:
            if self.pending == trial:
                self._show_effects(effects)

        def failed(message: str) -> None:
            if self.pending == trial:
                self.cancel_choice()
            messages.error(self.window(), message)

        if self.session.run(task, done=done, failed=failed, quiet=True,
                            status="正在试算改选评分口径的影响…") is None:
            self.cancel_choice()
        self.update_actions()

    def _show_effects(self, effects: Sequence[Any]) -> None:
        status = self.current()
        label = ""
        if status is not None and self.pending is not None:
            label = status.assumption.choice(self.pending[1]).label
        self.effects.set_rows(effect_rows(effects, self.session.cat))
        table = self.ui.previewTable
        for column in (0, 2, 3, 4):
            table.resizeColumnToContents(column)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        if not any(e.changed or e.delta for e in effects):
            summary = f"改为“{label}”后，按本轮数据各评价对象的得分均不变。"
        elif len(effects) == 1:
            e = effects[0]
            summary = (f"改为“{label}”后，{e.entity}总分 {text(e.total_before)} → "
                       f"{text(e.total_after)}（{signed(e.delta)}）。")
        else:
            summary = f"改为“{label}”后各评价对象的得分变化如下。"
        self.ui.previewLabel.setText(summary + "尚未保存。")
        self.update_actions()

    @messages.guarded
    def apply_choice(self) -> None:
        """Store the choice on trial (``choose``), then re-read the register and re-score."""
        if self.pending is None or not self.idle_writable:
            return
        from jinan_eval_gui.workflow import assumptions

        assumption_id, key = self.pending
        status = assumptions.choose(self.session.rnd, assumption_id, key)
        self.pending = None
        self._say(f"已保存：{assumption_id}“{status.assumption.title}”改为"
                                     f"“{status.choice.label}”，正在重新计算评分…")
        self.session.notify_data_changed()

    def cancel_choice(self) -> None:
        """Keep the stored choice: drop the trial and check its radio button again."""
        self._discard_trial()
        status = self.current()
        if status is not None:
            for button, choice in zip(self.choice_buttons, status.assumption.choices,
                                      strict=False):
                button.setChecked(choice.key == status.choice.key)
        self.update_actions()

    def _discard_trial(self) -> None:
        self.pending = None
        self.effects.set_rows([])
        self.ui.previewLabel.setText("")
        self.ui.previewBox.setVisible(False)

    # -- confirming ----------------------------------------------------------------------
    def open_confirm_dialog(self, *, pending: bool = False) -> ConfirmAssumptionsDialog | None:
        """Ask who confirms the selected entries (or every unconfirmed one) and why."""
        targets = [s for s in self.statuses if not s.confirmed] if pending else self.selected()
        if not targets or self._why_not_write():
            return None
        self.dialog = ConfirmAssumptionsDialog(targets, self)
        self.dialog.confirmed.connect(self.confirm)
        self.dialog.open()
        return self.dialog

    @messages.guarded
    def confirm(self, ids: list[str], by: str, note: str) -> None:
        """Record the confirmation of ``ids`` as they stand (audit-logged by the round)."""
        if self._why_not_write():
            return
        from jinan_eval_gui.workflow import assumptions

        done = assumptions.confirm(self.session.rnd, ids, by=by, note=note)
        self._say(f"已确认 {len(done)} 项评分口径（确认人：{by}）。")
        self.session.notify_data_changed(rescore=False)

    # -- 确认单 ---------------------------------------------------------------------------
    def _on_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "评分口径确认单保存到",
                                                  settings.last_dir("signoff"))
        if folder:
            settings.remember_dir("signoff", folder)
            self.export_signoff(Path(folder))

    @messages.guarded
    def export_signoff(self, out_dir: Path) -> None:
        """Write the 确认单 (Word and Excel) in a worker, then offer to open the folder."""
        out_dir = Path(out_dir)

        def task(rnd: Any, _progress: Any, _worker: Any) -> list[Path]:
            from jinan_eval_gui import workflow

            return workflow.export_signoff(rnd, out_dir)

        def done(paths: list[Path]) -> None:
            self.exported = [Path(p) for p in paths]
            names = "、".join(p.name for p in self.exported)
            self._say(f"已导出评分口径确认单：{names}（保存在 {out_dir}）")
            if messages.ask(self.window(), f"评分口径确认单已导出到：\n{out_dir}\n\n是否打开该文件夹？"):
                self.open_path(out_dir)

        self.session.run_with_round(task, done=done, status="正在导出评分口径确认单…")

    def _say(self, message: str) -> None:
        """The outcome of the last action, under the page (hidden while there is none)."""
        self.ui.messageLabel.setText(message)
        self.ui.messageLabel.setVisible(bool(message))

    # -- buttons -------------------------------------------------------------------------
    def _why_not_write(self) -> str:
        """Why the round cannot take a choice or confirmation now ('' if it can)."""
        if self.session.rnd is None:
            return "请先打开评价轮次"
        if not self.session.writable:
            return READONLY
        if self.session.busy:
            return BUSY
        return ""

    def update_actions(self) -> None:
        ui = self.ui
        write = self._why_not_write()
        trial = PENDING_SWITCH if self.pending is not None else ""
        selected = bool(ui.assumptionTable.selectionModel().selectedRows())
        open_items = sum(1 for s in self.statuses if not s.confirmed)
        _enable(ui.confirmButton, write or trial or ("" if selected else "请先在表格中选择要确认的评分口径"),
                "确认所选评分口径按当前选择执行（记录确认人、时间和意见）")
        _enable(ui.confirmAllButton, write or trial or ("" if open_items else "全部评分口径均已确认"),
                f"确认其余 {open_items} 项尚未确认的评分口径按当前选择执行")
        ready = self.pending is not None and self.effects.rowCount() > 0
        _enable(ui.applyButton, ("" if ready else "正在试算，请稍候") or write,
                "保存此选择并重新计算评分；原有确认随之失效，须重新确认")
        ui.cancelButton.setEnabled(self.pending is not None)
        reading = self.session.rnd is not None and (not self.session.busy
                                                    or self.session.quiet_task)
        ui.choiceBox.setEnabled(reading)
        no_export = "请先打开评价轮次" if self.session.rnd is None else (
            BUSY if self.session.busy else "")
        _enable(ui.exportButton, no_export,
                "把全部评分口径及其选择、来源、参数取值和确认情况导出为评分口径确认单"
                "（Word 和 Excel），供签字确认")


def _enable(button: Any, why_not: str, tip: str) -> None:
    """Enable a button with its tooltip, or disable it with a tooltip saying why."""
    button.setEnabled(not why_not)
    button.setToolTip(tip if not why_not else why_not)


# ---------------------------------------------------------------------------------------
# The details pane (HTML)
# ---------------------------------------------------------------------------------------
def detail_html(status: Any, cat: Any) -> str:
    """Title, text, indicators, parameter values, current choice and confirmation record."""
    a = status.assumption
    head = (f"<h3>{escape(a.id)}　{escape(a.title)}</h3>"
            f"<p style='color:#555'>类别：{escape(a.category)} · 状态：{escape(status.state)} · "
            f"当前选择：{escape(status.choice.label)}（{escape(status.origin)}）</p>")
    body = _section("说明", f"<p>{escape(a.text)}</p>")
    body += _section("涉及指标", _indicators_html(a.indicators, cat))
    if status.params:
        items = "".join(f"<li>{escape(p.label)}：{text(p.value)}"
                        + ("" if p.value == p.default else f"（默认 {text(p.default)}）")
                        + "</li>" for p in status.params)
        body += _section("参数取值", f"<ul>{items}</ul><p style='color:#555'>参数可在“指标体系”页"
                                  "修改；修改后本项须重新确认。</p>")
    body += _section("确认记录", _record_html(status))
    return head + body


def _section(title: str, body: str) -> str:
    return f"<h4 style='margin-bottom:2px'>{escape(title)}</h4>{body}"


def _indicators_html(ids: Sequence[int], cat: Any) -> str:
    if not ids:
        return "<p>适用于全部三级指标的计分。</p>"
    names = []
    for ind_id in ids:
        try:
            names.append(f"{ind_id}. {escape(cat.indicator(ind_id).name)}")
        except (AttributeError, KeyError):
            names.append(f"指标 {ind_id}")
    return "<p>" + "<br>".join(names) + "</p>"


def _record_html(status: Any) -> str:
    if not status.confirmed_by:
        return "<p>尚未确认。</p>"
    when = when_text(status.confirmed_at)
    record = f"{escape(status.confirmed_by)} 于 {escape(when)} 确认"
    if status.state == CONFIRMED:
        record += "。"
    else:
        record += "；此后口径选择或参数取值已改变，须重新确认。"
    if status.note:
        record += f"<br>意见：{escape(status.note)}"
    return f"<p>{record}</p>"

