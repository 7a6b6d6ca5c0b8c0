"""The whole pipeline on synthetic data (``jinan-eval demo``, the self-test)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from jinan_eval_gui.store import Round, backup_folder

from .collection import import_files
from .export import export_all
from .issue import issue_templates
from .rounds import ProgressFn, create_round
from .scores import score_round


# ---------------------------------------------------------------------------------------
# Demo
# ---------------------------------------------------------------------------------------
def run_demo(out_dir: str | Path, *, year: int = 2026, seed: int = 7,
             log: Callable[[str], None] | None = None,
             progress: ProgressFn | None = None) -> list[Path]:
    """The whole pipeline on synthetic data: round → templates → fill → import → score → export."""
    from jinan_eval_gui.collect import samplefill

    say = log or (lambda _m: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    round_path = out / f"{year}年度评价.jeval"
    for leftover in (round_path, round_path.with_name(round_path.name + ".lock")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(backup_folder(round_path), ignore_errors=True)  # an earlier demo's backups
    produced: list[Path] = []
    say(f"1/6 新建评价轮次：{round_path}")
    with create_round(round_path, year=year) as rnd:
        produced.append(round_path)
        made = issue_templates(rnd, out / "1_下发模板", deadline=f"{year + 1}-01-31",
                               contact_person="市智慧办 张三", contact_phone="0531-12345678")
        say(f"2/6 生成数据采集模板 {len(made)} 份：{out / '1_下发模板'}")
        filled = samplefill.sample_fill(out / "1_下发模板", out / "2_单位回传", seed, 0.02, 0.03)
        say(f"3/6 模拟各单位填报（含少量空项和错误）{len(filled)} 份：{out / '2_单位回传'}")
        rep = import_files(rnd, filled)
        counts = rep.counts()
        n_err = sum(f.has_errors for f in rep.files)
        say(f"4/6 导入回传文件：导入 {counts['imported']}、更新 {counts['updated']}、"
            f"未变化 {counts['unchanged']}、拒绝 {counts['rejected']}；其中 {n_err} 份有错误需反馈")
        say(_demo_survey(rnd, out / "2_市民调查", seed))
        results = score_round(rnd)
        for entity, res in results.items():
            say(f"5/6 评分：{entity} 总分 {res.total}（加权 {res.subtotal}，扣分 {res.deductions}）")
        files = export_all(rnd, out / "3_评价结果", progress=progress)
        produced += files
        say("6/6 导出：" + "、".join(p.name for p in files))
    return produced


def _demo_survey(rnd: Round, folder: Path, seed: int) -> str:
    """A synthetic questionnaire platform export (with dirty rows), imported as the survey."""
    from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
    from jinan_eval_gui.collect.survey import write_sample

    from .rounds import round_catalogue
    from .surveyimport import import_survey

    folder.mkdir(parents=True, exist_ok=True)
    path = write_sample(load_questionnaire(catalogue=round_catalogue(rnd)),
                        folder / "市民调查答卷.csv", 1000, seed=seed)
    outcome = import_survey(rnd, path)
    result = outcome.result
    if result is None:
        return f"4/6 市民调查答卷未能导入：{outcome.error}"
    return (f"4/6 导入市民调查答卷：{result.n} 份，有效 {result.n_kept} 份，"
            f"综合得分 {result.score}（95% 置信区间 {result.ci95[0]} – {result.ci95[1]}）"
            if result.ci95 else f"4/6 导入市民调查答卷：{result.n} 份，没有有效答卷")
