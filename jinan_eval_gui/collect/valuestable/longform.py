"""The long form of a values table (.xlsx and .csv): one row per value, Chinese headers.

| 类别 | 评价对象 | 指标编号 | 指标名称 | 填报项 | 填报项名称 | 填报单位 | 行号 | 列 | 列名称 | 值 | 计量单位 | 说明 |

类别 is 填报值 (also when empty), 评价参数, 假设选择 or 专家评分. A value row names the entity, the
indicator, the input key and, for a table, the row number and column key; 填报单位 gives a value
per unit (required for inputs each unit reports on its own). The name and unit-of-measure
columns are written for people and not read back. Headers must be exactly these names (the
optional ones may be left out); anything else refuses the file, naming the header.

.xlsx files are read through the bounded reader (:mod:`..xlsxsafe`: the 值 cells keep their
type and number format, so they are parsed exactly like a template's cells); .csv files may be
UTF-8, UTF-8 with BOM or GB18030 (what Excel and WPS save on Chinese Windows).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from jinan_eval_gui.errors import WorkbookFileError

from .. import csvtext, xlsxsafe
from ..returns import plain
from .model import (
    HEADERS,
    KIND_CHOICE,
    KIND_OVERRIDE,
    KIND_PARAM,
    KIND_VALUE,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_NAME,
    REQUIRED_HEADERS,
    ROW_KINDS,
    SHEET,
    Entry,
    OverrideEntry,
    Raw,
    Setting,
    ValuesTable,
    indicator_id,
    refused,
    short,
)

#: The bounded reader's limits for a values table (one long sheet, no pictures).
LIMITS = xlsxsafe.Limits(max_file_bytes=MAX_FILE_BYTES, max_sheets=50,
                         max_cells_per_sheet=len(HEADERS) * (MAX_ENTRIES + 1),
                         max_cell_chars=32_767)
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]+)")
_MAX_ROW_NUMBER = 10_000

#: (where for messages, sheet and cell for findings, the fields by header)
Row = tuple[str, str, str, dict[str, Raw]]


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------
def read_csv(path: Path, data: bytes, sha256: str) -> ValuesTable:
    """The values table in a .csv file; ValuesFileError (round unchanged) if it is not one."""
    text = _decode(path, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        why = ("有一个值超过 CSV 允许的长度" if "field larger" in str(exc)
               else "引号不配对（值中的英文双引号须写成两个）")
        raise refused(path, f"第 {reader.line_num} 行", f"不是有效的 CSV：{why}",
                      hint="请在 Excel 或 WPS 中打开后另存为“CSV UTF-8（逗号分隔）”") from exc
    lines = [(n, row) for n, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise refused(path, "", "是空表格")
    head_line, head = lines[0]
    header = _header(path, list(head), f"第 {head_line} 行")
    for n, cells in lines[1:]:
        if any(cell.strip() for i, cell in enumerate(cells) if i not in header):
            raise refused(path, f"第 {n} 行", "在表头之外的列中有内容",
                          hint="请删除多余的列，或给该列填写规定的表头；值中的逗号须放在英文双引号内")
    rows = ((f"第 {n} 行", "", f"第 {n} 行",
             {name: (cells[i] if i < len(cells) else "") for i, name in header.items()})
            for n, cells in lines[1:])
    return _table(path, "csv", sha256, rows)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030; anything else is refused, never guessed."""
    if data.startswith(b"PK"):
        raise refused(path, "", "是 Excel 工作簿（.xlsx），不是 CSV 文本",
                      hint="请把文件扩展名改为 .xlsx 后导入")
    try:
        return csvtext.decode(data)[0]
    except csvtext.Undecodable as exc:
        if exc.kind == csvtext.UTF16:
            raise refused(path, "", "是 UTF-16 编码（Excel 的“Unicode 文本”），不是 CSV",
                          hint="请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”") from None
    raise refused(path, "", "的文字编码无法识别（不是 UTF-8 或 GB18030），或含有二进制内容",
                  hint="请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”")


def read_xlsx(path: Path, data: bytes, sha256: str) -> ValuesTable:
    """The values table in an .xlsx file (sheet 填报数据, else the first sheet)."""
    try:
        with xlsxsafe.open_bytes(data, path, limits=LIMITS) as wb:
            names = wb.sheet_names
            sheet = SHEET if SHEET in names else next(
                (n for n in names if wb.sheet_kind(n) == "worksheet"), "")
            if not sheet:
                raise refused(path, "", "没有工作表")
            cells = wb.cells(sheet)
    except WorkbookFileError as exc:
        raise refused(path, "", f"无法读取（{exc.message}）", hint=exc.hint) from exc
    by_row: dict[int, dict[str, xlsxsafe.CellValue]] = {}
    for address, cell in cells.items():
        m = _ADDRESS.fullmatch(address)
        if m and not cell.is_blank:
            by_row.setdefault(int(m.group(2)), {})[m.group(1)] = cell
    if not by_row:
        raise refused(path, f"工作表“{sheet}”", "是空表格")
    first, *rest = sorted(by_row)
    letters = sorted(by_row[first], key=xlsxsafe.column_number)
    head = {xlsxsafe.column_number(c): _text(path, by_row[first][c], sheet) for c in letters}
    width = max(head)
    header = _header(path, [head.get(i, "") for i in range(1, width + 1)],
                     f"工作表“{sheet}”第 {first} 行")
    letter = {i: xlsxsafe.column_letters(i + 1) for i in header}
    value_col = next(i for i, name in header.items() if name == "值")

    def rows() -> Iterator[Row]:
        for r in rest:
            got = by_row[r]
            if any(c not in {letter[i] for i in header} for c in got):
                extra = next(c for c in got if c not in {letter[i] for i in header})
                raise refused(path, f"工作表“{sheet}”{extra}{r}", "在表头之外的列中有内容",
                              hint="请删除多余的列，或给该列填写规定的表头")
            fields: dict[str, Raw] = {}
            for i, name in header.items():
                cell = got.get(letter[i])
                if name == "值":
                    fields[name] = cell
                else:
                    fields[name] = "" if cell is None else _text(path, cell, sheet)
            yield (f"工作表“{sheet}”第 {r} 行", sheet, f"{letter[value_col]}{r}", fields)

    return _table(path, "xlsx", sha256, rows())


