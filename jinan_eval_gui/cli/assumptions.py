"""``jinan-eval assumptions``: review, switch and confirm the round's 评分口径假设, export the 确认单."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import command, group, open_round, out, print_json

group("assumptions", "查看、选择和确认评分口径假设，导出评分口径确认单", default="list")


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("assumptions list", "列出全部评分口径假设及其确认情况（默认）", _list_args)
def cmd_assumptions_list(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import assumptions

    with open_round(args.round_file, readonly=True) as rnd:
        statuses = assumptions.register(rnd)
        info = rnd.info
    pending = assumptions.unconfirmed(statuses)
    if args.json:
        print_json({"round": info.name, "final": not pending,
                    "assumptions": [s.to_json() for s in statuses]})
        return 0
    for s in statuses:
        a = s.assumption
        out(f"[{a.id}] {a.category}｜{a.title}")
        out(f"    当前选择：{s.choice.label}（{s.origin}）；状态：{s.state}"
            + (f"，{s.confirmed_by} 于 {s.confirmed_at} 确认" if s.confirmed_by else ""))
        for p in s.params:
            out(f"    参数：{p.label} = {p.value}" + ("" if p.value == p.default
                                                  else f"（默认 {p.default}）"))
        if len(a.choices) > 1:
            out("    可选：" + "；".join(f"{n} = {c.label}" for n, c in enumerate(a.choices, 1)))
    out(f"共 {len(statuses)} 项，已确认 {len(statuses) - len(pending)} 项，"
        f"待确认 {len(pending)} 项" + ("；全部确认前评估报告为“征求意见稿”" if pending else "。"))
    return 0


def _confirm_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("ids", nargs="*", metavar="ID", help="评分口径假设编号，如 G1 A77")
    p.add_argument("--all", action="store_true", help="确认全部假设（按当前选择）")
    p.add_argument("--by", required=True, metavar="姓名", help="确认人")
    p.add_argument("--choice", metavar="编号", help="先改为该可选项（列表中的编号，如 2）再确认，只能用于一项假设")
    p.add_argument("--note", default="", metavar="说明", help="确认意见或依据")


@command("assumptions confirm", "确认评分口径假设（记录确认人、时间和说明）", _confirm_args)
def cmd_assumptions_confirm(args: argparse.Namespace) -> int:
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.workflow import assumptions

    if args.all == bool(args.ids):
        raise EvalError("请列出要确认的评分口径假设编号，或用 --all 确认全部（二者选一）")
    if args.choice and (args.all or len(args.ids) != 1):
        raise EvalError("--choice 只能与一个编号同时使用")
    with open_round(args.round_file) as rnd:
        ids = [s.assumption.id for s in assumptions.register(rnd)] if args.all else args.ids
        done = assumptions.confirm(rnd, ids, by=args.by, choice=args.choice, note=args.note)
        pending = assumptions.unconfirmed(assumptions.register(rnd))
    for s in done:
        out(f"已确认 [{s.assumption.id}] {s.assumption.title}：{s.choice.label}")
    out(f"尚待确认 {len(pending)} 项" if pending else "全部评分口径假设均已确认，评估报告将作为正式稿导出。")
    return 0


def _choose_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("id", metavar="ID", help="评分口径假设编号")
    p.add_argument("--choice", required=True, metavar="编号", help="可选项编号（见 assumptions 列表，如 2）")
    p.add_argument("--reason", default="", metavar="说明", help="改选的原因")


@command("assumptions choose", "改选评分口径假设（原确认失效），并显示对总分的影响", _choose_args)
def cmd_assumptions_choose(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import assumptions

    with open_round(args.round_file) as rnd:
        effects = assumptions.preview(rnd, args.id, args.choice)
        status = assumptions.choose(rnd, args.id, args.choice, reason=args.reason)
    out(f"[{status.assumption.id}] 已改为：{status.choice.label}（状态：{status.state}）")
    for e in effects:
        out(f"  {e.entity}：总分 {e.total_before} → {e.total_after}（{e.delta:+}）")
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")


@command("assumptions export", "导出评分口径确认单（Word 和 Excel），供签字确认", _export_args)
def cmd_assumptions_export(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    with open_round(args.round_file, readonly=True) as rnd:
        files = workflow.export_signoff(rnd, Path(args.out))
    for f in files:
        out(f"已导出：{f}")
    return 0
