"""No English reachable in the window (issue 16), with Qt's Chinese translation loaded.

The window is walked as a clerk could reach it: every page (before a round is open and with a
filled round open, every tab), the menu bar with every menu and action, every dialog of
``gui/dialogs`` opened through the window with a real round, the message boxes and input
dialogs as ``messages`` and the pages build them (answered at once, so nothing blocks), Qt's own
file dialog (not the system one), the calendar, and the standard context menus of every text
field. Every text a person can see — labels, buttons, titles, tabs, tooltips, placeholders,
list items, column headers, menu entries and their shortcuts — is collected; a run of two or
more Latin letters must be one of the few words in :data:`ALLOWED`.
"""

from __future__ import annotations

import getpass
import html
import inspect
import pkgutil
import re
import shutil
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import shiboken6
from conftest import TEST_UNITS, unit_file, wait_idle
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QCoreApplication,
    QDate,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFileSystemModel,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QStatusBar,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QToolBox,
    QToolButton,
    QWidget,
)

from jinan_eval_gui.gui import messages, qtchinese
from jinan_eval_gui.gui.dialogs.base import FormDialog
from jinan_eval_gui.gui.pages import PAGES

#: The message functions as the product has them (the ``recorder`` fixture replaces them).
REAL = {name: getattr(messages, name) for name in ("error", "info", "ask", "internal", "pick")}

#: Latin words a Chinese office reads as they are; each with why. Nothing else may appear.
ALLOWED = {
    # file types by their extension, as Windows Explorer shows them (filters, messages, help)
    "xlsx": "Excel 文件扩展名（文件筛选、文件名）",
    "jeval": "评价轮次文件的扩展名（.jeval）",
    "csv": "逗号分隔文件的扩展名（市民调查答卷可为 .csv）",
    "toml": "市民调查问卷文件的扩展名（评价办公室修订的问卷 .toml）",
    "UTF": "文本编码名称 UTF-8（Excel、WPS 另存为 CSV 时即用此名）",
    "GB": "国家标准编号的前缀（GB18030 编码、GB/T 33171）",
    "Excel": "办公软件名称，中文版 Office 中即用此名",
    "Word": "办公软件名称，中文版 Office 中即用此名",
    "PDF": "文件格式名称，中文界面通用",
    "SHA": "版本记录列名 SHA-256：文件校验值算法的名称，没有中文名",
    "KB": "文件大小单位（从自动备份恢复的列表）",
    "KiB": "文件大小单位，Qt 文件对话框按 IEC 标准书写（1 KiB = 1024 字节）",
    "MiB": "文件大小单位（同上，文件超过 1 MiB 时）",
    # key caps: the menu shows shortcuts as the keys are labelled on a Chinese keyboard
    "Ctrl": "键盘上的按键名（菜单中的快捷键）",
    "Shift": "键盘上的按键名（Qt 文件对话框的快捷键 Ctrl+Shift+H）",
}
WORD = re.compile(r"[A-Za-z]{2,}")
#: Hexadecimal check values (校验值 of the indicator system, SHA-256 of a file): digits, not words.
DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[0-9])[0-9a-f]{8,}(?![0-9A-Za-z])")


def catalogue_words() -> set[str]:
    """Latin words of the indicator system's own names (政务服务类APP应用, IPv6, GB/T, GDP …):
    quoted as the city issued them, not text of this program."""
    from jinan_eval_gui import catalogue

    cat = catalogue.load()
    found = set()
    for ind in cat.indicators:
        for text in [ind.name, *(spec.label for spec in ind.inputs)]:
            found.update(WORD.findall(text))
    return found


#: Placeholders for the user's own data: a path of the test's folders, the login name (操作人).
PATH = "〈路径〉"
USER = "〈用户〉"
#: Items read from each view (the catalogue tree has 122; a province-wide board would have more).
ITEMS = 400


