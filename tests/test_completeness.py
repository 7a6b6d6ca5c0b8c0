"""Honest completeness: gaps are named before export and on the report's first page, and are
never read as performance."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import docx
import pytest
from test_export import synthetic_values

from jinan_eval_gui import catalogue, cli, workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.outputs import report
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.completeness import completeness
from jinan_eval_gui.store import Round

CAT = catalogue.load()
RETURNED = ("市大数据局", "市公安局", "市卫生健康委")


@pytest.fixture(scope="module")
def partial_round(tmp_path_factory) -> Path:
    """A round where only three units returned their templates."""
    tmp = tmp_path_factory.mktemp("partial")
    path = tmp / "部分回收.jeval"
    with workflow.create_round(path, year=2026) as rnd:
        workflow.issue_templates(rnd, tmp / "模板", units=RETURNED)
    samplefill.fill_dir(tmp / "模板", tmp / "回传", seed=2)
    with Round.open(path) as rnd:
        workflow.import_files(rnd, sorted((tmp / "回传").glob("*.xlsx")))
    return path


def test_cli_names_every_unit_not_returned_before_export(partial_round, tmp_path, capsys):
    assert cli.main(["export", str(partial_round), "--out", str(tmp_path), "--format",
                     "docx"]) == 0
    err = capsys.readouterr().err
    assert "数据尚不完整" in err
    units = [u for u in CAT.unit_names if CAT.indicators_for_unit(u) and u not in RETURNED]
    for unit in units:
        assert f"未报送的单位：{unit}" in err
    (word,) = tmp_path.glob("*.docx")
    body = [p.text for p in docx.Document(word).paragraphs]
    summary = next(t for t in body if t.startswith("数据不完整"))
    for unit in units:  # page 1 names them too
        assert unit in summary
    assert f"{len(units) + len(RETURNED)} 个责任单位中 {len(units)} 个未报送" in summary


def test_gaps_are_never_strong_weak_or_a_change():
    values = synthetic_values(CAT, seed=9)
    last_year = engine.score(CAT, values, entity="济南市")
    gaps = [1, 2, 3]
    for i in gaps:
        values[i] = {}
    res = engine.score(CAT, values, entity="济南市")
    c = completeness(CAT, res, [])
    assert c.gap_ids == frozenset(gaps)
    rep = report.build_report(CAT, res, round_info={"year": 2026}, previous=last_year,
                              completeness=c)
    for table in report.iter_tables(rep, "extremes"):
        assert not {int(r[1]) for r in table.rows} & set(gaps)
    (appendix,) = report.iter_tables(rep, "appendix_a")
    for row in appendix.rows:
        if int(row[0]) in gaps:
            assert row[-1] == "—"  # last year is shown, no change is claimed
    texts = [b.text for b in rep.blocks if isinstance(b, report.Paragraph)]
    assert any("3 项三级指标缺报或数据有误，总分与上年度不宜直接比较" in t for t in texts)
    assert not any("下降" in t and "上年度总分" in t for t in texts)


def test_the_policy_text_follows_the_choice():
    values = synthetic_values(CAT, seed=9)
    values[66]["missed"] = [None] * len(values[66]["missed"])
    for choices, words in (({}, "须补报"), ({"G2": "cap"}, "扣分上限"),
                           ({"G1": "renormalise"}, "重新归一")):
        res = engine.score(CAT, values, choices=choices, entity="济南市")
        rep = report.build_report(CAT, res, round_info={"year": 2026})
        texts = "\n".join(b.text for b in rep.blocks if isinstance(b, report.Paragraph))
        assert words in texts
    assert engine.score(CAT, values, choices={"G2": "cap"}).indicators[66].score == D("5.00")
