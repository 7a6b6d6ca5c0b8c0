"""市民调查 through the round: import (CLI and workflow), encodings, hostile files, the typed
score, recomputation when the method changes, and indicator 88's trace in the window's
results, the scoring workbook and the report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

import corpus
import openpyxl
import pytest
import xlsxwriter
from internal_words import Checker, docx_texts, workbook_texts
from internal_words import report as internal_report

from jinan_eval_gui import workflow
from jinan_eval_gui.catalogue.questionnaire import EXCLUSION_RULES, load_questionnaire
from jinan_eval_gui.cli.main import main as cli
from jinan_eval_gui.collect import survey as responses
from jinan_eval_gui.errors import SurveyFileError
from jinan_eval_gui.outputs.report import (
    Paragraph,
    build_report,
    build_round_report,
    iter_tables,
    render_docx,
)
from jinan_eval_gui.store import NewValue, Round
from jinan_eval_gui.workflow import survey, surveyimport


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[list[str], list[list[str]]]:
    return responses.sample_rows(load_questionnaire(), 600, seed=11)


@pytest.fixture
def rnd(tmp_path):
    r = workflow.create_round(tmp_path / "r.jeval", year=2025)
    yield r
    r.close()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------
# CLI: sample, import, score (the JSON contract) and the time it takes
# ---------------------------------------------------------------------------------------
def test_cli_sample_import_score(tmp_path, capsys):
    path = tmp_path / "r.jeval"
    assert cli(["new", str(path), "--year", "2025"]) == 0
    assert cli(["survey", "sample", str(path), "--out", str(tmp_path / "s.csv")]) == 0
    data = (tmp_path / "s.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 3001 and lines[0].startswith("序号,提交答卷时间,所用时间")
    capsys.readouterr()
    assert cli(["survey", "import", str(path), str(tmp_path / "s.csv"), "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out
    with Round.open(path, readonly=True) as r:
        assert r.current_survey("济南市") is None
    assert cli(["survey", "import", str(path), str(tmp_path / "s.csv")]) == 0
    text = capsys.readouterr().out
    assert "已导入" in text and "剔除" in text and "综合得分" in text
    assert cli(["survey", "score", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert {"n", "n_kept", "excluded", "score", "ci95", "dimensions", "questions"} <= set(got)
    assert got["n"] == 3000 and 2500 < got["n_kept"] < 3000
    assert all(set(e) >= {"row", "reason"} for e in got["excluded"])
    assert {e["rule"] for e in got["excluded"]} == set(EXCLUSION_RULES)
    low, high = got["ci95"]
    assert low < got["score"] < high and high - low < 3
    assert len(got["dimensions"]) == 12 and len(got["questions"]) == 23
    assert cli(["score", str(path), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert next(i for i in scored["indicators"] if i["id"] == 88)["score"] == got["score"]


def test_import_and_score_of_3000_respondents_take_under_two_seconds(tmp_path):
    """Wall time of the two commands as a user runs them (fresh processes)."""
    path = tmp_path / "r.jeval"
    run = [sys.executable, "-m", "jinan_eval_gui.cli"]
    subprocess.run([*run, "new", str(path), "--year", "2025"], check=True, capture_output=True)
    subprocess.run([*run, "survey", "sample", str(path), "--out", str(tmp_path / "s.csv")],
                   check=True, capture_output=True)
    best = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run([*run, "survey", "import", str(path), str(tmp_path / "s.csv")],
                       check=True, capture_output=True)
        subprocess.run([*run, "survey", "score", str(path), "--json"], check=True,
                       capture_output=True)
        best.append(time.perf_counter() - start)
    # two fresh processes (~0.2 s start each); the machine is shared, so allow some slack
    assert min(best) < 3.0, best


# ---------------------------------------------------------------------------------------
# Encodings and formats: the same answers give the same result
# ---------------------------------------------------------------------------------------
def test_gb18030_bom_and_xlsx_import_identically(tmp_path, rnd, sample):
    header, rows = sample
    files = [write_csv(tmp_path / "bom.csv", header, rows, "utf-8-sig"),
             write_csv(tmp_path / "gb.csv", header, rows, "gb18030"),
             write_csv(tmp_path / "plain.csv", header, rows, "utf-8")]
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    ws = wb.add_worksheet("答卷")
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            number = value.isdigit() and len(value) < 6 and c != 0
            ws.write_number(r, c, int(value)) if number else ws.write_string(r, c, value)
    wb.close()
    files.append(tmp_path / "s.xlsx")
    seen = []
    for f in files:
        outcome = surveyimport.import_survey(rnd, f, dry_run=True)
        assert outcome.error == "", outcome.error
        data = outcome.result.to_json()
        for key in ("file", "sha256", "encoding", "format"):
            data.pop(key)
        seen.append(data)
    assert all(s == seen[0] for s in seen[1:])
    assert surveyimport.import_survey(rnd, files[1], dry_run=True).result.encoding == "GB18030"


# ---------------------------------------------------------------------------------------
# Hostile and wrong files: refused in Chinese, the round byte for byte as before
# ---------------------------------------------------------------------------------------
def hostile(tmp_path: Path) -> list[tuple[Path, str]]:
    out = [(corpus.bomb_package(tmp_path / "bomb.xlsx", None), "无法读取"),
           (corpus.package(tmp_path / "lol.xlsx", {"答卷": corpus.BILLION_LAUGHS
                                                   + corpus.sheet_xml("")}), "无法读取"),
           (tmp_path / "enc.xlsx", "无法读取"),
           (corpus.package(tmp_path / "thin.xlsx", {"答卷": corpus.sheet_xml("".join(
               f'<row r="{r}"><c r="ALK{r}" t="inlineStr"><is><t>x</t></is></c></row>'
               for r in range(1, 1101)))}), "超过 1000000 个单元格"),
           (tmp_path / "utf16.csv", "UTF-16"),
           (tmp_path / "nul.csv", "编码无法识别"),
           (tmp_path / "latin.csv", "编码无法识别"),
           (tmp_path / "quote.csv", "引号不配对"),
           (tmp_path / "empty.csv", "空文件"),
           (tmp_path / "header.csv", "只有表头"),
           (tmp_path / "other.csv", "没有一列能对应")]
    (tmp_path / "enc.xlsx").write_bytes(corpus.cfb(["EncryptedInfo", "EncryptedPackage"]))
    (tmp_path / "utf16.csv").write_bytes("序号,1、题\n1,2\n".encode("utf-16"))
    (tmp_path / "nul.csv").write_bytes(b"a,b\n1,\x00\x00\n")
    (tmp_path / "latin.csv").write_bytes(b"a,b\n\x81\x30,\xff\n")
    (tmp_path / "quote.csv").write_text('序号,1、您的性别是？\n1,"男\n', encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_text("序号,4、题目\n", encoding="utf-8")
    (tmp_path / "other.csv").write_text("姓名,电话\n张三,123\n", encoding="utf-8")
    return out


def test_hostile_files_are_refused_and_the_round_is_unchanged(tmp_path, rnd, capsys):
    path = rnd.path
    rnd.close()
    before = sha(path)
    for file, message in hostile(tmp_path):
        code = cli(["survey", "import", str(path), str(file)])
        err = capsys.readouterr().err
        assert code in (1, 2) and message in err, (file.name, err)
        assert "Traceback" not in err
        assert sha(path) == before, file.name
    assert not list(path.parent.glob("*自动备份*/*.jeval"))


def test_the_workflow_reports_a_refusal_without_raising(tmp_path, rnd):
    (tmp_path / "x.csv").write_bytes(b"\x00\x01\x02")
    outcome = surveyimport.import_survey(rnd, tmp_path / "x.csv")
    assert outcome.error and outcome.result is None and not outcome.stored
    assert outcome.exit_code == 1 and rnd.current_survey("济南市") is None


# ---------------------------------------------------------------------------------------
# The round: current survey, typed score, recomputation, trace
# ---------------------------------------------------------------------------------------
def test_survey_replaces_a_typed_unit_value_and_the_trace_names_it(tmp_path, rnd, sample):
    header, rows = sample
    rnd.add_values(None, [NewValue(88, "survey_score", "80", D(80))], entity="济南市",
                   unit="市工业和信息化局")
    assert workflow.score_round(rnd)["济南市"].indicators[88].score == D("80.00")
    f = write_csv(tmp_path / "s.csv", header, rows, "utf-8-sig")
    outcome = surveyimport.import_survey(rnd, f)
    assert outcome.stored and rnd.current_survey("济南市").sha256 == sha(f)
    res = workflow.score_round(rnd)["济南市"].indicators[88]
    assert res.score == outcome.result.score and res.status == "ok"
    trace = dict(res.provenance["trace"])
    assert "s.csv" in trace["答卷文件"] and sha(f)[:12] in trace["答卷文件"]
    assert "自助法" in trace["计分方法"] and "95%置信区间" in trace
    assert "80" in trace["未采用"]
    assert [a.action for a in rnd.audit_log("survey.import")] == ["survey.import"]


def test_a_typed_score_with_its_source_and_clearing(tmp_path, rnd):
    with pytest.raises(SurveyFileError, match="来源"):
        surveyimport.set_survey_score(rnd, "82.5", " ")
    with pytest.raises(SurveyFileError, match="0–100"):
        surveyimport.set_survey_score(rnd, "120", "报告")
    surveyimport.set_survey_score(rnd, "82.35", "某调查公司《2025年市民体验调查报告》")
    res = workflow.score_round(rnd)["济南市"].indicators[88]
    assert res.score == D("82.35")
    assert "某调查公司" in dict(res.provenance["trace"])["综合得分来源"]
    assert rnd.clear_survey("济南市", "改用单位报送的数据")
    assert workflow.score_round(rnd)["济南市"].indicators[88].status == "missing"


def test_a_changed_threshold_choice_or_share_recomputes_from_the_stored_file(tmp_path, rnd,
                                                                            sample):
    header, rows = sample
    surveyimport.import_survey(rnd, write_csv(tmp_path / "s.csv", header, rows, "utf-8-sig"))
    first = survey.survey_state(rnd, workflow.round_catalogue(rnd), "济南市")
    assert not first.recomputed
    rnd.set_params({"88.min_seconds": 0})
    cat = workflow.round_catalogue(rnd)
    again = survey.survey_state(rnd, cat, "济南市")
    assert again.recomputed and again.result.n_kept > first.result.n_kept
    assert "too_fast" not in {e.rule for e in again.result.excluded}
    assert not survey.survey_state(rnd, cat, "济南市").recomputed  # cached again
    preview = survey.survey_state(rnd, cat, "济南市", choices={"S3": "analytic"}, save=False)
    assert preview.result.method["interval"] == "analytic"
    assert survey.survey_state(rnd, cat, "济南市").result.method["interval"] == "bootstrap"
    surveyimport.set_shares(rnd, "性别", {"男": "51", "女": "49"})
    weighted = survey.survey_state(rnd, cat, "济南市")
    assert weighted.recomputed and weighted.result.method["weighting"]["attributes"] == ["性别"]
    rnd.set_params({"88.min_answered_share": 2})
    assert "0–1" in workflow.score_round(rnd)["济南市"].indicators[88].messages[0]


def test_population_shares_are_checked_against_the_questionnaire(rnd):
    with pytest.raises(SurveyFileError, match="没有受访者属性“民族”"):
        surveyimport.set_shares(rnd, "民族", {"汉": "1"})
    with pytest.raises(SurveyFileError, match="缺少类别“女”"):
        surveyimport.set_shares(rnd, "性别", {"男": "1"})
    with pytest.raises(SurveyFileError, match="合计为 0.9"):
        surveyimport.set_shares(rnd, "性别", {"男": "0.5", "女": "0.4"})
    assert surveyimport.set_shares(rnd, "性别", {"男": "51%", "女": "49%"}) == {
        "男": D("0.51"), "女": D("0.49")}
    assert rnd.survey_shares("济南市") == {"性别": {"女": D("0.49"), "男": D("0.51")}}


def test_workbook_and_report_name_the_survey_file_and_method(tmp_path, rnd, sample):
    header, rows = sample
    surveyimport.import_survey(rnd, write_csv(tmp_path / "答卷.csv", header, rows, "utf-8-sig"))
    written = workflow.export_all(rnd, tmp_path / "out", formats=("xlsx",))
    ws = openpyxl.load_workbook(written[0], read_only=True)["原始数据"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == 88)
    assert row[8] == "答卷.csv" and row[9] == "市民调查答卷"
    assert "自助法" in row[11] and "95%置信区间" in row[11]
    results = workflow.score_round(rnd, save=False)
    report = build_report(workflow.round_catalogue(rnd), results["济南市"],
                          round_info={"year": 2025})
    assert any("市民满意度调查" in h for h in report.headings(1))
    lowest = next(iter_tables(report, "survey_lowest"))
    assert len(lowest.rows) == 5
    scores = [float(r[3]) for r in lowest.rows]
    assert scores == sorted(scores)
    assert len(next(iter_tables(report, "survey_dimensions")).rows) == 12
    docx_path = render_docx(report, tmp_path / "报告.docx")
    checker = Checker(workflow.round_catalogue(rnd))
    hits = checker.scan([*docx_texts(docx_path), *workbook_texts(written[0])])
    assert not hits, internal_report(hits)


def test_the_questionnaire_exports_and_its_template_imports_back(tmp_path):
    from jinan_eval_gui.workflow import surveyforms

    docx_path, xlsx_path = surveyforms.export_forms(tmp_path)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    qn = load_questionnaire()
    assert qn.title in text and all(q.text in text for q in qn.questions)
    assert "□非常满意" in text
    with pytest.raises(SurveyFileError, match="只有表头"):
        responses.read_table(xlsx_path)
    wb = openpyxl.load_workbook(xlsx_path)
    ws = wb["答卷"]
    for col, value in enumerate(["1", "300", "历下区", "30–39岁", "女", *["满意"] * 22, "8",
                                 "网上办事┋实时公交", "无"], 1):
        ws.cell(2, col, value)
    wb.save(xlsx_path)
    table = responses.read_table(xlsx_path)
    columns = responses.match_columns(table.header, qn)
    assert columns.missing == () and not columns.unmatched
    assert columns.column_of("id") == 0 and columns.column_of("seconds") == 1


def test_combined_report_lists_each_entitys_survey(tmp_path, sample):
    """Several entities: one table says what each entity's survey indicator rests on."""
    header, rows = sample
    with workflow.create_round(tmp_path / "多.jeval", year=2025,
                               entities=["济南市", "青岛市", "淄博市"]) as rnd:
        surveyimport.import_survey(rnd, write_csv(tmp_path / "济南答卷.csv", header, rows,
                                                  "utf-8-sig"), entity="济南市")
        surveyimport.set_survey_score(rnd, "81.5", "某调查公司报告", entity="青岛市")
        results = workflow.score_round(rnd, save=False)
        cat = workflow.round_catalogue(rnd)
        state = survey.survey_state(rnd, cat, "济南市").result
    report = build_round_report(cat, results, round_info={"year": 2025})
    assert any("市民满意度调查" in h for h in report.headings(1))
    [table] = iter_tables(report, "survey_compared")
    by_entity = {r[0]: r for r in table.rows}
    jinan = by_entity["济南市"]
    assert "济南答卷.csv" in jinan[1]
    assert list(jinan[2:4]) == [str(len(rows)), str(state.n_kept)]
    assert jinan[4] == f"{state.score:.2f}"
    assert jinan[5] == f"{state.ci95[0]:.2f} – {state.ci95[1]:.2f}"
    assert "某调查公司报告" in by_entity["青岛市"][1] and by_entity["青岛市"][4] == "81.50"
    assert by_entity["淄博市"][1] == "无调查结果"
    text = "".join(b.text for b in report.blocks
                   if isinstance(b, Paragraph) and "原始答卷计算得分" in b.text)
    assert "3 个评估对象中，1 个由导入的原始答卷计算得分" in text


def test_combined_report_without_any_survey_has_no_survey_section(tmp_path):
    with workflow.create_round(tmp_path / "多.jeval", year=2025,
                               entities=["济南市", "青岛市"]) as rnd:
        results = workflow.score_round(rnd, save=False)
        cat = workflow.round_catalogue(rnd)
    report = build_round_report(cat, results, round_info={"year": 2025})
    assert not any("市民满意度调查" in h for h in report.headings(1))
    assert not list(iter_tables(report, "survey_compared"))
