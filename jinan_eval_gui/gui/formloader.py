"""Designer forms (``forms/*.ui``) loaded at run time with QUiLoader.

Why QUiLoader rather than ``pyside6-uic``: the .ui files stay the single source (nothing
generated to go stale), and the PyInstaller bundle only needs ``forms/`` as data, found through
:func:`jinan_eval_gui.system.paths.form` like every other data file.
"""

from __future__ import annotations

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

from jinan_eval_gui.system import paths

_loader: QUiLoader | None = None


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Load ``forms/<name>.ui``; with a parent that has no layout, fill the parent with it.

    Child widgets are attributes of the returned form, named by their ``objectName``.
    """
    global _loader
    if _loader is None:
        _loader = QUiLoader()
    path = paths.form(name if name.endswith(".ui") else f"{name}.ui")
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"form not found: {path}")
    try:
        form = _loader.load(file, parent)
    finally:
        file.close()
    if form is None:
        raise RuntimeError(f"cannot load form {path}: {_loader.errorString()}")
    if parent is not None and parent.layout() is None:
        layout = QVBoxLayout(parent)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
    return form
