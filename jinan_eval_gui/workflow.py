"""The yearly workflow as a few calls that the CLI and the GUI share.

Each function takes plain arguments and an optional ``progress(done, total, message)`` callback
(the GUI turns it into Qt signals), opens what it needs, and returns plain results. Nothing here
knows about Qt, argparse or printing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_mod
from . import engine
from .catalogue import Catalogue
from .errors import RoundFileError
from .store import Round, StoredValue

ProgressFn = Callable[[int, int, str], None]
DEFAULT_ENTITY = "济南市"


# ---------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------
def create_round(path: str | Path, *, year: int, name: str = "", entities: Sequence[str] = (),
                 catalogue: Catalogue | None = None) -> Round:
    """A new round file holding a snapshot of the catalogue it is evaluated with."""
    cat = catalogue or catalogue_mod.load()
    if not 2000 <= year <= 2100:
        raise RoundFileError(f"评价年度“{year}”无效", hint="请填写四位年份，如 2026")
    return Round.create(
        Path(path), name=name or f"{year}年度济南市新型智慧城市评价", year=year,
        catalogue_version=cat.version, catalogue_hash=cat.hash,
        catalogue_json=cat.canonical_json, params={},
        entities=tuple(entities) or (DEFAULT_ENTITY,),
    )


def round_catalogue(rnd: Round) -> Catalogue:
    """The catalogue the round was created with (rescoring uses it, not today's file)."""
    snapshot = rnd.catalogue()
    return catalogue_mod.build(json.loads(snapshot.json_text))


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------
def issue_templates(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                    entities: Iterable[str] | None = None, deadline: str = "",
                    contact_person: str = "", contact_phone: str = "",
                    progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[Any]:
    """Generate the templates of the chosen units and record them as issued in the round."""
    from . import templates

    cat = round_catalogue(rnd)
    info = rnd.info
    unit_list = list(units) if units else None
    if unit_list:
        unknown = [u for u in unit_list if u not in cat.unit_names]
        if unknown:
            from .errors import TemplateError

            raise TemplateError(f"责任单位名录中没有：{'、'.join(unknown)}",
                                hint="请用“jinan-eval catalog show”查看单位名称")
    requests = []
    for entity in entities or rnd.list_entities():
        requests += templates.requests_for_entity(
            cat, round_id=info.id, round_name=info.name, year=info.year, entity=entity,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            units=unit_list,
        )
    made = templates.generate_all(cat, requests, out_dir, progress=progress, cancelled=cancelled)
    with rnd.transaction():
        for t in made:
            rnd.record_template(
                entity=t.entity, unit=t.unit, file_name=t.path.name, path=str(t.path),
                sha256=t.sha256, template_version=templates.TEMPLATE_VERSION,
                deadline=deadline or None, contact_person=contact_person or None,
                contact_phone=contact_phone or None,
            )
    return made


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------
@dataclass
class EntityInputs:
    """What the engine needs for one entity, gathered from the round."""

    values: dict[int, dict[str, engine.Value]] = field(default_factory=dict)
    blocked: dict[int, list[str]] = field(default_factory=dict)
    sources: dict[tuple[int, str], tuple[str, str, str]] = field(default_factory=dict)


def entity_inputs(rnd: Round, cat: Catalogue, entity: str) -> EntityInputs:
    """Turn stored values into engine values: tables as columns, per-unit inputs as lists.

    A shared input reported differently by two units is a conflict: unless the office
    resolved it (choosing a unit's value), the indicator is blocked, never last-write-wins.
    """
    out = EntityInputs()
    stored = rnd.current_values(entity)
    resolutions = {(c.indicator_id, c.input_key): c for c in rnd.list_conflicts(entity)}
    submissions = {s.id: s.file_name for s in rnd.list_submissions(entity)}
    for ind in cat.indicators:
        by_key = stored.get(ind.id, {})
        vals: dict[str, engine.Value] = {}
        units = cat.units_of(ind)
        for spec in ind.inputs:
            rows = by_key.get(spec.key, [])
            if not rows:
                continue
            for row in rows[:1]:
                out.sources[(ind.id, spec.key)] = (
                    submissions.get(row.submission_id or -1, "手工录入"), row.sheet or "",
                    row.cell or "")
            if ind.collect == "per_unit":
                per_unit = {r.unit: _value(spec, r) for r in rows}
                vals[spec.key] = [per_unit.get(u) for u in units]
                continue
            by_unit: dict[str, list[StoredValue]] = {}
            for r in rows:
                by_unit.setdefault(r.unit, []).append(r)
            chosen = _choose_unit(ind.id, spec.key, by_unit, resolutions, out)
            if chosen is None:
                continue
            if spec.kind == "table":
                for col in spec.columns:
                    cells = sorted((r for r in by_unit[chosen] if r.column_key == col.key),
                                   key=lambda r: r.row_index or 0)
                    vals[f"{spec.key}.{col.key}"] = [r.number for r in cells]
            else:
                vals[spec.key] = _value(spec, by_unit[chosen][0])
        out.values[ind.id] = vals
    return out


def _value(spec: Any, row: StoredValue) -> engine.Value:
    return row.text if spec.kind == "text" else row.number


def _choose_unit(ind_id: int, key: str, by_unit: dict[str, list[StoredValue]],
                 resolutions: dict[tuple[int, str], Any], out: EntityInputs) -> str | None:
    """The unit whose value counts; None (and a blocking message) for an open conflict."""
    if len(by_unit) == 1:
        return next(iter(by_unit))
    signature = {u: tuple((r.row_index, r.column_key, r.text, r.number) for r in rows)
                 for u, rows in by_unit.items()}
    if len(set(signature.values())) == 1:
        return sorted(by_unit)[0]
    conflict = resolutions.get((ind_id, key))
    if conflict is not None and conflict.resolution:
        chosen = conflict.resolution.get("unit") if isinstance(conflict.resolution, dict) \
            else str(conflict.resolution)
        if chosen in by_unit:
            return chosen
    out.blocked.setdefault(ind_id, []).append(
        f"填报项“{key}”各单位填报不一致（{'、'.join(sorted(by_unit))}），请先处理数据冲突")
    return None


def score_entity(rnd: Round, entity: str, *, cat: Catalogue | None = None,
                 save: bool = True) -> engine.Results:
    """Score one entity on its accepted data with the round's parameters and overrides."""
    cat = cat or round_catalogue(rnd)
    inputs = entity_inputs(rnd, cat, entity)
    overrides = {o.indicator_id: engine.Override(Decimal(o.score), o.reason)
                 for o in rnd.list_overrides(entity)}
    results = engine.score(cat, inputs.values, rnd.get_params(), overrides, entity=entity,
                           blocked=inputs.blocked)
    if save and not rnd.readonly:
        rnd.save_scores(entity, results.to_json())
    return results


def score_round(rnd: Round, *, save: bool = True) -> dict[str, engine.Results]:
    """Every entity of the round, in the round's order."""
    cat = round_catalogue(rnd)
    return {e: score_entity(rnd, e, cat=cat, save=save) for e in rnd.list_entities()}
