"""The template's contract with the importer: sheet names, identity keys, the input map.

Everything the importer relies on to recognise a returned file lives here, apart from how the
workbook is drawn (:mod:`.layout`, :mod:`.writer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import TemplateError
from jinan_eval_gui.system.filenames import sanitize_filename

FORMAT_NAME = "jinan-eval-template"
TEMPLATE_VERSION = "1"

COVER_SHEET = "填报说明"
DATA_SHEET = "数据填报"
LISTS_SHEET = "_lists"
META_SHEET = "_meta"


#: ``_meta`` key/value rows (A1:B*), in this order; more keys may follow before the map.
IDENTITY_KEYS = (
    "format", "template_version", "round_id", "round_name", "year", "entity", "unit",
    "catalogue_version", "catalogue_hash",
)
#: Workbook defined names and the identity key each points at (``_meta`` column B).
DEFINED_NAMES = {
    "JE_FORMAT": "format",
    "JE_TEMPLATE_VERSION": "template_version",
    "JE_ROUND_ID": "round_id",
    "JE_ROUND_NAME": "round_name",
    "JE_YEAR": "year",
    "JE_ENTITY": "entity",
    "JE_UNIT": "unit",
    "JE_CATALOGUE_VERSION": "catalogue_version",
    "JE_CATALOGUE_HASH": "catalogue_hash",
}
#: 1-based row of the input map's header in ``_meta``; the map's rows follow it.
MAP_HEADER_ROW = 20
MAP_COLUMNS = ("indicator_id", "input_key", "row_index", "column_key", "sheet", "cell", "label")
#: Defined name of the whole input map (header row included).
MAP_NAME = "JE_INPUT_MAP"

NOTES_KEY = "_notes"
EVIDENCE_PREFIX = "_evidence."
FILLER_PREFIX = "_filler."
FILLER_FIELDS = (
    ("name", "填报人", "请填写填报人姓名"),
    ("phone", "联系电话", "请填写填报人的办公电话或手机号码"),
    ("date", "填报日期", "请按 2025-01-15 的格式填写日期"),
    ("reviewer", "审核人", "请填写本单位审核人（分管负责人）姓名"),
)
TEXT_MAX_LENGTH = 2000
PERCENT_HINT = "请填写0-100之间的数值，如85表示85%"


ProgressFn = Callable[[int, int, str], None]
CancelledFn = Callable[[], bool]


# ---------------------------------------------------------------------------------------
# Public data
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateRequest:
    """What one template is for. Empty catalogue version/hash mean "the catalogue's own"."""

    round_id: str
    round_name: str
    year: int
    entity: str
    unit: str
    deadline: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    catalogue_version: str = ""
    catalogue_hash: str = ""


@dataclass(frozen=True)
class GeneratedTemplate:
    """A written template: where it is and what it holds."""

    path: Path
    unit: str
    entity: str
    sha256: str
    indicator_ids: tuple[int, ...]
    input_count: int
    """Catalogue inputs in the template (a table counts once)."""
    cell_count: int
    """Rows of the input map: every input cell incl. table cells, evidence, notes, filler."""


@dataclass(frozen=True)
class InputCell:
    """One row of the input map: which input a cell of the template holds."""

    indicator_id: int | None
    input_key: str
    row_index: int | None
    column_key: str
    sheet: str
    cell: str
    label: str

    @property
    def is_catalogue_input(self) -> bool:
        """False for notes, evidence and filler cells (keys starting with ``_``)."""
        return not self.input_key.startswith("_")


@dataclass(frozen=True)
class TemplateMeta:
    """The identity (key/value rows) and the input map read back from ``_meta``."""

    identity: dict[str, str]
    cells: tuple[InputCell, ...] = field(default=())


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def requests_for_entity(
    catalogue: Catalogue, *, round_id: str, round_name: str, year: int, entity: str,
    deadline: str = "", contact_person: str = "", contact_phone: str = "",
    units: Iterable[str] | None = None,
) -> list[TemplateRequest]:
    """One request per unit (default: every catalogue unit that has indicators)."""
    names = list(units) if units is not None else list(catalogue.unit_names)
    return [
        TemplateRequest(
            round_id=str(round_id), round_name=round_name, year=year, entity=entity, unit=u,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            catalogue_version=catalogue.version, catalogue_hash=catalogue.hash,
        )
        for u in names
        if catalogue.indicators_for_unit(u)
    ]


def file_name(request: TemplateRequest) -> str:
    """``{year}年度_{entity}_{unit}_数据采集表.xlsx`` with characters Windows refuses replaced."""
    return sanitize_filename(f"{request.year}年度_{request.entity}_{request.unit}_数据采集表") + ".xlsx"


def parse_meta(rows: Iterable[Sequence[Any]]) -> TemplateMeta:
    """Read identity and input map from the rows of ``_meta`` (cell values, row 1 first).

    Accepts rows from openpyxl or python-calamine (numbers may come back as floats).
    """
    identity: dict[str, str] = {}
    cells: list[InputCell] = []
    header_seen = False
    for n, row in enumerate(rows, 1):
        values = [_meta_text(v) for v in row]
        if n < MAP_HEADER_ROW:
            if len(values) >= 2 and values[0]:
                identity[values[0]] = values[1]
            continue
        if n == MAP_HEADER_ROW:
            if tuple(values[: len(MAP_COLUMNS)]) != MAP_COLUMNS:
                raise TemplateError("模板的隐藏工作表“_meta”中填报项清单的表头不符",
                                    hint="请使用本轮评价下发的原始模板")
            header_seen = True
            continue
        values += [""] * (len(MAP_COLUMNS) - len(values))
        ind, key, row_index, column_key, sheet, cell, label = values[: len(MAP_COLUMNS)]
        if not key:
            continue
        try:
            cells.append(InputCell(
                indicator_id=int(ind) if ind else None, input_key=key,
                row_index=int(row_index) if row_index else None, column_key=column_key,
                sheet=sheet, cell=cell, label=label,
            ))
        except ValueError as exc:
            raise TemplateError(f"模板的隐藏工作表“_meta”第 {n} 行已被改动",
                                hint="请使用本轮评价下发的原始模板") from exc
    if not header_seen:
        raise TemplateError("模板的隐藏工作表“_meta”中缺少填报项清单",
                            hint="请使用本轮评价下发的原始模板")
    return TemplateMeta(identity, tuple(cells))


def _meta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
