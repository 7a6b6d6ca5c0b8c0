"""Resends never lose data (issue: "Resends destroy good data").

A complete return is imported first; then the resends a careless sender makes: every value
unreadable, one value filled, an older file after a newer one, two versions of one unit in one
batch (in either order). Each keeps the good data, and the dry run says exactly what the import
does. Clearing a value is an explicit, audited action; a file that cannot be stored is
rejected alone and the rest of its batch is stored.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from corpus import (
    TEST_INDICATOR,
    TEST_UNIT,
    edit,
    extended_catalogue,
    fill,
    make_round,
    meta_of,
    patch_parts,
    sha256,
)

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.collect import importer
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Round

T = TEST_INDICATOR
ENTITY = "济南市"
UNITS = (TEST_UNIT, "市大数据局")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("resend")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=UNITS, template_dir=d / "templates")
    filled = fill(d / "templates", d / "filled", cat)
    complete = saved_at(filled[TEST_UNIT], d / "complete.xlsx", "2025-01-10T08:00:00Z")
    return d, cat, filled, complete


@pytest.fixture
def round_path(world, tmp_path) -> Path:
    path = tmp_path / "round.jeval"
    shutil.copy(world[0] / "pristine.jeval", path)
    return path


def saved_at(src: Path, dst: Path, moment: str, values: dict | None = None) -> Path:
    """``src`` edited with ``values`` and its own saved time (docProps/core.xml) set."""
    edit(src, dst, values or {})

    def fn(name: str, data: bytes) -> bytes:
        if name != "docProps/core.xml":
            return data
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                      rb"\g<1>" + moment.encode() + rb"\g<2>", data)

    return patch_parts(dst, fn)


def run(round_path: Path, paths, **kwargs) -> importer.ImportReport:
    with Round.open(round_path, readonly=kwargs.get("dry_run", False)) as rnd:
        return workflow.import_files(rnd, paths, **kwargs)


def state(round_path: Path) -> tuple:
    """Current values and total score of the entity (what a resend must not destroy)."""
    with Round.open(round_path, readonly=True) as rnd:
        values = rnd.current_values(ENTITY)
        total = workflow.score_entity(rnd, ENTITY, save=False).total
    return (sorted((i, k, v.unit, v.row_index, v.column_key, v.text) for i, by in values.items()
                   for k, rows in by.items() for v in rows), total)


def same_verdict(round_path: Path, paths, **kwargs) -> importer.ImportReport:
    """The import after a dry run that must predict it exactly."""
    dry = run(round_path, paths, dry_run=True, **kwargs)
    real = run(round_path, paths, **kwargs)
    assert [(f.status, f.decision) for f in dry.files] == \
        [(f.status, f.decision) for f in real.files]
    assert [f.diffs for f in dry.files] == [f.diffs for f in real.files]
    return real


def unreadable(world, dst: Path, moment: str = "2025-02-01T08:00:00Z") -> Path:
    """The unit's return with every number, yes/no and choice typed unreadably ("约1")."""
    _d, cat, _filled, complete = world
    values = {}
    for c in meta_of(complete).cells:
        if not c.is_catalogue_input:
            continue
        spec = cat.indicator(c.indicator_id).input(c.input_key)
        kind = spec.kind if c.column_key in (None, "") else next(
            col.kind for col in spec.columns if col.key == c.column_key)
        values[c.cell] = None if kind == "text" else "约1"
    return saved_at(complete, dst, moment, values)


# ------------------------------------------------------------------------------------------
# Blank and unreadable cells keep the stored values


def test_resend_with_every_value_unreadable_keeps_the_complete_return(world, round_path,
                                                                        tmp_path):
    _d, _cat, _filled, complete = world
    run(round_path, [complete])
    before = state(round_path)
    bad = unreadable(world, tmp_path / "unreadable.xlsx")
    report = same_verdict(round_path, [bad])
    (result,) = report.files
    assert result.status == "unchanged", [f.message for f in result.findings][:5]
    assert result.has_errors  # each unreadable cell is still reported to the unit
    (kept,) = [f for f in result.findings if "已保留此前导入的值" in f.message]
    assert kept.severity == "warning" and re.search(r"有 \d+ 项为空或无法读取", kept.message)
    assert state(round_path) == before  # score and every value as before


