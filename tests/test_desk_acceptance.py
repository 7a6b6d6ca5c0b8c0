"""Acceptance that asks, and every version kept and restorable (issue 16, part 3).

A file with errors is not accepted unless the user says so: it is kept as a version that is
not accepted (its bytes and findings, no values). A resend with more errors than the accepted
version is "worse". Restoring version N imports its stored bytes again as a new version.
"""

from __future__ import annotations

import pytest
from corpus import TEST_UNIT, sha256
from deskcorpus import ENTITY, T, import_as, make_month

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.collect import acceptance
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import versions


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("accept"))


def values_of(path):
    with Round.open(path, readonly=True) as rnd:
        return sorted((i, k, v.unit, v.row_index, v.column_key, v.text)
                      for i, by in rnd.current_values(ENTITY).items()
                      for k, rows in by.items() for v in rows)


def test_a_file_with_errors_is_kept_but_not_accepted(month, tmp_path):
    path = month.round(tmp_path)
    bad = month.edited(tmp_path, "bad.xlsx", {(T, "t_flag1"): "待定", (T, "t_count1"): "约100"})
    with Round.open(path, readonly=True) as rnd:
        dry = workflow.import_files(rnd, [bad], dry_run=True, accept_errors=False)
        (verdict,) = acceptance.verdicts(rnd, dry)
    assert (verdict.errors, verdict.replaces, verdict.worse) == (2, None, False)
    assert verdict.needs_confirmation and "有错误 2 处" in verdict.question
    (result,) = import_as(path, [bad], accept_errors=False).files
    assert (result.status, result.decision) == ("held", "errors")
    note = next(f for f in result.findings if acceptance.is_gate_note(f))
    assert "本文件有错误 2 处" in note.message and "未被接受" in note.message
    with Round.open(path, readonly=True) as rnd:
        (sub,) = rnd.list_submissions()
        assert (sub.status, sub.file_name, sub.sha256) == ("rejected", "bad.xlsx", sha256(bad))
        kept = rnd.list_findings(sub.id)
        assert not any(acceptance.is_gate_note(f) for f in kept)  # the file's own findings
        assert sum(f.severity == "error" for f in kept) == 2
        assert rnd.current_values(ENTITY) == {}  # nothing of it is used
        (entry,) = rnd.audit_log("import")
        assert entry.details["files"][0]["decision"] == "errors"
    # the same bytes again: held again, not stored twice
    (again,) = import_as(path, [bad], accept_errors=False).files
    assert again.status == "held" and any("未重复存档" in f.message for f in again.findings)
    with Round.open(path, readonly=True) as rnd:
        assert len(rnd.list_submissions()) == 1
    # accepted on purpose
    (result,) = import_as(path, [bad], accept_errors=True).files
    assert result.status == "imported"


def test_a_worse_resend_is_held_with_both_sides_shown(month, tmp_path):
    path = month.round(tmp_path)
    good = month.edited(tmp_path, "v1.xlsx", {(T, "t_count1"): 10, (T, "t_count2"): 20})
    import_as(path, [good])
    before = values_of(path)
    worse = month.edited(tmp_path, "v2.xlsx", {(T, "t_count1"): 11, (T, "t_flag1"): "待定",
                                              (T, "t_count2"): "约20"})
    with Round.open(path, readonly=True) as rnd:
        dry = workflow.import_files(rnd, [worse], dry_run=True, accept_errors=False)
        (v,) = acceptance.verdicts(rnd, dry)
    assert dry.files[0].decision == "worse"
    assert v.worse and v.errors == 2 and v.replaces.version == 1 and v.replaces.errors == 0
    assert v.replaces.file_name == "v1.xlsx" and v.replaces.findings is not None
    assert any(c.label == "测试数量1" and (c.old, c.new) == ("10", "11") for c in v.changes)
    assert "更差" in v.question and "第 1 版" in v.question
    (result,) = import_as(path, [worse], accept_errors=False).files
    assert (result.status, result.decision) == ("held", "worse")
    assert values_of(path) == before  # the better version stays in use
    with Round.open(path, readonly=True) as rnd:
        listed = versions.unit_versions(rnd, TEST_UNIT)
    assert [(x.number, x.arrival.state) for x in listed] == [(1, "accepted"), (2, "held")]
    assert any(c.label == "测试数量1" and c.new == "11" for c in listed[1].changes)


