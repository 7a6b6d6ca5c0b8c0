"""原始数据 rows of one indicator, remembering where each input landed for the formulas."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from jinan_eval_gui.catalogue import INPUT_KIND_LABELS, Indicator, InputSpec

if TYPE_CHECKING:
    from .builder import _Builder
from .cells import _R_VALUE, _as_list, _InputRef, _num, _text


# ---------------------------------------------------------------------------------------
# 原始数据 rows of one indicator
# ---------------------------------------------------------------------------------------
class _RawRows:
    """Writes one (entity, indicator)'s inputs; a list's elements go in consecutive rows."""

    def __init__(self, builder: _Builder, ws: Worksheet, row: int, entity: str, ind: Indicator,
                 sources: Mapping[tuple[Any, ...], Any]) -> None:
        self.b = builder
        self.ws = ws
        self.row = row
        self.entity = entity
        self.ind = ind
        self.sources = sources
        self.f = builder.fmts

    def write(self, values: Mapping[str, Any], env: Mapping[str, Any]) -> dict[str, _InputRef]:
        refs: dict[str, _InputRef] = {}
        per_unit = self.ind.collect == "per_unit"
        included = self.included_units(values, env) if per_unit else []
        for spec in self.ind.inputs:
            raw = values.get(spec.key)
            if spec.kind == "text":
                self.line(spec, spec.key, "", raw, "" if raw is not None else "未填写")
            elif spec.kind == "table":
                self.table(spec, values, refs)
            elif per_unit:
                refs[spec.key] = self.per_unit(spec, raw, env.get(spec.key), included)
            else:
                missing = raw is None and spec.required
                value = None if missing else env.get(spec.key)
                note = "" if raw is not None else "缺报" if missing else "未填报，按 0 计"
                refs[spec.key] = _InputRef(self.row, 0, [value])
                self.line(spec, spec.key, "", value, note)
        return refs

    def table(self, spec: InputSpec, values: Mapping[str, Any], refs: dict[str, _InputRef]) -> None:
        columns = {c.key: list(values.get(f"{spec.key}.{c.key}") or []) for c in spec.columns}
        rows = max((len(v) for v in columns.values()), default=0)
        names = next((columns[c.key] for c in spec.columns if c.kind == "text"), [])
        for col in spec.columns:
            name = f"{spec.key}.{col.key}"
            items = columns[col.key] + [None] * (rows - len(columns[col.key]))
            first = self.row
            if not items:
                self.line(col, name, "", None, "明细表无数据", label=f"{spec.label}：{col.label}")
            for i, item in enumerate(items):
                who = names[i] if i < len(names) and isinstance(names[i], str) and names[i] else ""
                detail = f"第{i + 1}行" + (f"（{who}）" if who and col.kind != "text" else "")
                self.line(col, name, detail, item, "缺报" if item is None else "",
                          label=f"{spec.label}：{col.label}", index=i)
            if col.kind != "text":
                refs[name] = _InputRef(first, max(len(items), 1), items)

    def included_units(self, values: Mapping[str, Any], env: Mapping[str, Any]) -> list[int] | None:
        """Which units' rows the engine's lists hold: those that reported every required input.

        Checked against the engine's lists; ``None`` when they disagree (the lists are then
        written as the engine holds them, without unit names).
        """
        specs = [s for s in self.ind.inputs if s.kind not in ("text", "table")]
        lists = {s.key: _as_list(values.get(s.key)) for s in specs}
        width = max((len(v) for v in lists.values()), default=0)
        at = {key: (v + [None] * width)[:width] for key, v in lists.items()}
        rows = [i for i in range(width)
                if all(at[s.key][i] is not None for s in specs if s.required)]
        for s in specs:
            expected = [at[s.key][i] if at[s.key][i] is not None else 0 for i in rows]
            if expected != list(_as_list(env.get(s.key))):
                return None
        return rows

    def per_unit(self, spec: InputSpec, raw: Any, used: Any, included: list[int] | None
                 ) -> _InputRef:
        """The values the rules read first, contiguous (one range), then the units left out."""
        items = _as_list(raw)
        used = _as_list(used)
        units = self.b.cat.units_of(self.ind)
        labels = list(units) if len(units) == len(items) else [f"第{i + 1}项"
                                                                for i in range(len(items))]
        first = self.row
        if included is None:
            for k, value in enumerate(used):
                self.line(spec, spec.key, f"第{k + 1}项", value, "")
        else:
            for k, i in enumerate(included):
                note = "" if items[i] is not None else "未填报，按 0 计"
                self.line(spec, spec.key, labels[i], used[k], note, index=i)
        if not used:
            self.line(spec, spec.key, "", None, "无数据" if not items else "无单位填齐必填项")
        for i in range(len(items)) if included is not None else ():
            if i not in included:
                self.line(spec, spec.key, labels[i], items[i],
                          "该单位未填齐必填项，不参与计算", index=i)
        return _InputRef(first, max(len(used), 1), list(used))

    def line(self, spec: InputSpec, key: str, detail: str, value: Any, note: str, *,
             label: str | None = None, index: int | None = None) -> None:
        ws, f, r = self.ws, self.f, self.row
        ws.write_string(r, 0, self.entity, f.text)
        ws.write_number(r, 1, self.ind.id, f.center)
        ws.write_string(r, 2, self.ind.name, f.text)
        ws.write_string(r, 3, label or spec.label, f.text)
        ws.write_string(r, 4, INPUT_KIND_LABELS.get(spec.kind, ""), f.center)
        ws.write_string(r, 5, detail, f.text)
        ws.write_string(r, 6, "%" if spec.kind == "percent" and not spec.unit else spec.unit, f.center)
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            fmt = f.yesno if spec.kind == "yesno" else f.number
            ws.write_number(r, _R_VALUE, _num(value), fmt)
            if spec.kind == "choice":
                label_of = {o.value: o.label for o in spec.options}
                if value in label_of:
                    note = f"{note}；选项：{label_of[value]}" if note else f"选项：{label_of[value]}"
        elif value is None:
            ws.write_blank(r, _R_VALUE, None, f.number)
        else:
            ws.write_string(r, _R_VALUE, _text(value), f.text)
        source = self.source(key, index)
        for j in range(3):
            part = source[j] if j < len(source) else None
            ws.write_string(r, 8 + j, _text(part), f.text)
        if len(source) > 3 and source[3]:  # a source that explains itself (the survey's method)
            note = f"{note}；{source[3]}" if note else str(source[3])
        ws.write_string(r, 11, note, f.text)
        self.row += 1

    def source(self, key: str, index: int | None) -> tuple[Any, ...]:
        """(file, sheet, cell) of a value; a list element needs its own entry.

        An entry for the whole input is trusted for a scalar; for a table row it gives the
        file and sheet (the cell only for the first row); for a per-unit element nothing,
        since each unit returned its own file.
        """
        if index is not None:
            found = self.sources.get((self.ind.id, key, index))
            if found is not None:
                return _source_tuple(found)
        found = self.sources.get((self.ind.id, key))
        if found is None and "." in key:
            found = self.sources.get((self.ind.id, key.split(".")[0]))
        if isinstance(found, list):
            return _source_tuple(found[index]) if index is not None and index < len(found) else ()
        if found is None or index is None:
            return _source_tuple(found)
        if self.ind.collect == "per_unit" and "." not in key:
            return ()
        parts = _source_tuple(found)
        return parts if index == 0 else (*parts[:2], "")


def _source_tuple(found: Any) -> tuple[Any, ...]:
    if found is None:
        return ()
    return tuple(found) if isinstance(found, tuple | list) else (found,)
