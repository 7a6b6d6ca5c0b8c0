"""The annual report 济南市智慧城市发展水平评估报告, as Word (.docx) and PDF.

The report is built once as a list of plain blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Table`, :class:`Image`, :class:`PageBreak`, :class:`Spacer`) from the engine's
:class:`~jinan_eval_gui.scoring.engine.Results`; :mod:`report_docx` and :mod:`report_pdf` render the same
blocks, so the two files always say the same thing. Fixed wording and section titles come from
``templates/report/report.toml`` and the Word styles from ``templates/report/report_template.docx``
(both editable by the office without code).

PDF route: **fpdf2** (pure Python, no Office, no LibreOffice, no Qt). Checked before choosing:
fpdf2 embeds TrueType *and* OpenType/CFF fonts as subsets (through fontTools; CID-keyed CFF such
as Noto Sans CJK since 2.8.6, which also added ``collection_font_number`` for .ttc/.otc
collections; measured here: 2.8.9 embeds "Noto Sans CJK SC" from Debian's NotoSansCJK-Regular.ttc
as "CID Type 0C", subset, with a ToUnicode map, so pdftotext gets the Chinese back). It also has
tables with repeated header rows, images and bookmarks. reportlab was rejected because it only
embeds TrueType outlines (it refuses CFF-outline .otf/.ttc such as the Noto CJK fonts that Linux
machines have), which would force an extra font package; matplotlib's PDF backend draws figures,
not paginated documents. Fonts are found by :mod:`jinan_eval_gui.outputs.report.fonts` (bundled font, then
Windows, then Linux), and a missing CJK font is a Chinese :class:`ExportError`.

Both writers are atomic (temporary file in the target folder, then ``os.replace``) and accept a
plain ``progress(done, total, message)`` callable.
"""

from __future__ import annotations

from .blocks import Image, Paragraph, Report, iter_tables
from .combined import build_round_report
from .render import render_docx, render_pdf, write_docx, write_pdf
from .single import build_report
from .text import docx_template_path, fmt_number, load_layout

__all__ = ["Image", "Paragraph", "Report", "build_report", "build_round_report", "docx_template_path", "fmt_number", "iter_tables", "load_layout", "render_docx", "render_pdf", "write_docx", "write_pdf"]
