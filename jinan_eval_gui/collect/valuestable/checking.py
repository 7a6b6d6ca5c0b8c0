"""The values of a values table checked like a returned workbook's, as import results.

Every value goes through :func:`values.parse_value` with its input's kind and bounds (a JSON
number or a plain decimal as a number cell, other text as typed text, an .xlsx cell as it is),
tables row by row, the catalogue's cross-field checks on the values given together, and
required inputs: where an indicator is given, its required inputs must be given too. Findings
carry the same messages as a workbook's, located by JSON path or sheet and row instead of a
template cell.

The values are then grouped as the round records them: one :class:`returns.FileResult` per
(entity, unit), where the unit is the file's source (``数据表：…``) for values of an indicator as
a whole and the named unit for values given per unit. The importer decides and stores those
results exactly as it does returned workbooks (unchanged / updated, conflicts, audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.store import NewValue

from .. import templates, values
from ..returns import (
    NOT_USED,
    FileResult,
    check_failed,
    check_inputs,
    finding,
    label_of,
    plain,
    stored_form,
)
from ..xlsxsafe import CellValue
from .model import Raw, ValuesTable, plain_decimal, refused
from .structure import Placed, Settings, place_entries, read_settings

NUMERIC_KINDS = frozenset({"count", "amount", "percent", "rank", "level", "score"})
#: Findings that describe how a program wrote the value, not what a person typed: a JSON
#: number 1 for 是, or a long exact number passed as text so that no digit is lost.
_MACHINE = frozenset({"yesno_synonym"})
_LONG_NUMBER = frozenset({"number_as_text"})
_EXCEL_DIGITS = 15
_MAGNITUDE = values.MAX_MAGNITUDE


@dataclass
class Checked:
    """A values table checked: one result per (entity, unit), and the settings it gives."""

    results: list[FileResult]
    settings: Settings = field(default_factory=Settings)


def check_table(table: ValuesTable, cat: Catalogue, entities: Sequence[str], *,
                source: str) -> Checked:
    """Check ``table`` against the catalogue and the round's ``entities``; ValuesFileError if
    the file as a whole does not fit (see :mod:`.structure`) or gives no value at all."""
    placed = place_entries(table, cat, entities, source)
    settings = read_settings(table, cat, entities)
    if all(_blank(p.entry.value) for p in placed):
        raise refused(table.path, "", "中没有任何填报值（全部为空）",
                      hint="请确认选择的是填写了数据的数据表")
    groups: dict[tuple[str, str], dict[int, dict[str, list[Placed]]]] = {}
    for p in placed:
        by_ind = groups.setdefault((p.entry.entity, p.unit), {})
        by_ind.setdefault(p.ind.id, {}).setdefault(p.spec.key, []).append(p)
    results: dict[tuple[str, str], FileResult] = {}
    for (entity, unit), by_ind in groups.items():
        result = FileResult(path=table.path, status="imported", entity=entity, unit=unit,
                            sha256=table.sha256)
        results[(entity, unit)] = result
        for ind_id, by_key in by_ind.items():
            _indicator(result, cat.indicator(ind_id), by_key)
    _required(placed, results, cat)
    order = {e: n for n, e in enumerate(entities)}
    ordered = sorted((r for r in results.values() if r.values or r.findings),
                     key=lambda r: (order.get(r.entity, 0), r.unit != source))
    _note_catalogue(table, cat, ordered)
    return Checked(ordered, settings)


def _note_catalogue(table: ValuesTable, cat: Catalogue, results: list[FileResult]) -> None:
    """A table exported with another catalogue version is read against this one: say so."""
    version = table.header.get("catalogue_version")
    if results and version and version != cat.version:
        results[0].findings.insert(0, finding(
            "warning", f"数据表按指标体系版本“{version}”导出，本评价轮次为版本“{cat.version}”；"
                       "已按本轮次的指标体系核对各填报项"))


# ---------------------------------------------------------------------------------------
# One value
# ---------------------------------------------------------------------------------------
def _blank(raw: Raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, CellValue):
        return raw.is_blank
    return isinstance(raw, str) and not raw.strip()


def as_cell(raw: Raw, kind: str, address: str) -> tuple[CellValue, frozenset[str]]:
    """The value as the cell a person would have typed, and finding codes that do not apply.

    JSON numbers and plain decimals are number cells (exact up to Excel's 15 digits; a longer
    exact number goes as text, read exactly, without the "number saved as text" remark);
    other text is typed text, read as people type it (85%, 1,234, 是/√).
    """
    if isinstance(raw, CellValue):
        return raw, frozenset()
    if raw is None:
        return CellValue.blank(address), frozenset()
    if isinstance(raw, bool):
        return CellValue(address, "TRUE" if raw else "FALSE", raw, "b"), _MACHINE
    drop = _MACHINE
    if isinstance(raw, str):
        number = plain_decimal(raw) if kind in NUMERIC_KINDS else None
        if number is None:
            return CellValue(address, raw, raw, "s"), frozenset()
        raw, drop = number, frozenset()
    digits = len(raw.as_tuple().digits)
    if digits > _EXCEL_DIGITS and -_MAGNITUDE <= raw.adjusted() <= _MAGNITUDE:
        text = plain(raw)
        return CellValue(address, text, text, "s"), drop | _LONG_NUMBER
    return CellValue(address, str(raw), raw, "n"), drop


def typed(raw: Raw) -> str:
    """The value as the file gives it, for findings (huge numbers in scientific notation)."""
    if raw is None:
        return ""
    if isinstance(raw, CellValue):
        return raw.raw if raw.type != "n" or not isinstance(raw.value, Decimal) else typed(raw.value)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, Decimal):
        return plain(raw) if -_MAGNITUDE <= raw.adjusted() <= _MAGNITUDE else str(raw)
    return str(raw)


def _parse(raw: Raw, spec: InputSpec, address: str) -> values.Parsed:
    cell, drop = as_cell(raw, spec.kind, address)
    options = [(o.label, o.value) for o in spec.options] if spec.kind == "choice" else None
    parsed = values.parse_value(cell, spec.kind, options=options, minimum=spec.min,
                                maximum=spec.max, max_text_length=templates.TEXT_MAX_LENGTH)
    if drop:
        parsed = values.Parsed(parsed.value, tuple(i for i in parsed.issues if i.code not in drop))
    return parsed


def _cell(p: Placed, spec: InputSpec, row: int | None = None,
          column: InputSpec | None = None) -> templates.InputCell:
    """Where a finding about ``p`` points: the file's sheet and cell (or JSON path)."""
    return templates.InputCell(p.ind.id, spec.key, row, column.key if column else "",
                               p.entry.sheet, p.entry.cell,
                               column.label if column else spec.label)


