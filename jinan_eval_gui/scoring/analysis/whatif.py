"""试算 (what-if): change a reported value, a parameter or an assumption's choice in a scratch
copy of one entity's inputs and see every score that moves, against the official result.

The scratch holds a deep copy of the engine inputs; the round is never touched (saving a
scenario is a separate, explicit step of the workflow). Every change is scored by the engine
on the changed inputs (about 10 ms for all 88 indicators), so the figures are the engine's.
A change back to the official value drops out of the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, InputSpec
from jinan_eval_gui.errors import EvalError

from .. import engine
from .inputs import EngineInputs
from .levers import value_text

KIND_LABELS = {"input": "填报数据", "param": "评价参数", "choice": "评分口径"}
_INTEGER_KINDS = frozenset({"count", "rank", "level", "yesno"})


@dataclass(frozen=True)
class Change:
    """One change of the scratch: what, from what, to what (texts for people alongside)."""

    kind: str
    """``input``, ``param`` or ``choice``."""
    key: str
    """The input key, the parameter key or the assumption id."""
    indicator: int | None = None
    unit: str = ""
    """For a per-unit input: the unit whose value changes."""
    old: str | None = None
    new: str | None = None
    label: str = ""
    old_text: str = ""
    new_text: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def target(self) -> tuple[str, str, int | None, str]:
        return self.kind, self.key, self.indicator, self.unit

    def text(self) -> str:
        """e.g. 填报数据 指标 1 已实现…数量：1123 项 → 1474 项."""
        return f"{KIND_LABELS[self.kind]} {self.label}：{self.old_text} → {self.new_text}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Row:
    """One score the change moves (or the total, always shown)."""

    level: str
    """``total``, ``subtotal``, ``deductions``, ``level1``, ``level2`` or ``indicator``."""
    key: str
    name: str
    official: Decimal | None
    now: Decimal | None
    lower_is_better: bool = False
    """Deductions: a smaller number is the better result."""

    @property
    def delta(self) -> Decimal | None:
        if self.official is None or self.now is None:
            return None
        return self.now - self.official


@dataclass(frozen=True)
class Outcome:
    """The scratch scored, against the official result."""

    official: engine.Results
    results: engine.Results

    @property
    def delta(self) -> Decimal:
        return self.results.total - self.official.total

    def rows(self) -> list[Row]:
        """The total, then every subtotal, level-1, level-2 and level-3 score that moved."""
        o, n = self.official, self.results
        rows = [Row("total", "total", "综合得分", o.total, n.total)]
        if o.subtotal != n.subtotal:
            rows.append(Row("subtotal", "subtotal", "加权得分（扣分前）", o.subtotal, n.subtotal))
        if o.deductions != n.deductions:
            rows.append(Row("deductions", "deductions", "信息安全扣分", o.deductions,
                            n.deductions, True))
        for level, before, after in (("level1", o.level1, n.level1),
                                     ("level2", o.level2, n.level2)):
            for a, b in zip(before, after, strict=True):
                if a.score != b.score:
                    rows.append(Row(level, a.id, a.name, a.score, b.score))
        for i, a in o.indicators.items():
            b = n.indicators[i]
            if a.score != b.score or a.status != b.status:
                rows.append(Row("indicator", str(i), f"{i} {a.name}", a.score, b.score,
                                a.kind == "deduction"))
        return rows


class Scratch:
    """A scratch copy of one entity's inputs: change, score, compare; nothing is stored."""

    def __init__(self, cat: Catalogue, inputs: EngineInputs,
                 official: engine.Results | None = None) -> None:
        self.cat = cat
        self.base = inputs
        self.official = official if official is not None else inputs.score(cat)
        self._changes: dict[tuple[str, str, int | None, str], Change] = {}
        self._gathered: dict[frozenset[tuple[str, str]], EngineInputs] = {}

    @property
    def entity(self) -> str:
        return self.base.entity

    @property
    def changes(self) -> list[Change]:
        return list(self._changes.values())

    @property
    def inputs(self) -> EngineInputs:
        """The inputs with every change applied, as a fresh copy (the base, and the round,
        stay as they are). A choice that acts on the inputs themselves (a survey's weighting)
        has them gathered again under it first."""
        changes = self.changes
        choices = {**self.base.choices,
                   **{c.key: c.new or "" for c in changes if c.kind == "choice"}}
        params = {**self.base.params,
                  **{c.key: Decimal(c.new or "0") for c in changes if c.kind == "param"}}
        source = self.base
        if any(c.kind == "choice" for c in changes):
            key = frozenset(choices.items())
            if key not in self._gathered:
                self._gathered[key] = self.base.under(self.cat, choices)
            source = self._gathered[key]
        values = {k: dict(v) for k, v in source.values.items()}
        for c in changes:
            if c.kind == "input" and c.indicator is not None:
                self._put(values, c.indicator, c.key, c.unit,
                          None if c.new is None else Decimal(c.new))
        return replace(source, values=values, params=params, choices=choices)

    def _put(self, values: dict[int, dict[str, Any]], indicator_id: int, key: str, unit: str,
             number: Decimal | None) -> None:
        vals = values.setdefault(indicator_id, {})
        ind = self.cat.indicator(indicator_id)
        if ind.collect != "per_unit":
            vals[key] = number
            return
        units = self.cat.units_of(ind)
        column = list(vals.get(key) or [])
        column += [None] * (len(units) - len(column))
        column[units.index(unit)] = number
        vals[key] = column

    def outcome(self) -> Outcome:
        """The engine's result on the changed inputs, against the official one."""
        return Outcome(self.official, self.inputs.score(self.cat))

    # -- changes --------------------------------------------------------------------------
    def set_input(self, indicator_id: int, key: str, value: Decimal | str | None,
                  unit: str = "") -> Outcome:
        """Set one reported value (for a per-unit input, ``unit``'s); None = not reported."""
        ind = self.cat.indicator(indicator_id)
        spec = _numeric_spec(ind, key)
        number = None if value is None or value == "" else _checked(spec, value)
        old_values = self.base.values.get(indicator_id, {})
        if ind.collect == "per_unit":
            units = self.cat.units_of(ind)
            if unit not in units:
                raise EvalError(f"单位“{unit}”不填报指标 {ind.id}", hint="请选择该指标的责任单位")
            old_column = list(old_values.get(key) or [])
            pos = units.index(unit)
            old = old_column[pos] if pos < len(old_column) else None
        else:
            unit = ""
            old = old_values.get(key)
        label = f"指标 {ind.id} {(unit + '：') if unit else ''}{spec.label}"
        self._record(Change("input", key, indicator_id, unit, _str(old), _str(number), label,
                            _shown(spec, old), _shown(spec, number)))
        return self.outcome()

    def set_param(self, key: str, value: Decimal | str) -> Outcome:
        """Set one round parameter (a global one within its bounds, an indicator's ≥ 0)."""
        resolved = self.base.resolved_params(self.cat)
        if key not in resolved:
            raise EvalError(f"没有评价参数“{key}”")
        label, low, high = _param_bounds(self.cat, key)
        number = _decimal(value, label)
        if (low is not None and number < low) or (high is not None and number > high):
            allowed = f"{low} ~ {high}" if high is not None else f"≥ {low}"
            raise EvalError(f"{label}应在 {allowed} 之间", hint="请修改后再试算")
        old = resolved[key]
        self._record(Change("param", key, None, "", _str(old), _str(number), label,
                            _plain(old), _plain(number)))
        return self.outcome()

    def set_choice(self, assumption_id: str, choice: str) -> Outcome:
        """Read an assumption by another of its registered choices."""
        try:
            a = self.cat.assumption(assumption_id)
            chosen = a.choice(choice)
        except KeyError:
            raise EvalError(f"评分口径假设 {assumption_id} 没有可选项“{choice}”") from None
        old_key = self.base.choices.get(a.id, a.default)
        old = next((c for c in a.choices if c.key == old_key), a.default_choice)
        self._record(Change("choice", a.id, None, "", old.key, chosen.key, f"{a.id} {a.title}",
                            old.label, chosen.label))
        return self.outcome()

    def apply(self, changes: Iterable[Change]) -> list[str]:
        """Apply saved changes to these (current) inputs; returns why any could not be."""
        problems = []
        for c in changes:
            try:
                if c.kind == "input" and c.indicator is not None:
                    self.set_input(c.indicator, c.key, c.new, c.unit)
                elif c.kind == "param":
                    self.set_param(c.key, c.new or "")
                elif c.kind == "choice":
                    self.set_choice(c.key, c.new or "")
            except (EvalError, KeyError) as exc:
                problems.append(f"{c.label}：{exc}")
        return problems

    def reset(self) -> Outcome:
        """Back to the official inputs (no change)."""
        self._changes.clear()
        return self.outcome()

    def _record(self, change: Change) -> None:
        """Keep ``change`` (replacing one of the same target); a change back to the official
        value drops out. Numbers compare by value (1474 and 1474.00 are the same)."""
        self._changes.pop(change.target, None)
        if not _same(change.old, change.new):
            self._changes[change.target] = change


