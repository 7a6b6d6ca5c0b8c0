"""What a values table refers to, checked against the catalogue and the round before any value.

Entities, indicators, inputs, table rows and columns, units, parameters, assumptions and expert
scores must all exist; a unit must report the input it is given for; an input each unit reports
on its own needs its unit; nothing may be given twice. Any of these refuses the whole file with
the place and a Chinese message (a table of another catalogue or a typo is never half-imported).
Problems of the values themselves (kind, bounds, cross-checks) are findings, see :mod:`.checking`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from pathlib import Path

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.errors import ValuesFileError

from .. import xlsxsafe
from .model import (
    DEFAULT_SOURCE,
    SOURCE_PREFIX,
    Entry,
    Raw,
    ValuesTable,
    plain_decimal,
    refused,
    short,
    unreadable_number,
)

_EXCEL_DIGITS = Context(prec=15)
_HINT_CATALOGUE = "各指标的填报项见 jinan-eval catalog show --json，或以导出的数据表为样板"
MAX_REASON = 500


@dataclass(frozen=True)
class Placed:
    """An entry with what it refers to: indicator, input, table column, and the unit (a
    responsible unit, or a values table's source) its value is recorded under."""

    entry: Entry
    ind: Indicator
    spec: InputSpec
    column: InputSpec | None
    unit: str


@dataclass
class Settings:
    """Round parameters, assumption choices and expert scores the file gives."""

    params: dict[str, Decimal] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    overrides: dict[tuple[str, int], tuple[Decimal, str]] = field(default_factory=dict)


def source_unit(name: str, cat: Catalogue) -> str:
    """The unit name values of the indicator as a whole are recorded under: ``数据表：<name>``.

    ValuesFileError for a name that is a responsible unit (a unit's own data comes in its
    template, or per unit in the table) or not a plain short name.
    """
    text = (name or DEFAULT_SOURCE).strip().removeprefix(SOURCE_PREFIX).strip()
    if not text or len(text) > 40 or any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                                         for ch in text):
        raise ValuesFileError(f"数据来源名称“{short(text)}”无效",
                              hint="请用 40 字以内的名称，如“第三方评估机构”“审计”")
    if text in _unit_names(cat):
        raise ValuesFileError(
            f"数据来源“{text}”是责任单位的名称",
            hint="单位自己的数据请用数据采集模板回传，或在数据表中按单位给出（“填报单位”列）；"
                 "数据来源请写第三方机构、审计等名称")
    return SOURCE_PREFIX + text


def _unit_names(cat: Catalogue) -> dict[str, str]:
    """Every unit name and alias → the canonical name."""
    names = {u.name: u.name for u in cat.units}
    for u in cat.units:
        for alias in u.aliases:
            names.setdefault(alias, u.name)
    return names


