"""The values table in and out: ``values export``, ``values import``, ``score --values``.

A round of two entities built from issued templates, sample-filled returns (with blanks and
mistakes) and decisions of the office (an open conflict with a third party, a resolved one, an
expert score, changed parameters and assumption choices). Its table round-trips in every form:
exported, imported into a fresh round with the same catalogue, scored to the cent with the same
statuses; scored without a round it gives the round's scores. Values are checked as in a
workbook (same findings), stored exactly, and a malformed or hostile file leaves the round file
byte for byte as it was.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from corpus import TEST_INDICATOR, TEST_UNIT, edit, extended_catalogue, fill, make_round
from lo import convert, needs_soffice

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.collect import samplefill, valuestable
from jinan_eval_gui.store import Round, backup_folder
from jinan_eval_gui.workflow import values

ENTITIES = ("济南市", "青岛市")
THIRD = "第三方评估机构"
SOURCE = valuestable.SOURCE_PREFIX + THIRD


def _write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def _current(rnd: Round, entity: str, ind: int, key: str) -> list:
    return rnd.current_values(entity).get(ind, {}).get(key, [])


def _scores(results: dict) -> dict:
    """Everything a score is made of, to the cent, with each indicator's status."""
    return {e: (r.total, r.subtotal, r.deductions,
                [(g.id, g.score) for g in (*r.level1, *r.level2)],
                {i: (x.score, x.status) for i, x in r.indicators.items()})
            for e, r in results.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """Two entities, every unit's template issued, filled with blanks and mistakes, imported."""
    d = tmp_path_factory.mktemp("values")
    path = d / "demo.jeval"
    with workflow.create_round(path, year=2026, entities=ENTITIES) as rnd:
        workflow.issue_templates(rnd, d / "templates")
        filled = samplefill.sample_fill(d / "templates", d / "returns", 7, 0.02, 0.03)
        report = workflow.import_files(rnd, filled)
        assert report.counts()["imported"] == len(filled)
    return path


@pytest.fixture
def round_copy(demo, tmp_path) -> Path:
    path = tmp_path / "round.jeval"
    shutil.copy(demo, path)
    return path


@pytest.fixture(scope="module")
def decided(demo, tmp_path_factory) -> Path:
    """The demo round with the office's decisions: a third party disagreeing with the units
    on two inputs (one conflict open, one resolved for the third party), an expert score,
    parameters and assumption choices changed."""
    d = tmp_path_factory.mktemp("decided")
    path = d / "decided.jeval"
    shutil.copy(demo, path)
    with Round.open(path) as rnd:
        used = _current(rnd, "济南市", 1, "used")[0].number
        total = _current(rnd, "济南市", 1, "total")[0].number
        onestop = _current(rnd, "青岛市", 2, "onestop_n")[0].number
        others = {k: _current(rnd, "青岛市", 2, k)[0].number for k in ("onewindow_n", "total")}
        doc = {"entities": [
            {"entity": "济南市", "values": {"1": {"used": used - 1, "total": total}}},
            {"entity": "青岛市", "values": {"2": {"onestop_n": onestop - 1, **others}}}]}
        outcome = values.import_values(rnd, _write_json(d / "third.json", doc), source=THIRD)
        assert not outcome.error and outcome.files
        conflicts = rnd.list_conflicts(open_only=True)
        assert {(c.entity, c.indicator_id) for c in conflicts} == {("济南市", 1), ("青岛市", 2)}
        second = next(c for c in conflicts if c.entity == "青岛市")
        rnd.resolve_conflict(second.id, {"unit": SOURCE}, "经核实采用第三方评估机构的数据")
        rnd.set_override("青岛市", 12, D("77.5"), "专家组现场复核")
        rnd.set_params({"missing_score": 10, "deduction_cap": 8, "4.floor": 0.5})
        rnd.set_assumption_choice("G1", "renormalise")
        rnd.set_assumption_choice("A16", "capped")
    return path


def _original(path: Path) -> dict:
    with Round.open(path, readonly=True) as rnd:
        return _scores(workflow.score_round(rnd, save=False))


def _fresh(path: Path, cat) -> Round:
    return workflow.create_round(path, year=2026, entities=ENTITIES, catalogue=cat)


# ---------------------------------------------------------------------------------------
# Round trip
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "xlsx", "csv"])
def test_round_trip_gives_identical_scores(decided, tmp_path, fmt):
    with Round.open(decided, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        table = values.export_values(rnd, tmp_path / f"values.{fmt}")
    original = _original(decided)
    statuses = {status for e in original.values() for _score, status in e[4].values()}
    assert {"ok", "missing", "invalid", "expert"} <= statuses  # every case is exercised
    with _fresh(tmp_path / "fresh.jeval", cat) as rnd:
        outcome = values.import_values(rnd, table, apply_settings=True)
        assert not outcome.error
        assert {f.status for f in outcome.files} == {"imported"}
        assert {c.kind for c in outcome.changes if c.applied} == {"参数", "假设", "专家评分"}
        got = _scores(workflow.score_round(rnd, save=False))
        assert got == original
        open_conflicts = [(c.entity, c.indicator_id, c.input_key)
                          for c in rnd.list_conflicts(open_only=True)]
        assert open_conflicts == [("济南市", 1, "used")]  # still for the office to resolve
        # the file's bytes are kept once, the other parts name it
        subs = rnd.list_submissions()
        assert {s.file_name for s in subs} == {table.name}
        assert rnd.submission_content(subs[0].id) == table.read_bytes()
        notes = [json.loads(rnd.submission_content(s.id)) for s in subs[1:]]
        assert {n["format"] for n in notes} == {values.PART_FORMAT}
        assert rnd.audit_log("values.import")


@needs_soffice
def test_round_trip_survives_a_spreadsheet_program(decided, tmp_path):
    """Exported .xlsx opened and saved again (LibreOffice standing in for Excel and WPS), and
    saved as CSV from there: still the round's scores."""
    with Round.open(decided, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        table = values.export_values(rnd, tmp_path / "values.xlsx")
    resaved = convert(table, tmp_path / "lo")
    as_csv = convert(table, tmp_path / "lo_csv", to="csv:Text - txt - csv (StarCalc):44,34,76,1")
    original = _original(decided)
    for n, path in enumerate((resaved, as_csv)):
        with _fresh(tmp_path / f"fresh{n}.jeval", cat) as rnd:
            outcome = values.import_values(rnd, path, apply_settings=True)
            assert not outcome.error, outcome.error
            assert _scores(workflow.score_round(rnd, save=False)) == original, path


def test_without_apply_settings_differences_are_listed_not_applied(decided, tmp_path):
    with Round.open(decided, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        table = values.export_values(rnd, tmp_path / "values.json")
    with _fresh(tmp_path / "fresh.jeval", cat) as rnd:
        outcome = values.import_values(rnd, table)
        changed = {(c.kind, c.key): (c.current, c.given) for c in outcome.changes}
        assert changed[("参数", "missing_score")] == ("0", "10")
        assert changed[("假设", "G1")] == ("zero", "renormalise")
        assert changed[("专家评分", "青岛市:12")] == ("", "77.5（专家组现场复核）")
        assert not any(c.applied for c in outcome.changes)
        assert rnd.get_params() == {} and rnd.list_overrides() == []


def test_score_values_equals_score_on_the_round(decided, tmp_path):
    with Round.open(decided, readonly=True) as rnd:
        table = values.export_values(rnd, tmp_path / "values.json")
    assert _scores(values.score_values(table).results) == _original(decided)

    def cli_json(*args: str) -> dict:
        proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "score", *args,
                               "--json"], capture_output=True, text=True, encoding="utf-8")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    copy = tmp_path / "copy.jeval"
    shutil.copy(decided, copy)
    assert cli_json("--values", str(table)) == cli_json(str(copy))


def test_export_is_what_scoring_uses(decided, tmp_path):
    """Per-unit inputs by unit, an open conflict by source, the resolved one as chosen,
    unreported inputs as null; numbers as exact JSON numbers."""
    with Round.open(decided, readonly=True) as rnd:
        doc = json.loads(values.export_values(rnd, tmp_path / "v.json").read_text("utf-8"),
                         parse_float=D)
        theirs = _current(rnd, "济南市", 1, "used")
        unit_used = next(v.number for v in theirs if not v.unit.startswith("数据表"))
    jinan, qingdao = doc["entities"]
    assert jinan["values"]["1"]["used"] == {SOURCE: unit_used - 1, "市大数据局": unit_used,
                                           "市行政审批服务局": unit_used}
    assert isinstance(jinan["values"]["66"]["has_cii"], dict)  # one value per unit
    third = _current_third(decided)
    assert qingdao["values"]["2"]["onestop_n"] == third
    assert qingdao["overrides"] == {"12": {"score": D("77.5"), "reason": "专家组现场复核"}}
    assert doc["params"]["4.floor"] == D("0.5") and doc["assumptions"]["A16"] == "capped"
    assert any(v is None for e in doc["entities"] for ind in e["values"].values()
               for v in ind.values())


def _current_third(path: Path) -> D:
    with Round.open(path, readonly=True) as rnd:
        return next(v.number for v in _current(rnd, "青岛市", 2, "onestop_n")
                    if v.unit == SOURCE)


# ---------------------------------------------------------------------------------------
# Checked as a workbook, stored exactly
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def test_world(tmp_path_factory):
    """The extended catalogue (indicator 18 with test inputs and t_part <= t_whole), a round,
    and the test unit's filled return."""
    d = tmp_path_factory.mktemp("world")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=(TEST_UNIT,), template_dir=d / "templates")
    filled = fill(d / "templates", d / "filled", cat)
    return d, cat, filled[TEST_UNIT]


