"""Feedback works on every file the importer accepted (issue: "Feedback fails on the files it is
for"): a value cell merged with its neighbour, a control character typed in a value, a file
openpyxl cannot load, and a file too large to re-save with its layout within bounds.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from corpus import (
    TEST_INDICATOR,
    TEST_UNIT,
    address,
    edit,
    extended_catalogue,
    fill,
    make_round,
    meta_of,
    patch_parts,
    sheet_part,
    with_cell,
    xml_padding,
)

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import templates
from jinan_eval_gui.collect.feedback import FILLS, RESULT_SHEET
from jinan_eval_gui.collect.feedbacknote import NOTE_SHEET
from jinan_eval_gui.store import Round

T = TEST_INDICATOR


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("feedback")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=(TEST_UNIT,), template_dir=d / "templates")
    src = fill(d / "templates", d / "filled", cat)[TEST_UNIT]
    return d, src, meta_of(src)


def feedback_of(world, tmp_path: Path, path: Path) -> tuple[Path, list]:
    """Import ``path`` (it must be accepted), then write its feedback workbook."""
    d, _src, _meta = world
    tmp_path.mkdir(parents=True, exist_ok=True)
    round_path = tmp_path / "round.jeval"
    shutil.copy(d / "pristine.jeval", round_path)
    with Round.open(round_path) as rnd:
        (result,) = workflow.import_files(rnd, [path]).files
        assert result.status == "imported", [f.message for f in result.findings][:3]
        start = time.perf_counter()
        out = workflow.feedback(rnd, TEST_UNIT, tmp_path / "out")
        assert time.perf_counter() - start < 10
        findings = rnd.list_findings(result.submission_id)
    return out, findings


def listing(out: Path) -> list[tuple]:
    """The 校验结果 rows after its title (the cover note comes first in the workbook)."""
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == [NOTE_SHEET, RESULT_SHEET]
    title, *rows = wb[RESULT_SHEET].iter_rows(values_only=True)
    assert "校验结果" in title[0]
    return rows


def test_value_cell_hidden_under_a_merge_is_marked_on_the_merged_cell(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    left = f"C{cell[1:]}"
    path = edit(src, tmp_path / "merged.xlsx",
                change=lambda wb: wb[templates.DATA_SHEET].merge_cells(f"{left}:{cell}"))
    out, findings = feedback_of(world, tmp_path, path)
    assert any(f.cell == cell for f in findings)
    data = openpyxl.load_workbook(out)[templates.DATA_SHEET]
    comment = data[left].comment
    assert comment is not None and f"单元格 {cell}" in comment.text
    assert data[left].fill.fgColor.rgb.endswith(FILLS["error"])


def test_value_cell_merged_with_its_neighbour_keeps_its_mark(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    path = edit(src, tmp_path / "merged_right.xlsx", {(T, "t_count1"): "约100"},
                change=lambda wb: wb[templates.DATA_SHEET].merge_cells(f"{cell}:E{cell[1:]}"))
    out, _findings = feedback_of(world, tmp_path, path)
    data = openpyxl.load_workbook(out)[templates.DATA_SHEET]
    assert "约100" in data[cell].comment.text


def test_control_character_in_a_value(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    path = with_cell(src, tmp_path / "ctrl.xlsx", templates.DATA_SHEET, cell,
                     f'<c r="{cell}" t="inlineStr"><is><t>约_x0001_100</t></is></c>')
    out, _findings = feedback_of(world, tmp_path, path)
    rows = listing(out)
    assert any("约␁100" in (row[6] or "") for row in rows)
    comment = openpyxl.load_workbook(out)[templates.DATA_SHEET][cell].comment.text
    assert "约␁100" in comment


def test_file_openpyxl_cannot_load_gets_the_listing(world, tmp_path):
    _d, src, meta = world
    path = edit(src, tmp_path / "no_types.xlsx", {(T, "t_count1"): "约100"})
    patch_parts(path, lambda name, data: None if name == "[Content_Types].xml" else data)
    with pytest.raises(Exception):  # noqa: B017 - openpyxl's own error, whatever its type
        openpyxl.load_workbook(path)
    out, findings = feedback_of(world, tmp_path, path)
    rows = listing(out)
    assert "无法在保留原样的情况下打开" in rows[0][0]
    assert rows[1][:2] == ("序号", "级别")
    assert len(rows) == len(findings) + 2
    assert any(row[4] == address(meta, T, "t_count1") for row in rows[2:])


def test_file_too_large_for_its_layout_gets_the_listing_quickly(world, tmp_path):
    _d, src, _meta = world
    path = edit(src, tmp_path / "big.xlsx", {(T, "t_count1"): "约100"})
    cover = sheet_part(path, templates.COVER_SHEET)  # a sheet the import never reads
    pad = xml_padding(20 * 1024 * 1024)  # XML that is not cells

    def fn(name: str, data: bytes) -> bytes:
        if name != cover:
            return data
        return data.replace(b"<sheetData>", b"<sheetData>" + pad, 1)

    patch_parts(path, fn)
    out, findings = feedback_of(world, tmp_path, path)
    rows = listing(out)
    assert "内容过多" in rows[0][0] and len(rows) == len(findings) + 2


def test_hostile_but_accepted_files_all_get_feedback(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    flag = address(meta, T, "t_flag2")
    evidence = address(meta, T, templates.EVIDENCE_PREFIX + "t_flag1")
    files = [
        with_cell(src, tmp_path / "huge.xlsx", templates.DATA_SHEET, cell,
                  f'<c r="{cell}"><v>1E+999999999</v></c>'),
        with_cell(src, tmp_path / "bool.xlsx", templates.DATA_SHEET, flag,
                  f'<c r="{flag}" t="b"><v>2</v></c>'),
        with_cell(src, tmp_path / "evidence.xlsx", templates.DATA_SHEET, evidence,
                  f'<c r="{evidence}" t="inlineStr"><is><t>{"长" * 3000}_x0002_</t></is></c>'),
    ]
    for n, path in enumerate(files):
        out, findings = feedback_of(world, tmp_path / str(n), path)
        assert len(listing(out)) == len(findings) + 1
        assert any(f.severity == "error" for f in findings)
