"""No internal words in anything a person reads.

Every user-facing output of a demo round is rendered and searched for 种子/seed and for the
catalogue's own identifiers (input, table column and parameter keys, step names that are not
the 指标体系's symbols, rule function names): every template (all sheets but the hidden
identity sheets), feedback workbooks, the scoring workbook's cell text (formulas and defined
names aside), the Word report (paragraphs, tables, headers, footers), the PDF as pdftotext
reads it, and the window's texts, tooltips and item views on every page with the round open.
Each failure lists the file/sheet/cell (or widget) and the text around the word.
"""

from __future__ import annotations

import ctypes
import inspect
import shutil
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from internal_words import Checker, Hit, docx_texts, pdf_texts, report, workbook_texts

from jinan_eval_gui import catalogue, workflow
from jinan_eval_gui.store import Round

TIMEOUT = 120_000


@dataclass(frozen=True)
class Demo:
    """A finished demo round and everything it produced."""

    round_path: Path
    cat: Any
    templates: list[Path]
    returns: list[Path]
    feedback: list[Path]
    workbook: Path
    docx: Path
    pdf: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    out = tmp_path_factory.mktemp("demo")
    produced = workflow.run_demo(out)
    round_path = produced[0]
    feedback_dir = out / "4_反馈"
    with Round.open(round_path) as rnd:
        cat = workflow.round_catalogue(rnd)
        with_findings = sorted({s.unit for s in rnd.list_submissions() if rnd.list_findings(s.id)})
        feedback = [workflow.feedback(rnd, unit, feedback_dir) for unit in with_findings]
    assert feedback, "the demo should have returns with findings"
    by_suffix = {p.suffix: p for p in produced[1:]}
    return Demo(round_path, cat, sorted((out / "1_下发模板").glob("*.xlsx")),
                sorted((out / "2_单位回传").glob("*.xlsx")), feedback,
                by_suffix[".xlsx"], by_suffix[".docx"], by_suffix[".pdf"])


@pytest.fixture(scope="module")
def checker(demo) -> Checker:
    return Checker(demo.cat)


def _assert_clean(hits: list[Hit]) -> None:
    assert not hits, report(hits)


# ---------------------------------------------------------------------------------------
# The checker itself: it catches what it must and lets the 指标体系's own ASCII through
# ---------------------------------------------------------------------------------------
def test_checker_catches_planted_words():
    chk = Checker(catalogue.load())
    assert chk.words("得分 = 100 * CAPRATIO(used, total)") == ["CAPRATIO", "used", "total"]
    assert chk.words("目标占比（target_share=30%）") == ["target_share"]
    assert chk.words("参数：n = 16；floor = 0.4", strict=True) == ["n", "floor"]
    assert chk.words("按种子列出的6种服务模式") == ["种子"]
    assert chk.words("见 seed 文本") == ["seed"]
    assert chk.words("households、p_crypto、RANKSCORE、ATTAIN") == [
        "households", "p_crypto", "RANKSCORE", "ATTAIN"]
    assert chk.words("中间量：rank_score（排名得分率）") == ["rank_score"]  # a step's name
    hits = chk.scan([("报告.docx 第 3 段", "评分规则：得分 = 100 * rate")])
    assert [(h.where, h.word) for h in hits] == [("报告.docx 第 3 段", "rate")]
    assert "报告.docx 第 3 段" in report(hits)


def test_checker_lets_the_indicator_systems_own_ascii_through():
    cat = catalogue.load()
    chk = Checker(cat)
    legit = ["区域地区生产总值（GDP）", "是否通过手机APP提供社保服务", "IPV6网站支持率 IPv6",
             "是否按GB/T 33171-2016计算城市交通运行指数", "b1、b2、b3 等权平均",
             "得分 = 100 × (b1、b2的平均值)", "国家标准 L1P1-A1；山东 L1P1"]
    for text in legit:
        assert chk.words(text) == [], text
    # indicator 16's 评估方法 writes "1/n×∑…;n 为…": in free text n is the 指标体系's own …
    assert chk.ambiguous == {"n"}
    method = cat.indicator(16).method
    assert "1/n×∑" in method and "n 为" in method and chk.words(method) == []
    # … and where parameters, inputs and rules are shown, the key n is caught
    assert chk.words("参数：n = 16", strict=True) == ["n"]
    assert chk.words("指标 4：n", strict=True) == ["n"]
    # lower-case input keys never match the capitalised words of the text
    assert chk.words("APP GDP") == [] and chk.words("app gdp") == ["app", "gdp"]


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------
def test_templates_have_no_internal_words(demo, checker):
    assert len(demo.templates) == len({u for i in demo.cat.indicators
                                        for u in demo.cat.units_of(i)})
    _assert_clean([h for path in demo.templates for h in checker.scan(workbook_texts(path))])


def test_feedback_workbooks_have_no_internal_words(demo, checker):
    _assert_clean([h for path in demo.feedback for h in checker.scan(workbook_texts(path))])


def test_scoring_workbook_text_has_no_internal_words(demo, checker):
    _assert_clean(checker.scan(workbook_texts(demo.workbook)))


