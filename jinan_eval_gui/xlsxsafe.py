"""Bounded, defused reading of returned .xlsx workbooks (untrusted input).

Returned files come by email from dozens of units, so every file is treated as hostile until
proven otherwise:

* **Sniffed before parsing.** Empty files, renamed PDFs, text/CSV/HTML, RAR/7z archives, legacy
  OLE2 files (Excel 97-2003 ``.xls``, password-protected ``.xlsx`` whose OLE container holds an
  ``EncryptedPackage`` stream, Word/PowerPoint files), ``.ods``/``.xlsb``/``.docx`` renamed to
  ``.xlsx`` and truncated zips each get a precise Chinese message saying what to do.
* **Zip bombs refused from the central directory** (entry count, each entry's declared size, the
  sum, the compression ratio) before a byte is inflated, and the same limits enforced again while
  streaming, since declared sizes can lie. Nothing is ever extracted to disk: entry names are only
  lookup keys, and names that climb out (``../``) or are absolute make the file refused.
* **XML parsed with expat, DTDs forbidden.** Every part goes through :func:`_new_parser`, which
  refuses any ``<!DOCTYPE``, entity declaration or external entity, as ``defusedxml`` does
  (an entity bomb or XXE is refused at its first declaration). We use expat directly rather than
  ``defusedxml.ElementTree`` because a push parser lets us stream each part in bounded chunks and
  stop as soon as the wanted cells are read (see ``benchmarks/bench_readers.py``).
* **Values only.** Macros (``vbaProject.bin``, XLM macro sheets) are never run, nor external links
  followed; both are reported as facts (:attr:`SafeWorkbook.is_macro_enabled`,
  :attr:`SafeWorkbook.has_external_links`, :attr:`SafeWorkbook.notices`) for the importer.
* **Cells as stored.** For every cell: the cached value and its type (number, string, boolean,
  error such as ``#DIV/0!``), whether a formula produced it, and whether its number format is a
  date or a percent format. The sheet's ``<dimension>`` is ignored (a file can claim
  A1:XFD1048576); only cells that exist are read, up to a cap.

Every refusal is a :class:`~jinan_eval_gui.errors.WorkbookFileError` with a Chinese message.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from xml.parsers import expat

from .errors import WorkbookFileError

__all__ = [
    "CellValue",
    "Limits",
    "SafeWorkbook",
    "open_bytes",
    "open_workbook",
    "read_file",
    "serial_to_datetime",
]

MiB = 1024 * 1024
GiB = 1024 * MiB

CellType = Literal["n", "s", "b", "e", "str", "d", "blank"]
SheetState = Literal["visible", "hidden", "veryHidden"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one returned workbook; a file beyond any of them is refused."""

    max_file_bytes: int = 64 * MiB
    """Size of the file on disk."""
    max_entries: int = 10_000
    """Number of entries in the zip's central directory."""
    max_entry_bytes: int = 128 * MiB
    """Uncompressed size of one part, declared and actually inflated."""
    max_total_bytes: int = 512 * MiB
    """Sum of the declared uncompressed sizes of all parts."""
    max_ratio: int = 200
    """Uncompressed/compressed ratio allowed for a part larger than ``ratio_floor_bytes``."""
    ratio_floor_bytes: int = 1 * MiB
    max_sheets: int = 1_000
    max_defined_names: int = 10_000
    max_cells_per_sheet: int = 1_000_000
    """Cells (``<c>`` elements, including empty styled ones) read from one sheet."""
    max_shared_strings: int = 2_000_000
    max_cell_chars: int = 100_000
    """Characters in one string (Excel itself allows 32,767)."""


@dataclass(frozen=True, slots=True)
class CellValue:
    """One cell as stored in the file (the cached value of a formula, never recomputed).

    ``type`` is ``"n"`` (number, ``value`` a Decimal of the stored text), ``"s"`` (shared or inline
    string), ``"str"`` (string result of a formula), ``"b"`` (boolean), ``"e"`` (error such as
    ``#DIV/0!``: ``raw`` holds the code, ``value`` is None), ``"d"`` (ISO 8601 date text, rare) or
    ``"blank"`` (``raw`` "" and ``value`` None). ``raw`` is the stored text.
    """

    address: str
    raw: str
    value: str | Decimal | bool | None
    type: CellType
    has_formula: bool = False
    is_date_format: bool = False
    is_percent_format: bool = False
    number_format: str = "General"
    date1904: bool = False

    @classmethod
    def blank(cls, address: str) -> CellValue:
        """An empty cell."""
        return cls(address, "", None, "blank")

    @property
    def is_blank(self) -> bool:
        return self.type == "blank"


# --------------------------------------------------------------------------------------------
# Messages


def _fail(name: str, text: str) -> WorkbookFileError:
    return WorkbookFileError(f"文件“{name}”{text}")


_RESAVE = "请在 Excel 或 WPS 中打开后“另存为” .xlsx 格式再导入。"
_ASK_AGAIN = "请向填报单位重新索取该文件。"
_USE_TEMPLATE = "请向填报单位核实，要求其使用下发的模板重新填写后发送。"


def _size_text(n: int) -> str:
    if n >= GiB:
        return f"{n / GiB:.1f} GB"
    if n >= MiB:
        return f"{n / MiB:.1f} MB"
    return f"{n} 字节"


# --------------------------------------------------------------------------------------------
# Sniffing


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA


