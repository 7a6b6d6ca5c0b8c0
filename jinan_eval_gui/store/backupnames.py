"""Where a round's automatic backups live and what they are called (no database work here).

``<folder of the round>/<name>_自动备份/<name>_<YYYYMMDD-HHMMSS>[-n]_<reason>.jeval``: the time
a backup was made and why (导入前, 导出前, 恢复前) are read back from its name, so listing them
opens no file. Kept apart from :mod:`.backup` so that the checks of :mod:`.filecheck` can name
the latest backup in their messages.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError

from .db import FILE_SUFFIX

KEEP_BACKUPS = 10
"""How many automatic backups of a round are kept (the oldest beyond go)."""
FOLDER_SUFFIX = "_自动备份"
DAMAGED_SUFFIX = ".损坏"
REASON_IMPORT = "导入前"
REASON_EXPORT = "导出前"
REASON_RESTORE = "恢复前"
_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"_(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?_(?P<reason>[^_./\\]+)\.jeval$")


@dataclass(frozen=True)
class Backup:
    """One automatic backup file of a round."""

    path: Path
    created: datetime
    reason: str
    size: int
    sequence: int = 0

    @property
    def label(self) -> str:
        """How the backup is shown to people: its time and why it was made."""
        return f"{self.created:%Y-%m-%d %H:%M:%S}，{self.reason}"


def backup_folder(round_path: str | os.PathLike[str]) -> Path:
    """The folder beside the round that holds its automatic backups."""
    path = Path(round_path)
    return path.with_name(path.stem + FOLDER_SUFFIX)


def list_backups(round_path: str | os.PathLike[str]) -> list[Backup]:
    """The round's automatic backups, newest first (files named by this program only)."""
    path = Path(round_path)
    folder = backup_folder(path)
    found: list[Backup] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return found
    for entry in entries:
        match = _NAME.search(entry.name)
        if match is None or not entry.name.startswith(path.stem + "_"):
            continue
        if entry.name[: match.start()] != path.stem:
            continue
        try:
            created = datetime.strptime(match["stamp"], _STAMP)
            size = entry.stat().st_size
        except (ValueError, OSError):
            continue
        if entry.is_file():
            found.append(Backup(entry, created, match["reason"], size, int(match["n"] or 0)))
    found.sort(key=lambda b: (b.created, b.sequence), reverse=True)
    return found


def latest_backup(round_path: str | os.PathLike[str]) -> Backup | None:
    """The newest automatic backup of the round, or None."""
    backups = list_backups(round_path)
    return backups[0] if backups else None


def resolve_backup(round_path: str | os.PathLike[str], choice: str) -> Path:
    """The backup named by ``choice``: its number in :func:`list_backups` (1 = newest), its
    file name in the backup folder, or a path."""
    backups = list_backups(round_path)
    text = choice.strip()
    if text.isdigit():
        index = int(text)
        if not 1 <= index <= len(backups):
            raise RoundFileError(f"没有编号为 {text} 的备份（共 {len(backups)} 个）",
                                 hint="请先用 --list 查看备份及其编号")
        return backups[index - 1].path
    for backup in backups:
        if backup.path.name == text:
            return backup.path
    candidate = Path(text)
    if candidate.is_file():
        return candidate
    raise RoundFileError(f"找不到备份“{text}”", hint="请用 --list 查看备份，填写编号或文件名")



def free_name(folder: Path, stem: str, now: datetime, reason: str) -> Path:
    """``<stem>_<time>[-n]_<reason>.jeval``, numbered after any backup of the same second."""
    stamp = now.strftime(_STAMP)
    same_second = [b.sequence for b in list_backups(folder.parent / f"{stem}{FILE_SUFFIX}")
                   if b.created.strftime(_STAMP) == stamp]
    n = max(same_second) + 1 if same_second else 0
    return folder / f"{stem}_{stamp}{'-' + str(n) if n else ''}_{reason}{FILE_SUFFIX}"
