"""Writing one template workbook per (entity, unit) with xlsxwriter."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from jinan_eval_gui import __version__
from jinan_eval_gui.catalogue import INPUT_KIND_LABELS, Catalogue, Indicator, InputSpec
from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.errors import TemplateError
from jinan_eval_gui.system import oserrors
from jinan_eval_gui.system.atomic import atomic_path

from .contract import (
    COVER_SHEET,
    DATA_SHEET,
    DEFINED_NAMES,
    EVIDENCE_PREFIX,
    FILLER_FIELDS,
    FILLER_PREFIX,
    FORMAT_NAME,
    IDENTITY_KEYS,
    LISTS_SHEET,
    MAP_COLUMNS,
    MAP_HEADER_ROW,
    MAP_NAME,
    META_SHEET,
    NOTES_KEY,
    TEMPLATE_VERSION,
    CancelledFn,
    GeneratedTemplate,
    ProgressFn,
    TemplateRequest,
    file_name,
)
from .cover import CoverSheet
from .layout import (
    COL_EVIDENCE,
    COL_HINT,
    COL_LABEL,
    COL_NO,
    COL_UNIT,
    COL_VALUE,
    COLOR_HEADER,
    COLOR_LOCKED,
    COLOR_TITLE,
    DATA_WIDTHS,
    EXTRA_WIDTH,
    LINE_HEIGHT,
    _add_validation,
    _define,
    _footer,
    _Formats,
    _height,
    _range_text,
    _text_validation,
    _validation,
)


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
        raise TemplateError(f"无法创建输出文件夹“{out}”：{oserrors.describe(exc)}",
                            hint=oserrors.remedy(exc)) from exc
    target = out / file_name(request)
    with atomic_path(target, error=TemplateError) as tmp:
        builder = _Builder(catalogue, request, template_version)
        try:
            builder.write(tmp)
        except OSError as exc:  # the system's words are English: say it in Chinese
            raise TemplateError(f"无法写入“{target.name}”：{oserrors.describe(exc)}",
                                hint=oserrors.remedy(exc)) from exc
        except XlsxWriterException as exc:
            raise TemplateError(f"无法写入“{target.name}”：生成工作簿时出错",
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
# The builder
# ---------------------------------------------------------------------------------------
class _Builder(CoverSheet):
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
        row = self._merged_text(ws, row, "计分公式", "\n".join(wording.lines(ind)))
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

    @staticmethod
    def _protect(ws: Any) -> None:
        ws.protect("", {
            "format_columns": True, "format_rows": True,
            "select_locked_cells": True, "select_unlocked_cells": True,
        })
