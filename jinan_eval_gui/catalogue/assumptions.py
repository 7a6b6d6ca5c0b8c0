"""The assumption register: every decision the indicator system leaves open, as data.

《济南市新型智慧城市评价指标体系（试行）》 gives weights and 评估方法 but leaves decisions open: targets
where it says only 综合评估, how a rank becomes points, how sub-items are weighted, how much 信息安全
deducts (it says 酌情扣分), what to do when data is missing. Each such decision is an
:class:`Assumption` in ``resources/catalogue/assumptions.toml``: a stable id, the indicators it
affects, a plain-Chinese text, the parameters whose values it fixes, and its choices, each with
its origin (指标体系原文 where the text prescribes it, 工具默认 where the tool chose). The office
reviews and confirms them per round (the round keeps choices and confirmations); until then the
report is a 征求意见稿.

A choice acts through data only: ``variants`` selects a named alternative reading of an
indicator's rule (``[[indicator.variants]]`` in the scoring files) and ``settings`` sets one of the
engine's policies (:data:`SETTINGS`). No code knows a particular assumption.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinan_eval_gui.errors import CatalogueError

ORIGINS = ("指标体系原文", "工具默认")
"""Where a choice comes from; a confirmed choice is shown as 本轮确认 (see the workflow)."""

CATEGORIES = ("计分方式", "目标值", "名次换算", "评分细则", "分项权重", "扣分标准", "适用范围",
              "缺报处理", "时间口径", "计算约定", "调查方法")
"""Kinds of open decision, in the order the register lists them."""

SETTINGS: dict[str, dict[str, str]] = {
    "missing_policy": {
        "zero": "缺报或数据有误的指标计 0 分（按“缺报或数据有误指标的计分”参数）",
        "renormalise": "缺报或数据有误的指标不计入，其权重在同级已报指标间重新归一",
    },
    "deduction_blanks": {
        "resupply": "扣分制指标的填报项留空视为缺报、须补报：按已报数据扣分并在完整性中列出",
        "cap": "扣分制指标的填报项留空按该指标扣分上限扣分",
        "zero": "扣分制指标的填报项留空不扣分",
    },
    # the survey's method (市民体验调查): read by the survey's scoring, not by the engine
    "survey_weighting": {
        "poststrat": "市民调查按已录入的人口比例事后分层加权（多个属性时迭代比例拟合）",
        "none": "市民调查不加权，每份有效答卷同等计",
    },
    "survey_interval": {
        "bootstrap": "市民调查综合得分的95%置信区间用自助法（固定随机数起始值）",
        "analytic": "市民调查综合得分的95%置信区间用正态近似（线性化方差）",
    },
    "survey_unknown": {
        "exclude": "市民调查中“不了解/不适用”的回答不计入该题得分（不算0分，也不计入分母）",
        "neutral": "市民调查中“不了解/不适用”的回答按该题分值的中间档计分",
    },
}
"""The policies a choice may set (the engine's, and the survey's method), each with its values
(described in Chinese)."""

SETTING_DEFAULTS = {"missing_policy": "zero", "deduction_blanks": "resupply",
                    "survey_weighting": "poststrat", "survey_interval": "bootstrap",
                    "survey_unknown": "exclude"}
"""What the engine does when a catalogue registers no assumption for a setting (old rounds)."""

_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


@dataclass(frozen=True)
class Choice:
    """One way to settle an assumption and what it changes when chosen."""

    key: str
    label: str
    origin: str
    variants: Mapping[int, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Assumption:
    """One open decision of the indicator system, with its choices (the first listed is not
    necessarily the default: see ``default``)."""

    id: str
    category: str
    title: str
    text: str
    indicators: tuple[int, ...]
    params: tuple[str, ...]
    choices: tuple[Choice, ...]
    default: str

    def choice(self, key: str) -> Choice:
        """The choice named ``key`` (KeyError if the assumption has none)."""
        for choice in self.choices:
            if choice.key == key:
                return choice
        raise KeyError(key)

    @property
    def default_choice(self) -> Choice:
        return self.choice(self.default)


def build_assumptions(entries: list[Mapping[str, Any]], indicators: Mapping[int, Any],
                      parameter_keys: set[str]) -> tuple[Assumption, ...]:
    """Validate the register against the catalogue: known indicators, parameters, variants.

    ``indicators`` maps ids to :class:`~.model.Indicator` (for texts, params and variants);
    ``parameter_keys`` are every round parameter key (globals and ``<id>.<name>``).
    """
    out: list[Assumption] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        aid = entry.get("id")
        where = f"评分口径假设“{aid or n}”"
        if not isinstance(aid, str) or not _ID_RE.match(aid):
            raise CatalogueError(f"{where}的编号无效", hint="编号为大写字母开头的 2–8 位字母或数字，如 A48、G1")
        if aid in seen:
            raise CatalogueError(f"{where}的编号重复", hint="每个编号只能出现一次，且发布后不再更改")
        seen.add(aid)
        category = entry.get("category", "")
        if category not in CATEGORIES:
            raise CatalogueError(f"{where}的类别“{category}”无效", hint="可选：" + "、".join(CATEGORIES))
        ids = tuple(entry.get("indicators", []))
        unknown = [i for i in ids if i not in indicators]
        if unknown:
            raise CatalogueError(f"{where}引用了不存在的三级指标：{unknown}")
        params = _params(entry, ids, indicators, parameter_keys, where)
        text = str(entry.get("text", "")).strip()
        if not text and len(ids) == 1:
            text = indicators[ids[0]].assumption  # the indicator's own 评分口径 states it
        if not text:
            raise CatalogueError(f"{where}没有说明文字（text）")
        title = str(entry.get("title", "")).strip() or _title(ids, indicators, category)
        choices = _choices(entry, ids, indicators, where)
        default = entry.get("default", choices[0].key)
        if default not in {c.key for c in choices}:
            raise CatalogueError(f"{where}的默认选择“{default}”不在可选项中")
        out.append(Assumption(aid, category, title, text, ids, params, choices, default))
    _check_variants_registered(out, indicators)
    return tuple(out)


def _params(entry: Mapping[str, Any], ids: tuple[int, ...], indicators: Mapping[int, Any],
            parameter_keys: set[str], where: str) -> tuple[str, ...]:
    """The parameters an assumption fixes: listed, or by default all of its one indicator's."""
    if "params" in entry:
        params = tuple(entry["params"])
    elif len(ids) == 1:
        params = tuple(f"{ids[0]}.{name}" for name in indicators[ids[0]].params)
    else:
        params = ()
    unknown = [p for p in params if p not in parameter_keys]
    if unknown:
        raise CatalogueError(f"{where}引用了不存在的参数：{'、'.join(unknown)}")
    return params


