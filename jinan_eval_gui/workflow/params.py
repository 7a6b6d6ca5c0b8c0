"""The round's parameters as stored, checked before scoring uses them.

A round file can be edited outside the program; a parameter out of its range (a negative
deduction cap gave a total of 125.39) must stop the scoring with a message that names the
parameter by its Chinese name, never be used as it is. Global parameters keep the bounds
of ``parameters.toml``; an indicator's parameters (targets, points, shares) are numbers ≥ 0,
the same rule the window applies when they are edited.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import RoundDataError
from jinan_eval_gui.store import Round, latest_backup

_HINT = "该值可能被其他程序或手工修改过：请在窗口的“指标体系”页把它改回允许的范围"


def round_params(rnd: Round, cat: Catalogue) -> dict[str, Decimal]:
    """The round's stored parameters, each checked against the catalogue (see module doc)."""
    return checked_params(cat, rnd.get_params(), rnd=rnd)


def checked_params(cat: Catalogue, stored: dict[str, Any], *, rnd: Round | None = None
                   ) -> dict[str, Decimal]:
    """``stored`` as Decimals; RoundDataError for an unknown key, a non-number or a value
    outside the parameter's range."""
    bounds = _bounds(cat)
    checked: dict[str, Decimal] = {}
    for key, raw in stored.items():
        if key not in bounds:
            raise _error(rnd, f"有本评价轮次的指标体系中没有的评价参数（{key}）", "")
        label, low, high = bounds[key]
        value = _number(raw)
        if value is None:
            raise _error(rnd, f"评价参数“{label}”的值“{raw}”不是有效的数值", _range(low, high))
        if (low is not None and value < low) or (high is not None and value > high):
            raise _error(rnd, f"评价参数“{label}”的值 {raw} 超出允许范围 {_range(low, high)}", "")
        checked[key] = value
    return checked


def _bounds(cat: Catalogue) -> dict[str, tuple[str, Decimal | None, Decimal | None]]:
    """Every parameter key with its Chinese name and bounds."""
    out: dict[str, tuple[str, Decimal | None, Decimal | None]] = {
        p.key: (p.label, p.min, p.max) for p in cat.parameters}
    for ind in cat.indicators:
        labels = getattr(ind, "param_labels", {}) or {}
        for name in ind.params:
            out[f"{ind.id}.{name}"] = (f"指标 {ind.id}“{ind.name}”的{labels.get(name, '参数')}",
                                       Decimal(0), None)
    return out


def _number(raw: Any) -> Decimal | None:
    """A JSON number (or numeric text) as a finite Decimal; None for anything else."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _range(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{low} ~ {high}"
    if low is not None:
        return f"≥ {low}"
    return f"≤ {high}" if high is not None else "任意数值"


def _error(rnd: Round | None, what: str, allowed: str) -> RoundDataError:
    name = f"评价轮次文件“{rnd.path.name}”中" if rnd is not None else ""
    allowed_text = f"（允许范围 {allowed}）" if allowed else ""
    hint = _HINT
    backup = latest_backup(rnd.path) if rnd is not None else None
    if backup is not None:
        hint += f"，或恢复最近的自动备份“{backup.path.name}”（jinan-eval restore）"
    return RoundDataError(f"{name}{what}{allowed_text}，无法计算评分", hint=hint)
