"""市民调查: the survey behind indicator 88 — import the answers, review, score with confidence.

Choose a platform's export, check it (column mapping, excluded rows with their reasons, the
score and its 95 % interval; nothing stored), map columns that matched nothing, then import.
The page shows the current survey of an entity from the session's last scoring (no
recomputation here), the population shares for weighting, and the questionnaire itself.
A contractor's score with its source can be typed instead of answers.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.models.survey import (
    ColumnModel,
    DimensionModel,
    ExclusionModel,
    QuestionModel,
    QuestionnaireModel,
    ShareModel,
    ShareRow,
    questionnaire_rows,
)
from jinan_eval_gui.gui.models.table import SORT_ROLE

from .base import Page, fit_columns, setup_table

_SUFFIXES = "调查答卷 (*.xlsx *.csv);;所有文件 (*)"


class SurveyPage(Page):
    """Survey import with review, the survey's scores, shares and questionnaire."""

    key = "survey"
    title = "市民调查"
    form_name = "page_survey"

    def setup(self) -> None:
        ui = self.ui
        self.dimensions, self.questions = DimensionModel(self), QuestionModel(self)
        self.excluded, self.columns = ExclusionModel(self), ColumnModel(self)
        self.shares, self.questionnaire_model = ShareModel(self), QuestionnaireModel(self)
        for view, model, sort in ((ui.dimensionTable, self.dimensions, None),
                                  (ui.questionTable, self.questions, 3),
                                  (ui.excludedTable, self.excluded, None),
                                  (ui.columnTable, self.columns, None),
                                  (ui.shareTable, self.shares, None),
                                  (ui.questionnaireTable, self.questionnaire_model, None)):
            if view.isSortingEnabled():
                proxy = QSortFilterProxyModel(self)
                proxy.setSourceModel(model)
                proxy.setSortRole(SORT_ROLE)
                view.setModel(proxy)
                if sort is not None:
                    view.sortByColumn(sort, Qt.SortOrder.AscendingOrder)
            else:
                view.setModel(model)
            setup_table(view, stretch_last=view is not ui.dimensionTable)
        ui.columnTable.doubleClicked.connect(lambda index: self._on_map_column(index.row()))
        ui.entityCombo.currentIndexChanged.connect(lambda _: self._entity_changed())
        ui.chooseFileButton.clicked.connect(self._on_choose_file)
        ui.previewButton.clicked.connect(self.preview)
        ui.importButton.clicked.connect(self.import_file)
        ui.setScoreButton.clicked.connect(self._on_set_score)
        ui.clearSurveyButton.clicked.connect(self._on_clear_survey)
        ui.exportFormsButton.clicked.connect(self._on_export_forms)
        ui.sharesButton.clicked.connect(self._on_set_shares)
        ui.clearSharesButton.clicked.connect(self._on_clear_shares)
        ui.shareTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        ui.chooseQuestionnaireButton.clicked.connect(self._on_choose_questionnaire)
        ui.builtinQuestionnaireButton.clicked.connect(lambda: self.use_questionnaire(None))
        self.session.scores_changed.connect(self._show_current)
        self.file: Path | None = None
        self.questionnaire_path: Path | None = None
        self.chosen: dict[str, str] = {}
        self.previewed: dict[str, Any] | None = None
        self.questionnaire: Any = None

    # -- state -------------------------------------------------------------------------
    def refresh(self) -> None:
        combo = self.ui.entityCombo
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(self.session.entities())
        if current:
            combo.setCurrentIndex(max(0, combo.findText(current)))
        combo.blockSignals(False)
        self._show_questionnaire()
        self._show_shares()
        self._show_current()

    def entity(self) -> str:
        return self.ui.entityCombo.currentText()

    def _entity_changed(self) -> None:
        self.previewed = None
        self._show_shares()
        self._show_current()

    def current(self) -> dict[str, Any] | None:
        """The entity's current survey as the last scoring used it (its JSON), if any."""
        res = self.session.results.get(self.entity())
        if res is None:
            return None
        for r in res.indicators.values():
            data = (r.provenance or {}).get("survey") if r.kind == "survey" else None
            if data:
                return data
        return None

    def update_actions(self) -> None:
        ui = self.ui
        has_file = self.file is not None
        ui.chooseFileButton.setEnabled(self.idle_with_round)
        ui.previewButton.setEnabled(self.idle_with_round and has_file)
        ui.importButton.setEnabled(self.idle_writable and has_file and self.previewed is not None
                                   and not self.previewed.get("error"))
        ui.setScoreButton.setEnabled(self.idle_writable)
        ui.clearSurveyButton.setEnabled(self.idle_writable and self.current() is not None)
        ui.sharesButton.setEnabled(self.idle_writable)
        ui.clearSharesButton.setEnabled(
            self.idle_writable and bool(ui.shareTable.selectionModel().selectedRows()))
        ui.exportFormsButton.setEnabled(not self.session.busy)

    # -- showing a survey --------------------------------------------------------------
    def _show_current(self) -> None:
        if self.previewed is None:
            self.show_survey(self.current(), preview=False)
        self.update_actions()

    def show_survey(self, data: dict[str, Any] | None, *, preview: bool) -> None:
        """Fill the summary and the tables from a survey's JSON (or clear them)."""
        ui = self.ui
        rows = data or {}
        names = {l1.id: l1.name for l1 in self.session.cat.level1} if self.session.cat else {}
        dims = [{**d, "areas_text": "、".join(names.get(a, a) for a in d.get("areas", []))}
                for d in rows.get("dimensions", [])]
        self.dimensions.set_rows(dims)
        self.questions.set_rows(rows.get("questions", []))
        self.excluded.set_rows(rows.get("excluded", []))
        self.columns.set_rows(rows.get("columns", []))
        for view in (ui.dimensionTable, ui.questionTable, ui.excludedTable, ui.columnTable):
            fit_columns(view, 420)
        ui.summaryLabel.setText(summary_text(data, preview=preview))
        unmatched = sum(1 for c in rows.get("columns", []) if c["role"] == "unmatched")
        ui.detailTabs.setTabText(ui.detailTabs.indexOf(ui.columnsTab),
                                 f"列对应（{unmatched} 列未对应）" if unmatched else "列对应")
        ui.detailTabs.setTabText(ui.detailTabs.indexOf(ui.excludedTab),
                                 f"剔除的答卷（{len(rows.get('excluded', []))}）")

    def _show_shares(self) -> None:
        rnd = self.session.rnd
        shares = {}
        if rnd is not None and self.entity():  # the workflow is loaded once a round is open
            from jinan_eval_gui.workflow.survey import ordered_shares

            shares = ordered_shares(rnd, self.entity())
        self.shares.set_rows([ShareRow(a, c, f"{v.normalize():f}")
                              for a, values in shares.items() for c, v in values.items()])
        fit_columns(self.ui.shareTable)

    def _show_questionnaire(self) -> None:
        from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
        from jinan_eval_gui.errors import EvalError

        try:
            self.questionnaire = load_questionnaire(self.questionnaire_path)
        except EvalError as exc:
            self.questionnaire = None
            self.ui.questionnaireLabel.setText(f"问卷无法读取：{exc}")
            self.questionnaire_model.set_rows([])
            return
        q = self.questionnaire
        where = "内置问卷" if self.questionnaire_path is None else str(self.questionnaire_path)
        self.ui.questionnaireLabel.setText(
            f"{q.title}（{q.version} 版，{where}）：{len(q.questions)} 道题，其中计分题 "
            f"{len(q.scored)} 道，{len(q.dimensions)} 个维度；受访者属性："
            + ("、".join(a.attribute for a in q.attributes) or "无"))
        self.questionnaire_model.set_rows(questionnaire_rows(q))
        fit_columns(self.ui.questionnaireTable, 480)

    # -- choosing --------------------------------------------------------------------------
    def _on_choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择问卷平台导出的答卷",
                                              settings.last_dir("survey"), _SUFFIXES)
        if name:
            settings.remember_dir("survey", Path(name).parent)
            self.choose_file(name)

    def choose_file(self, path: str | Path) -> None:
        """Use ``path`` as the export to check and import (the mapping starts afresh)."""
        self.file = Path(path)
        self.chosen = {}
        self.previewed = None
        self.ui.fileLabel.setText(f"答卷文件：{self.file}。先“检查（预览）”，核对后再“导入答卷”。")
        self.update_actions()

    def _on_choose_questionnaire(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择问卷文件", settings.last_dir("survey"),
                                              "问卷 (*.toml)")
        if name:
            self.use_questionnaire(Path(name))

    def use_questionnaire(self, path: Path | None) -> None:
        self.questionnaire_path = path
        self.previewed = None
        self._show_questionnaire()
        self._show_current()

    # -- check and import ------------------------------------------------------------------
    def preview(self) -> None:
        """Check and score the chosen file without storing anything."""
        self._run(dry_run=True)

    def import_file(self) -> None:
        """Store the checked file as the entity's survey (after a preview)."""
        self._run(dry_run=False)

    @messages.guarded
    def _run(self, dry_run: bool) -> None:
        if self.file is None:
            return
        path, entity, chosen = self.file, self.entity(), dict(self.chosen)
        questionnaire = self.questionnaire_path

        def task(rnd: Any, _progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui.workflow import surveyimport

            return surveyimport.import_survey(rnd, path, entity=entity, questionnaire=questionnaire,
                                        mapping=chosen, dry_run=dry_run)

        self.ui.progressLabel.setText("正在检查答卷…" if dry_run else "正在导入答卷…")
        self.session.run_with_round(task, done=lambda r: self._done(r, dry_run),
                                    failed=self._failed,
                                    status="正在检查市民调查答卷…" if dry_run else "正在导入市民调查答卷…")

    def _done(self, outcome: Any, dry_run: bool) -> None:
        data = outcome.to_json()
        if outcome.error:
            self.previewed = None
            self.ui.progressLabel.setText("答卷文件未能导入。")
            messages.error(self.window(), outcome.error)
            self.update_actions()
            return
        if dry_run:
            self.previewed = data
            self.show_survey(data, preview=True)
            self.ui.progressLabel.setText("检查完成（未保存）。核对列对应和剔除的答卷后点“导入答卷”。")
        else:
            self.previewed = None
            self.ui.progressLabel.setText(f"已导入：{outcome.file}。")
            self.session.notify_data_changed()
        self.update_actions()

    def _failed(self, text: str) -> None:
        self.ui.progressLabel.setText("未完成。")
        messages.error(self.window(), text)

    def _on_map_column(self, row: int) -> None:
        column = self.columns.record(row)
        if self.questionnaire is None or self.session.busy:
            return
        options = ["忽略（不导入）"] + [f"第 {q.id} 题：{q.text[:40]}"
                                      for q in self.questionnaire.questions]
        choice, ok = QInputDialog.getItem(self, "列对应",
                                          f"{column['column']} 列“{column['header'][:40]}”对应：",
                                          options, 0, False)
        if ok:
            target = "忽略" if choice == options[0] else choice.split("题")[0].replace("第", "").strip()
            self.map_column(column["column"], target)

    def map_column(self, letter: str, target: str) -> None:
        """Map column ``letter`` to question ``target`` (or 忽略) and check the file again."""
        self.chosen[letter] = target
        self.preview()

    # -- typed score, shares, forms ----------------------------------------------------------
    def _on_set_score(self) -> None:
        score, ok = QInputDialog.getDouble(self, "录入综合得分", "调查机构出具的市民体验调查综合得分（0–100）：",
                                           80.0, 0.0, 100.0, 2)
        if not ok:
            return
        source, ok = QInputDialog.getText(self, "录入综合得分", "得分的来源（调查机构和报告名称）：")
        if ok:
            self.set_score(Decimal(f"{score:.2f}"), source)

    @messages.guarded
    def set_score(self, score: Decimal, source: str) -> None:
        from jinan_eval_gui.workflow import surveyimport

        surveyimport.set_survey_score(self.session.rnd, score, source, entity=self.entity())
        self.previewed = None
        self.session.notify_data_changed()

    def _on_clear_survey(self) -> None:
        reason, ok = QInputDialog.getText(self, "停用市民调查",
                                          "停用后指标 88 改用单位填报的综合得分。停用原因：")
        if ok and reason.strip():
            self.clear_survey(reason.strip())
        elif ok:
            messages.error(self.window(), "请填写停用原因")

    @messages.guarded
    def clear_survey(self, reason: str) -> None:
        self.session.rnd.clear_survey(self.entity(), reason)
        self.previewed = None
        self.session.notify_data_changed()

    def _on_set_shares(self) -> None:
        if self.questionnaire is None or not self.questionnaire.attributes:
            messages.error(self.window(), "问卷中没有记录受访者属性的题目，无法加权")
            return
        names = [a.attribute for a in self.questionnaire.attributes]
        attribute, ok = QInputDialog.getItem(self, "录入人口比例", "属性：", names, 0, False)
        if not ok:
            return
        labels = [o.label for o in self.questionnaire.attribute(attribute).options]
        text, ok = QInputDialog.getMultiLineText(
            self, "录入人口比例", f"“{attribute}”各类别的人口比例（每行“类别 比例”，比例合计为 1 或 100%）：",
            "\n".join(f"{label} " for label in labels))
        if ok:
            self.set_shares(attribute, text)

    @messages.guarded
    def set_shares(self, attribute: str, text: str) -> None:
        """Enter one attribute's shares from lines ``类别 比例`` (or ``类别:比例``)."""
        from jinan_eval_gui.workflow import surveyimport

        values = {}
        for line in text.replace("：", " ").replace(":", " ").splitlines():
            if line.strip():
                label, _, share = line.strip().rpartition(" ")
                values[(label or share).strip()] = share.strip() if label else ""
        surveyimport.set_shares(self.session.rnd, attribute, values, entity=self.entity())
        self.previewed = None
        self._show_shares()
        self.session.notify_data_changed()

    @messages.guarded
    def _on_clear_shares(self) -> None:
        from jinan_eval_gui.workflow import surveyimport

        rows = self.ui.shareTable.selectionModel().selectedRows()
        if rows:
            attribute = self.shares.record(rows[0].row()).attribute
            surveyimport.set_shares(self.session.rnd, attribute, {}, entity=self.entity())
            self._show_shares()
            self.session.notify_data_changed()

    def _on_export_forms(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "问卷和模板保存到", settings.last_dir("survey"))
        if folder:
            settings.remember_dir("survey", folder)
            self.export_forms(Path(folder))

    @messages.guarded
    def export_forms(self, folder: Path) -> None:
        """Write the Word questionnaire and the import template into ``folder``."""
        questionnaire = self.questionnaire_path

        def task(_worker: Any) -> list[Path]:
            from jinan_eval_gui.workflow import surveyforms

            return surveyforms.export_forms(folder, questionnaire=questionnaire)

        def done(paths: list[Path]) -> None:
            self.ui.progressLabel.setText("已导出：" + "、".join(p.name for p in paths))
            self.open_path(folder)

        self.session.run(task, done=done, status="正在导出问卷…")


def summary_text(data: dict[str, Any] | None, *, preview: bool) -> str:
    """The headline: where the score comes from, the sample, the score and its interval."""
    if not data:
        return ("本评价对象尚未导入市民调查答卷：指标 88 使用单位填报的综合得分（如有）。"
                "导入答卷后，得分由答卷按问卷计算。")
    if data.get("source") == "score":
        return (f"当前采用调查机构出具的综合得分 {data['score']:.2f} 分（来源：{data.get('score_source', '')}；"
                f"{str(data.get('imported_at', ''))[:10]} 录入）。")
    state = "预览（尚未保存）" if preview else "当前使用"
    n, kept = data.get("n") or 0, data.get("n_kept") or 0
    ci = data.get("ci95")
    score = "—" if data.get("score") is None else f"{data['score']:.2f}"
    interval = f"，95% 置信区间 {ci[0]:.2f} – {ci[1]:.2f}" if ci else ""
    weighting = (data.get("method") or {}).get("weighting", {})
    weighted = ("按" + "、".join(weighting.get("attributes", [])) + "加权"
                if weighting.get("method", "none") != "none" else "不加权")
    return (f"{state}：答卷“{data.get('file', '')}”　综合得分 {score}{interval}\n"
            f"答卷 {n} 份，有效 {kept} 份，剔除 {n - kept} 份；有效样本量 "
            f"{float(data.get('n_eff') or 0):.0f}；{weighted}")
