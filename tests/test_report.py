"""The annual report: blocks, Word and PDF output, fonts, charts, atomic writes.

Results come from ``engine.score`` on synthetic values over the real catalogue when it loads
(else a small one shaped like it). The .docx is reopened with python-docx and converted by
LibreOffice; our own PDF is rendered with poppler (pdftoppm, pdftotext, pdffonts).
"""

from __future__ import annotations

import copy
import io
import random
import re
import shutil
import subprocess
import sys
import time
import warnings
from decimal import Decimal as D
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest
from docx.oxml.ns import qn
from lo import convert, needs_soffice

from jinan_eval_gui import catalogue
from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.outputs import report
from jinan_eval_gui.outputs.report import charts, fonts
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.system import paths

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")

SMALL_RAW = {
    "meta": {"title": "测试指标体系", "version": "t1"},
    "unit": [{"name": "市大数据局"}],
    "parameter": [
        {"key": "missing_score", "label": "缺报或数据有误指标的计分", "default": 0},
        {"key": "deduction_cap", "label": "信息安全扣分上限", "default": 10},
    ],
    "level1": [
        {"id": "A", "name": "民生服务", "weight": 60},
        {"id": "B", "name": "市民满意度", "weight": 40},
        {"id": "S", "name": "信息安全", "weight": 0, "kind": "deduction"},
    ],
    "level2": [
        {"id": "A.1", "parent": "A", "name": "政务服务“一网通办”", "weight": 70},
        {"id": "A.2", "parent": "A", "name": "交通服务", "weight": 30},
        {"id": "B.1", "parent": "B", "name": "——"},
        {"id": "S.1", "parent": "S", "name": "网络安全保障能力"},
    ],
    "indicator": [
        {"id": 1, "parent": "A.1", "name": "电子证照使用率", "weight": 50,
         "inputs": [{"key": "n", "label": "使用电子证照的事项数", "kind": "count"},
                    {"key": "d", "label": "政务服务事项总数", "kind": "count"}],
         "checks": [{"expr": "n <= d", "message": "事项数不能大于总数"}],
         "score": {"expr": "100 * CAPRATIO(n, d)"}},
        {"id": 2, "parent": "A.1", "name": "一站式办理率", "weight": 50,
         "inputs": [{"key": "m", "label": "一站式办理事项数", "kind": "count"},
                    {"key": "t", "label": "事项总数", "kind": "count"}],
         "params": {"target": 80}, "param_labels": {"target": "目标办理率（%）"},
         "assumption": "达到目标值 80% 得满分。",
         "steps": [{"name": "rate", "label": "办理率", "expr": "100 * CAPRATIO(m, t)"}],
         "score": {"expr": "100 * ATTAIN(rate, target)"}},
        {"id": 3, "parent": "A.2", "name": "公交电子支付率", "weight": 100,
         "inputs": [{"key": "p", "label": "电子支付占比", "kind": "percent"}],
         "score": {"expr": "p"}},
        {"id": 4, "parent": "B.1", "name": "市民体验调查得分", "kind": "survey",
         "inputs": [{"key": "s", "label": "调查得分", "kind": "score"}], "score": {"expr": "s"}},
        {"id": 5, "parent": "S.1", "name": "失泄密事件（扣分制）", "kind": "deduction",
         "inputs": [{"key": "events", "label": "失泄密事件数", "kind": "count", "unit": "起"}],
         "params": {"cap": 5, "per_event": 1},
         "param_labels": {"cap": "本项扣分上限", "per_event": "每起事件扣分"},
         "assumption": "每起扣 1 分，最多扣 5 分。",
         "score": {"expr": "MIN(cap, per_event * events)"}},
    ],
}
for _entry in SMALL_RAW["indicator"]:
    _entry.update(description="说明", method="方法", units=[{"name": "市大数据局"}])


def load_catalogue():
    """The real catalogue when it loads, else the small one."""
    try:
        return catalogue.load()
    except Exception:  # noqa: BLE001 - the catalogue data may be mid-edit elsewhere
        return catalogue.build(copy.deepcopy(SMALL_RAW))


