"""Models of the collection desk's dialogs: files to accept (with a check each), findings of a
version, the unit directory (editable) and the 催报 list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .table import BAD, RIGHT, WARN, Column, Index, RecordTableModel


# ---------------------------------------------------------------------------------------
# Acceptance
# ---------------------------------------------------------------------------------------
def _replaces(v: Any) -> str:
    r = v.replaces
    return f"第 {r.version} 版（错误 {r.errors} 处）" if r is not None else "（首次报送）"


class VerdictModel(RecordTableModel):
    """Files to accept or not (``acceptance.Verdict``); the first column is a check box when
    the user is asked, unchecked by default (nothing with errors goes in unasked)."""

    columns = (
        Column("接受", lambda v: ""),
        Column("文件", lambda v: v.path.name, tooltip=lambda v: str(v.path)),
        Column("责任单位", lambda v: v.unit),
        Column("错误", lambda v: v.errors, RIGHT),
        Column("警告", lambda v: v.warnings, RIGHT),
        Column("替换", _replaces),
        Column("比较", lambda v: "比已接受的版本差" if v.worse else ""),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.asking = True
        self.accepted: set[int] = set()

    def set_rows(self, rows: Any) -> None:
        self.accepted = set()
        super().set_rows(rows)

    def accepted_paths(self) -> list[Any]:
        return [self._rows[i].path for i in sorted(self.accepted)]

    def set_accepted(self, row: int, accepted: bool) -> None:
        (self.accepted.add if accepted else self.accepted.discard)(row)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.asking and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.asking and index.isValid() and index.column() == 0 \
                and role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if index.row() in self.accepted
                    else Qt.CheckState.Unchecked)
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self.asking and index.isValid() and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        self.set_accepted(index.row(), checked)
        return True

    def background(self, record: Any, column: int) -> QColor | None:
        return BAD if record.worse else WARN if record.errors else None


def category(finding: Any) -> str:
    from jinan_eval_gui.collect.returns import finding_category

    return finding_category(finding)


class FindingListModel(RecordTableModel):
    """The findings of one version or file (store ``Finding``), errors first."""

    columns = (
        Column("类别", category),
        Column("单元格", lambda f: " ".join(x for x in (f.sheet, f.cell) if x)),
        Column("填写内容", lambda f: f.value or ""),
        Column("问题说明", lambda f: f.message),
    )

    def set_rows(self, rows: Any) -> None:
        order = {"error": 0, "warning": 1, "info": 2}
        super().set_rows(sorted(rows, key=lambda f: order.get(f.severity, 9)))

    def background(self, record: Any, column: int) -> QColor | None:
        return {"error": BAD, "warning": WARN}.get(record.severity)


# ---------------------------------------------------------------------------------------
# The unit directory
# ---------------------------------------------------------------------------------------
FIELDS = ("person", "phone", "email", "note")


class ContactRow:
    """One (entity, unit) of the directory as shown, and its edits (kept until saved)."""

    def __init__(self, entity: str, unit: str, contact: Any) -> None:
        self.entity, self.unit, self.contact = entity, unit, contact
        self.values = {f: getattr(contact, f) for f in FIELDS}

    @property
    def changed(self) -> bool:
        return any(self.values[f] != getattr(self.contact, f) for f in FIELDS)

    @property
    def source(self) -> str:
        return self.contact.source if not self.changed else "单位名录（待保存）"


class ContactsModel(RecordTableModel):
    """Whom to call at each unit; person, phone, e-mail and note are edited in place."""

    columns = (
        Column("评价对象", lambda r: r.entity),
        Column("责任单位", lambda r: r.unit),
        Column("联系人", lambda r: r.values["person"]),
        Column("联系电话", lambda r: r.values["phone"]),
        Column("电子邮箱", lambda r: r.values["email"]),
        Column("备注", lambda r: r.values["note"]),
        Column("来源", lambda r: r.source or "未登记"),
    )
    EDITABLE = {2: "person", 3: "phone", 4: "email", 5: "note"}

    def set_directory(self, directory: dict[tuple[str, str], Any]) -> None:
        self.set_rows([ContactRow(e, u, c) for (e, u), c in directory.items()])

    def changed_rows(self) -> list[ContactRow]:
        return [r for r in self._rows if r.changed]

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() in self.EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid() \
                and index.column() in self.EDITABLE:
            return self._rows[index.row()].values[self.EDITABLE[index.column()]]
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in self.EDITABLE:
            return False
        row = self._rows[index.row()]
        row.values[self.EDITABLE[index.column()]] = " ".join(str(value).split())[:100]
        self.dataChanged.emit(self.index(index.row(), 0),
                              self.index(index.row(), len(self.columns) - 1))
        return True

    def background(self, record: ContactRow, column: int) -> QColor | None:
        return WARN if record.changed else None


# ---------------------------------------------------------------------------------------
# 催报
# ---------------------------------------------------------------------------------------
class ReminderModel(RecordTableModel):
    """The late units (``reminders.Reminder``), most overdue first."""

    columns = (
        Column("评价对象", lambda r: r.entity),
        Column("责任单位", lambda r: r.unit),
        Column("截止日期", lambda r: r.deadline),
        Column("逾期天数", lambda r: r.days_overdue, RIGHT),
        Column("联系人", lambda r: r.contact.person),
        Column("联系电话", lambda r: r.contact.phone),
        Column("电子邮箱", lambda r: r.contact.email),
    )
