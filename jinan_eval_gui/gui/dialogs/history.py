"""版本记录: every version a unit sent (arrival, file, SHA-256, who accepted, what it changed),
each value's record, opening a version's file and restoring an earlier version."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView, QWidget

from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.models.history import ChangesModel, ValuesModel, VersionsModel
from jinan_eval_gui.gui.pages.base import fit_columns, setup_table
from jinan_eval_gui.gui.session import Session

from .base import FormDialog


class HistoryDialog(FormDialog):
    """Reads the round through ``workflow.versions`` (main thread, session idle); a restore
    is asked for with ``restore_requested(entity, unit, version)`` and run by the page."""

    form_name = "dialog_history"
    restore_requested = Signal(str, str, int)

    def __init__(self, session: Session, entity: str, unit: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        ui = self.ui
        self.versions = VersionsModel(self)
        self.changes = ChangesModel(self)
        self.values = ValuesModel(self)
        for view, model in ((ui.versionsTable, self.versions), (ui.changesTable, self.changes),
                            (ui.valuesTable, self.values)):
            view.setModel(model)
            setup_table(view)
        ui.versionsTable.selectionModel().currentRowChanged.connect(lambda *_: self._show_version())
        ui.versionsSplitter.setSizes([260, 200])
        entities = session.entities()
        cat = session.cat
        units = [u for u in cat.unit_names if cat.indicators_for_unit(u)] if cat else []
        for e in entities:
            for u in units:
                ui.unitCombo.addItem(f"{e} {u}" if len(entities) > 1 else u, (e, u))
        ui.unitCombo.setCurrentIndex(max(0, ui.unitCombo.findData((entity, unit))))
        ui.unitCombo.currentIndexChanged.connect(lambda _: self.reload())
        ui.indicatorCombo.currentIndexChanged.connect(lambda _: self._fill_inputs())
        ui.inputCombo.currentIndexChanged.connect(lambda _: self._show_values())
        ui.openVersionButton.clicked.connect(self.open_version)
        ui.restoreButton.clicked.connect(self._on_restore)
        self.reload()

    # -- which unit ----------------------------------------------------------------------
    def unit(self) -> tuple[str, str]:
        return self.ui.unitCombo.currentData() or ("", "")

    def reload(self) -> None:
        """Read the unit's versions and its indicators' inputs again (after a restore)."""
        entity, unit = self.unit()
        rnd = self.session.rnd
        if rnd is None or not unit:
            return
        from jinan_eval_gui.workflow import versions

        keep = self.selected()
        listed = versions.unit_versions(rnd, unit, entity=entity)
        self.versions.set_rows(listed)
        self.setWindowTitle(f"版本记录 - {unit}")
        fit_columns(self.ui.versionsTable, 320)
        row = next((n for n, v in enumerate(listed) if keep and v.number == keep.number),
                   len(listed) - 1)
        if row >= 0:
            self.ui.versionsTable.selectRow(row)
        self._show_version()
        self._fill_indicators()

    # -- versions ------------------------------------------------------------------------
    def selected(self) -> Any:
        index = self.ui.versionsTable.currentIndex()
        return self.versions.record(index.row()) if index.isValid() else None

    def select_version(self, number: int) -> None:
        for n, v in enumerate(self.versions.rows()):
            if v.number == number:
                self.ui.versionsTable.selectRow(n)

    def _show_version(self) -> None:
        v = self.selected()
        ui = self.ui
        self.changes.set_rows(v.changes if v is not None else [])
        if v is None:
            ui.changesLabel.setText("该单位尚未报送任何文件。" if not self.versions.rows() else "")
        elif v.changes:
            ui.changesLabel.setText(f"第 {v.number} 版导入时改变的数据（{len(v.changes)} 项）：")
        else:
            ui.changesLabel.setText(f"第 {v.number} 版导入时没有改变已有数据"
                                    + ("（首次报送）。" if v.number == 1 else "。"))
        fit_columns(ui.changesTable, 300)
        writable = self.session.writable and not self.session.busy
        ui.openVersionButton.setEnabled(v is not None)
        ui.restoreButton.setEnabled(writable and v is not None
                                    and v.arrival.state != "accepted")
        ui.restoreButton.setText("接受此版本…" if v is not None and v.arrival.state == "held"
                                 else "恢复为当前采用的版本…")

    @messages.guarded
    def open_version(self) -> None:
        v = self.selected()
        if v is not None:
            from jinan_eval_gui.gui.versionfiles import open_version

            open_version(self.session, v.arrival.submission_id or 0)

    def _on_restore(self) -> None:
        v = self.selected()
        if v is None:
            return
        entity, unit = self.unit()
        action = "接受" if v.arrival.state == "held" else "恢复"
        if messages.ask(self, f"把“{unit}”的第 {v.number} 版（{v.arrival.file_name}）{action}为"
                              "当前采用的版本吗？\n\n它会作为新的版本存档，当前采用的版本仍保留在版本"
                              "记录中，可以再恢复；本操作记入操作记录。"):
            self.restore_requested.emit(entity, unit, v.number)

    # -- one value's record -------------------------------------------------------------
    def _fill_indicators(self) -> None:
        cat = self.session.cat
        combo = self.ui.indicatorCombo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if cat is not None:
            for ind in cat.indicators_for_unit(self.unit()[1]):
                combo.addItem(f"{ind.id}. {ind.name}", ind.id)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
        self._fill_inputs()

    def _fill_inputs(self) -> None:
        cat = self.session.cat
        combo = self.ui.inputCombo
        combo.blockSignals(True)
        combo.clear()
        indicator = self.ui.indicatorCombo.currentData()
        if cat is not None and indicator is not None:
            for spec in cat.indicator(indicator).inputs:
                combo.addItem(spec.label, spec.key)
        combo.blockSignals(False)
        self._show_values()

    def _show_values(self) -> None:
        rnd = self.session.rnd
        indicator, key = self.ui.indicatorCombo.currentData(), self.ui.inputCombo.currentData()
        if rnd is None or indicator is None or key is None:
            self.values.set_rows([])
            return
        from jinan_eval_gui.workflow import versions

        self.values.set_rows(versions.value_history(rnd, indicator, key, entity=self.unit()[0]))
        fit_columns(self.ui.valuesTable, 300)
        self.ui.valuesTable.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Interactive)

    def show_value(self, indicator_id: int, key: str) -> None:
        """Show one input's record (indicator number, input key)."""
        self.ui.historyTabs.setCurrentWidget(self.ui.valuesTab)
        self.ui.indicatorCombo.setCurrentIndex(self.ui.indicatorCombo.findData(indicator_id))
        self.ui.inputCombo.setCurrentIndex(self.ui.inputCombo.findData(key))
