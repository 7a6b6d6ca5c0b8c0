"""Per-unit data-collection templates (数据采集表), written with xlsxwriter.

One workbook per (entity, unit) holds exactly the indicators the catalogue gives that unit.
Sheets:

* ``填报说明`` — cover: round, deadline, contact, numbered steps, colour legend, indicator list.
* ``数据填报`` — per indicator a header block (id, name, 指标说明, 评估方法, 评分口径, 责任单位),
  one row per input (label, unit, **value cell**, hint, **evidence cell**), tables as small
  grids, one notes cell per indicator, and the filler block (填报人 …) at the end.
* ``_lists`` (hidden) — option labels of ``choice`` inputs, referred to by defined names.
* ``_meta`` (hidden) — the identity and the input map (docs/DESIGN.md "Template identity").

Only input cells are unlocked; every sheet is protected without a password (units may resize
rows and columns). Every input cell carries a data validation matching its kind and bounds.
Blank cells pass validation: "required" is checked at import.

The input map (``_meta`` from :data:`MAP_HEADER_ROW`) has a header row and then one row per
input cell; all values are strings. Keys starting with ``_`` are not catalogue inputs:
``_notes`` (the indicator's notes), ``_evidence.<key>`` (佐证材料说明 of input ``<key>``) and
``_filler.<name>`` (the filler block; no indicator). :func:`parse_meta` reads both parts back
from plain rows of values, whichever reader produced them.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import __version__
from .atomic import atomic_path
from .catalogue import INPUT_KIND_LABELS, Catalogue, Indicator, InputSpec
from .errors import TemplateError

FORMAT_NAME = "jinan-eval-template"
TEMPLATE_VERSION = "1"

COVER_SHEET = "填报说明"
DATA_SHEET = "数据填报"
LISTS_SHEET = "_lists"
META_SHEET = "_meta"

#: ``_meta`` key/value rows (A1:B*), in this order; more keys may follow before the map.
IDENTITY_KEYS = (
    "format", "template_version", "round_id", "round_name", "year", "entity", "unit",
    "catalogue_version", "catalogue_hash",
)
#: Workbook defined names and the identity key each points at (``_meta`` column B).
DEFINED_NAMES = {
    "JE_FORMAT": "format",
    "JE_TEMPLATE_VERSION": "template_version",
    "JE_ROUND_ID": "round_id",
    "JE_ROUND_NAME": "round_name",
    "JE_YEAR": "year",
    "JE_ENTITY": "entity",
    "JE_UNIT": "unit",
    "JE_CATALOGUE_VERSION": "catalogue_version",
    "JE_CATALOGUE_HASH": "catalogue_hash",
}
#: 1-based row of the input map's header in ``_meta``; the map's rows follow it.
MAP_HEADER_ROW = 20
MAP_COLUMNS = ("indicator_id", "input_key", "row_index", "column_key", "sheet", "cell", "label")
#: Defined name of the whole input map (header row included).
MAP_NAME = "JE_INPUT_MAP"

NOTES_KEY = "_notes"
EVIDENCE_PREFIX = "_evidence."
FILLER_PREFIX = "_filler."
FILLER_FIELDS = (
    ("name", "填报人", "请填写填报人姓名"),
    ("phone", "联系电话", "请填写填报人的办公电话或手机号码"),
    ("date", "填报日期", "请按 2025-01-15 的格式填写日期"),
    ("reviewer", "审核人", "请填写本单位审核人（分管负责人）姓名"),
)
TEXT_MAX_LENGTH = 2000
PERCENT_HINT = "请填写0-100之间的数值，如85表示85%"

FONT = "Microsoft YaHei"
COLOR_REQUIRED = "#FFF2CC"  # light yellow: input cells to fill
COLOR_OPTIONAL = "#E2EFDA"  # light green: optional input cells
COLOR_HEADER = "#DDEBF7"  # indicator header rows
COLOR_LOCKED = "#F2F2F2"  # locked cells inside an input block (e.g. "见下表")
COLOR_TITLE = "#1F4E79"

ProgressFn = Callable[[int, int, str], None]
CancelledFn = Callable[[], bool]


# ---------------------------------------------------------------------------------------
# Public data
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateRequest:
    """What one template is for. Empty catalogue version/hash mean "the catalogue's own"."""

    round_id: str
    round_name: str
    year: int
    entity: str
    unit: str
    deadline: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    catalogue_version: str = ""
    catalogue_hash: str = ""


@dataclass(frozen=True)
class GeneratedTemplate:
    """A written template: where it is and what it holds."""

    path: Path
    unit: str
    entity: str
    sha256: str
    indicator_ids: tuple[int, ...]
    input_count: int
    """Catalogue inputs in the template (a table counts once)."""
    cell_count: int
    """Rows of the input map: every input cell incl. table cells, evidence, notes, filler."""


@dataclass(frozen=True)
class InputCell:
    """One row of the input map: which input a cell of the template holds."""

    indicator_id: int | None
    input_key: str
    row_index: int | None
    column_key: str
    sheet: str
    cell: str
    label: str

    @property
    def is_catalogue_input(self) -> bool:
        """False for notes, evidence and filler cells (keys starting with ``_``)."""
        return not self.input_key.startswith("_")


@dataclass(frozen=True)
class TemplateMeta:
    """The identity (key/value rows) and the input map read back from ``_meta``."""

    identity: dict[str, str]
    cells: tuple[InputCell, ...] = field(default=())


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def requests_for_entity(
    catalogue: Catalogue, *, round_id: str, round_name: str, year: int, entity: str,
    deadline: str = "", contact_person: str = "", contact_phone: str = "",
    units: Iterable[str] | None = None,
) -> list[TemplateRequest]:
    """One request per unit (default: every catalogue unit that has indicators)."""
    names = list(units) if units is not None else list(catalogue.unit_names)
    return [
        TemplateRequest(
            round_id=str(round_id), round_name=round_name, year=year, entity=entity, unit=u,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            catalogue_version=catalogue.version, catalogue_hash=catalogue.hash,
        )
        for u in names
        if catalogue.indicators_for_unit(u)
    ]


def file_name(request: TemplateRequest) -> str:
    """``{year}年度_{entity}_{unit}_数据采集表.xlsx`` with characters Windows refuses replaced."""
    return sanitize_filename(f"{request.year}年度_{request.entity}_{request.unit}_数据采集表") + ".xlsx"


_ILLEGAL_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


def sanitize_filename(stem: str) -> str:
    """A file name stem that Windows accepts: no <>:"/\\|?* or control characters."""
    text = _ILLEGAL_CHARS.sub("_", stem).strip().rstrip(". ")
    if not text:
        text = "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text[:200]


