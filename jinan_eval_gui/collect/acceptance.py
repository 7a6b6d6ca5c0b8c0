"""Acceptance that asks: a file with errors is not accepted without the user's say.

A file whose check found errors would become the unit's return with those inputs blocked; a
resend with more errors than the stored version would replace better data with worse. With the
gate closed (``accept_errors`` false, what the command line does unless told otherwise) such a
file is ``held`` (decision ``errors``, or ``worse`` when it would replace a version with fewer
errors) and kept in the round as a version that is **not accepted**: its bytes and findings
are there for the history and a feedback workbook, and it can still be accepted later (restoring
that version). The window asks instead, with :func:`verdicts` naming the counts, the values that
would change and the findings before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinan_eval_gui.store import Finding, Round, Submission

from .returns import Diff, FileResult, finding

if TYPE_CHECKING:
    from .importer import ImportReport

GATE_DECISIONS = ("errors", "worse")
#: Words of the note the gate adds to a held file (for the office, not stored with the file's
#: own findings, never sent back to the unit).
GATE_NOTE = "为免有误的数据进入评分，本文件未被接受"


def is_gate_note(f: Finding) -> bool:
    """The gate's own note on a held file (and its "held before" info), not a finding of the
    file's content."""
    return f.indicator_id is None and f.sheet is None and (
        GATE_NOTE in f.message or f.message == SAME_AS_HELD)


SAME_AS_HELD = "与此前未接受的版本完全相同，未重复存档"
#: ``accept_errors``: True accepts every file with errors (the window, after asking), False none
#: (the command line's default), or the paths of the files the user accepted.
AcceptErrors = bool | Iterable[str | Path]


def accepts(accept_errors: AcceptErrors, result: FileResult) -> bool:
    """Whether the user accepted ``result`` although it has errors."""
    if isinstance(accept_errors, bool):
        return accept_errors
    return _key(result.path) in {_key(p) for p in accept_errors}


def _key(path: str | Path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(Path(path).absolute())


def hold(result: FileResult, previous: tuple[int, int] | None) -> None:
    """Hold a file with errors back (not accepted); ``previous`` is (version number, errors) of
    the unit's accepted version it would replace, if any."""
    errors, warnings = result.count("error"), result.count("warning")
    worse = previous is not None and errors > previous[1]
    result.status, result.decision = "held", "worse" if worse else "errors"
    counts = f"本文件有错误 {errors} 处、警告 {warnings} 处"
    if previous is not None:
        counts += f"，已接受的第 {previous[0]} 版有错误 {previous[1]} 处" + \
            ("（本文件更差）" if worse else "")
    result.findings.append(finding(  # info: the file's own findings are counted, not this
        "info", f"{counts}。{GATE_NOTE}，已作为未接受的版本存档"
                   + ("，已接受的版本保持不变" if previous is not None else ""),
        hint="可生成反馈表退回该单位修改；如确认仍要接受，请在导入时选择“仍然接受”"
             "（命令行：--accept-errors），或在版本记录中恢复该版本"))


# ---------------------------------------------------------------------------------------
# What the window shows before it asks
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredVersion:
    """A unit's accepted version that a file would replace."""

    version: int
    submission_id: int
    file_name: str
    imported_at: str
    errors: int
    warnings: int
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    """What accepting one checked file means: its counts, the version it replaces, the values
    that change and whether the user must be asked (``question``, in Chinese)."""

    path: Path
    entity: str
    unit: str
    status: str
    decision: str
    errors: int
    warnings: int
    findings: list[Finding]
    replaces: StoredVersion | None
    changes: list[Diff]
    worse: bool
    question: str

    @property
    def needs_confirmation(self) -> bool:
        """True when accepting needs the user's yes (errors, or worse than the stored one)."""
        return bool(self.question)


def verdicts(rnd: Round, report: ImportReport) -> list[Verdict]:
    """For every file of a (dry-run) import that would be stored or is held for its errors:
    the counts, the accepted version it replaces with that version's findings, the values that
    change, and the question to ask. Files unchanged, rejected, skipped or held for another
    reason are left out (nothing to accept)."""
    subs = rnd.list_submissions()
    out = []
    for result in report.files:
        waiting = result.status == "held" and result.decision in GATE_DECISIONS
        if result.status not in ("imported", "updated") and not waiting:
            continue
        previous = _accepted(rnd, subs, result.entity, result.unit)
        errors, warnings = result.count("error"), result.count("warning")
        worse = previous is not None and errors > previous.errors
        out.append(Verdict(result.path, result.entity, result.unit, result.status,
                           result.decision, errors, warnings, list(result.findings), previous,
                           list(result.diffs), worse, _question(result, previous, errors,
                                                                warnings, worse)))
    return out


def _accepted(rnd: Round, subs: list[Submission], entity: str, unit: str
              ) -> StoredVersion | None:
    mine = [s for s in subs if (s.entity, s.unit) == (entity, unit)]
    for n, s in enumerate(mine, 1):
        if s.status == "accepted":
            found = rnd.list_findings(s.id)
            return StoredVersion(n, s.id, s.file_name, s.imported_at,
                                 sum(f.severity == "error" for f in found),
                                 sum(f.severity == "warning" for f in found), found)
    return None


def _question(result: FileResult, previous: StoredVersion | None, errors: int, warnings: int,
              worse: bool) -> str:
    """The question before accepting, naming the counts (empty: nothing to ask)."""
    name = result.path.name
    if worse and previous is not None:
        return (f"“{name}”有错误 {errors} 处、警告 {warnings} 处，比已接受的第 {previous.version} 版"
                f"“{previous.file_name}”（错误 {previous.errors} 处）更差。仍用它替换第 "
                f"{previous.version} 版吗？有误的填报项将按数据有误处理，第 {previous.version} 版仍"
                "保留在版本记录中，可随时恢复。")
    if errors:
        return (f"“{name}”有错误 {errors} 处、警告 {warnings} 处。仍然接受吗？有误的填报项不会"
                "被采用（按数据有误处理），可生成反馈表请该单位更正。")
    return ""


def previous_errors(view: Any, accepted: list[tuple[Any, str]]) -> tuple[int, int] | None:
    """(version number, errors) of the unit's accepted version, for :func:`hold`."""
    if not accepted:
        return None
    source = accepted[-1][0]
    if isinstance(source, FileResult):  # cannot happen: two files of a unit are held
        return None
    sub = view.submissions[source]
    mine = [s for s in view.submissions.values() if (s.entity, s.unit) == (sub.entity, sub.unit)]
    number = 1 + sorted(s.id for s in mine).index(source)
    return number, sum(f.severity == "error" for f in view.rnd.list_findings(source))