# ---------------------------------------------------------------------------------------
# One indicator of one (entity, unit)
# ---------------------------------------------------------------------------------------
def _indicator(result: FileResult, ind: Indicator, by_key: dict[str, list[Placed]]) -> None:
    env: dict[str, Any] = {}
    shown: dict[str, str] = {}
    accepted: dict[str, list[NewValue]] = {}
    refs: dict[str, Placed] = {}
    for spec in ind.inputs:
        items = by_key.get(spec.key)
        if not items:
            continue
        refs[spec.key] = items[0]
        if spec.kind == "table":
            rows = _table(result, ind, spec, items)
            if rows is not None:
                accepted[spec.key] = rows
                for col in spec.columns:
                    env[f"{spec.key}.{col.key}"] = [v.text if col.kind == "text" else v.number
                                                    for v in rows if v.column_key == col.key]
            continue
        p = items[0]
        parsed = _parse(p.entry.value, spec, p.entry.cell)
        for issue in parsed.issues:
            result.findings.append(finding(issue.severity, issue.message, _cell(p, spec), ind,
                                           spec, typed(p.entry.value)))
        if not parsed.ok or parsed.value is None:
            continue
        number, text = stored_form(spec, parsed.value)
        env[spec.key] = number if spec.kind != "text" else text
        shown[spec.key] = text
        accepted[spec.key] = [NewValue(ind.id, spec.key, text, number,
                                       sheet=p.entry.sheet or None, cell=p.entry.cell)]
    blocked = _cross_checks(result, ind, env, shown, refs)
    for key, vals in accepted.items():
        if key not in blocked:
            result.values.extend(vals)


