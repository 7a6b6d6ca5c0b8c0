"""Time the import of one entity's 29 filled returns against plain openpyxl reading.

Builds a round, issues every unit's template for one entity, fills them with ``samplefill`` (as
the demo does), then, in the same process and on the same files:

* ``openpyxl``: the baseline, ``load_workbook(read_only=True, data_only=True)`` and every row of
  every sheet read (values only, no checks at all);
* ``dry-run``: ``workflow.import_files(..., dry_run=True)`` (read, identify, validate, classify);
* ``import``: ``workflow.import_files`` into a fresh copy of the round (everything above plus
  storing bytes, values, findings and conflicts in one transaction);
* ``unchanged``: importing the same files again (all come back "unchanged").

Each figure is the median of ``--runs`` runs (default 5). The round's catalogue is built once
before timing (the GUI keeps it; the first import of a CLI run pays ``catalogue build`` once).

    python benchmarks/bench_import.py [--runs 5] [--profile] [--keep DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402

from jinan_eval_gui import catalogue as catalogue_mod  # noqa: E402
from jinan_eval_gui import workflow
from jinan_eval_gui.collect import samplefill  # noqa: E402
from jinan_eval_gui.store import Round  # noqa: E402

TARGET = 1.0


def openpyxl_read(paths: list[Path]) -> int:
    cells = 0
    for path in paths:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    return cells


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one import run")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pristine = work / "pristine.jeval"
        for leftover in work.glob("*.jeval*"):
            leftover.unlink()
        with workflow.create_round(pristine, year=2024) as rnd:
            workflow.issue_templates(rnd, work / "templates")
        filled = samplefill.sample_fill(work / "templates", work / "filled", seed=7)
        print(f"{len(filled)} filled returns, {sum(p.stat().st_size for p in filled) // 1024} KiB")

        t0 = time.perf_counter()
        catalogue_mod.build(catalogue_mod.load().raw)
        print(f"catalogue build (once per process): {time.perf_counter() - t0:.3f} s")

        results: dict[str, list[float]] = {"openpyxl": [], "dry-run": [], "import": [],
                                           "unchanged": []}
        profile = cProfile.Profile() if args.profile else None
        for n in range(args.runs):
            results["openpyxl"].append(timed(lambda: openpyxl_read(filled)))
            target = work / f"run{n}.jeval"
            shutil.copy(pristine, target)
            with Round.open(target) as rnd:
                workflow.round_catalogue(rnd)  # built once, as in a GUI session
                results["dry-run"].append(timed(
                    lambda rnd=rnd: workflow.import_files(rnd, filled, dry_run=True)))
                if profile is not None and n == 0:
                    profile.enable()
                report = None

                def real(rnd=rnd):
                    nonlocal report
                    report = workflow.import_files(rnd, filled)

                results["import"].append(timed(real))
                if profile is not None and n == 0:
                    profile.disable()
                assert report is not None and report.counts()["imported"] == len(filled), \
                    report.counts()
                again = None

                def repeat(rnd=rnd):
                    nonlocal again
                    again = workflow.import_files(rnd, filled)

                results["unchanged"].append(timed(repeat))
                assert again is not None and again.counts()["unchanged"] == len(filled)
            target.unlink()
        base = statistics.median(results["openpyxl"])
        print(f"median of {args.runs} runs ({len(filled)} files):")
        for name, times in results.items():
            median = statistics.median(times)
            ratio = median / base if base else 0
            print(f"  {name:<10} {median:6.3f} s   ({ratio:4.2f} x openpyxl read-only)   "
                  f"runs: {', '.join(f'{t:.3f}' for t in times)}")
        imported = statistics.median(results["import"])
        print(f"target < {TARGET:.1f} s for the import: {'met' if imported < TARGET else 'NOT met'}")
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