def _title(ids: tuple[int, ...], indicators: Mapping[int, Any], category: str) -> str:
    if len(ids) == 1:
        return f"指标 {ids[0]}“{indicators[ids[0]].name}”的{category}"
    return category


def _choices(entry: Mapping[str, Any], ids: tuple[int, ...], indicators: Mapping[int, Any],
             where: str) -> tuple[Choice, ...]:
    """The assumption's choices; one implicit choice (the tool's reading) when none is listed."""
    raw = entry.get("choices") or [{"key": "default", "label": "按说明中的取定",
                                     "origin": entry.get("origin", "工具默认")}]
    out = []
    for c in raw:
        key, label, origin = c.get("key", ""), str(c.get("label", "")).strip(), c.get("origin")
        if not key or not label:
            raise CatalogueError(f"{where}的可选项缺少 key 或 label")
        if origin not in ORIGINS:
            raise CatalogueError(f"{where}的可选项“{label}”来源（origin）无效",
                                 hint="可选：" + "、".join(ORIGINS))
        variants = {int(k): str(v) for k, v in (c.get("variants") or {}).items()}
        for ind_id, variant in variants.items():
            if ind_id not in ids:
                raise CatalogueError(f"{where}的可选项“{label}”改变了未列入本假设的指标 {ind_id}")
            if variant and variant not in indicators[ind_id].variants:
                raise CatalogueError(f"{where}的可选项“{label}”引用了指标 {ind_id} 不存在的计分方式“{variant}”")
        settings = dict(c.get("settings") or {})
        for name, value in settings.items():
            if value not in SETTINGS.get(name, {}):
                raise CatalogueError(f"{where}的可选项“{label}”设置了未知的计分规则“{name} = {value}”")
        out.append(Choice(str(key), label, origin, variants, settings))
    if len({c.key for c in out}) != len(out):
        raise CatalogueError(f"{where}的可选项 key 重复")
    return tuple(out)


def _check_variants_registered(assumptions: list[Assumption],
                               indicators: Mapping[int, Any]) -> None:
    """Every alternative reading of an indicator is reachable through some assumption's choice,
    so no reading can be switched on without the register showing it."""
    reachable = {(i, v) for a in assumptions for c in a.choices for i, v in c.variants.items()}
    for ind in indicators.values():
        for key in ind.variants:
            if (ind.id, key) not in reachable:
                raise CatalogueError(f"三级指标 {ind.id} 的计分方式“{key}”没有登记在评分口径假设中",
                                     hint="请在 assumptions.toml 中为它添加可选项")
