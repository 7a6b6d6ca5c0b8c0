"""Defused expat parsing and the small parts of a workbook: relationships, workbook.xml,
styles, shared strings, cell addresses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

from .model import Limits, SheetState

# --------------------------------------------------------------------------------------------
# XML: expat with DTDs and entities forbidden


class _Forbidden(Exception):
    """The XML declares a DTD or an entity (never written by Excel; bomb or XXE)."""


class _Oversize(Exception):
    """A part inflated beyond its declared size or the limit."""


class _Stop(Exception):
    """Everything wanted has been read; stop parsing this part."""


class _OverBudget(Exception):
    """The parts read of one file together passed the file's inflate or tag budget."""


class _Ambiguous(Exception):
    """The sheet says two things where Excel keeps one (a cell or a row written twice, cells
    out of order): which one Excel shows is not known, so nothing is read."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


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
    return _ESCAPE_RE.sub(_escaped_char, text)


def _escaped_char(m: re.Match[str]) -> str:
    """One ``_xHHHH_``; a lone surrogate half (never a character) becomes U+FFFD, since it could
    be neither stored nor written again."""
    code = int(m.group(1), 16)
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)


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
