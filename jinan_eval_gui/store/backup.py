"""Automatic backups of a round, and restoring one.

Before every import and export the round is copied into the folder ``<name>_自动备份`` beside
it, as ``<name>_<YYYYMMDD-HHMMSS>_<reason>.jeval`` (a sound round file that opens like any
other). The copy is made with SQLite's online backup API through the round's own connection,
so it is a consistent snapshot even while the file is open; it is written under a temporary
name and renamed only when complete. A backup is skipped when the round has not changed since
the newest one (file times), and only the newest :data:`KEEP_BACKUPS` are kept.

Restoring (:func:`restore`) takes the writer lock, so no program has the round open for
writing; it first keeps the current file (a backup, or a raw copy when it is too damaged to
open), then replaces the round with the chosen backup in one rename, with a ``round.restore``
entry already in the restored file's audit log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.system import oserrors, tempfiles

from .backupnames import (
    _NAME,
    _STAMP,
    DAMAGED_SUFFIX,
    KEEP_BACKUPS,
    REASON_RESTORE,
    Backup,
    backup_folder,
    free_name,
    latest_backup,
    list_backups,
)
from .db import FILE_SUFFIX, _default_actor, _insert_audit
from .filecheck import journal_path
from .lock import _WriterLock
from .round import Round

__all__ = ["KEEP_BACKUPS", "Backup", "Restored", "backup_round", "prune", "restore"]


@dataclass(frozen=True)
class Restored:
    """What a restore did: the round now holds ``source``; the old file was kept as ``saved``."""

    path: Path
    source: Path
    saved: Path | None
    name: str
    year: int


# -- making a backup -----------------------------------------------------------------------
def backup_round(rnd: Round, reason: str, *, keep: int = KEEP_BACKUPS,
                 force: bool = False) -> Backup | None:
    """Copy the open round into its backup folder; None if nothing changed since the newest.

    RoundFileError (Chinese) if the copy cannot be written, so that an import is not run
    without its backup on a full disk.
    """
    if rnd._conn.in_transaction:
        raise RuntimeError("backup_round inside a transaction")
    path = rnd.path
    latest = latest_backup(path)
    if latest is not None and not force and _unchanged_since(path, latest.path):
        return None
    with rnd._reading():
        made = _write_backup(path, reason, rnd._conn.backup)
    prune(path, keep)
    return made


def _unchanged_since(round_path: Path, backup: Path) -> bool:
    """Whether the round file was last written before the backup was made."""
    try:
        return round_path.stat().st_mtime_ns <= backup.stat().st_mtime_ns
    except OSError:
        return False


def _write_backup(round_path: Path, reason: str,
                  copy_into: Callable[[sqlite3.Connection], object]) -> Backup:
    """A new backup file written by ``copy_into(target_connection)``, renamed when complete."""
    folder = backup_folder(round_path)
    now = datetime.now()
    tmp: Path | None = None
    try:
        folder.mkdir(exist_ok=True)
        target = free_name(folder, round_path.stem, now, reason)
        tmp = tempfiles.create_beside(target)
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            copy_into(dst)
        finally:
            dst.close()
        _fsync(tmp)
        tempfiles.reveal(tmp)
        os.replace(tmp, target)
        size = target.stat().st_size
    except (OSError, sqlite3.Error) as exc:
        raise _backup_error(round_path, exc) from exc
    finally:
        if tmp is not None:
            tempfiles.remove(tmp)
    match = _NAME.search(target.name)
    return Backup(target, now.replace(microsecond=0), reason, size,
                  int(match["n"] or 0) if match else 0)


def _backup_error(round_path: Path, exc: Exception) -> RoundFileError:
    detail = oserrors.describe(exc) if isinstance(exc, OSError) else str(exc)
    return RoundFileError(
        f"无法为“{round_path.name}”建立自动备份（{detail}），为安全起见本次操作未执行",
        hint=f"备份保存在文件夹“{backup_folder(round_path)}”中；请检查磁盘空间和文件夹权限后重试",
    )


def prune(round_path: str | os.PathLike[str], keep: int = KEEP_BACKUPS) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups (and damaged copies)."""
    removed: list[Path] = []
    for old in list_backups(round_path)[max(1, keep):]:
        with contextlib.suppress(OSError):
            old.path.unlink()
            removed.append(old.path)
    folder = backup_folder(round_path)
    with contextlib.suppress(OSError):
        damaged = sorted(folder.glob(f"*{DAMAGED_SUFFIX}"), key=lambda p: p.name, reverse=True)
        for old in damaged[max(1, keep):]:
            for leftover in (old, old.with_name(old.name + "-journal")):
                leftover.unlink(missing_ok=True)
            removed.append(old)
    return removed


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- restoring -----------------------------------------------------------------------------
def restore(round_path: str | os.PathLike[str], source: str | os.PathLike[str], *,
            actor: str | None = None, keep: int = KEEP_BACKUPS) -> Restored:
    """Replace the round with the backup ``source``, keeping the current file first.

    All or nothing: the restored content (with its audit entry) is prepared in a temporary
    file and renamed over the round in one step. RoundLockedError if a program has the round
    open for writing; RoundFileError if the backup is not a sound round or belongs to
    another round.
    """
    path, source = Path(round_path), Path(source)
    actor = actor or _default_actor()
    if source.resolve() == path.resolve():
        raise RoundFileError("备份文件不能是评价轮次文件本身", hint="请选择自动备份文件夹中的备份")
    lock = _WriterLock(path)
    lock.acquire()
    tmp: Path | None = None
    try:
        with Round.open(source, readonly=True, actor=actor) as backup:
            info = backup.info
            tmp = _prepared_copy(path, backup)
        saved = _keep_current(path, info.id, info.name)
        details = {"from": source.name, "saved_current_as": saved.name if saved else None,
                   "round_id": info.id}
        _stamp_restore(tmp, path, actor, details)
        try:
            journal_path(path).unlink(missing_ok=True)  # belongs to the content being replaced
            tempfiles.reveal(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise RoundFileError(
                f"无法替换“{path.name}”（{oserrors.describe(exc)}）；原文件未改变",
                hint="请关闭正在使用该文件的程序（包括以只读方式打开它的窗口）后重试",
            ) from exc
        _fsync_folder(path.parent)
        prune(path, keep)
        return Restored(path, source, saved, info.name, info.year)
    finally:
        if tmp is not None:
            tempfiles.remove(tmp)
        lock.release()


def _prepared_copy(round_path: Path, backup: Round) -> Path:
    """The backup's content in a hidden temporary file beside the round."""
    try:
        tmp = tempfiles.create_beside(round_path)
    except OSError as exc:
        raise RoundFileError(f"无法在“{round_path.parent}”中写入（{oserrors.describe(exc)}）",
                             hint=oserrors.remedy(exc)) from exc
    try:
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            with backup._reading():
                backup._conn.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except (OSError, sqlite3.Error) as exc:
        tempfiles.remove(tmp)
        raise _backup_error(round_path, exc) from exc
    return tmp


def _stamp_restore(tmp: Path, path: Path, actor: str, details: dict[str, object]) -> None:
    """Write the ``round.restore`` audit entry into the prepared copy, then flush it to disk."""
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            _insert_audit(conn, actor, "round.restore", details)
            conn.execute("COMMIT")
        finally:
            conn.close()
        _fsync(tmp)
    except (OSError, sqlite3.Error) as exc:
        raise _backup_error(path, exc) from exc


def _keep_current(path: Path, round_id: str, backup_name: str) -> Path | None:
    """Back up the file about to be replaced: a proper backup if it opens, else a raw copy."""
    if not path.exists():
        return None
    try:
        current = Round.open(path, readonly=True)
    except RoundFileError:
        return _raw_copy(path)
    with current:
        try:
            current_id = current.info.id
        except RoundFileError:
            return _raw_copy(path)
        if current_id != round_id:
            raise RoundFileError(
                f"所选备份属于另一个评价轮次（{backup_name}），不能用来恢复“{path.name}”",
                hint="请选择本评价轮次自动备份文件夹中的备份",
            )
        with current._reading():
            return _write_backup(path, REASON_RESTORE, current._conn.backup).path


def _raw_copy(path: Path) -> Path:
    """The damaged file byte for byte (and its journal), for technical support."""
    folder = backup_folder(path)
    stamp = datetime.now().strftime(_STAMP)
    target = folder / f"{path.stem}_{stamp}_{REASON_RESTORE}{FILE_SUFFIX}{DAMAGED_SUFFIX}"
    try:
        folder.mkdir(exist_ok=True)
        shutil.copyfile(path, target)
        if journal_path(path).exists():
            shutil.copyfile(journal_path(path), target.with_name(target.name + "-journal"))
    except OSError as exc:
        raise _backup_error(path, exc) from exc
    return target