def _findings(results, keys) -> set:
    return {(x.severity, x.indicator_id, x.input_key, x.message, x.value)
            for f in results for x in f.findings if x.input_key in keys}


def test_bounds_and_cross_checks_give_the_same_findings_as_a_workbook(test_world, tmp_path):
    d, _cat, filled = test_world
    given = {"t_count1": 200000, "t_whole": 5, "t_part": 9, "t_pct1": 0.5, "t_flag1": "待定",
             "t_choice1": "建成了"}
    keys = set(given)
    book = edit(filled, tmp_path / "book.xlsx",
                {(TEST_INDICATOR, k): v for k, v in given.items()})
    first, second = tmp_path / "a.jeval", tmp_path / "b.jeval"
    shutil.copy(d / "pristine.jeval", first)
    shutil.copy(d / "pristine.jeval", second)
    with Round.open(first) as rnd:
        from_book = _findings(workflow.import_files(rnd, [book]).files, keys)
    doc = {"entities": [{"entity": "济南市", "values": {str(TEST_INDICATOR): given}}]}
    with Round.open(second) as rnd:
        outcome = values.import_values(rnd, _write_json(tmp_path / "v.json", doc))
        from_table = _findings(outcome.files, keys)
        stored = set(rnd.current_values("济南市")[TEST_INDICATOR])
    assert from_book == from_table
    severities = {(s, k) for s, _i, k, _m, _v in from_table}
    assert ("error", "t_count1") in severities and ("error", "t_whole") in severities
    assert ("warning", "t_pct1") in severities and ("error", "t_flag1") in severities
    assert not stored & {"t_count1", "t_whole", "t_part", "t_flag1", "t_choice1"}
    assert "t_pct1" in stored  # a warning keeps the value


