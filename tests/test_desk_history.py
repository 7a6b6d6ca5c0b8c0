"""History per unit and per value, the operation log, and template issues remembered
(issue 16, parts 4 and 5)."""

from __future__ import annotations

import os

import pytest
from corpus import TEST_UNIT
from deskcorpus import DATA_UNIT, DEADLINE, ENTITY, LATE_UNIT, UNITS, T, import_as, make_month

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import feedbacks, oplog, versions
from jinan_eval_gui.workflow.issue import TemplatesExistError, issue_defaults


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("history"))


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_value_history_names_each_version(month, tmp_path):
    path = month.round(tmp_path)
    import_as(path, [month.edited(tmp_path, "v1.xlsx", {(T, "t_count1"): 10})])
    import_as(path, [month.edited(tmp_path, "v2.xlsx", {(T, "t_count1"): 12})])
    with Round.open(path, readonly=True) as rnd:
        rows = versions.value_history(rnd, T, "测试数量1")
        assert rows == versions.value_history(rnd, T, "t_count1")
        with pytest.raises(EvalError, match="没有名为“没有这项”的填报项"):
            versions.value_history(rnd, T, "没有这项")
    assert [(r.text, r.version, r.file_name, r.current) for r in rows] == [
        ("10", 1, "v1.xlsx", False), ("12", 2, "v2.xlsx", True)]
    assert rows[0].unit == TEST_UNIT and rows[0].cell


def test_operation_log_filters(month, tmp_path, capsys):
    path = month.round(tmp_path)
    import_as(path, [month.filled[DATA_UNIT]])
    import_as(path, [month.edited(tmp_path, "bad.xlsx", {(T, "t_flag1"): "待定"})],
              accept_errors=False)
    with Round.open(path) as rnd:
        feedbacks.feedback_all(rnd, tmp_path / "fb")
        every = oplog.operation_log(rnd)
        assert [e.label for e in every][:2] == ["新建评价轮次", "下发模板"]
        assert not any(e.action in oplog.DETAIL_ACTIONS for e in every)  # bookkeeping hidden
        assert any(e.action == "values.add" for e in oplog.operation_log(rnd, detail=True))
        imports = oplog.operation_log(rnd, action="import")
        assert [e.label for e in imports] == ["导入回传文件", "导入回传文件"]
        assert "市卫生健康委：未接受/待确认（错误 1 处）" in imports[1].summary
        assert oplog.operation_log(rnd, action="生成反馈表") == \
            oplog.operation_log(rnd, action="feedback")
        mine = oplog.operation_log(rnd, unit=TEST_UNIT)
        assert {e.action for e in mine} == {"import", "feedback", "templates.issue"}
        assert all(TEST_UNIT in e.units for e in mine)
        assert oplog.operation_log(rnd, action="assumption.") == []
        rnd.set_params({"missing_score": 10})
        (changed,) = oplog.operation_log(rnd, action="修改评价参数")
        assert changed.summary == "缺报或数据有误指标的计分：（默认） → 10"  # never the key
    code, out, _err = run(capsys, "log", path, "--action", "feedback")
    assert code == 0 and out.count("生成反馈表") == 2 and "共 2 条记录" in out
    code, out, _err = run(capsys, "log", path, "--unit", LATE_UNIT)
    assert "下发模板" in out and "共 1 条记录" in out


def test_history_command(month, tmp_path, capsys):
    path = month.round(tmp_path)
    import_as(path, [month.edited(tmp_path, "v1.xlsx", {(T, "t_count1"): 10})])
    import_as(path, [month.edited(tmp_path, "v2.xlsx", {(T, "t_count1"): 12})])
    code, out, _err = run(capsys, "history", path, "--indicator", T, "--input", "测试数量1")
    lines = out.splitlines()
    assert code == 0 and "第 1 版（v1.xlsx" in lines[0] and lines[0].endswith("10")
    assert "第 2 版（v2.xlsx" in lines[1] and lines[1].endswith("12  ← 当前采用")


# ---------------------------------------------------------------------------------------
# Template issue remembered
# ---------------------------------------------------------------------------------------
def test_defaults_come_from_the_last_issue(month, tmp_path):
    with Round.open(month.round(tmp_path)) as rnd:
        last = issue_defaults(rnd)
        assert (last.deadline, last.contact_person, last.contact_phone) == (
            DEADLINE, "李四", "0531-66608888")
        assert sorted(u for _e, u in last.issued) == sorted(UNITS)
        assert len(last.pending) == 26 and TEST_UNIT not in last.pending_units
        with pytest.raises(TemplatesExistError) as info:
            workflow.issue_templates(rnd, month.templates, units=[TEST_UNIT])
        assert "已有 1 份同名数据采集表" in str(info.value) and TEST_UNIT in str(info.value)
        assert "--overwrite" in str(info.value)
        assert len(rnd.list_templates()) == 3  # nothing recorded, nothing written
        (made,) = workflow.issue_templates(rnd, tmp_path / "again", units=[TEST_UNIT])
        again = rnd.list_templates()[-1]
        assert (again.deadline, again.contact_person) == (DEADLINE, "李四")  # remembered
        first, entry = rnd.audit_log("templates.issue")  # the month's issue, then this one
        assert first.details["count"] == 3
        assert entry.details["deadline"] == DEADLINE and entry.details["overwritten"] == []
        workflow.issue_templates(rnd, tmp_path / "again", units=[TEST_UNIT], overwrite=True,
                                 deadline="2027-02-15", contact_person="")
        latest = rnd.list_templates()[-1]
        assert (latest.deadline, latest.contact_person) == ("2027-02-15", None)
        entry = rnd.audit_log("templates.issue")[-1]
        assert entry.details["overwritten"] == [made.path.name]


def test_templates_command_issues_the_rest_and_refuses_to_overwrite(month, tmp_path, capsys):
    path = month.round(tmp_path)
    folder = tmp_path / "tpl"
    folder.mkdir()
    issued = month.templates / f"2026年度_{ENTITY}_{TEST_UNIT}_数据采集表.xlsx"
    kept = folder / issued.name
    kept.write_bytes(issued.read_bytes())
    stamp = kept.stat().st_mtime_ns
    code, out, _err = run(capsys, "templates", path, "--out", folder)
    assert code == 0 and "本次只为尚未下发的 26 个单位生成" in out and "共生成 26 份" in out
    assert f"填报截止日期：{DEADLINE}（沿用上次下发）" in out and "李四 0531-66608888" in out
    assert kept.stat().st_mtime_ns == stamp  # the issued unit's file untouched
    code, out, _err = run(capsys, "templates", path, "--out", folder)
    assert code == 0 and "所有单位的数据采集表均已下发（29 份）" in out
    code, _out, err = run(capsys, "templates", path, "--out", folder, "--all")
    assert code == 1 and "已有 27 份同名数据采集表" in err and "等 27 个文件" in err
    assert "--overwrite" in err and kept.stat().st_mtime_ns == stamp
    os.utime(kept, ns=(stamp - 10**9, stamp - 10**9))
    code, out, _err = run(capsys, "templates", path, "--out", folder, "--unit", TEST_UNIT,
                          "--overwrite", "--deadline", "2027-02-28")
    assert code == 0 and "共生成 1 份" in out and kept.stat().st_mtime_ns != stamp - 10**9
    assert "填报截止日期：2027-02-28；" in out
