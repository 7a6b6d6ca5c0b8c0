"""Per-unit data-collection templates: content, locking, validations, identity, round trips."""

from __future__ import annotations

import re
import statistics
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lo import convert, needs_soffice
from openpyxl.cell.cell import MergedCell

from jinan_eval_gui import catalogue
from jinan_eval_gui.collect import templates
from jinan_eval_gui.collect.templates import TemplateRequest
from jinan_eval_gui.errors import TemplateError
from jinan_eval_gui.system.filenames import sanitize_filename

ENTITY = "济南市"
YEAR = 2024


@pytest.fixture(scope="module")
def cat() -> catalogue.Catalogue:
    return catalogue.load()


def _requests(cat: catalogue.Catalogue, entity: str = ENTITY) -> list[TemplateRequest]:
    return templates.requests_for_entity(
        cat, round_id="R-2024-01", round_name="2024年度新型智慧城市评价", year=YEAR,
        entity=entity, deadline="2025年3月31日", contact_person="王伟",
        contact_phone="0531-66608888",
    )


@pytest.fixture(scope="module")
def generated(cat, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    calls: list[tuple[int, int, str]] = []
    result = templates.generate_all(cat, _requests(cat), out,
                                    progress=lambda d, t, m: calls.append((d, t, m)))
    return out, result, calls


@pytest.fixture(scope="module")
def books(generated):
    """Every template opened once with openpyxl (as a third-party reader would)."""
    _, result, _ = generated
    return {g.unit: (g, openpyxl.load_workbook(g.path)) for g in result}


def _meta(wb) -> templates.TemplateMeta:
    return templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))


def _covering(ws, coord: str) -> list:
    """Data validations of ``ws`` whose ranges contain ``coord``."""
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


# ---------------------------------------------------------------------------------------
# Files and indicators
# ---------------------------------------------------------------------------------------
def test_one_template_per_unit_with_its_file_name(cat, generated):
    out, result, calls = generated
    units = [u for u in cat.unit_names if cat.indicators_for_unit(u)]
    assert [g.unit for g in result] == units
    assert len(units) == len(cat.units)  # every unit of the catalogue has something to report
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{YEAR}年度_{ENTITY}_{u}_数据采集表.xlsx" for u in units)
    assert calls[-1] == (len(units), len(units), calls[-1][2])
    assert [c[0] for c in calls[:-1]] == list(range(len(units)))


def test_every_indicator_reaches_every_unit_the_catalogue_names(cat, books):
    for ind in cat.indicators:
        wanted = cat.units_of(ind)
        if ind.all_units:  # 各有关部门
            assert set(wanted) == set(cat.unit_names)
        for unit in wanted:
            g, wb = books[unit]
            assert ind.id in g.indicator_ids, (ind.id, unit)
            assert ind.id in {c.indicator_id for c in _meta(wb).cells}, (ind.id, unit)
    for unit, (g, _) in books.items():
        assert list(g.indicator_ids) == [i.id for i in cat.indicators_for_unit(unit)]


def test_input_map_lists_every_input_cell(cat, books):
    for unit, (g, wb) in books.items():
        meta = _meta(wb)
        keys = [(c.indicator_id, c.input_key, c.row_index, c.column_key) for c in meta.cells]
        assert len(keys) == len(set(keys)) == g.cell_count
        cells = [(c.sheet, c.cell) for c in meta.cells]
        assert len(cells) == len(set(cells))
        expected = set()
        for ind in cat.indicators_for_unit(unit):
            expected.add((ind.id, templates.NOTES_KEY, None, ""))
            for spec in ind.inputs:
                if spec.owner and spec.owner != unit:  # reported by another unit
                    assert spec not in cat.inputs_for_unit(ind, unit)
                    continue
                expected.add((ind.id, templates.EVIDENCE_PREFIX + spec.key, None, ""))
                if spec.kind == "table":
                    expected |= {(ind.id, spec.key, r, col.key)
                                 for r in range(1, spec.max_rows + 1) for col in spec.columns}
                else:
                    expected.add((ind.id, spec.key, None, ""))
        expected |= {(None, templates.FILLER_PREFIX + k, None, "")
                     for k, _, _ in templates.FILLER_FIELDS}
        assert set(keys) == expected, unit
        ws = wb[templates.DATA_SHEET]
        for c in meta.cells:  # labels in the map are those of the catalogue
            if c.is_catalogue_input and c.row_index is None:
                spec = cat.indicator(c.indicator_id).input(c.input_key)
                assert c.label == spec.label
                assert ws[c.cell].row == ws[c.cell.replace("D", "B")].row
                assert str(ws[c.cell.replace("D", "B")].value).startswith(spec.label)


