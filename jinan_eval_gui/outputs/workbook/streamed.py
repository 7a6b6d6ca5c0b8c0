"""Worksheets written to disk row by row: 计算过程 and 原始数据 of a round with many entities.

xlsxwriter keeps every cell of a workbook in memory until it is closed. One entity's 计算过程
is about 9,000 cells; a province-wide round has 150 of them, well over a million cells and
several hundred MB. xlsxwriter's ``constant_memory`` mode writes each row to a temporary file
as soon as a later row is started, but needs every sheet written top to bottom, and the
计算过程 writer fills its summary rows (at the top) after the indicator blocks below them.

So this sheet records the cell writes of one 计算过程 (a few MB), and :meth:`flush_rows` replays
them sorted by row into the sheet in ``constant_memory`` mode (only this sheet: the summary
sheets stay as they are), then forgets them. Strings are then stored inline rather than in
the shared-string table; Excel, WPS and LibreOffice read both alike.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from .cells import _Sheet

_FIRST = 0  # row properties before the row's cells
_CELL = 1


class _StreamedSheet(_Sheet):
    """A :class:`_Sheet` whose cells go to a temporary file, row by row (see module doc)."""

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": True})
        self._records: list[tuple[int, int, int, str, tuple[Any, ...]]] = []
        self._flushed = False

    def _record(self, row: int, order: int, method: str, args: tuple[Any, ...]) -> int:
        if self._flushed:
            raise RuntimeError(f"sheet {self.name!r} was already written out")
        self._records.append((row, order, len(self._records), method, args))
        return 0

    # -- what the 计算过程 writer calls ---------------------------------------------------------
    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        if string and cell_format is not None and getattr(cell_format, "text_wrap", 0):
            self._wrapped[(row, col)] = string
        return self._record(row, _CELL, "write_string", (row, col, string, cell_format))

    def write_number(self, row: int, col: int, number: Any, cell_format: Any = None) -> int:
        return self._record(row, _CELL, "write_number", (row, col, number, cell_format))

    def write_formula(self, row: int, col: int, formula: str, cell_format: Any = None,
                      value: Any = 0) -> int:
        return self._record(row, _CELL, "write_formula", (row, col, formula, cell_format, value))

    def write_blank(self, row: int, col: int, blank: Any, cell_format: Any = None) -> int:
        return self._record(row, _CELL, "write_blank", (row, col, blank, cell_format))

    def write_boolean(self, row: int, col: int, boolean: bool, cell_format: Any = None) -> int:
        return self._record(row, _CELL, "write_boolean", (row, col, boolean, cell_format))

    def write_url(self, row: int, col: int, url: str, cell_format: Any = None,
                  string: str | None = None, tip: str | None = None) -> int:
        return self._record(row, _CELL, "write_url", (row, col, url, cell_format, string, tip))

    def write_datetime(self, row: int, col: int, date: Any, cell_format: Any = None) -> int:
        return self._record(row, _CELL, "write_datetime", (row, col, date, cell_format))

    def write(self, row: int, col: int, *args: Any) -> int:
        return self._record(row, _CELL, "write", (row, col, *args))

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int,
                    data: Any, cell_format: Any = None) -> int:
        """The range is registered now; its first cell and the blanks that pad it are
        replayed with the rows they are in."""
        self._spans[(first_row, first_col)] = (last_row, last_col)
        self.merge.append([first_row, first_col, last_row, last_col])
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                if (row, col) == (first_row, first_col):
                    self._record(row, _CELL, "write", (row, col, data, cell_format))
                else:
                    self._record(row, _CELL, "write_blank", (row, col, "", cell_format))
        return 0

    def set_row(self, row: int, height: float | None = None, cell_format: Any = None,
                options: Any = None) -> int:
        if height is not None:
            self._heights[row] = height
        return self._record(row, _FIRST, "set_row", (row, height, cell_format, options))

    # -- writing out -----------------------------------------------------------------------------
    def flush_rows(self) -> None:
        """Fit the row heights, then write every recorded cell in row order (to the
        temporary file: only the row being written stays in memory) and forget them."""
        if self.previous_row or self.table:  # a write method not recorded above was used
            raise RuntimeError(f"sheet {self.name!r} was written to outside the recording")
        self.fit_rows()
        records, self._records = self._records, []
        self._flushed = True
        records.sort(key=lambda r: r[:3])
        for _row, _order, _seq, method, args in records:
            getattr(Worksheet, method)(self, *args)

    def fit_rows(self, line_height: float = 13.0) -> None:
        """Recorded like the other row properties, so that they are set in row order (a
        height set directly would move xlsxwriter past the rows above it)."""
        if self._flushed:
            return
        for row, height in self.fitted_heights(line_height).items():
            self._record(row, _FIRST, "set_row", (row, height, None, None))


class _RowStreamedSheet(_Sheet):
    """A sheet written strictly top to bottom (原始数据: a row per input value of every
    entity, about 100,000 in a province-wide round): ``constant_memory`` without recording;
    each row's height is fitted to its wrapped texts just before the row goes to disk."""

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": True})
        self._by_row: dict[int, list[tuple[int, str]]] = {}

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        if string and cell_format is not None and getattr(cell_format, "text_wrap", 0):
            self._by_row.setdefault(row, []).append((col, string))
        return Worksheet.write_string(self, row, col, string, cell_format)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row = self.previous_row
        texts = self._by_row.pop(row, None)
        if texts:
            self._wrapped = {(row, col): text for col, text in texts}
            height = self.fitted_heights().get(row)
            self._wrapped = {}
            if height:
                Worksheet.set_row(self, row, height)
        super()._write_single_row(current_row_num)

    def fit_rows(self, line_height: float = 13.0) -> None:
        """Nothing left to do: every row was fitted as it was written."""
