"""One reading of each cell (issue: "Crafted XML can make the tool read another value than Excel
shows"), and a sheet in another encoding (issue: "程序内部错误 instead of an answer").

Real returns, with one cell's XML crafted: a cell or a row written twice makes the file refused
(which value Excel shows is unknown); a cell that contradicts itself, or a value cell hidden
under a merged range, is an error finding at that cell and nothing is stored for it. The dry
run gives the import's verdict.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

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
)

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import templates
from jinan_eval_gui.store import Round

T = TEST_INDICATOR


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("one_reading")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=(TEST_UNIT,), template_dir=d / "templates")
    src = fill(d / "templates", d / "filled", cat)[TEST_UNIT]
    return d, src, meta_of(src)


def run_both(world, tmp_path, path: Path):
    """The dry run and the import of ``path``: the same verdict; the import's result."""
    d, _src, _meta = world
    round_path = tmp_path / "round.jeval"
    shutil.copy(d / "pristine.jeval", round_path)
    with Round.open(round_path, readonly=True) as rnd:
        (dry,) = workflow.import_files(rnd, [path], dry_run=True).files
    with Round.open(round_path) as rnd:
        (real,) = workflow.import_files(rnd, [path]).files
    assert (dry.status, [f.message for f in dry.findings]) == \
        (real.status, [f.message for f in real.findings])
    return real


def _data_part(path: Path, fn) -> Path:
    part = sheet_part(path, templates.DATA_SHEET)
    return patch_parts(path, lambda name, data: fn(data.decode()).encode() if name == part
                       else data)


def test_value_cell_written_twice_is_refused(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    path = with_cell(src, tmp_path / "twice.xlsx", templates.DATA_SHEET, cell,
                     f'<c r="{cell}"><v>85</v></c><c r="{cell}"><v>99</v></c>')
    result = run_both(world, tmp_path, path)
    assert result.status == "rejected"
    assert f"单元格 {cell} 出现了两次" in result.findings[0].message
    assert "程序内部错误" not in result.findings[0].message


def test_row_written_twice_is_refused(world, tmp_path):
    _d, src, meta = world
    row = address(meta, T, "t_count1")[1:]
    shutil.copy(src, tmp_path / "row.xlsx")

    def twice(text: str) -> str:
        m = re.search(rf'<row r="{row}"[^>]*>.*?</row>', text)
        return text[: m.end()] + m.group() + text[m.end():]

    result = run_both(world, tmp_path, _data_part(tmp_path / "row.xlsx", twice))
    assert result.status == "rejected"
    assert f"第 {row} 行出现了两次" in result.findings[0].message


@pytest.mark.parametrize(("key", "xml", "phrase"), [
    ("t_flag2", '<v>2</v>', "应为 0 或 1"),
    ("t_count1", '<v>85</v><is><t>99</t></is>', "不止一个值"),
])
def test_contradictory_cell_is_an_error_at_the_cell(world, tmp_path, key, xml, phrase):
    _d, src, meta = world
    cell = address(meta, T, key)
    kind = ' t="b"' if key.startswith("t_flag") else ' t="inlineStr"'
    path = with_cell(src, tmp_path / "bad.xlsx", templates.DATA_SHEET, cell,
                     f'<c r="{cell}"{kind}>{xml}</c>')
    result = run_both(world, tmp_path, path)
    assert result.status == "imported"
    (error,) = [f for f in result.findings if f.cell == cell and f.severity == "error"]
    assert phrase in error.message and "无法确定 Excel 中显示的值" in error.message
    assert not [v for v in result.values if v.input_key == key]


def test_value_cell_merged_into_its_left_neighbour_is_an_error(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    left = f"C{cell[1:]}"
    path = edit(src, tmp_path / "merged_left.xlsx",
                change=lambda wb: wb[templates.DATA_SHEET].merge_cells(f"{left}:{cell}"))
    result = run_both(world, tmp_path, path)
    (error,) = [f for f in result.findings if f.cell == cell and f.severity == "error"]
    assert f"与 {left} 合并" in error.message
    assert not [v for v in result.values if v.input_key == "t_count1"]


def test_value_cell_merged_with_its_right_neighbour_is_read(world, tmp_path):
    _d, src, meta = world
    cell = address(meta, T, "t_count1")
    right = f"E{cell[1:]}"
    path = edit(src, tmp_path / "merged_right.xlsx", {(T, "t_count1"): 42},
                change=lambda wb: wb[templates.DATA_SHEET].merge_cells(f"{cell}:{right}"))
    result = run_both(world, tmp_path, path)
    assert not [f for f in result.findings if f.cell == cell and f.severity == "error"]
    (value,) = [v for v in result.values if v.input_key == "t_count1"]
    assert value.number == 42


def test_sheet_in_gbk_is_refused_with_a_chinese_message(world, tmp_path):
    _d, src, _meta = world
    shutil.copy(src, tmp_path / "gbk.xlsx")

    def gbk(text: str) -> str:
        return '<?xml version="1.0" encoding="GBK"?>' + re.sub(r"^<\?xml[^>]*\?>", "", text)

    path = tmp_path / "gbk.xlsx"
    part = sheet_part(path, templates.DATA_SHEET)
    patch_parts(path, lambda name, data: gbk(data.decode()).encode("gbk") if name == part
                else data)
    result = run_both(world, tmp_path, path)
    assert result.status == "rejected"
    message = result.findings[0].message
    assert "文字编码（GBK）" in message and "另存为" in message
    assert "程序内部错误" not in message
