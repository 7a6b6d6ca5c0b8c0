"""Issuing templates: generate the chosen units' workbooks and record them in the round.

The round remembers every issue (date, deadline, the office's contact and phone, per unit), so
a re-issue starts from what was issued last: the deadline and contact default to the last
issue's (``None``), the command line issues only the units not issued yet unless told
otherwise (:func:`issue_defaults`), and files already in the output folder are never
overwritten without ``overwrite`` (:class:`TemplatesExistError` lists them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import TemplateError
from jinan_eval_gui.store import Round
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import ensure_folder

from .rounds import ProgressFn, _snapshot_catalogue, round_catalogue

ISSUE_ACTION = "templates.issue"
#: Files named one by one in the message about existing files; the rest are counted.
_LISTED = 10


class TemplatesExistError(TemplateError):
    """Templates of this issue would replace files already in the output folder."""

    def __init__(self, paths: list[Path]) -> None:
        names = "、".join(p.name for p in paths[:_LISTED])
        more = f"等 {len(paths)} 个文件" if len(paths) > _LISTED else ""
        super().__init__(f"输出文件夹中已有 {len(paths)} 份同名数据采集表：{names}{more}",
                         hint="如确认要覆盖这些文件，请选择覆盖（命令行：--overwrite），"
                              "或换一个输出文件夹")
        self.paths = paths


@dataclass(frozen=True)
class IssueDefaults:
    """What a new issue starts from: the last issue's deadline and contact, and which
    (entity, unit) pairs have templates already."""

    deadline: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    last_issued_at: str = ""
    issued: list[tuple[str, str]] = field(default_factory=list)
    pending: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pending_units(self) -> list[str]:
        """Units with a pending template in some entity, in catalogue order."""
        return list(dict.fromkeys(u for _e, u in self.pending))


def issue_defaults(rnd: Round) -> IssueDefaults:
    """The last issue's deadline, contact and phone; units issued and not yet issued."""
    cat = round_catalogue(rnd)
    issued = rnd.list_templates()
    done = {(t.entity, t.unit) for t in issued}
    every = [(e, u) for e in rnd.list_entities() for u in cat.unit_names
             if cat.indicators_for_unit(u)]
    last = issued[-1] if issued else None
    return IssueDefaults(
        (last.deadline or "") if last else "", (last.contact_person or "") if last else "",
        (last.contact_phone or "") if last else "", last.issued_at if last else "",
        [k for k in every if k in done], [k for k in every if k not in done])


def planned_files(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                  entities: Iterable[str] | None = None) -> list[Path]:
    """The files an issue would write into ``out_dir`` (to ask before replacing any)."""
    return [Path(out_dir) / name for name in _file_names(rnd, units, entities)]


def existing_files(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                   entities: Iterable[str] | None = None) -> list[Path]:
    """The files of :func:`planned_files` that are there already."""
    return [p for p in planned_files(rnd, out_dir, units=units, entities=entities)
            if p.exists()]


def _file_names(rnd: Round, units: Iterable[str] | None,
                entities: Iterable[str] | None) -> list[str]:
    from jinan_eval_gui.collect import templates

    return [templates.file_name(r) for r in _requests(rnd, units, entities, "", "", "")]


