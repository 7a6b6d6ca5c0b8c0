"""The chapter 市民满意度调查: sample, method, interval, dimensions, lowest-rated questions.

The survey's result travels with its indicator's result (``IndicatorResult.provenance``, put
there by the workflow when a survey is the source of the input), so the chapter needs no
argument of its own; without a survey it writes nothing. A score typed from a contractor's
report is stated with its source (there is then no sample to describe).
"""

from __future__ import annotations

from typing import Any

from jinan_eval_gui.catalogue.questionnaire import EXCLUSION_RULES

from .text import fmt

_INTERVALS = {"bootstrap": "自助法", "analytic": "正态近似"}
_LOWEST = 5


class SurveySection:
    """市民满意度调查; mixed into the report builder."""

    def survey_chapter(self) -> None:
        found = self.survey_result()
        if found is None:
            return
        ind, data = found
        self.heading("市民满意度调查")
        if data.get("source") == "score":
            self.para(f"指标 {ind.id}“{ind.name}”采用调查机构出具的综合得分 {fmt(ind.score)} 分"
                      f"（来源：{data.get('score_source', '')}）。评价工具未取得原始答卷，"
                      "样本、清洗和置信区间以该机构的调查报告为准。")
            return
        self.para(f"指标 {ind.id}“{ind.name}”的评估方法为“本指标评价通过调查问卷完成，评价得分方法由"
                  f"调查问卷确定”。本次采用问卷“{data['questionnaire']['title']}”"
                  f"（{data['questionnaire']['version']} 版），由导入的原始答卷“{data['file']}”计算得分。")
        self._survey_sample(data)
        self._survey_method(data)
        self._survey_dimensions(data)
        self._survey_lowest(data)

    def survey_result(self, res: Any = None) -> tuple[Any, dict[str, Any]] | None:
        """The survey indicator's result and its survey data (of ``res``, by default this
        report's entity), if a survey was its source."""
        for r in (res or self.res).indicators.values():
            data = (r.provenance or {}).get("survey") if r.kind == "survey" else None
            if data:
                return r, data
        return None

    def survey_compared(self, results: dict[str, Any]) -> None:
        """Several entities: what each entity's survey indicator rests on, in one table
        (answers with their sample and interval, a contractor's score with its source, or
        neither); written only when at least one entity has a survey."""
        found = {e: self.survey_result(r) for e, r in results.items()}
        if not any(found.values()):
            return
        self.heading("市民满意度调查")
        ind = next(f[0] for f in found.values() if f)
        with_answers = sum(1 for f in found.values() if f and f[1].get("source") != "score")
        self.para(f"指标 {ind.id}“{ind.name}”的得分由调查问卷确定。{len(results)} 个评估对象中，"
                  f"{with_answers} 个由导入的原始答卷计算得分（下表列出样本、有效答卷和 95% 置信区间），"
                  "其余采用调查机构出具的综合得分或尚无调查结果。问卷、清洗和计分方法"
                  "见各评估对象的单独评估报告。", keep=True)
        rows = []
        for e, f in found.items():
            if not f:
                rows.append([e, "无调查结果", self.dash, self.dash, self.dash, self.dash])
                continue
            r, data = f
            if data.get("source") == "score":
                rows.append([e, f"机构得分（{data.get('score_source', '')}）", self.dash,
                             self.dash, fmt(r.score, self.dash), self.dash])
                continue
            ci = data.get("ci95")
            rows.append([e, f"原始答卷“{data['file']}”", str(int(data["n"])),
                         str(int(data["n_kept"])), fmt(data.get("score"), self.dash),
                         f"{fmt(ci[0])} – {fmt(ci[1])}" if ci else self.dash])
        self.table(["评估对象", "得分来源", "答卷", "有效答卷", "综合得分", "95% 置信区间"], rows,
                   [2.6, 5.4, 1.3, 1.5, 1.6, 2.6], "llcccc", "各评估对象的市民满意度调查",
                   role="survey_compared")

    def _survey_sample(self, data: dict[str, Any]) -> None:
        self.heading("样本与清洗", 2)
        n, kept = int(data["n"]), int(data["n_kept"])
        weighted = data["method"]["weighting"]["method"] != "none"
        self.para(f"答卷共 {n} 份，按评分口径规定的清洗规则剔除 {n - kept} 份，有效答卷 {kept} 份"
                  f"（有效率 {kept / n:.1%}）"
                  + (f"；加权后的有效样本量〔(Σ权重)² ÷ Σ权重²〕为 {_n(data['n_eff'])}。" if weighted else "。")
                  if n else "答卷文件中没有答卷。", keep=True)
        counts = data.get("exclusion_counts") or {}
        rows = [[EXCLUSION_RULES[k], str(v)] for k, v in counts.items() if k in EXCLUSION_RULES]
        rows.append(["合计", str(n - kept)])
        self.table(["剔除原因", "份数"], rows, [5, 2], "lc", "市民调查答卷的清洗",
                   bold_rows=[len(rows) - 1], role="survey_sample")

    def _survey_method(self, data: dict[str, Any]) -> None:
        method = data["method"]
        t = method["thresholds"]
        self.heading("计分方法与置信区间", 2)
        self.para("选项按问卷规定的分值换算为 0–100 分；题目得分为有效回答的平均，维度得分为所含题目"
                  "得分按题目权重的平均，综合得分为各维度得分按维度权重的平均。“不了解/不适用”的回答"
                  + ("不计入该题得分（既不算 0 分，也不计入分母）。" if method["unknown"] == "exclude"
                     else "按该题分值的中间档计分。"))
        self.para(f"清洗阈值：计分题作答比例不低于 {t['min_answered_share']:.0%}；"
                  + (f"作答用时不少于 {t['min_seconds']:g} 秒；" if t["min_seconds"] else "不检查作答用时；")
                  + (f"{t['straightline_min']} 道及以上量表题全部选同一选项视为直线作答。"
                     if t["straightline_min"] else "不检查直线作答。"))
        weighting = method["weighting"]
        if weighting["method"] == "none":
            self.para("加权：每份有效答卷同等计" + ("（未录入人口比例）。" if weighting["chosen"] != "none"
                                          else "（评分口径选择不加权）。"))
        else:
            self.para(f"加权：按{'、'.join(weighting['attributes'])}的人口比例事后分层加权"
                      + ("（多个属性迭代比例拟合，"
                         f"{weighting['iterations']} 轮收敛）。" if weighting["method"] == "raking"
                         else "。"))
        ci = data.get("ci95")
        score = data.get("score")
        interval = _INTERVALS.get(method["interval"], "")
        detail = (f"对有效答卷有放回重抽样 {method['reps']} 次（随机数起始值 {method['seed']}），"
                  "每次重新加权、计分，取第 2.5 和第 97.5 百分位数" if method["interval"] == "bootstrap"
                  else "综合得分 ± 1.96 倍线性化标准误")
        self.para(f"综合得分 {fmt(score)} 分，95% 置信区间为 {fmt(ci[0])} – {fmt(ci[1])} 分"
                  f"（{interval}：{detail}）。" if ci and score is not None
                  else "没有有效答卷，无法计算综合得分。")

    def _survey_dimensions(self, data: dict[str, Any]) -> None:
        self.heading("各维度得分", 2)
        names = {l1.id: l1.name for l1 in self.cat.level1}
        rows = [[d["name"], "、".join(names.get(a, a) for a in d.get("areas", [])) or self.dash,
                 str(len(d.get("questions", []))), fmt(d["score"], self.dash)]
                for d in data["dimensions"]]
        self.table(["维度", "对应一级指标", "题数", "得分"], rows, [3.2, 4.2, 1.2, 1.6], "llcc",
                   "市民调查各维度得分", role="survey_dimensions")

    def _survey_lowest(self, data: dict[str, Any]) -> None:
        rated = sorted((q for q in data["questions"] if q["score"] is not None),
                       key=lambda q: (q["score"], q["id"]))[:_LOWEST]
        if not rated:
            return
        self.heading("得分最低的题目", 2)
        self.para(f"以下 {len(rated)} 道题得分最低，可作为下一年度改进的参考：", keep=True)
        rows = [[str(q["id"]), q["text"], q["dimension_name"], fmt(q["score"]), str(q["n"]),
                 str(q["unknown"])] for q in rated]
        self.table(["题号", "题目", "维度", "得分", "有效回答", "不了解"], rows,
                   [1.0, 7.0, 2.4, 1.3, 1.5, 1.3], "clllcc", "市民调查得分最低的题目",
                   role="survey_lowest")


def _n(value: Any) -> str:
    number = float(value)
    return f"{number:.0f}" if abs(number - round(number)) < 0.05 else f"{number:.1f}"
