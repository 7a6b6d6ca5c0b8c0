"""Reading one cell as the value of an input, the way people really fill in workbooks.

Units type ``85%``, ``0.85`` or ``８５`` into a percent cell, ``1，234`` into a count, ``√`` into a
yes/no cell, ``约100`` or ``不适用`` where a number belongs, and leave formulas, dates and
``#DIV/0!`` behind. :func:`parse_value` turns a :class:`~jinan_eval_gui.collect.xlsxsafe.CellValue` into the
stored value of an input kind (see "Input kinds" in docs/DESIGN.md) plus findings in Chinese.

The rule: anything that cannot be read exactly is a finding, never a guess. An ``error`` finding
means there is no value (``Parsed.value`` is None); ``warning`` and ``info`` findings keep the
value and tell the user what was assumed or noticed. A blank cell is ``None`` with no finding:
whether an input is required is the importer's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Literal

from .xlsxsafe import CellValue, serial_to_datetime

__all__ = ["KINDS", "Issue", "Parsed", "parse_value"]

KINDS = ("count", "amount", "percent", "yesno", "choice", "rank", "level", "score", "text")
NUMERIC_KINDS = frozenset({"count", "amount", "percent", "rank", "level", "score"})
WHOLE_KINDS = frozenset({"count", "rank", "level"})
PERCENT_MODES = ("number", "fraction")
DEFAULT_MAX_TEXT = 2000

Severity = Literal["error", "warning", "info"]

_KIND_LABELS = {
    "count": "数量（整数）", "amount": "数值", "percent": "百分比", "rank": "排名（整数）",
    "level": "等级（整数）", "score": "分值", "yesno": "是/否", "choice": "选项", "text": "文字",
}
_EXCEL_ERRORS = {
    "#DIV/0!": "除数为零", "#N/A": "找不到引用的值", "#REF!": "引用的单元格已被删除",
    "#VALUE!": "公式中的值类型不对", "#NAME?": "公式中有无法识别的名称", "#NUM!": "数值无效",
    "#NULL!": "引用的区域没有交集", "#SPILL!": "结果溢出区域被占用", "#CALC!": "计算出错",
    "#GETTING_DATA": "数据尚未取得",
}
_YES = {"是", "有", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "是的"}
_NO = {"否", "无", "没有", "×", "✗", "✘", "☒", "n", "no", "false", "0"}
_APPROX_RE = re.compile(r"约|大约|大概|左右|上下|近|余|多|以上|以下|以内|不足|不到|超过|至少|最多|"
                        r"≈|~|～|>|<|≥|≤|\+$|若干|估")
_NOT_APPLICABLE = {"不适用", "无", "暂无", "没有", "空", "n/a", "na", "none", "null", "-", "--",
                   "—", "——", "/", "\\", "无数据", "未统计", "不涉及", "缺"}
_CHINESE_NUMERALS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")
_NUMBER_RE = re.compile(
    r"(?P<sign>[+-])?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)"
    r"(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?"
)
#: Typed numbers are checked before any Decimal work: at most this many characters (digits,
#: separators, sign, exponent) and an exponent of at most this magnitude.
MAX_TYPED_NUMBER_CHARS = 60
MAX_TYPED_EXPONENT = 400
#: Beyond these powers of ten a value is not a plausible return (and would print as a wall of
#: digits); what lies between is stored exactly.
MAX_MAGNITUDE = 20
MIN_MAGNITUDE = -20
# Full-width ASCII forms (U+FF01..FF5E) to ASCII, the many spaces to a space, minus signs to "-",
# invisible characters removed. Deliberately not NFKC: that would also read "²", "①" or "½" as
# digits, which is a guess.
_WIDTH_MAP = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_MAP.update({code: " " for code in (0x00A0, 0x3000, 0x202F, 0x205F, *range(0x2000, 0x200B))})
_WIDTH_MAP.update({0x2212: "-", 0xFE63: "-", 0x2796: "-"})
_WIDTH_MAP.update({code: None for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})
_CLEAN_TABLE = str.maketrans(_WIDTH_MAP)
_EXCEL_DIGITS = Context(prec=15)
_EXACT = Context(prec=60)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Issue:
    """A finding about one cell: ``severity``, a stable ``code`` and a Chinese ``message``."""

    severity: Severity
    code: str
    message: str


@dataclass(frozen=True)
class Parsed:
    """The value read from a cell (None if blank or unreadable) and the findings about it."""

    value: Decimal | str | None
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(i.severity == "error" for i in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")


class _Unreadable(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.issue = Issue("error", code, message)


# --------------------------------------------------------------------------------------------
# Helpers


def _clean(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII, invisible characters removed,
    whitespace (incl. NBSP and the ideographic space) stripped at both ends."""
    return text.translate(_CLEAN_TABLE).strip()