class Texts:
    """Every visible text seen, with where it was seen; paths of the test folders removed."""

    def __init__(self, roots: list[Path]) -> None:
        self.seen: list[tuple[str, str]] = []
        # longest first, so a folder inside another is replaced whole
        self.roots = sorted({str(r) for r in roots}, key=len, reverse=True)
        self.user = getpass.getuser()

    def add(self, where: str, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        if "<" in text and ">" in text:  # rich text: what is shown, not the markup
            doc = QTextDocument()
            doc.setHtml(text)
            text = doc.toPlainText()
        text = html.unescape(text)
        for root in self.roots:
            text = text.replace(root, PATH)
        text = re.sub(PATH + r"[^\s）)，。；、“”]*", PATH, text)  # the rest of that path too
        if self.user:
            text = re.sub(rf"(?<![A-Za-z]){re.escape(self.user)}(?![A-Za-z])", USER, text)
        if _is_path(text):
            return
        self.seen.append((where, text))

    def english(self, quoted: set[str]) -> list[str]:
        """Each text with a word neither allowed nor ``quoted`` from the indicator system, once,
        with where it was first seen."""
        bad: dict[str, str] = {}
        for where, text in self.seen:
            words = [w for w in WORD.findall(DIGEST.sub("", text))
                     if w not in ALLOWED and w not in quoted]
            if words and text not in bad:
                bad[text] = f"{where}: {text!r} — {', '.join(sorted(set(words)))}"
        return list(bad.values())

    def joined(self) -> str:
        return "\n".join(text for _where, text in self.seen)


def _is_path(text: str) -> bool:
    """A folder or file of the computer itself (the file dialog's 查找范围 lists them)."""
    path = Path(text.strip())
    return path.is_absolute() and path.exists()


# ---------------------------------------------------------------------------------------
# Walking widgets
# ---------------------------------------------------------------------------------------
def walk(texts: Texts, root: QWidget, where: str) -> None:
    """Every text ``root`` and its children can show (hidden ones too: they show later)."""
    for w in [root, *root.findChildren(QWidget)]:
        name = f"{where}/{w.objectName() or type(w).__name__}"
        if w.isWindow():
            texts.add(name + "[标题]", w.windowTitle())
        for what, text in (("提示", w.toolTip()), ("状态栏提示", w.statusTip()),
                           ("说明", w.whatsThis()), ("无障碍名称", w.accessibleName())):
            texts.add(f"{name}[{what}]", text)
        widget_texts(texts, w, name)
        for action in w.actions():
            action_texts(texts, action, f"{name}/动作")
    for action in root.findChildren(QAction):  # menus a widget builds itself (file dialog)
        if shiboken6.isValid(action):  # not one a menu refilled on aboutToShow replaced
            action_texts(texts, action, f"{where}/动作")


def widget_texts(texts: Texts, w: QWidget, name: str) -> None:
    """The texts one widget shows itself, by its kind."""
    if isinstance(w, QLabel):
        texts.add(name, w.text())
    elif isinstance(w, QAbstractButton):
        texts.add(name, w.text())
    elif isinstance(w, QGroupBox):
        texts.add(name, w.title())
    elif isinstance(w, QTabWidget | QTabBar | QToolBox):
        for i in range(w.count()):
            texts.add(f"{name}[页签 {i}]", w.tabText(i) if not isinstance(w, QToolBox)
                      else w.itemText(i))
            texts.add(f"{name}[页签提示 {i}]", w.tabToolTip(i) if not isinstance(w, QToolBox)
                      else w.itemToolTip(i))
    elif isinstance(w, QComboBox):
        for i in range(w.count()):
            texts.add(f"{name}[选项 {i}]", w.itemText(i))
        texts.add(name + "[占位]", w.placeholderText())
    elif isinstance(w, QLineEdit):
        texts.add(name + "[占位]", w.placeholderText())
        standard_menu(texts, w, name)
    elif isinstance(w, QTextEdit | QPlainTextEdit):
        texts.add(name + "[占位]", w.placeholderText())
        if w.isReadOnly():  # what the program wrote there (help, details); typed text is data
            texts.add(name, w.toPlainText())
        standard_menu(texts, w, name)
    elif isinstance(w, QAbstractSpinBox):
        texts.add(name, w.text())
        texts.add(name + "[无值]", w.specialValueText())
        for part in ("prefix", "suffix"):
            if hasattr(w, part):
                texts.add(f"{name}[{part}]", getattr(w, part)())
    elif isinstance(w, QProgressBar):
        texts.add(name, w.text())
    elif isinstance(w, QStatusBar):
        texts.add(name, w.currentMessage())
    elif isinstance(w, QMenuBar | QMenu):
        menu_texts(texts, w, name)
    if isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView) \
            and w.model() is not None:  # a header is read with its view
        view_texts(texts, w, name)
    if isinstance(w, QMessageBox):
        texts.add(name, w.text())
        texts.add(name + "[补充]", w.informativeText())
        texts.add(name + "[详细]", w.detailedText())


