"""Feedback in one go (issue 16, part 6): every unit with open findings gets its workbook with a
cover note (what to correct, by when, whom to call); the listing prints on one page width with a
title; problem marks are distinct from the template's input colours, also in greyscale."""

from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pytest
from corpus import TEST_UNIT, address
from deskcorpus import DATA_UNIT, ENTITY, T, import_as, make_month
from lo import convert, needs_soffice

from jinan_eval_gui import cli
from jinan_eval_gui.collect.feedback import BORDERS, FILLS, RESULT_SHEET
from jinan_eval_gui.collect.feedbacknote import NOTE_SHEET, NOTE_TITLE
from jinan_eval_gui.collect.templates import DATA_SHEET
from jinan_eval_gui.collect.templates.layout import COLOR_HEADER, COLOR_OPTIONAL, COLOR_REQUIRED
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import board, feedbacks


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("feedback"))


@pytest.fixture
def returned(month, tmp_path):
    path = month.round(tmp_path)
    import_as(path, [month.filled[DATA_UNIT]])
    import_as(path, [month.edited(tmp_path, "bad.xlsx", {(T, "t_flag1"): "待定"})],
              accept_errors=False)
    return path


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of an RRGGBB colour: what greyscale print keeps of it."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(rgb.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_marks_differ_from_input_colours_also_in_greyscale():
    inputs = [luminance(c) for c in (COLOR_REQUIRED, COLOR_OPTIONAL, COLOR_HEADER)]
    error, warning = luminance(FILLS["error"]), luminance(FILLS["warning"])
    assert error < warning < min(inputs)
    assert min(inputs) - warning > 0.25 and warning - error > 0.2  # clearly apart in grey
    assert (error + 0.05) / 0.05 >= 4.5  # black text stays readable on the darkest mark
    assert BORDERS["error"][0] != BORDERS["warning"][0]  # told apart by the border too


def test_feedback_for_every_unit_with_open_findings(returned, tmp_path):
    with Round.open(returned) as rnd:
        sent = feedbacks.feedback_all(rnd, tmp_path / "out", due="2027-02-10")
        entries = rnd.audit_log("feedback")
        rows = {r.unit: r for r in board.unit_board(rnd).rows}
    assert {s.unit for s in sent} == {TEST_UNIT, DATA_UNIT}  # the silent unit has nothing
    assert [e.details["due"] for e in entries] == ["2027年2月10日"] * 2
    assert rows[TEST_UNIT].state_label == rows[DATA_UNIT].state_label == "已反馈待更正"
    mine = next(s for s in sent if s.unit == TEST_UNIT)
    assert mine.path.name == f"2026年度_{ENTITY}_{TEST_UNIT}_第1版_反馈.xlsx"
    assert (mine.version, mine.errors) == (1, 1)
    wb = openpyxl.load_workbook(mine.path)
    assert wb.sheetnames[:2] == [NOTE_SHEET, RESULT_SHEET]
    note = [c.value for c in wb[NOTE_SHEET]["A"] if c.value]
    text = "\n".join(note)
    assert note[0] == NOTE_TITLE and note[1] == f"{TEST_UNIT}："
    assert "“bad.xlsx”（第 1 版" in text and "发现错误 1 处" in text
    assert re.search(r"1\. 【错误，必须更正】工作表“数据填报”，D\d+：指标 18.*填写的是“待定”", text)
    assert "请于 2027年2月10日 前更正并重新报送" in text
    assert "请联系市智慧办 李四 0531-66608888" in text
    assert "未被接受" not in text and "accept-errors" not in text  # the office's note stays home
    listing = wb[RESULT_SHEET]
    assert f"{TEST_UNIT}数据采集表校验结果（第 1 版" in listing["A1"].value
    assert [c.value for c in listing[2]][:3] == ["序号", "级别", "类别"]
    assert listing.page_setup.orientation == "landscape" and listing.page_setup.fitToHeight == 0
    assert listing.sheet_properties.pageSetUpPr.fitToPage and listing.print_title_rows == "$2:$2"
    wrong = next(r for r in listing.iter_rows(min_row=3, values_only=True) if r[6] == "待定")
    assert wrong[1:3] == ("错误", "数据有误")
    cell = wb[DATA_SHEET][address(month_meta(returned), T, "t_flag1")]
    assert cell.fill.fgColor.rgb.endswith(FILLS["error"]) and cell.border.left.style == "thick"


def month_meta(round_path):
    from corpus import meta_of

    return meta_of(next(round_path.parent.glob("bad.xlsx")))


def test_feedback_command(returned, tmp_path, capsys):
    code = cli.main(["feedback", str(returned), "--all", "--out", str(tmp_path / "all"),
                     "--due", "2027-02-10"])
    out = capsys.readouterr().out
    assert code == 0 and "共 2 份，请各单位于 2027年2月10日 前更正" in out
    code = cli.main(["feedback", str(returned), "--unit", TEST_UNIT, "--out", str(tmp_path)])
    assert code == 0 and "错误 1 处" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["feedback", str(returned), "--out", str(tmp_path)])  # --unit or --all
    code = cli.main(["feedback", str(returned), "--all", "--out", str(tmp_path),
                     "--due", "下周"])
    assert code == 1 and "不是日期" in capsys.readouterr().err


@needs_soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_printed_feedback_loses_no_text(returned, tmp_path):
    """Printed through LibreOffice, the note and the listing show every word: nothing cut
    off at the page's edge or a row's."""
    with Round.open(returned) as rnd:
        sent = feedbacks.feedback_unit(rnd, TEST_UNIT, tmp_path / "out", due="2027-02-10")
        found = rnd.list_findings()
    pdf = convert(sent.path, tmp_path / "pdf", to="pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    flat = [re.sub(r"\s+", "", p) for p in pages]
    assert NOTE_TITLE in flat[0] and "请于2027年2月10日前更正并重新报送" in "".join(flat[:2])
    listing = next(p for p in flat if "校验结果" in p and "问题说明" in p)
    for f in found:
        if f.submission_id == found[-1].submission_id and f.severity != "info":
            assert re.sub(r"\s+", "", f.message) in listing, f.message
