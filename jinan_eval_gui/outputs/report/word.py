"""Render report blocks to Word (.docx) with python-docx, on the office's style template.

The template (``templates/report/report_template.docx``) gives page setup, footer and styles;
its body is emptied and the blocks are added using the style names listed in report.toml
[styles]. A style the office deleted from the template falls back to ``Normal`` instead of
failing. Table header rows repeat on each page and rows never split across pages.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm

from jinan_eval_gui.errors import ExportError

from .blocks import (
    Heading,
    Image,
    PageBreak,
    Paragraph,
    Report,
    Spacer,
    Table,
)

_ALIGN = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER,
          "r": WD_ALIGN_PARAGRAPH.RIGHT, "j": WD_ALIGN_PARAGRAPH.JUSTIFY}


class _Styles:
    """Style names by role, resolved to style ids once (python-docx looks names up slowly)."""

    def __init__(self, doc: Any, names: dict[str, str]) -> None:
        self.names = names
        self.ids = {s.name: s.style_id for s in doc.styles}
        self.page_break = False  # the next paragraph starts a new page

    def __call__(self, role: str, fallback: str | None = "Normal") -> str | None:
        name = self.names.get(role, "")
        return name if name in self.ids else fallback

    def add(self, container: Any, role: str, text: str = "", fallback: str = "body") -> Any:
        """Add a paragraph in the style of ``role`` (else of ``fallback``, else Normal)."""
        p = container.add_paragraph(text)
        self.apply(p, role, fallback)
        if self.page_break:
            # "page break before" rather than a break paragraph: a break paragraph that lands
            # at the top of a page after a full-page table gives a blank page.
            p.paragraph_format.page_break_before = True
            self.page_break = False
        return p

    def apply(self, paragraph: Any, role: str, fallback: str = "body") -> None:
        name = self(role, None) or self(fallback)
        style_id = self.ids.get(name or "")
        if style_id:
            paragraph._p.get_or_add_pPr().style = style_id


def render(report: Report, path: Path, template: Path) -> None:
    """Write ``report`` to ``path`` using the styles of ``template``."""
    try:
        doc = Document(str(template))
    except Exception as exc:  # noqa: BLE001 - any damage to the template is the same to a user
        raise ExportError(f"无法打开报告样式模板“{template.name}”：{exc}",
                          hint="请从安装目录恢复 templates/report/report_template.docx") from exc
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    style = _Styles(doc, dict(report.layout.get("styles", {})))
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    _header(section, report.info.header, style("header"))

    spacer = None  # the small empty paragraph after the last table
    for block in report.blocks:
        if not isinstance(block, PageBreak):
            spacer = None
        if isinstance(block, Heading):
            style.add(doc, f"heading{min(block.level, 3)}", block.text)
        elif isinstance(block, Paragraph):
            p = style.add(doc, block.style)
            if block.keep_with_next:
                p.paragraph_format.keep_with_next = True
            for run in block.runs:
                r = p.add_run(run.text)
                if run.bold:
                    r.bold = True
        elif isinstance(block, Table):
            spacer = _table(doc, block, style, text_width)
        elif isinstance(block, Image):
            p = style.add(doc, "caption")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True
            width = min(Cm(block.width_cm), text_width)
            p.add_run().add_picture(io.BytesIO(block.png), width=Emu(width))
            if block.caption:
                style.add(doc, "caption", block.caption)
        elif isinstance(block, PageBreak):
            if spacer is not None:  # it could spill onto a page of its own
                spacer._p.getparent().remove(spacer._p)
                spacer = None
            style.page_break = True
        elif isinstance(block, Spacer):
            p = doc.add_paragraph()
            p.paragraph_format.space_before = Mm(max(0.0, block.height_mm - 6))

    props = doc.core_properties
    props.title = f"{report.info.title}（{report.info.year}年度）"
    props.subject = report.info.entity
    props.author = report.info.issuer
    props.comments = ""
    doc.save(str(path))


def _header(section: Any, text: str, style_name: str | None) -> None:
    header = section.header
    header.is_linked_to_previous = False
    par = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    if not par.text.strip():
        par.text = text
        if style_name:
            par.style = style_name


def _table(doc: Any, block: Table, style: _Styles, text_width: int) -> Any:
    if block.caption:
        cap = style.add(doc, "caption", block.caption)
        cap.paragraph_format.keep_with_next = True
    ncols = len(block.header)
    table = doc.add_table(rows=1 + len(block.rows), cols=ncols)
    table_style = style("table", None)
    if table_style:
        table.style = table_style
    table.autofit = False
    total = sum(block.widths) or 1
    widths = [Emu(int(text_width * w / total)) for w in block.widths]
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for r, row in enumerate(table.rows):
        values = block.header if r == 0 else block.rows[r - 1]
        bold = r == 0 or (r - 1) in block.bold_rows
        _row_props(row, header=r == 0)
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            style.apply(p, "table_text")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else _ALIGN.get(
                block.align[c] if c < len(block.align) else "l", WD_ALIGN_PARAGRAPH.LEFT)
            run = p.add_run(values[c] if c < len(values) else "")
            if bold:
                run.bold = True
    spacer = style.add(doc, "table_text")
    spacer.paragraph_format.space_after = Mm(2)
    return spacer


def _row_props(row: Any, *, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
