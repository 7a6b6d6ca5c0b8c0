"""Import of returned workbooks (importer.py through workflow.import_files).

A corpus built here in code: hostile and wrong files (entity bomb, zip bombs, a million-row
dimension, encrypted, .xls, renamed PDF, empty, truncated), templates of another round, entity or
catalogue version, tampered templates (rows deleted or inserted with openpyxl, labels changed,
``_meta`` removed or a map row deleted), and every way people type values, written into real
template cells with openpyxl. Then what the round keeps: dry run, unchanged, updated with diffs,
conflicts between units, year-on-year jumps, a kill in the middle of an import, a LibreOffice
round trip, and the feedback workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from corpus import (
    BILLION_LAUGHS,
    TEST_INDICATOR,
    TEST_UNIT,
    address,
    bomb_package,
    cfb,
    deflated,
    edit,
    extended_catalogue,
    fill,
    make_round,
    meta_of,
    patch_parts,
    raw_zip,
    set_cached_values,
    sha256,
    sheet_part,
)
from lo import convert, needs_soffice

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import importer, returns, templates
from jinan_eval_gui.collect.feedback import FILLS
from jinan_eval_gui.store import Round

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNITS = (TEST_UNIT, "市大数据局", "市行政审批服务局", "市水务局", "市住房城乡建设局",
         "国家电网济南公司")
T = TEST_INDICATOR
SECONDS = 5.0  # every refusal or finding must come this fast


@dataclass
class World:
    dir: Path
    pristine: Path
    templates: dict[str, Path]
    filled: dict[str, Path]
    cat: object


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """A round on the extended catalogue, templates of a few units, and clean returns."""
    d = tmp_path_factory.mktemp("world")
    cat = extended_catalogue()
    made = make_round(d / "pristine.jeval", cat, units=UNITS, template_dir=d / "templates")
    filled = fill(d / "templates", d / "filled", cat)
    return World(d, d / "pristine.jeval", made, filled, cat)


@pytest.fixture
def round_path(world, tmp_path) -> Path:
    path = tmp_path / "round.jeval"
    shutil.copy(world.pristine, path)
    return path


def run_import(round_path: Path, paths, **kwargs) -> importer.ImportReport:
    dry = kwargs.get("dry_run", False)
    with Round.open(round_path, readonly=dry) as rnd:
        return workflow.import_files(rnd, paths, **kwargs)


def messages(result, severity: str | None = None) -> str:
    return "\n".join(f.message for f in result.findings
                     if severity is None or f.severity == severity)


def at(result, cell: str, severity: str | None = None) -> list:
    return [f for f in result.findings if f.cell == cell
            and (severity is None or f.severity == severity)]


def stored(result, key: str, indicator: int = T) -> list:
    return [v for v in result.values if v.indicator_id == indicator and v.input_key == key]


# ------------------------------------------------------------------------------------------
# Hostile, wrong and tampered files: refused fast, round file untouched


def _bomb_template(src: Path, dst: Path) -> Path:
    """A real filled template plus a part that declares 2.5 GB (never needed, still refused)."""
    with zipfile.ZipFile(src) as zf:
        entries = [(i.filename, *deflated(zf.read(i))) for i in zf.infolist()]
    entries.append(("xl/media/image1.png", deflated(b"<x/>")[0], 0, int(2.5 * 1024**3)))
    return raw_zip(dst, entries)


def _entity_bomb(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    part = sheet_part(dst, templates.META_SHEET)

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = data.decode("utf-8")
        head = text.index("<worksheet")
        text = text[:head] + BILLION_LAUGHS + text[head:]
        return text.replace("jinan-eval-template", "&lol9;", 1).encode("utf-8")

    return patch_parts(dst, fn)


def _xxe(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)

    def fn(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        text = data.decode("utf-8")
        head = text.index("<workbook")
        return (text[:head] + '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                + text[head:]).encode("utf-8")

    return patch_parts(dst, fn)


def _meta_cells(src: Path, dst: Path, extra: str) -> Path:
    shutil.copy(src, dst)
    part = sheet_part(dst, templates.META_SHEET)

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        return data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")

    return patch_parts(dst, fn)


def _many_meta_cells(src: Path, dst: Path) -> Path:
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "HIJKLM")
                   + "</row>" for r in range(30_000, 55_000))
    return _meta_cells(src, dst, rows)


def _far_meta_row(src: Path, dst: Path) -> Path:
    return _meta_cells(src, dst, '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t>'
                                 "</is></c></row>")


def _other_round(world: World, dst: Path) -> Path:
    other = dst.parent / "other-round"
    other.mkdir(exist_ok=True)
    made = make_round(other / "other.jeval", world.cat, units=(TEST_UNIT,),
                      template_dir=other / "templates")
    filled = fill(other / "templates", other / "filled", world.cat)
    shutil.copy(filled[TEST_UNIT], dst)
    assert made
    return dst


def _generated(world: World, dst: Path, **changes) -> Path:
    """A template generated for this round's id but another entity or catalogue."""
    with Round.open(world.pristine, readonly=True) as rnd:
        info = rnd.info
    cat = changes.pop("catalogue", world.cat)
    request = templates.TemplateRequest(
        round_id=info.id, round_name=info.name, year=info.year,
        entity=changes.pop("entity", "济南市"), unit=TEST_UNIT,
        catalogue_version=cat.version, catalogue_hash=cat.hash)
    out = dst.parent / f"gen-{dst.stem}"
    made = templates.generate(cat, request, out)
    filled = fill(out, out / "filled", cat)
    shutil.copy(next(iter(filled.values())), dst)
    assert made.path.exists()
    return dst


