"""Commands of 以评促建: where the next points are, how robust the result is, unit scorecards."""

from __future__ import annotations

import argparse

from .base import command, err, open_round, out, print_json, progress, shown


def _analyze_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--runs", type=int, default=10_000, metavar="N",
                   help="稳健性模拟次数（默认 10000；0 表示不做模拟）")
    p.add_argument("--spread", type=float, default=0.2, metavar="S",
                   help="权重扰动幅度：平均大小的权重的相对标准差（默认 0.2，即约 ±20%%；0–0.5）")
    p.add_argument("--seed", type=int, default=1, metavar="N", help="随机数起始值（默认 1）")
    p.add_argument("--weights-only", action="store_true",
                   help="只扰动权重，评分口径保持本轮的选择（默认同时在各评分口径假设的可选读法间随机取用）")
    p.add_argument("--top", type=int, default=10, metavar="N", help="文字输出时列出的重点项数（默认 10）")


@command("analyze", "提分空间、各单位失分与评价结果稳健性分析", _analyze_args)
def cmd_analyze(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.workflow import analysis

    if not 0 <= args.spread <= 0.5:
        err("错误：--spread 应在 0 到 0.5 之间（如 0.2 表示平均大小的权重上下浮动约 20%）")
        return 2
    if not 0 <= args.runs <= 1_000_000:
        err("错误：--runs 应在 0 到 1000000 之间")
        return 2
    with open_round(args.round_file, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        result = analysis.analyze(rnd, runs=args.runs, spread=args.spread, seed=args.seed,
                                  vary_assumptions=not args.weights_only,
                                  progress=None if args.json else progress)
    if args.json:
        print_json(result.to_json(cat))
        return 0
    for entity, a in result.entities.items():
        _print_entity(entity, a, args.top, cat)
    return 0


def _print_entity(entity: str, a, top: int, cat) -> None:
    p = a.priorities
    d = p.decomposition
    out(f"{shown(entity)}：综合得分 {p.results.total}；距满分 {float(d.available):.2f} 分"
        f"（不经逐级取整的总分 {float(d.total):.4f}）")
    out(f"提分空间最大的 {min(top, len(p.ranked))} 项三级指标：")
    for n, item in enumerate(p.ranked[:top], 1):
        out(f"  {n}. 指标 {item.id} {item.name}（{item.level1}，得分 {item.score}）："
            f"{float(item.points):.2f} 分；责任单位：{shown(item.unit_text)}")
        lever = p.lever(item.id)
        if lever is not None:
            out(f"     {shown(lever.text())}")
    if p.gaps:
        out(f"缺报或数据有误的指标 {len(p.gaps)} 项（须先补报，不作为建设短板）："
            + "、".join(f"{g.id}（{float(g.points):.2f} 分）" for g in p.gaps))
    out("各责任单位的提分空间（共担指标各计一次）：")
    for u in p.units(cat)[:top]:
        out(f"  {shown(u.unit)}：{float(u.points):.2f} 分，指标 "
            + "、".join(str(i.id) for i in u.items))
    r = a.robustness
    if r is not None:
        t = r.total
        varied = f"，并在 {len(r.assumptions)} 项评分口径假设的可选读法间随机取用" if r.assumptions else ""
        out(f"稳健性（{r.runs} 次模拟，权重相对标准差 {r.spread:.0%}{varied}）：综合得分中位数 {t.median}，"
            f"90% 区间 {t.p05}–{t.p95}（正式结果 {t.official}）")
        if r.rank is not None:
            out(f"  排名：正式第 {r.rank.official} 位，90% 区间第 {r.rank.p05}–{r.rank.p95} 位")
        for drv in r.drivers[:5]:
            out(f"  影响较大：{drv.label}（方差贡献约 {drv.share * 100:.0f}%）")
    for s in a.scenarios:
        out(f"已保存的试算情景“{shown(s.name)}”：综合得分 {s.total}（{s.delta:+.2f}）")


def _scorecards_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--unit", metavar="单位", help="只生成该单位的反馈单（默认全部单位）")
    p.add_argument("--compare", metavar="EARLIER_ROUND", help="上一年度评价轮次文件（列出上年得分和变化）")
    p.add_argument("--format", action="append", choices=("docx", "pdf", "xlsx"),
                   help="只生成指定格式，可多次指定（默认 Word、PDF 和 Excel 汇总）")


@command("scorecards", "生成各责任单位的部门评价反馈单（Word、PDF）和 Excel 汇总", _scorecards_args)
def cmd_scorecards(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow.scorecards import write_scorecards

    with open_round(args.round_file, readonly=True) as rnd:
        files = write_scorecards(rnd, args.out, unit=args.unit, compare=args.compare,
                                 formats=tuple(args.format or ("docx", "pdf", "xlsx")),
                                 progress=progress)
    for f in files:
        out(f"已生成：{shown(f)}")
    out(f"共生成 {len(files)} 个文件")
    return 0
