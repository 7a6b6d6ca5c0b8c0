"""Entities in a hierarchy (issue 19): a district's city, given on the command line or in a
list, kept in the round, and ranked within (combined report, scoring workbook 排名).

Ranks here are worked by hand from the totals: the rank is one plus the number of entities of
the same group with a higher total (ties share a rank), as Excel's RANK and COUNTIFS give.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest

from jinan_eval_gui import workflow
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.scoring.ranking import group_ranks, ranks
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow.entities import parse_entities

D = Decimal


# ------------------------------------------------------------------------------------------
# Writing the entities


def test_names_with_parents_from_specs_and_a_file(tmp_path):
    listing = tmp_path / "评价对象.txt"
    listing.write_text("# 山东省 2026\n济南市\n历下区,济南市\n\n市中区，济南市\n青岛市\n市南区\t青岛市\n",
                       encoding="utf-8-sig")
    given = parse_entities(["崂山区@青岛市", "淄博市"], listing)
    assert given.names == ["济南市", "历下区", "市中区", "青岛市", "市南区", "崂山区", "淄博市"]
    assert given.parents == {"历下区": "济南市", "市中区": "济南市", "市南区": "青岛市",
                             "崂山区": "青岛市"}


def test_a_list_saved_by_notepad_in_gb18030_is_read(tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_bytes("历城区,济南市\n".encode("gb18030"))
    assert parse_entities([], listing).parents == {"历城区": "济南市"}


@pytest.mark.parametrize(("spec", "phrase"), [
    ("历下区@", "上级为空"), ("@济南市", "缺少名称"), ("济南市@济南市", "不能是它自己")])
def test_malformed_specs_are_refused_in_chinese(spec, phrase):
    with pytest.raises(RoundFileError, match=phrase):
        parse_entities([spec])


def test_the_round_keeps_the_parents_and_audits_changes(tmp_path):
    path = tmp_path / "r.jeval"
    with workflow.create_round(path, year=2026, entities=["济南市", "历下区", "市中区"],
                               parents={"历下区": "济南市", "市中区": "济南市"}) as rnd:
        assert rnd.entity_parents() == {"历下区": "济南市", "市中区": "济南市"}
        rnd.set_entity_parents({"市中区": None})
        with pytest.raises(ValueError):
            rnd.set_entity_parents({"天桥区": "济南市"})  # not an entity of the round
        with pytest.raises(ValueError):
            rnd.set_entity_parents({"济南市": "济南市"})
    with Round.open(path, readonly=True) as rnd:
        assert rnd.entity_parents() == {"历下区": "济南市"}
        assert len(rnd.audit_log("entity.parents")) == 2


def test_a_parent_for_an_entity_not_in_the_round_is_refused(tmp_path):
    with pytest.raises(RoundFileError, match="不在评价对象中"):
        workflow.create_round(tmp_path / "r.jeval", year=2026, entities=["济南市"],
                              parents={"历下区": "济南市"})
    assert not (tmp_path / "r.jeval").exists()


def test_cli_new_with_a_list_and_parents(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("济南市\n历下区,济南市\n", encoding="utf-8")
    path = tmp_path / "r.jeval"
    proc = subprocess.run(
        [sys.executable, "-m", "jinan_eval_gui.cli", "new", str(path), "--year", "2026",
         "--entities", str(listing), "--entity", "槐荫区@济南市"],
        capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "其中 2 个有上级（济南市）" in proc.stdout
    with Round.open(path, readonly=True) as rnd:
        assert rnd.list_entities() == ["济南市", "历下区", "槐荫区"]
        assert rnd.entity_parents() == {"历下区": "济南市", "槐荫区": "济南市"}
    bad = subprocess.run(
        [sys.executable, "-m", "jinan_eval_gui.cli", "new", str(tmp_path / "x.jeval"),
         "--year", "2026", "--entity", "历下区@"], capture_output=True, text=True,
        encoding="utf-8", timeout=120)
    assert bad.returncode == 1 and "上级为空" in bad.stderr and "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------------------
# Ranks


def test_ranks_share_ties_within_each_parent():
    totals = {"济南市": D("80"), "历下区": D("70.5"), "市中区": D("75"), "槐荫区": D("70.5"),
              "青岛市": D("90"), "市南区": D("60")}
    parents = {"历下区": "济南市", "市中区": "济南市", "槐荫区": "济南市", "市南区": "青岛市"}
    assert ranks(totals) == {"青岛市": 1, "济南市": 2, "市中区": 3, "历下区": 4, "槐荫区": 4,
                             "市南区": 6}
    assert group_ranks(totals, parents) == {
        "市中区": ("济南市", 1, 3), "历下区": ("济南市", 2, 3), "槐荫区": ("济南市", 2, 3),
        "市南区": ("青岛市", 1, 1)}


# ------------------------------------------------------------------------------------------
# Exported: the report's 分组排名 and the workbook's 上级内名次 (COUNTIFS, live)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Five entities, one unit's return each, and an expert score on indicator 1 so that the
    totals differ; exported as workbook and Word report."""
    from jinan_eval_gui.collect import samplefill

    root = tmp_path_factory.mktemp("hierarchy")
    path = root / "r.jeval"
    entities = ["济南市", "历下区", "市中区", "青岛市", "市南区"]
    parents = {"历下区": "济南市", "市中区": "济南市", "市南区": "青岛市"}
    with workflow.create_round(path, year=2026, entities=entities, parents=parents) as rnd:
        workflow.issue_templates(rnd, root / "templates", units=["市大数据局"])
        filled = samplefill.sample_fill(root / "templates", root / "filled", seed=3)
        workflow.import_files(rnd, filled)
        for k, entity in enumerate(entities):
            rnd.set_override(entity, 1, D(20 * k), "测试：区分总分")
        results = workflow.score_round(rnd)
        files = workflow.export_all(rnd, root / "out", formats=("xlsx", "docx"))
    return {e: r.total for e, r in results.items()}, parents, files


def test_workbook_ranks_within_each_parent_with_live_formulas(exported):
    totals, parents, files = exported
    book = next(p for p in files if p.suffix == ".xlsx")
    ws = openpyxl.load_workbook(book)["排名"]
    header = [c.value for c in ws[4]]
    assert header[-2:] == ["所属上级", "上级内名次"]
    col_parent, col_rank = len(header) - 1, len(header)
    cached = openpyxl.load_workbook(book, data_only=True)["排名"]
    expected = group_ranks(totals, parents)
    seen = {}
    for row in range(5, 5 + len(totals)):
        entity = ws.cell(row, 2).value
        formula = ws.cell(row, col_rank).value
        if entity in parents:
            assert ws.cell(row, col_parent).value == parents[entity]
            assert formula.startswith("=1+COUNTIFS(")
            seen[entity] = cached.cell(row, col_rank).value
        else:
            assert formula is None
    assert seen == {e: rank for e, (_p, rank, _n) in expected.items()}


def test_report_has_the_ranking_within_each_parent(exported):
    import docx

    totals, parents, files = exported
    text = "\n".join(p.text for p in docx.Document(
        next(p for p in files if p.suffix == ".docx")).paragraphs)
    assert "分组排名" in text
    first, second = sorted(["历下区", "市中区"], key=lambda e: -totals[e])
    assert f"{first}" in text and "在济南市所属的 2 个评估对象中排名第 1 位" in text
    assert "在青岛市所属的 1 个" not in text  # alone under its parent: no comparison
