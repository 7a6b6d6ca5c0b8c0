"""Import of returned workbooks: identify, read, validate, and store in one transaction.

A returned file is untrusted. It is read only through :mod:`xlsxsafe` (bounded, no entities,
nothing executed or followed), identified by the identity and input map its template carries
(never by guessing cell positions), and every value is parsed by :mod:`values` as people type
it. What cannot be read exactly becomes a finding that names file, sheet, cell, indicator and
input in Chinese. Accepted values, the file's bytes and all findings go into the round in one
transaction, so a crash or a kill leaves the round exactly as it was; a rejected file changes
nothing at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import templates, values, xlsxsafe
from .catalogue import Catalogue, Indicator, InputSpec
from .errors import EvalError, TemplateError
from .rules import RuleEvalError
from .store import Finding, NewValue, Round, RoundInfo

ProgressFn = Callable[[int, int, str], None]
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"imported": "已导入", "updated": "已更新", "unchanged": "未变化",
                 "rejected": "已拒绝"}
_ADDR_RE = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass(frozen=True)
class Diff:
    """One input whose value changes when a newer return replaces an older one."""

    indicator_id: int
    input_key: str
    label: str
    old: str
    new: str


@dataclass
class FileResult:
    """What happened to one file; findings carry sheet/cell/indicator/input."""

    path: Path
    status: str = "rejected"
    entity: str = ""
    unit: str = ""
    findings: list[Finding] = field(default_factory=list)
    diffs: list[Diff] = field(default_factory=list)
    values: list[NewValue] = field(default_factory=list)
    sha256: str = ""
    submission_id: int | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "status": self.status,
            "entity": self.entity,
            "unit": self.unit,
            "findings": [finding_json(f, catalogue) for f in self.findings],
            "diffs": [{"indicator": d.indicator_id, "input": d.input_key, "old": d.old,
                       "new": d.new} for d in self.diffs],
        }


@dataclass
class ImportReport:
    """The import of several files, like a database import summary."""

    files: list[FileResult]
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        """0 when every file went in cleanly, 1 when any was rejected or has errors."""
        bad = any(f.status == "rejected" or f.has_errors for f in self.files)
        return 1 if bad else 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for f in self.files:
            counts[f.status] += 1
        return counts

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "files": [f.to_json(catalogue) for f in self.files]}


def finding_json(f: Finding, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The ``import --json`` finding contract."""
    indicator: Any = f.indicator_id
    return {"severity": f.severity, "sheet": f.sheet or "", "cell": f.cell or "",
            "indicator": indicator, "input": f.input_key or "", "value": f.value or "",
            "message": f.message}


# ---------------------------------------------------------------------------------------
# Reading one file (no round writes)
# ---------------------------------------------------------------------------------------
def _rows(cells: dict[str, xlsxsafe.CellValue]) -> list[list[Any]]:
    """Cells of a small sheet as rows of values (row 1 first), for templates.parse_meta."""
    grid: dict[int, dict[int, Any]] = {}
    for address, cell in cells.items():
        m = _ADDR_RE.match(address)
        if not m:
            continue
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        value = cell.value
        if isinstance(value, Decimal):
            value = str(value.normalize()) if value == value.to_integral_value() else str(value)
        grid.setdefault(int(m.group(2)), {})[col] = "" if value is None else value
    if not grid:
        return []
    out = []
    for r in range(1, max(grid) + 1):
        row = grid.get(r, {})
        out.append([row.get(c, "") for c in range(1, max(row, default=0) + 1)])
    return out


def read_meta(wb: xlsxsafe.SafeWorkbook) -> templates.TemplateMeta:
    """The identity and input map, or a TemplateError saying this is not our template."""
    if templates.META_SHEET not in wb.sheet_names:
        raise TemplateError(f"文件“{wb.name}”不是本工具下发的数据采集表（缺少标识信息）",
                            hint="请使用市智慧办下发的模板填写，不要新建或复制到其他工作簿")
    meta = templates.parse_meta(_rows(wb.cells(templates.META_SHEET)))
    if meta.identity.get("format") != templates.FORMAT_NAME or not meta.cells:
        raise TemplateError(f"文件“{wb.name}”的模板标识信息已损坏或被修改",
                            hint="请使用市智慧办下发的原始模板重新填写")
    return meta


