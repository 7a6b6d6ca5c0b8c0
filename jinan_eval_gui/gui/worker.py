"""The one generic background worker: a QRunnable on QThreadPool with signals.

The core never sees Qt: it gets a plain ``progress(done, total, message)`` callback (and a
``cancelled()`` function) that re-emit as signals. Results reach widgets only through
``finished``/``failed``, which Qt delivers on the main thread because the signal object lives
there. The worker never touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from jinan_eval_gui.errors import EvalError

ProgressFn = Callable[[int, int, str], None]
Task = Callable[["Worker"], Any]


class WorkerSignals(QObject):
    """Signals of a :class:`Worker` (a QRunnable cannot have signals itself)."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)


class Worker(QRunnable):
    """Run ``task(worker)`` in the thread pool; the task calls ``worker.progress(...)``."""

    _running: set[Worker] = set()  # keep Python objects alive until their signals are sent

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.task = task
        self.signals = WorkerSignals()
        self._cancel = False

    # -- what the task sees ------------------------------------------------------------
    def progress(self, done: int, total: int, message: str = "") -> None:
        """The plain callback handed to the core (safe from any thread)."""
        self.signals.progress.emit(int(done), int(total), str(message))

    def cancelled(self) -> bool:
        return self._cancel

    def cancel(self) -> None:
        self._cancel = True

    # -- running -----------------------------------------------------------------------
    def start(self, pool: QThreadPool | None = None) -> Worker:
        Worker._running.add(self)
        self.signals.finished.connect(self._forget)
        self.signals.failed.connect(self._forget)
        (pool or QThreadPool.globalInstance()).start(self)
        return self

    def _forget(self, *_: object) -> None:
        Worker._running.discard(self)

    def run(self) -> None:  # runs in a pool thread
        try:
            result = self.task(self)
        except EvalError as exc:
            self.signals.failed.emit(str(exc))
        except OSError as exc:  # the machine said no (disk, rights, path): say so, plainly
            self.signals.failed.emit(os_error_text(exc))
        except Exception:  # noqa: BLE001 - log it, show where the log is
            from jinan_eval_gui.system.logs import log_exception

            path = log_exception("gui")
            self.signals.failed.emit(internal_error_text(path))
        else:
            self.signals.finished.emit(result)


def internal_error_text(log_path: object) -> str:
    """The message for an unexpected error: what happened and where the details are."""
    if log_path is None:  # not even the temp folder took the log (disk full)
        return "程序内部错误，操作未完成（磁盘已满或不可写，未能写入日志文件）。请检查磁盘空间后重试。"
    return (f"程序内部错误，操作未完成。详细信息已写入日志文件：\n{log_path}\n"
            "请将该文件发送给技术支持人员。")


def os_error_text(exc: OSError) -> str:
    """An operating-system error in plain Chinese with what to do (logged, not shown as a
    program fault: a full disk or a locked file is the machine's answer, not a bug)."""
    from jinan_eval_gui.system import oserrors
    from jinan_eval_gui.system.logs import log_exception

    try:
        raise exc
    except OSError:
        log_exception("gui")
    return oserrors.message(exc)


def active_workers() -> int:
    """Workers started and not yet reported back (tests wait for 0)."""
    return len(Worker._running)
