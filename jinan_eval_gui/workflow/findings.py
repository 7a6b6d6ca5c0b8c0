"""Findings that stay and explain: what the checks found in each unit's file, after reopening.

Findings are stored with the version they were found in. Here each becomes a
:class:`FindingView` naming everything a person needs to act on it: the unit and its version,
sheet and cell, the label of the row, the value typed, what the cell asks for (or the
cross-field rule that failed), the indicator by number and name with its scoring rule, and
the category (数据有误: a wrong entry; 缺报: a required entry left blank; 文件问题; 需核实; 提示).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator
from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.collect.returns import SEVERITY_LABELS
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Finding, Round

from .arrivals import Arrival, unit_arrivals
from .rounds import round_catalogue


@dataclass(frozen=True)
class FindingView:
    """One finding with everything needed to understand it (all texts Chinese)."""

    id: int | None
    submission_id: int | None
    entity: str
    unit: str
    version: int | None
    version_state: str
    file_name: str
    severity: str
    category: str
    sheet: str
    cell: str
    row_label: str
    value: str
    message: str
    indicator_id: int | None
    indicator_name: str
    input_label: str
    requirement: str
    check: str
    scoring_rule: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def where(self) -> str:
        """工作表“数据填报” D12（第 3 行“测试数量1”）."""
        place = f"工作表“{self.sheet}” {self.cell}".strip() if self.sheet else self.cell
        return place + (f"（{self.row_label}）" if self.row_label else "")

    def detail_lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs for a details pane, in reading order, empty ones left out."""
        lines = [
            ("类别", f"{self.category}（{self.severity_label}）"),
            ("单位", f"{self.entity} {self.unit}".strip()),
            ("文件", self.file_name + (f"（第 {self.version} 版，{self.version_state}）"
                                       if self.version else "")),
            ("位置", self.where),
            ("填写内容", self.value),
            ("问题说明", self.message),
            ("指标", f"{self.indicator_id}. {self.indicator_name}" if self.indicator_id else ""),
            ("填报项", self.input_label),
            ("填写要求", self.requirement),
            ("校验规则", self.check),
            ("评分规则", self.scoring_rule),
        ]
        return [(k, v) for k, v in lines if v]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "entity": self.entity, "unit": self.unit,
                "version": self.version, "file": self.file_name, "severity": self.severity,
                "category": self.category, "sheet": self.sheet, "cell": self.cell,
                "row_label": self.row_label, "value": self.value, "message": self.message,
                "indicator": self.indicator_id, "indicator_name": self.indicator_name,
                "label": self.input_label, "requirement": self.requirement,
                "check": self.check, "scoring_rule": self.scoring_rule}


def open_findings(rnd: Round, cat: Catalogue | None = None, *,
                  entity: str | None = None, unit: str | None = None) -> list[FindingView]:
    """The findings still open: those of each unit's accepted version, and of a newer version
    kept without being accepted (it waits for the office's decision)."""
    cat = cat or round_catalogue(rnd)
    out = []
    for (e, u), arrivals in unit_arrivals(rnd).items():
        if (entity is not None and e != entity) or (unit is not None and u != unit):
            continue
        for a in subject_versions(arrivals):
            out += _views(rnd, cat, a, rnd.list_findings(a.submission_id))
    return out


def subject_versions(arrivals: list[Arrival]) -> list[Arrival]:
    """A unit's versions whose findings are open: the accepted one, and a newer one that was
    kept without being accepted."""
    stored = [a for a in arrivals if a.stored]
    current = next((a for a in stored if a.state == "accepted"), None)
    out = [current] if current else []
    if stored and stored[-1].state == "held" and stored[-1] is not current:
        out.append(stored[-1])
    return out


def version_findings(rnd: Round, submission_id: int, cat: Catalogue | None = None
                     ) -> list[FindingView]:
    """Every finding of one stored version."""
    cat = cat or round_catalogue(rnd)
    arrival = _arrival_of(rnd, submission_id)
    return _views(rnd, cat, arrival, rnd.list_findings(submission_id))


def finding_detail(rnd: Round, finding_id: int, cat: Catalogue | None = None) -> FindingView:
    """One finding, its row label read from the file's own input map (exact for table rows)."""
    cat = cat or round_catalogue(rnd)
    f = next((x for x in rnd.list_findings() if x.id == finding_id), None)
    if f is None or f.submission_id is None:
        raise EvalError("找不到该问题记录", hint="请刷新列表后重试")
    (view,) = _views(rnd, cat, _arrival_of(rnd, f.submission_id), [f])
    label = _map_label(rnd, f)
    return replace(view, row_label=label) if label else view


