"""A values table in and out of a round, and scored without one.

* :func:`export_values` writes exactly what scoring uses: per entity the current accepted value
  of every input (the unit's value where units agree or the office chose one; every unit's value
  where a conflict is still open, so it stays open; each unit's own value where units report
  separately), null where nothing was reported, plus the parameters, assumption choices and
  expert scores in force. Scoring the file (:func:`score_values`) gives the round's scores.
* :func:`import_values` reads and checks the file (:mod:`collect.valuestable`), then lets the
  importer decide and store it exactly as returned workbooks (unchanged / updated with
  differences, conflicts with units' own returns, year-on-year warnings, findings, audit), in
  one transaction with the file's bytes and name. Parameters, choices and expert scores of the
  file are compared with the round's and applied only when asked (``apply_settings``).
* :func:`score_values` scores a file with no round: a throwaway round in a temporary folder, so
  the checks, conflicts and scoring are exactly those of a round.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui import catalogue as catalogue_mod
from jinan_eval_gui.catalogue import Catalogue, InputSpec
from jinan_eval_gui.collect import importer, valuestable
from jinan_eval_gui.collect.returns import FileResult, plain
from jinan_eval_gui.errors import ValuesFileError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import Round, StoredValue

from .backups import backup_before
from .params import round_params
from .rounds import ProgressFn, create_round, round_catalogue
from .scores import EntityInputs, _choose_unit, refused_inputs, score_round

PART_FORMAT = "jinan-eval-values-part"
"""The stored content of all but one (entity, unit) part of an imported values table: a note
naming the file, whose bytes are kept once, with the first part stored."""


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------
def export_values(rnd: Round, path: str | Path) -> Path:
    """Write the round's values table to ``path`` (.json, .xlsx or .csv by its suffix)."""
    path = Path(path)
    cat = round_catalogue(rnd)
    table = export_table(rnd, cat, valuestable.format_of(path))
    return valuestable.write_table(path, table, cat)


def export_table(rnd: Round, cat: Catalogue, fmt: str = "json") -> valuestable.ValuesTable:
    """What scoring uses, as a values table (see the module doc)."""
    info = rnd.info
    table = valuestable.ValuesTable(rnd.path, fmt, "", header={
        "name": info.name, "year": Decimal(info.year), "catalogue_version": cat.version,
        "catalogue_hash": cat.hash})
    for entity in rnd.list_entities():
        table.entities.append(entity)
        _export_entity(rnd, cat, entity, table.entries)
        table.overrides += [valuestable.OverrideEntry(entity, o.indicator_id, o.score, o.reason,
                                                      "", "")
                            for o in rnd.list_overrides(entity)]
    params = engine.resolve_params(cat, round_params(rnd, cat))
    table.params = [valuestable.Setting(k, v, "", "") for k, v in params.items()]
    chosen = rnd.assumption_choices()
    for a in cat.assumptions:
        key = chosen.get(a.id, a.default)
        key = key if key in {c.key for c in a.choices} else a.default
        table.choices.append(valuestable.Setting(a.id, key, "", ""))
    return table


def _export_entity(rnd: Round, cat: Catalogue, entity: str,
                   out: list[valuestable.Entry]) -> None:
    """The entity's inputs as scoring reads them (:func:`scores.entity_inputs`)."""
    stored = rnd.current_values(entity, notes=False)
    resolutions = {(c.indicator_id, c.input_key): c for c in rnd.list_conflicts(entity)}
    refused = refused_inputs(rnd, cat, entity, stored)
    for ind in cat.indicators:
        by_key = stored.get(ind.id, {})
        for spec in ind.inputs:
            rows = [r for r in by_key.get(spec.key, [])
                    if r.text is not None or r.number is not None]
            typed = refused.get((ind.id, spec.key), [])
            if not rows and typed and spec.kind != "table":
                # filled wrongly: the value as typed, so the table is wrong the same way
                out.extend(valuestable.Entry(entity, ind.id, spec.key, value, "", "", unit)
                           for unit, value in typed)
                continue
            if not rows:
                out.append(valuestable.Entry(entity, ind.id, spec.key, None, "", ""))
                continue
            by_unit: dict[str, list[StoredValue]] = {}
            for r in rows:
                by_unit.setdefault(r.unit, []).append(r)
            if ind.collect == "per_unit":
                units = [u for u in cat.units_of(ind) if u in by_unit]
            else:
                chosen = _choose_unit(ind.id, spec.key, by_unit, resolutions, EntityInputs())
                units = sorted(by_unit) if chosen is None else [chosen]
            for unit in units:
                shown = unit if ind.collect == "per_unit" or len(units) > 1 else ""
                out.extend(_entries(entity, ind.id, spec, by_unit[unit], shown))


