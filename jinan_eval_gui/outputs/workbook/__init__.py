"""The scoring workbook (评分表): every number of the evaluation as a live, auditable formula.

The engine computes the scores (:class:`~jinan_eval_gui.scoring.engine.Results`); this module writes
them as an .xlsx in which every level-3, level-2 and level-1 score and the total is a formula
over the raw data and the parameters, so an auditor can follow (and recompute) each number in
Excel, WPS or LibreOffice. The engine's own values are written as the cached results of the
formulas, so a viewer that does not recalculate shows the same numbers.

Sheets: 总览, 排名 (several entities only), 指标得分, 计算过程 (one per entity), 原始数据,
填报情况, 校验记录, 评分口径说明. No text that came from a unit is ever written as a formula:
every text goes through ``write_string`` and the workbook refuses ``strings_to_formulas``.
"""

from __future__ import annotations

from .builder import export_workbook
from .cells import FONT, SHEETS, Progress, calc_sheet_names

__all__ = ["FONT", "Progress", "SHEETS", "calc_sheet_names", "export_workbook"]
