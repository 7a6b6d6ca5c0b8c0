"""The scoring workbook: sheets, live formulas, text safety, and LibreOffice recalculation."""

from __future__ import annotations

import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lo import convert, needs_soffice

from jinan_eval_gui import catalogue as catalogue_mod
from jinan_eval_gui.catalogue import INPUT_KIND_LABELS
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.outputs import workbook as export
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.engine import Override

EVIL = ["=1+1", "@SUM(A1)", "+1-2", "-A1", "=HYPERLINK(\"http://x\",\"y\")"]

MISSING_ID = 3  # a required input dropped -> 缺报
INVALID_ID = 45  # covered_area > total_area -> 数据有误
EXPERT_ID = 20  # expert override
TABLE_ID = 16  # hospitals table
PER_UNIT_ID = 66  # per-unit deduction
TEXT_ID = 43  # has a text input


@pytest.fixture(scope="module")
def cat():
    return catalogue_mod.load()


# ---------------------------------------------------------------------------------------
# synthetic values from the catalogue's input specs
# ---------------------------------------------------------------------------------------
def _levels(ind) -> tuple[dict[str, int], dict[str, int]]:
    """From checks ``a + b <= c``: how high each key must sit, and how many terms share a side.

    Used when random values keep failing the checks: keys on the left are drawn low, keys on
    the right high, so chains such as ``dispatch_ok <= dispatched <= filed`` hold.
    """
    level: dict[str, int] = {}
    terms: dict[str, int] = {}
    pairs = []
    for check in ind.checks:
        if "<=" not in check.rule.text or check.rule.text.count("<=") > 1:
            continue
        left, right = (set(NAME.findall(part)) for part in check.rule.text.split("<="))
        pairs.append((left, right))
        for name in left:
            terms[name] = max(terms.get(name, 1), len(left))
    for _ in range(6):
        for left, right in pairs:
            for name in right:
                level[name] = max(level.get(name, 0), 1 + max(level.get(n, 0) for n in left))
    return level, terms


NAME = re.compile(r"[a-z][a-z0-9_]*")


def _number(spec, rng: random.Random, shape: tuple[int, int, int] | None = None) -> Decimal:
    lo, hi = spec.bounds()
    lo = lo if lo is not None else Decimal(0)
    if spec.kind == "yesno":
        return Decimal(rng.randint(0, 1))
    if spec.kind == "choice":
        return rng.choice(spec.options).value
    if spec.kind == "rank":
        return Decimal(rng.randint(int(lo), int(hi if hi is not None else 16)))
    if spec.kind == "level":
        return Decimal(rng.randint(int(lo), int(hi if hi is not None else 5)))
    top = hi if hi is not None else lo + 5000
    top = min(top, lo + 5000)
    if shape is not None:  # (level, max level, terms): a band of [lo, top]
        level, top_level, terms = shape
        share = Decimal(str((level + rng.uniform(0.1, 0.9)) / (top_level + 1) / terms))
        top = lo + (top - lo) * share
    if spec.kind == "count":
        return Decimal(rng.randint(int(lo), max(int(lo), int(top))))
    # amount, percent, score: 2 decimals
    cents = rng.randint(int(lo * 100), int(top * 100))
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _indicator_values(cat, ind, rng: random.Random, banded: bool = False) -> dict:
    out: dict = {}
    units = cat.units_of(ind)
    level, terms = _levels(ind) if banded else ({}, {})
    top_level = max(level.values(), default=0)

    def draw(spec):
        shape = (level.get(spec.key, 0), top_level, terms.get(spec.key, 1)) if banded else None
        return _number(spec, rng, shape)

    for spec in ind.inputs:
        if spec.kind == "text":
            out[spec.key] = f"说明材料 {rng.randint(1, 99)}"
        elif spec.kind == "table":
            rows = rng.randint(3, 6)
            for col in spec.columns:
                name = f"{spec.key}.{col.key}"
                if col.kind == "text":
                    out[name] = [f"第{i + 1}医院" for i in range(rows)]
                else:
                    out[name] = [_number(col, rng) for _ in range(rows)]
        elif ind.collect == "per_unit":
            out[spec.key] = [draw(spec) for _ in units]
        else:
            out[spec.key] = draw(spec)
    return out


