"""Import of returned workbooks: identify, read, validate, and store in one transaction.

A returned file is untrusted. It is read once, bounded, and only through :mod:`xlsxsafe` (no
entities, nothing extracted to disk, nothing executed or followed); identified by the identity and
input map its template carries (never by guessing cell positions); and every value is parsed by
:mod:`values` as people type it. What cannot be read exactly becomes a finding naming file, sheet,
cell, indicator and input, in Chinese, never a guess.

The import runs in two phases:

1. **Check** each file on its own (:func:`read_return`), then against the round (:class:`_State`,
   loaded once): the same bytes already accepted → ``unchanged``; a newer return of a unit that
   already returned → ``updated`` with the differences; shared inputs that another unit reported
   differently → a conflict for the office (never last-write-wins); jumps against an earlier
   round → warnings. Files of one import see each other in order, so a preview (``dry_run``)
   says exactly what the import will do.
2. **Store** (unless ``dry_run``) every accepted file in **one transaction**: the bytes exactly as
   received with their SHA-256, who and when, the accepted values with their source cell, all
   findings, conflicts and an audit entry. A crash or a kill leaves the round exactly as it was
   before the import; a rejected file is never stored, so an import of rejected files only leaves
   the round file byte for byte unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import templates, values, xlsxsafe
from .catalogue import Catalogue, Indicator, InputSpec
from .errors import EvalError, RoundFileError, TemplateError
from .rules import RuleEvalError
from .store import Conflict, Finding, NewValue, Round, RoundInfo

__all__ = [
    "IMPORT_LIMITS",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "ConflictNote",
    "Diff",
    "FileResult",
    "ImportReport",
    "finding_json",
    "import_files",
    "read_return",
]

ProgressFn = Callable[[int, int, str], None]
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_LABELS = {"imported": "已导入", "updated": "已更新", "unchanged": "未变化",
                 "rejected": "已拒绝"}
DEFAULT_YOY_JUMP_RATIO = Decimal("0.5")
YOY_KINDS = frozenset({"count", "amount", "percent", "score"})
#: Bounds for a returned template: a template's sheets hold a few thousand cells, so a sheet
#: with more is refused before it costs more than a fraction of a second.
IMPORT_LIMITS = xlsxsafe.Limits(max_cells_per_sheet=100_000, max_sheets=100,
                                max_defined_names=2_000, max_shared_strings=200_000)

_ADDR_RE = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_NOTES_LABEL = "备注"
#: The input map of the largest template has a few hundred rows; far beyond is tampering.
_MAX_META_ROW = templates.MAP_HEADER_ROW + 20_000
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


@dataclass
class ImportReport:
    """The import of several files, like a database import summary."""

    files: list[FileResult]
    dry_run: bool = False
    catalogue: Catalogue | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        """0 when every file went in without errors, 1 when any was rejected or has errors."""
        bad = any(f.status == "rejected" or f.has_errors for f in self.files)
        return 1 if bad else 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for f in self.files:
            counts[f.status] += 1
        return counts

    def to_json(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """``{"files": [{"path", "status", "findings": [...]}, ...]}`` plus a summary."""
        cat = catalogue or self.catalogue
        return {"dry_run": self.dry_run, "summary": self.counts(),
                "files": [f.to_json(cat) for f in self.files]}


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
            label = _input_label(ind, f.input_key or "")
    return {"severity": f.severity, "sheet": f.sheet or "", "cell": f.cell or "",
            "indicator": f.indicator_id, "input": f.input_key or "", "message": f.message,
            "indicator_name": name, "label": label, "value": f.value or "", "file": file}


def _input_label(ind: Indicator, key: str) -> str:
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
        result.findings.insert(0, _finding("error", str(exc)))
    except Exception:  # noqa: BLE001 - a file must never crash the import: log, reject
        from .logs import log_exception

        log = log_exception(f"import {result.path.name}")
        result.status = "rejected"
        result.values = []
        result.findings.insert(0, _finding(
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
            result.findings.append(_finding("warning", notice))
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
        if isinstance(value, Decimal):
            value = _plain(value)
        _normal, col, row = _parse_address(address)
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
            f"文件“{name}”属于另一评价轮次（{other}），不是本轮（{info.name}）的数据采集表",
            hint="请确认文件来源；如单位误用了往年模板，请让其使用本轮下发的模板重新填写")
    entity, unit = ident.get("entity", ""), ident.get("unit", "")
    if entity not in entities:
        raise TemplateError(
            f"文件“{name}”的评价对象是“{entity or '（空）'}”，不在本轮的评价对象"
            f"（{'、'.join(entities)}）中", hint="请确认文件来源，或先在本轮中添加该评价对象")
    if unit not in cat.unit_names or not _plan(cat, unit).indicators:
        raise TemplateError(f"文件“{name}”的填报单位“{unit or '（空）'}”不是本轮指标体系的责任单位",
                            hint="请确认文件来源，或使用本轮下发的模板重新填写")
    if ident.get("catalogue_hash") != cat.hash:
        raise TemplateError(
            f"文件“{name}”基于另一版本的指标体系（版本 {ident.get('catalogue_version') or '未知'}）"
            f"生成，本轮使用版本 {cat.version}",
            hint="请向该单位重新下发本轮模板，由单位按新模板填报")
    if ident.get("template_version") != templates.TEMPLATE_VERSION:
        raise TemplateError(f"文件“{name}”的模板版本“{ident.get('template_version')}”不受支持",
                            hint="请使用本轮下发的模板")
    return entity, unit


@dataclass(frozen=True)
class _UnitPlan:
    """What a unit's template holds: its indicators with its inputs, and the input map."""

    indicators: tuple[tuple[Indicator, tuple[InputSpec, ...]], ...]
    expected: dict[tuple[Any, ...], str]

    def inputs(self, indicator_id: int) -> tuple[InputSpec, ...]:
        return next((specs for ind, specs in self.indicators if ind.id == indicator_id), ())


