"""Plausible values for one template, with deliberate mistakes of known kinds."""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue, Indicator, InputSpec
from jinan_eval_gui.collect import templates
from jinan_eval_gui.errors import TemplateError

from .constraints import (
    Constraint,
    _apply_constraints,
    _checks_hold,
    _clamp,
    _column,
    _constraints,
    _round,
)

# Plausible upper ends by unit of measure (Jinan, a city of about 9.4 million people and
# 10,244 km²); a value is drawn between a tenth of the cap and the cap, within the bounds.
_CAPS: dict[str, float] = {
    "项": 3000, "个": 300, "家": 500, "所": 300, "座": 200, "处": 500, "套": 200, "台": 5000,
    "辆": 8000, "条": 2000, "件": 50000, "份": 20000, "人": 20000, "名": 16, "户": 100000,
    "万户": 300, "人次": 2000000, "万人次": 3000, "万人": 900, "次": 500000, "万次": 500,
    "张": 100000, "万张": 500, "公里": 2000, "千米": 2000, "平方公里": 10244, "亩": 50000,
    "万元": 50000, "亿元": 500, "元": 1000000, "Mbps": 1000, "Gbps": 100, "GB": 1000,
    "TB": 500, "PB": 50, "小时": 24, "天": 365, "分钟": 60, "级": 5, "个百分点": 10, "%": 100,
    "类": 20, "部": 30, "批": 20, "路": 300, "根": 20000, "盏": 100000, "杆": 20000,
    "路口": 2000, "站": 500, "万个": 100,
}
_DEFAULT_CAP = 1000.0
# Known magnitudes for Jinan, by words in the label and unit of measure.
_LABEL_RANGES: tuple[tuple[str, str, float, float], ...] = (
    ("常住人口", "万人", 920, 945),
    ("常住人口", "人", 9_200_000, 9_450_000),
    ("户数", "户", 3_300_000, 3_600_000),
    ("户数", "万户", 330, 360),
    ("建成区", "平方公里", 760, 860),
    ("部门", "个", 35, 60),
)
_JINAN_AREA = Decimal("10244")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
          "平", "刚", "玲", "红", "建华", "志强", "海燕", "晓东", "立新", "文静")
_EVIDENCE = (
    "{year}年度本单位统计台账",
    "《{year}年度工作总结》相关章节",
    "见附件1：数据明细清单",
    "系统后台导出数据（截至{year}年12月31日）",
    "省级主管部门通报文件",
    "平台运行情况截图及说明",
)
_NOTES = ("数据来源：本单位统计台账。", "无", "口径与上年度一致。", "部分数据为年末快报数，正式数据以统计年报为准。")
_TEXT = ("已按要求完成，详见佐证材料。", "已建成并投入运行。", "正在推进中，预计明年完成。")
_NOT_NUMBERS = ("暂无数据", "不适用", "见附件", "待统计", "无")
_FULLWIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


