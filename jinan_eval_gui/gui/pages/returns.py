"""数据回收 › 导入回收文件: add returned workbooks, check them (a dry run), then accept them —
asking about every file with errors and every resend worse than the version it replaces
(``collect.acceptance``); what is not accepted stays in the history as a version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QHeaderView

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.dialogs.acceptance import AcceptDialog
from jinan_eval_gui.gui.models.imports import (
    CATEGORIES,
    DiffsModel,
    FindingsFilterProxy,
    FindingsModel,
    ImportFilesModel,
    detail_html,
)

from .base import Page, fit_columns, setup_table

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def explain(rnd: Any, report: Any) -> dict[Path, list[Any]]:
    """Every file's findings explained (``workflow.findings.checked_findings``; worker)."""
    from jinan_eval_gui.workflow import findings, round_catalogue

    cat = round_catalogue(rnd)
    return {Path(r.path): findings.checked_findings(rnd, r, cat) for r in report.files}


class ImportActions:
    """The import tab of :class:`~.collect.CollectPage` (a mixin of that page)."""

    ui: Any
    session: Any

    def setup_import(self: Any) -> None:
        ui = self.ui
        self.setAcceptDrops(True)
        self.files = ImportFilesModel(self)
        ui.fileTable.setModel(self.files)
        setup_table(ui.fileTable)
        ui.fileTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        ui.fileTable.doubleClicked.connect(lambda _: self.compare_selected())
        self.findings = FindingsModel(self)
        self.findings_proxy = FindingsFilterProxy(self)
        self.findings_proxy.setSourceModel(self.findings)
        ui.findingsTable.setModel(self.findings_proxy)
        setup_table(ui.findingsTable)
        ui.findingsTable.setColumnHidden(FindingsModel.VERSION, True)
        ui.findingsTable.setColumnHidden(FindingsModel.FILE, True)  # in the details pane
        ui.findingsTable.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_detail())
        ui.findingsTable.doubleClicked.connect(lambda _: self.open_checked_finding())
        self.diffs = DiffsModel(self)
        ui.diffTable.setModel(self.diffs)
        setup_table(ui.diffTable)
        ui.collectSplitter.setSizes([200, 400])
        ui.findingsSplitter.setSizes([680, 300])
        ui.progressBar.setVisible(False)
        ui.categoryCombo.addItem("全部", "")
        for c in CATEGORIES:
            ui.categoryCombo.addItem(c, c)
        for combo in (ui.categoryCombo, ui.unitCombo, ui.indicatorCombo):
            combo.currentIndexChanged.connect(self._apply_filters)
        ui.addFilesButton.clicked.connect(self._on_add_files)
        ui.removeFilesButton.clicked.connect(self._on_remove_files)
        ui.clearFilesButton.clicked.connect(self._on_clear_files)
        ui.previewButton.clicked.connect(self.preview)
        ui.acceptButton.clicked.connect(self.accept_import)
        ui.compareButton.clicked.connect(self.compare_selected)
        self._checked = False
        self._show_findings()

    def update_import_actions(self: Any) -> None:
        ui = self.ui
        has_files = self.files.rowCount() > 0
        idle = not self.session.busy
        ui.addFilesButton.setEnabled(idle)
        ui.removeFilesButton.setEnabled(idle and bool(ui.fileTable.selectionModel().selectedRows()))
        ui.clearFilesButton.setEnabled(idle and has_files)
        ui.previewButton.setEnabled(self.idle_with_round and has_files)
        ui.acceptButton.setEnabled(self.idle_writable and has_files and self._checked)
        selected = self._selected_file()
        ui.compareButton.setEnabled(selected is not None and selected.verdict is not None)

    # -- adding files --------------------------------------------------------------------
    def add_files(self: Any, paths: list[str | Path]) -> int:
        """Add returned workbooks (folders are searched for .xlsx); return how many were new."""
        found: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                found += sorted(x for x in p.iterdir() if x.suffix.lower() in EXCEL_SUFFIXES
                                and not x.name.startswith(("~$", ".")))
            elif p.is_file():
                found.append(p)
        added = self.files.add_paths(found)
        if added:
            self._checked = False
            fit_columns(self.ui.fileTable, 360)
        self.ui.collectTabs.setCurrentWidget(self.ui.importTab)
        self.update_actions()
        return added

    def dragEnterEvent(self: Any, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.session.rnd is not None:
            event.acceptProposedAction()

    def dropEvent(self: Any, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files(paths)
            event.acceptProposedAction()

    def _on_add_files(self: Any) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择各单位报回的数据采集表",
                                                settings.last_dir("returns"),
                                                "Excel 工作簿 (*.xlsx *.xlsm);;所有文件 (*)")
        if names:
            settings.remember_dir("returns", Path(names[0]).parent)
            self.add_files(names)

    def _on_remove_files(self: Any) -> None:
        rows = [i.row() for i in self.ui.fileTable.selectionModel().selectedRows()]
        self.files.remove_rows(rows)
        self._after_files_changed()

    def _on_clear_files(self: Any) -> None:
        self.files.set_rows([])
        self._after_files_changed()

    def _after_files_changed(self: Any) -> None:
        self._checked = all(f.stage != "added" for f in self.files.rows()) and \
            self.files.rowCount() > 0
        self._show_findings()
        self.update_actions()

    def _selected_file(self: Any) -> Any:
        rows = self.ui.fileTable.selectionModel().selectedRows()
        return self.files.record(rows[0].row()) if rows else None

    # -- check and accept ----------------------------------------------------------------
    @messages.guarded
    def preview(self: Any) -> None:
        """Check every listed file without writing to the round (a dry run), and what
        accepting each would mean (``acceptance.verdicts``)."""
        paths = self.files.paths()
        if not paths:
            return

        def task(rnd: Any, progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui import workflow
            from jinan_eval_gui.collect import acceptance

            report = workflow.import_files(rnd, paths, dry_run=True, progress=progress)
            return report, explain(rnd, report), acceptance.verdicts(rnd, report)

        self._start(task, len(paths), dry_run=True)

    @messages.guarded
    def accept_import(self: Any) -> AcceptDialog | None:
        """Import the checked files; first ask about older files and several files of one
        unit, then — in one dialog — about every file with errors or worse than before."""
        if not self.files.paths():
            return None
        replace_older, chosen, accepted = self._decisions()
        asking = [f.verdict for f in self.files.needing_decision()]
        if not asking:
            self._run_import(replace_older, chosen, accepted)
            return None
        self.dialog = AcceptDialog(asking, self)
        self.dialog.confirmed.connect(
            lambda paths: self._run_import(replace_older, chosen, accepted + list(paths)))
        self.dialog.open()
        return self.dialog

    def _run_import(self: Any, replace_older: bool, chosen: list[Path],
                    accepted: list[Path]) -> None:
        paths = self.files.paths()

        def task(rnd: Any, progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui import workflow

            report = workflow.import_files(rnd, paths, progress=progress,
                                           replace_older=replace_older, choose=chosen,
                                           accept_errors=accepted)
            return report, explain(rnd, report), []

        self._start(task, len(paths), dry_run=False)

    def _start(self: Any, task: Any, count: int, *, dry_run: bool) -> None:
        ui = self.ui
        ui.progressBar.setRange(0, count)
        ui.progressBar.setValue(0)
        ui.progressBar.setVisible(True)
        ui.progressLabel.setText("正在检查…" if dry_run else "正在导入…")
        self.session.run_with_round(
            task, progress=self._on_progress, failed=self._on_failed,
            done=lambda result: self._on_imported(result, dry_run),
            status="正在检查回收文件…" if dry_run else "正在导入回收文件…")

    def _decisions(self: Any) -> tuple[bool, list[Path], list[Path]]:
        """Ask about the files the check held back: older than the unit's stored return, and
        several differing files of one unit (never decided by their order); then whether a
        file so chosen is accepted although it has errors."""
        older = self.files.waiting("older")
        replace_older = bool(older) and messages.ask(
            self.window(),
            f"以下文件的保存时间早于该单位已导入的版本：{'、'.join(f.path.name for f in older)}。"
            "\n\n是否仍用这些较早的文件替换已导入的数据？选“否”则这些文件不导入。")
        groups: dict[tuple[str, str], list[Any]] = {}
        for f in self.files.waiting("duplicate"):
            groups.setdefault((f.entity, f.unit), []).append(f)
        chosen = []
        for (entity, unit), group in groups.items():
            index = messages.pick(
                self.window(), f"“{entity}”“{unit}”在本次导入中有 {len(group)} 个内容不同的文件，"
                               "请选择采用哪一个（取消则这些文件都不导入）：",
                [str(f.path) for f in group])
            if index is not None:
                chosen.append(group[index])
        decided = (older if replace_older else []) + chosen
        accepted = [f.path for f in decided if f.count("error") and messages.ask(
            self.window(), f"“{f.path.name}”有错误 {f.count('error')} 处、警告 "
                           f"{f.count('warning')} 处。仍然接受吗？\n\n选“否”则它作为未接受的版本存档，"
                           "可生成反馈表退回，以后也可在版本记录中接受。")]
        return replace_older, [f.path for f in chosen], accepted

    def _on_progress(self: Any, done: int, total: int, message: str) -> None:
        self.ui.progressBar.setRange(0, max(1, total))
        self.ui.progressBar.setValue(done)
        self.ui.progressLabel.setText(message)

    def _on_failed(self: Any, text: str) -> None:
        self.ui.progressLabel.setText("未完成。")
        messages.error(self.window(), text)

    def _on_imported(self: Any, result: Any, dry_run: bool) -> None:
        report, views, verdicts = result
        self.files.apply_report(report, "checked" if dry_run else "imported", views, verdicts)
        fit_columns(self.ui.fileTable, 360)
        self.ui.progressBar.setValue(self.ui.progressBar.maximum())
        files = report.files
        n = {s: sum(1 for f in files if f.status == s)
             for s in ("imported", "updated", "unchanged", "rejected", "held", "skipped")}
        errors = sum(1 for f in files for x in f.findings if x.severity == "error")
        if dry_run:
            self._checked = True
            asking = len(self.files.needing_decision())
            waiting = n["held"]
            text = (f"检查完成：{len(files)} 个文件，新报送 {n['imported']}，将更新 {n['updated']}，"
                    f"无变化 {n['unchanged']}，将拒收 {n['rejected']}"
                    + (f"，需确认 {waiting}" if waiting else "") + f"；错误共 {errors} 处。"
                    + (f"其中 {asking} 个文件有错误或比已接受的版本差，接受前会逐个询问。" if asking
                       else "") + "确认后点“接受导入”。")
        else:
            self._checked = False
            gated = sum(1 for f in files if f.status == "held" and f.decision in ("errors", "worse"))
            text = (f"导入完成：新导入 {n['imported']}，更新 {n['updated']}，无变化 {n['unchanged']}，"
                    f"拒收 {n['rejected']}"
                    + (f"，未接受（已存为版本）{gated}" if gated else "")
                    + (f"，未导入（需确认）{n['held'] - gated}" if n["held"] - gated else "") + "。")
        notes = "；".join(report.notes)
        self.ui.progressLabel.setText(text + (f"\n注意：{notes}" if notes else ""))
        self._show_findings()
        self.ui.detailTabs.setCurrentWidget(self.ui.findingsTab)
        if not dry_run:
            self.session.notify_data_changed()
        self.update_actions()

    # -- findings of the files checked -------------------------------------------------
    def _show_findings(self: Any) -> None:
        files = self.files.rows()
        self.findings.set_files(files)
        self.diffs.set_files(files)
        ui = self.ui
        for combo, values in (
            (ui.unitCombo, sorted({r.unit for r in self.findings.rows() if r.unit})),
            (ui.indicatorCombo, sorted({r.indicator_id for r in self.findings.rows()
                                        if r.indicator_id is not None})),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("全部", None)
            for value in values:
                combo.addItem(str(value), value)
            found = combo.findData(current)
            combo.setCurrentIndex(found if found >= 0 else 0)
            combo.blockSignals(False)
        self._apply_filters()
        fit_columns(ui.findingsTable, 300)
        ui.findingsTable.horizontalHeader().setSectionResizeMode(
            len(FindingsModel.columns) - 1, QHeaderView.ResizeMode.Stretch)
        fit_columns(ui.diffTable, 300)

    def _apply_filters(self: Any) -> None:
        ui = self.ui
        self.findings_proxy.set_filters(category=ui.categoryCombo.currentData() or "",
                                        unit=ui.unitCombo.currentData() or "",
                                        indicator=ui.indicatorCombo.currentData())
        shown, total = self.findings_proxy.rowCount(), self.findings.rowCount()
        ui.findingsCount.setText(f"显示 {shown} / {total} 条" if total else "")
        self._show_detail()

    def selected_finding(self: Any) -> Any:
        return self.findings_proxy.view_at(self.ui.findingsTable.currentIndex().row())

    def _show_detail(self: Any) -> None:
        self.ui.findingDetail.setHtml(detail_html(self.selected_finding()))

    def open_checked_finding(self: Any) -> Any:
        """The details of the finding selected, with a button opening the file it is in."""
        view = self.selected_finding()
        if view is None:
            return None
        path = next((f.path for f in self.files.rows() if view in f.views), None)
        return self.show_finding(view, (lambda: Page.open_path(path)) if path else None)

    def compare_selected(self: Any) -> AcceptDialog | None:
        """The selected file beside the unit's accepted version (after a check)."""
        f = self._selected_file()
        if f is None or f.verdict is None:
            return None
        self.dialog = AcceptDialog([f.verdict], self, asking=False)
        self.dialog.open()
        return self.dialog
