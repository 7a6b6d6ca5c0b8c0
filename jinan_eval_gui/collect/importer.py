"""Import of returned workbooks into a round: check every file, decide, then store.

Each file is first read and checked on its own by :func:`returns.read_return` (bounded, defused
reading; identity, input map and rows verified; every value parsed as people type it), one at a
time: its bytes are dropped once read, so memory does not grow with the batch. Then:

1. **Decide against the round** (:class:`roundview.RoundView`, loaded once): several differing
   files of one unit in this import are held for the user to choose (:mod:`resend`); the same
   bytes or values already accepted → ``unchanged``; a file older than the stored return →
   held unless the user confirms; a newer return → ``updated`` with the differences, keeping
   stored values where the new file is blank or unreadable; a shared input another unit reports
   differently → a conflict (never last-write-wins); checks across units and, with an earlier
   round, implausible year-on-year jumps → warnings. A preview (``dry_run``) decides exactly
   the same.
2. **Store** (unless ``dry_run``) every accepted file in **one transaction**, each file's bytes
   read again and checked against the SHA-256 that was validated: the bytes as received, who
   and when, the values with their source cell, all findings, conflicts and audit entries. A
   crash or a kill leaves the round as it was before the import; an import of rejected files
   only leaves the round file byte for byte unchanged. If one file cannot be stored (changed on
   disk since it was checked, or any fault of its own), the transaction is rolled back, that
   file alone is rejected, and the rest is decided and stored again without it. (One
   transaction rather than one per file: a commit costs several fsyncs, about 20-40 ms each on
   an office disk, more than reading a file.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError, RoundFileError
from jinan_eval_gui.store import NewValue, Round, RoundInfo

from . import acceptance, resend, xlsxsafe
from .returns import (
    IMPORT_LIMITS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    ConflictNote,
    Diff,
    FileResult,
    finding,
    finding_json,
    read_return,
)
from .roundview import RoundView
from .yoy import check_yoy, open_previous, yoy_jump_ratio

__all__ = [
    "IMPORT_LIMITS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "ConflictNote",
    "Diff",
    "FileResult",
    "ImportReport",
    "finding_json",
    "import_files",
    "read_return",
    "yoy_jump_ratio",
]

ProgressFn = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    """The import of several files, like a database import summary."""

    files: list[FileResult]
    dry_run: bool = False
    catalogue: Catalogue | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    """What the user should know about the import as a whole (e.g. no year-on-year check)."""

    @property
    def exit_code(self) -> int:
        """0 when every file went in without errors (or was unchanged or not chosen), 1 when
        any was rejected, has errors or waits for a decision."""
        bad = any(f.status in ("rejected", "held") or f.has_errors for f in self.files)
        return 1 if bad else 0

    @property
    def held(self) -> list[FileResult]:
        """Files waiting for the user's decision (older than stored, or several of a unit)."""
        return [f for f in self.files if f.status == "held"]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for f in self.files:
            counts[f.status] += 1
        return counts

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """``{"files": [{"path", "status", "findings": [...]}, ...]}`` plus a summary."""
        cat = catalogue or self.catalogue
        return {"dry_run": self.dry_run, "summary": self.counts(), "notes": list(self.notes),
                "files": [f.to_json(cat) for f in self.files]}


