"""Per-user settings (QSettings): recent round files and last used folders."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "JinanEval"
APPLICATION = "jinan-eval-gui"
MAX_RECENT = 8


def settings() -> QSettings:
    """The settings store (an INI file, so tests can redirect it with QSettings.setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]  # type: ignore[union-attr]


def recent_files() -> list[str]:
    """Recently opened round files that still exist, newest first."""
    return [p for p in _as_list(settings().value("recent")) if Path(p).is_file()]


def add_recent(path: str | Path) -> None:
    text = str(Path(path).resolve())
    files = [text] + [p for p in _as_list(settings().value("recent")) if p != text]
    settings().setValue("recent", files[:MAX_RECENT])


def clear_recent() -> None:
    settings().remove("recent")


def last_dir(key: str) -> str:
    """The folder last used for ``key`` (e.g. "templates", "returns"), or the home folder."""
    value = settings().value(f"dirs/{key}")
    return str(value) if value and Path(str(value)).is_dir() else str(Path.home())


def remember_dir(key: str, folder: str | Path) -> None:
    settings().setValue(f"dirs/{key}", str(folder))