def _brief(value: object) -> str:
    """A number for a message, never its thousand digits."""
    if isinstance(value, Decimal) and value.is_finite():
        mantissa, _, exponent = f"{value:.6E}".partition("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"
    return short(value, 30)


def _where(entry: Entry) -> str:
    return f"{entry.sheet}{entry.cell}" if entry.sheet else entry.cell


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------
def place_entries(table: ValuesTable, cat: Catalogue, entities: Sequence[str],
                  source: str) -> list[Placed]:
    """Every entry with its indicator, input and unit; ValuesFileError at the first that does
    not fit the catalogue or the round."""
    units = _unit_names(cat)
    seen: set[tuple[object, ...]] = set()
    out = []
    for entry in table.entries:
        placed = _place(table, cat, entities, units, source, entry)
        key = (entry.entity, entry.indicator_id, entry.key, placed.unit, entry.row, entry.column)
        if key in seen:
            raise refused(table.path, _where(entry),
                          f"“{entry.entity}”指标 {entry.indicator_id}“{placed.spec.label}”"
                          + (f"第 {entry.row} 行“{entry.column}”" if entry.row else "")
                          + (f"（{placed.unit}）" if entry.unit else "") + "给出了两次")
        seen.add(key)
        out.append(placed)
    return out


def _place(table: ValuesTable, cat: Catalogue, entities: Sequence[str], units: dict[str, str],
           source: str, entry: Entry) -> Placed:
    path, where = table.path, _where(entry)
    if entry.entity not in entities:
        raise refused(path, where, f"评价对象“{short(entry.entity)}”不是本评价轮次的评价对象"
                                   f"（{'、'.join(entities)}）")
    try:
        ind = cat.indicator(entry.indicator_id)
    except KeyError:
        raise refused(path, where, f"指标编号 {entry.indicator_id} 不在指标体系中",
                      hint=_HINT_CATALOGUE) from None
    try:
        spec = ind.input(entry.key)
    except KeyError:
        raise refused(path, where, f"指标 {ind.id}（{ind.name}）没有填报项“{short(entry.key)}”",
                      hint=_HINT_CATALOGUE) from None
    column = _column(path, where, ind, spec, entry)
    if (column or spec).kind != "text" and unreadable_number(entry.value):
        raise refused(path, where, f"指标 {ind.id}“{spec.label}”的数值位数或指数过大"
                                   f"（{_brief(entry.value)}），不是正常的数据",
                      hint="请检查生成数据表的程序，或改为实际的数值")
    unit = _unit(path, where, cat, units, ind, spec, entry) if entry.unit else ""
    if not unit:
        if ind.collect == "per_unit" and entry.value is not None:
            raise refused(path, where, f"指标 {ind.id}（{ind.name}）由各单位分别填报，“{spec.label}”"
                                       "须按单位给出",
                          hint="JSON 中写成 {\"单位名称\": 值}；表格中填写“填报单位”列")
        unit = source
    return Placed(entry, ind, spec, column, unit)


def _column(path: Path, where: str, ind: Indicator, spec: InputSpec,
            entry: Entry) -> InputSpec | None:
    """The table column of a table entry (None for a whole table left null)."""
    if spec.kind != "table":
        if entry.row is not None or entry.column:
            raise refused(path, where, f"指标 {ind.id}“{spec.label}”不是明细表，不能有行号或列")
        return None
    if entry.row is None and not entry.column and entry.value is None:
        return None
    if entry.row is None or not entry.column:
        raise refused(path, where, f"指标 {ind.id} 的明细表“{spec.label}”须给出行号和列")
    if spec.max_rows and entry.row > spec.max_rows:
        raise refused(path, where, f"指标 {ind.id} 的明细表“{spec.label}”最多 {spec.max_rows} 行，"
                                   f"第 {entry.row} 行超出")
    for col in spec.columns:
        if col.key == entry.column:
            return col
    raise refused(path, where, f"指标 {ind.id} 的明细表“{spec.label}”没有列“{short(entry.column)}”",
                  hint=_HINT_CATALOGUE)


def _unit(path: Path, where: str, cat: Catalogue, units: dict[str, str],
          ind: Indicator, spec: InputSpec, entry: Entry) -> str:
    """The unit a value is given for: a responsible unit of this input, or (for an input of
    the indicator as a whole) another values table's source."""
    name = units.get(entry.unit)
    if name is None:
        rest = entry.unit.removeprefix(SOURCE_PREFIX).strip()
        if entry.unit.startswith(SOURCE_PREFIX) and rest and ind.collect != "per_unit":
            return entry.unit
        raise refused(path, where, f"“{short(entry.unit)}”不是指标体系中的责任单位",
                      hint="请使用责任单位的规范名称（见 jinan-eval catalog show）")
    allowed = [u for u in cat.units_of(ind) if not spec.owner or spec.owner == u]
    if name not in allowed:
        raise refused(path, where, f"{name}不填报指标 {ind.id}（{ind.name}）的“{spec.label}”",
                      hint="该项由" + "、".join(allowed[:5]) + ("等" if len(allowed) > 5 else "")
                           + "填报")
    return name


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------
def _number(raw: Raw) -> Decimal | None:
    """A setting's number, exact (JSON number, plain decimal text or a number cell)."""
    if isinstance(raw, xlsxsafe.CellValue):
        if raw.type == "n" and isinstance(raw.value, Decimal) and raw.value.is_finite():
            raw = raw.value.normalize(_EXCEL_DIGITS)  # what Excel shows: 15 digits
        else:
            raw = raw.value if raw.type in ("s", "str") else None
    if isinstance(raw, str):
        raw = plain_decimal(raw)
    if not isinstance(raw, Decimal) or not raw.is_finite():
        return None
    return raw if -20 <= raw.adjusted() <= 20 and len(raw.as_tuple().digits) <= 15 else None


def _text(raw: Raw) -> str:
    if isinstance(raw, xlsxsafe.CellValue):
        raw = raw.value if raw.type in ("s", "str") else None
    return raw.strip() if isinstance(raw, str) else ""


def read_settings(table: ValuesTable, cat: Catalogue, entities: Sequence[str]) -> Settings:
    """Parameters, choices and expert scores, each checked (ValuesFileError at the first wrong)."""
    out = Settings()
    path = table.path
    bounds = {p.key: (p.label, p.min, p.max) for p in cat.parameters}
    for ind in cat.indicators:
        for name in ind.params:
            label = ind.param_labels.get(name, name)
            bounds[f"{ind.id}.{name}"] = (f"指标 {ind.id} 的{label}", Decimal(0), None)
    for s in table.params:
        where = f"{s.sheet}{s.cell}"
        if s.key not in bounds:
            raise refused(path, where, f"评价参数“{short(s.key)}”不在指标体系中", hint=_HINT_CATALOGUE)
        label, low, high = bounds[s.key]
        value = _number(s.value)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            allowed = f"{low if low is not None else ''}～{high if high is not None else ''}"
            raise refused(path, where, f"评价参数“{label}”的值无效（应为 {allowed} 之间、不超过 15 位"
                                       "有效数字的数值）")
        if s.key in out.params:
            raise refused(path, where, f"评价参数“{label}”给出了两次")
        out.params[s.key] = value
    for s in table.choices:
        where = f"{s.sheet}{s.cell}"
        try:
            assumption = cat.assumption(s.key)
        except KeyError:
            raise refused(path, where, f"评分口径假设“{short(s.key)}”不在指标体系中",
                          hint=_HINT_CATALOGUE) from None
        choice = _text(s.value)
        keys = [c.key for c in assumption.choices]
        if choice not in keys:
            raise refused(path, where, f"评分口径假设 {assumption.id}（{assumption.title}）没有选项"
                                       f"“{short(choice)}”", hint="可选：" + "、".join(keys))
        if s.key in out.choices:
            raise refused(path, where, f"评分口径假设 {assumption.id} 给出了两次")
        out.choices[s.key] = choice
    for o in table.overrides:
        where = f"{o.sheet}{o.cell}"
        if o.entity not in entities:
            raise refused(path, where, f"评价对象“{short(o.entity)}”不是本评价轮次的评价对象")
        try:
            cat.indicator(o.indicator_id)
        except KeyError:
            raise refused(path, where, f"指标编号 {o.indicator_id} 不在指标体系中") from None
        score = _number(o.score)
        if score is None or not Decimal(0) <= score <= Decimal(100):
            raise refused(path, where, f"指标 {o.indicator_id} 的专家评分应为 0 到 100 之间的数值")
        reason = o.reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise refused(path, where, f"指标 {o.indicator_id} 的专家评分须写明理由（{MAX_REASON} 字以内）")
        if (o.entity, o.indicator_id) in out.overrides:
            raise refused(path, where, f"“{o.entity}”指标 {o.indicator_id} 的专家评分给出了两次")
        out.overrides[(o.entity, o.indicator_id)] = (score, reason)
    return out
