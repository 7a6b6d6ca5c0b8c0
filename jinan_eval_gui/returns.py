"""One returned workbook, read and checked on its own (nothing written anywhere).

A returned file is untrusted. It is read once, bounded, and only through :mod:`xlsxsafe` (no
entities, nothing extracted to disk, nothing executed or followed); identified by the identity and
input map its template carries (never by guessing cell positions): the round, entity, unit,
catalogue version and template version must match, the input map must list exactly the cells a
template of that unit has, and every mapped row must still carry its label, so rows inserted,
deleted or moved and labels changed are refused. Every value is then parsed by :mod:`values` as
people type it and checked (required, bounds, the catalogue's cross-field checks, evidence for a
yes answer). What cannot be read exactly becomes a finding naming file, sheet, cell, indicator and
input, in Chinese, never a guess.

:mod:`importer` then decides against the round what the file changes and stores it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import templates, values, xlsxsafe
from .catalogue import Catalogue, Indicator, InputSpec
from .errors import EvalError, TemplateError
from .rules import RuleEvalError
from .store import Conflict, Finding, NewValue, RoundInfo

__all__ = [
    "IMPORT_LIMITS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "ConflictNote",
    "Diff",
    "FileResult",
    "finding_json",
    "read_return",
]

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"imported": "已导入", "updated": "已更新", "unchanged": "未变化",
                 "rejected": "已拒绝"}
#: Bounds for a returned template: a template's sheets hold a few thousand cells, so a sheet
#: with more is refused before it costs more than a fraction of a second.
IMPORT_LIMITS = xlsxsafe.Limits(max_cells_per_sheet=100_000, max_sheets=100,
                                max_defined_names=2_000, max_shared_strings=200_000)

_ADDR_RE = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_NOTES_LABEL = "备注"
#: The input map of the largest template has a few hundred rows; far beyond is tampering.
_MAX_META_ROW = templates.MAP_HEADER_ROW + 20_000
#: Input cells of a template lie in the first columns and rows; a map pointing far away is
#: tampering (and reading the label cells left of it would cost without bound).
_MAX_MAP_COLUMN = 64
_MAX_MAP_ROW = 100_000
_REDO = "请使用市智慧办下发的原始模板重新填写"



# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Diff:
    """One input whose value changes when a newer return replaces an older one."""

    indicator_id: int
    input_key: str
    label: str
    old: str
    new: str
    sheet: str = ""
    cell: str = ""


@dataclass
class ConflictNote:
    """A shared input that units report differently (``action`` "new"), or that they now
    report alike so the open conflict closes (``action`` "agreed")."""

    entity: str
    indicator_id: int
    input_key: str
    label: str
    candidates: list[dict[str, str]]
    action: str = "new"
    replaces: Conflict | ConflictNote | None = None
    conflict_id: int | None = None


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
    conflicts: list[ConflictNote] = field(default_factory=list)
    filler: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    submission_id: int | None = None
    content: bytes = field(default=b"", repr=False)
    superseded: list[Any] = field(default_factory=list, repr=False)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """The ``import --json`` file entry (path, status, findings; extra keys allowed)."""
        return {
            "path": str(self.path),
            "file": self.path.name,
            "status": self.status,
            "entity": self.entity,
            "unit": self.unit,
            "sha256": self.sha256,
            "counts": {s: self.count(s) for s in SEVERITY_LABELS},
            "findings": [finding_json(f, catalogue, self.path.name) for f in self.findings],
            "diffs": [{"indicator": d.indicator_id, "input": d.input_key, "label": d.label,
                       "sheet": d.sheet, "cell": d.cell, "old": d.old, "new": d.new}
                      for d in self.diffs],
            "conflicts": [{"indicator": c.indicator_id, "input": c.input_key, "label": c.label,
                           "action": c.action, "candidates": c.candidates}
                          for c in self.conflicts],
            "filler": dict(self.filler),
        }


def finding_json(f: Finding, catalogue: Catalogue | None = None,
                 file: str = "") -> dict[str, Any]:
    """The ``import --json`` finding contract (severity, sheet, cell, indicator, input, message),
    with the indicator's name, the input's label, the value as typed and the file."""
    name = label = ""
    if catalogue is not None and f.indicator_id is not None:
        try:
            ind = catalogue.indicator(f.indicator_id)
        except KeyError:
            ind = None
        if ind is not None:
            name = ind.name
            label = input_label(ind, f.input_key or "")
    return {"severity": f.severity, "sheet": f.sheet or "", "cell": f.cell or "",
            "indicator": f.indicator_id, "input": f.input_key or "", "message": f.message,
            "indicator_name": name, "label": label, "value": f.value or "", "file": file}


def input_label(ind: Indicator, key: str) -> str:
    """The label of an input key (evidence and notes keys included), for people."""
    base = key.removeprefix(templates.EVIDENCE_PREFIX)
    try:
        spec = ind.input(base)
    except KeyError:
        return "备注" if key == templates.NOTES_KEY else ""
    return f"佐证材料说明：{spec.label}" if key != base else spec.label


# ---------------------------------------------------------------------------------------
# Reading one file (nothing written anywhere)
# ---------------------------------------------------------------------------------------
def read_return(path: str | Path, cat: Catalogue, info: RoundInfo, entities: Sequence[str], *,
                issued: frozenset[str] | set[str] = frozenset(),
                limits: xlsxsafe.Limits = IMPORT_LIMITS) -> FileResult:
    """Read and validate one returned workbook on its own; never raises for a file problem.

    ``issued``: SHA-256 of the templates issued in this round (a blank template sent back is
    refused rather than wiping a unit's data). Status is ``imported`` (provisionally: the round
    decides updated/unchanged) or ``rejected`` with an error finding saying why and what to do.
    """
    result = FileResult(path=Path(path))
    try:
        _read_into(result, cat, info, entities, issued, limits)
    except EvalError as exc:
        result.status = "rejected"
        result.values = []
        result.findings.insert(0, finding("error", str(exc)))
    except Exception:  # noqa: BLE001 - a file must never crash the import: log, reject
        from .logs import log_exception

        log = log_exception(f"import {result.path.name}")
        result.status = "rejected"
        result.values = []
        result.findings.insert(0, finding(
            "error", f"文件“{result.path.name}”无法读取（程序内部错误，详情已写入日志 {log}）",
            hint="请在 Excel 或 WPS 中打开该文件后另存为 .xlsx 再导入；如仍失败，请把文件和日志"
                 "发送给技术支持"))
    if result.status == "rejected":
        result.content = b""
    return result


def _read_into(result: FileResult, cat: Catalogue, info: RoundInfo, entities: Sequence[str],
               issued: frozenset[str] | set[str], limits: xlsxsafe.Limits) -> None:
    path = result.path
    name = path.name
    data = xlsxsafe.read_file(path, limits=limits)
    result.sha256 = hashlib.sha256(data).hexdigest()
    with xlsxsafe.open_bytes(data, path, limits=limits) as wb:
        meta = read_meta(wb)
        result.entity, result.unit = check_identity(name, meta, info, cat, entities)
        if result.sha256 in issued:
            raise TemplateError(f"文件“{name}”是下发的空白模板，尚未填写任何内容",
                                hint="请确认选择的是单位填写后发回的文件")
        meta = check_map(name, meta, cat, result.unit)
        cells = read_cells(name, meta, wb)
        check_rows(name, meta, cat, cells)
        for notice in wb.notices:
            result.findings.append(finding("warning", notice))
    if _all_blank(meta, cells):
        raise TemplateError(f"文件“{name}”中没有填写任何数据",
                            hint="请确认选择的是单位填写后发回的文件")
    _validate(result, meta, cells, cat)
    result.content = data
    result.status = "imported"


def _all_blank(meta: templates.TemplateMeta,
               cells: dict[str, dict[str, xlsxsafe.CellValue]]) -> bool:
    return all(cells[c.sheet][c.cell].is_blank for c in meta.cells if c.is_catalogue_input)


def _meta_rows(cells: dict[str, xlsxsafe.CellValue]) -> list[list[Any]]:
    """Cells of ``_meta`` as rows of values (row 1 first), for :func:`templates.parse_meta`."""
    grid: dict[int, dict[int, Any]] = {}
    for address, cell in cells.items():
        value = cell.value
        if value is None:
            continue
        _normal, col, row = _parse_address(address)
        if col > len(templates.MAP_COLUMNS):  # nothing of ours lies right of the map
            continue
        if isinstance(value, Decimal):
            value = plain(value)
        grid.setdefault(row, {})[col] = value
    if not grid:
        return []
    last = max(grid)
    if last > _MAX_META_ROW:
        raise TemplateError(f"隐藏工作表“{templates.META_SHEET}”第 {last} 行有异常内容，"
                            "远超填报项清单的范围，模板已被改动", hint=_REDO)
    out: list[list[Any]] = []
    for r in range(1, last + 1):
        row = grid.get(r)
        out.append([row.get(c, "") for c in range(1, max(row) + 1)] if row else [])
    return out


def read_meta(wb: xlsxsafe.SafeWorkbook) -> templates.TemplateMeta:
    """The identity and input map, or a TemplateError saying this is not our template."""
    if templates.META_SHEET not in wb.sheet_names:
        raise TemplateError(f"文件“{wb.name}”不是本工具下发的数据采集表（缺少隐藏的标识工作表"
                            f"“{templates.META_SHEET}”，或它已被删除）",
                            hint="请使用市智慧办下发的模板填写，不要删除工作表，也不要把内容复制到"
                                 "其他工作簿")
    try:
        meta = templates.parse_meta(_meta_rows(wb.cells(templates.META_SHEET)))
    except TemplateError as exc:
        raise TemplateError(f"文件“{wb.name}”：{exc.message}", hint=exc.hint or _REDO) from exc
    if meta.identity.get("format") != templates.FORMAT_NAME:
        raise TemplateError(f"文件“{wb.name}”的模板标识信息已损坏或被修改", hint=_REDO)
    if not meta.cells:
        raise TemplateError(f"文件“{wb.name}”的填报项清单（隐藏工作表“_meta”）为空，模板已被改动",
                            hint=_REDO)
    return meta


def check_identity(name: str, meta: templates.TemplateMeta, info: RoundInfo, cat: Catalogue,
                   entities: Sequence[str]) -> tuple[str, str]:
    """The (entity, unit) a return belongs to, or a TemplateError naming the mismatch."""
    ident = meta.identity
    if ident.get("round_id") != info.id:
        other = ident.get("round_name") or (f"{ident.get('year')} 年度" if ident.get("year")
                                            else "未知轮次")
        raise TemplateError(
            f"文件“{name}”属于另一评价轮次（{_short(other)}），不是本轮（{info.name}）的数据采集表",
            hint="请确认文件来源；如单位误用了往年模板，请让其使用本轮下发的模板重新填写")
    entity, unit = ident.get("entity", ""), ident.get("unit", "")
    if entity not in entities:
        raise TemplateError(
            f"文件“{name}”的评价对象是“{_short(entity) or '（空）'}”，不在本轮的评价对象"
            f"（{'、'.join(entities)}）中", hint="请确认文件来源，或先在本轮中添加该评价对象")
    if unit not in cat.unit_names or not unit_plan(cat, unit).indicators:
        raise TemplateError(f"文件“{name}”的填报单位“{_short(unit) or '（空）'}”不是本轮指标体系的"
                            "责任单位", hint="请确认文件来源，或使用本轮下发的模板重新填写")
    if ident.get("catalogue_hash") != cat.hash:
        raise TemplateError(
            f"文件“{name}”基于另一版本的指标体系（版本 "
            f"{_short(ident.get('catalogue_version', '')) or '未知'}）生成，本轮使用版本 {cat.version}",
            hint="请向该单位重新下发本轮模板，由单位按新模板填报")
    if ident.get("template_version") != templates.TEMPLATE_VERSION:
        raise TemplateError(f"文件“{name}”的模板版本“{_short(ident.get('template_version', ''))}”"
                            "不受支持", hint="请使用本轮下发的模板")
    return entity, unit


@dataclass(frozen=True)
class _UnitPlan:
    """What a unit's template holds: its indicators with its inputs, and the input map."""

    indicators: tuple[tuple[Indicator, tuple[InputSpec, ...]], ...]
    expected: dict[tuple[Any, ...], str]

    def inputs(self, indicator_id: int) -> tuple[InputSpec, ...]:
        return next((specs for ind, specs in self.indicators if ind.id == indicator_id), ())


