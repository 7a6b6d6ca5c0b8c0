"""Commands that turn the round into results: scores, the scoring workbook and the reports."""

from __future__ import annotations

import argparse

from .base import command, err, open_round, out, print_json, progress, shown, weight_text


def _score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE", nargs="?")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--values", metavar="FILE",
                   help="不用评价轮次，直接对数据表（.json、.xlsx 或 .csv）计算评分")
    p.add_argument("--catalogue", metavar="路径", help="与 --values 同用：指标体系文件或文件夹（默认内置）")


@command("score", "按已接受的数据计算评分（或对数据表计算评分）", _score_args)
def cmd_score(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    if bool(args.values) == bool(args.round_file) or (args.catalogue and not args.values):
        err("错误：请指定评价轮次文件，或用 --values 指定数据表（二者选一；--catalogue 只能与 --values 同用）")
        return 2
    if args.values:
        from .values import score_from_values

        results = score_from_values(args)
    else:
        with open_round(args.round_file) as rnd:
            results = workflow.score_round(rnd)
    if args.json:
        data = [r.to_json() for r in results.values()]
        print_json(data[0] if len(data) == 1 else {"entities": data})
        return 0
    for entity, r in results.items():
        out(f"{shown(entity)}：总分 {r.total}（加权合计 {r.subtotal}，信息安全扣分 {r.deductions}）")
        for g in r.level1:
            score = "扣分制" if g.score is None else str(g.score)
            out(f"  {g.name}（{weight_text(g.weight)}）：{score}")
        odd = [x for x in r.indicators.values() if x.status != "ok"]
        for x in odd:
            out(f"    指标 {x.id} {x.name}：{x.status_label}，{x.score} 分"
                 + (f"（{shown('；'.join(x.messages))}）" if x.messages else ""))
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--compare", metavar="EARLIER_ROUND", help="上一年度评价轮次文件（同比）")
    p.add_argument("--format", action="append", choices=("xlsx", "docx", "pdf"),
                   help="只导出指定格式，可多次指定")
    p.add_argument("--per-entity", action="store_true",
                   help="有多个评价对象时，除综合报告外再为每个评价对象单独生成一份报告")


@command("export", "导出评分表（Excel）与评估报告（Word、PDF）", _export_args)
def cmd_export(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    with open_round(args.round_file) as rnd:
        gaps = workflow.export_warnings(rnd)
        if gaps:
            err("注意：数据尚不完整，评估报告将在首页说明：")
            for line in gaps:
                err(f"  {line}")
        files = workflow.export_all(rnd, args.out, formats=args.format or ("xlsx", "docx", "pdf"),
                                    compare=args.compare, progress=progress,
                                    per_entity=args.per_entity)
    for f in files:
        out(f"已导出：{shown(f)}")
    return 0