def view_texts(texts: Texts, view: QAbstractItemView, name: str) -> None:
    """The headers a view shows, and its items (a tree's children too): the program writes
    most of them (states, labels, findings); what units typed is test data without English.
    A file dialog's listing is the computer's own folders: its columns are read apart."""
    model = view.model()
    columns = _columns(model)
    top = QModelIndex()
    for orientation, header, count in (
            (Qt.Orientation.Horizontal, _header(view, "horizontalHeader", "header"), columns),
            (Qt.Orientation.Vertical, _header(view, "verticalHeader"), model.rowCount(top))):
        if header is None or header.isHidden():
            continue
        for section in range(min(count, ITEMS)):
            for text in header_texts(model, section, orientation):
                texts.add(f"{name}[表头 {section}]", text)
    if isinstance(model, QFileSystemModel):
        return
    pending, seen = [top], 0
    while pending and seen < ITEMS:
        parent = pending.pop(0)
        for row in range(model.rowCount(parent)):
            seen += 1
            for column in range(columns):
                for text in item_texts(model, model.index(row, column, parent)):
                    texts.add(f"{name}[{row},{column}]", text)
            if columns and model.rowCount(model.index(row, 0, parent)):
                pending.append(model.index(row, 0, parent))


# PySide6 6.12 on Python 3.11 drops a reference to None each time a Qt function answers None
# (an empty QVariant, no parent, no menu); asked thousands of times, None is deallocated and
# the interpreter aborts. So the walk asks the product's Python models directly (Python to
# Python: no conversion) and Qt's own models only for what they always have.
DISPLAY, TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole


def _python_model(model: QAbstractItemModel) -> bool:
    return inspect.isfunction(getattr(type(model), "data", None))


def _source(model: QAbstractItemModel, index: QModelIndex | None = None
            ) -> tuple[QAbstractItemModel, QModelIndex | None]:
    """The model under any proxies (sorting, filtering), and ``index`` mapped into it."""
    while isinstance(model, QAbstractProxyModel):
        index = model.mapToSource(index) if index is not None else None
        model = model.sourceModel()
    return model, index


def item_texts(model: QAbstractItemModel, index: QModelIndex) -> list[object]:
    source, where = _source(model, index)
    if _python_model(source):
        return [source.data(where, DISPLAY), source.data(where, TOOLTIP)]
    data = source.itemData(where)  # only the roles it has: no None handed back
    return [data.get(int(DISPLAY.value)), data.get(int(TOOLTIP.value))]


def header_texts(model: QAbstractItemModel, section: int,
                 orientation: Qt.Orientation) -> list[object]:
    source, _ = _source(model) if orientation == Qt.Orientation.Horizontal else (model, None)
    if _python_model(source):
        return [source.headerData(section, orientation, role) for role in (DISPLAY, TOOLTIP)]
    return [model.headerData(section, orientation, DISPLAY)]  # Qt's: a name or a number


def _header(view: QAbstractItemView, *names: str) -> QHeaderView | None:
    for attr in names:
        if hasattr(view, attr):
            return getattr(view, attr)()
    return None


def standard_menu(texts: Texts, w: QLineEdit | QTextEdit | QPlainTextEdit, name: str) -> None:
    """The right-click menu Qt gives a text field (撤消, 复制, 粘贴, 全选 …)."""
    menu = w.createStandardContextMenu()
    menu_texts(texts, menu, name + "[右键菜单]")
    menu.deleteLater()


def _columns(model: QAbstractItemModel) -> int:
    try:
        return model.columnCount(QModelIndex())
    except TypeError:  # a list model: one column, its count not public in PySide
        return 1


