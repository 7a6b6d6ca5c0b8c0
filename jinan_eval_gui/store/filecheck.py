"""Checking a round file before anything can change it, and recovering an interrupted write.

Header bytes first (SQLite magic, our ``application_id``, schema version, truncation), then a
``mode=ro`` connection for ``PRAGMA integrity_check``; every refusal is a Chinese
:class:`~jinan_eval_gui.errors.RoundFileError` that says what to do.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError

from .db import _SQLITE_MAGIC, APPLICATION_ID, _connect
from .schema import latest_version


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
