"""Resends that never lose data: which file of a unit counts is never decided by chance.

* Two files of one unit in one import whose values differ are all ``held``: the order of the
  files on a command line or in a folder says nothing about which is right. The user chooses
  one (``choose``); the others are then ``skipped``.
* A file older than the unit's stored return (by the saved time the file records, falling back
  to when it reached this computer) is ``held`` unless the user confirms (``replace_older``).
* Blank or unreadable cells of a newer file keep the stored values; :func:`kept_warning` lists
  them, so the unit and the office see what was not replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import Finding, Round, Submission

from . import xlsxsafe
from .returns import IMPORT_LIMITS, FileResult, capped, finding, input_label

#: Inputs named one by one in the warning about kept values; the rest are counted.
_LISTED = 12
_SOURCES = {"file": "按文件自身的记录", "disk": "按文件到达本机的时间", "import": "按导入时间"}


# ---------------------------------------------------------------------------------------
# Several files of one unit in one import
# ---------------------------------------------------------------------------------------
def _content(result: FileResult) -> tuple[Any, ...]:
    """The values a file brings (two files with equal values are no conflict)."""
    return tuple(sorted((v.indicator_id, v.input_key, v.row_index or 0, v.column_key or "",
                         v.text or "", str(v.number)) for v in result.values))


def hold_duplicates(files: Sequence[FileResult], chosen: Iterable[str | Path] = ()) -> None:
    """Hold every file of a unit that has several differing files in this import, unless the
    user chose one of them (which then goes ahead; the others are ``skipped``)."""
    picked_paths = {_key(p) for p in chosen}
    groups: dict[tuple[str, str], list[FileResult]] = {}
    for f in files:
        if f.status == "imported":
            groups.setdefault((f.entity, f.unit), []).append(f)
    for (entity, unit), group in groups.items():
        if len(group) < 2 or len({_content(f) for f in group}) < 2:
            continue
        picked = [f for f in group if _key(f.path) in picked_paths]
        if len(picked) == 1:
            for f in group:
                if f is not picked[0]:
                    f.status = "skipped"
                    f.findings.append(finding(
                        "info", f"同一单位的文件已选定采用“{picked[0].path.name}”，本文件未采用"))
            continue
        names = "、".join(f"“{f.path.name}”" for f in group)
        text = (f"本次导入中有 {len(group)} 个“{entity}”“{unit}”的文件（{names}），填报内容不同。"
                "本工具不按文件顺序决定采用哪一个，这些文件都暂未导入")
        hint = ("选定的文件多于一个，请只选定其中一个后重新导入" if picked else
                "请确认采用哪一个文件：只导入该文件，或在导入时选定要采用的文件")
        for f in group:
            f.status, f.decision = "held", "duplicate"
            f.findings.append(finding("warning", capped(text), hint=hint))


def _key(path: str | Path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(Path(path).absolute())


# ---------------------------------------------------------------------------------------
# A file older than the stored return
# ---------------------------------------------------------------------------------------
class SavedTimes:
    """When each stored return was saved, read from its stored bytes once per import."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[datetime | None, str, str]] = {}

    def of(self, rnd: Round, sub: Submission) -> tuple[datetime | None, str, str]:
        """(saved time, file name, how the time is known) of a stored submission: the time the
        file records, else when it was imported."""
        if sub.id not in self._cache:
            moment, source = None, "file"
            try:
                content = rnd.submission_content(sub.id)
                with xlsxsafe.open_bytes(content, sub.file_name, limits=IMPORT_LIMITS) as wb:
                    moment = wb.saved_at()
            except EvalError:
                moment = None
            if moment is None:
                moment, source = _parse_time(sub.imported_at), "import"
            self._cache[sub.id] = (moment, sub.file_name, source)
        return self._cache[sub.id]


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def _shown(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def older_than_stored(result: FileResult,
                      stored: Iterable[tuple[datetime | None, str, str]]) -> Finding | None:
    """A warning holding ``result`` back when it was saved before a stored return of its
    unit; None when it is not older (or either time is unknown)."""
    new = result.saved_at
    if new is None:
        return None
    for moment, name, source in stored:
        if moment is not None and new < moment:
            return finding(
                "warning",
                f"本文件保存于 {_shown(new)}（{_SOURCES.get(result.saved_source, '')}），早于已导入的"
                f"“{capped(name, 80)}”（{_shown(moment)}，{_SOURCES.get(source, '')}）。为避免用旧数据"
                "覆盖新数据，本文件暂未导入",
                hint="如确认要用本文件替换已导入的数据，请在导入时选择“仍用较早的文件替换”")
    return None


# ---------------------------------------------------------------------------------------
# Values kept because the newer file leaves them blank or unreadable
# ---------------------------------------------------------------------------------------
def kept_warning(cat: Catalogue, rows: Sequence[Any], display: Callable[[list[Any]], str]
                 ) -> Finding:
    """One warning naming the inputs whose stored values stay (first few with their values)."""
    by_input: dict[tuple[int, str], list[Any]] = {}
    for r in rows:
        by_input.setdefault((r.indicator_id, r.input_key), []).append(r)
    named = []
    for (ind_id, key), values in list(by_input.items())[:_LISTED]:
        label = input_label(cat.indicator(ind_id), key) or key
        named.append(f"指标 {ind_id}“{capped(label, 40)}” = {capped(display(values), 40)}")
    more = f"等 {len(by_input)} 项" if len(by_input) > _LISTED else ""
    return finding(
        "warning",
        f"本文件中有 {len(by_input)} 项为空或无法读取，已保留此前导入的值，未作更改："
        f"{'；'.join(named)}{more}",
        hint="填报单位如确需清空某项，请联系评价工作组办理（清除操作会记入操作日志）")
