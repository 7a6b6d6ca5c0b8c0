"""Command line ``jinan-eval``: every step of the yearly evaluation, scriptable.

Start-up must stay fast (``--help`` well under 0.3 s), so each command imports the core
modules it needs inside its handler. Errors from the core (:class:`EvalError`) are printed as
their Chinese message; anything unexpected is logged to a file whose path is printed, never
shown as a traceback. Exit codes: 0 success, 1 a file was rejected or has errors, 2 misuse.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__

# argparse's own texts in Chinese: argparse looks ``_`` up at call time.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "expected one argument": "需要一个参数值",
    "invalid %(type)s value: %(value)r": "无效的值 %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "show program's version number and exit": "显示版本号并退出",
    "expected at least one argument": "至少需要一个参数值",
}


def _zh(text: str) -> str:
    return _ARGPARSE_ZH.get(text, text)


argparse._ = _zh  # type: ignore[attr-defined]

Handler = Callable[[argparse.Namespace], int]


def _out(text: str = "") -> None:
    print(text, flush=True)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# ---------------------------------------------------------------------------------------
# catalog
# ---------------------------------------------------------------------------------------
def cmd_catalog_show(args: argparse.Namespace) -> int:
    from . import catalogue

    cat = catalogue.load(args.catalogue)
    if args.json:
        _print_json(cat.to_contract())
        return 0
    _out(f"{cat.title}（版本 {cat.version}，校验值 {cat.hash[:12]}）")
    _out(f"一级指标 {len(cat.level1)} 项，二级指标 {len(cat.level2)} 项，"
         f"三级指标 {len(cat.indicators)} 项，责任单位 {len(cat.units)} 个")
    for l1 in cat.level1:
        note = "（扣分制，不占权重）" if l1.kind == "deduction" else f"（{_w(l1.weight)}）"
        _out(f"{l1.name}{note}")
        for l2 in cat.level2_of(l1.id):
            _out(f"  {l2.name}（{_w(l2.weight)}）")
            for ind in cat.indicators_of(l2.id):
                units = "、".join(cat.units_of(ind)) if not ind.all_units else "各有关部门"
                _out(f"    {ind.id:>2}. {ind.name}（{_w(ind.weight)}）  —— {units}")
    return 0


def _w(weight: Any) -> str:
    return "——" if weight is None else f"{weight}%"


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from . import catalogue

    cat = catalogue.load(args.file)
    _out(f"指标体系校验通过：{cat.title}（版本 {cat.version}）")
    _out(f"一级指标 {len(cat.level1)} 项，二级指标 {len(cat.level2)} 项，"
         f"三级指标 {len(cat.indicators)} 项；校验值 {cat.hash}")
    return 0


# ---------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, help_text: str) -> Callable[[Callable[[argparse.ArgumentParser], None]],
                                                   Callable[[argparse.ArgumentParser], None]]:
    """Register a sub-command's argument builder; its handler is ``cmd_<name>``."""

    def register(build: Callable[[argparse.ArgumentParser], None]):
        COMMANDS[name] = (help_text, build, globals()["cmd_" + name.replace("-", "_")])
        return build

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jinan-eval", description="济南市新型智慧城市评价工具（命令行）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")

    catalog = sub.add_parser("catalog", help="查看或校验指标体系")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", metavar="子命令", required=True)
    show = catalog_sub.add_parser("show", help="以树形显示指标体系及权重")
    show.add_argument("--json", action="store_true", help="输出 JSON（88 项三级指标）")
    show.add_argument("--catalogue", metavar="路径", help="指标体系文件或文件夹（默认内置）")
    show.set_defaults(handler=cmd_catalog_show)
    check = catalog_sub.add_parser("check", help="校验指标体系文件")
    check.add_argument("file", metavar="FILE", help="指标体系文件或文件夹")
    check.set_defaults(handler=cmd_catalog_check)

    for name, (help_text, build, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        build(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return run_handler(args.handler, args)


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    """Run a command, turning every failure into a Chinese message and an exit code."""
    from .errors import EvalError

    try:
        return handler(args)
    except EvalError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - the last line of defence: log, never a traceback
        from .logs import log_exception

        log_path = log_exception("cli")
        print(f"程序内部错误，详细信息已写入日志文件：{log_path}\n请将该文件发送给技术支持人员。",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
