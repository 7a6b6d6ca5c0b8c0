"""Models of the data collection page: files to import, findings, changes, conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtGui import QColor

from .table import (
    BAD,
    GOOD,
    MUTED,
    RECORD_ROLE,
    RIGHT,
    SORT_ROLE,
    WARN,
    Column,
    RecordTableModel,
    text,
)

if TYPE_CHECKING:
    from jinan_eval_gui.catalogue import Catalogue

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
CATEGORIES = ("数据有误", "缺报", "文件问题", "需核实", "提示")
PREVIEW_LABELS = {"imported": "可导入", "updated": "将更新已有数据", "unchanged": "与已导入的相同",
                  "rejected": "将被拒收", "held": "需确认", "skipped": "不采用"}
RESULT_LABELS = {"imported": "已导入", "updated": "已更新", "unchanged": "无变化",
                 "rejected": "已拒收", "held": "未导入（需确认）", "skipped": "未采用"}
#: Files kept by the acceptance gate: stored as a version that is not accepted.
GATED_LABELS = {"errors": "未接受（有错误，已存为版本）", "worse": "未接受（比已接受的版本差，已存为版本）"}


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------
@dataclass
class ImportFile:
    """A returned workbook the user added, and what the last check or import said."""

    path: Path
    stage: str = "added"  # added | checked | imported
    status: str = ""
    unit: str = ""
    entity: str = ""
    findings: list[Any] = field(default_factory=list)
    diffs: list[Any] = field(default_factory=list)
    decision: str = ""  # why a held file waits: "older" | "duplicate" | "errors" | "worse"
    views: list[Any] = field(default_factory=list)  # findings explained (workflow.findings)
    verdict: Any = None  # what accepting it means (collect.acceptance.Verdict), after a check

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def status_label(self) -> str:
        if self.stage == "added":
            return "待检查"
        if self.status == "held" and self.decision in GATED_LABELS:
            return GATED_LABELS[self.decision]
        if self.stage == "checked" and self.verdict is not None and self.verdict.question:
            if self.verdict.worse and self.verdict.replaces is not None:
                return f"比已接受的第 {self.verdict.replaces.version} 版差，接受前询问"
            return f"有错误 {self.verdict.errors} 处，接受前询问"
        labels = PREVIEW_LABELS if self.stage == "checked" else RESULT_LABELS
        return labels.get(self.status, self.status)


class ImportFilesModel(RecordTableModel):
    """The returned workbooks waiting to be checked and imported."""

    columns = (
        Column("文件", lambda f: f.path.name, tooltip=lambda f: str(f.path)),
        Column("评价对象", lambda f: f.entity),
        Column("责任单位", lambda f: f.unit),
        Column("检查结果", lambda f: f.status_label),
        Column("错误", lambda f: f.count("error") or "", RIGHT),
        Column("警告", lambda f: f.count("warning") or "", RIGHT),
        Column("数据变化", lambda f: len(f.diffs) or "", RIGHT),
    )

    def add_paths(self, paths: list[Path]) -> int:
        """Add files not yet listed; return how many were added."""
        known = {f.path.resolve() for f in self._rows}
        new = [ImportFile(p) for p in paths if p.resolve() not in known]
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()
        return len(new)

    def remove_rows(self, rows: list[int]) -> None:
        keep = [f for i, f in enumerate(self._rows) if i not in set(rows)]
        self.set_rows(keep)

    def paths(self) -> list[Path]:
        return [f.path for f in self._rows]

    def apply_report(self, report: Any, stage: str, views: dict[Path, list[Any]] | None = None,
                     verdicts: list[Any] = ()) -> None:
        """Take the per-file results of ``workflow.import_files`` (preview or real), the
        findings explained (by path) and what accepting each file means (after a preview)."""
        by_path = {Path(r.path).resolve(): r for r in report.files}
        explained = {Path(k).resolve(): v for k, v in (views or {}).items()}
        judged = {Path(v.path).resolve(): v for v in verdicts}
        for f in self._rows:
            key = f.path.resolve()
            result = by_path.get(key)
            if result is None:
                continue
            f.stage, f.status = stage, result.status
            f.unit, f.entity = result.unit or "", result.entity or ""
            f.findings, f.diffs = list(result.findings), list(result.diffs)
            f.decision = getattr(result, "decision", "")
            f.views = list(explained.get(key, []))
            f.verdict = judged.get(key)
        self.set_rows(self._rows)

    def needing_decision(self) -> list[ImportFile]:
        """Checked files whose acceptance must be asked about (errors, or worse than the
        version they would replace)."""
        return [f for f in self._rows if f.stage == "checked" and f.verdict is not None
                and f.verdict.question and f.status in ("imported", "updated", "held")
                and f.decision not in ("older", "duplicate")]

    def waiting(self, decision: str) -> list[ImportFile]:
        """Files the last check held back for a decision of this kind."""
        return [f for f in self._rows if f.status == "held" and f.decision == decision]

    def background(self, record: ImportFile, column: int) -> QColor | None:
        if record.stage == "added":
            return None
        if record.status == "rejected" or record.count("error"):
            return BAD
        if record.count("warning") or record.status == "held":
            return WARN
        return GOOD


# ---------------------------------------------------------------------------------------
# Findings (``workflow.findings.FindingView``: of a file just checked, or stored)
# ---------------------------------------------------------------------------------------
_CATEGORY_ORDER = {c: n for n, c in enumerate(CATEGORIES)}


def place(view: Any) -> str:
    """数据填报 D12 (the sheet and the cell)."""
    return f"{view.sheet} {view.cell}".strip()


def detail_html(view: Any) -> str:
    """A finding's details for a wrapping pane: label and text per line, nothing cut off."""
    from html import escape

    if view is None:
        return ""
    return "".join(f"<p style='margin:2px 0'><b>{escape(k)}：</b>{escape(v)}</p>"
                   for k, v in view.detail_lines())