def synthetic_values(cat, seed: int) -> dict:
    """Plausible values for every input (some checks fail on purpose: 数据有误 rows)."""
    rng = random.Random(seed)

    def one(spec):
        lo, hi = spec.bounds()
        if spec.kind == "text":
            return "情况说明"
        if spec.kind == "yesno":
            return D(int(rng.random() < 0.8))
        if spec.kind == "choice":
            return rng.choice(spec.options).value
        if spec.kind in ("percent", "score"):
            return D(rng.randint(40, 100))
        if spec.kind in ("rank", "level"):
            top = int(hi) if hi is not None else 5
            return D(rng.randint(int(lo or 0), max(int(lo or 0), top)))
        low = int(lo or 0)
        high = int(min(hi, 1000)) if hi is not None else 1000
        return D(rng.randint(max(low, 1), max(high, low + 1)))

    out = {}
    for ind in cat.indicators:
        vals = {}
        for spec in ind.inputs:
            if spec.kind == "table":
                for col in spec.columns:
                    vals[f"{spec.key}.{col.key}"] = [one(col) for _ in range(3)]
            elif ind.collect == "per_unit":
                vals[spec.key] = [one(spec) for _ in range(3)]
            else:
                vals[spec.key] = one(spec)
        out[ind.id] = vals
    return out


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture(scope="module")
def scored(cat):
    values = synthetic_values(cat, 1)
    first, second = cat.indicators[0].id, cat.indicators[1].id
    values[first] = {}  # 缺报
    overrides = {second: engine.Override(D("77.5"), "专家复核：佐证材料充分")}
    res = engine.score(cat, values, overrides=overrides, entity="济南市")
    prev = engine.score(cat, synthetic_values(cat, 2), entity="济南市")
    others = {f"区县{i}": engine.score(cat, synthetic_values(cat, 10 + i), entity=f"区县{i}")
              for i in range(3)}
    return SimpleNamespace(res=res, prev=prev, others=others)


FINDINGS = {"错误": 3, "警告": 12, "已退回文件": "2 份（市交通运输局、市卫生健康委）"}
ROUND = {"year": 2024, "name": "2024年度评估", "date": "2025-03-31"}


@pytest.fixture(scope="module")
def written(cat, scored, tmp_path_factory):
    """The full report written once through the public API, with timings."""
    out = tmp_path_factory.mktemp("report")
    calls: list[tuple[int, int, str]] = []
    t0 = time.perf_counter()
    docx_path = report.write_docx(cat, scored.res, out / "报告.docx", round_info=ROUND,
                                  previous=scored.prev, others=scored.others,
                                  findings_summary=FINDINGS,
                                  progress=lambda *a: calls.append(a))
    t1 = time.perf_counter()
    pdf_path = report.write_pdf(cat, scored.res, out / "报告.pdf", round_info=ROUND,
                                previous=scored.prev, others=scored.others,
                                findings_summary=FINDINGS)
    t2 = time.perf_counter()
    return SimpleNamespace(dir=out, docx=docx_path, pdf=pdf_path, calls=calls,
                           docx_seconds=t1 - t0, pdf_seconds=t2 - t1)


@pytest.fixture(scope="module")
def built(cat, scored):
    return report.build_report(cat, scored.res, round_info=ROUND, previous=scored.prev,
                               others=scored.others, findings_summary=FINDINGS)


# ---------------------------------------------------------------------------------------
# The shared block model
# ---------------------------------------------------------------------------------------
def test_blocks_have_every_section(cat, built):
    h1 = built.headings(1)
    text = "\n".join(h1)
    for title in ("总体评估结果", "排名情况", "信息安全扣分情况", "数据采集完整性与数据质量",
                  "附录A", "附录B"):
        assert title in text
    weighted = [l1.name for l1 in cat.level1 if l1.kind == "weighted"]
    for name in weighted:
        assert any(h.endswith(name) for h in h1), name
    assert h1[0].startswith("一、") and h1[1].startswith("二、")
    assert "数据核查发现" in "\n".join(built.headings(2))


