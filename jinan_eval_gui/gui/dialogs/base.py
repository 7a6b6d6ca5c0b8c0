"""A dialog around a Designer form whose OK button validates before closing."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QWidget

from jinan_eval_gui.gui.formloader import load_form


class FormDialog(QDialog):
    """Subclasses set ``form_name`` and implement :meth:`validate` and :meth:`apply`."""

    form_name = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = load_form(self.form_name, self)
        self.layout().setContentsMargins(14, 12, 14, 12)
        self.setWindowTitle(self.ui.windowTitle())
        self.resize(self.ui.size())
        box: QDialogButtonBox = self.ui.buttonBox
        box.accepted.connect(self._on_ok)
        box.rejected.connect(self.reject)
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("确定")
        cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText("取消")
        close = box.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText("关闭")

    def validate(self) -> str:
        """An empty string if the input is acceptable, else what to correct (Chinese)."""
        return ""

    def apply(self) -> None:
        """Deliver the result (emit a signal); called after validation passed."""

    def _on_ok(self) -> None:
        problem = self.validate()
        label = getattr(self.ui, "messageLabel", None)
        if problem:
            if label is not None:
                label.setText(problem)
            return
        if label is not None:
            label.setText("")
        self.apply()
        self.accept()

    def ok_button(self) -> QPushButton:
        return self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