def _entries(entity: str, ind_id: int, spec: InputSpec, rows: list[StoredValue],
             unit: str) -> list[valuestable.Entry]:
    if spec.kind != "table":
        return [valuestable.Entry(entity, ind_id, spec.key, _value(spec, rows[0]), "", "", unit)]
    order = {c.key: n for n, c in enumerate(spec.columns)}
    cells = sorted((r for r in rows if r.column_key in order and r.row_index),
                   key=lambda r: (r.row_index, order[r.column_key or ""]))
    columns = {c.key: c for c in spec.columns}
    return [valuestable.Entry(entity, ind_id, spec.key, _value(columns[r.column_key or ""], r),
                              "", "", unit, r.row_index, r.column_key or "") for r in cells]


def _value(spec: InputSpec, row: StoredValue) -> Decimal | str | None:
    """The stored value as a person writes it: numbers exact, 是/否, a choice's label."""
    if spec.kind == "yesno" and row.number is not None:
        return "是" if row.number == 1 else "否"
    if spec.kind == "choice" and row.number is not None:
        return next((o.label for o in spec.options if o.value == row.number), row.text)
    if spec.kind in ("text", "choice", "yesno"):
        return row.text
    return row.number


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------
@dataclass
class SettingChange:
    """A parameter, choice or expert score where the file differs from the round."""

    kind: str  # "参数" | "假设" | "专家评分"
    key: str
    label: str
    current: str
    given: str
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "label": self.label, "round": self.current,
                "file": self.given, "applied": self.applied}


@dataclass
class ValuesImport:
    """An import of one values table: its parts as import results, or why it was refused."""

    path: Path
    dry_run: bool = False
    format: str = ""
    source: str = ""
    report: importer.ImportReport | None = None
    error: str = ""
    changes: list[SettingChange] = field(default_factory=list)

    @property
    def files(self) -> list[FileResult]:
        return self.report.files if self.report else []

    @property
    def exit_code(self) -> int:
        """0 when the file went in without errors, 1 when it was refused or has errors."""
        return 1 if self.error or (self.report and self.report.exit_code) else 0

    def to_json(self) -> dict[str, Any]:
        """The ``values import --json`` answer (``files`` as ``import --json``'s)."""
        base = self.report.to_json() if self.report else {"summary": {}, "files": []}
        return {"dry_run": self.dry_run, "file": str(self.path), "format": self.format,
                "source": self.source, "error": self.error, **base,
                "settings": [c.to_json() for c in self.changes]}


def import_values(rnd: Round, path: str | Path, *, dry_run: bool = False, source: str = "",
                  apply_settings: bool = False, progress: ProgressFn | None = None,
                  previous_round: Round | str | Path | None = None) -> ValuesImport:
    """Check a values table and (unless ``dry_run``) store it in one transaction.

    ``source`` names where values of an indicator as a whole come from (recorded as the unit
    ``数据表：<source>``, default 外部数据); ValuesFileError if it is a unit's name. A file that
    cannot be read or does not fit the catalogue is refused (``error``) and the round is left
    exactly as it was.
    """
    path = Path(path)
    cat = round_catalogue(rnd)
    unit = valuestable.source_unit(source, cat)
    outcome = ValuesImport(path, dry_run, source=unit)
    try:
        table = valuestable.read_table(path)
        outcome.format = table.format
        checked = valuestable.check_table(table, cat, rnd.list_entities(), source=unit)
    except ValuesFileError as exc:
        outcome.error = str(exc)
        return outcome
    except Exception:  # noqa: BLE001 - a file must never crash the import: log, refuse
        from jinan_eval_gui.system.logs import log_exception

        log = log_exception(f"values import {path.name}")
        outcome.error = (f"数据表“{path.name}”无法读取（程序内部错误，详情已写入日志 {log}），未导入任何"
                         "数据。请把文件和日志发送给技术支持")
        return outcome
    outcome.changes = _changes(rnd, cat, checked.settings)
    results = checked.results
    paths = [path] * len(results)
    if dry_run:
        outcome.report = importer.import_files(
            rnd, cat, paths, dry_run=True, progress=progress, previous_round=previous_round,
            reader=lambda *_: iter(results))
        return outcome
    backup_before(rnd, "导入数据表前")
    with rnd.transaction():
        outcome.report = importer.import_files(
            rnd, cat, paths, progress=progress, previous_round=previous_round,
            reader=lambda *_: iter(results), stored_bytes=_KeepOnce(results))
        if apply_settings:
            _apply(rnd, checked.settings, outcome.changes, path.name)
        stored = [r for r in results if r.submission_id is not None]
        if stored or any(c.applied for c in outcome.changes):
            rnd.audit("values.import", {
                "file": path.name, "format": table.format, "sha256": table.sha256,
                "source": unit, "parts": [{"entity": r.entity, "unit": r.unit,
                                           "status": r.status, "submission_id": r.submission_id}
                                          for r in results],
                "settings": [c.to_json() for c in outcome.changes]})
    return outcome