def _fmt(number: Decimal) -> str:
    """A number as people would write it (no exponent, no trailing zeros)."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _brief(number: Decimal) -> str:
    """A number for a message: as written when short, else in scientific notation (a value of
    1E+300 must not become a 300-digit message)."""
    if MIN_MAGNITUDE <= number.adjusted() <= MAX_MAGNITUDE:
        return _fmt(number)
    mantissa, _, exponent = f"{number:.6E}".partition("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def _canon(number: Decimal, *, excel: bool) -> Decimal:
    """Canonical Decimal: 15 significant digits for numbers stored by Excel (a double), exact
    otherwise; integral values without exponent (``1E+3`` -> ``1000``), no trailing zeros.
    Magnitudes beyond 1E+20 or below 1E-20 are findings (their exponent is read first, so
    this costs nothing whatever the exponent)."""
    if number.is_zero():
        return Decimal(0)
    if number.adjusted() > MAX_MAGNITUDE:
        raise _Unreadable("too_large", f"数值 {_brief(number)} 过大，不像是实际填报的数据。请核对后重新填写。")
    if number.adjusted() < MIN_MAGNITUDE:
        raise _Unreadable("too_small", f"数值 {_brief(number)} 过小（小数位数过多），不像是实际填报的"
                                       "数据。请核对后重新填写。")
    number = number.normalize(_EXCEL_DIGITS if excel else _EXACT)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1), context=_EXACT)
    return number


def _quote(raw: str) -> str:
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    return f"“{shown}”"


def _date_text(cell: CellValue) -> str:
    if cell.type == "d":
        return cell.raw[:19].replace("T00:00:00", "")
    try:
        moment = serial_to_datetime(Decimal(cell.raw), cell.date1904)
    except (InvalidOperation, OverflowError, ValueError):
        return cell.raw
    if moment.hour or moment.minute or moment.second:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


def _number_text(text: str) -> tuple[Decimal, bool, bool]:
    """Read typed text as an exact number: ``(value, had_percent_sign, scientific)``.

    Accepts full-width forms, a leading apostrophe, ``+``/``-``, thousands separators in groups
    of three, a trailing ``%`` and scientific notation; raises _Unreadable otherwise.
    """
    raw = text
    s = _clean(text)
    if s.startswith("'"):
        s = s[1:].strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip()
    m = _NUMBER_RE.fullmatch(s) if len(s) <= MAX_TYPED_NUMBER_CHARS else None
    if m and (m.group("int") or m.group("frac")):
        exponent = m.group("exp")
        if exponent is not None and (len(exponent.lstrip("+-")) > 4
                                     or abs(int(exponent)) > MAX_TYPED_EXPONENT):
            raise _Unreadable("out_of_range", f"{_quote(raw.strip())}超出可读取的数值范围，不像是实际"
                                              "填报的数据。请核对后重新填写。")
        digits = s.replace(",", "")
        try:
            number = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            number = None
        if number is not None and number.is_finite():
            return number, percent, m.group("exp") is not None
    raise _Unreadable(*_why_not_number(raw, s))


def _why_not_number(raw: str, cleaned: str) -> tuple[str, str]:
    q = _quote(raw.strip())
    if len(cleaned) > MAX_TYPED_NUMBER_CHARS and re.fullmatch(r"[0-9.,eE+-]+", cleaned):
        return ("too_many_digits", f"{q}有 {len(cleaned)} 位，超出可准确读取的数字长度，不像是实际填报"
                                   "的数据。请核对后重新填写。")
    lowered = cleaned.casefold()
    has_digit = any("0" <= ch <= "9" for ch in cleaned)
    if lowered in _NOT_APPLICABLE:
        return ("not_applicable", f"{q}不是数值。如果实际为 0，请填写 0；如果本项不适用，请留空，"
                                  "并在说明栏写明原因。")
    if _APPROX_RE.search(cleaned):
        return ("approximate", f"{q}不是确切的数值（含“约”“左右”“以上”等字样），无法准确读取。"
                               "请填写确切的数字。")
    if cleaned and all(ch in _CHINESE_NUMERALS for ch in cleaned):
        return ("chinese_numeral", f"{q}是汉字数字，请改用阿拉伯数字填写（如 85）。")
    if has_digit and re.fullmatch(r"[+-]?[0-9,]+(\.[0-9]*)?%?", cleaned):
        return ("bad_separator", f"{q}中的逗号位置不对（千位分隔符应每三位一个，小数点应为“.”），"
                                 "无法准确读取。请填写不带分隔符的数字，如 1234.5。")
    if has_digit and re.fullmatch(r"[0-9.,\s]+", cleaned):
        return ("several_numbers", f"{q}看起来含有多个数字或多余的空格、标点，无法准确读取。"
                                   "请只填写一个数字。")
    if has_digit:
        return ("number_with_text", f"{q}含有数字以外的文字、单位或符号，无法准确读取。请只填写数字"
                                    "（单位以表头为准）。")
    return ("not_number", f"{q}不是数字，请填写数字。")


def _options(options: Iterable[Any] | None) -> list[tuple[str, Any]]:
    out = []
    for option in options or ():
        if isinstance(option, str):  # a bare label: the label is the value
            label, value = option, option
        elif isinstance(option, Mapping):
            label, value = option["label"], option["value"]
        elif isinstance(option, tuple):
            label, value = option
        else:
            label, value = option.label, option.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = Decimal(str(value))
        out.append((str(label), value))
    return out


def _match_key(text: str) -> str:
    return re.sub(r"\s+", " ", _clean(text)).casefold()


# --------------------------------------------------------------------------------------------
# Kinds


def _read_number(cell: CellValue, kind: str, percent_mode: str, issues: list[Issue]) -> Decimal:
    label = _KIND_LABELS[kind]
    if cell.type == "b":
        raise _Unreadable("boolean", f"单元格是逻辑值 {'TRUE' if cell.value else 'FALSE'}，不是数字。"
                                     f"此项应填写{label}，请填写数字。")
    if cell.type == "d" or (cell.type == "n" and cell.is_date_format):
        raise _Unreadable("date", f"单元格被设置为日期格式（显示为 {_date_text(cell)}），不能当作数值"
                                  "读取。请把单元格格式改为“常规”或“数值”，再重新填写数字。")
    if cell.type == "n":
        assert isinstance(cell.value, Decimal)
        number = _canon(cell.value, excel=True)
        if kind == "percent" and (cell.is_percent_format or percent_mode == "fraction"):
            scaled = _canon(number * _HUNDRED, excel=True)
            if cell.is_percent_format:
                issues.append(Issue("info", "percent_format",
                                    f"单元格为百分比格式（显示为 {_fmt(scaled)}%），已读取为 "
                                    f"{_fmt(scaled)}。"))
            return scaled
        if kind == "percent":
            _check_fraction(number, issues)
        elif cell.is_percent_format:
            issues.append(Issue("warning", "percent_format_elsewhere",
                                f"单元格被设置为百分比格式（显示为 {_fmt(number * _HUNDRED)}%），"
                                f"已按保存的数值 {_fmt(number)} 读取。此项应填写{label}，请核对，并把"
                                "单元格格式改为“常规”或“数值”。"))
        return number
    # Text: typed as text, pasted, or the text result of a formula.
    number, percent, scientific = _number_text(str(cell.value))
    number = _canon(number, excel=False)
    shown = f"{_fmt(number)}%（记为 {_fmt(number)}）" if percent else _fmt(number)
    issues.append(Issue("info", "number_as_text",
                        f"数字以文本形式保存（{_quote(cell.raw.strip())}），已按 {shown} 读取。"))
    if scientific:
        issues.append(Issue("info", "scientific",
                            f"{_quote(cell.raw.strip())}是科学计数法，已换算为 {_fmt(number)}。"))
    if percent and kind != "percent":
        raise _Unreadable("percent_sign", f"{_quote(cell.raw.strip())}带有百分号，但此项应填写{label}，"
                                          "请只填写数字。")
    if kind == "percent" and not percent:
        _check_fraction(number, issues)
    return number


def _check_fraction(number: Decimal, issues: list[Issue]) -> None:
    if 0 < number <= 1:
        shown = _fmt(number)
        issues.append(Issue("warning", "percent_fraction",
                            f"填写的是 {shown}，疑似填写了小数形式（如 0.85 表示 85%）。本表百分比请填写 "
                            f"0 到 100 之间的数字（85% 填 85）；如果确实是 {shown}%，可忽略此提示。"))


def _check_bounds(number: Decimal, kind: str, minimum: Decimal | None,
                  maximum: Decimal | None) -> None:
    label, shown = _KIND_LABELS[kind], _fmt(number)
    if kind in WHOLE_KINDS and number != number.to_integral_value():
        raise _Unreadable("not_whole", f"此项应填写整数，填写的 {shown} 带有小数，不会自动取整。"
                                       "请填写整数。")
    if kind == "rank" and number < 1:
        raise _Unreadable("rank_range", f"排名应为 1 及以上的整数，填写的是 {shown}。")
    if number < 0 and kind in NUMERIC_KINDS:
        raise _Unreadable("negative", f"{label}不能为负数，填写的是 {shown}。请填写 0 或正数。")
    if kind in ("percent", "score") and number > _HUNDRED:
        raise _Unreadable("out_of_range", f"{label}应在 0 到 100 之间，填写的是 {shown}。")
    if minimum is not None and number < minimum:
        raise _Unreadable("below_min", f"此项不能小于 {_fmt(Decimal(minimum))}，填写的是 {shown}。")
    if maximum is not None and number > maximum:
        raise _Unreadable("above_max", f"此项不能大于 {_fmt(Decimal(maximum))}，填写的是 {shown}。")


def _read_yesno(cell: CellValue, issues: list[Issue]) -> Decimal:
    if cell.type == "b":
        return Decimal(1) if cell.value else Decimal(0)
    if cell.type == "n" and not cell.is_date_format:
        token = _fmt(_canon(cell.value, excel=True))  # type: ignore[arg-type]
    elif cell.type in ("s", "str"):
        token = _clean(str(cell.value)).casefold()
    else:
        token = ""
    if token in _YES or token in _NO:
        answer = "是" if token in _YES else "否"
        if token not in ("是", "否"):
            issues.append(Issue("info", "yesno_synonym",
                                f"{_quote(cell.raw.strip())}已按“{answer}”读取。"))
        return Decimal(1) if answer == "是" else Decimal(0)
    raise _Unreadable("not_yesno", f"{_quote(cell.raw.strip())}不是“是”或“否”，无法准确读取。"
                                   "请从下拉列表中选择“是”或“否”。")


def _read_choice(cell: CellValue, options: list[tuple[str, Any]], issues: list[Issue]) -> Any:
    if cell.type == "n" and not cell.is_date_format:
        typed = _fmt(_canon(cell.value, excel=True))  # type: ignore[arg-type]
    elif cell.type in ("s", "str", "b"):
        typed = str(cell.value) if cell.type != "b" else ("TRUE" if cell.value else "FALSE")
    else:
        typed = _date_text(cell)
    exact = [value for label, value in options if label == typed.strip()]
    if len(exact) == 1:
        return exact[0]
    key = _match_key(typed)
    loose = [(label, value) for label, value in options if _match_key(label) == key]
    if len(loose) == 1:
        issues.append(Issue("info", "choice_normalised",
                            f"{_quote(typed.strip())}已按选项“{loose[0][0]}”读取。"))
        return loose[0][1]
    labels = "、".join(label for label, _ in options[:12]) + ("等" if len(options) > 12 else "")
    raise _Unreadable("not_option", f"{_quote(typed.strip())}不是可选项，无法准确读取。"
                                    f"请从下拉列表中选择：{labels}。")


def _read_text(cell: CellValue, max_length: int) -> str:
    if cell.type == "n":
        text = _date_text(cell) if cell.is_date_format else _fmt(_canon(cell.value, excel=True))  # type: ignore[arg-type]
    elif cell.type == "d":
        text = _date_text(cell)
    elif cell.type == "b":
        text = "TRUE" if cell.value else "FALSE"
    else:
        text = str(cell.value).strip()
    if len(text) > max_length:
        raise _Unreadable("too_long", f"文字说明有 {len(text)} 个字，超过 {max_length} 字的上限。"
                                      "请精简后重新填写，详细材料可另附文件。")
    return text


# --------------------------------------------------------------------------------------------
# Entry point


def parse_value(
    cell: CellValue,
    kind: str,
    *,
    options: Iterable[Any] | None = None,
    percent_mode: str = "number",
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    max_text_length: int = DEFAULT_MAX_TEXT,
) -> Parsed:
    """Read ``cell`` as the value of an input of ``kind``.

    ``kind``: one of KINDS (a ``table`` input is read column by column with the column's kind).
    ``options``: for ``choice``, bare labels, ``{label, value}`` mappings, ``(label, value)``
    pairs or objects with ``.label``/``.value``; the option's value is returned (the canonical
    label for bare labels, even when the typed text differed in width, case or spaces).
    ``percent_mode``: ``"number"`` (the template asks for 0..100; a number in a cell formatted as
    percent is a fraction Excel stores, so 0.85 there reads as 85) or ``"fraction"`` (every
    stored number in a percent input is a fraction of 1). ``minimum``/``maximum``: the input's
    declared bounds, checked besides those the kind implies.

    Returns the stored value (Decimal for numeric kinds, yes/no as 1/0; ``str`` for text; the
    option's value for choice) or None, with findings; an ``error`` finding means value None.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown input kind {kind!r} (table inputs are read per column)")
    if percent_mode not in PERCENT_MODES:
        raise ValueError(f"unknown percent_mode {percent_mode!r}")
    choice_options = _options(options) if kind == "choice" else []
    if kind == "choice" and not choice_options:
        raise ValueError("a choice input needs options")

    if cell.type == "bad":
        return Parsed(None, (Issue(
            "error", "ambiguous",
            f"{cell.problem}，无法确定 Excel 中显示的值。请在 Excel 或 WPS 中检查该单元格，重新填写后"
            "保存再发送。"),))
    issues: list[Issue] = []
    if cell.has_formula:
        if cell.type == "blank":
            return Parsed(None, (Issue(
                "error", "formula_without_value",
                "单元格含公式，但文件中没有保存计算结果，无法读取。请在 Excel 或 WPS 中打开该文件、"
                "确认公式结果后保存，或直接填写数值。"),))
        shown = cell.raw if cell.type != "b" else ("TRUE" if cell.value else "FALSE")
        issues.append(Issue("warning", "formula",
                            f"单元格含公式，已取其计算结果（{shown[:40]}）。请确认结果正确；建议直接"
                            "填写数值。"))
    if cell.type == "blank":
        return Parsed(None, tuple(issues))
    if cell.type == "e":
        meaning = _EXCEL_ERRORS.get(cell.raw.upper(), "公式出错")
        issues.append(Issue("error", "excel_error",
                            f"单元格显示错误值 {cell.raw}（{meaning}），无法读取。请检查公式，"
                            "或直接填写数值。"))
        return Parsed(None, tuple(issues))
    if cell.type in ("s", "str") and not _clean(str(cell.value)):
        if str(cell.value):
            issues.append(Issue("info", "only_spaces", "单元格只有空格，按未填写处理。"))
        return Parsed(None, tuple(issues))

    try:
        value: Decimal | str | Any
        if kind == "text":
            value = _read_text(cell, max_text_length)
        elif kind == "yesno":
            value = _read_yesno(cell, issues)
        elif kind == "choice":
            value = _read_choice(cell, choice_options, issues)
        else:
            value = _read_number(cell, kind, percent_mode, issues)
            _check_bounds(value, kind, minimum, maximum)
    except _Unreadable as exc:
        issues = [i for i in issues if i.code == "formula"]
        issues.append(exc.issue)
        return Parsed(None, tuple(issues))
    return Parsed(value, tuple(issues))
