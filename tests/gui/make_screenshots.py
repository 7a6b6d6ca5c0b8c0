"""Make the README screenshots (docs/screenshots/*.png) from a synthetic round.

    QT_QPA_PLATFORM=offscreen python tests/gui/make_screenshots.py docs/screenshots

Builds a round with the built-in catalogue (all units issued, most returns imported with the
sample filler's typical blanks and mistakes), then drives the real window: a preview of the
last returns on 数据回收, a trace on 评分结果, a few confirmations and a previewed switch on
评分口径, an export on 报告导出.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build_round(base: Path) -> tuple[Path, list[Path]]:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.collect import samplefill

    path = base / "2025年度评价.jeval"
    rnd = workflow.create_round(path, year=2025)
    try:
        workflow.issue_templates(rnd, base / "模板", deadline="2026年1月31日",
                                 contact_person="市大数据局 王老师", contact_phone="0531-12345678")
        samplefill.sample_fill(base / "模板", base / "回传", 7, 0.02, 0.03)
        samplefill.sample_fill(base / "模板", base / "回传-有误", 11, 0.1, 0.4)
        files = sorted((base / "回传").glob("*.xlsx"))
        workflow.import_files(rnd, files[:-4])
        workflow.score_round(rnd)
    finally:
        rnd.close()
    late = files[-4:-1] + [sorted((base / "回传-有误").glob("*.xlsx"))[-1]]
    return path, late


def main(out_dir: str) -> int:
    from PySide6.QtWidgets import QApplication

    from jinan_eval_gui.gui.app import prepare_page, wait_idle
    from jinan_eval_gui.gui.main_window import MainWindow
    from jinan_eval_gui.gui.ui_font import apply_ui_font

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        round_path, late = build_round(Path(tmp))
        app = QApplication.instance() or QApplication([])
        apply_ui_font(app)
        window = MainWindow()
        window.show()
        window.open_round(round_path)
        wait_idle(app, window)
        window.build_pages()
        wait_idle(app, window)

        def shot(key: str) -> None:
            wait_idle(app, window)
            window.grab().save(str(out / f"{key}.png"), "PNG")
            print(out / f"{key}.png")

        for key in ("overview", "catalogue", "issue"):
            prepare_page(window, key)
            shot(key)
        collect = window.show_page("collect")
        collect.add_files(late)
        collect.preview()
        wait_idle(app, window)
        shot("collect")
        prepare_page(window, "results")
        shot("results")
        assumptions = window.show_page("assumptions")
        assumptions.confirm(["G7", "A5", "A16"], "市智慧办 张三", "经评价工作专题会审定")
        wait_idle(app, window)
        a77 = window.session.cat.assumption("A77")
        assumptions.select(a77.id)
        assumptions.choice_buttons[next(n for n, c in enumerate(a77.choices)
                                        if c.key != a77.default)].click()
        wait_idle(app, window)
        shot("assumptions")
        assumptions.cancel_choice()
        export = window.show_page("export")
        export.ui.pdfCheck.setChecked(False)
        export.ui.outputDirEdit.setText(str(Path(tmp) / "评价结果"))
        export.export()
        wait_idle(app, window, timeout=300)
        shot("export")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
