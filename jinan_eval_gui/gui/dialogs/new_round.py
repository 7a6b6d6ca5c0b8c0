"""新建评价轮次: year, name, evaluated entities and where to save the round file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from jinan_eval_gui.gui import settings

from .base import FormDialog

SUFFIX = ".jeval"


class NewRoundDialog(FormDialog):
    """Emits ``confirmed(path, year, name, entities)``; the session creates the round."""

    form_name = "dialog_new_round"
    confirmed = Signal(str, int, str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ui = self.ui
        ui.yearSpin.setValue(date.today().year - 1)
        ui.yearSpin.valueChanged.connect(self._on_year_changed)
        ui.browseButton.clicked.connect(self._on_browse)
        self._folder = Path(settings.last_dir("rounds"))
        self._auto_path = True
        ui.pathEdit.textEdited.connect(lambda _: setattr(self, "_auto_path", False))
        self._on_year_changed(ui.yearSpin.value())

    def _on_year_changed(self, year: int) -> None:
        self.ui.nameEdit.setPlaceholderText(f"{year}年度济南市新型智慧城市评价")
        if self._auto_path:
            self.ui.pathEdit.setText(str(self._folder / f"{year}年度评价{SUFFIX}"))

    def _on_browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "评价轮次文件保存为", self.ui.pathEdit.text(), f"评价轮次 (*{SUFFIX})",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            self._auto_path = False
            self.ui.pathEdit.setText(name)

    def path(self) -> Path:
        text = self.ui.pathEdit.text().strip()
        path = Path(text)
        return path if path.suffix.lower() == SUFFIX else path.with_name(path.name + SUFFIX)

    def entities(self) -> list[str]:
        parts = re.split(r"[\n,，、;；]+", self.ui.entitiesEdit.toPlainText())
        return list(dict.fromkeys(p.strip() for p in parts if p.strip()))

    def validate(self) -> str:
        if not self.ui.pathEdit.text().strip():
            return "请选择评价轮次文件的保存位置"
        path = self.path()
        if path.exists():
            return f"文件已存在：{path}。请换一个文件名"
        if not path.parent.is_dir():
            return f"文件夹不存在：{path.parent}"
        if not self.entities():
            return "请至少填写一个评价对象（如：济南市）"
        return ""

    def apply(self) -> None:
        settings.remember_dir("rounds", self.path().parent)
        self.confirmed.emit(str(self.path()), self.ui.yearSpin.value(),
                            self.ui.nameEdit.text().strip(), self.entities())
