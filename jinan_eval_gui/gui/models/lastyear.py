"""Last year's scores beside this year's (``workflow.comparison.year_on_year``), computed once
per scoring of the round and kept while the user moves between entities."""

from __future__ import annotations

from typing import Any


class LastYear:
    """The comparison of the session's current results with the round chosen as 上年度."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._key: Any = None
        self._value: Any = None
        self.problem = ""

    def get(self) -> Any:
        """The ``YearOnYear`` of the current results, or None (no round chosen, or it cannot
        be read now: then ``problem`` says why)."""
        session = self.session
        key = (id(session.rnd), id(session.results))
        if key == self._key:
            return self._value
        if session.rnd is None or session.busy or not session.results:
            return None  # read when the round is idle again (scores_changed)
        from jinan_eval_gui.errors import EvalError
        from jinan_eval_gui.workflow import comparison

        self._key, self._value, self.problem = key, None, ""
        try:
            self._value = comparison.year_on_year(session.rnd, session.results)
        except EvalError as exc:
            self.problem = str(exc)
        if self._value is None and not self.problem:
            self.problem = comparison.comparison_problem(session.rnd)
        return self._value

    def changes(self, entity: str) -> Any:
        """One entity's ``EntityChanges`` (None without a comparison)."""
        yoy = self.get()
        return yoy.entities.get(entity) if yoy is not None else None

    def year(self) -> int | None:
        yoy = self.get()
        return yoy.year if yoy is not None else None


def last_year_text(changes: Any, year: int | None) -> str:
    """The total against last year's, for the line above the tree ("" without one)."""
    from jinan_eval_gui.gui.models.table import text

    if changes is None or changes.total.previous is None:
        return ""
    delta = changes.total.change
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"；{year} 年度 {text(changes.total.previous)}，变化 {sign}{text(abs(delta))}"
