"""Reading a survey platform's export (.xlsx or .csv) into one table of answers as text.

Platforms (问卷星, 腾讯问卷 and the like) export one row per respondent and one column per
question, the header row holding the question's number and text. The file is untrusted: .xlsx
goes through the bounded, defused reader (:mod:`..xlsxsafe`, the same one as returned
workbooks); .csv must be UTF-8, UTF-8 with BOM or GB18030 (strict decoding in that order, what
Excel and WPS write on Chinese Windows), within a size and a cell budget. Anything else is a
:class:`SurveyFileError` naming the file and what to do; nothing is stored.

The table is a :class:`pandas.DataFrame` of strings (pandas is imported here, lazily: never on
the window's start-up path, never by the engine). Row numbers are those Excel shows, so a
respondent excluded on cleaning can be found in the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinan_eval_gui.errors import SurveyFileError, WorkbookFileError

from .. import csvtext, xlsxsafe

if TYPE_CHECKING:
    import pandas as pd

MAX_FILE_BYTES = 32 * xlsxsafe.MiB
MAX_CELLS = 1_000_000
"""Cells of one export (e.g. 20 000 respondents × 50 columns): the bound on work and memory."""
MAX_COLUMNS = 1_000
LIMITS = xlsxsafe.Limits(max_file_bytes=MAX_FILE_BYTES, max_sheets=50,
                         max_cells_per_sheet=MAX_CELLS, max_cell_chars=32_767)
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]+)")
_RESAVE = "请在 Excel 或 WPS 中打开后另存为“CSV UTF-8（逗号分隔）”或 .xlsx 再导入"
ENCODING_LABELS = {"utf-8-sig": "UTF-8（带 BOM）", "utf-8": "UTF-8", "gb18030": "GB18030"}


@dataclass
class ResponseTable:
    """One export: its header, the answers as text (one row per respondent) and where from."""

    name: str
    format: str
    """``"csv"`` or ``"xlsx"``."""
    sha256: str
    header: list[str]
    frame: pd.DataFrame = field(repr=False)
    """Columns ``0 … len(header)-1`` as strings ("" for blank), one row per respondent."""
    rows: list[int] = field(repr=False)
    """The row number Excel shows for each respondent (the header is the row above the first)."""
    encoding: str = ""
    sheet: str = ""

    @property
    def n(self) -> int:
        return len(self.rows)


def read_bytes(path: str | Path) -> bytes:
    """The export's bytes, read once and bounded (missing, empty, a folder, too large: refused)."""
    path = Path(path)
    try:
        return xlsxsafe.read_file(path, limits=LIMITS)
    except WorkbookFileError as exc:
        raise refused(path, exc.message.replace(f"“{path.name}”", "").lstrip("文件"),
                      hint=exc.hint) from exc


def read_table(path: str | Path, data: bytes | None = None) -> ResponseTable:
    """The export at ``path`` (its bytes ``data`` when already read, e.g. from the round)."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    if len(data) > MAX_FILE_BYTES:
        raise refused(path, f"超过 {MAX_FILE_BYTES // xlsxsafe.MiB} MB，不像是一份调查答卷导出文件")
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK") or data.startswith(xlsxsafe.OLE_SIGNATURE) \
            or path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return _read_xlsx(path, data, sha256)
    return _read_csv(path, data, sha256)


def refused(path: Path, what: str, *, hint: str = "") -> SurveyFileError:
    """The file is refused as a whole (nothing stored): says which file and what to do."""
    return SurveyFileError(f"调查答卷文件“{path.name}”{what}", hint=hint or _RESAVE)


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------
def decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 with BOM, UTF-8 or GB18030, never guessed further."""
    try:
        return csvtext.decode(data)
    except csvtext.Undecodable as exc:
        if exc.kind == csvtext.UTF16:
            raise refused(path, "是 UTF-16 编码（Excel 的“Unicode 文本”），不是 CSV") from None
    raise refused(path, "的文字编码无法识别（不是 UTF-8 或 GB18030），或含有二进制内容")


def _read_csv(path: Path, data: bytes, sha256: str) -> ResponseTable:
    import pandas as pd

    text, encoding = decode(path, data)
    if text.count(",") + text.count("\n") + 1 > MAX_CELLS:  # fields, counted from above
        raise refused(path, f"超过 {MAX_CELLS} 个单元格，不像是一份调查答卷")
    options: dict[str, Any] = {"header": None, "dtype": str, "keep_default_na": False,
                               "na_filter": False, "skip_blank_lines": False, "engine": "c"}
    try:
        try:
            frame = pd.read_csv(io.StringIO(text), **options)
        except pd.errors.ParserError as exc:
            if "Expected" not in str(exc):
                raise
            # a title line above the header has fewer fields than the rows: read it again
            # with the widest row's width (counted by the csv module, which allows ragged rows)
            width = max((len(r) for r in csv.reader(io.StringIO(text, newline=""))), default=0)
            if width > MAX_COLUMNS:
                raise refused(path, f"超过 {MAX_COLUMNS} 列，不像是一份调查答卷") from exc
            frame = pd.read_csv(io.StringIO(text), names=range(width), **options)
    except pd.errors.EmptyDataError as exc:
        raise refused(path, "是空文件") from exc
    except (pd.errors.ParserError, csv.Error, ValueError, OverflowError) as exc:
        raise refused(path, f"不是有效的 CSV（{_parser_problem(str(exc))}）") from exc
    if frame.shape[1] > MAX_COLUMNS or frame.size > MAX_CELLS:
        raise refused(path, f"超过 {MAX_COLUMNS} 列或 {MAX_CELLS} 个单元格，不像是一份调查答卷")
    frame = frame.fillna("")
    row_numbers = list(range(1, len(frame) + 1))
    return _assemble(path, "csv", sha256, frame, row_numbers, encoding=encoding)