# ---------------------------------------------------------------------------------------
# Importing into a round
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, cat: Catalogue, paths: Iterable[str | Path], *,
                 dry_run: bool = False, progress: ProgressFn | None = None,
                 previous_round: Round | str | Path | None = None,
                 reader: Reader | None = None, replace_older: bool = False,
                 choose: Iterable[str | Path] = (),
                 stored_bytes: StoredBytes | None = None,
                 accept_errors: acceptance.AcceptErrors = True) -> ImportReport:
    """Check every file, then (unless ``dry_run``) store the accepted ones in one transaction.

    ``previous_round``: an earlier round (open, or its path) whose accepted values make a jump
    beyond the round parameter ``yoy_jump_ratio`` a warning. ``replace_older``: files older
    than the unit's stored return replace it (otherwise they are ``held``). ``choose``: for a
    unit with several differing files in this import, the one to use (otherwise all are
    ``held``). ``progress(done, total, message)`` is called per file and while saving. File
    problems never raise: they are findings of a rejected file. Only a round that cannot be
    written raises (RoundFileError), and then nothing of this import is stored.
    ``stored_bytes(result, data)``: what the round keeps of a file's checked bytes (default:
    all of them; a values table split into one result per entity and unit keeps them once).
    ``accept_errors``: files with errors go in (True), are held and kept as versions not
    accepted (False), or only the listed ones go in (:mod:`acceptance`).
    """
    paths = [Path(p) for p in paths]
    choose = list(choose)  # used again if a file has to be left out and the rest redecided
    if not isinstance(accept_errors, bool):
        accept_errors = list(accept_errors)
    info = rnd.info
    previous, opened = open_previous(previous_round, info)
    total = len(paths) + (0 if dry_run else 1)
    report = ImportReport([], dry_run=dry_run, catalogue=cat)
    try:
        _check_all(rnd, cat, paths, report, reader, previous, progress, total)
    finally:
        if opened is not None:
            opened.close()
    baseline = [(f.status, list(f.findings)) for f in report.files]
    saved = resend.SavedTimes()
    while True:
        view = RoundView(rnd, cat, saved)
        resend.hold_duplicates(report.files, choose)
        for result in report.files:
            if result.status == "imported":
                view.apply(result, replace_older=replace_older, accept_errors=accept_errors)
        to_store = [f for f in report.files if f.status in ("imported", "updated")
                    or (f.status == "held" and f.decision in acceptance.GATE_DECISIONS
                        and f.submission_id is None)]
        if dry_run or not to_store:
            break
        failed = _store_all(rnd, report, to_store, progress, total, stored_bytes)
        if failed is None:
            break
        _start_again(report, baseline, failed)
    if progress:
        progress(total, total, f"已处理 {len(paths)} 个文件")
    return report


def _check_all(rnd: Round, cat: Catalogue, paths: list[Path], report: ImportReport,
               reader: Reader | None, previous: Any, progress: ProgressFn | None,
               total: int) -> None:
    """Read and check every file on its own, in order, keeping no file's bytes."""
    entities = rnd.list_entities()
    issued = frozenset(t.sha256 for t in rnd.list_templates())
    jump = yoy_jump_ratio(rnd, cat)
    results = iter((reader or read_returns)(paths, cat, rnd.info, entities, issued))
    try:
        for n, path in enumerate(paths):
            if progress:
                progress(n, total, f"正在校验：{path.name}")
            result = next(results)
            result.content = b""  # read again when stored: memory per file, not per batch
            if result.status != "rejected" and previous is not None:
                check_yoy(result, previous, jump, cat)
            report.files.append(result)
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # a reader's worker process ends with the reading
            close()


def _start_again(report: ImportReport, baseline: list[tuple[str, list[Any]]],
                 failed: _StoreFailed) -> None:
    """Every file back to what reading said, the one that could not be stored rejected."""
    for result, (status, findings) in zip(report.files, baseline, strict=True):
        result.status, result.findings = status, list(findings)
        result.diffs, result.conflicts, result.superseded, result.kept = [], [], [], []
        result.decision, result.submission_id = "", None
    for n, result in enumerate(report.files):
        if result is failed.result:
            result.status = "rejected"
            result.values = []
            result.findings.insert(0, finding("error", failed.message))
            baseline[n] = (result.status, list(result.findings))


#: ``stored_bytes(result, data)``: the bytes kept as the submission's content.
StoredBytes = Callable[[FileResult, bytes], bytes]

#: ``reader(paths, cat, info, entities, issued)``: every file's :func:`read_return`, in order.
Reader = Callable[[Sequence[Path], Catalogue, RoundInfo, Sequence[str], frozenset[str]],
                  Iterable[FileResult]]


def read_returns(paths: Sequence[Path], cat: Catalogue, info: RoundInfo,
                 entities: Sequence[str], issued: frozenset[str]) -> Iterator[FileResult]:
    """The default reader: one file after the other, in this process, bytes not kept."""
    for path in paths:
        yield read_return(path, cat, info, entities, issued=issued, keep_content=False)


# ---------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------
class _StoreFailed(Exception):
    """One file could not be stored; the import rolls back and goes on without it."""

    def __init__(self, result: FileResult, message: str) -> None:
        super().__init__(message)
        self.result = result
        self.message = message


