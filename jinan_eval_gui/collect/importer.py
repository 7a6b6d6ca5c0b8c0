"""Import of returned workbooks into a round: classify, then store in one transaction.

Each file is first read and checked on its own by :func:`returns.read_return` (bounded, defused
reading; identity, input map and rows verified; every value parsed as people type it). The import
then runs in two phases:

1. **Check against the round** (:class:`_State`, loaded once): the same bytes or the same values
   already accepted from that unit → ``unchanged``; a newer return of a unit that already returned
   → ``updated`` with the differences; a shared input that another unit reported differently → a
   conflict for the office (never last-write-wins); checks across units and, with an earlier
   round, implausible year-on-year jumps → warnings. Files of one import see each other in order,
   so a preview (``dry_run``) says exactly what the import will do.
2. **Store** (unless ``dry_run``) every accepted file in **one transaction**: the bytes exactly as
   received with their SHA-256, who and when, the accepted values with their source cell, all
   findings, conflicts and audit entries. A crash or a kill leaves the round exactly as it was
   before the import; a rejected file is never stored, so an import of rejected files only leaves
   the round file byte for byte unchanged. (One transaction rather than one per file: a commit
   costs several fsyncs, about 20-40 ms each on an office disk, more than reading a file.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.store import Conflict, Finding, Round, RoundInfo

from . import templates
from .returns import (
    IMPORT_LIMITS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    ConflictNote,
    Diff,
    FileResult,
    check_failed,
    check_inputs,
    finding,
    finding_json,
    input_label,
    label_of,
    plain,
    read_return,
    unit_plan,
)

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
DEFAULT_YOY_JUMP_RATIO = Decimal("0.5")
YOY_KINDS = frozenset({"count", "amount", "percent", "score"})


@dataclass
class ImportReport:
    """The import of several files, like a database import summary."""

    files: list[FileResult]
    dry_run: bool = False
    catalogue: Catalogue | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        """0 when every file went in without errors, 1 when any was rejected or has errors."""
        bad = any(f.status == "rejected" or f.has_errors for f in self.files)
        return 1 if bad else 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for f in self.files:
            counts[f.status] += 1
        return counts

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """``{"files": [{"path", "status", "findings": [...]}, ...]}`` plus a summary."""
        cat = catalogue or self.catalogue
        return {"dry_run": self.dry_run, "summary": self.counts(),
                "files": [f.to_json(cat) for f in self.files]}


# ---------------------------------------------------------------------------------------
# The round as the import sees it (loaded once, updated file by file in memory)
# ---------------------------------------------------------------------------------------
@dataclass
class _Row:
    unit: str
    indicator_id: int
    input_key: str
    row_index: int | None
    column_key: str | None
    text: str | None
    number: Decimal | None
    source: Any  # submission id, a FileResult of this import, or None (typed by hand)


def _source_key(source: Any) -> tuple[str, int] | None:
    """A hashable identity for a value's source (a stored submission or a file of this import)."""
    if source is None:
        return None
    return ("file", id(source)) if isinstance(source, FileResult) else ("submission", source)


def _signature(rows: Iterable[_Row]) -> tuple[Any, ...]:
    return tuple(sorted(((r.row_index or 0, r.column_key or "", r.text or "",
                          r.number if r.number is not None else Decimal(-1)) for r in rows),
                        key=lambda t: (t[0], t[1])))


def _display(rows: list[_Row]) -> str:
    """Values of one input as text: a scalar as typed, a table as row.column = value."""
    if not rows:
        return ""
    if all(r.row_index is None for r in rows):
        return "；".join(r.text or "" for r in rows)
    ordered = sorted(rows, key=lambda r: (r.row_index or 0, r.column_key or ""))
    return "；".join(f"{r.row_index}.{r.column_key}={r.text or ''}" for r in ordered)