def _parser_problem(message: str) -> str:
    """pandas' parser message as the office can act on it."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if m:
        return f"第 {m.group(2)} 行有 {m.group(3)} 列，多于表头的 {m.group(1)} 列；值中的逗号须放在英文双引号内"
    if "EOF inside string" in message or "EOF" in message:
        return "引号不配对（值中的英文双引号须写成两个）"
    return "格式无法解析"


# ---------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------
def _read_xlsx(path: Path, data: bytes, sha256: str) -> ResponseTable:
    import pandas as pd

    try:
        with xlsxsafe.open_bytes(data, path, limits=LIMITS) as wb:
            sheet = next((n for n in wb.sheet_names if wb.sheet_kind(n) == "worksheet"
                          and wb.sheet_state(n) == "visible"), "")
            if not sheet:
                raise refused(path, "没有可见的工作表")
            cells = wb.cells(sheet)
    except WorkbookFileError as exc:
        raise refused(path, f"无法读取（{exc.message}）", hint=exc.hint) from exc
    grid: dict[int, dict[int, str]] = {}
    width = 0
    for address, cell in cells.items():
        m = _ADDRESS.fullmatch(address)
        if m is None or cell.is_blank:
            continue
        col = xlsxsafe.column_number(m.group(1))
        if col > MAX_COLUMNS:
            raise refused(path, f"超过 {MAX_COLUMNS} 列，不像是一份调查答卷")
        grid.setdefault(int(m.group(2)), {})[col - 1] = cell_text(cell)
        width = max(width, col)
    if not grid:
        raise refused(path, f"的工作表“{sheet}”是空表格")
    if len(grid) * width > MAX_CELLS:  # rows spread thinly over many columns
        raise refused(path, f"的工作表“{sheet}”超过 {MAX_CELLS} 个单元格，不像是一份调查答卷")
    numbers = sorted(grid)  # rows with content only: blank rows are no respondents anyway
    rows = [[grid[r].get(c, "") for c in range(width)] for r in numbers]
    frame = pd.DataFrame(rows, dtype=str)
    return _assemble(path, "xlsx", sha256, frame, numbers, sheet=sheet)


def cell_text(cell: xlsxsafe.CellValue) -> str:
    """What Excel shows in a cell, as the answer text: numbers plainly (8, not 8.0), dates as
    date and time, error codes as typed; a cell whose value cannot be known is marked so that
    it counts as an invalid answer, never as a blank."""
    if cell.type == "n" and isinstance(cell.value, Decimal):
        if cell.is_date_format:
            return xlsxsafe.serial_to_datetime(cell.value, cell.date1904).isoformat(sep=" ")
        return _plain_number(cell.value)
    if cell.type == "b":
        return "TRUE" if cell.value else "FALSE"
    if cell.type == "e":
        return cell.raw
    if cell.type == "bad":
        return f"#无法读取：{cell.problem[:60]}"
    return "" if cell.value is None else str(cell.value)


def _plain_number(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# ---------------------------------------------------------------------------------------
# Shared
# ---------------------------------------------------------------------------------------
def _assemble(path: Path, fmt: str, sha256: str, frame: Any, numbers: list[int], *,
              encoding: str = "", sheet: str = "") -> ResponseTable:
    """The header is the first row with two or more cells filled (a title line above it is
    passed over); the respondents are the rows below it that hold anything (blank rows between
    respondents are not respondents)."""
    counts = frame.ne("").sum(axis=1).to_numpy()
    filled = counts > 0
    nonblank = [i for i, f in enumerate(filled) if f]
    if not nonblank:
        raise refused(path, "是空表格")
    head = next((i for i in nonblank if counts[i] >= 2), nonblank[0])
    header = [str(h).strip() for h in frame.iloc[head].tolist()]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise refused(path, "没有表头")
    body = frame.iloc[head + 1:, :len(header)]
    keep = filled[head + 1:]
    body = body[keep]
    extra = frame.iloc[head + 1:, len(header):]
    if extra.shape[1] and extra[keep].ne("").any(axis=None):
        raise refused(path, "在表头之外的列中有内容",
                      hint="请给每一列填写表头（题号或题目），或删除多余的列")
    if body.empty:
        raise refused(path, "只有表头，没有答卷", hint="请确认导出时选择了全部答卷，或在模板中填入答卷后再导入")
    rows = [numbers[head + 1 + i] for i, k in enumerate(keep) if k]
    body = body.reset_index(drop=True)
    body.columns = range(len(header))
    header = [h or f"第{i + 1}列" for i, h in enumerate(header)]
    return ResponseTable(path.name, fmt, sha256, header, body, rows,
                         encoding=ENCODING_LABELS.get(encoding, encoding), sheet=sheet)
