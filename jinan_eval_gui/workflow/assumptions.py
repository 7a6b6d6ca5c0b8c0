"""The assumption register of a round: review, switch, confirm, preview the effect on the total.

The catalogue registers the open decisions (:mod:`jinan_eval_gui.catalogue.assumptions`); the
round keeps the office's choices and confirmations. A confirmation stands while the round still
has the confirmed choice and parameter values: changing either puts the item back to 需重新确认.
The report is a 征求意见稿 until every registered assumption stands confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.catalogue.assumptions import Assumption, Choice
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.outputs.report.blocks import AssumptionNote
from jinan_eval_gui.outputs.signoff import SignoffItem
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import AssumptionState, Round

from .rounds import round_catalogue

CONFIRMED, UNCONFIRMED, CHANGED = "已确认", "待确认", "需重新确认"
ORIGIN_CONFIRMED = "本轮确认"


@dataclass(frozen=True)
class ParamValue:
    """A parameter an assumption fixes, by its Chinese name, with the round's value."""

    key: str
    label: str
    value: Decimal
    default: Decimal


@dataclass(frozen=True)
class AssumptionStatus:
    """One register entry as it stands in a round."""

    assumption: Assumption
    choice: Choice
    params: tuple[ParamValue, ...]
    state: str
    confirmed_by: str | None = None
    confirmed_at: str | None = None
    note: str | None = None

    @property
    def origin(self) -> str:
        """指标体系原文 / 工具默认 for the current choice, or 本轮确认 once confirmed as it is."""
        return ORIGIN_CONFIRMED if self.state == CONFIRMED else self.choice.origin

    @property
    def confirmed(self) -> bool:
        return self.state == CONFIRMED

    def to_json(self) -> dict[str, Any]:
        """The ``assumptions --json`` contract for one entry."""
        a = self.assumption
        return {
            "id": a.id, "category": a.category, "title": a.title, "text": a.text,
            "indicators": list(a.indicators), "origin": self.origin, "state": self.state,
            "choice": {"key": self.choice.key, "label": self.choice.label},
            "default": a.default,
            "choices": [{"key": c.key, "label": c.label, "origin": c.origin} for c in a.choices],
            "params": [{"key": p.key, "label": p.label, "value": _num(p.value),
                        "default": _num(p.default)} for p in self.params],
            "confirmed": None if self.state == UNCONFIRMED and not self.confirmed_by else {
                "by": self.confirmed_by, "at": self.confirmed_at, "note": self.note or ""},
        }


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def param_label(cat: Catalogue, key: str) -> str:
    """A parameter's Chinese name: the global parameter's label or the indicator's own."""
    for spec in cat.parameters:
        if spec.key == key:
            return spec.label
    ind_id, _, name = key.partition(".")
    ind = cat.indicator(int(ind_id))
    labels = getattr(ind, "param_labels", {}) or {}
    return labels.get(name) or f"指标 {ind.id} 的参数"


def register(rnd: Round, cat: Catalogue | None = None) -> list[AssumptionStatus]:
    """Every registered assumption with the round's choice, parameter values and state."""
    cat = cat or round_catalogue(rnd)
    states = rnd.assumption_states()
    params = engine.resolve_params(cat, rnd.get_params())
    defaults = cat.parameter_defaults()
    out = []
    for a in cat.assumptions:
        state = states.get(a.id)
        choice = _current_choice(a, state)
        values = tuple(ParamValue(k, param_label(cat, k), params[k], defaults[k]) for k in a.params)
        out.append(_status(a, choice, values, state))
    return out


def _current_choice(a: Assumption, state: AssumptionState | None) -> Choice:
    if state is not None:
        try:
            return a.choice(state.choice)
        except KeyError:  # chosen under another catalogue version: back to the default
            pass
    return a.default_choice


def _snapshot_params(values: Iterable[ParamValue]) -> dict[str, str]:
    return {p.key: str(p.value) for p in values}


def _status(a: Assumption, choice: Choice, values: tuple[ParamValue, ...],
            state: AssumptionState | None) -> AssumptionStatus:
    if state is None or state.confirmed_by is None:
        return AssumptionStatus(a, choice, values, UNCONFIRMED)
    snap = state.snapshot or {}
    same = snap.get("choice") == choice.key and snap.get("params", {}) == _snapshot_params(values)
    return AssumptionStatus(a, choice, values, CONFIRMED if same else CHANGED,
                            state.confirmed_by, state.confirmed_at, state.note)


def is_final(rnd: Round, cat: Catalogue | None = None) -> bool:
    """Whether every registered assumption stands confirmed (the report is then final)."""
    return all(s.confirmed for s in register(rnd, cat))


def unconfirmed(statuses: Sequence[AssumptionStatus]) -> list[AssumptionStatus]:
    """The entries that keep the report a 征求意见稿."""
    return [s for s in statuses if not s.confirmed]


def _lookup(cat: Catalogue, assumption_id: str) -> Assumption:
    try:
        return cat.assumption(assumption_id)
    except KeyError:
        known = "、".join(a.id for a in cat.assumptions[:8])
        raise EvalError(f"评分口径假设中没有编号“{assumption_id}”",
                        hint=f"请用“jinan-eval assumptions 轮次文件”查看编号（如 {known}…）") from None


