"""``jinan-eval values export|import``: a round's values as a table, in and out.

``score --values FILE`` (in :mod:`.results`) scores such a table without a round.
"""

from __future__ import annotations

import argparse
from typing import Any

from .base import command, err, group, import_not_run, open_round, out, print_json, progress, shown

group("values", "数据表：导出本轮次的填报数据，或导入第三方机构、审计等提供的数据")


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="输出文件：.json、.xlsx 或 .csv（按扩展名决定格式）")


@command("values export", "导出评分所用的全部填报数据、评价参数和假设选择（数据表）", _export_args)
def cmd_values_export(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import values

    with open_round(args.round_file, readonly=True) as rnd:
        path = values.export_values(rnd, args.out)
    out(f"已导出数据表：{shown(path)}")
    return 0


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("file", metavar="FILE", help="数据表：.json、.xlsx 或 .csv")
    p.add_argument("--dry-run", action="store_true", help="只校验并报告，不保存")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--source", default="", metavar="名称",
                   help="数据来源，如“第三方评估机构”“审计”（默认“外部数据”）；"
                        "未注明填报单位的值记在“数据表：名称”名下")
    p.add_argument("--apply-settings", action="store_true",
                   help="同时采用文件中与本轮次不同的评价参数、假设选择和专家评分（默认只列出差异）")
    p.add_argument("--compare", metavar="EARLIER_ROUND",
                   help="上一年度评价轮次文件：与其已接受的数据相比变动过大时给出警告")


@command("values import", "导入数据表（与回传文件同样校验，与单位填报不一致时登记数据冲突）",
         _import_args)
def cmd_values_import(args: argparse.Namespace) -> int:
    """Exit 0: imported (or unchanged) without errors; 1: refused or with errors; 2: the import
    could not run (round file missing, locked or damaged, a wrong --source)."""
    from jinan_eval_gui.collect.importer import SEVERITY_LABELS
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.workflow import values

    try:
        with open_round(args.round_file, readonly=args.dry_run) as rnd:
            result = values.import_values(
                rnd, args.file, dry_run=args.dry_run, source=args.source,
                apply_settings=args.apply_settings, previous_round=args.compare,
                progress=None if args.json else progress)
    except EvalError as exc:
        return import_not_run(exc, as_json=args.json, dry_run=args.dry_run)
    if args.json:
        print_json(result.to_json())
        return result.exit_code
    if result.error:
        err(f"已拒绝：{result.error}")
        return result.exit_code
    for f in result.files:
        out(f"{f.status_label}：{shown(f.path.name)}（{shown(f.entity)} {shown(f.unit)}）")
        for d in f.diffs:
            out(f"    变更 指标 {d.indicator_id}“{shown(d.label)}”："
                f"{shown(d.old) if d.old else '（空）'} → {shown(d.new) if d.new else '（空）'}")
        for x in f.findings:
            where = shown("，".join(p for p in (x.sheet, x.cell) if p))
            typed = f"（填写：{shown(x.value)}）" if x.value else ""
            out(f"    [{SEVERITY_LABELS[x.severity]}] {where + '：' if where else ''}"
                f"{shown(x.message)}{typed}")
    _settings(result.changes, args.dry_run)
    c = result.report.counts() if result.report else {}
    errors = sum(f.count("error") for f in result.files)
    warnings = sum(f.count("warning") for f in result.files)
    prefix = "（试运行，未保存任何内容）" if args.dry_run else ""
    out(f"{prefix}合计：导入 {c.get('imported', 0)}、更新 {c.get('updated', 0)}、"
        f"未变化 {c.get('unchanged', 0)}、拒绝 {c.get('rejected', 0)}；"
        f"错误 {errors} 处，警告 {warnings} 处")
    return result.exit_code


def _settings(changes: list[Any], dry_run: bool) -> None:
    """Parameters, choices and expert scores where the file differs from the round."""
    if not changes:
        return
    out("文件中与本轮次不同的设置：")
    for c in changes:
        state = "已采用" if c.applied else "未采用"
        out(f"    [{state}] {c.kind}“{shown(c.label)}”：本轮次 {shown(c.current) or '（无）'}，"
            f"文件 {shown(c.given)}")
    if not any(c.applied for c in changes) and not dry_run:
        out("如需采用，请加上 --apply-settings 重新导入（会记入操作日志）。")


def score_from_values(args: argparse.Namespace) -> dict[str, Any]:
    """``score --values FILE``: the file's scores; what checking found goes to stderr."""
    from jinan_eval_gui import catalogue
    from jinan_eval_gui.workflow import values

    cat = catalogue.load(args.catalogue) if args.catalogue else None
    scored = values.score_values(args.values, catalogue=cat)
    problems = [(f, x) for f in scored.files for x in f.findings if x.severity == "error"]
    if problems:
        err(f"数据表中有 {len(problems)} 处错误，相应的值未计入评分：")
        for f, x in problems[:20]:
            where = shown("，".join(p for p in (x.sheet, x.cell) if p))
            err(f"    [{shown(f.entity)}] {where + '：' if where else ''}{shown(x.message)}")
        if len(problems) > 20:
            err(f"    ……另有 {len(problems) - 20} 处（用 jinan-eval values import --dry-run 查看全部）")
    return scored.results
