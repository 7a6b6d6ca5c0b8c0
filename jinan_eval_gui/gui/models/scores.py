"""Models of the results page: the score tree and one indicator's trace."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from jinan_eval_gui.catalogue.rules import wording

from .catalogue import weight_text
from .table import BAD, NOTE, WARN, Column, RecordTableModel, text
from .tree import Node, NodeTreeModel

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue
    from jinan_eval_gui.scoring.engine import Results

STATUS_COLOURS = {"missing": WARN, "invalid": BAD, "expert": NOTE}


@dataclass(frozen=True)
class ScoreItem:
    """A node of the score tree: a level-1/level-2 group (level 1, 2) or an indicator (3)."""

    level: int
    obj: Any

    @property
    def indicator_id(self) -> int | None:
        return self.obj.id if self.level == 3 else None


class ScoreTreeModel(NodeTreeModel):
    """一级 → 二级 → 三级 with weight, score and status, straight from ``Results``; with a
    round compared with (上年度), last year's score and the change beside each."""

    headers = ("指标", "权重", "得分", "状态", "上年得分", "变化")
    LAST_YEAR, CHANGE = 4, 5

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.results: Results | None = None
        self.changes: Any = None  # workflow.comparison.EntityChanges of the entity shown

    def set_results(self, results: Results | None, changes: Any = None) -> None:
        self.results = results
        self.changes = changes
        root = Node(None)
        if results is not None:
            groups2: dict[str, list[Any]] = {}
            for g in results.level2:
                groups2.setdefault(g.parent, []).append(g)
            for g1 in results.level1:
                n1 = root.add(ScoreItem(1, g1))
                for g2 in groups2.get(g1.name, []):
                    n2 = n1.add(ScoreItem(2, g2))
                    for term in g2.terms:
                        n2.add(ScoreItem(3, results.indicators[int(term.key)]))
        self.set_root(root)

    def cell(self, item: ScoreItem, column: int) -> Any:
        obj = item.obj
        deduction = obj.kind == "deduction"
        if column == 0:
            return f"{obj.id}. {obj.name}" if item.level == 3 else obj.name
        if column == 1:
            return "扣分制" if deduction and item.level < 3 else weight_text(obj.weight)
        if column == 2:
            if deduction and item.level == 1 and self.results is not None:
                return f"−{text(self.results.deductions)}"
            if deduction and item.level == 3:
                return f"−{text(obj.score)}" if obj.score else "0"
            return "" if obj.score is None else text(obj.score)
        if column == 3 and item.level == 3:
            return obj.status_label
        if column in (self.LAST_YEAR, self.CHANGE):
            return self._last_year(item, column == self.CHANGE)
        return ""

    def _last_year(self, item: ScoreItem, change: bool) -> str:
        """Last year's score of the node, or this year's change against it (+1.5 / −2)."""
        c = self.changes
        if c is None:
            return ""
        found = (c.indicators.get(item.obj.id) if item.level == 3 else
                 (c.level1 if item.level == 1 else c.level2).get(item.obj.name))
        if found is None:
            return ""
        if not change:
            return "" if found.previous is None else text(found.previous)
        delta = found.change
        if delta is None:
            return ""
        return f"+{text(delta)}" if delta > 0 else (f"−{text(-delta)}" if delta < 0 else "0")

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        if column in (1, 2, self.LAST_YEAR, self.CHANGE):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return super().alignment(column)

    def background(self, item: ScoreItem, column: int) -> QColor | None:
        if item.level == 3 and column == 3:
            return STATUS_COLOURS.get(item.obj.status)
        return None

    def tooltip(self, item: ScoreItem, column: int) -> str | None:
        if item.level == 3 and item.obj.messages:
            return "\n".join(item.obj.messages)
        return text(self.cell(item, column)) or None

    def bold(self, item: ScoreItem) -> bool:
        return item.level == 1


# ---------------------------------------------------------------------------------------
# Trace of one indicator
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TraceRow:
    part: str
    name: str
    value: str


def value_text(value: Any, unit: str = "", spec: Any = None) -> str:
    if value is None or (isinstance(value, list) and not value):
        return "（未填报）"
    words = spec.label_of(value) if spec is not None else None  # 是/否, a choice's label
    if words is not None:
        return words
    shown = text(value)
    return f"{shown} {unit}".strip() if unit and not isinstance(value, list) else shown


def trace_rows(cat: Catalogue | None, result: Any) -> list[TraceRow]:
    """Inputs, parameters, steps, rule, score and messages of one indicator's result."""
    ind = cat.indicator(result.id) if cat is not None else None
    rows: list[TraceRow] = []
    specs = {s.key: s for s in ind.inputs} if ind is not None else {}
    for key, value in result.inputs.items():
        spec = specs.get(key.split(".")[0])
        if spec is not None and spec.kind == "table" and "." in key:
            column = next((c for c in spec.columns if c.key == key.split(".", 1)[1]), None)
            label = f"{spec.label} · {column.label if column else '明细'}"
            unit = column.unit if column else ""
        else:
            label, unit = (spec.label, spec.unit) if spec is not None else ("填报项", "")
            column = spec
        shown = value_text(value, unit, column)
        if value is None and spec is not None and any(  # wrong, not missing (数据有误)
                f"“{spec.label}”有误" in m for m in result.messages):
            shown = "（填写有误，未采用）"
        rows.append(TraceRow("填报数据", label, shown))
    for name, detail in (getattr(result, "provenance", None) or {}).get("trace", ()):
        rows.append(TraceRow("数据来源" if name != "说明" else "说明", name, detail))
    for name, value in result.params.items():
        rows.append(TraceRow("参数", wording.param_label(ind, name) if ind else "参数", text(value)))
    if ind is None:
        return rows + _result_rows(result)
    variant = result.variant
    *lines, score = wording.lines(ind, cat.parameters, variant=variant)
    steps = ind.reading(variant)[0] if variant else ind.steps
    for step, line in zip(steps, lines, strict=True):
        if step.name in result.steps:
            rows.append(TraceRow("中间量", line, _number(result.steps[step.name])))
    rows.append(TraceRow("评分规则", score, ""))
    return rows + _result_rows(result)


def _result_rows(result: Any) -> list[TraceRow]:
    """The score, its status, an expert's reason and the engine's messages."""
    rows: list[TraceRow] = []
    if result.raw is not None:
        rows.append(TraceRow("计算结果", "未取整得分", _number(result.raw)))
    kind = "扣减分值" if result.kind == "deduction" else "得分"
    rows.append(TraceRow("计算结果", kind, text(result.score)))
    rows.append(TraceRow("计算结果", "状态", result.status_label))
    if result.override_reason:
        rows.append(TraceRow("专家评分", "理由", result.override_reason))
    for message in result.messages:
        rows.append(TraceRow("说明", "", message))
    return rows


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal("0.0001")) if value.as_tuple().exponent < -4 else value
        return text(rounded)
    return text(value)


class TraceModel(RecordTableModel):
    """How one indicator's score came about, row by row."""

    columns = (
        Column("项目", lambda r: r.part),
        Column("名称", lambda r: r.name),
        Column("值", lambda r: r.value),
    )

    def background(self, record: TraceRow, column: int) -> QColor | None:
        if record.part == "说明":
            return WARN
        if record.part == "计算结果":
            return NOTE
        return None
