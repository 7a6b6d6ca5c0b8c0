"""The yearly workflow as a few calls that the CLI and the GUI share.

Each function takes plain arguments and an optional ``progress(done, total, message)`` callback
(the GUI turns it into Qt signals), opens what it needs, and returns plain results. Nothing here
knows about Qt, argparse or printing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_mod
from . import engine, parallel
from .catalogue import Catalogue
from .errors import RoundFileError
from .store import Round, StoredValue

ProgressFn = Callable[[int, int, str], None]
DEFAULT_ENTITY = "济南市"


# ---------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------
def create_round(path: str | Path, *, year: int, name: str = "", entities: Sequence[str] = (),
                 catalogue: Catalogue | None = None) -> Round:
    """A new round file holding a snapshot of the catalogue it is evaluated with."""
    cat = catalogue or catalogue_mod.load()
    if not 2000 <= year <= 2100:
        raise RoundFileError(f"评价年度“{year}”无效", hint="请填写四位年份，如 2026")
    return Round.create(
        Path(path), name=name or f"{year}年度济南市新型智慧城市评价", year=year,
        catalogue_version=cat.version, catalogue_hash=cat.hash,
        catalogue_json=cat.canonical_json, params={},
        entities=tuple(entities) or (DEFAULT_ENTITY,),
    )


_CATALOGUES: dict[str, Catalogue] = {}


def round_catalogue(rnd: Round) -> Catalogue:
    """The catalogue the round was created with (rescoring uses it, not today's file).

    Built once per snapshot content (a Catalogue is immutable): building compiles every rule,
    which costs more than importing a unit's return.
    """
    # The hash recorded with the snapshot names its content, so a session that re-scores
    # after every change reads neither the snapshot's JSON nor hashes it again.
    recorded = rnd.info.catalogue_hash
    cat = _CATALOGUES.get(recorded)
    if cat is None:
        cat = _snapshot_catalogue(rnd.catalogue().json_text)
        if cat.hash == recorded:
            _CATALOGUES[recorded] = cat
    return cat


def _snapshot_catalogue(json_text: str) -> Catalogue:
    """The catalogue of a snapshot's JSON, built once per content in this process."""
    key = hashlib.sha256(json_text.encode("utf-8")).hexdigest()
    cat = _CATALOGUES.get(key)
    if cat is None:
        cat = catalogue_mod.build(json.loads(json_text))
        if len(_CATALOGUES) >= 16:
            _CATALOGUES.clear()
        _CATALOGUES[key] = cat
    return cat


# ---------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------
def issue_templates(rnd: Round, out_dir: str | Path, *, units: Iterable[str] | None = None,
                    entities: Iterable[str] | None = None, deadline: str = "",
                    contact_person: str = "", contact_phone: str = "",
                    progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[Any]:
    """Generate the templates of the chosen units and record them as issued in the round."""
    from . import templates

    cat = round_catalogue(rnd)
    info = rnd.info
    unit_list = list(units) if units else None
    if unit_list:
        unknown = [u for u in unit_list if u not in cat.unit_names]
        if unknown:
            from .errors import TemplateError

            raise TemplateError(f"责任单位名录中没有：{'、'.join(unknown)}",
                                hint="请用“jinan-eval catalog show”查看单位名称")
    requests = []
    for entity in entities or rnd.list_entities():
        requests += templates.requests_for_entity(
            cat, round_id=info.id, round_name=info.name, year=info.year, entity=entity,
            deadline=deadline, contact_person=contact_person, contact_phone=contact_phone,
            units=unit_list,
        )
    if len(requests) < PARALLEL_TEMPLATES:
        made = templates.generate_all(cat, requests, out_dir, progress=progress,
                                      cancelled=cancelled)
    else:
        made = _generate_shared(rnd, requests, out_dir, progress, cancelled)
    with rnd.transaction():
        for t in made:
            rnd.record_template(
                entity=t.entity, unit=t.unit, file_name=t.path.name, path=str(t.path),
                sha256=t.sha256, template_version=templates.TEMPLATE_VERSION,
                deadline=deadline or None, contact_person=contact_person or None,
                contact_phone=contact_phone or None,
            )
    return made


#: From this many templates on (a few entities' worth, over a second of work) a second
#: process writes part of them; below, its start-up would cost more than it saves.
PARALLEL_TEMPLATES = 60


def _generate_shared(rnd: Round, requests: list[Any], out_dir: str | Path,
                     progress: ProgressFn | None,
                     cancelled: Callable[[], bool] | None) -> list[Any]:
    """:func:`templates.generate_all` over chunks shared with a worker process."""
    from . import templates

    seen: set[str] = set()
    for req in requests:  # the same check generate_all makes, across all chunks
        key = templates.file_name(req).casefold()
        if key in seen:
            from .errors import TemplateError

            raise TemplateError(f"“{req.entity}”的“{req.unit}”模板重复",
                                hint="每个单位只能生成一份模板")
        seen.add(key)
    made: list[Any] = []
    chunks = parallel.chunked(requests, 8)
    with parallel.Shared(_templates_chunk, chunks,
                         (rnd.catalogue().json_text, str(out_dir))) as shared:
        for part in shared:
            made += part
            if progress is not None:
                progress(len(made), len(requests), f"正在生成：{made[-1].entity} {made[-1].unit}")
            if cancelled is not None and cancelled():
                shared.stop()
    if progress is not None and len(made) == len(requests):
        progress(len(made), len(requests), f"已生成 {len(made)} 份数据采集表")
    return made


def _templates_chunk(requests: list[Any], catalogue_json: str, out_dir: str) -> list[Any]:
    """Some templates (runs in the worker process too: plain arguments)."""
    from . import templates

    return templates.generate_all(_snapshot_catalogue(catalogue_json), requests, out_dir)


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------
@dataclass
class EntityInputs:
    """What the engine needs for one entity, gathered from the round."""

    values: dict[int, dict[str, engine.Value]] = field(default_factory=dict)
    blocked: dict[int, list[str]] = field(default_factory=dict)
    sources: dict[tuple[int, str], tuple[str, str, str]] = field(default_factory=dict)


def entity_inputs(rnd: Round, cat: Catalogue, entity: str) -> EntityInputs:
    """Turn stored values into engine values: tables as columns, per-unit inputs as lists.

    A shared input reported differently by two units is a conflict: unless the office
    resolved it (choosing a unit's value), the indicator is blocked, never last-write-wins.
    """
    out = EntityInputs()
    stored = rnd.current_values(entity, notes=False)
    resolutions = {(c.indicator_id, c.input_key): c for c in rnd.list_conflicts(entity)}
    submissions = {s.id: s.file_name for s in rnd.list_submissions(entity)}
    for ind in cat.indicators:
        by_key = stored.get(ind.id, {})
        vals: dict[str, engine.Value] = {}
        units = cat.units_of(ind)
        for spec in ind.inputs:
            rows = by_key.get(spec.key, [])
            if not rows:
                continue
            for row in rows[:1]:
                out.sources[(ind.id, spec.key)] = (
                    submissions.get(row.submission_id or -1, "手工录入"), row.sheet or "",
                    row.cell or "")
            if ind.collect == "per_unit":
                per_unit = {r.unit: _value(spec, r) for r in rows}
                vals[spec.key] = [per_unit.get(u) for u in units]
                continue
            by_unit: dict[str, list[StoredValue]] = {}
            for r in rows:
                by_unit.setdefault(r.unit, []).append(r)
            chosen = _choose_unit(ind.id, spec.key, by_unit, resolutions, out)
            if chosen is None:
                continue
            if spec.kind == "table":
                for col in spec.columns:
                    cells = sorted((r for r in by_unit[chosen] if r.column_key == col.key),
                                   key=lambda r: r.row_index or 0)
                    vals[f"{spec.key}.{col.key}"] = [_value(col, r) for r in cells]
            else:
                vals[spec.key] = _value(spec, by_unit[chosen][0])
        out.values[ind.id] = vals
    return out


def _value(spec: Any, row: StoredValue) -> engine.Value:
    return row.text if spec.kind == "text" else row.number


def _choose_unit(ind_id: int, key: str, by_unit: dict[str, list[StoredValue]],
                 resolutions: dict[tuple[int, str], Any], out: EntityInputs) -> str | None:
    """The unit whose value counts; None (and a blocking message) for an open conflict."""
    if len(by_unit) == 1:
        return next(iter(by_unit))
    signature = {u: tuple((r.row_index, r.column_key, r.text, r.number) for r in rows)
                 for u, rows in by_unit.items()}
    if len(set(signature.values())) == 1:
        return sorted(by_unit)[0]
    conflict = resolutions.get((ind_id, key))
    if conflict is not None and conflict.resolution:
        chosen = conflict.resolution.get("unit") if isinstance(conflict.resolution, dict) \
            else str(conflict.resolution)
        if chosen in by_unit:
            return chosen
    out.blocked.setdefault(ind_id, []).append(
        f"填报项“{key}”各单位填报不一致（{'、'.join(sorted(by_unit))}），请先处理数据冲突")
    return None


def score_entity(rnd: Round, entity: str, *, cat: Catalogue | None = None,
                 save: bool = True) -> engine.Results:
    """Score one entity on its accepted data with the round's parameters and overrides."""
    cat = cat or round_catalogue(rnd)
    inputs = entity_inputs(rnd, cat, entity)
    overrides = {o.indicator_id: engine.Override(Decimal(o.score), o.reason)
                 for o in rnd.list_overrides(entity)}
    results = engine.score(cat, inputs.values, rnd.get_params(), overrides, entity=entity,
                           blocked=inputs.blocked)
    if save and not rnd.readonly:
        rnd.save_scores(entity, results.to_json())
    return results


def score_round(rnd: Round, *, save: bool = True) -> dict[str, engine.Results]:
    """Every entity of the round, in the round's order."""
    cat = round_catalogue(rnd)
    return {e: score_entity(rnd, e, cat=cat, save=save) for e in rnd.list_entities()}


# ---------------------------------------------------------------------------------------
# Import, status, feedback
# ---------------------------------------------------------------------------------------
def import_files(rnd: Round, paths: Iterable[str | Path], *, dry_run: bool = False,
                 progress: ProgressFn | None = None,
                 previous_round: Round | str | Path | None = None) -> Any:
    """Validate returned workbooks and (unless ``dry_run``) store them in one transaction.

    ``previous_round`` (an earlier round, open or its path) turns implausible year-on-year jumps
    into warnings. Returns an :class:`importer.ImportReport`; see :mod:`importer`.
    """
    from . import importer

    paths = [Path(p) for p in paths]
    reader = read_returns_shared if len(paths) >= PARALLEL_IMPORT else None
    return importer.import_files(rnd, round_catalogue(rnd), paths, dry_run=dry_run,
                                 progress=progress, previous_round=previous_round,
                                 reader=reader)


#: From this many files on (a few entities' returns, over a second of reading) a second
#: process reads and checks part of them; below, its start-up would cost more than it saves.
PARALLEL_IMPORT = 60


def read_returns_shared(paths: Sequence[Path], cat: Catalogue, info: Any,
                        entities: Sequence[str], issued: frozenset[str]) -> Iterator[Any]:
    """Every file's :func:`returns.read_return`, in order, chunks shared with a worker
    process (the reader of :func:`importer.import_files`; the files' checks against the round
    and the storing stay in this process)."""
    with parallel.Shared(_returns_chunk, parallel.chunked(paths, 8),
                         (cat.canonical_json, info, list(entities), issued)) as shared:
        for part in shared:
            yield from part


def _returns_chunk(paths: list[Path], catalogue_json: str, info: Any, entities: list[str],
                   issued: frozenset[str]) -> list[Any]:
    """Read and check some returns (runs in the worker process too: plain arguments)."""
    from .returns import read_return

    cat = _snapshot_catalogue(catalogue_json)
    return [read_return(p, cat, info, entities, issued=issued) for p in paths]


@dataclass
class UnitStatus:
    """Collection progress of one (entity, unit)."""

    entity: str
    unit: str
    issued: bool
    returned: bool
    errors: int
    warnings: int
    accepted: bool
    file_name: str = ""

    @property
    def label(self) -> str:
        if not self.returned:
            return "未回收" if self.issued else "未下发"
        return "有错误" if self.errors else "已接受"


def collection_status(rnd: Round, cat: Catalogue | None = None) -> list[UnitStatus]:
    """Per (entity, unit): issued / returned / findings / accepted, in catalogue unit order."""
    cat = cat or round_catalogue(rnd)
    issued = {(t.entity, t.unit) for t in rnd.list_templates()}
    findings: dict[int, list[Any]] = {}
    for f in rnd.list_findings():
        findings.setdefault(f.submission_id or 0, []).append(f)
    latest = {}
    for s in rnd.list_submissions():
        if s.status == "accepted":
            latest[(s.entity, s.unit)] = s
    rows = []
    for entity in rnd.list_entities():
        for unit in cat.unit_names:
            if not cat.indicators_for_unit(unit):
                continue
            sub = latest.get((entity, unit))
            fs = findings.get(sub.id, []) if sub else []
            rows.append(UnitStatus(
                entity, unit, (entity, unit) in issued, sub is not None,
                sum(f.severity == "error" for f in fs), sum(f.severity == "warning" for f in fs),
                sub is not None, sub.file_name if sub else ""))
    return rows


def indicator_completeness(rnd: Round, entity: str, cat: Catalogue | None = None
                           ) -> dict[int, bool]:
    """Whether every required input of each indicator has an accepted value."""
    cat = cat or round_catalogue(rnd)
    inputs = entity_inputs(rnd, cat, entity)
    params = engine.resolve_params(cat, rnd.get_params())
    out = {}
    for ind in cat.indicators:
        _env, missing = engine.indicator_env(ind, inputs.values.get(ind.id, {}), params)
        out[ind.id] = not missing and ind.id not in inputs.blocked
    return out


def feedback(rnd: Round, unit: str, out_dir: str | Path, *, entity: str | None = None) -> Path:
    """The unit's latest return with every finding marked on its cell, for emailing back."""
    from . import feedback as feedback_mod

    entity = entity or rnd.list_entities()[0]
    subs = [s for s in rnd.list_submissions(entity) if s.unit == unit]
    if not subs:
        from .errors import TemplateError

        raise TemplateError(f"“{entity}”的“{unit}”尚未回收任何文件", hint="请先导入该单位的回传文件")
    sub = subs[-1]
    findings = rnd.list_findings(sub.id)
    return feedback_mod.write_feedback(rnd.submission_content(sub.id), sub.file_name, findings,
                                       Path(out_dir))


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
    from . import export, report
    from .templates import sanitize_filename

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _d, _t, _m: None)
    wants_pdf = "pdf" in formats
    with parallel.Background(1 if wants_pdf else 0) as background:
        warm = background.submit(_prepare_pdf) if wants_pdf else None
        say(0, 4, "正在计算评分")
        cat = round_catalogue(rnd)
        info = rnd.info
        results = score_round(rnd)
        previous = None
        if compare:
            with Round.open(Path(compare), readonly=True) as earlier:
                previous = score_round(earlier, save=False)
        findings_rows, summary = _findings_rows(rnd, cat)
        round_info = {"name": info.name, "year": info.year}
        label = "_".join(results) if len(results) <= 2 else f"{next(iter(results))}等{len(results)}个"
        reports: list[tuple[str, report.Report]] = []
        if "docx" in formats or wants_pdf:
            say(1, 4, "正在生成评估报告")
            if len(results) > 1:
                reports.append((label, report.build_round_report(
                    cat, results, round_info=round_info, previous=previous,
                    findings_summary=summary)))
            if len(results) == 1 or per_entity:
                for entity, res in results.items():
                    reports.append((entity, report.build_report(
                        cat, res, round_info=round_info,
                        previous=previous.get(entity) if previous else None,
                        others=results if len(results) > 1 else None,
                        findings_summary=summary)))
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
                previous=previous))
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
    from . import report_pdf

    report_pdf.prepare()


