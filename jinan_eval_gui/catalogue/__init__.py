"""The indicator catalogue: loading, validating and describing the indicator system.

The catalogue is data under ``resources/catalogue/`` (TOML; see docs/DESIGN.md), so the office
can revise the indicator system without touching code. This module turns those files into
immutable objects, refuses a catalogue that breaks an invariant (with a Chinese message naming
the indicator and the field), and gives everything downstream one view of it: the tree, the
units of each indicator, the inputs and rules, the default parameters, a version and a hash.
"""

from __future__ import annotations

from .loader import build, default_dir, load, read_raw
from .model import INPUT_KIND_LABELS, KIND_LABELS, Catalogue, Indicator, InputSpec, Level1, Step

__all__ = ["Catalogue", "INPUT_KIND_LABELS", "Indicator", "InputSpec", "KIND_LABELS", "Level1", "Step", "build", "default_dir", "load", "read_raw"]