def _numeric_spec(ind: Any, key: str) -> InputSpec:
    try:
        spec = ind.input(key)
    except KeyError:
        raise EvalError(f"指标 {ind.id} 没有该填报项") from None
    if not spec.is_numeric:
        raise EvalError(f"“{spec.label}”不能试算", hint="只能试算数值、是/否和选项类填报项")
    return spec


def _decimal(value: Decimal | str, label: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EvalError(f"{label}“{value}”不是数值", hint="请填写数字") from None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        raise EvalError(f"{label}“{value}”不是有效的数值", hint="请填写数字")
    return number


def _checked(spec: InputSpec, value: Decimal | str) -> Decimal:
    """``value`` as the input takes it: within bounds, whole where the kind is whole."""
    if spec.kind == "yesno" and isinstance(value, str) and value.strip() in ("是", "否"):
        return Decimal(1 if value.strip() == "是" else 0)
    if spec.kind == "choice" and isinstance(value, str):
        for o in spec.options:
            if value.strip() == o.label:
                return o.value
    number = _decimal(value, f"“{spec.label}”的值")
    lo, hi = spec.bounds()
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        allowed = f"{lo} ~ {hi}" if hi is not None else f"≥ {lo}"
        raise EvalError(f"“{spec.label}”应在 {allowed} 之间", hint="请修改后再试算")
    if spec.kind in _INTEGER_KINDS and number != number.to_integral_value():
        raise EvalError(f"“{spec.label}”应为整数", hint="请修改后再试算")
    if spec.kind == "choice" and number not in {o.value for o in spec.options}:
        raise EvalError(f"“{spec.label}”只能选："
                        + "、".join(o.label for o in spec.options))
    return number


def _param_bounds(cat: Catalogue, key: str) -> tuple[str, Decimal | None, Decimal | None]:
    """A parameter's Chinese name and bounds (as the round's parameters are checked)."""
    for p in cat.parameters:
        if p.key == key:
            return p.label, p.min, p.max
    ind_id, _, name = key.partition(".")
    ind = cat.indicator(int(ind_id))
    label = (getattr(ind, "param_labels", {}) or {}).get(name, "参数")
    return f"指标 {ind.id} 的{label}", Decimal(0), None


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return a == b


def _str(x: Decimal | str | None) -> str | None:
    return None if x is None else str(x)


def _plain(x: Decimal) -> str:
    return str(int(x)) if x == x.to_integral_value() else f"{x.normalize():f}"


def _shown(spec: InputSpec, value: Any) -> str:
    if value is None:
        return "（未填报）"
    if isinstance(value, Decimal):
        return value_text(spec, value)
    return str(value)
