"""Per-unit data-collection templates (数据采集表), written with xlsxwriter.

One workbook per (entity, unit) holds exactly the indicators the catalogue gives that unit.
Sheets:

* ``填报说明`` — cover: round, deadline, contact, numbered steps, colour legend, indicator list.
* ``数据填报`` — per indicator a header block (id, name, 指标说明, 评估方法, 评分口径, 责任单位),
  one row per input (label, unit, **value cell**, hint, **evidence cell**), tables as small
  grids, one notes cell per indicator, and the filler block (填报人 …) at the end.
* ``_lists`` (hidden) — option labels of ``choice`` inputs, referred to by defined names.
* ``_meta`` (hidden) — the identity and the input map (docs/DESIGN.md "Template identity").

Only input cells are unlocked; every sheet is protected without a password (units may resize
rows and columns). Every input cell carries a data validation matching its kind and bounds.
Blank cells pass validation: "required" is checked at import.

The input map (``_meta`` from :data:`MAP_HEADER_ROW`) has a header row and then one row per
input cell; all values are strings. Keys starting with ``_`` are not catalogue inputs:
``_notes`` (the indicator's notes), ``_evidence.<key>`` (佐证材料说明 of input ``<key>``) and
``_filler.<name>`` (the filler block; no indicator). :func:`parse_meta` reads both parts back
from plain rows of values, whichever reader produced them.
"""

from __future__ import annotations

from .contract import (
    COVER_SHEET,
    DATA_SHEET,
    DEFINED_NAMES,
    EVIDENCE_PREFIX,
    FILLER_FIELDS,
    FILLER_PREFIX,
    FORMAT_NAME,
    IDENTITY_KEYS,
    LISTS_SHEET,
    MAP_COLUMNS,
    MAP_HEADER_ROW,
    MAP_NAME,
    META_SHEET,
    NOTES_KEY,
    TEMPLATE_VERSION,
    TEXT_MAX_LENGTH,
    InputCell,
    TemplateMeta,
    TemplateRequest,
    file_name,
    parse_meta,
    requests_for_entity,
)
from .layout import input_guidance
from .writer import generate, generate_all

__all__ = ["COVER_SHEET", "DATA_SHEET", "DEFINED_NAMES", "EVIDENCE_PREFIX", "FILLER_FIELDS", "FILLER_PREFIX", "FORMAT_NAME", "IDENTITY_KEYS", "InputCell", "LISTS_SHEET", "MAP_COLUMNS", "MAP_HEADER_ROW", "MAP_NAME", "META_SHEET", "NOTES_KEY", "TEMPLATE_VERSION", "TEXT_MAX_LENGTH", "TemplateMeta", "TemplateRequest", "file_name", "generate", "generate_all", "input_guidance", "parse_meta", "requests_for_entity"]