def test_resend_with_one_value_filled_changes_that_value_only(world, round_path, tmp_path):
    _d, _cat, _filled, complete = world
    run(round_path, [complete])
    before_values, _total = state(round_path)
    values = {c.cell: None for c in meta_of(complete).cells if c.is_catalogue_input}
    values.update({(T, "t_count1"): 4321})
    one = saved_at(complete, tmp_path / "one.xlsx", "2025-02-01T08:00:00Z", values)
    report = same_verdict(round_path, [one])
    (result,) = report.files
    assert result.status == "updated"
    assert [(d.input_key, d.new) for d in result.diffs] == [("t_count1", "4321")]
    after_values, _total = state(round_path)
    changed = set(after_values) ^ set(before_values)
    assert {(i, k) for i, k, *_rest in changed} == {(T, "t_count1")}
    with Round.open(round_path, readonly=True) as rnd:
        current = rnd.current_values(ENTITY)
        assert current[T]["t_count1"][0].number == D(4321)
        subs = [s for s in rnd.list_submissions() if s.unit == TEST_UNIT]
        assert [s.status for s in subs] == ["superseded", "accepted"]
        # the kept values stay traced to the file they came from
        assert current[T]["t_count2"][0].submission_id == subs[0].id


# ------------------------------------------------------------------------------------------
# An older file after a newer one


def test_older_file_after_newer_is_held_until_confirmed(world, round_path, tmp_path):
    _d, _cat, _filled, complete = world
    newer = saved_at(complete, tmp_path / "newer.xlsx", "2025-03-01T08:00:00Z",
                     {(T, "t_count1"): 300})
    older = saved_at(complete, tmp_path / "older.xlsx", "2025-02-01T08:00:00Z",
                     {(T, "t_count1"): 200})
    run(round_path, [newer])
    before, round_bytes = state(round_path), sha256(round_path)
    report = same_verdict(round_path, [older])
    (result,) = report.files
    assert (result.status, result.decision) == ("held", "older")
    assert result.status_label == "待确认" and report.exit_code == 1
    (why,) = [f for f in result.findings if "早于已导入的" in f.message]
    assert "newer.xlsx" in why.message and "仍用较早的文件替换" in why.message
    assert state(round_path) == before and sha256(round_path) == round_bytes
    assert result.to_json()["decision"] == "older"
    # confirmed: the older file replaces the newer
    (result,) = same_verdict(round_path, [older], replace_older=True).files
    assert result.status == "updated"
    with Round.open(round_path, readonly=True) as rnd:
        assert rnd.current_values(ENTITY)[T]["t_count1"][0].number == D(200)


def test_file_without_its_own_saved_time_falls_back_to_arrival(world, round_path, tmp_path):
    _d, _cat, _filled, complete = world
    run(round_path, [saved_at(complete, tmp_path / "v1.xlsx", "2025-03-01T08:00:00Z")])
    bare = edit(complete, tmp_path / "bare.xlsx", {(T, "t_count1"): 77})
    patch_parts(bare, lambda name, data: None if name == "docProps/core.xml" else data)
    (result,) = run(round_path, [bare], dry_run=True).files
    assert result.saved_source == "disk"  # its arrival on this computer: now, so newer
    assert result.status == "updated"


# ------------------------------------------------------------------------------------------
# Two versions of one unit in one batch