def synthetic_values(cat, seed: int = 1) -> dict[int, dict]:
    """Values every indicator scores 正常 with (bounds respected, error checks passing)."""
    rng = random.Random(seed)
    params = engine.resolve_params(cat, None)
    values: dict[int, dict] = {}
    for ind in cat.indicators:
        for attempt in range(600):
            candidate = _indicator_values(cat, ind, rng, banded=attempt >= 100)
            if engine.score_indicator(ind, candidate, params).status == "ok":
                break
        else:  # pragma: no cover - a catalogue change the generator cannot satisfy
            raise AssertionError(f"no valid synthetic values for indicator {ind.id}")
        values[ind.id] = candidate
    return values


def scenario(cat, seed: int = 1):
    """Values and overrides covering every status, a table, per-unit inputs and deductions."""
    values = synthetic_values(cat, seed)
    ind = cat.indicator(MISSING_ID)
    values[MISSING_ID].pop(next(s.key for s in ind.inputs if s.required and s.kind != "text"))
    values[INVALID_ID]["covered_area"] = values[INVALID_ID]["total_area"] + 5
    # deductions: a leak, and a unit with critical infrastructure but no inspection mechanism
    values[65].update(leaks=Decimal(2), mechanism=Decimal(0))
    n = len(values[PER_UNIT_ID]["has_cii"])
    values[PER_UNIT_ID]["has_cii"] = [Decimal(1)] * n
    values[PER_UNIT_ID]["has_mechanism"] = [Decimal(i % 2) for i in range(n)]
    values[PER_UNIT_ID]["missed"] = [Decimal(i % 3) for i in range(n)]
    values[PER_UNIT_ID]["missed"][2] = None  # this unit did not report fully: 须补报
    text_key = next(s.key for s in cat.indicator(TEXT_ID).inputs if s.kind == "text")
    values[TEXT_ID][text_key] = "=1+1"
    overrides = {EXPERT_ID: Override(Decimal("88.50"), "@SUM(A1) 专家组现场核查")}
    return values, overrides


def score(cat, values, overrides=None, entity="济南市"):
    return engine.score(cat, values, overrides=overrides, entity=entity)


def _findings():
    return [
        {"unit": "市公安局", "file": "=1+1.xlsx", "sheet": "填报", "cell": "C5",
         "indicator": 3, "input": "total", "severity": "error", "message": text}
        for text in EVIL
    ]


def _sources(cat):
    return {(TABLE_ID, "hospitals.visits", 0): ("@SUM(A1).xlsx", "填报", "D7"),
            (1, "total"): ("=1+1", "-sheet", "+C3")}


@pytest.fixture(scope="module")
def single(cat, tmp_path_factory):
    values, overrides = scenario(cat)
    res = score(cat, values, overrides)
    path = tmp_path_factory.mktemp("export") / "2026年度_济南市_智慧城市评价评分表.xlsx"
    out = export.export_workbook(
        cat, {"济南市": res}, path, values_by_entity={"济南市": values},
        sources={"济南市": _sources(cat)}, findings=_findings(),
        submissions=[{"unit": "市公安局", "issued": True, "returned": True, "errors": 2,
                      "accepted": False, "note": "=1+1"}],
        round_info={"name": "2026年度评价", "year": 2026},
        previous={"济南市": score(cat, synthetic_values(cat, seed=7))},
    )
    return out, res, values


