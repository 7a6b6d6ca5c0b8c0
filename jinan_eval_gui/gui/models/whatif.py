"""Models of the what-if panel: the scores a trial moves, and the changes made so far."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtGui import QColor

from .table import BAD, GOOD, RIGHT, Column, RecordTableModel, text


def signed(delta: Decimal | None) -> str:
    """+1.23 / -0.50 / 0.00; empty where there is no difference to show."""
    if delta is None:
        return ""
    return f"{delta:+.2f}" if delta else "0.00"


class EffectsModel(RecordTableModel):
    """The total and every score that moved: official, trial, difference."""

    columns = (
        Column("项目", lambda r: r.name),
        Column("正式结果", lambda r: _score(r), RIGHT),
        Column("试算", lambda r: _score(r, now=True), RIGHT),
        Column("差值", lambda r: signed(r.delta), RIGHT),
    )

    def background(self, record: Any, column: int) -> QColor | None:
        if column != 3 or not record.delta:
            return None
        better = record.delta < 0 if record.lower_is_better else record.delta > 0
        return GOOD if better else BAD


def _score(row: Any, now: bool = False) -> str:
    value = row.now if now else row.official
    return "—" if value is None else text(value)


class ChangesModel(RecordTableModel):
    """The trial's changes, in the order made."""

    columns = (
        Column("调整项目", lambda c: f"{c.kind_label}：{c.label}", tooltip=lambda c: c.text()),
        Column("正式取值 → 试算取值", lambda c: f"{c.old_text} → {c.new_text}",
               tooltip=lambda c: c.text()),
    )
