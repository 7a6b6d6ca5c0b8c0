"""Where unexpected errors go: a log file in the user's data folder, never a traceback."""

from __future__ import annotations

import os
import sys
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


def log_exception(source: str) -> Path:
    """Append the current exception with a timestamp to the error log; return its path."""
    path = user_data_dir() / "error.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n===== {datetime.now().isoformat(timespec='seconds')} [{source}] =====\n")
        fh.write(traceback.format_exc())
    return path
