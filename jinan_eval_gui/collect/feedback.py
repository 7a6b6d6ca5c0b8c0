"""Feedback workbooks: a unit's own return with every finding marked where it occurred.

The office emails this back for correction, so it must be the unit's file (their values,
their layout) with each problem cell coloured and commented, plus a 校验结果 sheet listing
every finding. The bytes come from the round (the file as received), never from disk.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from jinan_eval_gui.store import Finding
from jinan_eval_gui.system.atomic import atomic_path
from jinan_eval_gui.system.filenames import sanitize_filename

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
RESULT_SHEET = "校验结果"


def write_feedback(content: bytes, file_name: str, findings: Sequence[Finding],
                   out_dir: Path) -> Path:
    """Write ``<name>_反馈.xlsx`` into ``out_dir`` atomically and return its path."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = load_workbook(io.BytesIO(content))
    for f in findings:
        if not (f.sheet and f.cell and f.sheet in wb.sheetnames):
            continue
        cell = wb[f.sheet][f.cell]
        cell.fill = PatternFill("solid", fgColor=FILLS.get(f.severity, "FFC7CE"))
        text = f"【{SEVERITY_LABELS.get(f.severity, f.severity)}】{f.message}"
        if cell.comment is not None:
            text = cell.comment.text + "\n" + text
        cell.comment = Comment(text, "市智慧办", width=320, height=120)
    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET, 0)
    header = ["序号", "级别", "工作表", "单元格", "指标", "填写内容", "问题说明"]
    ws.append(header)
    for n, f in enumerate(findings, 1):
        # Every value is written as a string: nothing a unit typed can become a formula.
        ws.append([n, SEVERITY_LABELS.get(f.severity, f.severity), f.sheet or "", f.cell or "",
                   str(f.indicator_id or ""), f.value or "", f.message])
        for c in ws[ws.max_row][5:7]:
            c.data_type = "s"
    for c in ws[1]:
        c.font = Font(bold=True)
    for col, width in zip("ABCDEFG", (6, 8, 12, 10, 8, 20, 80), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (sanitize_filename(Path(file_name).stem + "_反馈") + ".xlsx")
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
