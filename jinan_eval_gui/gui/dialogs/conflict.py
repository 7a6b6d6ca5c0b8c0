"""处理数据冲突: keep one unit's value of a shared input, with a mandatory reason."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from jinan_eval_gui.gui.models.imports import candidate_pairs

from .base import FormDialog


class ConflictDialog(FormDialog):
    """Emits ``resolved(conflict_id, unit, reason)`` when the user confirms."""

    form_name = "dialog_conflict"
    resolved = Signal(int, str, str)

    def __init__(self, conflict: Any, cat: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        pairs = candidate_pairs(conflict.candidates)
        name = label = ""
        if cat is not None:
            try:
                ind = cat.indicator(conflict.indicator_id)
                name = ind.name
                label = ind.input(conflict.input_key.split(".")[0]).label
            except KeyError:
                pass
        rows = "".join(f"<li>{escape(u)}：{escape(v)}</li>" for u, v in pairs)
        self.ui.infoLabel.setText(
            f"<b>指标 {conflict.indicator_id} {escape(name)}</b><br>"
            f"填报项：{escape(label or '（未知填报项）')}"
            f"<br>各单位报送的数值：<ul>{rows}</ul>")
        units = [u for u, _ in pairs if u]
        if not units and cat is not None:
            units = list(cat.units_of(cat.indicator(conflict.indicator_id)))
        for unit, value in pairs:
            if unit:
                self.ui.unitCombo.addItem(f"{unit}（{value}）", unit)
        if not pairs:
            for unit in units:
                self.ui.unitCombo.addItem(unit, unit)
        previous = conflict.resolution.get("unit") if isinstance(conflict.resolution, dict) \
            else None
        if previous:
            self.ui.unitCombo.setCurrentIndex(max(0, self.ui.unitCombo.findData(previous)))
        if conflict.reason:
            self.ui.reasonEdit.setPlainText(conflict.reason)

    def unit(self) -> str:
        return self.ui.unitCombo.currentData() or ""

    def reason(self) -> str:
        return self.ui.reasonEdit.toPlainText().strip()

    def validate(self) -> str:
        if not self.unit():
            return "请选择采用哪个单位的数据"
        if not self.reason():
            return "请填写理由：评价报告将引用该理由"
        return ""

    def apply(self) -> None:
        self.resolved.emit(int(self.conflict.id), self.unit(), self.reason())
