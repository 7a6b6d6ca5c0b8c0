"""The ranking of a round's entities: a sortable table, filtered to one parent if wished.

Ranks are the report's: by total, highest first, ties sharing a rank, over all entities and
within each parent (:mod:`jinan_eval_gui.scoring.ranking`). Every column sorts by its
value (numbers as numbers), in Qt's proxy model, so sorting 150 rows never touches the round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from jinan_eval_gui.scoring.ranking import group_ranks, ranks

from .table import CENTER, RECORD_ROLE, SORT_ROLE, Column, RecordTableModel

ALL_GROUPS = "全部评价对象"


@dataclass(frozen=True)
class RankRow:
    entity: str
    parent: str
    rank: int
    group_rank: int | None
    total: Decimal
    level1: tuple[Decimal | None, ...]


def ranking_rows(results: Mapping[str, Any], parents: Mapping[str, str]) -> list[RankRow]:
    """One row per entity with a result, in rank order."""
    totals = {e: r.total for e, r in results.items()}
    groups = group_ranks(totals, parents)
    overall = ranks(totals)
    rows = []
    for entity, res in results.items():
        rank = overall[entity]
        scores = tuple(g.score for g in res.level1 if g.kind == "weighted")
        rows.append(RankRow(entity, parents.get(entity, ""), rank,
                            groups[entity][1] if entity in groups else None, res.total, scores))
    rows.sort(key=lambda r: r.rank)
    return rows


class RankingModel(RecordTableModel):
    """Columns: 名次, 评价对象, 所属上级, 上级内名次, 总分, then each weighted level-1."""

    def set_ranking(self, rows: list[RankRow], level1_names: list[str]) -> None:
        base = [
            Column("名次", lambda r: r.rank, CENTER),
            Column("评价对象", lambda r: r.entity),
            Column("所属上级", lambda r: r.parent),
            Column("上级内名次", lambda r: r.group_rank, CENTER,
                   sort=lambda r: r.group_rank if r.group_rank is not None else 10**6),
            Column("总分", lambda r: r.total, CENTER),
        ]
        extra = [Column(name, lambda r, i=i: r.level1[i] if i < len(r.level1) else None, CENTER,
                        sort=lambda r, i=i: r.level1[i] if i < len(r.level1)
                        and r.level1[i] is not None else Decimal(-1))
                 for i, name in enumerate(level1_names)]
        self.beginResetModel()
        self.columns = base + extra
        self._rows = list(rows)
        self.endResetModel()


class RankingPanel(QWidget):
    """The 排名 tab: a parent filter and the sortable table; double-click opens an entity."""

    entity_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(QLabel("范围：", self))
        self.group = QComboBox(self)
        self.group.setObjectName("rankingGroup")
        self.group.setMinimumWidth(140)
        top.addWidget(self.group)
        self.note = QLabel("", self)
        top.addWidget(self.note, 1)
        layout.addLayout(top)
        self.model = RankingModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(2)
        self.table = QTableView(self)
        self.table.setObjectName("rankingTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAccessibleName("排名表")
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table, 1)
        self.group.currentIndexChanged.connect(self._filter)

    def set_results(self, results: Mapping[str, Any], parents: Mapping[str, str],
                    level1_names: list[str]) -> None:
        rows = ranking_rows(results, parents)
        self.model.set_ranking(rows, level1_names)
        groups = sorted({r.parent for r in rows if r.parent})
        current = self.group.currentText()
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(ALL_GROUPS)
        self.group.addItems(groups)
        self.group.setCurrentIndex(max(0, self.group.findText(current)))
        self.group.setVisible(bool(groups))
        self.group.blockSignals(False)
        self._filter()
        self.table.setColumnWidth(1, 120)

    def _filter(self) -> None:
        group = self.group.currentText()
        self.proxy.setFilterFixedString("" if group in ("", ALL_GROUPS) else group)
        shown = self.proxy.rowCount()
        self.note.setText(f"共 {shown} 个评价对象；点击列标题排序，双击查看该评价对象")

    def _open(self, index: Any) -> None:
        record = self.proxy.data(index, RECORD_ROLE)
        if record is not None:
            self.entity_chosen.emit(record.entity)