def _store_all(rnd: Round, report: ImportReport, to_store: list[FileResult],
               progress: ProgressFn | None, total: int,
               stored_bytes: StoredBytes | None = None) -> _StoreFailed | None:
    """One transaction for the whole import: all accepted files or, on any failure, none.

    Returns the file that could not be stored (everything rolled back), else None. A round
    that cannot be written raises RoundFileError.
    """
    try:
        with rnd.transaction():
            for result in to_store:
                if progress:
                    progress(total - 1, total, f"正在保存：{result.path.name}")
                data = _bytes_as_checked(result)
                if stored_bytes is not None:
                    data = stored_bytes(result, data)
                try:
                    with rnd.transaction():  # a savepoint: this file's rows or none
                        _store(rnd, result, data)
                except RoundFileError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one file's fault: reject it alone
                    raise _StoreFailed(result, _internal(result, exc)) from exc
            rnd.audit("import", {
                "files": [{"file": f.path.name, "status": f.status, "entity": f.entity,
                           "unit": f.unit, "sha256": f.sha256, "submission_id": f.submission_id,
                           "errors": f.count("error"), "warnings": f.count("warning"),
                           "kept": len(f.kept), "decision": f.decision, "filler": f.filler,
                           **_logged_diffs(f)}
                          for f in report.files],
            })
    except _StoreFailed as failed:
        return failed
    return None


def _logged_diffs(result: FileResult) -> dict[str, Any]:
    """What a resend changed (or would have changed, held for its errors), for the history;
    a unit's first return is its values, so nothing is logged for it."""
    if result.status not in ("updated", "held") or not result.superseded or not result.diffs:
        return {}
    return {"diffs": [{"indicator": d.indicator_id, "input": d.input_key, "label": d.label,
                       "cell": d.cell, "old": d.old, "new": d.new} for d in result.diffs]}


def _bytes_as_checked(result: FileResult) -> bytes:
    """The file's bytes read again, exactly those that were checked (same SHA-256)."""
    try:
        data = xlsxsafe.read_file(result.path, limits=IMPORT_LIMITS)
    except EvalError as exc:
        raise _StoreFailed(result, f"{exc}（文件在检查之后无法再次读取，未导入）") from exc
    if hashlib.sha256(data).hexdigest() != result.sha256:
        raise _StoreFailed(result, f"文件“{result.path.name}”在检查之后被修改或替换，与检查时的内容"
                                   "不同，未导入。请重新导入该文件")
    return data


def _internal(result: FileResult, exc: BaseException) -> str:
    from jinan_eval_gui.system.logs import log_exception

    try:
        raise exc
    except BaseException:  # noqa: BLE001 - re-raised only to give the log a traceback
        log = log_exception(f"store {result.path.name}")
    return (f"文件“{result.path.name}”无法保存（程序内部错误，详情已写入日志 {log}），未导入；"
            "本次导入的其他文件不受影响。请把文件和日志发送给技术支持")


def _store(rnd: Round, result: FileResult, data: bytes) -> None:
    """Supersede the unit's older return, then add file, values (and the stored values it
    keeps), findings and conflicts. A file held for its errors is kept as a version that is
    not accepted: its bytes and findings only."""
    if result.status == "held":
        sid = rnd.add_submission(entity=result.entity, unit=result.unit,
                                 file_name=result.path.name, content=data, status="rejected")
        result.submission_id = sid
        rnd.add_findings(sid, [f for f in result.findings if not acceptance.is_gate_note(f)])
        return
    for old in result.superseded:
        old_id = old.submission_id if isinstance(old, FileResult) else old
        rnd.set_submission_status(old_id, "superseded", f"被新提交的文件“{result.path.name}”替换")
    sid = rnd.add_submission(entity=result.entity, unit=result.unit,
                             file_name=result.path.name, content=data)
    result.submission_id = sid
    if result.values:
        rnd.add_values(sid, result.values)
    _carry_kept(rnd, result)
    if result.findings:
        rnd.add_findings(sid, result.findings)
    for note in result.conflicts:
        old = note.replaces
        old_id = old.conflict_id if isinstance(old, ConflictNote) else (old.id if old else None)
        if note.action == "agreed":
            if old_id is not None:
                rnd.resolve_conflict(old_id, {"auto": "agreed"},
                                     f"各单位填报的值已一致（文件“{result.path.name}”）")
            continue
        if old_id is not None:
            rnd.resolve_conflict(old_id, {"auto": "superseded"},
                                 f"填报值已变化，由新的冲突记录取代（文件“{result.path.name}”）")
        note.conflict_id = rnd.add_conflict(note.entity, note.indicator_id, note.input_key,
                                            note.candidates)


def _carry_kept(rnd: Round, result: FileResult) -> None:
    """Values of the superseded return that the new file left blank or unreadable stay current,
    recorded again under the file they came from (their history shows both rows)."""
    by_source: dict[int, list[NewValue]] = {}
    for r in result.kept:
        source = r.source.submission_id if isinstance(r.source, FileResult) else r.source
        by_source.setdefault(source, []).append(NewValue(
            r.indicator_id, r.input_key, r.text, r.number, r.row_index, r.column_key,
            r.sheet, r.cell))
    for source, values in by_source.items():
        rnd.add_values(source, values)
