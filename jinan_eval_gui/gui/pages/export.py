"""报告导出: scoring workbook, Word and PDF report, optionally compared with an earlier round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QStringListModel
from PySide6.QtWidgets import QFileDialog

from jinan_eval_gui.gui import messages, settings

from .base import Page


class ExportPage(Page):
    """Choose formats and folder, export in the background, open the result."""

    key = "export"
    title = "报告导出"
    form_name = "page_export"

    def setup(self) -> None:
        ui = self.ui
        self.files = QStringListModel(self)
        ui.resultList.setModel(self.files)
        ui.resultList.activated.connect(self._on_result_activated)
        ui.resultList.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        ui.browseButton.clicked.connect(self._on_browse)
        ui.compareBrowseButton.clicked.connect(self._on_compare_browse)
        ui.compareClearButton.clicked.connect(ui.compareEdit.clear)
        ui.exportButton.clicked.connect(self.export)
        ui.scorecardsButton.clicked.connect(self.export_scorecards)
        ui.openFolderButton.clicked.connect(self._on_open_folder)
        ui.openFileButton.clicked.connect(self._on_open_file)
        for check in (ui.workbookCheck, ui.wordCheck, ui.pdfCheck):
            check.toggled.connect(lambda _: self.update_actions())
        ui.outputDirEdit.textChanged.connect(lambda _: self.update_actions())
        self.exported: list[Path] = []
        ui.progressBar.setVisible(False)

    def refresh(self) -> None:
        rnd = self.session.rnd
        if rnd is not None and not self.ui.outputDirEdit.text():
            self.ui.outputDirEdit.setText(str(rnd.path.parent / f"{rnd.info.year}年度评价结果"))

    def formats(self) -> tuple[str, ...]:
        ui = self.ui
        chosen = ((ui.workbookCheck, "xlsx"), (ui.wordCheck, "docx"), (ui.pdfCheck, "pdf"))
        return tuple(fmt for check, fmt in chosen if check.isChecked())

    def update_actions(self) -> None:
        ui = self.ui
        ui.exportButton.setEnabled(self.idle_with_round and bool(self.formats())
                                   and bool(ui.outputDirEdit.text().strip()))
        ui.scorecardsButton.setEnabled(self.idle_with_round
                                       and bool(ui.outputDirEdit.text().strip()))
        ui.openFolderButton.setEnabled(bool(self.exported))
        ui.openFileButton.setEnabled(bool(ui.resultList.selectionModel().selectedIndexes()))

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择输出文件夹",
                                                  self.ui.outputDirEdit.text()
                                                  or settings.last_dir("export"))
        if folder:
            self.ui.outputDirEdit.setText(folder)

    def _on_compare_browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择上一年度的评价轮次文件",
                                              settings.last_dir("rounds"), "评价轮次 (*.jeval)")
        if name:
            self.ui.compareEdit.setText(name)

    @messages.guarded
    def export(self) -> None:
        """Export the chosen formats into the output folder (workflow.export_all)."""
        ui = self.ui
        out_dir = Path(ui.outputDirEdit.text().strip())
        compare_text = ui.compareEdit.text().strip()
        compare = Path(compare_text) if compare_text else None
        formats = self.formats()
        if not self.confirm_gaps():
            return

        def task(rnd: Any, progress: Any, _worker: Any) -> list[Path]:
            from jinan_eval_gui import workflow

            return workflow.export_all(rnd, out_dir, formats=formats, compare=compare,
                                       progress=progress)

        ui.progressBar.setRange(0, 0)
        ui.progressBar.setVisible(True)
        ui.progressLabel.setText("正在导出…")
        if self.session.run_with_round(task, done=self._on_exported, failed=self._on_failed,
                                       progress=self._on_progress, status="正在导出…"):
            settings.remember_dir("export", out_dir.parent)

    @messages.guarded
    def export_scorecards(self) -> None:
        """部门评价反馈单 of every unit (Word, PDF as chosen, and the Excel summary) into the
        output folder's 部门评价反馈单 sub-folder (workflow.scorecards)."""
        ui = self.ui
        out_dir = Path(ui.outputDirEdit.text().strip()) / "部门评价反馈单"
        compare_text = ui.compareEdit.text().strip()
        formats = tuple(f for f in self.formats() if f in ("docx", "pdf")) + ("xlsx",)

        def task(rnd: Any, progress: Any, _worker: Any) -> list[Path]:
            from jinan_eval_gui.workflow.scorecards import write_scorecards

            return write_scorecards(rnd, out_dir, compare=compare_text or None, formats=formats,
                                    progress=progress)

        ui.progressBar.setRange(0, 0)
        ui.progressBar.setVisible(True)
        ui.progressLabel.setText("正在生成部门评价反馈单…")
        self.session.run_with_round(task, done=self._on_exported, failed=self._on_failed,
                                    progress=self._on_progress, status="正在生成部门评价反馈单…")

    def confirm_gaps(self) -> bool:
        """Name every unit not returned and every indicator missing or invalid, and ask.

        Scoring a round takes milliseconds, so the question comes at once, before any work.
        """
        from jinan_eval_gui import workflow

        lines = workflow.export_warnings(self.session.rnd, brief=True)
        if not lines:
            return True
        return messages.ask(self.window(), "数据尚不完整，导出的评估报告将在首页说明：\n\n"
                            + "\n\n".join(lines) + "\n\n是否仍要导出？")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.ui.progressBar.setRange(0, max(1, total))
        self.ui.progressBar.setValue(done)
        self.ui.progressLabel.setText(message)

    def _on_exported(self, paths: list[Path]) -> None:
        self.exported = [Path(p) for p in paths]
        self.files.setStringList([str(p) for p in self.exported])
        self.ui.progressBar.setRange(0, 1)
        self.ui.progressBar.setValue(1)
        self.ui.progressLabel.setText(f"导出完成：{len(self.exported)} 个文件。")
        self.update_actions()

    def _on_failed(self, text: str) -> None:
        self.ui.progressBar.setRange(0, 1)
        self.ui.progressBar.setValue(0)
        self.ui.progressLabel.setText("导出未完成。")
        messages.error(self.window(), text)

    def _on_result_activated(self, index: QModelIndex) -> None:
        self.open_path(index.data())

    def _on_open_file(self) -> None:
        for index in self.ui.resultList.selectionModel().selectedIndexes():
            self.open_path(index.data())

    def _on_open_folder(self) -> None:
        if self.exported:
            self.open_path(self.exported[0].parent)
