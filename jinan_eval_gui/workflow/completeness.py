"""The completeness of a round's results, and the warning given before anything is exported."""

from __future__ import annotations

from collections.abc import Mapping

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.scoring.completeness import Completeness, completeness
from jinan_eval_gui.scoring.engine import Results
from jinan_eval_gui.store import Round

from .collection import collection_status


def round_completeness(rnd: Round, cat: Catalogue, results: Mapping[str, Results]
                       ) -> dict[str, Completeness]:
    """Per entity: units with no accepted return, indicators missing or invalid."""
    absent: dict[str, list[str]] = {e: [] for e in results}
    for status in collection_status(rnd, cat):
        if not status.returned and status.entity in absent:
            absent[status.entity].append(status.unit)
    return {e: completeness(cat, res, absent[e]) for e, res in results.items()}


def export_warnings(rnd: Round, *, brief: bool = False) -> list[str]:
    """Every gap that an export would carry into the report (empty: none): one line each, or
    with ``brief`` grouped in a few lines naming them all.

    The CLI prints them before exporting; the window asks the user to confirm them.
    """
    from .rounds import round_catalogue
    from .scores import score_round

    cat = round_catalogue(rnd)
    lines: list[str] = []
    for c in round_completeness(rnd, cat, score_round(rnd, save=False)).values():
        lines += c.brief() if brief else c.warnings()
    from .comparison import comparison_problem

    if problem := comparison_problem(rnd):  # the remembered 上年度 moved: no 同比 in the report
        lines.append(problem.replace("本次未作同比校验", "本次导出不含同比"))
    return lines
