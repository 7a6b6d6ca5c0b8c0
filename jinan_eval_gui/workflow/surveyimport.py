"""市民调查 written into the round: an export imported, a contractor's score typed, shares.

Each change makes an automatic backup first and is one audited transaction; a file that
cannot be used is refused as a whole (nothing stored, no backup, the round file byte for
byte as it was). Reading the current survey back is :mod:`.survey`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue.questionnaire import load_questionnaire
from jinan_eval_gui.collect import survey as responses
from jinan_eval_gui.errors import SurveyFileError
from jinan_eval_gui.store import Round

from .backups import backup_before
from .rounds import round_catalogue
from .survey import cache_key, questionnaire_of, resolve_entity, survey_method


@dataclass
class SurveyImport:
    """What an import (or its dry run) found: the result, or why the file was refused."""

    dry_run: bool
    file: str
    entity: str
    result: responses.SurveyResult | None = None
    error: str = ""
    stored: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.error or self.result is None else 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dry_run": self.dry_run, "file": self.file, "entity": self.entity,
                               "stored": self.stored, "error": self.error}
        if self.result is not None:
            out.update(self.result.to_json())
        return out


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------
def import_survey(rnd: Round, path: str | Path, *, entity: str = "",
                  questionnaire: str | Path | None = None,
                  mapping: Mapping[str, str] | None = None,
                  dry_run: bool = False) -> SurveyImport:
    """Read, check and score an export; unless ``dry_run``, store it as the entity's survey.

    A file that cannot be used is refused as a whole (``error`` says why; nothing stored, no
    backup made, the round file left byte for byte as it was).
    """
    path = Path(path)
    cat = round_catalogue(rnd)
    entity = resolve_entity(rnd, entity)
    outcome = SurveyImport(dry_run, path.name, entity)
    try:
        q = load_questionnaire(questionnaire, catalogue=cat)
        content = responses.read_bytes(path)
        table = responses.read_table(path, content)
        result = responses.score_table(table, q, survey_method(rnd, cat, entity, q),
                                       mapping or {})
    except SurveyFileError as exc:
        outcome.error = str(exc)
        return outcome
    outcome.result = result
    if dry_run:
        return outcome
    backup_before(rnd, "导入前")
    rnd.add_survey_responses(
        entity, file_name=path.name, content=content, questionnaire=q.canonical_json,
        mapping=dict(mapping or {}),
        cache_key=cache_key(result.sha256, q, dict(mapping or {}),
                             survey_method(rnd, cat, entity, q)),
        cache=result.to_json(),
        summary={"n": result.n, "n_kept": result.n_kept,
                 "score": None if result.score is None else str(result.score),
                 "questionnaire": q.version})
    outcome.stored = True
    return outcome


def set_survey_score(rnd: Round, score: str | Decimal, source: str, *, entity: str = "") -> None:
    """A score reported without the answers (a contractor's report), with where it comes from."""
    try:
        value = Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        raise SurveyFileError(f"综合得分“{score}”不是数值", hint="请填写 0–100 的分数，如 82.35") from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
        raise SurveyFileError(f"综合得分“{score}”应为 0–100 之间、最多 2 位小数的分数")
    if not source.strip():
        raise SurveyFileError("请注明综合得分的来源", hint="如：XX调查公司《2025年济南市民体验调查报告》")
    entity = resolve_entity(rnd, entity)
    backup_before(rnd, "导入前")
    rnd.set_survey_score(entity, value, source.strip())


def set_shares(rnd: Round, attribute: str, shares: Mapping[str, str | Decimal], *,
               entity: str = "") -> dict[str, Decimal]:
    """Population shares of one attribute (e.g. 性别: 男 0.51, 女 0.49; percentages allowed).

    Checked against the questionnaire's categories for that attribute: every category given
    once, each 0–1, adding up to 1 (or to 100 as percentages). Empty ``shares`` remove them.
    """
    entity = resolve_entity(rnd, entity)
    q = questionnaire_of(rnd, entity)
    try:
        options = [o.label for o in q.attribute(attribute).options]
    except KeyError:
        known = "、".join(a.attribute for a in q.attributes) or "（问卷没有记录属性的题目）"
        raise SurveyFileError(f"问卷中没有受访者属性“{attribute}”", hint=f"可选：{known}") from None
    if not shares:
        rnd.set_survey_shares(entity, attribute, None)
        return {}
    values = _share_values(attribute, options, shares)
    rnd.set_survey_shares(entity, attribute, values)
    return values


def _share_values(attribute: str, options: list[str],
                  shares: Mapping[str, str | Decimal]) -> dict[str, Decimal]:
    unknown = [k for k in shares if k not in options]
    if unknown:
        raise SurveyFileError(f"“{attribute}”没有类别“{'、'.join(unknown)}”",
                              hint="问卷中的类别：" + "、".join(options))
    missing = [o for o in options if o not in shares]
    if missing:
        raise SurveyFileError(f"“{attribute}”缺少类别“{'、'.join(missing)}”的人口比例",
                              hint="每个类别都要填写（没有人口的类别填 0）")
    try:
        values = {o: Decimal(str(shares[o]).strip().rstrip("%")) for o in options}
    except (InvalidOperation, ValueError):
        raise SurveyFileError(f"“{attribute}”的人口比例应为数值") from None
    total = sum(values.values(), Decimal(0))
    if any(not v.is_finite() or v < 0 for v in values.values()) or total <= 0:
        raise SurveyFileError(f"“{attribute}”的人口比例应为不小于 0 的数值")
    if abs(total - 100) <= Decimal("0.1") and total > Decimal("1.01"):
        values = {o: v / 100 for o, v in values.items()}
        total = total / 100
    if abs(total - 1) > Decimal("0.001"):
        raise SurveyFileError(f"“{attribute}”各类别的人口比例合计为 {total.normalize()}，应为 1（或 100%）")
    return values
