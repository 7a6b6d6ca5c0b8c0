"""Collection progress per responsible unit (``workflow.collection_status``) as a table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor

from .table import (
    BAD,
    CENTER,
    GOOD,
    MUTED,
    RIGHT,
    Column,
    RecordTableModel,
)

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue
    from jinan_eval_gui.store import Round


def summary(rows: list[Any]) -> dict[str, int]:
    """Counts for the overview line: issued, returned, with errors, accepted."""
    return {
        "units": len(rows),
        "issued": sum(1 for r in rows if r.issued),
        "returned": sum(1 for r in rows if r.returned),
        "errors": sum(1 for r in rows if r.returned and r.errors),
        "accepted": sum(1 for r in rows if r.accepted and not r.errors),
    }


def _yes(flag: bool | int) -> str:
    return "✓" if flag else ""


class UnitStatusModel(RecordTableModel):
    """The progress table of the overview and the data collection page."""

    columns = (
        Column("评价对象", lambda r: r.entity),
        Column("责任单位", lambda r: r.unit),
        Column("已下发", lambda r: _yes(r.issued), CENTER, sort=lambda r: int(r.issued)),
        Column("已回收", lambda r: _yes(r.returned), CENTER, sort=lambda r: int(r.returned)),
        Column("错误", lambda r: r.errors or "", RIGHT, sort=lambda r: r.errors),
        Column("警告", lambda r: r.warnings or "", RIGHT, sort=lambda r: r.warnings),
        Column("已接受", lambda r: _yes(r.accepted), CENTER, sort=lambda r: int(r.accepted)),
        Column("状态", lambda r: r.label),
        Column("回收文件", lambda r: r.file_name),
    )
    ENTITY_COLUMN = 0

    def refresh(self, rnd: Round | None, cat: Catalogue | None = None) -> None:
        if rnd is None:
            self.set_rows([])
            return
        from jinan_eval_gui import workflow

        self.set_rows(workflow.collection_status(rnd, cat))

    def background(self, record: Any, column: int) -> QColor | None:
        if record.returned:
            return BAD if record.errors else GOOD
        return None

    def foreground(self, record: Any, column: int) -> QColor | None:
        return None if record.returned else MUTED
