"""Where unexpected errors go: a log file in the user's data folder, never a traceback."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path


def user_data_dir() -> Path:
    """The per-user folder for logs and settings (%LOCALAPPDATA% on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    folder = base / "JinanEval"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _append(entry: str) -> Path | None:
    """Append ``entry`` to the error log (user data folder, else temp folder); never raises."""
    for folder in (user_data_dir, lambda: Path(tempfile.gettempdir())):
        try:
            path = folder() / "error.log"
            with path.open("a", encoding="utf-8") as fh:
                fh.write(entry)
            return path
        except Exception:  # noqa: BLE001 - disk full, no profile, odd encodings: try the next
            continue
    return None


class _ToErrorLog(logging.Handler):
    """Warnings of the core (with their tracebacks) into the error log, not on the screen."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a bad record must not become a traceback itself
            text = str(record.msg)
        _append(f"\n===== {datetime.now().isoformat(timespec='seconds')} [{record.name}] "
                f"=====\n{text}\n")


def keep_tracebacks_off_screen() -> None:
    """Route the core's log records and exceptions Python could only ignore (a generator
    closed during garbage collection after a failed write) to the error log.

    Why: a command on a full disk printed such tracebacks after its own clear message;
    people must only ever see the message.
    """
    logger = logging.getLogger("jinan_eval_gui")
    if not any(isinstance(h, _ToErrorLog) for h in logger.handlers):
        handler = _ToErrorLog(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logging.raiseExceptions = False  # a failing handler stays quiet too

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        lines = traceback.format_exception(info.exc_type, info.exc_value, info.exc_traceback)
        _append(f"\n===== {datetime.now().isoformat(timespec='seconds')} [ignored: "
                f"{info.err_msg or ''} {info.object!r:.80}] =====\n{''.join(lines)}")

    sys.unraisablehook = unraisable


def log_exception(source: str) -> Path | None:
    """Append the current exception with a timestamp to the error log; return its path.

    Never raises: it runs while an error is being reported, often because the disk is full,
    and a failure here would put a raw traceback in front of the user. Falls back to the
    temp folder; None if no log could be written at all.
    """
    return _append(f"\n===== {datetime.now().isoformat(timespec='seconds')} [{source}] =====\n"
                   f"{traceback.format_exc()}")
