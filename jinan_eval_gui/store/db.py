"""SQLite plumbing shared by the round file's modules: connections, time stamps, JSON, decimals."""

from __future__ import annotations

import getpass
import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

APPLICATION_ID = 0x4A45564C  # "JEVL"
FILE_SUFFIX = ".jeval"
SUBMISSION_STATUSES = ("accepted", "rejected", "superseded")
SEVERITIES = ("error", "warning", "info")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT = 5.0  # seconds a statement waits for another connection's lock


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (services, odd Windows setups)
        return "unknown"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, date | datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=_json_default)


def _decimal_text(number: Decimal | int | str | None) -> str | None:
    """Exact decimal text for storage; refuses bools, NaN and infinities."""
    if number is None:
        return None
    if isinstance(number, bool) or not isinstance(number, Decimal | int | str):
        raise TypeError(f"number must be Decimal, int or str, not {type(number).__name__}")
    value = Decimal(number)
    if not value.is_finite():
        raise ValueError(f"number must be finite, not {number!r}")
    return str(value)


def _insert_audit(conn: sqlite3.Connection, actor: str, action: str, details: Any) -> int:
    cur = conn.execute(
        "INSERT INTO audit_log (ts, actor, action, details) VALUES (?, ?, ?, ?)",
        (_now(), actor, action, _dumps(details if details is not None else {})),
    )
    return int(cur.lastrowid)


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """Connect with a URI so that ``ro``/``rw`` never create a missing file."""
    uri = path.resolve().as_uri() + f"?mode={mode}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=_BUSY_TIMEOUT, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn
