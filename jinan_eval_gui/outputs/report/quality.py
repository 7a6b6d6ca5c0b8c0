"""Sections about the data: 信息安全 deductions, data quality and the findings of the import."""

from __future__ import annotations

from collections.abc import Mapping

from jinan_eval_gui.catalogue import Indicator
from jinan_eval_gui.scoring.engine import STATUS_LABELS, IndicatorResult

from .blocks import (
    FindingsSummary,
)
from .text import (
    _input_text,
    fmt,
    fmt_number,
)


class QualitySections:
    """Deductions and data quality; mixed into the report builder."""

    def deductions_section(self) -> None:
        t = self.t
        groups = [g for g in self.res.level1 if g.kind == "deduction"]
        if not groups:
            return
        self.heading(t("sections", "deductions"))
        cap = self.res.params.get("deduction_cap")
        self.para(t("text", "deductions_intro", raw=fmt(self.res.deductions_raw),
                    cap=fmt_number(cap) if cap is not None else self.dash,
                    deductions=fmt(self.res.deductions)), keep=True)
        rows = []
        for g in groups:
            for term in g.terms:
                r = self.res.indicators[int(term.key)]
                ind = self.cat.indicator(r.id)
                rows.append([str(r.id), r.name, fmt(r.score), self.deduction_reason(ind, r)])
        self.table([t.label("id"), t.label("name"), t.label("points"), t.label("reason")], rows,
                   [1.0, 4.2, 1.2, 6.0], "clcl", t("text", "deductions_table_caption"),
                   role="deductions")

    def deduction_reason(self, ind: Indicator, r: IndicatorResult) -> str:
        """Why the points: the inputs the deduction was computed from, exactly those (for
        per-unit indicators only the units the score counted), and any gap."""
        parts: list[str] = []
        if r.status == "expert":
            parts.append(f"{STATUS_LABELS['expert']}：{r.override_reason}")
        elif r.status == "invalid" or (r.status == "missing" and r.raw is None):
            parts.append(f"{r.status_label}：{'；'.join(r.messages)}")
        else:
            used = _units_used(ind, r) if ind.collect == "per_unit" else None
            for spec in ind.inputs:
                if spec.kind == "table":
                    continue
                value = r.inputs.get(spec.key)
                if value is None or value == [] or value == "":
                    continue
                parts.append(f"{spec.label}：{_input_text(spec, value, used)}")
            if r.messages:
                parts.append(f"{r.status_label}：{'；'.join(r.messages)}" if r.status != "ok"
                             else "；".join(r.messages))
        return "；".join(parts) or self.dash

    # -- data quality ---------------------------------------------------------------------
    def quality_section(self) -> None:
        t = self.t
        inds = list(self.res.indicators.values())
        counts = {s: sum(1 for r in inds if r.status == s) for s in STATUS_LABELS}
        n = len(inds)
        completeness = (n - counts["missing"]) * 100 / n if n else 0
        self.heading(t("sections", "quality"))
        self.para(t("text", "quality_intro", n=n, ok=counts["ok"], missing=counts["missing"],
                    invalid=counts["invalid"], expert=counts["expert"],
                    completeness=f"{completeness:.1f}"))
        self.para(t("text", "quality_policy", **self.policy_texts()), keep=True)
        rows = [[STATUS_LABELS[s], str(c), f"{c * 100 / n:.1f}%" if n else self.dash]
                for s, c in counts.items()]
        rows.append([t.label("sum"), str(n), "100.0%" if n else self.dash])
        self.table([t.label("status"), t.label("count"), t.label("share")], rows, [3, 2, 2],
                   "ccc", t("text", "quality_table_caption"), bold_rows=[len(rows) - 1],
                   role="quality")
        issues = [r for r in inds if r.status != "ok"]
        if issues:
            order = {"missing": 0, "invalid": 1, "expert": 2}
            issues.sort(key=lambda r: (order[r.status], r.id))
            rows = [[str(r.id), r.name, r.status_label,
                     r.override_reason if r.status == "expert" else "；".join(r.messages)]
                    for r in issues]
            self.table([t.label("id"), t.label("name"), t.label("status"), t.label("note")], rows,
                       [1.0, 5.2, 1.4, 5.0], "clcl", t("text", "quality_issues_caption"),
                       role="issues")
        else:
            self.para(t("text", "quality_none"))
        if self.findings is not None:
            self.heading(t("sections", "findings"), 2)
            self.findings_blocks(self.findings)

    def findings_blocks(self, findings: FindingsSummary) -> None:
        t = self.t
        if isinstance(findings, str):
            lines = [line.strip() for line in findings.splitlines() if line.strip()]
            for line in lines or [t("text", "findings_none")]:
                self.para(line)
        elif isinstance(findings, Mapping):
            if not findings:
                self.para(t("text", "findings_none"))
                return
            rows = [[str(k), fmt_number(v)] for k, v in findings.items()]
            self.table([t.label("finding_kind"), t.label("finding_value")], rows, [5, 7], "lc",
                       t("text", "findings_table_caption"), role="findings")
        else:
            items = [str(x) for x in findings]
            if not items:
                self.para(t("text", "findings_none"))
            for i, item in enumerate(items, 1):
                self.para(f"{i}. {item}", style="detail")


def _units_used(ind: Indicator, r: IndicatorResult) -> list[int]:
    """Positions of the units a per-unit score counted: those that reported every required
    input (as the engine computes it)."""
    lists = [r.inputs.get(s.key) or [] for s in ind.inputs
             if s.required and s.kind not in ("text", "table")]
    width = max((len(v) for v in lists), default=0)
    return [i for i in range(width) if all(i < len(v) and v[i] is not None for v in lists)]
