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

import ast
import copy
import json
import math
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from . import catalogue as catalogue_mod
from . import parallel, templates
from .atomic import atomic_path
from .catalogue import Catalogue, Indicator, InputSpec
from .errors import EvalError, TemplateError

MISTAKES_FILE = "_mistakes.json"

#: Mistake kinds written to the sidecar file.
MISTAKE_KINDS = (
    "numerator_gt_denominator",  # a part larger than its whole (a cross-field check fails)
    "approx_text",  # "约1200"
    "percent_sign",  # "85%" typed as text, also in count cells
    "fullwidth_digits",  # "１２００"
    "negative",  # -1200
    "text_in_number",  # "暂无数据" in a number cell
    "not_in_list",  # "不确定" in a 是/否 cell, an unknown option in a choice cell
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


@dataclass
class _FileResult:
    path: Path
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    blanks: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def sample_fill(in_dir: str | Path, out_dir: str | Path, seed: int = 0, blank_share: float = 0.0,
                mistake_share: float = 0.0) -> list[Path]:
    """The CLI's entry point: :func:`fill_dir` with the built-in catalogue."""
    return fill_dir(in_dir, out_dir, seed=seed, blank_share=blank_share,
                    mistake_share=mistake_share)


def fill_dir(in_dir: str | Path, out_dir: str | Path, *, seed: int = 0, blank_share: float = 0.0,
             mistake_share: float = 0.0, catalogue: Catalogue | None = None) -> list[Path]:
    """Fill every template in ``in_dir`` into ``out_dir`` (same file names); return the paths.

    Writes ``out_dir/_mistakes.json`` listing the inputs left blank and the mistakes made.
    """
    if not 0 <= blank_share <= 1 or not 0 <= mistake_share <= 1:
        raise EvalError("留空比例和错误比例应在 0 到 1 之间")
    src = Path(in_dir)
    out = Path(out_dir)
    if not src.is_dir():
        raise TemplateError(f"找不到模板文件夹“{src}”")
    files = sorted(p for p in src.glob("*.xlsx")
                   if not p.name.startswith(("~$", ".")) and p.is_file())
    out.mkdir(parents=True, exist_ok=True)
    # Each file is independent and deterministic, so half of them go to a second process.
    chunks = parallel.split(files, parallel.worker_count(2) if len(files) > 4 else 1) or [[]]
    options = (out, seed, blank_share, mistake_share)
    here, there = parallel.run([(_fill_files, (catalogue, chunks[0], *options))],
                               background=[(_fill_files, (catalogue, c, *options))
                                           for c in chunks[1:]])
    by_name = {r.path.name: r for part in (*here, *there) for r in part}
    results = [by_name[p.name] for p in files if p.name in by_name]
    if not results:
        raise TemplateError(f"文件夹“{src}”中没有数据采集模板（.xlsx）")
    sidecar = {
        "seed": seed, "blank_share": blank_share, "mistake_share": mistake_share,
        "files": [r.path.name for r in results],
        "mistakes": [m for r in results for m in r.mistakes],
        "blanks": [b for r in results for b in r.blanks],
    }
    _atomic_write_text(out / MISTAKES_FILE,
                       json.dumps(sidecar, ensure_ascii=False, indent=2, default=str))
    return [r.path for r in results]


def _fill_files(catalogue: Catalogue | None, files: list[Path], out: Path, seed: int,
                blank_share: float, mistake_share: float) -> list[_FileResult]:
    """Fill some templates (runs in a worker process too, hence plain arguments)."""
    cat = catalogue if catalogue is not None else catalogue_mod.load()
    results = []
    for path in files:
        result = _fill_file(cat, path, out / path.name, seed=seed, blank_share=blank_share,
                            mistake_share=mistake_share)
        if result is not None:
            results.append(result)
    return results


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------
# One workbook
# ---------------------------------------------------------------------------------------
_LOAD_LOCK = threading.Lock()


@contextmanager
def _keep_merged_styles() -> Any:
    """Load merged cells with the styles the file gives them.

    openpyxl discards the cells of a merged range and re-derives their borders and protection
    one style assignment at a time, which takes seconds for a template with a hundred merged
    rows. The template already stores every merged cell's style, so keep it (a copy of the
    cell's style array) instead. Scoped to one load; a lock keeps other loads out meanwhile.
    """
    original = Worksheet._clean_merge_range

    def clean(ws: Worksheet, mcr: Any) -> None:
        cells = mcr.cells
        next(cells)  # the top-left cell keeps its value and style
        for row, col in cells:
            old = ws._cells.get((row, col))
            merged = MergedCell(ws, row, col)
            if old is not None:
                merged._style = copy.copy(old._style)
            ws._cells[row, col] = merged

    with _LOAD_LOCK:
        Worksheet._clean_merge_range = clean  # type: ignore[method-assign]
        try:
            yield
        finally:
            Worksheet._clean_merge_range = original  # type: ignore[method-assign]


def _fill_file(cat: Catalogue, src: Path, dst: Path, *, seed: int, blank_share: float,
               mistake_share: float) -> _FileResult | None:
    with _keep_merged_styles():
        wb = openpyxl.load_workbook(src)
    if templates.META_SHEET not in wb.sheetnames:
        return None
    meta = templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))
    if meta.identity.get("format") != templates.FORMAT_NAME:
        return None
    rng = random.Random(f"{seed}|{src.name}")
    filler = _Filler(cat, meta, rng, blank_share, mistake_share, src.name, seed=seed)
    values = filler.run()
    for (sheet, cell), value in values.items():
        wb[sheet][cell].value = value
    with atomic_path(dst) as tmp:
        wb.save(tmp)
    return _FileResult(dst, filler.mistakes, filler.blanks)


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


