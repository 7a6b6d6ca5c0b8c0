"""A small collection month for the desk tests: a round of 2026 with three units issued
(deadline 2027-01-31, office contact 李四), their filled returns and wrong ones."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from corpus import TEST_INDICATOR, TEST_UNIT, edit, extended_catalogue, fill, meta_of

from jinan_eval_gui import workflow
from jinan_eval_gui.store import Round

T = TEST_INDICATOR
ENTITY = "济南市"
DATA_UNIT = "市大数据局"
LATE_UNIT = "市公安局"
UNITS = (TEST_UNIT, DATA_UNIT, LATE_UNIT)
DEADLINE = "2027-01-31"


@dataclass
class Month:
    folder: Path
    cat: object
    pristine: Path
    templates: Path
    filled: dict[str, Path]
    meta: object

    def round(self, tmp_path: Path, name: str = "round.jeval") -> Path:
        """A fresh copy of the issued round."""
        path = tmp_path / name
        shutil.copy(self.pristine, path)
        return path

    def edited(self, tmp_path: Path, name: str, values: dict) -> Path:
        """The test unit's return with ``values`` typed in (``(indicator, key)`` → value)."""
        return edit(self.filled[TEST_UNIT], tmp_path / name, values)


def make_month(folder: Path) -> Month:
    cat = extended_catalogue()
    pristine = folder / "pristine.jeval"
    with workflow.create_round(pristine, year=2026, catalogue=cat) as rnd:
        workflow.issue_templates(rnd, folder / "templates", units=list(UNITS), deadline=DEADLINE,
                                 contact_person="李四", contact_phone="0531-66608888")
    filled = fill(folder / "templates", folder / "filled", cat)
    return Month(folder, cat, pristine, folder / "templates", filled,
                 meta_of(filled[TEST_UNIT]))


def import_as(round_path: Path, paths, **kwargs):
    with Round.open(round_path, readonly=kwargs.get("dry_run", False)) as rnd:
        return workflow.import_files(rnd, paths, **kwargs)
