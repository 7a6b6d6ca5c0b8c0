"""Exporting a round: the scoring workbook and the reports, the PDF in a second process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.store import Round
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import ensure_folder

from . import assumptions
from .analysis import REPORT_RUNS, analyze
from .backups import backup_before
from .collection import collection_status
from .comparison import check_earlier, comparison_path
from .completeness import round_completeness
from .rounds import ProgressFn, round_catalogue
from .scores import entity_inputs, score_round


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------
def export_all(rnd: Round, out_dir: str | Path, *, formats: Sequence[str] = ("xlsx", "docx", "pdf"),
               compare: str | Path | None = None, progress: ProgressFn | None = None,
               per_entity: bool = False) -> list[Path]:
    """Score the round; write the scoring workbook (every entity, ranked) and the report.

    One entity: its report. Several entities: one combined report (the ranking, every level-1
    compared across entities, each entity in brief, the scoring rules once), and with
    ``per_entity`` also each entity's own report with its rank among the others. Sixteen
    separate reports cost about sixteen times one (each repeats the appendices), which is why
    they are asked for rather than the default.

    Each report is built once (charts drawn once) and written as Word here and as PDF in a
    second process. That process is started first and parses the PDF fonts while this one
    scores and draws, so the PDF (the longest part) starts as soon as the report is built.
    """
    from jinan_eval_gui.outputs import report
    from jinan_eval_gui.outputs import workbook as export
    from jinan_eval_gui.system.filenames import sanitize_filename

    out = ensure_folder(out_dir)
    say = progress or (lambda _d, _t, _m: None)
    wants_pdf = "pdf" in formats
    with parallel.Background(1 if wants_pdf else 0) as background:
        warm = background.submit(_prepare_pdf) if wants_pdf else None
        say(0, 4, "正在计算评分")
        cat = round_catalogue(rnd)
        info = rnd.info
        results = score_round(rnd, save=False)  # reads and checks everything first, so
        backup_before(rnd, "导出前", checked=True)  # a damaged round is never backed up
        if not rnd.readonly:
            for entity, res in results.items():
                rnd.save_scores(entity, res.to_json())
        previous = None
        compare = comparison_path(rnd, compare)  # default: the round's remembered 上年度
        if compare:
            with Round.open(Path(str(compare)), readonly=True) as earlier:
                check_earlier(rnd, earlier)
                previous = score_round(earlier, save=False)
        findings_rows, summary = _findings_rows(rnd, cat)
        gaps = round_completeness(rnd, cat, results)
        notes = assumptions.report_notes(assumptions.register(rnd, cat))
        round_info = {"name": info.name, "year": info.year}
        label = "_".join(results) if len(results) <= 2 else f"{next(iter(results))}等{len(results)}个"
        reports: list[tuple[str, report.Report]] = []
        if "docx" in formats or wants_pdf:
            say(1, 4, "正在生成评估报告")
            # 以评促建: priorities, robustness (REPORT_RUNS replications; readings acting on
            # the inputs, such as the survey's, held: see the report's statement), scenarios
            studied = analyze(rnd, runs=REPORT_RUNS, results=results, input_readings=False)
            if len(results) > 1:
                reports.append((label, report.build_round_report(
                    cat, results, round_info=round_info, previous=previous,
                    findings_summary=summary, completeness=gaps, assumptions=notes,
                    analysis=studied, parents=rnd.entity_parents())))
            if len(results) == 1 or per_entity:
                for entity, res in results.items():
                    reports.append((entity, report.build_report(
                        cat, res, round_info=round_info,
                        previous=previous.get(entity) if previous else None,
                        others=results if len(results) > 1 else None,
                        findings_summary=summary, completeness=gaps[entity],
                        assumptions=notes, analysis=studied.entities[entity])))
        stems = [sanitize_filename(f"{info.year}年度_{name}_智慧城市发展水平评估报告")
                 for name, _ in reports]
        pdfs = [background.submit(_render_pdf, rep, out / f"{stem}.pdf")
                for stem, (_name, rep) in zip(stems, reports, strict=True)] if wants_pdf else []
        written: list[Path] = []
        if "xlsx" in formats:
            say(2, 4, "正在生成评分表")
            inputs = {e: entity_inputs(rnd, cat, e) for e in results}
            name = sanitize_filename(f"{info.year}年度_{label}_智慧城市评价评分表") + ".xlsx"
            written.append(export.export_workbook(
                cat, results, out / name, values_by_entity={e: i.values for e, i in inputs.items()},
                sources={e: i.sources for e, i in inputs.items()}, findings=findings_rows,
                submissions=_submission_rows(rnd, cat), round_info=round_info,
                previous=previous, parents=rnd.entity_parents()))
        if "docx" in formats:
            say(3, 4, "正在写入 Word 报告")
            for stem, (_name, rep) in zip(stems, reports, strict=True):
                written.append(report.render_docx(rep, out / f"{stem}.docx"))
        if pdfs:
            say(3, 4, "正在写入 PDF 报告")
            # With several PDFs (per-entity reports) this process, done with its part, takes
            # the ones the worker has not started, from the back; never the first, which is
            # the one the worker has its fonts ready for.
            here: dict[int, Path] = {}
            for i in reversed(range(1, len(pdfs))):
                if pdfs[i].cancel():
                    here[i] = _render_pdf(reports[i][1], out / f"{stems[i]}.pdf")
            written += [here[i] if i in here else f.result() for i, f in enumerate(pdfs)]
        if warm is not None:
            warm.exception()  # a font problem was raised by the PDF itself
    if not rnd.readonly:
        rnd.audit("export", {"files": [p.name for p in written]})
    say(4, 4, f"已导出 {len(written)} 个文件")
    return written


def _prepare_pdf() -> None:
    """Warm-up of the PDF worker: imports and font parsing before the report exists."""
    from jinan_eval_gui.outputs.report import pdf as report_pdf

    report_pdf.prepare()


def _render_pdf(rep: Any, path: Path) -> Path:
    """One PDF file; module-level so that it runs in the worker process."""
    from jinan_eval_gui.outputs import report

    return report.render_pdf(rep, path)


def _submission_rows(rnd: Round, cat: Catalogue) -> list[dict[str, Any]]:
    return [{"entity": s.entity, "unit": s.unit, "issued": s.issued, "returned": s.returned,
             "errors": s.errors, "warnings": s.warnings, "accepted": s.accepted,
             "status": s.label, "file": s.file_name} for s in collection_status(rnd, cat)]


def _findings_rows(rnd: Round, cat: Catalogue) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    subs = {s.id: s for s in rnd.list_submissions()}
    rows = []
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in rnd.list_findings():
        sub = subs.get(f.submission_id or -1)
        if sub is None or sub.status != "accepted":
            continue
        counts[f.severity] = counts.get(f.severity, 0) + 1
        rows.append({"entity": sub.entity, "unit": sub.unit, "file": sub.file_name,
                     "sheet": f.sheet or "", "cell": f.cell or "",
                     "indicator": f.indicator_id or "", "input": _input_label(cat, f),
                     "value": f.value or "", "severity": f.severity, "message": f.message})
    summary = {"错误": counts["error"], "警告": counts["warning"], "提示": counts["info"]}
    return rows, summary


def _input_label(cat: Catalogue, finding: Any) -> str:
    """The input a finding is about, by its Chinese label (the key is never shown)."""
    from jinan_eval_gui.collect.returns import input_label  # lazily, as collection.py does

    if finding.indicator_id is None or not finding.input_key:
        return ""
    try:
        ind = cat.indicator(finding.indicator_id)
    except KeyError:
        return ""
    return input_label(ind, finding.input_key)
