"""文件 › 从自动备份恢复: the window lists the round's automatic backups and restores one."""

from __future__ import annotations

import shutil

from conftest import wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from jinan_eval_gui.store import backup_round, list_backups


def test_restore_from_the_file_menu(qtbot, window, recorder, filled_round, tmp_path):
    path = tmp_path / "评价.jeval"
    shutil.copy(filled_round, path)
    window.open_round(path)
    wait_idle(qtbot, window)
    assert window.restore_action.isEnabled()
    assert window.restore_dialog() is None  # no backups yet: said so
    assert "还没有自动备份" in recorder.infos[-1]

    rnd = window.session.rnd
    made = backup_round(rnd, "导入前")
    rnd.set_param("missing_score", 30)
    dialog = window.restore_dialog()
    assert dialog.ui.backupList.count() == 1
    assert "导入前" in dialog.ui.backupList.item(0).text()
    ok = dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert not recorder.errors, recorder.errors
    rnd = window.session.rnd
    assert rnd is not None and rnd.path == path and not rnd.readonly
    assert rnd.get_param("missing_score") is None
    assert rnd.audit_log("round.restore")[-1].details["from"] == made.path.name
    assert [b.reason for b in list_backups(path)] == ["恢复前", "导入前"]
    assert "已恢复" in window.status_label.text()
