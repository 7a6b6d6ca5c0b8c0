"""How a template looks: colours, fonts, column widths, row heights, formats, data validations."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from jinan_eval_gui.catalogue import InputSpec
from jinan_eval_gui.errors import TemplateError

from .contract import PERCENT_HINT, TEXT_MAX_LENGTH

FONT = "Microsoft YaHei"
COLOR_REQUIRED = "#FFF2CC"  # light yellow: input cells to fill
COLOR_OPTIONAL = "#E2EFDA"  # light green: optional input cells
COLOR_HEADER = "#DDEBF7"  # indicator header rows
COLOR_LOCKED = "#F2F2F2"  # locked cells inside an input block (e.g. "见下表")
COLOR_TITLE = "#1F4E79"


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


def input_guidance(spec: InputSpec) -> str:
    """What a cell of ``spec`` asks for, in the words of its data validation (for a finding's
    detail: the rule the value typed broke)."""
    return _range_text(spec)[0]


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