def test_numbers_are_stored_and_exported_exactly(test_world, tmp_path):
    d, cat, _filled = test_world
    path = tmp_path / "r.jeval"
    shutil.copy(d / "pristine.jeval", path)
    exact = "12345.6789012345678"  # 18 significant digits: no binary float holds it
    (tmp_path / "v.json").write_text(
        '{"entities": [{"entity": "济南市", "values": {"' + str(TEST_INDICATOR)
        + '": {"t_amount1": ' + exact + ', "t_amount2": "0.1", "t_pct2": 85}}}]}',
        encoding="utf-8")
    with Round.open(path) as rnd:
        outcome = values.import_values(rnd, tmp_path / "v.json")
        mine = [x for f in outcome.files for x in f.findings if x.input_key and
                x.input_key.startswith("t_")]
        assert mine == []  # no "number saved as text" remark for an exact long number
        assert _current(rnd, "济南市", TEST_INDICATOR, "t_amount1")[0].number == D(exact)
        assert _current(rnd, "济南市", TEST_INDICATOR, "t_amount2")[0].number == D("0.1")
        for fmt in ("json", "csv", "xlsx"):
            out = values.export_values(rnd, tmp_path / f"out.{fmt}")
            table = valuestable.read_table(out)
            got = next(e.value for e in table.entries if e.key == "t_amount1")
            assert D(str(got.value if hasattr(got, "value") else got)) == D(exact), fmt
    second = tmp_path / "again.jeval"
    with _fresh(second, cat) as rnd:
        values.import_values(rnd, tmp_path / "out.xlsx")
        assert _current(rnd, "济南市", TEST_INDICATOR, "t_amount1")[0].number == D(exact)


