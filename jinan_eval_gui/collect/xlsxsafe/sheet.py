"""Streaming the cells of one worksheet part (expat handlers), with one reading of each cell.

Excel writes every row once, in ascending order, and every cell once, left to right, with one
value. A file that does otherwise (a cell or a row written twice, a boolean stored as 2, a
value both in ``<v>`` and ``<is>``) can make a reader show another value than Excel does, so
these are never resolved by taking the first or the last: rows and cells out of order make the
sheet unreadable (:class:`_Ambiguous`), a contradictory cell becomes a ``"bad"`` cell with its
problem in Chinese. Stored numbers are checked for length and exponent before any Decimal work.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal

from .model import CellValue, Limits
from .xmlparts import _REF_RE, _Ambiguous, _Stop, _TooMany, _unescape, column_letters, column_number

#: (address, t, style, <v> text, <is> text, has formula, problem)
_RawCell = tuple[str, str, int, "str | None", "str | None", bool, str]

#: Elements that follow ``<mergeCells>`` in a worksheet (CT_Worksheet order): when one starts,
#: every merged range has been read.
_AFTER_MERGES = frozenset({
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
    "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF",
    "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
})
MAX_MERGED_RANGES = 10_000
#: Excel writes a number in at most 17 significant digits plus an exponent ("-1.2345678901234567E-307").
MAX_NUMBER_CHARS = 40
#: Excel's doubles reach 1.8E+308; below 2.2E-308 Excel itself shows 0.
MAX_EXPONENT = 308


class _SheetCells:
    """What :func:`_sheet_handlers` collected: the kept cells and the merged ranges."""

    __slots__ = ("cells", "merges")

    def __init__(self) -> None:
        self.cells: list[_RawCell] = []
        self.merges: list[str] = []


def _sheet_handlers(
    limits: Limits, wanted: set[str] | None
) -> tuple[Callable[..., None], Callable[[str], None], Callable[[str], None], _SheetCells]:
    """Expat handlers for ``sheetN.xml`` (parsed without namespace processing) and their output.

    Reads the whole ``<sheetData>`` (bounded by the cell cap and the file's budgets), keeping the
    ``wanted`` cells (every cell with content when None), then the merged ranges after it.
    Checks that rows ascend, that each cell lies in its row with columns ascending, and that a
    cell holds one value. Closures over local state rather than a class: this is the hot loop
    of the reader.
    """
    max_cells, max_chars = limits.max_cells_per_sheet, limits.max_cell_chars
    out = _SheetCells()
    append, merges = out.cells.append, out.merges
    count = row = col = values = 0
    ref, t, s, f = "", "n", 0, False
    v: str | None = None
    inline: list[str] | None = None
    text: str | None = None
    capture = in_cell = in_row = in_is = in_rph = after_data = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count, row, col, values, ref, t, s, f, v, inline, text, capture, in_cell
        nonlocal in_row, in_is, in_rph
        if ":" in name:
            name = name[name.rfind(":") + 1 :]
        if name == "c":
            if in_cell or not in_row:
                raise _Ambiguous("有单元格不在行的记录中")
            count += 1
            if count > max_cells:
                raise _TooMany(f"单元格超过 {max_cells} 个")
            r = attrs.get("r")
            if r:
                ref = r if r.isupper() else r.upper()
                key = _address_key(ref)
                if key is None:
                    raise _Ambiguous(f"单元格地址“{_brief(r)}”无效")
                if key[0] != row:
                    raise _Ambiguous(f"单元格 {ref} 写在第 {row} 行的记录中")
                if key[1] <= col:
                    raise _Ambiguous(f"单元格 {ref} 出现了两次（或同一行中单元格的顺序颠倒）")
                col = key[1]
            else:
                col += 1
                ref = f"{column_letters(col)}{row}"
            t = attrs.get("t", "n")
            style = attrs.get("s")
            s = int(style) if style and style.isascii() and style.isdigit() else 0
            f = False
            v = inline = None
            values = 0
            in_cell = True
        elif name == "v":
            capture = True
            text = None
        elif name == "f":
            f = True
        elif name == "row":
            if in_row:
                raise _Ambiguous(f"第 {row} 行的记录中又写了一行")
            r = attrs.get("r")
            if r is None:
                new_row = row + 1
            elif r.isascii() and r.isdigit() and len(r) <= 7:
                new_row = int(r)
            else:
                raise _Ambiguous(f"行号“{_brief(r)}”无效")
            if new_row <= row:
                raise _Ambiguous(f"第 {new_row} 行出现了两次（或行的顺序颠倒）")
            row, col, in_row = new_row, 0, True
        elif name == "is":
            in_is = True
            inline = []
        elif name == "t":
            if in_is and not in_rph:
                capture = True
                text = None
        elif name == "rPh":
            in_rph = True
        elif after_data:
            if name == "mergeCell":
                if len(merges) >= MAX_MERGED_RANGES:
                    raise _TooMany(f"合并单元格超过 {MAX_MERGED_RANGES} 处")
                merges.append(attrs.get("ref", ""))
            elif name in _AFTER_MERGES:
                raise _Stop

    def end(name: str) -> None:
        nonlocal v, values, capture, in_cell, in_row, in_is, in_rph, after_data
        if ":" in name:
            name = name[name.rfind(":") + 1 :]
        if name == "c":
            in_cell = False
            if wanted is not None and ref not in wanted:
                return
            joined = None if inline is None else "".join(inline)
            problem = ""
            if values > 1:
                shown = "”与“".join(_brief(x) for x in (v, joined) if x is not None)
                problem = f"单元格中保存了不止一个值（“{shown}”）"
            if v is not None or joined is not None or f or wanted or problem:
                append((ref, t, s, v, joined, f, problem))
        elif name == "v":
            capture = False
            if in_cell:
                values += 1
                v = text if text is not None else ""
        elif name == "t":
            if capture and inline is not None:
                inline.append(text or "")
            capture = False
        elif name == "is":
            in_is = False
            values += 1
        elif name == "rPh":
            in_rph = False
        elif name == "row":
            in_row = False
        elif name == "sheetData":
            after_data = True
        elif name == "mergeCells" or name == "worksheet":
            raise _Stop

    def chars(data: str) -> None:
        nonlocal text
        if capture:
            text = data if text is None else text + data
            if len(text) > max_chars:
                raise _TooMany(f"有单元格文字超过 {max_chars} 个字符")

    return start, end, chars, out


# --------------------------------------------------------------------------------------------
# Cell values


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _brief(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stored_number(text: str) -> Decimal | str:
    """A number cell's stored text as a Decimal, or why not (a Chinese problem).

    The length is capped before any Decimal work, and the exponent checked on the Decimal's
    own (cheap) adjusted exponent, never by expanding it: ``1E+999999999`` costs nothing here
    and is refused as beyond what Excel can hold, as is ``1E-999999999`` (never read as 0).
    """
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS:
        return f"数值单元格保存了 {len(text)} 位的“{_brief(text)}”，超出 Excel 能保存的数字"
    if not _NUMBER_RE.fullmatch(text):
        return f"数值单元格保存的“{_brief(text)}”不是数字"
    number = Decimal(text)
    if number and not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        return f"数值 {_brief(text)} 超出 Excel 能表示的范围"
    return number


_BOOLEANS = {"1": True, "0": False, "true": True, "false": False}


def _cell_value(raw: _RawCell, sst: list[str], extra: tuple[bool, bool, bool, str, bool]
                ) -> CellValue | str:
    """One cell as a :class:`CellValue`; a shared-string index beyond the table returns "sst"
    (the caller refuses the file: it is damaged, not ambiguous)."""
    address, t, _s, v, inline, has_f, problem = raw
    if problem:
        return _bad(address, v if v is not None else inline or "", problem, extra)
    if inline is not None and t != "inlineStr":  # an <is> in a cell of another type
        return _bad(address, inline, f"单元格类型为“{_brief(t)}”，却保存了行内文字“{_brief(inline)}”",
                    extra)
    if t == "n":
        if not v:
            return CellValue(address, "", None, "blank", *extra)
        number = _stored_number(v)
        if isinstance(number, str):
            return _bad(address, v, number, extra)
        return CellValue(address, v, number, "n", *extra)
    if t == "s":
        if v is None or not v.strip():
            return CellValue(address, "", None, "blank", *extra)
        index = _index(v)
        if index is None:
            return _bad(address, v, f"共享字符串编号“{_brief(v)}”无效", extra)
        if index >= len(sst):
            return "sst"
        return CellValue(address, sst[index], sst[index], "s", *extra)
    if t == "inlineStr":
        text = _unescape(inline if inline is not None else (v or ""))
        return CellValue(address, text, text, "s", *extra)
    if t == "str":
        if v is None:
            return CellValue(address, "", None, "blank", *extra)
        text = _unescape(v)
        return CellValue(address, text, text, "str", *extra)
    if t == "b":
        if v is None:
            return CellValue(address, "", None, "blank", *extra)
        flag = _BOOLEANS.get(v.strip().lower())
        if flag is None:
            return _bad(address, v, f"逻辑值单元格保存的是“{_brief(v)}”（应为 0 或 1）", extra)
        return CellValue(address, v, flag, "b", *extra)
    if t == "e":
        return CellValue(address, v or "#N/A", None, "e", *extra)
    if t == "d":
        has_f, _is_date, _is_pct, fmt, date1904 = extra
        return CellValue(address, v or "", v, "d" if v else "blank", has_f, True, False, fmt,
                         date1904)
    return _bad(address, v or "", f"单元格类型“{_brief(t)}”无法识别", extra)


def _bad(address: str, raw: str, problem: str, extra: tuple[bool, bool, bool, str, bool]
         ) -> CellValue:
    return CellValue(address, _brief(raw, 100), None, "bad", *extra, problem=problem)


def _index(text: str | None) -> int | None:
    """A shared-string index (ASCII digits only, at most 9), else None."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@functools.lru_cache(maxsize=65_536)
def _address_key(address: str) -> tuple[int, int] | None:
    """``(row, column)`` of a cell address such as ``"D8"``, None if it is not one."""
    m = _REF_RE.match(address)
    if m is None or "$" in address:
        return None
    return int(m.group(2)), column_number(m.group(1))


def _sort_key(address: str) -> tuple[int, int]:
    key = _address_key(address)
    assert key is not None
    return key


# --------------------------------------------------------------------------------------------
# Merged ranges


def _merge_bounds(ref: str) -> tuple[int, int, int, int] | None:
    """``(first row, first column, last row, last column)`` of ``"C8:D9"``; None if invalid."""
    first, _, last = ref.strip().upper().partition(":")
    a, b = _address_key(first), _address_key(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def hidden_by_merge(addresses: set[str], merges: list[str]) -> dict[str, str]:
    """``{address: anchor}`` for each address inside a merged range but not its top-left cell:
    Excel shows the anchor's content there, whatever the cell itself stores."""
    by_row: dict[int, list[tuple[int, str]]] = {}
    for address in addresses:
        key = _address_key(address)
        if key is not None:
            by_row.setdefault(key[0], []).append((key[1], address))
    out: dict[str, str] = {}
    if not by_row:
        return out
    for ref in merges:
        bounds = _merge_bounds(ref)
        if bounds is None:
            continue
        r1, c1, r2, c2 = bounds
        rows = (range(r1, r2 + 1) if r2 - r1 < len(by_row)
                else [r for r in by_row if r1 <= r <= r2])
        for r in rows:
            for c, address in by_row.get(r, ()):
                if c1 <= c <= c2 and (r, c) != (r1, c1):
                    out.setdefault(address, f"{column_letters(c1)}{r1}")
    return out