class _State:
    """Accepted submissions, current values and open conflicts of the round, in memory."""

    def __init__(self, rnd: Round, cat: Catalogue) -> None:
        self.rnd = rnd
        self.cat = cat
        self.accepted: dict[tuple[str, str], list[tuple[Any, str]]] = {}
        for s in rnd.list_submissions():
            if s.status == "accepted":
                self.accepted.setdefault((s.entity, s.unit), []).append((s.id, s.sha256))
        self._rows: dict[str, list[_Row]] = {}
        self._conflicts: dict[str, dict[tuple[int, str], Conflict | ConflictNote]] = {}

    def rows(self, entity: str) -> list[_Row]:
        if entity not in self._rows:
            self._rows[entity] = [
                _Row(v.unit, v.indicator_id, v.input_key, v.row_index, v.column_key, v.text,
                     v.number, v.submission_id)
                for by_key in self.rnd.current_values(entity).values()
                for stored in by_key.values() for v in stored]
        return self._rows[entity]

    def conflicts(self, entity: str) -> dict[tuple[int, str], Conflict | ConflictNote]:
        if entity not in self._conflicts:
            self._conflicts[entity] = {(c.indicator_id, c.input_key): c
                                       for c in self.rnd.list_conflicts(entity, open_only=True)}
        return self._conflicts[entity]

    # -- one checked file ------------------------------------------------------------------
    def apply(self, result: FileResult) -> None:
        """Classify ``result`` (imported/updated/unchanged), fill in diffs and conflicts, and
        make it the unit's current return in memory."""
        key = (result.entity, result.unit)
        accepted = self.accepted.get(key, [])
        if any(sha == result.sha256 for _, sha in accepted):
            result.status = "unchanged"
            result.findings.append(finding(
                "info", "与已导入的文件完全相同（SHA-256 一致），未重复保存"))
            return
        rows = self.rows(result.entity)
        superseded = {_source_key(src) for src, _ in accepted}
        new_keys = {(v.indicator_id, v.input_key) for v in result.values}
        mine_before = [r for r in rows if r.unit == result.unit]
        kept = [r for r in rows if not (
            r.unit == result.unit
            and (_source_key(r.source) in superseded or (r.indicator_id, r.input_key) in new_keys))]
        added = [_Row(result.unit, v.indicator_id, v.input_key, v.row_index, v.column_key,
                      v.text, None if v.number is None else Decimal(v.number), result)
                 for v in result.values]
        after = kept + added
        mine_after = [r for r in after if r.unit == result.unit]
        result.diffs = self._diffs(mine_before, mine_after, result)
        if accepted and not result.diffs:
            result.status = "unchanged"
            result.findings.append(finding(
                "info", "内容与该单位已导入的文件相同（文件被重新保存过），未重复保存"))
            return
        result.status = "updated" if accepted else "imported"
        result.superseded = [src for src, _ in accepted]
        self._rows[result.entity] = after
        self.accepted[key] = [(result, result.sha256)]
        changed = {(d.indicator_id, d.input_key) for d in result.diffs}
        self._check_conflicts(result, after, changed)
        self._cross_unit_checks(result, after)

    def _diffs(self, before: list[_Row], after: list[_Row], result: FileResult) -> list[Diff]:
        old: dict[tuple[int, str], list[_Row]] = {}
        new: dict[tuple[int, str], list[_Row]] = {}
        for r in before:
            old.setdefault((r.indicator_id, r.input_key), []).append(r)
        for r in after:
            new.setdefault((r.indicator_id, r.input_key), []).append(r)
        cells = {(v.indicator_id, v.input_key): (v.sheet or "", v.cell or "")
                 for v in reversed(result.values)}
        diffs = []
        for k in sorted(set(old) | set(new)):
            o, n = old.get(k, []), new.get(k, [])
            if _signature(o) != _signature(n):
                ind = self.cat.indicator(k[0])
                sheet, cell = cells.get(k, ("", ""))
                diffs.append(Diff(k[0], k[1], input_label(ind, k[1]) or k[1], _display(o),
                                  _display(n), sheet, cell))
        return diffs

    def _check_conflicts(self, result: FileResult, rows: list[_Row],
                         changed: set[tuple[int, str]]) -> None:
        """Shared inputs this file changed that another unit reports differently."""
        open_conflicts = self.conflicts(result.entity)
        for ind_id, key in sorted(changed):
            ind = self.cat.indicator(ind_id)
            if ind.collect == "per_unit" or key.startswith("_"):
                continue
            by_unit: dict[str, list[_Row]] = {}
            for r in rows:
                if r.indicator_id == ind_id and r.input_key == key:
                    by_unit.setdefault(r.unit, []).append(r)
            old = open_conflicts.get((ind_id, key))
            differ = len({_signature(v) for v in by_unit.values()}) > 1
            label = input_label(ind, key)
            if not differ:
                if old is not None:
                    note = ConflictNote(result.entity, ind_id, key, label, [], "agreed", old)
                    result.conflicts.append(note)
                    del open_conflicts[(ind_id, key)]
                continue
            candidates = [{"unit": u, "value": _display(by_unit[u])} for u in sorted(by_unit)]
            if old is not None and old.candidates == candidates:
                continue
            note = ConflictNote(result.entity, ind_id, key, label, candidates, "new", old)
            result.conflicts.append(note)
            open_conflicts[(ind_id, key)] = note
            others = "；".join(f"{c['unit']}：{c['value']}" for c in candidates
                              if c["unit"] != result.unit)
            ref = next((v for v in result.values if (v.indicator_id, v.input_key) == (ind_id, key)),
                       None)
            result.findings.append(Finding(
                "warning",
                f"指标 {ind_id}（{ind.name}）“{label}”：与其他单位填报的值不一致（{others}），"
                "已登记为数据冲突。该值已接收，但在评价工作组裁定采用哪个值之前，本指标不计分",
                sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                indicator_id=ind_id, input_key=key, value=ref.text if ref else None))

    def _cross_unit_checks(self, result: FileResult, rows: list[_Row]) -> None:
        """Checks whose inputs are split between units (e.g. meters of one unit against the
        households another reports): a warning, since either side may be wrong."""
        for ind, specs in unit_plan(self.cat, result.unit).indicators:
            if not ind.checks:
                continue
            mine = {s.key for s in specs}
            for check in ind.checks:
                inputs = check_inputs(ind, check)
                theirs = inputs - mine
                if not theirs or not inputs & mine:
                    continue
                env: dict[str, Any] = {}
                sources: dict[str, str] = {}
                for k in inputs:
                    found = [r for r in rows if r.indicator_id == ind.id and r.input_key == k
                             and r.row_index is None and r.number is not None
                             and (r.unit == result.unit) == (k in mine)]
                    if len({r.number for r in found}) != 1:
                        break
                    env[k] = found[0].number
                    sources[k] = found[0].unit
                else:
                    if not check_failed(check, ind, env):
                        continue
                    filled = "，".join(f"{sources[k]}填报的“{label_of(ind, k)}” = {plain(env[k])}"
                                      for k in sorted(inputs))
                    ref = next((v for v in result.values if v.indicator_id == ind.id
                                and v.input_key in mine & inputs), None)
                    result.findings.append(Finding(
                        "warning", f"指标 {ind.id}（{ind.name}）：{check.message}（{filled}）。"
                                   "数据来自不同单位，请与相关单位核实",
                        sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                        indicator_id=ind.id, input_key=ref.input_key if ref else None,
                        value=ref.text if ref else None))


