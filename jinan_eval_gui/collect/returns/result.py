"""What reading one returned file produces: findings, diffs, the file's verdict, and texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.collect import templates
from jinan_eval_gui.store import Conflict, Finding, NewValue

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"imported": "已导入", "updated": "已更新", "unchanged": "未变化",
                 "rejected": "已拒绝", "held": "待确认", "skipped": "未采用"}
"""``held``: not stored until the user decides (older than the stored return, or one of several
files of a unit in one import); ``skipped``: not stored because the user chose another file."""
DECISION_LABELS = {"older": "早于已导入的版本", "duplicate": "同一单位有多个文件",
                   "errors": "有错误，未接受", "worse": "错误多于已导入的版本，未接受"}
"""``errors``/``worse``: held by the acceptance gate (:mod:`..acceptance`); such a file is kept in
the round as a version that is not accepted, so it can be sent back or accepted later."""
#: What a finding means for the office: a wrong entry, a required entry left blank, a problem of
#: the file itself, something to verify, or information.
CATEGORY_WRONG, CATEGORY_MISSING, CATEGORY_FILE = "数据有误", "缺报", "文件问题"
CATEGORY_VERIFY, CATEGORY_INFO = "需核实", "提示"
#: Longest texts kept in a finding (messages name cells and values; a value may be 2,000
#: characters and a table's display longer: what a person reads is capped, never the data).
MAX_MESSAGE = 1000
MAX_SHOWN_VALUE = 300
MAX_DIFF_TEXT = 500


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Diff:
    """One input whose value changes when a newer return replaces an older one."""

    indicator_id: int
    input_key: str
    label: str
    old: str
    new: str
    sheet: str = ""
    cell: str = ""


@dataclass
class ConflictNote:
    """A shared input that units report differently (``action`` "new"), or that they now
    report alike so the open conflict closes (``action`` "agreed")."""

    entity: str
    indicator_id: int
    input_key: str
    label: str
    candidates: list[dict[str, str]]
    action: str = "new"
    replaces: Conflict | ConflictNote | None = None
    conflict_id: int | None = None


@dataclass
class FileResult:
    """What happened to one file; findings carry sheet/cell/indicator/input."""

    path: Path
    status: str = "rejected"
    entity: str = ""
    unit: str = ""
    findings: list[Finding] = field(default_factory=list)
    diffs: list[Diff] = field(default_factory=list)
    values: list[NewValue] = field(default_factory=list)
    conflicts: list[ConflictNote] = field(default_factory=list)
    filler: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    submission_id: int | None = None
    content: bytes = field(default=b"", repr=False)
    superseded: list[Any] = field(default_factory=list, repr=False)
    saved_at: datetime | None = None
    """When the file was saved: its own record (``saved_source`` "file") or, failing that,
    when it arrived on this computer (its modification time on disk, "disk")."""
    saved_source: str = ""
    decision: str = ""
    """Why a ``held`` file waits for the user: "older" or "duplicate" (DECISION_LABELS)."""
    kept: list[Any] = field(default_factory=list, repr=False)
    """Values of the unit's earlier return that stay current (blank or unreadable here)."""

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """The ``import --json`` file entry (path, status, findings; extra keys allowed)."""
        return {
            "path": str(self.path),
            "file": self.path.name,
            "status": self.status,
            "entity": self.entity,
            "unit": self.unit,
            "sha256": self.sha256,
            "counts": {s: self.count(s) for s in SEVERITY_LABELS},
            "findings": [finding_json(f, catalogue, self.path.name) for f in self.findings],
            "diffs": [{"indicator": d.indicator_id, "input": d.input_key, "label": d.label,
                       "sheet": d.sheet, "cell": d.cell, "old": d.old, "new": d.new}
                      for d in self.diffs],
            "conflicts": [{"indicator": c.indicator_id, "input": c.input_key, "label": c.label,
                           "action": c.action, "candidates": c.candidates}
                          for c in self.conflicts],
            "filler": dict(self.filler),
            "saved_at": self.saved_at.isoformat() if self.saved_at else "",
            "decision": self.decision,
            "submission_id": self.submission_id,
        }


