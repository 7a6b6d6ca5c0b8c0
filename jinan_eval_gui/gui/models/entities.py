"""The entity selector: every evaluated entity, grouped under its parent, searchable by typing.

A province-wide round has about 150 entities in two levels (市 → 区县). The combo box lists
them in the round's order with each entity's children indented below it; a parent that is not
itself an entity gets a greyed heading of its own. The box is editable: typing shows the
entities whose name contains the text (a completer over the names only), and choosing one
selects it. The entity's name is the item's data (:data:`ENTITY_ROLE`), never the shown text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSignalBlocker, QStringListModel, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter

ENTITY_ROLE = Qt.ItemDataRole.UserRole + 10
_INDENT = "\u3000"  # an ideographic space: the child's name starts one character in


def grouped(entities: Sequence[str], parents: Mapping[str, str]) -> list[tuple[str, str, int]]:
    """``(shown text, entity or "" for a heading, depth)`` in selector order: entities without
    a parent in round order, each followed by its children (and theirs); a parent that is not
    an entity as a heading (where its first child would be), followed by its children."""
    children: dict[str, list[str]] = {}
    for entity in entities:
        parent = parents.get(entity)
        if parent is not None:
            children.setdefault(parent, []).append(entity)
    known = set(entities)
    rows: list[tuple[str, str, int]] = []
    seen: set[str] = set()

    def emit(entity: str, depth: int) -> None:
        if entity in seen:  # parents in a loop: each entity is listed once
            return
        seen.add(entity)
        kids = children.get(entity, [])
        shown = f"{entity}（含 {len(kids)} 个下级）" if kids else entity
        rows.append((_INDENT * depth + shown, entity, depth))
        for kid in kids:
            emit(kid, depth + 1)

    headings: set[str] = set()
    for entity in entities:
        parent = parents.get(entity)
        if parent is None:
            emit(entity, 0)
        elif parent not in known and parent not in headings:
            headings.add(parent)
            rows.append((f"{parent}（{len(children[parent])}）", "", 0))
            for kid in children[parent]:
                emit(kid, 1)
    for entity in entities:  # only entities whose parents form a loop are left
        emit(entity, 0)
    return rows


class EntitySelector:
    """Turns a QComboBox of a page into the grouped, searchable selector (see module doc)."""

    def __init__(self, combo: QComboBox) -> None:
        self.combo = combo
        self.model = QStandardItemModel(combo)
        combo.setModel(self.model)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setMaxVisibleItems(25)
        combo.lineEdit().setPlaceholderText("输入名称查找")
        self.names = QStringListModel(combo)
        completer = QCompleter(self.names, combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.activated.connect(self.select)
        combo.setCompleter(completer)
        combo.lineEdit().editingFinished.connect(self._typed)
        combo.currentIndexChanged.connect(self._show)
        self._rows: dict[str, int] = {}

    def set_entities(self, entities: Sequence[str], parents: Mapping[str, str]) -> None:
        """Fill the list (keeping the current entity when it is still there), no signal."""
        current = self.current()
        heading = QFont(self.combo.font())
        heading.setBold(True)
        with QSignalBlocker(self.combo):
            self.model.clear()
            self._rows = {}
            for shown, entity, _depth in grouped(entities, parents):
                item = QStandardItem(shown)
                item.setData(entity, ENTITY_ROLE)
                if not entity:
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    item.setFont(heading)
                else:
                    self._rows[entity] = self.model.rowCount()
                self.model.appendRow(item)
            self.names.setStringList(list(entities))
            row = self._rows.get(current, min(self._rows.values(), default=-1))
            self.combo.setCurrentIndex(row)
            self._show(row)

    def current(self) -> str:
        """The selected entity's name ("" when none)."""
        return self.combo.currentData(ENTITY_ROLE) or ""

    def select(self, entity: str) -> bool:
        """Select ``entity`` (emits the combo's currentIndexChanged); False if unknown."""
        row = self._rows.get(entity)
        if row is None:
            return False
        self.combo.setCurrentIndex(row)
        self._show(row)
        return True

    def _show(self, row: int) -> None:
        """The edit field shows the entity's plain name (not the indent or child count)."""
        item = self.model.item(row) if row >= 0 else None
        entity = item.data(ENTITY_ROLE) if item is not None else ""
        if self.combo.lineEdit().text() != (entity or ""):
            self.combo.lineEdit().setText(entity or "")

    def _typed(self) -> None:
        """Enter in the field: an exact name selects it; anything else restores the name."""
        text = self.combo.lineEdit().text().strip()
        if not self.select(text):
            self._show(self.combo.currentIndex())
