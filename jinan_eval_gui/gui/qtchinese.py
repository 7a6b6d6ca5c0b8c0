"""Qt's own texts in Chinese: the zh_CN translation shipped with PySide6, and the Chinese locale.

Standard buttons (是/否/确定/取消), context menus (撤消/复制/粘贴), the file dialog and the calendar
come from Qt, not from our forms; without its translation they are English. PySide6 ships
``qtbase_zh_CN.qm`` in its translations folder (``QLibraryInfo``'s TranslationsPath; the
PyInstaller bundle keeps it, see ``build.spec``). The few strings that file lacks are supplied
by :class:`Supplement`, which Qt asks only after the shipped translation found nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CATALOGUE = "qtbase"
#: (context, source) → Chinese, for what qtbase_zh_CN.qm leaves untranslated (Qt 6.x).
MISSING = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    ("QAbstractFileIconProvider", "Drive"): "驱动器",
    ("QAbstractFileIconProvider", "Folder"): "文件夹",
    ("QAbstractFileIconProvider", "File"): "文件",
    ("QAbstractFileIconProvider", "Unknown"): "未知",
}

_installed: list[QTranslator] = []  # kept alive: Qt does not own installed translators


class Supplement(QTranslator):
    """The strings :data:`MISSING` names; installed before the shipped translation, so Qt
    (which asks the most recently installed translator first) consults it only as a fallback."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """The Chinese text, or None (a null string) for anything else: Qt takes an empty
        string as the translation and would show nothing instead of falling back."""
        return MISSING.get((context, source))

    def isEmpty(self) -> bool:
        return False


def chinese() -> QLocale:
    return QLocale(QLocale.Language.Chinese, QLocale.Country.China)


def translation_folders() -> list[Path]:
    """Where qtbase_zh_CN.qm may be: Qt's own answer, then PySide6's folders (a frozen
    bundle may not carry the qt.conf that points Qt at them)."""
    folders = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    import PySide6

    base = Path(PySide6.__file__).resolve().parent
    folders += [base / "Qt" / "translations", base / "translations"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders += [Path(frozen) / "PySide6" / "Qt" / "translations",
                    Path(frozen) / "PySide6" / "translations"]
    return list(dict.fromkeys(folders))


def install(app: QCoreApplication) -> bool:
    """Make Qt speak Chinese in ``app`` (once); True if the shipped translation was found."""
    QLocale.setDefault(chinese())  # month names, number formats, the calendar's weekdays
    if _installed:
        return len(_installed) > 1
    supplement = Supplement(app)
    app.installTranslator(supplement)
    _installed.append(supplement)
    shipped = QTranslator(app)
    for folder in translation_folders():
        if shipped.load(chinese(), CATALOGUE, "_", str(folder)):
            app.installTranslator(shipped)
            _installed.append(shipped)
            return True
    return False


def loaded() -> bool:
    """Whether the shipped Chinese translation is installed."""
    return len(_installed) > 1
