"""The window fits small screens (issue 16): a 1366×768 laptop and 1920×1080 at 150 % (1280×720
in Qt's units). The default size leaves room for the frame and the taskbar; no page and no
dialog asks for more than that; on both screens, really started (offscreen, with the screen
and scale factor configured), no label or button is squeezed below what its text needs; the
keyboard moves through every dialog in its declared order, and Tab leaves multi-line fields.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import wait_idle
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from jinan_eval_gui.gui.main_window import DEFAULT_SIZE, FRAME, fitted_size
from jinan_eval_gui.gui.pages import PAGES
from jinan_eval_gui.system import paths

#: (name, screen in pixels, scale, taskbar on Windows in Qt's units)
SCREENS = (("1366x768", (1366, 768), 1.0), ("1920x1080 at 150 %", (1920, 1080), 1.5))
TASKBAR = 40


def logical(screen: tuple[int, int], scale: float) -> QSize:
    return QSize(round(screen[0] / scale), round(screen[1] / scale))


def smallest_room() -> QSize:
    """The least room the window gets: each screen with a taskbar, and without one reported."""
    room = QSize(DEFAULT_SIZE)
    for _name, screen, scale in SCREENS:
        whole = logical(screen, scale)
        for available in (whole - QSize(0, TASKBAR), whole):
            room = room.boundedTo(fitted_size(available, whole))
    return room


def test_default_size_leaves_room_for_frame_and_taskbar():
    assert fitted_size(QSize(2560, 1400), QSize(2560, 1440)) == DEFAULT_SIZE  # big screens
    laptop = fitted_size(QSize(1366, 728), QSize(1366, 768))  # taskbar reported
    assert laptop == QSize(1280, 728 - FRAME.height())  # 1280 wide still fits
    hidpi = fitted_size(QSize(1280, 720), QSize(1280, 720))  # no taskbar reported: assumed
    assert hidpi.width() <= 1280 - 16 and hidpi.height() <= 720 - 40 - TASKBAR


def test_no_page_or_dialog_asks_for_more_than_the_screen(qtbot, window, filled_round, tmp_path):
    path = tmp_path / filled_round.name
    shutil.copy2(filled_round, path)
    window.open_round(path)
    wait_idle(qtbot, window)
    window.build_pages()
    wait_idle(qtbot, window)
    room = smallest_room()
    too_big = {}
    for key, *_ in PAGES:
        window.show_page(key)
        qtbot.wait(5)
        need = window.minimumSizeHint()
        if need.width() > room.width() or need.height() > room.height():
            too_big[key] = (need.width(), need.height())
    assert not too_big, f"pages needing more than {room.width()}×{room.height()}: {too_big}"
    page = window.show_page("collect")
    dialogs = {"history": page.open_history(), "log": page.open_log(),
               "contacts": page.open_contacts(), "help": window.show_help(),
               "new round": window.new_round()}
    for name, dialog in dialogs.items():
        need = dialog.minimumSizeHint().expandedTo(dialog.size())
        assert need.width() <= room.width() and need.height() <= room.height(), (name, need)
        dialog.reject()


CHECK = r"""
import json, shutil, sys
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QLabel, QLineEdit)
from jinan_eval_gui.gui.ui_font import apply_ui_font
app = QApplication([])
apply_ui_font(app)
from jinan_eval_gui.gui.app import wait_idle
from jinan_eval_gui.gui.main_window import MainWindow
w = MainWindow(); w.show(); w.open_round(sys.argv[1]); wait_idle(app, w)
w.build_pages(); wait_idle(app, w)
screen = app.primaryScreen().availableGeometry()
problems = []
if w.width() > screen.width() or w.height() > screen.height():
    problems.append(f"window {w.width()}x{w.height()} > screen {screen.width()}x{screen.height()}")
def squeezed(widget):
    need = widget.minimumSizeHint()
    if isinstance(widget, QLabel) and (widget.wordWrap() or not widget.text()):
        return False
    if isinstance(widget.parent(), QComboBox):  # an editable combo's own line edit
        return False
    return widget.width() < need.width() - 1 or widget.height() < need.height() - 1
for key in list(w.pages):
    page = w.show_page(key); wait_idle(app, w)
    tabs = [t for t in page.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QTabWidget)]
    for tab in tabs or [None]:
        for i in range(tab.count() if tab else 1):
            if tab:
                tab.setCurrentIndex(i)
            app.processEvents()
            for cls in (QLabel, QAbstractButton, QComboBox, QLineEdit):
                for widget in page.findChildren(cls):
                    if widget.isVisible() and squeezed(widget):
                        problems.append(f"{key}: {widget.objectName() or type(widget).__name__}"
                                        f" {widget.width()}x{widget.height()} < "
                                        f"{widget.minimumSizeHint().width()}x"
                                        f"{widget.minimumSizeHint().height()}")
print(json.dumps({"window": [w.width(), w.height()], "problems": sorted(set(problems))}))
w.close()
"""


@pytest.mark.parametrize("name,screen,scale", SCREENS, ids=[s[0] for s in SCREENS])
def test_every_page_shows_whole_on_small_screens(name, screen, scale, filled_round, tmp_path):
    path = tmp_path / filled_round.name
    shutil.copy2(filled_round, path)
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": screen[0],
                                               "height": screen[1], "logicalDpi": 96}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale), XDG_STATE_HOME=str(tmp_path / "state"))
    out = subprocess.run([sys.executable, "-c", CHECK, str(path)], capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    width, height = found["window"]
    room = logical(screen, scale)
    assert width <= room.width() and height <= room.height() - TASKBAR
    assert found["problems"] == []


# ---------------------------------------------------------------------------------------
# Keyboard order
# ---------------------------------------------------------------------------------------
def declared_order(form: str) -> list[str]:
    root = ET.parse(paths.form(f"{form}.ui")).getroot()
    return [t.text for t in root.iter("tabstop")]


DIALOG_FORMS = sorted(p.stem for p in paths.data_dir("forms").glob("dialog_*.ui"))


@pytest.mark.parametrize("form", DIALOG_FORMS)
def test_every_dialog_declares_its_keyboard_order(qtbot, form):
    from jinan_eval_gui.gui.formloader import load_form

    order = declared_order(form)
    assert len(order) >= 2, f"{form}.ui has no <tabstops>"
    widget = load_form(form)
    qtbot.addWidget(widget)
    named = [getattr(widget, name) for name in order]
    for a, b in zip(named, named[1:], strict=False):  # b is the next tab stop after a
        step, seen = a.nextInFocusChain(), 0
        while step is not b and step not in named and seen < 200:
            step, seen = step.nextInFocusChain(), seen + 1
        assert step is b, f"{form}: after {a.objectName()} comes {step.objectName()}"
    for edit in widget.findChildren(QPlainTextEdit):
        assert edit.tabChangesFocus(), f"{form}: Tab types a tab character in {edit.objectName()}"


def test_tab_in_the_new_round_dialog_moves_on(qtbot, window):
    dialog = window.new_round()
    edit = dialog.ui.entitiesEdit
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit or edit.hasFocus(), timeout=2000)
    before = edit.toPlainText()
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert edit.toPlainText() == before and "\t" not in edit.toPlainText()
    assert QApplication.focusWidget() is dialog.ui.pathEdit
    dialog.reject()
