"""What every part of the round's API shares: the connection, transactions, the audit hook."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import RoundFileError

from .db import _insert_audit
from .lock import _WriterLock


class RoundBase:
    """The connection and transaction discipline behind :class:`~.round.Round`.

    The round's API is split by concern into mixins (:mod:`.collection`, :mod:`.decisions`)
    that all build on these few methods.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        lock: _WriterLock | None,
        actor: str,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self.path = path
        self.readonly = readonly
        self.actor = actor
        self.closed = False

    # -- transactions -------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception.

        Nested use becomes a savepoint, so the write methods compose into one
        import transaction.  SQLite I/O failures become RoundFileError.
        """
        if self.readonly:
            raise RoundFileError("评价轮次以只读方式打开，不能修改", hint="请以编辑方式重新打开")
        conn = self._conn
        nested = conn.in_transaction
        try:
            conn.execute("SAVEPOINT jeval" if nested else "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._write_error(exc) from exc
        try:
            yield
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO jeval" if nested else "ROLLBACK")
                if nested:
                    conn.execute("RELEASE jeval")
            if isinstance(exc, sqlite3.OperationalError):
                raise self._write_error(exc) from exc
            raise
        try:
            conn.execute("RELEASE jeval" if nested else "COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction and not nested:
                conn.execute("ROLLBACK")
            raise self._write_error(exc) from exc

    def _write_error(self, exc: sqlite3.Error) -> RoundFileError:
        return RoundFileError(
            f"写入评价轮次文件“{self.path.name}”失败（{exc}）",
            hint="请检查磁盘空间和文件权限，稍后重试",
        )

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._conn.execute(sql, args).fetchall()]

    def _tuples(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        """Rows as plain tuples (no ``sqlite3.Row`` per row)."""
        cur = self._conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, args)

    def _audit(self, action: str, details: Mapping[str, Any] | None) -> int:
        return _insert_audit(self._conn, self.actor, action, dict(details or {}))