# ---------------------------------------------------------------------------------------
# CSV encodings, reimport, conflicts
# ---------------------------------------------------------------------------------------
def _outcome_shape(outcome) -> list:
    return [(f.entity, f.unit, f.status,
             sorted((v.indicator_id, v.input_key, v.row_index or 0, v.column_key or "",
                     v.text or "", str(v.number)) for v in f.values),
             sorted((x.severity, x.cell or "", x.message) for x in f.findings))
            for f in outcome.files]


def test_csv_in_gb18030_utf8_and_with_bom_import_identically(demo, tmp_path):
    with Round.open(demo, readonly=True) as rnd:
        exported = values.export_values(rnd, tmp_path / "bom.csv")
        cat = workflow.round_catalogue(rnd)
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    gb = tmp_path / "gb.csv"
    gb.write_bytes(text.encode("gb18030"))
    plain_utf8 = tmp_path / "utf8.csv"
    plain_utf8.write_bytes(text.encode("utf-8"))
    shapes = []
    with _fresh(tmp_path / "fresh.jeval", cat) as rnd:
        for path in (exported, gb, plain_utf8):
            outcome = values.import_values(rnd, path, dry_run=True)
            assert not outcome.error, outcome.error
            shapes.append(_outcome_shape(outcome))
    assert shapes[0] == shapes[1] == shapes[2]
    assert shapes[0] and all(status == "imported" for _e, _u, status, _v, _f in shapes[0])


