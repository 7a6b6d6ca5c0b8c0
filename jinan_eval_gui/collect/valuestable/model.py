"""What one values table holds, whatever its form: entries, settings, and the shared texts.

Every form (JSON, the long .xlsx/.csv table) is read into the same :class:`ValuesTable`; the
checks and the import never look at the form again. An :class:`Entry` is one value as the file
gives it (a table cell is one entry), with where it stands in the file, so a finding can name
the JSON path or the sheet and row a person has to correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import ValuesFileError

from ..xlsxsafe import CellValue, MiB

FORMAT = "jinan-eval-values"
VERSION = 1
FORMATS = {".json": "json", ".xlsx": "xlsx", ".csv": "csv"}
FORMAT_LABELS = {"json": "JSON", "xlsx": "Excel 表格", "csv": "CSV 表格"}

#: A values table is data, not a workbook with pictures: a few hundred kilobytes per entity.
MAX_FILE_BYTES = 16 * MiB
#: Values (each table cell counts) and rows of one file: far above 16 entities x 88 indicators.
MAX_ENTRIES = 300_000
#: Characters of a name (entity, unit, key) in the file; longer is not one of ours.
MAX_NAME = 100

SOURCE_PREFIX = "数据表："
"""Stored values of a values table that names no unit are recorded under a source of their own,
``数据表：<source>``: never under a responsible unit, so a value that differs from a unit's own
return is a conflict for the office to resolve, never a silent replacement."""
DEFAULT_SOURCE = "外部数据"

# The long form (.xlsx, .csv): one row per value, Chinese headers.
SHEET = "填报数据"
KIND_VALUE, KIND_PARAM, KIND_CHOICE, KIND_OVERRIDE = "填报值", "评价参数", "假设选择", "专家评分"
ROW_KINDS = (KIND_VALUE, KIND_PARAM, KIND_CHOICE, KIND_OVERRIDE)
HEADERS = ("类别", "评价对象", "指标编号", "指标名称", "填报项", "填报项名称", "填报单位", "行号",
           "列", "列名称", "值", "计量单位", "说明")
REQUIRED_HEADERS = ("评价对象", "指标编号", "填报项", "行号", "列", "值")
"""Columns a long table must have; 类别 (default 填报值), 填报单位 and 说明 are optional, and the
name and unit-of-measure columns are written for people and not read back."""

Raw = Decimal | str | bool | CellValue | None
"""A value as the file gives it: a JSON number (exact), text, a JSON boolean, an .xlsx cell
(read by the bounded reader, with its number format), or None (not reported)."""


@dataclass(frozen=True)
class Entry:
    """One value of the file: an input of an indicator for an entity (a table cell is one)."""

    entity: str
    indicator_id: int
    key: str
    value: Raw
    sheet: str
    cell: str
    unit: str = ""
    """The responsible unit (or another values table's source) the value is given for; empty
    for a value of the indicator as a whole."""
    row: int | None = None
    column: str = ""


@dataclass(frozen=True)
class Setting:
    """A round parameter or an assumption's choice given by the file."""

    key: str
    value: Raw
    sheet: str
    cell: str


@dataclass(frozen=True)
class OverrideEntry:
    """An expert score (专家评分) given by the file for an entity's indicator."""

    entity: str
    indicator_id: int
    score: Raw
    reason: str
    sheet: str
    cell: str


@dataclass
class ValuesTable:
    """Everything one values file holds, in file order."""

    path: Path
    format: str
    sha256: str
    entries: list[Entry] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    params: list[Setting] = field(default_factory=list)
    choices: list[Setting] = field(default_factory=list)
    overrides: list[OverrideEntry] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    """What the file says about where it comes from (JSON ``round``: name, year, catalogue)."""


# ---------------------------------------------------------------------------------------
# Shared helpers of the readers
# ---------------------------------------------------------------------------------------
def refused(path: Path, where: str, text: str, hint: str = "") -> ValuesFileError:
    """The file refused as a whole, saying where and what to do (nothing was imported)."""
    place = f"{where}：" if where else ""
    return ValuesFileError(f"数据表“{path.name}”{place}{text}，未导入任何数据",
                           hint=hint or "请改正后重新导入")


def format_of(path: Path) -> str:
    """``json``, ``xlsx`` or ``csv`` by the file's suffix; ValuesFileError for any other."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValuesFileError(f"文件“{path.name}”不是数据表：只支持 .json、.xlsx 和 .csv 文件",
                              hint="请选择导出的数据表文件，或把数据另存为其中一种格式")
    return fmt


_DECIMAL_RE = re.compile(r"[+-]?[0-9]{1,40}(\.[0-9]{1,40})?")
_ID_RE = re.compile(r"[1-9][0-9]{0,3}")


def plain_decimal(text: str) -> Decimal | None:
    """Text that is a plain decimal number (``12``, ``-0.5``) as an exact Decimal, else None:
    anything else (``85%``, ``1,234``, ``约100``) is read as people type it, with findings."""
    text = text.strip()
    return Decimal(text) if _DECIMAL_RE.fullmatch(text) else None


#: Numbers beyond these are not data but an attack or a broken export: the file is refused
#: (numbers within them but implausible, such as 1E+25 or -5, are findings like a workbook's).
MAX_NUMBER_DIGITS = 60
MAX_NUMBER_EXPONENT = 400


def unreadable_number(value: object) -> bool:
    """True for a number (or numeric text) with more digits or a larger exponent than any
    value can have (``1E+999999999``, a thousand digits): refused, never parsed further."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return (not value.is_finite() or len(value.as_tuple().digits) > MAX_NUMBER_DIGITS
                or abs(int(exponent)) > MAX_NUMBER_EXPONENT)
    if not isinstance(value, str):
        return False
    mantissa, _, exponent = value.strip().lstrip("+-").lower().partition("e")
    if not mantissa or mantissa.strip("0123456789.,") or not any(c.isdigit() for c in mantissa):
        return False
    sign_free = exponent.lstrip("+-")
    if exponent and (not sign_free.isascii() or not sign_free.isdigit()):
        return False
    return (sum(c.isdigit() for c in mantissa) > MAX_NUMBER_DIGITS
            or (bool(exponent) and (len(sign_free) > 6 or int(sign_free) > MAX_NUMBER_EXPONENT)))


def indicator_id(text: str) -> int | None:
    """An indicator number as written (``12``), or None when it is not one."""
    text = text.strip()
    if text.endswith(".0"):  # a number cell of a spreadsheet
        text = text[:-2]
    return int(text) if _ID_RE.fullmatch(text) else None


def short(text: object, limit: int = 40) -> str:
    """Text from the file, shortened for a message."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"
