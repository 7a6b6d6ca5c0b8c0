"""A round with every unit's return imported (sample data with a few blanks and mistakes),
shared by the 以评促建 tests (analysis, scorecards, report chapters, what-if)."""

from __future__ import annotations

from pathlib import Path

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.store import Round


def build_round(root: Path, *, entities: tuple[str, ...] = ("济南市",), year: int = 2026,
                seed: int = 7, blank_share: float = 0.02, mistake_share: float = 0.03) -> Path:
    """Create, issue, sample-fill and import; the round is closed and returned by path."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{year}年度评价.jeval"
    with workflow.create_round(path, year=year, entities=entities) as rnd:
        workflow.issue_templates(rnd, root / "templates", deadline=f"{year + 1}-01-31",
                                 contact_person="市智慧办 张三", contact_phone="0531-12345678")
    filled = samplefill.sample_fill(root / "templates", root / "filled", seed, blank_share,
                                    mistake_share)
    with Round.open(path) as rnd:
        workflow.import_files(rnd, filled)
    return path
