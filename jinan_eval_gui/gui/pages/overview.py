"""概览: the round at a glance — identity, collection progress per unit, total score."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QFileDialog

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.models.progress import UnitStatusModel, summary
from jinan_eval_gui.gui.models.table import SORT_ROLE, text

from .base import Page, fit_columns, setup_table

#: Beyond this many entities the overview shows their spread rather than a line each.
MANY_ENTITIES = 12


class OverviewPage(Page):
    """Welcome (no round open) or the round's overview."""

    key = "overview"
    title = "概览"
    form_name = "page_overview"
    needs_round = False

    new_requested = Signal()
    open_requested = Signal()
    recent_requested = Signal(str)

    def setup(self) -> None:
        ui = self.ui
        self.units = UnitStatusModel(self)
        self._sorted = QSortFilterProxyModel(self)
        self._sorted.setSourceModel(self.units)
        self._sorted.setSortRole(SORT_ROLE)
        ui.unitTable.setModel(self._sorted)
        setup_table(ui.unitTable)
        self.recent = QStringListModel(self)
        ui.recentList.setModel(self.recent)
        ui.newRoundButton.clicked.connect(self.new_requested)
        ui.openRoundButton.clicked.connect(self.open_requested)
        ui.recentList.activated.connect(self._on_recent_activated)
        ui.chooseCompareButton.clicked.connect(self._on_choose_comparison)
        ui.clearCompareButton.clicked.connect(self.clear_comparison)
        self.session.data_changed.connect(self.refresh)
        self.session.scores_changed.connect(self._show_scores)

    def refresh(self) -> None:
        rnd = self.session.rnd
        ui = self.ui
        if rnd is None:
            ui.overviewStack.setCurrentWidget(ui.welcomePage)
            self.recent.setStringList(settings.recent_files())
            self.units.refresh(None)
            return
        ui.overviewStack.setCurrentWidget(ui.roundPage)
        info = rnd.info
        ui.nameValue.setText(info.name + ("（只读）" if rnd.readonly else ""))
        ui.yearValue.setText(f"{info.year} 年度")
        entities = rnd.list_entities()
        ui.entitiesValue.setText("、".join(entities) if len(entities) <= MANY_ENTITIES else
                                 f"{'、'.join(entities[:MANY_ENTITIES])} 等 {len(entities)} 个")
        title = self.session.cat.title if self.session.cat is not None else ""
        ui.catalogueValue.setText(f"{title}（版本 {info.catalogue_version}，"
                                  f"校验值 {info.catalogue_hash[:12]}）")
        ui.pathValue.setText(str(rnd.path))
        self._show_comparison()
        self.units.refresh(rnd, self.session.cat)
        ui.unitTable.setColumnHidden(UnitStatusModel.ENTITY_COLUMN, len(entities) < 2)
        fit_columns(ui.unitTable, 260)
        if any(r.issued or r.arrivals for r in self.units.rows()):
            ui.summaryLabel.setText(summary(self.units))  # the board's counts per state
        else:
            ui.summaryLabel.setText("尚未下发数据采集表：请到“模板下发”页生成并下发。")
        self._show_scores()

    def _show_scores(self) -> None:
        results = self.session.results
        if self.session.rnd is None or not results:
            self.ui.totalLabel.setText("尚未计算")
            return
        lines = []
        if len(results) > MANY_ENTITIES:  # a province-wide round: the spread, not every line
            lines.append(self._spread(results))
            results = {}
        for entity, res in results.items():
            statuses = [r.status for r in res.indicators.values()]
            missing = statuses.count("missing")
            invalid = statuses.count("invalid")
            lines.append(
                f"<p><b>{entity}</b>：总分 <span style='font-size:18pt; font-weight:bold'>"
                f"{text(res.total)}</span><br>加权得分 {text(res.subtotal)}，"
                f"信息安全扣分 {text(res.deductions)}<br>"
                f"缺报 {missing} 项，数据有误 {invalid} 项（共 {len(statuses)} 项三级指标）</p>")
        lines.append(self._assumptions_line())
        self.ui.totalLabel.setText("".join(lines))
        self.ui.totalLabel.setTextFormat(Qt.TextFormat.RichText)

    @staticmethod
    def _spread(results: dict[str, Any]) -> str:
        """Many entities: their count, mean, best and worst total (the ranking is on 评分结果)."""
        totals = {e: r.total for e, r in results.items()}
        best, worst = max(totals, key=totals.__getitem__), min(totals, key=totals.__getitem__)
        mean = sum(totals.values()) / len(totals)
        return (f"<p><b>{len(totals)} 个评价对象</b>：总分平均 "
                f"<span style='font-size:18pt; font-weight:bold'>{text(round(mean, 2))}</span>"
                f"<br>最高 {escape(best)} {text(totals[best])}，最低 {escape(worst)} "
                f"{text(totals[worst])}（排名见“评分结果”页的“排名”）</p>")

    def _assumptions_line(self) -> str:
        """Whether the report is final: every 评分口径 confirmed (workflow.assumptions)."""
        from jinan_eval_gui.workflow import assumptions

        pending = assumptions.unconfirmed(assumptions.register(self.session.rnd,
                                                               self.session.cat))
        if not pending:
            return "<p>评分口径：全部已确认，评估报告为正式稿。</p>"
        return (f"<p style='color:#8a5a00'>评分口径：尚有 {len(pending)} 项待确认，"
                "评估报告为征求意见稿（见“评分口径”页）。</p>")

    # -- 上年度: the round compared with, chosen once -------------------------------------
    def _show_comparison(self) -> None:
        from jinan_eval_gui.workflow import comparison

        rnd, ui = self.session.rnd, self.ui
        link = comparison.comparison(rnd)
        if link is None:
            ui.compareValue.setText("未选择")
            ui.compareValue.setToolTip("选择上一年度的评价轮次后，导入时检查与上年相比变化过大的"
                                       "数据，评分结果显示上年得分和变化")
            ui.compareValue.setStyleSheet("color: #666666;")
        else:  # one line; the path, or why the file cannot be used, in full as the tooltip
            problem = comparison.comparison_problem(rnd)
            ui.compareValue.setText(f"{link.name}（{link.year} 年度）"
                                    + ("：现在无法使用，请重新选择" if problem else ""))
            ui.compareValue.setToolTip(problem or link.path)
            ui.compareValue.setStyleSheet("color: #b00020;" if problem else "")
        self.update_actions()

    def update_actions(self) -> None:
        ui = self.ui
        ui.chooseCompareButton.setEnabled(self.idle_writable)
        has = self.session.rnd is not None and "未选择" not in ui.compareValue.text()
        ui.clearCompareButton.setEnabled(self.idle_writable and has)

    def _on_choose_comparison(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择上一年度的评价轮次",
                                              settings.last_dir("rounds"),
                                              "评价轮次 (*.jeval);;所有文件 (*)")
        if name:
            self.choose_comparison(Path(name))

    @messages.guarded
    def choose_comparison(self, path: Path) -> None:
        """Remember ``path`` as the round compared with (refused unless an earlier year)."""
        from jinan_eval_gui.workflow import comparison

        link = comparison.set_comparison(self.session.rnd, path)
        self.session.status.emit(f"已选定 {link.year} 年度评价轮次用于同比")
        self.session.notify_data_changed()  # rescored: 评分结果 shows last year beside

    @messages.guarded
    def clear_comparison(self) -> None:
        from jinan_eval_gui.workflow import comparison

        comparison.clear_comparison(self.session.rnd)
        self.session.notify_data_changed()

    def _on_recent_activated(self, index: QModelIndex) -> None:
        self.recent_requested.emit(index.data())
