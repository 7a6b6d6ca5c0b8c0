"""The parser built from the registered commands, and the one place failures become messages."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jinan_eval_gui import __version__

from . import app, catalog, results, rounds
from .base import COMMANDS, GROUPS, Handler

MENU = (catalog, rounds, results, app)
"""The command modules in the order ``--help`` lists their commands (the order of the year)."""


def build_parser() -> argparse.ArgumentParser:
    """``jinan-eval`` with every registered command (groups hold their sub-commands)."""
    parser = argparse.ArgumentParser(
        prog="jinan-eval", description="济南市新型智慧城市评价工具（命令行）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    groups: dict[str, argparse._SubParsersAction] = {}
    position = {module.__name__: i for i, module in enumerate(MENU)}
    ordered = sorted(COMMANDS.items(), key=lambda item: position[item[1].handler.__module__])
    for name, cmd in ordered:
        head, _, tail = name.partition(" ")
        target = sub
        if tail:
            if head not in groups:
                help_text, _default = GROUPS[head]
                parent = sub.add_parser(head, help=help_text)
                groups[head] = parent.add_subparsers(dest=f"{head}_command", metavar="子命令",
                                                     required=True)
            target = groups[head]
        p = target.add_parser(tail or head, help=cmd.help)
        cmd.build(p)
        p.set_defaults(handler=cmd.handler)
    return parser


def _with_default_subcommand(argv: list[str]) -> list[str]:
    """``jinan-eval GROUP ARG…`` runs the group's default sub-command when none is named."""
    if not argv or argv[0] not in GROUPS:
        return argv
    default = GROUPS[argv[0]][1]
    subs = {name.partition(" ")[2] for name in COMMANDS if name.startswith(argv[0] + " ")}
    if default and (len(argv) == 1 or argv[1] not in subs | {"-h", "--help"}):
        return [argv[0], default, *argv[1:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``jinan-eval``; returns the exit code."""
    if getattr(sys, "frozen", False):  # worker processes of the frozen app start here
        import multiprocessing

        multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(_with_default_subcommand(list(sys.argv[1:] if argv is None
                                                           else argv)))
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return run_handler(args.handler, args)


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    """Run a command, turning every failure into a Chinese message and an exit code."""
    from jinan_eval_gui.errors import EvalError

    try:
        return handler(args)
    except EvalError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - the last line of defence: log, never a traceback
        from jinan_eval_gui.system.logs import log_exception

        log_path = log_exception("cli")
        print(f"程序内部错误，详细信息已写入日志文件：{log_path}\n请将该文件发送给技术支持人员。",
              file=sys.stderr)
        return 1
