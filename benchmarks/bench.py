"""The whole pipeline, timed stage by stage, at one and at sixteen evaluated entities.

For each N (``--entities``, default 1 and 16: 济南市 plus fifteen other Shandong cities) the
benchmark builds a round, issues every (entity, unit) template and sample-fills them (the
corpus, kept in a cache folder keyed by the code that makes it), then times each stage in a
fresh process, ``--repeat`` times (median), because start-up is part of what a user waits for:

* ``templates``: new round + every template (``create_round`` + ``issue_templates``);
* ``import``: import and validate every filled return into a fresh copy of the round;
* ``score``: ``score_round`` with the catalogue already built (re-scoring in a session), and
  ``score_cold`` (the first call of a process, building the catalogue);
* ``export_xlsx`` / ``export_docx`` / ``export_pdf`` / ``export`` (= ``export_all``, all three):
  scoring included, since ``export_all`` scores the round;
* ``analysis``: robustness of the first entity's result, 10 000 Monte Carlo replications
  (numpy's import, the engine scoring every alternative reading, the vectorised aggregation),
  against its baseline in the same process: one ``engine.score`` of the entity, times 10 000;
  also the whole ``analyze`` of every entity and one what-if trial (``Scratch.set_input``);
* ``gui_start``: ``jinan_eval_gui.gui.app`` to a shown, painted main window (offscreen), from a
  timestamp taken just before the process starts;
* ``cli_start``: ``jinan-eval --help`` (and ``python -m jinan_eval_gui.cli --help``);
* two baselines on the very same filled files: ``openpyxl.load_workbook(read_only=True,
  data_only=True)`` reading every cell of every sheet, and ``python_calamine`` reading every
  sheet. Import runs and baseline runs alternate, so load on a shared machine hits all alike.

Each figure is the time measured inside the child around the operation (``*_s``) and the
wall time of the whole process (``*_wall_s``); ``stage_cpu_s`` is the CPU time of the child
and its workers, which shows on a shared machine whether a second core was to be had.
``peak_rss_mb`` is the largest resident set of any one process of a stage (the child's own
high-water mark and, from ``getrusage``, the largest of the workers it reaped);
``peak_tree_rss_mb`` (Linux) is the largest sum over the child's process tree, sampled every
20 ms. At N >= 8 templates and the openpyxl baseline run once and the single-format exports
only when named in ``--stages``, which keeps the default run (N=1 and N=16) within five
minutes on two cores.

    python benchmarks/bench.py [--entities 1 16] [--repeat 3] [--json] [--fresh]
                               [--stages import,score,...] [--profile STAGE]

Children run with bytecode caching on (as an installed program has its .pyc files); the
first import of a run and one start-up of the CLI and the GUI are untimed warm-ups.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENTITIES = ("济南市", "青岛市", "淄博市", "枣庄市", "东营市", "烟台市", "潍坊市", "济宁市",
            "泰安市", "威海市", "日照市", "临沂市", "德州市", "聊城市", "滨州市", "菏泽市")
YEAR = 2026
SEED = 7
#: Stages in the order they run; the heavy ones run fewer times for large N (see ``runs_for``).
STAGES = ("templates", "import", "score", "export_xlsx", "export_docx", "export_pdf", "export",
          "analysis", "gui_start", "cli_start")
TARGETS = {  # (stage, N) -> seconds; ratios and memory are checked in ``verdicts``
    ("templates", 1): 1.5, ("import", 1): 1.0, ("score", 1): 0.02, ("export", 1): 5.0,
    ("gui_start", 1): 1.5, ("cli_start", 1): 0.3, ("export", 16): 20.0, ("analysis", 1): 2.0,
}
MC_RUNS = 10_000
MEMORY_TARGET_MB = 500
#: Province scale (issue 19): 16 cities and 134 districts and counties.
PROVINCE = 150
TARGETS[("export", PROVINCE)] = 120.0
LARGE_MEMORY_TARGET_MB = 1000  # peak of all processes at N >= PROVINCE


def entity_names(n: int) -> list[str]:
    """济南市 and the other Shandong cities; beyond sixteen, synthetic districts and counties
    of those cities in turn (济南1区, 青岛1区, …; see :func:`entity_parents`)."""
    return [ENTITIES[i] if i < len(ENTITIES) else _district(i) for i in range(n)]


def _district(i: int) -> str:
    k, city = divmod(i - len(ENTITIES), len(ENTITIES))
    return f"{ENTITIES[city].removesuffix('市')}{k + 1}区"


def entity_parents(n: int) -> dict[str, str]:
    """The city of each synthetic district (beyond the sixteen cities)."""
    return {_district(i): ENTITIES[(i - len(ENTITIES)) % len(ENTITIES)]
            for i in range(len(ENTITIES), n)}


# =======================================================================================
# Children: one stage, timed inside the process, result as one JSON line on stdout
# =======================================================================================
def child(stage: str, work: Path, n: int, profile: bool) -> None:
    """Run one stage in this (fresh) process and print ``{"inner_s": ...}``."""
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    out: dict[str, Any] = {}
    fn = CHILD_STAGES[stage]
    if prof is not None:
        prof.enable()
    out.update(fn(work, n))
    if prof is not None:
        prof.disable()
        import pstats

        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    out.update(own_peak_mb())
    print(json.dumps(out, ensure_ascii=False), flush=True)


def own_peak_mb() -> dict[str, float]:
    """This process's peak RSS and the largest of the processes it started and reaped.

    ``VmHWM`` rather than ``ru_maxrss`` for this process: after fork and exec Linux keeps the
    parent's resident size in ``ru_maxrss``, so a child would inherit the benchmark's own.
    """
    try:
        import resource
    except ImportError:  # Windows: no getrusage (the tree sampler needs /proc as well)
        return {}
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text().splitlines()
        own = int(next(x for x in status if x.startswith("VmHWM:")).split()[1]) / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return {"self_peak_mb": own, "children_peak_mb": kids}


def _fresh_dir(work: Path, name: str) -> Path:
    run = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work / "runs"))
    return run


def _filled(work: Path) -> list[Path]:
    return sorted((work / "filled").glob("*.xlsx"))


def stage_templates(work: Path, n: int) -> dict[str, Any]:
    from jinan_eval_gui import workflow

    run = _fresh_dir(work, "templates")
    start = time.perf_counter()
    with workflow.create_round(run / "round.jeval", year=YEAR, entities=entity_names(n),
                               parents=entity_parents(n)) as rnd:
        made = workflow.issue_templates(rnd, run / "templates")
    inner = time.perf_counter() - start
    shutil.rmtree(run, ignore_errors=True)
    return {"inner_s": inner, "files": len(made)}


def stage_import(work: Path, n: int) -> dict[str, Any]:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.store import Round

    run = _fresh_dir(work, "import")
    target = run / "round.jeval"
    shutil.copy(work / "pristine.jeval", target)
    files = _filled(work)
    with Round.open(target) as rnd:
        start = time.perf_counter()
        report = workflow.import_files(rnd, files)
        inner = time.perf_counter() - start
    counts = report.counts()
    if not (work / "imported.jeval").exists():  # the first import feeds score and export
        shutil.copy(target, work / "imported.jeval.part")
        os.replace(work / "imported.jeval.part", work / "imported.jeval")
    shutil.rmtree(run, ignore_errors=True)
    return {"inner_s": inner, "files": len(files), "counts": counts}


def stage_score(work: Path, n: int) -> dict[str, Any]:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.store import Round

    run = _fresh_dir(work, "score")
    target = run / "round.jeval"
    shutil.copy(work / "imported.jeval", target)
    with Round.open(target) as rnd:
        start = time.perf_counter()
        workflow.score_round(rnd)  # first call: builds the round's catalogue
        cold = time.perf_counter() - start
        warm = []
        for _ in range(5):
            start = time.perf_counter()
            results = workflow.score_round(rnd)
            warm.append(time.perf_counter() - start)
    shutil.rmtree(run, ignore_errors=True)
    return {"inner_s": statistics.median(warm), "cold_s": cold,
            "totals": {e: str(r.total) for e, r in results.items()}}


def _export(work: Path, formats: tuple[str, ...]) -> dict[str, Any]:
    from jinan_eval_gui import workflow
    from jinan_eval_gui.store import Round

    run = _fresh_dir(work, "export")
    target = run / "round.jeval"
    shutil.copy(work / "imported.jeval", target)
    with Round.open(target) as rnd:
        start = time.perf_counter()
        files = workflow.export_all(rnd, run / "out", formats=formats)
        inner = time.perf_counter() - start
    sizes = {p.suffix: 0 for p in files}
    for p in files:
        sizes[p.suffix] += p.stat().st_size
    shutil.rmtree(run, ignore_errors=True)
    return {"inner_s": inner, "files": len(files), "bytes": sizes}


def stage_analysis(work: Path, n: int) -> dict[str, Any]:
    """MC_RUNS replications of the first entity (timed from before numpy is imported), the
    engine's own scoring of that entity as the baseline, ``analyze`` of the round, a what-if."""
    from jinan_eval_gui import workflow
    from jinan_eval_gui.scoring.analysis import simulate
    from jinan_eval_gui.store import Round
    from jinan_eval_gui.workflow import analysis

    run = _fresh_dir(work, "analysis")
    target = run / "round.jeval"
    shutil.copy(work / "imported.jeval", target)
    with Round.open(target, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        entity = rnd.list_entities()[0]
        inputs = analysis.engine_inputs(rnd, cat, entity)
        official = inputs.score(cat)
        start = time.perf_counter()
        robust = simulate(cat, {entity: (inputs, official)}, runs=MC_RUNS)[entity]
        inner = time.perf_counter() - start
        engine = []
        for _ in range(20):
            start = time.perf_counter()
            inputs.score(cat)
            engine.append(time.perf_counter() - start)
        start = time.perf_counter()
        analysis.analyze(rnd, runs=MC_RUNS)
        whole = time.perf_counter() - start
        work_copy = analysis.scratch(rnd, entity, cat=cat, official=official)
        ind = next(i for i in cat.indicators if i.collect == "shared" and any(
            s.kind == "count" for s in i.inputs))
        key = next(s.key for s in ind.inputs if s.kind == "count")
        trials = []
        for k in range(10):
            start = time.perf_counter()
            work_copy.set_input(ind.id, key, str(k))
            trials.append(time.perf_counter() - start)
    shutil.rmtree(run, ignore_errors=True)
    return {"inner_s": inner, "analyze_s": whole, "engine_s": statistics.median(engine),
            "whatif_s": statistics.median(trials), "runs": MC_RUNS,
            "interval": [str(robust.total.p05), str(robust.total.p95)]}


def stage_baseline_openpyxl(work: Path, n: int) -> dict[str, Any]:
    import openpyxl

    files = _filled(work)
    start = time.perf_counter()
    cells = 0
    for path in files:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    return {"inner_s": time.perf_counter() - start, "cells": cells}


def stage_baseline_calamine(work: Path, n: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    files = _filled(work)
    start = time.perf_counter()
    cells = 0
    for path in files:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            cells += sum(len(row) for row in wb.get_sheet_by_name(name).to_python())
    return {"inner_s": time.perf_counter() - start, "cells": cells}


def stage_corpus(work: Path, n: int) -> dict[str, Any]:
    """Round, templates and filled returns in ``work`` (the benchmark's own process stays
    small: it never imports the package)."""
    from jinan_eval_gui import workflow
    from jinan_eval_gui.collect import samplefill

    start = time.perf_counter()
    for name in ("pristine.jeval", "imported.jeval", "pristine.jeval.lock"):
        (work / name).unlink(missing_ok=True)
    for name in ("templates", "filled"):
        shutil.rmtree(work / name, ignore_errors=True)
    with workflow.create_round(work / "pristine.jeval", year=YEAR, entities=entity_names(n),
                               parents=entity_parents(n)) as rnd:
        made = workflow.issue_templates(rnd, work / "templates", deadline=f"{YEAR + 1}-01-31")
    filled = samplefill.sample_fill(work / "templates", work / "filled", SEED, 0.02, 0.03)
    (work / "key").write_text(corpus_key(n))
    return {"inner_s": time.perf_counter() - start, "templates": len(made),
            "filled": len(filled)}


CHILD_STAGES = {
    "corpus": stage_corpus,
    "templates": stage_templates,
    "import": stage_import,
    "score": stage_score,
    "export_xlsx": lambda w, n: _export(w, ("xlsx",)),
    "export_docx": lambda w, n: _export(w, ("docx",)),
    "export_pdf": lambda w, n: _export(w, ("pdf",)),
    "export": lambda w, n: _export(w, ("xlsx", "docx", "pdf")),
    "analysis": stage_analysis,
    "baseline_openpyxl": stage_baseline_openpyxl,
    "baseline_calamine": stage_baseline_calamine,
}

# The GUI probe: the real start-up path (app.main with its start-up probe, which shows the
# window, processes events once and returns), else the same steps by hand.
GUI_SNIPPET = r"""
import json, os, sys, time
t0 = float(os.environ["JINAN_BENCH_T0"])
try:
    from jinan_eval_gui.gui import app
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
probe = getattr(app, "PROBE_ENV", None)
if probe:
    os.environ[probe] = "1"
    app.main([])
else:
    from PySide6.QtWidgets import QApplication
    from jinan_eval_gui.gui.main_window import MainWindow
    qapp = QApplication.instance() or QApplication(["jinan-eval-gui"])
    window = MainWindow()
    window.show()
    qapp.processEvents()
print(json.dumps({"inner_s": time.time() - t0}))
"""


# =======================================================================================
# Parent: processes, memory, medians
# =======================================================================================
class TreeSampler:
    """Largest summed RSS of a process and its descendants (Linux /proc; else nothing)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.enabled = Path("/proc/self/stat").exists()
        self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024 if self.enabled else 4

    def __enter__(self) -> TreeSampler:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak_kb = max(self.peak_kb, self._sample())
            self._stop.wait(self.interval)

    def _sample(self) -> int:
        parents: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rfind(")") + 2:].split()[1])
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            parent = frontier.pop()
            kids = [p for p, pp in parents.items() if pp == parent and p not in tree]
            tree.update(kids)
            frontier += kids
        total = 0
        for pid in tree:
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page_kb
        return total


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed program has its .pyc files
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def run_process(argv: list[str], *, env: dict[str, str] | None = None,
                t0_env: bool = False, timeout: float = 900) -> dict[str, Any]:
    """Run ``argv``; return its JSON line (if any), wall time, max RSS and CPU time."""
    env = dict(env or child_env())
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        if t0_env:
            env["JINAN_BENCH_T0"] = repr(time.time())
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=str(ROOT))
        usage = None
        with TreeSampler(proc.pid) as sampler:
            if hasattr(os, "wait4"):  # POSIX: the child's resource usage comes with its exit
                deadline = time.monotonic() + timeout
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.monotonic() > deadline:
                        proc.kill()
                        pid, status, usage = os.wait4(proc.pid, 0)
                        break
                    time.sleep(0.005)
                proc.returncode = os.waitstatus_to_exitcode(status)
            else:
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result: dict[str, Any] = {}
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            break
    if proc.returncode != 0:
        result.setdefault("error", f"exit {proc.returncode}: {stderr.strip()[-2000:]}")
    # A stage's own report (see own_peak_mb) is exact; ru_maxrss from wait4 counts the
    # benchmark's size at fork time, so it is only the fallback (start-up probes).
    if "self_peak_mb" in result:
        peak = max(result["self_peak_mb"], result["children_peak_mb"])
    elif usage is not None:
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    else:
        peak = 0.0
    result.update(wall_s=wall, maxrss_mb=peak, tree_mb=sampler.peak_kb / 1024,
                  cpu_s=usage.ru_utime + usage.ru_stime if usage is not None else 0.0)
    if stderr.strip() and "--child-profile" in argv:
        print(stderr, file=sys.stderr)
    return result


def run_stage(stage: str, work: Path, n: int, *, profile: bool = False) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", stage, "--work",
            str(work), "--n", str(n)]
    if profile:
        argv.append("--child-profile")
    res = run_process(argv)
    if "error" in res:
        raise RuntimeError(f"stage {stage} (N={n}) failed: {res['error']}")
    return res


def cli_argv() -> list[list[str]]:
    """``jinan-eval --help`` (the console script of this interpreter) and ``python -m``."""
    out = []
    bindir = Path(sys.executable).parent
    script = next((p for p in (bindir / "jinan-eval", bindir / "jinan-eval.exe")
                   if p.exists()), None)
    if script is None and shutil.which("jinan-eval"):
        script = Path(shutil.which("jinan-eval") or "")
    if script is not None:
        out.append([str(script), "--help"])
    out.append([sys.executable, "-m", "jinan_eval_gui.cli", "--help"])
    return out


# ---------------------------------------------------------------------------------------
# The corpus: round with templates issued (pristine), the filled returns
# ---------------------------------------------------------------------------------------
#: What makes the corpus (relative to the repository): the round (store schema, catalogue
#: code and data, round creation), the templates and their issue (the program's version is
#: written into each), the sample filler.
CORPUS_SOURCES = ("jinan_eval_gui/__init__.py", "jinan_eval_gui/collect/templates",
                  "jinan_eval_gui/collect/samplefill", "jinan_eval_gui/catalogue",
                  "jinan_eval_gui/store/schema.py", "jinan_eval_gui/workflow/rounds.py",
                  "jinan_eval_gui/workflow/issue.py", "resources/catalogue")


def corpus_sources() -> list[Path]:
    """Every file under :data:`CORPUS_SOURCES`; a path that no longer exists (or a folder
    without files) raises, so a restructuring cannot leave a stale corpus looking current."""
    files: list[Path] = []
    for rel in CORPUS_SOURCES:
        path = ROOT / rel
        if path.is_file():
            files.append(path)
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc")
        if not path.is_dir() or not found:
            raise FileNotFoundError(f"corpus source {rel} is missing: update CORPUS_SOURCES")
        files += found
    return files


def corpus_key(n: int) -> str:
    """Changes whenever the code or data that make the corpus change."""
    digest = hashlib.sha256()
    for path in corpus_sources():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps([entity_names(n), entity_parents(n), YEAR, SEED],
                             ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def prepare(cache: Path, n: int, fresh: bool, log: Any) -> tuple[Path, float | None]:
    work = cache / f"n{n}"
    work.mkdir(parents=True, exist_ok=True)
    key_file = work / "key"
    built = None
    if fresh or not key_file.exists() or key_file.read_text() != corpus_key(n):
        log(f"N={n}: building the corpus in {work}")
        key_file.unlink(missing_ok=True)
        (work / "runs").mkdir(exist_ok=True)
        res = run_stage("corpus", work, n)
        built = res["inner_s"]
        log(f"  N={n}: {res['templates']} templates issued and sample-filled in {built:.0f} s")
    (work / "imported.jeval").unlink(missing_ok=True)
    shutil.rmtree(work / "runs", ignore_errors=True)
    (work / "runs").mkdir()
    return work, built


# ---------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------
LARGE = 8  # from this many entities on, the slowest stages run fewer times (see runs_for)


def runs_for(stage: str, n: int, repeat: int, explicit: bool = False) -> int:
    """Fewer runs of the slow stages at large N, to keep the whole run within five minutes:
    templates and the openpyxl baseline once, the single-format exports only when asked for
    by ``--stages`` (the N=16 target is about ``export_all``)."""
    if n >= LARGE and stage in ("templates", "baseline_openpyxl"):
        return max(1, repeat // 3)
    if n >= LARGE and stage in ("export_xlsx", "export_docx", "export_pdf"):
        return max(1, repeat // 3) if explicit else 0
    if n >= PROVINCE and stage in ("export", "analysis"):  # about a minute each at N=150
        return max(1, repeat // 3)
    return repeat


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def bench_n(cache: Path, n: int, repeat: int, stages: set[str], fresh: bool,
            log: Any, *, warm_up: bool = True, explicit: bool = False) -> dict[str, Any]:
    work, built = prepare(cache, n, fresh, log)
    files = len(_filled(work))
    samples: dict[str, list[dict[str, Any]]] = {}

    def timed(stage: str) -> None:
        res = run_stage(stage, work, n)
        samples.setdefault(stage, []).append(res)
        log(f"  N={n} {stage:<18} {res['inner_s']:8.3f} s  (process {res['wall_s']:.2f} s, "
            f"max RSS {res['maxrss_mb']:.0f} MB, tree {res['tree_mb']:.0f} MB)")

    # the import (and the round it leaves behind) comes first: score and export need it;
    # the first one of the whole run is a warm-up (bytecode), later ones are timed
    if warm_up or "import" not in stages:
        run_stage("import", work, n)
    else:
        timed("import")
    if "templates" in stages:
        for _ in range(runs_for("templates", n, repeat)):
            timed("templates")
    # import and both baselines alternate, so a burst of load hits all three alike
    for k in range(repeat):
        if "import" in stages and len(samples.get("import", [])) < repeat:
            timed("import")
        if "baselines" in stages:
            if k < runs_for("baseline_openpyxl", n, repeat):
                timed("baseline_openpyxl")
            timed("baseline_calamine")
    if "score" in stages:
        for _ in range(repeat):
            timed("score")
    for stage in ("export_xlsx", "export_docx", "export_pdf", "export"):
        if stage in stages:
            for _ in range(runs_for(stage, n, repeat, explicit)):
                timed(stage)
    if "analysis" in stages:
        for _ in range(runs_for("analysis", n, repeat)):
            timed("analysis")

    out: dict[str, Any] = {"entities": n, "files": files}
    for stage, res in samples.items():
        out[f"{stage}_s"] = median([r["inner_s"] for r in res])
        out[f"{stage}_wall_s"] = median([r["wall_s"] for r in res])
        out[f"{stage}_runs"] = len(res)
    if "score" in samples:
        out["score_cold_s"] = median([r["cold_s"] for r in samples["score"]])
        out["totals"] = samples["score"][-1].get("totals")
    if "import" in samples:
        out["import_counts"] = samples["import"][-1].get("counts")
    if "analysis" in samples:
        got = samples["analysis"]
        for key in ("analyze_s", "engine_s", "whatif_s"):
            out[f"analysis_{key}"] = median([r[key] for r in got])
        # the baseline: the engine scoring the entity once per replication
        out["analysis_engine_x_runs_s"] = round(out["analysis_engine_s"] * MC_RUNS, 2)
    imp, opx, cal = (out.get(k) for k in ("import_s", "baseline_openpyxl_s",
                                          "baseline_calamine_s"))
    out["import_vs_openpyxl"] = round(imp / opx, 3) if imp and opx else None
    out["import_vs_calamine"] = round(imp / cal, 3) if imp and cal else None
    every = [r for res in samples.values() for r in res]
    out["peak_rss_mb"] = round(max((r["maxrss_mb"] for r in every), default=0), 1) or None
    out["peak_tree_rss_mb"] = round(max((r["tree_mb"] for r in every), default=0), 1) or None
    out["stage_peak_rss_mb"] = {s: round(max(r["maxrss_mb"] for r in res), 1)
                                for s, res in samples.items()}
    out["stage_cpu_s"] = {s: median([r["cpu_s"] for r in res]) for s, res in samples.items()}
    out["corpus_build_s"] = round(built, 1) if built is not None else None
    return out


def bench_startup(repeat: int, stages: set[str], log: Any) -> dict[str, Any]:
    """GUI and CLI start-up (they do not depend on N): medians of ``repeat`` runs."""
    out: dict[str, Any] = {}
    env = child_env()
    if "cli_start" in stages:
        py = [run_process([sys.executable, "-c", "pass"], env=env) for _ in range(repeat)]
        out["python_start_s"] = median([r["wall_s"] for r in py])
        for i, argv in enumerate(cli_argv()):
            run_process(argv, env=env)  # warm-up
            runs = [run_process(argv, env=env) for _ in range(repeat)]
            errors = [r["error"] for r in runs if "error" in r]
            value = None if errors else median([r["wall_s"] for r in runs])
            key = "cli_start_s" if i == 0 else "cli_module_start_s"
            out[key] = value
            log(f"  {' '.join(Path(a).name for a in argv):<38} {value} s"
                + (f"  ({errors[0][:200]})" if errors else ""))
        out.setdefault("cli_module_start_s", out.get("cli_start_s"))
    if "gui_start" in stages:
        argv = [sys.executable, "-c", GUI_SNIPPET]
        first = run_process(argv, env=env, t0_env=True, timeout=120)  # warm-up
        if "error" in first:
            log(f"  GUI start-up not measured: {first['error'][:300]}")
            out["gui_start_s"] = None
        else:
            runs = [run_process(argv, env=env, t0_env=True, timeout=120) for _ in range(repeat)]
            out["gui_start_s"] = median([r["inner_s"] for r in runs if "inner_s" in r])
            out["gui_start_rss_mb"] = round(max(r["maxrss_mb"] for r in runs), 1)
            log(f"  GUI window shown                        {out['gui_start_s']} s")
    return out


def verdicts(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, target, met) for every target that applies to the measured N."""
    rows = []
    for (stage, n), target in TARGETS.items():
        res = results.get(str(n))
        if res is None:
            continue
        value = res.get(f"{stage}_s")
        rows.append((f"{stage} N={n}", _s(value), f"< {target:g} s",
                     None if value is None else value < target))
    for key, res in results.items():
        if int(key) < 2:
            continue
        r_cal, r_opx = res.get("import_vs_calamine"), res.get("import_vs_openpyxl")
        rows.append((f"import N={key} / calamine", _x(r_cal), "<= 1.5x",
                     None if r_cal is None else r_cal <= 1.5))
        rows.append((f"import N={key} / openpyxl", _x(r_opx), "< 1x",
                     None if r_opx is None else r_opx < 1))
        peak = res.get("peak_tree_rss_mb") or res.get("peak_rss_mb")
        limit = LARGE_MEMORY_TARGET_MB if int(key) >= PROVINCE else MEMORY_TARGET_MB
        rows.append((f"peak memory N={key}", f"{peak} MB", f"< {limit} MB",
                     None if peak is None else peak < limit))
    return rows


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    ns = list(results)
    keys = ["templates_s", "import_s", "baseline_openpyxl_s", "baseline_calamine_s",
            "import_vs_openpyxl", "import_vs_calamine", "score_s", "score_cold_s",
            "export_xlsx_s", "export_docx_s", "export_pdf_s", "export_s", "analysis_s",
            "analysis_engine_x_runs_s", "analysis_analyze_s", "analysis_whatif_s", "gui_start_s",
            "cli_start_s", "cli_module_start_s", "python_start_s", "peak_rss_mb",
            "peak_tree_rss_mb"]
    print(f"\n{'stage (median)':<24}" + "".join(f"{'N=' + n:>14}" for n in ns))
    for key in keys:
        cells = []
        for n in ns:
            v = results[n].get(key)
            if v is None:
                cells.append("—")
            elif key.startswith("import_vs"):
                cells.append(f"{v:.2f}x")
            elif key.endswith("_mb"):
                cells.append(f"{v:.0f} MB")
            else:
                cells.append(f"{v:.3f} s")
        print(f"{key:<24}" + "".join(f"{c:>14}" for c in cells))
    print("\ntargets:")
    for what, value, target, met in verdicts(results):
        mark = "met" if met else ("—" if met is None else "MISSED")
        print(f"  {what:<28} {value:>12}  {target:<10} {mark}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, nargs="+", default=[1, 16], metavar="N")
    ap.add_argument("--repeat", type=int, default=3, metavar="K")
    ap.add_argument("--json", action="store_true", help="print one JSON object (keys: N)")
    ap.add_argument("--cache", type=Path, help="corpus folder (default: a folder in the "
                    "system's temporary directory, reused while the code that makes it is "
                    "unchanged)")
    ap.add_argument("--fresh", action="store_true", help="rebuild the corpus")
    ap.add_argument("--stages", default="all",
                    help="comma-separated subset of: " + ",".join(STAGES) + ",baselines")
    ap.add_argument("--profile", metavar="STAGE", help="run STAGE once (largest N) under "
                    "cProfile and print the profile")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-profile", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        child(args.child, args.work, args.n, args.child_profile)
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr if args.json else sys.stdout, flush=True)

    stages = set(STAGES) | {"baselines"} if args.stages == "all" else set(
        args.stages.split(","))
    cache = args.cache or Path(tempfile.gettempdir()) / "jinan-eval-bench"
    cache.mkdir(parents=True, exist_ok=True)
    if args.profile:
        n = max(args.entities)
        work, _ = prepare(cache, n, args.fresh, log)
        if args.profile not in ("import",):
            run_stage("import", work, n)
        res = run_stage(args.profile, work, n, profile=True)
        log(f"{args.profile} N={n}: {res['inner_s']:.3f} s")
        return 0

    start = time.perf_counter()
    log(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load {os.getloadavg() if hasattr(os, 'getloadavg') else '?'}; "
        f"{args.repeat} runs per stage; corpus cache {cache}")
    startup = bench_startup(args.repeat, stages, log)
    results: dict[str, dict[str, Any]] = {}
    for i, n in enumerate(args.entities):
        res = bench_n(cache, n, args.repeat, stages, args.fresh, log, warm_up=i == 0,
                      explicit=args.stages != "all")
        res.update(startup)
        res["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform(),
                          "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None}
        results[str(n)] = res
    log(f"whole run: {time.perf_counter() - start:.0f} s")
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
