"""The UI font: an explicit Chinese family with fallbacks, chosen once at start-up.

Windows offices have Microsoft YaHei; Linux test machines have Noto Sans CJK SC
(fonts-noto-cjk) or WenQuanYi. A font the office drops into ``resources/fonts/`` is loaded
first, so a machine without any of them still renders Chinese (no empty boxes).
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from jinan_eval_gui.system import paths

UI_FAMILIES = (
    "Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
    "SimSun",
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def load_bundled_fonts() -> list[str]:
    """Register fonts under resources/fonts/ with Qt; return their families."""
    try:
        folder = paths.resource("fonts")
    except FileNotFoundError:
        return []
    families: list[str] = []
    if folder.is_dir():
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() in FONT_SUFFIXES:
                font_id = QFontDatabase.addApplicationFont(str(file))
                if font_id >= 0:
                    families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def choose_families(available: set[str], bundled: list[str] = ()) -> list[str]:
    """The preferred families present here, bundled ones first (primary + fallbacks)."""
    out: list[str] = []
    for family in (*bundled, *UI_FAMILIES):
        if family in available and family not in out:
            out.append(family)
    return out


def apply_ui_font(app: QApplication) -> QFont:
    """Set the application font to the first available Chinese family (with fallbacks)."""
    bundled = load_bundled_fonts()
    families = choose_families(set(QFontDatabase.families()), bundled)
    font = QFont(app.font())
    if families:
        font.setFamilies(families)
    size = font.pointSizeF()
    font.setPointSizeF(9.0 if sys.platform == "win32" else max(size, 10.0))
    app.setFont(font)
    return font
