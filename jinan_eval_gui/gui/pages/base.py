"""What every page shares: its form, the session, the "no round yet" banner, busy state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QVBoxLayout, QWidget

from jinan_eval_gui.gui.formloader import load_form
from jinan_eval_gui.gui.session import Session

NO_ROUND = "请先通过“文件 → 新建评价轮次”或“文件 → 打开”选择一个评价轮次。"


class Page(QWidget):
    """A workflow page: subclasses set ``key``/``title``/``form_name`` and implement setup."""

    key = ""
    title = ""
    form_name = ""
    needs_round = True

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{self.key}Page")
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.banner = QLabel(NO_ROUND, self)
        self.banner.setObjectName("noRoundBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #fff3d6; border: 1px solid #e8c77a; padding: 8px; border-radius: 3px;")
        layout.addWidget(self.banner)
        self.ui = load_form(self.form_name, self)
        layout.addWidget(self.ui, 1)
        self._stale = False
        self.setup()
        session.round_changed.connect(self._round_changed)
        session.busy_changed.connect(self._busy_changed)
        self._round_changed(defer=False)  # a page made now shows the round at once

    # -- for subclasses ----------------------------------------------------------------
    def setup(self) -> None:
        """Models, views and connections (called once)."""

    def refresh(self) -> None:
        """Re-read what the page shows from the session (main thread, session idle)."""

    def update_actions(self) -> None:
        """Enable or disable the page's buttons for the current state."""

    # -- shared ------------------------------------------------------------------------
    def _round_changed(self, defer: bool = True) -> None:
        missing = self.needs_round and self.session.rnd is None
        self.banner.setVisible(missing)
        self.ui.setEnabled(not missing)
        if self.session.busy and self.session.rnd is not None:
            self._stale = True  # a task uses the round: read it when the task is done
        elif defer:
            self._refresh_soon()
        else:
            self.refresh()
        self.update_actions()

    def _busy_changed(self, busy: bool) -> None:
        if not busy and self._stale:
            self._stale = False
            self._refresh_soon()
        self.update_actions()

    def _refresh_soon(self) -> None:
        """The page shown reads the round at once; the others each in an event-loop turn of
        their own, so that with a province-wide round (150 entities, thousands of unit rows)
        no single turn holds the window, and a click between them is answered."""
        if self.isVisible():
            self.refresh()
            return
        self._deferred = True
        QTimer.singleShot(0, self._refresh_deferred)

    def _refresh_deferred(self) -> None:
        if getattr(self, "_deferred", False):
            self._deferred = False
            if not (self.session.busy and self.session.rnd is not None):
                self.refresh()
                self.update_actions()
            else:
                self._stale = True

    @property
    def idle_with_round(self) -> bool:
        return self.session.rnd is not None and not self.session.busy

    @property
    def idle_writable(self) -> bool:
        return self.session.writable and not self.session.busy

    @staticmethod
    def open_path(path: str | Path) -> bool:
        """Open a file or folder with the system's program (Explorer, Excel, Word)."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def setup_table(view: QAbstractItemView, *, stretch_last: bool = True) -> None:
    """Common look of the table views: compact rows, resizable columns."""
    header = getattr(view, "horizontalHeader", None)
    if header is not None:
        h = header()
        h.setStretchLastSection(stretch_last)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setHighlightSections(False)
    vertical = getattr(view, "verticalHeader", None)
    if vertical is not None:
        vertical().setVisible(False)
        vertical().setDefaultSectionSize(max(24, view.fontMetrics().height() + 8))


#: Rows looked at besides the visible ones when sizing a column: a province-wide round lists
#: thousands of (entity, unit) rows, and measuring each would hold the window for seconds.
FIT_ROWS = 20


def fit_columns(view: QAbstractItemView, maximum: int = 360) -> None:
    """Size columns to their contents (the visible part and the first FIT_ROWS rows), but keep
    long texts from taking the whole width."""
    header = view.horizontalHeader() if hasattr(view, "horizontalHeader") else view.header()
    model = view.model()
    if model is None:
        return
    header.setResizeContentsPrecision(FIT_ROWS)
    for column in range(model.columnCount()):
        view.resizeColumnToContents(column)
        if header.sectionSize(column) > maximum:
            header.resizeSection(column, maximum)
