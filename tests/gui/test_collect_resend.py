"""The import page asks about what the import holds back: several differing files of one unit
(the user picks one) and a file older than the stored return (the user confirms or not)."""

from __future__ import annotations

import re

import pytest
from conftest import TEST_UNITS, wait_idle
from corpus import edit, meta_of, patch_parts
from PySide6.QtCore import Qt

from jinan_eval_gui.gui import messages


@pytest.fixture
def opened(opened):
    """The shared opened window (conftest), on 数据回收."""
    opened.show_page("collect")
    return opened


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def versions(window, tmp_path, *values, saved: str = ""):
    """Copies of a unit's stored return, each with one count input set to a value."""
    rnd, cat = window.session.rnd, window.session.cat
    sub = next(s for s in rnd.list_submissions()
               if s.unit == TEST_UNITS[0] and s.status == "accepted")
    base = tmp_path / "base.xlsx"
    base.write_bytes(rnd.submission_content(sub.id))
    cell = next(c for c in meta_of(base).cells if c.is_catalogue_input and c.row_index is None
                and cat.indicator(c.indicator_id).input(c.input_key).kind == "count")
    out = []
    for n, value in enumerate(values):
        path = edit(base, tmp_path / f"v{n}_{value}.xlsx", {cell.cell: value})
        if saved:
            patch_parts(path, lambda name, data: re.sub(
                rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + saved.encode() + rb"\g<2>",
                data) if name == "docProps/core.xml" else data)
        out.append(path)
    return out, cell


def check_and_accept(qtbot, window, paths) -> None:
    page = window.page("collect")
    page.files.set_rows([])
    page.add_files(paths)
    click(qtbot, page.ui.previewButton)
    wait_idle(qtbot, window)
    click(qtbot, page.ui.acceptButton)
    wait_idle(qtbot, window)


def current(window, cell) -> str:
    values = window.session.rnd.current_values("济南市")[cell.indicator_id][cell.input_key]
    return next(v.text for v in values if v.unit == TEST_UNITS[0])


def test_several_files_of_one_unit_ask_which_to_use(qtbot, opened, monkeypatch, tmp_path):
    (a, b), cell = versions(opened, tmp_path, 11, 22)
    page = opened.page("collect")
    page.add_files([a, b])
    click(qtbot, page.ui.previewButton)
    wait_idle(qtbot, opened)
    assert [f.status_label for f in page.files.rows()] == ["需确认", "需确认"]
    assert "需确认 2" in page.ui.progressLabel.text()
    asked = []

    def pick(parent, text, options, title=""):
        asked.append((text, options))
        return options.index(str(b))

    monkeypatch.setattr(messages, "pick", pick)
    click(qtbot, page.ui.acceptButton)
    wait_idle(qtbot, opened)
    (text, options), = asked
    assert TEST_UNITS[0] in text and options == [str(a), str(b)]
    assert {f.path.name: f.status for f in page.files.rows()} == {a.name: "skipped",
                                                                  b.name: "updated"}
    assert current(opened, cell) == "22"


def test_older_file_is_imported_only_when_confirmed(qtbot, opened, recorder, tmp_path):
    (old,), cell = versions(opened, tmp_path, 33, saved="2001-01-01T00:00:00Z")
    before = current(opened, cell)
    recorder.answer = False
    check_and_accept(qtbot, opened, [old])
    assert "早于该单位已导入的版本" in recorder.questions[-1]
    assert [f.status_label for f in opened.page("collect").files.rows()] == ["未导入（需确认）"]
    assert current(opened, cell) == before
    recorder.answer = True
    check_and_accept(qtbot, opened, [old])
    assert current(opened, cell) == "33"