_PLANS: dict[tuple[int, str], tuple[Catalogue, _UnitPlan]] = {}


def unit_plan(cat: Catalogue, unit: str) -> _UnitPlan:
    """What ``unit``'s template holds (indicators, inputs, input map), once per catalogue."""
    cached = _PLANS.get((id(cat), unit))
    if cached is not None and cached[0] is cat:
        return cached[1]
    indicators = tuple((ind, tuple(cat.inputs_for_unit(ind, unit)))
                       for ind in cat.indicators_for_unit(unit))
    plan = _UnitPlan(indicators, _expected_map(indicators))
    if len(_PLANS) > 1000:
        _PLANS.clear()
    _PLANS[(id(cat), unit)] = (cat, plan)
    return plan


def _expected_map(indicators: Iterable[tuple[Indicator, Iterable[InputSpec]]]
                  ) -> dict[tuple[Any, ...], str]:
    """Every input-map entry a template of the unit holds, with a name for messages."""
    out: dict[tuple[Any, ...], str] = {}
    for ind, specs in indicators:
        out[(ind.id, templates.NOTES_KEY, None, "")] = f"指标 {ind.id} 备注"
        for spec in specs:
            out[(ind.id, templates.EVIDENCE_PREFIX + spec.key, None, "")] = \
                f"指标 {ind.id}“{spec.label}”的佐证材料说明"
            if spec.kind == "table":
                for r in range(1, max(spec.max_rows, 1) + 1):
                    for col in spec.columns:
                        out[(ind.id, spec.key, r, col.key)] = \
                            f"指标 {ind.id}“{spec.label}”第 {r} 行“{col.label}”"
            else:
                out[(ind.id, spec.key, None, "")] = f"指标 {ind.id}“{spec.label}”"
    for key, label, _hint in templates.FILLER_FIELDS:
        out[(None, templates.FILLER_PREFIX + key, None, "")] = label
    return out


