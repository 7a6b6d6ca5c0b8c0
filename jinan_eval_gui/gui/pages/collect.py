"""数据回收: add returned workbooks, check them (dry run), accept, settle conflicts, feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.dialogs.conflict import ConflictDialog
from jinan_eval_gui.gui.models.imports import (
    SEVERITY_LABELS,
    ConflictsModel,
    DiffsModel,
    FindingsFilterProxy,
    FindingsModel,
    ImportFilesModel,
)
from jinan_eval_gui.gui.models.progress import UnitStatusModel
from jinan_eval_gui.gui.models.table import SORT_ROLE

from .base import Page, fit_columns, setup_table

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class CollectPage(Page):
    """Returned files → preview findings → accept; unit status, conflicts, feedback."""

    key = "collect"
    title = "数据回收"
    form_name = "page_collect"

    def setup(self) -> None:
        ui = self.ui
        self.setAcceptDrops(True)
        self.files = ImportFilesModel(self)
        ui.fileTable.setModel(self.files)
        setup_table(ui.fileTable)
        ui.fileTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.findings = FindingsModel(self)
        self.findings_proxy = FindingsFilterProxy(self)
        self.findings_proxy.setSourceModel(self.findings)
        ui.findingsTable.setModel(self.findings_proxy)
        setup_table(ui.findingsTable)
        self.diffs = DiffsModel(self)
        ui.diffTable.setModel(self.diffs)
        setup_table(ui.diffTable)
        self.status = UnitStatusModel(self)
        status_proxy = QSortFilterProxyModel(self)
        status_proxy.setSourceModel(self.status)
        status_proxy.setSortRole(SORT_ROLE)
        ui.statusTable.setModel(status_proxy)
        setup_table(ui.statusTable)
        ui.statusTable.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.conflicts = ConflictsModel(self)
        ui.conflictTable.setModel(self.conflicts)
        setup_table(ui.conflictTable)
        ui.conflictTable.selectionModel().selectionChanged.connect(
            lambda *_: self.update_actions())
        ui.conflictTable.doubleClicked.connect(lambda _: self._on_resolve())
        ui.collectSplitter.setSizes([220, 420])
        ui.progressBar.setVisible(False)

        ui.severityCombo.addItem("全部", "")
        for key, label in SEVERITY_LABELS.items():
            ui.severityCombo.addItem(label, key)
        for combo in (ui.severityCombo, ui.unitCombo, ui.indicatorCombo):
            combo.currentIndexChanged.connect(self._apply_filters)
        ui.addFilesButton.clicked.connect(self._on_add_files)
        ui.removeFilesButton.clicked.connect(self._on_remove_files)
        ui.clearFilesButton.clicked.connect(self._on_clear_files)
        ui.previewButton.clicked.connect(self.preview)
        ui.acceptButton.clicked.connect(self.accept_import)
        ui.resolveButton.clicked.connect(self._on_resolve)
        ui.feedbackButton.clicked.connect(self._on_feedback)
        self.session.data_changed.connect(self.refresh)
        self._checked = False
        self.dialog: ConflictDialog | None = None
        self.last_feedback: Path | None = None
        self._show_findings()

    # -- state -------------------------------------------------------------------------
    def refresh(self) -> None:
        rnd = self.session.rnd
        self.diffs.cat = self.session.cat
        self.status.refresh(rnd, self.session.cat)
        self.conflicts.refresh(rnd, self.session.cat)
        ui = self.ui
        entities = rnd.list_entities() if rnd is not None else []
        ui.statusTable.setColumnHidden(UnitStatusModel.ENTITY_COLUMN, len(entities) < 2)
        fit_columns(ui.statusTable, 240)
        fit_columns(ui.conflictTable, 320)
        open_count = self.conflicts.open_count()
        ui.detailTabs.setTabText(ui.detailTabs.indexOf(ui.conflictsTab),
                                 f"数据冲突（{open_count} 项待处理）" if open_count else "数据冲突")
        if rnd is None:
            self.files.set_rows([])
            self._show_findings()

    def update_actions(self) -> None:
        ui = self.ui
        has_files = self.files.rowCount() > 0
        idle = not self.session.busy
        ui.addFilesButton.setEnabled(idle)
        ui.removeFilesButton.setEnabled(idle and bool(ui.fileTable.selectionModel().selectedRows()))
        ui.clearFilesButton.setEnabled(idle and has_files)
        ui.previewButton.setEnabled(self.idle_with_round and has_files)
        ui.acceptButton.setEnabled(self.idle_writable and has_files and self._checked)
        ui.resolveButton.setEnabled(self.idle_writable and self._selected_conflict() is not None)
        ui.feedbackButton.setEnabled(self.idle_with_round and self._selected_unit() is not None)

    # -- adding files --------------------------------------------------------------------
    def add_files(self, paths: list[str | Path]) -> int:
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
        self.update_actions()
        return added

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.session.rnd is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files(paths)
            event.acceptProposedAction()

    def _on_add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择各单位报回的数据采集表",
                                                settings.last_dir("returns"),
                                                "Excel 工作簿 (*.xlsx *.xlsm);;所有文件 (*)")
        if names:
            settings.remember_dir("returns", Path(names[0]).parent)
            self.add_files(names)

    def _on_remove_files(self) -> None:
        rows = [i.row() for i in self.ui.fileTable.selectionModel().selectedRows()]
        self.files.remove_rows(rows)
        self._after_files_changed()

    def _on_clear_files(self) -> None:
        self.files.set_rows([])
        self._after_files_changed()

    def _after_files_changed(self) -> None:
        self._checked = all(f.stage != "added" for f in self.files.rows()) and \
            self.files.rowCount() > 0
        self._show_findings()
        self.update_actions()

    # -- check and import ----------------------------------------------------------------
    def preview(self) -> None:
        """Check every listed file without writing to the round (import_files dry run)."""
        self._import(dry_run=True)

    def accept_import(self) -> None:
        """Import the listed files into the round (after a preview)."""
        self._import(dry_run=False)

    @messages.guarded
    def _import(self, dry_run: bool) -> None:
        paths = self.files.paths()
        if not paths:
            return
        replace_older, chosen = (False, []) if dry_run else self._decisions()

        def task(rnd: Any, progress: Any, _worker: Any) -> Any:
            from jinan_eval_gui import workflow

            return workflow.import_files(rnd, paths, dry_run=dry_run, progress=progress,
                                         replace_older=replace_older, choose=chosen)

        self.ui.progressBar.setRange(0, len(paths))
        self.ui.progressBar.setValue(0)
        self.ui.progressBar.setVisible(True)
        self.ui.progressLabel.setText("正在检查…" if dry_run else "正在导入…")
        self.session.run_with_round(
            task, progress=self._on_progress, failed=self._on_failed,
            done=lambda report: self._on_imported(report, dry_run),
            status="正在检查回收文件…" if dry_run else "正在导入回收文件…")

    def _decisions(self) -> tuple[bool, list[Path]]:
        """Ask about the files the check held back: older than the unit's stored return, and
        several differing files of one unit (never decided by their order)."""
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
                chosen.append(group[index].path)
        return replace_older, chosen

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.ui.progressBar.setRange(0, max(1, total))
        self.ui.progressBar.setValue(done)
        self.ui.progressLabel.setText(message)

    def _on_failed(self, text: str) -> None:
        self.ui.progressLabel.setText("未完成。")
        messages.error(self.window(), text)

    def _on_imported(self, report: Any, dry_run: bool) -> None:
        self.files.apply_report(report, "checked" if dry_run else "imported")
        fit_columns(self.ui.fileTable, 360)
        self.ui.progressBar.setValue(self.ui.progressBar.maximum())
        counts = {s: sum(1 for f in report.files if f.status == s)
                  for s in ("imported", "updated", "unchanged", "rejected", "held")}
        waiting = f"，需确认 {counts['held']}" if counts["held"] else ""
        errors = sum(1 for f in report.files for x in f.findings if x.severity == "error")
        if dry_run:
            self._checked = True
            self.ui.progressLabel.setText(
                f"检查完成：{len(report.files)} 个文件，可导入 {counts['imported']}，将更新 "
                f"{counts['updated']}，无变化 {counts['unchanged']}，将拒收 {counts['rejected']}"
                f"{waiting}；错误 {errors} 处。确认后点“接受导入”"
                + ("（需确认的文件届时会询问）。" if waiting else "。"))
        else:
            self._checked = False
            self.ui.progressLabel.setText(
                f"导入完成：新导入 {counts['imported']}，更新 {counts['updated']}，无变化 "
                f"{counts['unchanged']}，拒收 {counts['rejected']}"
                + (f"，未导入（需确认）{counts['held']}。" if counts["held"] else "。"))
        self._show_findings()
        self.ui.detailTabs.setCurrentWidget(self.ui.findingsTab)
        if not dry_run:
            self.session.notify_data_changed()
        self.update_actions()

    # -- findings ------------------------------------------------------------------------
    def _show_findings(self) -> None:
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
        fit_columns(ui.diffTable, 300)

    def _apply_filters(self) -> None:
        ui = self.ui
        self.findings_proxy.set_filters(severity=ui.severityCombo.currentData() or "",
                                        unit=ui.unitCombo.currentData() or "",
                                        indicator=ui.indicatorCombo.currentData())
        shown, total = self.findings_proxy.rowCount(), self.findings.rowCount()
        ui.findingsCount.setText(f"显示 {shown} / {total} 条" if total else "")

    # -- conflicts -----------------------------------------------------------------------
    def _selected_conflict(self) -> Any:
        rows = self.ui.conflictTable.selectionModel().selectedRows()
        return self.conflicts.record(rows[0].row()) if rows else None

    def _on_resolve(self) -> None:
        conflict = self._selected_conflict()
        if conflict is None or not self.idle_writable:
            return
        self.dialog = ConflictDialog(conflict, self.session.cat, self)
        self.dialog.resolved.connect(self._apply_resolution)
        self.dialog.open()

    @messages.guarded
    def _apply_resolution(self, conflict_id: int, unit: str, reason: str) -> None:
        self.session.rnd.resolve_conflict(conflict_id, {"unit": unit}, reason)
        self.session.notify_data_changed()

    # -- feedback ------------------------------------------------------------------------
    def _selected_unit(self) -> Any:
        rows = self.ui.statusTable.selectionModel().selectedRows()
        if not rows:
            return None
        proxy = self.ui.statusTable.model()
        return self.status.record(proxy.mapToSource(rows[0]).row())

    def _on_feedback(self) -> None:
        status = self._selected_unit()
        if status is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "反馈表保存到", settings.last_dir("feedback"))
        if folder:
            settings.remember_dir("feedback", folder)
            self.make_feedback(status.unit, Path(folder), entity=status.entity)

    @messages.guarded
    def make_feedback(self, unit: str, out_dir: Path, *, entity: str | None = None) -> None:
        """Write the feedback workbook of ``unit`` (workflow.feedback) and open it."""

        def task(rnd: Any, _progress: Any, _worker: Any) -> Path:
            from jinan_eval_gui import workflow

            return workflow.feedback(rnd, unit, out_dir, entity=entity)

        def done(path: Path) -> None:
            self.last_feedback = Path(path)
            self.ui.progressLabel.setText(f"已生成反馈表：{path}")
            self.open_path(path)

        self.session.run_with_round(task, done=done, status=f"正在生成 {unit} 的反馈表…")
