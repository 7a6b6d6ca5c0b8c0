"""Synthetic filling of templates: plausible values, checks kept, blanks and mistakes listed."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal, InvalidOperation

import openpyxl
import pytest

from jinan_eval_gui import catalogue
from jinan_eval_gui.collect import samplefill, templates
from jinan_eval_gui.errors import TemplateError

SOME_UNITS = ("市卫生健康委", "市城管局", "市交通运输局", "市大数据局", "市公安局", "市教育局")


@pytest.fixture(scope="module")
def cat() -> catalogue.Catalogue:
    return catalogue.load()


@pytest.fixture(scope="module")
def template_dir(cat, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    reqs = templates.requests_for_entity(
        cat, round_id="R1", round_name="2024年度评价", year=2024, entity="济南市",
        deadline="2025年3月31日", contact_person="王伟", contact_phone="0531-66608888")
    templates.generate_all(cat, reqs, out)
    return out


@pytest.fixture(scope="module")
def some_dir(template_dir, tmp_path_factory):
    """A few templates (a table, a choice, chained checks) for the quicker tests."""
    out = tmp_path_factory.mktemp("some")
    for path in template_dir.glob("*.xlsx"):
        if any(f"_{u}_" in path.name for u in SOME_UNITS):
            shutil.copy(path, out / path.name)
    assert len(list(out.iterdir())) == len(SOME_UNITS)
    return out


@pytest.fixture(scope="module")
def clean_fill(cat, template_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("filled")
    paths = samplefill.fill_dir(template_dir, out, seed=7, catalogue=cat)
    return out, paths, {p: _read(p) for p in paths}


def _read(path):
    """(identity and map, {cell: value}) of a filled workbook's data sheet."""
    wb = openpyxl.load_workbook(path, read_only=True)
    meta = templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))
    values = {c.coordinate: c.value for row in wb[templates.DATA_SHEET].iter_rows()
              for c in row if hasattr(c, "coordinate")}
    wb.close()
    return meta, values


def _spec(cat, cell):
    spec = cat.indicator(cell.indicator_id).input(cell.input_key)
    if spec.kind == "table":
        spec = next(col for col in spec.columns if col.key == cell.column_key)
    return spec


def _number(spec, value):
    """The number a well-typed cell holds (yes/no and choices mapped to their values)."""
    if spec.kind == "yesno":
        return {"是": Decimal(1), "否": Decimal(0)}[value]
    if spec.kind == "choice":
        return next(o.value for o in spec.options if o.label == value)
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value))


def test_every_input_filled_within_bounds_and_checks_hold(cat, template_dir, clean_fill):
    out, paths, read = clean_fill
    assert sorted(p.name for p in paths) == sorted(p.name for p in template_dir.glob("*.xlsx"))
    sidecar = samplefill.mistakes_of(out)
    assert sidecar["mistakes"] == [] and sidecar["blanks"] == []
    for path in paths:
        meta, values = read[path]
        env: dict[int, dict] = {}
        for cell in meta.cells:
            value = values.get(cell.cell)
            if cell.input_key.startswith(templates.FILLER_PREFIX):
                assert value not in (None, ""), cell
                continue
            if not cell.is_catalogue_input:
                continue
            spec = _spec(cat, cell)
            if cell.row_index is not None and value is None:
                continue  # tables: a few rows are filled, the rest stay empty
            assert value is not None, (path.name, cell)
            if spec.kind == "text":
                assert isinstance(value, str) and value
                continue
            number = _number(spec, value)
            lo, hi = spec.bounds()
            assert (lo is None or number >= lo) and (hi is None or number <= hi), (cell, value)
            if spec.kind in ("count", "rank", "level"):
                assert number == number.to_integral_value()
            ind_env = env.setdefault(cell.indicator_id, {})
            if cell.row_index is None:
                ind_env[cell.input_key] = number
            else:
                ind_env.setdefault(f"{cell.input_key}.{cell.column_key}", []).append(number)
        for ind_id, ind_env in env.items():
            ind = cat.indicator(ind_id)
            full = {**ind.params, **ind_env}
            for check in ind.checks:
                if check.rule.names <= full.keys():
                    assert check.rule.evaluate(full), (path.name, ind_id, check.rule.text)


def test_tables_get_a_few_rows(cat, clean_fill):
    _, paths, read = clean_fill
    tables = [(ind.id, s) for ind in cat.indicators for s in ind.inputs if s.kind == "table"]
    assert tables
    seen = 0
    for path in paths:
        meta, values = read[path]
        for ind_id, spec in tables:
            rows = {c.row_index for c in meta.cells if c.indicator_id == ind_id
                    and c.input_key == spec.key and values.get(c.cell) is not None}
            if rows:
                seen += 1
                assert 1 <= len(rows) <= 6 and rows == set(range(1, len(rows) + 1))
    assert seen


def test_values_are_plausible_for_jinan(cat, clean_fill):
    _, paths, read = clean_fill
    percents = []
    for path in paths:
        meta, values = read[path]
        for cell in meta.cells:
            if not cell.is_catalogue_input:
                continue
            spec = _spec(cat, cell)
            value = values.get(cell.cell)
            if spec.kind == "percent" and value is not None:
                percents.append(value)
            if spec.label == "政务服务事项总数" and value is not None:
                assert 500 <= value <= 10000, value
            if "常住人口" in spec.label and spec.unit == "万人" and value is not None:
                assert 900 <= value <= 960, value
    assert all(60 <= p <= 100 for p in percents)


