"""Creating a round and reading back the catalogue it was created with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from jinan_eval_gui import catalogue as catalogue_mod
from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.store import Round

ProgressFn = Callable[[int, int, str], None]
DEFAULT_ENTITY = "济南市"


# ---------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------
def create_round(path: str | Path, *, year: int, name: str = "", entities: Sequence[str] = (),
                 catalogue: Catalogue | None = None) -> Round:
    """A new round file holding a snapshot of the catalogue it is evaluated with."""
    cat = catalogue or catalogue_mod.load()
    if not 2000 <= year <= 2100:
        raise RoundFileError(f"评价年度“{year}”无效", hint="请填写四位年份，如 2026")
    return Round.create(
        Path(path), name=name or f"{year}年度济南市新型智慧城市评价", year=year,
        catalogue_version=cat.version, catalogue_hash=cat.hash,
        catalogue_json=cat.canonical_json, params={},
        entities=tuple(entities) or (DEFAULT_ENTITY,),
    )


_CATALOGUES: dict[str, Catalogue] = {}


def round_catalogue(rnd: Round) -> Catalogue:
    """The catalogue the round was created with (rescoring uses it, not today's file).

    Built once per snapshot content (a Catalogue is immutable): building compiles every rule,
    which costs more than importing a unit's return.
    """
    # The hash recorded with the snapshot names its content, so a session that re-scores
    # after every change reads neither the snapshot's JSON nor hashes it again.
    recorded = rnd.info.catalogue_hash
    cat = _CATALOGUES.get(recorded)
    if cat is None:
        cat = _snapshot_catalogue(rnd.catalogue().json_text)
        if cat.hash == recorded:
            _CATALOGUES[recorded] = cat
    return cat


def _snapshot_catalogue(json_text: str) -> Catalogue:
    """The catalogue of a snapshot's JSON, built once per content in this process."""
    key = hashlib.sha256(json_text.encode("utf-8")).hexdigest()
    cat = _CATALOGUES.get(key)
    if cat is None:
        cat = catalogue_mod.build(json.loads(json_text))
        if len(_CATALOGUES) >= 16:
            _CATALOGUES.clear()
        _CATALOGUES[key] = cat
    return cat
