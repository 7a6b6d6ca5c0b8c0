"""Findings that stay and explain; a wrong entry is 数据有误, never 缺报 (issue 16, part 2).

Indicator 62 (共享数据的治理情况) is scored from four required 是/否 inputs of 市大数据局. Typing
待定 into one is a wrong entry: the unit reported, and what it reported cannot be used, so the
indicator is 数据有误. Leaving it blank is 缺报. Yes/no values read 是/否 in a trace.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from corpus import TEST_UNIT, edit
from deskcorpus import DATA_UNIT, ENTITY, T, import_as, make_month

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import findings

GOVERNANCE = 62
FIRST = "catalogue_system"
LABEL = "是否建成集中管理、统一发布、动态更新、共享使用的数据资源目录体系"


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("findings"))


def data_return(month, tmp_path, name, value):
    return edit(month.filled[DATA_UNIT], tmp_path / name, {(GOVERNANCE, FIRST): value})


def test_pending_in_a_yes_no_cell_is_wrong_not_missing(month, tmp_path):
    wrong, blank = month.round(tmp_path, "wrong.jeval"), month.round(tmp_path, "blank.jeval")
    import_as(wrong, [data_return(month, tmp_path, "w.xlsx", "待定")], accept_errors=True)
    import_as(blank, [data_return(month, tmp_path, "b.xlsx", None)], accept_errors=True)
    with Round.open(wrong, readonly=True) as rnd:
        result = workflow.score_entity(rnd, ENTITY, save=False).indicators[GOVERNANCE]
        (view,) = [f for f in findings.open_findings(rnd) if f.severity == "error"]
        cat = workflow.round_catalogue(rnd)
        gaps = workflow.round_completeness(rnd, cat, {ENTITY: workflow.score_entity(
            rnd, ENTITY, save=False)})[ENTITY]
    assert (result.status, result.status_label) == ("invalid", "数据有误")
    assert any("待定" in m and LABEL in m and DATA_UNIT in m for m in result.messages)
    assert view.category == "数据有误" and view.value == "待定"
    assert GOVERNANCE in {g.id for g in gaps.invalid}
    with Round.open(blank, readonly=True) as rnd:
        result = workflow.score_entity(rnd, ENTITY, save=False).indicators[GOVERNANCE]
        (view,) = [f for f in findings.open_findings(rnd) if f.severity == "error"]
    assert (result.status, result.status_label) == ("missing", "缺报")
    assert view.category == "缺报" and view.value == ""


def test_findings_after_reopening_explain_themselves(month, tmp_path):
    path = month.round(tmp_path)
    import_as(path, [data_return(month, tmp_path, "w.xlsx", "待定")], accept_errors=True)
    with Round.open(path, readonly=True) as rnd:  # a new session: everything from the file
        listed = findings.open_findings(rnd)
        (view,) = [f for f in listed if f.severity == "error"]
        detail = findings.finding_detail(rnd, view.id)
    assert (view.entity, view.unit, view.version, view.file_name) == (ENTITY, DATA_UNIT, 1,
                                                                      "w.xlsx")
    assert view.sheet == "数据填报" and view.cell and view.indicator_id == GOVERNANCE
    assert view.indicator_name == "共享数据的治理情况" and view.input_label == LABEL
    assert view.requirement == "必填：请从下拉列表中选择“是”或“否”。"
    assert view.scoring_rule.startswith("得分 = 100 ×") and "catalogue_system" not in \
        view.scoring_rule
    assert detail.row_label == f"“{LABEL}”"
    pane = dict(detail.detail_lines())
    assert pane["类别"] == "数据有误（错误）" and pane["填写内容"] == "待定"
    assert pane["指标"] == "62. 共享数据的治理情况" and view.cell in pane["位置"]
    assert all(f.category in ("数据有误", "缺报", "需核实", "提示", "文件问题") for f in listed)


def test_a_failed_cross_check_names_its_rule_and_both_cells(month, tmp_path):
    path = month.round(tmp_path)
    bad = month.edited(tmp_path, "check.xlsx", {(T, "t_part"): 120, (T, "t_whole"): 100})
    import_as(path, [bad], accept_errors=True)
    with Round.open(path, readonly=True) as rnd:
        listed = [f for f in findings.open_findings(rnd, unit=TEST_UNIT)
                  if "测试部分数不能大于测试总数" in f.message]
        result = workflow.score_entity(rnd, ENTITY, save=False).indicators[T]
    error = next(f for f in listed if f.severity == "error")
    other = next(f for f in listed if f.severity == "info")
    assert error.check == "测试部分数不能大于测试总数（测试部分数 ≤ 测试总数）"
    assert {error.input_label, other.input_label} == {"测试部分数", "测试总数"}
    assert result.status == "invalid"


def test_yes_no_and_choices_read_as_words():
    from corpus import extended_catalogue

    ind = extended_catalogue().indicator(T)
    assert ind.input("t_flag1").label_of(Decimal(1)) == "是"
    assert ind.input("t_flag1").label_of(Decimal(0)) == "否"
    assert ind.input("t_flag1").label_of([Decimal(1), Decimal(0)]) == "是、否"
    assert ind.input("t_choice1").label_of(Decimal(2)) == "建设中"
    assert ind.input("t_count1").label_of(Decimal(2)) is None


def test_trace_shows_yes_no_and_the_wrong_entry(month, tmp_path):
    from jinan_eval_gui.gui.models.scores import trace_rows

    path = month.round(tmp_path)
    import_as(path, [data_return(month, tmp_path, "w.xlsx", "待定")], accept_errors=True)
    with Round.open(path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        result = workflow.score_entity(rnd, ENTITY, save=False).indicators[GOVERNANCE]
    rows = {r.name: r.value for r in trace_rows(cat, result) if r.part == "填报数据"}
    assert rows[LABEL] == "（填写有误，未采用）"
    others = [v for k, v in rows.items() if k != LABEL]
    assert others and set(others) <= {"是", "否"}


def test_findings_command(month, tmp_path, capsys):
    path = month.round(tmp_path)
    import_as(path, [data_return(month, tmp_path, "w.xlsx", "待定")], accept_errors=True)
    assert cli.main(["findings", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    wrong = next(f for f in data["findings"] if f["category"] == "数据有误")
    assert wrong["value"] == "待定" and wrong["indicator_name"] == "共享数据的治理情况"
    assert cli.main(["findings", str(path), "--unit", DATA_UNIT]) == 0
    assert "[数据有误] 市大数据局 第 1 版" in capsys.readouterr().out
