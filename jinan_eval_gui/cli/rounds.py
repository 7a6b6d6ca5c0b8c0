"""Commands of the collection month: a new round, templates out, returns in, status, feedback."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import command, import_not_run, open_round, out, print_json, progress, shown


def _new_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE", help="评价轮次文件路径，如 2026年度.jeval")
    p.add_argument("--year", type=int, required=True, help="评价年度，如 2026")
    p.add_argument("--name", help="评价轮次名称（默认“YYYY年度济南市新型智慧城市评价”）")
    p.add_argument("--entity", action="append", metavar="名称",
                   help="评价对象，可多次指定（默认：济南市）；有上级时写作“名称@上级”，如 历下区@济南市")
    p.add_argument("--entities", metavar="FILE",
                   help="评价对象清单（文本文件，每行一个：名称 或 名称,上级）")


@command("new", "新建评价轮次文件（.jeval）", _new_args)
def cmd_new(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.workflow.entities import parse_entities

    given = parse_entities(args.entity or (), args.entities)
    with workflow.create_round(args.round_file, year=args.year, name=args.name or "",
                               entities=given.names, parents=given.parents) as rnd:
        info = rnd.info
        entities = rnd.list_entities()
        out(f"已新建评价轮次：{info.name}（{info.year} 年度）")
        out(f"文件：{Path(args.round_file).resolve()}")
        shown_names = "、".join(entities[:20]) + (f" 等 {len(entities)} 个" if len(entities) > 20
                                                  else "")
        out(f"评价对象：{shown(shown_names)}；指标体系版本 {info.catalogue_version}")
        if given.parents:
            groups = sorted(set(given.parents.values()))
            out(f"其中 {len(given.parents)} 个有上级（{shown('、'.join(groups[:10]))}"
                f"{' 等' if len(groups) > 10 else ''}），排名时另按上级分组比较")
    return 0


def _templates_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="输出文件夹")
    p.add_argument("--unit", action="append", metavar="单位", help="只为指定单位生成，可多次指定")
    p.add_argument("--all", action="store_true",
                   help="为所有单位（重新）生成；默认只为尚未下发的单位生成")
    p.add_argument("--overwrite", action="store_true",
                   help="覆盖输出文件夹中已有的同名文件（默认不覆盖，并列出这些文件）")
    p.add_argument("--deadline", metavar="日期", help="填报截止日期，如 2027-01-31（默认沿用上次下发的）")
    p.add_argument("--contact", metavar="姓名", help="市智慧办联系人（默认沿用上次下发的）")
    p.add_argument("--phone", metavar="电话", help="联系电话（默认沿用上次下发的）")


@command("templates", "为各责任单位生成数据采集模板", _templates_args)
def cmd_templates(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.workflow.issue import issue_pending

    options = dict(deadline=args.deadline, contact_person=args.contact,
                   contact_phone=args.phone, overwrite=args.overwrite, progress=progress)
    with open_round(args.round_file) as rnd:
        before = workflow.issue_defaults(rnd)
        if args.unit or args.all:
            made = workflow.issue_templates(rnd, args.out, units=args.unit or None, **options)
        elif before.issued and not before.pending:
            out(f"所有单位的数据采集表均已下发（{len(before.issued)} 份）。如需重新下发，请用 --unit 指定"
                "单位，或用 --all 为所有单位重新生成。")
            return 0
        else:
            if before.issued:
                out(f"已下发 {len(before.issued)} 份，本次只为尚未下发的 {len(before.pending)} 个单位"
                    "生成（如需全部重新生成，请用 --all）。")
            made = issue_pending(rnd, args.out, **options)
        last = rnd.list_templates()[-1] if made else None
    for t in made:
        out(f"已生成：{shown(t.path)}（指标 {len(t.indicator_ids)} 项，填报项 {t.input_count} 个）")
    out(f"共生成 {len(made)} 份数据采集表，输出文件夹：{Path(args.out).resolve()}")
    if last is not None:
        kept = "（沿用上次下发）" if args.deadline is None and before.issued else ""
        contact = " ".join(x for x in (last.contact_person, last.contact_phone) if x)
        out(f"填报截止日期：{shown(last.deadline or '未填写')}{kept}；市智慧办联系人："
            f"{shown(contact or '未填写')}")
    return 0


def _sample_fill_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_dir", metavar="IN_DIR", help="模板所在文件夹")
    p.add_argument("--out", required=True, metavar="OUT_DIR", help="输出文件夹")
    p.add_argument("--seed", type=int, default=0, help="随机数起始值（默认 0；取值相同则生成的模拟数据相同）")
    p.add_argument("--blank-share", type=float, default=0.0, help="留空比例 0-1")
    p.add_argument("--mistake-share", type=float, default=0.0, help="故意填错比例 0-1")


@command("sample-fill", "用模拟数据填写模板（演示与测试用）", _sample_fill_args)
def cmd_sample_fill(args: argparse.Namespace) -> int:
    from jinan_eval_gui.collect import samplefill

    files = samplefill.sample_fill(args.in_dir, args.out, args.seed, args.blank_share,
                                   args.mistake_share)
    for f in files:
        out(f"已填写：{shown(f)}")
    out(f"共模拟填写 {len(files)} 份，输出文件夹：{Path(args.out).resolve()}")
    return 0


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("files", nargs="+", metavar="FILE", help="回传的 .xlsx 文件")
    p.add_argument("--dry-run", action="store_true", help="只校验并报告，不保存")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--compare", metavar="EARLIER_ROUND",
                   help="上一年度评价轮次文件：与其已接受的数据相比变动过大时给出警告")
    p.add_argument("--replace-older", action="store_true",
                   help="文件的保存时间早于该单位已导入的版本时，仍用它替换（默认暂不导入）")
    p.add_argument("--choose", action="append", default=[], metavar="FILE",
                   help="同一单位在本次导入中有多个内容不同的文件时，采用这一个（可多次指定）")
    p.add_argument("--accept-errors", action="store_true",
                   help="仍然接受有错误的文件（默认不接受：作为未接受的版本存档，已接受的版本不变）")


@command("import", "导入并校验各单位回传的数据采集表", _import_args)
def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0: every file imported (or unchanged) without errors; 1: a file was rejected or has
    errors; 2: the import could not run (round file missing, locked or damaged)."""
    from jinan_eval_gui import workflow
    from jinan_eval_gui.collect.importer import SEVERITY_LABELS
    from jinan_eval_gui.errors import EvalError

    try:
        with open_round(args.round_file, readonly=args.dry_run) as rnd:
            report = workflow.import_files(rnd, args.files, dry_run=args.dry_run,
                                           progress=None if args.json else progress,
                                           previous_round=args.compare,
                                           replace_older=args.replace_older,
                                           choose=args.choose,
                                           accept_errors=args.accept_errors)
    except EvalError as exc:
        return import_not_run(exc, as_json=args.json, dry_run=args.dry_run)
    if args.json:
        print_json(report.to_json())
        return report.exit_code
    for f in report.files:
        who = shown(f"{f.entity} {f.unit}".strip())
        out(f"{f.status_label}：{shown(f.path.name)}{'（' + who + '）' if who else ''}")
        for d in f.diffs:
            where = f"{shown(d.cell)} " if d.cell else ""
            out(f"    变更 {where}指标 {d.indicator_id}“{shown(d.label)}”："
                f"{shown(d.old) if d.old else '（空）'} → {shown(d.new) if d.new else '（空）'}")
        for x in f.findings:
            where = shown("，".join(p for p in (x.sheet, x.cell) if p))
            typed = f"（填写：{shown(x.value)}）" if x.value else ""
            out(f"    [{SEVERITY_LABELS[x.severity]}] {where + '：' if where else ''}"
                f"{shown(x.message)}{typed}")
    c = report.counts()
    errors = sum(f.count("error") for f in report.files)
    warnings = sum(f.count("warning") for f in report.files)
    prefix = "（试运行，未保存任何内容）" if args.dry_run else ""
    waiting = (f"、待确认 {c['held']}" if c["held"] else "") + \
        (f"、未采用 {c['skipped']}" if c["skipped"] else "")
    out(f"{prefix}合计：导入 {c['imported']}、更新 {c['updated']}、未变化 {c['unchanged']}、"
         f"拒绝 {c['rejected']}{waiting}；错误 {errors} 处，警告 {warnings} 处")
    _explain_held(report.held)
    for note in report.notes:
        out(shown(note))
    return report.exit_code


