"""Models of the history: a unit's versions, what each changed, one value's record, the
operation log (``workflow.versions`` and ``workflow.oplog``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor

from .table import CENTER, GOOD, MUTED, RIGHT, WARN, Column, RecordTableModel


def when(text: str | None) -> str:
    """A stored time as people read it (2027-01-05 14:03)."""
    from jinan_eval_gui.workflow.arrivals import shown_time

    return shown_time(text)


def empty(text: str) -> str:
    return text if text not in (None, "") else "（空）"


class VersionsModel(RecordTableModel):
    """Every stored version of a unit's return (``versions.Version``), oldest first."""

    columns = (
        Column("版本", lambda v: f"第 {v.number} 版", CENTER, sort=lambda v: v.number),
        Column("到达时间", lambda v: when(v.arrival.time)),
        Column("文件", lambda v: v.arrival.file_name),
        Column("SHA-256", lambda v: v.arrival.sha256[:12] + "…" if v.arrival.sha256 else "",
               tooltip=lambda v: f"文件的 SHA-256 校验值：{v.arrival.sha256}"),
        Column("状态", lambda v: v.arrival.state_label + (
            f"（恢复自第 {v.arrival.restored_from} 版）" if v.arrival.restored_from else "")),
        Column("错误", lambda v: v.arrival.errors or "", RIGHT),
        Column("警告", lambda v: v.arrival.warnings or "", RIGHT),
        Column("接受人", lambda v: v.arrival.accepted_by),
        Column("数据变化", lambda v: f"{len(v.changes)} 项" if v.changes else "", RIGHT),
    )

    def background(self, record: Any, column: int) -> QColor | None:
        state = record.arrival.state
        return GOOD if state == "accepted" else WARN if state == "held" else None

    def foreground(self, record: Any, column: int) -> QColor | None:
        return MUTED if record.arrival.state == "superseded" else None


class ChangesModel(RecordTableModel):
    """Values a version changed (``versions.Change``) or a file would change (``Diff``)."""

    columns = (
        Column("指标", lambda c: c.indicator_id, RIGHT),
        Column("填报项", lambda c: c.label),
        Column("单元格", lambda c: " ".join(x for x in (getattr(c, "sheet", ""), c.cell) if x)),
        Column("原值", lambda c: empty(c.old)),
        Column("新值", lambda c: empty(c.new)),
    )


class ValuesModel(RecordTableModel):
    """Every value one input had (``versions.ValueRecord``), the current one marked."""

    columns = (
        Column("责任单位", lambda r: r.unit),
        Column("数值", lambda r: r.text),
        Column("记录时间", lambda r: when(r.recorded_at)),
        Column("来自", lambda r: f"第 {r.version} 版" if r.version else r.file_name),
        Column("文件", lambda r: r.file_name if r.version else ""),
        Column("单元格", lambda r: r.cell),
        Column("当前采用", lambda r: "✓" if r.current else "", CENTER),
    )

    def background(self, record: Any, column: int) -> QColor | None:
        return GOOD if record.current else None


class LogModel(RecordTableModel):
    """The round's operation log (``oplog.LogEntry``), newest first by default."""

    columns = (
        Column("时间", lambda e: e.time, sort=lambda e: e.id),
        Column("操作人", lambda e: e.actor),
        Column("操作", lambda e: e.label),
        Column("单位", lambda e: "、".join(e.units[:3]) + (f" 等 {len(e.units)} 个"
                                                           if len(e.units) > 3 else ""),
               tooltip=lambda e: "、".join(e.units)),
        Column("内容", lambda e: e.summary),
    )