def test_inputs_owned_by_another_unit_are_left_out(cat, books):
    owned = [(ind, s) for ind in cat.indicators for s in ind.inputs if s.owner]
    if not owned:
        pytest.skip("no input with an owner in the catalogue")
    for ind, spec in owned:
        for unit in cat.units_of(ind):
            keys = {c.input_key for c in _meta(books[unit][1]).cells
                    if c.indicator_id == ind.id}
            assert (spec.key in keys) == (spec.owner == unit), (ind.id, spec.key, unit)


# ---------------------------------------------------------------------------------------
# Locking, protection, validation
# ---------------------------------------------------------------------------------------
def test_only_input_cells_are_unlocked_and_every_sheet_is_protected(books):
    for unit, (_, wb) in books.items():
        inputs = {(c.sheet, c.cell) for c in _meta(wb).cells}
        for ws in wb.worksheets:
            assert ws.protection.sheet, (unit, ws.title)
            assert ws.protection.password is None
            # formatColumns/formatRows = False means "not protected": units may resize
            assert ws.protection.formatColumns is False and ws.protection.formatRows is False
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell, MergedCell):
                        continue
                    unlocked = cell.protection.locked is False
                    assert unlocked == ((ws.title, cell.coordinate) in inputs), (
                        unit, ws.title, cell.coordinate)
        for sheet, coord in inputs:  # every input cell exists and is written (unlocked)
            assert wb[sheet][coord].protection.locked is False


def test_every_input_cell_has_a_matching_validation(cat, books):
    for unit, (_, wb) in books.items():
        ws = wb[templates.DATA_SHEET]
        for c in _meta(wb).cells:
            dvs = _covering(ws, c.cell)
            assert len(dvs) == 1, (unit, c)
            dv = dvs[0]
            assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle in (None, "stop")
            assert dv.allow_blank  # blanks pass: required is checked at import
            assert len(dv.promptTitle or "") <= 32 and len(dv.prompt or "") <= 255
            assert len(dv.errorTitle or "") <= 32 and len(dv.error or "") <= 255
            assert dv.prompt and dv.error
            if not c.is_catalogue_input:
                kind = "date" if c.input_key == templates.FILLER_PREFIX + "date" else "textLength"
                assert dv.type == kind, c
                continue
            spec = cat.indicator(c.indicator_id).input(c.input_key)
            if spec.kind == "table":
                spec = next(col for col in spec.columns if col.key == c.column_key)
            _check_validation(wb, dv, spec)


def _check_validation(wb, dv, spec) -> None:
    lo, hi = spec.bounds()
    if spec.kind in ("count", "rank", "level", "amount", "percent", "score"):
        assert dv.type == ("whole" if spec.kind in ("count", "rank", "level") else "decimal")
        if lo is not None and hi is not None:
            assert dv.operator in (None, "between")
            assert (Decimal(dv.formula1), Decimal(dv.formula2)) == (lo, hi)
        else:
            assert dv.operator == "greaterThanOrEqual" and Decimal(dv.formula1) == lo
        if spec.kind == "percent":
            assert "0-100" in dv.prompt or "85表示85%" in dv.prompt
    elif spec.kind == "yesno":
        assert dv.type == "list" and dv.formula1 == '"是,否"'
    elif spec.kind == "choice":
        assert dv.type == "list"
        name = dv.formula1.lstrip("=")
        (sheet, ref), = wb.defined_names[name].destinations
        labels = [row[0].value for row in wb[sheet][ref.replace("$", "")]]
        assert labels == [o.label for o in spec.options]
    elif spec.kind == "text":
        assert dv.type == "textLength" and dv.operator == "lessThanOrEqual"
        assert dv.formula1 == str(templates.TEXT_MAX_LENGTH)
    else:  # pragma: no cover
        raise AssertionError(spec.kind)


def test_no_formulas_anywhere(books):
    for _, wb in books.values():
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.coordinate)


def test_catalogue_texts_are_on_the_data_sheet(cat, books):
    g, wb = books["市卫生健康委"]
    texts = {c.value for row in wb[templates.DATA_SHEET].iter_rows() for c in row
             if isinstance(c.value, str)}
    for ind in cat.indicators_for_unit("市卫生健康委"):
        assert ind.description in texts and ind.method in texts
        if ind.assumption:
            assert ind.assumption in texts
    cover = {c.value for row in wb[templates.COVER_SHEET].iter_rows() for c in row}
    assert "2025年3月31日" in cover and "王伟" in cover and "0531-66608888" in cover
    assert any(isinstance(v, str) and "85表示85%" in v for v in cover)


