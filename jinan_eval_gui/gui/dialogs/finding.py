"""One finding explained: unit, version, sheet, cell, the row's label, the value typed, what the
cell asks for, the rule and the indicator; a button opens the unit's file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.models.imports import detail_html

from .base import FormDialog


class FindingDialog(FormDialog):
    """Shows ``view`` (``workflow.findings.FindingView``); ``open_file()`` opens its file."""

    form_name = "dialog_finding"

    def __init__(self, view: Any, open_file: Callable[[], object] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._open_file = open_file
        ui = self.ui
        where = f"{view.unit}：{view.where}" if view.unit else view.where
        self.setWindowTitle(f"问题详情 - {where}" if where else "问题详情")
        ui.detailBrowser.setHtml(detail_html(view))
        ui.openFileButton.setEnabled(open_file is not None)
        ui.openFileButton.clicked.connect(self.open_file)

    @messages.guarded
    def open_file(self) -> None:
        if self._open_file is not None:
            self._open_file()

    def text(self) -> str:
        """What the dialog says, as plain text (for tests and copying)."""
        return self.ui.detailBrowser.toPlainText()
