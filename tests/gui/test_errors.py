"""Errors: core messages as dialogs, unexpected ones logged with the log path shown."""

from __future__ import annotations

import sys

from conftest import wait_idle

from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.worker import Worker


def test_core_error_in_a_worker_shows_its_chinese_message(qtbot, window, recorder, tmp_path):
    window.open_round(tmp_path / "没有这个文件.jeval")
    wait_idle(qtbot, window)
    assert window.session.rnd is None
    assert recorder.errors and "找不到评价轮次文件" in recorder.errors[0]


def test_unexpected_error_in_a_worker_is_logged(qtbot, window, recorder, tmp_path):
    def task(_worker):
        raise ZeroDivisionError("boom")

    window.session.run(task)
    wait_idle(qtbot, window)
    [text] = recorder.errors
    log = tmp_path / "state" / "JinanEval" / "error.log"
    assert str(log) in text and "程序内部错误" in text
    assert "ZeroDivisionError: boom" in log.read_text(encoding="utf-8")


def test_worker_signals_progress_and_result(qtbot):
    def task(worker):
        for i in range(3):
            worker.progress(i, 3, f"第 {i} 步")
        return "完成"

    worker = Worker(task)
    seen = []
    worker.signals.progress.connect(lambda d, t, m: seen.append((d, t, m)))
    with qtbot.waitSignal(worker.signals.finished, timeout=10_000) as blocker:
        worker.start()
    assert blocker.args == ["完成"]
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen[0] == (0, 3, "第 0 步")


def test_guarded_slot_and_excepthook(qtbot, window, recorder, tmp_path, monkeypatch):
    class Failing:
        @messages.guarded
        def handler(self, checked=False):
            raise RoundFileError("评价轮次文件已损坏", hint="请从备份恢复")

    Failing().handler()
    assert recorder.errors == ["评价轮次文件已损坏。请从备份恢复"]

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    messages.install_excepthook()
    try:
        raise KeyError("未预料")
    except KeyError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    [text] = recorder.internals
    assert "error.log" in text
    log = tmp_path / "state" / "JinanEval" / "error.log"
    assert "KeyError" in log.read_text(encoding="utf-8")


def test_busy_session_refuses_a_second_task(qtbot, window, recorder):
    import threading

    gate = threading.Event()
    window.session.run(lambda w: gate.wait(10))
    assert window.session.busy and not window.new_action.isEnabled()
    assert window.session.run(lambda w: None) is None
    assert "正在处理" in recorder.errors[-1]
    gate.set()
    wait_idle(qtbot, window)
    assert window.new_action.isEnabled()