def test_restore_an_earlier_version_and_accept_a_held_one(month, tmp_path):
    path = month.round(tmp_path)
    import_as(path, [month.edited(tmp_path, "v1.xlsx", {(T, "t_count1"): 10})])
    v1 = values_of(path)
    import_as(path, [month.edited(tmp_path, "v2.xlsx", {(T, "t_count1"): 12})])
    import_as(path, [month.edited(tmp_path, "v3.xlsx", {(T, "t_flag1"): "待定"})],
              accept_errors=False)
    with Round.open(path) as rnd:
        with pytest.raises(EvalError, match="当前采用的版本"):
            versions.restore_version(rnd, TEST_UNIT, 2)
        with pytest.raises(EvalError, match="没有第 9 版（共 3 个版本）"):
            versions.restore_version(rnd, TEST_UNIT, 9)
        (result,) = versions.restore_version(rnd, TEST_UNIT, 1).files
        assert result.status == "updated"
        assert any(d.label == "测试数量1" and (d.old, d.new) == ("12", "10") for d in result.diffs)
        (entry,) = rnd.audit_log("version.restore")
        assert (entry.details["version"], entry.details["unit"]) == (1, TEST_UNIT)
        listed = versions.unit_versions(rnd, TEST_UNIT)
        assert [(x.number, x.arrival.state, x.arrival.restored_from) for x in listed] == [
            (1, "superseded", None), (2, "superseded", None), (3, "held", None),
            (4, "accepted", 1)]
        assert listed[3].arrival.accepted_by == rnd.actor
    assert values_of(path) == v1
    with Round.open(path) as rnd:  # accepting the version held for its error
        (result,) = versions.restore_version(rnd, TEST_UNIT, 3).files
        assert result.status == "updated" and result.has_errors
        # as for any resend, the unreadable 是/否 keeps the value stored before
        assert any("已保留此前导入的值" in f.message and "测试是否1" in f.message
                   for f in result.findings)
        score = workflow.score_entity(rnd, ENTITY, save=False).indicators[T]
    assert score.status == "ok"


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_versions_command_lists_saves_and_restores(month, tmp_path, capsys):
    path = month.round(tmp_path)
    v1 = month.edited(tmp_path, "v1.xlsx", {(T, "t_count1"): 10})
    import_as(path, [v1])
    import_as(path, [month.edited(tmp_path, "v2.xlsx", {(T, "t_count1"): 12})])
    code, out, _err = run(capsys, "versions", path, "--unit", TEST_UNIT)
    assert code == 0
    lines = [x for x in out.splitlines() if x.startswith("第 ")]
    assert lines[0].startswith("第 1 版  已被替换") and "v1.xlsx" in lines[0]
    assert lines[1].startswith("第 2 版  已接受") and "接受人" in lines[1]
    assert "测试数量1" in out and "10 → 12" in out
    code, out, _err = run(capsys, "versions", path, "--unit", TEST_UNIT, "--save", "1",
                          "--out", tmp_path / "saved")
    assert code == 0 and (tmp_path / "saved" / "v1.xlsx").read_bytes() == v1.read_bytes()
    code, out, _err = run(capsys, "versions", path, "--unit", TEST_UNIT, "--restore", "1")
    assert code == 0 and "已恢复第 1 版" in out and "12 → 10" in out
    code, out, err = run(capsys, "versions", path, "--unit", TEST_UNIT, "--restore", "7")
    assert code == 1 and "没有第 7 版" in err


def test_the_window_accepts_files_one_by_one(month, tmp_path):
    from corpus import edit
    from deskcorpus import DATA_UNIT

    path = month.round(tmp_path)
    mine = month.edited(tmp_path, "mine.xlsx", {(T, "t_flag1"): "待定"})
    theirs = edit(month.filled[DATA_UNIT], tmp_path / "theirs.xlsx", {(62, "oversight"): "待定"})
    report = import_as(path, [mine, theirs], accept_errors=[theirs])
    assert [(f.status, f.decision) for f in report.files] == [("held", "errors"),
                                                               ("imported", "")]
