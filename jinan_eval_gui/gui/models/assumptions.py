"""Models of the 评分口径 page: the assumption register and the effect of a switched choice.

Rows are the workflow's own records (``AssumptionStatus``, ``Effect``); the models only say how
they read in a table: Chinese labels, never a choice or parameter key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtGui import QColor

from .table import BAD, CENTER, GOOD, NOTE, RECORD_ROLE, RIGHT, WARN, Column, RecordTableModel, text

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue

# The workflow's states (jinan_eval_gui.workflow.assumptions), as users read them.
CONFIRMED, UNCONFIRMED, CHANGED = "已确认", "待确认", "需重新确认"
STATES = (UNCONFIRMED, CHANGED, CONFIRMED)
STATE_COLOURS = {CONFIRMED: GOOD, UNCONFIRMED: WARN, CHANGED: BAD}


def when_text(stamp: str | None) -> str:
    """An ISO time stamp as people read it: date and minutes, no zone or seconds."""
    if not stamp:
        return ""
    return stamp[:16].replace("T", " ")


def confirmation_text(status: Any) -> str:
    """确认人 and time of a confirmation (empty while never confirmed)."""
    if not status.confirmed_by:
        return ""
    return f"{status.confirmed_by} {when_text(status.confirmed_at)}".strip()


def counts(statuses: Sequence[Any]) -> dict[str, int]:
    """How many entries are in each state (every state present, zero if none)."""
    out = {state: 0 for state in STATES}
    for s in statuses:
        out[s.state] = out.get(s.state, 0) + 1
    return out


class AssumptionsModel(RecordTableModel):
    """The register: one row per assumption with its current choice and confirmation."""

    columns = (
        Column("编号", lambda s: s.assumption.id, CENTER),
        Column("类别", lambda s: s.assumption.category),
        Column("事项", lambda s: s.assumption.title, tooltip=lambda s: s.assumption.text),
        Column("当前选择", lambda s: s.choice.label),
        Column("来源", lambda s: s.origin),
        Column("状态", lambda s: s.state, CENTER),
        Column("确认人/时间", confirmation_text,
               tooltip=lambda s: f"意见：{s.note}" if s.note else confirmation_text(s) or None),
    )
    TITLE_COLUMN = 2
    STATE_COLUMN = 5

    def row_of(self, assumption_id: str) -> int:
        """The row of an assumption (-1 if absent)."""
        return next((n for n, s in enumerate(self._rows) if s.assumption.id == assumption_id), -1)

    def background(self, record: Any, column: int) -> QColor | None:
        return STATE_COLOURS.get(record.state) if column == self.STATE_COLUMN else None


class AssumptionFilterProxy(QSortFilterProxyModel):
    """Filter the register by state and category (empty = all)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._state = ""
        self._category = ""

    def set_filters(self, *, state: str = "", category: str = "") -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self._state, self._category = state, category
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._state, self._category = state, category
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        status = self.sourceModel().data(index, RECORD_ROLE)
        if self._state and status.state != self._state:
            return False
        return not self._category or status.assumption.category == self._category


# ---------------------------------------------------------------------------------------
# The effect of switching a choice (workflow.assumptions.preview)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectRow:
    """One line of the preview: an entity's total or one of its level-3 scores."""

    entity: str
    item: str
    before: Decimal
    after: Decimal
    total: bool = False

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def signed(value: Decimal) -> str:
    """A change with its sign (+0.23, −0.23, 0)."""
    if value > 0:
        return f"+{text(value)}"
    if value < 0:
        return f"−{text(-value)}"
    return "0"


def effect_rows(effects: Sequence[Any], cat: Catalogue | None) -> list[EffectRow]:
    """Each entity's total, then every level-3 score the switch changes."""
    rows = []
    for effect in effects:
        rows.append(EffectRow(effect.entity, "总分", effect.total_before, effect.total_after,
                              total=True))
        for ind_id, before, after in effect.changed:
            rows.append(EffectRow(effect.entity, _indicator_text(cat, ind_id), before, after))
    return rows


def _indicator_text(cat: Catalogue | None, ind_id: int) -> str:
    if cat is None:
        return f"指标 {ind_id}"
    try:
        ind = cat.indicator(ind_id)
    except KeyError:
        return f"指标 {ind_id}"
    kind = "（扣分）" if ind.kind == "deduction" else ""
    return f"{ind.id}. {ind.name}{kind}"


class EffectsModel(RecordTableModel):
    """Before → after and the change, per entity total and per changed indicator."""

    columns = (
        Column("评价对象", lambda r: r.entity),
        Column("项目", lambda r: r.item),
        Column("改选前", lambda r: f"{r.before:.2f}", RIGHT),  # scores always show 2 places
        Column("改选后", lambda r: f"{r.after:.2f}", RIGHT),
        Column("变化", lambda r: signed(r.delta), RIGHT),
    )

    def background(self, record: EffectRow, column: int) -> QColor | None:
        return NOTE if record.total else None
