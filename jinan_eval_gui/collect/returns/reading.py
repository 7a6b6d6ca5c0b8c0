"""Reading one returned file: identity, input map and row labels checked before any value."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.collect import templates, xlsxsafe
from jinan_eval_gui.errors import EvalError, TemplateError
from jinan_eval_gui.store import RoundInfo

from .inputs import _validate
from .plan import unit_plan
from .result import FileResult, _short, _text, finding, plain

IMPORT_LIMITS = xlsxsafe.Limits(max_cells_per_sheet=100_000, max_sheets=100,
                                max_defined_names=2_000, max_shared_strings=200_000,
                                max_cell_chars=32_767, max_read_bytes=32 * xlsxsafe.MiB,
                                max_read_tags=1_000_000)
"""Bounds for one returned file. A template returned filled inflates to well under 1 MB and
about 20,000 XML tags; the read budget (all parts read, together) leaves room for a unit's own
formatting and notes (a sheet at the cell cap is about 500,000 tags) while keeping the worst
file to a few seconds: about 1-2 µs per tag and 20-40 MiB/s of attributes on an office PC."""

_ADDR_RE = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_NOTES_LABEL = "备注"
#: The input map of the largest template has a few hundred rows; far beyond is tampering.
_MAX_META_ROW = templates.MAP_HEADER_ROW + 20_000
#: Input cells of a template lie in the first columns and rows; a map pointing far away is
#: tampering (and reading the label cells left of it would cost without bound).
_MAX_MAP_COLUMN = 64
_MAX_MAP_ROW = 100_000
_REDO = "请使用市智慧办下发的原始模板重新填写"
#: Longest text kept from a cell of ``_meta`` (identity and input map: short codes and labels).
_MAX_META_TEXT = 1000


# ---------------------------------------------------------------------------------------
# Reading one file (nothing written anywhere)
# ---------------------------------------------------------------------------------------
def read_return(path: str | Path, cat: Catalogue, info: RoundInfo, entities: Sequence[str], *,
                issued: frozenset[str] | set[str] = frozenset(),
                limits: xlsxsafe.Limits = IMPORT_LIMITS,
                keep_content: bool = True) -> FileResult:
    """Read and validate one returned workbook on its own; never raises for a file problem.

    ``issued``: SHA-256 of the templates issued in this round (a blank template sent back is
    refused rather than wiping a unit's data). Status is ``imported`` (provisionally: the round
    decides updated/unchanged) or ``rejected`` with an error finding saying why and what to do.
    ``keep_content=False`` drops the file's bytes once read (the importer reads them again to
    store them, checked against ``sha256``, so a batch never sits in memory at once).
    """
    result = FileResult(path=Path(path))
    try:
        _read_into(result, cat, info, entities, issued, limits)
    except EvalError as exc:
        result.status = "rejected"
        result.values = []
        result.findings.insert(0, finding("error", str(exc)))
    except Exception:  # noqa: BLE001 - a file must never crash the import: log, reject
        from jinan_eval_gui.system.logs import log_exception

        log = log_exception(f"import {result.path.name}")
        result.status = "rejected"
        result.values = []
        result.findings.insert(0, finding(
            "error", f"文件“{result.path.name}”无法读取（程序内部错误，详情已写入日志 {log}）",
            hint="请在 Excel 或 WPS 中打开该文件后另存为 .xlsx 再导入；如仍失败，请把文件和日志"
                 "发送给技术支持"))
    if result.status == "rejected" or not keep_content:
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
        result.saved_at, result.saved_source = wb.saved_at(), "file"
    if result.saved_at is None:
        result.saved_at, result.saved_source = _arrival(path), "disk"
    if _all_blank(meta, cells):
        raise TemplateError(f"文件“{name}”中没有填写任何数据",
                            hint="请确认选择的是单位填写后发回的文件")
    _validate(result, meta, cells, cat)
    result.content = data
    result.status = "imported"


def _arrival(path: Path) -> datetime | None:
    """When a file without a saved time of its own reached this computer (its modification
    time on disk), in UTC."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, OverflowError, ValueError):
        return None


def _all_blank(meta: templates.TemplateMeta,
               cells: dict[str, dict[str, xlsxsafe.CellValue]]) -> bool:
    return all(cells[c.sheet][c.cell].is_blank for c in meta.cells if c.is_catalogue_input)


def _meta_rows(cells: dict[str, xlsxsafe.CellValue]) -> list[list[Any]]:
    """Cells of ``_meta`` as rows of values (row 1 first), for :func:`templates.parse_meta`."""
    grid: dict[int, dict[int, Any]] = {}
    for address, cell in cells.items():
        _normal, col, row = _parse_address(address)
        if col > len(templates.MAP_COLUMNS):  # nothing of ours lies right of the map
            continue
        if cell.is_bad:
            raise TemplateError(f"隐藏工作表“{templates.META_SHEET}”单元格 {address}：{cell.problem}，"
                                "模板的标识信息无法确定", hint=_REDO)
        value = cell.value
        if value is None:
            continue
        if isinstance(value, Decimal):
            value = plain(value)
        if isinstance(value, str) and len(value) > _MAX_META_TEXT:
            raise TemplateError(f"隐藏工作表“{templates.META_SHEET}”单元格 {address} 有 {len(value)} 个"
                                "字符，远超模板标识信息的长度，模板已被改动", hint=_REDO)
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
        left = [sheet[f"{xlsxsafe.column_letters(k)}{row}"] for k in range(1, col)]
        texts = [_text(x.value).strip() for x in left]
        if not any(_label_matches(t, expected) for t in texts):
            bad = next((x for x in left if x.is_bad), None)
            if bad is not None:
                raise TemplateError(
                    f"文件“{name}”工作表“{c.sheet}”第 {row} 行应为“{expected[:40]}”，但单元格 "
                    f"{bad.address}：{bad.problem}，本工具无法确定数据所在位置",
                    hint=_REDO + "，不要合并或修改填报项所在的单元格")
            actual = max(texts, key=len, default="") or "（空）"  # the label is the longest
            raise TemplateError(
                f"文件“{name}”工作表“{c.sheet}”第 {row} 行应为“{expected[:40]}”，实际为"
                f"“{actual[:40]}”：模板中的行被插入、删除、移动，或填报项名称被修改，本工具无法确定"
                "数据所在位置", hint=_REDO + "，不要插入或删除行，也不要修改填报项名称")


def _label_matches(text: str, expected: str) -> bool:
    """``text`` is ``expected`` or ``expected`` followed by a note such as "（必填）"."""
    return text == expected or (text.startswith(expected) and text[len(expected)] in "（( *\n：:")
