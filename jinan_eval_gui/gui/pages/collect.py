"""数据回收: the collection month in one page — the status board of every unit (who is late, who
sent what, what is open, whom to call), importing returned files with acceptance that asks,
the findings that stay after reopening, and conflicts between units.

The page's parts live in mixins: :class:`~.returns.ImportActions` (adding, checking and
accepting files) and :class:`~.desk.DeskActions` (催报, unit directory, feedback, history, log).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QHeaderView

from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.dialogs.conflict import ConflictDialog
from jinan_eval_gui.gui.dialogs.finding import FindingDialog
from jinan_eval_gui.gui.models.imports import (
    CATEGORIES,
    ConflictsModel,
    FindingsFilterProxy,
    FindingsModel,
    detail_html,
)
from jinan_eval_gui.gui.models.progress import BoardFilter, UnitStatusModel

from .base import Page, fit_columns, setup_table
from .desk import DeskActions
from .returns import ImportActions

#: The state buttons above the board: object name → state key ("" = all).
STATE_BUTTONS = {"allStateButton": "", "notSentButton": "not_sent", "overdueButton": "overdue",
                 "pendingButton": "pending", "errorsButton": "errors",
                 "returnedButton": "returned", "acceptedButton": "accepted"}
STATE_WORDS = {"": "全部", "not_sent": "未报送", "overdue": "逾期", "pending": "已报送待检查",
               "errors": "有错误", "returned": "已反馈待更正", "accepted": "已接受"}


class CollectPage(ImportActions, DeskActions, Page):
    """Status board · import · open findings · conflicts."""

    key = "collect"
    title = "数据回收"
    form_name = "page_collect"

    def setup(self) -> None:
        ui = self.ui
        self.dialog: Any = None
        self.today: date | None = None  # the board's day (None: the computer's date)
        self.status = UnitStatusModel(self)
        self.board = BoardFilter(self)
        self.board.setSourceModel(self.status)
        ui.statusTable.setModel(self.board)
        setup_table(ui.statusTable)
        ui.statusTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        ui.statusTable.doubleClicked.connect(lambda _: self.open_history())
        for name, state in STATE_BUTTONS.items():
            getattr(ui, name).clicked.connect(lambda _=False, s=state: self.show_state(s))
        ui.allStateButton.setChecked(True)
        ui.searchEdit.textChanged.connect(lambda text: self.board.set_filters(words=text))
        ui.dueEdit.setDate(QDate.currentDate().addDays(7))
        self.setup_import()
        self.setup_desk()
        # 问题清单: the round's open findings, read when the tab is shown
        self.open_model = FindingsModel(self)
        self.open_proxy = FindingsFilterProxy(self)
        self.open_proxy.setSourceModel(self.open_model)
        ui.openTable.setModel(self.open_proxy)
        setup_table(ui.openTable)
        ui.openTable.setColumnHidden(FindingsModel.FILE, True)
        ui.openTable.selectionModel().currentRowChanged.connect(lambda *_: self._show_open())
        ui.openTable.doubleClicked.connect(lambda _: self.open_finding())
        ui.openDetailButton.clicked.connect(self.open_finding)
        ui.openFileButton.clicked.connect(self._open_finding_file)
        ui.openCategoryCombo.addItem("全部", "")
        for c in CATEGORIES:
            ui.openCategoryCombo.addItem(c, c)
        for combo in (ui.openCategoryCombo, ui.openUnitCombo):
            combo.currentIndexChanged.connect(self._filter_open)
        ui.openSplitter.setSizes([700, 300])
        self._open_stale = True
        # conflicts
        self.conflicts = ConflictsModel(self)
        ui.conflictTable.setModel(self.conflicts)
        setup_table(ui.conflictTable)
        ui.conflictTable.selectionModel().selectionChanged.connect(
            lambda *_: self.update_actions())
        ui.conflictTable.doubleClicked.connect(lambda _: self._on_resolve())
        ui.resolveButton.clicked.connect(self._on_resolve)
        ui.collectTabs.currentChanged.connect(lambda _: self._tab_changed())
        self.session.data_changed.connect(self.refresh)

    # -- state -------------------------------------------------------------------------
    def refresh(self) -> None:
        rnd, ui = self.session.rnd, self.ui
        self.status.refresh(rnd, self.session.cat, self.today)
        self._show_counts()
        many = len(self.session.entities()) > 1
        ui.statusTable.setColumnHidden(UnitStatusModel.ENTITY_COLUMN, not many)
        ui.openTable.setColumnHidden(FindingsModel.ENTITY, not many)
        ui.findingsTable.setColumnHidden(FindingsModel.ENTITY, not many)
        fit_columns(ui.statusTable, 240)
        self.conflicts.refresh(rnd, self.session.cat)
        fit_columns(ui.conflictTable, 320)
        open_count = self.conflicts.open_count()
        ui.collectTabs.setTabText(ui.collectTabs.indexOf(ui.conflictsTab),
                                  f"数据冲突（{open_count} 项待处理）" if open_count else "数据冲突")
        self._open_stale = True
        if ui.collectTabs.currentWidget() is ui.openTab or rnd is None:
            self.load_open_findings()
        if rnd is None:
            self.files.set_rows([])
            self._show_findings()

    def update_actions(self) -> None:
        self.update_import_actions()
        self.update_desk_actions()
        self.ui.resolveButton.setEnabled(self.idle_writable
                                         and self._selected_conflict() is not None)
        has_open = self.open_proxy.view_at(self.ui.openTable.currentIndex().row()) is not None
        self.ui.openDetailButton.setEnabled(has_open)
        self.ui.openFileButton.setEnabled(has_open and self.idle_with_round)

    def _tab_changed(self) -> None:
        if self.ui.collectTabs.currentWidget() is self.ui.openTab and self._open_stale:
            self.load_open_findings()

    # -- the board -----------------------------------------------------------------------
    def show_state(self, state: str) -> None:
        """Show only the units in ``state`` ("" = all), as the buttons above the board do."""
        name = next(n for n, s in STATE_BUTTONS.items() if s == state)
        getattr(self.ui, name).setChecked(True)
        self.board.set_filters(state=state)
        self.update_actions()

    def _show_counts(self) -> None:
        counts = self.status.state_counts()
        total = self.status.rowCount()
        for name, state in STATE_BUTTONS.items():
            n = counts.get(state, 0) if state else total
            getattr(self.ui, name).setText(f"{STATE_WORDS[state]} {n}")

    def selected_unit(self) -> Any:
        """The board row selected (``workflow.board.UnitRow``), or None."""
        rows = self.ui.statusTable.selectionModel().selectedRows()
        return self.board.record(rows[0].row()) if rows else None

    def select_unit(self, unit: str, entity: str | None = None) -> bool:
        """Select a unit's row on the board (shown under the current filter)."""
        for r in range(self.board.rowCount()):
            row = self.board.record(r)
            if row.unit == unit and entity in (None, row.entity):
                self.ui.statusTable.selectRow(r)
                return True
        return False

    def board_rows(self) -> list[Any]:
        """The board rows as shown (filter and sort applied)."""
        return [self.board.record(r) for r in range(self.board.rowCount())]

    # -- open findings (问题清单) ----------------------------------------------------------
    def load_open_findings(self) -> None:
        """The round's open findings (``workflow.findings.open_findings``)."""
        rnd = self.session.rnd
        self._open_stale = False
        views = []
        if rnd is not None and not (self.session.busy and rnd is not None):
            from jinan_eval_gui.workflow import findings

            views = findings.open_findings(rnd, self.session.cat)
        elif rnd is not None:
            self._open_stale = True
        self.open_model.set_rows(views)
        combo = self.ui.openUnitCombo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("全部", "")
        for unit in dict.fromkeys(v.unit for v in views):
            combo.addItem(unit, unit)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)
        self._filter_open()
        fit_columns(self.ui.openTable, 260)
        self.ui.openTable.horizontalHeader().setSectionResizeMode(
            len(FindingsModel.columns) - 1, QHeaderView.ResizeMode.Stretch)

    def _filter_open(self) -> None:
        ui = self.ui
        self.open_proxy.set_filters(category=ui.openCategoryCombo.currentData() or "",
                                    unit=ui.openUnitCombo.currentData() or "")
        shown, total = self.open_proxy.rowCount(), self.open_model.rowCount()
        ui.openCount.setText(f"显示 {shown} / {total} 条" if total else "没有待处理的问题")
        self._show_open()

    def _show_open(self) -> None:
        view = self.open_proxy.view_at(self.ui.openTable.currentIndex().row())
        self.ui.openDetail.setHtml(detail_html(view))
        self.update_actions()

    def open_finding(self) -> FindingDialog | None:
        """The details of the open finding selected, with a button to open its file."""
        view = self.open_proxy.view_at(self.ui.openTable.currentIndex().row())
        if view is None or self.session.rnd is None:
            return None
        if view.id is not None and not self.session.busy:
            from jinan_eval_gui.workflow import findings

            view = findings.finding_detail(self.session.rnd, view.id, self.session.cat)
        return self.show_finding(view, lambda: self._open_stored(view))

    def show_finding(self, view: Any, open_file: Any) -> FindingDialog:
        self.dialog = FindingDialog(view, open_file, self)
        self.dialog.open()
        return self.dialog

    def _open_finding_file(self) -> None:
        view = self.open_proxy.view_at(self.ui.openTable.currentIndex().row())
        if view is not None:
            self._open_stored(view)

    @messages.guarded
    def _open_stored(self, view: Any) -> None:
        from jinan_eval_gui.gui.versionfiles import open_version

        if view.submission_id is not None:
            open_version(self.session, view.submission_id)

    # -- conflicts -----------------------------------------------------------------------
    def _selected_conflict(self) -> Any:
        rows = self.ui.conflictTable.selectionModel().selectedRows()
        return self.conflicts.record(rows[0].row()) if rows else None

    def _on_resolve(self) -> None:
        conflict = self._selected_conflict()
        if conflict is None or not self.idle_writable:
            return
        self.dialog = ConflictDialog(conflict, self.session.cat, self)
        self.dialog.resolved.connect(self._apply_resolution)
        self.dialog.open()

    @messages.guarded
    def _apply_resolution(self, conflict_id: int, unit: str, reason: str) -> None:
        self.session.rnd.resolve_conflict(conflict_id, {"unit": unit}, reason)
        self.session.notify_data_changed()

