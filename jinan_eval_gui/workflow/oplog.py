"""The round's operation log (操作记录) as people read it, filterable by action, unit and entity.

The log itself is the round's append-only audit log; here each entry gets its action's Chinese
name and a one-line summary, and the filters the window and ``jinan-eval log`` offer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.store import AuditEntry, Round

from .arrivals import shown_time

ACTION_LABELS = {
    "round.create": "新建评价轮次", "schema.migrate": "升级文件格式", "entity.add": "增加评价对象",
    "params.set": "修改评价参数", "template.record": "登记下发模板", "templates.issue": "下发模板",
    "import": "导入回传文件", "submission.add": "存档回传文件", "submission.status": "版本状态变更",
    "values.add": "记录填报值", "value.clear": "清除填报值", "values.import": "导入数据表",
    "conflict.add": "登记数据冲突", "conflict.resolve": "处理数据冲突",
    "override.set": "专家评分", "override.clear": "取消专家评分",
    "assumption.choose": "选择评分口径", "assumption.confirm": "确认评分口径",
    "contact.set": "修改单位联系人", "link.set": "设定上年度评价轮次",
    "link.clear": "取消上年度评价轮次", "reminder": "催报", "feedback": "生成反馈表",
    "version.restore": "恢复版本", "export": "导出结果", "round.restore": "从自动备份恢复",
    "entity.parents": "设定评价对象层级", "scenario.save": "保存试算情景",
    "scenario.delete": "删除试算情景", "survey.import": "导入市民调查",
    "survey.score": "计算市民调查得分", "survey.shares": "设定调查人口权重",
    "survey.clear": "清除市民调查数据",
}
OTHER = "其他操作"
"""The name of an action this list does not know yet (never its code)."""
#: The entries a person looks for first; the rest (values recorded, files stored one by one)
#: are the detail of an import and shown only when asked for (``detail=True``).
DETAIL_ACTIONS = frozenset({"submission.add", "values.add", "template.record",
                            "submission.status"})
_STATUS = {"imported": "导入", "updated": "更新", "unchanged": "未变化", "rejected": "拒绝",
           "held": "未接受/待确认", "skipped": "未采用"}


@dataclass(frozen=True)
class LogEntry:
    """One operation: when, who, what (Chinese name and summary), and the raw details."""

    id: int
    time: str
    actor: str
    action: str
    label: str
    summary: str
    units: tuple[str, ...]
    details: dict[str, Any]


def operation_log(rnd: Round, *, action: str | None = None, unit: str | None = None,
                  entity: str | None = None, detail: bool = False) -> list[LogEntry]:
    """The log, oldest first. ``action``: an action key (``import``) or its Chinese name
    (导入回传文件), or a prefix ending in "." (``assumption.``); ``unit``/``entity``: only
    entries about that unit/entity; ``detail``: also the per-file bookkeeping entries."""
    names = _parameter_names(rnd)
    out = []
    for e in rnd.audit_log():
        if action is not None and not _matches(e.action, action):
            continue
        if action is None and not detail and e.action in DETAIL_ACTIONS:
            continue
        units = _about(e.details, "unit")
        if unit is not None and unit not in units:
            continue
        if entity is not None and entity not in _about(e.details, "entity"):
            continue
        out.append(LogEntry(e.id, shown_time(e.ts), e.actor, e.action,
                            ACTION_LABELS.get(e.action, OTHER), summary(e, names), units,
                            e.details))
    return out


def _matches(key: str, wanted: str) -> bool:
    wanted = wanted.strip()
    if wanted.endswith("."):
        return key.startswith(wanted)
    return wanted in (key, ACTION_LABELS.get(key))


def _about(details: dict[str, Any], field: str) -> tuple[str, ...]:
    """The units (or entities) an entry is about: its own field, or its files' / units'."""
    found: list[str] = []
    if isinstance(details.get(field), str):
        found.append(details[field])
    for part in ("files", "units"):
        for item in details.get(part) or ():
            if isinstance(item, dict) and isinstance(item.get(field), str):
                found.append(item[field])
    return tuple(dict.fromkeys(found))


def _import_summary(d: dict[str, Any]) -> str:
    files = d.get("files", [])
    parts = [f"{f.get('unit') or f.get('file', '')}：{_STATUS.get(f.get('status', ''), '')}"
             + (f"（错误 {f['errors']} 处）" if f.get("errors") else "") for f in files[:5]]
    more = f" 等 {len(files)} 个文件" if len(files) > 5 else ""
    return "；".join(parts) + more


_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "import": _import_summary,
    "reminder": lambda d: f"催报 {d.get('count', 0)} 个逾期单位"
                          + (f"，名单：{d['file']}" if d.get("file") else ""),
    "feedback": lambda d: f"{d.get('unit', '')}：第 {d.get('version', '')} 版，错误 "
                          f"{d.get('errors', 0)} 处、警告 {d.get('warnings', 0)} 处"
                          + (f"，请于 {d['due']} 前更正" if d.get("due") else ""),
    "version.restore": lambda d: f"{d.get('unit', '')}：恢复第 {d.get('version', '')} 版"
                                 f"（{d.get('file', '')}）",
    "contact.set": lambda d: f"{d.get('unit', '')}：" + " ".join(
        v for v in (d.get("new") or {}).values() if v),
    "link.set": lambda d: f"{d.get('year', '')} 年度：{d.get('path', '')}",
    "templates.issue": lambda d: f"{d.get('count', 0)} 份，截止日期 {d.get('deadline') or '未填'}"
                                 + (f"，覆盖 {len(d['overwritten'])} 个已有文件"
                                    if d.get("overwritten") else ""),
    "value.clear": lambda d: f"{d.get('unit', '')} 指标 {d.get('indicator_id', '')}："
                             f"{d.get('reason', '')}",
    "export": lambda d: "、".join(d.get("files", [])),
}


def summary(entry: AuditEntry, names: dict[str, str] | None = None) -> str:
    """One line saying what an entry did (empty when its name says it all); parameters by
    their Chinese names (``names``: key → name)."""
    d = entry.details
    try:
        if entry.action == "params.set":
            key = str(d.get("key", ""))
            return f"{(names or {}).get(key, '评价参数')}：{_value(d.get('old'))} → {_value(d.get('new'))}"
        make = _SUMMARIES.get(entry.action)
        return make(d) if make is not None else ""
    except (KeyError, TypeError, ValueError, AttributeError):
        return ""


def _value(value: Any) -> str:
    return "（默认）" if value is None else str(value)


def _parameter_names(rnd: Round) -> dict[str, str]:
    """Every round parameter's Chinese name by key (globals and ``<id>.<name>``)."""
    from jinan_eval_gui.catalogue.rules import wording

    from .rounds import round_catalogue

    cat = round_catalogue(rnd)
    names = {p.key: p.label for p in cat.parameters}
    for ind in cat.indicators:
        for name in ind.params:
            names[f"{ind.id}.{name}"] = f"指标 {ind.id} {wording.param_label(ind, name)}"
    return names