def check_identity(name: str, meta: templates.TemplateMeta, info: RoundInfo, cat: Catalogue,
                   entities: Sequence[str]) -> tuple[str, str]:
    """The (entity, unit) a return belongs to, or a TemplateError naming the mismatch."""
    ident = meta.identity
    if ident.get("round_id") != info.id:
        raise TemplateError(
            f"文件“{name}”属于另一评价轮次（{ident.get('round_name') or ident.get('year')}），"
            f"不是本轮（{info.name}）的数据采集表", hint="请确认文件来源，或让单位使用本轮下发的模板")
    entity, unit = ident.get("entity", ""), ident.get("unit", "")
    if entity not in entities:
        raise TemplateError(f"文件“{name}”的评价对象“{entity}”不在本轮评价对象中")
    if unit not in cat.unit_names:
        raise TemplateError(f"文件“{name}”的填报单位“{unit}”不在责任单位名录中")
    if ident.get("catalogue_hash") != cat.hash:
        raise TemplateError(
            f"文件“{name}”基于另一版本的指标体系（{ident.get('catalogue_version')}）生成",
            hint="请重新下发本轮模板，由单位按新模板填报")
    if ident.get("template_version") != templates.TEMPLATE_VERSION:
        raise TemplateError(f"文件“{name}”的模板版本“{ident.get('template_version')}”不受支持",
                            hint="请使用本轮下发的模板")
    return entity, unit


def _label_cell(cell: str) -> tuple[str, str]:
    """The label cell (column B) and the number cell (column A) of an input's row."""
    m = _ADDR_RE.match(cell)
    if not m:
        raise TemplateError(f"模板的填报项清单中单元格地址“{cell}”无效")
    return f"B{m.group(2)}", f"A{m.group(2)}"


def check_structure(name: str, meta: templates.TemplateMeta, cat: Catalogue, unit: str,
                    wb: xlsxsafe.SafeWorkbook) -> dict[str, dict[str, xlsxsafe.CellValue]]:
    """Every catalogue input of the unit is mapped and its row still carries its label.

    Returns the cells read, per sheet (inputs and the label/number cells that prove rows were
    not deleted or moved).
    """
    expected = {(ind.id, spec.key) for ind in cat.indicators_for_unit(unit)
                for spec in cat.inputs_for_unit(ind, unit)}
    mapped = {(c.indicator_id, c.input_key) for c in meta.cells if c.is_catalogue_input}
    if expected - mapped:
        missing = sorted(expected - mapped)[:3]
        raise TemplateError(f"文件“{name}”的填报项清单不完整（缺少指标 "
                            f"{'、'.join(str(i) for i, _ in missing)} 的填报项），模板已被改动",
                            hint="请使用市智慧办下发的原始模板重新填写")
    wanted: dict[str, set[str]] = {}
    for c in meta.cells:
        if c.sheet not in wb.sheet_names:
            raise TemplateError(f"文件“{name}”缺少工作表“{c.sheet}”，模板已被改动",
                                hint="请不要删除或重命名工作表")
        label_cell, number_cell = _label_cell(c.cell)
        wanted.setdefault(c.sheet, set()).update({c.cell, label_cell, number_cell})
    cells = {sheet: wb.cells(sheet, addrs) for sheet, addrs in wanted.items()}
    for c in meta.cells:
        if not c.is_catalogue_input:
            continue
        label_cell, number_cell = _label_cell(c.cell)
        sheet_cells = cells[c.sheet]
        if c.row_index is None:
            text = str(sheet_cells[label_cell].value or "")
            if not text.startswith(c.label):
                raise TemplateError(
                    f"文件“{name}”工作表“{c.sheet}”第 {label_cell[1:]} 行应为“{c.label}”，"
                    f"实际为“{text[:30]}”：行被插入、删除、移动或标签被修改",
                    hint="请使用原始模板重新填写，不要插入或删除行")
        else:
            number = sheet_cells[number_cell].value
            if str(number).split(".")[0] != str(c.row_index):
                raise TemplateError(
                    f"文件“{name}”工作表“{c.sheet}”明细表第 {c.row_index} 行的位置已改变"
                    f"（单元格 {number_cell}）：行被插入、删除或移动",
                    hint="请使用原始模板重新填写，不要插入或删除行")
    return cells