class FindingsModel(RecordTableModel):
    """What the checks found: category (数据有误 is a wrong entry, 缺报 a blank), where, which
    value, what to do. The same rows for a file just checked and for the round's open ones."""

    columns = (
        Column("类别", lambda r: r.category, sort=lambda r: _CATEGORY_ORDER.get(r.category, 9)),
        Column("评价对象", lambda r: r.entity),
        Column("责任单位", lambda r: r.unit),
        Column("版本", lambda r: f"第 {r.version} 版" if r.version else "", RIGHT,
               sort=lambda r: r.version or 0),
        Column("文件", lambda r: r.file_name),
        Column("单元格", place),
        Column("填报项", lambda r: r.row_label or r.input_label),
        Column("指标", lambda r: r.indicator_id, RIGHT, sort=lambda r: r.indicator_id or 0,
               tooltip=lambda r: f"{r.indicator_id}. {r.indicator_name}" if r.indicator_id
               else ""),
        Column("填写内容", lambda r: r.value),
        Column("问题说明", lambda r: r.message),
    )
    ENTITY, VERSION, FILE = 1, 3, 4

    def set_files(self, files: list[ImportFile]) -> None:
        self.set_rows([v for f in files for v in f.views])

    def background(self, record: Any, column: int) -> QColor | None:
        return {"error": BAD, "warning": WARN}.get(record.severity)


