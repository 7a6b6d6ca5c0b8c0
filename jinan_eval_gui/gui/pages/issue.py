"""模板下发: generate one data-collection workbook per chosen unit, in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog

from jinan_eval_gui.gui import messages, settings
from jinan_eval_gui.gui.models.catalogue import UnitChecklistModel

from .base import Page


class IssuePage(Page):
    """Unit checklist, deadline and contact, output folder, generate with progress."""

    key = "issue"
    title = "模板下发"
    form_name = "page_issue"

    def setup(self) -> None:
        ui = self.ui
        self.units = UnitChecklistModel(self)
        ui.unitList.setModel(self.units)
        self.units.dataChanged.connect(lambda *_: self._update_count())
        self.units.modelReset.connect(self._update_count)
        ui.selectAllButton.clicked.connect(lambda: self.units.set_all(True))
        ui.selectNoneButton.clicked.connect(lambda: self.units.set_all(False))
        ui.deadlineEdit.setDate(QDate.currentDate().addDays(30))
        ui.progressBar.setVisible(False)
        ui.browseButton.clicked.connect(self._on_browse)
        ui.generateButton.clicked.connect(self._on_generate)
        ui.cancelButton.clicked.connect(self.session.cancel)
        ui.openFolderButton.clicked.connect(self._on_open_folder)
        ui.outputDirEdit.textChanged.connect(lambda _: self.update_actions())
        self.session.catalogue_changed.connect(self._catalogue_changed)
        self.session.data_changed.connect(self.refresh)
        self._running = False
        self._last_dir: Path | None = None
        self._catalogue_changed()

    def _catalogue_changed(self) -> None:
        self.units.set_catalogue(self.session.cat if self.session.rnd is not None else None)

    def refresh(self) -> None:
        rnd = self.session.rnd
        ui = self.ui
        if rnd is None:
            ui.issuedLabel.setText("")
            return
        if not ui.outputDirEdit.text():
            ui.outputDirEdit.setText(str(rnd.path.parent / f"{rnd.info.year}年度数据采集表"))
        issued = rnd.list_templates()
        if issued:
            last = issued[-1]
            units = len({(t.entity, t.unit) for t in issued})
            when = last.issued_at[:16].replace("T", " ")
            ui.issuedLabel.setText(f"本轮已下发 {units} 个单位的数据采集表，最近一次：{when}"
                                   f"（{Path(last.path).parent}）")
        else:
            ui.issuedLabel.setText("本轮尚未下发数据采集表。")

    def _update_count(self) -> None:
        self.ui.countLabel.setText(
            f"已选 {len(self.units.checked_units())} / {len(self.units.units())}")
        self.update_actions()

    def update_actions(self) -> None:
        ui = self.ui
        ready = (self.idle_writable and bool(self.units.checked_units())
                 and bool(ui.outputDirEdit.text().strip()))
        ui.generateButton.setEnabled(ready)
        ui.cancelButton.setEnabled(self._running)
        ui.openFolderButton.setEnabled(self._last_dir is not None)

    # -- handlers ----------------------------------------------------------------------
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择输出文件夹",
                                                  self.ui.outputDirEdit.text()
                                                  or settings.last_dir("templates"))
        if folder:
            self.ui.outputDirEdit.setText(folder)

    def deadline_text(self) -> str:
        return self.ui.deadlineEdit.date().toString("yyyy年M月d日")

    @messages.guarded
    def _on_generate(self) -> None:
        ui = self.ui
        out_dir = Path(ui.outputDirEdit.text().strip())
        units = self.units.checked_units()
        options = dict(units=units, deadline=self.deadline_text(),
                       contact_person=ui.contactPersonEdit.text().strip(),
                       contact_phone=ui.contactPhoneEdit.text().strip())

        def task(rnd: Any, progress: Any, worker: Any) -> list[Any]:
            from jinan_eval_gui import workflow

            return workflow.issue_templates(rnd, out_dir, progress=progress,
                                            cancelled=worker.cancelled, **options)

        ui.progressBar.setRange(0, max(1, len(units)))
        ui.progressBar.setValue(0)
        ui.progressBar.setVisible(True)
        ui.progressLabel.setText("正在生成…")
        if self.session.run_with_round(task, done=self._on_generated, progress=self._on_progress,
                                       failed=self._on_failed, status="正在生成数据采集表…"):
            self._running = True
            settings.remember_dir("templates", out_dir.parent)
            self.update_actions()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.ui.progressBar.setRange(0, max(1, total))
        self.ui.progressBar.setValue(done)
        self.ui.progressLabel.setText(message)

    def _on_generated(self, made: list[Any]) -> None:
        self._running = False
        out_dir = Path(self.ui.outputDirEdit.text().strip())
        self._last_dir = out_dir
        self.ui.progressBar.setValue(self.ui.progressBar.maximum())
        self.ui.progressLabel.setText(f"已生成 {len(made)} 份数据采集表，保存在 {out_dir}")
        self.session.notify_data_changed(rescore=False)
        self.update_actions()

    def _on_failed(self, text: str) -> None:
        self._running = False
        self.ui.progressLabel.setText("生成未完成。")
        self.update_actions()
        messages.error(self.window(), text)

    def _on_open_folder(self) -> None:
        if self._last_dir is not None:
            self.open_path(self._last_dir)