# ---------------------------------------------------------------------------------------
# Cross-field checks: "part <= whole" constraints read from the checks' text
# ---------------------------------------------------------------------------------------
Term = tuple[Decimal, str]  # (coefficient, name)
Constraint = tuple[list[Term], list[Term], str]  # parts <= wholes, the check's severity


def _constraints(ind: Indicator) -> list[Constraint]:
    """``parts <= wholes`` pairs read from the checks, in dependency order (wholes first)."""
    found: list[Constraint] = []
    for check in ind.checks:
        try:
            tree = ast.parse(check.rule.text, mode="eval").body
        except SyntaxError:
            continue
        found.extend((parts, wholes, check.severity)
                     for parts, wholes in _compare_constraints(tree))
    # depth of a name: 0 if it is no part; else one more than the deepest of its wholes
    depth: dict[str, int] = {}
    for _ in range(len(found) + 1):
        changed = False
        for parts, wholes, _ in found:
            level = 1 + max(depth.get(name, 0) for _, name in wholes)
            for _, name in parts:
                if depth.get(name, 0) < level <= len(found):
                    depth[name] = level
                    changed = True
        if not changed:
            break
    found.sort(key=lambda c: max(depth.get(name, 0) for _, name in c[1]))
    return found


def _compare_constraints(node: ast.expr) -> list[tuple[list[Term], list[Term]]]:
    if isinstance(node, ast.BoolOp):
        return [c for v in node.values for c in _compare_constraints(v)]
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return []
    left, right, op = node.left, node.comparators[0], node.ops[0]
    # SUM(t.a > t.b) == 0: no row where a > b
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and right.value == 0 and \
            isinstance(left, ast.Call) and _call_name(left) in ("SUM", "COUNT", "MAX") and \
            len(left.args) == 1 and isinstance(left.args[0], ast.Compare):
        inner = left.args[0]
        if len(inner.ops) == 1 and isinstance(inner.ops[0], ast.Gt | ast.GtE):
            left, right = inner.left, inner.comparators[0]
        elif len(inner.ops) == 1 and isinstance(inner.ops[0], ast.Lt | ast.LtE):
            left, right = inner.comparators[0], inner.left
        else:
            return []
    elif isinstance(op, ast.GtE | ast.Gt):
        left, right = right, left
    elif not isinstance(op, ast.LtE | ast.Lt):
        return []
    # ratio <= 1: MAX(a / b) <= 1, a / b <= 1, RATIO(a, b) <= 1
    if isinstance(right, ast.Constant) and right.value == 1:
        inner = left
        if isinstance(inner, ast.Call) and _call_name(inner) in ("MAX", "SUM") and inner.args:
            inner = inner.args[0]
        pair = _ratio(inner)
        return [([(Decimal(1), pair[0])], [(Decimal(1), pair[1])])] if pair else []
    parts, wholes = _terms(left), _terms(right)
    if not parts or not wholes:
        return []
    return [(parts, wholes)]


def _call_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else ""


def _ratio(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        a, b = _name(node.left), _name(node.right)
        return (a, b) if a and b else None
    if isinstance(node, ast.Call) and _call_name(node) in ("RATIO", "CAPRATIO") and \
            len(node.args) >= 2:
        a, b = _name(node.args[0]), _name(node.args[1])
        return (a, b) if a and b else None
    return None


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Call) and _call_name(node) == "SUM" and len(node.args) == 1:
        return _name(node.args[0])
    return None


