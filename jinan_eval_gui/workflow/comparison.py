"""Year-on-year: the earlier round compared with, chosen once and remembered in the round.

The round keeps the chosen file's path, round id, year and name (``round_links``, audited). A
round of the same or a later year, or the round itself, is refused. Imports then check jumps
against its accepted values (``collect/yoy.py``) and the results carry last year's score and
the change beside each score (:func:`year_on_year`). A remembered file that was moved or
replaced is reported, never silently compared with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.scoring.engine import Results
from jinan_eval_gui.store import Round, RoundLink

PREVIOUS = "previous"


def check_earlier(current: Round, earlier: Round) -> None:
    """Refuse the round itself, or one not of an earlier year, as 上年度."""
    from jinan_eval_gui.collect.yoy import check_earlier_round

    check_earlier_round(current.info, earlier.info)


def set_comparison(rnd: Round, path: str | Path) -> RoundLink:
    """Remember ``path`` as the round compared with (checked: a sound round of an earlier year)."""
    path = Path(path).resolve()
    with Round.open(path, readonly=True) as earlier:
        check_earlier(rnd, earlier)
        info = earlier.info
    return rnd.set_round_link(PREVIOUS, path=str(path), round_id=info.id, year=info.year,
                              name=info.name)


def comparison(rnd: Round) -> RoundLink | None:
    """The remembered round compared with, if any."""
    return rnd.round_link(PREVIOUS)


def clear_comparison(rnd: Round) -> bool:
    """Forget the round compared with (audited); False if none was chosen."""
    return rnd.clear_round_link(PREVIOUS)


def comparison_problem(rnd: Round) -> str:
    """Why the remembered round cannot be used now (moved, replaced), or "" when it can."""
    link = comparison(rnd)
    if link is None:
        return ""
    path = Path(link.path)
    if not path.is_file():
        return (f"上年度评价轮次文件“{path}”已找不到（被移动、改名或删除），本次未作同比校验。"
                "请重新选择上年度评价轮次")
    try:
        with Round.open(path, readonly=True) as earlier:
            if earlier.info.id != link.round_id:
                return (f"“{path}”已不是此前选定的 {link.year} 年度评价轮次（文件被替换），"
                        "本次未作同比校验。请重新选择上年度评价轮次")
    except RoundFileError as exc:
        return f"上年度评价轮次文件“{path}”无法打开（{exc}），本次未作同比校验"
    return ""


def comparison_path(rnd: Round, explicit: str | Path | Round | None = None
                    ) -> str | Path | Round | None:
    """The round to compare with: ``explicit`` if given, else the remembered one while usable."""
    if explicit is not None:
        return explicit
    link = comparison(rnd)
    if link is None or comparison_problem(rnd):
        return None
    return Path(link.path)


# ---------------------------------------------------------------------------------------
# Last year's scores beside this year's
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A score this year, last year and the difference (None where either is missing)."""

    current: Decimal | None
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass
class EntityChanges:
    """One entity's scores against last year's: total, level 1, level 2 (by name), indicators."""

    total: Change
    level1: dict[str, Change] = field(default_factory=dict)
    level2: dict[str, Change] = field(default_factory=dict)
    indicators: dict[int, Change] = field(default_factory=dict)


@dataclass
class YearOnYear:
    """The earlier round's year and name, and every entity's changes."""

    year: int
    name: str
    path: str
    entities: dict[str, EntityChanges]


def year_on_year(rnd: Round, results: Mapping[str, Results] | None = None, *,
                 earlier: str | Path | None = None) -> YearOnYear | None:
    """This year's results beside the earlier round's (remembered or ``earlier``); None when
    no round is chosen. Entities are matched by name (one entity each: matched as they are);
    indicators by number, groups by name."""
    from .scores import score_round

    path = comparison_path(rnd, earlier)
    if path is None:
        return None
    results = results if results is not None else score_round(rnd, save=False)
    with Round.open(Path(str(path)), readonly=True) as old:
        check_earlier(rnd, old)
        info = old.info
        before = score_round(old, save=False)
    pairs = {e: before.get(e) for e in results}
    if len(results) == 1 and len(before) == 1:
        pairs = {next(iter(results)): next(iter(before.values()))}
    return YearOnYear(info.year, info.name, str(path),
                      {e: _changes(results[e], prev) for e, prev in pairs.items()})


def _changes(now: Results, prev: Results | None) -> EntityChanges:
    if prev is None:
        return EntityChanges(Change(now.total, None),
                             {g.name: Change(g.score, None) for g in now.level1},
                             {g.name: Change(g.score, None) for g in now.level2},
                             {i: Change(r.score, None) for i, r in now.indicators.items()})
    l1 = {g.name: g.score for g in prev.level1}
    l2 = {g.name: g.score for g in prev.level2}
    return EntityChanges(
        Change(now.total, prev.total),
        {g.name: Change(g.score, l1.get(g.name)) for g in now.level1},
        {g.name: Change(g.score, l2.get(g.name)) for g in now.level2},
        {i: Change(r.score, prev.indicators[i].score if i in prev.indicators else None)
         for i, r in now.indicators.items()})
