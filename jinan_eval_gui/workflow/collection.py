"""Collecting returns: import, the status of every unit, completeness, feedback workbooks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import Round
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import ensure_folder

from .backups import backup_before
from .params import round_params
from .rounds import ProgressFn, _snapshot_catalogue, round_catalogue
from .scores import entity_inputs


# ---------------------------------------------------------------------------------------
# Import, status, feedback
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, paths: Iterable[str | Path], *, dry_run: bool = False,
                 progress: ProgressFn | None = None,
                 previous_round: Round | str | Path | None = None,
                 replace_older: bool = False, choose: Iterable[str | Path] = ()) -> Any:
    """Validate returned workbooks and (unless ``dry_run``) store them in one transaction.

    ``previous_round`` (an earlier round, open or its path) turns implausible year-on-year jumps
    into warnings. ``replace_older`` lets files older than a unit's stored return replace it;
    ``choose`` names the file to use where a unit has several differing files in the import
    (otherwise such files are held for a decision). Returns an :class:`importer.ImportReport`;
    see :mod:`importer`.
    """
    from jinan_eval_gui.collect import importer

    paths = [Path(p) for p in paths]
    if not dry_run:
        backup_before(rnd, "导入前")
    reader = read_returns_shared if len(paths) >= PARALLEL_IMPORT else None
    return importer.import_files(rnd, round_catalogue(rnd), paths, dry_run=dry_run,
                                 progress=progress, previous_round=previous_round,
                                 reader=reader, replace_older=replace_older, choose=choose)


#: From this many files on (a few entities' returns, over a second of reading) a second
#: process reads and checks part of them; below, its start-up would cost more than it saves.
PARALLEL_IMPORT = 60


def read_returns_shared(paths: Sequence[Path], cat: Catalogue, info: Any,
                        entities: Sequence[str], issued: frozenset[str]) -> Iterator[Any]:
    """Every file's :func:`returns.read_return`, in order, chunks shared with a worker
    process (the reader of :func:`importer.import_files`; the files' checks against the round
    and the storing stay in this process)."""
    with parallel.Shared(_returns_chunk, parallel.chunked(paths, 8),
                         (cat.canonical_json, info, list(entities), issued)) as shared:
        for part in shared:
            yield from part


def _returns_chunk(paths: list[Path], catalogue_json: str, info: Any, entities: list[str],
                   issued: frozenset[str]) -> list[Any]:
    """Read and check some returns (runs in the worker process too: plain arguments)."""
    from jinan_eval_gui.collect.returns import read_return

    cat = _snapshot_catalogue(catalogue_json)
    return [read_return(p, cat, info, entities, issued=issued, keep_content=False)
            for p in paths]


@dataclass
class UnitStatus:
    """Collection progress of one (entity, unit)."""

    entity: str
    unit: str
    issued: bool
    returned: bool
    errors: int
    warnings: int
    accepted: bool
    file_name: str = ""

    @property
    def label(self) -> str:
        if not self.returned:
            return "未回收" if self.issued else "未下发"
        return "有错误" if self.errors else "已接受"


def collection_status(rnd: Round, cat: Catalogue | None = None) -> list[UnitStatus]:
    """Per (entity, unit): issued / returned / findings / accepted, in catalogue unit order."""
    cat = cat or round_catalogue(rnd)
    issued = {(t.entity, t.unit) for t in rnd.list_templates()}
    findings: dict[int, list[Any]] = {}
    for f in rnd.list_findings():
        findings.setdefault(f.submission_id or 0, []).append(f)
    latest = {}
    for s in rnd.list_submissions():
        if s.status == "accepted":
            latest[(s.entity, s.unit)] = s
    rows = []
    for entity in rnd.list_entities():
        for unit in cat.unit_names:
            if not cat.indicators_for_unit(unit):
                continue
            sub = latest.get((entity, unit))
            fs = findings.get(sub.id, []) if sub else []
            rows.append(UnitStatus(
                entity, unit, (entity, unit) in issued, sub is not None,
                sum(f.severity == "error" for f in fs), sum(f.severity == "warning" for f in fs),
                sub is not None, sub.file_name if sub else ""))
    return rows


def indicator_completeness(rnd: Round, entity: str, cat: Catalogue | None = None
                           ) -> dict[int, bool]:
    """Whether every required input of each indicator has an accepted value."""
    cat = cat or round_catalogue(rnd)
    inputs = entity_inputs(rnd, cat, entity)
    params = engine.resolve_params(cat, round_params(rnd, cat))
    out = {}
    for ind in cat.indicators:
        _env, missing = engine.indicator_env(ind, inputs.values.get(ind.id, {}), params)
        out[ind.id] = not missing and ind.id not in inputs.blocked
    return out


def feedback(rnd: Round, unit: str, out_dir: str | Path, *, entity: str | None = None) -> Path:
    """The unit's latest return with every finding marked on its cell, for emailing back."""
    from jinan_eval_gui.collect import feedback as feedback_mod

    entity = entity or rnd.list_entities()[0]
    subs = [s for s in rnd.list_submissions(entity) if s.unit == unit]
    if not subs:
        from jinan_eval_gui.errors import TemplateError

        raise TemplateError(f"“{entity}”的“{unit}”尚未回收任何文件", hint="请先导入该单位的回传文件")
    sub = subs[-1]
    findings = rnd.list_findings(sub.id)
    folder = ensure_folder(out_dir)
    return feedback_mod.write_feedback(rnd.submission_content(sub.id), sub.file_name, findings,
                                       folder)


def clear_value(rnd: Round, *, entity: str, indicator_id: int, name: str, reason: str,
                unit: str | None = None) -> Any:
    """Empty one stored input value on purpose (audited, with ``reason``); see
    :func:`clearing.clear_value`. Returns what was cleared."""
    from jinan_eval_gui.collect import clearing

    return clearing.clear_value(rnd, round_catalogue(rnd), entity=entity,
                                indicator_id=indicator_id, name=name, reason=reason, unit=unit)