def action_texts(texts: Texts, action: QAction, name: str) -> None:
    texts.add(name, action.text())
    texts.add(name + "[提示]", action.toolTip())
    texts.add(name + "[状态栏提示]", action.statusTip())
    for key in action.shortcuts():
        texts.add(name + "[快捷键]", key.toString(QKeySequence.SequenceFormat.NativeText))


def menu_texts(texts: Texts, menu: QMenu | QMenuBar, name: str) -> None:
    """A menu as it opens (filled on aboutToShow, like 最近打开), its actions and sub-menus."""
    if isinstance(menu, QMenu):
        texts.add(name, menu.title())
        menu.aboutToShow.emit()
    for action in menu.actions():
        if not action.isSeparator():
            action_texts(texts, action, f"{name}/{action.text() or '动作'}")
    for sub in menu.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
        menu_texts(texts, sub, f"{name}/{sub.title()}")  # not action.menu(): see the note on DISPLAY


# ---------------------------------------------------------------------------------------
# Modal dialogs built by Qt's static functions: read, then answered at once
# ---------------------------------------------------------------------------------------
def answering(texts: Texts, where: str, call: Callable[[], Any]) -> list[str]:
    """Run ``call`` while each modal dialog it opens (QMessageBox.question, QInputDialog.getText,
    …) is walked and closed as soon as it shows; the titles of the dialogs met."""
    met: list[str] = []
    state = {"running": True, "polls": 1000}

    def look() -> None:
        if not state["running"] or state["polls"] <= 0:
            return
        state["polls"] -= 1
        modal = QApplication.activeModalWidget()
        if modal is not None and modal.isVisible():
            met.append(modal.windowTitle())
            walk(texts, modal, f"{where}/{modal.windowTitle()}")
            modal.reject() if isinstance(modal, QDialog) else modal.close()
        QTimer.singleShot(5, look)

    QTimer.singleShot(0, look)
    try:
        call()
    finally:
        state["running"] = False  # a poll still queued must not close a later dialog
    return met


def context_menu(texts: Texts, widget: QWidget, where: str) -> None:
    """The context menu a widget builds when right-clicked (a spin box adds 升高/降低)."""
    seen: list[QMenu] = []
    state = {"polls": 1000}

    def look() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            seen.append(popup)
            menu_texts(texts, popup, where)
            popup.close()
        elif not seen and state["polls"] > 0:
            state["polls"] -= 1
            QTimer.singleShot(5, look)

    QTimer.singleShot(0, look)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5),
                              widget.mapToGlobal(QPoint(5, 5)))
    QApplication.sendEvent(widget, event)
    state["polls"] = 0
    assert seen, f"{where}: no context menu"


# ---------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------
def dialog_classes() -> set[str]:
    """Every dialog class of ``gui/dialogs``."""
    import jinan_eval_gui.gui.dialogs as package

    for info in pkgutil.iter_modules(package.__path__):
        import_module(f"{package.__name__}.{info.name}")

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {c.__name__ for c in below(FormDialog) if c.__module__.startswith(package.__name__)}


def walk_pages(qtbot, window, texts: Texts, state: str) -> None:
    window.build_pages()
    wait_idle(qtbot, window)
    for key, *_ in PAGES:
        page = window.show_page(key)
        wait_idle(qtbot, window)
        for tabs in page.findChildren(QTabWidget):
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                wait_idle(qtbot, window)
        walk(texts, page, f"{state}/{key}")
    walk(texts, window, f"{state}/主窗口")


