"""The indicator system as immutable objects: units, inputs, indicators, the level-1/2/3 tree.

Everything downstream (templates, import, engine, exports, the window) reads the catalogue
through these classes; :mod:`.loader` is the only place that builds them from files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from . import rules
from .assumptions import SETTING_DEFAULTS, Assumption

INPUT_KINDS = (
    "count", "amount", "percent", "yesno", "choice", "rank", "level", "score", "table", "text",
)
NUMERIC_KINDS = frozenset(INPUT_KINDS) - {"table", "text"}
INDICATOR_KINDS = ("scored", "deduction", "survey")
LEVEL1_KINDS = ("weighted", "deduction")
COLLECT_MODES = ("shared", "per_unit")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Functions whose result depends on a target or mapping we chose, so the indicator must say so.
_ASSUMPTION_FUNCTIONS = frozenset({"ATTAIN", "RANKSCORE"})
KIND_LABELS = {"scored": "计分", "deduction": "扣分制", "survey": "问卷调查"}
INPUT_KIND_LABELS = {
    "count": "数量", "amount": "数值", "percent": "百分比", "yesno": "是/否", "choice": "选项",
    "rank": "排名", "level": "等级", "score": "分值", "table": "明细表", "text": "文字说明",
}


@dataclass(frozen=True)
class Unit:
    """A responsible unit (数据来源): a bureau or, for a few indicators, a company."""

    name: str
    kind: str = "government"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitRef:
    """An indicator's reference to a unit, with the 指标体系's note such as （通信网络处）."""

    name: str
    note: str = ""


@dataclass(frozen=True)
class Option:
    """One choice of a ``choice`` input: the label a unit picks and the number rules see."""

    label: str
    value: Decimal


@dataclass(frozen=True)
class InputSpec:
    """What a unit must report for an indicator, and how a template cell is validated."""

    key: str
    label: str
    kind: str
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = True
    hint: str = ""
    options: tuple[Option, ...] = ()
    columns: tuple[InputSpec, ...] = ()
    max_rows: int = 0
    owner: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def label_of(self, value: Any) -> str | None:
        """A stored value as people read it where the kind has words for it: 是/否 for a
        yes/no input (stored 1/0), the option's label for a choice; None for other kinds
        (numbers are shown as numbers) and for a value that is no answer of the kind."""
        if isinstance(value, list):
            shown = [self.label_of(v) for v in value]
            return "、".join(s or "" for s in shown) if any(shown) else None
        if self.kind not in ("yesno", "choice") or value is None or isinstance(value, str):
            return None
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return None
        if self.kind == "yesno":
            return {Decimal(1): "是", Decimal(0): "否"}.get(number)
        return next((o.label for o in self.options if o.value == number), None)

    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """Effective bounds: declared ones, else those implied by the kind."""
        lo, hi = self.min, self.max
        if self.kind in {"count", "amount", "level"} and lo is None:
            lo = Decimal(0)
        if self.kind in {"percent", "score"}:
            lo = Decimal(0) if lo is None else lo
            hi = Decimal(100) if hi is None else hi
        if self.kind == "rank" and lo is None:
            lo = Decimal(1)
        if self.kind == "yesno":
            lo, hi = Decimal(0), Decimal(1)
        return lo, hi


@dataclass(frozen=True)
class Check:
    """A cross-field rule (e.g. numerator <= denominator) checked on import and scoring."""

    rule: rules.Rule
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Step:
    """A named intermediate value (b1, b2, ...) shown in the trace."""

    name: str
    label: str
    rule: rules.Rule


@dataclass(frozen=True)
class Variant:
    """A named alternative reading of an indicator's rule (its own steps and score).

    Off unless an assumption's choice selects it (:mod:`.assumptions`); inputs, checks and
    parameters stay the indicator's.
    """

    key: str
    label: str
    steps: tuple[Step, ...]
    score: rules.Rule


@dataclass(frozen=True)
class Indicator:
    """A level-3 indicator: the 指标体系's text (name, weight, description, method, attribute,
    units) plus the tool's reading of how it is scored (assumption, inputs, checks, rule,
    parameters with their Chinese names)."""

    id: int
    parent: str
    name: str
    weight: Decimal | None
    kind: str
    description: str
    method: str
    attribute: str
    codes: tuple[str, ...]
    unit_refs: tuple[UnitRef, ...]
    all_units: bool
    assumption: str
    collect: str
    params: Mapping[str, Decimal]
    inputs: tuple[InputSpec, ...]
    checks: tuple[Check, ...]
    steps: tuple[Step, ...]
    score: rules.Rule
    param_labels: dict[str, str] = field(default_factory=dict)
    """The Chinese name of each parameter in ``params`` (e.g. floor → 末名得分率): what a
    person reads wherever a parameter is shown; the key stays internal."""
    variants: Mapping[str, Variant] = field(default_factory=dict)
    max_deduction: str = ""
    """For a deduction indicator: the parameter holding its most points (the 扣分上限)."""

    def reading(self, variant: str = "") -> tuple[tuple[Step, ...], rules.Rule]:
        """Steps and score rule of the default reading, or of the named alternative."""
        if not variant:
            return self.steps, self.score
        chosen = self.variants[variant]
        return chosen.steps, chosen.score

    def input(self, key: str) -> InputSpec:
        for spec in self.inputs:
            if spec.key == key:
                return spec
        raise KeyError(key)

    @property
    def list_names(self) -> frozenset[str]:
        """Names that are lists in rules: table columns, and every input when per unit."""
        names = {f"{s.key}.{c.key}" for s in self.inputs if s.kind == "table" for c in s.columns}
        if self.collect == "per_unit":
            names |= {s.key for s in self.inputs if s.kind != "table"}
        return frozenset(names)


@dataclass(frozen=True)
class Level2:
    id: str
    parent: str
    name: str
    weight: Decimal | None


@dataclass(frozen=True)
class Level1:
    id: str
    name: str
    weight: Decimal
    kind: str


@dataclass(frozen=True)
class ParameterSpec:
    """A round parameter with its default (overridable per round)."""

    key: str
    label: str
    default: Decimal
    min: Decimal | None = None
    max: Decimal | None = None
    hint: str = ""


@dataclass(frozen=True)
class Catalogue:
    """The whole indicator system, validated. Build it with :func:`load`."""

    title: str
    version: str
    source: str
    level1: tuple[Level1, ...]
    level2: tuple[Level2, ...]
    indicators: tuple[Indicator, ...]
    units: tuple[Unit, ...]
    parameters: tuple[ParameterSpec, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()

    # -- lookups -------------------------------------------------------------------------
    @cached_property
    def _by_id(self) -> dict[int, Indicator]:
        return {ind.id: ind for ind in self.indicators}

    def indicator(self, indicator_id: int) -> Indicator:
        return self._by_id[indicator_id]

    def level1_of(self, level2_id: str) -> Level1:
        parent = next(l2.parent for l2 in self.level2 if l2.id == level2_id)
        return next(l1 for l1 in self.level1 if l1.id == parent)

    def level2_by_id(self, level2_id: str) -> Level2:
        return next(l2 for l2 in self.level2 if l2.id == level2_id)

    def level2_of(self, level1_id: str) -> list[Level2]:
        return [l2 for l2 in self.level2 if l2.parent == level1_id]

    def indicators_of(self, level2_id: str) -> list[Indicator]:
        return [ind for ind in self.indicators if ind.parent == level2_id]

    @cached_property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.units)

    def units_of(self, indicator: Indicator) -> tuple[str, ...]:
        """Canonical unit names responsible for an indicator (各有关部门 = every unit)."""
        if indicator.all_units:
            return self.unit_names
        return tuple(ref.name for ref in indicator.unit_refs)

    def inputs_for_unit(self, indicator: Indicator, unit: str) -> list[InputSpec]:
        """The inputs a unit reports for an indicator: all but those owned by another unit."""
        return [s for s in indicator.inputs if not s.owner or s.owner == unit]

    @cached_property
    def _by_unit(self) -> dict[str, tuple[Indicator, ...]]:
        return {unit: tuple(ind for ind in self.indicators if unit in self.units_of(ind))
                for unit in self.unit_names}

    def indicators_for_unit(self, unit: str) -> list[Indicator]:
        """The indicators a unit's template holds, in id order (looked up once per unit:
        callers ask for every (entity, unit) of a round, 4 350 in a province-wide one)."""
        found = self._by_unit.get(unit)
        if found is None:
            return [ind for ind in self.indicators if unit in self.units_of(ind)]
        return list(found)

    def parameter_defaults(self) -> dict[str, Decimal]:
        """Every round parameter with its default: globals, then ``<id>.<name>`` per indicator."""
        values = {p.key: p.default for p in self.parameters}
        for ind in self.indicators:
            for name, value in ind.params.items():
                values[f"{ind.id}.{name}"] = value
        return values

    # -- assumptions ---------------------------------------------------------------------
    def assumption(self, assumption_id: str) -> Assumption:
        """The registered assumption ``assumption_id`` (KeyError if not registered)."""
        for a in self.assumptions:
            if a.id == assumption_id:
                return a
        raise KeyError(assumption_id)

    def reading_choices(self, chosen: Mapping[str, str] | None = None
                        ) -> tuple[dict[int, str], dict[str, str]]:
        """Indicator variants and engine settings for the given choices (defaults elsewhere).

        ``chosen`` maps assumption ids to choice keys, as the round keeps them; ids or keys the
        catalogue does not know are ignored (a round made with another catalogue version).
        """
        variants: dict[int, str] = {}
        settings = dict(SETTING_DEFAULTS)
        for a in self.assumptions:
            key = (chosen or {}).get(a.id, a.default)
            choice = next((c for c in a.choices if c.key == key), a.default_choice)
            variants.update(choice.variants)
            settings.update(choice.settings)
        return variants, settings

    def assumptions_of(self, indicator_id: int) -> list[Assumption]:
        """The assumptions that affect an indicator, in register order."""
        return [a for a in self.assumptions if indicator_id in a.indicators or not a.indicators]

    # -- identity ------------------------------------------------------------------------
    @cached_property
    def canonical_json(self) -> str:
        """The loaded catalogue as canonical JSON: comments and layout do not change it."""
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          default=str)

    @cached_property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical_json.encode("utf-8")).hexdigest()

    # -- contracts -----------------------------------------------------------------------
    def to_contract(self) -> list[dict[str, Any]]:
        """The ``catalog show --json`` contract: the level-3 indicators in id order, each with
        its inputs (what a values table gives: key, label, unit of measure, kind, columns) and
        the ids of the registered assumptions that affect it."""
        rows = []
        for ind in self.indicators:
            l2 = self.level2_by_id(ind.parent)
            l1 = self.level1_of(ind.parent)
            rows.append({
                "id": ind.id,
                "name": ind.name,
                "weight": _num(ind.weight),
                "level1": {"name": l1.name, "weight": _num(l1.weight)},
                "level2": {"name": l2.name, "weight": _num(l2.weight)},
                "units": list(self.units_of(ind)),
                "collect": ind.collect,
                "inputs": [_input_contract(spec) for spec in ind.inputs],
                "assumptions": [a.id for a in self.assumptions if ind.id in a.indicators],
            })
        return rows


def _input_contract(spec: InputSpec) -> dict[str, Any]:
    """An input as ``catalog show --json`` gives it: what a values table may hold for it."""
    out: dict[str, Any] = {"key": spec.key, "label": spec.label, "unit": spec.unit,
                           "kind": spec.kind, "required": spec.required}
    if spec.options:
        out["options"] = [o.label for o in spec.options]
    if spec.owner:
        out["owner"] = spec.owner
    if spec.kind == "table":
        out["max_rows"] = spec.max_rows
        out["columns"] = [_input_contract(col) for col in spec.columns]
    return out


def _num(value: Decimal | None) -> int | float | None:
    """JSON number for a weight: 25 stays 25, 12.5 stays 12.5."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
