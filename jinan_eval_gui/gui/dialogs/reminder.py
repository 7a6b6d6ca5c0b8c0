"""催报: the late units with their contacts, the Excel list just saved and the text to paste."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from jinan_eval_gui.gui.models.desk import ReminderModel
from jinan_eval_gui.gui.pages.base import Page, fit_columns, setup_table

from .base import FormDialog


class ReminderDialog(FormDialog):
    """Shows a ``reminders.ReminderList`` and where its Excel sheet was saved."""

    form_name = "dialog_reminder"

    def __init__(self, reminders: Any, saved: Path | None, parent: QWidget | None = None,
                 entities: int = 1) -> None:
        super().__init__(parent)
        ui = self.ui
        self.reminders, self.saved = reminders, saved
        self.model = ReminderModel(self)
        self.model.set_rows(reminders.rows)
        ui.lateTable.setModel(self.model)
        setup_table(ui.lateTable)
        ui.lateTable.setColumnHidden(0, entities < 2)
        fit_columns(ui.lateTable, 220)
        ui.textEdit.setPlainText(reminders.text)
        where = f"催报名单已保存为“{saved}”，" if saved else ""
        ui.summaryLabel.setText(f"截至 {reminders.today.isoformat()}，共 {len(reminders.rows)} 个"
                                f"单位逾期未报送。{where}本次催报已记入操作记录。")
        ui.copyButton.clicked.connect(self.copy_text)
        ui.openButton.setEnabled(saved is not None)
        ui.openButton.clicked.connect(lambda: Page.open_path(saved) if saved else None)

    def copy_text(self) -> None:
        """The notice on the clipboard, to paste into a message."""
        QApplication.clipboard().setText(self.reminders.text)
        self.ui.messageLabel.setStyleSheet("color: #1b5e20;")
        self.ui.messageLabel.setText("已复制，可粘贴到短信、微信或邮件中发送。")
