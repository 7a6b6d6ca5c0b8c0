"""The evaluation round (评价轮次) as one SQLite file (``.jeval``).

Why SQLite with a rollback journal: the round is a single self-contained file
that people copy, e-mail and back up, and every import is one transaction, so
a crash (even SIGKILL) leaves the round as it was before that import.

Why a sidecar lock file: SQLite serialises single transactions, but two
programs editing the same round over hours would overwrite each other's
decisions.  The first writer holds an OS lock (``fcntl.flock`` /
``msvcrt.locking``) on ``<name>.jeval.lock``; the OS drops it when the process
dies, so a crashed writer never leaves a lock behind.  Read-only opens take no
lock.  Where the file system has no locks, the pid and host written in the lock
file decide (a dead pid on this host is a stale lock).

Opening checks the file before anything can change it: header bytes first
(SQLite magic, our ``application_id``, schema version, truncation), then a
``mode=ro`` connection for ``PRAGMA integrity_check``.  Opening never creates a
file.

Times are local ISO 8601 with offset; exact numbers (values, scores) are stored
as decimal text so nothing is lost to binary floating point.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import json
import os
import socket
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import __version__
from .errors import RoundFileError, RoundLockedError

APPLICATION_ID = 0x4A45564C  # "JEVL"
FILE_SUFFIX = ".jeval"
SUBMISSION_STATUSES = ("accepted", "rejected", "superseded")
SEVERITIES = ("error", "warning", "info")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT = 5.0  # seconds a statement waits for another connection's lock

# ---------------------------------------------------------------------------
# Schema and migrations
# ---------------------------------------------------------------------------

_SCHEMA_V1 = """
CREATE TABLE round_info (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    id          TEXT NOT NULL CHECK (length(id) = 32),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    year        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    app_version TEXT NOT NULL
);
CREATE TABLE catalogue_snapshot (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   TEXT NOT NULL,
    hash      TEXT NOT NULL,
    json      BLOB NOT NULL          -- the catalogue's JSON text (UTF-8), to rescore as it was
);
CREATE TABLE params (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- JSON
) WITHOUT ROWID;
CREATE TABLE entities (
    name     TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE templates (
    id               INTEGER PRIMARY KEY,
    entity           TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit             TEXT NOT NULL,
    file_name        TEXT NOT NULL,
    path             TEXT NOT NULL,
    issued_at        TEXT NOT NULL,
    deadline         TEXT,
    contact_person   TEXT,
    contact_phone    TEXT,
    template_version TEXT NOT NULL,
    sha256           TEXT NOT NULL CHECK (length(sha256) = 64)
);
CREATE INDEX templates_entity_unit ON templates(entity, unit);
CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    content     BLOB NOT NULL,       -- the returned file exactly as received
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded'))
);
CREATE INDEX submissions_entity_unit ON submissions(entity, unit);
CREATE TABLE input_values (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER REFERENCES submissions(id),   -- NULL: entered by hand
    entity        TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit          TEXT NOT NULL,
    indicator_id  INTEGER NOT NULL,
    input_key     TEXT NOT NULL,
    row_index     INTEGER,                               -- table rows
    column_key    TEXT,                                  -- table columns
    value_text    TEXT,                                  -- as typed (NULL: left blank)
    value_num     TEXT,                                  -- exact decimal, NULL if not a number
    source_sheet  TEXT,
    source_cell   TEXT,
    current       INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
    recorded_at   TEXT NOT NULL
);
CREATE INDEX input_values_slot ON input_values(entity, indicator_id, input_key, unit);
CREATE INDEX input_values_submission ON input_values(submission_id);
CREATE TABLE findings (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    severity      TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    sheet         TEXT,
    cell          TEXT,
    indicator_id  INTEGER,
    input_key     TEXT,
    value         TEXT,
    message       TEXT NOT NULL
);
CREATE INDEX findings_submission ON findings(submission_id);
CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    indicator_id INTEGER NOT NULL,
    input_key    TEXT NOT NULL,
    candidates   TEXT NOT NULL,      -- JSON list of the competing values / submissions
    detected_at  TEXT NOT NULL,
    resolution   TEXT,               -- JSON
    reason       TEXT,
    resolved_at  TEXT,
    resolved_by  TEXT,
    CHECK (resolved_at IS NULL OR length(trim(reason)) > 0)
);
CREATE TABLE overrides (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    indicator_id INTEGER NOT NULL,
    score        TEXT NOT NULL,      -- exact decimal; points deducted for deduction indicators
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    set_by       TEXT NOT NULL,
    set_at       TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX overrides_one_active ON overrides(entity, indicator_id) WHERE active = 1;
CREATE TABLE scores (
    entity      TEXT PRIMARY KEY REFERENCES entities(name) ON UPDATE CASCADE,
    computed_at TEXT NOT NULL,
    results     TEXT NOT NULL        -- JSON of the engine's last results
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'  -- JSON
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
"""

Migration = str | Callable[[sqlite3.Connection], None]
# MIGRATIONS[i] brings a round from schema version i to i + 1; append, never edit.
MIGRATIONS: list[Migration] = [_SCHEMA_V1]
SCHEMA_VERSION = len(MIGRATIONS)


def _split_sql(script: str) -> Iterator[str]:
    """Yield the complete statements of ``script`` (triggers keep their inner ``;``).

    Why: ``executescript`` commits first, which would break the migration's
    single transaction.
    """
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                yield buffer
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {buffer[:60]!r}")


def _migrate(conn: sqlite3.Connection, actor: str) -> None:
    """Apply the pending migrations in one transaction (all or nothing)."""
    target = len(MIGRATIONS)
    conn.execute("PRAGMA foreign_keys = OFF")  # table rebuilds need it; checked below
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[start:]:
                if callable(step):
                    step(conn)
                else:
                    for statement in _split_sql(step):
                        conn.execute(statement)
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise sqlite3.IntegrityError("foreign key violation after migration")
            conn.execute(f"PRAGMA user_version = {int(target)}")
            if 0 < start < target:
                _insert_audit(conn, actor, "schema.migrate", {"from": start, "to": target})
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


# ---------------------------------------------------------------------------
# Plain records returned by Round
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInfo:
    """The round's identity, as written into every template's ``_meta`` sheet."""

    id: str
    name: str
    year: int
    created_at: str
    app_version: str
    catalogue_version: str
    catalogue_hash: str
    schema_version: int


@dataclass(frozen=True)
class CatalogueSnapshot:
    """The catalogue the round was created with, so it can be rescored as it was."""

    version: str
    hash: str
    json_text: str


@dataclass(frozen=True)
class Template:
    """One issued template workbook."""

    id: int
    entity: str
    unit: str
    file_name: str
    path: str
    issued_at: str
    deadline: str | None
    contact_person: str | None
    contact_phone: str | None
    template_version: str
    sha256: str


@dataclass(frozen=True)
class Submission:
    """One imported returned file (its bytes via ``Round.submission_content``)."""

    id: int
    entity: str
    unit: str
    file_name: str
    sha256: str
    size: int
    imported_at: str
    imported_by: str
    status: str


@dataclass(frozen=True)
class NewValue:
    """One input cell read from a returned workbook (or typed by hand)."""

    indicator_id: int
    input_key: str
    text: str | None
    number: Decimal | int | str | None = None
    row_index: int | None = None
    column_key: str | None = None
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class StoredValue:
    """An input value as kept in the round; ``current`` is False once superseded."""

    id: int
    submission_id: int | None
    entity: str
    unit: str
    indicator_id: int
    input_key: str
    row_index: int | None
    column_key: str | None
    text: str | None
    number: Decimal | None
    sheet: str | None
    cell: str | None
    current: bool
    recorded_at: str


@dataclass(frozen=True)
class Finding:
    """A problem found in a returned file; ``id``/``submission_id`` are set when read back."""

    severity: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    indicator_id: int | None = None
    input_key: str | None = None
    value: str | None = None
    id: int | None = None
    submission_id: int | None = None


@dataclass(frozen=True)
class Conflict:
    """Differing values of a shared input, and how it was settled."""

    id: int
    entity: str
    indicator_id: int
    input_key: str
    candidates: list[Any]
    detected_at: str
    resolution: Any
    reason: str | None
    resolved_at: str | None
    resolved_by: str | None


@dataclass(frozen=True)
class Override:
    """An expert's score for an indicator (points deducted for deduction indicators)."""

    id: int
    entity: str
    indicator_id: int
    score: Decimal
    reason: str
    set_by: str
    set_at: str
    active: bool


@dataclass(frozen=True)
class ScoreSnapshot:
    """The engine's last results for an entity."""

    entity: str
    computed_at: str
    results: Any


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit log."""

    id: int
    ts: str
    actor: str
    action: str
    details: dict[str, Any]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Checking a file before opening it
# ---------------------------------------------------------------------------


def _file_error(path: Path, what: str, hint: str) -> RoundFileError:
    return RoundFileError(f"“{path.name}”{what}", hint=hint)


_HINT_PICK = "请选择由本程序创建的评价轮次文件（.jeval）"
_HINT_BACKUP = "请从备份恢复该文件，或重新复制一份完整的文件"


def _check_header(path: Path) -> int:
    """Check the 100-byte SQLite header without opening the database; return user_version.

    Why: a foreign or damaged file must be refused before SQLite touches it.
    """
    if not path.exists():
        raise RoundFileError(f"找不到评价轮次文件：{path}", hint="请检查路径，或新建评价轮次")
    if not path.is_file():
        raise _file_error(path, "不是文件", _HINT_PICK)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise _file_error(path, f"无法读取（{exc.strerror or exc}）", "请检查文件权限") from exc
    if not header.startswith(_SQLITE_MAGIC):
        raise _file_error(path, "不是评价轮次文件", _HINT_PICK)
    if len(header) < 100:
        raise _file_error(path, "不完整（文件被截断）", _HINT_BACKUP)
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise _file_error(path, "是其他程序的数据库，不是评价轮次文件", _HINT_PICK)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    counts_valid = header[24:28] == header[92:96] and page_count > 0
    if page_size < 512 or size % page_size or (counts_valid and size < page_size * page_count):
        raise _file_error(path, "不完整（文件被截断或已损坏）", _HINT_BACKUP)
    version = int.from_bytes(header[60:64], "big")
    if version == 0:
        raise _file_error(path, "不是完整创建的评价轮次文件", _HINT_PICK)
    if version > len(MIGRATIONS):
        raise RoundFileError(
            f"“{path.name}”由更新版本的程序创建（文件格式版本 {version}，"
            f"本程序最高支持 {len(MIGRATIONS)}）",
            hint="请升级本程序后再打开",
        )
    return version


def _check_database(conn: sqlite3.Connection, path: Path) -> None:
    """Integrity check and presence of the round's identity row."""
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise _file_error(path, "已损坏（完整性检查未通过）", _HINT_BACKUP)
        rows = conn.execute("SELECT count(*) FROM round_info").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _HINT_BACKUP) from exc
    if rows != 1:
        raise _file_error(path, "缺少评价轮次信息，不是完整的评价轮次文件", _HINT_PICK)


def _open_checked_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection to a file that passed all checks (the caller closes it)."""
    try:
        conn = _connect(path, "ro")
    except sqlite3.Error as exc:
        raise _file_error(path, f"无法打开（{exc}）", _HINT_PICK) from exc
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) == 776:  # SQLITE_READONLY_ROLLBACK
            raise _file_error(
                path,
                "上次写入未正常结束（程序异常退出）",
                "请以编辑方式打开一次，程序会自动恢复到上次保存的状态",
            ) from exc
        raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _HINT_BACKUP) from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _HINT_BACKUP) from exc
    try:
        _check_database(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _recover_hot_journal(path: Path) -> None:
    """Let SQLite roll back an interrupted transaction (needs a writable connection)."""
    journal = path.with_name(path.name + "-journal")
    if not journal.exists():
        return
    try:
        conn = _connect(path, "rw")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _file_error(path, f"无法恢复上次中断的写入（{exc}）", _HINT_BACKUP) from exc


# ---------------------------------------------------------------------------
# Writer lock
# ---------------------------------------------------------------------------

_LOCK_OFFSET = 1 << 20  # Windows byte-range locks are mandatory: lock past the holder text
_HELD_ERRNOS = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK}
_O_BINARY = getattr(os, "O_BINARY", 0)  # no newline translation on Windows


def _os_lock(fd: int) -> None:
    """Take an exclusive, non-blocking OS lock on ``fd``; OSError if held or unsupported."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _os_unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (for lock files without OS locks)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


class _WriterLock:
    """``<round>.lock`` beside the round, held while a program has it open for writing."""

    def __init__(self, round_path: Path) -> None:
        self.path = round_path.with_name(round_path.name + ".lock")
        self._fd: int | None = None
        self._os_locked = False

    def acquire(self) -> None:
        """Take the lock or raise RoundLockedError naming the holder."""
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _O_BINARY, 0o644)
            except OSError as exc:
                raise RoundFileError(
                    f"无法在“{self.path.parent}”中创建锁文件（{exc.strerror or exc}）",
                    hint="文件夹不可写时请以只读方式打开，或把评价轮次文件复制到可写的文件夹",
                ) from exc
            try:
                if self._try_lock(fd):
                    self._fd = fd
                    self._write_holder()
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the file was replaced between open and lock: try again
        raise RoundLockedError(f"无法锁定评价轮次文件（{self.path}）", hint="请稍后重试")

    def _try_lock(self, fd: int) -> bool:
        try:
            _os_lock(fd)
        except OSError as exc:
            if exc.errno in _HELD_ERRNOS:
                raise self._locked_error(_read_holder(fd)) from exc
            holder = _read_holder(fd)  # no OS locks here: fall back to pid + host
            if holder and self._holder_alive(holder):
                raise self._locked_error(holder) from exc
            self._os_locked = False
            return True
        self._os_locked = True
        if sys.platform == "win32":
            return True
        try:  # a releasing writer may have unlinked the file we locked
            return os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            return False

    @staticmethod
    def _holder_alive(holder: dict[str, Any]) -> bool:
        if holder.get("host") != socket.gethostname():
            return True  # cannot tell for another computer: assume it still works
        return _pid_alive(int(holder.get("pid") or 0))

    def _locked_error(self, holder: dict[str, Any]) -> RoundLockedError:
        who = "，".join(
            part
            for part in (
                f"计算机 {holder['host']}" if holder.get("host") else "",
                f"用户 {holder['user']}" if holder.get("user") else "",
                f"进程 {holder['pid']}" if holder.get("pid") else "",
                f"自 {holder['since']} 起" if holder.get("since") else "",
            )
            if part
        )
        return RoundLockedError(
            f"该评价轮次文件正由另一程序（{who or '未知'}）打开，不能同时编辑",
            hint="请先在该程序中关闭此评价轮次，或以只读方式打开",
        )

    def _write_holder(self) -> None:
        assert self._fd is not None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": _default_actor(),
            "since": _now(),
            "app_version": __version__,
        }
        data = _dumps(holder).encode("utf-8")
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, data)

    def release(self) -> None:
        """Drop the lock and remove the lock file (unlink first on POSIX: no window)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform != "win32" or not self._os_locked:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        with contextlib.suppress(OSError):
            if self._os_locked:
                _os_unlock(fd)
        os.close(fd)
        if sys.platform == "win32":
            with contextlib.suppress(OSError):  # fails harmlessly if another writer has it
                os.unlink(self.path)


# ---------------------------------------------------------------------------
# Creating a round file
# ---------------------------------------------------------------------------


def _exists_error(path: Path) -> RoundFileError:
    return RoundFileError(f"文件已存在：{path}", hint="请换一个文件名，或先移走原文件")


def _publish(tmp: Path, path: Path) -> None:
    """Move the finished temp file to ``path`` without ever replacing an existing file."""
    try:
        os.link(tmp, path)  # atomic, fails if path exists
    except FileExistsError as exc:
        raise _exists_error(path) from exc
    except OSError:  # no hard links on this file system
        if path.exists():
            raise _exists_error(path) from None
        os.rename(tmp, path)  # Windows refuses to replace; POSIX: we hold the writer lock
    else:
        os.unlink(tmp)
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _fill_new_round(
    conn: sqlite3.Connection,
    actor: str,
    *,
    name: str,
    year: int,
    catalogue: tuple[str, str, bytes],
    params: Mapping[str, Any],
    entities: Sequence[str],
) -> None:
    round_id = uuid.uuid4().hex
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO round_info (singleton, id, name, year, created_at, app_version)"
            " VALUES (1, ?, ?, ?, ?, ?)",
            (round_id, name, int(year), _now(), __version__),
        )
        conn.execute(
            "INSERT INTO catalogue_snapshot (singleton, version, hash, json) VALUES (1, ?, ?, ?)",
            catalogue,
        )
        conn.executemany(
            "INSERT INTO params (key, value) VALUES (?, ?)",
            [(str(key), json.dumps(value, ensure_ascii=False)) for key, value in params.items()],
        )
        conn.executemany(
            "INSERT INTO entities (name, position) VALUES (?, ?)",
            [(entity, i) for i, entity in enumerate(entities)],
        )
        _insert_audit(
            conn,
            actor,
            "round.create",
            {
                "id": round_id,
                "name": name,
                "year": year,
                "catalogue_version": catalogue[0],
                "catalogue_hash": catalogue[1],
                "entities": list(entities),
                "params": dict(params),
            },
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# ---------------------------------------------------------------------------
# The round
# ---------------------------------------------------------------------------


class Round:
    """An open evaluation round.  Use ``Round.create`` / ``Round.open``, then ``close``.

    A Round is used by one thread at a time.  Every write method is its own
    transaction unless it runs inside ``transaction()``, where it joins the
    caller's transaction (so one import is all or nothing).
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

    # -- life cycle ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str,
        year: int,
        catalogue_version: str,
        catalogue_hash: str,
        catalogue_json: str | bytes,
        params: Mapping[str, Any],
        entities: Sequence[str] = ("济南市",),
        actor: str | None = None,
    ) -> Round:
        """Create a new round file and open it for writing.

        Built in a temp file beside ``path`` and moved into place only when
        complete, so a failure never leaves a half-created round; an existing
        file is never replaced.
        """
        path = Path(path)
        actor = actor or _default_actor()
        if isinstance(catalogue_json, str):
            catalogue_json = catalogue_json.encode("utf-8")
        json.loads(catalogue_json)  # ValueError for a caller passing something else
        if not str(name).strip() or not entities or len(set(entities)) != len(entities):
            raise ValueError("a round needs a name and distinct entities")
        if path.exists():
            raise _exists_error(path)
        if not path.parent.is_dir():
            raise RoundFileError(f"文件夹不存在：{path.parent}", hint="请先创建该文件夹")
        lock = _WriterLock(path)
        lock.acquire()
        try:
            if path.exists():
                raise _exists_error(path)
            cls._build(
                path,
                actor,
                name=str(name).strip(),
                year=year,
                catalogue=(catalogue_version, catalogue_hash, catalogue_json),
                params=params,
                entities=list(entities),
            )
            conn = _connect(path, "rw")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            lock.release()
            raise
        return cls(conn, path, readonly=False, lock=lock, actor=actor)

    @staticmethod
    def _build(path: Path, actor: str, **content: Any) -> None:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            conn = _connect(tmp, "rwc")
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                _migrate(conn, actor)
                _fill_new_round(conn, actor, **content)
            finally:
                conn.close()
            _publish(tmp, path)
        except (OSError, sqlite3.OperationalError) as exc:
            raise RoundFileError(
                f"无法创建评价轮次文件：{path}（{exc}）", hint="请检查磁盘空间和文件夹权限"
            ) from exc
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, readonly: bool = False, actor: str | None = None
    ) -> Round:
        """Open an existing round; RoundFileError (nothing changed) if it is not a sound round.

        For writing, takes the writer lock (RoundLockedError if another program
        has it), rolls back a transaction interrupted by a crash, and migrates
        an older schema in one transaction.  Read-only opens of an older schema
        migrate an in-memory copy, leaving the file untouched.
        """
        path = Path(path)
        actor = actor or _default_actor()
        version = _check_header(path)
        if readonly:
            conn = _open_checked_ro(path)
            if version < len(MIGRATIONS):
                memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
                conn.backup(memory)
                conn.close()
                conn = memory
                conn.row_factory = sqlite3.Row
                _migrate(conn, actor)
            conn.execute("PRAGMA query_only = ON")
            return cls(conn, path, readonly=True, lock=None, actor=actor)
        lock = _WriterLock(path)
        lock.acquire()
        try:
            _recover_hot_journal(path)
            _open_checked_ro(path).close()
            conn = _connect(path, "rw")
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA synchronous = FULL")
                if version < len(MIGRATIONS):
                    _migrate(conn, actor)
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise _file_error(
                    path,
                    f"升级文件格式失败（{exc}），文件未被修改",
                    "请把该文件和此提示发给技术支持",
                ) from exc
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            lock.release()
            raise _file_error(path, f"无法打开（{exc}）", _HINT_BACKUP) from exc
        except BaseException:
            lock.release()
            raise
        return cls(conn, path, readonly=False, lock=lock, actor=actor)

    def close(self) -> None:
        """Close the file and release the writer lock (an open transaction is rolled back)."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._conn.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Round:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Round({str(self.path)!r}, readonly={self.readonly})"

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

    # -- identity, catalogue, entities --------------------------------------

    @property
    def info(self) -> RoundInfo:
        """The round's identity (written into templates, checked on import)."""
        row = self._rows(
            "SELECT r.id, r.name, r.year, r.created_at, r.app_version,"
            " c.version AS catalogue_version, c.hash AS catalogue_hash"
            " FROM round_info r, catalogue_snapshot c"
        )[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return RoundInfo(**row, schema_version=version)

    def catalogue(self) -> CatalogueSnapshot:
        """The catalogue snapshot the round was created with (to rescore as it was)."""
        row = self._rows("SELECT version, hash, json FROM catalogue_snapshot")[0]
        return CatalogueSnapshot(row["version"], row["hash"], bytes(row["json"]).decode("utf-8"))

    def list_entities(self) -> list[str]:
        """The evaluated entities (济南市, or several districts), in creation order."""
        return [r["name"] for r in self._rows("SELECT name FROM entities ORDER BY position")]

    def add_entity(self, name: str) -> None:
        """Add an evaluated entity (e.g. a district) so it can get templates and scores."""
        name = name.strip()
        if not name:
            raise ValueError("entity name must not be empty")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO entities (name, position)"
                " VALUES (?, (SELECT coalesce(max(position), -1) + 1 FROM entities))",
                (name,),
            )
            self._audit("entity.add", {"name": name})

    # -- parameters ---------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """All round parameters (defaults were given by the caller at creation)."""
        return {r["key"]: json.loads(r["value"]) for r in self._rows("SELECT * FROM params")}

    def get_param(self, key: str, default: Any = None) -> Any:
        """One round parameter, or ``default`` if the round does not set it."""
        return self.get_params().get(key, default)

    def set_params(self, changes: Mapping[str, Any]) -> None:
        """Change parameters; each real change is audited with its old and new value."""
        with self.transaction():
            old = self.get_params()
            for key, value in changes.items():
                if key in old and old[key] == value:
                    continue
                self._conn.execute(
                    "INSERT INTO params (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value, ensure_ascii=False)),
                )
                self._audit("params.set", {"key": key, "old": old.get(key), "new": value})

    def set_param(self, key: str, value: Any) -> None:
        """Change one parameter (audited)."""
        self.set_params({key: value})

    # -- templates ----------------------------------------------------------

    def record_template(
        self,
        *,
        entity: str,
        unit: str,
        file_name: str,
        path: str | os.PathLike[str],
        sha256: str,
        template_version: str,
        deadline: str | None = None,
        contact_person: str | None = None,
        contact_phone: str | None = None,
        issued_at: str | None = None,
    ) -> int:
        """Record an issued template, so returns can be matched and reminders sent."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO templates (entity, unit, file_name, path, issued_at, deadline,"
                " contact_person, contact_phone, template_version, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entity,
                    unit,
                    file_name,
                    str(path),
                    issued_at or _now(),
                    deadline,
                    contact_person,
                    contact_phone,
                    template_version,
                    sha256.lower(),
                ),
            )
            self._audit(
                "template.record",
                {"id": cur.lastrowid, "entity": entity, "unit": unit, "file_name": file_name},
            )
        return int(cur.lastrowid)

    def list_templates(self, entity: str | None = None) -> list[Template]:
        """Issued templates, oldest first (a unit may have been issued several)."""
        rows = self._rows(
            "SELECT * FROM templates WHERE ?1 IS NULL OR entity = ?1 ORDER BY id", (entity,)
        )
        return [Template(**row) for row in rows]

    # -- submissions --------------------------------------------------------

    def add_submission(
        self,
        *,
        entity: str,
        unit: str,
        file_name: str,
        content: bytes,
        status: str = "accepted",
        imported_by: str | None = None,
    ) -> int:
        """Keep a returned file byte for byte, so every value can be traced to its file."""
        digest = hashlib.sha256(content).hexdigest()
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO submissions (entity, unit, file_name, sha256, content,"
                " imported_at, imported_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entity,
                    unit,
                    file_name,
                    digest,
                    content,
                    _now(),
                    imported_by or self.actor,
                    status,
                ),
            )
            self._audit(
                "submission.add",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "unit": unit,
                    "file_name": file_name,
                    "sha256": digest,
                    "status": status,
                },
            )
        return int(cur.lastrowid)

    def list_submissions(self, entity: str | None = None) -> list[Submission]:
        """Imported files, oldest first, without their bytes."""
        rows = self._rows(
            "SELECT id, entity, unit, file_name, sha256, length(content) AS size, imported_at,"
            " imported_by, status FROM submissions WHERE ?1 IS NULL OR entity = ?1 ORDER BY id",
            (entity,),
        )
        return [Submission(**row) for row in rows]

    def submission_content(self, submission_id: int) -> bytes:
        """The returned file's original bytes (to save it again or re-import it)."""
        row = self._conn.execute(
            "SELECT content FROM submissions WHERE id = ?", (submission_id,)
        ).fetchone()
        if row is None:
            raise KeyError(submission_id)
        return bytes(row[0])

    def set_submission_status(self, submission_id: int, status: str, reason: str = "") -> None:
        """Reject or supersede a file; its values stop being current (they are not restored)."""
        if status not in SUBMISSION_STATUSES:
            raise ValueError(f"unknown submission status {status!r}")
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE submissions SET status = ? WHERE id = ?", (status, submission_id)
            )
            if cur.rowcount != 1:
                raise KeyError(submission_id)
            if status != "accepted":
                self._conn.execute(
                    "UPDATE input_values SET current = 0 WHERE submission_id = ?",
                    (submission_id,),
                )
            self._audit(
                "submission.status", {"id": submission_id, "status": status, "reason": reason}
            )

    # -- values -------------------------------------------------------------

    def add_values(
        self,
        submission_id: int | None,
        values: Iterable[NewValue],
        *,
        entity: str | None = None,
        unit: str | None = None,
    ) -> int:
        """Store values as current; earlier values of the same inputs are kept, not current.

        Entity and unit come from the submission; values typed by hand pass
        ``submission_id=None`` with both.  A new value replaces the whole input
        (all table rows) of the same entity and unit; return the count stored.
        """
        values = list(values)
        with self.transaction():
            if submission_id is not None:
                row = self._conn.execute(
                    "SELECT entity, unit FROM submissions WHERE id = ?", (submission_id,)
                ).fetchone()
                if row is None:
                    raise KeyError(submission_id)
                if entity not in (None, row["entity"]) or unit not in (None, row["unit"]):
                    raise ValueError("entity/unit differ from the submission's")
                entity, unit = row["entity"], row["unit"]
            if entity is None or unit is None:
                raise ValueError("values typed by hand need entity and unit")
            superseded = 0
            for indicator_id, input_key in dict.fromkeys(
                (v.indicator_id, v.input_key) for v in values
            ):
                superseded += self._conn.execute(
                    "UPDATE input_values SET current = 0 WHERE entity = ? AND unit = ?"
                    " AND indicator_id = ? AND input_key = ? AND current = 1",
                    (entity, unit, indicator_id, input_key),
                ).rowcount
            now = _now()
            self._conn.executemany(
                "INSERT INTO input_values (submission_id, entity, unit, indicator_id, input_key,"
                " row_index, column_key, value_text, value_num, source_sheet, source_cell,"
                " current, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                [
                    (
                        submission_id,
                        entity,
                        unit,
                        v.indicator_id,
                        v.input_key,
                        v.row_index,
                        v.column_key,
                        v.text,
                        _decimal_text(v.number),
                        v.sheet,
                        v.cell,
                        now,
                    )
                    for v in values
                ],
            )
            self._audit(
                "values.add",
                {
                    "submission_id": submission_id,
                    "entity": entity,
                    "unit": unit,
                    "count": len(values),
                    "superseded": superseded,
                },
            )
        return len(values)

    _VALUE_COLUMNS = (
        "id, submission_id, entity, unit, indicator_id, input_key, row_index, column_key,"
        " value_text AS text, value_num AS number, source_sheet AS sheet, source_cell AS cell,"
        " current, recorded_at"
    )

    def _tuples(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        """Rows as plain tuples (no ``sqlite3.Row`` per row)."""
        cur = self._conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, args)

    def _values(self, sql: str, args: Sequence[Any]) -> Iterator[StoredValue]:
        """Value rows as StoredValue, built from plain tuples in column order (scoring reads
        every current value of an entity each time, so this is on the re-score path)."""
        for (vid, sub, entity, unit, ind, key, row, col, text, number, sheet, cell, current,
             recorded) in self._tuples(sql, args):
            yield StoredValue(vid, sub, entity, unit, ind, key, row, col, text,
                              None if number is None else Decimal(number), sheet, cell,
                              bool(current), recorded)

    def current_values(self, entity: str, *, notes: bool = True
                       ) -> dict[int, dict[str, list[StoredValue]]]:
        """``{indicator_id: {input_key: [values]}}`` of current values, for the engine.

        A list because table inputs have rows/columns and per-unit inputs one
        value per unit; ordered by unit, row, column. ``notes=False`` leaves out the
        keys that start with ``_`` (evidence, notes, filler: never scored), which are
        about two fifths of the rows.
        """
        result: dict[int, dict[str, list[StoredValue]]] = {}
        for value in self._values(
            f"SELECT {self._VALUE_COLUMNS} FROM input_values WHERE entity = ? AND current = 1"
            + ("" if notes else " AND input_key NOT GLOB '_*'")
            + " ORDER BY indicator_id, input_key, unit, row_index, column_key, id",
            (entity,),
        ):
            result.setdefault(value.indicator_id, {}).setdefault(value.input_key, []).append(value)
        return result

    def value_history(self, entity: str, indicator_id: int, input_key: str) -> list[StoredValue]:
        """Every value ever recorded for one input, oldest first (superseded ones too)."""
        return list(self._values(
            f"SELECT {self._VALUE_COLUMNS} FROM input_values WHERE entity = ?"
            " AND indicator_id = ? AND input_key = ? ORDER BY id",
            (entity, indicator_id, input_key),
        ))

    # -- findings -----------------------------------------------------------

    def add_findings(self, submission_id: int, findings: Iterable[Finding]) -> int:
        """Keep what the import found in a file, so it can be shown and sent back."""
        findings = list(findings)
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO findings (submission_id, severity, sheet, cell, indicator_id,"
                " input_key, value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        submission_id,
                        f.severity,
                        f.sheet,
                        f.cell,
                        f.indicator_id,
                        f.input_key,
                        f.value,
                        f.message,
                    )
                    for f in findings
                ],
            )
        return len(findings)

    def list_findings(self, submission_id: int | None = None) -> list[Finding]:
        """Findings of one submission (or all), in the order found."""
        rows = self._rows(
            "SELECT * FROM findings WHERE ?1 IS NULL OR submission_id = ?1 ORDER BY id",
            (submission_id,),
        )
        return [Finding(**row) for row in rows]

    # -- conflicts ----------------------------------------------------------

    def add_conflict(
        self, entity: str, indicator_id: int, input_key: str, candidates: Sequence[Any]
    ) -> int:
        """Record units reporting different values for a shared input."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO conflicts (entity, indicator_id, input_key, candidates, detected_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (entity, indicator_id, input_key, _dumps(list(candidates)), _now()),
            )
            self._audit(
                "conflict.add",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "indicator_id": indicator_id,
                    "input_key": input_key,
                },
            )
        return int(cur.lastrowid)

    def resolve_conflict(self, conflict_id: int, resolution: Any, reason: str) -> None:
        """Settle a conflict; the reason is mandatory because the report cites it."""
        if not reason.strip():
            raise ValueError("a conflict resolution needs a reason")
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE conflicts SET resolution = ?, reason = ?, resolved_at = ?,"
                " resolved_by = ? WHERE id = ?",
                (_dumps(resolution), reason.strip(), _now(), self.actor, conflict_id),
            )
            if cur.rowcount != 1:
                raise KeyError(conflict_id)
            self._audit(
                "conflict.resolve",
                {"id": conflict_id, "resolution": resolution, "reason": reason.strip()},
            )

    def list_conflicts(
        self, entity: str | None = None, *, open_only: bool = False
    ) -> list[Conflict]:
        """Conflicts, oldest first; ``open_only`` leaves out the resolved ones."""
        rows = self._rows(
            "SELECT * FROM conflicts WHERE (?1 IS NULL OR entity = ?1)"
            " AND (?2 = 0 OR resolved_at IS NULL) ORDER BY id",
            (entity, int(open_only)),
        )
        for row in rows:
            row["candidates"] = json.loads(row["candidates"])
            row["resolution"] = None if row["resolution"] is None else json.loads(row["resolution"])
        return [Conflict(**row) for row in rows]

    # -- expert overrides ---------------------------------------------------

    def set_override(
        self, entity: str, indicator_id: int, score: Decimal | int | str, reason: str
    ) -> int:
        """Give an indicator an expert score (or points deducted); replaces an active one.

        The reason is mandatory since 专家评分 must be justified in the report.
        """
        if not reason.strip():
            raise ValueError("an expert override needs a reason")
        score_text = _decimal_text(score)
        assert score_text is not None
        if not Decimal(0) <= Decimal(score_text) <= Decimal(100):
            raise ValueError(f"override score must be in [0, 100], not {score}")
        with self.transaction():
            self._conn.execute(
                "UPDATE overrides SET active = 0 WHERE entity = ? AND indicator_id = ?"
                " AND active = 1",
                (entity, indicator_id),
            )
            cur = self._conn.execute(
                "INSERT INTO overrides (entity, indicator_id, score, reason, set_by, set_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (entity, indicator_id, score_text, reason.strip(), self.actor, _now()),
            )
            self._audit(
                "override.set",
                {
                    "id": cur.lastrowid,
                    "entity": entity,
                    "indicator_id": indicator_id,
                    "score": score_text,
                    "reason": reason.strip(),
                },
            )
        return int(cur.lastrowid)

    def clear_override(self, entity: str, indicator_id: int, reason: str) -> bool:
        """Return an indicator to its computed score; False if it had no override."""
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE overrides SET active = 0 WHERE entity = ? AND indicator_id = ?"
                " AND active = 1",
                (entity, indicator_id),
            )
            if cur.rowcount:
                self._audit(
                    "override.clear",
                    {"entity": entity, "indicator_id": indicator_id, "reason": reason},
                )
        return bool(cur.rowcount)

    def list_overrides(
        self, entity: str | None = None, *, active_only: bool = True
    ) -> list[Override]:
        """Expert overrides (the active ones by default, else with their history)."""
        rows = self._rows(
            "SELECT * FROM overrides WHERE (?1 IS NULL OR entity = ?1)"
            " AND (?2 = 0 OR active = 1) ORDER BY id",
            (entity, int(active_only)),
        )
        for row in rows:
            row["score"] = Decimal(row["score"])
            row["active"] = bool(row["active"])
        return [Override(**row) for row in rows]

    # -- scores -------------------------------------------------------------

    def save_scores(self, entity: str, results: Any) -> None:
        """Keep the last results (JSON; Decimals as text) so lists and reports open fast."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO scores (entity, computed_at, results) VALUES (?, ?, ?)"
                " ON CONFLICT (entity) DO UPDATE SET computed_at = excluded.computed_at,"
                " results = excluded.results",
                (entity, _now(), _dumps(results)),
            )

    def load_scores(self, entity: str) -> ScoreSnapshot | None:
        """The last saved results of ``entity``, or None if never scored."""
        rows = self._rows("SELECT * FROM scores WHERE entity = ?", (entity,))
        if not rows:
            return None
        return ScoreSnapshot(
            rows[0]["entity"], rows[0]["computed_at"], json.loads(rows[0]["results"])
        )

    # -- audit log ----------------------------------------------------------

    def audit(self, action: str, details: Mapping[str, Any] | None = None) -> int:
        """Append a row to the audit log (e.g. export, report); rows can never change."""
        with self.transaction():
            return self._audit(action, details)

    def _audit(self, action: str, details: Mapping[str, Any] | None) -> int:
        return _insert_audit(self._conn, self.actor, action, dict(details or {}))

    def audit_log(self, action: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first (optionally one action only)."""
        rows = self._rows(
            "SELECT * FROM audit_log WHERE ?1 IS NULL OR action = ?1 ORDER BY id", (action,)
        )
        for row in rows:
            row["details"] = json.loads(row["details"])
        return [AuditEntry(**row) for row in rows]


__all__ = [
    "APPLICATION_ID",
    "FILE_SUFFIX",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AuditEntry",
    "CatalogueSnapshot",
    "Conflict",
    "Finding",
    "NewValue",
    "Override",
    "Round",
    "RoundInfo",
    "ScoreSnapshot",
    "StoredValue",
    "Submission",
    "Template",
]