def check_map(name: str, meta: templates.TemplateMeta, cat: Catalogue,
              unit: str) -> templates.TemplateMeta:
    """The input map lists exactly the cells a template of ``unit`` has, each cell once.

    Returns the map with cell addresses normalised (``$d$8`` -> ``D8``).
    """
    expected = unit_plan(cat, unit).expected
    found = Counter((c.indicator_id, c.input_key, c.row_index, c.column_key) for c in meta.cells)
    problems = []
    missing = [expected[k] for k in expected if k not in found]
    if missing:
        problems.append(f"缺少 {len(missing)} 项（{'、'.join(missing[:3])}"
                        f"{'等' if len(missing) > 3 else ''}）")
    extra = [k for k in found if k not in expected]
    if extra:
        problems.append(f"多出 {len(extra)} 项（指标 {extra[0][0]} 的“{_short(extra[0][1], 30)}”等）")
    if any(n > 1 for n in found.values()):
        problems.append("有重复的行")
    seen: set[tuple[str, str]] = set()
    cells = []
    for c in meta.cells:
        try:
            address, col, row = _parse_address(c.cell)
        except ValueError:
            problems.append(f"单元格地址“{c.cell[:20]}”无效")
            break
        if col > _MAX_MAP_COLUMN or row > _MAX_MAP_ROW:
            problems.append(f"单元格地址“{c.cell[:20]}”超出模板的范围")
            break
        if (c.sheet, address) in seen:
            problems.append(f"单元格 {c.cell} 出现多次")
            break
        seen.add((c.sheet, address))
        cells.append(c if address == c.cell else replace(c, cell=address))
    if problems:
        raise TemplateError(
            f"文件“{name}”隐藏工作表“{templates.META_SHEET}”中的填报项清单已被改动："
            + "；".join(problems), hint=_REDO + "，不要修改或删除隐藏的工作表")
    return templates.TemplateMeta(meta.identity, tuple(cells))


