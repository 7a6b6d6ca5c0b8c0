"""The cover note of a feedback workbook (致各单位的反馈说明): what to correct, by when, whom to call.

A sheet in plain words that a unit's staff can read and print without the office on the phone:
the file it is about, the counts, every problem in a numbered list (errors first), the date to
send the corrected file by, how to correct it and whom to ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.store import Finding
from jinan_eval_gui.store.db import SEVERITIES

NOTE_SHEET = "反馈说明"
NOTE_TITLE = "致各单位的反馈说明"
#: Problems listed one by one on the note (the 校验结果 sheet lists all of them).
LISTED = 40
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FeedbackNote:
    """What the cover note says besides the findings (all texts as people read them)."""

    round_name: str
    entity: str
    unit: str
    file_name: str
    version: int | None = None
    received: str = ""
    due: str = ""
    office_person: str = ""
    office_phone: str = ""


def visible(text: str) -> str:
    """Control characters as the visible symbols of Unicode's control pictures (␁ for U+0001):
    they cannot be written into a workbook, and a unit must see where they are."""
    if not _CONTROL_RE.search(text):
        return text
    return _CONTROL_RE.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())),
                           text)


def note_lines(note: FeedbackNote, findings: list[Finding]) -> list[tuple[str, str]]:
    """The note as (style, text) lines: ``title``, ``head``, ``text``, ``item``."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    version = f"第 {note.version} 版，" if note.version else ""
    received = f"{note.received}收到" if note.received else "已收到"
    lines = [("title", NOTE_TITLE),
             ("text", f"{note.entity} {note.unit}：" if note.entity else f"{note.unit}："),
             ("text", f"贵单位报送的{note.round_name}数据采集表“{note.file_name}”（{version}{received}）"
                      f"经校验，发现错误 {errors} 处、警告 {warnings} 处，请按以下说明更正。"),
             ("head", "一、需要更正的内容")]
    problems = sorted((f for f in findings if f.severity in ("error", "warning")),
                      key=lambda f: SEVERITIES.index(f.severity))
    for n, f in enumerate(problems[:LISTED], 1):
        where = "，".join(p for p in (f"工作表“{f.sheet}”" if f.sheet else "", f.cell or "") if p)
        typed = f"（填写的是“{f.value}”）" if f.value else ""
        kind = "错误，必须更正" if f.severity == "error" else "警告，请核实"
        lines.append(("item", visible(f"{n}. 【{kind}】{where + '：' if where else ''}"
                                       f"{f.message}{typed}")))
    if len(problems) > LISTED:
        lines.append(("item", f"……另有 {len(problems) - LISTED} 处，见“校验结果”工作表。"))
    if not problems:
        lines.append(("item", "未发现需要更正的问题。"))
    lines.append(("head", "二、更正期限"))
    lines.append(("text", f"请于 {note.due} 前更正并重新报送。" if note.due
                  else "请尽快更正并重新报送。"))
    lines.append(("head", "三、更正方法"))
    lines += [
        ("text", "1. 在原数据采集表中逐项修改后保存、重新报送；也可在本反馈表的填报工作表中直接修改，"
                 "修改后另存为新文件报送。请不要增删行列、修改表头或工作表名称。"),
        ("text", "2. 本反馈表中问题单元格已标出：深红色底、粗边框为错误，必须更正；橙色底、虚线边框"
                 "为警告，请核实，数据确实无误的请在该指标的“备注”中说明原因。鼠标移到单元格上可看到"
                 "问题说明（批注）。"),
        ("text", "3. 黄色、绿色底的单元格是模板原有的填报单元格颜色，不表示有问题。"),
        ("text", "4. 已正确填写的内容无需改动；重新报送的文件中留空的单元格不会清除已报送的数据。"),
    ]
    lines.append(("head", "四、联系方式"))
    who = " ".join(p for p in (note.office_person, note.office_phone) if p)
    lines.append(("text", f"如有疑问，请联系市智慧办 {who}。" if who
                  else "如有疑问，请联系市智慧办。"))
    return lines


def add_note_sheet(wb: Any, note: FeedbackNote, findings: list[Finding]) -> Any:
    """Insert the note as the first sheet, printing on one page width, every cell text."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.properties import PageSetupProperties

    if NOTE_SHEET in wb.sheetnames:
        del wb[NOTE_SHEET]
    ws = wb.create_sheet(NOTE_SHEET, 0)
    fonts = {"title": Font(bold=True, size=16), "head": Font(bold=True, size=12),
             "text": Font(size=11), "item": Font(size=11)}
    for row, (style, text) in enumerate(note_lines(note, findings), 1):
        cell = ws.cell(row, 1, text)
        cell.data_type = "s"  # never a formula, whatever a unit typed
        cell.font = fonts[style]
        cell.alignment = Alignment(wrap_text=True, vertical="top",
                                   horizontal="center" if style == "title" else "left",
                                   indent=1 if style == "item" else 0)
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, 16 * lines(text, _LINE) + (
            10 if style in ("title", "head") else 3))
    # Narrower than an A4 page's printable width, so it prints whole even where a spreadsheet
    # program ignores "fit to one page wide" (LibreOffice 7.4 does for this file).
    ws.column_dimensions["A"].width = _COLUMN
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.sheet_view.showGridLines = False
    return ws


_COLUMN = 80
MAX_ROW_HEIGHT = 409  # points: the most a spreadsheet row can be
_LINE = 74  # what one line of the column holds, with room for the glyphs' real widths


def width(text: str) -> int:
    """Display width in Latin characters (a Chinese character is two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def lines(text: str, per_line: int) -> int:
    """How many lines ``text`` takes wrapped at ``per_line`` Latin characters (no row height
    is computed by openpyxl, and programs show a stored height as it is)."""
    return sum(max(1, -(-width(part) // per_line)) for part in text.split("\n"))
