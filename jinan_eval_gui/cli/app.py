"""Commands about the program itself: the demo, the self-test, the window."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import command, out


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="demo-output", metavar="DIR", help="输出文件夹")


@command("demo", "用内置模拟数据演示完整流程", _demo_args)
def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from jinan_eval_gui import workflow

    start = time.perf_counter()
    out(f"演示：在“{Path(args.out).resolve()}”中用模拟数据运行完整流程")
    files = workflow.run_demo(args.out, log=out)
    out(f"完成，用时 {time.perf_counter() - start:.1f} 秒。生成的文件：")
    for f in files:
        out(f"  {f}")
    return 0


def _selftest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="保留生成的文件到此文件夹（默认用临时文件夹，结束后删除）")
    p.add_argument("--gui", action="store_true", help="同时在后台启动 Qt 并加载全部界面文件（不显示窗口）")


@command("selftest", "自检：在临时文件夹中运行完整流程并检查每一步的结果", _selftest_args)
def cmd_selftest(args: argparse.Namespace) -> int:
    from jinan_eval_gui import selftest

    return selftest.run(args.out, gui=args.gui)


def _gui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", nargs="?", metavar="ROUND_FILE")


@command("gui", "打开图形界面", _gui_args)
def cmd_gui(args: argparse.Namespace) -> int:
    from jinan_eval_gui.gui.app import main as gui_main

    return gui_main([args.round_file] if args.round_file else [])
