"""The report's 以评促建 chapters: 提升空间与下一年度重点任务建议 and 评价结果稳健性.

Every paragraph the chapters generate is rebuilt here from numbers computed independently —
the weights of the 指标体系 times the engine's scores, exact fractions, half-up rounding — or
read from the Monte Carlo result, and the chapter must say exactly those paragraphs.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from analysis_round import build_round

from jinan_eval_gui import workflow
from jinan_eval_gui.catalogue.rules import to_places
from jinan_eval_gui.outputs import report
from jinan_eval_gui.outputs.report.blocks import Heading, Image, Paragraph, Table
from jinan_eval_gui.scoring.engine import round2
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import analysis

CHAPTER = "提升空间与下一年度重点任务建议"
ROBUST = "评价结果稳健性"


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    path = build_round(tmp_path_factory.mktemp("report-improvement"))
    with Round.open(path, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        result = analysis.analyze(rnd, runs=1500, seed=3, input_readings=False)
    a = result.entities["济南市"]
    rep = report.build_report(cat, a.priorities.results, round_info={"year": 2026},
                              analysis=a)
    return cat, a, rep


def _chapter(rep, title):
    """The chapter's blocks (from its heading to the next level-1 heading)."""
    start = next(i for i, b in enumerate(rep.blocks)
                 if isinstance(b, Heading) and b.level == 1 and b.text.endswith(title))
    end = next((i for i, b in enumerate(rep.blocks[start + 1:], start + 1)
                if isinstance(b, Heading) and b.level == 1), len(rep.blocks))
    return rep.blocks[start + 1:end]


def _share(cat, ind_id):
    ind = cat.indicator(ind_id)
    l2 = cat.level2_by_id(ind.parent)
    l1 = cat.level1_of(ind.parent)
    return (Fraction(l1.weight) / 100 * (Fraction(l2.weight) / 100 if l2.weight else 1)
            * (Fraction(ind.weight) / 100 if ind.weight else 1))


def _f2(x):
    return f"{round2(Fraction(x)):.2f}"


def _expected_points(cat, res):
    """Points left per indicator: share × (100 − score); deductions: points deducted."""
    points = {ind.id: _share(cat, ind.id) * (100 - Fraction(res.indicators[ind.id].score))
              for ind in cat.indicators if ind.kind != "deduction"}
    weighted = sum((_share(cat, i) * Fraction(res.indicators[i].score) for i in points),
                   Fraction(0))
    raw = sum((Fraction(r.score) for r in res.indicators.values() if r.kind == "deduction"),
              Fraction(0))
    applied = min(raw, Fraction(res.params["deduction_cap"]), weighted)
    for r in res.indicators.values():
        if r.kind == "deduction":
            points[r.id] = Fraction(r.score) * applied / raw if raw else Fraction(0)
    return points, weighted, applied


def test_every_paragraph_of_the_chapter_matches_the_numbers(single):
    cat, a, rep = single
    res = a.priorities.results
    assert res.settings["missing_policy"] == "zero"
    points, weighted, applied = _expected_points(cat, res)
    available = sum(points.values(), Fraction(0))
    assert available == 100 - (weighted - applied)
    gaps = sorted((i for i, r in res.indicators.items() if r.status in ("missing", "invalid")),
                  key=lambda i: (-points[i], i))
    ranked = sorted((i for i in points if i not in gaps and points[i] > 0),
                    key=lambda i: (-points[i], i))
    top = ranked[:10]
    expected = [
        f"按指标权重折算，济南市综合得分距满分 100 分尚有 {_f2(available)} 分（各级得分不逐级取整时综合"
        f"得分为 {to_places(weighted - applied, 4):.4f} 分，与正式结果 {res.total:.2f} 分的差别来自逐级"
        f"保留 2 位小数）。其中计分指标失分 {_f2(available - applied)} 分，信息安全扣分 "
        f"{_f2(applied)} 分。",
    ]
    if gaps:
        expected.append(
            f"另有 {len(gaps)} 项三级指标缺报或数据有误（指标 {'、'.join(map(str, gaps))}），其失分 "
            f"{_f2(sum((points[i] for i in gaps), Fraction(0)))} 分来自数据缺口而非建设水平，"
            "应先督促责任单位补报或更正，不列入下列建设重点。")
    expected.append(f"下表列出提分空间最大的 {len(top)} 项三级指标。提分空间为该指标在综合得分中的权重"
                    "（一级、二级、三级权重之积）乘以（100 − 得分），扣分制指标为扣减的分数；“单项提升试算”"
                    "为评分引擎对一项填报数据调整后的重新计算结果。")
    top_points = sum((points[i] for i in top), Fraction(0))
    expected.append(f"前 {len(top)} 项合计提分空间 {_f2(top_points)} 分，占全部提分空间的 "
                    f"{to_places(top_points / available * 100, 1):.1f}%。")
    for l1 in cat.level1:
        mine = [i for i in ranked if cat.level1_of(cat.indicator(i).parent).id == l1.id]
        if not mine:
            continue
        entries = "、".join(
            f"指标 {i}“{cat.indicator(i).name}”（{_f2(points[i])} 分，{_units(cat, i)}）"
            for i in mine[:3])
        expected.append(f"“{l1.name}”：提分空间合计 {_f2(sum((points[i] for i in mine), Fraction(0)))}"
                        f" 分，重点为{entries}。")
    by_unit = {u: sum((points[i] for i in ranked if u in cat.units_of(cat.indicator(i))),
                      Fraction(0)) for u in cat.unit_names}
    order = {u: n for n, u in enumerate(cat.unit_names)}
    units = sorted((u for u in by_unit if by_unit[u] > 0),
                   key=lambda u: (-by_unit[u], order[u]))[:5]
    expected.append("按责任单位汇总（与其他单位共担的指标在每个单位各计一次），提分空间最大的 "
                    f"{len(units)} 个单位为：" + "、".join(f"{u}（{_f2(by_unit[u])} 分）" for u in units)
                    + "。各单位的指标明细、数据报送质量和提升事项见部门评价反馈单。")
    said = [b.text for b in _chapter(rep, CHAPTER) if isinstance(b, Paragraph)]
    assert said == expected
    [table] = [b for b in _chapter(rep, CHAPTER) if isinstance(b, Table)]
    assert [row[0] for row in table.rows] == [str(i) for i in top]
    assert [row[4] for row in table.rows] == [_f2(points[i]) for i in top]
    for row, i in zip(table.rows, top, strict=True):
        lever = a.priorities.lever(i)
        assert row[6] == (lever.text() if lever else "—")


