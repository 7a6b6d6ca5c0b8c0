"""Generate ``report_template.docx``, the Word styles of the evaluation report.

Run once (``python templates/report/make_template.py``) and commit the .docx beside this script.
After that the office may restyle the .docx in Word (fonts, sizes, spacing, colours, table
borders, page margins, footer) without touching code: the report only refers to style names,
which ``report.toml`` ([styles]) lists. The body of the template is emptied when a report is
written; the page setup, header/footer and styles are kept.

Fonts follow Chinese official-report habits: 黑体 for the title and level-1 headings, 楷体 for
level-2 headings, 宋体 for body text and tables. East Asian fonts are set with ``w:eastAsia``
(python-docx's ``font.name`` only sets the Latin fonts), theme-font attributes are removed so
the explicit fonts win, and the document language is zh-CN.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

LATIN = "Times New Roman"
SONG, HEI, KAI = "宋体", "黑体", "楷体"
BLACK = RGBColor(0, 0, 0)
OUT = Path(__file__).with_name("report_template.docx")


def _fonts(style, east: str, latin: str = LATIN) -> None:
    """Set Latin and East Asian fonts explicitly (no theme fonts)."""
    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    rfonts = OxmlElement("w:rFonts")
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east),
                        ("w:cs", latin)):
        rfonts.set(qn(attr), value)
    rpr.insert(0, rfonts)


def _plain(style) -> None:
    """Black text, no theme colour, no italics, no paragraph borders."""
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:i", "w:iCs", "w:spacing"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    style.font.color.rgb = BLACK
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:pBdr")):
        ppr.remove(old)


def _para(style, *, size: float, east: str, bold: bool = False, align=None,
          before: float = 0, after: float = 0, line: float | None = None,
          keep_next: bool = False, first_line_chars: int = 0) -> None:
    _fonts(style, east)
    _plain(style)
    style.font.size = Pt(size)
    style.font.bold = bold
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if align is not None:
        pf.alignment = align
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
        pf.line_spacing = line
    pf.keep_with_next = keep_next
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:ind")):
        ppr.remove(old)
    if first_line_chars:
        ind = OxmlElement("w:ind")
        ind.set(qn("w:firstLineChars"), str(first_line_chars))
        ind.set(qn("w:firstLine"), str(int(size * 20 * first_line_chars / 100)))
        ppr.append(ind)


def _style(doc, name: str, base: str = "Normal"):
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def _doc_defaults(doc) -> None:
    """Default fonts and zh-CN language in styles.xml's docDefaults."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for old in rpr.findall(qn("w:rFonts")) + rpr.findall(qn("w:lang")):
        rpr.remove(old)
    rfonts = OxmlElement("w:rFonts")
    for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", SONG),
                        ("w:cs", LATIN)):
        rfonts.set(qn(attr), value)
    rpr.insert(0, rfonts)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def _table_style(doc) -> None:
    """``报告表格``: thin grey grid, shaded bold header row, compact cell margins."""
    name = "报告表格"
    if name in [s.name for s in doc.styles]:
        return
    style = doc.styles.add_style(name, WD_STYLE_TYPE.TABLE)
    style.base_style = doc.styles["Table Grid"]
    style.quick_style = True
    el = style.element
    tblpr = el.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        el.append(tblpr)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "4")
        b.set(qn("w:space"), "0")
        b.set(qn("w:color"), "7F7F7F")
        borders.append(b)
    tblpr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("left", 85), ("right", 85)):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(width))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tblpr.append(margins)
    first = OxmlElement("w:tblStylePr")
    first.set(qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    first.append(rpr)
    tcpr = OxmlElement("w:tcPr")
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), "DCE6F2")
    tcpr.append(shd)
    first.append(tcpr)
    el.append(first)


def _page_field(paragraph) -> None:
    """``— PAGE —`` as a real field, so Word and LibreOffice number the pages."""
    def run(text: str = "", fld: str | None = None, instr: str | None = None):
        r = paragraph.add_run(text)
        if fld:
            f = OxmlElement("w:fldChar")
            f.set(qn("w:fldCharType"), fld)
            r._r.append(f)
        if instr:
            t = OxmlElement("w:instrText")
            t.set(qn("xml:space"), "preserve")
            t.text = instr
            r._r.append(t)
        return r

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def build(path: Path = OUT) -> Path:
    doc = Document()
    _doc_defaults(doc)
    styles = doc.styles
    _para(styles["Normal"], size=12, east=SONG)
    _para(styles["Body Text"], size=12, east=SONG, line=1.5, after=0, first_line_chars=200,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _para(styles["Title"], size=26, east=HEI, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          before=0, after=18, line=1.2)
    _para(styles["Subtitle"], size=16, east=KAI, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _para(_style(doc, "封面文字"), size=14, east=SONG, align=WD_ALIGN_PARAGRAPH.CENTER,
          after=8, line=1.5)
    _para(styles["Heading 1"], size=16, east=HEI, bold=False, before=18, after=8, line=1.2,
          keep_next=True)
    _para(styles["Heading 2"], size=14, east=KAI, bold=True, before=12, after=6, line=1.2,
          keep_next=True)
    _para(styles["Heading 3"], size=12, east=SONG, bold=True, before=8, after=4, line=1.2,
          keep_next=True)
    _para(styles["Caption"], size=10.5, east=HEI, align=WD_ALIGN_PARAGRAPH.CENTER,
          before=4, after=8)
    _para(_style(doc, "说明文字"), size=10.5, east=SONG, line=1.3, after=3,
          align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(_style(doc, "注释"), size=9, east=SONG, line=1.3, after=4)
    styles["注释"].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    _para(_style(doc, "条目标题"), size=11, east=HEI, before=8, after=2, keep_next=True)
    _para(_style(doc, "表格文字"), size=9, east=SONG, line=1.0)
    _para(styles["Header"], size=9, east=SONG, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(styles["Footer"], size=10.5, east=SONG, align=WD_ALIGN_PARAGRAPH.CENTER)
    _table_style(doc)

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.5)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(1.4)
    section.different_first_page_header_footer = True  # no header/number on the cover
    footer_par = section.footer.paragraphs[0]
    footer_par.style = styles["Footer"]
    _page_field(footer_par)
    section.header.paragraphs[0].style = styles["Header"]

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    doc.core_properties.title = "济南市智慧城市发展水平评估报告"
    doc.core_properties.author = "济南市智慧城市建设与产业发展专项小组办公室"
    doc.core_properties.comments = "报告样式模板：可在 Word 中修改样式，勿删除样式名称。"
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
