"""Writing a report to Word or PDF: build the blocks, hand them to a renderer, atomically."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.scoring.engine import Results
from jinan_eval_gui.system.atomic import atomic_path

from .blocks import FindingsSummary, ProgressFn, Report
from .fonts import CJKFont
from .single import build_report
from .text import docx_template_path


def render_docx(report: Report, path: str | Path, template: Path | None = None) -> Path:
    """Write ``report`` as a Word document (atomically)."""
    from .word import render

    path = Path(path)
    with atomic_path(path, opened_by="Word 或 WPS") as tmp:
        render(report, tmp, template or docx_template_path())
    return path


def render_pdf(report: Report, path: str | Path, font: CJKFont | None = None) -> Path:
    """Write ``report`` as PDF with an embedded CJK font (atomically)."""
    from .fonts import find_cjk_font
    from .pdf import render

    path = Path(path)
    font = font or find_cjk_font()
    with atomic_path(path, opened_by="PDF 阅读器") as tmp:
        render(report, tmp, font)
    return path


def write_docx(catalogue: Catalogue, results: Results, path: str | Path, *, round_info: Any,
               previous: Results | None = None, others: Mapping[str, Results] | None = None,
               findings_summary: FindingsSummary = None,
               progress: ProgressFn | None = None) -> Path:
    """Write the annual report as .docx (what the office edits and forwards)."""
    return _write(render_docx, "Word 报告已生成", catalogue, results, path, round_info,
                  previous, others, findings_summary, progress)


def write_pdf(catalogue: Catalogue, results: Results, path: str | Path, *, round_info: Any,
              previous: Results | None = None, others: Mapping[str, Results] | None = None,
              findings_summary: FindingsSummary = None,
              progress: ProgressFn | None = None) -> Path:
    """Write the annual report as PDF, made offline with fpdf2 and an embedded Chinese font."""
    return _write(render_pdf, "PDF 报告已生成", catalogue, results, path, round_info,
                  previous, others, findings_summary, progress)


def _write(render: Callable[[Report, Path], Path], done: str, catalogue: Catalogue,
           results: Results, path: str | Path, round_info: Any, previous: Results | None,
           others: Mapping[str, Results] | None, findings_summary: FindingsSummary,
           progress: ProgressFn | None) -> Path:
    report = build_report(catalogue, results, round_info=round_info, previous=previous,
                          others=others, findings_summary=findings_summary, progress=progress)
    out = render(report, Path(path))
    _done(progress, done)
    return out


def _done(progress: ProgressFn | None, message: str) -> None:
    if progress is not None:
        progress(1, 1, message)
