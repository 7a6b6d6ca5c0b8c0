"""Survey responses (市民体验调查) in: a platform's export read, matched, cleaned and scored.

``table`` reads the untrusted .xlsx (bounded reader) or .csv (UTF-8, BOM, GB18030) into a
pandas table of answer texts; ``mapping`` matches columns to questions; ``answers`` turns
texts into points; ``cleaning`` excludes rows with reasons; ``weighting`` post-stratifies;
``estimate`` scores and gives the 95 % interval; ``scoring`` strings them together;
``sample`` makes synthetic exports. pandas and numpy are imported inside functions only, so
importing this package costs nothing on the window's start-up path.
"""

from __future__ import annotations

from .cleaning import Exclusion, Thresholds
from .mapping import ColumnMap, ColumnMatch, match_columns, parse_mapping
from .result import (
    INTERVAL_LABELS,
    UNKNOWN_LABELS,
    WEIGHTING_LABELS,
    SurveyResult,
    from_json,
    method_text,
    round2,
)
from .sample import sample_rows, write_sample
from .scoring import INTERVALS, UNKNOWNS, WEIGHTINGS, Method, score_table
from .table import MAX_FILE_BYTES, ResponseTable, read_bytes, read_table

__all__ = ["INTERVALS", "INTERVAL_LABELS", "MAX_FILE_BYTES", "Method",
           "UNKNOWNS", "UNKNOWN_LABELS", "WEIGHTINGS", "WEIGHTING_LABELS", "ColumnMap",
           "ColumnMatch", "Exclusion", "ResponseTable", "SurveyResult", "Thresholds",
           "from_json", "match_columns", "method_text", "parse_mapping", "read_bytes", "read_table",
           "round2", "sample_rows", "score_table", "write_sample"]
