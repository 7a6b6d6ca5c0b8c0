"""The questionnaire written out for people: Word (print, or key into a platform) and the
Excel import template (answers collected on paper or typed by hand)."""

from __future__ import annotations

from pathlib import Path

from jinan_eval_gui.catalogue.questionnaire import Questionnaire, load_questionnaire
from jinan_eval_gui.system.atomic import ensure_folder
from jinan_eval_gui.system.filenames import sanitize_filename


def export_forms(out_dir: str | Path, *, questionnaire: str | Path | Questionnaire | None = None
                 ) -> list[Path]:
    """Write ``<title>.docx`` and ``<title>_答卷导入模板.xlsx`` into ``out_dir``."""
    from jinan_eval_gui import catalogue
    from jinan_eval_gui.outputs import questionnaire as forms

    q = questionnaire if isinstance(questionnaire, Questionnaire) else load_questionnaire(
        questionnaire, catalogue=catalogue.load())
    out = ensure_folder(out_dir)
    stem = sanitize_filename(f"{q.title}（{q.version}）")
    return [forms.write_questionnaire_docx(q, out / f"{stem}.docx"),
            forms.write_import_template(q, out / f"{stem}_答卷导入模板.xlsx")]
