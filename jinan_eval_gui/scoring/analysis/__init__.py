"""以评促建: from scores to next year's work.

* :mod:`.shares` — the total taken apart exactly: each indicator's share and points left;
* :mod:`.levers` — the change of one reported value that gains them, found by the engine;
* :mod:`.priorities` — ranked lists for the entity, per level-1 and per responsible unit;
* :mod:`.montecarlo` — robustness: the result under perturbed weights and every registered
  alternative reading of an assumption (numpy, imported only when it runs);
* :mod:`.whatif` — a scratch copy of the inputs to try a change and see its effect.
"""

from __future__ import annotations

from .inputs import EngineInputs
from .levers import Lever, LeverFinder
from .montecarlo import Interval, Robustness, simulate
from .priorities import EntityPriorities, Priority, UnitPriorities, priorities
from .result import EntityAnalysis, RoundAnalysis, ScenarioResult
from .shares import Decomposition, decompose, exact_text, rounded_chain
from .whatif import Change, Outcome, Scratch

__all__ = ["Change", "Decomposition", "EngineInputs", "EntityAnalysis", "EntityPriorities",
           "Interval", "Lever", "LeverFinder", "Outcome", "Priority", "Robustness",
           "RoundAnalysis", "ScenarioResult", "Scratch", "UnitPriorities", "decompose",
           "exact_text", "priorities", "rounded_chain", "simulate"]
