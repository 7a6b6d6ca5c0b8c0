"""The survey questionnaire (市民体验调查问卷) as data: model and validating loader.

The default questionnaire is ``resources/survey/questionnaire.toml``; the office may replace it.
It fixes how indicator 88's score is computed from the answers (options → points, weights,
不了解/不适用 left out) and is kept with every imported survey so the score can be recomputed.
"""

from __future__ import annotations

from .loader import (
    build_questionnaire,
    check_against_catalogue,
    default_path,
    load_questionnaire,
    questionnaire_from_json,
)
from .model import (
    COLUMN_ROLES,
    EXCLUSION_RULES,
    KIND_LABELS,
    Dimension,
    Option,
    Question,
    Questionnaire,
    leading_number,
    plain_text,
)

__all__ = ["COLUMN_ROLES", "EXCLUSION_RULES", "KIND_LABELS", "Dimension", "Option", "Question", "Questionnaire",
           "build_questionnaire", "check_against_catalogue", "default_path", "leading_number",
           "load_questionnaire", "plain_text", "questionnaire_from_json"]