def generate(
    catalogue: Catalogue, request: TemplateRequest, out_dir: str | Path, *,
    template_version: str = TEMPLATE_VERSION,
) -> GeneratedTemplate:
    """Write the template of ``request.unit`` into ``out_dir`` atomically and describe it."""
    _check_request(catalogue, request)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TemplateError(f"无法创建输出文件夹“{out}”：{exc.strerror}") from exc
    target = out / file_name(request)
    with atomic_path(target, error=TemplateError) as tmp:
        builder = _Builder(catalogue, request, template_version)
        try:
            builder.write(tmp)
        except (OSError, XlsxWriterException) as exc:
            raise TemplateError(f"无法写入“{target.name}”：{exc}",
                                hint="请检查磁盘空间和文件夹权限") from exc
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    return GeneratedTemplate(
        path=target, unit=request.unit, entity=request.entity, sha256=digest,
        indicator_ids=tuple(ind.id for ind in builder.indicators),
        input_count=builder.input_count, cell_count=len(builder.cells),
    )


def generate_all(
    catalogue: Catalogue, requests: Sequence[TemplateRequest], out_dir: str | Path,
    progress: ProgressFn | None = None, cancelled: CancelledFn | None = None, *,
    template_version: str = TEMPLATE_VERSION,
) -> list[GeneratedTemplate]:
    """Generate every requested template; report ``progress(done, total, message)``.

    When ``cancelled()`` turns true the loop stops before the next workbook and returns the
    templates written so far (each of them complete).
    """
    names: dict[str, TemplateRequest] = {}
    for req in requests:
        key = file_name(req).casefold()
        if key in names:
            raise TemplateError(f"“{req.entity}”的“{req.unit}”模板重复",
                                hint="每个单位只能生成一份模板")
        names[key] = req
    total = len(requests)
    done: list[GeneratedTemplate] = []
    for n, req in enumerate(requests):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(n, total, f"正在生成：{req.entity} {req.unit}")
        done.append(generate(catalogue, req, out_dir, template_version=template_version))
    else:
        if progress is not None:
            progress(total, total, f"已生成 {total} 份数据采集表")
    return done


def parse_meta(rows: Iterable[Sequence[Any]]) -> TemplateMeta:
    """Read identity and input map from the rows of ``_meta`` (cell values, row 1 first).

    Accepts rows from openpyxl or python-calamine (numbers may come back as floats).
    """
    identity: dict[str, str] = {}
    cells: list[InputCell] = []
    header_seen = False
    for n, row in enumerate(rows, 1):
        values = [_meta_text(v) for v in row]
        if n < MAP_HEADER_ROW:
            if len(values) >= 2 and values[0]:
                identity[values[0]] = values[1]
            continue
        if n == MAP_HEADER_ROW:
            if tuple(values[: len(MAP_COLUMNS)]) != MAP_COLUMNS:
                raise TemplateError("模板的隐藏工作表“_meta”中填报项清单的表头不符",
                                    hint="请使用本轮评价下发的原始模板")
            header_seen = True
            continue
        values += [""] * (len(MAP_COLUMNS) - len(values))
        ind, key, row_index, column_key, sheet, cell, label = values[: len(MAP_COLUMNS)]
        if not key:
            continue
        try:
            cells.append(InputCell(
                indicator_id=int(ind) if ind else None, input_key=key,
                row_index=int(row_index) if row_index else None, column_key=column_key,
                sheet=sheet, cell=cell, label=label,
            ))
        except ValueError as exc:
            raise TemplateError(f"模板的隐藏工作表“_meta”第 {n} 行已被改动",
                                hint="请使用本轮评价下发的原始模板") from exc
    if not header_seen:
        raise TemplateError("模板的隐藏工作表“_meta”中缺少填报项清单",
                            hint="请使用本轮评价下发的原始模板")
    return TemplateMeta(identity, tuple(cells))


