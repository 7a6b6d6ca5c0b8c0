"""Reading the catalogue from ``resources/catalogue/*.toml`` and refusing a broken one.

Every invariant (unique ids, weights summing to 100, rules naming only known inputs, units in
the directory) is checked here, with a Chinese message naming the indicator and the field, so
the rest of the program can trust a :class:`~.model.Catalogue` once it exists.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import CatalogueError, RuleError
from jinan_eval_gui.system import paths

from . import rules
from .assumptions import build_assumptions
from .model import (
    _ASSUMPTION_FUNCTIONS,
    _KEY_RE,
    COLLECT_MODES,
    INDICATOR_KINDS,
    INPUT_KINDS,
    LEVEL1_KINDS,
    Catalogue,
    Check,
    Indicator,
    InputSpec,
    Level1,
    Level2,
    Option,
    ParameterSpec,
    Step,
    Unit,
    UnitRef,
    Variant,
)


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------
def default_dir() -> Path:
    return paths.resource("catalogue")


def load(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue from a folder, its ``catalogue.toml`` or one merged file."""
    raw = read_raw(Path(path) if path is not None else default_dir())
    return build(raw)


def read_raw(path: Path) -> dict[str, Any]:
    """Merge the catalogue's TOML files into one plain dict (indicators merged by id)."""
    if path.is_dir():
        files = [path / "catalogue.toml", path / "units.toml", path / "indicators.toml",
                 path / "parameters.toml", *sorted((path / "scoring").glob("*.toml")),
                 path / "assumptions.toml"]
        files = [f for f in files if f.exists()]
        if not files:
            raise CatalogueError(f"文件夹“{path}”中没有指标体系文件（catalogue.toml 等）")
    elif path.name == "catalogue.toml":
        return read_raw(path.parent)
    elif path.is_file():
        files = [path]
    else:
        raise CatalogueError(f"找不到指标体系文件“{path}”", hint="请检查路径是否正确")
    merged: dict[str, Any] = {"meta": {}, "level1": [], "level2": [], "unit": [], "parameter": [],
                              "assumption": []}
    indicators: dict[int, dict[str, Any]] = {}
    order: list[int] = []
    for file in files:
        data = _read_toml(file)
        merged["meta"].update(data.get("meta", {}))
        for key in ("level1", "level2", "unit", "parameter", "assumption"):
            merged[key].extend(data.get(key, []))
        for entry in data.get("indicator", []):
            ind_id = entry.get("id")
            if not isinstance(ind_id, int):
                raise CatalogueError(f"文件“{file.name}”中有三级指标缺少整数编号（id）")
            target = indicators.setdefault(ind_id, {})
            if ind_id not in order:
                order.append(ind_id)
            for key, value in entry.items():
                if key in target and key != "id":
                    raise CatalogueError(f"三级指标 {ind_id} 的字段“{key}”在多个文件中重复定义"
                                         f"（{file.name}）")
                target[key] = value
    merged["indicator"] = [indicators[i] for i in order]
    return merged


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"指标体系文件“{file.name}”格式有误：{exc}",
                             hint="请用文本编辑器检查该行的引号、括号和逗号") from exc
    except UnicodeDecodeError as exc:  # an .xlsx, a .doc, a GBK text: not our TOML
        raise CatalogueError(f"“{file.name}”不是指标体系文件（应为 UTF-8 编码的 TOML 文本）",
                             hint="请选择指标体系文件夹或其中的 .toml 文件") from exc
    except OSError as exc:
        raise CatalogueError(f"无法读取指标体系文件“{file}”：{exc.strerror}") from exc


