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
                 replace_older: bool = False, choose: Iterable[str | Path] = (),
                 accept_errors: Any = True) -> Any:
    """Validate returned workbooks and (unless ``dry_run``) store them in one transaction.

    ``previous_round`` (an earlier round, open or its path; default: the one remembered in the
    round, :mod:`comparison`) turns implausible year-on-year jumps into warnings.
    ``replace_older`` lets files older than a unit's stored return replace it; ``choose`` names
    the file to use where a unit has several differing files in the import (otherwise such
    files are held for a decision). ``accept_errors``: True accepts files with errors, False
    keeps them as versions not accepted, or the paths of those the user accepted
    (:mod:`collect.acceptance`). Returns an :class:`importer.ImportReport`; see :mod:`importer`.
    """
    from jinan_eval_gui.collect import importer

    from .comparison import comparison_path, comparison_problem

    paths = [Path(p) for p in paths]
    if not dry_run:
        backup_before(rnd, "导入前")
    reader = read_returns_shared if len(paths) >= PARALLEL_IMPORT else None
    report = importer.import_files(rnd, round_catalogue(rnd), paths, dry_run=dry_run,
                                   progress=progress,
                                   previous_round=comparison_path(rnd, previous_round),
                                   reader=reader, replace_older=replace_older, choose=choose,
                                   accept_errors=accept_errors)
    if previous_round is None and (problem := comparison_problem(rnd)):
        report.notes.append(problem)
    return report


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
    issued = rnd.issued_pairs()
    counts = rnd.finding_counts()
    latest = rnd.accepted_files()
    rows = []
    units = [u for u in cat.unit_names if cat.indicators_for_unit(u)]  # once, not per entity
    for entity in rnd.list_entities():
        for unit in units:
            sub = latest.get((entity, unit))
            fs = counts.get(sub[0], {}) if sub else {}
            rows.append(UnitStatus(
                entity, unit, (entity, unit) in issued, sub is not None,
                fs.get("error", 0), fs.get("warning", 0),
                sub is not None, sub[1] if sub else ""))
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


def feedback(rnd: Round, unit: str, out_dir: str | Path, *, entity: str | None = None,
             due: Any = None) -> Path:
    """The unit's return with every finding marked on its cell and a cover note, for emailing
    back (recorded in the log); see :mod:`feedbacks`."""
    from .feedbacks import feedback_unit

    return feedback_unit(rnd, unit, out_dir, entity=entity, due=due).path


def clear_value(rnd: Round, *, entity: str, indicator_id: int, name: str, reason: str,
                unit: str | None = None) -> Any:
    """Empty one stored input value on purpose (audited, with ``reason``); see
    :func:`clearing.clear_value`. Returns what was cleared."""
    from jinan_eval_gui.collect import clearing

    return clearing.clear_value(rnd, round_catalogue(rnd), entity=entity,
                                indicator_id=indicator_id, name=name, reason=reason, unit=unit)
