"""Synthetic filler: fill generated templates the way a unit would, for demos and tests.

:func:`fill_dir` finds every template in a folder, locates the input cells through the
template's own input map (``_meta``), and writes plausible values for Jinan with openpyxl
(which keeps the template's validations, protection, hidden sheets and defined names):
denominators before numerators, so the catalogue's cross-field checks hold; yes/no as 是/否;
choices as their labels; tables with a few rows; the filler block filled.

``blank_share`` leaves that share of inputs blank; ``mistake_share`` makes that share of the
filled inputs wrong in the ways people get them wrong (numerator above denominator, "约100",
"85%" in a count cell, full-width digits, negative numbers, text in number cells). Everything
is deterministic for a given seed. Blanks and mistakes are listed in ``out_dir/_mistakes.json``
so tests can check that the importer finds them::

    {"seed": 0, "blank_share": 0.1, "mistake_share": 0.1, "files": [...],
     "blanks":   [{"file", "entity", "unit", "indicator_id", "input_key", "row_index",
                   "column_key", "sheet", "cell", "label", "required"}, ...],
     "mistakes": [{... the same keys ..., "kind": one of MISTAKE_KINDS, "value": written,
                   "intended": the right value, "severity": "error" | "warning",
                   "related_input": the whole, for numerator_gt_denominator}, ...]}

A blank table is listed once (its first cell). ``severity`` is that of the catalogue check a
numerator above its denominator breaks; every other mistake is an error in the value itself.
"""

from __future__ import annotations

from .fill import MISTAKE_KINDS, MISTAKES_FILE, fill_dir, mistakes_of, sample_fill

__all__ = ["MISTAKES_FILE", "MISTAKE_KINDS", "fill_dir", "mistakes_of", "sample_fill"]