def _meta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_request(catalogue: Catalogue, req: TemplateRequest) -> None:
    if req.unit not in catalogue.unit_names:
        raise TemplateError(f"单位“{req.unit}”不在指标体系的责任单位名录中",
                            hint="请检查单位名称")
    if not catalogue.indicators_for_unit(req.unit):
        raise TemplateError(f"单位“{req.unit}”没有需要填报的指标")
    if not req.entity.strip():
        raise TemplateError("评价对象（城市或区县）名称为空")
    if req.catalogue_version and req.catalogue_version != catalogue.version:
        raise TemplateError(f"本轮评价使用指标体系版本 {req.catalogue_version}，"
                            f"当前指标体系为 {catalogue.version}", hint="请使用本轮的指标体系生成模板")
    if req.catalogue_hash and req.catalogue_hash != catalogue.hash:
        raise TemplateError("本轮评价使用的指标体系与当前指标体系内容不一致（校验值不同）",
                            hint="请使用本轮的指标体系生成模板")


# ---------------------------------------------------------------------------------------
# Layout helpers
# ---------------------------------------------------------------------------------------
# 数据填报 columns (0-based): 编号, 填报项, 计量单位, 填报值, 填报说明, 佐证材料说明.
COL_NO, COL_LABEL, COL_UNIT, COL_VALUE, COL_HINT, COL_EVIDENCE = range(6)
DATA_WIDTHS = (9, 40, 12, 18, 42, 30)
EXTRA_WIDTH = 16  # table columns beyond F
LINE_HEIGHT = 15.0  # points per line of 10 pt YaHei (Excel); LibreOffice needs less
FONT_SIZE = 10


def _text_width(text: str) -> float:
    """Approximate width in Excel column units (CJK and full-width characters count ~2)."""
    n = len(text)
    wide = (len(text.encode("utf-8")) - n) / 2  # CJK: 3 bytes in UTF-8, ASCII: 1
    return 1.8 * wide + 1.05 * (n - wide)


def _line_count(text: str, width: float) -> int:
    usable = max(width - 1.5, 4.0)
    return sum(max(1, math.ceil(_text_width(part) / usable)) for part in text.split("\n"))


def _height(texts_widths: Iterable[tuple[str, float]], *, minimum: int = 1) -> float:
    lines = max([minimum, *(_line_count(t, w) for t, w in texts_widths if t)])
    return lines * LINE_HEIGHT + 4


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt_num(value: Decimal) -> str:
    return f"{_num(value)}"


def _footer(ws: Any, unit: str) -> None:
    """Unit name left, page numbers right (``&`` doubled: it starts a footer code)."""
    ws.set_footer(f"&L{_clip(unit, 60).replace('&', '&&')}&R第 &P 页，共 &N 页")  # < 255 chars


class _Formats:
    """Formats of one workbook, each created once (xlsxwriter formats are per workbook)."""

    BASE = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter", "text_wrap": True}

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple[tuple[str, Any], ...], Any] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._wb.add_format({**self.BASE, **props})
            self._cache[key] = fmt
        return fmt

    # named formats used throughout
    def text(self, **extra: Any) -> Any:
        return self.get(border=1, **extra)

    def input(self, *, required: bool, kind: str = "count") -> Any:
        props: dict[str, Any] = {
            "border": 1, "locked": False,
            "bg_color": COLOR_REQUIRED if required else COLOR_OPTIONAL,
        }
        if kind in ("text", "evidence"):
            props["num_format"] = "@"
        elif kind == "date":
            props["num_format"] = "yyyy-mm-dd"
            props["align"] = "center"
        elif kind in ("yesno", "choice"):
            props["align"] = "center"
        else:
            props["align"] = "right"
        return self.get(**props)