def test_word_report_has_no_internal_words(demo, checker):
    _assert_clean(checker.scan(docx_texts(demo.docx)))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_pdf_report_has_no_internal_words(demo, checker):
    pages = list(pdf_texts(demo.pdf))
    assert len(pages) > 5 and "附录B" in "".join(text for _, text in pages)
    _assert_clean(checker.scan(pages))


# ---------------------------------------------------------------------------------------
# The exact places where parameters, inputs and rules are shown: every key searched
# ---------------------------------------------------------------------------------------
RULE_PARAGRAPHS = ("评分规则：", "中间量：", "参数：")
CALC_KINDS = ("参数", "填报项", "中间量", "得分", "扣分")


def _strict_places(demo: Demo):
    """Texts that show parameters, inputs, rules and checks (never the 指标体系's own text)."""
    for path in demo.templates:
        ws = openpyxl.load_workbook(path)["数据填报"]
        for row in ws.iter_rows():
            if row[0].value == "计分公式":
                yield f"{path.name}!{row[1].coordinate}", row[1].value
    wb = openpyxl.load_workbook(demo.workbook)
    for row in wb["计算过程"].iter_rows():
        if row[2].value in CALC_KINDS:
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "f":
                    yield f"计算过程!{cell.coordinate}", cell.value
    for row in wb["评分口径说明"].iter_rows():
        if isinstance(row[0].value, int):
            for cell in (row[4], row[6], row[7]):
                yield f"评分口径说明!{cell.coordinate}", cell.value
    for row in wb["原始数据"].iter_rows(min_row=3):
        for cell in row[3:5]:
            yield f"原始数据!{cell.coordinate}", cell.value
    for where, text in docx_texts(demo.docx):
        if text.startswith(RULE_PARAGRAPHS):
            yield where, text


def test_where_keys_would_show_every_key_is_absent(demo, checker):
    places = list(_strict_places(demo))
    assert len(places) > 1000
    _assert_clean(checker.scan(places, strict=True))


def test_parameters_appear_by_their_chinese_names(demo):
    cat = demo.cat
    ind = cat.indicator(4)
    expected = [(ind.param_labels[k], f"{v.normalize():f}") for k, v in ind.params.items()]
    assert {label for label, _ in expected} == {"参评城市数", "末名得分率"}
    wb = openpyxl.load_workbook(demo.workbook)
    shown = [r[1].value for r in wb["计算过程"].iter_rows() if r[2].value == "参数"]
    labels = {p.label for p in cat.parameters} | {
        label for i in cat.indicators for label in i.param_labels.values()}
    assert shown and set(shown) <= labels
    row = next(r for r in wb["评分口径说明"].iter_rows() if r[0].value == 4)
    assert row[6].value == "\n".join(f"{label}：{value}" for label, value in expected)
    paragraphs = [text for _, text in docx_texts(demo.docx)]
    start = next(i for i, t in enumerate(paragraphs) if t.startswith("4  "))
    params = next(t for t in paragraphs[start:] if t.startswith("参数："))
    assert params == "参数：" + "；".join(f"{label} {value}" for label, value in expected)


# ---------------------------------------------------------------------------------------
# The window: every page with the round open
# ---------------------------------------------------------------------------------------
def _plain(text: Any) -> str:
    """Rich text as the reader sees it (tags and style sheets are not read)."""
    if not isinstance(text, str):
        return ""
    if "<" in text and ">" in text:
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _python_method(obj: Any, name: str) -> bool:
    return isinstance(inspect.getattr_static(type(obj), name, None), types.FunctionType)


def _read(model: Any, method: str, *args: Any) -> Any:
    """``model.data``/``headerData``, working round a PySide6 bug: a C++ model's method that
    returns an invalid QVariant drops a reference to None, and thousands of such calls free
    None at exit. Taking one reference back is harmless where the bug is fixed."""
    value = getattr(model, method)(*args)
    if value is None and not _python_method(model, method):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return value


def _columns(model: Any, parent: Any) -> int:
    """Columns of any model (list models keep columnCount private in PySide6)."""
    try:
        return model.columnCount(parent)
    except TypeError:
        return 1


def _model_texts(model: Any, where: str):
    from PySide6.QtCore import QModelIndex, Qt

    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole)
    for section in range(_columns(model, QModelIndex())):
        for role in roles[:2]:
            yield f"{where} header {section}", _plain(
                _read(model, "headerData", section, Qt.Orientation.Horizontal, role))
    stack = [QModelIndex()]
    while stack:
        parent = stack.pop()
        for r in range(model.rowCount(parent)):
            for c in range(_columns(model, parent)):
                index = model.index(r, c, parent)
                for role in roles:
                    yield f"{where} row {r} col {c}", _plain(_read(model, "data", index, role))
            first = model.index(r, 0, parent)
            if model.rowCount(first) > 0:
                stack.append(first)