def _arrival_of(rnd: Round, submission_id: int) -> Arrival:
    for arrivals in unit_arrivals(rnd).values():
        for a in arrivals:
            if a.submission_id == submission_id:
                return a
    raise EvalError("找不到该版本的存档", hint="请刷新后重试")


def _views(rnd: Round, cat: Catalogue, arrival: Arrival, found: list[Finding]
           ) -> list[FindingView]:
    from jinan_eval_gui.collect.returns import finding_category, input_label

    variants = cat.reading_choices(rnd.assumption_choices())[0]
    out = []
    for f in found:
        ind = _indicator(cat, f.indicator_id)
        label = input_label(ind, f.input_key or "") if ind is not None else ""
        out.append(FindingView(
            f.id, f.submission_id, arrival.entity, arrival.unit, arrival.version,
            arrival.state_label, arrival.file_name, f.severity, finding_category(f),
            f.sheet or "", f.cell or "", label, f.value or "", f.message,
            f.indicator_id, ind.name if ind else "", label, _requirement(ind, f.input_key),
            _check(cat, ind, f),
            wording.describe(ind, cat.parameters, variant=variants.get(ind.id, ""))
            if ind is not None else ""))
    return out


def _indicator(cat: Catalogue, indicator_id: int | None) -> Indicator | None:
    if indicator_id is None:
        return None
    try:
        return cat.indicator(indicator_id)
    except KeyError:
        return None


def _requirement(ind: Indicator | None, key: str | None) -> str:
    """What the input asks for, as its template cell says (required or not, kind, bounds)."""
    from jinan_eval_gui.collect.templates import input_guidance

    if ind is None or not key or key.startswith("_"):
        return ""
    try:
        spec = ind.input(key)
    except KeyError:
        return ""
    if spec.kind == "table":
        return ("必填" if spec.required else "选填") + "明细表：同一行的各列须填写完整"
    return ("必填：" if spec.required else "选填：") + input_guidance(spec)


def _check(cat: Catalogue, ind: Indicator | None, f: Finding) -> str:
    """The cross-field rule a finding reports as failed, in Chinese notation."""
    if ind is None:
        return ""
    for check in ind.checks:
        if check.message and check.message in f.message:
            return f"{check.message}（{wording.check_text(ind, check, cat.parameters)}）"
    return ""


def _map_label(rnd: Round, f: Finding) -> str:
    """The label the template printed beside the finding's cell (its input map row)."""
    if not (f.sheet and f.cell and f.submission_id):
        return ""
    try:
        content = rnd.submission_content(f.submission_id)
    except EvalError:
        return ""
    return map_labels(content).get((f.sheet, f.cell), "")


def map_labels(content: bytes) -> dict[tuple[str, str], str]:
    """Every mapped cell's label as people read it (第 3 行“测试数量”), by (sheet, cell), from
    a file's own input map; empty when the file cannot be read."""
    from jinan_eval_gui.collect import xlsxsafe
    from jinan_eval_gui.collect.returns import IMPORT_LIMITS
    from jinan_eval_gui.collect.returns.reading import read_meta

    try:
        with xlsxsafe.open_bytes(content, "回传文件.xlsx", limits=IMPORT_LIMITS) as wb:
            meta = read_meta(wb)
    except (EvalError, ValueError, KeyError):
        return {}
    return {(c.sheet, c.cell): (f"第 {c.row_index} 行“{c.label}”"
                                if c.row_index is not None and c.column_key else f"“{c.label}”")
            for c in meta.cells}


def checked_findings(rnd: Round, result: Any, cat: Catalogue | None = None
                     ) -> list[FindingView]:
    """The findings of a file just checked and not stored (an import's ``FileResult``, e.g.
    of a dry run), explained like stored ones, row labels from the file's own input map."""
    cat = cat or round_catalogue(rnd)
    arrival = Arrival(result.entity, result.unit, "", Path(result.path).name, result.sha256,
                      "waiting")
    views = _views(rnd, cat, arrival, list(result.findings))
    if not any(v.sheet and v.cell for v in views):
        return views
    try:
        labels = map_labels(Path(result.path).read_bytes())
    except OSError:
        return views
    return [replace(v, row_label=labels.get((v.sheet, v.cell), v.row_label)) for v in views]
