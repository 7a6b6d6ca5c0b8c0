"""A read-only tree model over nested records (catalogue and score trees)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from .table import RECORD_ROLE, text

Index = QModelIndex | QPersistentModelIndex


@dataclass(eq=False)
class Node:
    """One row of the tree: an item, its children and where it sits."""

    item: Any
    parent: Node | None = None
    row: int = 0
    children: list[Node] = field(default_factory=list)

    def add(self, item: Any) -> Node:
        child = Node(item, self, len(self.children))
        self.children.append(child)
        return child

    def walk(self) -> Iterable[Node]:
        for child in self.children:
            yield child
            yield from child.walk()


class NodeTreeModel(QAbstractItemModel):
    """Subclasses set ``headers`` and implement :meth:`cell` (and optionally colours)."""

    headers: Sequence[str] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = Node(None)

    # -- content -----------------------------------------------------------------------
    def set_root(self, root: Node) -> None:
        self.beginResetModel()
        self._root = root
        self.endResetModel()

    def nodes(self) -> Iterable[Node]:
        return self._root.walk()

    def index_of(self, predicate: Any) -> QModelIndex:
        """The first index whose item satisfies ``predicate`` (invalid if none)."""
        for node in self._root.walk():
            if predicate(node.item):
                return self.createIndex(node.row, 0, node)
        return QModelIndex()

    def item(self, index: Index) -> Any:
        return index.internalPointer().item if index.isValid() else None

    # -- to override -------------------------------------------------------------------
    def cell(self, item: Any, column: int) -> Any:
        raise NotImplementedError

    def tooltip(self, item: Any, column: int) -> str | None:
        return None

    def background(self, item: Any, column: int) -> QColor | None:
        return None

    def foreground(self, item: Any, column: int) -> QColor | None:
        return None

    def bold(self, item: Any) -> bool:
        return False

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    # -- Qt ----------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = parent.internalPointer() if parent.isValid() else self._root
        if 0 <= row < len(node.children) and 0 <= column < len(self.headers):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: Index | None = None) -> Any:  # type: ignore[override]
        if index is None:
            return super().parent()
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer().parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = parent.internalPointer() if parent.isValid() else self._root
        return len(node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = index.internalPointer().item
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return text(self.cell(item, column))
        if role == RECORD_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self.alignment(column).value)
        if role == Qt.ItemDataRole.BackgroundRole:
            color = self.background(item, column)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = self.foreground(item, column)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.FontRole and self.bold(item):
            font = QFont()
            font.setBold(True)
            return font
        return None