def _explain_held(held: list) -> None:
    """What the user can do about files the import holds back."""
    older = [f for f in held if f.decision == "older"]
    several = [f for f in held if f.decision == "duplicate"]
    refused = [f for f in held if f.decision in ("errors", "worse")]
    if refused:
        named = "；".join(f"{shown(f.path.name)}（{shown(f.unit)}，错误 {f.count('error')} 处"
                         + ("，比已接受的版本更差" if f.decision == "worse" else "") + "）"
                         for f in refused)
        out(f"有 {len(refused)} 个文件有错误，未接受：{named}。这些文件已作为未接受的版本存档，"
            "已接受的版本保持不变；可用“jinan-eval feedback”生成反馈表退回修改。如确认仍要接受，"
            "请加 --accept-errors 重新导入，或用“jinan-eval versions ROUND --unit 单位 --restore N”"
            "接受该版本。")
    if older:
        names = shown("、".join(f.path.name for f in older))
        out(f"有 {len(older)} 个文件早于该单位已导入的版本，未导入（{names}）。"
            "如确认要用较早的文件替换，请加上 --replace-older 重新导入。")
    if several:
        names = shown("、".join(f.path.name for f in several))
        out(f"有 {len(several)} 个文件属于同一单位且内容不同，未导入（{names}）。"
            "请用 --choose 文件名 指定采用哪一个，或只导入要采用的文件。")


