"""单位名录: whom to call at each unit, edited in place and saved (audited) with 确定."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Signal
from PySide6.QtWidgets import QAbstractItemView, QDialogButtonBox, QWidget

from jinan_eval_gui.gui.models.desk import ContactsModel
from jinan_eval_gui.gui.pages.base import fit_columns, setup_table

from .base import FormDialog


class ContactsDialog(FormDialog):
    """Emits ``confirmed(rows changed)``; the page stores them (``workflow.contacts``)."""

    form_name = "dialog_contacts"
    confirmed = Signal(list)

    def __init__(self, directory: dict[tuple[str, str], Any], parent: QWidget | None = None,
                 *, editable: bool = True, entities: int = 1) -> None:
        super().__init__(parent)
        ui = self.ui
        self.model = ContactsModel(self)
        self.model.set_directory(directory)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        ui.contactsTable.setModel(self.proxy)
        setup_table(ui.contactsTable)
        ui.contactsTable.setColumnHidden(0, entities < 2)
        fit_columns(ui.contactsTable, 240)
        for column in ContactsModel.EDITABLE:
            ui.contactsTable.setColumnWidth(column, max(120, ui.contactsTable.columnWidth(column)))
        ui.searchEdit.textChanged.connect(self.proxy.setFilterFixedString)
        ok = self.ok_button()
        ok.setText("保存")
        if not editable:
            ok.setEnabled(False)
            ui.contactsHint.setText("本评价轮次以只读方式打开，不能修改单位名录。")
            ui.contactsTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        ui.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")

    def edit(self, entity: str, unit: str, **values: str) -> None:
        """Type ``values`` (person, phone, email, note) for a unit, as in its cells."""
        for n, row in enumerate(self.model.rows()):
            if (row.entity, row.unit) == (entity, unit):
                for key, value in values.items():
                    column = next(c for c, f in ContactsModel.EDITABLE.items() if f == key)
                    self.model.setData(self.model.index(n, column), value)
                return
        raise KeyError(unit)

    def validate(self) -> str:
        if not self.model.changed_rows():
            return "没有修改任何联系人信息"
        return ""

    def apply(self) -> None:
        self.confirmed.emit(self.model.changed_rows())
