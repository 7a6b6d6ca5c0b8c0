"""Scoring a round: the stored values of an entity turned into the engine's inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import RoundDataError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.store import Round, StoredValue, StoredValueError, latest_backup

from .params import round_params
from .rounds import round_catalogue


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------
@dataclass
class EntityInputs:
    """What the engine needs for one entity, gathered from the round."""

    values: dict[int, dict[str, engine.Value]] = field(default_factory=dict)
    blocked: dict[int, list[str]] = field(default_factory=dict)
    sources: dict[tuple[int, str], tuple[str, str, str]] = field(default_factory=dict)
    refused: dict[tuple[int, str], list[tuple[str, str]]] = field(default_factory=dict)
    """Inputs a unit filled wrongly, with no accepted value: ``(unit, value typed)`` each."""
    provenance: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Indicators whose input came from the survey: its trace and result (shown by traces)."""


def entity_inputs(rnd: Round, cat: Catalogue, entity: str, *,
                  choices: dict[str, str] | None = None) -> EntityInputs:
    """Turn stored values into engine values: tables as columns, per-unit inputs as lists.

    A shared input reported differently by two units is a conflict: unless the office
    resolved it (choosing a unit's value), the indicator is blocked, never last-write-wins.
    """
    out = EntityInputs()
    stored = _stored_values(rnd, cat, entity)
    resolutions = {(c.indicator_id, c.input_key): c for c in rnd.list_conflicts(entity)}
    submissions = {s.id: s.file_name for s in rnd.list_submissions(entity)}
    for ind in cat.indicators:
        by_key = stored.get(ind.id, {})
        vals: dict[str, engine.Value] = {}
        units = cat.units_of(ind)
        for spec in ind.inputs:
            # a value cleared on purpose (no text, no number) is no report
            rows = [r for r in by_key.get(spec.key, [])
                    if r.text is not None or r.number is not None]
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
                    vals[f"{spec.key}.{col.key}"] = [_value(col, r) for r in cells]
            else:
                vals[spec.key] = _value(spec, by_unit[chosen][0])
        out.values[ind.id] = vals
    _apply_survey(rnd, cat, entity, out, choices)
    _block_wrong_entries(rnd, cat, entity, stored, out)  # after: a survey value is a value
    return out


def _apply_survey(rnd: Round, cat: Catalogue, entity: str, out: EntityInputs,
                  choices: dict[str, str] | None) -> None:
    """The entity's current survey (市民调查) is the source of its indicator's score input: it
    replaces a number a unit typed, which the trace then names as not used."""
    from .surveyinput import survey_input

    found = survey_input(rnd, cat, entity, choices=choices)
    if found is None:
        return
    vals = out.values.setdefault(found.indicator, {})
    trace = list(found.trace)
    typed = vals.pop(found.key, None)
    if typed is not None:
        was = out.sources.get((found.indicator, found.key))
        trace.append(("未采用", f"单位填报的综合得分 {typed}（{was[0] if was else '手工录入'}）未采用，"
                               "以市民调查为准"))
    if found.value is not None:
        vals[found.key] = found.value
    out.sources[(found.indicator, found.key)] = found.source
    if found.blocked:
        out.blocked.setdefault(found.indicator, []).append(found.blocked)
    out.provenance[found.indicator] = {"trace": trace, "survey": found.survey}


def _block_wrong_entries(rnd: Round, cat: Catalogue, entity: str,
                         stored: dict[int, dict[str, list[StoredValue]]],
                         out: EntityInputs) -> None:
    """An input a unit filled wrongly (an error with the value typed, e.g. 待定 in a 是/否 cell)
    and that has no accepted value makes its indicator 数据有误, not 缺报: the unit did report,
    and what it reported cannot be used until corrected. Deduction indicators are left to
    their blanks policy, so that typing something unusable never deducts less than leaving
    the cell blank."""
    from jinan_eval_gui.collect.returns import input_label

    out.refused = refused_inputs(rnd, cat, entity, stored)
    for (ind_id, key), typed in out.refused.items():
        ind = cat.indicator(ind_id)
        if ind.kind == "deduction" or (ind.collect != "per_unit"
                                       and out.values.get(ind_id, {}).get(key) is not None):
            continue  # a deduction's policy applies; or the input has a value from elsewhere
        for unit, value in typed:
            out.blocked.setdefault(ind.id, []).append(
                f"“{unit}”填报的“{input_label(ind, key)}”有误（填写：{value}），未采用，"
                "须更正后重新报送")


