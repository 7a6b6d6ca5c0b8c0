"""Commands that turn the round into results: scores, the scoring workbook and the reports."""

from __future__ import annotations

import argparse

from .base import command, open_round, out, print_json, progress, weight_text


def _score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("score", "按已接受的数据计算评分", _score_args)
def cmd_score(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    with open_round(args.round_file) as rnd:
        results = workflow.score_round(rnd)
    if args.json:
        data = [r.to_json() for r in results.values()]
        print_json(data[0] if len(data) == 1 else {"entities": data})
        return 0
    for entity, r in results.items():
        out(f"{entity}：总分 {r.total}（加权合计 {r.subtotal}，信息安全扣分 {r.deductions}）")
        for g in r.level1:
            score = "扣分制" if g.score is None else str(g.score)
            out(f"  {g.name}（{weight_text(g.weight)}）：{score}")
        odd = [x for x in r.indicators.values() if x.status != "ok"]
        for x in odd:
            out(f"    指标 {x.id} {x.name}：{x.status_label}，{x.score} 分"
                 + (f"（{'；'.join(x.messages)}）" if x.messages else ""))
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
        files = workflow.export_all(rnd, args.out, formats=args.format or ("xlsx", "docx", "pdf"),
                                    compare=args.compare, progress=progress,
                                    per_entity=args.per_entity)
    for f in files:
        out(f"已导出：{f}")
    return 0