def test_filling_keeps_validations_protection_and_identity(some_dir, tmp_path, cat):
    paths = samplefill.fill_dir(some_dir, tmp_path, seed=1, catalogue=cat)
    for path in paths:
        before = openpyxl.load_workbook(some_dir / path.name)
        after = openpyxl.load_workbook(path)
        assert after.sheetnames == before.sheetnames
        for ws in after.worksheets:
            old = before[ws.title]
            assert ws.sheet_state == old.sheet_state
            assert ws.protection.sheet and not ws.protection.formatColumns
            assert sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation) == \
                sorted(str(dv.sqref) for dv in old.data_validations.dataValidation)
            assert {str(r) for r in ws.merged_cells.ranges} == \
                {str(r) for r in old.merged_cells.ranges}
        assert set(after.defined_names) == set(before.defined_names)
        meta = templates.parse_meta(after[templates.META_SHEET].iter_rows(values_only=True))
        for cell in meta.cells:
            assert after[cell.sheet][cell.cell].protection.locked is False
        # merged cells keep the borders the template gave them
        ws, old = after[templates.DATA_SHEET], before[templates.DATA_SHEET]
        assert ws["F4"].border.right.style == old["F4"].border.right.style == "thin"


def test_same_seed_same_values_other_seed_other_values(some_dir, tmp_path, cat):
    a = samplefill.fill_dir(some_dir, tmp_path / "a", seed=5, blank_share=0.2,
                            mistake_share=0.2, catalogue=cat)
    b = samplefill.fill_dir(some_dir, tmp_path / "b", seed=5, blank_share=0.2,
                            mistake_share=0.2, catalogue=cat)
    c = samplefill.fill_dir(some_dir, tmp_path / "c", seed=6, blank_share=0.2,
                            mistake_share=0.2, catalogue=cat)
    assert [_read(p)[1] for p in a] == [_read(p)[1] for p in b]
    assert [_read(p)[1] for p in a] != [_read(p)[1] for p in c]
    assert (tmp_path / "a" / samplefill.MISTAKES_FILE).read_text("utf-8") == \
        (tmp_path / "b" / samplefill.MISTAKES_FILE).read_text("utf-8")


def test_blanks_are_left_blank_and_listed(some_dir, tmp_path, cat):
    paths = samplefill.fill_dir(some_dir, tmp_path, seed=2, blank_share=0.3, catalogue=cat)
    blanks = samplefill.mistakes_of(tmp_path)["blanks"]
    assert 5 <= len(blanks)
    by_file = {p.name: _read(p) for p in paths}
    for blank in blanks:
        meta, values = by_file[blank["file"]]
        cells = [c for c in meta.cells if c.indicator_id == blank["indicator_id"]
                 and c.input_key == blank["input_key"]]
        assert cells and all(values.get(c.cell) is None for c in cells), blank
    blank_keys = {(b["file"], b["indicator_id"], b["input_key"]) for b in blanks}
    for name, (meta, values) in by_file.items():
        for cell in meta.cells:
            if cell.is_catalogue_input and cell.row_index is None and \
                    (name, cell.indicator_id, cell.input_key) not in blank_keys:
                assert values.get(cell.cell) is not None, (name, cell)


def _is_plain_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return str(value).isascii()


def test_mistakes_are_made_and_listed(some_dir, tmp_path, cat):
    paths = samplefill.fill_dir(some_dir, tmp_path, seed=3, mistake_share=0.4, catalogue=cat)
    mistakes = samplefill.mistakes_of(tmp_path)["mistakes"]
    kinds = {m["kind"] for m in mistakes}
    assert kinds <= set(samplefill.MISTAKE_KINDS)
    assert {"numerator_gt_denominator", "not_in_list"} <= kinds and len(kinds) >= 5, kinds
    by_file = {p.name: _read(p) for p in paths}
    for m in mistakes:
        meta, values = by_file[m["file"]]
        written = values.get(m["cell"])
        assert written == m["value"], m
        cell = next(c for c in meta.cells if c.cell == m["cell"])
        spec = _spec(cat, cell)
        lo, hi = spec.bounds()
        kind = m["kind"]
        if kind in ("approx_text", "percent_sign", "fullwidth_digits", "text_in_number"):
            assert not _is_plain_number(written), m
        elif kind == "negative":
            assert written < 0 and lo is not None and Decimal(str(written)) < lo
        elif kind == "not_in_list":
            allowed = ["是", "否"] if spec.kind == "yesno" else [o.label for o in spec.options]
            assert written not in allowed
        elif kind == "numerator_gt_denominator":
            other = next(c for c in meta.cells if c.indicator_id == cell.indicator_id
                         and c.input_key == m["related_input"])
            assert values[other.cell] is not None and written > values[other.cell], m
    # the sidecar is plain JSON with what a test of the importer needs
    raw = json.loads((tmp_path / samplefill.MISTAKES_FILE).read_text("utf-8"))
    assert raw["seed"] == 3 and raw["mistake_share"] == 0.4
    assert {"file", "indicator_id", "input_key", "cell", "kind", "value"} <= set(mistakes[0])


def test_sample_fill_is_the_cli_entry(some_dir, tmp_path):
    paths = samplefill.sample_fill(some_dir, tmp_path, 0, 0.0, 0.0)
    assert len(paths) == len(SOME_UNITS)


def test_folder_without_templates_is_refused(tmp_path, cat):
    (tmp_path / "in").mkdir()
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "in" / "not-a-template.xlsx")
    with pytest.raises(TemplateError):
        samplefill.fill_dir(tmp_path / "in", tmp_path / "out", catalogue=cat)
    with pytest.raises(TemplateError):
        samplefill.fill_dir(tmp_path / "missing", tmp_path / "out", catalogue=cat)
