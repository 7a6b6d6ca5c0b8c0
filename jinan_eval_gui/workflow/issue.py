"""Issuing templates: generate the chosen units' workbooks and record them in the round."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinan_eval_gui.store import Round
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import ensure_folder

from .rounds import ProgressFn, _snapshot_catalogue, round_catalogue


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------
def issue_templates(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                    entities: Iterable[str] | None = None, deadline: str = "",
                    contact_person: str = "", contact_phone: str = "",
                    progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[Any]:
    """Generate the templates of the chosen units and record them as issued in the round."""
    from jinan_eval_gui.collect import templates
    from jinan_eval_gui.errors import TemplateError

    ensure_folder(out_dir, TemplateError)
    cat = round_catalogue(rnd)
    info = rnd.info
    unit_list = list(units) if units else None
    if unit_list:
        unknown = [u for u in unit_list if u not in cat.unit_names]
        if unknown:
            from jinan_eval_gui.errors import TemplateError

            raise TemplateError(f"责任单位名录中没有：{'、'.join(unknown)}",
                                hint="请用“jinan-eval catalog show”查看单位名称")
    requests = []
    for entity in entities or rnd.list_entities():
        requests += templates.requests_for_entity(
            cat, round_id=info.id, round_name=info.name, year=info.year, entity=entity,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            units=unit_list,
        )
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