_ADDRESSES: dict[str, tuple[str, int, int]] = {}


def _parse_address(address: str) -> tuple[str, int, int]:
    """``(normalised, column number, row)`` of a cell address (cached: templates share them)."""
    hit = _ADDRESSES.get(address)
    if hit is None:
        normal = xlsxsafe.normalize_address(address)
        m = _ADDR_RE.match(normal)
        if m is None:
            raise ValueError(address)
        hit = (normal, xlsxsafe.column_number(m.group(1)), int(m.group(2)))
        if len(_ADDRESSES) > 200_000:
            _ADDRESSES.clear()
        _ADDRESSES[address] = hit
    return hit


def _split(address: str) -> tuple[int, int]:
    _normal, col, row = _parse_address(address)
    return col, row


def read_cells(name: str, meta: templates.TemplateMeta,
               wb: xlsxsafe.SafeWorkbook) -> dict[str, dict[str, xlsxsafe.CellValue]]:
    """Each sheet read once: the mapped cells and, left of each, the cells that prove the row
    (its label, or a table row's number)."""
    wanted: dict[str, set[str]] = {}
    for c in meta.cells:
        if c.sheet not in wb.sheet_names:
            raise TemplateError(f"文件“{name}”缺少工作表“{_short(c.sheet, 31)}”（被删除或改名），"
                                "模板已被改动",
                                hint=_REDO + "，不要删除或重命名工作表")
        col, row = _split(c.cell)
        addrs = wanted.setdefault(c.sheet, set())
        addrs.add(c.cell)
        addrs.update(f"{xlsxsafe.column_letters(k)}{row}" for k in range(1, col if c.row_index is None
                                                                  else min(col, 2)))
    return {sheet: wb.cells(sheet, addrs) for sheet, addrs in wanted.items()}


