"""Streaming the cells of one worksheet part (expat handlers), bounded by the wanted cells."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from .model import Limits
from .xmlparts import _REF_RE, _Stop, _TooMany, column_letters, column_number

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
