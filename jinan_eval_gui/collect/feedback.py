"""Feedback workbooks: a unit's own return with every finding marked where it occurred.

The office emails this back for correction, so where it can it is the unit's file (their values,
their layout) with each problem cell coloured and commented, plus a 校验结果 sheet listing
every finding. The bytes come from the round (the file as received), never from disk.

Every file the importer accepted gets a feedback workbook, and making it is bounded like the
import: the file is first opened by :mod:`xlsxsafe` (the import's limits and budgets) and the
unit's layout is kept with openpyxl only when the whole package is small enough for that to be
quick; a finding on a cell hidden under a merged range is marked on the range's top-left cell;
control characters a unit typed are shown as visible symbols (openpyxl cannot write them). When
the unit's file cannot be re-saved that way, the workbook holds the 校验结果 listing alone, with
a line saying why, so the unit still learns every problem.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Finding
from jinan_eval_gui.system.atomic import atomic_path
from jinan_eval_gui.system.filenames import sanitize_filename

from . import xlsxsafe
from .returns import IMPORT_LIMITS

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
RESULT_SHEET = "校验结果"
#: The unit's layout is kept (openpyxl loads and re-saves the whole file) only up to these
#: declared sizes: XML parts together, and pictures and other binary parts together. A
#: returned template is well under 1 MB of XML; openpyxl needs about 1 s and 100 MB per 2 MB.
MAX_LAYOUT_XML = 16 * xlsxsafe.MiB
MAX_LAYOUT_MEDIA = 64 * xlsxsafe.MiB
#: Excel's limit for one comment (a cell may collect several findings).
MAX_COMMENT = 30_000
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff",
                    ".bin", ".wdp", ".svg")
log = logging.getLogger(__name__)


def write_feedback(content: bytes, file_name: str, findings: Sequence[Finding],
                   out_dir: Path) -> Path:
    """Write ``<name>_反馈.xlsx`` into ``out_dir`` atomically and return its path."""
    findings = list(findings)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (sanitize_filename(Path(file_name).stem + "_反馈") + ".xlsx")
    wb, why = _unit_workbook(content, file_name)
    if wb is not None:
        try:
            _mark_cells(wb, findings)
            _listing(wb, findings)
            return _save(wb, target)
        except Exception:  # noqa: BLE001 - any trouble with the unit's file: the listing alone
            log.warning("feedback on %s's layout failed", file_name, exc_info=True)
            why = "原文件的格式无法在保留原样的情况下重新保存"
    return _save(_listing_only(findings, why), target)


# ---------------------------------------------------------------------------------------
# The unit's own workbook, when it can be loaded within bounds
# ---------------------------------------------------------------------------------------
def _unit_workbook(content: bytes, file_name: str) -> tuple[Any, str]:
    """The unit's workbook loaded with openpyxl, or None and why not (in Chinese)."""
    try:
        with xlsxsafe.open_bytes(content, file_name, limits=IMPORT_LIMITS):
            pass
    except EvalError as exc:
        return None, f"原文件无法安全读取：{_visible(str(exc))[:200]}"
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        infos = zf.infolist()
    media = sum(i.file_size for i in infos if i.filename.lower().endswith(_BINARY_SUFFIXES)
                or i.filename.lower().startswith(("xl/media/", "xl/embeddings/")))
    xml = sum(i.file_size for i in infos) - media
    if xml > MAX_LAYOUT_XML or media > MAX_LAYOUT_MEDIA:
        return None, "原文件内容过多（含大量格式、图片或与填报无关的内容），无法在原文件上逐格标注"
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Data Validation extension is not supported"
            return load_workbook(io.BytesIO(content)), ""
    except Exception:  # noqa: BLE001 - openpyxl refuses files Excel and our reader accept
        log.warning("openpyxl could not load %s", file_name, exc_info=True)
        return None, "原文件的格式无法在保留原样的情况下打开"


def _mark_cells(wb: Any, findings: list[Finding]) -> None:
    """Colour and comment every cell a finding names (the top-left cell of a merged range)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    for f in findings:
        if not (f.sheet and f.cell and f.sheet in wb.sheetnames):
            continue
        ws = wb[f.sheet]
        if not hasattr(ws, "merged_cells"):  # a chart sheet has no cells
            continue
        try:
            address = xlsxsafe.normalize_address(f.cell)
        except ValueError:
            continue
        anchor = _anchor(ws, address)
        cell = ws[anchor]
        cell.fill = PatternFill("solid", fgColor=FILLS.get(f.severity, "FFC7CE"))
        where = f"（单元格 {address}，与 {anchor} 合并）" if anchor != address else ""
        text = f"【{SEVERITY_LABELS.get(f.severity, f.severity)}】{where}{_visible(f.message)}"
        if cell.comment is not None:
            text = _visible(cell.comment.text) + "\n" + text
        cell.comment = Comment(text[:MAX_COMMENT], "市智慧办", width=320, height=120)


def _anchor(ws: Any, address: str) -> str:
    """The cell that shows ``address``: itself, or the top-left cell of its merged range."""
    for rng in ws.merged_cells.ranges:
        if address in rng:
            return rng.start_cell.coordinate
    return address


# ---------------------------------------------------------------------------------------
# The listing of every finding
# ---------------------------------------------------------------------------------------
_HEADER = ["序号", "级别", "工作表", "单元格", "指标", "填写内容", "问题说明"]


def _listing(wb: Any, findings: list[Finding], note: str = "") -> None:
    """The 校验结果 sheet, first in the workbook; every value written as text."""
    from openpyxl.styles import Alignment, Font

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET, 0)
    if note:
        ws.append([note])
        ws.cell(1, 1).font = Font(bold=True, color="9C0006")
    ws.append(_HEADER)
    header_row = ws.max_row
    for n, f in enumerate(findings, 1):
        # Every value is written as a string: nothing a unit typed can become a formula.
        ws.append([n, SEVERITY_LABELS.get(f.severity, f.severity), _visible(f.sheet or ""),
                   _visible(f.cell or ""), str(f.indicator_id or ""), _visible(f.value or ""),
                   _visible(f.message)])
        for c in ws[ws.max_row][2:7]:
            c.data_type = "s"
    for c in ws[header_row]:
        c.font = Font(bold=True)
    for col, width in zip("ABCDEFG", (6, 8, 12, 10, 8, 20, 80), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header_row + 1}"
    wb.active = 0


def _listing_only(findings: list[Finding], why: str) -> Any:
    """A workbook with the listing alone, saying why the unit's file is not in it."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _listing(wb, findings, note=f"{why}。以下列出全部问题，请对照原文件逐项修改后重新报送。")
    return wb


def _visible(text: str) -> str:
    """Control characters as the visible symbols of Unicode's control pictures (␁ for U+0001):
    they cannot be written into a workbook, and a unit must see where they are."""
    if not _CONTROL_RE.search(text):
        return text
    return _CONTROL_RE.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())),
                           text)


def _save(wb: Any, target: Path) -> Path:
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
