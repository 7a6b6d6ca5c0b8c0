"""Creating a round and reading back the catalogue it was created with."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jinan_eval_gui import catalogue as catalogue_mod
from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import CatalogueError, RoundFileError
from jinan_eval_gui.store import Round

ProgressFn = Callable[[int, int, str], None]
DEFAULT_ENTITY = "济南市"


# ---------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------
def create_round(path: str | Path, *, year: int, name: str = "", entities: Sequence[str] = (),
                 catalogue: Catalogue | None = None,
                 parents: Mapping[str, str] | None = None) -> Round:
    """A new round file holding a snapshot of the catalogue it is evaluated with.

    ``parents``: the parent of entities that have one (``{"历下区": "济南市"}``), for rankings
    within each parent (see :mod:`.entities` for how people write them).
    """
    if not 2000 <= year <= 2100:
        raise RoundFileError(f"评价年度“{year}”无效", hint="请填写四位年份，如 2026")
    name = _checked_name(name, "评价轮次名称") if name else f"{year}年度济南市新型智慧城市评价"
    chosen = [_checked_name(e, "评价对象名称") for e in entities] or [DEFAULT_ENTITY]
    seen: set[str] = set()
    for entity in chosen:
        if entity.casefold() in seen:
            raise RoundFileError(f"评价对象“{entity}”重复", hint="每个评价对象只需填写一次")
        seen.add(entity.casefold())
    tree = {_checked_name(e, "评价对象名称"): _checked_name(p, "上级名称")
            for e, p in (parents or {}).items()}
    unknown = [e for e in tree if e not in chosen]
    if unknown:
        raise RoundFileError(f"为“{unknown[0]}”指定了上级，但它不在评价对象中",
                             hint="请同时把它列为评价对象")
    cat = catalogue or catalogue_mod.load()
    rnd = Round.create(
        Path(path), name=name, year=year,
        catalogue_version=cat.version, catalogue_hash=cat.hash,
        catalogue_json=cat.canonical_json, params={}, entities=tuple(chosen),
    )
    if tree:
        try:
            rnd.set_entity_parents(tree)
        except BaseException:
            rnd.close()
            Path(path).unlink(missing_ok=True)
            raise
    return rnd


def _checked_name(text: str, what: str) -> str:
    """A name typed by the user, trimmed; RoundFileError if blank, too long or with control
    characters (names go into every template, file name and report)."""
    name = str(text).strip()
    if not name:
        raise RoundFileError(f"{what}不能为空或只有空格", hint=f"请填写{what}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise RoundFileError(f"{what}中含有换行、制表符等控制字符", hint=f"请重新填写{what}")
    if len(name) > 100:
        raise RoundFileError(f"{what}过长（{len(name)} 个字）", hint="请控制在 100 个字以内")
    return name


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
        try:
            cat = _snapshot_catalogue(rnd.catalogue().json_text)
        except (CatalogueError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise rnd.damaged("其中保存的指标体系快照无法读取", str(exc)[:80]) from exc
        if cat.hash == recorded:
            _CATALOGUES[recorded] = cat
    return cat


def _snapshot_catalogue(json_text: str) -> Catalogue:
    """The catalogue of a snapshot's JSON, built once per content in this process."""
    key = hashlib.sha256(json_text.encode("utf-8")).hexdigest()
    cat = _CATALOGUES.get(key)
    if cat is None:
        # lenient: rounds made before parameters had Chinese names still open
        cat = catalogue_mod.build(json.loads(json_text), lenient_labels=True)
        if len(_CATALOGUES) >= 16:
            _CATALOGUES.clear()
        _CATALOGUES[key] = cat
    return cat