def test_appendix_a_lists_every_indicator(cat, built):
    (table,) = report.iter_tables(built, "appendix_a")
    assert len(table.rows) == len(cat.indicators)
    if len(cat.indicators) > 80:
        assert len(table.rows) == 88
    assert [row[0] for row in table.rows] == [str(i.id) for i in cat.indicators]
    assert table.header[:5] == ("编号", "指标名称", "权重（%）", "得分", "状态")
    assert table.header[5:] == ("上年", "变化")


def test_level1_and_level2_are_labelled_development_index(built):
    (summary,) = report.iter_tables(built, "summary")
    assert "发展指数" in summary.header
    assert "发展指数" in summary.caption
    level2 = list(report.iter_tables(built, "level2"))
    assert level2 and any("发展指数" in t.header for t in level2)


def test_summary_numbers_and_year_on_year(cat, scored, built):
    res, prev = scored.res, scored.prev
    (summary,) = report.iter_tables(built, "summary")
    rows = {r[0]: r for r in summary.rows}
    for g, p in zip(res.level1, prev.level1, strict=True):
        if g.kind != "weighted":
            continue
        assert rows[g.name][2] == f"{g.score:.2f}"
        assert rows[g.name][3] == f"{p.score:.2f}"
        delta = g.score - p.score
        assert rows[g.name][4] == (f"{delta:+.2f}" if delta else "0.00")
    assert rows["综合得分"][2] == f"{res.total:.2f}"
    assert rows["信息安全扣分"][2] in (f"-{res.deductions:.2f}", "0.00")
    assert len(summary.rows) - 1 in summary.bold_rows
    body = " ".join(b.text for b in built.blocks if isinstance(b, report.Paragraph))
    assert f"{res.total:.2f}" in body and f"{prev.total:.2f}" in body


def test_ranking_orders_entities_by_total(scored, built):
    (table,) = report.iter_tables(built, "ranking")
    totals = [D(r[2]) for r in table.rows]
    assert totals == sorted(totals, reverse=True)
    assert {r[1] for r in table.rows} == {"济南市", *scored.others}
    mine = next(i for i, r in enumerate(table.rows) if r[1] == "济南市")
    assert table.bold_rows == {mine}
    for i, row in enumerate(table.rows):  # competition ranking: ties share a rank
        assert int(row[0]) == 1 + sum(1 for t in totals if t > totals[i])


def test_quality_and_deductions(cat, scored, built):
    res = scored.res
    (counts,) = report.iter_tables(built, "quality")
    by_status = {r[0]: int(r[1]) for r in counts.rows}
    assert by_status["缺报"] == sum(r.status == "missing" for r in res.indicators.values()) >= 1
    assert by_status["专家评分"] == 1
    assert by_status["合计"] == len(cat.indicators)
    (issues,) = report.iter_tables(built, "issues")
    notes = {r[0]: r[3] for r in issues.rows}
    assert notes[str(cat.indicators[1].id)] == "专家复核：佐证材料充分"
    assert "缺少必填数据" in notes[str(cat.indicators[0].id)]
    (findings,) = report.iter_tables(built, "findings")
    assert ("错误", "3") in findings.rows
    (ded,) = report.iter_tables(built, "deductions")
    deduction_ids = [i.id for i in cat.indicators if i.kind == "deduction"]
    assert [int(r[0]) for r in ded.rows] == deduction_ids
    for row in ded.rows:
        assert row[2] == f"{res.indicators[int(row[0])].score:.2f}"
        assert row[3]  # a reason (input values, override reason or status)