class FindingsFilterProxy(QSortFilterProxyModel):
    """Sort by any column; filter by category, severity, unit and indicator (empty = all)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._category = ""
        self._severity = ""
        self._unit = ""
        self._indicator: int | None = None

    def set_filters(self, *, category: str = "", severity: str = "", unit: str = "",
                    indicator: int | None = None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self._set(category, severity, unit, indicator)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._set(category, severity, unit, indicator)
            self.invalidateFilter()

    def _set(self, category: str, severity: str, unit: str, indicator: int | None) -> None:
        self._category, self._severity = category, severity
        self._unit, self._indicator = unit, indicator

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        rec = self.sourceModel().data(index, RECORD_ROLE)
        if self._category and rec.category != self._category:
            return False
        if self._severity and rec.severity != self._severity:
            return False
        if self._unit and rec.unit != self._unit:
            return False
        return self._indicator is None or rec.indicator_id == self._indicator

    def view_at(self, row: int) -> Any:
        """The finding shown at ``row`` of the view (None when out of range)."""
        if not 0 <= row < self.rowCount():
            return None
        return self.data(self.index(row, 0), RECORD_ROLE)


# ---------------------------------------------------------------------------------------
# Changes against the values already imported
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffRow:
    file: str
    unit: str
    indicator_id: int
    input_key: str
    old: Any
    new: Any
    cell: str = ""


class DiffsModel(RecordTableModel):
    """Values a re-submitted file would change (indicator, input, old → new)."""

    columns = (
        Column("文件", lambda r: r.file),
        Column("责任单位", lambda r: r.unit),
        Column("指标", lambda r: r.indicator_id, RIGHT),
        Column("填报项", lambda r: r.input_key),
        Column("单元格", lambda r: r.cell),
        Column("原值", lambda r: r.old),
        Column("新值", lambda r: r.new),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cat: Catalogue | None = None

    def set_files(self, files: list[ImportFile]) -> None:
        rows = []
        for f in files:
            for diff in f.diffs:
                if hasattr(diff, "indicator_id"):
                    ind, key, old, new = diff.indicator_id, diff.input_key, diff.old, diff.new
                    label = getattr(diff, "label", "") or self._label(ind, key)
                else:
                    ind, key, old, new = tuple(diff)[:4]
                    label = self._label(ind, key)
                cell = "!".join(x for x in (getattr(diff, "sheet", ""), getattr(diff, "cell", ""))
                                if x)
                rows.append(DiffRow(f.path.name, f.unit, ind, label, old, new, cell))
        self.set_rows(rows)

    def _label(self, indicator_id: int, key: str) -> str:
        try:
            spec = self.cat.indicator(indicator_id).input(key.split(".")[0]) if self.cat else None
        except KeyError:
            spec = None
        return spec.label if spec is not None else "填报项"


# ---------------------------------------------------------------------------------------
# Conflicts between units
# ---------------------------------------------------------------------------------------
def candidate_pairs(candidates: Any) -> list[tuple[str, str]]:
    """(unit, value as text) for each competing value of a conflict."""
    pairs: list[tuple[str, str]] = []
    for c in candidates or []:
        if isinstance(c, dict):
            value = next((c[k] for k in ("value", "text", "number", "values") if k in c), "")
            pairs.append((str(c.get("unit", "")), text(value)))
        elif isinstance(c, list | tuple) and len(c) >= 2:
            pairs.append((str(c[0]), text(c[1])))
        else:
            pairs.append((text(c), ""))
    return pairs


class ConflictsModel(RecordTableModel):
    """Shared inputs that units reported differently, open ones first."""

    columns = (
        Column("编号", lambda c: c.id, RIGHT),
        Column("评价对象", lambda c: c.entity),
        Column("指标", lambda c: c.indicator_id, RIGHT),
        Column("填报项", lambda c: c.input_label),
        Column("各单位填报值", lambda c: "；".join(f"{u}：{v}" for u, v in
                                              candidate_pairs(c.candidates))),
        Column("处理结果", lambda c: _resolution_text(c)),
        Column("理由", lambda c: c.reason or ""),
    )

    def refresh(self, rnd: Any, cat: Catalogue | None = None) -> None:
        conflicts = rnd.list_conflicts() if rnd is not None else []
        rows = [LabelledConflict(c, input_label(cat, c.indicator_id, c.input_key))
                for c in conflicts]
        self.set_rows(sorted(rows, key=lambda c: (c.resolved_at is not None, c.id)))

    def open_count(self) -> int:
        return sum(1 for c in self._rows if c.resolved_at is None)

    def background(self, record: Any, column: int) -> QColor | None:
        return WARN if record.resolved_at is None else None

    def foreground(self, record: Any, column: int) -> QColor | None:
        return MUTED if record.resolved_at is not None else None


class LabelledConflict:
    """A stored conflict with its input's Chinese label (the key is never shown)."""

    def __init__(self, conflict: Any, input_label: str) -> None:
        self._conflict = conflict
        self.input_label = input_label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conflict, name)


def input_label(cat: Catalogue | None, indicator_id: int, key: str) -> str:
    """An input's label by indicator and key (a table's key names the table)."""
    try:
        return cat.indicator(indicator_id).input(key.split(".")[0]).label if cat else "填报项"
    except KeyError:
        return "填报项"


def _resolution_text(conflict: Any) -> str:
    if conflict.resolved_at is None:
        return "未处理"
    res = conflict.resolution
    unit = res.get("unit") if isinstance(res, dict) else res
    return f"采用 {unit} 的数据" if unit else "已处理"

