"""The round as an import sees it: current values, accepted returns and open conflicts, in memory.

Loaded once per import and updated file by file, so that the files of one import see each
other in order and a preview (dry run) predicts the import exactly. :meth:`RoundView.apply`
holds the resend rules:

* the same bytes, or the same values, as the unit's accepted return → ``unchanged``;
* an input the newer file leaves blank or cannot be read in keeps its stored value (listed in a
  warning): a resend never empties a value, clearing is an explicit action (:mod:`clearing`);
* a file older than the stored return (by its own saved time, else its arrival) is ``held``
  until the user decides (``replace_older``);
* a shared input another unit reports differently → an open conflict, never last-write-wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.store import Conflict, Finding, Round, Submission

from . import acceptance, resend
from .returns import (
    MAX_DIFF_TEXT,
    ConflictNote,
    Diff,
    FileResult,
    capped,
    check_failed,
    check_inputs,
    finding,
    input_label,
    label_of,
    plain,
    unit_plan,
)


@dataclass
class Row:
    """One current value of an input (a table has one per cell)."""

    unit: str
    indicator_id: int
    input_key: str
    row_index: int | None
    column_key: str | None
    text: str | None
    number: Decimal | None
    source: Any  # submission id, a FileResult of this import, or None (typed by hand)
    sheet: str | None = None
    cell: str | None = None

    @property
    def is_empty(self) -> bool:
        """A value cleared on purpose (stored without text or number)."""
        return self.text is None and self.number is None


def _source_key(source: Any) -> tuple[str, int] | None:
    """A hashable identity for a value's source (a stored submission or a file of this import)."""
    if source is None:
        return None
    return ("file", id(source)) if isinstance(source, FileResult) else ("submission", source)


def signature(rows: Iterable[Row]) -> tuple[Any, ...]:
    """What an input's values are, independent of where they came from."""
    return tuple(sorted(((r.row_index or 0, r.column_key or "", r.text or "",
                          r.number if r.number is not None else Decimal(-1)) for r in rows),
                        key=lambda t: (t[0], t[1])))


def display(rows: list[Row]) -> str:
    """Values of one input as text: a scalar as typed, a table as row.column = value (capped)."""
    if not rows:
        return ""
    if all(r.row_index is None for r in rows):
        return capped("；".join(r.text or "" for r in rows), MAX_DIFF_TEXT)
    ordered = sorted(rows, key=lambda r: (r.row_index or 0, r.column_key or ""))
    return capped("；".join(f"{r.row_index}.{r.column_key}={r.text or ''}" for r in ordered),
                  MAX_DIFF_TEXT)