# ---------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------
def test_scenario_covers_every_status(cat, single):
    _, res, _ = single
    statuses = {r.id: r.status for r in res.indicators.values()}
    assert statuses[MISSING_ID] == "missing"
    assert statuses[INVALID_ID] == "invalid"
    assert statuses[EXPERT_ID] == "expert"
    assert statuses[TABLE_ID] == "ok"
    # a unit of the per-unit deduction did not report: deducted from what was reported, 须补报
    assert statuses[PER_UNIT_ID] == "missing" and res.indicators[PER_UNIT_ID].score > 0
    assert res.deductions > 0
    assert sum(1 for s in statuses.values() if s == "ok") == len(statuses) - 4


def test_sheets_exist_and_file_is_atomic(single):
    path, _, _ = single
    assert path.exists()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".~")]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["总览", "指标得分", "计算过程", "原始数据", "填报情况", "校验记录",
                             "评分口径说明"]
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9
        assert ws.freeze_panes or ws.title == "评分口径说明"


def _calc_rows(ws):
    """(kind, id, value cell) of the 计算过程 summary and score rows."""
    for row in ws.iter_rows(min_row=1):
        ident, name, kind = row[0].value, row[1].value, row[2].value
        yield ident, name, kind, row[5]


def test_every_score_in_calc_is_a_formula(cat, single):
    path, res, _ = single
    ws = openpyxl.load_workbook(path)["计算过程"]
    level3 = {}
    block_scores = []
    for ident, name, kind, cell in _calc_rows(ws):
        if kind in ("三级指标", "三级指标（扣分）"):
            level3[ident] = cell
        if kind in ("得分", "扣分"):
            block_scores.append((name, cell))
        if kind in ("一级指标", "二级指标", "合计"):
            assert str(cell.value).startswith("="), (ident, name, cell.value)
    assert sorted(level3) == sorted(r.id for r in res.indicators.values())
    assert all(str(c.value).startswith("=") for c in level3.values())
    assert len(block_scores) == len(cat.indicators)
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [n for n in notes if "无法生成公式" in n]
    for name, cell in block_scores:
        if "专家评分" in name:
            assert cell.value == 88.5
        elif "扣分" in name and "数据有误" in name:
            assert cell.value == 0
        elif "扣分" in name and "缺报" in name:  # 须补报: deducted from what was reported
            assert str(cell.value).startswith("=ROUND(MAX(0,")
        else:
            assert str(cell.value).startswith("=ROUND(") or "缺报" in name or "数据有误" in name
            assert str(cell.value).startswith("=")


def test_formulas_use_no_future_functions(single):
    path, _, _ = single
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets"))
    assert "_xlfn" not in xml
    for name in ("IFS(", "MAXIFS(", "TEXTJOIN(", "XLOOKUP(", "CONCAT(", "RANK.EQ("):
        assert name not in xml


def test_unit_text_stays_text(single):
    path, _, values = single
    wb = openpyxl.load_workbook(path)
    found = [c for row in wb["校验记录"].iter_rows() for c in row if c.value in EVIL]
    assert len(found) == len(EVIL) and all(c.data_type == "s" for c in found)
    assert wb["校验记录"]["B4"].value == "=1+1.xlsx" and wb["校验记录"]["B4"].data_type == "s"
    raw = wb["原始数据"]
    texts = {c.value: c for row in raw.iter_rows() for c in row
             if c.value in ("=1+1", "@SUM(A1).xlsx", "-sheet", "+C3")}
    assert set(texts) == {"=1+1", "@SUM(A1).xlsx", "-sheet", "+C3"}
    assert all(c.data_type == "s" for c in texts.values())
    notes = [c for row in wb["计算过程"].iter_rows() for c in row
             if isinstance(c.value, str) and "@SUM(A1) 专家组" in c.value]
    assert notes and all(c.data_type == "s" for c in notes)
    sub = wb["填报情况"]
    assert any(c.value == "=1+1" and c.data_type == "s" for row in sub.iter_rows() for c in row)


