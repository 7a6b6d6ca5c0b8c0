"""The report's wording and number formats: ``templates/report/report.toml`` and helpers."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.system import paths

from .blocks import ReportInfo


# ---------------------------------------------------------------------------------------
# Layout file (report.toml)
# ---------------------------------------------------------------------------------------
def layout_path() -> Path:
    return paths.template("report", "report.toml")


def docx_template_path() -> Path:
    return paths.template("report", "report_template.docx")


def load_layout(path: Path | None = None) -> dict[str, Any]:
    """Read report.toml (the fixed wording, section titles, style names and PDF sizes)."""
    path = path or layout_path()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ExportError(f"找不到报告模板文件“{path}”", hint="请重新安装本程序") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(f"报告模板文件“{path.name}”格式有误：{exc}",
                          hint="请用文本编辑器检查该行的引号和括号") from exc
    for section in ("document", "labels", "sections", "text", "styles", "pdf"):
        if not isinstance(data.get(section), dict):
            raise ExportError(f"报告模板文件“{path.name}”缺少 [{section}] 部分")
    return data


class _Text:
    """Looks up wording in the layout and fills its placeholders, with Chinese errors."""

    def __init__(self, layout: Mapping[str, Any]) -> None:
        self.layout = layout

    def raw(self, section: str, key: str) -> Any:
        try:
            return self.layout[section][key]
        except KeyError:
            raise ExportError(f"报告模板文件 report.toml 缺少“{section}.{key}”",
                              hint="请从安装目录恢复该文件，或补上这一项") from None

    def __call__(self, section: str, key: str, **values: Any) -> str:
        template = self.raw(section, key)
        try:
            return str(template).format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ExportError(f"报告模板文件 report.toml 中“{section}.{key}”的占位符有误：{exc}",
                              hint="花括号中只能使用原有的占位符名称") from None

    def label(self, key: str) -> str:
        return self("labels", key)


# ---------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------
def fmt(value: Decimal | float | None, dash: str = "—") -> str:
    """A score with 2 decimals (82.27), or a dash when there is none."""
    if value is None:
        return dash
    return f"{Decimal(str(value)):.2f}"


def fmt_delta(current: Decimal | None, previous: Decimal | None, dash: str = "—") -> str:
    """The change from last year with its sign (+1.23, -0.50, 0.00)."""
    if current is None or previous is None:
        return dash
    delta = current - previous
    return f"{delta:+.2f}" if delta else "0.00"


def fmt_weight(weight: Decimal | None, dash: str = "—") -> str:
    if weight is None:
        return dash
    return str(int(weight)) if weight == weight.to_integral_value() else f"{weight.normalize()}"


def fmt_number(value: Any) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value.normalize():f}"
    return str(value)


def _date_text(text: _Text, when: date) -> str:
    return text("document", "date_format", y=when.year, m=when.month, d=when.day)


def _round_field(round_info: Any, *names: str) -> Any:
    for name in names:
        if isinstance(round_info, Mapping):
            if round_info.get(name) not in (None, ""):
                return round_info[name]
        elif getattr(round_info, name, None) not in (None, ""):
            return getattr(round_info, name)
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def _chinese_number(text: _Text, n: int) -> str:
    digits = str(text.raw("document", "chinese_numbers"))
    if n <= len(digits):
        return digits[n - 1]
    if n < 20 and len(digits) >= 10:
        return digits[9] + digits[n - 11]
    return str(n)


def entities_text(layout: Mapping[str, Any], names: Sequence[str], limit: int = 6) -> str:
    """“济南市、青岛市” or “济南市、青岛市、……等 16 个” for the cover and file names."""
    if len(names) <= limit:
        return "、".join(names)
    return _Text(layout)("document", "entities_text", names="、".join(names[:limit - 1]),
                         n=len(names))


def _minus(points: Decimal) -> str:
    return f"-{points:.2f}" if points else "0.00"


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _input_text(spec: Any, value: Any, used: Sequence[int] | None = None) -> str:
    """An input value as a reader understands it (是/否, options, units, per-unit lists).

    ``used``: for per-unit lists, the positions of the units the score was computed from, so a
    text never counts a unit the score left out.
    """
    if isinstance(value, list):
        if used is not None:
            value = [value[i] for i in used if i < len(value)]
        present = [v for v in value if v is not None]
        if spec.kind == "yesno":
            yes = sum(1 for v in present if v)
            return f"是 {yes} 个单位、否 {len(present) - yes} 个单位"
        total = sum(present, Decimal(0))
        return f"合计 {fmt_number(total)}{spec.unit}（{len(present)} 个单位）"
    if spec.kind == "yesno" and isinstance(value, Decimal):
        return "是" if value else "否"
    if spec.kind == "choice":
        for opt in spec.options:
            if opt.value == value:
                return opt.label
    if isinstance(value, str):
        return value if len(value) <= 120 else value[:119] + "…"
    return f"{fmt_number(value)}{spec.unit}"


def _report_info(layout: Mapping[str, Any], round_info: Any, entity: str,
                 today: date | None, draft: bool = False) -> ReportInfo:
    """Title page and running header/footer facts, shared by single and round reports."""
    text = _Text(layout)
    year = _round_field(round_info, "year")
    if year is None:
        raise ExportError("评价轮次信息中缺少年度，无法生成报告", hint="请在轮次设置中填写评价年度")
    when = _as_date(_round_field(round_info, "report_date", "date")) or today or date.today()
    title = text("document", "title")
    return ReportInfo(
        title=title, year=int(year), entity=entity, date_text=_date_text(text, when),
        issuer=text("document", "issuer"),
        header=text("document", "header", title=title, year=year)
        + (text("document", "draft_header") if draft else ""),
        footer=str(text.raw("document", "footer")), draft=draft,
    )
