"""Bounded cost for every cell and file (issue: "One cell can exhaust the machine").

Each hostile return is read in a separate process whose peak memory (``VmHWM``) and time
are measured: ``1E+999999999`` in a value, label, identity or evidence cell; numbers beyond any
range; a file inside every size limit whose parts hold hundreds of MiB of XML that is not cells;
a batch of returns carrying large pictures (memory must not grow with the batch). A bad file is
rejected or flagged alone: the rest of its batch is stored.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from corpus import (
    TEST_INDICATOR,
    TEST_UNIT,
    address,
    extended_catalogue,
    fill,
    make_round,
    meta_of,
    patch_parts,
    sheet_part,
    with_cell,
    xml_padding,
)

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import templates
from jinan_eval_gui.store import Round

PROJECT_ROOT = Path(__file__).resolve().parents[1]
T = TEST_INDICATOR
MB = 1024 * 1024


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("bounded")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=(TEST_UNIT, "市大数据局"),
               template_dir=d / "templates")
    filled = fill(d / "templates", d / "filled", cat)
    return d, filled


@pytest.fixture
def round_path(world, tmp_path) -> Path:
    path = tmp_path / "round.jeval"
    shutil.copy(world[0] / "pristine.jeval", path)
    return path


CHILD = """
import json, sys, time
from jinan_eval_gui import workflow
from jinan_eval_gui.store import Round


def peak_mb():
    # VmHWM is this program's own peak; ru_maxrss would also count the parent's memory
    # at fork time on Linux (it survives exec).
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


round_path, dry, *files = sys.argv[1:]
out = []
with Round.open(round_path, readonly=dry == "dry") as rnd:
    for group in files:
        start = time.perf_counter()
        report = workflow.import_files(rnd, group.split("|"), dry_run=dry == "dry")
        out.append({"seconds": time.perf_counter() - start,
                    "files": [{"status": f.status, "findings": [
                        [x.severity, x.cell or "", x.message] for x in f.findings]}
                        for f in report.files]})
print(json.dumps({"runs": out, "peak_mb": peak_mb()}, ensure_ascii=False))
"""


def measured(round_path: Path, *groups: list[Path], dry: bool = True) -> dict:
    """Import each group of files in a fresh process; its time per group and peak memory."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(round_path), "dry" if dry else "real",
         *("|".join(map(str, g)) for g in groups)],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------------------
# 1E+999999999 in every kind of cell


def hostile_cells(world, d: Path) -> dict[str, Path]:
    _dir, filled = world
    src = filled[TEST_UNIT]
    meta = meta_of(src)
    value = address(meta, T, "t_count1")
    label = f"B{value[1:]}"
    evidence = address(meta, T, templates.EVIDENCE_PREFIX + "t_flag1")
    huge = "<v>1E+999999999</v>"
    return {
        "value": with_cell(src, d / "value.xlsx", templates.DATA_SHEET, value,
                           f'<c r="{value}">{huge}</c>'),
        "label": with_cell(src, d / "label.xlsx", templates.DATA_SHEET, label,
                           f'<c r="{label}">{huge}</c>'),
        "identity": with_cell(src, d / "identity.xlsx", templates.META_SHEET, "B6",
                              f'<c r="B6">{huge}</c>'),
        "evidence": with_cell(src, d / "evidence.xlsx", templates.DATA_SHEET, evidence,
                              f'<c r="{evidence}">{huge}</c>'),
    }


def test_huge_exponent_in_any_cell_is_cheap_and_named(world, round_path, tmp_path):
    files = hostile_cells(world, tmp_path)
    data = measured(round_path, *([p] for p in files.values()))
    assert data["peak_mb"] < 200, data["peak_mb"]
    results = dict(zip(files, data["runs"], strict=True))
    for name, run in results.items():
        assert run["seconds"] < 2.0, (name, run["seconds"])
        assert all(len(m) < 1000 for f in run["files"] for _s, _c, m in f["findings"])
    for name in ("value", "evidence"):  # the cell is an error; the file is read
        (f,) = results[name]["files"]
        assert f["status"] == "imported"
        errors = [m for s, _c, m in f["findings"] if s == "error"]
        assert any("1E+999999999" in m and "超出 Excel 能表示的范围" in m for m in errors), errors
    for name in ("label", "identity"):  # the file cannot be placed: refused with the reason
        (f,) = results[name]["files"]
        assert f["status"] == "rejected"
        assert "超出 Excel 能表示的范围" in f["findings"][0][2], f["findings"][0]