def test_layout_print_setup_and_freeze(books):
    for _, wb in books.values():
        ws = wb[templates.DATA_SHEET]
        assert ws.freeze_panes == "A3"
        assert ws.print_title_rows.replace("$", "") == "1:2"
        assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth in (None, 1)  # 1 = default
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert wb.active.title == templates.COVER_SHEET


# ---------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------
def _identity_checks(wb, unit: str, cat) -> None:
    assert wb[templates.META_SHEET].sheet_state == "hidden"
    assert wb[templates.LISTS_SHEET].sheet_state == "hidden"
    meta = _meta(wb)
    ident = meta.identity
    assert list(ident)[: len(templates.IDENTITY_KEYS)] == list(templates.IDENTITY_KEYS)
    assert ident["format"] == templates.FORMAT_NAME
    assert ident["template_version"] == templates.TEMPLATE_VERSION
    assert ident["round_id"] == "R-2024-01"
    assert ident["year"] == str(YEAR) and ident["entity"] == ENTITY and ident["unit"] == unit
    assert ident["catalogue_version"] == cat.version and ident["catalogue_hash"] == cat.hash
    for name, key in templates.DEFINED_NAMES.items():
        (sheet, ref), = wb.defined_names[name].destinations
        assert sheet == templates.META_SHEET
        assert str(wb[sheet][ref.replace("$", "")].value) == ident[key], name
    (sheet, ref), = wb.defined_names[templates.MAP_NAME].destinations
    first, last = ref.replace("$", "").split(":")
    assert first == f"A{templates.MAP_HEADER_ROW}"
    assert int(re.sub(r"\D", "", last)) == templates.MAP_HEADER_ROW + len(meta.cells)


def test_identity_in_meta_sheet_and_defined_names(cat, books):
    for unit, (_, wb) in books.items():
        _identity_checks(wb, unit, cat)


def test_parse_meta_accepts_calamine_style_rows():
    rows = [("format", templates.FORMAT_NAME), ("year", 2024.0)] + [()] * 17
    rows.append(templates.MAP_COLUMNS)
    rows.append((3.0, "total", None, None, "数据填报", "D12", "政务服务事项总数"))
    rows.append((None, "_filler.name", "", "", "数据填报", "D99", "填报人"))
    meta = templates.parse_meta(rows)
    assert meta.identity == {"format": templates.FORMAT_NAME, "year": "2024"}
    assert meta.cells[0].indicator_id == 3 and meta.cells[0].row_index is None
    assert meta.cells[1].indicator_id is None and not meta.cells[1].is_catalogue_input
    with pytest.raises(TemplateError):
        templates.parse_meta([()] * 19 + [("x",)])


# ---------------------------------------------------------------------------------------
# Requests, names, atomic writing, cancel, speed
# ---------------------------------------------------------------------------------------
def test_file_names_are_safe_on_windows():
    assert sanitize_filename('a<b>c:d"e/f\\g|h?i*j') == "a_b_c_d_e_f_g_h_i_j"
    assert sanitize_filename("CON") == "_CON"
    assert sanitize_filename("名称. ") == "名称"
    req = TemplateRequest("r", "n", 2024, "济南/历下区", "市大数据局")
    assert templates.file_name(req) == "2024年度_济南_历下区_市大数据局_数据采集表.xlsx"


