"""The writer lock: ``<round>.jeval.lock`` beside the round, held while a program may write.

SQLite serialises single transactions, but two programs editing the same round over hours would
overwrite each other's decisions. The first writer holds an OS lock (``fcntl.flock`` /
``msvcrt.locking``) on the lock file; the OS drops it when the process dies, so a crashed writer
never leaves a lock behind. Where the file system has no locks, the pid and host written in the
lock file decide (a dead pid on this host is a stale lock).

The lock file is written (truncated, then the holder's JSON), so it must be ours: it is made by
exclusive create, and an existing one is opened only if it is a plain file with one name; a
symbolic link, junction or hard link planted under its name is refused and left untouched
(``O_NOFOLLOW`` on POSIX; on Windows ``lstat`` before and ``fstat`` after the open must agree).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any

from jinan_eval_gui import __version__
from jinan_eval_gui.errors import RoundFileError, RoundLockedError
from jinan_eval_gui.system import winapi
from jinan_eval_gui.system.processes import pid_alive

from .db import _default_actor, _dumps, _now

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


def _is_link(st: os.stat_result) -> bool:
    """A symbolic link, or on Windows any reparse point (junction, mount point, link)."""
    if stat.S_ISLNK(st.st_mode):
        return True
    attributes = getattr(st, "st_file_attributes", 0)
    return bool(winapi.is_windows() and attributes & winapi.FILE_ATTRIBUTE_REPARSE_POINT)


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
            fd = self._open()
            if fd is None:
                continue  # the file changed between our look and the open: look again
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

    def _open(self) -> int | None:
        """Open our lock file without following links; None to retry after a race.

        New file: exclusive create, which follows nothing. Existing file: refused unless it
        is a plain file with a single name, and the file opened must be the one looked at.
        """
        flags = os.O_RDWR | _O_BINARY | getattr(os, "O_NOFOLLOW", 0)
        try:
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._cannot_create(exc) from exc
        try:
            seen = os.lstat(self.path)
        except FileNotFoundError:
            return None  # a releasing writer removed it just now
        except OSError as exc:
            raise self._cannot_create(exc) from exc
        if _is_link(seen):
            raise self._planted("是一个链接（符号链接或目录联接）")
        if not stat.S_ISREG(seen.st_mode):
            raise self._planted("不是普通文件")
        try:
            fd = os.open(self.path, flags | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a symbolic link after our look
                raise self._planted("是一个链接（符号链接或目录联接）") from exc
            raise self._cannot_create(exc) from exc
        opened = os.fstat(fd)
        if not os.path.samestat(opened, seen):
            os.close(fd)
            return None
        if opened.st_nlink > 1:
            os.close(fd)
            raise self._planted("还有其他文件名（硬链接）")
        return fd

    def _cannot_create(self, exc: OSError) -> RoundFileError:
        return RoundFileError(
            f"无法在“{self.path.parent}”中创建锁文件（{exc.strerror or exc}）",
            hint="文件夹不可写时请以只读方式打开，或把评价轮次文件复制到可写的文件夹",
        )

    def _planted(self, what: str) -> RoundFileError:
        """A lock file we did not make: never written through, never removed."""
        return RoundFileError(
            f"锁文件“{self.path.name}”{what}，不是本程序创建的锁文件，为安全起见已拒绝打开"
            "（未修改该文件及其指向的文件）",
            hint=f"请检查并删除“{self.path}”后重试，或以只读方式打开",
        )

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
            return os.path.samestat(os.fstat(fd), os.lstat(self.path))
        except FileNotFoundError:
            return False

    @staticmethod
    def _holder_alive(holder: dict[str, Any]) -> bool:
        if holder.get("host") != socket.gethostname():
            return True  # cannot tell for another computer: assume it still works
        return pid_alive(int(holder.get("pid") or 0))

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