@pytest.mark.parametrize("order", ["A_first", "B_first"])
def test_two_versions_in_one_batch_are_a_conflict_whatever_the_order(world, round_path, tmp_path,
                                                                     order):
    _d, _cat, filled, complete = world
    a = saved_at(complete, tmp_path / "x_A_最终版.xlsx", "2025-03-01T08:00:00Z",
                 {(T, "t_count1"): 111})
    b = saved_at(complete, tmp_path / "x_B_初稿.xlsx", "2025-02-01T08:00:00Z",
                 {(T, "t_count1"): 222})
    other = filled["市大数据局"]
    batch = [a, b, other] if order == "A_first" else [b, a, other]
    report = same_verdict(round_path, batch)
    statuses = {f.path.name: (f.status, f.decision) for f in report.files}
    assert statuses[a.name] == statuses[b.name] == ("held", "duplicate")
    assert statuses[other.name] == ("imported", "")  # the rest of the batch goes in
    message = next(f.message for f in report.files[0].findings if "填报内容不同" in f.message)
    assert a.name in message and b.name in message
    with Round.open(round_path, readonly=True) as rnd:
        assert {s.unit for s in rnd.list_submissions()} == {"市大数据局"}
    # the user chooses A
    report = same_verdict(round_path, batch, choose=[a])
    statuses = {f.path.name: f.status for f in report.files}
    assert statuses[a.name] == "imported" and statuses[b.name] == "skipped"
    assert report.exit_code == 0
    with Round.open(round_path, readonly=True) as rnd:
        assert rnd.current_values(ENTITY)[T]["t_count1"][0].number == D(111)


def test_same_content_twice_in_a_batch_is_no_conflict(world, round_path, tmp_path):
    _d, _cat, _filled, complete = world
    resaved = edit(complete, tmp_path / "resaved.xlsx")
    report = same_verdict(round_path, [complete, resaved])
    assert [f.status for f in report.files] == ["imported", "unchanged"]


# ------------------------------------------------------------------------------------------
# Clearing a value on purpose


def test_clearing_is_explicit_audited_and_survives_a_blank_resend(world, round_path, tmp_path):
    _d, cat, _filled, complete = world
    run(round_path, [complete])
    with Round.open(round_path) as rnd:
        with pytest.raises(EvalError, match="原因"):
            workflow.clear_value(rnd, entity=ENTITY, indicator_id=T, name="测试数量2", reason=" ")
        with pytest.raises(EvalError, match="没有名为"):
            workflow.clear_value(rnd, entity=ENTITY, indicator_id=T, name="不存在", reason="x")
        old = rnd.current_values(ENTITY)[T]["t_count2"][0].text
        cleared = workflow.clear_value(rnd, entity=ENTITY, indicator_id=T, name="测试数量2",
                                       reason="该单位确认此项不适用")
        assert (cleared.unit, cleared.input_key, cleared.old) == (TEST_UNIT, "t_count2", old)
        (entry,) = rnd.audit_log("value.clear")
        assert entry.details["reason"] == "该单位确认此项不适用" and entry.details["old"] == old
        row = rnd.current_values(ENTITY)[T]["t_count2"][0]
        assert (row.text, row.number, row.submission_id) == (None, None, None)
        with pytest.raises(EvalError, match="无需清除"):
            workflow.clear_value(rnd, entity=ENTITY, indicator_id=T, name="t_count2", reason="x")
    # a resend leaving the cell blank keeps it cleared; one filling it imports the new value
    blank = saved_at(complete, tmp_path / "blank.xlsx", "2025-03-01T08:00:00Z",
                     {(T, "t_count2"): None, (T, "t_count1"): 5})
    (result,) = run(round_path, [blank]).files
    assert result.status == "updated"
    with Round.open(round_path, readonly=True) as rnd:
        row = rnd.current_values(ENTITY)[T]["t_count2"][0]
        assert (row.text, row.number) == (None, None)
    filled = saved_at(complete, tmp_path / "filled.xlsx", "2025-03-02T08:00:00Z",
                      {(T, "t_count2"): 9})
    (result,) = run(round_path, [filled]).files
    assert ("t_count2", "", "9") in {(d.input_key, d.old, d.new) for d in result.diffs}


def test_a_cleared_required_input_is_missing_for_scoring(world, round_path):
    _d, cat, _filled, complete = world
    run(round_path, [complete])
    spec = next(s for s in cat.indicator(T).inputs if s.required and s.kind != "table")
    with Round.open(round_path) as rnd:
        assert workflow.score_entity(rnd, ENTITY, save=False).indicators[T].status == "ok"
        workflow.clear_value(rnd, entity=ENTITY, indicator_id=T, name=spec.label, reason="核实有误")
        assert workflow.score_entity(rnd, ENTITY, save=False).indicators[T].status == "missing"


