"""操作记录: the round's operation log (``workflow.oplog``), filtered by action and unit."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHeaderView, QWidget

from jinan_eval_gui.gui.models.history import LogModel
from jinan_eval_gui.gui.models.table import SORT_ROLE
from jinan_eval_gui.gui.pages.base import fit_columns, setup_table
from jinan_eval_gui.gui.session import Session

from .base import FormDialog


class OperationLogDialog(FormDialog):
    """Reads the log on the main thread (session idle); filters re-read it."""

    form_name = "dialog_oplog"

    def __init__(self, session: Session, parent: QWidget | None = None, *,
                 unit: str = "") -> None:
        super().__init__(parent)
        self.session = session
        ui = self.ui
        self.model = LogModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        ui.logTable.setModel(self.proxy)
        setup_table(ui.logTable)
        ui.logTable.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        ui.logTable.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        ui.logSplitter.setSizes([380, 100])
        from jinan_eval_gui.workflow.oplog import ACTION_LABELS

        ui.actionCombo.addItem("全部", None)
        for key, label in ACTION_LABELS.items():
            ui.actionCombo.addItem(label, key)
        ui.unitCombo.addItem("全部", None)
        cat = session.cat
        for name in (cat.unit_names if cat is not None else []):
            if cat.indicators_for_unit(name):
                ui.unitCombo.addItem(name, name)
        ui.unitCombo.setCurrentIndex(_index(ui.unitCombo, unit))
        for combo in (ui.actionCombo, ui.unitCombo):
            combo.currentIndexChanged.connect(lambda _: self.reload())
        ui.detailCheck.toggled.connect(lambda _: self.reload())
        self.reload()

    def set_filters(self, *, action: str | None = None, unit: str | None = None,
                    detail: bool | None = None) -> None:
        """Choose the filters as a person would in the combo boxes."""
        ui = self.ui
        if action is not None:
            ui.actionCombo.setCurrentIndex(_index(ui.actionCombo, action))
        if unit is not None:
            ui.unitCombo.setCurrentIndex(_index(ui.unitCombo, unit))
        if detail is not None:
            ui.detailCheck.setChecked(detail)

    def reload(self) -> None:
        rnd = self.session.rnd
        if rnd is None:
            self.model.set_rows([])
            return
        from jinan_eval_gui.workflow import oplog

        ui = self.ui
        entries = oplog.operation_log(rnd, action=ui.actionCombo.currentData(),
                                      unit=ui.unitCombo.currentData(),
                                      detail=ui.detailCheck.isChecked())
        self.model.set_rows(entries)
        ui.countLabel.setText(f"共 {len(entries)} 条")
        fit_columns(ui.logTable, 260)
        ui.logTable.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self._show_detail()

    def entries(self) -> list[Any]:
        """The entries shown, in the order shown."""
        return [self.model.record(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def _show_detail(self) -> None:
        index = self.ui.logTable.currentIndex()
        if not index.isValid():
            self.ui.detailBrowser.clear()
            return
        e = self.model.record(self.proxy.mapToSource(index).row())
        lines = [("时间", e.time), ("操作人", e.actor), ("操作", e.label), ("内容", e.summary),
                 ("涉及单位", "、".join(e.units))]
        self.ui.detailBrowser.setHtml("".join(
            f"<p style='margin:2px 0'><b>{escape(k)}：</b>{escape(v)}</p>" for k, v in lines if v))


def _index(combo: Any, data: str) -> int:
    """The item holding ``data``; "" is the first item (全部)."""
    return next((i for i in range(1, combo.count()) if data and combo.itemData(i) == data), 0)