def test_appendix_b_states_assumptions_rules_and_parameters(cat, scored, built):
    text = "\n".join(b.text for b in built.blocks if isinstance(b, report.Paragraph))
    for ind in cat.indicators:
        assert f"{ind.id}  {ind.name}" in text
        if ind.assumption:
            assert ind.assumption in text
        variant = scored.res.indicators[ind.id].variant
        assert wording.lines(ind, cat.parameters, variant=variant)[-1] in text  # in Chinese
        for name, value in ind.params.items():
            assert f"{ind.param_labels[name]} {report.fmt_number(value)}" in text
    (params,) = report.iter_tables(built, "params")
    labels = {r[0] for r in params.rows}
    assert {p.label for p in cat.parameters} == labels
    assert "缺报" in text and "扣分上限" in text


def test_changed_parameter_is_marked(cat):
    ind = next(i for i in cat.indicators if i.params)
    name, default = next(iter(ind.params.items()))
    res = engine.score(cat, synthetic_values(cat, 3), params={f"{ind.id}.{name}": default + 1})
    rep = report.build_report(cat, res, round_info={"year": 2024})
    text = "\n".join(b.text for b in rep.blocks if isinstance(b, report.Paragraph))
    label = ind.param_labels[name]
    assert (f"{label} {report.fmt_number(default + 1)}（本轮调整，默认 {report.fmt_number(default)}）"
            in text)


def test_without_previous_or_others_there_is_no_ranking_or_change(cat):
    small = catalogue.build(copy.deepcopy(SMALL_RAW))
    res = engine.score(small, synthetic_values(small, 5), entity="")
    rep = report.build_report(small, res, round_info=SimpleNamespace(year=2023, name="试评"),
                              findings_summary=["第一条发现", "第二条发现"])
    assert not any("排名" in h for h in rep.headings())
    assert all("上年" not in t.header for t in report.iter_tables(rep))
    texts = [b.text for b in rep.blocks if isinstance(b, report.Paragraph)]
    assert "1. 第一条发现" in texts and "2. 第二条发现" in texts
    # 市民满意度 has a sole level-2 with one indicator: its level-3 table, no chart
    sole = [t for t in report.iter_tables(rep, "level2") if t.header[0] == "编号"]
    assert sole and sole[0].rows[0][1] == "市民体验调查得分"


def test_missing_year_is_a_chinese_error(cat, scored):
    with pytest.raises(ExportError, match="年度"):
        report.build_report(cat, scored.res, round_info={"name": "无年度"})


def test_layout_wording_comes_from_report_toml(cat, scored):
    layout = report.load_layout()
    layout["document"] = dict(layout["document"], title="测试用报告标题")
    rep = report.build_report(cat, scored.res, round_info={"year": 2024}, layout=layout)
    assert rep.blocks[1].text == "测试用报告标题"
    layout["text"] = dict(layout["text"], summary="{no_such_field}")
    with pytest.raises(ExportError, match="占位符"):
        report.build_report(cat, scored.res, round_info={"year": 2024}, layout=layout)


# ---------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------
def test_docx_reopens_with_headings_tables_and_images(cat, built, written):
    doc = docx.Document(str(written.docx))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == built.headings(1)
    assert doc.paragraphs[1].style.name == "Title"
    assert doc.paragraphs[1].text == "济南市智慧城市发展水平评估报告"
    all_text = "\n".join(p.text for p in doc.paragraphs)
    assert "2025年3月31日" in all_text
    assert "济南市智慧城市建设与产业发展专项小组办公室（市智慧办）" in all_text
    n_tables = len(list(report.iter_tables(built)))
    assert len(doc.tables) == n_tables
    appendix = next(t for t in doc.tables
                    if t.rows[0].cells[0].text == "编号" and len(t.rows) == len(cat.indicators) + 1)
    assert [r.cells[1].text for r in appendix.rows[1:]] == [i.name for i in cat.indicators]
    # header rows repeat on each page; the appendix table uses the template's table style
    assert appendix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert appendix.style.name == "报告表格"
    n_images = sum(isinstance(b, report.Image) for b in built.blocks)
    assert len(doc.inline_shapes) == n_images >= 2
    assert doc.core_properties.title == "济南市智慧城市发展水平评估报告（2024年度）"


