"""Entry point ``jinan-eval-gui [ROUND_FILE] [--screenshot PNG [--page NAME]]``.

Start-up is kept short: only Qt and the GUI modules are imported before the window shows;
the catalogue, the round and the office-file libraries are loaded afterwards, in the
background or inside the handlers that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

PAGE_KEYS = ("overview", "catalogue", "issue", "collect", "survey", "results", "assumptions",
             "export")
PAGE_TITLES = {"概览": "overview", "指标体系": "catalogue", "模板下发": "issue",
               "数据回收": "collect", "市民调查": "survey", "评分结果": "results", "评分口径": "assumptions",
               "报告导出": "export"}
PROBE_ENV = "JINAN_EVAL_GUI_STARTUP_PROBE"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jinan-eval-gui",
                                     description="济南市新型智慧城市评价工具（桌面程序）")
    parser.add_argument("round", nargs="?", metavar="ROUND_FILE", help="要打开的评价轮次文件（.jeval）")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="不显示窗口，把主窗口截图保存为 PNG 后退出")
    parser.add_argument("--page", default="overview", metavar="NAME",
                        help="截图的页面：" + "、".join(PAGE_KEYS) + "（或中文页名），all 为每页一张")
    return parser


def page_key(name: str) -> str:
    key = PAGE_TITLES.get(name, name.lower())
    if key not in PAGE_KEYS and key != "all":
        raise SystemExit(f"未知页面“{name}”，可选：{'、'.join(PAGE_KEYS)}、all")
    return key


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop application (or take screenshots and exit)."""
    if "--selftest" in (sys.argv[1:] if argv is None else argv):  # no window, exit code only
        from jinan_eval_gui.selftest import run_if_requested

        code = run_if_requested(argv)
        if code is not None:
            return code
    args = build_parser().parse_args(argv)
    page = page_key(args.page)
    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("QT_API", "pyside6")  # matplotlib, if a handler uses it

    from PySide6.QtCore import Qt, QThreadPool, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from . import messages
    from .ui_font import apply_ui_font

    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "jinan-eval-gui"])
    app.setApplicationName("jinan-eval-gui")
    app.setApplicationDisplayName("济南市新型智慧城市评价工具")
    apply_ui_font(app)
    if args.screenshot:
        messages.HEADLESS = True
    else:
        messages.install_excepthook()

    from .main_window import MainWindow

    window = MainWindow()
    app.setWindowIcon(window.windowIcon())
    window.show()
    if os.environ.get(PROBE_ENV) == "1":  # start-up measurement: shown and painted, then exit
        app.processEvents()
        messages.say(f"window-shown {time.time():.4f}")
        return 0
    QTimer.singleShot(0, window.build_pages)
    QTimer.singleShot(0, _sweep_temp_files)
    if args.round:
        QTimer.singleShot(0, lambda: window.open_round(args.round))
    else:
        QTimer.singleShot(0, window.session.load_builtin_catalogue)
    if args.screenshot:
        return screenshot(app, window, Path(args.screenshot), page)
    code = app.exec()
    QThreadPool.globalInstance().waitForDone()
    return code


def _sweep_temp_files() -> None:
    """Remove temporary files a killed run left behind (after the window shows)."""
    from jinan_eval_gui.system.tempfiles import sweep_stale

    sweep_stale()


def wait_idle(app: QApplication, window: MainWindow, timeout: float = 60.0) -> None:
    """Process events until the window's background work is done (screenshots, tests)."""
    from PySide6.QtCore import QThreadPool

    from .worker import active_workers

    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        app.processEvents()
        QThreadPool.globalInstance().waitForDone(20)
        app.processEvents()
        busy = window.session.busy or active_workers() > 0
        quiet = 0 if busy else quiet + 1


def screenshot(app: QApplication, window: MainWindow, path: Path, page: str) -> int:
    """Grab the window (one page, or every page with ``all``) to PNG and close it."""
    from . import messages
    from .main_window import DEFAULT_SIZE

    window.resize(DEFAULT_SIZE.expandedTo(window.minimumSizeHint()))  # a fixed picture size
    wait_idle(app, window)
    keys = PAGE_KEYS if page == "all" else (page,)
    written = []
    for key in keys:
        target = path if page != "all" else path.with_name(f"{path.stem}-{key}{path.suffix}")
        prepare_page(window, key)
        wait_idle(app, window)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(target), "PNG"):
            messages.say(f"无法保存截图：{target}")
            return 1
        written.append(target)
    window.close()
    for target in written:
        if sys.stdout is not None:
            print(target)
    return 0


def prepare_page(window: MainWindow, key: str) -> None:
    """Show a page as a person would look at it: a sensible item selected."""
    page = window.show_page(key)
    session = window.session
    if key == "catalogue" and session.cat is not None:
        page.select_indicator(session.cat.indicators[0].id)
    elif key == "results" and session.results:
        res = next(iter(session.results.values()))
        chosen = next((r for r in res.indicators.values() if r.status == "ok" and r.steps),
                      next(iter(res.indicators.values())))
        page.select_indicator(chosen.id)
    elif key == "assumptions" and page.statuses:
        with_choices = [s for s in page.statuses if len(s.assumption.choices) > 1]
        page.select((with_choices or page.statuses)[0].assumption.id)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