def _status_args(p: argparse.ArgumentParser) -> None:
    from .desk import _day

    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--date", type=_day, metavar="日期", help="按哪一天计算逾期（默认：今天）")


@command("status", "查看各单位填报与回收情况", _status_args)
def cmd_status(args: argparse.Namespace) -> int:
    from jinan_eval_gui import workflow

    with open_round(args.round_file, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        rows = workflow.collection_status(rnd, cat)
        board = workflow.unit_board(rnd, cat, today=args.date)
        complete = {e: workflow.indicator_completeness(rnd, e, cat) for e in rnd.list_entities()}
    desk = {(b.entity, b.unit): b for b in board.rows}
    if args.json:
        print_json({
            "date": board.today.isoformat(),
            "counts": board.counts,
            "units": [{"entity": r.entity, "unit": r.unit, "issued": r.issued,
                       "returned": r.returned, "errors": r.errors, "warnings": r.warnings,
                       "accepted": r.accepted, "status": r.label,
                       **desk[(r.entity, r.unit)].to_json()} for r in rows],
            "indicators": [{"entity": e, "id": i, "complete": ok}
                           for e, by_id in complete.items() for i, ok in by_id.items()],
        })
        return 0
    out("，".join(f"{label} {n}" for label, n in board.counts.items()) +
        f"（截至 {board.today.isoformat()}）")
    out(f"{'评价对象':<6}\t{'单位':<16}\t下发\t截止日期\t报送\t错误\t警告\t状态")
    for r in rows:
        b = desk[(r.entity, r.unit)]
        last = b.last_arrival
        sent = last.time[:10] if last else "—"
        out(f"{shown(r.entity)}\t{shown(r.unit):<16}\t{b.issued_at[:10] or '否'}\t"
            f"{shown(b.deadline) or '—'}\t{sent}\t{b.open_findings['error']}\t"
            f"{b.open_findings['warning']}\t{b.state_label}")
    for entity, by_id in complete.items():
        missing = [str(i) for i, ok in by_id.items() if not ok]
        out(f"{shown(entity)}：数据完整的指标 {len(by_id) - len(missing)}/{len(by_id)} 项"
             + (f"；不完整：{'、'.join(missing)}" if missing else ""))
    return 0


def _feedback_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="单位", help="为一个单位生成")
    which.add_argument("--all", action="store_true", help="为所有有错误或警告未更正的单位各生成一份")
    p.add_argument("--entity", metavar="评价对象")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--due", metavar="日期", help="请单位在此日期前更正，如 2027-02-10（默认：一周后）")


@command("feedback", "生成标注了问题的反馈表（附反馈说明），发回单位修改", _feedback_args)
def cmd_feedback(args: argparse.Namespace) -> int:
    from jinan_eval_gui.workflow import feedbacks

    with open_round(args.round_file) as rnd:
        if args.all:
            sent = feedbacks.feedback_all(rnd, args.out, entity=args.entity, due=args.due,
                                          progress=progress)
        else:
            sent = [feedbacks.feedback_unit(rnd, args.unit, args.out, entity=args.entity,
                                            due=args.due)]
    for s in sent:
        out(f"已生成反馈表：{shown(s.path)}（{shown(s.unit)} 第 {s.version} 版，错误 {s.errors} 处、"
            f"警告 {s.warnings} 处）")
    if not sent:
        out("没有需要反馈的单位（各单位的文件均无未更正的错误或警告）。")
    else:
        out(f"共 {len(sent)} 份，请各单位于 {sent[0].due} 前更正并重新报送；已记入操作日志。")
    return 0


def _clear_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("round_file", metavar="ROUND_FILE")
    p.add_argument("--entity", metavar="评价对象", help="评价对象（默认：本轮的第一个评价对象）")
    p.add_argument("--indicator", type=int, required=True, metavar="编号", help="指标编号，如 18")
    p.add_argument("--input", required=True, metavar="填报项",
                   help="填报项名称（与模板中的一致），如“测试数量2”")
    p.add_argument("--unit", metavar="单位", help="责任单位（只有一个单位填报了该项时可省略）")
    p.add_argument("--reason", required=True, metavar="原因", help="清除的原因，记入操作日志")


@command("clear", "清除某一填报项已导入的值（记入操作日志）", _clear_args)
def cmd_clear(args: argparse.Namespace) -> int:
    """A resend never empties a stored value (blank cells keep it); this is the explicit way."""
    from jinan_eval_gui import workflow

    with open_round(args.round_file) as rnd:
        entity = args.entity or rnd.list_entities()[0]
        cleared = workflow.clear_value(rnd, entity=entity, indicator_id=args.indicator,
                                       name=args.input, reason=args.reason, unit=args.unit)
    out(f"已清除：{shown(cleared.entity)} {shown(cleared.unit)} 指标 {cleared.indicator_id}"
        f"“{shown(cleared.label)}”（原值：{shown(cleared.old) if cleared.old else '（空）'}）")
    out("已记入操作日志。该单位今后报回的文件如填写了此项，将按新填写的值导入。")
    return 0
