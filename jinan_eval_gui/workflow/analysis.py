"""以评促建 for a round: priorities, robustness, what-if and saved scenarios.

The analysis itself is core code (:mod:`jinan_eval_gui.scoring.analysis`); this module gathers
the engine inputs from the round, runs it for every entity, and stores what the office saves
(named what-if scenarios, never anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.scoring import engine
from jinan_eval_gui.scoring.analysis import (
    Change,
    EngineInputs,
    EntityAnalysis,
    RoundAnalysis,
    ScenarioResult,
    Scratch,
    priorities,
    simulate,
)
from jinan_eval_gui.store import Round

from .params import round_params
from .rounds import ProgressFn, round_catalogue
from .scores import entity_inputs

REPORT_RUNS = 2000
"""Monte Carlo replications behind the report's robustness statement: enough for a stable 90 %
interval at two decimals in a fraction of a second (``analyze`` uses 10 000 by default)."""
DEFAULT_SPREAD = 0.2
DEFAULT_SEED = 1


def engine_inputs(rnd: Round, cat: Catalogue, entity: str, *,
                  choices: Mapping[str, str] | None = None) -> EngineInputs:
    """Everything the engine scores one entity from, as the round holds it now (``choices``:
    gathered under other assumption choices, for those that act on the inputs, e.g. the
    survey's weighting). Gathering again is possible while the round is open."""
    chosen = rnd.assumption_choices() if choices is None else dict(choices)
    gathered = entity_inputs(rnd, cat, entity, choices=None if choices is None else chosen)
    overrides = {o.indicator_id: engine.Override(Decimal(o.score), o.reason)
                 for o in rnd.list_overrides(entity)}
    return EngineInputs(entity, gathered.values, round_params(rnd, cat), overrides,
                        gathered.blocked, chosen,
                        regather=lambda c: engine_inputs(rnd, cat, entity, choices=c))


def analyze(rnd: Round, *, runs: int = 10_000, spread: float = DEFAULT_SPREAD,
            seed: int = DEFAULT_SEED, vary_assumptions: bool = True,
            input_readings: bool = True, results: Mapping[str, engine.Results] | None = None,
            progress: ProgressFn | None = None) -> RoundAnalysis:
    """Priorities (with the engine's levers, found when asked for), robustness over ``runs``
    replications (0: none) and the saved scenarios re-evaluated, for every entity.

    ``results`` are the round's results when the caller already scored it (the export).
    ``input_readings``: also vary the readings that act on the inputs (the survey's: each is
    computed again from the answers, up to a couple of seconds each); else they are held.
    """
    say = progress or (lambda _d, _t, _m: None)
    cat = round_catalogue(rnd)
    inputs = {e: engine_inputs(rnd, cat, e) for e in rnd.list_entities()}
    scored = {e: (results[e] if results is not None and e in results else i.score(cat))
              for e, i in inputs.items()}
    say(0, 3, "正在计算提分空间")
    out = {e: EntityAnalysis(priorities(cat, scored[e], i)) for e, i in inputs.items()}
    if runs:
        say(1, 3, f"正在进行稳健性模拟（{runs} 次）")
        robust = simulate(cat, {e: (inputs[e], scored[e]) for e in inputs}, runs=runs,
                          spread=spread, seed=seed, vary_assumptions=vary_assumptions,
                          input_readings=input_readings)
        for e, r in robust.items():
            out[e].robustness = r
    say(2, 3, "正在核算已保存的试算情景")
    for e, a in out.items():
        a.scenarios = saved_scenarios(rnd, cat, inputs[e], scored[e])
    return RoundAnalysis(out, runs, spread, seed)


# ---------------------------------------------------------------------------------------
# What-if and scenarios
# ---------------------------------------------------------------------------------------
def scratch(rnd: Round, entity: str, *, cat: Catalogue | None = None,
            official: engine.Results | None = None) -> Scratch:
    """A scratch copy of ``entity``'s inputs for what-if (the round is never written)."""
    cat = cat or round_catalogue(rnd)
    if entity not in rnd.list_entities():
        raise EvalError(f"本评价轮次中没有评价对象“{entity}”")
    return Scratch(cat, engine_inputs(rnd, cat, entity), official)


def save_scenario(rnd: Round, work: Scratch, name: str, *, note: str = "") -> int:
    """Store the scratch's changes under ``name`` (with the totals they give now)."""
    if not name.strip():
        raise EvalError("请填写情景名称", hint="例如：电子证照使用率提至80%")
    if not work.changes:
        raise EvalError("试算中没有任何调整，无需保存", hint="先调整一项数据、参数或评分口径")
    outcome = work.outcome()
    summary = {"official": str(outcome.official.total), "total": str(outcome.results.total),
               "rows": [{"level": r.level, "key": r.key, "name": r.name,
                         "official": _s(r.official), "now": _s(r.now)} for r in outcome.rows()]}
    return rnd.save_scenario(work.entity, name, [c.to_json() for c in work.changes], summary,
                             note=note)


def _s(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def saved_scenarios(rnd: Round, cat: Catalogue, inputs: EngineInputs,
                    official: engine.Results) -> list[ScenarioResult]:
    """The entity's saved scenarios, each applied again to the current data and scored."""
    out = []
    for record in rnd.list_scenarios(inputs.entity):
        work = Scratch(cat, inputs, official)
        changes = [Change.from_json(c) for c in record.changes if isinstance(c, dict)]
        problems = work.apply(changes)
        out.append(ScenarioResult(record.name, record.note, tuple(changes), official.total,
                                  work.outcome().results.total, tuple(problems),
                                  record.created_at, record.created_by))
    return out


def scenario_rows(rnd: Round) -> list[dict[str, Any]]:
    """Every saved scenario as the window lists it (name, entity, changes, totals when saved)."""
    return [{"id": r.id, "entity": r.entity, "name": r.name, "note": r.note,
             "changes": [Change.from_json(c).text() for c in r.changes if isinstance(c, dict)],
             "official": r.summary.get("official"), "total": r.summary.get("total"),
             "created_at": r.created_at, "created_by": r.created_by}
            for r in rnd.list_scenarios()]
