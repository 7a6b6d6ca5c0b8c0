"""The collection desk in the screenshot round: a month's state, and pictures of its views.

``desk_story`` gives the round built by ``make_screenshots.build_round`` what a month leaves: a
deadline passed with units still late, a comparison round of the year before (上年度), feedback
sent to a unit with errors, a worse resend kept without being accepted, contacts recorded and
a 催报. ``shoot_desk`` drives the window through the desk's tabs and dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

#: Days the screenshot round's deadline lies in the past.
DAYS_LATE = 5


def deadline() -> str:
    day = date.today() - timedelta(days=DAYS_LATE)
    return f"{day.year}年{day.month}月{day.day}日"


def earlier_round(base: Path) -> Path:
    """A 2024 round with every unit's return (the round compared with, 上年度)."""
    from jinan_eval_gui import workflow
    from jinan_eval_gui.collect import samplefill

    path = base / "2024年度评价.jeval"
    with workflow.create_round(path, year=2024) as rnd:
        workflow.issue_templates(rnd, base / "2024模板")
        samplefill.sample_fill(base / "2024模板", base / "2024回传", 5, 0.02, 0.05)
        workflow.import_files(rnd, sorted((base / "2024回传").glob("*.xlsx")))
    return path


def desk_story(rnd: Any, base: Path, imported: list[Path]) -> None:
    """What a month at the desk leaves in the round (see the module)."""
    from jinan_eval_gui import workflow
    from jinan_eval_gui.workflow import comparison, contacts, feedbacks, reminders

    comparison.set_comparison(rnd, earlier_round(base))
    board = workflow.unit_board(rnd)
    with_errors = [r for r in board.rows if r.state == "errors"]
    if with_errors:
        feedbacks.feedback_unit(rnd, with_errors[0].unit, base / "反馈", entity=with_errors[0].entity)
    worse = next((p for p in sorted((base / "回传-有误").glob("*.xlsx"))
                  if any(p.name == q.name for q in imported)
                  and (row := board.row("济南市", _unit_of(p))) is not None
                  and row.state == "accepted"), None)
    if worse is not None:
        workflow.import_files(rnd, [worse], accept_errors=False)  # kept, not accepted
    for row in board.rows[:3]:
        contacts.set_contact(rnd, row.unit, person=f"{row.unit[1:3]}科 李老师",
                             phone="0531-6600" + str(1000 + len(row.unit)))
    reminders.write_reminders(rnd, base / "催报名单.xlsx")


def _unit_of(path: Path) -> str:
    """The unit named in a template's file name (年度_对象_单位_数据采集表.xlsx)."""
    return path.stem.split("_")[2]


def shoot_desk(window: Any, shot: Callable[[str], None], grab: Callable[[Any, str], None],
               late: list[Path], wait: Callable[[], None]) -> None:
    """The board, the import check, the open findings and each desk dialog."""
    collect = window.show_page("collect")
    wait()
    shot("collect-board")
    collect.add_files(late)
    collect.preview()
    wait()
    errors = [r for r in range(collect.findings_proxy.rowCount())
              if collect.findings_proxy.view_at(r).category == "数据有误"]
    if errors:
        collect.ui.findingsTable.selectRow(errors[0])
    shot("collect-import")
    dialog = collect.accept_import()
    if dialog is not None:
        wait()
        grab(dialog, "dialog-accept")
        dialog.reject()
    collect.ui.collectTabs.setCurrentWidget(collect.ui.openTab)
    wait()
    proxy = collect.open_proxy
    wrong = next((r for r in range(proxy.rowCount())
                  if proxy.view_at(r).category == "数据有误"), 0)
    collect.ui.openTable.selectRow(wrong)
    shot("collect-findings")
    finding = collect.open_finding()
    if finding is not None:
        grab(finding, "dialog-finding")
        finding.reject()
    collect.ui.collectTabs.setCurrentWidget(collect.ui.statusTab)
    held = next((r for r in collect.status.rows() if r.state == "pending"), None)
    history = collect.open_history(held.unit if held else None)
    if history is not None:
        grab(history, "dialog-history")
        history.show_value(*_a_value(window, history))
        grab(history, "dialog-history-values")
        history.reject()
    log = collect.open_log()
    grab(log, "dialog-log")
    log.reject()
    contacts = collect.open_contacts()
    grab(contacts, "dialog-contacts")
    contacts.reject()
    from jinan_eval_gui.workflow import reminders

    listed = reminders.reminder_list(window.session.rnd, window.session.cat)
    from jinan_eval_gui.gui.dialogs.reminder import ReminderDialog

    reminder = ReminderDialog(listed, Path("催报名单.xlsx"), collect)
    reminder.open()
    wait()
    grab(reminder, "dialog-reminder")
    reminder.reject()
    new_round = window.new_round()
    grab(new_round, "dialog-new-round")
    new_round.reject()


def _a_value(window: Any, history: Any) -> tuple[int, str]:
    """An input of the history's unit that holds a number (for the 数值记录 tab)."""
    cat = window.session.cat
    for ind in cat.indicators_for_unit(history.unit()[1]):
        for spec in ind.inputs:
            if spec.kind != "table":
                return ind.id, spec.key
    ind = cat.indicators_for_unit(history.unit()[1])[0]
    return ind.id, ind.inputs[0].key