class RoundView:
    """Accepted submissions, current values and open conflicts of the round, in memory."""

    def __init__(self, rnd: Round, cat: Catalogue, saved: resend.SavedTimes) -> None:
        self.rnd = rnd
        self.cat = cat
        self.saved = saved
        self.accepted: dict[tuple[str, str], list[tuple[Any, str]]] = {}
        self.submissions: dict[int, Submission] = {}
        self.refused: dict[tuple[str, str, str], int] = {}
        for s in rnd.list_submissions():
            self.submissions[s.id] = s
            if s.status == "accepted":
                self.accepted.setdefault((s.entity, s.unit), []).append((s.id, s.sha256))
            elif s.status == "rejected":  # versions not accepted (held for their errors)
                self.refused[(s.entity, s.unit, s.sha256)] = s.id
        self._rows: dict[str, list[Row]] = {}
        self._conflicts: dict[str, dict[tuple[int, str], Conflict | ConflictNote]] = {}

    def rows(self, entity: str) -> list[Row]:
        if entity not in self._rows:
            self._rows[entity] = [
                Row(v.unit, v.indicator_id, v.input_key, v.row_index, v.column_key, v.text,
                    v.number, v.submission_id, v.sheet, v.cell)
                for by_key in self.rnd.current_values(entity).values()
                for stored in by_key.values() for v in stored]
        return self._rows[entity]

    def conflicts(self, entity: str) -> dict[tuple[int, str], Conflict | ConflictNote]:
        if entity not in self._conflicts:
            self._conflicts[entity] = {(c.indicator_id, c.input_key): c
                                       for c in self.rnd.list_conflicts(entity, open_only=True)}
        return self._conflicts[entity]

    # -- one checked file ------------------------------------------------------------------
    def apply(self, result: FileResult, *, replace_older: bool = False,
              accept_errors: acceptance.AcceptErrors = True) -> None:
        """Classify ``result`` (imported / updated / unchanged / held), fill in diffs, kept
        values and conflicts, and make it the unit's current return in memory.

        A file with errors the user did not accept (``accept_errors``) is held (decision
        ``errors`` or ``worse``) with its diffs, and the round view stays as it was."""
        key = (result.entity, result.unit)
        accepted = self.accepted.get(key, [])
        if any(sha == result.sha256 for _, sha in accepted):
            result.status = "unchanged"
            result.findings.append(finding(
                "info", "与已导入的文件完全相同（SHA-256 一致），未重复保存"))
            return
        rows = self.rows(result.entity)
        provided = {(v.indicator_id, v.input_key) for v in result.values}
        mine_before = [r for r in rows if r.unit == result.unit]
        kept = [r for r in mine_before if (r.indicator_id, r.input_key) not in provided]
        added = [Row(result.unit, v.indicator_id, v.input_key, v.row_index, v.column_key,
                     v.text, None if v.number is None else Decimal(v.number), result,
                     v.sheet, v.cell)
                 for v in result.values]
        diffs = self._diffs(mine_before, kept + added, result)
        kept_shown = [r for r in kept if not r.is_empty]
        if kept_shown:
            result.findings.append(resend.kept_warning(self.cat, kept_shown, display))
        if accepted and not diffs:
            result.status = "unchanged"
            result.findings.append(finding(
                "info", "内容与该单位已导入的数据相同（文件被重新保存过，或只填写了未变化的值），"
                        "未重复保存"))
            return
        if accepted and not replace_older:
            older = resend.older_than_stored(result, [self._stored_time(src)
                                                      for src, _ in accepted])
            if older is not None:
                result.status, result.decision = "held", "older"
                result.findings.append(older)
                return
        result.diffs = diffs
        if result.has_errors and not acceptance.accepts(accept_errors, result):
            acceptance.hold(result, acceptance.previous_errors(self, accepted))
            result.superseded = [src for src, _ in accepted]  # what it would have replaced
            kept_as = self.refused.get((result.entity, result.unit, result.sha256))
            if kept_as is not None:  # the same bytes were held before: not stored twice
                result.submission_id = kept_as
                result.findings.append(finding("info", acceptance.SAME_AS_HELD))
            return
        result.status = "updated" if accepted else "imported"
        result.superseded = [src for src, _ in accepted]
        superseded = {_source_key(src) for src in result.superseded}
        result.kept = [r for r in kept if _source_key(r.source) in superseded]
        after = [r for r in rows if r.unit != result.unit] + kept + added
        self._rows[result.entity] = after
        self.accepted[key] = [(result, result.sha256)]
        changed = {(d.indicator_id, d.input_key) for d in diffs}
        self._check_conflicts(result, after, changed)
        self._cross_unit_checks(result, after)

    def _stored_time(self, source: Any) -> tuple[datetime | None, str, str]:
        """(saved time, file name, how the time is known) of an accepted return."""
        if isinstance(source, FileResult):
            return source.saved_at, source.path.name, source.saved_source
        return self.saved.of(self.rnd, self.submissions[source])

    def _diffs(self, before: list[Row], after: list[Row], result: FileResult) -> list[Diff]:
        old: dict[tuple[int, str], list[Row]] = {}
        new: dict[tuple[int, str], list[Row]] = {}
        for r in before:
            old.setdefault((r.indicator_id, r.input_key), []).append(r)
        for r in after:
            new.setdefault((r.indicator_id, r.input_key), []).append(r)
        cells = {(v.indicator_id, v.input_key): (v.sheet or "", v.cell or "")
                 for v in reversed(result.values)}
        diffs = []
        for k in sorted(set(old) | set(new)):
            o, n = old.get(k, []), new.get(k, [])
            if signature(o) != signature(n):
                ind = self.cat.indicator(k[0])
                sheet, cell = cells.get(k, ("", ""))
                diffs.append(Diff(k[0], k[1], input_label(ind, k[1]) or k[1], display(o),
                                  display(n), sheet, cell))
        return diffs

    def _check_conflicts(self, result: FileResult, rows: list[Row],
                         changed: set[tuple[int, str]]) -> None:
        """Shared inputs this file changed that another unit reports differently (a value
        cleared on purpose is no report)."""
        open_conflicts = self.conflicts(result.entity)
        for ind_id, key in sorted(changed):
            ind = self.cat.indicator(ind_id)
            if ind.collect == "per_unit" or key.startswith("_"):
                continue
            by_unit: dict[str, list[Row]] = {}
            for r in rows:
                if r.indicator_id == ind_id and r.input_key == key and not r.is_empty:
                    by_unit.setdefault(r.unit, []).append(r)
            old = open_conflicts.get((ind_id, key))
            differ = len({signature(v) for v in by_unit.values()}) > 1
            label = input_label(ind, key)
            if not differ:
                if old is not None:
                    note = ConflictNote(result.entity, ind_id, key, label, [], "agreed", old)
                    result.conflicts.append(note)
                    del open_conflicts[(ind_id, key)]
                continue
            candidates = [{"unit": u, "value": display(by_unit[u])} for u in sorted(by_unit)]
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
                capped(f"指标 {ind_id}（{ind.name}）“{label}”：与其他单位填报的值不一致（{others}），"
                       "已登记为数据冲突。该值已接收，但在评价工作组裁定采用哪个值之前，本指标不计分"),
                sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                indicator_id=ind_id, input_key=key, value=ref.text if ref else None))

    def _cross_unit_checks(self, result: FileResult, rows: list[Row]) -> None:
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
                        "warning", capped(f"指标 {ind.id}（{ind.name}）：{check.message}（{filled}）。"
                                          "数据来自不同单位，请与相关单位核实"),
                        sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                        indicator_id=ind.id, input_key=ref.input_key if ref else None,
                        value=ref.text if ref else None))
