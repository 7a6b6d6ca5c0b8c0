"""GUI fixtures: a main window per test, settings and logs in tmp, dialogs recorded.

Message boxes and "open with the system program" would block or launch programs, so they are
replaced by recorders; everything else is the real window driven through its widgets.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from jinan_eval_gui import workflow
from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.pages.base import Page

TEST_UNITS = ("市交通运输局", "市教育局", "市城管局")
TIMEOUT = 120_000


@dataclass
class Recorder:
    """What the window tried to show or open."""

    errors: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    internals: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    answer: bool = False


@pytest.fixture(autouse=True)
def recorder(monkeypatch, tmp_path) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr(messages, "error", lambda parent, text, title="": rec.errors.append(text))
    monkeypatch.setattr(messages, "info", lambda parent, text, title="": rec.infos.append(text))
    monkeypatch.setattr(messages, "internal", lambda parent, text: rec.internals.append(text))

    def ask(parent: Any, text: str, title: str = "") -> bool:
        rec.questions.append(text)
        return rec.answer

    monkeypatch.setattr(messages, "ask", ask)
    monkeypatch.setattr(Page, "open_path", staticmethod(lambda p: rec.opened.append(str(p))))
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))
    return rec


@pytest.fixture
def window(qtbot):
    from jinan_eval_gui.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)
    win.session.close_round()


@pytest.fixture
def opened(qtbot, window, filled_round, tmp_path):
    """The window with a copy of the filled round open for writing."""
    path = tmp_path / filled_round.name
    shutil.copy2(filled_round, path)
    window.open_round(path)
    wait_idle(qtbot, window)
    assert window.session.rnd is not None
    return window


def wait_idle(qtbot, win) -> None:
    """Until the session's background task (and the rescore it may start) is done."""
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)
    qtbot.wait(10)
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)


def fill(templates: Path, out_dir: Path, *, mistakes: bool = False) -> list[Path]:
    """Fill templates as units would (samplefill), cleanly or with many mistakes."""
    from jinan_eval_gui.collect import samplefill

    if mistakes:
        return samplefill.sample_fill(templates, out_dir, seed=5, blank_share=0.1,
                                      mistake_share=0.6)
    return samplefill.sample_fill(templates, out_dir, seed=3)


def unit_file(folder: Path, unit: str) -> Path:
    return next(p for p in folder.glob("*.xlsx") if unit in p.name)


@pytest.fixture(scope="session")
def filled_round(tmp_path_factory) -> Path:
    """A round with the test units' returns imported (core only, no Qt), closed."""
    base = tmp_path_factory.mktemp("filled")
    path = base / "2025年度评价.jeval"
    rnd = workflow.create_round(path, year=2025)
    try:
        workflow.issue_templates(rnd, base / "templates", units=TEST_UNITS)
        fill(base / "templates", base / "clean")
        fill(base / "templates", base / "mistakes", mistakes=True)
        files = [unit_file(base / "clean", TEST_UNITS[0]), unit_file(base / "clean", TEST_UNITS[1]),
                 unit_file(base / "mistakes", TEST_UNITS[2])]
        workflow.import_files(rnd, files)
        workflow.score_round(rnd)
    finally:
        rnd.close()
    return path