def _finding(severity: str, message: str, cell: templates.InputCell | None = None,
             ind: Indicator | None = None, spec: InputSpec | None = None,
             value: str = "") -> Finding:
    where = ""
    if ind is not None:
        where = f"指标 {ind.id}（{ind.name}）"
        if spec is not None:
            where += f"“{spec.label}”"
        where += "："
    return Finding(severity=severity, message=where + message,
                   sheet=cell.sheet if cell else None, cell=cell.cell if cell else None,
                   indicator_id=ind.id if ind else None,
                   input_key=cell.input_key if cell else (spec.key if spec else None),
                   value=value or None)


def read_return(path: Path, cat: Catalogue, info: RoundInfo,
                entities: Sequence[str]) -> FileResult:
    """Read and validate one returned workbook; nothing is written anywhere."""
    result = FileResult(path=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        result.findings.append(_finding("error", f"无法读取文件：{exc.strerror}"))
        return result
    result.sha256 = hashlib.sha256(data).hexdigest()
    try:
        with xlsxsafe.open_workbook(path) as wb:
            meta = read_meta(wb)
            result.entity, result.unit = check_identity(path.name, meta, info, cat, entities)
            cells = check_structure(path.name, meta, cat, result.unit, wb)
            if wb.is_macro_enabled:
                result.findings.append(_finding(
                    "warning", "文件含宏（VBA），本工具只读取单元格的值，从不运行宏"))
    except EvalError as exc:
        result.findings.append(_finding("error", str(exc)))
        return result
    _validate(result, meta, cells, cat)
    result.status = "imported"
    return result


def _validate(result: FileResult, meta: templates.TemplateMeta,
              cells: dict[str, dict[str, xlsxsafe.CellValue]], cat: Catalogue) -> None:
    """Parse every input, check required/bounds/cross-field rules, collect accepted values."""
    by_ind: dict[int, list[templates.InputCell]] = {}
    texts: dict[tuple[int | None, str], str] = {}
    for c in meta.cells:
        if c.is_catalogue_input:
            by_ind.setdefault(c.indicator_id or 0, []).append(c)
        else:
            cell = cells[c.sheet][c.cell]
            text = "" if cell.value is None else str(cell.value).strip()
            texts[(c.indicator_id, c.input_key)] = text
            if text and c.indicator_id is not None:
                result.values.append(NewValue(c.indicator_id, c.input_key, text, None,
                                              sheet=c.sheet, cell=c.cell))
    for c in meta.cells:
        if c.input_key.startswith(templates.FILLER_PREFIX) and not texts.get((None, c.input_key)):
            result.findings.append(_finding("warning", f"“{c.label}”未填写，请补充以便联系核实", c))
    for ind in cat.indicators_for_unit(result.unit):
        _validate_indicator(result, ind, cat.inputs_for_unit(ind, result.unit),
                            by_ind.get(ind.id, []), cells, texts)


def _validate_indicator(result: FileResult, ind: Indicator, specs: list[InputSpec],
                        mapped: list[templates.InputCell],
                        cells: dict[str, dict[str, xlsxsafe.CellValue]],
                        texts: dict[tuple[int | None, str], str]) -> None:
    env: dict[str, Any] = {}
    accepted: dict[str, list[NewValue]] = {}
    for spec in specs:
        spec_cells = [c for c in mapped if c.input_key == spec.key]
        if spec.kind == "table":
            rows = _read_table(result, ind, spec, spec_cells, cells)
            if rows is not None:
                accepted[spec.key] = rows
                for col in spec.columns:
                    env[f"{spec.key}.{col.key}"] = [v.number for v in rows if v.column_key == col.key]
            continue
        cell_ref = spec_cells[0]
        cell = cells[cell_ref.sheet][cell_ref.cell]
        parsed = values.parse_value(cell, spec.kind, options=[o.label for o in spec.options])
        typed = cell.raw
        blocking = False
        for issue in parsed.issues:
            result.findings.append(_finding(issue.severity, issue.message, cell_ref, ind, spec, typed))
            blocking |= issue.severity == "error"
        if parsed.value is None:
            if not blocking and spec.required:
                result.findings.append(_finding("error", "必填项未填写", cell_ref, ind, spec))
            continue
        if blocking:
            continue
        number, text = _as_stored(spec, parsed.value)
        bound_msg = _bounds_problem(spec, number)
        if bound_msg:
            result.findings.append(_finding("error", bound_msg, cell_ref, ind, spec, typed))
            continue
        if spec.kind == "yesno" and number == 1 and not texts.get(
                (ind.id, templates.EVIDENCE_PREFIX + spec.key)):
            result.findings.append(_finding(
                "warning", "回答为“是”，但未填写佐证材料说明，请补充材料名称或网址", cell_ref, ind, spec, typed))
        env[spec.key] = number if spec.kind != "text" else text
        accepted[spec.key] = [NewValue(ind.id, spec.key, text, number, sheet=cell_ref.sheet,
                                       cell=cell_ref.cell)]
    blocked = _cross_checks(result, ind, env, mapped)
    for key, vals in accepted.items():
        if key not in blocked:
            result.values.extend(vals)


def _as_stored(spec: InputSpec, value: Any) -> tuple[Decimal | None, str]:
    """The number rules see and the text kept for people (option labels stay readable)."""
    if spec.kind == "text":
        return None, str(value)
    if spec.kind == "choice":
        option = next(o for o in spec.options if o.label == value)
        return option.value, option.label
    if spec.kind == "yesno":
        number = Decimal(1) if value in (True, 1, Decimal(1)) else Decimal(0)
        return number, "是" if number == 1 else "否"
    number = Decimal(value)
    return number, format(number, "f")


def _bounds_problem(spec: InputSpec, number: Decimal | None) -> str:
    if number is None:
        return ""
    lo, hi = spec.bounds()
    if spec.kind in {"count", "rank", "level"} and number != number.to_integral_value():
        return f"应为整数，填写的是 {number}"
    if lo is not None and number < lo:
        return f"数值 {number} 小于允许的最小值 {lo}"
    if hi is not None and number > hi:
        return f"数值 {number} 大于允许的最大值 {hi}"
    return ""


def _read_table(result: FileResult, ind: Indicator, spec: InputSpec,
                spec_cells: list[templates.InputCell],
                cells: dict[str, dict[str, xlsxsafe.CellValue]]) -> list[NewValue] | None:
    """Rows with any value; a partly filled row is an error naming the empty cells."""
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
        for col in spec.columns:
            ref = row.get(col.key)
            if ref is None:
                continue
            cell = raw[col.key]
            parsed = values.parse_value(cell, col.kind)
            errors = [i for i in parsed.issues if i.severity == "error"]
            for issue in parsed.issues:
                result.findings.append(_finding(issue.severity, f"第 {row_index} 行：{issue.message}",
                                                ref, ind, col, cell.raw))
            if parsed.value is None and not errors:
                if col.required:
                    result.findings.append(_finding("error", f"第 {row_index} 行“{col.label}”未填写",
                                                    ref, ind, col))
                    ok = False
                continue
            if errors:
                ok = False
                continue
            number, text = _as_stored(col, parsed.value)
            problem = _bounds_problem(col, number)
            if problem:
                result.findings.append(_finding("error", f"第 {row_index} 行：{problem}", ref, ind,
                                                col, cell.raw))
                ok = False
                continue
            out.append(NewValue(ind.id, spec.key, text, number, row_index=n,
                                column_key=col.key, sheet=ref.sheet, cell=ref.cell))
    if n == 0 and spec.required:
        first = spec_cells[0] if spec_cells else None
        result.findings.append(_finding("error", "明细表未填写任何一行", first, ind, spec))
        return None
    return out if ok else None


def _cross_checks(result: FileResult, ind: Indicator, env: dict[str, Any],
                  mapped: list[templates.InputCell]) -> set[str]:
    """Run the catalogue's cross-field checks; an error blocks the inputs it names."""
    blocked: set[str] = set()
    for check in ind.checks:
        names = {n.split(".")[0] for n in check.rule.names if n not in ind.params}
        inputs = names & {s.key for s in ind.inputs}
        scope = {**{k: v for k, v in ind.params.items()}, **env}
        if not inputs or any(k not in env and not any(n.startswith(k + ".") for n in env)
                             for k in inputs):
            continue
        try:
            ok = check.rule.evaluate(scope)
        except RuleEvalError:
            continue
        if isinstance(ok, list) or ok:
            continue
        ref = next((c for c in mapped if c.input_key in inputs), None)
        result.findings.append(_finding(check.severity, check.message, ref, ind))
        if check.severity == "error":
            blocked |= inputs
    return blocked


# ---------------------------------------------------------------------------------------
# Importing into a round
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, cat: Catalogue, paths: Iterable[str | Path], *,
                 dry_run: bool = False, progress: ProgressFn | None = None) -> ImportReport:
    """Validate and (unless dry_run) store each file, each in its own transaction."""
    paths = [Path(p) for p in paths]
    info = rnd.info
    entities = rnd.list_entities()
    report = ImportReport([], dry_run=dry_run)
    for n, path in enumerate(paths):
        if progress:
            progress(n, len(paths), f"正在校验：{path.name}")
        result = read_return(path, cat, info, entities)
        if result.status != "rejected":
            _classify(rnd, cat, result)
            if not dry_run and result.status in ("imported", "updated"):
                _store(rnd, cat, result)
        report.files.append(result)
    if progress:
        progress(len(paths), len(paths), f"已处理 {len(paths)} 个文件")
    return report


