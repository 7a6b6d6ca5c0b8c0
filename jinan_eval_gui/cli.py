"""Command line ``jinan-eval``: every step of the yearly evaluation, scriptable.

Start-up must stay fast (``--help`` well under 0.3 s), so each command imports the core
modules it needs inside its handler. Errors from the core (:class:`EvalError`) are printed as
their Chinese message; anything unexpected is logged to a file whose path is printed, never
shown as a traceback. Exit codes: 0 success, 1 a file was rejected or has errors, 2 misuse.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
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


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, help_text: str) -> Callable[[Callable[[argparse.ArgumentParser], None]],
                                                   Callable[[argparse.ArgumentParser], None]]:
    """Register a sub-command's argument builder; its handler is ``cmd_<name>``."""

    def register(build: Callable[[argparse.ArgumentParser], None]):
        COMMANDS[name] = (help_text, build, lambda a: globals()["cmd_" + name.replace("-", "_")](a))
        return build

    return register


def _out(text: str = "") -> None:
    print(text, flush=True)


def _print_json(data: Any) -> None:
    import json  # not at module level: ``--help`` and most commands never need it

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
# rounds, templates, returns
# ---------------------------------------------------------------------------------------
def _progress(done: int, total: int, message: str) -> None:
    """Step-by-step progress on a terminal; silent when output goes to a file or a pipe."""
    if done < total and sys.stderr.isatty():
        print(f"  [{done + 1}/{total}] {message}", file=sys.stderr, flush=True)


def _open_round(path: str, *, readonly: bool = False):
    from .store import Round

    return Round.open(Path(path), readonly=readonly)


def cmd_new(args: argparse.Namespace) -> int:
    from . import workflow

    with workflow.create_round(args.round_file, year=args.year, name=args.name or "",
                               entities=args.entity or ()) as rnd:
        info = rnd.info
        _out(f"已新建评价轮次：{info.name}（{info.year} 年度）")
        _out(f"文件：{Path(args.round_file).resolve()}")
        _out(f"评价对象：{'、'.join(rnd.list_entities())}；指标体系版本 {info.catalogue_version}")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from . import workflow

    with _open_round(args.round_file) as rnd:
        made = workflow.issue_templates(
            rnd, args.out, units=args.unit or None, deadline=args.deadline or "",
            contact_person=args.contact or "", contact_phone=args.phone or "",
            progress=_progress)
    for t in made:
        _out(f"已生成：{t.path}（指标 {len(t.indicator_ids)} 项，填报项 {t.input_count} 个）")
    _out(f"共生成 {len(made)} 份数据采集表，输出文件夹：{Path(args.out).resolve()}")
    return 0