def test_docx_progress_reported(written):
    assert written.calls[-1][0] == written.calls[-1][1]
    done = [c[0] / c[1] for c in written.calls]
    assert done == sorted(done)
    assert all(isinstance(c[2], str) and c[2] for c in written.calls)


@needs_soffice
@needs_poppler
@pytest.mark.slow
def test_docx_converts_with_libreoffice(cat, written, tmp_path):
    pdf = convert(written.docx, tmp_path, to="pdf")
    flat = re.sub(r"\s+", "", _pdftotext(pdf))
    assert "济南市智慧城市发展水平评估报告" in flat
    assert "附录B评分口径说明" in flat
    assert re.sub(r"\s+", "", cat.indicators[-1].name) in flat
    _assert_no_blank_pages(pdf)


def test_template_styles_exist_with_east_asian_fonts():
    layout = report.load_layout()
    doc = docx.Document(str(report.docx_template_path()))
    names = {s.name for s in doc.styles}
    for role, name in layout["styles"].items():
        assert name in names, (role, name)
    for name in ("Normal", "Title", "Heading 1", "Body Text", "表格文字"):
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")), name
        assert rfonts.get(qn("w:asciiTheme")) is None
    assert len(doc.element.body) == 1  # only the section properties


def test_make_template_script_regenerates_the_template(tmp_path):
    script = paths.template("report", "make_template.py")
    out = tmp_path / "t.docx"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    fresh = {s.name for s in docx.Document(str(out)).styles}
    shipped = {s.name for s in docx.Document(str(report.docx_template_path())).styles}
    assert fresh == shipped


