"""指标体系: the 8/26/88 tree, each indicator's text and rule, and the round parameters."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import QItemSelection

from jinan_eval_gui.catalogue.rules import wording
from jinan_eval_gui.gui.models.catalogue import (
    CatalogueTreeModel,
    CatItem,
    ParamsModel,
    json_number,
    param_rows,
    units_text,
    weight_text,
)
from jinan_eval_gui.gui.models.table import text

from .base import Page, setup_table

KIND_TEXT = {"scored": "计分", "deduction": "扣分制", "survey": "问卷调查"}


class CataloguePage(Page):
    """The indicator system of the open round (or the built-in one) and its parameters."""

    key = "catalogue"
    title = "指标体系"
    form_name = "page_catalogue"
    needs_round = False

    def setup(self) -> None:
        ui = self.ui
        self.tree = CatalogueTreeModel(self)
        ui.indicatorTree.setModel(self.tree)
        ui.indicatorTree.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.params = ParamsModel(self)
        self.params.writer = self._write_param
        self.params.rejected.connect(self._on_param_rejected)
        ui.paramTable.setModel(self.params)
        setup_table(ui.paramTable)
        ui.paramTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        ui.resetParamButton.clicked.connect(self._on_reset_param)
        ui.treeSplitter.setSizes([560, 440])
        ui.verticalSplitter.setSizes([480, 220])
        self.session.catalogue_changed.connect(self.refresh)

    def refresh(self) -> None:
        cat = self.session.cat
        ui = self.ui
        self.tree.set_catalogue(cat)
        ui.indicatorTree.expandToDepth(0)
        header = ui.indicatorTree.header()
        header.resizeSection(0, 380)
        header.resizeSection(1, 64)
        if cat is None:
            ui.catalogueTitle.setText("正在读取指标体系…")
            ui.detailBrowser.clear()
        else:
            where = "本评价轮次使用的" if self.session.rnd is not None else "程序内置的"
            ui.catalogueTitle.setText(
                f"<b>{escape(cat.title)}</b>（{where}版本 {escape(cat.version)}）："
                f"一级指标 {len(cat.level1)} 项，二级指标 {len(cat.level2)} 项，"
                f"三级指标 {len(cat.indicators)} 项，责任单位 {len(cat.units)} 个")
            ui.detailBrowser.setHtml("<p style='color:#666'>在左侧选择一项指标，查看指标说明、"
                                     "评估方法、填报项和评分规则。</p>")
        self._refresh_params()

    def _refresh_params(self) -> None:
        cat, rnd = self.session.cat, self.session.rnd
        values = rnd.get_params() if rnd is not None else {}
        self.params.set_rows(param_rows(cat, values) if cat is not None else [])
        self.params.editable = self.session.writable
        ui = self.ui
        ui.paramBox.setEnabled(cat is not None)
        ui.paramMessage.setText("" if rnd is not None else "打开评价轮次后可修改本轮参数。")
        ui.paramTable.resizeColumnToContents(0)
        ui.paramTable.resizeColumnToContents(1)
        ui.paramTable.resizeColumnToContents(2)

    def update_actions(self) -> None:
        selected = bool(self.ui.paramTable.selectionModel().selectedRows())
        self.params.editable = self.idle_writable
        self.ui.resetParamButton.setEnabled(self.idle_writable and selected)

    # -- indicator details --------------------------------------------------------------
    def select_indicator(self, indicator_id: int) -> None:
        """Select an indicator in the tree (and show its details)."""
        index = self.tree.index_of(lambda it: it.level == 3 and it.obj.id == indicator_id)
        if index.isValid():
            self.ui.indicatorTree.setCurrentIndex(index)
            self.ui.indicatorTree.scrollTo(index)

    def _on_selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes or self.session.cat is None:
            return
        item = self.tree.item(indexes[0])
        self.ui.detailBrowser.setHtml(describe(self.session.cat, item))

    # -- parameters ---------------------------------------------------------------------
    def _write_param(self, key: str, value: Decimal) -> None:
        """The model validated the value; the round records (and audits) the change."""
        if not self.idle_writable:
            raise ValueError("评价轮次未以编辑方式打开，或正在处理其他操作，暂不能修改参数")
        self.session.rnd.set_params({key: json_number(value)})
        label = next((r.label for r in self.params.rows() if r.key == key), "参数")
        self.ui.paramMessage.setText(f"已修改“{label}”为 {text(value)}，正在重新计算评分…")
        self.session.rescore()

    def _on_param_rejected(self, message: str) -> None:
        self.ui.paramMessage.setText(message)

    def _on_reset_param(self) -> None:
        rows = self.ui.paramTable.selectionModel().selectedRows()
        if rows:
            row = rows[0].row()
            self.params.set_value(row, text(self.params.record(row).default))


# ---------------------------------------------------------------------------------------
# The details pane (HTML)
# ---------------------------------------------------------------------------------------
def _section(title: str, body: str) -> str:
    return f"<h4 style='margin-bottom:2px'>{escape(title)}</h4>{body}" if body else ""


def _para(value: str) -> str:
    return "<p style='white-space:pre-wrap; margin-top:0'>" + escape(value) + "</p>" if value else ""


def describe(cat: Any, item: CatItem) -> str:
    """指标说明, 评估方法, inputs, rule and assumption of a tree item, as HTML."""
    obj = item.obj
    if item.level == 1:
        children = cat.level2_of(obj.id)
        weight = "扣分制（不占权重）" if obj.kind == "deduction" else weight_text(obj.weight)
        rows = "".join(f"<li>{escape(c.name)}（{weight_text(c.weight)}）</li>" for c in children)
        return f"<h3>{escape(obj.name)}</h3><p>一级指标，权重 {weight}</p><ul>{rows}</ul>"
    if item.level == 2:
        children = cat.indicators_of(obj.id)
        rows = "".join(f"<li>{c.id}. {escape(c.name)}（{weight_text(c.weight)}）</li>"
                       for c in children)
        return (f"<h3>{escape(obj.name)}</h3><p>二级指标，权重 {weight_text(obj.weight)}，"
                f"属于“{escape(cat.level1_of(obj.id).name)}”</p><ul>{rows}</ul>")
    return _indicator_html(cat, obj)


def _indicator_html(cat: Any, ind: Any) -> str:
    head = (f"<h3>{ind.id}. {escape(ind.name)}</h3>"
            f"<p>权重 {weight_text(ind.weight)} · {KIND_TEXT.get(ind.kind, ind.kind)} · "
            f"责任单位：{escape(units_text(cat, ind))}"
            + (f" · 属性：{escape(ind.attribute)}" if ind.attribute else "") + "</p>")
    inputs = ""
    if ind.inputs:
        rows = "".join(_input_row(spec) for spec in ind.inputs)
        inputs = ("<table border='1' cellspacing='0' cellpadding='3' style='border-color:#ccc'>"
                  "<tr><th>填报项</th><th>类型</th><th>单位</th><th>范围</th>"
                  f"<th>必填</th></tr>{rows}</table>")
    rule = "<ul>" + "".join(f"<li>{escape(line)}</li>"
                            for line in wording.lines(ind, cat.parameters)) + "</ul>"
    checks = "".join(f"<li>{escape(wording.check_text(ind, c, cat.parameters))}："
                     f"{escape(c.message)}</li>" for c in ind.checks)
    params = "".join(f"<li>{escape(wording.param_label(ind, k))}：{text(v)}</li>"
                     for k, v in ind.params.items())
    return (head + _section("指标说明", _para(ind.description))
            + _section("评估方法", _para(ind.method))
            + _section("填报项", inputs)
            + _section("评分规则", rule)
            + _section("校验规则", f"<ul>{checks}</ul>" if checks else "")
            + _section("参数（本轮可在下方修改）", f"<ul>{params}</ul>" if params else "")
            + _section("评分口径（本工具的理解）", _para(ind.assumption)))


def _input_row(spec: Any) -> str:
    from jinan_eval_gui.catalogue import INPUT_KIND_LABELS

    lo, hi = spec.bounds()
    bounds = "" if lo is None and hi is None else f"{text(lo) if lo is not None else ''} ~ " \
                                                  f"{text(hi) if hi is not None else ''}"
    label = escape(spec.label)
    if spec.columns:
        label += "<br><small>列：" + "、".join(escape(c.label) for c in spec.columns) + "</small>"
    return (f"<tr><td>{label}</td>"
            f"<td>{INPUT_KIND_LABELS.get(spec.kind, spec.kind)}</td><td>{escape(spec.unit)}</td>"
            f"<td>{bounds}</td><td>{'是' if spec.required else '否'}</td></tr>")

