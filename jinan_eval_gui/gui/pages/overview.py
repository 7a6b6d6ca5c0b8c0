"""概览: the round at a glance — identity, collection progress per unit, total score."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, QStringListModel, Qt, Signal

from jinan_eval_gui.gui import settings
from jinan_eval_gui.gui.models.progress import UnitStatusModel, summary
from jinan_eval_gui.gui.models.table import SORT_ROLE, text

from .base import Page, fit_columns, setup_table


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
        ui.entitiesValue.setText("、".join(entities))
        title = self.session.cat.title if self.session.cat is not None else ""
        ui.catalogueValue.setText(f"{title}（版本 {info.catalogue_version}，"
                                  f"校验值 {info.catalogue_hash[:12]}）")
        ui.pathValue.setText(str(rnd.path))
        self.units.refresh(rnd, self.session.cat)
        ui.unitTable.setColumnHidden(UnitStatusModel.ENTITY_COLUMN, len(entities) < 2)
        fit_columns(ui.unitTable, 260)
        counts = summary(self.units.rows())
        if counts["issued"] or counts["returned"]:
            ui.summaryLabel.setText(
                f"责任单位 {counts['units']} 个 · 已下发 {counts['issued']} · "
                f"已回收 {counts['returned']} · 有错误 {counts['errors']} · "
                f"已接受且无错误 {counts['accepted']}")
        else:
            ui.summaryLabel.setText("尚未下发数据采集表：请到“模板下发”页生成并下发。")
        self._show_scores()

    def _show_scores(self) -> None:
        results = self.session.results
        if self.session.rnd is None or not results:
            self.ui.totalLabel.setText("尚未计算")
            return
        lines = []
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

    def _assumptions_line(self) -> str:
        """Whether the report is final: every 评分口径 confirmed (workflow.assumptions)."""
        from jinan_eval_gui.workflow import assumptions

        pending = assumptions.unconfirmed(assumptions.register(self.session.rnd,
                                                               self.session.cat))
        if not pending:
            return "<p>评分口径：全部已确认，评估报告为正式稿。</p>"
        return (f"<p style='color:#8a5a00'>评分口径：尚有 {len(pending)} 项待确认，"
                "评估报告为征求意见稿（见“评分口径”页）。</p>")

    def _on_recent_activated(self, index: QModelIndex) -> None:
        self.recent_requested.emit(index.data())