def is_wrong_entry(f: Finding) -> bool:
    """An error about what a unit typed into an input (数据有误), as against a required input left
    blank (缺报): the finding carries the value typed. Scoring marks the indicator 数据有误 when such
    an input has no accepted value."""
    return (f.severity == "error" and f.indicator_id is not None and bool(f.input_key)
            and bool(f.value))


#: The note on an input a failed cross-field check left unused besides the one it names.
NOT_USED = "与其他填报项一起未通过校验，本项未采用"


def is_refused_entry(f: Finding) -> bool:
    """A finding that records a value the unit typed and the import did not use: a wrong
    entry, or an input of a failed cross-field check (:data:`NOT_USED`), with the value."""
    return is_wrong_entry(f) or (f.severity == "info" and NOT_USED in f.message
                                 and f.indicator_id is not None and bool(f.value))


def finding_category(f: Finding) -> str:
    """The finding's category as the office reads it (CATEGORY_*)."""
    if f.severity == "error":
        if f.indicator_id is None:
            return CATEGORY_FILE
        return CATEGORY_WRONG if is_wrong_entry(f) else CATEGORY_MISSING
    return CATEGORY_VERIFY if f.severity == "warning" else CATEGORY_INFO


def finding_json(f: Finding, catalogue: Catalogue | None = None,
                 file: str = "") -> dict[str, Any]:
    """The ``import --json`` finding contract (severity, sheet, cell, indicator, input, message),
    with the indicator's name, the input's label, the value as typed and the file."""
    name = label = ""
    if catalogue is not None and f.indicator_id is not None:
        try:
            ind = catalogue.indicator(f.indicator_id)
        except KeyError:
            ind = None
        if ind is not None:
            name = ind.name
            label = input_label(ind, f.input_key or "")
    return {"severity": f.severity, "sheet": f.sheet or "", "cell": f.cell or "",
            "indicator": f.indicator_id, "input": f.input_key or "", "message": f.message,
            "indicator_name": name, "label": label, "value": f.value or "", "file": file,
            "category": finding_category(f)}


def input_label(ind: Indicator, key: str) -> str:
    """The label of an input key (evidence and notes keys included), for people."""
    base = key.removeprefix(templates.EVIDENCE_PREFIX)
    try:
        spec = ind.input(base)
    except KeyError:
        return "备注" if key == templates.NOTES_KEY else ""
    return f"佐证材料说明：{spec.label}" if key != base else spec.label


def _short(text: str, limit: int = 60) -> str:
    """Text from a file, shortened for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def capped(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message or a shown value at most ``limit`` characters long."""
    return _short(text, limit)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


def plain(number: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def stored_form(spec: InputSpec, value: Any) -> tuple[Decimal | None, str]:
    """The number rules see and the text kept for people, as every import stores a value
    (yes/no as 1/0 with 是/否, a choice as its value with its label)."""
    if spec.kind == "text":
        return None, str(value)
    if spec.kind == "choice":
        option = next(o for o in spec.options if o.value == value)
        return option.value, option.label
    if spec.kind == "yesno":
        number = Decimal(1) if value == 1 else Decimal(0)
        return number, "是" if number == 1 else "否"
    number = Decimal(value)
    return number, plain(number)


def finding(severity: str, message: str, cell: templates.InputCell | None = None,
            ind: Indicator | None = None, spec: InputSpec | None = None,
            value: str = "", *, hint: str = "") -> Finding:
    """A finding located at ``cell``, its message prefixed with indicator and input."""
    where = ""
    if ind is not None:
        where = f"指标 {ind.id}（{ind.name}）"
        if spec is not None:
            where += f"“{spec.label}”"
        where += "："
    text = where + message + (f"。{hint}" if hint else "")
    return Finding(severity=severity, message=capped(text),
                   sheet=cell.sheet if cell else None, cell=cell.cell if cell else None,
                   indicator_id=ind.id if ind else None,
                   input_key=cell.input_key if cell else (spec.key if spec else None),
                   value=capped(value, MAX_SHOWN_VALUE) if value else None)


def label_of(ind: Indicator, key: str) -> str:
    """An input's label, or its key if the indicator has no such input."""
    try:
        return ind.input(key).label
    except KeyError:
        return key
