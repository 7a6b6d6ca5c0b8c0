"""One returned workbook, read and checked on its own (nothing written anywhere).

A returned file is untrusted. It is read once, bounded, and only through :mod:`xlsxsafe` (no
entities, nothing extracted to disk, nothing executed or followed); identified by the identity and
input map its template carries (never by guessing cell positions): the round, entity, unit,
catalogue version and template version must match, the input map must list exactly the cells a
template of that unit has, and every mapped row must still carry its label, so rows inserted,
deleted or moved and labels changed are refused. Every value is then parsed by :mod:`values` as
people type it and checked (required, bounds, the catalogue's cross-field checks, evidence for a
yes answer). What cannot be read exactly becomes a finding naming file, sheet, cell, indicator and
input, in Chinese, never a guess.

:mod:`importer` then decides against the round what the file changes and stores it.
"""

from __future__ import annotations

from .inputs import check_failed, check_inputs
from .plan import unit_plan
from .reading import IMPORT_LIMITS, read_return
from .result import (
    CATEGORY_FILE,
    CATEGORY_INFO,
    CATEGORY_MISSING,
    CATEGORY_VERIFY,
    CATEGORY_WRONG,
    DECISION_LABELS,
    MAX_DIFF_TEXT,
    NOT_USED,
    SEVERITY_LABELS,
    STATUS_LABELS,
    ConflictNote,
    Diff,
    FileResult,
    capped,
    finding,
    finding_category,
    finding_json,
    input_label,
    is_refused_entry,
    is_wrong_entry,
    label_of,
    plain,
    stored_form,
)

__all__ = ["CATEGORY_FILE", "CATEGORY_INFO", "CATEGORY_MISSING", "CATEGORY_VERIFY", "CATEGORY_WRONG", "finding_category", "is_wrong_entry", "is_refused_entry", "NOT_USED", "ConflictNote", "DECISION_LABELS", "Diff", "FileResult", "IMPORT_LIMITS", "MAX_DIFF_TEXT", "SEVERITY_LABELS", "STATUS_LABELS", "capped", "check_failed", "check_inputs", "finding", "finding_json", "input_label", "label_of", "plain", "read_return", "stored_form", "unit_plan"]
