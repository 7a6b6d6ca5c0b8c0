"""Make the README screenshots (docs/screenshots/*.png) from a synthetic round.

    QT_QPA_PLATFORM=offscreen python tests/gui/make_screenshots.py docs/screenshots

Builds a round with the built-in catalogue (all units issued, most returns imported with the
sample filler's typical blanks and mistakes), then drives the real window: a preview of the
last returns on 数据回收, a trace and a what-if (试算) on 评分结果, a few confirmations and a
previewed switch on 评分口径, an export on 报告导出. Then every page and the collection desk's
dialogs at 1366×768 and at 1920×1080 with QT_SCALE_FACTOR=1.5 (``docs/screenshots/1366x768/``,
``docs/screenshots/scale150/``; ``--sizes-only`` makes just those).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import desk_screens  # noqa: E402 - beside this script


def build_round(base: Path) -> tuple[Path, list[Path]]:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.collect import samplefill

    path = base / "2025年度评价.jeval"
    rnd = workflow.create_round(path, year=2025)
    try:
        workflow.issue_templates(rnd, base / "模板", deadline=desk_screens.deadline(),
                                 contact_person="市大数据局 王老师", contact_phone="0531-12345678")
        samplefill.sample_fill(base / "模板", base / "回传", 7, 0.02, 0.03)
        samplefill.sample_fill(base / "模板", base / "回传-有误", 11, 0.1, 0.4)
        files = sorted((base / "回传").glob("*.xlsx"))
        workflow.import_files(rnd, files[:-4])
        import_survey(rnd, base)
        desk_screens.desk_story(rnd, base, files[:-4])
        workflow.score_round(rnd)
    finally:
        rnd.close()
    late = files[-4:-1] + [sorted((base / "回传-有误").glob("*.xlsx"))[-1]]
    return path, late


def show_whatif(results) -> None:
    """试算 on 评分结果: indicator 1's numerator raised, then a parameter changed (in memory)."""
    results.select_indicator(1)
    results.ui.detailTabs.setCurrentIndex(1)
    ui = results.whatif.ui
    ui.targetCombo.setCurrentIndex(0)
    used = results.whatif.work().base.values[1].get("used")
    ui.valueEdit.setText(str(int(used * 13 / 10)) if used else "100")
    results.whatif.try_value()
    ui.kindCombo.setCurrentIndex(1)
    ui.targetCombo.setCurrentIndex(ui.targetCombo.findData("missing_score"))
    ui.valueEdit.setText("60")
    results.whatif.try_value()


def import_survey(rnd, base: Path) -> None:
    """A synthetic export of 3 000 respondents (dirty rows included), weighted by sex and age."""
    from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
    from jinan_eval_gui.collect.survey import write_sample
    from jinan_eval_gui.workflow import surveyimport

    export = write_sample(load_questionnaire(), base / "问卷星导出_市民体验调查.csv", 3000)
    surveyimport.set_shares(rnd, "性别", {"男": "0.51", "女": "0.49"})
    surveyimport.set_shares(rnd, "年龄段", {"18–29岁": "0.2", "30–39岁": "0.21", "40–49岁": "0.2",
                                         "50–59岁": "0.18", "60岁及以上": "0.21"})
    surveyimport.import_survey(rnd, export)


def main(out_dir: str, sized: bool = False) -> int:
    """The README pictures (1280×800), or with ``sized`` every page and the desk's dialogs at
    the size the window takes on the screen Qt was given (see :func:`every_size`)."""
    from PySide6.QtWidgets import QApplication

    from jinan_eval_gui.gui import messages
    from jinan_eval_gui.gui.app import prepare_page, wait_idle
    from jinan_eval_gui.gui.main_window import MainWindow
    from jinan_eval_gui.gui.ui_font import apply_ui_font

    messages.ask = lambda *_a, **_k: True  # export although data are missing; never block
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        round_path, late = build_round(Path(tmp))
        app = QApplication.instance() or QApplication([])
        apply_ui_font(app)
        window = MainWindow()
        if not sized:
            window.resize(1280, 800)
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
        if sized:
            def grab(widget, name: str) -> None:
                wait_idle(app, window)
                widget.grab().save(str(out / f"{name}.png"), "PNG")
                print(out / f"{name}.png")

            desk_screens.shoot_desk(window, shot, grab, late, lambda: wait_idle(app, window))
        else:
            collect = window.show_page("collect")
            collect.add_files(late)
            collect.preview()
            wait_idle(app, window)
            shot("collect")
        survey = window.show_page("survey")
        survey.ui.detailTabs.setCurrentWidget(survey.ui.questionsTab)
        shot("survey")
        prepare_page(window, "results")
        shot("results")
        show_whatif(window.show_page("results"))
        shot("whatif")
        window.page("results").whatif.reset()
        window.page("results").ui.detailTabs.setCurrentIndex(0)
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


#: The smallest screens the window must fit (issue 16): name → (offscreen screen, scale).
SIZES = {"1366x768": ((1366, 768), "1"), "scale150": ((1920, 1080), "1.5")}


def every_size(out_dir: str) -> int:
    """Every page and dialog on each screen of :data:`SIZES`, one process each (the screen
    and the scale factor are fixed when Qt starts), into ``out_dir/<name>/``."""
    import json
    import subprocess

    for name, ((width, height), scale) in SIZES.items():
        config = Path(tempfile.gettempdir()) / f"jinan-eval-screen-{name}.json"
        config.write_text(json.dumps({"screens": [{"name": name, "x": 0, "y": 0, "width": width,
                                                   "height": height, "logicalDpi": 96}]}))
        env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
                   QT_SCALE_FACTOR=scale)
        done = subprocess.run([sys.executable, __file__, str(Path(out_dir) / name), "--sized"],
                              env=env, check=False)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = args[0] if args else "docs/screenshots"
    if "--sized" in sys.argv:
        sys.exit(main(target, sized=True))
    if "--sizes-only" not in sys.argv:
        main(target)
    sys.exit(every_size(target))
