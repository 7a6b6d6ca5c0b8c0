"""Every message box of the application, in one place.

Errors from the core (:class:`~jinan_eval_gui.errors.EvalError`) are shown with their Chinese
message; anything unexpected is logged with :func:`jinan_eval_gui.system.logs.log_exception` and the
dialog names the log file, never a traceback. Pages call these functions through the module
(``messages.error(...)``) so tests can replace them.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

from jinan_eval_gui.errors import EvalError

APP_TITLE = "济南市新型智慧城市评价工具"
HEADLESS = False  # screenshots: messages go to stderr, questions are answered "no"
F = TypeVar("F", bound=Callable[..., Any])


def say(text: str) -> None:
    """A line on stderr, if there is one (a Windows GUI program has none)."""
    if sys.stderr is not None:
        print(text, file=sys.stderr, flush=True)


def error(parent: QWidget | None, text: str, title: str = "操作未完成") -> None:
    """A problem the user can act on (the core's Chinese message)."""
    if HEADLESS:
        say(f"{title}：{text}")
        return
    QMessageBox.warning(parent, title, text)


def info(parent: QWidget | None, text: str, title: str = APP_TITLE) -> None:
    if HEADLESS:
        say(text)
        return
    QMessageBox.information(parent, title, text)


def ask(parent: QWidget | None, text: str, title: str = APP_TITLE) -> bool:
    """A yes/no question; True for yes."""
    if HEADLESS:
        say(f"{text}（否）")
        return False
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def pick(parent: QWidget | None, text: str, options: list[str],
         title: str = APP_TITLE) -> int | None:
    """One of ``options`` chosen from a list; its index, or None if cancelled."""
    if HEADLESS or not options:
        say(f"{text}（未选择）")
        return None
    from PySide6.QtWidgets import QInputDialog

    choice, ok = QInputDialog.getItem(parent, title, text, options, 0, False)
    return options.index(choice) if ok and choice in options else None


def internal(parent: QWidget | None, text: str) -> None:
    """An unexpected error: the text already names the log file."""
    if HEADLESS:
        say(text)
        return
    QMessageBox.critical(parent, "程序内部错误", text)


def report_exception(parent: QWidget | None, exc: BaseException) -> None:
    """Show ``exc`` the right way: EvalError as its message, others logged first."""
    if isinstance(exc, EvalError):
        error(parent, str(exc))
        return
    if isinstance(exc, OSError):
        from .worker import os_error_text

        error(parent, os_error_text(exc))
        return
    from jinan_eval_gui.system.logs import log_exception

    from .worker import internal_error_text

    try:
        raise exc
    except BaseException:  # noqa: BLE001 - re-raised only to give log_exception a traceback
        path = log_exception("gui")
    internal(parent, internal_error_text(path))


def guarded(method: F) -> F:
    """Decorate a slot of a widget: errors become dialogs instead of escaping to Qt."""

    params = inspect.signature(method).parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        limit = None
    else:  # Qt passes extra signal arguments (clicked's ``checked``): drop what is not taken
        limit = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) - 1

    @functools.wraps(method)
    def wrapper(self: QWidget, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args[:limit], **kwargs)
        except Exception as exc:  # noqa: BLE001 - the GUI's last line per action
            report_exception(self.window() if isinstance(self, QWidget) else None, exc)
            return None

    return wrapper  # type: ignore[return-value]


def install_excepthook() -> None:
    """Unhandled exceptions (e.g. in a slot) are logged and shown, never printed only."""
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        try:
            report_exception(None, exc.with_traceback(tb))
        except Exception:  # noqa: BLE001 - never raise from the hook itself
            previous(exc_type, exc, tb)

    sys.excepthook = hook