_PLANS: dict[tuple[int, str], tuple[Catalogue, _UnitPlan]] = {}


def _plan(cat: Catalogue, unit: str) -> _UnitPlan:
    """The unit's plan, computed once per catalogue object."""
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
    expected = _plan(cat, unit).expected
    found = Counter((c.indicator_id, c.input_key, c.row_index, c.column_key) for c in meta.cells)
    problems = []
    missing = [expected[k] for k in expected if k not in found]
    if missing:
        problems.append(f"缺少 {len(missing)} 项（{'、'.join(missing[:3])}"
                        f"{'等' if len(missing) > 3 else ''}）")
    extra = [k for k in found if k not in expected]
    if extra:
        problems.append(f"多出 {len(extra)} 项（指标 {extra[0][0]} 的“{extra[0][1]}”等）")
    if any(n > 1 for n in found.values()):
        problems.append("有重复的行")
    seen: set[tuple[str, str]] = set()
    cells = []
    for c in meta.cells:
        try:
            address = _normalized(c.cell)
        except ValueError:
            problems.append(f"单元格地址“{c.cell[:20]}”无效")
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


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_ADDRESSES: dict[str, tuple[str, int, int]] = {}


def _parse_address(address: str) -> tuple[str, int, int]:
    """``(normalised, column number, row)`` of a cell address (cached: templates share them)."""
    hit = _ADDRESSES.get(address)
    if hit is None:
        normal = xlsxsafe.normalize_address(address)
        m = _ADDR_RE.match(normal)
        if m is None:
            raise ValueError(address)
        hit = (normal, _col_number(m.group(1)), int(m.group(2)))
        if len(_ADDRESSES) > 200_000:
            _ADDRESSES.clear()
        _ADDRESSES[address] = hit
    return hit


