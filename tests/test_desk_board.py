"""The unit status board, the unit directory and 催报 (issue 16, part 1).

The month: three units issued with the deadline 2027-01-31; one returns a clean file, one a
file with errors, one nothing. Worked by hand: on 2027-02-03 the silent unit is 3 days
overdue (31 January → 3 February), the 26 units never issued are 未报送 with no deadline.
"""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from corpus import TEST_UNIT
from deskcorpus import DATA_UNIT, ENTITY, LATE_UNIT, T, import_as, make_month

from jinan_eval_gui import cli
from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import board, contacts, reminders

FEB3 = date(2027, 2, 3)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("board"))


@pytest.fixture
def returned(month, tmp_path):
    """The round after one clean return and one with errors (not accepted)."""
    path = month.round(tmp_path)
    bad = month.edited(tmp_path, "bad.xlsx", {(T, "t_flag1"): "待定"})
    report = import_as(path, [month.filled[DATA_UNIT], bad], accept_errors=False)
    assert [f.status for f in report.files] == ["imported", "held"]
    return path


def test_states_days_overdue_and_counts(returned):
    with Round.open(returned, readonly=True) as rnd:
        b = board.unit_board(rnd, today=FEB3)
    rows = {r.unit: r for r in b.rows}
    assert len(rows) == 29
    late = rows[LATE_UNIT]
    assert (late.state, late.days_overdue, late.state_label) == ("overdue", 3, "逾期 3 天")
    assert late.deadline == "2027-01-31" and late.issued_at and late.arrivals == []
    assert rows[DATA_UNIT].state_label == "已接受" and rows[DATA_UNIT].current_version == 1
    waiting = rows[TEST_UNIT]
    assert waiting.state_label == "已报送待检查"  # a file with errors, not accepted
    assert waiting.open_findings["error"] == 1 and waiting.current_version is None
    (arrival,) = waiting.arrivals
    assert (arrival.version, arrival.state_label, arrival.errors) == (1, "未接受", 1)
    assert arrival.file_name == "bad.xlsx" and len(arrival.sha256) == 64
    never = rows["市教育局"]
    assert (never.state_label, never.issued, never.deadline) == ("未报送", False, "")
    assert b.counts == {"未报送": 26, "逾期": 1, "已报送待检查": 1, "有错误": 0,
                        "已反馈待更正": 0, "已接受": 1}
    assert [r.unit for r in b.late()] == [LATE_UNIT]
    # before the deadline nobody is late
    with Round.open(returned, readonly=True) as rnd:
        early = board.unit_board(rnd, today=date(2027, 1, 31))
    assert early.counts["逾期"] == 0 and early.row(ENTITY, LATE_UNIT).state_label == "未报送"


def test_accepted_with_errors_and_fed_back(month, tmp_path):
    path = month.round(tmp_path)
    bad = month.edited(tmp_path, "bad.xlsx", {(T, "t_flag1"): "待定"})
    import_as(path, [bad], accept_errors=True)
    with Round.open(path) as rnd:
        row = board.unit_board(rnd, today=FEB3).row(ENTITY, TEST_UNIT)
        assert row.state_label == "有错误" and row.open_findings["error"] == 1
        from jinan_eval_gui.workflow import feedbacks

        feedbacks.feedback_unit(rnd, TEST_UNIT, tmp_path / "fb")
        row = board.unit_board(rnd, today=FEB3).row(ENTITY, TEST_UNIT)
    assert row.state_label == "已反馈待更正" and row.feedback_at
    # the corrected file arrives: accepted, the feedback is done with
    import_as(path, [month.edited(tmp_path, "fixed.xlsx", {(T, "t_flag1"): "否"})])
    with Round.open(path, readonly=True) as rnd:
        row = board.unit_board(rnd, today=FEB3).row(ENTITY, TEST_UNIT)
    assert row.state_label == "已接受" and [a.version for a in row.arrivals] == [1, 2]
    assert [a.state for a in row.arrivals] == ["superseded", "accepted"]