class _Filler:
    """Draws the values of one template (deterministic for one random generator)."""

    def __init__(self, cat: Catalogue, meta: templates.TemplateMeta, rng: random.Random,
                 blank_share: float, mistake_share: float, file_name: str, *,
                 seed: int = 0) -> None:
        self.seed = seed
        self.cat = cat
        self.meta = meta
        self.rng = rng
        self.blank_share = blank_share
        self.mistake_share = mistake_share
        self.file_name = file_name
        self.year = int(meta.identity.get("year") or datetime.now().year)
        self.mistakes: list[dict[str, Any]] = []
        self.blanks: list[dict[str, Any]] = []
        self.out: dict[tuple[str, str], Any] = {}

    def run(self) -> dict[tuple[str, str], Any]:
        by_indicator: dict[int | None, list[templates.InputCell]] = {}
        for cell in self.meta.cells:
            by_indicator.setdefault(cell.indicator_id, []).append(cell)
        for ind_id, cells in by_indicator.items():
            if ind_id is None:
                self._fill_filler(cells)
                continue
            try:
                ind = self.cat.indicator(ind_id)
            except KeyError:
                raise TemplateError(f"模板“{self.file_name}”中的指标 {ind_id} 不在指标体系中",
                                    hint="请用当前指标体系重新生成模板") from None
            self._fill_indicator(ind, cells)
        return self.out

    # -- filler block and annotations ----------------------------------------------------
    def _fill_filler(self, cells: list[templates.InputCell]) -> None:
        for cell in cells:
            field_name = cell.input_key.removeprefix(templates.FILLER_PREFIX)
            if field_name in ("name", "reviewer"):
                value: Any = self._person()
            elif field_name == "phone":
                value = f"0531-{self.rng.randint(5, 8)}{self.rng.randint(0, 9999999):07d}"
            elif field_name == "date":
                value = datetime(self.year + 1, self.rng.randint(1, 3), self.rng.randint(1, 28))
            else:
                value = "——"
            self.out[(cell.sheet, cell.cell)] = value

    def _person(self) -> str:
        return self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)

    # -- one indicator -------------------------------------------------------------------
    def _fill_indicator(self, ind: Indicator, cells: list[templates.InputCell]) -> None:
        scalars: dict[str, templates.InputCell] = {}
        tables: dict[str, list[templates.InputCell]] = {}
        for cell in cells:
            key = cell.input_key
            if key == templates.NOTES_KEY:
                if self.rng.random() < 0.3:
                    self.out[(cell.sheet, cell.cell)] = self.rng.choice(_NOTES)
            elif key.startswith(templates.EVIDENCE_PREFIX):
                if self.rng.random() < 0.6:
                    text = self.rng.choice(_EVIDENCE).format(year=self.year)
                    self.out[(cell.sheet, cell.cell)] = text
            elif cell.row_index is not None:
                tables.setdefault(key, []).append(cell)
            else:
                scalars[key] = cell
        specs = {key: self._spec(ind, key) for key in [*scalars, *tables]}
        values, blank = self._draw(ind, specs, self._value_rng(ind))
        for key in specs:
            if key in blank:
                first = scalars.get(key) or tables[key][0]
                self.blanks.append(self._record(ind, first, specs[key]))
        for key, cell in scalars.items():
            if key in blank:
                continue
            self.out[(cell.sheet, cell.cell)] = self._cell_value(specs[key], values[key])
        for key, tcells in tables.items():
            if key in blank:
                continue
            rows = values[key]
            for cell in tcells:
                assert cell.row_index is not None
                if cell.row_index <= len(rows):
                    col = _column(specs[key], cell.column_key)
                    self.out[(cell.sheet, cell.cell)] = self._cell_value(
                        col, rows[cell.row_index - 1][cell.column_key])
        self._mistakes(ind, specs, scalars, tables, values, blank)

    def _spec(self, ind: Indicator, key: str) -> InputSpec:
        try:
            return ind.input(key)
        except KeyError:
            raise TemplateError(f"模板中指标 {ind.id} 的填报项“{key}”不在指标体系中",
                                hint="请用当前指标体系重新生成模板") from None

    def _value_rng(self, ind: Indicator) -> random.Random:
        """The generator for an indicator's true values.

        Units sharing an indicator report the same true figures (as they would in reality), so
        a shared indicator draws from a generator keyed by entity and indicator, over all of the
        indicator's inputs; per-unit indicators (each unit reports on itself) draw per file.
        """
        if ind.collect == "per_unit":
            return self.rng
        entity = self.meta.identity.get("entity", "")
        return random.Random(f"{self.seed}|{entity}|{ind.id}")

    def _draw(self, ind: Indicator, specs: dict[str, InputSpec],
              value_rng: random.Random) -> tuple[dict[str, Any], set[str]]:
        """Values for every input (numbers as Decimal; tables as rows), and the blank keys.

        Redrawn (at most 30 times) until every check computable on the non-blank values holds.
        """
        blank = {k for k in specs if self.rng.random() < self.blank_share}
        constraints = _constraints(ind)
        mine = specs
        if value_rng is not self.rng:
            specs = {s.key: s for s in ind.inputs}
        file_rng, self.rng = self.rng, value_rng
        values: dict[str, Any] = {}
        try:
            values = self._draw_values(ind, specs, constraints, blank)
        finally:
            self.rng = file_rng
        return {k: v for k, v in values.items() if k in mine}, blank

    def _draw_values(self, ind: Indicator, specs: dict[str, InputSpec],
                     constraints: list[Constraint], blank: set[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for attempt in range(30):
            values = {}
            for key, spec in specs.items():
                if spec.kind == "table":
                    n_rows = max(1, min(spec.max_rows or 1, self.rng.randint(3, 6)))
                    values[key] = [{c.key: self._plausible(c, spec.label) for c in spec.columns}
                                   for _ in range(n_rows)]
                else:
                    values[key] = self._plausible(spec, deduction=ind.kind == "deduction")
            _apply_constraints(constraints, specs, values, self.rng)
            if attempt == 29 or _checks_hold(ind, specs, values, blank):
                break
        return values

    # -- plausible values ----------------------------------------------------------------
    def _plausible(self, spec: InputSpec, context: str = "", deduction: bool = False) -> Any:
        rng = self.rng
        lo, hi = spec.bounds()
        kind = spec.kind
        if kind == "yesno":
            return Decimal(1) if rng.random() < 0.85 else Decimal(0)
        if kind == "choice":
            weights = [1 + i for i in range(len(spec.options))]
            return rng.choices(spec.options, weights=weights)[0].value
        if kind == "text":
            if "名称" in spec.label:
                return self._name_for(context or spec.label)
            return rng.choice(_TEXT)
        if kind in ("percent", "score"):
            value = Decimal(str(round(rng.uniform(60, 99.5), 1)))
            return _clamp(value, lo, hi)
        if kind == "rank":
            top = int(hi) if hi is not None else 16
            return Decimal(rng.randint(int(lo or 1), max(int(lo or 1), min(top, 8))))
        if kind == "level":
            low, top = int(lo or 0), int(hi) if hi is not None else 5
            return Decimal(rng.randint((low + top + 1) // 2, top))
        # count / amount
        label = spec.label
        if deduction and kind == "count":  # events that cost points: mostly none
            return _clamp(Decimal(rng.choice((0, 0, 0, 0, 1, 2))), lo, hi)
        for word, unit, low, high in _LABEL_RANGES:
            if word in label and spec.unit == unit:
                x = rng.uniform(low, high)
                value = Decimal(int(round(x))) if kind == "count" else _round(Decimal(str(x)), 2)
                return _clamp(value, lo, hi)
        if spec.unit == "平方公里" and "面积" in label and ("总" in label or "区域" in label):
            return _clamp(_JINAN_AREA, lo, hi)
        cap = _CAPS.get(spec.unit, _DEFAULT_CAP)
        upper = float(hi) if hi is not None and float(hi) < cap else cap
        lower = max(float(lo or 0), upper / 10, 1.0 if kind == "count" else 0.1)
        if lower >= upper:
            lower = float(lo or 0)
        x = math.exp(rng.uniform(math.log(max(lower, 1e-3)), math.log(max(upper, 1e-3))))
        if any(word in label for word in ("总数", "总量", "总人次", "总面积", "总计", "全部")):
            x = max(x, upper * rng.uniform(0.5, 0.9))
        value = Decimal(int(round(x))) if kind == "count" else _round(Decimal(str(x)), 2)
        return _clamp(value, lo, hi)

    def _name_for(self, context: str) -> str:
        n = self.rng.randint(1, 9)
        if "医" in context:
            return self.rng.choice(("济南市第{}人民医院", "山东省立医院第{}院区",
                                    "济南市中心医院{}号院区")).format(n)
        if "学校" in context or "学" in context:
            return f"济南市第{n}中学"
        return f"济南市{context[:6]}项目{n}"

    def _cell_value(self, spec: InputSpec, value: Any) -> Any:
        """What the unit types: numbers as int/float, 是/否, option labels, text."""
        if spec.kind == "yesno":
            return "是" if value == 1 else "否"
        if spec.kind == "choice":
            return next(o.label for o in spec.options if o.value == value)
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    # -- mistakes ------------------------------------------------------------------------
    def _mistakes(self, ind: Indicator, specs: dict[str, InputSpec],
                  scalars: dict[str, templates.InputCell],
                  tables: dict[str, list[templates.InputCell]], values: dict[str, Any],
                  blank: set[str]) -> None:
        if self.mistake_share <= 0:
            return
        wholes: dict[str, str] = {}
        severity: dict[str, str] = {}
        for parts, whole, level in _constraints(ind):
            if len(parts) == 1 and len(whole) == 1 and parts[0][0] == whole[0][0] == 1 \
                    and parts[0][1] not in wholes:
                wholes[parts[0][1]] = whole[0][1]
                severity[parts[0][1]] = level
        mistaken: set[str] = set()  # wrong already: not a whole for "part > whole"
        kept: set[str] = set()  # the whole of a "part > whole" mistake: stays right
        for key, cell in scalars.items():
            spec = specs[key]
            if key in blank or key in kept or spec.kind == "text" or \
                    self.rng.random() >= self.mistake_share:
                continue
            whole = wholes.get(key)
            usable = whole and whole not in blank and whole not in mistaken
            made = self._mistake(spec, values[key], values.get(whole) if usable else None)
            if made is None:
                continue
            kind, written = made
            mistaken.add(key)
            if kind == "numerator_gt_denominator" and whole:
                kept.add(whole)
            self.out[(cell.sheet, cell.cell)] = written
            rec = self._record(ind, cell, spec)
            rec.update(kind=kind, value=written, intended=self._cell_value(spec, values[key]),
                       severity="error")
            if kind == "numerator_gt_denominator":
                rec.update(related_input=whole, severity=severity[key])
            self.mistakes.append(rec)
        for key, tcells in tables.items():
            if key in blank or self.rng.random() >= self.mistake_share:
                continue
            spec = specs[key]
            numeric = [c for c in tcells
                       if c.row_index is not None and c.row_index <= len(values[key])
                       and _column(spec, c.column_key).kind not in ("text",)]
            if not numeric:
                continue
            cell = self.rng.choice(numeric)
            col = _column(spec, cell.column_key)
            assert cell.row_index is not None
            made = self._mistake(col, values[key][cell.row_index - 1][cell.column_key], None)
            if made is None:
                continue
            kind, written = made
            self.out[(cell.sheet, cell.cell)] = written
            rec = self._record(ind, cell, col)
            rec.update(kind=kind, value=written, severity="error",
                       intended=self._cell_value(col, values[key][cell.row_index - 1][col.key]))
            self.mistakes.append(rec)

    def _mistake(self, spec: InputSpec, value: Any, whole: Any) -> tuple[str, Any] | None:
        rng = self.rng
        kind = spec.kind
        if kind in ("yesno", "choice"):
            return "not_in_list", rng.choice(("不确定", "部分", "待定", "其他"))
        shown = self._cell_value(spec, value)
        options = ["approx_text", "fullwidth_digits", "text_in_number", "percent_sign"]
        lo, _ = spec.bounds()
        if value > 0 and (lo is None or lo >= 0):
            options.append("negative")
        _, hi = spec.bounds()
        if isinstance(whole, Decimal) and whole > 0:
            bigger = whole * Decimal(str(round(rng.uniform(1.1, 1.6), 2))) + 1
            bigger = bigger.to_integral_value() if kind in ("count", "rank", "level") \
                else _round(bigger, 2)
            if hi is None or bigger <= hi:
                options += ["numerator_gt_denominator"] * 3
        choice = rng.choice(options)
        if choice == "approx_text":
            return choice, f"约{shown}"
        if choice == "fullwidth_digits":
            return choice, str(shown).translate(_FULLWIDTH)
        if choice == "text_in_number":
            return choice, rng.choice(_NOT_NUMBERS)
        if choice == "percent_sign":
            if kind == "percent":
                return choice, f"{shown}%"
            return choice, f"{rng.randint(60, 99)}%"
        if choice == "negative":
            return choice, -shown
        return choice, self._cell_value(spec, bigger)

    def _record(self, ind: Indicator, cell: templates.InputCell,
                spec: InputSpec) -> dict[str, Any]:
        ident = self.meta.identity
        return {
            "file": self.file_name, "entity": ident.get("entity", ""),
            "unit": ident.get("unit", ""), "indicator_id": ind.id,
            "input_key": cell.input_key, "row_index": cell.row_index,
            "column_key": cell.column_key, "sheet": cell.sheet, "cell": cell.cell,
            "label": spec.label, "required": spec.required,
        }