def _table(result: FileResult, ind: Indicator, spec: InputSpec,
           items: list[Placed]) -> list[NewValue] | None:
    """Rows with any value, renumbered from 1 as a workbook's; a partly filled row is an
    error naming the empty column, and any error blocks the whole table (one input)."""
    by_row: dict[int, dict[str, Placed]] = {}
    for p in items:
        if p.entry.row is not None and p.column is not None:
            by_row.setdefault(p.entry.row, {})[p.column.key] = p
    out: list[NewValue] = []
    ok, n = True, 0
    for row_index in sorted(by_row):
        row = by_row[row_index]
        if all(_blank(p.entry.value) for p in row.values()):
            continue
        n += 1
        anchor = next(iter(row.values()))
        typed_row = "；".join(f"{col.label}：{typed(row[col.key].entry.value)}"
                              for col in spec.columns if col.key in row
                              and not _blank(row[col.key].entry.value))
        for col in spec.columns:
            p = row.get(col.key, anchor)
            raw = p.entry.value if col.key in row else None
            parsed = _parse(raw, col, p.entry.cell)
            for issue in parsed.issues:
                result.findings.append(finding(issue.severity, f"第 {row_index} 行：{issue.message}",
                                               _cell(p, spec, row_index, col), ind, col, typed(raw)))
            if not parsed.ok:
                ok = False
                continue
            if parsed.value is None:
                if col.required:
                    result.findings.append(finding(
                        "error", f"明细表第 {row_index} 行“{col.label}”未填写（同一行的其他列已填写）",
                        _cell(p, spec, row_index, col), ind, col, typed_row))
                    ok = False
                continue
            number, text = stored_form(col, parsed.value)
            out.append(NewValue(ind.id, spec.key, text, number, row_index=n, column_key=col.key,
                                sheet=p.entry.sheet or None, cell=p.entry.cell))
    if n == 0:
        return None
    return out if ok else None


def _cross_checks(result: FileResult, ind: Indicator, env: dict[str, Any],
                  shown: dict[str, str], refs: dict[str, Placed]) -> set[str]:
    """The catalogue's cross-field checks on the values given together (as a workbook's);
    an error blocks the inputs it names."""
    blocked: set[str] = set()
    for check in ind.checks:
        inputs = check_inputs(ind, check)
        if not inputs or not all(k in env or any(n.startswith(k + ".") for n in env)
                                 for k in inputs):
            continue
        if not check_failed(check, ind, env):
            continue
        key = next((k for k in refs if k in inputs), None)
        filled = "，".join(f"{label_of(ind, k)} = {shown[k]}" for k in sorted(inputs)
                          if k in shown)
        ref = None if key is None else _cell(refs[key], ind.input(key))
        result.findings.append(finding(
            check.severity, check.message + (f"（填写的是：{filled}）" if filled else "")
            + "。请核对后修改", ref, ind, value=(shown.get(key, "") if key else "") or filled))
        if check.severity == "error":
            blocked |= inputs
            for k in sorted(inputs - {key}):
                if k in shown and k in refs:  # as a workbook's: each input's value noted
                    result.findings.append(finding(
                        "info", f"{NOT_USED}（{check.message}）",
                        _cell(refs[k], ind.input(k)), ind, ind.input(k), shown[k]))
    return blocked


def _required(placed: list[Placed], results: dict[tuple[str, str], FileResult],
              cat: Catalogue) -> None:
    """Where the file gives an indicator (for an entity; per unit for inputs each unit reports),
    its required inputs must be given too: those of the same reporting units, as a template
    of those units would hold them."""
    given: dict[tuple[str, int, str | None], dict[str, Placed]] = {}
    left_blank: dict[tuple[str, int, str | None, str], Placed] = {}
    for p in placed:
        scope = p.unit if p.ind.collect == "per_unit" else None
        if _blank(p.entry.value):
            left_blank.setdefault((p.entry.entity, p.ind.id, scope, p.spec.key), p)
            continue
        given.setdefault((p.entry.entity, p.ind.id, scope), {}).setdefault(p.spec.key, p)
    for (entity, ind_id, unit), keys in given.items():
        ind = cat.indicator(ind_id)
        if unit is not None:
            specs = cat.inputs_for_unit(ind, unit)
        else:
            owners = {ind.input(k).owner for k in keys}
            specs = [s for s in ind.inputs if not s.owner or s.owner in owners]
        first = next(iter(keys.values()))
        result = results[(entity, first.unit)]
        for spec in specs:
            if spec.required and spec.key not in keys:
                at = left_blank.get((entity, ind_id, unit, spec.key), first)  # its row, if any
                result.findings.append(finding(
                    "error", "必填项未给出（本指标的其他填报项已给出）。请补充该项；确实无法提供的，"
                             "该指标按缺报处理", _cell(at, spec), ind, spec))
