"""Writing a values table in any of its forms, atomically (a complete file or none).

The writer takes a :class:`ValuesTable` whose entries hold exact stored values (Decimal for
numbers, text for text, yes/no and choices, None where nothing was reported) and the catalogue
for the names people read beside the keys. Numbers are written exactly: as JSON numbers, as
plain decimals in CSV, and as number cells in .xlsx when Excel holds them exactly (up to 15
significant digits; a longer number is written as text, so no digit is lost).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.system.atomic import atomic_path

from ..returns import plain
from .jsonform import dumps
from .model import (
    FORMAT,
    HEADERS,
    KIND_CHOICE,
    KIND_OVERRIDE,
    KIND_PARAM,
    KIND_VALUE,
    SHEET,
    VERSION,
    ValuesTable,
)

_FORMULA_START = ("=", "+", "-", "@")


def write_table(path: Path, table: ValuesTable, cat: Catalogue) -> Path:
    """Write ``table`` to ``path`` in the form ``table.format`` (``json``, ``xlsx``, ``csv``)."""
    if table.format == "json":
        data = dumps(json_document(table)).encode("utf-8")
    elif table.format == "csv":
        data = _csv_bytes(long_rows(table, cat))
    else:
        with atomic_path(path) as tmp:
            _write_xlsx(tmp, long_rows(table, cat), table)
        return path
    with atomic_path(path, opened_by="其他程序") as tmp:
        tmp.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------
def json_document(table: ValuesTable) -> dict[str, Any]:
    """The JSON form as plain data (Decimals kept for :func:`jsonform.dumps`)."""
    entities: dict[str, dict[str, Any]] = {e: {"entity": e, "values": {}}
                                           for e in table.entities}
    for entry in table.entries:
        inputs = entities[entry.entity]["values"].setdefault(str(entry.indicator_id), {})
        if entry.row is None:
            if entry.unit:
                inputs.setdefault(entry.key, {})[entry.unit] = entry.value
            else:
                inputs[entry.key] = entry.value
            continue
        rows = inputs.setdefault(entry.key, {} if entry.unit else [])
        if entry.unit:
            rows = rows.setdefault(entry.unit, [])
        while len(rows) < entry.row:
            rows.append({})
        rows[entry.row - 1][entry.column] = entry.value
    for o in table.overrides:
        entities[o.entity].setdefault("overrides", {})[str(o.indicator_id)] = {
            "score": o.score, "reason": o.reason}
    return {"format": FORMAT, "version": VERSION, "round": dict(table.header),
            "entities": list(entities.values()),
            "params": {s.key: s.value for s in table.params},
            "assumptions": {s.key: s.value for s in table.choices}}


# ---------------------------------------------------------------------------------------
# The long form
# ---------------------------------------------------------------------------------------
def _hint(spec: InputSpec) -> str:
    """What may be written in 值, for people filling the table."""
    if spec.kind == "choice":
        return "可选：" + "、".join(o.label for o in spec.options)
    if spec.kind == "yesno":
        return "填“是”或“否”"
    if spec.kind == "percent":
        return "填 0～100 的数（85% 填 85）"
    return ""


def long_rows(table: ValuesTable, cat: Catalogue) -> list[list[Any]]:
    """The header and one row per value, parameter, choice and expert score."""
    rows: list[list[Any]] = [list(HEADERS)]
    for e in table.entries:
        ind = cat.indicator(e.indicator_id)
        spec = ind.input(e.key)
        col = next((c for c in spec.columns if c.key == e.column), None)
        shown = col or spec
        rows.append([KIND_VALUE, e.entity, ind.id, ind.name, e.key, spec.label, e.unit,
                     e.row, e.column, col.label if col else "", e.value, shown.unit,
                     _hint(shown)])
    for s in table.params:
        ind, name, label = _param(cat, s.key)
        rows.append([KIND_PARAM, "", ind.id if ind else "", ind.name if ind else "", name,
                     label, "", None, "", "", s.value, "", ""])
    for s in table.choices:
        a = cat.assumption(s.key)
        rows.append([KIND_CHOICE, "", "", "", a.id, a.title, "", None, "", "", s.value, "",
                     a.choice(str(s.value)).label])
    for o in table.overrides:
        ind = cat.indicator(o.indicator_id)
        rows.append([KIND_OVERRIDE, o.entity, ind.id, ind.name, "", "", "", None, "", "",
                     o.score, "分", o.reason])
    return rows


def _param(cat: Catalogue, key: str) -> tuple[Indicator | None, str, str]:
    """(indicator or None, the name written in 填报项, the Chinese name) of a parameter key."""
    head, _, name = key.partition(".")
    if name and head.isdigit():
        ind = cat.indicator(int(head))
        return ind, name, ind.param_labels.get(name, name)
    label = next((p.label for p in cat.parameters if p.key == key), key)
    return None, key, label


def _csv_text(value: Any) -> str:
    """A field as text; text starting like a formula gets a leading tab so that Excel shows it
    as text instead of running it (the reader strips it again)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    text = str(value)
    return "\t" + text if text.startswith(_FORMULA_START) else text


def _csv_bytes(rows: list[list[Any]]) -> bytes:
    """UTF-8 with BOM (Excel and WPS then read the Chinese correctly), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _write_xlsx(tmp: Path, rows: list[list[Any]], table: ValuesTable) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    ws = wb.add_worksheet(SHEET)
    widths = [8, 10, 8, 30, 14, 30, 16, 6, 10, 16, 14, 8, 24]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            _write_cell(ws, r, c, value, head if r == 0 else None)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows) - 1, len(HEADERS) - 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # printed: every column on the page, as many pages down as needed
    ws.repeat_rows(0)
    about = wb.add_worksheet("说明")
    about.set_column(0, 0, 100)
    lines = ["本表是评价数据表：每行一个填报值（或评价参数、假设选择、专家评分）。",
             "导入：jinan-eval values import 评价轮次文件 本文件；评分：jinan-eval score --values 本文件。",
             "“指标名称”“填报项名称”“列名称”“计量单位”“说明”列仅供阅读；修改“值”列即可。",
             "按单位分别填报的指标须填写“填报单位”；其他指标的“填报单位”可留空。"]
    lines += [f"{k}：{v}" for k, v in table.header.items()]
    for r, line in enumerate(lines):
        about.write_string(r, 0, str(line))
    wb.close()


def _write_cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
        return
    if isinstance(value, Decimal):
        if len(value.as_tuple().digits) <= 15:
            ws.write_number(r, c, float(value), fmt)
        else:
            ws.write_string(r, c, plain(value), fmt)
    elif isinstance(value, int):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)