def _requests(rnd: Round, units: Iterable[str] | None, entities: Iterable[str] | None,
              deadline: str, contact_person: str, contact_phone: str) -> list[Any]:
    from jinan_eval_gui.collect import templates

    cat = round_catalogue(rnd)
    info = rnd.info
    unit_list = list(units) if units else None
    if unit_list:
        unknown = [u for u in unit_list if u not in cat.unit_names]
        if unknown:
            raise TemplateError(f"责任单位名录中没有：{'、'.join(unknown)}",
                                hint="请用“jinan-eval catalog show”查看单位名称")
    requests = []
    for entity in entities or rnd.list_entities():
        requests += templates.requests_for_entity(
            cat, round_id=info.id, round_name=info.name, year=info.year, entity=entity,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            units=unit_list,
        )
    return requests


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------
def issue_templates(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                    entities: Iterable[str] | None = None, deadline: str | None = None,
                    contact_person: str | None = None, contact_phone: str | None = None,
                    overwrite: bool = False, progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[Any]:
    """Generate the templates of the chosen units (default: every unit) and record them as
    issued in the round. ``deadline``, ``contact_person``, ``contact_phone``: None keeps the
    last issue's (empty text: none). Files already in ``out_dir`` are replaced only with
    ``overwrite`` (else :class:`TemplatesExistError` lists them, nothing written)."""
    from jinan_eval_gui.collect import templates

    ensure_folder(out_dir, TemplateError)
    cat = round_catalogue(rnd)
    last = issue_defaults(rnd)
    deadline = last.deadline if deadline is None else deadline.strip()
    contact_person = last.contact_person if contact_person is None else contact_person.strip()
    contact_phone = last.contact_phone if contact_phone is None else contact_phone.strip()
    requests = _requests(rnd, units, entities, deadline, contact_person, contact_phone)
    there = [p for p in (Path(out_dir) / templates.file_name(r) for r in requests) if p.exists()]
    if there and not overwrite:
        raise TemplatesExistError(there)
    if len(requests) < PARALLEL_TEMPLATES:
        made = templates.generate_all(cat, requests, out_dir, progress=progress,
                                      cancelled=cancelled)
    else:
        made = _generate_shared(rnd, requests, out_dir, progress, cancelled)
    with rnd.transaction():
        for t in made:
            rnd.record_template(
                entity=t.entity, unit=t.unit, file_name=t.path.name, path=str(t.path),
                sha256=t.sha256, template_version=templates.TEMPLATE_VERSION,
                deadline=deadline or None, contact_person=contact_person or None,
                contact_phone=contact_phone or None,
            )
        if made:
            written = {t.path.name for t in made}
            rnd.audit(ISSUE_ACTION, {
                "count": len(made), "folder": str(Path(out_dir).resolve()),
                "deadline": deadline, "contact_person": contact_person,
                "contact_phone": contact_phone,
                "units": [{"entity": t.entity, "unit": t.unit} for t in made],
                "overwritten": [p.name for p in there if p.name in written]})
    return made


#: From this many templates on (a few entities' worth, over a second of work) a second
#: process writes part of them; below, its start-up would cost more than it saves.
PARALLEL_TEMPLATES = 60


def _generate_shared(rnd: Round, requests: list[Any], out_dir: str | Path,
                     progress: ProgressFn | None,
                     cancelled: Callable[[], bool] | None) -> list[Any]:
    """:func:`templates.generate_all` over chunks shared with a worker process."""
    from jinan_eval_gui.collect import templates

    seen: set[str] = set()
    for req in requests:  # the same check generate_all makes, across all chunks
        key = templates.file_name(req).casefold()
        if key in seen:
            from jinan_eval_gui.errors import TemplateError

            raise TemplateError(f"“{req.entity}”的“{req.unit}”模板重复",
                                hint="每个单位只能生成一份模板")
        seen.add(key)
    made: list[Any] = []
    chunks = parallel.chunked(requests, 8)
    with parallel.Shared(_templates_chunk, chunks,
                         (rnd.catalogue().json_text, str(out_dir))) as shared:
        for part in shared:
            made += part
            if progress is not None:
                progress(len(made), len(requests), f"正在生成：{made[-1].entity} {made[-1].unit}")
            if cancelled is not None and cancelled():
                shared.stop()
    if progress is not None and len(made) == len(requests):
        progress(len(made), len(requests), f"已生成 {len(made)} 份数据采集表")
    return made


def _templates_chunk(requests: list[Any], catalogue_json: str, out_dir: str) -> list[Any]:
    """Some templates (runs in the worker process too: plain arguments)."""
    from jinan_eval_gui.collect import templates

    return templates.generate_all(_snapshot_catalogue(catalogue_json), requests, out_dir)


def issue_pending(rnd: Round, out_dir: str | Path, **options: Any) -> list[Any]:
    """Issue the (entity, unit) pairs that have no template yet (every pair on a first issue),
    with :func:`issue_templates`'s options; existing files are checked for all of them first."""
    pending = issue_defaults(rnd).pending
    by_entity: dict[str, list[str]] = {}
    for entity, unit in pending:
        by_entity.setdefault(entity, []).append(unit)
    if not options.get("overwrite"):
        there = [p for e, units in by_entity.items()
                 for p in existing_files(rnd, out_dir, units=units, entities=[e])]
        if there:
            raise TemplatesExistError(there)
    made: list[Any] = []
    for entity, units in by_entity.items():
        made += issue_templates(rnd, out_dir, units=units, entities=[entity], **options)
    return made