def cmd_sample_fill(args: argparse.Namespace) -> int:
    from .collect import samplefill

    files = samplefill.sample_fill(args.in_dir, args.out, args.seed, args.blank_share,
                                   args.mistake_share)
    for f in files:
        _out(f"已填写：{f}")
    _out(f"共模拟填写 {len(files)} 份，输出文件夹：{Path(args.out).resolve()}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0: every file imported (or unchanged) without errors; 1: a file was rejected or has
    errors; 2: the import could not run (round file missing, locked or damaged)."""
    from jinan_eval_gui.collect.importer import SEVERITY_LABELS

    from . import workflow
    from .errors import EvalError

    try:
        with _open_round(args.round_file, readonly=args.dry_run) as rnd:
            report = workflow.import_files(rnd, args.files, dry_run=args.dry_run,
                                           progress=None if args.json else _progress,
                                           previous_round=args.compare)
    except EvalError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if args.json:
            _print_json({"dry_run": args.dry_run, "error": str(exc), "files": []})
        return 2
    if args.json:
        _print_json(report.to_json())
        return report.exit_code
    for f in report.files:
        who = f"{f.entity} {f.unit}".strip()
        _out(f"{f.status_label}：{f.path.name}{'（' + who + '）' if who else ''}")
        for d in f.diffs:
            where = f"{d.cell} " if d.cell else ""
            _out(f"    变更 {where}指标 {d.indicator_id}“{d.label}”：{d.old or '（空）'} → "
                 f"{d.new or '（空）'}")
        for x in f.findings:
            where = "，".join(p for p in (x.sheet, x.cell) if p)
            typed = f"（填写：{x.value}）" if x.value else ""
            _out(f"    [{SEVERITY_LABELS[x.severity]}] {where + '：' if where else ''}{x.message}"
                 f"{typed}")
    c = report.counts()
    errors = sum(f.count("error") for f in report.files)
    warnings = sum(f.count("warning") for f in report.files)
    prefix = "（试运行，未保存任何内容）" if args.dry_run else ""
    _out(f"{prefix}合计：导入 {c['imported']}、更新 {c['updated']}、未变化 {c['unchanged']}、"
         f"拒绝 {c['rejected']}；错误 {errors} 处，警告 {warnings} 处")
    return report.exit_code


def cmd_status(args: argparse.Namespace) -> int:
    from . import workflow

    with _open_round(args.round_file, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        rows = workflow.collection_status(rnd, cat)
        complete = {e: workflow.indicator_completeness(rnd, e, cat) for e in rnd.list_entities()}
    if args.json:
        _print_json({
            "units": [{"entity": r.entity, "unit": r.unit, "issued": r.issued,
                       "returned": r.returned, "errors": r.errors, "warnings": r.warnings,
                       "accepted": r.accepted, "status": r.label} for r in rows],
            "indicators": [{"entity": e, "id": i, "complete": ok}
                           for e, by_id in complete.items() for i, ok in by_id.items()],
        })
        return 0
    _out(f"{'评价对象':<6}\t{'单位':<16}\t下发\t回收\t错误\t警告\t状态")
    for r in rows:
        _out(f"{r.entity}\t{r.unit:<16}\t{'是' if r.issued else '否'}\t"
             f"{'是' if r.returned else '否'}\t{r.errors}\t{r.warnings}\t{r.label}")
    for entity, by_id in complete.items():
        missing = [str(i) for i, ok in by_id.items() if not ok]
        _out(f"{entity}：数据完整的指标 {len(by_id) - len(missing)}/{len(by_id)} 项"
             + (f"；不完整：{'、'.join(missing)}" if missing else ""))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from . import workflow

    with _open_round(args.round_file) as rnd:
        results = workflow.score_round(rnd)
    if args.json:
        data = [r.to_json() for r in results.values()]
        _print_json(data[0] if len(data) == 1 else {"entities": data})
        return 0
    for entity, r in results.items():
        _out(f"{entity}：总分 {r.total}（加权合计 {r.subtotal}，信息安全扣分 {r.deductions}）")
        for g in r.level1:
            score = "扣分制" if g.score is None else str(g.score)
            _out(f"  {g.name}（{_w(g.weight)}）：{score}")
        odd = [x for x in r.indicators.values() if x.status != "ok"]
        for x in odd:
            _out(f"    指标 {x.id} {x.name}：{x.status_label}，{x.score} 分"
                 + (f"（{'；'.join(x.messages)}）" if x.messages else ""))
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from . import workflow

    with _open_round(args.round_file, readonly=True) as rnd:
        path = workflow.feedback(rnd, args.unit, args.out, entity=args.entity)
    _out(f"已生成反馈表：{path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import workflow

    with _open_round(args.round_file) as rnd:
        files = workflow.export_all(rnd, args.out, formats=args.format or ("xlsx", "docx", "pdf"),
                                    compare=args.compare, progress=_progress,
                                    per_entity=args.per_entity)
    for f in files:
        _out(f"已导出：{f}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from . import workflow

    start = time.perf_counter()
    _out(f"演示：在“{Path(args.out).resolve()}”中用模拟数据运行完整流程")
    files = workflow.run_demo(args.out, log=_out)
    _out(f"完成，用时 {time.perf_counter() - start:.1f} 秒。生成的文件：")
    for f in files:
        _out(f"  {f}")
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    from . import selftest

    return selftest.run(args.out, gui=args.gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from jinan_eval_gui.gui.app import main as gui_main

    return gui_main([args.round_file] if args.round_file else [])


@command("new", "新建评价轮次文件（.jeval）")
def _new_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE", help="评价轮次文件路径，如 2026年度.jeval")
    p.add_argument("--year", type=int, required=True, help="评价年度，如 2026")
    p.add_argument("--name", help="评价轮次名称（默认“YYYY年度济南市新型智慧城市评价”）")
    p.add_argument("--entity", action="append", metavar="名称",
                   help="评价对象，可多次指定（默认：济南市）")


@command("templates", "为各责任单位生成数据采集模板")
def _templates_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--unit", action="append", metavar="单位", help="只为指定单位生成，可多次指定")
    p.add_argument("--deadline", metavar="日期", help="填报截止日期，如 2027-01-31")
    p.add_argument("--contact", metavar="姓名", help="市智慧办联系人")
    p.add_argument("--phone", metavar="电话", help="联系电话")


@command("sample-fill", "用模拟数据填写模板（演示与测试用）")
def _sample_fill_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_dir", metavar="IN_DIR", help="模板所在文件夹")
    p.add_argument("--out", required=True, metavar="OUT_DIR", help="输出文件夹")
    p.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
    p.add_argument("--blank-share", type=float, default=0.0, help="留空比例 0-1")
    p.add_argument("--mistake-share", type=float, default=0.0, help="故意填错比例 0-1")


@command("import", "导入并校验各单位回传的数据采集表")
def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("files", nargs="+", metavar="FILE", help="回传的 .xlsx 文件")
    p.add_argument("--dry-run", action="store_true", help="只校验并报告，不保存")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--compare", metavar="EARLIER_ROUND",
                   help="上一年度评价轮次文件：与其已接受的数据相比变动过大时给出警告")


@command("status", "查看各单位填报与回收情况")
def _status_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("score", "按已接受的数据计算评分")
def _score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("feedback", "生成标注了问题的反馈表，发回单位修改")
def _feedback_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--unit", required=True, metavar="单位")
    p.add_argument("--entity", metavar="评价对象")
    p.add_argument("--out", required=True, metavar="DIR")


@command("export", "导出评分表（Excel）与评估报告（Word、PDF）")
def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--compare", metavar="EARLIER_ROUND", help="上一年度评价轮次文件（同比）")
    p.add_argument("--format", action="append", choices=("xlsx", "docx", "pdf"),
                   help="只导出指定格式，可多次指定")
    p.add_argument("--per-entity", action="store_true",
                   help="有多个评价对象时，除综合报告外再为每个评价对象单独生成一份报告")


@command("demo", "用内置模拟数据演示完整流程")
def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="demo-output", metavar="DIR", help="输出文件夹")


@command("selftest", "自检：在临时文件夹中运行完整流程并检查每一步的结果")
def _selftest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="保留生成的文件到此文件夹（默认用临时文件夹，结束后删除）")
    p.add_argument("--gui", action="store_true", help="同时在后台启动 Qt 并加载全部界面文件（不显示窗口）")


@command("gui", "打开图形界面")
def _gui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", nargs="?", metavar="ROUND_FILE")


# ---------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jinan-eval", description="济南市新型智慧城市评价工具（命令行）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="显示版本号并退出")
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
    if getattr(sys, "frozen", False):  # worker processes of the frozen app start here
        import multiprocessing

        multiprocessing.freeze_support()
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
        from jinan_eval_gui.system.logs import log_exception

        log_path = log_exception("cli")
        print(f"程序内部错误，详细信息已写入日志文件：{log_path}\n请将该文件发送给技术支持人员。",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
