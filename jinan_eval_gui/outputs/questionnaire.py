"""The questionnaire for people: a Word questionnaire and an Excel import template.

The Word file goes through the report's block model and renderer (same styles as the report):
卷首语, then the respondent's attributes (基本情况), then one section per dimension with its
questions (□ before each option, 0–10 boxes for a rating, a line for open text), so the office
can print it or key it into a questionnaire platform. The import template has exactly the header
the import matches (``序号``, ``所用时间``, ``N、题目``), drop-down lists of the options and the
ratings' ranges, for answers collected on paper or entered by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from jinan_eval_gui.catalogue.questionnaire import Question, Questionnaire
from jinan_eval_gui.system.atomic import atomic_path

from .report.blocks import Block, Heading, Paragraph, Report, ReportInfo, Run, Spacer
from .report.render import render_docx
from .report.text import _chinese_number, _date_text, _Text, load_layout

ID_HEADER = "序号"
SECONDS_HEADER = "所用时间"
SHEET = "答卷"


def header_of(question: Question) -> str:
    """The column header the import matches by number and text: ``5、题目``."""
    return f"{question.id}、{question.text}"


def build_questionnaire(q: Questionnaire, *, today: date | None = None) -> Report:
    """The questionnaire as report blocks (see the module doc)."""
    layout = load_layout()
    text = _Text(layout)
    info = ReportInfo(title=q.title, year=(today or date.today()).year, entity="",
                      date_text=_date_text(text, today or date.today()),
                      issuer=text("document", "issuer"), header=f"{q.title}（{q.version}）",
                      footer=str(text.raw("document", "footer")))
    blocks: list[Block] = [Spacer(6), Paragraph((Run(q.title),), style="title"),
                           Paragraph((Run(f"问卷版本 {q.version}"),), style="subtitle")]
    for line in q.intro.splitlines():
        if line.strip():
            blocks.append(Paragraph((Run(line.strip()),), style="body"))
    sections: list[tuple[str, list[Question]]] = []
    if q.attributes:
        sections.append(("基本情况", list(q.attributes)))
    for d in q.dimensions:
        sections.append((d.name, list(q.questions_of(d.id))))
    others = [x for x in q.questions if not x.attribute and not x.scored]
    if others:
        sections.append(("其他", others))
    for n, (title, questions) in enumerate(sections, 1):
        blocks.append(Heading(f"{_chinese_number(text, n)}、{title}", 2))
        for question in questions:
            blocks += _question_blocks(question)
    blocks += [Spacer(6), Paragraph((Run("问卷到此结束，感谢您的参与！"),), style="body")]
    return Report(info=info, blocks=blocks, layout=layout)


def _question_blocks(question: Question) -> list[Block]:
    hint = {"multiple": "（可多选）", "rating": "", "text": ""}.get(question.kind, "")
    head = Paragraph((Run(f"{question.id}. ", bold=True), Run(question.text + hint)), style="body",
                     keep_with_next=True)
    if question.kind == "text":
        return [head, Paragraph((Run("_" * 40),), style="detail")]
    if question.kind == "rating":
        low, high = int(question.low), int(question.high)
        boxes = "  ".join(f"□{k}" for k in range(low, high + 1))
        unknown = "    ".join(f"□{u}" for u in question.unknown_labels)
        return [head, Paragraph((Run(boxes + (f"    {unknown}" if unknown else "")),),
                                style="detail")]
    options = "    ".join(f"□{o.label}" for o in question.options)
    return [head, Paragraph((Run(options),), style="detail")]


def write_questionnaire_docx(q: Questionnaire, path: str | Path) -> Path:
    """The Word questionnaire (atomically)."""
    return render_docx(build_questionnaire(q), Path(path))


def write_import_template(q: Questionnaire, path: str | Path, *, rows: int = 2000) -> Path:
    """The Excel template answers can be keyed into and imported (atomically)."""
    path = Path(path)
    with atomic_path(path, opened_by="Excel 或 WPS") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
        try:
            _template(wb, q, rows)
        finally:
            wb.close()
    return path


def _template(wb: xlsxwriter.Workbook, q: Questionnaire, rows: int) -> None:
    base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
    head = wb.add_format({**base, "bold": True, "text_wrap": True, "border": 1,
                          "bg_color": "#DDEBF7"})
    note = wb.add_format({**base, "text_wrap": True})
    ws = wb.add_worksheet(SHEET)
    lists = wb.add_worksheet("选项")
    help_ws = wb.add_worksheet("填写说明")
    ws.write_string(0, 0, ID_HEADER, head)
    ws.write_string(0, 1, SECONDS_HEADER, head)
    ws.set_column(0, 1, 10)
    ws.write_comment(0, 1, "作答用时，如 185 或 185秒（可不填）")
    for k, question in enumerate(q.questions):
        col = k + 2
        ws.write_string(0, col, header_of(question), head)
        ws.set_column(col, col, 16 if question.kind != "text" else 30)
        if question.kind in ("single", "likert") and question.options:
            lists.write_string(0, k, header_of(question))
            for i, option in enumerate(question.options):
                lists.write_string(i + 1, k, option.label)
            letter = xl_col_to_name(k)
            ws.data_validation(1, col, rows, col, {
                "validate": "list",
                "source": f"='选项'!${letter}$2:${letter}${len(question.options) + 1}",
                "error_title": "请从列表中选择", "error_message": "请选择问卷中的选项"})
        elif question.kind == "rating":
            ws.data_validation(1, col, rows, col, {
                "validate": "any", "input_title": "评分",
                "input_message": f"填写 {int(question.low)}–{int(question.high)} 的分数"
                                 + (f"，或“{question.unknown_labels[0]}”" if question.unknown_labels
                                    else "")})
    ws.set_row(0, 60)
    ws.freeze_panes(1, 2)
    lists.hide()
    help_ws.set_column(0, 0, 100)
    lines = [
        f"{q.title}（{q.version} 版）答卷导入模板",
        "每位受访者填写一行；第一行为表头，请勿修改题号和题目，也不要增删列。",
        "单选题和量表题从下拉列表中选择；多选题把选中的选项用“┋”或逗号隔开；评分题填写数字。",
        "“序号”为答卷编号（用于识别重复答卷），“所用时间”为作答用时（可不填）。",
        "填好后在评价工具的“市民调查”页或用命令 jinan-eval survey import 导入本文件。",
    ]
    for i, line in enumerate(lines):
        help_ws.write_string(i, 0, line, note)
