"""数据回收 › 各单位状态: the desk's actions on the board — 催报 (an Excel list and text to
paste, logged), the unit directory, feedback for one unit or all at once, a unit's version
history (restore) and the operation log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.dialogs.contacts import ContactsDialog
from jinan_eval_gui.gui.dialogs.history import HistoryDialog
from jinan_eval_gui.gui.dialogs.oplog import OperationLogDialog
from jinan_eval_gui.gui.dialogs.reminder import ReminderDialog


class DeskActions:
    """The board's buttons of :class:`~.collect.CollectPage` (a mixin of that page)."""

    ui: Any
    session: Any

    def setup_desk(self: Any) -> None:
        ui = self.ui
        ui.remindButton.clicked.connect(self._on_remind)
        ui.contactsButton.clicked.connect(self.open_contacts)
        ui.historyButton.clicked.connect(lambda: self.open_history())
        ui.logButton.clicked.connect(self.open_log)
        ui.feedbackButton.clicked.connect(self._on_feedback)
        ui.feedbackAllButton.clicked.connect(self._on_feedback_all)
        self.last_feedback: Path | None = None
        self.last_feedbacks: list[Any] = []

    def update_desk_actions(self: Any) -> None:
        ui = self.ui
        reading, writing = self.idle_with_round, self.idle_writable
        selected = self.selected_unit() is not None
        ui.remindButton.setEnabled(writing)
        ui.contactsButton.setEnabled(reading)
        ui.historyButton.setEnabled(reading and self.status.rowCount() > 0)
        ui.logButton.setEnabled(reading)
        ui.feedbackButton.setEnabled(reading and selected)
        ui.feedbackAllButton.setEnabled(reading)

    def due(self: Any) -> date:
        """The correction deadline chosen above the board (written into the cover notes)."""
        return self.ui.dueEdit.date().toPython()

    def _say(self: Any, text: str) -> None:
        self.ui.boardLabel.setText(text)

    # -- 催报 ----------------------------------------------------------------------------
    @messages.guarded
    def _on_remind(self: Any) -> None:
        from jinan_eval_gui.workflow import reminders

        rnd = self.session.rnd
        listed = reminders.reminder_list(rnd, self.session.cat, today=self.today)
        if not listed.rows:
            messages.info(self.window(), listed.text)
            return
        name = f"{rnd.info.year}年度_催报名单_{listed.today:%Y%m%d}.xlsx"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "催报名单保存为", str(Path(settings.last_dir("reminders")) / name),
            "Excel 工作簿 (*.xlsx)")
        if chosen:
            settings.remember_dir("reminders", Path(chosen).parent)
            self.write_reminders(Path(chosen))

    @messages.guarded
    def write_reminders(self: Any, path: Path) -> None:
        """Save the 催报 list (Excel), record it in the log, then show the text to paste."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        today = self.today

        def task(rnd: Any, _progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui.workflow import reminders

            return reminders.write_reminders(rnd, path, today=today)

        def done(listed: Any) -> None:
            self._say(f"已生成催报名单（{len(listed.rows)} 个单位）：{path}；已记入操作记录。")
            self.session.notify_data_changed(rescore=False)
            self.dialog = ReminderDialog(listed, path, self, len(self.session.entities()))
            self.dialog.open()

        self.session.run_with_round(task, done=done, status="正在生成催报名单…")

    # -- the unit directory ----------------------------------------------------------------
    @messages.guarded
    def open_contacts(self: Any) -> ContactsDialog | None:
        from jinan_eval_gui.workflow import contacts

        rnd = self.session.rnd
        if rnd is None or self.session.busy:
            return None
        self.dialog = ContactsDialog(contacts.directory(rnd, self.session.cat), self,
                                     editable=self.session.writable,
                                     entities=len(self.session.entities()))
        self.dialog.confirmed.connect(self.save_contacts)
        self.dialog.open()
        return self.dialog

    @messages.guarded
    def save_contacts(self: Any, rows: list[Any]) -> None:
        """Store the contacts edited (one transaction, each change audited)."""
        from jinan_eval_gui.workflow import contacts

        rnd = self.session.rnd
        with rnd.transaction():
            for r in rows:
                contacts.set_contact(rnd, r.unit, entity=r.entity, **r.values)
        self._say(f"已保存 {len(rows)} 个单位的联系人，已记入操作记录。")
        self.session.notify_data_changed(rescore=False)

    # -- feedback ------------------------------------------------------------------------
    def _on_feedback(self: Any) -> None:
        row = self.selected_unit()
        if row is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "反馈表保存到", settings.last_dir("feedback"))
        if folder:
            settings.remember_dir("feedback", folder)
            self.make_feedback(row.unit, Path(folder), entity=row.entity)

    @messages.guarded
    def make_feedback(self: Any, unit: str, out_dir: Path, *, entity: str | None = None) -> None:
        """Write the feedback workbook of ``unit`` (with its cover note) and open it."""
        due, today = self.due(), self.today

        def task(rnd: Any, _progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui.workflow import feedbacks

            return feedbacks.feedback_unit(rnd, unit, out_dir, entity=entity, due=due,
                                           today=today)

        def done(sent: Any) -> None:
            self.last_feedback = Path(sent.path)
            self._say(f"已生成“{unit}”的反馈表（错误 {sent.errors} 处、警告 {sent.warnings} 处，"
                      f"请于 {sent.due} 前更正）：{sent.path}")
            self.session.notify_data_changed(rescore=False)
            self.open_path(sent.path)

        self.session.run_with_round(task, done=done, status=f"正在生成 {unit} 的反馈表…")

    def _on_feedback_all(self: Any) -> None:
        folder = QFileDialog.getExistingDirectory(self, "反馈表保存到", settings.last_dir("feedback"))
        if folder:
            settings.remember_dir("feedback", folder)
            self.make_all_feedback(Path(folder))

    @messages.guarded
    def make_all_feedback(self: Any, out_dir: Path) -> None:
        """Feedback workbooks for every unit with open errors or warnings, in one go."""
        due, today = self.due(), self.today

        def task(rnd: Any, progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui.workflow import feedbacks

            return feedbacks.feedback_all(rnd, out_dir, due=due, today=today, progress=progress)

        def done(sent: list[Any]) -> None:
            self.last_feedbacks = list(sent)
            if not sent:
                messages.info(self.window(), "没有需要反馈的单位：各单位的文件都没有错误或警告。")
                return
            self._say(f"已为 {len(sent)} 个单位生成反馈表（附反馈说明，请于 {sent[0].due} 前更正），"
                      f"保存在 {out_dir}；已记入操作记录。")
            self.session.notify_data_changed(rescore=False)
            self.open_path(out_dir)

        self.session.run_with_round(task, done=done, status="正在生成反馈表…",
                                    progress=lambda d, t, m: self.session.status.emit(m))

    # -- history and log ---------------------------------------------------------------
    @messages.guarded
    def open_history(self: Any, unit: str | None = None,
                     entity: str | None = None) -> HistoryDialog | None:
        """A unit's versions and values (the selected one by default)."""
        if self.session.rnd is None or self.session.busy:
            return None
        if unit is None:
            row = self.selected_unit() or (self.board_rows() or [None])[0]
            if row is None:
                return None
            unit, entity = row.unit, row.entity
        self.dialog = HistoryDialog(self.session, entity or self.session.entities()[0], unit,
                                    self)
        self.dialog.restore_requested.connect(self.restore_version)
        self.session.data_changed.connect(self.dialog.reload)
        self.dialog.finished.connect(
            lambda _=0, d=self.dialog: self.session.data_changed.disconnect(d.reload))
        self.dialog.open()
        return self.dialog

    @messages.guarded
    def restore_version(self: Any, entity: str, unit: str, number: int) -> None:
        """Make version ``number`` the unit's return again (a new version; audited)."""

        def task(rnd: Any, _progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui.workflow import versions

            return versions.restore_version(rnd, unit, number, entity=entity)

        def done(report: Any) -> None:
            (result,) = report.files
            if result.status == "unchanged":
                self._say(f"第 {number} 版的内容与当前采用的数据相同，未作更改。")
            else:
                self._say(f"已把“{unit}”的第 {number} 版恢复为当前采用的版本（存为新的版本，"
                          f"{len(result.diffs)} 项数据变化），已记入操作记录。")
            self.session.notify_data_changed()

        self.session.run_with_round(task, done=done, status=f"正在恢复 {unit} 的第 {number} 版…")

    @messages.guarded
    def open_log(self: Any) -> OperationLogDialog | None:
        if self.session.rnd is None or self.session.busy:
            return None
        self.dialog = OperationLogDialog(self.session, self)
        self.dialog.open()
        return self.dialog
