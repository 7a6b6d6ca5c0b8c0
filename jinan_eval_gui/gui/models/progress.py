"""The unit status board (``workflow.board``) as a table: every unit, its dates and versions,
its state, what is open on it and whom to call; a proxy filters it by state and by words."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtGui import QColor

from .table import (
    BAD,
    CENTER,
    GOOD,
    MUTED,
    NOTE,
    RECORD_ROLE,
    RIGHT,
    SORT_ROLE,
    WARN,
    Column,
    RecordTableModel,
)

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue
    from jinan_eval_gui.store import Round

#: State keys in the order the board counts them (``workflow.board.STATE_LABELS``).
STATE_ORDER = ("not_sent", "overdue", "pending", "errors", "returned", "accepted")
STATE_COLOURS = {"overdue": BAD, "pending": WARN, "errors": BAD, "returned": NOTE,
                 "accepted": GOOD}
ARRIVAL_COLUMN = 5


def day(text: str | None) -> str:
    """A stored time's date (2027-01-05), or empty."""
    from jinan_eval_gui.workflow.arrivals import shown_time

    return shown_time(text)[:10] if text else ""


def deadline_text(row: Any) -> str:
    due: date | None = row.deadline_date
    return due.isoformat() if due is not None else (row.deadline or "")


def arrivals_text(row: Any) -> str:
    """Each version's arrival date, and files read but not kept: 第1版 01-05；第2版 01-12."""
    parts = []
    for a in row.arrivals:
        when = day(a.time)[5:]
        parts.append(f"第{a.version}版 {when}" if a.version else f"{a.state_label} {when}")
    late = f"迟报 {row.days_late} 天：" if row.days_late else ""
    return late + "；".join(parts)


def arrivals_tooltip(row: Any) -> str:
    """Every file the unit sent, one line each: time, version, what became of it, file name."""
    from jinan_eval_gui.workflow.arrivals import shown_time

    lines = []
    for a in row.arrivals:
        version = f"第 {a.version} 版" if a.version else "未存档"
        counts = f"，错误 {a.errors} 处、警告 {a.warnings} 处" if a.errors or a.warnings else ""
        lines.append(f"{shown_time(a.time)}  {version}（{a.state_label}{counts}）  {a.file_name}")
    return "\n".join(lines) or "尚未收到文件"


def state_rank(row: Any) -> tuple[int, int]:
    """Sort by state as the board counts them, the most overdue first among the late."""
    return STATE_ORDER.index(row.state), -row.days_overdue


class UnitStatusModel(RecordTableModel):
    """The status board of 数据回收 and the progress table of 概览 (``workflow.unit_board``)."""

    columns = (
        Column("评价对象", lambda r: r.entity),
        Column("责任单位", lambda r: r.unit),
        Column("状态", lambda r: r.state_label, sort=state_rank),
        Column("下发日期", lambda r: day(r.issued_at), CENTER),
        Column("截止日期", deadline_text, CENTER),
        Column("报送情况", arrivals_text, tooltip=arrivals_tooltip,
               sort=lambda r: r.arrivals[-1].time if r.arrivals else ""),
        Column("当前版本", lambda r: f"第 {r.current_version} 版" if r.current_version else "",
               CENTER, sort=lambda r: r.current_version or 0),
        Column("错误", lambda r: r.open_findings.get("error") or "", RIGHT,
               sort=lambda r: r.open_findings.get("error", 0)),
        Column("警告", lambda r: r.open_findings.get("warning") or "", RIGHT,
               sort=lambda r: r.open_findings.get("warning", 0)),
        Column("联系人", lambda r: r.contact.text if r.contact.known else "",
               tooltip=lambda r: (f"{r.contact.text}（来源：{r.contact.source}）"
                                  if r.contact.known else "未登记联系人")),
    )
    ENTITY_COLUMN = 0
    STATE_COLUMN = 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.counts: dict[str, int] = {}
        self.today: date | None = None

    def refresh(self, rnd: Round | None, cat: Catalogue | None = None,
                today: date | None = None) -> None:
        if rnd is None:
            self.counts = {}
            self.set_rows([])
            return
        from jinan_eval_gui import workflow

        board = workflow.unit_board(rnd, cat, today=today)
        self.counts, self.today = dict(board.counts), board.today
        self.set_rows(board.rows)

    def state_counts(self) -> dict[str, int]:
        """Units per state key (``overdue`` counted apart from ``not_sent``)."""
        out = dict.fromkeys(STATE_ORDER, 0)
        for r in self._rows:
            out[r.state] += 1
        return out

    def background(self, record: Any, column: int) -> QColor | None:
        if column == self.STATE_COLUMN:
            return STATE_COLOURS.get(record.state)
        return None

    def foreground(self, record: Any, column: int) -> QColor | None:
        return MUTED if record.state == "not_sent" and column != self.STATE_COLUMN else None


def summary(model: UnitStatusModel) -> str:
    """The line above the tables: units, issued, and the count of each state."""
    rows = model.rows()
    issued = sum(1 for r in rows if r.issued)
    states = "，".join(f"{label} {n}" for label, n in model.counts.items())
    return f"责任单位 {len(rows)} 个 · 已下发 {issued} · {states}"


class BoardFilter(QSortFilterProxyModel):
    """Sort by any column; show one state (empty = all) and rows containing the words typed."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._state = ""
        self._words = ""

    def set_filters(self, *, state: str | None = None, words: str | None = None) -> None:
        state = self._state if state is None else state
        words = self._words if words is None else words.strip()
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self._state, self._words = state, words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._state, self._words = state, words
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        row = self.sourceModel().data(index, RECORD_ROLE)
        if self._state and row.state != self._state:
            return False
        if self._words:
            hay = f"{row.entity} {row.unit} {row.contact.text} {row.state_label}"
            return all(w in hay for w in self._words.split())
        return True

    def record(self, row: int) -> Any:
        """The board row shown at ``row`` of the view."""
        return self.sourceModel().record(self.mapToSource(self.index(row, 0)).row())
