"""Worker processes that die with their parent, and telling whether a process still runs.

A PDF worker left running after its parent was killed holds about 170 MB and, on POSIX,
keeps multiprocessing's resource tracker alive with it. Two mechanisms make sure it dies:

* in the worker, :func:`watch_parent` (the pool's initializer) starts a thread that waits on
  multiprocessing's parent sentinel (a pipe whose other end only the parent holds on POSIX, the
  parent's process handle on Windows) and ends the worker when the parent is gone;
* on Windows, the parent also puts each worker into a job object created with
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE (:func:`adopt`): when the parent dies, Windows closes
  its handle to the job and kills every process in it, even a worker stuck in native code.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from pathlib import Path
from typing import Any

from . import winapi

_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this computer (for lock and temp files of dead ones)."""
    if pid <= 0:
        return False
    if winapi.is_windows():
        from ctypes import wintypes

        k32 = winapi.kernel32()
        handle = k32.OpenProcess(winapi.PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return winapi.last_error() == winapi.ERROR_ACCESS_DENIED  # exists, not ours
        try:
            code = wintypes.DWORD()
            k32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == winapi.STILL_ACTIVE
        finally:
            k32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and only waits to be reaped (Linux ``/proc``; elsewhere no).

    A worker whose parent was killed is reparented; where nothing reaps it (some containers'
    init), it stays a zombie that ``kill(pid, 0)`` still finds, though it runs no more.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] in ("Z", "X")


# -- in the worker -------------------------------------------------------------------------
def watch_parent() -> None:
    """End this worker process as soon as its parent is gone (a pool's ``initializer``).

    Never raises: a failing initializer would break the pool; without a parent sentinel
    (not started by multiprocessing) there is nothing to watch.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait_then_exit() -> None:
        with contextlib.suppress(Exception):
            parent.join()  # returns when the sentinel fires: the parent has exited
            os._exit(3)

    threading.Thread(target=wait_then_exit, name="parent-watch", daemon=True).start()


# -- in the parent (Windows) ---------------------------------------------------------------
class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class _ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION."""

    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


class KillOnCloseJob:
    """A Windows job object whose processes die when its last handle closes.

    The parent holds the only handle and never closes it: it closes when the parent exits,
    however that happens (a kill from Task Manager included).
    """

    def __init__(self) -> None:
        k32 = winapi.kernel32()
        handle = k32.CreateJobObjectW(None, None)
        if not handle:
            raise OSError(winapi.last_error(), "CreateJobObjectW failed")
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not k32.SetInformationJobObject(handle, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                           ctypes.byref(limits), ctypes.sizeof(limits)):
            k32.CloseHandle(handle)
            raise OSError(winapi.last_error(), "SetInformationJobObject failed")
        self.handle = handle
        self.members: set[int] = set()

    def add(self, pid: int) -> bool:
        """Put process ``pid`` into the job; False if Windows refused (it may have exited)."""
        if pid in self.members:
            return True
        k32 = winapi.kernel32()
        process = k32.OpenProcess(winapi.PROCESS_SET_QUOTA | winapi.PROCESS_TERMINATE, False, pid)
        if not process:
            return False
        try:
            if not k32.AssignProcessToJobObject(self.handle, process):
                return False
        finally:
            k32.CloseHandle(process)
        self.members.add(pid)
        return True


_job: KillOnCloseJob | None = None
_job_lock = threading.Lock()


def _the_job() -> KillOnCloseJob | None:
    """This process's job for its workers, created on first use (None if Windows refuses)."""
    global _job
    with _job_lock:
        if _job is None:
            try:
                _job = KillOnCloseJob()
            except OSError:
                return None
        return _job


def adopt(pool: Any) -> None:
    """Tie a ProcessPoolExecutor's worker processes to this process (Windows: the job).

    Called after every submit, since the executor starts its processes on demand. Elsewhere
    the workers' own :func:`watch_parent` suffices.
    """
    if not winapi.is_windows():
        return
    processes = getattr(pool, "_processes", None) or {}
    job = _the_job()
    if job is None:
        return
    for pid in list(processes):
        job.add(int(pid))