# ---------------------------------------------------------------------------------------
# Year-on-year plausibility against an earlier round
# ---------------------------------------------------------------------------------------
class _Previous:
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


def _check_yoy(result: FileResult, previous: _Previous, ratio: Decimal, cat: Catalogue) -> None:
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


# ---------------------------------------------------------------------------------------
# Importing into a round
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, cat: Catalogue, paths: Iterable[str | Path], *,
                 dry_run: bool = False, progress: ProgressFn | None = None,
                 previous_round: Round | str | Path | None = None,
                 reader: Reader | None = None) -> ImportReport:
    """Check every file, then (unless ``dry_run``) store the accepted ones in one transaction.

    ``previous_round``: an earlier round (open, or its path) whose accepted values make a jump
    beyond the round parameter ``yoy_jump_ratio`` a warning. ``progress(done, total, message)``
    is called per file and while saving. File problems never raise: they are findings of a
    rejected file. Only a round that cannot be written raises (RoundFileError), and then
    nothing of this import is stored.
    """
    paths = [Path(p) for p in paths]
    info = rnd.info
    entities = rnd.list_entities()
    issued = frozenset(t.sha256 for t in rnd.list_templates())
    state = _State(rnd, cat)
    previous, opened = _open_previous(previous_round, info)
    jump = yoy_jump_ratio(rnd, cat)
    total = len(paths) + (0 if dry_run else 1)
    report = ImportReport([], dry_run=dry_run, catalogue=cat)
    results = iter((reader or read_returns)(paths, cat, info, entities, issued))
    try:
        for n, path in enumerate(paths):
            if progress:
                progress(n, total, f"正在校验：{path.name}")
            result = next(results)
            if result.status != "rejected":
                if previous is not None:
                    _check_yoy(result, previous, jump, cat)
                state.apply(result)
            report.files.append(result)
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # a reader's worker process ends with the reading
            close()
        if opened is not None:
            opened.close()
    to_store = [f for f in report.files if f.status in ("imported", "updated")]
    if not dry_run and to_store:
        _store_all(rnd, report, to_store, progress, total)
    if progress:
        progress(total, total, f"已处理 {len(paths)} 个文件")
    return report


