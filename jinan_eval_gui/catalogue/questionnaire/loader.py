"""Reading a questionnaire TOML and refusing a broken one, with Chinese messages.

Like the catalogue, the questionnaire is data (``resources/survey/questionnaire.toml`` by
default; the office may replace it): every invariant is checked here — numbered questions
once each, options with points on 0–100, scored questions in a dimension, weights that add up
to something, attribute questions with categories and no points, the indicator and input it
gives a score to — so the import and the score can trust a :class:`Questionnaire`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinan_eval_gui.errors import SurveyFileError
from jinan_eval_gui.system import paths

from .model import (
    CHOICE_KINDS,
    KIND_LABELS,
    QUESTION_KINDS,
    Dimension,
    Option,
    Question,
    Questionnaire,
    plain_text,
)

_ID_HEADERS = ("序号", "编号", "答卷编号", "答卷序号", "答题序号", "用户ID", "ID", "受访者编号")
_SECONDS_HEADERS = ("所用时间", "答题时长", "作答时长", "答题用时", "作答用时", "用时", "完成时长")
MAX_QUESTIONS = 500
MAX_OPTIONS = 100


def default_path() -> Path:
    """The questionnaire that ships with the program."""
    return paths.resource("survey", "questionnaire.toml")


def load_questionnaire(path: str | Path | None = None, *, catalogue: Any = None) -> Questionnaire:
    """Read and validate a questionnaire file (the built-in one by default).

    With ``catalogue`` the indicator and input it scores must exist (an indicator of kind
    ``survey`` with a ``score`` input) and its dimensions' areas must be level-1 ids.
    """
    file = Path(path) if path is not None else default_path()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SurveyFileError(f"找不到问卷文件“{file}”", hint="请检查路径是否正确") from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise SurveyFileError(f"“{file.name}”不是问卷文件（应为 UTF-8 编码的 TOML 文本）",
                              hint="请选择 .toml 问卷文件") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SurveyFileError(f"问卷文件“{file.name}”格式有误：{exc}",
                              hint="请用文本编辑器检查该行的引号、括号和逗号") from exc
    except OSError as exc:
        raise SurveyFileError(f"无法读取问卷文件“{file}”：{exc.strerror}") from exc
    return build_questionnaire(data, catalogue=catalogue, name=file.name)


def questionnaire_from_json(text: str, *, name: str = "问卷快照") -> Questionnaire:
    """A questionnaire from the canonical JSON a round keeps with an imported survey."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SurveyFileError(f"{name}无法解析") from exc
    return build_questionnaire(data, name=name)


def build_questionnaire(raw: Mapping[str, Any], *, catalogue: Any = None,
                        name: str = "问卷") -> Questionnaire:
    """Validate the plain data of a questionnaire and build it (SurveyFileError if broken)."""
    if not isinstance(raw, Mapping):
        raise SurveyFileError(f"{name}的内容不是问卷")
    where = f"问卷文件“{name}”"
    meta = _table(raw.get("meta", {}), f"{where}的 [meta]")
    title = _text(meta, "title", f"{where}的 [meta]")
    version = _text(meta, "version", f"{where}的 [meta]")
    indicator = meta.get("indicator")
    if isinstance(indicator, bool) or not isinstance(indicator, int):
        raise SurveyFileError(f"{where}的 [meta] 缺少整数的“indicator”（问卷给出得分的三级指标编号）")
    target_input = _text(meta, "input", f"{where}的 [meta]")
    scales = _scales(raw.get("scale", []), where)
    dimensions = _dimensions(raw.get("dimension", []), where)
    questions = _questions(raw.get("question", []), scales, {d.id for d in dimensions}, where)
    for d in dimensions:
        if not any(q.scored and q.dimension == d.id for q in questions):
            raise SurveyFileError(f"{where}的维度“{d.name}”没有计分的题目",
                                  hint="请给该维度至少一道计分题，或删除该维度")
    if not any(d.weight > 0 for d in dimensions):
        raise SurveyFileError(f"{where}的各维度权重都为 0", hint="至少一个维度的权重应大于 0")
    columns = _table(raw.get("columns", {}), f"{where}的 [columns]")
    out = Questionnaire(
        title=title, version=version, intro=str(meta.get("intro", "")).strip(),
        indicator=indicator, input=target_input, dimensions=dimensions, questions=questions,
        id_headers=_names(columns, "id", _ID_HEADERS, where),
        seconds_headers=_names(columns, "seconds", _SECONDS_HEADERS, where),
        ignore_headers=_names(columns, "ignore", (), where),
        raw=json.loads(json.dumps(raw, default=str)),
    )
    if catalogue is not None:
        check_against_catalogue(out, catalogue, where)
    return out


