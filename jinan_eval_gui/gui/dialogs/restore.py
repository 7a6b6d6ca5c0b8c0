"""从自动备份恢复: pick one of the round's automatic backups (newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QListWidgetItem, QWidget

from .base import FormDialog


class RestoreDialog(FormDialog):
    """Lists ``backups`` (records with ``path``, ``label`` and ``size``); emits
    ``confirmed(backup_path)`` for the chosen one."""

    form_name = "dialog_restore"
    confirmed = Signal(str)

    def __init__(self, round_path: Path, backups: Sequence[Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backups = list(backups)
        ui = self.ui
        ui.infoLabel.setText(f"评价轮次文件：<b>{escape(round_path.name)}</b><br>"
                             f"共 {len(self.backups)} 个自动备份（每次导入和导出前自动建立），"
                             "请选择要恢复到的备份：")
        for backup in self.backups:
            item = QListWidgetItem(f"{backup.label}　（{backup.size / 1024:.0f} KB）")
            item.setToolTip(str(backup.path))
            ui.backupList.addItem(item)
        if self.backups:
            ui.backupList.setCurrentRow(0)
        ui.backupList.itemDoubleClicked.connect(lambda _item: self._on_ok())

    def chosen(self) -> Any | None:
        row = self.ui.backupList.currentRow()
        return self.backups[row] if 0 <= row < len(self.backups) else None

    def validate(self) -> str:
        return "" if self.chosen() is not None else "请先选择一个备份"

    def apply(self) -> None:
        self.confirmed.emit(str(self.chosen().path))