def _terms(node: ast.expr) -> list[Term] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _terms(node.left), _terms(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for coef, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(coef, ast.Constant) and isinstance(coef.value, int | float) \
                    and coef.value > 0:
                name = _name(other)
                if name:
                    return [(Decimal(str(coef.value)), name)]
        return None
    name = _name(node)
    return [(Decimal(1), name)] if name else None


def _get(values: dict[str, Any], name: str) -> list[Decimal] | Decimal | None:
    if "." in name:
        table, col = name.split(".", 1)
        rows = values.get(table)
        if not isinstance(rows, list):
            return None
        return [r[col] for r in rows]
    value = values.get(name)
    return value if isinstance(value, Decimal) else None


def _apply_constraints(constraints: list[Constraint], specs: dict[str, InputSpec],
                       values: dict[str, Any], rng: random.Random) -> None:
    """Make every ``parts <= wholes`` hold: parts become a share of the whole (row by row)."""
    capped: set[str] = set()
    for parts, wholes, _ in constraints:
        whole_values = [(coef, _get(values, name)) for coef, name in wholes]
        if any(v is None for _, v in whole_values):
            continue  # an input of another unit: not in this template
        if len(wholes) == 1 and isinstance(whole_values[0][1], list):
            # row-wise: table.a <= table.b
            if len(parts) != 1 or "." not in parts[0][1] or "." not in wholes[0][1]:
                continue
            table, col = parts[0][1].split(".", 1)
            whole_col = wholes[0][1].split(".", 1)[1]
            spec = _column(specs[table], col)
            for row in values[table]:
                row[col] = min(row[col], _share(row[whole_col], rng.uniform(0.55, 0.98), spec))
            continue
        if any(isinstance(v, list) for _, v in whole_values):
            continue
        whole_value = sum((coef * v for coef, v in whole_values), Decimal(0))  # type: ignore[misc]
        shares = [rng.uniform(0.2, 1.0) for _ in parts]
        scale = rng.uniform(0.55, 0.98) / sum(shares)
        for (coef, name), share in zip(parts, shares, strict=True):
            amount = whole_value * Decimal(str(share * scale)) / coef
            if "." in name:  # SUM(table.col) <= whole: split over the rows
                table, col = name.split(".", 1)
                rows = values.get(table) or []
                spec = _column(specs[table], col)
                for row in rows:
                    row[col] = _share(amount, 1 / max(len(rows), 1), spec)
            elif name in specs:
                value = _share(amount, 1.0, specs[name])
                values[name] = min(values[name], value) if name in capped else value
                capped.add(name)


def _share(whole: Decimal, fraction: float, spec: InputSpec) -> Decimal:
    value = whole * Decimal(str(fraction))
    if spec.kind in ("count", "rank", "level"):
        value = value.to_integral_value(rounding=ROUND_FLOOR)
    else:
        value = _round(value, 2)
    lo, hi = spec.bounds()
    return _clamp(value, lo, hi)


def _checks_hold(ind: Indicator, specs: dict[str, InputSpec], values: dict[str, Any],
                 blank: set[str]) -> bool:
    """Whether every check that can be computed on the non-blank values gives true."""
    env: dict[str, Any] = dict(ind.params)
    per_unit = ind.collect == "per_unit"
    for key, spec in specs.items():
        if key in blank:
            continue
        value = values[key]
        if spec.kind == "table":
            for col in spec.columns:
                if col.kind != "text":
                    env[f"{key}.{col.key}"] = [row[col.key] for row in value]
        elif spec.kind != "text":
            env[key] = [value] if per_unit else value
    for check in ind.checks:
        if not check.rule.names <= env.keys():
            continue
        try:
            result = check.rule.evaluate(env)
        except EvalError:
            continue
        if isinstance(result, list):
            if not all(result):
                return False
        elif not result:
            return False
    return True


def _column(spec: InputSpec, key: str) -> InputSpec:
    for col in spec.columns:
        if col.key == key:
            return col
    raise TemplateError(f"明细表“{spec.label}”中没有列“{key}”")


def _clamp(value: Decimal, lo: Decimal | None, hi: Decimal | None) -> Decimal:
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    return value


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def mistakes_of(out_dir: str | Path) -> dict[str, Any]:
    """Read the sidecar ``_mistakes.json`` written by :func:`fill_dir`."""
    return json.loads((Path(out_dir) / MISTAKES_FILE).read_text(encoding="utf-8"))