def _render_pdf(rep: Any, path: Path) -> Path:
    """One PDF file; module-level so that it runs in the worker process."""
    from . import report

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
                     "indicator": f.indicator_id or "", "input": f.input_key or "",
                     "value": f.value or "", "severity": f.severity, "message": f.message})
    summary = {"错误": counts["error"], "警告": counts["warning"], "提示": counts["info"]}
    return rows, summary


# ---------------------------------------------------------------------------------------
# Demo
# ---------------------------------------------------------------------------------------
def run_demo(out_dir: str | Path, *, year: int = 2026, seed: int = 7,
             log: Callable[[str], None] | None = None,
             progress: ProgressFn | None = None) -> list[Path]:
    """The whole pipeline on synthetic data: round → templates → fill → import → score → export."""
    from . import samplefill

    say = log or (lambda _m: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    round_path = out / f"{year}年度评价.jeval"
    for leftover in (round_path, round_path.with_name(round_path.name + ".lock")):
        leftover.unlink(missing_ok=True)
    produced: list[Path] = []
    say(f"1/6 新建评价轮次：{round_path}")
    with create_round(round_path, year=year) as rnd:
        produced.append(round_path)
        made = issue_templates(rnd, out / "1_下发模板", deadline=f"{year + 1}-01-31",
                               contact_person="市智慧办 张三", contact_phone="0531-12345678")
        say(f"2/6 生成数据采集模板 {len(made)} 份：{out / '1_下发模板'}")
        filled = samplefill.sample_fill(out / "1_下发模板", out / "2_单位回传", seed, 0.02, 0.03)
        say(f"3/6 模拟各单位填报（含少量空项和错误）{len(filled)} 份：{out / '2_单位回传'}")
        rep = import_files(rnd, filled)
        counts = rep.counts()
        n_err = sum(f.has_errors for f in rep.files)
        say(f"4/6 导入回传文件：导入 {counts['imported']}、更新 {counts['updated']}、"
            f"未变化 {counts['unchanged']}、拒绝 {counts['rejected']}；其中 {n_err} 份有错误需反馈")
        results = score_round(rnd)
        for entity, res in results.items():
            say(f"5/6 评分：{entity} 总分 {res.total}（加权 {res.subtotal}，扣分 {res.deductions}）")
        files = export_all(rnd, out / "3_评价结果", progress=progress)
        produced += files
        say("6/6 导出：" + "、".join(p.name for p in files))
    return produced
