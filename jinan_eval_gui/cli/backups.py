"""``jinan-eval restore ROUND [--list] [--from BACKUP]``: the round's automatic backups."""

from __future__ import annotations

import argparse

from .base import command, out, shown


def _restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--list", action="store_true", help="列出自动备份（默认）")
    p.add_argument("--from", dest="source", metavar="备份",
                   help="要恢复的备份：--list 中的编号（1 为最新）、备份文件名或路径")


@command("restore", "查看自动备份，或把评价轮次恢复到某个备份", _restore_args)
def cmd_restore(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    if args.source and not args.list:
        done = workflow.backups.restore(args.round_file, args.source)
        out(f"已恢复：“{shown(done.path.name)}”现为备份“{shown(done.source.name)}”的内容"
            f"（{shown(done.name)}，{done.year} 年度）")
        if done.saved is not None:
            out(f"恢复前的文件已另存为：{shown(done.saved)}")
        return 0
    backups = workflow.backups.backups(args.round_file)
    folder = workflow.backups.backup_folder(args.round_file)
    if not backups:
        out(f"“{shown(args.round_file)}”还没有自动备份（每次导入和导出前自动备份到文件夹"
            f"“{shown(folder)}”）")
        return 0
    out(f"“{shown(args.round_file)}”的自动备份（文件夹“{shown(folder)}”，保留最近 "
        f"{workflow.backups.KEEP} 个）：")
    out("编号\t备份时间\t\t\t原因\t大小\t文件名")
    for n, b in enumerate(backups, 1):
        out(f"{n}\t{b.created:%Y-%m-%d %H:%M:%S}\t{shown(b.reason)}\t{_size(b.size)}\t"
            f"{shown(b.path.name)}")
    if not args.list:
        out("要恢复，请加上 --from 编号，例如：jinan-eval restore "
            f"\"{shown(args.round_file)}\" --from 1（恢复前会先备份当前文件）")
    return 0


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1 << 20 else f"{size / (1 << 20):.1f} MB"