def _classify(rnd: Round, cat: Catalogue, result: FileResult) -> None:
    """unchanged (same bytes already accepted) / updated (replaces the unit's return) / imported."""
    previous = [s for s in rnd.list_submissions(result.entity)
                if s.unit == result.unit and s.status == "accepted"]
    if any(s.sha256 == result.sha256 for s in previous):
        result.status = "unchanged"
        return
    if previous:
        result.status = "updated"
        result.diffs = _diffs(rnd, cat, result)


def _diffs(rnd: Round, cat: Catalogue, result: FileResult) -> list[Diff]:
    """Values of the unit's current return that the new file changes."""
    current = rnd.current_values(result.entity)
    old: dict[tuple[int, str], str] = {}
    for ind_id, by_key in current.items():
        for key, rows in by_key.items():
            mine = [r for r in rows if r.unit == result.unit]
            if mine:
                old[(ind_id, key)] = "；".join((r.text or "") for r in mine)
    new: dict[tuple[int, str], list[str]] = {}
    for v in result.values:
        new.setdefault((v.indicator_id, v.input_key), []).append(v.text or "")
    diffs = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, ""), "；".join(new.get(key, []))
        if before != after:
            ind = cat.indicator(key[0])
            label = next((s.label for s in ind.inputs if s.key == key[1]), key[1])
            diffs.append(Diff(key[0], key[1], label, before, after))
    return diffs


