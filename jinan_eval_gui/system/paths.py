"""One resolver for the data folders (resources/, forms/, templates/).

The same lookup must work from a source checkout (folders beside the package),
an installed wheel (folders force-included inside the package) and a PyInstaller
bundle (folders collected under ``sys._MEIPASS``), so every module asks here
instead of building paths from ``__file__`` itself.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # jinan_eval_gui/ (this file is in system/)
DATA_FOLDERS = ("resources", "forms", "templates")


def _candidates(name: str) -> list[Path]:
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    roots.append(_PACKAGE_DIR)  # installed wheel
    roots.append(_PACKAGE_DIR.parent)  # source checkout
    return [root / name for root in roots]


@cache
def data_dir(name: str) -> Path:
    """Return the folder ``name`` (one of DATA_FOLDERS) wherever the app runs from."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    for candidate in _candidates(name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found in {_candidates(name)}")


def resource(*parts: str) -> Path:
    """Path of a file under resources/."""
    return data_dir("resources").joinpath(*parts)


def form(name: str) -> Path:
    """Path of a Qt Designer file under forms/."""
    return data_dir("forms") / name


def template(*parts: str) -> Path:
    """Path of a file under templates/ (report layout, styles)."""
    return data_dir("templates").joinpath(*parts)