def refused_inputs(rnd: Round, cat: Catalogue, entity: str,
                   stored: dict[int, dict[str, list[StoredValue]]] | None = None
                   ) -> dict[tuple[int, str], list[tuple[str, str]]]:
    """Inputs of the entity's accepted returns that a unit filled wrongly and that hold no
    accepted value (no other unit's, no earlier one kept): ``(unit, value typed)`` each."""
    from jinan_eval_gui.collect.returns import is_refused_entry

    if stored is None:
        stored = rnd.current_values(entity, notes=False)
    current = {s.id: s.unit for s in rnd.list_submissions(entity) if s.status == "accepted"}
    out: dict[tuple[int, str], list[tuple[str, str]]] = {}
    # the entity's own submissions' findings (indexed), never the whole round's: a
    # province-wide round has tens of thousands, and this runs once per entity
    findings = [f for sid in current for f in rnd.list_findings(sid)]
    for f in sorted(findings, key=lambda f: f.id):
        if not is_refused_entry(f):
            continue
        try:
            ind = cat.indicator(f.indicator_id or 0)
            spec = ind.input(f.input_key or "")
        except KeyError:
            continue
        if spec.kind == "text":
            continue
        unit = current[f.submission_id]
        rows = [r for r in stored.get(ind.id, {}).get(spec.key, [])
                if r.text is not None or r.number is not None]
        if any(r.unit == unit for r in rows) or (ind.collect != "per_unit" and rows):
            continue  # this unit's earlier value is kept, or another unit's is used
        typed = out.setdefault((ind.id, spec.key), [])
        if all(u != unit for u, _v in typed):
            typed.append((unit, f.value or ""))
    return out


def _stored_values(rnd: Round, cat: Catalogue, entity: str
                   ) -> dict[int, dict[str, list[StoredValue]]]:
    """The entity's current values, each number checked against its input's bounds.

    Values passed these checks on import, so one that fails now was changed in the file:
    the message names entity, indicator and input by their Chinese names and the cell.
    """
    try:
        stored = rnd.current_values(entity, notes=False)
    except StoredValueError as exc:
        raise _bad_value(rnd, cat, exc.entity, exc.unit, exc.indicator_id, exc.input_key,
                         exc.sheet, exc.cell, f"存储为“{exc.stored}”，不是有效的数值") from exc
    for ind_id, by_key in stored.items():
        try:
            ind = cat.indicator(ind_id)
        except KeyError:
            continue  # not in the round's catalogue: never scored
        for key, rows in by_key.items():
            try:
                spec = ind.input(key)
            except KeyError:
                continue
            columns = {c.key: c for c in spec.columns}
            for row in rows:
                checked = columns.get(row.column_key or "", spec)  # a table cell: its column
                if row.number is None or not checked.is_numeric:
                    continue
                low, high = checked.bounds()
                if (low is not None and row.number < low) or (high is not None
                                                              and row.number > high):
                    raise _bad_value(rnd, cat, entity, row.unit, ind_id, key, row.sheet or "",
                                     row.cell or "", f"为 {row.number}，超出该项允许的范围")
    return stored


def _bad_value(rnd: Round, cat: Catalogue, entity: str, unit: str, ind_id: int | None,
               key: str, sheet: str, cell: str, problem: str) -> RoundDataError:
    """A stored value that cannot be used, named as the office knows it."""
    where = [f"评价对象“{entity}”"]
    try:
        ind = cat.indicator(ind_id) if ind_id is not None else None
    except KeyError:
        ind = None
    if ind is not None:
        where.append(f"指标 {ind.id}“{ind.name}”")
        try:
            where.append(f"填报项“{ind.input(key).label}”")
        except KeyError:
            pass
    elif ind_id is not None:
        where.append(f"指标 {ind_id}")
    where.append(f"（{unit}" + (f"，工作表“{sheet}”{cell}）" if sheet else "）"))
    hint = "文件可能被其他程序或手工修改过；请重新导入该单位的回传文件"
    backup = latest_backup(rnd.path)
    if backup is not None:
        hint += f"，或恢复最近的自动备份“{backup.path.name}”（jinan-eval restore）"
    return RoundDataError(f"评价轮次文件“{rnd.path.name}”已损坏：{''.join(where)}的填报数据"
                          f"{problem}", hint=hint)


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
                 save: bool = True, choices: dict[str, str] | None = None) -> engine.Results:
    """Score one entity on its accepted data with the round's parameters, overrides and
    assumption choices (``choices`` replaces the round's, for a preview that stores nothing)."""
    cat = cat or round_catalogue(rnd)
    inputs = entity_inputs(rnd, cat, entity, choices=choices)
    overrides = {o.indicator_id: engine.Override(Decimal(o.score), o.reason)
                 for o in rnd.list_overrides(entity)}
    results = engine.score(cat, inputs.values, round_params(rnd, cat), overrides, entity=entity,
                           blocked=inputs.blocked,
                           choices=rnd.assumption_choices() if choices is None else choices)
    for ind_id, provenance in inputs.provenance.items():
        if ind_id in results.indicators:
            results.indicators[ind_id].provenance = provenance
    if save and not rnd.readonly:
        rnd.save_scores(entity, results.to_json())
    return results


def score_round(rnd: Round, *, save: bool = True) -> dict[str, engine.Results]:
    """Every entity of the round, in the round's order."""
    cat = round_catalogue(rnd)
    return {e: score_entity(rnd, e, cat=cat, save=save) for e in rnd.list_entities()}