def check_against_catalogue(q: Questionnaire, catalogue: Any, where: str = "问卷") -> None:
    """The indicator and input the questionnaire scores, and its areas, exist in the catalogue."""
    try:
        ind = catalogue.indicator(q.indicator)
    except KeyError:
        raise SurveyFileError(f"{where}给出得分的三级指标 {q.indicator} 不在指标体系中") from None
    if ind.kind != "survey":
        raise SurveyFileError(f"{where}给出得分的三级指标 {ind.id}“{ind.name}”不是问卷调查类指标",
                              hint="请在 [meta] 中填写问卷调查类指标的编号")
    try:
        spec = ind.input(q.input)
    except KeyError:
        raise SurveyFileError(f"{where}所填的指标 {ind.id} 填报项“{q.input}”不存在") from None
    if spec.kind != "score":
        raise SurveyFileError(f"{where}所填的指标 {ind.id} 填报项“{spec.label}”不是分值")
    level1 = {l1.id for l1 in catalogue.level1}
    for d in q.dimensions:
        unknown = [a for a in d.areas if a not in level1]
        if unknown:
            raise SurveyFileError(f"{where}的维度“{d.name}”所属的一级指标“{'、'.join(unknown)}”"
                                  "不在指标体系中", hint="可填：" + "、".join(sorted(level1)))


# ---------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------
def _scales(entries: Any, where: str) -> dict[str, tuple[Option, ...]]:
    """Named option sets (e.g. the five-point satisfaction scale) that questions refer to."""
    out: dict[str, tuple[Option, ...]] = {}
    for n, entry in enumerate(_list(entries, f"{where}的 [[scale]]"), 1):
        entry = _table(entry, f"{where}的第 {n} 个量表")
        sid = _text(entry, "id", f"{where}的第 {n} 个量表")
        if sid in out:
            raise SurveyFileError(f"{where}的量表“{sid}”重复定义")
        out[sid] = _options(entry.get("options"), f"{where}的量表“{sid}”")
    return out


def _dimensions(entries: Any, where: str) -> tuple[Dimension, ...]:
    out: list[Dimension] = []
    for n, entry in enumerate(_list(entries, f"{where}的 [[dimension]]"), 1):
        entry = _table(entry, f"{where}的第 {n} 个维度")
        here = f"{where}的第 {n} 个维度"
        did, dname = _text(entry, "id", here), _text(entry, "name", here)
        if any(d.id == did for d in out):
            raise SurveyFileError(f"{where}的维度编号“{did}”重复")
        weight = _number(entry.get("weight", 1), f"{where}的维度“{dname}”", "weight")
        if weight < 0:
            raise SurveyFileError(f"{where}的维度“{dname}”的权重不能为负数")
        areas = entry.get("areas", [])
        if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
            raise SurveyFileError(f"{where}的维度“{dname}”的“areas”应为一级指标编号的列表，如 [\"L1\"]")
        out.append(Dimension(did, dname, weight, tuple(areas)))
    if not out:
        raise SurveyFileError(f"{where}没有定义维度（[[dimension]]）")
    return tuple(out)


def _questions(entries: Any, scales: Mapping[str, tuple[Option, ...]], dimensions: set[str],
               where: str) -> tuple[Question, ...]:
    out: list[Question] = []
    items = _list(entries, f"{where}的 [[question]]")
    if not items:
        raise SurveyFileError(f"{where}没有题目（[[question]]）")
    if len(items) > MAX_QUESTIONS:
        raise SurveyFileError(f"{where}的题目超过 {MAX_QUESTIONS} 道")
    for n, entry in enumerate(items, 1):
        entry = _table(entry, f"{where}的第 {n} 道题")
        qid = entry.get("id")
        if isinstance(qid, bool) or not isinstance(qid, int) or not 1 <= qid <= 9999:
            raise SurveyFileError(f"{where}的第 {n} 道题缺少题号（id，1–9999 的整数）")
        here = f"{where}第 {qid} 题"
        if any(q.id == qid for q in out):
            raise SurveyFileError(f"{where}的题号 {qid} 重复", hint="每道题的题号只能出现一次")
        out.append(_question(entry, qid, here, scales, dimensions))
    texts = [plain_text(q.text) for q in out]
    for q, text in zip(out, texts, strict=True):
        if texts.count(text) > 1:
            raise SurveyFileError(f"{where}第 {q.id} 题的题目文字与另一道题相同",
                                  hint="导入时按题号或题目文字对应各列，题目文字须互不相同")
    return tuple(out)