def _real_catalogue():
    from jinan_eval_gui import catalogue

    return catalogue.load()


def _data_row(world: World, key: str) -> int:
    cell = address(meta_of(world.filled[TEST_UNIT]), T, key)
    return int(cell[1:])


CASES = {
    # name: (builder(world, dst) -> path, file name, phrases in the refusal)
    "entity_bomb": (lambda w, d: _entity_bomb(w.filled[TEST_UNIT], d), "bomb.xlsx", ["DTD"]),
    "xxe": (lambda w, d: _xxe(w.filled[TEST_UNIT], d), "xxe.xlsx", ["DTD"]),
    "zip_bomb": (lambda w, d: bomb_package(d, declared=None), "zip_bomb.xlsx", ["压缩炸弹"]),
    "zip_bomb_in_template": (lambda w, d: _bomb_template(w.filled[TEST_UNIT], d),
                             "bomb_template.xlsx", ["压缩炸弹"]),
    "many_cells": (lambda w, d: _many_meta_cells(w.filled[TEST_UNIT], d), "cells.xlsx",
                   ["单元格超过"]),
    "far_meta_row": (lambda w, d: _far_meta_row(w.filled[TEST_UNIT], d), "far.xlsx",
                     ["1048576", "模板已被改动"]),
    "encrypted": (lambda w, d: d.write_bytes(cfb(["EncryptionInfo", "EncryptedPackage"])) and d,
                  "encrypted.xlsx", ["密码"]),
    "xls": (lambda w, d: d.write_bytes(cfb(["Workbook", "\x05SummaryInformation"])) and d,
            "legacy.xls", [".xls", "另存为", ".xlsx"]),
    "pdf": (lambda w, d: d.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\n") and d, "scan.xlsx",
            ["PDF"]),
    "empty": (lambda w, d: d.write_bytes(b"") or d, "empty.xlsx", ["空文件"]),
    "truncated": (lambda w, d: d.write_bytes(w.filled[TEST_UNIT].read_bytes()[:20_000]) and d,
                  "truncated.xlsx", ["不完整"]),
    "missing": (lambda w, d: d, "gone.xlsx", ["不存在"]),
    "not_a_template": (
        lambda w, d: (openpyxl.Workbook().save(d), d)[1], "plain.xlsx",
        ["不是本工具下发的数据采集表"]),
    "blank_template": (lambda w, d: shutil.copy(w.templates[TEST_UNIT], d) and d,
                       "blank.xlsx", ["空白模板"]),
    "other_round": (_other_round, "other_round.xlsx", ["另一评价轮次"]),
    "other_entity": (lambda w, d: _generated(w, d, entity="历下区"), "other_entity.xlsx",
                     ["评价对象", "历下区"]),
    "other_catalogue": (lambda w, d: _generated(w, d, catalogue=_real_catalogue()),
                        "other_catalogue.xlsx", ["另一版本的指标体系"]),
    "unknown_unit": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.META_SHEET].cell(7, 2, "市不存在局")), "unit.xlsx", ["市不存在局", "责任单位"]),
    "row_deleted": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.DATA_SHEET].delete_rows(_data_row(w, "linked") - 2)), "deleted.xlsx",
        ["行被插入、删除"]),
    "row_inserted": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.DATA_SHEET].insert_rows(_data_row(w, "t_count3"))), "inserted.xlsx",
        ["行被插入、删除"]),
    "label_changed": (lambda w, d: edit(w.filled[TEST_UNIT], d, values={
        f"B{_data_row(w, 't_count2')}": "改过的名称（必填）"}), "label.xlsx",
        ["测试数量2", "改过的名称", "名称被修改"]),
    "meta_removed": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb.remove(
        wb[templates.META_SHEET])), "no_meta.xlsx", ["缺少隐藏的标识工作表"]),
    "meta_map_row_deleted": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.META_SHEET].delete_rows(templates.MAP_HEADER_ROW + 3)), "map_row.xlsx",
        ["填报项清单已被改动", "缺少 1 项"]),
    "meta_map_cell_changed": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.META_SHEET].cell(templates.MAP_HEADER_ROW + 1, 6, "D2")), "map_cell.xlsx",
        ["第 2 行"]),
    "meta_map_cell_far_away": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: wb[
        templates.META_SHEET].cell(templates.MAP_HEADER_ROW + 1, 6, "XFD8")), "far_cell.xlsx",
        ["XFD8", "超出模板的范围"]),
    "sheet_renamed": (lambda w, d: edit(w.filled[TEST_UNIT], d, change=lambda wb: setattr(
        wb[templates.DATA_SHEET], "title", "数据")), "renamed.xlsx", ["缺少工作表"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_fast_with_a_clear_message_and_round_untouched(world, round_path, tmp_path,
                                                               case):
    build, name, phrases = CASES[case]
    path = tmp_path / name
    built = build(world, path)
    assert built in (path, True) or case == "missing"
    before = sha256(round_path)
    start = time.perf_counter()
    report = run_import(round_path, [path])
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, elapsed
    (result,) = report.files
    assert result.status == "rejected", messages(result)
    error = result.findings[0]
    assert error.severity == "error"
    assert path.name in error.message
    for phrase in phrases:
        assert phrase in error.message, error.message
    assert "请" in error.message, error.message
    assert result.values == [] and result.content == b""
    assert report.exit_code == 1
    assert sha256(round_path) == before


def test_million_row_dimension_is_not_believed(world, round_path, tmp_path):
    path = Path(shutil.copy(world.filled[TEST_UNIT], tmp_path / "dimension.xlsx"))
    data_part = sheet_part(path, templates.DATA_SHEET)

    def fn(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        text = data.decode("utf-8")
        start = text.index("<dimension")
        end = text.index("/>", start) + 2
        text = text[:start] + '<dimension ref="A1:XFD1048576"/>' + text[end:]
        if name == data_part:  # and a real cell down there, far below every input
            text = text.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>7</v>'
                                                "</c></row></sheetData>")
        return text.encode("utf-8")

    patch_parts(path, fn)
    start = time.perf_counter()
    report = run_import(round_path, [path], dry_run=True)
    assert time.perf_counter() - start < SECONDS
    (result,) = report.files
    assert result.status == "imported", messages(result)
    assert not result.has_errors, messages(result, "error")


def test_cells_right_of_the_meta_map_are_ignored_quickly(world, round_path, tmp_path):
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(400, 20_000))
    path = _meta_cells(world.filled[TEST_UNIT], tmp_path / "wide.xlsx", rows)
    start = time.perf_counter()
    (result,) = run_import(round_path, [path], dry_run=True).files
    assert time.perf_counter() - start < SECONDS
    assert result.status == "imported" and not result.has_errors, messages(result)


def test_macro_enabled_workbook_is_read_as_values_with_a_warning(world, round_path, tmp_path):
    path = shutil.copy(world.filled[TEST_UNIT], tmp_path / "returned.xlsm")
    patch_parts(Path(path), lambda n, d: d, add={"xl/vbaProject.bin": cfb(["VBA", "PROJECT"])})
    (result,) = run_import(round_path, [path], dry_run=True).files
    assert result.status == "imported"
    assert any("宏" in f.message and "不会运行" in f.message for f in result.findings
               if f.severity == "warning")
    assert not result.has_errors


def test_internal_error_in_one_file_is_a_rejection_not_a_crash(world, round_path, monkeypatch,
                                                               tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))

    def boom(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(returns.reading, "check_rows", boom)
    report = run_import(round_path, [world.filled[TEST_UNIT]], dry_run=True)
    (result,) = report.files
    assert result.status == "rejected"
    assert "程序内部错误" in result.findings[0].message
    assert "simulated bug" in (tmp_path / "state" / "JinanEval" / "error.log").read_text()


# ------------------------------------------------------------------------------------------
# Values as people type them, written into real template cells


TYPED = {
    # key: (value written, number format, severity of the finding or None, phrase, stored)
    "t_pct1": ("85%", None, "info", "85%", D(85)),
    "t_pct2": (0.85, "0%", "info", "百分比格式", D(85)),
    "t_pct3": (0.85, None, "warning", "小数形式", D("0.85")),
    "t_pct4": (85, None, None, "", D(85)),
    "t_pct5": (120, None, "error", "0 到 100", None),
    "t_count1": ("１２３", None, "info", "123", D(123)),
    "t_count2": ("1,234", None, "info", "1234", D(1234)),
    "t_count3": ("  56  ", None, "info", "56", D(56)),
    "t_count4": ("120", None, "info", "文本形式", D(120)),
    "t_count5": ("=40+2", None, "warning", "公式", D(42)),
    "t_count6": (dt.datetime(2024, 3, 5), "yyyy-mm-dd", "error", "日期格式", None),
    "t_count7": ("#DIV/0!", None, "error", "#DIV/0!", None),
    "t_count8": ("约100", None, "error", "确切", None),
    "t_count9": (-5, None, "error", "负数", None),
    "t_count10": (12.5, None, "error", "整数", None),
    "t_amount1": (200000, None, "error", "不能大于 100000", None),
    "t_amount2": ("1,234.5", None, "info", "1234.5", D("1234.5")),
    "t_amount3": (True, None, "error", "逻辑值", None),
    "t_flag1": ("是", None, "warning", "佐证材料", D(1)),
    "t_flag2": ("否", None, None, "", D(0)),
    "t_flag3": ("有", None, "info", "按“是”读取", D(1)),
    "t_flag4": ("无", None, "info", "按“否”读取", D(0)),
    "t_flag5": ("√", None, "info", "按“是”读取", D(1)),
    "t_flag6": ("×", None, "info", "按“否”读取", D(0)),
    "t_flag7": ("不确定", None, "error", "不是“是”或“否”", None),
    "t_flag8": ("是", None, None, "", D(1)),  # evidence given
    "t_choice1": ("建设中", None, None, "", D(2)),
    "t_choice2": ("快完成了", None, "error", "不是可选项", None),
    "t_note1": ("=1+1", None, None, "", "=1+1"),
    "t_note2": ("  普通说明  ", None, None, "", "普通说明"),
}
TYPED_AS_TEXT = ("t_note1",)
FORMULA_TEXT = '=HYPERLINK("http://example.invalid","点我")'


@pytest.fixture(scope="module")
def typed(world, tmp_path_factory):
    """One return holding every typing case, plus a broken check, a missing required input and
    a half-filled table row; imported as a dry run."""
    d = tmp_path_factory.mktemp("typed")
    src = world.filled[TEST_UNIT]
    meta = meta_of(src)
    values = {(T, key): value for key, (value, *_rest) in TYPED.items()}
    formats = {(T, key): fmt for key, (_v, fmt, *_rest) in TYPED.items() if fmt}
    for key in TYPED:
        if key.startswith("t_flag"):
            values[(T, templates.EVIDENCE_PREFIX + key)] = None
    values[(T, templates.EVIDENCE_PREFIX + "t_flag8")] = "2024年度台账"
    values[(T, "t_whole")] = 100
    values[(T, "t_part")] = 120
    values[(14, "emr_n")] = None
    values[(14, "inst_total")] = FORMULA_TEXT  # typed as text into a count cell
    table = [c for c in meta.cells if c.indicator_id == 16 and c.input_key == "hospitals"]
    last_row = max(c.row_index for c in table)
    for c in table:
        if c.row_index == last_row:
            values[c.cell] = "半行医院" if c.column_key == "name" else None
    path = edit(src, d / src.name, values, formats=formats,
                strings=[*((T, k) for k in TYPED_AS_TEXT), (14, "inst_total")])
    set_cached_values(path, {"40+2": "42"})
    with Round.open(world.pristine, readonly=True) as rnd:
        report = workflow.import_files(rnd, [path], dry_run=True)
    (result,) = report.files
    return result, meta, path, last_row


@pytest.mark.parametrize("key", sorted(TYPED))
def test_value_as_typed(typed, key):
    result, meta, _path, _ = typed
    _value, _fmt, severity, phrase, expected = TYPED[key]
    cell = address(meta, T, key)
    found = at(result, cell)
    if severity is None:
        assert not [f for f in found if f.severity != "info"], [f.message for f in found]
    else:
        hits = [f for f in found if f.severity == severity and phrase in f.message]
        assert hits, [(f.severity, f.message) for f in found]
        hit = hits[0]
        assert hit.indicator_id == T and hit.input_key == key and hit.sheet == templates.DATA_SHEET
        assert f"指标 {T}" in hit.message and label_of(key) in hit.message
    values = stored(result, key)
    if expected is None:
        assert values == [], values
        assert any(f.severity == "error" for f in found)
    else:
        (value,) = values
        assert (value.text if isinstance(expected, str) else value.number) == expected
        assert (value.sheet, value.cell) == (templates.DATA_SHEET, cell)


def label_of(key: str) -> str:
    return extended_catalogue().indicator(T).input(key).label


def test_value_as_typed_is_kept_in_findings(typed):
    result, meta, *_ = typed
    date = at(result, address(meta, T, "t_count6"), "error")[0]
    assert date.value == "2024-03-05"
    pct = at(result, address(meta, T, "t_pct2"), "info")[0]
    assert pct.value == "85%"
    error = at(result, address(meta, T, "t_count7"), "error")[0]
    assert error.value == "#DIV/0!"


def test_numerator_above_denominator_blocks_both(typed):
    result, meta, *_ = typed
    hits = [f for f in result.findings if "测试部分数不能大于测试总数" in f.message]
    error, other = sorted(hits, key=lambda f: f.severity != "error")
    assert error.severity == "error" and other.severity == "info"  # one error, both cells noted
    assert "120" in error.message and "100" in error.message
    cells = {address(meta, T, "t_whole"): "100", address(meta, T, "t_part"): "120"}
    assert {error.cell, other.cell} == set(cells)
    assert other.value == cells[other.cell] and "本项未采用" in other.message
    assert stored(result, "t_whole") == [] and stored(result, "t_part") == []


def test_required_missing_and_half_filled_table_row(typed):
    result, meta, _path, last_row = typed
    (missing,) = at(result, address(meta, 14, "emr_n"))
    assert missing.severity == "error" and "必填项未填写" in missing.message
    half = [f for f in result.findings if f.indicator_id == 16 and f.severity == "error"]
    assert half and all(f"第 {last_row} 行" in f.message for f in half)
    assert stored(result, "hospitals", 16) == []  # the whole table is blocked
    assert result.status == "imported"  # errors block inputs, not the file


def test_typed_file_exit_code_and_json(typed):
    result, *_ = typed
    report = importer.ImportReport([result], dry_run=True, catalogue=extended_catalogue())
    assert report.exit_code == 1
    data = report.to_json()
    (entry,) = data["files"]
    assert entry["status"] == "imported" and entry["path"].endswith(".xlsx")
    for f in entry["findings"]:
        assert set(f) >= {"severity", "sheet", "cell", "indicator", "input", "message"}
        assert f["severity"] in ("error", "warning", "info")
    named = [f for f in entry["findings"] if f["indicator"] == T and f["input"] == "t_count8"]
    assert named[0]["indicator_name"] == extended_catalogue().indicator(T).name
    assert named[0]["label"] == "测试数量8" and named[0]["value"] == "约100"


# ------------------------------------------------------------------------------------------
# What the round keeps


def test_clean_returns_import_with_traceable_values(world, round_path):
    paths = [world.filled[u] for u in UNITS]
    report = run_import(round_path, paths)
    assert [f.status for f in report.files] == ["imported"] * len(UNITS)
    assert not any(f.has_errors for f in report.files), [messages(f, "error")
                                                         for f in report.files]
    with Round.open(round_path, readonly=True) as rnd:
        subs = rnd.list_submissions()
        assert {s.unit for s in subs} == set(UNITS)
        for s, f in zip(subs, report.files, strict=True):
            assert s.sha256 == sha256(f.path) and s.status == "accepted"
            assert rnd.submission_content(s.id) == f.path.read_bytes()
            assert s.imported_by and s.imported_at
        values = rnd.current_values("济南市")
        linked = values[T]["linked"][0]
        assert (linked.sheet, linked.cell) == (templates.DATA_SHEET,
                                               address(meta_of(world.filled[TEST_UNIT]), T,
                                                       "linked"))
        assert len(rnd.list_findings()) == sum(len(f.findings) for f in report.files)
        (entry,) = rnd.audit_log("import")
        assert [x["file"] for x in entry.details["files"]] == [p.name for p in paths]


def test_dry_run_stores_nothing_and_predicts_the_import(world, round_path):
    paths = [world.filled[u] for u in UNITS] + [world.filled[TEST_UNIT]]
    before = sha256(round_path)
    dry = run_import(round_path, paths, dry_run=True)
    assert sha256(round_path) == before
    real = run_import(round_path, paths)
    assert [f.status for f in dry.files] == [f.status for f in real.files]
    assert dry.files[-1].status == "unchanged"  # the same file twice in one import
    assert [len(f.conflicts) for f in dry.files] == [len(f.conflicts) for f in real.files]


def test_same_file_twice_changes_nothing(world, round_path, tmp_path):
    run_import(round_path, [world.filled[TEST_UNIT]])
    before = sha256(round_path)
    report = run_import(round_path, [world.filled[TEST_UNIT]])
    assert report.files[0].status == "unchanged" and report.exit_code == 0
    assert sha256(round_path) == before
    # re-saved by a tool: other bytes, the same content
    resaved = edit(world.filled[TEST_UNIT], tmp_path / "resaved.xlsx")
    assert sha256(resaved) != sha256(world.filled[TEST_UNIT])
    assert run_import(round_path, [resaved]).files[0].status == "unchanged"
    assert sha256(round_path) == before


def test_newer_return_replaces_older_with_diffs_and_history(world, round_path, tmp_path):
    src = world.filled[TEST_UNIT]
    v1 = edit(src, tmp_path / "v1.xlsx", {(T, "t_count1"): 10, (T, "t_count2"): 20})
    v2 = edit(src, tmp_path / "v2.xlsx", {(T, "t_count1"): 11, (T, "t_count2"): None})
    run_import(round_path, [v1])
    report = run_import(round_path, [v2])
    (result,) = report.files
    assert result.status == "updated"
    diffs = {d.input_key: (d.old, d.new) for d in result.diffs}
    assert diffs == {"t_count1": ("10", "11")}  # the blank t_count2 keeps its value
    (kept,) = [f for f in result.findings if "已保留此前导入的值" in f.message]
    assert kept.severity == "warning" and "测试数量2" in kept.message and "20" in kept.message
    meta = meta_of(src)
    assert next(d for d in result.diffs if d.input_key == "t_count1").cell == address(
        meta, T, "t_count1")
    with Round.open(round_path, readonly=True) as rnd:
        subs = [s for s in rnd.list_submissions() if s.unit == TEST_UNIT]
        assert [s.status for s in subs] == ["superseded", "accepted"]
        current = rnd.current_values("济南市")[T]
        assert current["t_count1"][0].number == D(11)
        assert current["t_count2"][0].number == D(20)
        assert current["t_count2"][0].submission_id == subs[0].id  # traced to the file it came from
        history = rnd.value_history("济南市", T, "t_count1")
        assert [(h.number, h.current) for h in history] == [(D(10), False), (D(11), True)]
        assert [e.details["status"] for e in rnd.audit_log("submission.status")] == ["superseded"]


def _shared(world, tmp_path, name, unit, **values):
    return edit(world.filled[unit], tmp_path / name,
                {(1, key): value for key, value in values.items()})


def test_differing_shared_input_is_a_conflict_not_last_write_wins(world, round_path, tmp_path):
    a = _shared(world, tmp_path, "a.xlsx", "市大数据局", used=800, total=1000)
    b = _shared(world, tmp_path, "b.xlsx", "市行政审批服务局", used=800, total=1200)
    report = run_import(round_path, [a, b])
    first, second = report.files
    assert not [c for c in first.conflicts if c.indicator_id == 1]
    (note,) = [c for c in second.conflicts if c.indicator_id == 1 and c.input_key == "total"]
    assert {c["unit"]: c["value"] for c in note.candidates} == {"市大数据局": "1000",
                                                              "市行政审批服务局": "1200"}
    warning = [f for f in second.findings if f.input_key == "total" and f.indicator_id == 1]
    assert warning[0].severity == "warning" and "数据冲突" in warning[0].message
    assert "市大数据局：1000" in warning[0].message
    assert not [c for c in second.conflicts if (c.indicator_id, c.input_key) == (1, "used")]
    with Round.open(round_path) as rnd:
        (conflict,) = [c for c in rnd.list_conflicts("济南市", open_only=True)
                       if (c.indicator_id, c.input_key) == (1, "total")]
        results = workflow.score_entity(rnd, "济南市", save=False)
        assert results.indicators[1].status == "invalid"  # blocked, not the last value
        rnd.resolve_conflict(conflict.id, {"unit": "市大数据局"}, "以市大数据局统计口径为准")
        inputs = workflow.entity_inputs(rnd, workflow.round_catalogue(rnd), "济南市")
        assert inputs.values[1]["total"] == D(1000)
    # the second unit corrects its figure: the units agree, nothing new to resolve
    b2 = _shared(world, tmp_path, "b2.xlsx", "市行政审批服务局", used=800, total=1000)
    (result,) = run_import(round_path, [b2]).files
    assert result.status == "updated"
    assert not [c for c in result.conflicts if (c.indicator_id, c.input_key) == (1, "total")]


def test_conflict_replaced_when_values_change_and_closed_when_they_agree(world, round_path,
                                                                         tmp_path):
    a = _shared(world, tmp_path, "a.xlsx", "市大数据局", used=800, total=1000)
    b = _shared(world, tmp_path, "b.xlsx", "市行政审批服务局", used=800, total=1200)
    b2 = _shared(world, tmp_path, "b2.xlsx", "市行政审批服务局", used=800, total=1300)
    b3 = _shared(world, tmp_path, "b3.xlsx", "市行政审批服务局", used=800, total=1000)
    run_import(round_path, [a, b])
    run_import(round_path, [b2])
    with Round.open(round_path, readonly=True) as rnd:
        total = [c for c in rnd.list_conflicts("济南市")
                 if (c.indicator_id, c.input_key) == (1, "total")]
        assert [c.resolved_at is None for c in total] == [False, True]
        assert {c["value"] for c in total[1].candidates} == {"1000", "1300"}
        assert "新的冲突记录取代" in total[0].reason
    (result,) = run_import(round_path, [b3]).files
    assert [c.action for c in result.conflicts
            if (c.indicator_id, c.input_key) == (1, "total")] == ["agreed"]
    with Round.open(round_path, readonly=True) as rnd:
        assert not [c for c in rnd.list_conflicts("济南市", open_only=True)
                    if (c.indicator_id, c.input_key) == (1, "total")]


def test_check_across_units_warns(world, round_path, tmp_path):
    water = edit(world.filled["市水务局"], tmp_path / "water.xlsx",
                 {(56, "water_meters"): 900, (56, "households"): 1000})
    gas = edit(world.filled["市住房城乡建设局"], tmp_path / "gas.xlsx",
               {(56, "gas_meters"): 500, (56, "households"): 800})
    report = run_import(round_path, [water, gas], dry_run=True)
    text = messages(report.files[1], "warning")
    assert "数据来自不同单位" in text and "市水务局填报的" in text and "900" in text


def test_year_on_year_jump_is_a_warning(world, tmp_path):
    cat = world.cat
    earlier_dir, later_dir = tmp_path / "2023", tmp_path / "2024"
    earlier_dir.mkdir()
    later_dir.mkdir()
    make_round(earlier_dir / "r.jeval", cat, year=2023, units=(TEST_UNIT,),
               template_dir=earlier_dir / "t")
    make_round(later_dir / "r.jeval", cat, year=2024, units=(TEST_UNIT,),
               template_dir=later_dir / "t")
    old = fill(earlier_dir / "t", earlier_dir / "f", cat)[TEST_UNIT]
    new = fill(later_dir / "t", later_dir / "f", cat)[TEST_UNIT]
    old = edit(old, earlier_dir / "old.xlsx", {(T, "t_count1"): 100, (T, "t_count2"): 100,
                                               (T, "t_count3"): 0})
    new = edit(new, later_dir / "new.xlsx", {(T, "t_count1"): 200, (T, "t_count2"): 120,
                                             (T, "t_count3"): 50})
    run_import(earlier_dir / "r.jeval", [old])
    report = run_import(later_dir / "r.jeval", [new], dry_run=True,
                        previous_round=earlier_dir / "r.jeval")
    (result,) = report.files
    meta = meta_of(new)
    (jump,) = at(result, address(meta, T, "t_count1"), "warning")
    assert "2023 年度" in jump.message and "100" in jump.message and "50%" in jump.message
    assert not at(result, address(meta, T, "t_count2"), "warning")  # +20 %: plausible
    assert not at(result, address(meta, T, "t_count3"), "warning")  # from 0: no ratio
    assert stored(result, "t_count1")[0].number == D(200)  # accepted with a flag
    with Round.open(later_dir / "r.jeval") as rnd:
        rnd.set_param("yoy_jump_ratio", 2)
        (result,) = workflow.import_files(rnd, [new], dry_run=True,
                                          previous_round=earlier_dir / "r.jeval").files
    assert not at(result, address(meta, T, "t_count1"), "warning")


def test_mixed_batch_stores_the_good_file_only(world, round_path, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"%PDF-1.4")
    report = run_import(round_path, [world.filled[TEST_UNIT], bad])
    assert [f.status for f in report.files] == ["imported", "rejected"]
    assert report.exit_code == 1
    with Round.open(round_path, readonly=True) as rnd:
        assert [s.file_name for s in rnd.list_submissions()] == [world.filled[TEST_UNIT].name]
        (entry,) = rnd.audit_log("import")
        assert [f["status"] for f in entry.details["files"]] == ["imported", "rejected"]


def test_progress_is_reported(world, round_path):
    seen = []
    run_import(round_path, [world.filled[TEST_UNIT], world.filled["市水务局"]],
               progress=lambda done, total, message: seen.append((done, total, message)))
    assert seen[0][:2] == (0, 3) and "正在校验" in seen[0][2]
    assert any("正在保存" in m for _d, _t, m in seen)
    assert seen[-1][:2] == (3, 3)


# ------------------------------------------------------------------------------------------
# A kill in the middle of an import


def _snapshot(path: Path) -> tuple:
    with Round.open(path, readonly=True) as rnd:
        values = rnd.current_values("济南市")
        return (
            [(s.id, s.unit, s.sha256, s.status) for s in rnd.list_submissions()],
            sorted((i, k, v.unit, v.row_index, v.column_key, v.text) for i, by in values.items()
                   for k, rows in by.items() for v in rows),
            [(f.submission_id, f.cell, f.message) for f in rnd.list_findings()],
            [(c.id, c.input_key, c.resolved_at) for c in rnd.list_conflicts()],
            [(e.id, e.action) for e in rnd.audit_log()],
        )


KILLED_CHILD = """
import sys, time
from pathlib import Path
from jinan_eval_gui import workflow
from jinan_eval_gui.store import Round

round_path, marker, *files = sys.argv[1:]
saving = []

def progress(done, total, message):
    if message.startswith("正在保存："):
        saving.append(message)
        if len(saving) == 2:  # the first file's rows are written, not committed
            Path(marker).write_text(message, encoding="utf-8")
            time.sleep(120)

with Round.open(round_path) as rnd:
    # A tiny page cache spills changed pages into the round file before the commit, so the
    # kill leaves a hot journal that must be rolled back (not only an unused one).
    rnd._conn.execute("PRAGMA cache_size = 1")
    workflow.import_files(rnd, files, progress=progress)
print("finished")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_mid_import_leaves_the_round_as_before(world, round_path, tmp_path):
    run_import(round_path, [world.filled[TEST_UNIT]])  # committed earlier
    before = _snapshot(round_path)
    marker = tmp_path / "marker"
    files = [str(world.filled[u]) for u in UNITS[1:]]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(round_path), str(marker),
                              *files], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the second file"
            time.sleep(0.05)
        journal = round_path.with_name(round_path.name + "-journal")
        assert journal.exists()  # killed inside the write transaction
        assert journal.read_bytes()[:8] != bytes(8)  # hot: the round file was already written
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    with Round.open(round_path) as rnd:  # rolls a hot journal back (checks integrity too)
        assert rnd._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _snapshot(round_path) == before
    # and the import simply runs again
    report = run_import(round_path, files)
    assert {f.status for f in report.files} == {"imported"}
    assert not journal.exists()


# ------------------------------------------------------------------------------------------
# A unit's office suite: filled, then saved by LibreOffice Calc


@needs_soffice
@pytest.mark.slow
def test_libreoffice_saved_return_imports_without_errors(world, round_path, tmp_path):
    typed_ok = edit(world.filled[TEST_UNIT], tmp_path / world.filled[TEST_UNIT].name,
                    {(T, "t_pct1"): "85%", (T, "t_flag3"): "有", (T, "t_count4"): "120",
                     (T, "t_count5"): "=40+2", (T, "t_note1"): "=1+1"},
                    strings=[(T, "t_note1")])
    converted = [convert(typed_ok, tmp_path / "lo"),
                 convert(world.filled["市大数据局"], tmp_path / "lo")]
    report = run_import(round_path, converted)
    for result in report.files:
        assert result.status == "imported", messages(result)
        assert not result.has_errors, messages(result, "error")
    result = report.files[0]
    assert stored(result, "t_count5")[0].number == D(42)  # recalculated, cached by LibreOffice
    assert stored(result, "t_note1")[0].text == "=1+1"
    assert stored(result, "t_pct1")[0].number == D(85)


# ------------------------------------------------------------------------------------------
# The feedback workbook


def test_feedback_marks_cells_and_lists_findings(typed, round_path, tmp_path):
    _result, meta, path, _ = typed
    report = run_import(round_path, [path])
    (result,) = report.files
    with Round.open(round_path, readonly=True) as rnd:
        out = workflow.feedback(rnd, TEST_UNIT, tmp_path / "feedback")
        findings = rnd.list_findings(result.submission_id)
    assert out.name.endswith("_反馈.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["反馈说明", "校验结果"]  # the cover note, then the listing
    listing = wb["校验结果"]
    assert listing.max_row == len(findings) + 2  # a title, the header, one row each
    data = wb[templates.DATA_SHEET]
    for key, color in (("t_count8", FILLS["error"]), ("t_flag1", FILLS["warning"])):
        cell = data[address(meta, T, key)]
        assert cell.fill.fgColor.rgb.endswith(color)
        assert cell.comment is not None and "【" in cell.comment.text
    assert data[address(meta, T, "t_count8")].comment.text.count("约100") >= 1
    # text starting with "=" stays text, in the unit's cell and in the listing
    note = data[address(meta, T, "t_note1")]
    assert note.value == "=1+1" and note.data_type == "s"
    assert wb.sheetnames.count(templates.META_SHEET) == 1
    with zipfile.ZipFile(out) as zf:
        xml = zf.read(sheet_part(out, templates.DATA_SHEET)).decode("utf-8")
    assert "<f>1+1</f>" not in xml
    rows = [row for row in listing.iter_rows(min_row=3) if row[6].value == FORMULA_TEXT]
    assert rows and all(row[6].data_type == "s" for row in rows)
    assert data[address(meta, 14, "inst_total")].value == FORMULA_TEXT
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>HYPERLINK" not in zf.read(name), name
