"""模板下发: generate one data-collection workbook per chosen unit, in the background.

The round remembers every issue (``workflow.issue.issue_defaults``): the page starts from the
last issue's deadline, contact and phone, checks the units not issued yet, and asks before
replacing files already in the output folder (naming them)."""

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
        self._defaults_for: tuple[Any, ...] | None = None
        self._catalogue_changed()

    def _catalogue_changed(self) -> None:
        self.units.set_catalogue(self.session.cat if self.session.rnd is not None else None)
        self._defaults_for = None  # the checks were reset: take the defaults again
        if self.idle_with_round:
            self.refresh()

    def refresh(self) -> None:
        rnd = self.session.rnd
        ui = self.ui
        if rnd is None:
            ui.issuedLabel.setText("")
            self._defaults_for = None
            return
        issued = rnd.list_templates()
        if issued:
            last = issued[-1]
            units = len({(t.entity, t.unit) for t in issued})
            when = last.issued_at[:16].replace("T", " ")
            folder = Path(last.path).parent
            if not ui.outputDirEdit.text() or self._defaults_for is None:
                ui.outputDirEdit.setText(str(folder))
            pending = len(self.units.units()) - len({t.unit for t in issued})
            ui.issuedLabel.setText(
                f"本轮已下发 {units} 个单位的数据采集表，最近一次：{when}（{folder}）。"
                + (f"尚未下发的 {pending} 个单位已默认勾选；截止日期、联系人和电话沿用上次下发的。"
                   if pending > 0 else "如需重新下发，请勾选要重发的单位。"))
        else:
            if not ui.outputDirEdit.text() or self._defaults_for is None:
                ui.outputDirEdit.setText(str(rnd.path.parent / f"{rnd.info.year}年度数据采集表"))
            ui.issuedLabel.setText("本轮尚未下发数据采集表。")
        key = (str(rnd.path), len(issued))
        if key != self._defaults_for:  # a round opened or an issue made: start from the last
            self._defaults_for = key
            self.apply_defaults()

    def apply_defaults(self) -> None:
        """The last issue's deadline, contact and phone; the units not issued yet checked (all
        on a first issue). Typed values are kept until the round or its issues change."""
        from jinan_eval_gui.workflow import issue
        from jinan_eval_gui.workflow.arrivals import parse_date

        ui = self.ui
        defaults = issue.issue_defaults(self.session.rnd)
        due = parse_date(defaults.deadline)
        ui.deadlineEdit.setDate(QDate(due.year, due.month, due.day) if due is not None
                                else QDate.currentDate().addDays(30))
        ui.contactPersonEdit.setText(defaults.contact_person)
        ui.contactPhoneEdit.setText(defaults.contact_phone)
        issued = {u for _e, u in defaults.issued}
        self.units.set_issued(issued - set(defaults.pending_units))
        self.units.set_checked(defaults.pending_units if defaults.issued else self.units.units())

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
        from jinan_eval_gui.workflow import issue

        ui = self.ui
        out_dir = Path(ui.outputDirEdit.text().strip())
        units = self.units.checked_units()
        there = issue.existing_files(self.session.rnd, out_dir, units=units)
        if there and not messages.ask(self.window(), replace_question(there)):
            return
        options = dict(units=units, deadline=self.deadline_text(),
                       contact_person=ui.contactPersonEdit.text().strip(),
                       contact_phone=ui.contactPhoneEdit.text().strip(), overwrite=bool(there))

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


#: Files named one by one in the question about replacing them; the rest are counted.
LISTED = 12


def replace_question(paths: list[Path]) -> str:
    """The question before replacing templates already in the output folder, naming them."""
    names = "\n".join(f"  {p.name}" for p in paths[:LISTED])
    more = f"\n  …… 等共 {len(paths)} 个文件" if len(paths) > LISTED else ""
    return (f"输出文件夹中已有 {len(paths)} 份同名数据采集表：\n{names}{more}\n\n"
            "覆盖这些文件吗？各单位如已开始填写旧文件，请提醒他们改用新文件。选“否”则不生成，"
            "可换一个输出文件夹。")