def _cfb_directory_names(data: bytes) -> set[str]:
    """Names of the entries in an OLE2 compound file's directory (MS-CFB), casefolded.

    Follows the directory chain through the FAT (header DIFAT plus the DIFAT chain); every
    loop is bounded by the number of sectors in the file.
    """
    if len(data) < 512 or not data.startswith(OLE_SIGNATURE):
        raise ValueError("not a compound file")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << sector_shift
    n_sectors = (len(data) - 512) // size + 1

    def sector(index: int) -> bytes:
        start = (index + 1) * size
        if index > _MAX_SECTOR or start + size > len(data) + size:
            raise ValueError("sector out of range")
        return data[start : start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_SECTOR]
    difat = struct.unpack_from("<I", data, 0x44)[0]
    seen: set[int] = set()
    while difat <= _MAX_SECTOR and difat not in seen and len(seen) < n_sectors:
        seen.add(difat)
        values = struct.unpack(f"<{size // 4}I", sector(difat).ljust(size, b"\0"))
        fat_sectors.extend(v for v in values[:-1] if v <= _MAX_SECTOR)
        difat = values[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_sectors]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s).ljust(size, b"\0")))

    names: set[str] = set()
    current = struct.unpack_from("<I", data, 0x30)[0]
    visited: set[int] = set()
    while current <= _MAX_SECTOR and current not in visited and len(visited) < n_sectors:
        visited.add(current)
        block = sector(current)
        for offset in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            kind = block[offset + 66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                raw = block[offset : offset + length - 2]
                names.add(raw.decode("utf-16-le", errors="replace").casefold())
        current = fat[current] if current < len(fat) else _ENDOFCHAIN
    return names


_OLE_MARKERS = ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument",
                "PowerPoint Document")


def ole_stream_names(data: bytes) -> set[str]:
    """Casefolded stream names of an OLE2 file; falls back to scanning for known names."""
    try:
        names = _cfb_directory_names(data)
    except (ValueError, struct.error, IndexError):
        names = set()
    if not names & {m.casefold() for m in _OLE_MARKERS}:
        # A damaged or unusual directory: look for the UTF-16 names anywhere in the file.
        names |= {m.casefold() for m in _OLE_MARKERS if m.encode("utf-16-le") in data}
    return names


def _refuse_ole(name: str, data: bytes) -> WorkbookFileError:
    streams = ole_stream_names(data)
    if {"encryptedpackage", "encryptioninfo"} & streams:
        return _fail(name, "设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中输入密码打开，"
                           "取消“打开密码”（文档加密）后另存为 .xlsx，再导入。")
    if {"workbook", "book"} & streams:
        return _fail(name, "是旧版 Excel 97-2003 格式（.xls），" + _RESAVE)
    if "worddocument" in streams:
        return _fail(name, "是 Word 97-2003 文档（.doc），不是 Excel 工作簿。" + _USE_TEMPLATE)
    if "powerpoint document" in streams:
        return _fail(name, "是 PowerPoint 97-2003 演示文稿，不是 Excel 工作簿。" + _USE_TEMPLATE)
    return _fail(name, "是旧版 Office 复合文档，不是 .xlsx 工作簿。" + _RESAVE)


def _refuse_not_zip(name: str, data: bytes) -> WorkbookFileError:
    head = data[:1024]
    if name.startswith("~$"):
        return _fail(name, "是 Excel 或 WPS 打开文件时生成的临时锁定文件，不是工作簿，请忽略它，"
                           "导入同名的正式文件即可。")
    if head.startswith(b"%PDF"):
        return _fail(name, "实际上是 PDF 文件，不是 Excel 工作簿（可能只是改了扩展名）。"
                           "请向填报单位索取填写后的 .xlsx 原文件。")
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        return _fail(name, "是 RAR/7z 压缩包，不是 Excel 工作簿。请先解压，再导入其中的 .xlsx 文件。")
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\0").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta",
                            b"<head", b"<body", b"<workbook")) or b"<html" in head.lower():
        return _fail(name, "是网页或 XML 格式的表格（常见于从其他系统导出的“.xls”），"
                           "不是标准的 Excel 工作簿。" + _RESAVE)
    if b"\0" not in head:
        return _fail(name, "是纯文本文件（如 CSV 或 TXT），不是 Excel 工作簿。"
                           "请使用下发的模板填写，或" + _RESAVE.removeprefix("请"))
    return _fail(name, "不是 Excel 工作簿（.xlsx），无法识别其格式。请确认发送的是填写后的模板文件。")


# --------------------------------------------------------------------------------------------
# XML: expat with DTDs and entities forbidden


class _Forbidden(Exception):
    """The XML declares a DTD or an entity (never written by Excel; bomb or XXE)."""


class _Oversize(Exception):
    """A part inflated beyond its declared size or the limit."""


class _Stop(Exception):
    """Everything wanted has been read; stop parsing this part."""


class _TooMany(Exception):
    """A count limit (cells, strings, characters) was passed while parsing."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _forbid(*_args: object) -> None:
    raise _Forbidden


def _new_parser(namespaces: bool = True) -> expat.XMLParserType:
    """An expat parser that refuses DTDs and entities (namespace separator " " if on)."""
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    return parser


def _local(name: str) -> str:
    """Local part of an expat name: "uri local" with namespaces on, "prefix:local" off."""
    return name[max(name.rfind(" "), name.rfind(":")) + 1 :]


_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Undo OOXML's ``_xHHHH_`` escaping of control characters in strings."""
    if "_x" not in text:
        return text
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


# --------------------------------------------------------------------------------------------
# Number formats


_BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "yyyy/m/d", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "yyyy/m/d h:mm",
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"', 32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"', 36: 'yyyy"年"m"月"',
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
    48: "##0.0E+0", 49: "@",
    50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
}
_QUOTED_RE = re.compile(r'"[^"]*"|\\.|_.|\*.')
_ELAPSED_RE = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)
_BRACKET_RE = re.compile(r"\[[^\]]*\]")
_DATE_CHARS_RE = re.compile(r"[dmyhsDMYHS年月日时分秒]|上午|下午")


def classify_format(code: str) -> tuple[bool, bool]:
    """``(is_date, is_percent)`` for a number format code (first section only)."""
    text = _QUOTED_RE.sub("", code)
    section = text.split(";", 1)[0]
    if _ELAPSED_RE.search(section):
        return True, False
    section = _BRACKET_RE.sub("", section)
    if section.strip().lower() == "general":
        return False, False
    return bool(_DATE_CHARS_RE.search(section)), "%" in section


# --------------------------------------------------------------------------------------------
# Part parsers (each a set of expat handlers over one part)


def _parse_rels(parse: Callable[..., None], part: str) -> dict[str, tuple[str, str, str]]:
    """``{Id: (Type, Target, TargetMode)}`` of a .rels part."""
    rels: dict[str, tuple[str, str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            if len(rels) >= 100_000:
                raise _TooMany("关系（relationships）数量异常")
            rels[attrs.get("Id", "")] = (
                attrs.get("Type", ""), attrs.get("Target", ""), attrs.get("TargetMode", ""),
            )

    parse(part, start)
    return rels


@dataclass
class _SheetEntry:
    name: str
    state: SheetState
    rel_id: str


class _WorkbookInfo:
    """What ``xl/workbook.xml`` says: sheets, defined names, date system."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sheets: list[_SheetEntry] = []
        self.names: list[tuple[str, int | None, str]] = []
        self.date1904 = False
        self._name: tuple[str, int | None] | None = None
        self._text: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "sheet":
            if len(self.sheets) >= self.limits.max_sheets:
                raise _TooMany(f"工作表数量超过 {self.limits.max_sheets} 个")
            rel_id = next((v for k, v in attrs.items() if k.endswith(" id")), "")
            state = attrs.get("state", "visible")
            if state not in ("visible", "hidden", "veryHidden"):
                state = "hidden"
            self.sheets.append(_SheetEntry(attrs.get("name", ""), state, rel_id))  # type: ignore[arg-type]
        elif tag == "definedName":
            if len(self.names) >= self.limits.max_defined_names:
                raise _TooMany(f"名称（定义的名称）数量超过 {self.limits.max_defined_names} 个")
            local = attrs.get("localSheetId")
            self._name = (attrs.get("name", ""), int(local) if local and local.isdigit() else None)
            self._text = []
        elif tag == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

    def end(self, name: str) -> None:
        if self._name is not None and _local(name) == "definedName":
            self.names.append((*self._name, "".join(self._text)))
            self._name = None

    def chars(self, data: str) -> None:
        if self._name is not None:
            self._text.append(data)


class _Styles:
    """Number format of each cell style (``cellXfs``): code, is_date, is_percent."""

    def __init__(self) -> None:
        self.custom: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self._where = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag in ("numFmts", "cellXfs"):
            self._where = tag
        elif tag == "numFmt" and self._where == "numFmts":
            try:
                self.custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "xf" and self._where == "cellXfs":
            if len(self.xf_formats) >= 200_000:
                raise _TooMany("单元格样式数量异常")
            fmt = attrs.get("numFmtId", "0")
            self.xf_formats.append(int(fmt) if fmt.isdigit() else 0)

    def end(self, name: str) -> None:
        if _local(name) in ("numFmts", "cellXfs"):
            self._where = ""

    def table(self) -> list[tuple[str, bool, bool]]:
        cache: dict[int, tuple[str, bool, bool]] = {}
        out = []
        for fmt_id in self.xf_formats:
            if fmt_id not in cache:
                code = self.custom.get(fmt_id) or _BUILTIN_FORMATS.get(fmt_id, "General")
                is_date, is_pct = classify_format(code)
                if fmt_id in (14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47) or (
                    fmt_id not in self.custom and (27 <= fmt_id <= 36 or 50 <= fmt_id <= 58)
                ):
                    is_date = True
                cache[fmt_id] = (code, is_date, is_pct)
            out.append(cache[fmt_id])
        return out


class _SharedStrings:
    """``<si>`` items of ``sharedStrings.xml`` (phonetic runs ``<rPh>`` left out)."""

    def __init__(self, limits: Limits, upto: int | None) -> None:
        self.limits = limits
        self.upto = upto
        self.items: list[str] = []
        self.complete = False
        self._buf: list[str] = []
        self._chars = 0
        self._in_t = False
        self._in_rph = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "t":
            self._in_t = not self._in_rph
        elif tag == "si":
            self._buf = []
            self._chars = 0
        elif tag == "rPh":
            self._in_rph = True

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag == "t":
            self._in_t = False
        elif tag == "si":
            if len(self.items) >= self.limits.max_shared_strings:
                raise _TooMany(f"共享字符串超过 {self.limits.max_shared_strings} 个")
            self.items.append(_unescape("".join(self._buf)))
            if self.upto is not None and len(self.items) > self.upto:
                raise _Stop
        elif tag == "rPh":
            self._in_rph = False

    def chars(self, data: str) -> None:
        if self._in_t:
            self._chars += len(data)
            if self._chars > self.limits.max_cell_chars:
                raise _TooMany(f"有单元格文字超过 {self.limits.max_cell_chars} 个字符")
            self._buf.append(data)


_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"AA"`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(n: int) -> str:
    """1 → ``"A"``, 27 → ``"AA"``."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.lru_cache(maxsize=65_536)
def normalize_address(address: str) -> str:
    """``"$b$3"`` -> ``"B3"``; raises ValueError for anything that is not one cell."""
    m = _REF_RE.match(address.strip())
    if not m:
        raise ValueError(f"not a cell address: {address!r}")
    return f"{m.group(1).upper()}{int(m.group(2))}"


# A raw cell collected while parsing: (address, t, s, v text, inline text, has formula).
_RawCell = tuple[str, str, int, "str | None", "str | None", bool]


def _sheet_handlers(
    limits: Limits, wanted: set[str] | None
) -> tuple[Callable[..., None], Callable[[str], None], Callable[[str], None], list[_RawCell]]:
    """Expat handlers for ``sheetN.xml`` (parsed without namespace processing) and their output.

    Collects the cells inside ``<sheetData>`` and stops at its end; with ``wanted``, keeps only
    those addresses and stops once all are found or a later row starts (rows ascending).
    Closures over local state rather than a class: this is the hot loop of the reader.
    """
    max_cells, max_chars = limits.max_cells_per_sheet, limits.max_cell_chars
    remaining = set(wanted) if wanted is not None else None
    keep_blanks = bool(wanted)
    max_row = max((_sort_key(a)[0] for a in wanted), default=0) if wanted else 0
    cells: list[_RawCell] = []
    append = cells.append
    count = row = col = 0
    ascending = True
    ref, t, s, f = "", "n", 0, False
    v: str | None = None
    inline: list[str] | None = None
    text: str | None = None
    capture = in_cell = in_is = in_rph = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count, row, col, ascending, ref, t, s, f, v, inline, text, capture, in_cell
        nonlocal in_is, in_rph
        if ":" in name:
            name = name[name.rfind(":") + 1 :]
        if name == "c":
            count += 1
            if count > max_cells:
                raise _TooMany(f"单元格超过 {max_cells} 个")
            r = attrs.get("r")
            if r:
                ref = r if r.isupper() else r.upper()
                col = -1  # known only if a later cell lacks its address
            else:
                if col < 0:
                    m = _REF_RE.match(ref)
                    col = column_number(m.group(1)) if m else 0
                col += 1
                ref = f"{column_letters(col)}{row}"
            t = attrs.get("t", "n")
            style = attrs.get("s")
            s = int(style) if style and style.isdigit() else 0
            f = False
            v = inline = None
            in_cell = True
        elif name == "v":
            capture = True
            text = None
        elif name == "f":
            f = True
        elif name == "row":
            r = attrs.get("r")
            new_row = int(r) if r and r.isdigit() else row + 1
            if new_row <= row:
                ascending = False
            row, col = new_row, 0
            ref = f"A{new_row}"
            if keep_blanks and ascending and new_row > max_row:
                raise _Stop
        elif name == "is":
            in_is = True
            inline = []
        elif name == "t":
            if in_is and not in_rph:
                capture = True
                text = None
        elif name == "rPh":
            in_rph = True

    def end(name: str) -> None:
        nonlocal v, capture, in_cell, in_is, in_rph
        if ":" in name:
            name = name[name.rfind(":") + 1 :]
        if name == "c":
            in_cell = False
            if remaining is not None:
                if ref not in remaining:
                    return
                remaining.discard(ref)
            if v is not None or inline is not None or f or keep_blanks:
                append((ref, t, s, v, None if inline is None else "".join(inline), f))
            if remaining is not None and not remaining:
                raise _Stop
        elif name == "v":
            capture = False
            if in_cell:
                v = text if text is not None else ""
        elif name == "t":
            if capture and inline is not None:
                inline.append(text or "")
            capture = False
        elif name == "is":
            in_is = False
        elif name == "rPh":
            in_rph = False
        elif name == "sheetData":
            raise _Stop

    def chars(data: str) -> None:
        nonlocal text
        if capture:
            text = data if text is None else text + data
            if len(text) > max_chars:
                raise _TooMany(f"有单元格文字超过 {max_chars} 个字符")

    return start, end, chars, cells


# --------------------------------------------------------------------------------------------
# The workbook


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _to_decimal(text: str) -> Decimal | None:
    """The stored number text as a Decimal; None for NaN, infinities or anything else."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number.is_finite() and "_" not in text and text == text.strip():
        return number
    return None if not _NUMBER_RE.fullmatch(text.strip()) else Decimal(text.strip())

_STYLE_CACHE: dict[str, list[tuple[str, bool, bool]]] = {}
"""Parsed style tables by SHA-256 of ``styles.xml`` (read-only once stored)."""

_MAIN_MACRO_TYPE = "application/vnd.ms-excel.sheet.macroenabled"


def _rel_kind(rel_type: str) -> str:
    return rel_type.rsplit("/", 1)[-1].lower()


def _resolve(base_part: str, target: str) -> str | None:
    """Zip name of a relationship target relative to ``base_part``; None if it escapes."""
    if not target:
        return None
    if target.startswith("/"):
        path = posixpath.normpath(target.lstrip("/"))
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))
    if path.startswith("..") or path.startswith("/") or path == ".":
        return None
    return path


def _unsafe_name(name: str) -> bool:
    if not name or "\0" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(seg == ".." for seg in re.split(r"[/\\]", name))


def serial_to_datetime(serial: Decimal | float, date1904: bool = False) -> datetime:
    """The date and time an Excel serial number stands for (1900 or 1904 date system)."""
    serial = Decimal(serial)
    if date1904:
        base = datetime(1904, 1, 1)
    elif serial < 60:
        base = datetime(1899, 12, 31)  # 1900-01-01 is serial 1; serial 60 is Excel's 1900-02-29
    else:
        base = datetime(1899, 12, 30)
    days = int(serial)
    seconds = round((serial - days) * 86400)
    return base + timedelta(days=days, seconds=int(seconds))


class SafeWorkbook:
    """A returned .xlsx opened by :func:`open_workbook`: metadata read, sheets read on demand.

    The file's bytes are held in memory (at most ``Limits.max_file_bytes``); nothing is written to
    disk and no handle on the file stays open, so the unit's file can be moved or deleted at once.
    """

    def __init__(self, path: Path, data: bytes, limits: Limits) -> None:
        self.path = path
        self.name = path.name
        self.limits = limits
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._data = data
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error) as exc:
            raise _fail(self.name, "不完整或已损坏（压缩包结构无法读取），可能是下载、复制或邮件附件"
                                   "传输中断。" + _ASK_AGAIN) from exc
        self._check_central_directory()
        self._names = {info.filename.casefold(): info for info in self._zip.infolist()}
        self._locate_main_part()
        self._read_workbook()
        self._styles: list[tuple[str, bool, bool]] | None = None
        self._sst: _SharedStrings | None = None

    # -- checks before anything is inflated ---------------------------------------------------

    def _check_central_directory(self) -> None:
        limits, infos = self.limits, self._zip.infolist()
        if len(infos) > limits.max_entries:
            raise _fail(self.name, f"包含 {len(infos)} 个内部部件，超过上限 {limits.max_entries} 个，"
                                   "不像是正常的填报文件，已拒绝读取。" + _USE_TEMPLATE)
        seen: set[str] = set()
        total = 0
        for info in infos:
            for entry_name in {info.filename, info.orig_filename}:
                if _unsafe_name(entry_name):
                    raise _fail(self.name, f"内部含有异常的路径名（“{entry_name[:80]}”），不是 Excel "
                                           "正常保存的文件，已拒绝读取。请在 Excel 或 WPS 中打开后"
                                           "“另存为”新的 .xlsx 文件再导入。")
            key = info.filename.casefold()
            if key in seen:
                raise _fail(self.name, f"内部含有重复的部件“{info.filename[:80]}”，不是 Excel 正常保存"
                                       "的文件，已拒绝读取。" + _RESAVE)
            seen.add(key)
            if info.flag_bits & 0x1:
                raise _fail(self.name, "的内容经过压缩包加密，无法读取。请取消密码后另存为 .xlsx 再导入。")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _fail(self.name, f"使用了 Excel 不使用的压缩方式（{info.compress_type}），"
                                       "无法读取。" + _RESAVE)
            size = info.file_size
            if size > limits.max_entry_bytes:
                raise self._bomb(f"其中“{info.filename[:80]}”声明解压后为 {_size_text(size)}，"
                                 f"超过单个部件上限 {_size_text(limits.max_entry_bytes)}")
            if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(info.compress_size, 1):
                ratio = size // max(info.compress_size, 1)
                raise self._bomb(f"其中“{info.filename[:80]}”的压缩比异常（约 {ratio}:1）")
            total += size
        if total > limits.max_total_bytes:
            raise self._bomb(f"全部内容解压后共 {_size_text(total)}，超过上限 "
                             f"{_size_text(limits.max_total_bytes)}")

    def _bomb(self, detail: str) -> WorkbookFileError:
        return _fail(self.name, f"解压后过大：{detail}。疑似恶意构造的“压缩炸弹”，已拒绝读取。"
                     + _USE_TEMPLATE)

    # -- streaming parse of one part -----------------------------------------------------------

    def _info(self, part: str) -> zipfile.ZipInfo | None:
        return self._names.get(part.casefold())

    def _parse(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
        chars: Callable[[str], None] | None = None,
        what: str = "",
        namespaces: bool = True,
    ) -> None:
        """Stream ``part`` through a defused expat parser with the given handlers.

        The part is inflated in 64 KiB chunks and never held whole. Declared sizes are not
        trusted: zipfile stops inflating at the declared size (and a CRC mismatch turns a lie
        into an error), and we count the bytes ourselves against the same bounds.
        """
        info = self._info(part)
        if info is None:
            raise _fail(self.name, f"缺少内部部件“{part}”，文件可能已损坏。" + _RESAVE)
        limit = min(info.file_size, self.limits.max_entry_bytes)
        parser = _new_parser(namespaces)
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if chars is not None:
            parser.CharacterDataHandler = chars
        label = what or f"内部部件“{part}”"
        try:
            for chunk in self._inflate(info, limit):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Oversize:
            raise self._bomb(f"{label}实际解压后超过声明的大小或上限") from None
        except _Stop:
            return
        except _Forbidden as exc:
            raise _fail(self.name, f"的{label}含有 DTD 或实体声明（Excel 不会生成这样的内容），"
                                   "疑似恶意构造，已拒绝读取。" + _USE_TEMPLATE) from exc
        except _TooMany as exc:
            raise _fail(self.name, f"的{label}{exc.text}，超出本工具的读取上限。请删除与填报无关的"
                                   "内容后保存，再导入。") from exc
        except expat.ExpatError as exc:
            raise _fail(self.name, f"的{label}已损坏（XML 第 {exc.lineno} 行："
                                   f"{expat.ErrorString(exc.code)}），无法读取。" + _RESAVE) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error) as exc:
            raise _fail(self.name, f"的{label}数据已损坏或不完整（{exc}）。" + _ASK_AGAIN) from exc

    # -- package structure ---------------------------------------------------------------------

    def _locate_main_part(self) -> None:
        names = self._names
        mimetype = names.get("mimetype")
        if mimetype is not None and mimetype.file_size < 200:
            if b"opendocument.spreadsheet" in self._zip.read(mimetype):
                raise _fail(self.name, "是 OpenDocument 表格（.ods），请在 WPS、Excel 或 LibreOffice "
                                       "中打开后“另存为” .xlsx 格式再导入。")
        main = None
        if "_rels/.rels" in names:
            for rel_type, target, mode in _parse_rels(self._parse, "_rels/.rels").values():
                if _rel_kind(rel_type) == "officedocument" and mode != "External":
                    main = _resolve("", target)
                    break
        main = main or "xl/workbook.xml"
        if main.lower().endswith(".bin") or "xl/workbook.bin" in names:
            raise _fail(self.name, "是 Excel 二进制工作簿（.xlsb），请在 Excel 中打开后“另存为” .xlsx "
                                   "格式再导入。")
        if main.casefold() not in names:
            if "word/document.xml" in names:
                raise _fail(self.name, "是 Word 文档（.docx），不是 Excel 工作簿。" + _USE_TEMPLATE)
            if "ppt/presentation.xml" in names:
                raise _fail(self.name, "是 PowerPoint 演示文稿，不是 Excel 工作簿。" + _USE_TEMPLATE)
            if any(n.endswith((".xlsx", ".xls", ".xlsm", ".et")) for n in names):
                raise _fail(self.name, "是一个装有表格文件的 ZIP 压缩包，请先解压，再导入其中的 "
                                       ".xlsx 文件。")
            raise _fail(self.name, "是 ZIP 压缩文件，但不是 Excel 工作簿（缺少 xl/workbook.xml）。"
                                   "请确认发送的是填写后的模板文件。")
        self._main = self._info(main).filename  # type: ignore[union-attr]

    def _read_workbook(self) -> None:
        info = _WorkbookInfo(self.limits)
        self._parse(self._main, info.start, info.end, info.chars, "工作簿结构（workbook.xml）")
        rels_part = posixpath.join(posixpath.dirname(self._main), "_rels",
                                   posixpath.basename(self._main) + ".rels")
        rels = _parse_rels(self._parse, rels_part) if self._info(rels_part) else {}
        self.date1904 = info.date1904

        self._sheets: dict[str, tuple[SheetState, str, str | None]] = {}
        self._order: list[str] = []
        seen: set[str] = set()
        for entry in info.sheets:
            if not entry.name or entry.name.casefold() in seen:
                raise _fail(self.name, f"的工作表名称“{entry.name}”为空或重复，文件结构异常。"
                            + _RESAVE)
            rel_type, target, mode = rels.get(entry.rel_id, ("", "", ""))
            part = None if mode == "External" else _resolve(self._main, target)
            self._sheets[entry.name] = (entry.state, _rel_kind(rel_type) or "worksheet", part)
            self._order.append(entry.name)
            seen.add(entry.name.casefold())

        self._parts: dict[str, str | None] = {"sharedstrings": None, "styles": None}
        for rel_type, target, mode in rels.values():
            kind = _rel_kind(rel_type)
            if kind in self._parts and mode != "External":
                self._parts[kind] = _resolve(self._main, target)

        self._global_names: dict[str, str] = {}
        self._local_names: dict[tuple[str, str], str] = {}
        for def_name, local_id, text in info.names:
            if local_id is None:
                self._global_names[def_name] = text
            elif local_id < len(self._order):
                self._local_names[(self._order[local_id], def_name)] = text

        self.is_macro_enabled = (
            "xl/vbaproject.bin" in self._names
            or any(n.startswith("xl/macrosheets/") for n in self._names)
            or self.name.lower().endswith((".xlsm", ".xltm"))
            or any(k == "xlmacrosheet" for _, k, _ in self._sheets.values())
            or self._content_type_is_macro()
        )
        self.has_external_links = any(n.startswith("xl/externallinks/") for n in self._names)

    def _content_type_is_macro(self) -> bool:
        info = self._info("[Content_Types].xml")
        if info is None:
            return False
        found = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if _MAIN_MACRO_TYPE in attrs.get("ContentType", "").lower():
                found.append(True)

        self._parse(info.filename, start)
        return bool(found)

    # -- public metadata -------------------------------------------------------------------------

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """Sheet names in workbook order (worksheets, chart sheets, ...)."""
        return tuple(self._order)

    def _sheet_key(self, sheet: str) -> str:
        if sheet in self._sheets:
            return sheet
        for name in self._order:
            if name.casefold() == sheet.casefold():
                return name
        raise _fail(self.name, f"中没有名为“{sheet}”的工作表。请确认使用的是下发的模板，且没有删除或"
                               "重命名工作表。")

    def sheet_state(self, sheet: str) -> SheetState:
        """``"visible"``, ``"hidden"`` or ``"veryHidden"``."""
        return self._sheets[self._sheet_key(sheet)][0]

    def sheet_kind(self, sheet: str) -> str:
        """``"worksheet"``, ``"chartsheet"``, ``"dialogsheet"`` or ``"xlmacrosheet"``."""
        return self._sheets[self._sheet_key(sheet)][1]

    @property
    def defined_names(self) -> MappingProxyType[str, str]:
        """Workbook-scoped defined names: name -> reference text (e.g. ``_meta!$B$3``)."""
        return MappingProxyType(self._global_names)

    @property
    def local_defined_names(self) -> MappingProxyType[tuple[str, str], str]:
        """Sheet-scoped defined names: (sheet, name) -> reference text."""
        return MappingProxyType(self._local_names)

    @property
    def notices(self) -> tuple[str, ...]:
        """Facts about the file worth a warning on import, in Chinese."""
        out = []
        if self.is_macro_enabled:
            out.append(f"文件“{self.name}”包含宏（VBA 或宏表）。本工具只读取单元格中保存的值，不会运行"
                       "任何宏；如数据由宏生成，请核对数值是否为最新。")
        if self.has_external_links:
            out.append(f"文件“{self.name}”含有指向其他工作簿的外部链接。本工具不会打开链接的文件，只读取"
                       "单元格中保存的计算结果；请核对相关数值，最好将公式改为数值后重新发送。")
        return tuple(out)

    # -- cells -------------------------------------------------------------------------------------

    def _part_digest(self, part: str) -> str | None:
        """SHA-256 of a part's inflated bytes, within the same bounds as :meth:`_parse`.

        None if the part cannot be read cleanly; the caller then parses it with
        :meth:`_parse`, which raises the precise error.
        """
        info = self._info(part)
        if info is None:
            return None
        limit = min(info.file_size, self.limits.max_entry_bytes)
        digest = hashlib.sha256()
        try:
            for chunk in self._inflate(info, limit):
                digest.update(chunk)
        except (_Oversize, zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error):
            return None
        return digest.hexdigest()

    def _inflate(self, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        """A part in 64 KiB chunks, counting the bytes actually inflated against ``limit``
        (declared sizes are not trusted); raises :class:`_Oversize` beyond it."""
        inflated = 0
        with self._zip.open(info) as stream:
            while chunk := stream.read(1 << 16):
                inflated += len(chunk)
                if inflated > limit:
                    raise _Oversize
                yield chunk

    def _style_table(self) -> list[tuple[str, bool, bool]]:
        if self._styles is None:
            part = self._parts["styles"] or "xl/styles.xml"
            if self._info(part) is None:
                self._styles = _Styles().table()
                return self._styles
            # Returned files are mostly copies of one template: identical styles parts are
            # parsed once per process (keyed by the SHA-256 of the inflated bytes).
            key = self._part_digest(part)
            table = _STYLE_CACHE.get(key) if key is not None else None
            if table is None:
                styles = _Styles()
                self._parse(part, styles.start, styles.end, what="样式（styles.xml）")
                table = styles.table()
                if key is not None:
                    if len(_STYLE_CACHE) >= 64:
                        _STYLE_CACHE.pop(next(iter(_STYLE_CACHE)))
                    _STYLE_CACHE[key] = table
            self._styles = table
        return self._styles

    def _shared_strings(self, needed: int | None) -> list[str]:
        """Shared strings, parsed up to index ``needed`` (all when None)."""
        sst = self._sst
        if sst is not None and (sst.complete or (needed is not None and len(sst.items) > needed)):
            return sst.items
        part = self._parts["sharedstrings"] or "xl/sharedStrings.xml"
        sst = _SharedStrings(self.limits, needed)
        if self._info(part) is not None:
            finished = []

            def end(name: str) -> None:
                sst.end(name)
                if _local(name) == "sst":
                    finished.append(True)

            # Namespaces off (faster): the part holds only main-namespace elements.
            self._parse(part, sst.start, end, sst.chars, "共享字符串（sharedStrings.xml）",
                        namespaces=False)
            sst.complete = bool(finished) or needed is None
        else:
            sst.complete = True
        self._sst = sst
        return sst.items

    def cells(self, sheet: str, wanted: Iterable[str] | None = None) -> dict[str, CellValue]:
        """The cells of ``sheet`` by address (``"B3"``).

        Without ``wanted``: every cell that holds a value or a formula (empty cells left out).
        With ``wanted`` (addresses such as ``"B3"`` or ``"$B$3"``): exactly those keys, normalised
        (``"B3"``), empty or absent cells as ``type == "blank"``; reading stops as soon as all
        are found or their last row is passed.
        """
        key = self._sheet_key(sheet)
        _state, kind, part = self._sheets[key]
        wanted_set = None if wanted is None else {normalize_address(a) for a in wanted}
        result: dict[str, CellValue] = {}
        if kind == "worksheet" and wanted_set != set():
            if part is None or self._info(part) is None:
                raise _fail(self.name, f"的工作表“{key}”内容缺失，文件可能已损坏。" + _RESAVE)
            start, end, chars, raw_cells = _sheet_handlers(self.limits, wanted_set)
            # Without namespace processing: inside <sheetData> only main-namespace elements
            # occur, and prefixes ("x:c") are stripped by the handlers.
            self._parse(part, start, end, chars, f"工作表“{key}”", namespaces=False)
            result = self._build_cells(key, raw_cells)
        if wanted_set is not None:
            return {a: result.get(a) or CellValue.blank(a) for a in sorted(wanted_set, key=_sort_key)}
        return result

    def _build_cells(self, sheet: str, raw_cells: list[_RawCell]) -> dict[str, CellValue]:
        styles = self._style_table()
        n_styles = len(styles)
        indices = [_index(v) for _, t, _, v, _, _ in raw_cells if t == "s"]
        needed = max((i for i in indices if i is not None), default=None)
        sst = self._shared_strings(needed) if needed is not None else []
        date1904 = self.date1904
        out: dict[str, CellValue] = {}
        for address, t, s, v, inline, has_f in raw_cells:
            fmt, is_date, is_pct = styles[s] if s < n_styles else ("General", False, False)
            extra = (has_f, is_date, is_pct, fmt, date1904)
            if t == "n":
                if not v:
                    cell = CellValue(address, "", None, "blank", *extra)
                else:
                    number = _to_decimal(v)
                    if number is None:  # not a finite number: keep the text, never guess
                        cell = CellValue(address, v, v, "s", *extra)
                    else:
                        cell = CellValue(address, v, number, "n", *extra)
            elif t == "s":
                index = _index(v)
                if index is None:
                    cell = CellValue(address, "", None, "blank", *extra)
                else:
                    if index >= len(sst):
                        raise _fail(self.name, f"的工作表“{sheet}”单元格 {address} 引用了不存在的共享"
                                               "字符串，文件已损坏。" + _RESAVE)
                    cell = CellValue(address, sst[index], sst[index], "s", *extra)
            elif t == "inlineStr":
                text = _unescape(inline if inline is not None else (v or ""))
                cell = CellValue(address, text, text, "s", *extra)
            elif t == "str":
                if v is None:
                    cell = CellValue(address, "", None, "blank", *extra)
                else:
                    text = _unescape(v)
                    cell = CellValue(address, text, text, "str", *extra)
            elif t == "b":
                flag = {"1": True, "0": False, "true": True, "false": False}.get((v or "").lower())
                if flag is None:
                    cell = CellValue(address, v or "", None if v is None else v,
                                     "blank" if v is None else "s", *extra)
                else:
                    cell = CellValue(address, v or "", flag, "b", *extra)
            elif t == "e":
                cell = CellValue(address, v or "#N/A", None, "e", *extra)
            elif t == "d":
                cell = CellValue(address, v or "", v, "d" if v else "blank", has_f, True, False,
                                 fmt, date1904)
            else:
                cell = CellValue(address, v or "", v, "s" if v else "blank", *extra)
            out[address] = cell
        return out

    # -- lifetime ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the in-memory copy of the file."""
        self._zip.close()
        self._data = b""

    def __enter__(self) -> SafeWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _index(text: str | None) -> int | None:
    """A shared-string index (ASCII digits only), else None."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


@functools.lru_cache(maxsize=65_536)
def _sort_key(address: str) -> tuple[int, int]:
    m = _REF_RE.match(address)
    assert m is not None
    return int(m.group(2)), column_number(m.group(1))


def read_file(path: str | Path, *, limits: Limits | None = None) -> bytes:
    """The bytes of a returned file, read once and bounded by ``limits.max_file_bytes``.

    Raises WorkbookFileError (Chinese message) for a missing file, a folder, an empty file, a
    file over the size limit or one that cannot be read. Nothing is parsed here.
    """
    limits = limits or Limits()
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise _fail(name, "不存在，可能已被移动或删除。请重新选择文件。") from exc
    except OSError as exc:
        raise _fail(name, f"无法读取（{exc.strerror}）。如果该文件正在 Excel 或 WPS 中打开，请先关闭"
                          "再导入。") from exc
    if path.is_dir():
        raise _fail(name, "是一个文件夹，不是 Excel 工作簿。请选择其中的 .xlsx 文件。")
    if size == 0:
        raise _fail(name, "是空文件（0 字节），可能在保存或发送时出错。" + _ASK_AGAIN)
    if size > limits.max_file_bytes:
        raise _fail(name, f"大小为 {_size_text(size)}，超过允许的 {_size_text(limits.max_file_bytes)}，"
                          "不像是本次填报的模板文件。请确认文件是否正确，或删除多余的图片和工作表后另存"
                          "再导入。")
    try:
        with path.open("rb") as fh:
            data = fh.read(size + 1)  # not max_file_bytes: read(n) allocates n bytes up front
    except OSError as exc:
        raise _fail(name, f"无法读取（{exc.strerror}）。如果该文件正在 Excel 或 WPS 中打开，请先关闭"
                          "再导入。") from exc
    if len(data) > limits.max_file_bytes:
        raise _fail(name, f"大小超过允许的 {_size_text(limits.max_file_bytes)}。请确认文件是否正确。")
    return data


def open_bytes(data: bytes, path: str | Path, *, limits: Limits | None = None) -> SafeWorkbook:
    """Open a returned workbook from bytes already read (``path`` names it in messages).

    The same sniffing and bounds as :func:`open_workbook`, for callers that keep the exact
    bytes they validated (the importer stores those, never a second read of the file).
    """
    limits = limits or Limits()
    path = Path(path)
    name = path.name
    if len(data) > limits.max_file_bytes:
        raise _fail(name, f"大小超过允许的 {_size_text(limits.max_file_bytes)}。请确认文件是否正确。")
    if not data:
        raise _fail(name, "是空文件（0 字节），可能在保存或发送时出错。" + _ASK_AGAIN)
    if data.startswith(OLE_SIGNATURE):
        raise _refuse_ole(name, data)
    if not data.startswith(b"PK"):
        raise _refuse_not_zip(name, data)
    return SafeWorkbook(path, data, limits)


def open_workbook(path: str | Path, *, limits: Limits | None = None) -> SafeWorkbook:
    """Open a returned workbook safely; raises WorkbookFileError with a Chinese message."""
    return open_bytes(read_file(path, limits=limits), path, limits=limits)