def test_unit_directory_set_and_fallback(returned):
    with Round.open(returned) as rnd:
        found = contacts.directory(rnd)
        assert not found[(ENTITY, LATE_UNIT)].known
        assert found[(ENTITY, LATE_UNIT)].text == "未登记联系人"
        filler = found[(ENTITY, DATA_UNIT)]  # from the filler its file names
        assert filler.known and filler.source == "回传文件的填报人"
        saved = contacts.set_contact(rnd, LATE_UNIT, person="王五", phone="0531-12345678")
        assert saved.source == "单位名录"
        found = contacts.directory(rnd)
        assert found[(ENTITY, LATE_UNIT)].text == "王五 0531-12345678"
        contacts.set_contact(rnd, LATE_UNIT, email="ww@example.cn")  # other fields kept
        assert contacts.directory(rnd)[(ENTITY, LATE_UNIT)].text == \
            "王五 0531-12345678 ww@example.cn"
        (entry, _second) = rnd.audit_log("contact.set")
        assert entry.details["new"]["person"] == "王五" and entry.details["old"] is None
        with pytest.raises(Exception, match="没有需要填报的单位"):
            contacts.set_contact(rnd, "不存在的局", person="x")


def test_reminder_sheet_text_and_log(returned, tmp_path):
    with Round.open(returned) as rnd:
        contacts.set_contact(rnd, LATE_UNIT, person="王五", phone="0531-12345678")
        made = reminders.write_reminders(rnd, tmp_path / "催报.xlsx", today=FEB3)
        (entry,) = rnd.audit_log("reminder")
    assert [(r.unit, r.days_overdue) for r in made.rows] == [(LATE_UNIT, 3)]
    assert "截至2027年2月3日" in made.text and "市公安局（截止日期 2027年1月31日，已逾期 3 天" in made.text
    assert "王五 0531-12345678" in made.text and "李四 0531-66608888" in made.text
    assert entry.details["units"] == [{"entity": ENTITY, "unit": LATE_UNIT, "days_overdue": 3}]
    ws = openpyxl.load_workbook(tmp_path / "催报.xlsx")["催报名单"]
    rows = list(ws.iter_rows(values_only=True))
    assert "催报名单" in rows[0][0] and rows[2][:3] == ("序号", "评价对象", "责任单位")
    assert rows[3][:8] == (1, ENTITY, LATE_UNIT, rows[3][3], "2027年1月31日", 3, "王五",
                           "0531-12345678")
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$3:$3"
    with Round.open(returned) as rnd:
        reminders.write_reminders(rnd, tmp_path / "催报.txt", today=FEB3)
        with pytest.raises(ExportError, match="只能保存为"):
            reminders.write_reminders(rnd, tmp_path / "催报.docx", today=FEB3)
    assert (tmp_path / "催报.txt").read_text(encoding="utf-8-sig").startswith("【催报】")


def test_nobody_late_says_so(month, tmp_path):
    with Round.open(month.round(tmp_path)) as rnd:
        made = reminders.reminder_list(rnd, today=date(2027, 1, 1))
    assert made.rows == [] and "没有逾期未报送的单位" in made.text


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_status_json_keeps_its_keys_and_adds_the_board(returned, capsys):
    code, out, _err = run(capsys, "status", returned, "--json", "--date", "2027-02-03")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["逾期"] == 1 and data["date"] == "2027-02-03"
    units = {u["unit"]: u for u in data["units"]}
    late = units[LATE_UNIT]
    assert {"entity", "unit", "issued", "returned", "errors", "warnings", "accepted",
            "status"} <= set(late)  # the keys other tools read stay
    assert late["issued"] is True and late["issued_at"] and late["deadline"] == "2027-01-31"
    assert (late["state"], late["days_overdue"], late["arrivals"]) == ("逾期 3 天", 3, [])
    waiting = units[TEST_UNIT]
    (arrival,) = waiting["arrivals"]
    assert set(arrival) >= {"time", "file", "sha256", "version", "state"}
    assert (arrival["file"], arrival["version"], arrival["state"]) == ("bad.xlsx", 1, "held")
    assert units[DATA_UNIT]["open_findings"]["error"] == 0
    assert set(units[DATA_UNIT]["open_findings"]) == {"error", "warning", "info"}
    code, out, _err = run(capsys, "status", returned, "--date", "2027-02-03")
    assert "逾期 1" in out and "逾期 3 天" in out


def test_remind_command(returned, capsys, tmp_path):
    code, out, _err = run(capsys, "remind", returned, "--out", tmp_path / "r.xlsx",
                          "--date", "2027-02-03")
    assert code == 0 and "【催报】" in out and "市公安局" in out and "已记入操作日志" in out
    assert (tmp_path / "r.xlsx").is_file()
    with pytest.raises(SystemExit):
        cli.main(["remind", str(returned), "--out", str(tmp_path / "r.xlsx"), "--date", "明天"])
    assert "不是日期" in capsys.readouterr().err
