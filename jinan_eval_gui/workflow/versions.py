"""History per unit and per value: every version a unit sent, what each changed, restoring one.

Every file a unit sent stays in the round (versions, :mod:`arrivals`). Restoring version N makes
it the unit's return again by importing its stored bytes anew (as a new version, noted as
restored from N, audit ``version.restore``): the import's rules apply as to any newer file (the
differences are listed, shared inputs checked against other units, nothing emptied that N left
blank), and the version that was current stays in the history, so a restore can itself be
undone by restoring that version. A version kept without being accepted (it had errors) is
accepted the same way.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Finding, Round, StoredValue
from jinan_eval_gui.system.atomic import atomic_path, ensure_folder
from jinan_eval_gui.system.filenames import sanitize_filename

from .arrivals import RESTORE_ACTION, Arrival, unit_arrivals
from .backups import backup_before
from .rounds import round_catalogue


@dataclass(frozen=True)
class Change:
    """One input a version changed in the round: its value before and after."""

    indicator_id: int
    label: str
    old: str
    new: str
    cell: str = ""


@dataclass(frozen=True)
class Version:
    """One stored version of a unit's return with its findings and what it changed."""

    arrival: Arrival
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    """What importing it changed in the round's values (empty for a first return, or when
    the round predates this record)."""

    @property
    def number(self) -> int:
        return self.arrival.version or 0


def unit_versions(rnd: Round, unit: str, *, entity: str | None = None) -> list[Version]:
    """The stored versions of ``unit`` (first entity by default), oldest first."""
    entity = entity or rnd.list_entities()[0]
    audit = rnd.audit_log()
    arrivals = unit_arrivals(rnd, audit=audit).get((entity, unit), [])
    changes = _logged_changes(audit)
    return [Version(a, rnd.list_findings(a.submission_id),
                    changes.get(a.submission_id, []))
            for a in arrivals if a.submission_id is not None]


def _logged_changes(audit: list[Any]) -> dict[int, list[Change]]:
    """The differences each import logged per stored file."""
    out: dict[int, list[Change]] = {}
    for entry in audit:
        if entry.action != "import":
            continue
        for f in entry.details.get("files", []):
            if f.get("submission_id") is not None and f.get("diffs"):
                out[f["submission_id"]] = [
                    Change(int(d.get("indicator", 0)), str(d.get("label", "")),
                           str(d.get("old", "")), str(d.get("new", "")), str(d.get("cell", "")))
                    for d in f["diffs"]]
    return out


def version_arrival(rnd: Round, unit: str, number: int, *, entity: str | None = None
                    ) -> Arrival:
    """Version ``number`` of ``unit``; a Chinese error naming the versions there are."""
    entity = entity or rnd.list_entities()[0]
    stored = [a for a in unit_arrivals(rnd).get((entity, unit), []) if a.stored]
    found = next((a for a in stored if a.version == number), None)
    if found is None:
        have = f"共 {len(stored)} 个版本" if stored else "尚未存档任何版本"
        raise EvalError(f"“{entity}”的“{unit}”没有第 {number} 版（{have}）",
                        hint="请用“jinan-eval versions ROUND --unit 单位”查看版本记录")
    return found


def save_version(rnd: Round, submission_id: int, out_dir: str | Path) -> Path:
    """The file of a stored version, written into ``out_dir`` to open it (e.g. in Excel)."""
    sub = next((s for s in rnd.list_submissions() if s.id == submission_id), None)
    if sub is None:
        raise EvalError("找不到该版本的存档文件", hint="请刷新后重试")
    folder = ensure_folder(out_dir)
    target = folder / sanitize_filename(Path(sub.file_name).name or "回传文件.xlsx")
    with atomic_path(target) as tmp:
        tmp.write_bytes(rnd.submission_content(submission_id))
    return target


def restore_version(rnd: Round, unit: str, number: int, *, entity: str | None = None,
                    cat: Catalogue | None = None) -> Any:
    """Make version ``number`` the unit's return again (see the module); returns the
    :class:`importer.ImportReport` of that import (status ``updated``/``imported``, or
    ``unchanged`` when the round already holds its values)."""
    from jinan_eval_gui.collect import importer

    entity = entity or rnd.list_entities()[0]
    arrival = version_arrival(rnd, unit, number, entity=entity)
    if arrival.state == "accepted":
        raise EvalError(f"第 {number} 版就是“{unit}”当前采用的版本，无需恢复")
    content = rnd.submission_content(arrival.submission_id or 0)
    if not content.startswith(b"PK"):
        raise EvalError(f"第 {number} 版来自数据表导入，不能单独恢复",
                        hint="请重新导入该数据表（jinan-eval values import）")
    cat = cat or round_catalogue(rnd)
    backup_before(rnd, "导入前")
    folder = Path(tempfile.mkdtemp(prefix="jeval-restore-"))
    path = folder / (sanitize_filename(Path(arrival.file_name).stem) + ".xlsx")
    try:
        path.write_bytes(content)
        with rnd.transaction():
            report = importer.import_files(rnd, cat, [path], replace_older=True,
                                           accept_errors=True)
            (result,) = report.files
            if result.status == "rejected":
                reason = next((f.message for f in result.findings if f.severity == "error"), "")
                raise EvalError(f"第 {number} 版无法恢复：{reason}")
            if result.submission_id is not None:
                rnd.audit(RESTORE_ACTION, {"entity": entity, "unit": unit, "version": number,
                                           "from_submission": arrival.submission_id,
                                           "submission_id": result.submission_id,
                                           "file": arrival.file_name})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


# ---------------------------------------------------------------------------------------
# One value's history
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValueRecord:
    """One recorded value of an input: from which version (or typed by hand), when, current."""

    unit: str
    text: str
    recorded_at: str
    current: bool
    version: int | None
    file_name: str
    cell: str
    row_index: int | None = None
    column_key: str | None = None


def value_history(rnd: Round, indicator_id: int, name: str, *,
                  entity: str | None = None) -> list[ValueRecord]:
    """Every value recorded for one input (named by its label as in the template, or its key)
    of an entity, oldest first, with the version it came from."""
    from jinan_eval_gui.collect.clearing import input_key

    entity = entity or rnd.list_entities()[0]
    try:
        ind = round_catalogue(rnd).indicator(indicator_id)
    except KeyError:
        raise EvalError(f"指标体系中没有指标 {indicator_id}",
                        hint="请使用 1 到 88 之间的指标编号") from None
    key = input_key(ind, name)
    numbers: dict[int, tuple[int, str]] = {}
    for arrivals in unit_arrivals(rnd).values():
        for a in arrivals:
            if a.submission_id is not None and a.version is not None:
                numbers[a.submission_id] = (a.version, a.file_name)
    out = []
    value: StoredValue
    for value in rnd.value_history(entity, indicator_id, key):
        version, name = numbers.get(value.submission_id or -1, (None, "手工录入"))
        out.append(ValueRecord(value.unit, value.text if value.text is not None else "（已清除）",
                               value.recorded_at, value.current, version, name,
                               value.cell or "", value.row_index, value.column_key))
    return out
