"""Models over the catalogue: the 8/26/88 tree, the round parameters, the unit checklist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from jinan_eval_gui.catalogue.rules import wording

from .table import NOTE, RIGHT, Column, Index, RecordTableModel, text
from .tree import Node, NodeTreeModel

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue


def weight_text(weight: Decimal | None) -> str:
    return "—" if weight is None else f"{text(weight)}%"


@dataclass(frozen=True)
class CatItem:
    """A node of the catalogue tree: level 1, 2 or 3 and the catalogue object."""

    level: int
    obj: Any


def units_text(cat: Catalogue, ind: Any) -> str:
    return "各有关部门" if ind.all_units else "、".join(cat.units_of(ind))


class CatalogueTreeModel(NodeTreeModel):
    """一级 → 二级 → 三级 indicators with weights and responsible units."""

    headers = ("指标", "权重", "责任单位")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cat: Catalogue | None = None

    def set_catalogue(self, cat: Catalogue | None) -> None:
        self.cat = cat
        root = Node(None)
        if cat is not None:
            for l1 in cat.level1:
                n1 = root.add(CatItem(1, l1))
                for l2 in cat.level2_of(l1.id):
                    n2 = n1.add(CatItem(2, l2))
                    for ind in cat.indicators_of(l2.id):
                        n2.add(CatItem(3, ind))
        self.set_root(root)

    def cell(self, item: CatItem, column: int) -> Any:
        obj = item.obj
        if column == 0:
            return f"{obj.id}. {obj.name}" if item.level == 3 else obj.name
        if column == 1:
            if item.level == 1 and obj.kind == "deduction":
                return "扣分制"
            if item.level == 3 and obj.kind == "deduction":
                return "扣分项"
            return weight_text(obj.weight)
        if column == 2 and item.level == 3 and self.cat is not None:
            return units_text(self.cat, obj)
        return ""

    def tooltip(self, item: CatItem, column: int) -> str | None:
        return self.cell(item, column) or None

    def bold(self, item: CatItem) -> bool:
        return item.level == 1


# ---------------------------------------------------------------------------------------
# Round parameters
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParamRow:
    """A round parameter: its default, the round's value and the bounds it must keep."""

    key: str
    label: str
    default: Decimal
    value: Decimal
    min: Decimal | None
    max: Decimal | None
    hint: str

    @property
    def changed(self) -> bool:
        return self.value != self.default

    @property
    def bounds_text(self) -> str:
        lo = "" if self.min is None else text(self.min)
        hi = "" if self.max is None else text(self.max)
        if lo and hi:
            return f"{lo} ~ {hi}"
        return f"≥ {lo}" if lo else (f"≤ {hi}" if hi else "任意数值")


def param_rows(cat: Catalogue, values: dict[str, Any]) -> list[ParamRow]:
    """Global parameters (bounds from the catalogue), then each indicator's (numbers ≥ 0)."""
    rows = []
    for p in cat.parameters:
        rows.append(ParamRow(p.key, p.label, p.default, _dec(values.get(p.key), p.default),
                             p.min, p.max, p.hint))
    for ind in cat.indicators:
        for name, default in ind.params.items():
            key = f"{ind.id}.{name}"
            rows.append(ParamRow(key, f"指标 {ind.id}：{wording.param_label(ind, name)}", default,
                                 _dec(values.get(key), default), Decimal(0), None,
                                 f"{ind.id}. {ind.name}\n{ind.assumption}"))
    return rows


def _dec(value: Any, default: Decimal) -> Decimal:
    if value is None:
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def parse_param(row: ParamRow, entered: str) -> Decimal:
    """The number typed for ``row``; ValueError with a Chinese message if unusable."""
    raw = entered.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"“{raw}”不是数字，请输入数值（如 10 或 0.5）") from None
    if not value.is_finite():
        raise ValueError(f"“{raw}”不是有效的数值")
    if (row.min is not None and value < row.min) or (row.max is not None and value > row.max):
        raise ValueError(f"“{row.label}”的取值范围为 {row.bounds_text}，不能为 {raw}")
    return value


def json_number(value: Decimal) -> int | float:
    """The value as stored in the round's parameters (JSON number)."""
    return int(value) if value == value.to_integral_value() else float(value)


class ParamsModel(RecordTableModel):
    """Editable round parameters; an edit is validated, then handed to ``writer``."""

    VALUE_COLUMN = 1
    columns = (
        Column("参数", lambda r: r.label, tooltip=lambda r: r.hint or r.label),
        Column("本轮取值", lambda r: r.value, RIGHT),
        Column("默认值", lambda r: r.default, RIGHT),
        Column("取值范围", lambda r: r.bounds_text),
        Column("说明", lambda r: r.hint.splitlines()[0] if r.hint else "",
               tooltip=lambda r: r.hint or None),
    )
    rejected = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.writer: Callable[[str, Decimal], None] | None = None
        self.editable = False

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.editable and index.column() == self.VALUE_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            return text(self.record(index.row()).value)
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.VALUE_COLUMN:
            return False
        return self.set_value(index.row(), str(value))

    def set_value(self, row: int, entered: str) -> bool:
        """Validate and write one parameter; emit ``rejected`` with the reason if refused."""
        rec: ParamRow = self.record(row)
        try:
            value = parse_param(rec, entered)
        except ValueError as exc:
            self.rejected.emit(str(exc))
            return False
        if value == rec.value:
            return True
        if self.writer is not None:
            try:
                self.writer(rec.key, value)
            except Exception as exc:  # noqa: BLE001 - EvalError text, or the caller logs
                self.rejected.emit(str(exc))
                return False
        self._rows[row] = ParamRow(rec.key, rec.label, rec.default, value, rec.min, rec.max,
                                   rec.hint)
        left = self.index(row, 0)
        self.dataChanged.emit(left, self.index(row, len(self.columns) - 1))
        return True

    def background(self, record: ParamRow, column: int) -> QColor | None:
        return NOTE if record.changed else None


# ---------------------------------------------------------------------------------------
# Units to issue templates to
# ---------------------------------------------------------------------------------------
class UnitChecklistModel(QAbstractListModel):
    """Responsible units with a checkbox each (all checked by default)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._units: list[tuple[str, int]] = []
        self._checked: set[str] = set()
        self._issued: set[str] = set()

    def set_catalogue(self, cat: Catalogue | None) -> None:
        self.beginResetModel()
        self._units = []
        if cat is not None:
            for name in cat.unit_names:
                count = len(cat.indicators_for_unit(name))
                if count:
                    self._units.append((name, count))
        self._checked = {name for name, _ in self._units}
        self.endResetModel()

    def units(self) -> list[str]:
        return [name for name, _ in self._units]

    def checked_units(self) -> list[str]:
        return [name for name, _ in self._units if name in self._checked]

    def set_checked(self, names: Any) -> None:
        self._checked = set(names) & set(self.units())
        if self._units:
            self.dataChanged.emit(self.index(0), self.index(len(self._units) - 1))

    def set_all(self, checked: bool) -> None:
        self.set_checked(self.units() if checked else [])

    def set_issued(self, names: Any) -> None:
        """Mark the units whose templates were issued already (shown as 已下发)."""
        self._issued = set(names)
        if self._units:
            self.dataChanged.emit(self.index(0), self.index(len(self._units) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._units)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, count = self._units[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name}（{count} 项指标{'，已下发' if name in self._issued else ''}）"
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if name in self._checked
                    else Qt.CheckState.Unchecked)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        name = self._units[index.row()][0]
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        (self._checked.add if checked else self._checked.discard)(name)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True
