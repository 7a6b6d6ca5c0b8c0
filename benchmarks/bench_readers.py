"""Compare our .xlsx reader (xlsxsafe) with python-calamine and openpyxl read-only.

Generates a corpus of workbooks shaped like returned templates (a visible input sheet, a hidden
``_meta`` sheet, shared strings, formulas with cached values, dates, percents) in small, medium
and large sizes, optionally re-saved by LibreOffice, then times a full read of every worksheet
with each reader (best of ``--repeat`` runs per file) and prints the median per size class.
A second scenario reads only the ~100 input cells that an importer wants (xlsxsafe's ``wanted``).

    python benchmarks/bench_readers.py [--files 30] [--repeat 3] [--lo] [--keep DIR]

Every reader reads cached values only; none of them recalculates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402

from jinan_eval_gui.collect import xlsxsafe  # noqa: E402

SIZES = {"small": (120, 6), "medium": (1_500, 10), "large": (12_000, 12)}  # rows, columns


def make_workbook(path: Path, rows: int, cols: int, seed: int) -> list[str]:
    """Write one workbook; return the addresses of ~100 'input' cells on the first sheet."""
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path))
    pct = wb.add_format({"num_format": "0.00%"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("填报表")
    labels = [f"指标说明文字{i % 300}" for i in range(rows)]
    for r in range(rows):
        ws.write_string(r, 0, labels[r])
        for c in range(1, cols):
            roll = rnd.random()
            if roll < 0.55:
                ws.write_number(r, c, round(rnd.uniform(0, 10_000), rnd.choice([0, 2])))
            elif roll < 0.7:
                ws.write_string(r, c, rnd.choice(["是", "否", "不适用", f"单位{rnd.randint(1, 50)}"]))
            elif roll < 0.8:
                ws.write_formula(r, c, f"=B{r + 1}*2", None, rnd.randint(0, 100))
            elif roll < 0.85:
                ws.write_number(r, c, rnd.random(), pct)
            elif roll < 0.9:
                ws.write_datetime(r, c, dt.datetime(2024, 1, 1) + dt.timedelta(days=r), date)
            elif roll < 0.93:
                ws.write_formula(r, c, "=1/0", None, "#DIV/0!")
    meta = wb.add_worksheet("_meta")
    meta.hide()
    for r, (k, v) in enumerate([("format", "jinan-eval-template"), ("round_id", "R1")]):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    for r in range(19, 19 + 100):
        meta.write_row(r, 0, [r, "key", "", "", "填报表", f"C{r}", "标签"])
    wb.define_name("JE_ROUND_ID", "=_meta!$B$2")
    wb.close()
    return [f"{xlsxsafe.column_letters(2 + (i % (cols - 1)))}{1 + (i * 7) % rows}" for i in range(100)]


def read_ours(path: Path) -> int:
    with xlsxsafe.open_workbook(path) as wb:
        return sum(len(wb.cells(s)) for s in wb.sheet_names if wb.sheet_kind(s) == "worksheet")


def read_ours_wanted(path: Path, wanted: list[str]) -> int:
    with xlsxsafe.open_workbook(path) as wb:
        return len(wb.cells(wb.sheet_names[0], wanted)) + len(wb.cells("_meta"))


def read_calamine(path: Path) -> int:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        n += sum(len(row) for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return n


def read_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(len(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lo", action="store_true", help="re-save a third of the files with LibreOffice")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = ap.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-readers-"))
    root.mkdir(parents=True, exist_ok=True)
    corpus: list[tuple[str, Path, list[str]]] = []
    classes = ["small"] * (args.files // 2) + ["medium"] * (args.files * 3 // 10)
    classes += ["large"] * (args.files - len(classes))
    for i, cls in enumerate(classes):
        rows, cols = SIZES[cls]
        path = root / f"{cls}_{i:02d}.xlsx"
        wanted = make_workbook(path, rows, cols, seed=i)
        corpus.append((cls, path, wanted))
    soffice = shutil.which("soffice")
    if args.lo and soffice:
        for j, (cls, path, wanted) in enumerate(list(corpus)):
            if j % 3:
                continue
            out = root / "lo"
            with tempfile.TemporaryDirectory() as prof:
                subprocess.run([soffice, f"-env:UserInstallation=file://{prof}", "--headless",
                                "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                               check=True, capture_output=True, timeout=300)
            corpus[j] = (cls + "+lo", out / path.name, wanted)

    readers = {
        "xlsxsafe": lambda p, w: read_ours(p),
        "xlsxsafe(wanted)": read_ours_wanted,
        "calamine": lambda p, w: read_calamine(p),
        "openpyxl-ro": lambda p, w: read_openpyxl(p),
    }
    results: dict[tuple[str, str], list[float]] = {}
    for cls, path, wanted in corpus:
        for rname, fn in readers.items():
            t = best_of(lambda fn=fn, path=path, wanted=wanted: fn(path, wanted), args.repeat)
            results.setdefault((rname, cls), []).append(t)
            results.setdefault((rname, "ALL"), []).append(t)

    size_of = {cls: f"{r}x{c}" for cls, (r, c) in SIZES.items()}
    cls_names = sorted({c for _, c in results if c != "ALL"}) + ["ALL"]
    print(f"{len(corpus)} workbooks in {root}; best of {args.repeat} per file; median ms per file")
    print(f"{'reader':18}" + "".join(f"{c + ' ' + size_of.get(c.split('+')[0], ''):>22}"
                                     for c in cls_names) + f"{'total s':>10}")
    for rname in readers:
        row = [statistics.median(results[(rname, c)]) * 1000 for c in cls_names]
        total = sum(results[(rname, "ALL")])
        print(f"{rname:18}" + "".join(f"{v:22.1f}" for v in row) + f"{total:10.2f}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