def test_hostile_cells_do_not_sink_their_batch(world, round_path, tmp_path):
    _dir, filled = world
    files = hostile_cells(world, tmp_path)
    batch = [files["value"], files["label"], filled["市大数据局"]]
    data = measured(round_path, batch, dry=False)
    assert data["peak_mb"] < 200
    (run,) = data["runs"]
    assert [f["status"] for f in run["files"]] == ["imported", "rejected", "imported"]
    with Round.open(round_path, readonly=True) as rnd:
        assert sorted(s.file_name for s in rnd.list_submissions()) == sorted(
            [files["value"].name, filled["市大数据局"].name])
        current = rnd.current_values("济南市")[T]
        assert "t_count1" not in current  # the unreadable value is not stored, nor as 0


@pytest.mark.parametrize("stored", ["1e1000000", "1e999999", "1E-999999999", "NaN", "1" * 60])
def test_numbers_beyond_range_are_findings_never_zero(world, round_path, tmp_path, stored):
    _dir, filled = world
    src = filled[TEST_UNIT]
    cell = address(meta_of(src), T, "t_count1")
    path = with_cell(src, tmp_path / "n.xlsx", templates.DATA_SHEET, cell,
                     f'<c r="{cell}"><v>{stored}</v></c>')
    start = time.perf_counter()
    with Round.open(round_path, readonly=True) as rnd:
        (result,) = workflow.import_files(rnd, [path], dry_run=True).files
    assert time.perf_counter() - start < 2.0
    (error,) = [f for f in result.findings if f.cell == cell and f.severity == "error"]
    assert len(error.message) < 300 and ("超出" in error.message or "不是数字" in error.message)
    assert not [v for v in result.values if v.input_key == "t_count1"]


# ------------------------------------------------------------------------------------------
# A CPU flood inside every size limit


def flood(src: Path, dst: Path, per_part: int) -> Path:
    """``src`` with ``per_part`` bytes of non-cell XML after the root tag of five parts read."""
    shutil.copy(src, dst)
    parts = {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml",
             sheet_part(dst, templates.META_SHEET), sheet_part(dst, templates.DATA_SHEET)}
    pad = xml_padding(per_part)

    def fn(name: str, data: bytes) -> bytes:
        if name not in parts:
            return data
        declaration = data.find(b"?>")
        root = data.index(b"<", declaration + 2 if declaration >= 0 else 0)
        head = data.index(b">", root) + 1
        return data[:head] + pad + data[head:]

    return patch_parts(dst, fn)


def test_xml_flood_is_refused_within_seconds(world, round_path, tmp_path):
    _dir, filled = world
    path = flood(filled[TEST_UNIT], tmp_path / "flood.xlsx", 30 * MB)
    with zipfile.ZipFile(path) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 150 * MB
    assert path.stat().st_size < 4 * MB
    data = measured(round_path, [path])
    (run,) = data["runs"]
    assert run["seconds"] < 5.0, run["seconds"]
    assert data["peak_mb"] < 200
    (f,) = run["files"]
    assert f["status"] == "rejected"
    assert "大量与填报无关的内容" in f["findings"][0][2]


# ------------------------------------------------------------------------------------------
# Memory independent of the batch


def _with_picture(src: Path, dst: Path, size: int) -> Path:
    """``src`` plus a picture part of ``size`` incompressible bytes (stored, as pictures are)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("xl/media/image1.png", os.urandom(size), compress_type=zipfile.ZIP_STORED)
    return dst


@pytest.mark.slow
def test_import_memory_does_not_grow_with_the_batch(tmp_path):
    entities = tuple(f"测试区{i}" for i in range(6))
    cat = extended_catalogue()
    make_round(tmp_path / "r.jeval", cat, entities=entities, units=("市大数据局",),
               template_dir=tmp_path / "t")
    small = fill(tmp_path / "t", tmp_path / "f", cat)
    assert len(list((tmp_path / "f").glob("*.xlsx"))) == len(entities)
    returns = sorted((tmp_path / "f").glob("*.xlsx"))
    big = [_with_picture(p, tmp_path / f"big{i}.xlsx", 24 * MB) for i, p in enumerate(returns)]
    assert small  # one unit, six entities: six returns that all go in
    shutil.copy(tmp_path / "r.jeval", tmp_path / "one.jeval")
    one = measured(tmp_path / "one.jeval", big[:1], dry=False)
    batch = measured(tmp_path / "r.jeval", big, dry=False)
    assert {f["status"] for f in batch["runs"][0]["files"]} == {"imported"}
    # the whole batch is 144 MB of pictures; held at once it would add that much
    assert batch["peak_mb"] - one["peak_mb"] < 60, (one["peak_mb"], batch["peak_mb"])
