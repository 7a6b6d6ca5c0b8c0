"""Clearing a stored value on purpose: an audited empty value, never a side effect of a resend.

A returned file whose cell is blank keeps the value stored before (:mod:`resend`), so a unit
that sends only its corrections loses nothing. When a value really must go (reported by
mistake, the input does not apply), the office clears it explicitly: an empty value is stored
as the unit's current value (typed by hand, no file) and the audit log records who, when, the
value it replaced and the reason. A later return may fill it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import NewValue, Round

from . import templates
from .returns import input_label


@dataclass(frozen=True)
class Cleared:
    """What :func:`clear_value` emptied."""

    entity: str
    unit: str
    indicator_id: int
    input_key: str
    label: str
    old: str


def input_key(ind: Indicator, name: str) -> str:
    """The key of an input named by its Chinese label (as in the template) or by its key;
    evidence (``佐证材料说明：…``) and notes (``备注``) included."""
    name = name.strip()
    keys = [s.key for s in ind.inputs]
    keys += [templates.EVIDENCE_PREFIX + k for k in keys] + [templates.NOTES_KEY]
    for key in keys:
        if name in (key, input_label(ind, key)):
            return key
    known = "、".join(f"“{s.label}”" for s in ind.inputs[:8]) + ("等" if len(ind.inputs) > 8 else "")
    raise EvalError(f"指标 {ind.id}（{ind.name}）没有名为“{name[:40]}”的填报项",
                    hint=f"请使用模板中的填报项名称，如 {known}")


def clear_value(rnd: Round, cat: Catalogue, *, entity: str, indicator_id: int, name: str,
                reason: str, unit: str | None = None) -> Cleared:
    """Store an empty value for one input of one unit, with an audit entry naming the value it
    replaces and ``reason``. ``unit`` may be left out when one unit holds a value for it."""
    if not reason.strip():
        raise EvalError("清除填报值必须说明原因", hint="请填写清除的原因，它会记入操作日志")
    if entity not in rnd.list_entities():
        raise EvalError(f"本轮没有评价对象“{entity[:40]}”",
                        hint=f"可选：{'、'.join(rnd.list_entities())}")
    try:
        ind = cat.indicator(indicator_id)
    except KeyError:
        raise EvalError(f"指标体系中没有指标 {indicator_id}", hint="请使用 1 到 88 之间的指标编号") from None
    key = input_key(ind, name)
    label = input_label(ind, key) or key
    current = rnd.current_values(entity).get(ind.id, {}).get(key, [])
    held = sorted({v.unit for v in current if v.text is not None or v.number is not None})
    if unit is None:
        if len(held) != 1:
            raise EvalError(
                f"指标 {ind.id}“{label}”" + (f"有多个单位填报（{'、'.join(held)}）" if held
                                            else "当前没有任何单位的值，无需清除"),
                hint="请指定要清除哪个单位的值" if held else "")
        unit = held[0]
    if unit not in held:
        raise EvalError(f"“{unit[:40]}”当前没有指标 {ind.id}“{label}”的值，无需清除",
                        hint=f"当前有值的单位：{'、'.join(held)}" if held else "")
    rows = sorted((v for v in current if v.unit == unit),
                  key=lambda v: (v.row_index or 0, v.column_key or ""))
    old = "；".join(v.text if v.row_index is None else f"{v.row_index}.{v.column_key}={v.text}"
                   for v in rows if v.text is not None)
    with rnd.transaction():
        rnd.add_values(None, [NewValue(ind.id, key, None, None)], entity=entity, unit=unit)
        rnd.audit("value.clear", {"entity": entity, "unit": unit, "indicator_id": ind.id,
                                  "input_key": key, "old": old[:2000],
                                  "reason": reason.strip()[:2000]})
    return Cleared(entity, unit, ind.id, key, label, old)
