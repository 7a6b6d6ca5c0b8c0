"""The assumption register: complete, switchable, confirmable, and what the report makes of it."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import docx
import openpyxl
import pytest
from lo import convert, needs_soffice

from jinan_eval_gui import catalogue, cli, workflow
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import assumptions

CAT = catalogue.load()
# parameters whose value the 指标体系 itself gives (原文固定), so nothing is left open
FROM_THE_TEXT = {"54.sites_total", "61.categories_total"}


def test_every_open_decision_is_registered():
    covered = {p for a in CAT.assumptions for p in a.params}
    every = set(CAT.parameter_defaults()) - {"yoy_jump_ratio"}  # an import check, not scoring
    assert every - covered == FROM_THE_TEXT
    ids = [a.id for a in CAT.assumptions]
    assert len(ids) == len(set(ids))
    # each reading alternative is a choice somewhere; each indicator with one is registered
    for ind in CAT.indicators:
        for key in ind.variants:
            assert any(c.variants.get(ind.id) == key for a in CAT.assumptions for c in a.choices)
    # the policies every result depends on
    settings = {k for a in CAT.assumptions for c in a.choices for k in c.settings}
    assert settings == {"missing_policy", "deduction_blanks", "survey_weighting", "survey_interval",
                        "survey_unknown"}
    # every indicator whose 评估方法 says 综合评估 or lists b-items is covered by some entry
    open_ones = {i.id for i in CAT.indicators if "综合评估" in i.method}
    registered = {i for a in CAT.assumptions for i in a.indicators}
    assert open_ones - registered == set()


def test_literal_readings_are_the_default_and_marked_as_the_text():
    for aid in ("A5", "A16", "A77", "A78", "A84", "A86"):
        a = CAT.assumption(aid)
        assert a.default_choice.origin == "指标体系原文"
        assert all(c.origin == "工具默认" for c in a.choices if c.key != a.default)


def _values():
    from test_export import synthetic_values

    return synthetic_values(CAT, seed=3)


def test_switching_an_alternative_changes_only_what_it_names():
    values = _values()
    base = engine.score(CAT, values)
    for aid in ("A5", "A16", "A77", "A78", "A84", "A86"):
        a = CAT.assumption(aid)
        for choice in a.choices:
            other = engine.score(CAT, values, choices={aid: choice.key})
            changed = {i for i in base.indicators
                       if other.indicators[i].score != base.indicators[i].score}
            assert changed <= set(a.indicators), (aid, choice.key, changed)


@pytest.fixture
def round_file(tmp_path: Path) -> Path:
    path = tmp_path / "口径.jeval"
    workflow.create_round(path, year=2026).close()
    return path


def test_register_json_lists_every_decision_with_origin_and_state(round_file, capsys):
    assert cli.main(["assumptions", str(round_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["final"] is False
    assert [a["id"] for a in data["assumptions"]] == [a.id for a in CAT.assumptions]
    a77 = next(a for a in data["assumptions"] if a["id"] == "A77")
    assert (a77["origin"], a77["state"], a77["choice"]["key"]) == ("指标体系原文", "待确认", "literal")
    assert a77["params"][0]["label"] and a77["params"][0]["value"] == 30
    assert all(a["state"] == "待确认" and a["confirmed"] is None for a in data["assumptions"])


def test_confirm_choose_and_lapse(round_file, capsys):
    assert cli.main(["assumptions", "confirm", str(round_file), "A77", "G1", "--by", "张三",
                     "--note", "同意"]) == 0
    assert "已确认 [A77]" in capsys.readouterr().out
    with Round.open(round_file, readonly=True) as rnd:
        states = {s.assumption.id: s for s in assumptions.register(rnd)}
    assert states["A77"].state == "已确认" and states["A77"].origin == "本轮确认"
    assert states["A77"].confirmed_by == "张三" and states["A77"].note == "同意"
    # a parameter the confirmation covered changes: it lapses
    with Round.open(round_file) as rnd:
        rnd.set_param("77.target_share", 40)
        assert next(s for s in assumptions.register(rnd) if s.assumption.id == "A77").state \
            == "需重新确认"
    # switching by number; a typo confirms nothing
    assert cli.main(["assumptions", "choose", str(round_file), "G1", "--choice", "2"]) == 0
    assert cli.main(["assumptions", "confirm", str(round_file), "G1", "X99", "--by", "李四"]) == 1
    assert "X99" in capsys.readouterr().err
    with Round.open(round_file, readonly=True) as rnd:
        g1 = next(s for s in assumptions.register(rnd) if s.assumption.id == "G1")
        actions = [e.action for e in rnd.audit_log()]
    assert (g1.choice.key, g1.state) == ("renormalise", "待确认")
    assert actions.count("assumption.confirm") == 2 and "assumption.choose" in actions


def test_confirming_everything_makes_the_report_final(round_file, tmp_path):
    with Round.open(round_file) as rnd:
        notes = assumptions.report_notes(assumptions.register(rnd))
        assert not assumptions.is_final(rnd)
    from jinan_eval_gui.outputs import report

    res = engine.score(CAT, _values(), entity="济南市")
    draft = report.build_report(CAT, res, round_info={"year": 2026}, assumptions=notes)
    assert draft.info.draft and "征求意见稿" in draft.info.header
    texts = [b.text for b in draft.blocks if isinstance(b, report.Paragraph)]
    assert "（征求意见稿）" in texts[:4]  # the cover
    # each unconfirmed item is marked in 评分口径说明
    assert any(t.startswith("77  ") and "待确认：A77" in t for t in texts)
    assert cli.main(["assumptions", "confirm", str(round_file), "--all", "--by", "王五"]) == 0
    with Round.open(round_file, readonly=True) as rnd:
        assert assumptions.is_final(rnd)
        notes = assumptions.report_notes(assumptions.register(rnd))
    final = report.build_report(CAT, res, round_info={"year": 2026}, assumptions=notes)
    assert not final.info.draft and "征求意见稿" not in final.info.header
    texts = [b.text for b in final.blocks if isinstance(b, report.Paragraph)]
    assert not any("征求意见稿" in t or "待确认：" in t for t in texts)


def test_signoff_lists_every_assumption(round_file, tmp_path):
    with Round.open(round_file) as rnd:
        assumptions.confirm(rnd, ["G3"], by="赵六", note="按年度口径")
        files = workflow.export_signoff(rnd, tmp_path / "确认单")
    word, excel = sorted(files, key=lambda p: p.suffix)
    text = "\n".join(c.text for t in docx.Document(word).tables for r in t.rows for c in r.cells)
    ws = openpyxl.load_workbook(excel).active
    ids = [ws.cell(row=r, column=1).value for r in range(4, 4 + len(CAT.assumptions))]
    assert ids == [a.id for a in CAT.assumptions]
    for a in CAT.assumptions:
        assert a.title in text
    row = ids.index("G3") + 4
    assert "赵六" in ws.cell(row=row, column=7).value and "本轮确认" in ws.cell(row=row, column=5).value


@needs_soffice
@pytest.mark.slow
def test_signoff_opens_in_libreoffice(round_file, tmp_path):
    with Round.open(round_file, readonly=True) as rnd:
        files = workflow.export_signoff(rnd, tmp_path / "确认单")
    for f in files:
        pdf = convert(f, tmp_path / f"pdf{f.suffix}", to="pdf")
        assert pdf.stat().st_size > 5000


def test_the_missing_data_policy_changes_the_total_as_registered(round_file):
    values = _values()
    first = next(i for i in CAT.indicators if i.kind == "scored" and
                 len(CAT.indicators_of(i.parent)) > 1)
    values[first.id] = {}
    zero = engine.score(CAT, values, choices={"G1": "zero"})
    renorm = engine.score(CAT, values, choices={"G1": "renormalise"})
    assert zero.indicators[first.id].status == renorm.indicators[first.id].status == "missing"
    assert renorm.total > zero.total  # the gap no longer counts as 0 points
    l2 = next(g for g in renorm.level2 if g.id == first.parent)
    assert not next(t for t in l2.terms if t.key == str(first.id)).included
    assert zero.settings["missing_policy"] == "zero" and renorm.total != D(0)
