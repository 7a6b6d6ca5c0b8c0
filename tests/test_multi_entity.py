"""A round with several evaluated entities, end to end.

Three entities → a template for every (entity, unit) → sample returns → import (each file lands
on its own entity) → status and scores per entity → export: the scoring workbook ranks the
entities and has one 计算过程 sheet each; the combined Word report has a ranking section.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from jinan_eval_gui import catalogue, workflow
from jinan_eval_gui.collect import samplefill, templates
from jinan_eval_gui.outputs import workbook as export
from jinan_eval_gui.store import Round

ENTITIES = ("济南市", "青岛市", "淄博市")
YEAR = 2026


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, cat):
    """Round, templates, filled returns and the import report (the round is closed)."""
    root = tmp_path_factory.mktemp("multi-entity")
    path = root / "round.jeval"
    with workflow.create_round(path, year=YEAR, entities=ENTITIES) as rnd:
        made = workflow.issue_templates(rnd, root / "templates")
    filled = samplefill.sample_fill(root / "templates", root / "filled", seed=11)
    with Round.open(path) as rnd:
        report = workflow.import_files(rnd, filled)
    return {"root": root, "path": path, "made": made, "filled": filled, "report": report}


@pytest.fixture(scope="module")
def results(pipeline):
    with Round.open(pipeline["path"]) as rnd:
        return workflow.score_round(rnd)


@pytest.fixture(scope="module")
def exported(pipeline, tmp_path_factory):
    out = tmp_path_factory.mktemp("multi-entity-export")
    with Round.open(pipeline["path"]) as rnd:
        files = workflow.export_all(rnd, out, formats=("xlsx", "docx"))
    return files


def units_with_indicators(cat) -> list[str]:
    return [u for u in cat.unit_names if cat.indicators_for_unit(u)]


def test_a_template_for_every_entity_and_unit(pipeline, cat):
    made = pipeline["made"]
    units = units_with_indicators(cat)
    assert Counter((t.entity, t.unit) for t in made) == Counter(
        (e, u) for e in ENTITIES for u in units)
    assert len({t.path.name for t in made}) == len(made)  # no file overwrote another
    for t in made[:: len(units)]:  # one per entity: the identity names the entity
        wb = openpyxl.load_workbook(t.path, read_only=True)
        try:
            meta = templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))
        finally:
            wb.close()
        assert meta.identity["entity"] == t.entity and meta.identity["unit"] == t.unit


def test_each_return_lands_on_its_own_entity(pipeline, cat):
    report = pipeline["report"]
    assert report.counts()["imported"] == len(pipeline["filled"])
    assert report.counts()["rejected"] == 0
    for f in report.files:
        assert f.entity in ENTITIES
        assert f"_{f.entity}_" in f.path.name  # the file name carries the entity too
    n_units = len(units_with_indicators(cat))
    with Round.open(pipeline["path"], readonly=True) as rnd:
        for entity in ENTITIES:
            subs = rnd.list_submissions(entity)
            assert len(subs) == n_units
            assert {s.entity for s in subs} == {entity}
            assert all(f"_{entity}_" in s.file_name for s in subs)


def test_status_per_entity(pipeline, cat):
    with Round.open(pipeline["path"], readonly=True) as rnd:
        rows = workflow.collection_status(rnd)
    n_units = len(units_with_indicators(cat))
    by_entity = Counter(r.entity for r in rows)
    assert by_entity == {e: n_units for e in ENTITIES}
    assert all(r.issued and r.returned and r.accepted for r in rows)


def test_each_entity_is_scored_on_its_own_data(results):
    assert list(results) == list(ENTITIES)
    assert [r.entity for r in results.values()] == list(ENTITIES)
    totals = [r.total for r in results.values()]
    assert len(set(totals)) == len(ENTITIES), totals  # different data, different totals
    assert all(0 < t <= 100 for t in totals)


def test_scores_are_saved_per_entity(pipeline, results):
    with Round.open(pipeline["path"], readonly=True) as rnd:
        again = workflow.score_round(rnd, save=False)
    assert {e: r.total for e, r in again.items()} == {e: r.total for e, r in results.items()}


def test_export_writes_one_workbook_and_one_combined_report(exported):
    suffixes = Counter(p.suffix for p in exported)
    assert suffixes == {".xlsx": 1, ".docx": 1}
    assert all(p.exists() and p.stat().st_size > 0 for p in exported)
    report = next(p for p in exported if p.suffix == ".docx")
    assert "等3个" in report.name or all(e in report.name for e in ENTITIES[:2])


def test_workbook_ranks_the_entities_and_has_a_calculation_sheet_each(exported, results):
    path = next(p for p in exported if p.suffix == ".xlsx")
    wb = openpyxl.load_workbook(path, data_only=True)
    names = export.calc_sheet_names(list(ENTITIES))
    assert "排名" in wb.sheetnames
    assert sorted(names.values()) == sorted(n for n in wb.sheetnames if n.startswith("计算过程"))
    ranking = wb["排名"]
    rows = [[c.value for c in r] for r in ranking.iter_rows(min_row=5) if r[1].value]
    order = sorted(results, key=lambda e: -results[e].total)
    assert [r[1] for r in rows] == order
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [round(r[2], 2) for r in rows] == [float(results[e].total) for e in order]


def test_word_report_has_a_ranking_section(exported, results):
    import docx

    path = next(p for p in exported if p.suffix == ".docx")
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any("排名情况" in h for h in headings)
    assert any("各评估对象评估结果" in h for h in headings)
    assert all(any(h.endswith(e) for h in headings) for e in ENTITIES)  # a brief per entity
    ranking = next(t for t in doc.tables
                   if t.rows[0].cells[0].text == "排名" and t.rows[0].cells[1].text == "评估对象"
                   and len(t.rows) == len(ENTITIES) + 1)
    order = sorted(results, key=lambda e: -results[e].total)
    assert [r.cells[1].text for r in ranking.rows[1:]] == order
    assert [r.cells[2].text for r in ranking.rows[1:]] == [f"{results[e].total:.2f}"
                                                            for e in order]


def test_per_entity_reports_on_request(pipeline, tmp_path):
    with Round.open(pipeline["path"]) as rnd:
        files = workflow.export_all(rnd, tmp_path, formats=("docx",), per_entity=True)
    names = [p.name for p in files]
    assert len(files) == 1 + len(ENTITIES)
    for entity in ENTITIES:
        assert any(f"_{entity}_智慧城市发展水平评估报告" in n for n in names)
    import docx

    mine = next(p for p in files if f"_{ENTITIES[1]}_" in p.name)
    headings = [p.text for p in docx.Document(str(mine)).paragraphs
                if p.style.name.startswith("Heading")]
    assert any("排名情况" in h for h in headings)


def test_combined_report_in_pdf(results, cat, tmp_path):
    from jinan_eval_gui.outputs import report

    rep = report.build_round_report(cat, results, round_info={"year": YEAR})
    assert "排名情况" in " ".join(rep.headings(1))
    out = report.render_pdf(rep, tmp_path / "combined.pdf")
    assert Path(out).read_bytes()[:5] == b"%PDF-"
