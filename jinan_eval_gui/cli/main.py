"""The parser built from the registered commands, and the one place failures become messages."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from jinan_eval_gui import __version__

from . import (
    analysis,
    app,
    assumptions,
    backups,
    catalog,
    desk,
    results,
    rounds,
    survey,
    values,
)
from .base import COMMANDS, GROUPS, Handler, shown

MENU = (catalog, rounds, desk, values, survey, assumptions, results, analysis, backups, app)
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
    try:
        return _main(argv)
    except BrokenPipeError:  # ``jinan-eval --help | head``
        return _pipe_closed()


def _main(argv: Sequence[str] | None) -> int:
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
    """Run a command, turning every failure into a Chinese message and an exit code.

    Exit 1 with one line on stderr for: the core's errors (their own message), the machine
    refusing a file operation (disk full, no permission: said in Chinese), a round file that
    SQLite cannot read; anything else is logged to a file whose path is printed. Output
    piped into a program that stops reading (``| head``) ends quietly.
    """
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.system.logs import keep_tracebacks_off_screen
    from jinan_eval_gui.system.tempfiles import sweep_stale

    keep_tracebacks_off_screen()
    sweep_stale()  # temporary files of a run that was killed
    try:
        return handler(args)
    except BrokenPipeError:
        return _pipe_closed()
    except EvalError as exc:  # its text may quote a file: no control character gets through
        return _fail(f"错误：{shown(exc)}")
    except KeyboardInterrupt:
        return _fail("已取消。")
    except OSError as exc:  # the machine refused: not a bug, so no log
        from jinan_eval_gui.system import oserrors

        where = f"“{shown(exc.filename)}”" if exc.filename else ""
        return _fail(f"错误：文件操作失败{where}：{oserrors.describe(exc)}。{oserrors.remedy(exc)}")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: log, never a traceback
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError):
            return _fail(f"错误：评价轮次文件读写失败（{shown(exc)}）。请检查文件是否完整、磁盘是否已满；"
                         "如文件已损坏，可用“jinan-eval restore”恢复自动备份")
        from jinan_eval_gui.system.logs import log_exception

        log_path = log_exception("cli")
        if log_path is None:
            return _fail("程序内部错误（磁盘已满或不可写，未能写入日志文件）。请检查磁盘空间后重试。")
        return _fail(f"程序内部错误，详细信息已写入日志文件：{log_path}\n"
                     "请将该文件发送给技术支持人员。")


def _fail(message: str) -> int:
    """Print ``message`` on stderr and return exit code 1 (quietly if stderr is gone too)."""
    from .base import err

    try:
        err(message)
    except (BrokenPipeError, OSError, ValueError):
        pass
    return 1


def _pipe_closed() -> int:
    """The reader of our output went away: stop quietly (and keep Python's final flush quiet)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 1
