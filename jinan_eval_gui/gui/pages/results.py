"""评分结果: the score tree from workflow.score_round, each indicator's trace, 专家评分."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtWidgets import QHeaderView, QInputDialog

from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.dialogs.override import OverrideDialog
from jinan_eval_gui.gui.models.entities import EntitySelector
from jinan_eval_gui.gui.models.lastyear import LastYear, last_year_text
from jinan_eval_gui.gui.models.ranking import RankingPanel
from jinan_eval_gui.gui.models.scores import ScoreTreeModel, TraceModel, trace_rows
from jinan_eval_gui.gui.models.table import text

from .base import Page, setup_table
from .whatif import WhatIfPanel


class ResultsPage(Page):
    """Level 1 → 2 → 3 scores of one entity; the selected indicator's trace; overrides."""

    key = "results"
    title = "评分结果"
    form_name = "page_results"

    def setup(self) -> None:
        ui = self.ui
        self.tree = ScoreTreeModel(self)
        ui.scoreTree.setModel(self.tree)
        ui.scoreTree.selectionModel().currentChanged.connect(lambda *_: self._show_trace())
        self.trace = TraceModel(self)
        ui.traceTable.setModel(self.trace)
        setup_table(ui.traceTable)
        ui.traceTable.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.selector = EntitySelector(ui.entityCombo)  # grouped by parent, searchable
        ui.entityCombo.currentIndexChanged.connect(lambda _: self._show_results())
        ui.rescoreButton.clicked.connect(lambda: self.session.rescore())
        ui.overrideButton.clicked.connect(self.open_override_dialog)
        ui.clearOverrideButton.clicked.connect(self._on_clear_override)
        ui.resultsSplitter.setSizes([560, 440])
        self.last_year = LastYear(self.session)
        self.session.scores_changed.connect(self._show_results)
        self.ranking = RankingPanel(ui.detailTabs)  # 排名: sortable, within a parent
        ui.detailTabs.addTab(self.ranking, "排名")
        self.ranking.entity_chosen.connect(self.choose_entity)
        self.session.scores_changed.connect(self._show_ranking)
        self.dialog: OverrideDialog | None = None
        self.whatif = WhatIfPanel(self.session, ui.whatifTab)  # 试算: a copy, never the round
        ui.whatifTab.layout().addWidget(self.whatif)
        self.session.scores_changed.connect(self.whatif.invalidate)

    def refresh(self) -> None:
        self.selector.set_entities(self.session.entities(), self.session.entity_parents())
        self._show_results()
        self._show_ranking()

    def entity(self) -> str:
        if not self.selector.current() and self.session.rnd is not None:
            # scores arrived before this page (not shown) read the round's entities
            self.selector.set_entities(self.session.entities(), self.session.entity_parents())
        return self.selector.current()

    def choose_entity(self, entity: str) -> None:
        """Show ``entity``'s results (from the ranking table or a test)."""
        self.selector.select(entity)

    def _show_ranking(self) -> None:
        cat = self.session.cat
        names = [g.name for g in cat.level1 if g.kind == "weighted"] if cat is not None else []
        self.ranking.set_results(self.session.results, self.session.entity_parents(), names)

    def results(self) -> Any:
        return self.session.results.get(self.entity())

    def _show_results(self) -> None:
        selected = self.selected_result()
        keep = selected.id if selected is not None else None
        res = self.results()
        changes = self.last_year.changes(self.entity())  # 上年度 chosen on 概览
        self.tree.set_results(res, changes)
        tree = self.ui.scoreTree
        tree.expandToDepth(0)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 60), (2, 70), (3, 72), (4, 72), (5, 60)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
            tree.setColumnHidden(column, column >= 4 and changes is None)
        if res is None:
            self.ui.totalLabel.setText("")
        else:
            self.ui.totalLabel.setText(
                f"总分 {text(res.total)}（加权得分 {text(res.subtotal)} − 信息安全扣分 "
                f"{text(res.deductions)}）" + last_year_text(changes, self.last_year.year()))
        if keep is not None:
            self.select_indicator(keep)
        else:
            self._show_trace()

    # -- trace -------------------------------------------------------------------------
    def select_indicator(self, indicator_id: int) -> bool:
        """Select a level-3 indicator in the tree (its trace is shown); False if absent."""
        index = self.tree.index_of(lambda it: it.level == 3 and it.obj.id == indicator_id)
        if not index.isValid():
            return False
        self.ui.scoreTree.setCurrentIndex(index)
        self.ui.scoreTree.scrollTo(index)
        self._show_trace()
        return True

    def selected_result(self) -> Any:
        item = self.tree.item(self.ui.scoreTree.currentIndex())
        return item.obj if item is not None and item.level == 3 else None

    def _show_trace(self) -> None:
        result = self.selected_result()
        ui = self.ui
        if result is None:
            self.trace.set_rows([])
            ui.indicatorTitle.setText("选择左侧的三级指标，查看其计算过程")
        else:
            self.trace.set_rows(trace_rows(self.session.cat, result))
            ui.indicatorTitle.setText(
                f"{result.id}. {escape(result.name)} — {result.status_label}，"
                f"{'扣减' if result.kind == 'deduction' else '得分'} {text(result.score)}")
            ui.traceTable.resizeColumnToContents(0)
            ui.traceTable.setColumnWidth(1, min(320, max(160, ui.traceTable.columnWidth(1))))
            ui.traceTable.resizeRowsToContents()
        self.whatif.set_context(self.entity(), result)
        self.update_actions()

    def update_actions(self) -> None:
        result = self.selected_result()
        ui = self.ui
        ui.rescoreButton.setEnabled(self.idle_with_round)
        ui.overrideButton.setEnabled(self.idle_writable and result is not None)
        ui.clearOverrideButton.setEnabled(self.idle_writable and result is not None
                                          and result.status == "expert")

    # -- 专家评分 ------------------------------------------------------------------------
    def open_override_dialog(self) -> OverrideDialog | None:
        """Open the expert-score dialog for the selected indicator (non-blocking)."""
        result = self.selected_result()
        if result is None or not self.idle_writable:
            return None
        self.dialog = OverrideDialog(result, self)
        self.dialog.confirmed.connect(self._apply_override)
        self.dialog.open()
        return self.dialog

    @messages.guarded
    def _apply_override(self, indicator_id: int, score: Decimal, reason: str) -> None:
        self.session.rnd.set_override(self.entity(), indicator_id, score, reason)
        self.session.rescore()

    @messages.guarded
    def _on_clear_override(self) -> None:
        result = self.selected_result()
        if result is None:
            return
        reason, ok = QInputDialog.getText(self, "撤销专家评分",
                                          f"撤销指标 {result.id} 的专家评分，恢复按规则计分。理由：")
        if ok and reason.strip():
            self.clear_override(result.id, reason.strip())
        elif ok:
            messages.error(self.window(), "请填写撤销理由")

    def clear_override(self, indicator_id: int, reason: str) -> None:
        self.session.rnd.clear_override(self.entity(), indicator_id, reason)
        self.session.rescore()