class _KeepOnce:
    """The file's bytes with the first part stored; the other parts keep a note naming it
    (sixteen entities times thirty units would otherwise keep the file 480 times)."""

    def __init__(self, results: list[FileResult]) -> None:
        self.results = results

    def __call__(self, result: FileResult, data: bytes) -> bytes:
        first = next(r for r in self.results if r.status in ("imported", "updated"))
        if result is first:
            return data
        note = {"format": PART_FORMAT, "file": result.path.name, "sha256": result.sha256,
                "entity": result.entity, "unit": result.unit,
                "stored_with": {"entity": first.entity, "unit": first.unit}}
        return json.dumps(note, ensure_ascii=False, indent=2).encode("utf-8")


def _number(value: Decimal) -> int | float:
    """A parameter as the round stores it (a JSON number; at most 15 digits, so exact)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _changes(rnd: Round, cat: Catalogue, settings: valuestable.Settings) -> list[SettingChange]:
    """Where the file's parameters, choices and expert scores differ from the round's."""
    out = []
    params = engine.resolve_params(cat, round_params(rnd, cat))
    labels = {p.key: p.label for p in cat.parameters}
    for key, value in settings.params.items():
        if params[key] != value:
            head, _, name = key.partition(".")
            label = labels.get(key) or (f"指标 {head} 的"
                                        + cat.indicator(int(head)).param_labels.get(name, name))
            out.append(SettingChange("参数", key, label, plain(params[key]), plain(value)))
    chosen = rnd.assumption_choices()
    for aid, key in settings.choices.items():
        a = cat.assumption(aid)
        current = chosen.get(aid, a.default)
        if current != key:
            out.append(SettingChange("假设", aid, a.title, current, key))
    active = {(o.entity, o.indicator_id): o for o in rnd.list_overrides()}
    for (entity, ind_id), (score, reason) in settings.overrides.items():
        old = active.get((entity, ind_id))
        if old is None or old.score != score or old.reason != reason:
            out.append(SettingChange("专家评分", f"{entity}:{ind_id}",
                                     f"{entity} 指标 {ind_id}",
                                     "" if old is None else f"{plain(old.score)}（{old.reason}）",
                                     f"{plain(score)}（{reason}）"))
    return out


def _apply(rnd: Round, settings: valuestable.Settings, changes: list[SettingChange],
           name: str) -> None:
    """Adopt the file's differing settings (each change audited by the round)."""
    why = f"数据表“{name}”"
    for change in changes:
        if change.kind == "参数":
            rnd.set_params({change.key: _number(settings.params[change.key])})
        elif change.kind == "假设":
            rnd.set_assumption_choice(change.key, settings.choices[change.key], reason=why)
        else:
            entity, _, ind_id = change.key.rpartition(":")
            score, reason = settings.overrides[(entity, int(ind_id))]
            rnd.set_override(entity, int(ind_id), score, reason)
        change.applied = True


# ---------------------------------------------------------------------------------------
# Scoring a values table without a round
# ---------------------------------------------------------------------------------------
@dataclass
class ValuesScore:
    """The scores of a values table, and what checking its values found."""

    results: dict[str, engine.Results]
    files: list[FileResult]


def score_values(path: str | Path, *, catalogue: Catalogue | None = None) -> ValuesScore:
    """Score the values table in ``path`` with ``catalogue`` (default: the built-in one).

    The file's entities, values, parameters, choices and expert scores go into a throwaway
    round in a temporary folder, checked and imported as by :func:`import_values`, then scored
    as :func:`scores.score_round` scores a round. ValuesFileError if the file is refused.
    """
    path = Path(path)
    cat = catalogue or catalogue_mod.load()
    table = valuestable.read_table(path)
    unit = valuestable.source_unit("", cat)
    checked = valuestable.check_table(table, cat, table.entities, source=unit)
    with tempfile.TemporaryDirectory(prefix="jinan-eval-values-") as folder:
        with create_round(Path(folder) / "values.jeval", year=_year(table.header),
                          entities=table.entities, catalogue=cat) as rnd:
            _apply(rnd, checked.settings, _changes(rnd, cat, checked.settings), path.name)
            results = checked.results
            report = importer.import_files(rnd, cat, [path] * len(results),
                                           reader=lambda *_: iter(results),
                                           stored_bytes=_KeepOnce(results))
            scores = score_round(rnd, save=False)
    return ValuesScore(scores, report.files)


def _year(header: dict[str, Any]) -> int:
    """The evaluation year the file names (a round needs one), else this year."""
    try:
        year = int(str(header.get("year", "")).strip())
    except ValueError:
        year = date.today().year
    return year if 2000 <= year <= 2100 else min(max(date.today().year, 2000), 2100)
