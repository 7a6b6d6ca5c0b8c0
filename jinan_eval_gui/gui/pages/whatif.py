"""试算 (what-if) on 评分结果: try a value, a parameter or an assumption's choice on a copy.

The panel keeps a :class:`~jinan_eval_gui.scoring.analysis.Scratch` of the shown entity's
inputs (read from the round once, then changed in memory only) and shows, after each trial,
the total and every score that moved against the official result. The engine scores the copy
on the main thread (about 10 ms). Nothing reaches the round file unless the user saves the
changes as a named scenario (保存为情景…), which the report lists.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QHeaderView, QInputDialog, QWidget

from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.gui import messages
from jinan_eval_gui.gui.formloader import load_form
from jinan_eval_gui.gui.models.whatif import ChangesModel, EffectsModel, signed

from .base import setup_table

KINDS = (("input", "填报数据"), ("param", "评价参数"), ("choice", "评分口径"))
PICK_INDICATOR = "请先在左侧得分树中选择一个三级指标，再试算它的填报数据。"


class WhatIfPanel(QWidget):
    """The what-if tab of the results page (see the module docstring)."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.ui = load_form("panel_whatif", self)
        ui = self.ui
        self.effects = EffectsModel(self)
        ui.effectTable.setModel(self.effects)
        setup_table(ui.effectTable, stretch_last=False)
        self.change_list = ChangesModel(self)
        ui.changesTable.setModel(self.change_list)
        setup_table(ui.changesTable, stretch_last=False)
        for key, label in KINDS:
            ui.kindCombo.addItem(label, key)
        ui.kindCombo.currentIndexChanged.connect(lambda _: self._fill_targets())
        ui.targetCombo.currentIndexChanged.connect(lambda _: self._show_target())
        ui.tryButton.clicked.connect(self.try_value)
        ui.valueEdit.returnPressed.connect(self.try_value)
        ui.resetButton.clicked.connect(self.reset)
        ui.saveButton.clicked.connect(self._on_save)
        self.scratch: Any = None
        self.entity = ""
        self.result: Any = None
        self.last_ms = 0.0
        """How long the last trial took to score (milliseconds)."""
        self._fill_targets()

    # -- context from the page ------------------------------------------------------------
    def set_context(self, entity: str, result: Any) -> None:
        """The entity shown and the indicator selected in the tree (None: a group)."""
        if entity != self.entity:
            self.entity = entity
            self.scratch = None
            self._show_outcome(None)
        self.result = result
        if self.kind() in ("input", "param"):
            self._fill_targets()

    def invalidate(self) -> None:
        """The round's data or scores changed: start again from the new official result."""
        self.scratch = None
        self._show_outcome(None)
        self._fill_targets()

    def work(self) -> Any:
        """The scratch of the shown entity (made on first use, from the round as it is)."""
        if self.scratch is None:
            rnd = self.session.rnd
            official = self.session.results.get(self.entity)
            if rnd is None or official is None:
                raise EvalError("请先打开评价轮次并计算评分")
            from jinan_eval_gui.workflow import analysis

            self.scratch = analysis.scratch(rnd, self.entity, cat=self.session.cat,
                                            official=official)
        return self.scratch

    def kind(self) -> str:
        return self.ui.kindCombo.currentData() or "input"

    # -- targets ----------------------------------------------------------------------------
    def _fill_targets(self) -> None:
        ui = self.ui
        combo = ui.targetCombo
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, data in self._targets():
            combo.addItem(label, data)
        if keep is not None:
            found = combo.findData(keep)
            combo.setCurrentIndex(max(0, found))
        combo.blockSignals(False)
        self._show_target()

    def _targets(self) -> list[tuple[str, Any]]:
        cat = self.session.cat
        if cat is None:
            return []
        kind = self.kind()
        if kind == "choice":
            return [(f"{a.id} {a.title}", a.id) for a in cat.assumptions if len(a.choices) > 1]
        if kind == "param":
            out = [(p.label, p.key) for p in cat.parameters]
            if self.result is not None:
                ind = cat.indicator(self.result.id)
                labels = getattr(ind, "param_labels", {}) or {}
                out += [(f"指标 {ind.id} 的{labels.get(n, '参数')}", f"{ind.id}.{n}")
                        for n in ind.params]
            return out
        if self.result is None:
            return []
        ind = cat.indicator(self.result.id)
        specs = [s for s in ind.inputs if s.is_numeric]
        if ind.collect == "per_unit":
            return [(f"{u}：{s.label}", (ind.id, s.key, u)) for u in cat.units_of(ind)
                    for s in specs]
        return [(s.label, (ind.id, s.key, "")) for s in specs]

    def _show_target(self) -> None:
        """The official value of the chosen target and the editor that fits it."""
        ui = self.ui
        data = ui.targetCombo.currentData()
        kind = self.kind()
        ui.messageLabel.setText("" if data is not None or kind != "input" else PICK_INDICATOR)
        options: list[tuple[str, str]] = []
        current = ""
        cat = self.session.cat
        if data is not None and cat is not None:
            if kind == "choice":
                a = cat.assumption(data)
                chosen = (self.scratch.base.choices if self.scratch else
                          self._round_choices()).get(a.id, a.default)
                options = [(c.label, c.key) for c in a.choices]
                current = next((c.label for c in a.choices if c.key == chosen), "")
            elif kind == "param":
                current = self._param_text(data)
            else:
                spec = cat.indicator(data[0]).input(data[1])
                current = self._input_text(data, spec)
                if spec.kind == "yesno":
                    options = [("是", "1"), ("否", "0")]
                elif spec.kind == "choice":
                    options = [(o.label, str(o.value)) for o in spec.options]
        ui.currentLabel.setText(current)
        ui.valueCombo.clear()
        for label, value in options:
            ui.valueCombo.addItem(label, value)
        ui.valueCombo.setVisible(bool(options))
        ui.valueEdit.setVisible(not options)
        ui.tryButton.setEnabled(data is not None)

    def _round_choices(self) -> dict[str, str]:
        rnd = self.session.rnd
        return rnd.assumption_choices() if rnd is not None else {}

    def _param_text(self, key: str) -> str:
        res = self.session.results.get(self.entity)
        if res is None:
            return ""
        value = res.params.get(key)
        return "" if value is None else _plain(value)

    def _input_text(self, data: tuple[int, str, str], spec: Any) -> str:
        from jinan_eval_gui.scoring.analysis.levers import value_text

        res = self.session.results.get(self.entity)
        if res is None:
            return ""
        value = res.indicators[data[0]].inputs.get(data[1])
        if isinstance(value, list):
            cat = self.session.cat
            units = cat.units_of(cat.indicator(data[0]))
            pos = units.index(data[2]) if data[2] in units else -1
            value = value[pos] if 0 <= pos < len(value) else None
        return "（未填报）" if value is None else value_text(spec, Decimal(value))

    # -- trials -----------------------------------------------------------------------------
    def try_value(self) -> None:
        """Apply the value in the editor to the scratch and show the outcome (or why not)."""
        ui = self.ui
        data = ui.targetCombo.currentData()
        if data is None:
            return
        value = ui.valueCombo.currentData() if ui.valueCombo.isVisible() \
            else ui.valueEdit.text().strip()
        if value in (None, ""):
            ui.messageLabel.setText("请填写试算取值")
            return
        if self.session.busy:  # the round is in use by a background task
            ui.messageLabel.setText("正在处理其他操作，请稍候再试算")
            return
        try:
            work = self.work()
            start = time.perf_counter()
            kind = self.kind()
            if kind == "choice":
                outcome = work.set_choice(data, value)
            elif kind == "param":
                outcome = work.set_param(data, value)
            else:
                outcome = work.set_input(data[0], data[1], value, data[2])
            self.last_ms = (time.perf_counter() - start) * 1000
        except EvalError as exc:
            ui.messageLabel.setText(str(exc))
            return
        ui.messageLabel.setText("")
        self._show_outcome(outcome)

    def reset(self) -> None:
        """Drop every change (back to the official result)."""
        if self.scratch is not None:
            self._show_outcome(self.scratch.reset())
        self.ui.messageLabel.setText("")

    def _show_outcome(self, outcome: Any) -> None:
        ui = self.ui
        if outcome is None:
            self.effects.set_rows([])
            self.change_list.set_rows([])
            ui.resultLabel.setText("")
            ui.saveButton.setEnabled(False)
            ui.resetButton.setEnabled(False)
            return
        changes = self.scratch.changes if self.scratch is not None else []
        self.effects.set_rows(outcome.rows())
        self.change_list.set_rows(changes)
        header = ui.effectTable.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        changes_header = ui.changesTable.horizontalHeader()
        changes_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        changes_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        if changes:
            ui.resultLabel.setText(
                f"试算综合得分 {outcome.results.total:.2f}（正式结果 {outcome.official.total:.2f}，"
                f"{signed(outcome.delta)}）——未保存，评价轮次文件未改变")
        else:
            ui.resultLabel.setText(f"未作调整：综合得分 {outcome.official.total:.2f}（正式结果）")
        ui.saveButton.setEnabled(bool(changes) and self.session.writable)
        ui.resetButton.setEnabled(bool(changes))

    # -- scenarios ----------------------------------------------------------------------------
    def _on_save(self) -> None:
        name, ok = QInputDialog.getText(self, "保存为情景",
                                        "情景名称（将列入评估报告“已保存的试算情景”）：")
        if ok:
            self.save(name)

    @messages.guarded
    def save(self, name: str) -> bool:
        """Store the changes as a named scenario in the round (the only write of the panel)."""
        if self.scratch is None or not self.scratch.changes:
            return False
        if not self.session.writable or self.session.busy:
            messages.error(self.window(), "评价轮次以只读方式打开或正忙，不能保存情景")
            return False
        from jinan_eval_gui.workflow import analysis

        analysis.save_scenario(self.session.rnd, self.scratch, name)
        messages.info(self.window(), f"已保存试算情景“{name.strip()}”，导出的评估报告将列出它。")
        return True


def _plain(x: Decimal) -> str:
    return str(int(x)) if x == x.to_integral_value() else f"{x.normalize():f}"
