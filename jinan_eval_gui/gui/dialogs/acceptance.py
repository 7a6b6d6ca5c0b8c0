"""Acceptance that asks: files with errors, and resends worse than the version they replace,
shown side by side with that version (findings before and after, values that change) before
the user accepts each one or keeps it as a version not accepted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QHeaderView, QWidget

from jinan_eval_gui.gui.models.desk import FindingListModel, VerdictModel
from jinan_eval_gui.gui.models.history import ChangesModel
from jinan_eval_gui.gui.pages.base import fit_columns, setup_table

from .base import FormDialog

ASKING = ("以下 {n} 个文件有错误，或比该单位已接受的版本更差。请逐个查看并勾选仍要接受的文件；"
          "未勾选的文件不会进入评分，但作为“未接受”的版本保留在版本记录中，可生成反馈表退回，"
          "以后也可在版本记录中恢复（接受）。")
VIEWING = "所选文件与该单位已接受的版本并排对比：左边是已接受版本的问题，中间是本文件的问题，右边是接受后会改变的数据。"


class AcceptDialog(FormDialog):
    """Asking (``asking``): emits ``confirmed(paths accepted)``; else a comparison to look at."""

    form_name = "dialog_accept"
    confirmed = Signal(list)

    def __init__(self, verdicts: list[Any], parent: QWidget | None = None, *,
                 asking: bool = True) -> None:
        super().__init__(parent)
        ui = self.ui
        self.asking = asking
        self.verdicts = VerdictModel(self)
        self.verdicts.asking = asking
        self.verdicts.set_rows(verdicts)
        ui.verdictTable.setModel(self.verdicts)
        setup_table(ui.verdictTable)
        self.old = FindingListModel(self)
        self.new = FindingListModel(self)
        self.changes = ChangesModel(self)
        for view, model in ((ui.oldTable, self.old), (ui.newTable, self.new),
                            (ui.changesTable, self.changes)):
            view.setModel(model)
            setup_table(view)
        ui.verdictTable.selectionModel().currentRowChanged.connect(lambda *_: self._show())
        ui.compareSplitter.setSizes([300, 300, 340])
        box = ui.buttonBox
        if asking:
            self.setWindowTitle("接受有错误的文件")
            ui.introLabel.setText(ASKING.format(n=len(verdicts)))
            box.button(QDialogButtonBox.StandardButton.Ok).setText("按所选导入")
            box.button(QDialogButtonBox.StandardButton.Cancel).setText("取消导入")
        else:
            self.setWindowTitle("与已接受的版本对比")
            ui.introLabel.setText(VIEWING)
            box.setStandardButtons(QDialogButtonBox.StandardButton.Close)
            box.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
            ui.verdictTable.setColumnHidden(0, True)
        fit_columns(ui.verdictTable, 320)
        ui.verdictTable.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        if verdicts:
            ui.verdictTable.selectRow(0)
        self._show()

    def current(self) -> Any:
        index = self.ui.verdictTable.currentIndex()
        return self.verdicts.record(index.row()) if index.isValid() else None

    def choose(self, row: int, accepted: bool = True) -> None:
        """Tick (or untick) the file in ``row`` (what a click on its check box does)."""
        self.verdicts.set_accepted(row, accepted)

    def _show(self) -> None:
        v = self.current()
        ui = self.ui
        if v is None:
            for model in (self.old, self.new, self.changes):
                model.set_rows([])
            ui.questionLabel.setText("")
            return
        ui.questionLabel.setText(v.question or (
            f"“{v.path.name}”没有错误，接受后将替换已接受的版本。" if v.replaces else
            f"“{v.path.name}”是该单位首次报送的文件。"))
        old = v.replaces
        if old is None:
            ui.oldBox.setTitle("已接受的版本")
            ui.oldCounts.setText("该单位还没有已接受的版本。")
            self.old.set_rows([])
        else:
            ui.oldBox.setTitle(f"已接受的第 {old.version} 版")
            ui.oldCounts.setText(f"{old.file_name}：错误 {old.errors} 处、警告 {old.warnings} 处")
            self.old.set_rows([f for f in old.findings if not _gate_note(f)])
        ui.newCounts.setText(f"{v.path.name}：错误 {v.errors} 处、警告 {v.warnings} 处"
                             + ("（更差）" if v.worse else ""))
        self.new.set_rows([f for f in v.findings if not _gate_note(f)])
        self.changes.set_rows(v.changes)
        ui.changesBox.setTitle(f"接受后会改变的数据（{len(v.changes)} 项）" if v.changes
                               else "接受后会改变的数据（无）")
        for view in (ui.oldTable, ui.newTable):  # the message stretches; in full as tooltip
            view.setColumnHidden(2, True)
            fit_columns(view, 110)
            view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        fit_columns(ui.changesTable, 150)

    def apply(self) -> None:
        self.confirmed.emit(self.verdicts.accepted_paths())


def _gate_note(finding: Any) -> bool:
    from jinan_eval_gui.collect.acceptance import is_gate_note

    return is_gate_note(finding)