def _dec(value: Any, where: str, field_name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CatalogueError(f"{where}的“{field_name}”应为数值，实际为“{value}”")
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise CatalogueError(f"{where}的“{field_name}”应为数值，实际为“{value}”") from exc


def _opt_dec(entry: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    value = entry.get(key)
    return None if value is None else _dec(value, where, key)


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise CatalogueError(f"{where}的“{key}”应为文字")
    value = value.strip()
    if required and not value:
        raise CatalogueError(f"{where}的“{key}”为空", hint="请补充该字段")
    return value


def build(raw: dict[str, Any], *, lenient_labels: bool = False) -> Catalogue:
    """Turn merged raw data into a validated :class:`Catalogue` (or raise CatalogueError).

    ``lenient_labels``: a round file's snapshot from before parameters had Chinese names
    (``param_labels``) still opens; see :func:`_param_labels`.
    """
    meta = raw.get("meta", {})
    version = _text(meta, "version", "指标体系元数据（meta）")
    units = _build_units(raw.get("unit", []))
    level1 = _build_level1(raw.get("level1", []))
    level2 = _build_level2(raw.get("level2", []), {l1.id for l1 in level1})
    known_units = {u.name for u in units}
    indicators = tuple(_build_indicator(e, {l2.id for l2 in level2}, known_units,
                                        lenient_labels=lenient_labels)
                       for e in raw.get("indicator", []))
    parameters = tuple(_build_parameter(e) for e in raw.get("parameter", []))
    parameter_keys = {p.key for p in parameters} | {
        f"{ind.id}.{name}" for ind in indicators for name in ind.params}
    assumptions = build_assumptions(raw.get("assumption", []), {i.id: i for i in indicators},
                                    parameter_keys)
    cat = Catalogue(
        title=_text(meta, "title", "指标体系元数据（meta）"), version=version,
        source=_text(meta, "source", "指标体系元数据（meta）", required=False),
        level1=level1, level2=level2, indicators=tuple(sorted(indicators, key=lambda i: i.id)),
        units=units, parameters=parameters, raw=raw, assumptions=assumptions,
    )
    _validate_tree(cat)
    return cat


def _unique(ids: Iterable[Any], what: str) -> None:
    seen: set[Any] = set()
    for item in ids:
        if item in seen:
            raise CatalogueError(f"{what}编号“{item}”重复", hint="每个编号只能出现一次")
        seen.add(item)


def _build_units(entries: list[dict[str, Any]]) -> tuple[Unit, ...]:
    units = []
    for n, entry in enumerate(entries, 1):
        where = f"责任单位第 {n} 项"
        kind = entry.get("kind", "government")
        if kind not in ("government", "enterprise"):
            raise CatalogueError(f"{where}的“kind”应为 government 或 enterprise")
        units.append(Unit(_text(entry, "name", where), kind, tuple(entry.get("aliases", []))))
    _unique((u.name for u in units), "责任单位")
    if not units:
        raise CatalogueError("指标体系中没有责任单位（unit）")
    return tuple(units)


def _build_level1(entries: list[dict[str, Any]]) -> tuple[Level1, ...]:
    out = []
    for n, entry in enumerate(entries, 1):
        where = f"一级指标“{entry.get('name') or entry.get('id') or n}”"
        kind = entry.get("kind", "weighted")
        if kind not in LEVEL1_KINDS:
            raise CatalogueError(f"{where}的类型“{kind}”无效，应为 weighted 或 deduction")
        out.append(Level1(_text(entry, "id", where), _text(entry, "name", where),
                          _dec(entry.get("weight", 0), where, "weight"), kind))
    _unique((l1.id for l1 in out), "一级指标")
    if not out:
        raise CatalogueError("指标体系中没有一级指标")
    return tuple(out)


def _build_level2(entries: list[dict[str, Any]], level1_ids: set[str]) -> tuple[Level2, ...]:
    out = []
    for n, entry in enumerate(entries, 1):
        where = f"二级指标“{entry.get('name') or entry.get('id') or n}”"
        parent = _text(entry, "parent", where)
        if parent not in level1_ids:
            raise CatalogueError(f"{where}的上级指标“{parent}”不存在", hint="请检查 parent 字段")
        out.append(Level2(_text(entry, "id", where), parent, _text(entry, "name", where),
                          _opt_dec(entry, "weight", where)))
    _unique((l2.id for l2 in out), "二级指标")
    return tuple(out)


def _build_parameter(entry: dict[str, Any]) -> ParameterSpec:
    where = f"评价参数“{entry.get('key', '?')}”"
    return ParameterSpec(
        key=_text(entry, "key", where), label=_text(entry, "label", where),
        default=_dec(entry.get("default"), where, "default"),
        min=_opt_dec(entry, "min", where), max=_opt_dec(entry, "max", where),
        hint=_text(entry, "hint", where, required=False),
    )


def _build_input(entry: dict[str, Any], where: str, known_units: set[str]) -> InputSpec:
    key = entry.get("key", "")
    where_in = f"{where}的填报项“{key or entry.get('label', '?')}”"
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise CatalogueError(f"{where_in}的键名（key）无效，应以小写字母开头，只含小写字母、数字和下划线")
    kind = entry.get("kind")
    if kind not in INPUT_KINDS:
        raise CatalogueError(f"{where_in}的类型“{kind}”无效", hint="可选：" + "、".join(INPUT_KINDS))
    options = tuple(Option(_text(o, "label", where_in), _dec(o.get("value"), where_in, "value"))
                    for o in entry.get("options", []))
    if kind == "choice" and not options:
        raise CatalogueError(f"{where_in}为选项类型，但没有列出选项（options）")
    columns = tuple(_build_input(c, where_in, known_units) for c in entry.get("columns", []))
    if kind == "table" and not columns:
        raise CatalogueError(f"{where_in}为明细表类型，但没有列（columns）")
    owner = entry.get("owner", "")
    if owner and owner not in known_units:
        raise CatalogueError(f"{where_in}的填报单位（owner）“{owner}”不在责任单位名录中")
    spec = InputSpec(
        key=key, label=_text(entry, "label", where_in), kind=kind,
        unit=_text(entry, "unit", where_in, required=False),
        min=_opt_dec(entry, "min", where_in), max=_opt_dec(entry, "max", where_in),
        required=bool(entry.get("required", True)),
        hint=_text(entry, "hint", where_in, required=False), options=options, columns=columns,
        max_rows=int(entry.get("max_rows", 30 if kind == "table" else 0)), owner=owner,
    )
    lo, hi = spec.bounds()
    if lo is not None and hi is not None and lo > hi:
        raise CatalogueError(f"{where_in}的下限大于上限")
    return spec


def _parse(expr: Any, where: str) -> rules.Rule:
    if not isinstance(expr, str) or not expr.strip():
        raise CatalogueError(f"{where}为空", hint="请填写表达式")
    return rules.parse(expr, where=where)


def _build_indicator(entry: dict[str, Any], level2_ids: set[str],
                     known_units: set[str], *, lenient_labels: bool = False) -> Indicator:
    ind_id = entry["id"]
    where = f"三级指标 {ind_id}"
    name = _text(entry, "name", where)
    parent = _text(entry, "parent", where)
    if parent not in level2_ids:
        raise CatalogueError(f"{where}（{name}）的上级指标“{parent}”不存在", hint="请检查 parent 字段")
    kind = entry.get("kind", "scored")
    if kind not in INDICATOR_KINDS:
        raise CatalogueError(f"{where}（{name}）的类型“{kind}”无效", hint="可选：" + "、".join(INDICATOR_KINDS))
    refs = []
    for ref in entry.get("units", []):
        unit_name = ref.get("name", "") if isinstance(ref, dict) else str(ref)
        if unit_name not in known_units:
            raise CatalogueError(f"{where}（{name}）的责任单位“{unit_name}”不在责任单位名录（units.toml）中",
                                 hint="请先在名录中添加该单位，或更正名称")
        refs.append(UnitRef(unit_name, ref.get("note", "") if isinstance(ref, dict) else ""))
    all_units = bool(entry.get("all_units", False))
    if not refs and not all_units:
        raise CatalogueError(f"{where}（{name}）没有责任单位（units）")
    collect = entry.get("collect", "shared")
    if collect not in COLLECT_MODES:
        raise CatalogueError(f"{where}（{name}）的采集方式“{collect}”无效，应为 shared 或 per_unit")
    params = {k: _dec(v, f"{where}（{name}）的参数", k) for k, v in entry.get("params", {}).items()}
    inputs = tuple(_build_input(e, f"{where}（{name}）", known_units) for e in entry.get("inputs", []))
    _unique((i.key for i in inputs), f"{where} 的填报项")
    score_entry = entry.get("score")
    if not isinstance(score_entry, dict):
        raise CatalogueError(f"{where}（{name}）没有评分规则（score）", hint="每个三级指标都必须有评分规则")
    steps = _build_steps(entry, f"{where}（{name}）")
    checks = tuple(Check(_parse(c.get("expr"), f"{where}（{name}）的校验规则"),
                         _text(c, "message", f"{where} 的校验规则"), c.get("severity", "error"))
                   for c in entry.get("checks", []))
    ind = Indicator(
        id=ind_id, parent=parent, name=name, weight=_opt_dec(entry, "weight", where), kind=kind,
        description=_text(entry, "description", f"{where}（{name}）"),
        method=_text(entry, "method", f"{where}（{name}）"),
        attribute=_text(entry, "attribute", where, required=False),
        codes=tuple(entry.get("codes", [])), unit_refs=tuple(refs), all_units=all_units,
        assumption=_text(entry, "assumption", where, required=False), collect=collect,
        params=params, inputs=inputs, checks=checks, steps=steps,
        score=_parse(score_entry.get("expr"), f"{where}（{name}）的评分规则"),
        param_labels=_param_labels(entry, params, f"{where}（{name}）", lenient_labels),
        variants=_build_variants(entry, f"{where}（{name}）"),
        max_deduction=_text(entry, "max_deduction", where, required=False),
    )
    if ind.max_deduction and ind.max_deduction not in ind.params:
        raise CatalogueError(f"{where}（{name}）的扣分上限参数“{ind.max_deduction}”不在本指标的参数中")
    _validate_rules(ind)
    for variant in ind.variants.values():
        _validate_rules(replace(ind, steps=variant.steps, score=variant.score, variants={}),
                        f"的计分方式“{variant.label}”")
    return ind


def _param_labels(entry: Mapping[str, Any], params: Mapping[str, Decimal], where: str,
                  lenient: bool) -> dict[str, str]:
    """The Chinese name of every parameter: required, because people never see the key.

    A snapshot from before names existed (``lenient``) borrows the built-in catalogue's name
    of the same indicator's parameter, else a neutral 参数1, 参数2 …, so old rounds open.
    """
    given = entry.get("param_labels", {})
    if not isinstance(given, dict):
        raise CatalogueError(f"{where}的参数名称（param_labels）应写成 {{ 参数 = \"名称\" }}")
    unknown = sorted(set(given) - set(params))
    if unknown:
        raise CatalogueError(f"{where}的参数名称（param_labels）中有未定义的参数：{'、'.join(unknown)}",
                             hint="请删除多余的名称，或在 params 中补上该参数")
    labels = {}
    for n, key in enumerate(params, 1):
        label = given.get(key)
        if label is None and lenient:
            label = _builtin_param_labels().get((entry.get("id"), key)) or f"参数{n}"
        if not isinstance(label, str) or not label.strip():
            raise CatalogueError(f"{where}的参数“{key}”没有中文名称",
                                 hint=f"请在 param_labels 中写明，如 {{ {key} = \"目标值\" }}")
        labels[key] = label.strip()
    return labels


@cache
def _builtin_param_labels() -> dict[tuple[int, str], str]:
    """Parameter names of the built-in catalogue (read, not built), for old snapshots."""
    try:
        raw = read_raw(default_dir())
    except CatalogueError:
        return {}
    return {(e.get("id"), key): label for e in raw.get("indicator", [])
            for key, label in (e.get("param_labels") or {}).items() if isinstance(label, str)}


def _build_steps(entry: Mapping[str, Any], where: str) -> tuple[Step, ...]:
    return tuple(Step(_text(s, "name", where), _text(s, "label", where, required=False),
                      _parse(s.get("expr"), f"{where}的中间量“{s.get('name')}”"))
                 for s in entry.get("steps", []))


def _build_variants(entry: Mapping[str, Any], where: str) -> dict[str, Variant]:
    """Named alternative readings (``[[indicator.variants]]``), each with steps and a score."""
    variants: dict[str, Variant] = {}
    for v in entry.get("variants", []):
        key = v.get("key", "")
        where_v = f"{where}的计分方式“{v.get('label') or key}”"
        if not isinstance(key, str) or not _KEY_RE.match(key) or key in variants:
            raise CatalogueError(f"{where_v}的键名（key）无效或重复")
        score_entry = v.get("score")
        if not isinstance(score_entry, dict):
            raise CatalogueError(f"{where_v}没有评分规则（score）")
        variants[key] = Variant(key, _text(v, "label", where_v), _build_steps(v, where_v),
                                _parse(score_entry.get("expr"), f"{where_v}的评分规则"))
    return variants


def _validate_rules(ind: Indicator, reading: str = "") -> None:
    """Every name a rule uses is defined before use; targets and rubrics are declared."""
    where = f"三级指标 {ind.id}（{ind.name}）{reading}"
    defined = {spec.key for spec in ind.inputs if spec.kind not in ("table", "text")}
    defined |= {f"{s.key}.{c.key}" for s in ind.inputs if s.kind == "table" for c in s.columns}
    defined |= set(ind.params)
    lists = ind.list_names
    for check in ind.checks:
        _require_names(check.rule, defined, f"{where}的校验规则")
    for step in ind.steps:
        _require_names(step.rule, defined, f"{where}的中间量“{step.name}”")
        if step.name in defined:
            raise CatalogueError(f"{where}的中间量名“{step.name}”与填报项或参数重名")
        defined.add(step.name)
    _require_names(ind.score, defined, f"{where}的评分规则")
    try:
        ind.score.check(lists)
        for step in ind.steps:
            step.rule.check(lists)
    except RuleError as exc:
        raise CatalogueError(str(exc)) from exc
    numeric_inputs = {s.key for s in ind.inputs if s.kind not in ("text",)}
    used = set().union(ind.score.names, *(s.rule.names for s in ind.steps))
    used_inputs = {n.split(".")[0] for n in used}
    if not used_inputs & numeric_inputs:
        raise CatalogueError(f"{where}的评分规则没有使用任何填报项", hint="不允许给指标赋常数分")
    functions = set().union(ind.score.functions, *(s.rule.functions for s in ind.steps))
    if (ind.params or functions & _ASSUMPTION_FUNCTIONS) and not ind.assumption:
        raise CatalogueError(f"{where}使用了目标值或评分细则，但没有写明评分口径（assumption）",
                             hint="请在 assumption 中说明取值依据")


def _require_names(rule: rules.Rule, defined: set[str], where: str) -> None:
    missing = sorted(rule.names - defined)
    if missing:
        raise CatalogueError(f"{where}引用了未定义的名称：{'、'.join(missing)}",
                             hint="名称应为本指标的填报项、参数或此前定义的中间量")


def _validate_tree(cat: Catalogue) -> None:
    """Counts, parents and sibling weights: the 指标体系's 一、二级指标下各分项权重之和均为100%."""
    _unique((ind.id for ind in cat.indicators), "三级指标")
    if not cat.indicators:
        raise CatalogueError("指标体系中没有三级指标")
    weighted = [l1 for l1 in cat.level1 if l1.kind == "weighted"]
    total = sum((l1.weight for l1 in weighted), Decimal(0))
    if total != 100:
        raise CatalogueError(f"一级指标权重之和为 {total}%，应为 100%",
                             hint="请调整 catalogue.toml 中一级指标的 weight")
    for l1 in cat.level1:
        children = cat.level2_of(l1.id)
        if not children:
            raise CatalogueError(f"一级指标“{l1.name}”下没有二级指标")
        if l1.kind == "weighted":
            _check_weights(l1.name, "一级指标", [(c.name, c.weight) for c in children])
    for l2 in cat.level2:
        children = cat.indicators_of(l2.id)
        if not children:
            raise CatalogueError(f"二级指标“{l2.name}”下没有三级指标")
        l1 = cat.level1_of(l2.id)
        kinds = {c.kind for c in children}
        if l1.kind == "deduction":
            if kinds != {"deduction"}:
                raise CatalogueError(f"扣分制一级指标“{l1.name}”下只能有扣分制三级指标"
                                     f"（二级指标“{l2.name}”）")
            continue
        if "deduction" in kinds:
            raise CatalogueError(f"扣分制三级指标只能放在扣分制一级指标下（二级指标“{l2.name}”）")
        _check_weights(l2.name, "二级指标", [(f"{c.id} {c.name}", c.weight) for c in children])


def _check_weights(parent: str, level: str, children: list[tuple[str, Decimal | None]]) -> None:
    """Siblings' weights sum to 100, or a sole child carries no weight (passes its score up)."""
    if len(children) == 1 and children[0][1] is None:
        return
    for name, weight in children:
        if weight is None:
            raise CatalogueError(f"{level}“{parent}”的下级指标“{name}”缺少权重（weight）")
        if weight < 0:
            raise CatalogueError(f"{level}“{parent}”的下级指标“{name}”权重为负数")
    total = sum((w for _, w in children if w is not None), Decimal(0))
    if total != 100:
        raise CatalogueError(f"{level}“{parent}”的下级指标权重之和为 {total}%，应为 100%",
                             hint="请调整各下级指标的 weight")
