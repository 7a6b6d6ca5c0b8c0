"""The open round shared by every page, and the one place background work is started.

A :class:`~jinan_eval_gui.store.Round` is used by one thread at a time, so the session runs
at most one task at once (``busy``); pages read the round only on the main thread while no
task runs (on ``round_changed`` / ``data_changed``, which are emitted when the session is idle).
Core modules are imported inside the tasks, so start-up does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from . import messages
from .worker import ProgressFn, Worker

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue
    from jinan_eval_gui.scoring.engine import Results
    from jinan_eval_gui.store import Round


@dataclass(frozen=True)
class _Opened:
    rnd: Round
    cat: Catalogue
    results: dict[str, Results]


@dataclass(frozen=True)
class _Locked:
    path: Path
    message: str


def _loaded(rnd: Round) -> _Opened:
    """A just-opened round with its catalogue and scores (worker thread); closed on failure."""
    from jinan_eval_gui import workflow

    try:
        return _Opened(rnd, workflow.round_catalogue(rnd), workflow.score_round(rnd, save=False))
    except BaseException:
        rnd.close()
        raise


class Session(QObject):
    """The current round, its catalogue and last results; runs background tasks."""

    round_changed = Signal()
    catalogue_changed = Signal()
    data_changed = Signal()
    scores_changed = Signal()
    busy_changed = Signal(bool)
    status = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rnd: Round | None = None
        self.cat: Catalogue | None = None
        self.results: dict[str, Results] = {}
        self.window: QWidget | None = None
        self._worker: Worker | None = None
        self._builtin: Catalogue | None = None
        self.quiet_task = False

    # -- state -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def writable(self) -> bool:
        return self.rnd is not None and not self.rnd.readonly

    def entities(self) -> list[str]:
        return self.rnd.list_entities() if self.rnd is not None else []

    def entity_parents(self) -> dict[str, str]:
        """``{entity: parent}`` of the entities that have one (市 → 区县)."""
        return self.rnd.entity_parents() if self.rnd is not None else {}

    # -- background work ---------------------------------------------------------------
    def run(self, task: Callable[[Worker], Any], *, done: Callable[[Any], None] | None = None,
            failed: Callable[[str], None] | None = None,
            progress: Callable[[int, int, str], None] | None = None,
            status: str = "", quiet: bool = False) -> Worker | None:
        """Start ``task(worker)`` in the pool unless another task runs (then None).

        ``quiet`` tasks (reading only) do not make closing the window ask for confirmation.
        """
        if self._worker is not None and self.quiet_task:
            self._wait_quiet()
        if self._worker is not None:
            self._busy_message()
            return None
        worker = Worker(task)
        if progress is not None:
            worker.signals.progress.connect(progress)
        worker.signals.finished.connect(lambda result: self._end(done, result))
        worker.signals.failed.connect(lambda text: self._end(failed or self._show, text))
        self._worker = worker
        self.quiet_task = quiet
        self.busy_changed.emit(True)
        if status:
            self.status.emit(status)
        worker.start()
        return worker

    def _end(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        self._worker = None
        self.busy_changed.emit(False)
        self.status.emit("")
        if callback is not None:
            callback(value)

    def _wait_quiet(self, timeout: float = 10.0) -> None:
        """Let a short read-only task (loading the catalogue) finish instead of refusing."""
        import time

        from PySide6.QtCore import QCoreApplication, QThreadPool

        deadline = time.monotonic() + timeout
        while self._worker is not None and time.monotonic() < deadline:
            QThreadPool.globalInstance().waitForDone(50)
            QCoreApplication.processEvents()

    def _busy_message(self) -> None:
        messages.error(self.window, "正在处理上一项操作，请等待其完成后再试")

    def _show(self, text: str) -> None:
        messages.error(self.window, text)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    # -- catalogue ---------------------------------------------------------------------
    def load_builtin_catalogue(self) -> None:
        """Load the built-in catalogue after the window is shown (when no round is open)."""
        if self.cat is not None or self._worker is not None:
            return

        def task(_: Worker) -> Catalogue:
            from jinan_eval_gui import catalogue

            return catalogue.load()

        self.run(task, done=self._builtin_loaded, status="正在读取指标体系…", quiet=True)

    def _builtin_loaded(self, cat: Catalogue) -> None:
        self._builtin = cat
        if self.rnd is None:
            self.cat = cat
            self.catalogue_changed.emit()

    # -- rounds ------------------------------------------------------------------------
    def open_round(self, path: str | Path, *, readonly: bool = False,
                   done: Callable[[], None] | None = None) -> Worker | None:
        """Open a round file and score it without saving; the current round is replaced only
        once the new one is open (a failed open keeps it)."""
        path = Path(path)
        if not self._ready_for_round(path):
            return None

        def task(_: Worker) -> _Opened | _Locked:
            from jinan_eval_gui.errors import RoundLockedError
            from jinan_eval_gui.store import Round

            try:
                rnd = Round.open(path, readonly=readonly)
            except RoundLockedError as exc:
                return _Locked(path, str(exc))
            return _loaded(rnd)

        def opened(result: _Opened | _Locked) -> None:
            if isinstance(result, _Locked):
                if messages.ask(self.window, f"{result.message}\n\n是否以只读方式打开？"):
                    self.open_round(result.path, readonly=True, done=done)
                return
            self._set_round(result.rnd, result.cat, result.results)
            if done is not None:
                done()

        return self.run(task, done=opened, failed=self._open_failed,
                        status=f"正在打开 {path.name}…")

    def create_round(self, path: str | Path, *, year: int, name: str = "",
                     entities: tuple[str, ...] = (),
                     done: Callable[[], None] | None = None) -> Worker | None:
        """Create a new round file with the built-in catalogue and make it current."""
        path = Path(path)
        if not self._ready_for_round():
            return None
        builtin = self._builtin

        def task(_: Worker) -> _Opened:
            from jinan_eval_gui import workflow
            from jinan_eval_gui.workflow.entities import parse_entities

            given = parse_entities(entities)  # "历下区@济南市": an entity with its parent
            return _loaded(workflow.create_round(path, year=year, name=name,
                                                 entities=given.names, parents=given.parents,
                                                 catalogue=builtin))

        def created(result: _Opened) -> None:
            self._set_round(result.rnd, result.cat, result.results)
            if done is not None:
                done()

        return self.run(task, done=created, failed=self._open_failed,
                        status=f"正在创建 {path.name}…")

    def _ready_for_round(self, path: Path | None = None) -> bool:
        """Wait for a quiet background task, refuse while busy. The current round stays open
        until another one replaces it, unless ``path`` is its own file (its lock is released
        first so that it can be opened again)."""
        if self.busy and self.quiet_task:
            self._wait_quiet()
        if self.busy:
            self._busy_message()
            return False
        if self.rnd is not None and path is not None and _same_file(self.rnd.path, path):
            self.close_round()
        return True

    def _open_failed(self, text: str) -> None:
        """Say why; whatever was open stays open, and without a round the built-in catalogue
        is shown (never a page left waiting for a catalogue nobody reads)."""
        self._show(text)
        if self.rnd is None:
            self.load_builtin_catalogue()

    def _set_round(self, rnd: Round, cat: Catalogue, results: dict[str, Results]) -> None:
        from .settings import add_recent

        old = self.rnd
        self.rnd, self.cat, self.results = rnd, cat, results
        if old is not None and old is not rnd:
            old.close()
        add_recent(rnd.path)
        self.round_changed.emit()
        self.catalogue_changed.emit()
        self.scores_changed.emit()

    def close_round(self) -> None:
        """Close the current round (releases the writer lock); no-op without one."""
        if self.rnd is None:
            return
        rnd, self.rnd = self.rnd, None
        rnd.close()
        self.results = {}
        self.cat = self._builtin
        self.round_changed.emit()
        self.catalogue_changed.emit()
        self.scores_changed.emit()

    # -- after changes -----------------------------------------------------------------
    def notify_data_changed(self, rescore: bool = True) -> None:
        """Pages re-read the round (synchronously), then the round is rescored."""
        self.data_changed.emit()
        if rescore:
            self.rescore()

    def rescore(self, done: Callable[[], None] | None = None) -> Worker | None:
        """Score every entity again (saving the results when the round is writable)."""
        rnd = self.rnd
        if rnd is None:
            return None

        def task(_: Worker) -> dict[str, Results]:
            from jinan_eval_gui import workflow

            return workflow.score_round(rnd, save=not rnd.readonly)

        def scored(results: dict[str, Results]) -> None:
            if self.rnd is rnd:
                self.results = results
                self.scores_changed.emit()
            if done is not None:
                done()

        return self.run(task, done=scored, status="正在计算评分…")

    def run_with_round(self, task: Callable[[Round, ProgressFn, Worker], Any], *,
                       done: Callable[[Any], None] | None = None,
                       progress: Callable[[int, int, str], None] | None = None,
                       failed: Callable[[str], None] | None = None,
                       status: str = "") -> Worker | None:
        """Run ``task(round, progress, worker)``; refuses (with a message) without a round."""
        rnd = self.rnd
        if rnd is None:
            messages.error(self.window, "请先新建或打开评价轮次")
            return None
        return self.run(lambda w: task(rnd, w.progress, w), done=done, failed=failed,
                        progress=progress, status=status)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