def _units(cat, ind_id):
    units = cat.units_of(cat.indicator(ind_id))
    return "、".join(units) if len(units) <= 6 else f"{'、'.join(units[:5])}等 {len(units)} 个单位"


def test_the_robustness_statement_matches_the_simulation(single):
    _cat, a, rep = single
    r = a.robustness
    t = r.total
    inside = t.p05 <= t.official <= t.p95
    expected = [
        "为检验评价结果对权重和评分口径的敏感程度，在各组权重附近随机扰动（按狄利克雷分布抽样，平均大小的"
        f"权重相对标准差 20%），并在 {len(r.assumptions)} 项评分口径假设的可选读法间随机取用，共模拟 1500"
        f" 次。在此扰动下，综合得分的 90% 区间为 {t.p05}–{t.p95} 分，中位数 {t.median} 分，正式结果 "
        f"{t.official:.2f} 分" + ("，位于区间之内。" if inside else "，位于区间之外，结果对权重或评分口径较为敏感。")
        + (f"另有 {len(r.held)} 项评分口径假设（{'、'.join(r.held)}）作用于填报数据本身，按本轮选择计算，"
           "未纳入本次模拟。" if r.held else ""),
    ]
    top = [d for d in r.drivers if d.share >= 0.01][:3]
    if top:
        expected.append("对综合得分影响最大的是" + "、".join(
            f"{d.label}（约占方差的 {d.share * 100:.0f}%）" for d in top) + "。")
    blocks = _chapter(rep, ROBUST)
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == expected
    [chart] = [b for b in blocks if isinstance(b, Image)]
    assert chart.png.startswith(b"\x89PNG") and "90% 区间" in chart.caption
    assert t.p05 <= t.median <= t.p95 and t.official == a.priorities.results.total


def test_no_analysis_no_chapter(single):
    cat, a, _rep = single
    plain = report.build_report(cat, a.priorities.results, round_info={"year": 2026})
    assert not any(h.endswith(CHAPTER) for h in plain.headings(1))


def test_combined_report_gives_each_entitys_points_and_rank_interval(tmp_path):
    path = build_round(tmp_path, entities=("济南市", "青岛市"), seed=9)
    with Round.open(path) as rnd:
        cat = workflow.round_catalogue(rnd)
        result = analysis.analyze(rnd, runs=800, seed=2)
        files = workflow.export_all(rnd, tmp_path / "out", formats=("docx",))
    rep = report.build_round_report(cat, {e: a.priorities.results for e, a in
                                          result.entities.items()},
                                    round_info={"year": 2026}, analysis=result)
    tables = {b.role: b for b in _chapter(rep, CHAPTER) if isinstance(b, Table)}
    rows = {row[0]: row for row in tables["improvement_compared"].rows}
    for entity, a in result.entities.items():
        assert rows[entity][2] == _f2(a.priorities.decomposition.available)
    robust = {row[0]: row for row in
              next(b for b in _chapter(rep, ROBUST) if isinstance(b, Table)).rows}
    for entity, a in result.entities.items():
        r = a.robustness
        assert robust[entity][2] == f"{r.total.p05}–{r.total.p95}"
        assert robust[entity][4] == f"{r.rank.p05}–{r.rank.p95}"
        assert Decimal(robust[entity][3]) == r.rank.official
    import docx

    doc = docx.Document(str(next(p for p in files if p.suffix == ".docx")))
    assert any(p.text.endswith(CHAPTER) for p in doc.paragraphs)
