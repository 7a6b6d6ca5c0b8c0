"""Feedback workbooks: one unit's, or every unit's with open findings in one action.

Each is the unit's own file with every problem marked, the 校验结果 listing and a cover note
(致各单位的反馈说明: what to correct, by when, whom to call). The version fed back is the one
whose findings are open: a newer version kept without being accepted, else the accepted one.
Sending is recorded in the round's log (action ``feedback``), which turns the unit's state on
the board into 已反馈待更正 until a new version arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jinan_eval_gui.errors import TemplateError
from jinan_eval_gui.store import Round
from jinan_eval_gui.system.atomic import ensure_folder

from .arrivals import FEEDBACK_ACTION, Arrival, parse_date, shown_time, unit_arrivals
from .findings import subject_versions
from .reminders import cn_date
from .rounds import ProgressFn

#: Days given to correct, when the office names no date.
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class FeedbackSent:
    """One feedback workbook written: for whom, which version, where, the counts."""

    entity: str
    unit: str
    version: int | None
    path: Path
    errors: int
    warnings: int
    due: str


def due_text(due: date | str | None, today: date | None = None) -> str:
    """The correction deadline as people read it (default: a week from today)."""
    if isinstance(due, str) and due.strip():
        parsed = parse_date(due)
        if parsed is None:
            raise TemplateError(f"更正期限“{due}”不是日期", hint="请按 2027-02-10 的格式填写")
        due = parsed
    if not isinstance(due, date):
        due = (today or date.today()) + timedelta(days=DEFAULT_DAYS)
    return cn_date(due)


def feedback_unit(rnd: Round, unit: str, out_dir: str | Path, *, entity: str | None = None,
                  due: date | str | None = None, today: date | None = None) -> FeedbackSent:
    """The feedback workbook of ``unit`` (first entity by default), recorded in the log."""
    entity = entity or rnd.list_entities()[0]
    subject = _subject(rnd, entity, unit)
    if subject is None:
        raise TemplateError(f"“{entity}”的“{unit}”尚未回收任何文件", hint="请先导入该单位的回传文件")
    folder = ensure_folder(out_dir, TemplateError)
    sent = _write(rnd, subject, folder, due_text(due, today))
    _record(rnd, [(sent, subject)])
    return sent


def feedback_all(rnd: Round, out_dir: str | Path, *, entity: str | None = None,
                 due: date | str | None = None, today: date | None = None,
                 progress: ProgressFn | None = None) -> list[FeedbackSent]:
    """Feedback workbooks for every unit whose file has open errors or warnings, in one go."""
    due = due_text(due, today)
    folder = ensure_folder(out_dir, TemplateError)
    subjects = [a for (e, _u), arrivals in sorted(unit_arrivals(rnd).items())
                if entity is None or e == entity
                for a in subject_versions(arrivals)[-1:] if a.errors or a.warnings]
    sent = []
    for n, subject in enumerate(subjects):
        if progress is not None:
            progress(n, len(subjects), f"正在生成反馈表：{subject.entity} {subject.unit}")
        sent.append((_write(rnd, subject, folder, due), subject))
    _record(rnd, sent)
    if progress is not None:
        progress(len(subjects), len(subjects), f"已生成 {len(subjects)} 份反馈表")
    return [s for s, _ in sent]


def _subject(rnd: Round, entity: str, unit: str) -> Arrival | None:
    versions = subject_versions(unit_arrivals(rnd).get((entity, unit), []))
    return versions[-1] if versions else None


def _write(rnd: Round, subject: Arrival, folder: Path, due: str) -> FeedbackSent:
    from jinan_eval_gui.collect import feedback
    from jinan_eval_gui.collect.feedbacknote import FeedbackNote

    info = rnd.info
    templates = [t for t in rnd.list_templates()
                 if (t.entity, t.unit) == (subject.entity, subject.unit)] or rnd.list_templates()
    last = templates[-1] if templates else None
    note = FeedbackNote(
        info.name, subject.entity if len(rnd.list_entities()) > 1 else "", subject.unit,
        subject.file_name, subject.version, shown_time(subject.time)[:10], due,
        (last.contact_person or "") if last else "", (last.contact_phone or "") if last else "")
    findings = rnd.list_findings(subject.submission_id)
    stem = f"{info.year}年度_{subject.entity}_{subject.unit}_第{subject.version}版"
    path = feedback.write_feedback(rnd.submission_content(subject.submission_id or 0),
                                   subject.file_name, findings, folder, note=note, stem=stem)
    return FeedbackSent(subject.entity, subject.unit, subject.version, path,
                        sum(f.severity == "error" for f in findings),
                        sum(f.severity == "warning" for f in findings), due)


def _record(rnd: Round, sent: list[tuple[FeedbackSent, Arrival]]) -> None:
    """Each unit's feedback in the log (one transaction); a read-only round is not changed."""
    if rnd.readonly or not sent:
        return
    with rnd.transaction():
        for s, subject in sent:
            rnd.audit(FEEDBACK_ACTION, {
                "entity": s.entity, "unit": s.unit, "version": s.version,
                "submission_id": subject.submission_id, "file": s.path.name,
                "errors": s.errors, "warnings": s.warnings, "due": s.due})