def test_reimport_is_unchanged_and_writes_nothing(demo, tmp_path):
    with Round.open(demo, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        table = values.export_values(rnd, tmp_path / "v.json")
    path = tmp_path / "fresh.jeval"
    with _fresh(path, cat) as rnd:
        values.import_values(rnd, table)
    before = path.read_bytes()
    with Round.open(path) as rnd:
        again = values.import_values(rnd, table)
    assert {f.status for f in again.files} == {"unchanged"}
    assert path.read_bytes() == before


def test_a_rounds_own_table_changes_nothing_it_scores(demo, round_copy, tmp_path):
    """Imported into the round it came from, the table agrees with every unit: no conflict,
    the same scores (per-unit values are the units' own, unchanged)."""
    with Round.open(demo, readonly=True) as rnd:
        table = values.export_values(rnd, tmp_path / "v.xlsx")
    original = _original(round_copy)
    with Round.open(round_copy) as rnd:
        outcome = values.import_values(rnd, table)
        assert {f.status for f in outcome.files if f.unit == valuestable.SOURCE_PREFIX + "外部数据"
                } == {"imported"}
        assert {f.status for f in outcome.files if not f.unit.startswith("数据表")} == {"unchanged"}
        assert rnd.list_conflicts() == []
    assert _original(round_copy) == original


def test_third_party_value_conflicting_with_a_units_return_opens_a_conflict(round_copy,
                                                                            tmp_path):
    with Round.open(round_copy) as rnd:
        unit_value = _current(rnd, "济南市", 1, "used")[0].number
        total = _current(rnd, "济南市", 1, "total")[0].number
        units_before = {s.unit: s.status for s in rnd.list_submissions("济南市")}
        status_before = workflow.score_round(rnd, save=False)["济南市"].indicators[1].status
        differing = {"entities": [{"entity": "济南市",
                                   "values": {"1": {"used": unit_value + 7, "total": total}}}]}
        outcome = values.import_values(rnd, _write_json(tmp_path / "t.json", differing),
                                       source=THIRD)
        assert [(f.unit, f.status) for f in outcome.files] == [(SOURCE, "imported")]
        assert any("数据冲突" in x.message for x in outcome.files[0].findings)
        (conflict,) = rnd.list_conflicts("济南市", open_only=True)
        assert (conflict.indicator_id, conflict.input_key) == (1, "used")
        assert {c["unit"] for c in conflict.candidates} == {SOURCE, "市大数据局", "市行政审批服务局"}
        # the units' returns stay as they were: nothing of theirs is replaced
        assert {s.unit: s.status for s in rnd.list_submissions("济南市")
                if s.unit in units_before} == units_before
        result = workflow.score_round(rnd, save=False)["济南市"].indicators[1]
        assert result.status == "invalid"  # not scored until the office decides
        agreeing = {"entities": [{"entity": "济南市",
                                  "values": {"1": {"used": unit_value, "total": total}}}]}
        again = values.import_values(rnd, _write_json(tmp_path / "t2.json", agreeing),
                                     source=THIRD)
        assert [f.status for f in again.files] == ["updated"]
        assert rnd.list_conflicts("济南市", open_only=True) == []
        assert workflow.score_round(rnd, save=False)["济南市"].indicators[1].status == status_before


def test_source_may_not_be_a_responsible_unit(round_copy, tmp_path):
    with Round.open(round_copy) as rnd, pytest.raises(Exception, match="责任单位"):
        values.import_values(rnd, tmp_path / "x.json", source="市大数据局")


# ---------------------------------------------------------------------------------------
# Malformed and hostile files: refused with a precise message, round byte for byte unchanged
# ---------------------------------------------------------------------------------------
def _xlsx(path: Path, rows: list[list]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("填报数据")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.close()
    return path


def _doc(values_: dict, entity: str = "济南市") -> str:
    return json.dumps({"entities": [{"entity": entity, "values": values_}]}, ensure_ascii=False)


BAD_FILES = {
    "truncated.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": 5,}}}]}',
                       "不是有效的 JSON"),
    "gbk.json": (_doc({"1": {"used": 5}}).encode("gbk"), "不是 UTF-8"),
    "huge.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": 1e999999999}}}]}',
                  "位数或指数过大"),
    "digits.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": '
                    + "9" * 5000 + "}}}]}", "位数或指数过大"),
    "nan.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": NaN}}}]}', "NaN"),
    "twice.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": 1, "used": 2}}}]}',
                   "出现了两次"),
    "deep.json": ('{"entities": ' + "[" * 100_000 + "]" * 100_000 + "}", "嵌套层数过多"),
    "indicator.json": (_doc({"99": {"used": 5}}), "指标编号 99 不在指标体系中"),
    "input.json": (_doc({"1": {"usd": 5}}), "没有填报项“usd”"),
    "entity.json": (_doc({"1": {"used": 5}}, entity="北京市"), "不是本评价轮次的评价对象"),
    "per_unit.json": (_doc({"66": {"has_cii": "是"}}), "须按单位给出"),
    "wrong_unit.json": (_doc({"1": {"used": {"市公安局": 5}}}), "不填报指标 1"),
    "column.json": (_doc({"16": {"hospitals": [{"beds": 5}]}}), "没有列“beds”"),
    "empty_values.json": (_doc({"1": {"used": None}}), "没有任何填报值"),
    "shape.json": ('["济南市"]', "最外层应为对象"),
    "headers.csv": ("名称,数值\n济南市,5\n".encode("utf-8-sig"), "表头“名称”不是数据表的列"),
    "missing.csv": ("评价对象,指标编号,填报项,值\n济南市,1,used,5\n".encode(), "缺少表头“行号”“列”"),
    "comma.csv": ("评价对象,指标编号,填报项,行号,列,值\n济南市,1,used,,,1,234\n".encode(),
                  "在表头之外的列中有内容"),
    "utf16.csv": ("评价对象,指标编号,填报项,行号,列,值\n".encode("utf-16"), "UTF-16"),
    "binary.csv": (b"\x80\x81\x82\xff\x00\x00", "编码无法识别"),
    "kind.csv": ("类别,评价对象,指标编号,填报项,行号,列,值\n其他,济南市,1,used,,,5\n".encode(),
                 "类别“其他”无效"),
    "notzip.xlsx": (b"not a workbook at all", "无法读取"),
    "empty.json": (b"", "空文件"),
    "notes.txt": (b"used=5", "只支持 .json、.xlsx 和 .csv"),
    "param.json": ('{"entities": [{"entity": "济南市", "values": {"1": {"used": 5}}}],'
                   ' "params": {"missing_score": 500}}', "评价参数“缺报"),
}


