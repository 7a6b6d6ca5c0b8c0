"""专家评分: an expert score (or points deducted) for one indicator, with a mandatory reason."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from jinan_eval_gui.gui.models.table import text

from .base import FormDialog


class OverrideDialog(FormDialog):
    """Emits ``confirmed(indicator_id, score, reason)``; score is a Decimal (0..100)."""

    form_name = "dialog_override"
    confirmed = Signal(int, object, str)

    def __init__(self, result: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        deduction = result.kind == "deduction"
        ui = self.ui
        ui.indicatorLabel.setText(f"{result.id}. {escape(result.name)}")
        current = f"当前{'扣减分值' if deduction else '得分'}：{text(result.score)}" \
                  f"（{result.status_label}）"
        if result.override_reason:
            current += f"<br>现有专家评分理由：{escape(result.override_reason)}"
        if deduction:
            current += "<br>本指标为扣分项：请填写<b>扣减的分值</b>（0 表示不扣分）。"
        ui.currentLabel.setText(current)
        ui.scoreCaption.setText("扣减分值：" if deduction else "专家评分：")
        ui.scoreSpin.setValue(float(result.score))
        if result.override_reason:
            ui.reasonEdit.setPlainText(result.override_reason)

    def score(self) -> Decimal:
        return Decimal(str(round(self.ui.scoreSpin.value(), 2)))

    def reason(self) -> str:
        return self.ui.reasonEdit.toPlainText().strip()

    def validate(self) -> str:
        if not self.reason():
            return "请填写理由：专家评分须说明依据，理由将写入评价报告"
        if not Decimal(0) <= self.score() <= Decimal(100):
            return "分值应在 0 到 100 之间"
        return ""

    def apply(self) -> None:
        self.confirmed.emit(int(self.result.id), self.score(), self.reason())