def _widget_texts(root: Any, where: str):
    """Every text a person can read in ``root``: labels, buttons, fields, tooltips, views."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTabWidget,
        QTextEdit,
        QWidget,
    )

    for w in [root, *root.findChildren(QWidget)]:
        name = f"{where}/{w.objectName() or type(w).__name__}"
        yield f"{name} tooltip", _plain(w.toolTip())
        yield f"{name} status tip", _plain(w.statusTip())
        yield f"{name} what's this", _plain(w.whatsThis())
        yield f"{name} title", w.windowTitle()
        if isinstance(w, QLabel | QAbstractButton):
            yield name, _plain(w.text())
        if isinstance(w, QGroupBox):
            yield name, w.title()
        if isinstance(w, QLineEdit):
            yield name, w.text()
            yield f"{name} placeholder", w.placeholderText()
        if isinstance(w, QTextEdit | QPlainTextEdit):
            yield name, w.toPlainText()
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{name} item {i}", w.itemText(i)
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{name} tab {i}", w.tabText(i)
                yield f"{name} tab {i} tooltip", _plain(w.tabToolTip(i))
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            yield from _model_texts(w.model(), name)
    for action in root.findChildren(QAction):
        for text in (action.text(), action.toolTip(), action.statusTip()):
            yield f"{where} action {action.text()!r}", _plain(text)


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    """The main window with message boxes recorded instead of shown, settings in tmp."""
    from PySide6.QtCore import QSettings

    from jinan_eval_gui.gui import messages
    from jinan_eval_gui.gui.main_window import MainWindow
    from jinan_eval_gui.gui.pages.base import Page

    shown: list[str] = []
    for name in ("error", "info"):
        monkeypatch.setattr(messages, name,
                            lambda parent, text, title="", _s=shown: _s.append(text))
    monkeypatch.setattr(messages, "internal", lambda parent, text: shown.append(text))
    monkeypatch.setattr(messages, "ask", lambda parent, text, title="": False)
    monkeypatch.setattr(Page, "open_path", staticmethod(lambda p: None))
    (tmp_path / "settings").mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.shown_messages = shown
    yield win
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)
    win.session.close_round()


def _wait_idle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)
    qtbot.wait(10)
    qtbot.waitUntil(lambda: not win.session.busy, timeout=TIMEOUT)


def _every_index(model: Any):
    from PySide6.QtCore import QModelIndex

    stack = [QModelIndex()]
    while stack:
        parent = stack.pop()
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            yield index
            if model.rowCount(index) > 0:
                stack.append(index)


def test_window_has_no_internal_words(qtbot, window, demo, checker, tmp_path):
    path = tmp_path / demo.round_path.name
    shutil.copy2(demo.round_path, path)
    window.open_round(path)
    _wait_idle(qtbot, window)
    assert window.session.rnd is not None
    texts: list[tuple[str, str]] = []

    # 指标体系: every node's details, the parameters, and an edited parameter's message
    catalogue_page = window.show_page("catalogue")
    tree = catalogue_page.ui.indicatorTree
    for index in _every_index(tree.model()):
        tree.setCurrentIndex(index)
        texts.append((f"catalogue/detail {_read(tree.model(), 'data', index, 0)}",
                      catalogue_page.ui.detailBrowser.toPlainText()))
    details = "".join(t for _, t in texts)
    assert "超过1按1计" in details and "末名得分率" in details
    # where parameters, inputs and rules are shown, every key is searched (also n)
    strict = [(w, t[t.index("\n填报项\n"):t.find("评分口径（本工具的理解）")])
              for w, t in texts if "\n填报项\n" in t]
    assert len(strict) >= len(demo.cat.indicators)
    strict += list(_widget_texts(catalogue_page.ui.paramTable, "catalogue/parameters"))
    params = catalogue_page.params
    row = next(i for i, r in enumerate(params.rows()) if r.key == "4.floor")
    assert params.setData(params.index(row, params.VALUE_COLUMN), "0.5")
    _wait_idle(qtbot, window)
    assert "末名得分率" in catalogue_page.ui.paramMessage.text()

    # 数据回收: every returned file checked again (findings, changes)
    collect = window.show_page("collect")
    collect.add_files([p.parent for p in demo.returns[:1]])
    collect.preview()
    _wait_idle(qtbot, window)
    assert collect.findings.rowCount() > 0

    # 评分结果: every indicator's trace
    results = window.show_page("results")
    for ind in demo.cat.indicators:
        assert results.select_indicator(ind.id)
        strict += [(f"results/indicator {ind.id}/{w}", t)
                   for w, t in _widget_texts(results.ui.traceTable, "trace")]
        texts.append((f"results/indicator {ind.id} title", results.ui.indicatorTitle.text()))
    dialog = results.open_override_dialog()
    if dialog is not None:
        texts += list(_widget_texts(dialog, "override dialog"))
        dialog.reject()

    from jinan_eval_gui.gui.pages import PAGES

    for key, *_ in PAGES:  # every page, also those added later
        page = window.show_page(key)
        texts += list(_widget_texts(page, key))
    texts += list(_widget_texts(window, "window"))
    texts += [("message box", m) for m in window.shown_messages]
    _assert_clean(checker.scan(texts) + checker.scan(strict, strict=True))