def test_docx_falls_back_when_the_office_deleted_a_style(cat, scored, tmp_path):
    layout = report.load_layout()
    layout["styles"] = dict(layout["styles"], body="不存在的样式", table="也不存在")
    rep = report.build_report(cat, scored.res, round_info={"year": 2024}, layout=layout)
    path = report.render_docx(rep, tmp_path / "r.docx")
    assert docx.Document(str(path)).paragraphs


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------
def _pdftotext(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _assert_no_blank_pages(path: Path) -> None:
    header = "济南市智慧城市发展水平评估报告（2024年度）"
    for page in range(1, _pages(path) + 1):
        text = re.sub(r"\s+", "", _pdftotext(path, page)).replace(header, "")
        assert len(re.sub(r"[—\-\d]", "", text)) > 20, f"page {page} is (nearly) blank"


@needs_poppler
def test_pdf_pages_render(written, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(written.pdf), str(tmp_path / "p")],
                   check=True, capture_output=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 5
    assert _pages(written.pdf) == len(pages)
    info = subprocess.run(["pdfinfo", str(written.pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "济南市智慧城市发展水平评估报告（2024年度）" in info  # document title
    _assert_no_blank_pages(written.pdf)


@needs_poppler
def test_pdf_text_has_every_indicator_name(cat, written):
    flat = re.sub(r"\s+", "", _pdftotext(written.pdf))
    assert "济南市智慧城市发展水平评估报告" in flat
    assert "济南市智慧城市建设与产业发展专项小组办公室" in flat
    for ind in cat.indicators:
        assert re.sub(r"\s+", "", ind.name) in flat, ind.name
    for l1 in cat.level1:
        assert l1.name in flat


@needs_poppler
def test_pdf_embeds_its_fonts(written):
    out = subprocess.run(["pdffonts", str(written.pdf)], capture_output=True, text=True,
                         check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        # columns: name type encoding emb sub uni object-id
        cols = row.split()
        assert cols[-5] == "yes", row  # embedded
        assert cols[-4] == "yes", row  # subset
        assert cols[-3] == "yes", row  # ToUnicode: text can be copied and searched
    assert any("CID" in row for row in rows)


def test_writers_replace_atomically_and_leave_nothing_on_failure(cat, scored, tmp_path,
                                                                 monkeypatch):
    target = tmp_path / "r.docx"
    target.write_bytes(b"old")
    from jinan_eval_gui.outputs.report import word as report_docx

    def boom(*args, **kwargs):
        Path(args[1]).write_bytes(b"partial")
        raise RuntimeError("disk full")

    rep = report.build_report(cat, scored.res, round_info={"year": 2024})
    monkeypatch.setattr(report_docx, "render", boom)
    with pytest.raises(RuntimeError):
        report.render_docx(rep, target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]
    monkeypatch.undo()
    report.render_docx(rep, target)
    assert docx.Document(str(target)).paragraphs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]


def test_missing_folder_is_a_chinese_error(cat, scored, tmp_path):
    rep = report.build_report(cat, scored.res, round_info={"year": 2024})
    with pytest.raises(ExportError, match="不存在"):
        report.render_pdf(rep, tmp_path / "no" / "r.pdf")


# ---------------------------------------------------------------------------------------
# Fonts and charts
# ---------------------------------------------------------------------------------------
def test_a_cjk_font_is_found_here():
    font = fonts.find_cjk_font()
    assert not fonts.missing_glyphs(fonts.PROBE_TEXT, font.regular)
    if "NotoSansCJK" in font.regular.path.name:
        assert font.regular.family == "Noto Sans CJK SC"  # the mainland face of the .ttc
        assert font.has_bold


def test_no_cjk_font_gives_a_chinese_error(cat, scored, tmp_path, monkeypatch):
    with pytest.raises(ExportError, match="找不到可用的中文字体") as err:
        fonts.find_cjk_font([fonts.Candidate(tmp_path / "nope.ttf")])
    assert "resources/fonts" in str(err.value)
    import matplotlib

    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    with pytest.raises(ExportError):  # a font without Chinese glyphs is not a candidate
        fonts.find_cjk_font([fonts.Candidate(latin)])
    monkeypatch.setattr(fonts, "default_candidates", lambda: [])
    with pytest.raises(ExportError):
        report.write_pdf(cat, scored.res, tmp_path / "r.pdf", round_info={"year": 2024})
    assert not list(tmp_path.iterdir())


def test_bundled_font_comes_first(tmp_path, monkeypatch):
    real = fonts.find_cjk_font()
    bundle = tmp_path / "fonts"
    bundle.mkdir()
    link = bundle / ("office" + real.regular.path.suffix)
    try:
        link.symlink_to(real.regular.path)
    except OSError:
        shutil.copyfile(real.regular.path, link)
    monkeypatch.setattr(fonts.paths, "resource", lambda *parts: tmp_path.joinpath(*parts))
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    cands = fonts.default_candidates()
    assert cands[0].regular == link
    windows = [c for c in cands if str(c.regular).startswith(str(tmp_path / "Windows"))]
    assert windows[0].regular.name == "msyh.ttc"
    assert cands.index(windows[-1]) < next(
        i for i, c in enumerate(cands) if "NotoSansCJK" in c.regular.name)
    found = fonts.find_cjk_font(cands)
    assert found.regular.path == link


def test_chart_has_no_missing_glyphs(cat):
    font = fonts.find_cjk_font()
    labels = [l1.name for l1 in cat.level1] + [l2.name for l2 in cat.level2]
    assert not fonts.missing_glyphs("".join(labels) + "本年度上年度发展指数", font.regular)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render_png(charts.BarChart(labels, [50.0] * len(labels),
                                                previous=[40.0] * len(labels),
                                                horizontal=True, axis_label="发展指数"), font)
    assert not [w for w in caught if "missing from" in str(w.message)]
    from PIL import Image

    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.mode == "RGB" and im.width > 1000


def test_core_report_modules_import_without_qt_or_matplotlib():
    code = (
        "import sys\n"
        "for name in ('PySide6', 'PyQt5', 'PyQt6', 'PySide2'):\n"
        "    sys.modules[name] = None\n"
        "import jinan_eval_gui.outputs.report, jinan_eval_gui.outputs.report.word, jinan_eval_gui.outputs.report.pdf\n"
        "import jinan_eval_gui.outputs.report.charts, jinan_eval_gui.outputs.report.fonts\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib must load lazily'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
