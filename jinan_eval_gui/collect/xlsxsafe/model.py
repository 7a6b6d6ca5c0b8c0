"""What the bounded reader returns and the limits it enforces, and its Chinese refusals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from jinan_eval_gui.errors import WorkbookFileError

MiB = 1024 * 1024
GiB = 1024 * MiB

CellType = Literal["n", "s", "b", "e", "str", "d", "blank", "bad"]
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
    max_read_bytes: int = 256 * MiB
    """Bytes inflated from all the parts read of one file, together: the per-part bounds
    alone would let five parts of 100 MiB each cost minutes of parsing."""
    max_read_tags: int = 10_000_000
    """XML tags (``<``) parsed in all the parts read of one file, together: the work of the
    handlers is per tag, so a flood of tiny elements costs more than its bytes suggest."""


class CellValue(NamedTuple):
    """One cell as stored in the file (the cached value of a formula, never recomputed).

    ``type`` is ``"n"`` (number, ``value`` a Decimal of the stored text), ``"s"`` (shared or inline
    string), ``"str"`` (string result of a formula), ``"b"`` (boolean), ``"e"`` (error such as
    ``#DIV/0!``: ``raw`` holds the code, ``value`` is None), ``"d"`` (ISO 8601 date text, rare),
    ``"blank"`` (``raw`` "" and ``value`` None) or ``"bad"``: the file says two things about the
    cell or something Excel cannot show (two values, a boolean stored as 2, a number beyond
    Excel's range, a cell hidden under a merged range), so what Excel shows is not known;
    ``value`` is None and ``problem`` says why in Chinese. ``raw`` is the stored text.

    Immutable. A named tuple rather than a frozen dataclass: a returned file has a thousand
    cells or more, and a frozen dataclass takes about seven times as long to make one.
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
    problem: str = ""

    @classmethod
    def blank(cls, address: str) -> CellValue:
        """An empty cell."""
        return cls(address, "", None, "blank")

    @property
    def is_blank(self) -> bool:
        return self.type == "blank"

    @property
    def is_bad(self) -> bool:
        """True when what Excel shows in this cell cannot be known (see ``problem``)."""
        return self.type == "bad"


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
