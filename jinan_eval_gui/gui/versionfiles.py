"""Opening a stored version's file: its bytes saved to the user's folder, then opened with the
system's program (Excel). The round keeps the original; what is opened is a copy."""

from __future__ import annotations

from pathlib import Path

from jinan_eval_gui.gui.pages.base import Page
from jinan_eval_gui.gui.session import Session

FOLDER = "版本文件"


def open_version(session: Session, submission_id: int) -> Path | None:
    """Save version ``submission_id`` of the open round and open it; its path."""
    rnd = session.rnd
    if rnd is None:
        return None
    from jinan_eval_gui.system.filenames import sanitize_filename
    from jinan_eval_gui.system.logs import user_data_dir
    from jinan_eval_gui.workflow import versions

    folder = user_data_dir() / FOLDER / sanitize_filename(f"{rnd.path.stem}_{submission_id}")
    path = versions.save_version(rnd, submission_id, folder)
    Page.open_path(path)
    return path
