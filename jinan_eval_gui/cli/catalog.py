"""``jinan-eval catalog show|check``: the indicator system as the tool reads it."""

from __future__ import annotations

import argparse

from .base import command, group, out, print_json, shown, weight_text

group("catalog", "查看或校验指标体系")


def _show_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="输出 JSON（88 项三级指标）")
    p.add_argument("--catalogue", metavar="路径", help="指标体系文件或文件夹（默认内置）")


@command("catalog show", "以树形显示指标体系及权重", _show_args)
def cmd_catalog_show(args: argparse.Namespace) -> int:
    from jinan_eval_gui import catalogue

    cat = catalogue.load(args.catalogue)
    if args.json:
        print_json(cat.to_contract())
        return 0
    out(f"{cat.title}（版本 {cat.version}，校验值 {cat.hash[:12]}）")
    out(f"一级指标 {len(cat.level1)} 项，二级指标 {len(cat.level2)} 项，"
        f"三级指标 {len(cat.indicators)} 项，责任单位 {len(cat.units)} 个")
    for l1 in cat.level1:
        note = "（扣分制，不占权重）" if l1.kind == "deduction" else f"（{weight_text(l1.weight)}）"
        out(f"{l1.name}{note}")
        for l2 in cat.level2_of(l1.id):
            out(f"  {l2.name}（{weight_text(l2.weight)}）")
            for ind in cat.indicators_of(l2.id):
                units = "、".join(cat.units_of(ind)) if not ind.all_units else "各有关部门"
                out(f"    {ind.id:>2}. {ind.name}（{weight_text(ind.weight)}）  —— {units}")
    return 0


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="指标体系文件或文件夹")


@command("catalog check", "校验指标体系文件", _check_args)
def cmd_catalog_check(args: argparse.Namespace) -> int:
    from jinan_eval_gui import catalogue

    cat = catalogue.load(args.file)
    out(f"指标体系校验通过：{shown(cat.title)}（版本 {shown(cat.version)}）")
    out(f"一级指标 {len(cat.level1)} 项，二级指标 {len(cat.level2)} 项，"
        f"三级指标 {len(cat.indicators)} 项；校验值 {cat.hash}")
    return 0