# ---------------------------------------------------------------------------------------
# Data validation
# ---------------------------------------------------------------------------------------
def _range_text(spec: InputSpec) -> tuple[str, str]:
    """(guidance for the input message, what the error says is allowed)."""
    lo, hi = spec.bounds()
    unit = f"（单位：{spec.unit}）" if spec.unit else ""
    kind = spec.kind
    if kind == "percent":
        allowed = f"{_fmt_num(lo)}-{_fmt_num(hi)}之间的数值" if lo is not None and hi is not None \
            else "0-100之间的数值"
        if (lo, hi) == (0, 100):
            return PERCENT_HINT + "，不要输入“%”。", allowed
        return f"请填写{allowed}，如85表示85%，不要输入“%”。", allowed
    if kind == "score":
        allowed = f"{_fmt_num(lo)}-{_fmt_num(hi)}之间的分值"
        return f"请填写{allowed}。", allowed
    if kind == "yesno":
        return "请从下拉列表中选择“是”或“否”。", "“是”或“否”"
    if kind == "choice":
        return "请从下拉列表中选择一项，不要自行输入。", "下拉列表中的选项"
    if kind == "text":
        return f"请填写文字说明，不超过{TEXT_MAX_LENGTH}字。", f"不超过{TEXT_MAX_LENGTH}字的文字"
    what = "整数" if kind in ("count", "rank", "level") else "数值"
    if lo is not None and hi is not None:
        allowed = f"{_fmt_num(lo)}-{_fmt_num(hi)}之间的{what}"
    elif lo is not None:
        allowed = f"不小于{_fmt_num(lo)}的{what}"
    elif hi is not None:
        allowed = f"不大于{_fmt_num(hi)}的{what}"
    else:
        allowed = what
    return f"请填写{allowed}{unit}，只填阿拉伯数字，不要填写单位或“约”等文字。", allowed


def _validation(spec: InputSpec, list_name: str | None = None) -> dict[str, Any]:
    """xlsxwriter data_validation options for an input (or a table column) spec."""
    lo, hi = spec.bounds()
    kind = spec.kind
    opts: dict[str, Any]
    if kind in ("count", "rank", "level", "amount", "percent", "score"):
        opts = {"validate": "integer" if kind in ("count", "rank", "level") else "decimal"}
        if lo is not None and hi is not None:
            opts.update(criteria="between", minimum=_num(lo), maximum=_num(hi))
        elif lo is not None:
            opts.update(criteria=">=", value=_num(lo))
        elif hi is not None:
            opts.update(criteria="<=", value=_num(hi))
        else:
            opts.update(criteria="between", minimum=-1e15, maximum=1e15)
    elif kind == "yesno":
        opts = {"validate": "list", "source": ["是", "否"]}
    elif kind == "choice":
        if list_name is None:
            raise TemplateError(f"选项类填报项“{spec.label}”缺少下拉列表")
        opts = {"validate": "list", "source": f"={list_name}"}
    elif kind == "text":
        opts = {"validate": "length", "criteria": "<=", "value": TEXT_MAX_LENGTH}
    else:
        raise TemplateError(f"填报项“{spec.label}”的类型“{kind}”无法生成数据验证")
    guidance, allowed = _range_text(spec)
    opts.update(
        input_title=_clip(spec.label, 32),
        input_message=_clip(guidance + ("必填。" if spec.required else "选填。"), 255),
        error_title="填写内容不符合要求",
        error_message=_clip(f"“{spec.label}”应填写{allowed}。请核对后重新填写。", 255),
        error_type="stop", ignore_blank=True,
    )
    return opts


def _text_validation(title: str, limit: int = TEXT_MAX_LENGTH) -> dict[str, Any]:
    return {
        "validate": "length", "criteria": "<=", "value": limit,
        "input_title": _clip(title, 32),
        "input_message": f"请填写文字，不超过{limit}字。",
        "error_title": "内容过长", "error_message": f"请将内容控制在{limit}字以内。",
        "error_type": "stop", "ignore_blank": True,
    }


def _define(wb: Any, name: str, formula: str) -> None:
    if wb.define_name(name, formula) != 0:
        raise TemplateError(f"无法定义名称 {name}（{formula}）")


def _add_validation(ws: Any, first_row: int, first_col: int, last_row: int, last_col: int,
                    opts: dict[str, Any]) -> None:
    result = ws.data_validation(first_row, first_col, last_row, last_col, opts)
    if result != 0:
        where = xl_rowcol_to_cell(first_row, first_col)
        raise TemplateError(f"无法为单元格 {where} 设置数据验证（代码 {result}）",
                            hint="请检查指标体系中该填报项的提示文字长度和取值范围")


