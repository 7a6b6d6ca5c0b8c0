"""Render report blocks to PDF with fpdf2, embedding (a subset of) a CJK font.

Why fpdf2 is the PDF route is explained at the top of :mod:`jinan_eval_gui.outputs.report`. Chinese
has no spaces between words, so text wraps per character (``WrapMode.CHAR``) instead of at
spaces, which would leave half-empty lines before every number. Headings become PDF bookmarks,
tables repeat their header row after a page break, and a caption stays with its table or chart.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace as PdfFace

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
from .fonts import CJKFont

FAMILY = "cjk"
PT = 25.4 / 72  # millimetres per point
_ALIGN = {"l": "LEFT", "c": "CENTER", "r": "RIGHT", "j": "JUSTIFY"}
GREY = (89, 89, 89)


class _PDF(FPDF):
    def __init__(self, cfg: dict[str, Any], report: Report | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report = report
        self.cfg = cfg
        self.set_margins(cfg["margin_left"], cfg["margin_top"], cfg["margin_right"])
        self.set_auto_page_break(True, margin=cfg["margin_bottom"])

    def header(self) -> None:
        if self.page_no() == 1 or self.report is None:
            return
        self.set_font(FAMILY, "", 9)
        self.set_text_color(*GREY)
        self.set_y(10)
        self.cell(0, 5, self.report.info.header, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(160, 160, 160)
        self.set_line_width(0.2)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        if self.page_no() == 1 or self.report is None:
            return
        self.set_y(-14)
        self.set_font(FAMILY, "", 10)
        self.set_text_color(0, 0, 0)
        text = self.report.info.footer.replace("{page}", str(self.page_no()))
        self.cell(0, 6, text, align="C")


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ExportError("报告图表不是有效的 PNG 图片")
    return struct.unpack(">II", png[16:24])


#: A document with its fonts already parsed, made by :func:`prepare` for the next render.
_READY: list[tuple[CJKFont, dict[str, Any], _PDF]] = []


def prepare(font: CJKFont | None = None, cfg: dict[str, Any] | None = None) -> None:
    """Parse the fonts of the next PDF now.

    Reading a CJK font collection takes a second or two; a worker process calls this while the
    report is still being built elsewhere, and :func:`render` then starts at once.
    """
    from .fonts import find_cjk_font
    from .text import load_layout

    font = font or find_cjk_font()
    cfg = dict(cfg if cfg is not None else load_layout()["pdf"])
    _READY[:] = [(font, cfg, _new_pdf(cfg, font))]


def _take(cfg: dict[str, Any], font: CJKFont) -> _PDF:
    """The prepared document if it was made for this font and layout, else a new one."""
    for i, (ready_font, ready_cfg, pdf) in enumerate(_READY):
        if ready_font == font and ready_cfg == cfg:
            del _READY[i]
            return pdf
    return _new_pdf(cfg, font)


def _new_pdf(cfg: dict[str, Any], font: CJKFont) -> _PDF:
    pdf = _PDF(cfg)
    try:
        pdf.add_font(FAMILY, "", str(font.regular.path),
                     collection_font_number=font.regular.index)
        pdf.add_font(FAMILY, "B", str(font.bold.path), collection_font_number=font.bold.index)
    except Exception as exc:  # noqa: BLE001 - an unusable font file, whatever the cause
        raise ExportError(f"无法使用中文字体“{font.regular.path.name}”生成 PDF：{exc}",
                          hint="请在 resources/fonts/ 中放入其他中文字体文件（如 simhei.ttf）") from exc
    for registered in pdf.fonts.values():
        # Keep the font's own bounding boxes when saving the subset: recomputing them walks
        # every CFF charstring (about half of the PDF's time with Noto Sans CJK).
        ttfont = getattr(registered, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False
    return pdf


def render(report: Report, path: Path, font: CJKFont) -> None:
    """Write ``report`` to ``path`` as PDF using ``font`` (regular and bold faces)."""
    cfg = {k: v for k, v in report.layout["pdf"].items()}
    pdf = _take(cfg, font)
    pdf.report = report
    info = report.info
    pdf.set_title(f"{info.title}（{info.year}年度）")
    pdf.set_author(info.issuer)
    pdf.set_subject(info.entity)
    pdf.set_creator("jinan_eval_gui")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    r = _Renderer(pdf, cfg)
    for block in report.blocks:
        r.block(block)
    pdf.output(str(path))


class _Renderer:
    def __init__(self, pdf: _PDF, cfg: dict[str, Any]) -> None:
        self.pdf = pdf
        self.cfg = cfg
        self.spacing = float(cfg["line_spacing"])
        self.width = pdf.w - pdf.l_margin - pdf.r_margin
        self.after_break = True  # at the top of a page: no page break needed before a heading

    def line_h(self, size: float, factor: float | None = None) -> float:
        return size * PT * (factor or self.spacing)

    def block(self, block: Any) -> None:
        pdf = self.pdf
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Image):
            self.image(block)
        elif isinstance(block, PageBreak):
            pdf.add_page()
            self.after_break = True
            return
        elif isinstance(block, Spacer):
            pdf.ln(block.height_mm)
        self.after_break = False

    def heading(self, block: Heading) -> None:
        pdf, cfg = self.pdf, self.cfg
        size = float(cfg[f"heading{min(block.level, 3)}_size"])
        before = {1: 7.0, 2: 4.5, 3: 3.0}.get(block.level, 3.0)
        # keep a heading with at least a few lines of what follows
        if not self.after_break and pdf.will_page_break(before + self.line_h(size, 1.3) + 25):
            pdf.add_page()
        elif not self.after_break:
            pdf.ln(before)
        pdf.start_section(block.text, level=max(0, block.level - 1), strict=False)
        pdf.set_font(FAMILY, "B", size)
        pdf.multi_cell(self.width, self.line_h(size, 1.3), block.text, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
        pdf.ln(2 if block.level == 1 else 1.2)

    def paragraph(self, block: Paragraph) -> None:
        pdf, cfg = self.pdf, self.cfg
        style = block.style
        if style in ("title", "subtitle", "cover"):
            size = float(cfg[f"{style}_size"])
            pdf.set_font(FAMILY, "B" if style == "title" else "", size)
            pdf.multi_cell(self.width, self.line_h(size, 1.5), block.text, align="C",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
            pdf.ln(4 if style == "title" else 2)
            return
        if style == "item":
            size, factor, after = float(cfg["body_size"]), 1.4, 0.6
            if pdf.will_page_break(self.line_h(size, factor) * 3):
                pdf.add_page()
            else:
                pdf.ln(1.5)
            runs = [(block.text, True)]
        else:
            size = float(cfg["note_size"] if style == "note" else cfg["body_size"])
            if style == "detail":
                size -= 0.5
            factor = self.spacing if style == "body" else 1.35
            after = 1.6 if style == "body" else 0.9
            runs = [(run.text, run.bold) for run in block.runs]
            if style == "body":
                runs[0] = ("\u3000\u3000" + runs[0][0], runs[0][1])
        h = self.line_h(size, factor)
        if block.keep_with_next and pdf.will_page_break(h * 2 + 30):
            pdf.add_page()
        pdf.set_text_color(*(GREY if style == "note" else (0, 0, 0)))
        if len(runs) == 1:
            text, bold = runs[0]
            pdf.set_font(FAMILY, "B" if bold else "", size)
            pdf.multi_cell(self.width, h, text, align="J" if style == "body" else "L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
        else:
            for text, bold in runs:
                pdf.set_font(FAMILY, "B" if bold else "", size)
                pdf.write(h, text, wrapmode=WrapMode.CHAR)
            pdf.ln(h)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(after)

    def caption(self, text: str) -> None:
        pdf = self.pdf
        size = float(self.cfg["caption_size"])
        pdf.set_font(FAMILY, "B", size)
        pdf.multi_cell(self.width, self.line_h(size, 1.4), text, align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)

    def table(self, block: Table) -> None:
        pdf, cfg = self.pdf, self.cfg
        size = float(cfg["table_size"])
        row_h = self.line_h(size, 1.35)
        if pdf.will_page_break(12 + row_h * 4):  # caption, header and two rows together
            pdf.add_page()
        else:
            pdf.ln(1)
        if block.caption:
            self.caption(block.caption)
            pdf.ln(0.8)
        pdf.set_font(FAMILY, "", size)
        total = sum(block.widths) or 1
        widths = [self.width * w / total for w in block.widths]
        aligns = [_ALIGN.get(a, "LEFT") for a in block.align.ljust(len(block.header), "l")]
        heading_style = PdfFace(emphasis="BOLD", fill_color=cfg["header_fill"])
        bold_style = PdfFace(emphasis="BOLD", fill_color=cfg["total_fill"])
        with pdf.table(col_widths=widths, width=self.width, text_align=aligns,
                       line_height=row_h, headings_style=heading_style, first_row_as_headings=True,
                       repeat_headings=1, padding=(1.0, 1.4), v_align="MIDDLE",
                       wrapmode=WrapMode.CHAR, borders_layout="ALL") as tbl:
            pdf.set_draw_color(127, 127, 127)
            pdf.set_line_width(0.2)
            head = tbl.row()
            for text in block.header:
                head.cell(text, align="CENTER")
            for i, values in enumerate(block.rows):
                row = tbl.row()
                style = bold_style if i in block.bold_rows else None
                for text in values:
                    row.cell(text, style=style)
        pdf.ln(3)

    def image(self, block: Image) -> None:
        pdf = self.pdf
        px_w, px_h = _png_size(block.png)
        w = min(block.width_cm * 10, self.width)
        h = w * px_h / px_w
        if pdf.will_page_break(h + 10):
            pdf.add_page()
        else:
            pdf.ln(1)
        pdf.image(io.BytesIO(block.png), x=pdf.l_margin + (self.width - w) / 2, w=w, h=h)
        pdf.ln(1)
        if block.caption:
            self.caption(block.caption)
        pdf.ln(3)