#: ``reader(paths, cat, info, entities, issued)``: every file's :func:`read_return`, in order.
Reader = Callable[[Sequence[Path], Catalogue, RoundInfo, Sequence[str], frozenset[str]],
                  Iterable[FileResult]]


def read_returns(paths: Sequence[Path], cat: Catalogue, info: RoundInfo,
                 entities: Sequence[str], issued: frozenset[str]) -> Iterator[FileResult]:
    """The default reader: one file after the other, in this process."""
    for path in paths:
        yield read_return(path, cat, info, entities, issued=issued)


def _open_previous(previous: Round | str | Path | None,
                   info: RoundInfo) -> tuple[_Previous | None, Round | None]:
    if previous is None:
        return None, None
    opened = None
    if not isinstance(previous, Round):
        opened = previous = Round.open(Path(previous), readonly=True)
    if previous.info.id == info.id:
        if opened is not None:
            opened.close()
        raise RoundFileError("用于同比校验的评价轮次就是当前轮次",
                             hint="请选择上一年度的评价轮次文件")
    return _Previous(previous), opened


def _store_all(rnd: Round, report: ImportReport, to_store: list[FileResult],
               progress: ProgressFn | None, total: int) -> None:
    """One transaction for the whole import: all accepted files or, on any failure, none."""
    with rnd.transaction():
        for result in to_store:
            if progress:
                progress(total - 1, total, f"正在保存：{result.path.name}")
            _store(rnd, result)
        rnd.audit("import", {
            "files": [{"file": f.path.name, "status": f.status, "entity": f.entity,
                       "unit": f.unit, "sha256": f.sha256, "submission_id": f.submission_id,
                       "errors": f.count("error"), "warnings": f.count("warning"),
                       "filler": f.filler} for f in report.files],
        })


def _store(rnd: Round, result: FileResult) -> None:
    """Supersede the unit's older return, then add file, values, findings and conflicts."""
    for old in result.superseded:
        old_id = old.submission_id if isinstance(old, FileResult) else old
        rnd.set_submission_status(old_id, "superseded", f"被新提交的文件“{result.path.name}”替换")
    sid = rnd.add_submission(entity=result.entity, unit=result.unit,
                             file_name=result.path.name, content=result.content)
    result.submission_id = sid
    if result.values:
        rnd.add_values(sid, result.values)
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