def _question(entry: Mapping[str, Any], qid: int, here: str,
              scales: Mapping[str, tuple[Option, ...]], dimensions: set[str]) -> Question:
    text = _text(entry, "text", here)
    kind = entry.get("kind", "")
    if kind not in QUESTION_KINDS:
        raise SurveyFileError(f"{here}的题型“{kind}”无效",
                              hint="可选：" + "、".join(f"{k}（{KIND_LABELS[k]}）" for k in QUESTION_KINDS))
    attribute = str(entry.get("attribute", "")).strip()
    dimension = str(entry.get("dimension", "")).strip()
    if dimension and dimension not in dimensions:
        raise SurveyFileError(f"{here}所属的维度“{dimension}”没有定义")
    weight = _number(entry.get("weight", 1 if dimension else 0), here, "weight")
    if weight < 0:
        raise SurveyFileError(f"{here}的权重不能为负数")
    options: tuple[Option, ...] = ()
    if kind in CHOICE_KINDS:
        scale = entry.get("scale")
        if scale is not None:
            if scale not in scales:
                raise SurveyFileError(f"{here}引用的量表“{scale}”没有定义")
            options = scales[scale]
        else:
            options = _options(entry.get("options"), here)
    low = _number(entry.get("min", 0), here, "min")
    high = _number(entry.get("max", 10), here, "max")
    if kind == "rating":
        if high <= low:
            raise SurveyFileError(f"{here}的评分范围无效（min 应小于 max）")
        unknown = entry.get("unknown", [])
        if not isinstance(unknown, list) or not all(isinstance(u, str) for u in unknown):
            raise SurveyFileError(f"{here}的“unknown”应为文字列表，如 [\"不了解\"]")
        options = tuple(Option(u.strip(), None, True) for u in unknown if u.strip())
    if attribute:
        if kind != "single" or dimension:
            raise SurveyFileError(f"{here}记录受访者属性“{attribute}”，应为单选题且不属于任何维度")
        if any(o.points is not None for o in options):
            raise SurveyFileError(f"{here}记录受访者属性，选项不计分（不要填写 points）")
    elif dimension and weight > 0:
        if kind == "text":
            raise SurveyFileError(f"{here}是填空题，不能计分", hint="请删除其 dimension 或 weight")
        if kind in CHOICE_KINDS and sum(1 for o in options if o.points is not None) < 2:
            raise SurveyFileError(f"{here}计分，至少需要两个带分值（points）的选项")
    return Question(qid, text, kind, dimension, weight, options, low, high, attribute,
                    str(entry.get("note", "")).strip())


def _options(entries: Any, here: str) -> tuple[Option, ...]:
    """Options as ``{label, points}``, ``{label, unknown = true}`` or (unscored) plain labels."""
    if not isinstance(entries, list) or not entries:
        raise SurveyFileError(f"{here}没有选项（options）")
    if len(entries) > MAX_OPTIONS:
        raise SurveyFileError(f"{here}的选项超过 {MAX_OPTIONS} 个")
    out: list[Option] = []
    for item in entries:
        if isinstance(item, str):
            option = Option(item.strip())
        elif isinstance(item, Mapping):
            label = _text(item, "label", f"{here}的选项")
            unknown = item.get("unknown", False) is True
            points = None if unknown or item.get("points") is None else _number(
                item.get("points"), f"{here}的选项“{label}”", "points")
            if points is not None and not Decimal(0) <= points <= Decimal(100):
                raise SurveyFileError(f"{here}的选项“{label}”的分值 {points} 超出 0–100")
            if unknown and item.get("points") is not None:
                raise SurveyFileError(f"{here}的选项“{label}”表示不了解/不适用，不能有分值",
                                      hint="这类回答不计入该题得分（既不算 0 分，也不算入分母）")
            option = Option(label, points, unknown)
        else:
            raise SurveyFileError(f"{here}的选项应写成 {{ label = \"…\", points = … }}")
        if not option.label:
            raise SurveyFileError(f"{here}有空白的选项")
        if any(plain_text(o.label) == plain_text(option.label) for o in out):
            raise SurveyFileError(f"{here}的选项“{option.label}”重复")
        out.append(option)
    return tuple(out)


def _names(columns: Mapping[str, Any], key: str, default: tuple[str, ...],
           where: str) -> tuple[str, ...]:
    value = columns.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SurveyFileError(f"{where}的 [columns] 中“{key}”应为列名的列表")
    return tuple(v.strip() for v in value if v.strip())


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SurveyFileError(f"{where}格式有误（应为表）")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise SurveyFileError(f"{where}格式有误（应为列表）")
    return value


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or not value.strip():
        raise SurveyFileError(f"{where}缺少“{key}”（文字）", hint="请补充该字段")
    return value.strip()


def _number(value: Any, where: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SurveyFileError(f"{where}的“{key}”应为数值，实际为“{value}”")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise SurveyFileError(f"{where}的“{key}”应为数值，实际为“{value}”") from None
    if not number.is_finite():
        raise SurveyFileError(f"{where}的“{key}”应为有限的数值")
    return number
