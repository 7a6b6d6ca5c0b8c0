"""The few Windows API calls the program makes (ctypes), behind one seam.

The office runs Windows, the test machines do not: every Windows-only branch asks
:func:`is_windows` and calls :func:`kernel32` through this module, so a test can replace both
(a fake kernel32 that records its calls) and run the Windows code on Linux.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from pathlib import Path
from typing import Any

FILE_ATTRIBUTE_HIDDEN = 0x2
FILE_ATTRIBUTE_NORMAL = 0x80
INVALID_FILE_ATTRIBUTES = 0xFFFFFFFF
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
PROCESS_TERMINATE = 0x0001
PROCESS_SET_QUOTA = 0x0100
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5


def is_windows() -> bool:
    """Whether to take the Windows branches (tests patch this to exercise them on Linux)."""
    return sys.platform == "win32"


@functools.cache
def kernel32() -> Any:
    """``kernel32.dll`` with ``GetLastError`` kept per call (tests replace this function).

    Handles are pointer-sized and attributes unsigned: the default ``int`` result type would
    truncate the one and turn INVALID_FILE_ATTRIBUTES into -1.
    """
    from ctypes import wintypes

    k32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle, dword, bool_ = wintypes.HANDLE, wintypes.DWORD, wintypes.BOOL
    signatures = {
        "GetFileAttributesW": (dword, [wintypes.LPCWSTR]),
        "SetFileAttributesW": (bool_, [wintypes.LPCWSTR, dword]),
        "CreateJobObjectW": (handle, [ctypes.c_void_p, wintypes.LPCWSTR]),
        "SetInformationJobObject": (bool_, [handle, ctypes.c_int, ctypes.c_void_p, dword]),
        "AssignProcessToJobObject": (bool_, [handle, handle]),
        "OpenProcess": (handle, [dword, bool_, dword]),
        "GetExitCodeProcess": (bool_, [handle, ctypes.POINTER(dword)]),
        "CloseHandle": (bool_, [handle]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(k32, name)
        function.restype, function.argtypes = restype, argtypes
    return k32


def last_error() -> int:
    """The Windows error code of the last failed call (0 where there is none)."""
    getter = getattr(ctypes, "get_last_error", None)
    return int(getter()) if getter is not None else 0


def set_hidden(path: str | os.PathLike[str], hidden: bool) -> bool:
    """Set or clear FILE_ATTRIBUTE_HIDDEN (Windows; elsewhere the leading dot hides files).

    Why: temporary files live beside the user's files until they are complete; Explorer
    shows dot files, so they are hidden by attribute. Best effort: False if refused.
    """
    if not is_windows():
        return False
    k32 = kernel32()
    name = str(Path(path))
    attrs = k32.GetFileAttributesW(name)
    if attrs == INVALID_FILE_ATTRIBUTES:
        return False
    attrs = (attrs | FILE_ATTRIBUTE_HIDDEN) if hidden else (attrs & ~FILE_ATTRIBUTE_HIDDEN)
    return bool(k32.SetFileAttributesW(name, attrs or FILE_ATTRIBUTE_NORMAL))
