"""A scored survey: sample, exclusions, scores with their interval, and the method in words.

:meth:`SurveyResult.to_json` is the ``jinan-eval survey score --json`` contract, and what the
round keeps (so opening a round needs no recomputation) and what the report and the window
read; :func:`from_json` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinan_eval_gui.catalogue.questionnaire import EXCLUSION_RULES

from .cleaning import Exclusion

INTERVAL_LABELS = {"bootstrap": "自助法（重抽样）", "analytic": "正态近似（线性化方差）"}
WEIGHTING_LABELS = {"none": "不加权（每份有效答卷同等计）", "poststrat": "事后分层加权",
                    "raking": "多属性迭代比例加权（raking）"}
UNKNOWN_LABELS = {"exclude": "不计入该题得分（不算 0 分，也不计入分母）",
                  "neutral": "按该题分值的中间档计分"}


def round2(value: float | None) -> Decimal | None:
    """A score to 2 places, half up. The float is first taken to 9 places, so that a value
    that is exactly a half cent (61.875) and came out as 61.87499999999999 still rounds up."""
    if value is None or value != value:  # NaN
        return None
    return Decimal(str(round(float(value), 9))).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class SurveyResult:
    """Everything a survey's score rests on (see the module doc)."""

    file: str
    sha256: str
    format: str
    encoding: str
    questionnaire: dict[str, str]
    n: int
    n_kept: int
    n_eff: float
    excluded: list[Exclusion]
    score: Decimal | None
    ci95: tuple[Decimal, Decimal] | None
    dimensions: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    method: dict[str, Any]
    columns: list[dict[str, Any]] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def exclusion_counts(self) -> dict[str, int]:
        out = dict.fromkeys(EXCLUSION_RULES, 0)
        for e in self.excluded:
            out[e.rule] += 1
        return out

    @property
    def unmatched(self) -> list[dict[str, Any]]:
        return [c for c in self.columns if c["role"] == "unmatched"]

    def lowest(self, count: int = 5) -> list[dict[str, Any]]:
        """The lowest-rated questions (those with a score), lowest first."""
        rated = [q for q in self.questions if q["score"] is not None]
        return sorted(rated, key=lambda q: (q["score"], q["id"]))[:count]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": "responses",
            "file": self.file, "sha256": self.sha256, "format": self.format,
            "encoding": self.encoding, "questionnaire": dict(self.questionnaire),
            "n": self.n, "n_kept": self.n_kept, "n_eff": round(self.n_eff, 1),
            "excluded": [e.to_json() for e in self.excluded],
            "exclusion_counts": self.exclusion_counts(),
            "score": _f(self.score),
            "ci95": None if self.ci95 is None else [_f(self.ci95[0]), _f(self.ci95[1])],
            "dimensions": self.dimensions, "questions": self.questions,
            "method": self.method, "columns": self.columns, "missing_questions": self.missing,
            "notes": self.notes,
        }


def from_json(data: dict[str, Any]) -> SurveyResult:
    """A result as :meth:`SurveyResult.to_json` wrote it (KeyError/TypeError if it is not one)."""
    ci = data["ci95"]
    return SurveyResult(
        file=str(data["file"]), sha256=str(data["sha256"]), format=str(data["format"]),
        encoding=str(data.get("encoding", "")), questionnaire=dict(data["questionnaire"]),
        n=int(data["n"]), n_kept=int(data["n_kept"]), n_eff=float(data["n_eff"]),
        excluded=[Exclusion(int(e["row"]), str(e["rule"]), str(e["reason"]))
                  for e in data["excluded"]],
        score=None if data["score"] is None else Decimal(str(data["score"])).quantize(
            Decimal("0.01")),
        ci95=None if ci is None else (Decimal(str(ci[0])).quantize(Decimal("0.01")),
                                      Decimal(str(ci[1])).quantize(Decimal("0.01"))),
        dimensions=list(data["dimensions"]), questions=list(data["questions"]),
        method=dict(data["method"]), columns=list(data.get("columns", [])),
        missing=list(data.get("missing_questions", [])), notes=list(data.get("notes", [])),
    )


def method_text(method: dict[str, Any]) -> str:
    """The method in one Chinese sentence (trace, workbook, report)."""
    weighting = method.get("weighting", {})
    parts = ["选项按问卷分值换算为0–100分，题目得分为有效回答的加权平均，维度得分为所含题目得分按题目权重"
             "的平均，综合得分为各维度得分按维度权重的平均",
             f"“不了解/不适用”{UNKNOWN_LABELS.get(method.get('unknown', ''), '')}"]
    kind = weighting.get("method", "none")
    if kind == "none":
        parts.append(WEIGHTING_LABELS["none"])
    else:
        parts.append(f"按{'、'.join(weighting.get('attributes', []))}的人口比例"
                     f"{WEIGHTING_LABELS[kind]}")
    interval = method.get("interval", "")
    if interval == "bootstrap":
        parts.append(f"95%置信区间用{INTERVAL_LABELS['bootstrap']}，{method.get('reps')}次，"
                     f"随机数起始值{method.get('seed')}")
    elif interval == "analytic":
        parts.append(f"95%置信区间用{INTERVAL_LABELS['analytic']}")
    return "；".join(parts)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
