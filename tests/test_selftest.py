"""The self-test's own logic: flag handling, verdicts, Chinese summary, file checks.

The real run (the whole demo) is exercised on the frozen build in test_build.py and, without
freezing, by the demo tests in test_pipeline.py.
"""

from __future__ import annotations

import zipfile

from jinan_eval_gui import cli, selftest
from jinan_eval_gui.selftest import Check


def test_flag_absent_means_no_selftest():
    assert selftest.run_if_requested(["round.jeval"]) is None
    assert selftest.run_if_requested([]) is None


def test_flag_runs_the_gui_variant(monkeypatch):
    calls = []
    monkeypatch.setattr(selftest, "run", lambda *a, **k: calls.append(k) or 0)
    assert selftest.run_if_requested(["--selftest"]) == 0
    assert calls == [{"gui": True}]


def test_all_checks_pass(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "check_pipeline", lambda folder: [Check("甲", True, "好")])
    lines: list[str] = []
    assert selftest.run(tmp_path, out=lines.append) == 0
    assert lines[0].startswith("自检：") and "✓ 甲：好" in lines[1]
    assert lines[-1].startswith("自检通过")


def test_a_failed_check_fails_the_run(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "check_pipeline",
                        lambda folder: [Check("甲", True), Check("乙", False, "未生成")])
    lines: list[str] = []
    assert selftest.run(tmp_path, out=lines.append) == 1
    assert "  ✗ 乙：未生成" in lines and lines[-1].startswith("自检未通过：1 项失败")


def test_an_exception_is_a_failed_check_not_a_traceback(monkeypatch, tmp_path):
    def boom(folder):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(selftest, "check_pipeline", boom)
    monkeypatch.setattr("jinan_eval_gui.system.logs.user_data_dir", lambda: tmp_path)
    lines: list[str] = []
    assert selftest.run(out=lines.append) == 1
    assert any("磁盘已满" in line and "error.log" in line for line in lines)
    assert "Traceback" in (tmp_path / "error.log").read_text(encoding="utf-8")


def test_without_console_the_summary_goes_to_a_log(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "check_pipeline", lambda folder: [Check("甲", True)])
    monkeypatch.setattr("sys.stdout", None)
    monkeypatch.setattr("jinan_eval_gui.system.logs.user_data_dir", lambda: tmp_path)
    assert selftest.run(tmp_path / "out") == 0
    assert "自检通过" in (tmp_path / "selftest.log").read_text(encoding="utf-8")


def test_file_checks_tell_real_files_from_broken_ones(tmp_path):
    good = tmp_path / "a.xlsx"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert selftest._is_zip_with(good, "xl/workbook.xml")
    assert not selftest._is_zip_with(good, "word/document.xml")
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(b"not a zip")
    assert not selftest._is_zip_with(bad, "xl/workbook.xml")
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(b"%PDF-1.7\n...\n%%EOF\n")
    assert selftest._is_pdf(pdf)
    pdf.write_bytes(b"%PDF-1.7\n... truncated")
    assert not selftest._is_pdf(pdf)
    assert not selftest._file_check("报告", None, selftest._is_pdf).ok


def test_cli_registers_selftest(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(selftest, "run", lambda out_dir, gui: seen.update(out=out_dir, gui=gui) or 1)
    assert cli.main(["selftest", "--out", "x"]) == 1
    assert seen == {"out": "x", "gui": False}
