"""Year-on-year plausibility: a value far from the same unit's value in an earlier round."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.store import Round, RoundInfo

from . import templates
from .returns import FileResult, finding, plain

DEFAULT_YOY_JUMP_RATIO = Decimal("0.5")
YOY_KINDS = frozenset({"count", "amount", "percent", "score"})


class Previous:
    """The accepted values of an earlier round, for implausible-jump warnings."""

    def __init__(self, rnd: Round) -> None:
        self.rnd = rnd
        self.year = rnd.info.year
        self._values: dict[str, dict[tuple[int, str], dict[str, Decimal]]] = {}

    def value(self, entity: str, unit: str, ind_id: int, key: str) -> Decimal | None:
        if entity not in self._values:
            table: dict[tuple[int, str], dict[str, Decimal]] = {}
            for i, by_key in self.rnd.current_values(entity).items():
                for k, rows in by_key.items():
                    for r in rows:
                        if r.row_index is None and r.number is not None:
                            table.setdefault((i, k), {})[r.unit] = r.number
            self._values[entity] = table
        by_unit = self._values[entity].get((ind_id, key), {})
        if unit in by_unit:
            return by_unit[unit]
        distinct = set(by_unit.values())
        return distinct.pop() if len(distinct) == 1 else None


def check_yoy(result: FileResult, previous: Previous, ratio: Decimal, cat: Catalogue) -> None:
    """Warn where a numeric scalar input moved by more than ``ratio`` of its earlier value."""
    if ratio <= 0:
        return
    for v in result.values:
        if v.row_index is not None or v.number is None or v.input_key.startswith("_"):
            continue
        ind = cat.indicator(v.indicator_id)
        spec = ind.input(v.input_key)
        if spec.kind not in YOY_KINDS:
            continue
        old = previous.value(result.entity, result.unit, v.indicator_id, v.input_key)
        if old is None or old == 0:
            continue
        new = Decimal(v.number)
        change = abs(new - old) / abs(old)
        if change > ratio:
            direction = "增加" if new > old else "减少"
            result.findings.append(finding(
                "warning", f"与 {previous.year} 年度填报的 {plain(old)} 相比{direction}了 "
                           f"{plain(round(change * 100, 1))}%，超过 {plain(ratio * 100)}% 的合理"
                           "变动范围。请核实是否填写有误；如因统计口径变化，请在备注中说明",
                templates.InputCell(v.indicator_id, v.input_key, None, "", v.sheet or "",
                                    v.cell or "", spec.label), ind, spec, v.text or ""))


def yoy_jump_ratio(rnd: Round, cat: Catalogue) -> Decimal:
    """The round's ``yoy_jump_ratio`` (catalogue default, else 0.5); 0 turns the check off."""
    value = rnd.get_param("yoy_jump_ratio")
    if value is None:
        value = next((p.default for p in cat.parameters if p.key == "yoy_jump_ratio"),
                     DEFAULT_YOY_JUMP_RATIO)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return DEFAULT_YOY_JUMP_RATIO


def open_previous(previous: Round | str | Path | None,
                  info: RoundInfo) -> tuple[Previous | None, Round | None]:
    """The earlier round to compare with (and the round opened here, to close after)."""
    if previous is None:
        return None, None
    opened = None
    if not isinstance(previous, Round):
        opened = previous = Round.open(Path(previous), readonly=True)
    try:
        check_earlier_round(info, previous.info)
    except RoundFileError:
        if opened is not None:
            opened.close()
        raise
    return Previous(previous), opened


def check_earlier_round(current: RoundInfo, earlier: RoundInfo) -> None:
    """Refuse the round itself, or a round not of an earlier year, as the one compared with."""
    if earlier.id == current.id:
        raise RoundFileError("用于同比的评价轮次就是当前轮次", hint="请选择上一年度的评价轮次文件")
    if earlier.year >= current.year:
        raise RoundFileError(
            f"用于同比的评价轮次“{earlier.name}”是 {earlier.year} 年度，不早于本轮的 {current.year} 年度",
            hint="请选择更早年度（如上一年度）的评价轮次文件")
