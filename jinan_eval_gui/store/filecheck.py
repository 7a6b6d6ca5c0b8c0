"""Checking a round file before it is used, and recovering an interrupted write.

Order matters, because a write killed half-way leaves the file inconsistent on purpose (the
rollback journal beside it holds the original pages) and SQLite repairs it on the next open:

1. identity from the raw header bytes, before SQLite touches the file: SQLite magic, length,
   our ``application_id`` (both never change after creation);
2. a hot journal (``<round>-journal``) is rolled back as SQLite intends: by a writable
   connection; where the folder cannot be written, in a temporary copy read into memory;
3. under a read transaction (so no writer is half-way through a commit), the layout from
   the header (page size, page count against the file size: truncation) and the schema
   version, then ``PRAGMA integrity_check`` and the round's identity row.

Every refusal is a Chinese :class:`~jinan_eval_gui.errors.RoundFileError` that says what to do,
offering the latest automatic backup where one exists.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError

from .backupnames import latest_backup
from .db import _SQLITE_MAGIC, APPLICATION_ID, _connect
from .schema import latest_version

_SQLITE_BUSY = 5
_SQLITE_READONLY_ROLLBACK = 776


def _file_error(path: Path, what: str, hint: str) -> RoundFileError:
    return RoundFileError(f"“{path.name}”{what}", hint=hint)


_HINT_PICK = "请选择由本程序创建的评价轮次文件（.jeval）"
_HINT_BACKUP = "请从备份恢复该文件，或重新复制一份完整的文件"


def _hint_backup(path: Path) -> str:
    """The hint for a damaged round: its latest automatic backup if there is one."""
    try:
        latest = latest_backup(path)
    except OSError:
        latest = None
    if latest is None:
        return _HINT_BACKUP
    return (f"可以恢复到最近的自动备份“{latest.path.name}”（{latest.label}）："
            f"命令行 jinan-eval restore \"{path.name}\" --from 1，或在窗口中选择“文件 › 从自动备份恢复”")


class _HotJournal(Exception):
    """A read-only connection met a journal that needs rolling back (internal signal)."""


def journal_path(path: Path) -> Path:
    """The rollback journal SQLite keeps beside ``path`` during a write."""
    return path.with_name(path.name + "-journal")


# -- 1. identity ---------------------------------------------------------------------------
def _read_header(path: Path) -> tuple[bytes, int]:
    if not path.exists():
        raise RoundFileError(f"找不到评价轮次文件：{path}", hint="请检查路径，或新建评价轮次")
    if not path.is_file():
        raise _file_error(path, "不是文件", _HINT_PICK)
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
            size = fh.seek(0, 2)
    except OSError as exc:
        raise _file_error(path, f"无法读取（{exc.strerror or exc}）", "请检查文件权限") from exc
    return header, size


def _check_identity(path: Path) -> None:
    """Refuse a file that is not one of our rounds before SQLite touches it.

    Only what no transaction changes is judged here; size and version wait for step 3.
    """
    header, _size = _read_header(path)
    if not header.startswith(_SQLITE_MAGIC):
        raise _file_error(path, "不是评价轮次文件", _HINT_PICK)
    if len(header) < 100:
        raise _file_error(path, "不完整（文件被截断）", _hint_backup(path))
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise _file_error(path, "是其他程序的数据库，不是评价轮次文件", _HINT_PICK)


# -- 2. recovery ---------------------------------------------------------------------------
def _recover_hot_journal(path: Path) -> bool:
    """Let SQLite roll back an interrupted transaction; False if it cannot write here.

    A journal that is not hot (a live writer's, or an emptied one) is left to SQLite, which
    knows the difference; rolling back twice is harmless, so a failed attempt costs nothing.
    """
    if not journal_path(path).exists():
        return True
    try:
        conn = _connect(path, "rw")
    except sqlite3.Error:
        return False  # read-only file or folder
    try:
        conn.execute("PRAGMA user_version").fetchone()  # a shared lock: SQLite rolls back here
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_BUSY:
            raise _busy_error(path) from exc
        return False  # cannot write the file or delete the journal: recover in a copy
    except sqlite3.DatabaseError as exc:
        raise _file_error(path, f"无法恢复上次中断的写入（{exc}）", _hint_backup(path)) from exc
    finally:
        conn.close()
    return True


def _busy_error(path: Path) -> RoundFileError:
    return _file_error(path, "正被另一程序写入，暂时无法读取", "请稍后重试")


# -- 3. layout, version, integrity ---------------------------------------------------------
def _check_layout(path: Path) -> int:
    """Size against the header's page count, and the schema version; returns the version.

    Runs under a read transaction: a committing writer holds SQLite's exclusive lock, so the
    file read here is never half-written by a live writer.
    """
    header, size = _read_header(path)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    counts_valid = header[24:28] == header[92:96] and page_count > 0
    if page_size < 512 or size % page_size or (counts_valid and size < page_size * page_count):
        raise _file_error(path, "不完整（文件被截断或已损坏）", _hint_backup(path))
    version = int.from_bytes(header[60:64], "big")
    if version == 0:
        raise _file_error(path, "不是完整创建的评价轮次文件", _HINT_PICK)
    if version > latest_version():
        raise RoundFileError(
            f"“{path.name}”由更新版本的程序创建（文件格式版本 {version}，"
            f"本程序最高支持 {latest_version()}）",
            hint="请升级本程序后再打开",
        )
    return version


def _check_database(conn: sqlite3.Connection, path: Path) -> None:
    """Integrity check and presence of the round's identity row."""
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise _file_error(path, "已损坏（完整性检查未通过）", _hint_backup(path))
        rows = conn.execute("SELECT count(*) FROM round_info").fetchone()[0]
    except UnicodeDecodeError as exc:  # the check's report quotes damaged names
        raise _file_error(path, "已损坏（完整性检查未通过）", _hint_backup(path)) from exc
    except sqlite3.DatabaseError as exc:
        raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _hint_backup(path)) from exc
    if rows != 1:
        raise _file_error(path, "缺少评价轮次信息，不是完整的评价轮次文件", _HINT_PICK)