def _row_label(c: templates.InputCell, cat: Catalogue) -> str:
    """The text a mapped cell's row starts with (from the catalogue, not from the map)."""
    key = c.input_key
    if key == templates.NOTES_KEY:
        return _NOTES_LABEL
    if key.startswith(templates.FILLER_PREFIX):
        field_key = key.removeprefix(templates.FILLER_PREFIX)
        return next(label for k, label, _ in templates.FILLER_FIELDS if k == field_key)
    assert c.indicator_id is not None
    return cat.indicator(c.indicator_id).input(key.removeprefix(templates.EVIDENCE_PREFIX)).label


def check_rows(name: str, meta: templates.TemplateMeta, cat: Catalogue,
               cells: dict[str, dict[str, xlsxsafe.CellValue]]) -> None:
    """Every mapped cell's row still carries its label (or table row number): rows were not
    inserted, deleted or moved and labels not changed, so each value is where the map says."""
    for c in meta.cells:
        col, row = _split(c.cell)
        sheet = cells[c.sheet]
        if c.row_index is not None:
            number = sheet[f"A{row}"]
            shown = "" if number.value is None else _text(number.value)
            if shown != str(c.row_index):
                raise TemplateError(
                    f"文件“{name}”工作表“{c.sheet}”第 {row} 行应为明细表第 {c.row_index} 行，"
                    f"但单元格 A{row} 为“{shown[:20]}”：模板中的行被插入、删除或移动，本工具无法确定"
                    "数据所在位置", hint=_REDO + "，不要插入或删除行")
            continue
        expected = _row_label(c, cat)
        texts = [_text(sheet[f"{xlsxsafe.column_letters(k)}{row}"].value).strip() for k in range(1, col)]
        if not any(_label_matches(t, expected) for t in texts):
            actual = max(texts, key=len, default="") or "（空）"  # the label is the longest
            raise TemplateError(
                f"文件“{name}”工作表“{c.sheet}”第 {row} 行应为“{expected[:40]}”，实际为"
                f"“{actual[:40]}”：模板中的行被插入、删除、移动，或填报项名称被修改，本工具无法确定"
                "数据所在位置", hint=_REDO + "，不要插入或删除行，也不要修改填报项名称")


def _label_matches(text: str, expected: str) -> bool:
    """``text`` is ``expected`` or ``expected`` followed by a note such as "（必填）"."""
    return text == expected or (text.startswith(expected) and text[len(expected)] in "（( *\n：:")


def _short(text: str, limit: int = 60) -> str:
    """Text from a file, shortened for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


def plain(number: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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


def finding(severity: str, message: str, cell: templates.InputCell | None = None,
            ind: Indicator | None = None, spec: InputSpec | None = None,
            value: str = "", *, hint: str = "") -> Finding:
    """A finding located at ``cell``, its message prefixed with indicator and input."""
    where = ""
    if ind is not None:
        where = f"指标 {ind.id}（{ind.name}）"
        if spec is not None:
            where += f"“{spec.label}”"
        where += "："
    text = where + message + (f"。{hint}" if hint else "")
    return Finding(severity=severity, message=text,
                   sheet=cell.sheet if cell else None, cell=cell.cell if cell else None,
                   indicator_id=ind.id if ind else None,
                   input_key=cell.input_key if cell else (spec.key if spec else None),
                   value=value or None)


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
        text = _text(cells[c.sheet][c.cell].value).strip()
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
        number, text = _as_stored(spec, parsed.value)
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


def _as_stored(spec: InputSpec, value: Any) -> tuple[Decimal | None, str]:
    """The number rules see and the text kept for people (option labels stay readable)."""
    if spec.kind == "text":
        return None, str(value)
    if spec.kind == "choice":
        option = next(o for o in spec.options if o.value == value)
        return option.value, option.label
    if spec.kind == "yesno":
        number = Decimal(1) if value == 1 else Decimal(0)
        return number, "是" if number == 1 else "否"
    number = Decimal(value)
    return number, plain(number)


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
                        ref, ind, col))
                    ok = False
                continue
            number, text = _as_stored(col, parsed.value)
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
            + "。请核对后修改", ref, ind, value=shown.get(ref.input_key, "") if ref else ""))
        if check.severity == "error":
            blocked |= inputs
    return blocked


def label_of(ind: Indicator, key: str) -> str:
    """An input's label, or its key if the indicator has no such input."""
    try:
        return ind.input(key).label
    except KeyError:
        return key