def _store(rnd: Round, cat: Catalogue, result: FileResult) -> None:
    """One transaction: supersede the unit's older return, add file, values, findings, conflicts."""
    with rnd.transaction():
        for s in rnd.list_submissions(result.entity):
            if s.unit == result.unit and s.status == "accepted":
                rnd.set_submission_status(s.id, "superseded", "被新提交的文件替换")
        sid = rnd.add_submission(entity=result.entity, unit=result.unit,
                                 file_name=result.path.name, content=result.path.read_bytes())
        result.submission_id = sid
        if result.values:
            rnd.add_values(sid, result.values)
        if result.findings:
            rnd.add_findings(sid, result.findings)
        _record_conflicts(rnd, cat, result)


def _record_conflicts(rnd: Round, cat: Catalogue, result: FileResult) -> None:
    """Shared inputs that another unit reported differently become open conflicts."""
    current = rnd.current_values(result.entity)
    open_keys = {(c.indicator_id, c.input_key) for c in rnd.list_conflicts(result.entity,
                                                                           open_only=True)}
    touched = {(v.indicator_id, v.input_key) for v in result.values}
    for ind_id, key in sorted(touched):
        ind = cat.indicator(ind_id)
        if ind.collect == "per_unit" or key.startswith("_"):
            continue
        rows = current.get(ind_id, {}).get(key, [])
        by_unit: dict[str, list[str]] = {}
        for r in rows:
            by_unit.setdefault(r.unit, []).append(f"{r.row_index}|{r.column_key}|{r.number}|{r.text}")
        if len({tuple(v) for v in by_unit.values()}) > 1 and (ind_id, key) not in open_keys:
            rnd.add_conflict(result.entity, ind_id, key, [
                {"unit": u, "value": "；".join(r.text or "" for r in rows if r.unit == u)}
                for u in sorted(by_unit)])
