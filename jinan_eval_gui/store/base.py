"""What every part of the round's API shares: the connection, transactions, the audit hook."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import RoundDataError, RoundFileError

from .db import _insert_audit
from .filecheck import _hint_backup
from .lock import _WriterLock


class StoredValueError(RoundDataError):
    """A stored input value that is not a usable number or text; names where it sits.

    The store knows the indicator by id only; ``workflow`` re-words the message with the
    indicator's and the input's Chinese names.
    """

    def __init__(self, message: str, *, hint: str = "", entity: str = "", unit: str = "",
                 indicator_id: int | None = None, input_key: str = "", sheet: str = "",
                 cell: str = "", stored: str = "") -> None:
        super().__init__(message, hint=hint)
        self.entity, self.unit, self.indicator_id = entity, unit, indicator_id
        self.input_key, self.sheet, self.cell, self.stored = input_key, sheet, cell, stored


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
        with self._reading():
            return [dict(row) for row in self._conn.execute(sql, args).fetchall()]

    def _tuples(self, sql: str, args: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows as plain tuples (no ``sqlite3.Row`` per row)."""
        with self._reading():
            cur = self._conn.cursor()
            cur.row_factory = None
            yield from cur.execute(sql, args)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """SQLite failures while reading become Chinese RoundFileErrors.

        Why: a page damaged after the open's integrity check, or a file replaced under us,
        must reach the user as "damaged, restore the backup", not as an internal error.
        """
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RoundFileError(f"评价轮次文件“{self.path.name}”正被另一程序写入，暂时无法读取",
                                     hint="请稍后重试") from exc
            raise self.damaged("读取数据时出错", str(exc)) from exc
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise self.damaged("读取数据时出错", str(exc)) from exc

    def damaged(self, where: str, detail: str) -> RoundDataError:
        """Content of the round that cannot be decoded: what, where, and the latest backup."""
        return RoundDataError(
            f"评价轮次文件“{self.path.name}”已损坏：{where}（{detail}）",
            hint="文件可能被其他程序或手工修改过；" + _hint_backup(self.path),
        )

    def _json(self, text: Any, where: str) -> Any:
        """Decode JSON stored by this program; RoundDataError naming ``where`` if it is not."""
        try:
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if not isinstance(text, str):
                raise TypeError(type(text).__name__)
            return json.loads(text)
        except (ValueError, TypeError) as exc:
            raise self.damaged(where, f"无法解析：{_excerpt(text)}") from exc

    def _audit(self, action: str, details: Mapping[str, Any] | None) -> int:
        return _insert_audit(self._conn, self.actor, action, dict(details or {}))


def _excerpt(value: Any, limit: int = 40) -> str:
    """A stored value as it may be quoted in a message (short, no control characters)."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"
