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
from .feedbacknote import MAX_ROW_HEIGHT, FeedbackNote, add_note_sheet, lines, visible
from .returns import IMPORT_LIMITS, SEVERITY_LABELS

#: Marks distinct from the template's own colours (input cells light yellow FFF2CC and light
#: green E2EFDA, headers light blue) and from each other in greyscale print: an error is a
#: dark red fill (about 26 % luminance) with a thick border, a warning an orange fill (about
#: 52 %) with a dashed border; information is a comment only. Black text stays readable on both.
FILLS = {"error": "E06666", "warning": "F4B183"}
BORDERS = {"error": ("thick", "C00000"), "warning": ("mediumDashed", "C55A11")}
RESULT_SHEET = "校验结果"
#: The unit's layout is kept (openpyxl loads and re-saves the whole file) only up to these
#: declared sizes: XML parts together, and pictures and other binary parts together. A
#: returned template is well under 1 MB of XML; openpyxl needs about 1 s and 100 MB per 2 MB.
MAX_LAYOUT_XML = 16 * xlsxsafe.MiB
MAX_LAYOUT_MEDIA = 64 * xlsxsafe.MiB
#: Excel's limit for one comment (a cell may collect several findings).
MAX_COMMENT = 30_000
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff",
                    ".bin", ".wdp", ".svg")
log = logging.getLogger(__name__)


def write_feedback(content: bytes, file_name: str, findings: Sequence[Finding],
                   out_dir: Path, *, note: FeedbackNote | None = None,
                   stem: str | None = None) -> Path:
    """Write ``<stem or name>_反馈.xlsx`` into ``out_dir`` atomically and return its path;
    with ``note``, its first sheet is the cover note (致各单位的反馈说明)."""
    findings = list(findings)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (sanitize_filename((stem or Path(file_name).stem) + "_反馈") + ".xlsx")
    title = _title(file_name, note)
    wb, why = _unit_workbook(content, file_name)
    if wb is not None:
        try:
            _mark_cells(wb, findings)
            _listing(wb, findings, title)
            if note is not None:
                add_note_sheet(wb, note, findings)
            wb.active = 0
            return _save(wb, target)
        except Exception:  # noqa: BLE001 - any trouble with the unit's file: the listing alone
            log.warning("feedback on %s's layout failed", file_name, exc_info=True)
            why = "原文件的格式无法在保留原样的情况下重新保存"
    wb = _listing_only(findings, why, title)
    if note is not None:
        add_note_sheet(wb, note, findings)
        wb.active = 0
    return _save(wb, target)


def _title(file_name: str, note: FeedbackNote | None) -> str:
    """The listing's title: whose file, which version."""
    if note is None:
        return f"“{visible(file_name)}”校验结果"
    version = f"第 {note.version} 版 " if note.version else ""
    return f"{note.unit}数据采集表校验结果（{version}“{visible(file_name)}”）"


# ---------------------------------------------------------------------------------------
# The unit's own workbook, when it can be loaded within bounds
# ---------------------------------------------------------------------------------------
def _unit_workbook(content: bytes, file_name: str) -> tuple[Any, str]:
    """The unit's workbook loaded with openpyxl, or None and why not (in Chinese)."""
    try:
        with xlsxsafe.open_bytes(content, file_name, limits=IMPORT_LIMITS):
            pass
    except EvalError as exc:
        return None, f"原文件无法安全读取：{visible(str(exc))[:200]}"
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
    from openpyxl.styles import Border, PatternFill, Side

    marked: dict[tuple[str, str], str] = {}  # the worst severity marked on each cell
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
        worst = marked.get((f.sheet, anchor))
        if f.severity in FILLS and (worst is None or _RANK[f.severity] < _RANK[worst]):
            cell.fill = PatternFill("solid", fgColor=FILLS[f.severity])
            style, colour = BORDERS[f.severity]
            side = Side(style=style, color=colour)
            cell.border = Border(left=side, right=side, top=side, bottom=side)
            marked[(f.sheet, anchor)] = f.severity
        where = f"（单元格 {address}，与 {anchor} 合并）" if anchor != address else ""
        text = f"【{SEVERITY_LABELS.get(f.severity, f.severity)}】{where}{visible(f.message)}"
        if cell.comment is not None:
            text = visible(cell.comment.text) + "\n" + text
        cell.comment = Comment(text[:MAX_COMMENT], "市智慧办", width=320, height=120)


def _anchor(ws: Any, address: str) -> str:
    """The cell that shows ``address``: itself, or the top-left cell of its merged range."""
    for rng in ws.merged_cells.ranges:
        if address in rng:
            return rng.start_cell.coordinate
    return address


_RANK = {"error": 0, "warning": 1}


# ---------------------------------------------------------------------------------------
# The listing of every finding
# ---------------------------------------------------------------------------------------
_HEADER = ["序号", "级别", "类别", "工作表", "单元格", "指标", "填写内容", "问题说明"]
_WIDTHS = (5, 6, 8, 10, 7, 6, 18, 70)


def _listing(wb: Any, findings: list[Finding], title: str, note: str = "") -> None:
    """The 校验结果 sheet (a title, the header, one row per finding, errors marked as on the
    cells), printing on one page width; every value written as text."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    from .returns import finding_category

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET, 0)
    last = len(_HEADER)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30
    if note:
        ws.append([note])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
        ws.cell(2, 1).font = Font(bold=True, color="9C0006")
        ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[2].height = 32
    ws.append(_HEADER)
    header_row = ws.max_row
    thin = Side(style="thin", color="808080")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)
    for n, f in enumerate(findings, 1):
        # Every value is written as a string: nothing a unit typed can become a formula.
        ws.append([n, SEVERITY_LABELS.get(f.severity, f.severity), finding_category(f),
                   visible(f.sheet or ""), visible(f.cell or ""), str(f.indicator_id or ""),
                   visible(f.value or ""), visible(f.message)])
        row = ws[ws.max_row]
        for c in row[1:]:
            c.data_type = "s"
        for c in row:
            c.border = grid
            c.alignment = Alignment(wrap_text=True, vertical="top")
        if f.severity in FILLS:
            row[1].fill = PatternFill("solid", fgColor=FILLS[f.severity])
            row[1].font = Font(bold=f.severity == "error")
        ws.row_dimensions[ws.max_row].height = min(MAX_ROW_HEIGHT, 15 * max(
            lines(str(c.value or ""), max(1, w - 3)) for c, w in zip(row, _WIDTHS, strict=True)))
    for c in ws[header_row]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="D9D9D9")
        c.border = grid
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in enumerate(_WIDTHS, 1):
        ws.column_dimensions[chr(64 + col)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.active = 0


def _listing_only(findings: list[Finding], why: str, title: str) -> Any:
    """A workbook with the listing alone, saying why the unit's file is not in it."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _listing(wb, findings, title,
             note=f"{why}。以下列出全部问题，请对照原文件逐项修改后重新报送。")
    return wb


def _save(wb: Any, target: Path) -> Path:
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
