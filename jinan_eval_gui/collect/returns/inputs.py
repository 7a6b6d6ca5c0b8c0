"""Every input of a returned file parsed and checked: required, bounds, tables, cross-checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.catalogue.rules import RuleEvalError
from jinan_eval_gui.collect import templates, values, xlsxsafe
from jinan_eval_gui.store import NewValue

from .plan import unit_plan
from .result import NOT_USED, FileResult, _text, finding, label_of, plain, stored_form


def _typed(cell: xlsxsafe.CellValue) -> str:
    """The cell as the unit saw it (dates and percents as displayed), for findings."""
    if cell.is_blank:
        return ""
    if cell.type == "b":
        return "TRUE" if cell.value else "FALSE"
    if cell.type == "n" and isinstance(cell.value, Decimal):
        if cell.is_date_format:
            try:
                moment = xlsxsafe.serial_to_datetime(cell.value, cell.date1904)
            except (OverflowError, ValueError, InvalidOperation):
                return cell.raw
            return moment.strftime("%Y-%m-%d %H:%M" if moment.hour or moment.minute
                                   else "%Y-%m-%d")
        if cell.is_percent_format:
            return plain(cell.value * 100) + "%"
        return plain(cell.value)
    return cell.raw


# ---------------------------------------------------------------------------------------
# Validation of the values of one file
# ---------------------------------------------------------------------------------------
def _validate(result: FileResult, meta: templates.TemplateMeta,
              cells: dict[str, dict[str, xlsxsafe.CellValue]], cat: Catalogue) -> None:
    """Parse every input, check required/bounds/cross-field rules, collect accepted values."""
    by_ind: dict[int, list[templates.InputCell]] = {}
    texts: dict[tuple[int | None, str], str] = {}
    for c in meta.cells:
        if c.is_catalogue_input:
            by_ind.setdefault(c.indicator_id or 0, []).append(c)
            continue
        text = _note_text(result, c, cells[c.sheet][c.cell], cat)
        if text is None:
            continue
        texts[(c.indicator_id, c.input_key)] = text
        if c.indicator_id is None:
            if text:
                result.filler[c.input_key.removeprefix(templates.FILLER_PREFIX)] = \
                    _typed(cells[c.sheet][c.cell]) if c.input_key.endswith("date") else text
        elif text:
            result.values.append(NewValue(c.indicator_id, c.input_key, text, None,
                                          sheet=c.sheet, cell=c.cell))
    for c in meta.cells:
        if c.indicator_id is None and not texts.get((None, c.input_key)):
            result.findings.append(finding("warning", f"“{c.label}”未填写，请补充以便联系核实", c))
    for ind, specs in unit_plan(cat, result.unit).indicators:
        _validate_indicator(result, ind, list(specs), by_ind.get(ind.id, []), cells, texts)


def _note_text(result: FileResult, c: templates.InputCell, cell: xlsxsafe.CellValue,
               cat: Catalogue) -> str | None:
    """The text of an evidence, notes or filler cell; None (and a finding) when it cannot be
    read exactly or is longer than such a cell may be."""
    ind = cat.indicator(c.indicator_id) if c.indicator_id is not None else None
    if cell.is_bad:
        result.findings.append(finding(
            "error", f"“{c.label}”：{cell.problem}，无法确定 Excel 中显示的内容，未读取",
            c, ind, value=cell.raw, hint="请在 Excel 或 WPS 中检查该单元格，重新填写后保存"))
        return None
    text = _text(cell.value).strip()
    limit = templates.TEXT_MAX_LENGTH if ind is not None else MAX_FILLER_LENGTH
    if len(text) > limit:
        result.findings.append(finding(
            "error" if ind is not None else "warning",
            f"“{c.label}”有 {len(text)} 个字，超过 {limit} 字的上限，未读取", c, ind, value=text,
            hint="请精简后重新填写，详细材料可另附文件"))
        return None
    return text


#: Filler's name, phone and date: short by nature; a long text there is not kept.
MAX_FILLER_LENGTH = 100


def _parse(cell: xlsxsafe.CellValue, spec: InputSpec) -> values.Parsed:
    options = [(o.label, o.value) for o in spec.options] if spec.kind == "choice" else None
    return values.parse_value(cell, spec.kind, options=options, minimum=spec.min,
                              maximum=spec.max, max_text_length=templates.TEXT_MAX_LENGTH)


def _validate_indicator(result: FileResult, ind: Indicator, specs: list[InputSpec],
                        mapped: list[templates.InputCell],
                        cells: dict[str, dict[str, xlsxsafe.CellValue]],
                        texts: dict[tuple[int | None, str], str]) -> None:
    env: dict[str, Any] = {}
    shown: dict[str, str] = {}
    accepted: dict[str, list[NewValue]] = {}
    for spec in specs:
        spec_cells = [c for c in mapped if c.input_key == spec.key]
        if spec.kind == "table":
            rows = _read_table(result, ind, spec, spec_cells, cells)
            if rows is not None:
                accepted[spec.key] = rows
                for col in spec.columns:
                    env[f"{spec.key}.{col.key}"] = [v.text if col.kind == "text" else v.number
                                                    for v in rows if v.column_key == col.key]
            continue
        ref = spec_cells[0]
        cell = cells[ref.sheet][ref.cell]
        typed = _typed(cell)
        parsed = _parse(cell, spec)
        for issue in parsed.issues:
            result.findings.append(finding(issue.severity, issue.message, ref, ind, spec, typed))
        if not parsed.ok:
            continue
        if parsed.value is None:
            if spec.required:
                result.findings.append(finding(
                    "error", "必填项未填写。如确实无法提供，请在该指标的“备注”中说明原因",
                    ref, ind, spec))
            continue
        number, text = stored_form(spec, parsed.value)
        if spec.kind == "yesno" and number == 1 and not texts.get(
                (ind.id, templates.EVIDENCE_PREFIX + spec.key)):
            result.findings.append(finding(
                "warning", "回答为“是”，但未填写佐证材料说明，请在同一行的“佐证材料说明”中写明材料"
                           "名称、文号或网址", ref, ind, spec, typed))
        env[spec.key] = number if spec.kind != "text" else text
        shown[spec.key] = text
        accepted[spec.key] = [NewValue(ind.id, spec.key, text, number, sheet=ref.sheet,
                                       cell=ref.cell)]
    blocked = _cross_checks(result, ind, env, shown, mapped)
    for key, vals in accepted.items():
        if key not in blocked:
            result.values.extend(vals)


def _read_table(result: FileResult, ind: Indicator, spec: InputSpec,
                spec_cells: list[templates.InputCell],
                cells: dict[str, dict[str, xlsxsafe.CellValue]]) -> list[NewValue] | None:
    """Rows with any value; a partly filled row is an error naming the empty cells. Any error
    blocks the whole table (a table is one input)."""
    by_row: dict[int, dict[str, templates.InputCell]] = {}
    for c in spec_cells:
        by_row.setdefault(c.row_index or 0, {})[c.column_key] = c
    out: list[NewValue] = []
    ok = True
    n = 0
    for row_index in sorted(by_row):
        row = by_row[row_index]
        raw = {k: cells[c.sheet][c.cell] for k, c in row.items()}
        if all(v.is_blank for v in raw.values()):
            continue
        n += 1
        typed_row = "；".join(f"{col.label}：{_typed(raw[col.key])}" for col in spec.columns
                              if col.key in raw and not raw[col.key].is_blank)
        for col in spec.columns:
            ref = row.get(col.key)
            if ref is None:
                continue
            cell = raw[col.key]
            parsed = _parse(cell, col)
            for issue in parsed.issues:
                result.findings.append(finding(issue.severity, f"第 {row_index} 行：{issue.message}",
                                               ref, ind, col, _typed(cell)))
            if not parsed.ok:
                ok = False
                continue
            if parsed.value is None:
                if col.required:
                    result.findings.append(finding(
                        "error", f"明细表第 {row_index} 行“{col.label}”未填写（同一行的其他列已填写）",
                        ref, ind, col, typed_row))  # the row as typed: a wrong entry, not 缺报
                    ok = False
                continue
            number, text = stored_form(col, parsed.value)
            out.append(NewValue(ind.id, spec.key, text, number, row_index=n,
                                column_key=col.key, sheet=ref.sheet, cell=ref.cell))
    if n == 0 and spec.required:
        first = spec_cells[0] if spec_cells else None
        result.findings.append(finding("error", "明细表未填写任何一行", first, ind, spec))
        return None
    return out if ok else None


def check_inputs(ind: Indicator, check: Any) -> set[str]:
    """The input keys a cross-field check names (table columns as their table)."""
    names = {n.split(".")[0] for n in check.rule.names if n not in ind.params}
    return names & {s.key for s in ind.inputs}


def _present(key: str, env: dict[str, Any]) -> bool:
    return key in env or any(n.startswith(key + ".") for n in env)


def check_failed(check: Any, ind: Indicator, env: dict[str, Any]) -> bool:
    """True when the check evaluates to false on ``env`` (a rule error is not a failure)."""
    try:
        ok = check.rule.evaluate({**ind.params, **env})
    except RuleEvalError:
        return False
    if isinstance(ok, list):
        return not all(ok)
    return not ok


def _cross_checks(result: FileResult, ind: Indicator, env: dict[str, Any],
                  shown: dict[str, str], mapped: list[templates.InputCell]) -> set[str]:
    """The catalogue's cross-field checks (e.g. numerator <= denominator) on this file's
    values; an error blocks the inputs it names."""
    blocked: set[str] = set()
    for check in ind.checks:
        inputs = check_inputs(ind, check)
        if not inputs or not all(_present(k, env) for k in inputs):
            continue
        if not check_failed(check, ind, env):
            continue
        ref = next((c for c in mapped if c.input_key in inputs), None)
        filled = "，".join(f"{label_of(ind, k)} = {shown[k]}" for k in sorted(inputs)
                          if k in shown)
        result.findings.append(finding(
            check.severity, check.message + (f"（填写的是：{filled}）" if filled else "")
            + "。请核对后修改", ref, ind,
            value=(shown.get(ref.input_key, "") or filled) if ref else filled))
        if check.severity == "error":
            blocked |= inputs
            for k in sorted(inputs - {ref.input_key if ref else ""}):
                other = next((c for c in mapped if c.input_key == k), None)
                if k in shown and other is not None:  # its cell marked too, with its value
                    result.findings.append(finding(
                        "info", f"{NOT_USED}（{check.message}）", other, ind, ind.input(k),
                        shown[k]))
    return blocked