def test_raw_data_numbers_are_numbers_and_lists_contiguous(cat, single):
    path, _, values = single
    ws = openpyxl.load_workbook(path)["原始数据"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    table = cat.indicator(TABLE_ID).input("hospitals")
    visits_label = f"{table.label}：{next(c.label for c in table.columns if c.key == 'visits')}"
    visits = [r[7] for r in rows if r[1] == TABLE_ID and r[3] == visits_label]
    assert visits == [float(v) if v != int(v) else int(v)
                      for v in values[TABLE_ID]["hospitals.visits"]]
    missed_label = cat.indicator(PER_UNIT_ID).input("missed").label
    per_unit = [(r[5], r[7]) for r in rows if r[1] == PER_UNIT_ID and r[3] == missed_label]
    units = list(cat.units_of(cat.indicator(PER_UNIT_ID)))
    assert [u for u, _ in per_unit] == units[:2] + units[3:] + [units[2]]  # gap last
    numeric = {INPUT_KIND_LABELS[k] for k in ("count", "amount", "percent", "yesno", "choice",
                                               "rank", "level", "score")}
    assert {r[4] for r in rows} <= set(INPUT_KIND_LABELS.values())  # the type, never a key
    for r in rows:
        if r[4] in numeric and r[7] is not None:
            assert isinstance(r[7], int | float), r


def test_scores_sheet_layout(cat, single):
    path, res, _ = single
    wb = openpyxl.load_workbook(path)
    ws = wb["指标得分"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert any(m.startswith("A5:A") for m in merged)  # level-1 merged over its rows
    header = [c.value for c in ws[4]]
    assert header[8:14] == ["一级得分", "二级得分", "得分", "状态", "上年得分", "变化"]
    ids = [r[4].value for r in ws.iter_rows(min_row=5) if isinstance(r[4].value, int)]
    assert sorted(ids) == sorted(i.id for i in cat.indicators)
    assert ws.conditional_formatting  # weak indicators highlighted
    ov = wb["总览"]
    assert ov["B7"].value.startswith("='计算过程'!")
    assert ov._charts == [] or True  # openpyxl does not load charts; checked in the zip below
    with zipfile.ZipFile(path) as zf:
        chart = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert chart
        xml = zf.read(chart[0]).decode()
        assert "民生服务" in xml


def test_notes_sheet_lists_every_indicator(cat, single):
    path, _, _ = single
    ws = openpyxl.load_workbook(path)["评分口径说明"]
    ids = {r[0].value for r in ws.iter_rows() if isinstance(r[0].value, int)}
    assert ids == {i.id for i in cat.indicators}
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for spec in cat.parameters:  # by their Chinese names, never their keys
        assert spec.label in text and spec.key not in text


def test_progress_and_cancel(cat, tmp_path):
    values = synthetic_values(cat)
    res = score(cat, values)
    seen = []
    export.export_workbook(cat, {"济南市": res}, tmp_path / "a.xlsx",
                           values_by_entity={"济南市": values},
                           progress=lambda done, total, msg: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]

    def cancel(done, total, msg):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export_workbook(cat, {"济南市": res}, tmp_path / "b.xlsx", progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


# ---------------------------------------------------------------------------------------
# LibreOffice recalculation: the decisive test
# ---------------------------------------------------------------------------------------
def _strip_cached_values(src: Path, dst: Path) -> None:
    """openpyxl keeps formulas and drops their cached values on save."""
    openpyxl.load_workbook(src).save(dst)
    wb = openpyxl.load_workbook(dst, data_only=True)
    ws = wb[[n for n in wb.sheetnames if n.startswith("计算过程")][0]]
    assert all(r[5].value is None for r in ws.iter_rows(min_row=6) if r[2].value == "合计")


def _recomputed(path: Path, sheet: str) -> dict:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    out = {}
    for ident, name, kind, cell in _calc_rows(ws):
        if kind in ("一级指标", "二级指标", "三级指标", "三级指标（扣分）"):
            out[ident] = cell.value
        elif kind == "合计":
            out[name] = cell.value
    return out


def _expected(res) -> dict:
    exp = {r.id: r.score for r in res.indicators.values()}
    for g in res.level2:
        exp[g.id] = g.score if g.score is not None else engine.round2(
            sum((t.score for t in g.terms), Decimal(0)))
    for g in res.level1:
        exp[g.id] = g.score if g.score is not None else engine.round2(res.deductions_raw)
    exp.update({"加权得分": res.subtotal, "扣分": res.deductions, "总分": res.total})
    return exp


def _assert_cents(got: dict, res) -> None:
    expected = _expected(res)
    assert set(got) == set(expected)
    wrong = {k: (got[k], v) for k, v in expected.items()
             if got[k] is None or Decimal(str(round(got[k], 6))).quantize(Decimal("0.01")) != v}
    assert not wrong


@needs_soffice
@pytest.mark.slow
def test_libreoffice_recomputes_every_score(single, tmp_path):
    path, res, _ = single
    stripped = tmp_path / "stripped.xlsx"
    _strip_cached_values(path, stripped)
    recalculated = convert(stripped, tmp_path / "lo")
    _assert_cents(_recomputed(recalculated, "计算过程"), res)
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    assert round(wb["总览"]["B7"].value, 2) == float(res.total)


# ---------------------------------------------------------------------------------------
# several entities: one 计算过程 per entity and a live ranking
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def multi(cat, tmp_path_factory):
    entities = {}
    values_by = {}
    for k, name in enumerate(["历下区", "市中区", "槐荫区"]):
        values, overrides = scenario(cat, seed=10 + k)
        values_by[name] = values
        entities[name] = score(cat, values, overrides, entity=name)
    path = tmp_path_factory.mktemp("multi") / "ranking.xlsx"
    export.export_workbook(cat, entities, path, values_by_entity=values_by,
                           round_info={"name": "2026", "year": 2026})
    return path, entities


def test_multi_entity_sheets_and_ranking(multi):
    path, entities = multi
    wb = openpyxl.load_workbook(path)
    names = export.calc_sheet_names(list(entities))
    assert wb.sheetnames[:2] == ["总览", "排名"]
    assert all(n in wb.sheetnames for n in names.values())
    ws = wb["排名"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5) if r[1].value]
    assert all(str(r[0]).startswith("=RANK(") for r in rows)
    order = sorted(entities, key=lambda e: -entities[e].total)
    assert [r[1] for r in rows] == order
    for r in rows:
        assert r[2] == f"={export.cells._q(names[r[1]])}!" + r[2].split("!")[1]
    cached = openpyxl.load_workbook(path, data_only=True)["排名"]
    assert [r[0].value for r in cached.iter_rows(min_row=5) if r[1].value] == [1, 2, 3]


@needs_soffice
@pytest.mark.slow
def test_multi_entity_recomputes_in_libreoffice(multi, tmp_path):
    path, entities = multi
    stripped = tmp_path / "stripped.xlsx"
    _strip_cached_values(path, stripped)
    recalculated = convert(stripped, tmp_path / "lo")
    names = export.calc_sheet_names(list(entities))
    for entity, res in entities.items():
        _assert_cents(_recomputed(recalculated, names[entity]), res)
    ws = openpyxl.load_workbook(recalculated, data_only=True)["排名"]
    got = {r[1].value: (r[0].value, r[2].value) for r in ws.iter_rows(min_row=5) if r[1].value}
    order = sorted(entities, key=lambda e: -entities[e].total)
    for rank, entity in enumerate(order, 1):
        assert got[entity][0] == rank
        assert round(got[entity][1], 2) == float(entities[entity].total)


def test_sheet_names_are_safe_and_unique():
    names = export.calc_sheet_names(["历下区", "a/b:c", "a?b*c", "x" * 40, "'引号'"])
    assert len(set(names.values())) == 5
    for name in names.values():
        assert len(name) <= 31 and not set("[]:*?/\\") & set(name)
        assert name.startswith("计算过程-") and not name.endswith("'")
    assert export.calc_sheet_names(["济南市"]) == {"济南市": "计算过程"}


def test_missing_folder_is_an_export_error(cat, tmp_path):
    res = score(cat, synthetic_values(cat))
    with pytest.raises(ExportError):
        export.export_workbook(cat, {"济南市": res}, tmp_path / "nope" / "a.xlsx")
    with pytest.raises(ExportError):
        export.export_workbook(cat, {}, tmp_path / "a.xlsx")


def _half_cent_overrides(cat) -> tuple[dict[int, Override], set[str]]:
    """Expert scores putting level-2 sums exactly on a half cent (x.xx5) where weights allow."""
    overrides = {}
    targeted = set()
    for l2 in cat.level2:
        children = [i for i in cat.indicators_of(l2.id) if i.kind != "deduction"]
        if len(children) < 2:
            continue
        w1, w2 = (int(children[0].weight), int(children[1].weight))
        pair = next(((a, b) for a in range(100) for b in range(100)
                     if (w1 * a + w2 * b) % 100 == 50), None)
        if pair is None:  # e.g. 20/20/...: Σ w·s/100 can never end in 5 at the third decimal
            continue
        targeted.add(l2.id)
        for ind in children:
            overrides[ind.id] = Override(Decimal("60"), "边界测试")
        for ind, k in zip(children, pair, strict=False):
            overrides[ind.id] = Override(Decimal("60") + Decimal(k) / 100, "边界测试")
    return overrides, targeted


@needs_soffice
@pytest.mark.slow
def test_half_cents_round_like_the_engine(cat, tmp_path):
    values = synthetic_values(cat, seed=3)
    overrides, targeted = _half_cent_overrides(cat)
    res = score(cat, values, overrides, entity="边界")
    exact = [g for g in res.level2 if g.id in targeted]
    assert len(exact) >= 10
    assert all((sum(t.weight * t.score for t in g.terms) / 100) % Decimal("0.01")
               == Decimal("0.005") for g in exact)
    path = export.export_workbook(cat, {"边界": res}, tmp_path / "half.xlsx",
                                  values_by_entity={"边界": values})
    stripped = tmp_path / "stripped.xlsx"
    _strip_cached_values(path, stripped)
    _assert_cents(_recomputed(convert(stripped, tmp_path / "lo"), "计算过程"), res)


def test_per_unit_gap_and_values_from_results(cat, single, tmp_path):
    path, res, values = single
    wb = openpyxl.load_workbook(path)
    missed = cat.indicator(PER_UNIT_ID).input("missed").label
    rows = [[c.value for c in r] for r in wb["原始数据"].iter_rows(min_row=3)
            if r[1].value == PER_UNIT_ID and r[3].value == missed]
    units = cat.units_of(cat.indicator(PER_UNIT_ID))
    assert len(rows) == len(units)
    assert rows[-1][5] == units[2] and rows[-1][7] is None and "不参与计算" in rows[-1][11]
    assert all(isinstance(r[7], int | float) for r in rows[:-1])
    assert [r[5] for r in rows[:-1]] == [u for i, u in enumerate(units) if i != 2]

    # nobody reported 66: 缺报 (须补报), deducted from what was reported, i.e. nothing yet;
    # the values come from the results when values_by_entity is omitted
    values = synthetic_values(cat, seed=5)
    values[PER_UNIT_ID] = {}
    res = score(cat, values)
    assert res.indicators[PER_UNIT_ID].status == "missing"
    out = export.export_workbook(cat, {"济南市": res}, tmp_path / "gap.xlsx")
    calc = openpyxl.load_workbook(out)["计算过程"]
    score_row = next(r for r in calc.iter_rows() if r[2].value == "扣分" and r[1].value
                     and "缺报" in r[1].value)
    assert str(score_row[5].value).startswith("=ROUND(MAX(0,") and "须补报" in score_row[7].value
    assert res.indicators[PER_UNIT_ID].score == 0