# ------------------------------------------------------------------------------------------
# One file that cannot be stored is rejected alone


def test_file_changed_after_its_check_is_rejected_alone(world, round_path, tmp_path):
    _d, _cat, filled, complete = world
    first = shutil.copy(complete, tmp_path / "first.xlsx")
    second = shutil.copy(filled["市大数据局"], tmp_path / "second.xlsx")

    def progress(_done, _total, message):
        if message == f"正在保存：{Path(second).name}":
            Path(second).write_bytes(Path(first).read_bytes())  # replaced while importing

    report = run(round_path, [first, second], progress=progress)
    assert [f.status for f in report.files] == ["imported", "rejected"]
    assert "被修改或替换" in report.files[1].findings[0].message
    with Round.open(round_path, readonly=True) as rnd:
        assert [s.file_name for s in rnd.list_submissions()] == ["first.xlsx"]


def test_a_fault_storing_one_file_does_not_sink_its_batch(world, round_path, tmp_path,
                                                          monkeypatch):
    _d, _cat, filled, complete = world
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))
    real = importer._carry_kept

    def boom(rnd, result):
        if result.unit == "市大数据局":
            raise ValueError("simulated fault")
        real(rnd, result)

    monkeypatch.setattr(importer, "_carry_kept", boom)
    report = run(round_path, [complete, filled["市大数据局"]])
    assert [f.status for f in report.files] == ["imported", "rejected"]
    assert "程序内部错误" in report.files[1].findings[0].message
    with Round.open(round_path, readonly=True) as rnd:
        assert [s.unit for s in rnd.list_submissions()] == [TEST_UNIT]
        assert len(rnd.audit_log("import")) == 1


# ------------------------------------------------------------------------------------------
# The command line: refuses with a message, and the options that decide


def cli_run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([*map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_cli_held_files_explain_and_the_options_decide(world, round_path, tmp_path, capsys):
    _d, _cat, _filled, complete = world
    newer = saved_at(complete, tmp_path / "newer.xlsx", "2025-03-01T08:00:00Z",
                     {(T, "t_count1"): 300})
    older = saved_at(complete, tmp_path / "older.xlsx", "2025-02-01T08:00:00Z",
                     {(T, "t_count1"): 200})
    assert cli_run(capsys, "import", round_path, newer)[0] == 0
    code, out, _err = cli_run(capsys, "import", round_path, older)
    assert code == 1 and "待确认：older.xlsx" in out and "--replace-older" in out
    assert "待确认 1" in out
    code, out, _err = cli_run(capsys, "import", round_path, older, "--replace-older", "--json")
    assert code == 0 and json.loads(out)["files"][0]["status"] == "updated"
    a = saved_at(complete, tmp_path / "a.xlsx", "2025-04-01T08:00:00Z", {(T, "t_count1"): 1})
    b = saved_at(complete, tmp_path / "b.xlsx", "2025-04-01T08:00:00Z", {(T, "t_count1"): 2})
    code, out, _err = cli_run(capsys, "import", round_path, a, b)
    assert code == 1 and "--choose" in out
    code, out, _err = cli_run(capsys, "import", round_path, a, b, "--choose", b, "--json")
    assert code == 0
    assert [f["status"] for f in json.loads(out)["files"]] == ["skipped", "updated"]


def test_cli_clear(world, round_path, capsys):
    _d, _cat, _filled, complete = world
    cli_run(capsys, "import", round_path, complete)
    code, _out, err = cli_run(capsys, "clear", round_path, "--indicator", T, "--input",
                              "测试数量3", "--reason", "")
    assert code != 0 and "原因" in err
    code, out, _err = cli_run(capsys, "clear", round_path, "--indicator", T, "--input",
                              "测试数量3", "--reason", "单位来函更正")
    assert code == 0 and "已清除" in out and TEST_UNIT in out and "测试数量3" in out
    with Round.open(round_path, readonly=True) as rnd:
        assert rnd.current_values(ENTITY)[T]["t_count3"][0].text is None
