"""The scoring workbook follows the round's registered choices: readings, missing data, blanks.

LibreOffice recalculates a workbook whose cached values were stripped, and every level-3,
level-2, level-1 score and the totals must come back as the engine's, under the renormalising
missing-data policy (a level-2 group with nothing reported left out one level up), an
alternative reading (A77 对照目标) and both policies for blank deductions.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lo import convert, needs_soffice
from test_export import _calc_rows, _strip_cached_values, synthetic_values

from jinan_eval_gui import catalogue
from jinan_eval_gui.outputs import workbook as export
from jinan_eval_gui.scoring import engine

CAT = catalogue.load()


def _policy_values() -> dict[int, dict]:
    values = synthetic_values(CAT, seed=11)
    # a whole level-2 group unreported: every indicator of the first multi-indicator group
    group = next(l2 for l2 in CAT.level2 if len(CAT.indicators_of(l2.id)) >= 2
                 and CAT.level1_of(l2.id).kind == "weighted")
    for ind in CAT.indicators_of(group.id):
        values[ind.id] = {}
    # one indicator missing elsewhere
    other = next(i for i in CAT.indicators if i.kind == "scored" and i.parent != group.id
                 and len(CAT.indicators_of(i.parent)) >= 2)
    values[other.id] = {}
    # 65: one blank input; 66: a unit that did not report
    values[65].pop("leaks")
    values[66] = {k: list(v) for k, v in values[66].items()}
    for v in values[66].values():
        v[0] = None
    values[66]["has_cii"] = [None] + [Decimal(1)] * (len(values[66]["has_cii"]) - 1)
    values[66]["has_mechanism"] = [None] + [Decimal(0)] * (len(values[66]["has_mechanism"]) - 1)
    return values


def _recalculated(path: Path, tmp: Path) -> dict:
    stripped = tmp / "stripped.xlsx"
    _strip_cached_values(path, stripped)
    ws = openpyxl.load_workbook(convert(stripped, tmp / "lo"), data_only=True)["计算过程"]
    out = {}
    for ident, name, kind, cell in _calc_rows(ws):
        if kind in ("一级指标", "二级指标", "三级指标", "三级指标（扣分）"):
            out[ident] = cell.value
        elif kind == "合计":
            out[name] = cell.value
    return out


def _cents(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(round(value, 6))).quantize(Decimal("0.01"))


def _expected(res) -> dict:
    exp: dict = {r.id: r.score for r in res.indicators.values()}
    for g in [*res.level2, *res.level1]:
        if g.kind == "deduction":
            exp[g.id] = engine.round2(sum((t.score for t in g.terms), Decimal(0)))
        else:
            exp[g.id] = g.score
    exp.update({"加权得分": res.subtotal, "扣分": res.deductions, "总分": res.total})
    return exp


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("choices", [
    {"G1": "renormalise", "A77": "target", "G2": "resupply"},
    {"G1": "zero", "G2": "cap"},
], ids=["renormalise-target-resupply", "zero-cap"])
def test_libreoffice_recomputes_the_chosen_policies(tmp_path: Path, choices):
    values = _policy_values()
    res = engine.score(CAT, values, choices=choices, entity="济南市")
    assert res.indicators[65].status == res.indicators[66].status == "missing"
    if choices["G1"] == "renormalise":
        assert any(g.score is None for g in res.level2)  # a group left out one level up
        assert res.variants == {77: "target"}
    path = export.export_workbook(CAT, {"济南市": res}, tmp_path / "policies.xlsx",
                                  values_by_entity={"济南市": values})
    got = _recalculated(path, tmp_path)
    expected = _expected(res)
    assert set(got) == set(expected)
    wrong = {k: (got[k], v) for k, v in expected.items() if _cents(got[k]) != v}
    assert not wrong