def _text(path: Path, cell: xlsxsafe.CellValue, sheet: str) -> str:
    """A header or name cell as text (a number cell as written: 12, not 12.0)."""
    if cell.is_blank:
        return ""
    if cell.type == "n" and isinstance(cell.value, Decimal):
        return plain(cell.value)
    if cell.type in ("s", "str") and isinstance(cell.value, str):
        return cell.value
    raise refused(path, f"工作表“{sheet}”{cell.address}",
                  f"不是文字或数字（{cell.problem or cell.raw or cell.type}）")


def _header(path: Path, cells: list[str], where: str) -> dict[int, str]:
    """Column index → header name; the file is refused for an unknown, repeated or missing
    header (so a table of another layout is never read by position)."""
    out: dict[int, str] = {}
    for i, raw in enumerate(cells):
        name = raw.strip().lstrip("\ufeff")
        if not name:
            continue
        if name not in HEADERS:
            raise refused(path, where, f"表头“{short(name)}”不是数据表的列",
                          hint="表头应为：" + "、".join(HEADERS) + "（可省略其中的说明性列）")
        if name in out.values():
            raise refused(path, where, f"表头“{name}”出现了两次")
        out[i] = name
    missing = [h for h in REQUIRED_HEADERS if h not in out.values()]
    if missing:
        raise refused(path, where, f"缺少表头“{'”“'.join(missing)}”",
                      hint="第一行应为表头：" + "、".join(HEADERS) + "；导出的数据表可作为样板")
    return out


def _table(path: Path, fmt: str, sha256: str, rows: Iterable[Row]) -> ValuesTable:
    table = ValuesTable(path, fmt, sha256)
    for n, (where, sheet, cell, fields) in enumerate(rows):
        if n >= MAX_ENTRIES:
            raise refused(path, "", f"超过 {MAX_ENTRIES} 行，不像是一份数据表")
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in fields.values()):
            continue
        _row(table, where, sheet, cell, fields)
    return table


def _row(table: ValuesTable, where: str, sheet: str, cell: str, fields: dict[str, Raw]) -> None:
    """One row of the long table into an entry, a setting or an override."""
    path = table.path

    def text(name: str) -> str:
        value = fields.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > MAX_NAME and name != "说明":
            raise refused(path, where, f"“{name}”过长（{len(value)} 个字）")
        return value

    kind = text("类别") or KIND_VALUE
    if kind not in ROW_KINDS:
        raise refused(path, where, f"类别“{short(kind)}”无效", hint="可填：" + "、".join(ROW_KINDS))
    value = fields.get("值")
    if isinstance(value, xlsxsafe.CellValue) and value.is_blank:
        value = None
    elif isinstance(value, str) and not value.strip():
        value = None
    ind_text, key = text("指标编号"), text("填报项")
    ind_id = indicator_id(ind_text) if ind_text else None
    if ind_text and ind_id is None:
        raise refused(path, where, f"指标编号“{short(ind_text)}”不是 1 到 88 之间的整数")
    if kind == KIND_PARAM:
        if not key:
            raise refused(path, where, "评价参数行缺少“填报项”（参数名）")
        table.params.append(Setting(f"{ind_id}.{key}" if ind_id else key, value, sheet, cell))
        return
    if kind == KIND_CHOICE:
        if not key:
            raise refused(path, where, "假设选择行缺少“填报项”（假设编号）")
        table.choices.append(Setting(key, value, sheet, cell))
        return
    entity = text("评价对象")
    if not entity or ind_id is None:
        raise refused(path, where, f"{kind}行须填写“评价对象”和“指标编号”")
    if entity not in table.entities:
        table.entities.append(entity)
    if kind == KIND_OVERRIDE:
        table.overrides.append(OverrideEntry(entity, ind_id, value, text("说明"), sheet, cell))
        return
    if not key:
        raise refused(path, where, "缺少“填报项”")
    row_text, column = text("行号"), text("列")
    row = None
    if row_text:
        number = indicator_id(row_text)
        if number is None or number > _MAX_ROW_NUMBER:
            raise refused(path, where, f"行号“{short(row_text)}”不是正整数")
        row = number
    table.entries.append(Entry(entity, ind_id, key, value, sheet, cell, text("填报单位"), row,
                               column))