def test_requests_are_checked(cat, tmp_path):
    base = _requests(cat)[0]
    for bad in (
        TemplateRequest("r", "n", 2024, ENTITY, "不存在的单位"),
        TemplateRequest("r", "n", 2024, " ", base.unit),
        TemplateRequest("r", "n", 2024, ENTITY, base.unit, catalogue_hash="0" * 64),
        TemplateRequest("r", "n", 2024, ENTITY, base.unit, catalogue_version="1999.9"),
    ):
        with pytest.raises(TemplateError):
            templates.generate(cat, bad, tmp_path)
    with pytest.raises(TemplateError):
        templates.generate_all(cat, [base, base], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_no_half_written_workbook_on_error(cat, tmp_path, monkeypatch):
    req = _requests(cat)[0]

    def broken(self, path):
        Path(path).write_bytes(b"PK\x03\x04half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(templates.writer._Builder, "write", broken)
    with pytest.raises(RuntimeError):
        templates.generate(cat, req, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_system_refusals_are_told_in_chinese(cat, tmp_path, monkeypatch):
    """The folder under a file, a full disk: what happened and what to do, never the system's
    English (Not a directory, No space left on device)."""
    import errno

    req = _requests(cat)[0]
    blocker = tmp_path / "说明.txt"
    blocker.write_text("不是文件夹", encoding="utf-8")
    with pytest.raises(TemplateError) as folder:
        templates.generate(cat, req, blocker / "模板")
    assert "路径中有一部分不是文件夹" in str(folder.value) and "请检查路径" in str(folder.value)

    def full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(templates.writer._Builder, "write", full)
    with pytest.raises(TemplateError) as disk:
        templates.generate(cat, req, tmp_path / "模板")
    assert "磁盘空间不足" in str(disk.value) and "请清理磁盘空间" in str(disk.value)
    for caught in (folder.value, disk.value):  # the paths named are the user's
        said = str(caught).replace(str(tmp_path), "")
        assert not re.search(r"(?<![.A-Za-z])[A-Za-z]{2,}", said), said


def test_existing_template_is_replaced_whole(cat, tmp_path):
    req = _requests(cat)[0]
    first = templates.generate(cat, req, tmp_path)
    second = templates.generate(cat, req, tmp_path)
    assert first.path == second.path and [p.name for p in tmp_path.iterdir()] == [first.path.name]
    assert openpyxl.load_workbook(second.path)[templates.META_SHEET]["B7"].value == req.unit


def test_cancel_stops_between_workbooks(cat, tmp_path):
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    result = templates.generate_all(cat, _requests(cat), tmp_path, cancelled=cancelled)
    assert len(result) == 2 and len(list(tmp_path.glob("*.xlsx"))) == 2
    assert not list(tmp_path.glob(".~*"))


def test_catalogue_text_starting_with_equals_stays_text(cat, tmp_path):
    raw = catalogue.read_raw(catalogue.default_dir())
    entry = next(e for e in raw["indicator"] if e["id"] == cat.indicators[0].id)
    entry["description"] = "=SUM(A1:A9) 不是公式"
    changed = catalogue.build(raw)
    req = _requests(changed)[0]
    g = templates.generate(changed, req, tmp_path)
    ws = openpyxl.load_workbook(g.path)[templates.DATA_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=SUM(A1:A9) 不是公式"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_generating_all_templates_of_one_entity_is_fast(cat, tmp_path):
    reqs = _requests(cat)
    cpu = []
    for n in range(3):
        start = time.process_time()
        templates.generate_all(cat, reqs, tmp_path / str(n))
        cpu.append(time.process_time() - start)
    assert statistics.median(cpu) < 1.5, cpu


# ---------------------------------------------------------------------------------------
# LibreOffice round trip: the unit opens the template and saves it as .xlsx
# ---------------------------------------------------------------------------------------
@needs_soffice
@pytest.mark.slow
def test_libreoffice_round_trip_keeps_identity_map_and_validations(cat, generated, tmp_path):
    out, result, _ = generated
    # the templates holding a table, a choice (drop-down from _lists) and the most indicators
    chosen = [g for g in result if g.unit in ("市卫生健康委", "市公安局", "市工业和信息化局")]
    assert len(chosen) == 3
    kinds = {s.kind for g in chosen for i in g.indicator_ids for s in cat.indicator(i).inputs}
    assert {"table", "choice", "yesno", "count", "amount", "score"} <= kinds
    for g in chosen:
        saved = convert(g.path, tmp_path / g.unit)
        wb = openpyxl.load_workbook(saved)
        _identity_checks(wb, g.unit, cat)
        original = _meta(openpyxl.load_workbook(g.path))
        meta = _meta(wb)
        assert meta.cells == original.cells
        ws = wb[templates.DATA_SHEET]
        assert ws.protection.sheet
        for c in meta.cells:
            assert ws[c.cell].protection.locked is False, (g.unit, c.cell)
            dvs = _covering(ws, c.cell)
            assert len(dvs) == 1, (g.unit, c)
            if c.is_catalogue_input:
                spec = cat.indicator(c.indicator_id).input(c.input_key)
                if spec.kind == "table":
                    spec = next(col for col in spec.columns if col.key == c.column_key)
                _check_validation(wb, dvs[0], spec)


def test_footer_names_the_unit(books):
    for unit, (_, wb) in books.items():
        for title in (templates.COVER_SHEET, templates.DATA_SHEET):
            footer = wb[title].oddFooter
            assert footer.left.text == unit and "&P" in footer.right.text
