"""Failures the machine reports, answered in the window (issue 16): a round file that cannot be
opened leaves the round that was open as it was (and 指标体系 shown, never left at 正在读取指标体系…);
an output folder that cannot be made is a plain Chinese message saying what to do, not
程序内部错误."""

from __future__ import annotations

import re

import pytest
from conftest import TEST_UNITS, wait_idle
from PySide6.QtCore import Qt

from jinan_eval_gui import catalogue

#: A Latin word, not counting file extensions (.jeval, .xlsx) the message may name.
ENGLISH = re.compile(r"(?<![.A-Za-z])[A-Za-z]{2,}")


def plain(text: str, *paths: object) -> str:
    """The message without the paths it names (they are the user's)."""
    for p in paths:
        text = text.replace(str(p), "")
    return text


def shows_round_catalogue(window) -> bool:
    page = window.page("catalogue")
    title = page.ui.catalogueTitle.text()
    return "本评价轮次使用的" in title and "正在读取" not in title and page.tree.rowCount() == 8


@pytest.mark.parametrize("kind", ["损坏", "不存在"])
def test_a_failed_open_keeps_the_round_that_was_open(qtbot, opened, recorder, tmp_path, kind):
    window = opened
    rnd = window.session.rnd
    title = window.windowTitle()
    window.show_page("catalogue")
    bad = tmp_path / f"{kind}.jeval"
    if kind == "损坏":
        bad.write_bytes(b"\x00\x01 not a round file \xff" * 200)
    window.open_round(bad)
    wait_idle(qtbot, window)
    [message] = recorder.errors
    assert recorder.internals == [] and "程序内部错误" not in message
    assert bad.name in message and not ENGLISH.search(plain(message, bad))
    # the round that was open is still open, usable, and shown
    assert window.session.rnd is rnd and window.windowTitle() == title
    assert len(rnd.list_submissions()) == 3
    assert shows_round_catalogue(window)
    assert window.page("collect").status.rowCount() > 0
    assert window.close_action.isEnabled()


def test_a_failed_open_without_a_round_shows_the_builtin_catalogue(qtbot, window, recorder,
                                                                    tmp_path):
    page = window.show_page("catalogue")
    bad = tmp_path / "损坏.jeval"
    bad.write_bytes(b"PK\x03\x04 a workbook renamed" * 50)
    window.open_round(bad)  # before the built-in catalogue was read
    wait_idle(qtbot, window)
    assert len(recorder.errors) == 1 and recorder.internals == []
    assert window.session.rnd is None
    title = page.ui.catalogueTitle.text()
    assert "程序内置的" in title and "正在读取" not in title
    assert page.tree.rowCount() == len(catalogue.load().level1)


@pytest.fixture
def blocked(tmp_path):
    """A folder that cannot be made: its parent is a regular file (NotADirectoryError)."""
    file = tmp_path / "说明.txt"
    file.write_text("不是文件夹", encoding="utf-8")
    return file / "输出"


def assert_plain_chinese(recorder, where) -> None:
    [message] = recorder.errors
    assert recorder.internals == [] and "程序内部错误" not in message
    text = plain(message, where, where.parent, where.parent.parent)  # paths are the user's
    assert "不是文件夹" in text and "请" in text  # what happened, what to do
    assert not ENGLISH.search(text), text


def test_templates_into_a_folder_that_cannot_be_made(qtbot, opened, recorder, blocked):
    page = opened.show_page("issue")
    wait_idle(qtbot, opened)
    page.units.set_checked([TEST_UNITS[0]])
    page.ui.outputDirEdit.setText(str(blocked))
    qtbot.mouseClick(page.ui.generateButton, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, opened)
    assert_plain_chinese(recorder, blocked)
    assert page.ui.progressLabel.text() == "生成未完成。"
    assert page.ui.generateButton.isEnabled()  # ready for another folder
    assert not blocked.exists()


@pytest.mark.parametrize("button", ["exportButton", "scorecardsButton"])
def test_export_into_a_folder_that_cannot_be_made(qtbot, opened, recorder, blocked, button):
    page = opened.show_page("export")
    page.ui.outputDirEdit.setText(str(blocked))
    page.ui.wordCheck.setChecked(False)
    page.ui.pdfCheck.setChecked(False)
    page.ui.workbookCheck.setChecked(True)
    recorder.answer = True  # export although units are missing
    qtbot.mouseClick(getattr(page.ui, button), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, opened)
    assert_plain_chinese(recorder, blocked / "部门评价反馈单" if button == "scorecardsButton"
                         else blocked)
    assert page.ui.progressLabel.text() == "导出未完成。"
    assert page.ui.exportButton.isEnabled()
