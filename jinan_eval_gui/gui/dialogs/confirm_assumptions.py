"""确认评分口径: who confirms the listed assumptions (remembered) and with what note."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from jinan_eval_gui.gui import settings

from .base import FormDialog

CONFIRMER_KEY = "assumptions/confirmer"


class ConfirmAssumptionsDialog(FormDialog):
    """Emits ``confirmed(ids, by, note)``; the page records the confirmation."""

    form_name = "dialog_confirm_assumptions"
    confirmed = Signal(list, str, str)

    def __init__(self, statuses: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ids = [s.assumption.id for s in statuses]
        ui = self.ui
        ui.infoLabel.setText(
            f"确认以下 {len(statuses)} 项评分口径按当前选择执行。确认记录（确认人、时间、意见）"
            "保存在评价轮次文件中并记入操作日志；之后若改选口径或修改相关参数，须重新确认。")
        for s in statuses:
            ui.itemList.addItem(f"{s.assumption.id}  {s.assumption.title}：{s.choice.label}"
                                f"（{s.state}）")
        ui.nameEdit.setText(str(settings.settings().value(CONFIRMER_KEY) or ""))
        ui.nameEdit.setFocus()

    def confirmer(self) -> str:
        return self.ui.nameEdit.text().strip()

    def note(self) -> str:
        return self.ui.noteEdit.toPlainText().strip()

    def validate(self) -> str:
        if not self.confirmer():
            return "请填写确认人姓名：确认单和操作日志将记录由谁确认"
        return ""

    def apply(self) -> None:
        settings.settings().setValue(CONFIRMER_KEY, self.confirmer())
        self.confirmed.emit(list(self.ids), self.confirmer(), self.note())