def _open_checked_ro(path: Path) -> tuple[sqlite3.Connection, int]:
    """A read-only connection to a file that passed steps 1 and 3, and its schema version.

    Raises :class:`_HotJournal` if the file still needs step 2 (the caller closes nothing).
    """
    try:
        conn = _connect(path, "ro")
    except sqlite3.Error as exc:
        raise _file_error(path, f"无法打开（{exc}）", _HINT_PICK) from exc
    try:
        try:
            conn.execute("BEGIN")
            conn.execute("PRAGMA user_version").fetchone()  # holds SQLite's shared lock
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code == _SQLITE_READONLY_ROLLBACK:
                raise _HotJournal from exc
            if code == _SQLITE_BUSY:
                raise _busy_error(path) from exc
            _check_layout(path)  # a truncated file says so rather than "malformed"
            raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _hint_backup(path)) from exc
        except sqlite3.DatabaseError as exc:
            _check_layout(path)
            raise _file_error(path, f"已损坏或不是评价轮次文件（{exc}）", _hint_backup(path)) from exc
        version = _check_layout(path)
        _check_database(conn, path)
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return conn, version


def _open_writable_checked(path: Path) -> int:
    """Steps 2 and 3 for a writer (who holds the writer lock); returns the schema version."""
    if not _recover_hot_journal(path):
        raise _file_error(
            path, "上次写入未正常结束，但该位置不可写，无法自动恢复",
            "请把该文件连同同名的“-journal”文件复制到可写的文件夹后再打开，或以只读方式打开")
    try:
        conn, version = _open_checked_ro(path)
    except _HotJournal as exc:  # a program that ignores our writer lock died just now
        raise _file_error(path, "上次写入未正常结束", "请重新打开一次") from exc
    conn.close()
    return version


def _open_readonly(path: Path) -> tuple[sqlite3.Connection, int, bool]:
    """Steps 2 and 3 for a reader: ``(connection, version, in_memory)``.

    A reader takes no writer lock, but rolling back a hot journal is safe for it as for
    anyone: SQLite's own locks decide whether the journal is hot. Where the file cannot be
    written, the recovery happens in a copy, leaving the file as it is.
    """
    for _ in range(3):
        if not _recover_hot_journal(path):
            return (*_recovered_copy(path), True)
        try:
            conn, version = _open_checked_ro(path)
        except _HotJournal:
            continue  # a writer died between our recovery and our open: once more
        return conn, version, False
    raise _file_error(path, "上次写入未正常结束，且无法自动恢复", _hint_backup(path))


def _recovered_copy(path: Path) -> tuple[sqlite3.Connection, int]:
    """Roll the journal back in a temporary copy and read the result into memory."""
    with tempfile.TemporaryDirectory(prefix="jeval-") as folder:
        copy = Path(folder) / path.name
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(journal_path(path), journal_path(copy))
        except OSError as exc:
            raise _file_error(path, f"无法读取（{exc.strerror or exc}）", "请检查文件权限") from exc
        if not _recover_hot_journal(copy):
            raise _file_error(path, "上次写入未正常结束，且无法自动恢复", _hint_backup(path))
        try:
            conn, version = _open_checked_ro(copy)
        except _HotJournal as exc:
            raise _file_error(path, "上次写入未正常结束，且无法自动恢复",
                              _hint_backup(path)) from exc
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            conn.backup(memory)
        finally:
            conn.close()
    memory.row_factory = sqlite3.Row
    return memory, version
