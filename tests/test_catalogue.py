"""The built-in catalogue against the seed, and each invariant refused with a clear message."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from jinan_eval_gui import catalogue
from jinan_eval_gui.errors import CatalogueError

# Worked by hand from the seed's 附件 table.
LEVEL1 = {"民生服务": 21, "精准治理": 13, "生态宜居": 6, "智能设施（有机生命体）": 16,
          "信息安全": 0, "智慧城市建设合力": 5, "数字经济": 16, "市民满意度": 23}
LEVEL2_WEIGHTS = {
    "政务服务“一网通办”": 15, "交通服务": 12, "社保服务": 6, "医疗服务": 18, "教育服务": 12,
    "就业服务": 6, "城市服务": 15, "帮扶服务": 6, "智慧社区": 10, "城市管理“一网统管”": 40,
    "社会治理一网通管": 15, "公共安全": 25, "社会信用平台建设": 20, "城市生态环境监测能力": 55,
    "绿色节能": 45, "新一代信息基础设施": 60, "时空信息平台": 15, "数据汇聚共享": 15,
    "数据生态": 10, "网络安全保障能力": None, "数据安全保障能力": None, "体制机制": 100,
    "产业发展": 30, "产业聚集区建设": 20, "创新能力": 50, "——": None,
}
LEVEL3_WEIGHTS = (
    [25] * 4 + [20, 20, 15, 15, 15, 15] + [30, 30, 40] + [15, 15, 15, 15, 20, 20] + [50, 50]
    + [70, 30] + [30, 30, 40] + [50, 50] + [100] + [20, 20, 20, 15, 10, 15] + [50, 50]
    + [25] * 4 + [30, 30, 40] + [25] * 4 + [100] + [10] * 8 + [20] + [50, 50] + [30, 30, 40]
    + [100] + [None, None] + [10] * 10 + [35, 35, 10, 10, 10] + [50, 50] + [30, 30, 20, 20]
    + [None]
)
SOME_UNITS = {
    1: ["市大数据局", "市行政审批服务局"], 11: ["市人力资源社会保障局"], 25: ["市大数据局", "第三方运营企业"],
    26: ["山东一卡通公司济南分公司"], 31: ["市应急局", "市委政法委", "市公安局"],
    32: ["市住房城乡建设局", "市水务局", "国家电网济南公司"], 54: ["市工业和信息化局"],
    58: ["市工业和信息化局"], 76: ["市财政局", "市投资促进局"], 88: ["市工业和信息化局"],
}


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def test_structure_matches_seed(cat):
    assert len(cat.level1) == 8 and len(cat.level2) == 26 and len(cat.indicators) == 88
    assert [i.id for i in cat.indicators] == list(range(1, 89))
    assert {l1.name: int(l1.weight) for l1 in cat.level1} == LEVEL1
    assert {l2.name: (None if l2.weight is None else int(l2.weight)) for l2 in cat.level2} \
        == LEVEL2_WEIGHTS
    assert len(LEVEL3_WEIGHTS) == 88
    for ind, weight in zip(cat.indicators, LEVEL3_WEIGHTS, strict=True):
        assert (None if ind.weight is None else int(ind.weight)) == weight, ind.id


def test_units(cat):
    for ind_id, units in SOME_UNITS.items():
        assert list(cat.units_of(cat.indicator(ind_id))) == units, ind_id
    assert cat.units_of(cat.indicator(66)) == cat.unit_names  # 各有关部门
    notes = {ref.note for ref in cat.indicator(54).unit_refs + cat.indicator(58).unit_refs}
    assert notes == {"委托第三方机构测试", "通信网络处"}
    assert len(cat.units) == 29
    for ind in cat.indicators:
        assert cat.units_of(ind), ind.id


def test_kinds_not_ids(cat):
    kinds = {i.id: i.kind for i in cat.indicators if i.kind != "scored"}
    assert kinds == {65: "deduction", 66: "deduction", 88: "survey"}
    assert [l1.name for l1 in cat.level1 if l1.kind == "deduction"] == ["信息安全"]


def test_cli_json_contract():
    out = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "catalog", "show", "--json"],
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    assert [r["id"] for r in rows] == list(range(1, 89))
    first = rows[0]
    assert set(first) == {"id", "name", "weight", "level1", "level2", "units", "collect",
                          "inputs", "assumptions"}
    assert {"key", "label", "unit", "kind", "required"} <= set(first["inputs"][0])
    table = next(i for r in rows for i in r["inputs"] if i["kind"] == "table")
    assert table["columns"] and all("key" in c and "label" in c for c in table["columns"])
    assert rows[65]["collect"] == "per_unit"  # indicator 66: every unit reports its own
    assert any(r["assumptions"] for r in rows)
    assert first["level1"] == {"name": "民生服务", "weight": 21}
    assert first["level2"] == {"name": "政务服务“一网通办”", "weight": 15}
    assert rows[64]["weight"] is None and rows[65]["weight"] is None
    assert rows[87]["level2"]["weight"] is None
    assert rows[87]["level1"] == {"name": "市民满意度", "weight": 23}
    for row in rows:
        assert row["name"] and " " not in row["name"] and "\n" not in row["name"]


def test_cli_tree_and_check(tmp_path):
    out = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "catalog", "show"],
                         capture_output=True, text=True, check=True).stdout
    assert "民生服务（21%）" in out and "88. 市民体验调查" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta\nversion = 1", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "catalog", "check", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "格式有误" in proc.stderr and "Traceback" not in proc.stderr


def test_hash_ignores_layout_but_not_content(cat):
    raw = catalogue.read_raw(catalogue.default_dir())
    assert catalogue.build(copy.deepcopy(raw)).hash == cat.hash
    raw["indicator"][0]["name"] += "X"
    assert catalogue.build(raw).hash != cat.hash


def test_every_indicator_has_inputs_rule_and_assumption_where_needed(cat):
    for ind in cat.indicators:
        assert ind.inputs, ind.id
        assert ind.score.names, ind.id
        if ind.params:
            assert ind.assumption, ind.id


# -- each invariant is refused with a message naming the indicator and the field ---------
def _raw():
    return copy.deepcopy(catalogue.read_raw(catalogue.default_dir()))


def _ind(raw, ind_id):
    return next(e for e in raw["indicator"] if e["id"] == ind_id)


def _refused(raw, *fragments):
    with pytest.raises(CatalogueError) as info:
        catalogue.build(raw)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_level3_weights_must_sum_to_100():
    raw = _raw()
    _ind(raw, 7)["weight"] = 16
    _refused(raw, "交通服务", "101")


def test_level2_weights_must_sum_to_100():
    raw = _raw()
    next(e for e in raw["level2"] if e["name"] == "教育服务")["weight"] = 11
    _refused(raw, "民生服务", "99")


def test_level1_weights_must_sum_to_100():
    raw = _raw()
    raw["level1"][0]["weight"] = 20
    _refused(raw, "一级指标权重之和", "99")


def test_duplicate_indicator_id():
    raw = _raw()
    raw["indicator"].append(copy.deepcopy(_ind(raw, 3)))
    _refused(raw, "3", "重复")


def test_unknown_unit():
    raw = _raw()
    _ind(raw, 9)["units"] = [{"name": "市城市管理局"}]
    _refused(raw, "三级指标 9", "市城市管理局", "名录")


def test_missing_parent():
    raw = _raw()
    _ind(raw, 12)["parent"] = "L9.9"
    _refused(raw, "三级指标 12", "L9.9", "不存在")


def test_empty_name():
    raw = _raw()
    _ind(raw, 40)["name"] = "  "
    _refused(raw, "三级指标 40", "name", "为空")


def test_missing_score_rule():
    raw = _raw()
    del _ind(raw, 21)["score"]
    _refused(raw, "三级指标 21", "评分规则")


def test_rule_with_unknown_name():
    raw = _raw()
    _ind(raw, 21)["score"] = {"expr": "100 * CAPRATIO(nothing_here, 3)"}
    _refused(raw, "三级指标 21", "nothing_here")


def test_constant_rule_refused():
    raw = _raw()
    _ind(raw, 21)["score"] = {"expr": "100"}
    _ind(raw, 21).pop("steps", None)
    _refused(raw, "三级指标 21", "常数")


def test_target_without_assumption_refused():
    raw = _raw()
    entry = next(e for e in raw["indicator"] if e.get("params"))
    entry["assumption"] = ""
    _refused(raw, f"三级指标 {entry['id']}", "assumption")


def test_weight_decimal_values_json():
    assert catalogue.model._num(Decimal("12.5")) == 12.5 and catalogue.model._num(Decimal(25)) == 25


# ---------------------------------------------------------------------------------------
# Parameters carry Chinese names (people never see a parameter's key)
# ---------------------------------------------------------------------------------------
def test_every_parameter_has_a_chinese_name(cat):
    ind = cat.indicator(4)
    assert ind.param_labels == {"n": "参评城市数", "floor": "末名得分率"}
    for ind in cat.indicators:
        assert set(ind.param_labels) == set(ind.params), ind.id
        assert all(label and not label.isascii() for label in ind.param_labels.values()), ind.id


def test_parameter_without_name_refused():
    raw = _raw()
    _ind(raw, 4)["param_labels"].pop("floor")
    _refused(raw, "三级指标 4", "参数“floor”", "中文名称")


def test_name_of_unknown_parameter_refused():
    raw = _raw()
    _ind(raw, 4)["param_labels"]["flor"] = "末名得分率"
    _refused(raw, "三级指标 4", "未定义的参数", "flor")


def test_old_snapshot_without_names_still_builds(cat):
    """A round file made before parameters had names: its snapshot opens, names are borrowed
    from the built-in catalogue (else 参数1, 参数2 …), and its hash is unchanged."""
    raw = json.loads(cat.canonical_json)
    for entry in raw["indicator"]:
        entry.pop("param_labels", None)
    _ind(raw, 17)["params"]["extra"] = 1  # a parameter today's catalogue does not know
    with pytest.raises(CatalogueError):
        catalogue.build(copy.deepcopy(raw))
    old = catalogue.build(copy.deepcopy(raw), lenient_labels=True)
    assert old.indicator(4).param_labels == {"floor": "末名得分率", "n": "参评城市数"}
    assert old.indicator(17).param_labels["extra"].startswith("参数")
    assert old.hash == catalogue.build(copy.deepcopy(raw), lenient_labels=True).hash
    assert "param_labels" not in old.canonical_json


def test_round_with_an_old_snapshot_opens_and_scores(cat, tmp_path):
    import hashlib

    from jinan_eval_gui import workflow
    from jinan_eval_gui.store import Round

    raw = json.loads(cat.canonical_json)
    for entry in raw["indicator"]:
        entry.pop("param_labels", None)
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with Round.create(tmp_path / "旧轮次.jeval", name="旧轮次", year=2024,
                      catalogue_version=cat.version, catalogue_hash=digest,
                      catalogue_json=text, params={}, entities=("济南市",)) as rnd:
        old = workflow.round_catalogue(rnd)
        assert old.hash == digest
        assert old.indicator(4).param_labels["floor"] == "末名得分率"
        assert workflow.score_round(rnd)["济南市"].total >= 0