def test_qt_speaks_chinese(window):
    assert qtchinese.loaded()  # PySide6 ships qtbase_zh_CN.qm
    box = QMessageBox(QMessageBox.Icon.Question, "标题", "正文",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    assert [b.text() for b in box.buttons()] == ["是(&Y)", "否(&N)"]
    # what the shipped file lacks comes from MISSING; what neither has stays as written
    # (an empty answer would be taken as the translation: a label with no text at all)
    translate = QCoreApplication.translate
    assert translate("QFileDialog", "&Look in:") == "查找范围(&L)："
    assert translate("QAbstractFileIconProvider", "Folder") == "文件夹"
    assert translate("QCalendarWidget", "Week") == "Week"
    assert translate("济南评价", "未翻译的原文") == "未翻译的原文"


def test_no_english_anywhere_in_the_window(qtbot, opened, filled_round, tmp_path,
                                          tmp_path_factory, recorder):
    window = opened
    texts = Texts([tmp_path_factory.getbasetemp(), filled_round.parent, tmp_path, Path.home()])
    base = filled_round.parent

    # -- pages and menus, before a round and with the filled round -----------------------
    window.session.close_round()
    window.session.load_builtin_catalogue()
    wait_idle(qtbot, window)
    walk_pages(qtbot, window, texts, "无评价轮次")
    window.open_round(tmp_path / filled_round.name)
    wait_idle(qtbot, window)
    walk_pages(qtbot, window, texts, "已打开")
    assert "2025" in window.windowTitle()

    # -- every dialog, opened through the window -----------------------------------------
    walked: set[str] = set()

    def dialog(obj: Any, where: str) -> Any:
        assert obj is not None, where
        wait_idle(qtbot, window)
        walk(texts, obj, where)
        walked.add(type(obj).__name__)
        return obj

    dialog(window.new_round(), "新建评价轮次").reject()
    dialog(window.show_help(), "使用说明").reject()
    answering(texts, "关于", window.show_about)
    collect = window.show_page("collect")
    dialog(collect.open_history(TEST_UNITS[2]), "版本记录").reject()
    dialog(collect.open_log(), "操作记录").reject()
    dialog(collect.open_contacts(), "单位名录").reject()
    collect.today = QDate.currentDate().addDays(400).toPython()  # every unit late by then
    collect.write_reminders(tmp_path / "催报名单.xlsx")
    wait_idle(qtbot, window)
    dialog(collect.dialog, "催报").reject()
    collect.ui.collectTabs.setCurrentWidget(collect.ui.openTab)
    wait_idle(qtbot, window)
    collect.ui.openTable.selectRow(0)
    dialog(collect.open_finding(), "问题详情").reject()
    rnd = window.session.rnd
    rnd.add_conflict("济南市", 23, "kiosks", [{"unit": TEST_UNITS[0], "value": "120"},
                                              {"unit": TEST_UNITS[2], "value": "95"}])
    window.session.notify_data_changed(rescore=False)
    wait_idle(qtbot, window)
    collect.ui.conflictTable.selectRow(0)
    collect._on_resolve()
    dialog(collect.dialog, "数据冲突").reject()
    # a resend with many mistakes: acceptance asks, and compares with the accepted version
    collect.files.set_rows([])
    collect.add_files([unit_file(base / "mistakes", TEST_UNITS[0])])
    collect.preview()
    wait_idle(qtbot, window)
    walk(texts, collect, "已检查/数据回收")
    collect.ui.fileTable.selectRow(0)
    dialog(collect.compare_selected(), "与已接受的版本对比").reject()
    dialog(collect.accept_import(), "接受有错误的文件").reject()
    collect.ui.findingsTable.selectRow(0)
    dialog(collect.open_checked_finding(), "检查结果详情").reject()
    results = window.show_page("results")
    assert results.select_indicator(65)
    dialog(results.open_override_dialog(), "专家评分").reject()
    answering(texts, "撤销专家评分", results._on_clear_override)
    assumptions = window.show_page("assumptions")
    dialog(assumptions.open_confirm_dialog(pending=True), "确认评分口径").reject()
    from jinan_eval_gui.workflow import backups

    backups.backup_before(rnd, "导入前")  # one automatic backup to choose from
    dialog(window.restore_dialog(), "从自动备份恢复").reject()
    survey = window.show_page("survey")
    assert answering(texts, "录入综合得分", survey._on_set_score)
    assert answering(texts, "停用市民调查", survey._on_clear_survey)
    answering(texts, "录入人口比例", survey._on_set_shares)
    answering(texts, "保存为情景", results.whatif._on_save)
    missing = dialog_classes() - walked
    assert not missing, f"dialogs not walked: {sorted(missing)}"

    # -- the round opened read-only: the pages say what cannot be done -------------------------
    window.open_round(rnd.path, readonly=True)
    wait_idle(qtbot, window)
    assert window.session.rnd.readonly
    walk_pages(qtbot, window, texts, "只读")
    dialog(window.show_page("collect").open_contacts(), "单位名录（只读）").reject()

    # -- message boxes and the choice list, as messages builds them ------------------------
    assert answering(texts, "错误", lambda: REAL["error"](window, "错误的说明"))
    assert answering(texts, "消息", lambda: REAL["info"](window, "消息"))
    assert answering(texts, "询问", lambda: REAL["ask"](window, "是否继续？"))
    assert answering(texts, "内部错误", lambda: REAL["internal"](window, "内部错误"))
    assert answering(texts, "选择", lambda: REAL["pick"](window, "请选择：", ["甲", "乙"]))
    for mode, where in ((QInputDialog.InputMode.TextInput, "输入文本"),
                        (QInputDialog.InputMode.IntInput, "输入整数"),
                        (QInputDialog.InputMode.DoubleInput, "输入数值")):
        box = QInputDialog(window)
        box.setInputMode(mode)
        walk(texts, box, where)
        box.deleteLater()

    # -- Qt's own file dialog, in each of the ways the window uses it ----------------------
    folder = tmp_path / "文件夹"
    folder.mkdir()
    shutil.copy2(filled_round, folder / filled_round.name)
    (folder / "子文件夹").mkdir()
    for mode, accept, where in (
            (QFileDialog.FileMode.ExistingFile, QFileDialog.AcceptMode.AcceptOpen, "打开文件"),
            (QFileDialog.FileMode.ExistingFiles, QFileDialog.AcceptMode.AcceptOpen, "打开多个文件"),
            (QFileDialog.FileMode.AnyFile, QFileDialog.AcceptMode.AcceptSave, "保存文件"),
            (QFileDialog.FileMode.Directory, QFileDialog.AcceptMode.AcceptOpen, "选择文件夹")):
        box = QFileDialog(window, where, str(folder), "评价轮次 (*.jeval);;所有文件 (*)")
        box.setOption(QFileDialog.Option.DontUseNativeDialog)
        box.setFileMode(mode)
        box.setAcceptMode(accept)
        box.show()
        model = box.findChild(QAbstractItemModel, "qt_filesystem_model")
        qtbot.waitUntil(lambda m=model: m.rowCount(m.index(str(folder))) >= 2, timeout=5000)
        walk(texts, box, where)
        listing = model.index(str(folder))
        for row in range(model.rowCount(listing)):
            entry = model.index(row, 0, listing)
            # the name is the user's, a file's type the system's (Explorer's words on Windows);
            # a folder's type, the size and the date are Qt's
            texts.add(f"{where}[大小]", model.index(row, 1, listing).data())
            texts.add(f"{where}[修改日期]", model.index(row, 3, listing).data())
            if model.isDir(entry):
                texts.add(f"{where}[类型]", model.index(row, 2, listing).data())
        box.reject()

    # -- dates: the calendar and the month names ---------------------------------------------
    calendar = QCalendarWidget()
    qtbot.addWidget(calendar)
    calendar.show()
    walk(texts, calendar, "日历")
    for button in calendar.findChildren(QToolButton):
        if button.menu() is not None:
            menu_texts(texts, button.menu(), "日历/月份")
    deadline = window.page("issue").ui.deadlineEdit
    assert isinstance(deadline, QDateEdit)
    walk(texts, deadline.calendarWidget(), "截止日期/日历")
    context_menu(texts, deadline, "截止日期[右键菜单]")
    context_menu(texts, window.new_round().ui.yearSpin, "评价年度[右键菜单]")
    window.dialog.reject()

    # what the window said in its message boxes along the way (recorded, not shown)
    for kind in ("errors", "infos", "questions", "internals"):
        for text in getattr(recorder, kind):
            texts.add(f"消息框（{kind}）", text)

    english = texts.english(catalogue_words())
    assert not english, "English in the window:\n" + "\n".join(english)
    # the walk reached what it should: Qt's standard words in Chinese, MISSING's among them
    seen = texts.joined()
    for word in ("是(&Y)", "否(&N)", "确定", "取消", "复制", "粘贴", "全选", "名称", "升高", "一月",
                 "查找范围(&L)：", "文件类型(&T)：", "文件夹"):
        assert word in seen, word
