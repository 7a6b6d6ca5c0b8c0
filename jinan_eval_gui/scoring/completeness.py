"""How complete a result is: which units did not return, which indicators are missing or invalid.

A score computed on incomplete data is not a judgement of performance. Everything that reports
a result (the report's first page, the CLI and the window before export) states completeness
from this one place, so the texts agree with the numbers used to score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jinan_eval_gui.catalogue import Catalogue

from .engine import Results

POLICY_TEXT = {
    "zero": "缺报和数据有误的指标按{score}分计入",
    "renormalise": "缺报和数据有误的指标不计入，其权重在同级已报指标间重新归一",
}


@dataclass(frozen=True)
class Gap:
    """One level-3 indicator that could not be scored from data as reported."""

    id: int
    name: str
    status: str
    """缺报 or 数据有误."""
    detail: str = ""


@dataclass(frozen=True)
class Completeness:
    """The completeness of one entity's result."""

    entity: str
    units_total: int
    units_missing: tuple[str, ...]
    indicators_total: int
    gaps: tuple[Gap, ...]
    policy: str
    missing_score: str

    @property
    def complete(self) -> bool:
        return not self.units_missing and not self.gaps

    @property
    def missing(self) -> tuple[Gap, ...]:
        return tuple(g for g in self.gaps if g.status == "缺报")

    @property
    def invalid(self) -> tuple[Gap, ...]:
        return tuple(g for g in self.gaps if g.status == "数据有误")

    @property
    def gap_ids(self) -> frozenset[int]:
        """Indicators never to be read as performance (strong, weak, change against last year)."""
        return frozenset(g.id for g in self.gaps)

    def summary(self) -> str:
        """One sentence for beside the headline score."""
        if self.complete:
            return (f"数据完整：{self.units_total} 个责任单位均已报送，"
                    f"{self.indicators_total} 项三级指标均按报送数据计分。")
        parts = []
        if self.units_missing:
            parts.append(f"{self.units_total} 个责任单位中 {len(self.units_missing)} 个未报送"
                         f"（{_names(self.units_missing)}）")
        scored = self.indicators_total - len(self.gaps)
        part = f"{self.indicators_total} 项三级指标中 {scored} 项按报送数据计分"
        if self.missing:
            part += f"，缺报 {len(self.missing)} 项"
        if self.invalid:
            part += f"，数据有误 {len(self.invalid)} 项"
        parts.append(part)
        policy = POLICY_TEXT.get(self.policy, "").format(score=self.missing_score)
        return "数据不完整：" + "；".join(parts) + (f"；{policy}" if policy else "") + "。"

    def brief(self) -> list[str]:
        """Every gap named, grouped in a few lines (for a dialog)."""
        lines = []
        if self.units_missing:
            lines.append(f"{self.entity}：未报送的单位（{len(self.units_missing)} 个）："
                         + "、".join(self.units_missing))
        for label, gaps in (("缺报", self.missing), ("数据有误", self.invalid)):
            if gaps:
                lines.append(f"{self.entity}：{label}的三级指标（{len(gaps)} 项）："
                             + "、".join(f"{g.id} {g.name}" for g in gaps))
        return lines

    def warnings(self) -> list[str]:
        """Every gap named, one line each (shown before export)."""
        lines = [f"{self.entity}：未报送的单位：{u}" for u in self.units_missing]
        for g in self.gaps:
            lines.append(f"{self.entity}：指标 {g.id}“{g.name}”{g.status}"
                         + (f"（{g.detail}）" if g.detail else ""))
        return lines


def _names(names: Sequence[str], limit: int = 40) -> str:
    shown = "、".join(names[:limit])
    return shown + (f"等 {len(names)} 个" if len(names) > limit else "")


def completeness(cat: Catalogue, results: Results, units_missing: Sequence[str]) -> Completeness:
    """Completeness of ``results``; ``units_missing`` are the responsible units with no accepted
    return for this entity (the round knows them, the engine does not)."""
    gaps = tuple(Gap(r.id, r.name, r.status_label, "；".join(r.messages))
                 for r in results.indicators.values() if r.status in ("missing", "invalid"))
    units = [u for u in cat.unit_names if cat.indicators_for_unit(u)]
    policy = results.settings.get("missing_policy", "zero")
    missing_score = results.params.get("missing_score")
    return Completeness(results.entity, len(units), tuple(units_missing),
                        len(results.indicators), gaps, policy,
                        "0" if missing_score is None else f"{missing_score.normalize():f}")
