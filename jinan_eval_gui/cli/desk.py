"""Commands of the collection desk: 催报, versions and restore, the operation log, the unit
directory, the open findings, one value's history and the round compared with (上年度)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from .base import command, open_round, out, print_json, shown


def _day(text: str) -> date:
    """``--date`` as a date (argparse turns the ValueError into a usage message)."""
    from jinan_eval_gui.workflow.arrivals import parse_date

    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，请按 2027-02-03 的格式填写")
    return parsed


def _round_and_entity(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--entity", metavar="评价对象", help="评价对象（默认：本轮的第一个评价对象）")


# ---------------------------------------------------------------------------------------
# 催报
# ---------------------------------------------------------------------------------------
def _remind_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="催报名单文件：.xlsx（表格）或 .txt（可复制发送的通知）")
    p.add_argument("--date", type=_day, metavar="日期", help="按哪一天计算逾期（默认：今天）")


@command("remind", "生成逾期未报送单位的催报名单（记入操作日志）", _remind_args)
def cmd_remind(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import reminders

    with open_round(args.round_file) as rnd:
        made = reminders.write_reminders(rnd, args.out, today=args.date)
    out(made.text)
    out("")
    out(f"已生成催报名单（{len(made.rows)} 个单位）：{shown(args.out)}；已记入操作日志。")
    return 0


# ---------------------------------------------------------------------------------------
# Versions and restore
# ---------------------------------------------------------------------------------------
def _versions_args(p: argparse.ArgumentParser) -> None:
    _round_and_entity(p)
    p.add_argument("--unit", required=True, metavar="单位")
    p.add_argument("--restore", type=int, metavar="N",
                   help="恢复第 N 版为该单位当前采用的版本（记入操作日志）；也用于接受未接受的版本")
    p.add_argument("--save", type=int, metavar="N", help="把第 N 版的原文件保存到 --out 文件夹")
    p.add_argument("--out", metavar="DIR", help="与 --save 一起使用：保存到的文件夹")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("versions", "查看某单位报送的各版本，恢复或接受其中一版", _versions_args)
def cmd_versions(args: argparse.Namespace) -> int:
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.workflow import versions

    if args.save is not None and not args.out:
        raise EvalError("使用 --save 时请用 --out 指定保存到的文件夹")
    with open_round(args.round_file, readonly=args.restore is None) as rnd:
        entity = args.entity or rnd.list_entities()[0]
        if args.restore is not None:
            report = versions.restore_version(rnd, args.unit, args.restore, entity=entity)
            (result,) = report.files
            if result.status == "unchanged":
                out(f"第 {args.restore} 版的内容与当前采用的数据相同，未作更改。")
            else:
                out(f"已恢复第 {args.restore} 版为“{shown(args.unit)}”当前采用的版本（存为新的版本），"
                    "已记入操作日志。")
                for d in result.diffs:
                    out(f"    变更 指标 {d.indicator_id}“{shown(d.label)}”："
                        f"{shown(d.old) or '（空）'} → {shown(d.new) or '（空）'}")
        if args.save is not None:
            arrival = versions.version_arrival(rnd, args.unit, args.save, entity=entity)
            path = versions.save_version(rnd, arrival.submission_id or 0, args.out)
            out(f"已保存第 {args.save} 版：{shown(path)}")
        listed = versions.unit_versions(rnd, args.unit, entity=entity)
    if args.json:
        print_json({"entity": entity, "unit": args.unit, "versions": [
            {**v.arrival.to_json(), "findings": len(v.findings),
             "changes": [c.__dict__ for c in v.changes]} for v in listed]})
        return 0
    if not listed:
        out(f"“{shown(entity)}”的“{shown(args.unit)}”尚未存档任何版本。")
        return 0
    for v in listed:
        a = v.arrival
        who = f"，接受人 {shown(a.accepted_by)}" if a.accepted_by else ""
        restored = f"，恢复自第 {a.restored_from} 版" if a.restored_from else ""
        out(f"第 {a.version} 版  {a.state_label}  {a.time[:19].replace('T', ' ')}  "
            f"{shown(a.file_name)}  SHA-256 {a.sha256[:12]}…  错误 {a.errors} 处、警告 "
            f"{a.warnings} 处{who}{restored}")
        for c in v.changes:
            out(f"    变更 指标 {c.indicator_id}“{shown(c.label)}”：{shown(c.old) or '（空）'} → "
                f"{shown(c.new) or '（空）'}")
    return 0


# ---------------------------------------------------------------------------------------
# The operation log
# ---------------------------------------------------------------------------------------
def _log_args(p: argparse.ArgumentParser) -> None:
    _round_and_entity(p)
    p.add_argument("--action", metavar="操作",
                   help="只看某类操作：如 import、feedback、reminder、version.restore，或中文名称"
                        "（导入回传文件、生成反馈表、催报、恢复版本）")
    p.add_argument("--unit", metavar="单位", help="只看与某单位有关的操作")
    p.add_argument("--all", action="store_true", help="也列出逐个文件、逐项数值的记录")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("log", "查看本轮的操作记录（可按操作、单位筛选）", _log_args)
def cmd_log(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import oplog

    with open_round(args.round_file, readonly=True) as rnd:
        entries = oplog.operation_log(rnd, action=args.action, unit=args.unit,
                                      entity=args.entity, detail=args.all)
    if args.json:
        print_json({"entries": [{"id": e.id, "time": e.time, "actor": e.actor,
                                 "action": e.action, "label": e.label, "summary": e.summary,
                                 "units": list(e.units), "details": e.details}
                                for e in entries]})
        return 0
    for e in entries:
        out(f"{e.time}  {shown(e.actor)}  {e.label}" + (f"：{shown(e.summary)}" if e.summary
                                                        else ""))
    out(f"共 {len(entries)} 条记录。")
    return 0


# ---------------------------------------------------------------------------------------
# The unit directory
# ---------------------------------------------------------------------------------------
def _contacts_args(p: argparse.ArgumentParser) -> None:
    _round_and_entity(p)
    p.add_argument("--unit", metavar="单位", help="要登记或修改联系人的单位")
    p.add_argument("--person", metavar="姓名")
    p.add_argument("--phone", metavar="电话")
    p.add_argument("--email", metavar="邮箱")
    p.add_argument("--note", metavar="备注")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("contacts", "查看或修改各单位的联系人（催报、反馈用）", _contacts_args)
def cmd_contacts(args: argparse.Namespace) -> int:
    from jinan_eval_gui.errors import EvalError
    from jinan_eval_gui.workflow import contacts

    fields = {k: getattr(args, k) for k in ("person", "phone", "email", "note")
              if getattr(args, k) is not None}
    if fields and not args.unit:
        raise EvalError("修改联系人时请用 --unit 指定单位")
    with open_round(args.round_file, readonly=not fields) as rnd:
        if fields:
            saved = contacts.set_contact(rnd, args.unit, entity=args.entity, **fields)
            out(f"已登记“{shown(args.unit)}”的联系人：{shown(saved.text)}（已记入操作日志）")
            return 0
        listed = contacts.directory(rnd)
    rows = [(e, u, c) for (e, u), c in listed.items()
            if (args.entity is None or e == args.entity) and (args.unit is None or u == args.unit)]
    if args.json:
        print_json({"contacts": [{"entity": e, "unit": u, **c.to_json()} for e, u, c in rows]})
        return 0
    for e, u, c in rows:
        source = f"（{c.source}）" if c.source else ""
        out(f"{shown(e)}\t{shown(u):<16}\t{shown(c.text)}{source}")
    return 0


# ---------------------------------------------------------------------------------------
# Findings and one value's history
# ---------------------------------------------------------------------------------------
def _findings_args(p: argparse.ArgumentParser) -> None:
    _round_and_entity(p)
    p.add_argument("--unit", metavar="单位", help="只看某单位")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("findings", "查看各单位尚未更正的问题（错误、警告）及其说明", _findings_args)
def cmd_findings(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import findings

    with open_round(args.round_file, readonly=True) as rnd:
        listed = [f for f in findings.open_findings(rnd, entity=args.entity, unit=args.unit)
                  if f.severity != "info"]
    if args.json:
        print_json({"findings": [f.to_json() for f in listed]})
        return 0
    for f in listed:
        out(f"[{f.category}] {shown(f.unit)} 第 {f.version} 版 {shown(f.where)}："
            f"{shown(f.message)}" + (f"（填写：{shown(f.value)}）" if f.value else ""))
    out(f"共 {len(listed)} 处。")
    return 0


def _history_args(p: argparse.ArgumentParser) -> None:
    _round_and_entity(p)
    p.add_argument("--indicator", type=int, required=True, metavar="编号")
    p.add_argument("--input", required=True, metavar="填报项", help="填报项名称（与模板中的一致）")


@command("history", "查看某一填报项各版本的值", _history_args)
def cmd_history(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import versions

    with open_round(args.round_file, readonly=True) as rnd:
        rows = versions.value_history(rnd, args.indicator, args.input, entity=args.entity)
    for r in rows:
        version = f"第 {r.version} 版" if r.version else "手工录入"
        row = f" 第 {r.row_index} 行 {shown(r.column_key)}" if r.row_index else ""
        out(f"{r.recorded_at[:19].replace('T', ' ')}  {shown(r.unit)}  {version}"
            f"（{shown(r.file_name)}{' ' + shown(r.cell) if r.cell else ''}）{row}  "
            f"{shown(r.text)}{'  ← 当前采用' if r.current else ''}")
    if not rows:
        out("该填报项尚无任何记录。")
    return 0


# ---------------------------------------------------------------------------------------
# The round compared with
# ---------------------------------------------------------------------------------------
def _compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="EARLIER_ROUND", help="选定上年度评价轮次文件（记入本轮）")
    group.add_argument("--clear", action="store_true", help="取消已选定的上年度评价轮次")
    p.add_argument("--json", action="store_true", help="输出 JSON")


@command("compare", "选定或查看用于同比的上年度评价轮次，并列出得分变化", _compare_args)
def cmd_compare(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import comparison

    changing = bool(args.set or args.clear)
    with open_round(args.round_file, readonly=not changing) as rnd:
        if args.set:
            link = comparison.set_comparison(rnd, args.set)
            out(f"已选定 {link.year} 年度“{shown(link.name)}”为上年度评价轮次（已记入本轮）。")
        elif args.clear:
            done = comparison.clear_comparison(rnd)
            out("已取消上年度评价轮次。" if done else "本轮未选定上年度评价轮次。")
            return 0
        link = comparison.comparison(rnd)
        problem = comparison.comparison_problem(rnd)
        yoy = comparison.year_on_year(rnd) if link and not problem else None
    if args.json:
        print_json({"previous": None if link is None else {
            "path": link.path, "year": link.year, "name": link.name, "problem": problem},
            "entities": {} if yoy is None else {
                e: {"total": _change(c.total),
                    "level1": {n: _change(x) for n, x in c.level1.items()},
                    "indicators": {str(i): _change(x) for i, x in c.indicators.items()}}
                for e, c in yoy.entities.items()}})
        return 0
    if link is None:
        out("本轮未选定上年度评价轮次。可用 --set 上年度文件.jeval 选定。")
        return 0
    out(f"上年度评价轮次：{link.year} 年度“{shown(link.name)}”（{shown(link.path)}）")
    if problem:
        out(shown(problem))
        return 1
    for entity, c in (yoy.entities.items() if yoy else ()):
        out(f"{shown(entity)}：总分 {_text(c.total.current)}，上年 {_text(c.total.previous)}，"
            f"变化 {_signed(c.total.change)}")
        for name, x in c.level1.items():
            out(f"    {name}：{_text(x.current)}（上年 {_text(x.previous)}，变化 {_signed(x.change)}）")
    return 0


def _text(x: object) -> str:
    return "——" if x is None else str(x)


def _signed(x: object) -> str:
    """A change with its sign (+1.25, −0.50, 0.00)."""
    if x is None:
        return "——"
    text = str(x)
    if text.startswith("-"):
        return "−" + text[1:]
    return text if not any(ch in "123456789" for ch in text) else "+" + text


def _change(c: Any) -> dict[str, float | None]:
    """A :class:`comparison.Change` for ``--json`` (numbers with 2 decimals as floats)."""
    return {k: None if x is None else float(x)
            for k, x in (("current", c.current), ("previous", c.previous), ("change", c.change))}
