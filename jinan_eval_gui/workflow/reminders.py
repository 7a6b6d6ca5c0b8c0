"""催报: the list of units that sent nothing by their deadline, with whom to call.

One action gives an Excel sheet (to file or forward) and plain text to paste into a message,
and records in the round's log that the reminder went out (action ``reminder``), so the
history shows when each unit was chased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.store import Round
from jinan_eval_gui.system.atomic import atomic_path, ensure_folder

from .arrivals import shown_time
from .board import Board, UnitRow, unit_board
from .contacts import Contact
from .rounds import round_catalogue

REMINDER_ACTION = "reminder"
SHEET = "催报名单"
_HEADER = ("序号", "评价对象", "责任单位", "下发日期", "截止日期", "逾期天数", "联系人", "联系电话",
           "电子邮箱", "备注")


@dataclass(frozen=True)
class Reminder:
    """One late unit and whom to call."""

    entity: str
    unit: str
    issued_at: str
    deadline: str
    days_overdue: int
    contact: Contact


@dataclass(frozen=True)
class ReminderList:
    """The late units on ``today``, the text to paste, and the office's own contact."""

    today: date
    rows: list[Reminder]
    text: str
    office_person: str = ""
    office_phone: str = ""


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def reminder_list(rnd: Round, cat: Catalogue | None = None, *, today: date | None = None,
                  board: Board | None = None) -> ReminderList:
    """The units whose deadline passed with nothing sent, most overdue first."""
    cat = cat or round_catalogue(rnd)
    board = board or unit_board(rnd, cat, today=today)
    late = sorted(board.late(), key=lambda r: (-r.days_overdue, r.entity, r.unit))
    rows = [Reminder(r.entity, r.unit, shown_time(r.issued_at)[:10], _deadline(r),
                     r.days_overdue, r.contact) for r in late]
    templates = rnd.list_templates()
    person = next((t.contact_person for t in reversed(templates) if t.contact_person), "") or ""
    phone = next((t.contact_phone for t in reversed(templates) if t.contact_phone), "") or ""
    text = _message(rnd.info.name, board.today, rows, len(rnd.list_entities()) > 1, person,
                    phone)
    return ReminderList(board.today, rows, text, person, phone)


def _deadline(row: UnitRow) -> str:
    return cn_date(row.deadline_date) if row.deadline_date else row.deadline


def _message(round_name: str, today: date, rows: list[Reminder], entities: bool,
             person: str, phone: str) -> str:
    """Plain text for a message to the units (or a note that nobody is late)."""
    if not rows:
        return f"截至{cn_date(today)}，{round_name}没有逾期未报送的单位。"
    lines = [f"【催报】{round_name}数据采集表",
             f"截至{cn_date(today)}，以下 {len(rows)} 个单位的数据采集表已过填报截止日期，尚未报送："]
    for n, r in enumerate(rows, 1):
        who = f"{r.entity} " if entities else ""
        contact = f"；联系人：{r.contact.text}" if r.contact.known else ""
        lines.append(f"{n}. {who}{r.unit}（截止日期 {r.deadline}，已逾期 {r.days_overdue} 天{contact}）")
    ask = "请以上单位尽快填写并报送数据采集表。"
    if person or phone:
        ask += f"如有疑问，请联系市智慧办 {' '.join(p for p in (person, phone) if p)}。"
    lines.append(ask)
    return "\n".join(lines)


def write_reminders(rnd: Round, out: str | Path, cat: Catalogue | None = None, *,
                    today: date | None = None) -> ReminderList:
    """Write the 催报 list to ``out`` (.xlsx: a sheet to print or forward; .txt: the message)
    and record the reminder in the round's log."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".txt"):
        raise ExportError(f"催报名单只能保存为 .xlsx 或 .txt 文件，不能保存为“{out.name}”",
                          hint="请把文件名改为以 .xlsx 或 .txt 结尾")
    reminders = reminder_list(rnd, cat, today=today)
    ensure_folder(out.parent)
    with atomic_path(out) as tmp:
        if suffix == ".txt":
            tmp.write_text(reminders.text + "\n", encoding="utf-8-sig")
        else:
            _workbook(tmp, rnd.info.name, reminders)
    record_reminder(rnd, reminders, out.name)
    return reminders


def record_reminder(rnd: Round, reminders: ReminderList, where: str = "") -> None:
    """The reminder in the round's log (who was chased, when, how late)."""
    rnd.audit(REMINDER_ACTION, {
        "date": reminders.today.isoformat(), "file": where, "count": len(reminders.rows),
        "units": [{"entity": r.entity, "unit": r.unit, "days_overdue": r.days_overdue}
                  for r in reminders.rows]})


def _workbook(path: Path, round_name: str, reminders: ReminderList) -> None:
    """The 催报名单 sheet: a title, one row per late unit, printing on one page width."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    try:
        ws = wb.add_worksheet(SHEET)
        title = wb.add_format({"bold": True, "font_size": 14, "align": "center",
                               "valign": "vcenter"})
        note = wb.add_format({"font_size": 10, "text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center",
                              "valign": "vcenter", "text_wrap": True})
        cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        number = wb.add_format({"border": 1, "valign": "top", "align": "center"})
        last = len(_HEADER) - 1
        _merged(ws, 0, last, f"{round_name} 催报名单", title)
        ws.set_row(0, 28)
        _merged(ws, 1, last, f"截至{cn_date(reminders.today)}，共 {len(reminders.rows)} 个单位"
                "逾期未报送。", note)
        ws.write_row(2, 0, _HEADER, head)
        for n, r in enumerate(reminders.rows, 1):
            row: list[Any] = [n, r.entity, r.unit, r.issued_at, r.deadline, r.days_overdue,
                              r.contact.person, r.contact.phone, r.contact.email, r.contact.note]
            for col, value in enumerate(row):
                if isinstance(value, int):
                    ws.write_number(2 + n, col, value, number)
                else:
                    ws.write_string(2 + n, col, str(value), cell)  # never a formula
        text_row = 4 + len(reminders.rows)
        _merged(ws, text_row, last, "可复制发送的催报通知：", note)
        for n, line in enumerate(reminders.text.split("\n"), text_row + 1):  # a row each: a
            _merged(ws, n, last, line, note)  # row is at most 409 points high
        for col, width in enumerate((5, 10, 20, 11, 14, 8, 10, 15, 20, 16)):
            ws.set_column(col, col, width)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
        ws.freeze_panes(3, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
    finally:
        wb.close()


def _merged(ws: Any, row: int, last: int, text: str, fmt: Any) -> None:
    """Text across the row's columns, always as a string (a name may start with "=")."""
    ws.merge_range(row, 0, row, last, "", fmt)
    ws.write_string(row, 0, text, fmt)
