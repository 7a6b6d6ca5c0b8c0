"""``jinan-eval survey …``: the citizen survey (市民调查) behind indicator 88.

``import`` reads a platform's export, matches columns to questions (``--map`` / ``--mapping``
for what was not matched), cleans, scores and stores it; ``score`` prints the result;
``sample`` writes a synthetic export; ``set-score`` records a contractor's score with its
source; ``shares`` enters population shares for weighting; ``clear`` stops using the survey;
``questionnaire`` writes the questionnaire as Word and the import template as Excel.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .base import command, err, group, import_not_run, open_round, out, print_json, shown

group("survey", "市民调查：问卷、答卷导入与清洗、满意度得分及置信区间（指标 88）")

_LISTED = 20


def _entity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--entity", default="", metavar="名称", help="评价对象（默认第一个）")


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("file", metavar="FILE", help="问卷平台导出的答卷：.xlsx 或 .csv（UTF-8、带 BOM 或 GB18030）")
    p.add_argument("--dry-run", action="store_true", help="只检查并计算，不保存")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    _entity(p)
    p.add_argument("--questionnaire", metavar="FILE.toml", help="问卷文件（默认内置问卷）")
    p.add_argument("--map", action="append", default=[], metavar="列=题号",
                   help="指定某列对应的题号（列可写表头文字、列字母如 F 或列序号如 #6；题号也可写“忽略”“编号”“用时”），可多次指定")
    p.add_argument("--mapping", metavar="FILE", help="列对应文件：每行“列=题号”（或两列 CSV：列,题号）")


@command("survey import", "导入问卷平台导出的原始答卷：列对应、清洗、计分并保存", _import_args)
def cmd_survey_import(args: argparse.Namespace) -> int:
    """Exit 0: imported (or checked); 1: the file was refused; 2: the import could not run."""
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.workflow import surveyimport

    try:
        chosen = _mapping(args)
        with open_round(args.round_file, readonly=args.dry_run) as rnd:
            result = surveyimport.import_survey(rnd, args.file, entity=args.entity,
                                          questionnaire=args.questionnaire, mapping=chosen,
                                          dry_run=args.dry_run)
    except EvalError as exc:
        return import_not_run(exc, as_json=args.json, dry_run=args.dry_run)
    if args.json:
        print_json(result.to_json())
        return result.exit_code
    if result.error or result.result is None:
        err(f"已拒绝：{shown(result.error)}")
        return 1
    r = result.result
    done = "（试运行，未保存任何内容）检查" if args.dry_run else "已导入"
    out(f"{done}：{shown(result.file)}（{shown(result.entity)}），问卷“{r.questionnaire['title']}”"
        f"{r.questionnaire['version']} 版")
    _columns(r.columns, r.missing)
    _summary(r.to_json())
    return 0


def _mapping(args: argparse.Namespace) -> dict[str, str]:
    from jinan_eval_gui.collect.survey import parse_mapping
    from jinan_eval_gui.errors import SurveyFileError

    lines = list(args.map)
    if args.mapping:
        path = Path(args.mapping)
        try:
            data = path.read_bytes()[:1_000_000]
            text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else \
                _decode(data)
        except OSError as exc:
            raise SurveyFileError(f"无法读取列对应文件“{path.name}”（{exc.strerror}）") from exc
        lines = text.splitlines() + lines
    return parse_mapping(lines)


def _decode(data: bytes) -> str:
    from jinan_eval_gui.errors import SurveyFileError

    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SurveyFileError("列对应文件的文字编码无法识别", hint="请保存为 UTF-8 文本")


def _columns(columns: list[dict[str, Any]], missing: list[int]) -> None:
    """The review of the column mapping: what matched, what did not, what to do."""
    counts: dict[str, int] = {}
    for c in columns:
        counts[c["role"]] = counts.get(c["role"], 0) + 1
    special = [f"{label} {c['column']} 列“{shown(c['header'])}”" for c in columns
               for role, label in (("id", "答卷编号"), ("seconds", "作答用时")) if c["role"] == role]
    out(f"  列对应：{counts.get('question', 0)} 列对应题目" + (f"，{'，'.join(special)}" if special
                                                           else "")
        + (f"，忽略 {counts['ignored']} 列" if counts.get("ignored") else ""))
    for c in columns:
        if c["note"]:
            out(f"  [请核对] {c['column']} 列“{shown(c['header'][:40])}”：{shown(c['note'])}")
    unmatched = [c for c in columns if c["role"] == "unmatched"]
    if unmatched:
        out("  [未对应] 以下列没有对应问卷题目，未导入：")
        for c in unmatched:
            out(f"      {c['column']} 列“{shown(c['header'][:60])}”")
        out("      如需导入，请加上 --map 列=题号（如 --map "
            f"{unmatched[0]['column']}=5）或 --mapping 文件后重新导入；无需导入的列可写 =忽略")
    if missing:
        out("  问卷中没有对应列的题目：" + "、".join(f"第 {m} 题" for m in missing))


def _summary(data: dict[str, Any]) -> None:
    from jinan_eval_gui.workflow.surveyinput import sample_text

    out(f"  {sample_text(data)}")
    for e in data["excluded"][:_LISTED]:
        out(f"      第 {e['row']} 行：{shown(e['reason'])}")
    if len(data["excluded"]) > _LISTED:
        out(f"      ……另有 {len(data['excluded']) - _LISTED} 行（--json 列出全部）")
    ci = data["ci95"]
    interval = f"，95% 置信区间 {ci[0]:.2f} – {ci[1]:.2f}" if ci else ""
    score = "无（没有有效答卷）" if data["score"] is None else f"{data['score']:.2f}"
    out(f"  综合得分 {score}{interval}")
    for note in data.get("notes", []):
        out(f"  说明：{shown(note)}")


def _score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    _entity(p)


@command("survey score", "市民调查的满意度得分：样本、剔除、各维度和题目得分、95%% 置信区间", _score_args)
def cmd_survey_score(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import round_catalogue, survey

    with open_round(args.round_file, readonly=True) as rnd:
        entity = survey.resolve_entity(rnd, args.entity)
        state = survey.survey_state(rnd, round_catalogue(rnd), entity, save=False)
    if state is None:
        message = f"评价对象“{entity}”尚未导入市民调查答卷，也没有录入调查机构的综合得分"
        if args.json:
            print_json({"entity": entity, "error": message})
        else:
            err(f"{message}（jinan-eval survey import 或 survey set-score）")
        return 1
    data = state.to_json()
    if args.json:
        print_json(data)
        return 1 if state.error else 0
    if state.error:
        err(f"错误：{shown(state.error)}")
        return 1
    if state.record.kind == "score":
        out(f"{shown(entity)}：调查机构出具的综合得分 {state.record.score}（来源：{shown(state.record.source)}）")
        return 0
    out(f"{shown(entity)}：市民调查答卷“{shown(data['file'])}”")
    _summary(data)
    out("  各维度得分：")
    for d in data["dimensions"]:
        out(f"      {d['name']}：{'—' if d['score'] is None else format(d['score'], '.2f')}")
    lowest = sorted((q for q in data["questions"] if q["score"] is not None),
                    key=lambda q: q["score"])[:5]
    out("  得分最低的题目：")
    for q in lowest:
        out(f"      第 {q['id']} 题 {q['score']:.2f}（有效回答 {q['n']}）：{shown(q['text'][:40])}")
    return 0


def _sample_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.add_argument("--n", type=int, default=3000, help="受访者人数（默认 3000）")
    p.add_argument("--seed", type=int, default=2026, help="随机数起始值（取值相同则生成的模拟答卷相同）")
    p.add_argument("--questionnaire", metavar="FILE.toml", help="问卷文件（默认内置问卷）")


@command("survey sample", "生成模拟的问卷平台导出文件（含重复、过快、不完整、直线作答等问题答卷）",
         _sample_args)
def cmd_survey_sample(args: argparse.Namespace) -> int:
    from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
    from jinan_eval_gui.collect.survey import write_sample
    from jinan_eval_gui.workflow import round_catalogue

    if not 1 <= args.n <= 200_000:
        err("错误：--n 应在 1–200000 之间")
        return 2
    with open_round(args.round_file, readonly=True) as rnd:
        q = load_questionnaire(args.questionnaire, catalogue=round_catalogue(rnd))
    path = write_sample(q, args.out, args.n, seed=args.seed)
    out(f"已生成模拟答卷：{shown(path)}（{args.n} 份，UTF-8 CSV）")
    return 0


def _set_score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--score", required=True, metavar="分数", help="0–100 的综合得分，最多 2 位小数")
    p.add_argument("--source", required=True, metavar="来源", help="得分的出处，如调查机构和报告名称")
    _entity(p)


@command("survey set-score", "只有调查机构出具的综合得分时：录入该得分并注明来源", _set_score_args)
def cmd_survey_set_score(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import surveyimport

    with open_round(args.round_file) as rnd:
        surveyimport.set_survey_score(rnd, args.score, args.source, entity=args.entity)
    out(f"已录入市民调查综合得分 {args.score}（来源：{shown(args.source)}）")
    return 0


def _shares_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--set", action="append", default=[], metavar="属性=类别:比例,…",
                   help="录入一个属性的人口比例，如 性别=男:0.51,女:0.49（也可写百分数）；可多次指定")
    p.add_argument("--clear", action="append", default=[], metavar="属性", help="删除一个属性的人口比例")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    _entity(p)


@command("survey shares", "查看或录入事后分层加权所用的人口比例（区县、年龄段、性别）", _shares_args)
def cmd_survey_shares(args: argparse.Namespace) -> int:
    from jinan_eval_gui.errors import SurveyFileError
    from jinan_eval_gui.workflow import survey, surveyimport

    with open_round(args.round_file, readonly=not (args.set or args.clear)) as rnd:
        entity = survey.resolve_entity(rnd, args.entity)
        for item in args.set:
            attribute, _, rest = item.partition("=")
            pairs = [p.replace("：", ":").partition(":") for p in rest.replace("，", ",").split(",")
                     if p.strip()]
            if not attribute.strip() or not pairs or any(not sep for _k, sep, _v in pairs):
                raise SurveyFileError(f"人口比例“{item[:40]}”格式有误", hint="请写成 性别=男:0.51,女:0.49")
            surveyimport.set_shares(rnd, attribute.strip(),
                                    {k.strip(): v.strip() for k, _s, v in pairs}, entity=entity)
        for attribute in args.clear:
            surveyimport.set_shares(rnd, attribute.strip(), {}, entity=entity)
        shares = survey.ordered_shares(rnd, entity)
    if args.json:
        print_json({"entity": entity, "shares": {a: {k: float(v) for k, v in s.items()}
                                                 for a, s in shares.items()}})
        return 0
    if not shares:
        out(f"{shown(entity)}：尚未录入人口比例（市民调查不加权）")
    for attribute, values in shares.items():
        out(f"{shown(attribute)}：" + "，".join(f"{shown(k)} {v.normalize()}" for k, v in values.items()))
    return 0


def _clear_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--reason", required=True, metavar="原因")
    _entity(p)


@command("survey clear", "不再使用已导入的市民调查（指标 88 改用单位填报的综合得分；记入操作日志）",
         _clear_args)
def cmd_survey_clear(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import survey

    with open_round(args.round_file) as rnd:
        entity = survey.resolve_entity(rnd, args.entity)
        done = rnd.clear_survey(entity, args.reason)
    out("已停用市民调查" if done else f"{shown(entity)} 没有正在使用的市民调查")
    return 0


def _questionnaire_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--questionnaire", metavar="FILE.toml", help="问卷文件（默认内置问卷）")


@command("survey questionnaire", "导出问卷（Word，供印制或录入问卷平台）和答卷导入模板（Excel）",
         _questionnaire_args)
def cmd_survey_questionnaire(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import surveyforms

    for path in surveyforms.export_forms(args.out, questionnaire=args.questionnaire):
        out(f"已导出：{shown(path)}")
    return 0
