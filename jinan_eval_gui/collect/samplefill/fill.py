"""Filling a folder of templates with synthetic returns (for the demo, tests and benchmarks)."""

from __future__ import annotations

import copy
import json
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from jinan_eval_gui import catalogue as catalogue_mod
from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.collect import templates
from jinan_eval_gui.errors import EvalError, TemplateError
from jinan_eval_gui.system import parallel
from jinan_eval_gui.system.atomic import atomic_path

from .filler import _Filler

MISTAKES_FILE = "_mistakes.json"


#: Mistake kinds written to the sidecar file.
MISTAKE_KINDS = (
    "numerator_gt_denominator",  # a part larger than its whole (a cross-field check fails)
    "approx_text",  # "约1200"
    "percent_sign",  # "85%" typed as text, also in count cells
    "fullwidth_digits",  # "１２００"
    "negative",  # -1200
    "text_in_number",  # "暂无数据" in a number cell
    "not_in_list",  # "不确定" in a 是/否 cell, an unknown option in a choice cell
)


@dataclass
class _FileResult:
    path: Path
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    blanks: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def sample_fill(in_dir: str | Path, out_dir: str | Path, seed: int = 0, blank_share: float = 0.0,
                mistake_share: float = 0.0) -> list[Path]:
    """The CLI's entry point: :func:`fill_dir` with the built-in catalogue."""
    return fill_dir(in_dir, out_dir, seed=seed, blank_share=blank_share,
                    mistake_share=mistake_share)


def fill_dir(in_dir: str | Path, out_dir: str | Path, *, seed: int = 0, blank_share: float = 0.0,
             mistake_share: float = 0.0, catalogue: Catalogue | None = None) -> list[Path]:
    """Fill every template in ``in_dir`` into ``out_dir`` (same file names); return the paths.

    Writes ``out_dir/_mistakes.json`` listing the inputs left blank and the mistakes made.
    """
    if not 0 <= blank_share <= 1 or not 0 <= mistake_share <= 1:
        raise EvalError("留空比例和错误比例应在 0 到 1 之间")
    src = Path(in_dir)
    out = Path(out_dir)
    if not src.is_dir():
        raise TemplateError(f"找不到模板文件夹“{src}”")
    files = sorted(p for p in src.glob("*.xlsx")
                   if not p.name.startswith(("~$", ".")) and p.is_file())
    out.mkdir(parents=True, exist_ok=True)
    # Each file is independent and deterministic, so half of them go to a second process.
    chunks = parallel.split(files, parallel.worker_count(2) if len(files) > 4 else 1) or [[]]
    options = (out, seed, blank_share, mistake_share)
    here, there = parallel.run([(_fill_files, (catalogue, chunks[0], *options))],
                               background=[(_fill_files, (catalogue, c, *options))
                                           for c in chunks[1:]])
    by_name = {r.path.name: r for part in (*here, *there) for r in part}
    results = [by_name[p.name] for p in files if p.name in by_name]
    if not results:
        raise TemplateError(f"文件夹“{src}”中没有数据采集模板（.xlsx）")
    sidecar = {
        "seed": seed, "blank_share": blank_share, "mistake_share": mistake_share,
        "files": [r.path.name for r in results],
        "mistakes": [m for r in results for m in r.mistakes],
        "blanks": [b for r in results for b in r.blanks],
    }
    _atomic_write_text(out / MISTAKES_FILE,
                       json.dumps(sidecar, ensure_ascii=False, indent=2, default=str))
    return [r.path for r in results]


def _fill_files(catalogue: Catalogue | None, files: list[Path], out: Path, seed: int,
                blank_share: float, mistake_share: float) -> list[_FileResult]:
    """Fill some templates (runs in a worker process too, hence plain arguments)."""
    cat = catalogue if catalogue is not None else catalogue_mod.load()
    results = []
    for path in files:
        result = _fill_file(cat, path, out / path.name, seed=seed, blank_share=blank_share,
                            mistake_share=mistake_share)
        if result is not None:
            results.append(result)
    return results


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------
# One workbook
# ---------------------------------------------------------------------------------------
_LOAD_LOCK = threading.Lock()


@contextmanager
def _keep_merged_styles() -> Any:
    """Load merged cells with the styles the file gives them.

    openpyxl discards the cells of a merged range and re-derives their borders and protection
    one style assignment at a time, which takes seconds for a template with a hundred merged
    rows. The template already stores every merged cell's style, so keep it (a copy of the
    cell's style array) instead. Scoped to one load; a lock keeps other loads out meanwhile.
    """
    original = Worksheet._clean_merge_range

    def clean(ws: Worksheet, mcr: Any) -> None:
        cells = mcr.cells
        next(cells)  # the top-left cell keeps its value and style
        for row, col in cells:
            old = ws._cells.get((row, col))
            merged = MergedCell(ws, row, col)
            if old is not None:
                merged._style = copy.copy(old._style)
            ws._cells[row, col] = merged

    with _LOAD_LOCK:
        Worksheet._clean_merge_range = clean  # type: ignore[method-assign]
        try:
            yield
        finally:
            Worksheet._clean_merge_range = original  # type: ignore[method-assign]


def _fill_file(cat: Catalogue, src: Path, dst: Path, *, seed: int, blank_share: float,
               mistake_share: float) -> _FileResult | None:
    with _keep_merged_styles():
        wb = openpyxl.load_workbook(src)
    if templates.META_SHEET not in wb.sheetnames:
        return None
    meta = templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))
    if meta.identity.get("format") != templates.FORMAT_NAME:
        return None
    rng = random.Random(f"{seed}|{src.name}")
    filler = _Filler(cat, meta, rng, blank_share, mistake_share, src.name, seed=seed)
    values = filler.run()
    for (sheet, cell), value in values.items():
        wb[sheet][cell].value = value
    with atomic_path(dst) as tmp:
        wb.save(tmp)
    return _FileResult(dst, filler.mistakes, filler.blanks)


def mistakes_of(out_dir: str | Path) -> dict[str, Any]:
    """Read the sidecar ``_mistakes.json`` written by :func:`fill_dir`."""
    return json.loads((Path(out_dir) / MISTAKES_FILE).read_text(encoding="utf-8"))