def _choice_of(a: Assumption, key: str) -> Choice:
    """The choice a person named: by its number in the list (1, 2 …), its label or its key."""
    key = key.strip()
    if key.isdigit() and 1 <= int(key) <= len(a.choices):
        return a.choices[int(key) - 1]
    for c in a.choices:
        if key in (c.key, c.label):
            return c
    options = "；".join(f"{n} = {c.label}" for n, c in enumerate(a.choices, 1))
    raise EvalError(f"评分口径假设 {a.id} 没有可选项“{key}”", hint=f"请填写编号：{options}")


def choose(rnd: Round, assumption_id: str, choice: str, *, reason: str = "") -> AssumptionStatus:
    """Switch an assumption to another choice (its confirmation lapses); returns its new state."""
    cat = round_catalogue(rnd)
    a = _lookup(cat, assumption_id)
    chosen = _choice_of(a, choice)
    rnd.set_assumption_choice(a.id, chosen.key, reason=reason)
    return next(s for s in register(rnd, cat) if s.assumption.id == a.id)


def confirm(rnd: Round, ids: Sequence[str], *, by: str, choice: str | None = None,
            note: str = "") -> list[AssumptionStatus]:
    """Confirm assumptions as they stand (or with ``choice``, switching first); audit-logged.

    All ids are checked before anything is written, so a typo confirms nothing.
    """
    if not by.strip():
        raise EvalError("请填写确认人姓名", hint="例如 --by 张三")
    cat = round_catalogue(rnd)
    targets = [_lookup(cat, i) for i in dict.fromkeys(ids)]
    if not targets:
        raise EvalError("没有指定要确认的评分口径假设", hint="请列出编号，或用 --all 确认全部")
    keys = {a.id: (_choice_of(a, choice).key if choice is not None else None) for a in targets}
    current = {s.assumption.id: s for s in register(rnd, cat)}
    with rnd.transaction():
        for a in targets:
            key = keys[a.id] or current[a.id].choice.key
            rnd.confirm_assumption(a.id, choice=key, by=by, note=note,
                                   params=_snapshot_params(current[a.id].params))
    confirmed = {a.id for a in targets}
    return [s for s in register(rnd, cat) if s.assumption.id in confirmed]


@dataclass(frozen=True)
class Effect:
    """What switching an assumption would do to one entity's result (nothing is stored)."""

    entity: str
    total_before: Decimal
    total_after: Decimal
    changed: tuple[tuple[int, Decimal, Decimal], ...]
    """(indicator id, score before, score after) for every level-3 score that changes."""

    @property
    def delta(self) -> Decimal:
        return self.total_after - self.total_before


def preview(rnd: Round, assumption_id: str, choice: str) -> list[Effect]:
    """Score every entity with one assumption switched, without storing anything."""
    from .scores import score_entity

    cat = round_catalogue(rnd)
    a = _lookup(cat, assumption_id)
    chosen = rnd.assumption_choices()
    trial = {**chosen, a.id: _choice_of(a, choice).key}
    out = []
    for entity in rnd.list_entities():
        before = score_entity(rnd, entity, cat=cat, save=False, choices=chosen)
        after = score_entity(rnd, entity, cat=cat, save=False, choices=trial)
        changed = tuple((i, before.indicators[i].score, after.indicators[i].score)
                        for i in before.indicators
                        if before.indicators[i].score != after.indicators[i].score)
        out.append(Effect(entity, before.total, after.total, changed))
    return out



def signoff_items(statuses: Sequence[AssumptionStatus]) -> list[SignoffItem]:
    """The register as the 确认单 lists it (Chinese texts only)."""
    items = []
    for s in statuses:
        a = s.assumption
        confirmation = ""
        if s.confirmed_by:
            confirmation = f"{s.confirmed_by} {(s.confirmed_at or '')[:10]} {s.state}"
            if s.note:
                confirmation += f"\n意见：{s.note}"
        items.append(SignoffItem(
            id=a.id, category=a.category, title=a.title, text=a.text, indicators=a.indicators,
            choice=s.choice.label, origin=s.origin,
            alternatives=tuple(c.label for c in a.choices if c.key != s.choice.key),
            params=tuple(f"{p.label}：{p.value}" for p in s.params), state=s.state,
            confirmation=confirmation))
    return items


def export_signoff(rnd: Round, out_dir: Path) -> list[Path]:
    """Write the 评分口径确认单 of the round as Word and Excel into ``out_dir``."""
    from jinan_eval_gui.outputs import signoff
    from jinan_eval_gui.system.filenames import sanitize_filename

    info = rnd.info
    items = signoff_items(register(rnd))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = sanitize_filename(f"{info.year}年度_{signoff.TITLE}")
    report = signoff.build_signoff(items, round_name=info.name, year=info.year)
    return [
        signoff.write_signoff_docx(report, out_dir / f"{stem}.docx"),
        signoff.write_signoff_xlsx(items, out_dir / f"{stem}.xlsx", round_name=info.name,
                                   year=info.year),
    ]


def report_notes(statuses: Sequence[AssumptionStatus]) -> list[AssumptionNote]:
    """The register as the report states it (征求意见稿 while any is unconfirmed)."""
    return [AssumptionNote(s.assumption.id, s.assumption.category, s.assumption.title,
                           s.assumption.indicators, s.choice.label, s.origin, s.confirmed)
            for s in statuses]
