"""A read-only table model over a list of records, described by columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

# Light backgrounds for states, readable with dark text in every Windows theme.
GOOD = QColor("#e3f4e6")
BAD = QColor("#fde3e1")
WARN = QColor("#fff3d6")
NOTE = QColor("#e3eefb")
MUTED = QColor("#8a8a8a")


@dataclass(frozen=True)
class Column:
    """One column: its header, the displayed value, and optionally a sort key and tooltip."""

    title: str
    value: Callable[[Any], Any]
    align: Qt.AlignmentFlag = LEFT
    sort: Callable[[Any], Any] | None = None
    tooltip: Callable[[Any], str] | None = None


def text(value: Any) -> str:
    """How a value reads in a cell: Decimals without exponent, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() \
            else format(value, "f")
    if isinstance(value, list | tuple):
        return "、".join(text(v) if v is not None else "（空）" for v in value)
    return str(value)


class RecordTableModel(QAbstractTableModel):
    """Rows are records; subclasses declare ``columns`` and may colour rows."""

    columns: Sequence[Column] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    # -- content -----------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def record(self, row: int) -> Any:
        return self._rows[row]

    # -- to override -------------------------------------------------------------------
    def background(self, record: Any, column: int) -> QColor | None:
        return None

    def foreground(self, record: Any, column: int) -> QColor | None:
        return None

    # -- Qt ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rec = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(col.value(rec))
        if role == SORT_ROLE:
            key = col.sort(rec) if col.sort else col.value(rec)
            return float(key) if isinstance(key, Decimal) else ("" if key is None else key)
        if role == RECORD_ROLE:
            return rec
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align.value) if hasattr(col.align, "value") else int(col.align)
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip(rec) if col.tooltip else text(col.value(rec)) or None
        if role == Qt.ItemDataRole.BackgroundRole:
            color = self.background(rec, index.column())
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = self.foreground(rec, index.column())
            return QBrush(color) if color is not None else None
        return None