def test_malformed_and_hostile_files_leave_the_round_unchanged(round_copy, tmp_path):
    files = {}
    for name, (content, _expected) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        files[name] = path
    files["headers.xlsx"] = _xlsx(tmp_path / "headers.xlsx", [["编号", "值"], [1, 5]])
    expected = {**{n: e for n, (_c, e) in BAD_FILES.items()}, "headers.xlsx": "表头“编号”"}
    before = round_copy.read_bytes()
    with Round.open(round_copy) as rnd:
        for name, path in files.items():
            outcome = values.import_values(rnd, path)
            assert outcome.error, name
            assert expected[name] in outcome.error, (name, outcome.error)
            assert "未导入任何数据" in outcome.error or "只支持" in outcome.error, outcome.error
            assert outcome.exit_code == 1 and outcome.files == []
    assert round_copy.read_bytes() == before
    assert not backup_folder(round_copy).exists()  # nothing to back up: nothing was done


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------
def test_cli_export_import_and_exit_codes(demo, round_copy, tmp_path, capsys):
    out_file = tmp_path / "v.csv"
    assert cli.main(["values", "export", str(demo), "--out", str(out_file)]) == 0
    assert "已导出数据表" in capsys.readouterr().out
    fresh = tmp_path / "fresh.jeval"
    assert cli.main(["new", str(fresh), "--year", "2026", "--entity", "济南市", "--entity",
                     "青岛市"]) == 0
    capsys.readouterr()
    code = cli.main(["values", "import", str(fresh), str(out_file), "--dry-run", "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert answer["dry_run"] and answer["format"] == "csv" and not answer["error"]
    assert answer["summary"]["imported"] == len(answer["files"]) > 0
    assert code == (1 if any(f["counts"]["error"] for f in answer["files"]) else 0)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert cli.main(["values", "import", str(fresh), str(bad)]) == 1
    assert "已拒绝" in capsys.readouterr().err
    assert cli.main(["values", "import", str(tmp_path / "missing.jeval"), str(bad)]) == 2
    capsys.readouterr()
    assert cli.main(["score"]) == 2
    assert "--values" in capsys.readouterr().err


def test_score_values_on_the_boundary_inputs(tmp_path, capsys):
    """Issue 14's auditor cases through ``jinan-eval score --values``: 16 is exactly 61.875 and
    30 exactly 55.625 (see test_engine_exact.py for the hand computation): 61.88 and 55.63."""
    data = {"entities": [{"entity": "济南市", "values": {
        "16": {"hospitals": [{"name": n, "reads": r, "visits": v} for n, r, v in
                             (("甲医院", 23, 24), ("乙医院", 17, 17), ("丙医院", 1, 12),
                              ("丁医院", 13, 30))]},
        "30": {"reported": 60, "filed": 35, "dispatched": 35, "dispatch_ok": 12, "due": 5,
               "ontime": 4, "closed": 27, "cover_area": "47.65", "built_area": 168},
    }}]}
    path = tmp_path / "边界.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["score", "--values", str(path), "--json"]) == 0
    scores = {i["id"]: i["score"] for i in json.loads(capsys.readouterr().out)["indicators"]}
    assert (scores[16], scores[30]) == (61.88, 55.63)