# ---------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------
class _Builder:
    """Builds one template; keeps the input map while writing."""

    def __init__(self, catalogue: Catalogue, request: TemplateRequest,
                 template_version: str) -> None:
        self.cat = catalogue
        self.req = request
        self.template_version = template_version
        self.indicators: list[Indicator] = catalogue.indicators_for_unit(request.unit)
        self.cells: list[tuple[str, ...]] = []
        self.input_count = 0
        self.list_columns = 0

    # -- identity ------------------------------------------------------------------------
    def identity(self) -> list[tuple[str, str]]:
        r = self.req
        rows = [
            ("format", FORMAT_NAME),
            ("template_version", self.template_version),
            ("round_id", str(r.round_id)),
            ("round_name", r.round_name),
            ("year", str(r.year)),
            ("entity", r.entity),
            ("unit", r.unit),
            ("catalogue_version", r.catalogue_version or self.cat.version),
            ("catalogue_hash", r.catalogue_hash or self.cat.hash),
            ("deadline", r.deadline),
            ("app_version", __version__),
            ("indicator_ids", ",".join(str(i.id) for i in self.indicators)),
        ]
        assert [k for k, _ in rows[: len(IDENTITY_KEYS)]] == list(IDENTITY_KEYS)
        return rows

    def inputs_of(self, ind: Indicator) -> list[InputSpec]:
        """The indicator's inputs this unit reports (inputs owned by another unit are left out)."""
        return self.cat.inputs_for_unit(ind, self.req.unit)

    # -- workbook ------------------------------------------------------------------------
    def write(self, path: Path) -> None:
        # merge_range() writes its text through write(): with these options every string is
        # written as a string (never a formula, URL or number), as write_string() does.
        wb = xlsxwriter.Workbook(str(path), {
            "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        try:
            self.fmt = _Formats(wb)
            r = self.req
            wb.set_properties({
                "title": f"{r.year}年度 {r.entity} {r.unit} 数据采集表",
                "subject": self.cat.title,
                "author": "济南市新型智慧城市评价工具",
                "company": r.entity,
                "keywords": FORMAT_NAME,
                "comments": f"round_id={r.round_id}; unit={r.unit}",
            })
            for key, value in self.identity()[:9]:
                wb.set_custom_property(f"JE_{key.upper()}", value or "-")
            cover = wb.add_worksheet(COVER_SHEET)
            data = wb.add_worksheet(DATA_SHEET)
            lists = wb.add_worksheet(LISTS_SHEET)
            meta = wb.add_worksheet(META_SHEET)
            self.lists = lists
            self.wb = wb
            self._write_data(data)
            self._write_cover(cover)
            self._finish_lists(lists)
            self._write_meta(wb, meta)
            cover.activate()
        finally:
            wb.close()

    # -- 数据填报 --------------------------------------------------------------------------
    def _write_data(self, ws: Any) -> None:
        f = self.fmt
        widest = max([6, *(len(s.columns) + 1 for ind in self.indicators
                           for s in self.inputs_of(ind) if s.kind == "table")])
        widths = list(DATA_WIDTHS) + [EXTRA_WIDTH] * max(0, widest - len(DATA_WIDTHS))
        self.widths = widths
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        last = len(widths) - 1
        span = sum(widths[1:6])
        self.span = span
        title = f"{self.req.year}年度 {self.req.entity}新型智慧城市评价数据采集表 — {self.req.unit}"
        ws.merge_range(0, 0, 0, 5, title, f.get(bold=True, font_size=14, font_color=COLOR_TITLE,
                                                  align="center", text_wrap=False))
        ws.set_row(0, 28)
        headers = ("编号", "填报项", "计量单位", "填报值", "填报说明", "佐证材料说明")
        head = f.text(bold=True, bg_color=COLOR_HEADER, align="center")
        for col, text in enumerate(headers):
            ws.write_string(1, col, text, head)
        ws.set_row(1, 22)
        row = 2
        for ind in self.indicators:
            row = self._write_indicator(ws, row, ind)
        row = self._write_filler(ws, row)
        ws.freeze_panes(2, 0)
        ws.repeat_rows(0, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        _footer(ws, self.req.unit)
        ws.print_area(0, 0, row - 1, last)
        self._protect(ws)

    def _merged_text(self, ws: Any, row: int, label: str, text: str) -> int:
        f = self.fmt
        ws.write_string(row, COL_NO, label, f.text(bold=True, align="center"))
        ws.merge_range(row, 1, row, 5, text, f.text())
        ws.set_row(row, _height([(text, self.span)]))
        return row + 1

    def _write_indicator(self, ws: Any, row: int, ind: Indicator) -> int:
        f = self.fmt
        head = f"指标 {ind.id}　{ind.name}"
        if ind.kind == "deduction":
            head += "（扣分项）"
        ws.merge_range(row, 0, row, 5, head, f.text(bold=True, bg_color=COLOR_HEADER,
                                                      font_size=11))
        ws.set_row(row, _height([(head, sum(DATA_WIDTHS) * 0.9)]))
        row += 1
        row = self._merged_text(ws, row, "指标说明", ind.description)
        row = self._merged_text(ws, row, "评估方法", ind.method)
        if ind.assumption:
            row = self._merged_text(ws, row, "评分口径", ind.assumption)
        row = self._merged_text(ws, row, "责任单位", self._units_text(ind))
        specs = self.inputs_of(ind)
        if not specs:
            row = self._merged_text(ws, row, "填报项", "本指标无需本单位填报数值，如有说明请填写在下方备注中。")
        for n, spec in enumerate(specs, 1):
            self.input_count += 1
            if spec.kind == "table":
                row = self._write_table(ws, row, ind, spec, n)
            else:
                row = self._write_input(ws, row, ind, spec, n)
        # notes
        ws.write_string(row, COL_NO, "备注", f.text(bold=True, align="center"))
        notes_fmt = f.input(required=False, kind="text")
        ws.merge_range(row, 1, row, 5, "", notes_fmt)
        ws.write_blank(row, 1, None, notes_fmt)
        ws.set_row(row, LINE_HEIGHT * 2 + 4)
        _add_validation(ws, row, 1, row, 1, _text_validation(f"指标{ind.id}备注"))
        self._map(ind.id, NOTES_KEY, None, "", row, 1, f"指标 {ind.id} 备注")
        return row + 2

    def _units_text(self, ind: Indicator) -> str:
        if ind.all_units:
            names = "各有关部门"
        else:
            names = "、".join(r.name + (f"（{r.note}）" if r.note else "") for r in ind.unit_refs)
        many = ind.all_units or len(ind.unit_refs) > 1
        if ind.collect == "per_unit":
            return f"{names}。各单位分别填报本单位数据。"
        if many:
            return f"{names}。各责任单位按同一口径填报，数据不一致时由评价工作组核实。"
        return names

    def _hint(self, spec: InputSpec) -> str:
        guidance, _ = _range_text(spec)
        parts = [p for p in (spec.hint, guidance) if p]
        if spec.kind == "choice":
            parts.append("可选：" + "；".join(o.label for o in spec.options))
        return "\n".join(parts)

    def _label(self, spec: InputSpec) -> str:
        return spec.label + ("（必填）" if spec.required else "（选填）")

    def _write_input(self, ws: Any, row: int, ind: Indicator, spec: InputSpec, n: int) -> int:
        f = self.fmt
        hint = self._hint(spec)
        label = self._label(spec)
        ws.write_string(row, COL_NO, f"{ind.id}-{n}", f.text(align="center"))
        ws.write_string(row, COL_LABEL, label, f.text())
        ws.write_string(row, COL_UNIT, spec.unit or INPUT_KIND_LABELS.get(spec.kind, ""),
                        f.text(align="center"))
        ws.write_blank(row, COL_VALUE, None, f.input(required=spec.required, kind=spec.kind))
        ws.write_string(row, COL_HINT, hint, f.text(font_size=9))
        ws.write_blank(row, COL_EVIDENCE, None, f.input(required=False, kind="evidence"))
        ws.set_row(row, _height([(label, DATA_WIDTHS[COL_LABEL]),
                                 (hint, DATA_WIDTHS[COL_HINT] * 1.1)]))
        _add_validation(ws, row, COL_VALUE, row, COL_VALUE,
                        _validation(spec, self._list_for(spec)))
        _add_validation(ws, row, COL_EVIDENCE, row, COL_EVIDENCE,
                        _text_validation(f"佐证材料说明：{spec.label}"))
        self._map(ind.id, spec.key, None, "", row, COL_VALUE, spec.label)
        self._map(ind.id, EVIDENCE_PREFIX + spec.key, None, "", row, COL_EVIDENCE,
                  f"佐证材料说明：{spec.label}")
        return row + 1

    def _write_table(self, ws: Any, row: int, ind: Indicator, spec: InputSpec, n: int) -> int:
        f = self.fmt
        rows = max(spec.max_rows, 1)
        hint = "\n".join(p for p in (spec.hint, f"在下表中逐行填写，最多 {rows} 行；不要插入或删除行、列。"
                                     "行数不够时请在备注中说明并另附清单。") if p)
        label = self._label(spec)
        ws.write_string(row, COL_NO, f"{ind.id}-{n}", f.text(align="center"))
        ws.write_string(row, COL_LABEL, label, f.text())
        ws.write_string(row, COL_UNIT, "明细表", f.text(align="center"))
        ws.write_string(row, COL_VALUE, "见下表", f.text(align="center", bg_color=COLOR_LOCKED))
        ws.write_string(row, COL_HINT, hint, f.text(font_size=9))
        ws.write_blank(row, COL_EVIDENCE, None, f.input(required=False, kind="evidence"))
        ws.set_row(row, _height([(label, DATA_WIDTHS[COL_LABEL]),
                                 (hint, DATA_WIDTHS[COL_HINT] * 1.1)]))
        _add_validation(ws, row, COL_EVIDENCE, row, COL_EVIDENCE,
                        _text_validation(f"佐证材料说明：{spec.label}"))
        self._map(ind.id, EVIDENCE_PREFIX + spec.key, None, "", row, COL_EVIDENCE,
                  f"佐证材料说明：{spec.label}")
        row += 1
        # header row: 序号 + one column per column spec, from column B on
        head = f.text(bold=True, align="center", bg_color=COLOR_LOCKED)
        ws.write_string(row, COL_NO, "序号", head)
        heights = []
        for c, col in enumerate(spec.columns, 1):
            text = col.label + (f"（{col.unit}）" if col.unit else "")
            text += "" if col.required else "（选填）"
            ws.write_string(row, c, text, head)
            heights.append((text, self.widths[c]))
        ws.set_row(row, _height(heights))
        row += 1
        first = row
        number = f.text(align="center")
        for r in range(rows):
            ws.write_number(row + r, COL_NO, r + 1, number)
            for c, col in enumerate(spec.columns, 1):
                ws.write_blank(row + r, c, None, f.input(required=col.required, kind=col.kind))
                self._map(ind.id, spec.key, r + 1, col.key, row + r, c, col.label)
        for c, col in enumerate(spec.columns, 1):
            _add_validation(ws, first, c, first + rows - 1, c, _validation(col, self._list_for(col)))
        return first + rows

    def _write_filler(self, ws: Any, row: int) -> int:
        f = self.fmt
        ws.merge_range(row, 0, row, 5, "填报人信息", f.text(bold=True, bg_color=COLOR_HEADER,
                                                          font_size=11))
        ws.set_row(row, 22)
        row += 1
        for key, label, hint in FILLER_FIELDS:
            ws.write_string(row, COL_NO, "", f.text())
            ws.merge_range(row, COL_LABEL, row, COL_UNIT, label + "（必填）", f.text(bold=True))
            kind = "date" if key == "date" else "text"
            ws.write_blank(row, COL_VALUE, None, f.input(required=True, kind=kind))
            ws.merge_range(row, COL_HINT, row, COL_EVIDENCE, hint, f.text(font_size=9))
            ws.set_row(row, 22)
            if key == "date":
                opts = {
                    "validate": "date", "criteria": "between",
                    "minimum": datetime(2000, 1, 1), "maximum": datetime(2100, 12, 31),
                    "input_title": "填报日期",
                    "input_message": "请按 2025-01-15 的格式填写日期。",
                    "error_title": "日期格式不正确",
                    "error_message": "请填写有效日期，格式如 2025-01-15。",
                    "error_type": "stop", "ignore_blank": True,
                }
            else:
                opts = _text_validation(label, 100)
            _add_validation(ws, row, COL_VALUE, row, COL_VALUE, opts)
            self._map(None, FILLER_PREFIX + key, None, "", row, COL_VALUE, label)
            row += 1
        return row

    # -- lists, map, meta ----------------------------------------------------------------
    def _list_for(self, spec: InputSpec) -> str | None:
        if spec.kind != "choice":
            return None
        col = self.list_columns
        self.list_columns += 1
        letter = xl_col_to_name(col)
        for r, option in enumerate(spec.options):
            self.lists.write_string(r, col, option.label)
        name = f"JE_LIST_{col + 1}"
        _define(self.wb, name, f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(spec.options)}")
        return name

    def _finish_lists(self, ws: Any) -> None:
        ws.write_string(0, max(self.list_columns, 0) + 1, "下拉列表来源，请勿修改",
                        self.fmt.get(italic=True))
        ws.hide()
        self._protect(ws)

    def _map(self, indicator_id: int | None, key: str, row_index: int | None, column_key: str,
             row: int, col: int, label: str) -> None:
        self.cells.append((
            "" if indicator_id is None else str(indicator_id), key,
            "" if row_index is None else str(row_index), column_key, DATA_SHEET,
            xl_rowcol_to_cell(row, col), label,
        ))

    def _write_meta(self, wb: Any, ws: Any) -> None:
        ws.set_column(0, 1, 24)
        ws.set_column(2, 6, 14)
        for r, (key, value) in enumerate(self.identity()):
            ws.write_string(r, 0, key)
            if value:
                ws.write_string(r, 1, value)
        value_row = {key: r for r, (key, _) in enumerate(self.identity())}
        for name, key in DEFINED_NAMES.items():
            _define(wb, name, f"='{META_SHEET}'!$B${value_row[key] + 1}")
        header = MAP_HEADER_ROW - 1
        for c, text in enumerate(MAP_COLUMNS):
            ws.write_string(header, c, text)
        for r, cells in enumerate(self.cells, header + 1):
            for c, text in enumerate(cells):
                if text:
                    ws.write_string(r, c, text)
        last = header + len(self.cells)
        _define(wb, MAP_NAME, f"='{META_SHEET}'!$A${header + 1}:$G${last + 1}")
        ws.hide()
        self._protect(ws)

    # -- 填报说明 --------------------------------------------------------------------------
    def _write_cover(self, ws: Any) -> None:
        f = self.fmt
        r = self.req
        widths = (14, 58, 48)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.hide_gridlines(2)
        title = f"{r.year}年度{r.entity}新型智慧城市评价\n数据采集表（{r.unit}）"
        ws.merge_range(0, 0, 0, 2, title, f.get(bold=True, font_size=16, align="center",
                                                  font_color=COLOR_TITLE))
        ws.set_row(0, 50)
        label_fmt = f.text(bold=True, bg_color=COLOR_HEADER, align="center")
        value_fmt = f.text()
        info = [
            ("评价轮次", r.round_name), ("评价年度", f"{r.year}年度"), ("评价对象", r.entity),
            ("填报单位", r.unit), ("报送截止", r.deadline or "见通知"),
            ("联系人", r.contact_person or "见通知"), ("联系电话", r.contact_phone or "见通知"),
            ("指标体系", f"{self.cat.title}（版本 {r.catalogue_version or self.cat.version}）"),
            ("指标数量", f"本单位需填报 {len(self.indicators)} 项指标，"
                         f"{sum(len(self.inputs_of(i)) for i in self.indicators)} 个填报项"),
        ]
        row = 2
        for label, value in info:
            ws.write_string(row, 0, label, label_fmt)
            ws.merge_range(row, 1, row, 2, value, value_fmt)
            ws.set_row(row, _height([(value, widths[1] + widths[2])]))
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "填报步骤")
        deadline = r.deadline or "规定时间"
        contact = r.contact_person or "评价工作组"
        if r.contact_phone:
            contact += f"（电话 {r.contact_phone}）"
        steps = [
            "打开“数据填报”工作表，逐项填写带底色的单元格：黄色为必填，绿色为选填；其他单元格已锁定，无需填写。",
            "数值只填阿拉伯数字，不要填写计量单位、文字或“约”“左右”等字样；计量单位见“计量单位”列。",
            "百分比填写0-100之间的数值，如85表示85%，不要输入“%”。",
            "“是/否”和选项类填报项请点击单元格右侧的下拉箭头选择，不要自行输入。",
            "明细表按行逐条填写，不要插入或删除行、列；行数不够时请在该指标的备注中说明并另附清单。",
            "在“佐证材料说明”栏写明佐证材料的名称、文号或网址；佐证材料按通知要求另行报送。",
            "确实无法提供的数据请留空，并在该指标的“备注”中说明原因，不要填0。",
            "填写表末的填报人、联系电话、填报日期和审核人，经本单位审核后报送。",
            "请勿修改工作表名称和结构，不要删除隐藏的工作表，也不要把内容复制到新文件；"
            "用 Excel 或 WPS 直接保存为 .xlsx 格式（WPS 请选择“Excel 文件(*.xlsx)”）。",
            f"请于{deadline}前将本文件报送{contact}，文件名请保持不变。",
        ]
        for n, text in enumerate(steps, 1):
            ws.write_string(row, 0, f"第{n}步", f.text(align="center"))
            ws.merge_range(row, 1, row, 2, text, value_fmt)
            ws.set_row(row, _height([(text, widths[1] + widths[2])]))
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "单元格颜色说明")
        legend = [
            (COLOR_REQUIRED, "必填", "黄色单元格：必须填写的数据"),
            (COLOR_OPTIONAL, "选填", "绿色单元格：选填的内容（佐证材料说明、备注等）"),
            (COLOR_HEADER, "指标", "蓝色行：指标名称和表头，不可修改"),
            (COLOR_LOCKED, "锁定", "灰色或白色单元格：说明文字，已锁定，无需填写"),
        ]
        for color, sample, text in legend:
            ws.write_string(row, 0, sample, f.get(border=1, align="center", bg_color=color))
            ws.merge_range(row, 1, row, 2, text, value_fmt)
            ws.set_row(row, 20)
            row += 1
        row += 1
        row = self._cover_heading(ws, row, "本单位填报的指标")
        head = f.text(bold=True, bg_color=COLOR_HEADER, align="center")
        for col, text in enumerate(("编号", "指标名称", "评分口径")):
            ws.write_string(row, col, text, head)
        ws.set_row(row, 20)
        row += 1
        for ind in self.indicators:
            ws.write_number(row, 0, ind.id, f.text(align="center"))
            ws.write_string(row, 1, ind.name, value_fmt)
            assumption = ind.assumption or "按评估方法计算"
            ws.write_string(row, 2, assumption, f.text(font_size=9))
            ws.set_row(row, _height([(ind.name, widths[1]), (assumption, widths[2] * 1.1)]))
            row += 1
        ws.set_portrait()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        _footer(ws, r.unit)
        self._protect(ws)

    def _cover_heading(self, ws: Any, row: int, text: str) -> int:
        ws.merge_range(row, 0, row, 2, text, self.fmt.get(bold=True, font_size=12,
                                                           font_color=COLOR_TITLE))
        ws.set_row(row, 22)
        return row + 1

    @staticmethod
    def _protect(ws: Any) -> None:
        ws.protect("", {
            "format_columns": True, "format_rows": True,
            "select_locked_cells": True, "select_unlocked_cells": True,
        })