def _normalized(address: str) -> str:
    return _parse_address(address)[0]


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
            raise TemplateError(f"文件“{name}”缺少工作表“{c.sheet}”（被删除或改名），模板已被改动",
                                hint=_REDO + "，不要删除或重命名工作表")
        col, row = _split(c.cell)
        addrs = wanted.setdefault(c.sheet, set())
        addrs.add(c.cell)
        addrs.update(f"{_col_letters(k)}{row}" for k in range(1, col if c.row_index is None
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
        texts = [_text(sheet[f"{_col_letters(k)}{row}"].value).strip() for k in range(1, col)]
        if not any(_label_matches(t, expected) for t in texts):
            actual = max(texts, key=len, default="") or "（空）"  # the label is the longest
            raise TemplateError(
                f"文件“{name}”工作表“{c.sheet}”第 {row} 行应为“{expected[:40]}”，实际为"
                f"“{actual[:40]}”：模板中的行被插入、删除、移动，或填报项名称被修改，本工具无法确定"
                "数据所在位置", hint=_REDO + "，不要插入或删除行，也不要修改填报项名称")


def _label_matches(text: str, expected: str) -> bool:
    """``text`` is ``expected`` or ``expected`` followed by a note such as "（必填）"."""
    return text == expected or (text.startswith(expected) and text[len(expected)] in "（( *\n：:")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _plain(value)
    return str(value)


def _plain(number: Decimal) -> str:
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
            return _plain(cell.value * 100) + "%"
        return _plain(cell.value)
    return cell.raw


def _finding(severity: str, message: str, cell: templates.InputCell | None = None,
             ind: Indicator | None = None, spec: InputSpec | None = None,
             value: str = "", *, hint: str = "") -> Finding:
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
            result.findings.append(_finding("warning", f"“{c.label}”未填写，请补充以便联系核实", c))
    for ind, specs in _plan(cat, result.unit).indicators:
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
            result.findings.append(_finding(issue.severity, issue.message, ref, ind, spec, typed))
        if not parsed.ok:
            continue
        if parsed.value is None:
            if spec.required:
                result.findings.append(_finding(
                    "error", "必填项未填写。如确实无法提供，请在该指标的“备注”中说明原因",
                    ref, ind, spec))
            continue
        number, text = _as_stored(spec, parsed.value)
        if spec.kind == "yesno" and number == 1 and not texts.get(
                (ind.id, templates.EVIDENCE_PREFIX + spec.key)):
            result.findings.append(_finding(
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
    return number, _plain(number)


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
                result.findings.append(_finding(issue.severity, f"第 {row_index} 行：{issue.message}",
                                                ref, ind, col, _typed(cell)))
            if not parsed.ok:
                ok = False
                continue
            if parsed.value is None:
                if col.required:
                    result.findings.append(_finding(
                        "error", f"明细表第 {row_index} 行“{col.label}”未填写（同一行的其他列已填写）",
                        ref, ind, col))
                    ok = False
                continue
            number, text = _as_stored(col, parsed.value)
            out.append(NewValue(ind.id, spec.key, text, number, row_index=n,
                                column_key=col.key, sheet=ref.sheet, cell=ref.cell))
    if n == 0 and spec.required:
        first = spec_cells[0] if spec_cells else None
        result.findings.append(_finding("error", "明细表未填写任何一行", first, ind, spec))
        return None
    return out if ok else None


def _check_inputs(ind: Indicator, check: Any) -> set[str]:
    names = {n.split(".")[0] for n in check.rule.names if n not in ind.params}
    return names & {s.key for s in ind.inputs}


def _present(key: str, env: dict[str, Any]) -> bool:
    return key in env or any(n.startswith(key + ".") for n in env)


def _check_failed(check: Any, ind: Indicator, env: dict[str, Any]) -> bool:
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
        inputs = _check_inputs(ind, check)
        if not inputs or not all(_present(k, env) for k in inputs):
            continue
        if not _check_failed(check, ind, env):
            continue
        ref = next((c for c in mapped if c.input_key in inputs), None)
        filled = "，".join(f"{_label_of(ind, k)} = {shown[k]}" for k in sorted(inputs)
                          if k in shown)
        result.findings.append(_finding(
            check.severity, check.message + (f"（填写的是：{filled}）" if filled else "")
            + "。请核对后修改", ref, ind, value=shown.get(ref.input_key, "") if ref else ""))
        if check.severity == "error":
            blocked |= inputs
    return blocked


def _label_of(ind: Indicator, key: str) -> str:
    try:
        return ind.input(key).label
    except KeyError:
        return key


# ---------------------------------------------------------------------------------------
# The round as the import sees it (loaded once, updated file by file in memory)
# ---------------------------------------------------------------------------------------
@dataclass
class _Row:
    unit: str
    indicator_id: int
    input_key: str
    row_index: int | None
    column_key: str | None
    text: str | None
    number: Decimal | None
    source: Any  # submission id, a FileResult of this import, or None (typed by hand)


def _source_key(source: Any) -> tuple[str, int] | None:
    """A hashable identity for a value's source (a stored submission or a file of this import)."""
    if source is None:
        return None
    return ("file", id(source)) if isinstance(source, FileResult) else ("submission", source)


def _signature(rows: Iterable[_Row]) -> tuple[Any, ...]:
    return tuple(sorted(((r.row_index or 0, r.column_key or "", r.text or "",
                          r.number if r.number is not None else Decimal(-1)) for r in rows),
                        key=lambda t: (t[0], t[1])))


def _display(rows: list[_Row]) -> str:
    """Values of one input as text: a scalar as typed, a table as row.column = value."""
    if not rows:
        return ""
    if all(r.row_index is None for r in rows):
        return "；".join(r.text or "" for r in rows)
    ordered = sorted(rows, key=lambda r: (r.row_index or 0, r.column_key or ""))
    return "；".join(f"{r.row_index}.{r.column_key}={r.text or ''}" for r in ordered)


class _State:
    """Accepted submissions, current values and open conflicts of the round, in memory."""

    def __init__(self, rnd: Round, cat: Catalogue) -> None:
        self.rnd = rnd
        self.cat = cat
        self.accepted: dict[tuple[str, str], list[tuple[Any, str]]] = {}
        for s in rnd.list_submissions():
            if s.status == "accepted":
                self.accepted.setdefault((s.entity, s.unit), []).append((s.id, s.sha256))
        self._rows: dict[str, list[_Row]] = {}
        self._conflicts: dict[str, dict[tuple[int, str], Conflict | ConflictNote]] = {}

    def rows(self, entity: str) -> list[_Row]:
        if entity not in self._rows:
            self._rows[entity] = [
                _Row(v.unit, v.indicator_id, v.input_key, v.row_index, v.column_key, v.text,
                     v.number, v.submission_id)
                for by_key in self.rnd.current_values(entity).values()
                for stored in by_key.values() for v in stored]
        return self._rows[entity]

    def conflicts(self, entity: str) -> dict[tuple[int, str], Conflict | ConflictNote]:
        if entity not in self._conflicts:
            self._conflicts[entity] = {(c.indicator_id, c.input_key): c
                                       for c in self.rnd.list_conflicts(entity, open_only=True)}
        return self._conflicts[entity]

    # -- one checked file ------------------------------------------------------------------
    def apply(self, result: FileResult) -> None:
        """Classify ``result`` (imported/updated/unchanged), fill in diffs and conflicts, and
        make it the unit's current return in memory."""
        key = (result.entity, result.unit)
        accepted = self.accepted.get(key, [])
        if any(sha == result.sha256 for _, sha in accepted):
            result.status = "unchanged"
            result.findings.append(_finding(
                "info", "与已导入的文件完全相同（SHA-256 一致），未重复保存"))
            return
        rows = self.rows(result.entity)
        superseded = {_source_key(src) for src, _ in accepted}
        new_keys = {(v.indicator_id, v.input_key) for v in result.values}
        mine_before = [r for r in rows if r.unit == result.unit]
        kept = [r for r in rows if not (
            r.unit == result.unit
            and (_source_key(r.source) in superseded or (r.indicator_id, r.input_key) in new_keys))]
        added = [_Row(result.unit, v.indicator_id, v.input_key, v.row_index, v.column_key,
                      v.text, None if v.number is None else Decimal(v.number), result)
                 for v in result.values]
        after = kept + added
        mine_after = [r for r in after if r.unit == result.unit]
        result.diffs = self._diffs(mine_before, mine_after, result)
        if accepted and not result.diffs:
            result.status = "unchanged"
            result.findings.append(_finding(
                "info", "内容与该单位已导入的文件相同（文件被重新保存过），未重复保存"))
            return
        result.status = "updated" if accepted else "imported"
        result.superseded = [src for src, _ in accepted]
        self._rows[result.entity] = after
        self.accepted[key] = [(result, result.sha256)]
        changed = {(d.indicator_id, d.input_key) for d in result.diffs}
        self._check_conflicts(result, after, changed)
        self._cross_unit_checks(result, after)

    def _diffs(self, before: list[_Row], after: list[_Row], result: FileResult) -> list[Diff]:
        old: dict[tuple[int, str], list[_Row]] = {}
        new: dict[tuple[int, str], list[_Row]] = {}
        for r in before:
            old.setdefault((r.indicator_id, r.input_key), []).append(r)
        for r in after:
            new.setdefault((r.indicator_id, r.input_key), []).append(r)
        cells = {(v.indicator_id, v.input_key): (v.sheet or "", v.cell or "")
                 for v in reversed(result.values)}
        diffs = []
        for k in sorted(set(old) | set(new)):
            o, n = old.get(k, []), new.get(k, [])
            if _signature(o) != _signature(n):
                ind = self.cat.indicator(k[0])
                sheet, cell = cells.get(k, ("", ""))
                diffs.append(Diff(k[0], k[1], _input_label(ind, k[1]) or k[1], _display(o),
                                  _display(n), sheet, cell))
        return diffs

    def _check_conflicts(self, result: FileResult, rows: list[_Row],
                         changed: set[tuple[int, str]]) -> None:
        """Shared inputs this file changed that another unit reports differently."""
        open_conflicts = self.conflicts(result.entity)
        for ind_id, key in sorted(changed):
            ind = self.cat.indicator(ind_id)
            if ind.collect == "per_unit" or key.startswith("_"):
                continue
            by_unit: dict[str, list[_Row]] = {}
            for r in rows:
                if r.indicator_id == ind_id and r.input_key == key:
                    by_unit.setdefault(r.unit, []).append(r)
            old = open_conflicts.get((ind_id, key))
            differ = len({_signature(v) for v in by_unit.values()}) > 1
            label = _input_label(ind, key)
            if not differ:
                if old is not None:
                    note = ConflictNote(result.entity, ind_id, key, label, [], "agreed", old)
                    result.conflicts.append(note)
                    del open_conflicts[(ind_id, key)]
                continue
            candidates = [{"unit": u, "value": _display(by_unit[u])} for u in sorted(by_unit)]
            if old is not None and old.candidates == candidates:
                continue
            note = ConflictNote(result.entity, ind_id, key, label, candidates, "new", old)
            result.conflicts.append(note)
            open_conflicts[(ind_id, key)] = note
            others = "；".join(f"{c['unit']}：{c['value']}" for c in candidates
                              if c["unit"] != result.unit)
            ref = next((v for v in result.values if (v.indicator_id, v.input_key) == (ind_id, key)),
                       None)
            result.findings.append(Finding(
                "warning",
                f"指标 {ind_id}（{ind.name}）“{label}”：与其他单位填报的值不一致（{others}），"
                "已登记为数据冲突。该值已接收，但在评价工作组裁定采用哪个值之前，本指标不计分",
                sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                indicator_id=ind_id, input_key=key, value=ref.text if ref else None))

    def _cross_unit_checks(self, result: FileResult, rows: list[_Row]) -> None:
        """Checks whose inputs are split between units (e.g. meters of one unit against the
        households another reports): a warning, since either side may be wrong."""
        for ind, specs in _plan(self.cat, result.unit).indicators:
            if not ind.checks:
                continue
            mine = {s.key for s in specs}
            for check in ind.checks:
                inputs = _check_inputs(ind, check)
                theirs = inputs - mine
                if not theirs or not inputs & mine:
                    continue
                env: dict[str, Any] = {}
                sources: dict[str, str] = {}
                for k in inputs:
                    found = [r for r in rows if r.indicator_id == ind.id and r.input_key == k
                             and r.row_index is None and r.number is not None
                             and (r.unit == result.unit) == (k in mine)]
                    if len({r.number for r in found}) != 1:
                        break
                    env[k] = found[0].number
                    sources[k] = found[0].unit
                else:
                    if not _check_failed(check, ind, env):
                        continue
                    filled = "，".join(f"{sources[k]}填报的“{_label_of(ind, k)}” = {_plain(env[k])}"
                                      for k in sorted(inputs))
                    ref = next((v for v in result.values if v.indicator_id == ind.id
                                and v.input_key in mine & inputs), None)
                    result.findings.append(Finding(
                        "warning", f"指标 {ind.id}（{ind.name}）：{check.message}（{filled}）。"
                                   "数据来自不同单位，请与相关单位核实",
                        sheet=ref.sheet if ref else None, cell=ref.cell if ref else None,
                        indicator_id=ind.id, input_key=ref.input_key if ref else None,
                        value=ref.text if ref else None))


# ---------------------------------------------------------------------------------------
# Year-on-year plausibility against an earlier round
# ---------------------------------------------------------------------------------------
class _Previous:
    """The accepted values of an earlier round, for implausible-jump warnings."""

    def __init__(self, rnd: Round) -> None:
        self.rnd = rnd
        self.year = rnd.info.year
        self._values: dict[str, dict[tuple[int, str], dict[str, Decimal]]] = {}

    def value(self, entity: str, unit: str, ind_id: int, key: str) -> Decimal | None:
        if entity not in self._values:
            table: dict[tuple[int, str], dict[str, Decimal]] = {}
            for i, by_key in self.rnd.current_values(entity).items():
                for k, rows in by_key.items():
                    for r in rows:
                        if r.row_index is None and r.number is not None:
                            table.setdefault((i, k), {})[r.unit] = r.number
            self._values[entity] = table
        by_unit = self._values[entity].get((ind_id, key), {})
        if unit in by_unit:
            return by_unit[unit]
        distinct = set(by_unit.values())
        return distinct.pop() if len(distinct) == 1 else None


def _check_yoy(result: FileResult, previous: _Previous, ratio: Decimal, cat: Catalogue) -> None:
    if ratio <= 0:
        return
    for v in result.values:
        if v.row_index is not None or v.number is None or v.input_key.startswith("_"):
            continue
        ind = cat.indicator(v.indicator_id)
        spec = ind.input(v.input_key)
        if spec.kind not in YOY_KINDS:
            continue
        old = previous.value(result.entity, result.unit, v.indicator_id, v.input_key)
        if old is None or old == 0:
            continue
        new = Decimal(v.number)
        change = abs(new - old) / abs(old)
        if change > ratio:
            direction = "增加" if new > old else "减少"
            result.findings.append(_finding(
                "warning", f"与 {previous.year} 年度填报的 {_plain(old)} 相比{direction}了 "
                           f"{_plain(round(change * 100, 1))}%，超过 {_plain(ratio * 100)}% 的合理"
                           "变动范围。请核实是否填写有误；如因统计口径变化，请在备注中说明",
                templates.InputCell(v.indicator_id, v.input_key, None, "", v.sheet or "",
                                    v.cell or "", spec.label), ind, spec, v.text or ""))


def yoy_jump_ratio(rnd: Round, cat: Catalogue) -> Decimal:
    """The round's ``yoy_jump_ratio`` (catalogue default, else 0.5); 0 turns the check off."""
    value = rnd.get_param("yoy_jump_ratio")
    if value is None:
        value = next((p.default for p in cat.parameters if p.key == "yoy_jump_ratio"),
                     DEFAULT_YOY_JUMP_RATIO)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return DEFAULT_YOY_JUMP_RATIO


# ---------------------------------------------------------------------------------------
# Importing into a round
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, cat: Catalogue, paths: Iterable[str | Path], *,
                 dry_run: bool = False, progress: ProgressFn | None = None,
                 previous_round: Round | str | Path | None = None) -> ImportReport:
    """Check every file, then (unless ``dry_run``) store the accepted ones in one transaction.

    ``previous_round``: an earlier round (open, or its path) whose accepted values make a jump
    beyond the round parameter ``yoy_jump_ratio`` a warning. ``progress(done, total, message)``
    is called per file and while saving. File problems never raise: they are findings of a
    rejected file. Only a round that cannot be written raises (RoundFileError), and then
    nothing of this import is stored.
    """
    paths = [Path(p) for p in paths]
    info = rnd.info
    entities = rnd.list_entities()
    issued = frozenset(t.sha256 for t in rnd.list_templates())
    state = _State(rnd, cat)
    previous, opened = _open_previous(previous_round, info)
    jump = yoy_jump_ratio(rnd, cat)
    total = len(paths) + (0 if dry_run else 1)
    report = ImportReport([], dry_run=dry_run, catalogue=cat)
    try:
        for n, path in enumerate(paths):
            if progress:
                progress(n, total, f"正在校验：{path.name}")
            result = read_return(path, cat, info, entities, issued=issued)
            if result.status != "rejected":
                if previous is not None:
                    _check_yoy(result, previous, jump, cat)
                state.apply(result)
            report.files.append(result)
    finally:
        if opened is not None:
            opened.close()
    to_store = [f for f in report.files if f.status in ("imported", "updated")]
    if not dry_run and to_store:
        _store_all(rnd, report, to_store, progress, total)
    if progress:
        progress(total, total, f"已处理 {len(paths)} 个文件")
    return report


def _open_previous(previous: Round | str | Path | None,
                   info: RoundInfo) -> tuple[_Previous | None, Round | None]:
    if previous is None:
        return None, None
    opened = None
    if not isinstance(previous, Round):
        opened = previous = Round.open(Path(previous), readonly=True)
    if previous.info.id == info.id:
        if opened is not None:
            opened.close()
        raise RoundFileError("用于同比校验的评价轮次就是当前轮次",
                             hint="请选择上一年度的评价轮次文件")
    return _Previous(previous), opened


def _store_all(rnd: Round, report: ImportReport, to_store: list[FileResult],
               progress: ProgressFn | None, total: int) -> None:
    """One transaction for the whole import: all accepted files or, on any failure, none."""
    with rnd.transaction():
        for result in to_store:
            if progress:
                progress(total - 1, total, f"正在保存：{result.path.name}")
            _store(rnd, result)
        rnd.audit("import", {
            "files": [{"file": f.path.name, "status": f.status, "entity": f.entity,
                       "unit": f.unit, "sha256": f.sha256, "submission_id": f.submission_id,
                       "errors": f.count("error"), "warnings": f.count("warning"),
                       "filler": f.filler} for f in report.files],
        })


def _store(rnd: Round, result: FileResult) -> None:
    """Supersede the unit's older return, then add file, values, findings and conflicts."""
    for old in result.superseded:
        old_id = old.submission_id if isinstance(old, FileResult) else old
        rnd.set_submission_status(old_id, "superseded", f"被新提交的文件“{result.path.name}”替换")
    sid = rnd.add_submission(entity=result.entity, unit=result.unit,
                             file_name=result.path.name, content=result.content)
    result.submission_id = sid
    if result.values:
        rnd.add_values(sid, result.values)
    if result.findings:
        rnd.add_findings(sid, result.findings)
    for note in result.conflicts:
        old = note.replaces
        old_id = old.conflict_id if isinstance(old, ConflictNote) else (old.id if old else None)
        if note.action == "agreed":
            if old_id is not None:
                rnd.resolve_conflict(old_id, {"auto": "agreed"},
                                     f"各单位填报的值已一致（文件“{result.path.name}”）")
            continue
        if old_id is not None:
            rnd.resolve_conflict(old_id, {"auto": "superseded"},
                                 f"填报值已变化，由新的冲突记录取代（文件“{result.path.name}”）")
        note.conflict_id = rnd.add_conflict(note.entity, note.indicator_id, note.input_key,
                                            note.candidates)
