"""Temporary files beside the user's files: hidden while they exist, swept if left behind.

Every file the program publishes is first written under a temporary name in the target
folder (so the final rename is atomic). Such a name starts with ``.~``, ends with ``.part``
and carries the writer's pid: ``.~<pid>-<random><suffix>.part``. On Windows the file is also
given the hidden attribute (Explorer shows dot files) until it takes its real name.

A process killed while writing cannot remove its temporary file. So each process notes the
temporary files it creates in ``<user data>/pending/<pid>.txt``; :func:`sweep_stale`, run when
the program starts, removes the still-existing temporary files of processes that are no longer
running, and their notes. A process that ends normally removes its note at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
import uuid
from pathlib import Path

from . import winapi
from .logs import user_data_dir
from .processes import pid_alive

PREFIX = ".~"
SUFFIX = ".part"
_NAME = re.compile(r"^\.~(?P<pid>\d+)-[0-9a-f]{12}.*\.part(-journal)?$")
_lock = threading.Lock()
_noted: set[Path] = set()  # note files this process wrote (one per pid: workers have their own)


def temp_name(suffix: str = "") -> str:
    """A fresh temporary file name for a file ending in ``suffix`` (e.g. ``.xlsx``)."""
    return f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}{SUFFIX}"


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of our temporary file names (or its SQLite journal)."""
    return _NAME.match(name) is not None


def create_beside(target: Path) -> Path:
    """Create an empty, hidden, noted temporary file in ``target``'s folder and return it.

    Created with the default permissions (unlike mkstemp's 0600) since it becomes the file.
    OSError if the folder refuses it.
    """
    for _ in range(100):
        tmp = target.with_name(temp_name(target.suffix))
        try:
            with open(tmp, "xb"):
                pass
        except FileExistsError:
            continue
        note(tmp)
        winapi.set_hidden(tmp, True)
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")


def reveal(tmp: Path) -> None:
    """Clear the hidden attribute just before the file takes its real name (Windows)."""
    winapi.set_hidden(tmp, False)


def remove(tmp: Path) -> None:
    """Remove a temporary file and its SQLite journal, if any (never raises)."""
    for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
        with contextlib.suppress(OSError):
            leftover.unlink()


# -- notes and the sweep ---------------------------------------------------------------------
def _pending_dir() -> Path:
    folder = user_data_dir() / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def note(tmp: Path) -> None:
    """Record ``tmp`` so a later start can remove it if this process dies (best effort)."""
    try:
        with _lock:
            path = _pending_dir() / f"{os.getpid()}.txt"
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"{Path(tmp).resolve()}\n")
            if path not in _noted:
                _noted.add(path)
                atexit.register(_forget, path)
    except OSError:
        pass  # no data folder (read-only profile): the file is still removed on failure


def _forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def sweep_stale() -> list[Path]:
    """Remove temporary files left by processes that no longer run; return what was removed.

    Runs at every start, so it never raises and touches only files with our temporary
    names that the note of a dead process lists.
    """
    removed: list[Path] = []
    try:
        notes = list(_pending_dir().glob("*.txt"))
    except OSError:
        return removed
    for note_file in notes:
        try:
            pid = int(note_file.stem)
        except ValueError:
            continue
        if pid == os.getpid() or pid_alive(pid):
            continue
        try:
            listed = note_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            listed = []
        for line in dict.fromkeys(listed):
            tmp = Path(line.strip())
            if not line.strip() or not is_temp_name(tmp.name):
                continue
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                with contextlib.suppress(OSError):
                    if leftover.is_file() and not leftover.is_symlink():
                        leftover.unlink()
                        removed.append(leftover)
        with contextlib.suppress(OSError):
            note_file.unlink()
    return removed
