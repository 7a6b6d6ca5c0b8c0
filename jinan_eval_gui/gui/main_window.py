"""The main window: workflow navigation, one page per step, File and Help menus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, QThreadPool, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from jinan_eval_gui import __version__
from jinan_eval_gui.gui.dialogs.help import HelpDialog
from jinan_eval_gui.gui.dialogs.new_round import NewRoundDialog
from jinan_eval_gui.gui.dialogs.restore import RestoreDialog
from jinan_eval_gui.gui.pages.base import Page
from jinan_eval_gui.system import paths

from . import messages, qtchinese, settings
from .formloader import load_form
from .pages import PAGES, page_class
from .session import Session
from .worker import Worker

APP_NAME = "济南市新型智慧城市评价工具"
DEFAULT_SIZE = QSize(1280, 800)
#: Room the window's frame and title bar take around its content, and a taskbar's height
#: where the screen does not report one (logical pixels).
FRAME = QSize(16, 40)
TASKBAR = 40


def fitted_size(available: QSize, screen: QSize) -> QSize:
    """1280×800, or less where the screen leaves less room: a 1366×768 laptop, 1920×1080 at
    150 % (1280×720 in Qt's units). ``available`` is the screen without its taskbar (the
    whole ``screen`` when none is reported: then a taskbar is assumed)."""
    room = available - FRAME
    if available == screen:
        room -= QSize(0, TASKBAR)
    return DEFAULT_SIZE.boundedTo(room)
ROUND_FILTER = "评价轮次 (*.jeval);;所有文件 (*)"


class MainWindow(QMainWindow):
    """Navigation list on the left, the pages in a stack, menus, a status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        qtchinese.install(QApplication.instance())  # Qt's own buttons, menus and dialogs
        self.session = Session(self)
        self.session.window = self
        self.ui = load_form("main_window")
        self.setCentralWidget(self.ui)
        self.pages: dict[str, Page] = {}
        self._slots: dict[str, QWidget] = {}
        for key, title, _module, _cls in PAGES:
            slot = QWidget()  # replaced by the page when it is built
            self._slots[key] = slot
            self.ui.pageStack.addWidget(slot)
            item = QListWidgetItem(title)
            item.setSizeHint(QSize(140, 44))
            self.ui.navList.addItem(item)
        self.ui.navList.setStyleSheet(
            "QListWidget { background: #f2f4f7; font-size: 11pt; padding-top: 8px; }"
            "QListWidget::item { padding-left: 18px; }"
            "QListWidget::item:selected { background: #1f5fbf; color: white; }")
        self.ui.navList.currentRowChanged.connect(self._on_nav_changed)
        overview = self.page("overview")
        self.ui.navList.setCurrentRow(0)
        overview.new_requested.connect(self.new_round)
        overview.open_requested.connect(self.open_round_dialog)
        overview.recent_requested.connect(self.open_round)
        self.dialog: QWidget | None = None
        self._build_menus()
        self._build_status_bar()
        self.session.round_changed.connect(self._update_title)
        self.session.busy_changed.connect(self._on_busy_changed)
        self.session.status.connect(self._on_status)
        self._update_title()
        self.fit_to_screen()
        icon = paths.resource("icons", "app.svg")
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))

    # -- layout ------------------------------------------------------------------------
    def fit_to_screen(self) -> QSize:
        """The default size, made smaller where the screen leaves less room."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        size = QSize(DEFAULT_SIZE) if screen is None else fitted_size(
            screen.availableGeometry().size(), screen.geometry().size())
        self.resize(size)
        return size

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        self.new_action = self._action(file_menu, "新建评价轮次(&N)…", self.new_round,
                                       QKeySequence.StandardKey.New)
        self.open_action = self._action(file_menu, "打开(&O)…", self.open_round_dialog,
                                        QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("最近打开(&R)")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.backup_action = self._action(file_menu, "备份为(&B)…", self.backup_dialog)
        self.restore_action = self._action(file_menu, "从自动备份恢复(&H)…", self.restore_dialog)
        self.close_action = self._action(file_menu, "关闭评价轮次(&C)", self.close_round)
        file_menu.addSeparator()
        self._action(file_menu, "退出(&X)", self.close, QKeySequence.StandardKey.Quit)
        help_menu = bar.addMenu("帮助(&H)")
        self._action(help_menu, "使用说明(&U)", self.show_help, QKeySequence.StandardKey.HelpContents)
        self.demo_action = self._action(help_menu, "演示：用合成数据走一遍流程(&D)…",
                                        self.demo_dialog)
        self._action(help_menu, "关于(&A)", self.show_about)

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object],
                shortcut: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.status_label = QLabel("")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setVisible(False)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy_bar)

    def _update_title(self) -> None:
        rnd = self.session.rnd
        if rnd is None:
            self.setWindowTitle(APP_NAME)
        else:
            info = rnd.info
            readonly = "［只读］" if rnd.readonly else ""
            self.setWindowTitle(f"{info.name}（{info.year} 年度）{readonly} - {APP_NAME}")
        self._update_actions()

    def _update_actions(self) -> None:
        idle = not self.session.busy or self.session.quiet_task
        has_round = self.session.rnd is not None
        self.new_action.setEnabled(idle)
        self.open_action.setEnabled(idle)
        self.recent_menu.setEnabled(idle)
        self.backup_action.setEnabled(idle and has_round)
        self.restore_action.setEnabled(idle)
        self.close_action.setEnabled(idle and has_round)
        self.demo_action.setEnabled(idle)

    def _on_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self._update_actions()

    def _on_status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- pages -------------------------------------------------------------------------
    def page(self, key: str) -> Page:
        """The page ``key``, built on first use."""
        page = self.pages.get(key)
        if page is None:
            page = page_class(key)(self.session)
            self.pages[key] = page
            stack = self.ui.pageStack
            slot = self._slots.pop(key)
            index = stack.indexOf(slot)
            stack.insertWidget(index, page)
            stack.removeWidget(slot)
            slot.deleteLater()
            if self.ui.navList.currentRow() == index:
                stack.setCurrentIndex(index)
        return page

    def build_pages(self) -> None:
        """Build the pages not shown yet, one per event-loop turn (after the window shows)."""
        pending = [key for key, *_ in PAGES if key not in self.pages]
        if pending:
            self.page(pending[0])
            if len(pending) > 1:
                QTimer.singleShot(0, self.build_pages)

    def _on_nav_changed(self, row: int) -> None:
        if 0 <= row < len(PAGES):
            self.page(PAGES[row][0])
            self.ui.pageStack.setCurrentIndex(row)

    def show_page(self, key: str) -> Page:
        """Switch to a page by key (overview, catalogue, issue, collect, results, export)."""
        page = self.page(key)
        self.ui.navList.setCurrentRow([k for k, *_ in PAGES].index(key))
        return page

    # -- File menu ---------------------------------------------------------------------
    def new_round(self) -> NewRoundDialog | None:
        if self.session.busy and not self.session.quiet_task:
            return None
        dialog = NewRoundDialog(self)
        dialog.confirmed.connect(self._create_round)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _create_round(self, path: str, year: int, name: str, entities: list[str]) -> None:
        self.session.create_round(path, year=year, name=name, entities=tuple(entities),
                                  done=lambda: self.show_page("overview"))

    def open_round_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "打开评价轮次", settings.last_dir("rounds"),
                                              ROUND_FILTER)
        if name:
            settings.remember_dir("rounds", Path(name).parent)
            self.open_round(name)

    def open_round(self, path: str | Path, *, readonly: bool = False) -> None:
        self.session.open_round(path, readonly=readonly)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_round(p))
        if not files:
            self.recent_menu.addAction("（无）").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("清除列表", settings.clear_recent)

    def close_round(self) -> None:
        if not self.session.busy:
            self.session.close_round()
            self.session.load_builtin_catalogue()  # when the round came first, none is read yet

    def backup_dialog(self) -> None:
        rnd = self.session.rnd
        if rnd is None:
            return
        suggestion = rnd.path.with_name(f"{rnd.path.stem}-备份{rnd.path.suffix}")
        name, _ = QFileDialog.getSaveFileName(self, "评价轮次备份为", str(suggestion),
                                              ROUND_FILTER)
        if name:
            self.backup_to(Path(name))

    @messages.guarded
    def backup_to(self, dest: Path) -> Path | None:
        """Copy the round file while nothing writes to it, check the copy, then publish it."""
        from jinan_eval_gui.store import Round

        rnd = self.session.rnd
        if rnd is None or self.session.busy:
            return None
        dest = Path(dest)
        if dest.suffix.lower() != ".jeval":
            dest = dest.with_name(dest.name + ".jeval")
        if dest.resolve() == rnd.path.resolve():
            messages.error(self, "备份文件不能与当前评价轮次文件相同，请换一个文件名")
            return None
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            shutil.copy2(rnd.path, tmp)  # idle: every transaction is committed, no journal
            Round.open(tmp, readonly=True).close()  # the copy is a sound round file
            os.replace(tmp, dest)
        except OSError as exc:
            messages.error(self, f"无法备份到“{dest}”（{exc.strerror or exc}）。"
                                 "请检查文件夹是否存在、是否可写")
            return None
        finally:
            tmp.unlink(missing_ok=True)
        self.status_label.setText(f"已备份到 {dest}")
        return dest

    def restore_dialog(self) -> RestoreDialog | None:
        """List the automatic backups of the open round (or of a round file picked here)."""
        if self.session.busy and not self.session.quiet_task:
            return None
        rnd = self.session.rnd
        if rnd is not None:
            path = rnd.path
        else:
            name, _ = QFileDialog.getOpenFileName(self, "选择要恢复的评价轮次",
                                                  settings.last_dir("rounds"), ROUND_FILTER)
            if not name:
                return None
            path = Path(name)
        from jinan_eval_gui.workflow import backups

        found = backups.backups(path)
        if not found:
            messages.info(self, f"“{path.name}”还没有自动备份。每次导入和导出前，程序会自动把"
                                f"评价轮次备份到文件夹“{backups.backup_folder(path)}”中。")
            return None
        dialog = RestoreDialog(path, found, self)
        dialog.confirmed.connect(lambda chosen: self.restore_backup(path, Path(chosen)))
        self.dialog = dialog
        dialog.open()
        return dialog

    def restore_backup(self, path: Path, backup: Path) -> None:
        """Close the round (a restore needs its writer lock), restore in the background, then
        open it again; on failure the round is reopened as it was."""
        rnd = self.session.rnd
        was_open = rnd is not None and rnd.path.resolve() == Path(path).resolve()
        readonly = bool(rnd.readonly) if was_open and rnd is not None else False
        if self.session.busy and not self.session.quiet_task:
            messages.error(self, "正在处理上一项操作，请等待其完成后再试")
            return
        self.session.close_round()

        def task(_worker: Worker) -> object:
            from jinan_eval_gui.workflow import backups

            return backups.restore(path, backup)

        def done(result: object) -> None:
            saved = getattr(result, "saved", None)
            note = f"已恢复到备份 {backup.name}" + (f"；恢复前的文件另存为 {saved.name}"
                                                   if saved is not None else "")
            self.session.open_round(path, readonly=readonly,
                                    done=lambda: self.status_label.setText(note))

        def failed(text: str) -> None:
            messages.error(self, text)
            if was_open:
                self.session.open_round(path, readonly=readonly)

        self.session.run(task, done=done, failed=failed, status=f"正在恢复 {path.name}…")

    # -- Help menu ---------------------------------------------------------------------
    def demo_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "演示数据保存到", settings.last_dir("demo"))
        if folder:
            settings.remember_dir("demo", folder)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.run_demo(Path(folder) / f"演示数据_{stamp}")

    def run_demo(self, out_dir: Path) -> None:
        """Run workflow.run_demo in a fresh folder, then open the demo round it made."""
        if self.session.busy and not self.session.quiet_task:
            messages.error(self, "正在处理上一项操作，请等待其完成后再试")
            return
        self.session.close_round()

        def task(worker: Worker) -> list[Path]:
            from jinan_eval_gui import workflow

            return workflow.run_demo(out_dir, progress=worker.progress,
                                     log=lambda text: worker.progress(0, 0, text))

        def done(produced: list[Path]) -> None:
            message = f"演示数据已生成：{out_dir}"
            rounds = [p for p in produced if Path(p).suffix == ".jeval"]
            if rounds:
                self.session.open_round(rounds[0],
                                        done=lambda: self.status_label.setText(message))
            else:
                self.status_label.setText(message)

        self.session.run(task, done=done, status="正在生成演示数据（约需一两分钟）…",
                         progress=lambda _d, _t, text: self.status_label.setText(text))


    def show_help(self) -> HelpDialog:
        dialog = HelpDialog(self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def about_text(self) -> str:
        cat = self.session.cat
        rnd = self.session.rnd
        lines = [f"<h3>{APP_NAME}</h3>", f"<p>程序版本：{__version__}</p>"]
        if rnd is not None:
            info = rnd.info
            lines.append(f"<p>本评价轮次的指标体系：版本 {info.catalogue_version}"
                         f"（校验值 {info.catalogue_hash[:12]}）</p>")
        if cat is not None:
            lines.append(f"<p>{cat.title}，版本 {cat.version}</p>")
        lines.append("<p>用于济南市新型智慧城市年度评价：指标体系、数据采集模板、回收校验、"
                     "评分与报告。</p>")
        return "".join(lines)

    def show_about(self) -> None:
        QMessageBox.about(self, "关于", self.about_text())

    # -- closing -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session.busy:
            if not self.session.quiet_task and not messages.ask(
                    self, "正在处理，退出前将等待当前操作完成（生成模板时会在当前文件后停止）。确定退出吗？"):
                event.ignore()
                return
            self.session.cancel()
            QThreadPool.globalInstance().waitForDone()
        self.session.close_round()
        event.accept()
