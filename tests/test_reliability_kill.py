"""Fault injection: ``kill -9`` at random points of imports and exports (issue 15, part 1).

Every run copies a small round, starts the operation in a child process and kills it with
SIGKILL at a random moment: anywhere in the run, or a few milliseconds after the round's
rollback journal appeared (inside the transaction and its commit). The only thing asserted is
the invariant: the round reopens (for writing and for reading), passes SQLite's integrity
check and holds exactly the state before or the state after the operation; every automatic
backup left behind is a sound round holding the state before.

Children are forked from one warm helper process (imports and the catalogue already loaded),
so each run costs the operation itself, not an interpreter start: about 24 runs of each kind
in well under a minute on two loaded cores. The kill of an export with its PDF worker, and
the processes and files it leaves, is checked with the real command line in
``test_orphans_and_temp_files_gone_after_kill``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jinan_eval_gui import workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.store import Round, list_backups

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork are POSIX")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNITS = ["市大数据局", "市公安局", "市卫生健康委"]
RUNS = 24

HELPER = textwrap.dedent("""
    import json, os, sys, traceback
    from jinan_eval_gui import workflow
    from jinan_eval_gui.store import Round
    import jinan_eval_gui.collect.importer, jinan_eval_gui.outputs.workbook  # warm

    def run(op, args):
        with Round.open(args[0]) as rnd:
            if op == "import":
                workflow.import_files(rnd, args[1:])
            else:
                workflow.export_all(rnd, args[1], formats=args[2].split(","))

    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        op, *args = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(op, args)
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status}), flush=True)
""")


class Helper:
    """The warm process that forks one child per operation."""

    def __init__(self, state_dir: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), XDG_STATE_HOME=str(state_dir),
                   JINAN_EVAL_SERIAL="1")
        self.proc = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        assert "ready" in self._read(), self.proc.stderr.read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def start(self, *command: str) -> int:
        self.proc.stdin.write(json.dumps(list(command)) + "\n")
        self.proc.stdin.flush()
        return self._read()["pid"]

    def wait(self) -> int:
        return self._read()["status"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def fingerprint(path: Path, *, scores: bool = False) -> tuple:
    """The round's logical content (what an import or export may change), as plain data."""
    with Round.open(path, readonly=True) as rnd:
        subs = tuple((s.entity, s.unit, s.sha256, s.status) for s in rnd.list_submissions())
        values = tuple(sorted(
            (v.entity, v.unit, v.indicator_id, v.input_key, v.row_index or 0, v.column_key or "",
             v.text or "", str(v.number))
            for e in rnd.list_entities() for by_key in rnd.current_values(e).values()
            for rows in by_key.values() for v in rows))
        findings = tuple((f.submission_id, f.severity, f.cell, f.message)
                         for f in rnd.list_findings())
        audit = tuple(e.action for e in rnd.audit_log() if e.action != "export")
        conflicts = tuple((c.indicator_id, c.input_key) for c in rnd.list_conflicts())
        saved = tuple(rnd.load_scores(e) is not None for e in rnd.list_entities()) if scores \
            else ()
    return subs, values, findings, audit, conflicts, saved


def sound(path: Path) -> None:
    """Reopen as the next program would: for writing (recovers), then check integrity."""
    Round.open(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("kill")
    with workflow.create_round(d / "pristine.jeval", year=2026) as rnd:
        workflow.issue_templates(rnd, d / "templates", units=UNITS)
    files = samplefill.sample_fill(d / "templates", d / "filled", 5, 0.0, 0.05)
    before = fingerprint(d / "pristine.jeval")
    shutil.copy(d / "pristine.jeval", d / "imported.jeval")
    with Round.open(d / "imported.jeval") as rnd:
        workflow.import_files(rnd, files)
    shutil.rmtree(d / "imported_自动备份")
    after = fingerprint(d / "imported.jeval")
    assert after != before
    helper = Helper(d / "state")
    yield d, [str(f) for f in files], before, after, helper
    helper.close()


def _kill_at(helper: Helper, pid: int, path: Path, rng: random.Random, span: float
             ) -> tuple[str, bool]:
    """SIGKILL ``pid`` at a random moment, one of three kinds: anywhere in ``span``; 0-20 ms
    after the round's journal appeared (inside the transaction); or as soon as the round file
    itself changes while the journal exists (inside the commit, often right after its first
    write, when the header already counts pages the file does not have yet).

    Returns the kind and whether a journal was left behind (a hot journal to roll back).
    """
    journal = path.with_name(path.name + "-journal")
    kind = rng.choice(("random", "journal", "commit"))
    if kind == "random":
        time.sleep(rng.uniform(0, span))
    else:
        first = path.stat()
        deadline = time.monotonic() + 2 * span + 5
        while not journal.exists() and time.monotonic() < deadline and _alive(pid):
            time.sleep(0.0002)
        if kind == "journal":
            time.sleep(rng.uniform(0, 0.02))
        while kind == "commit" and time.monotonic() < deadline and _alive(pid):
            now = path.stat()
            if (now.st_size, now.st_mtime_ns) != (first.st_size, first.st_mtime_ns):
                break
            time.sleep(0.0002)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    helper.wait()
    return kind, journal.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _timed(helper: Helper, *command: str) -> float:
    start = time.monotonic()
    helper.start(*command)
    assert helper.wait() == 0
    return time.monotonic() - start


def test_kill_import_anywhere_leaves_before_or_after(world, tmp_path):
    d, files, before, after, helper = world
    rng = random.Random(1515)
    probe = tmp_path / "probe.jeval"
    shutil.copy(d / "pristine.jeval", probe)
    span = _timed(helper, "import", str(probe), *files)
    assert fingerprint(probe) == after
    hot = 0
    for run in range(RUNS):
        path = tmp_path / f"run{run}" / "r.jeval"
        path.parent.mkdir()
        shutil.copy(d / "pristine.jeval", path)
        pid = helper.start("import", str(path), *files)
        where, journal_left = _kill_at(helper, pid, path, rng, span)
        hot += journal_left
        if run % 2:  # a reader comes first: it must recover the round as well
            assert fingerprint(path) in (before, after), (run, where)
        sound(path)
        state = fingerprint(path)
        assert state in (before, after), (run, where)
        for backup in list_backups(path):
            assert fingerprint(backup.path) == before, (run, backup.path.name)
    assert hot, "no kill landed inside a transaction: the test did not test the commit"


def test_kill_export_anywhere_leaves_the_round_intact(world, tmp_path):
    d, files, _before, after, helper = world
    rng = random.Random(2024)
    probe = tmp_path / "probe.jeval"
    shutil.copy(d / "imported.jeval", probe)
    span = _timed(helper, "export", str(probe), str(tmp_path / "probe_out"), "xlsx")
    for run in range(RUNS):
        path = tmp_path / f"run{run}" / "r.jeval"
        path.parent.mkdir()
        shutil.copy(d / "imported.jeval", path)
        out = path.parent / "out"
        pid = helper.start("export", str(path), str(out), "xlsx")
        where = _kill_at(helper, pid, path, rng, span)
        sound(path)
        assert fingerprint(path) == after, (run, where)  # an export changes no data
        with Round.open(path, readonly=True) as rnd:
            rnd.load_scores("济南市")  # saved scores, if any, are whole
        for backup in list_backups(path):
            assert fingerprint(backup.path) == after, (run, backup.path.name)
        if out.exists():  # only finished files under their real names
            for f in out.iterdir():
                assert f.name.startswith(".~") or f.suffix == ".xlsx"


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc), found before it is killed."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _our_tracebacks(stderr: str) -> list[str]:
    """Tracebacks in ``stderr`` other than a worker killed while Python itself started it.

    A spawn-started worker whose parent dies before sending its start-up data stops in
    ``multiprocessing.spawn`` with ``EOFError`` before any of our code runs; Python prints
    that itself and nothing of the round is touched. Every other traceback counts.
    """
    blocks = stderr.split("Traceback (most recent call last):")[1:]
    return [b for b in blocks
            if not ("spawn_main" in b and b.rstrip().endswith("EOFError: Ran out of input"))]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_orphans_and_temp_files_gone_after_kill(world, tmp_path):
    """kill -9 of ``jinan-eval export`` while its PDF worker runs: 5 s later no process of it
    is left (worker, resource tracker), and the next start sweeps its temporary files."""
    d = world[0]
    state = tmp_path / "state"
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), XDG_STATE_HOME=str(state))
    env.pop("JINAN_EVAL_SERIAL", None)
    for run, delay in enumerate((0.0, 1.5)):
        path = tmp_path / f"run{run}" / "r.jeval"
        path.parent.mkdir()
        shutil.copy(d / "imported.jeval", path)
        out = path.parent / "out"
        cli = subprocess.Popen([sys.executable, "-m", "jinan_eval_gui.cli", "export", str(path),
                                "--out", str(out), "--format", "pdf"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        family: set[int] = set()
        while time.monotonic() < deadline and cli.poll() is None:
            family |= _descendants(cli.pid)
            if len(family) >= 2:  # the PDF worker and the resource tracker are up
                break
            time.sleep(0.02)
        assert cli.poll() is None, cli.stderr.read().decode()
        time.sleep(delay)
        family |= _descendants(cli.pid)
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(p) for p in family):
            time.sleep(0.1)
        left = [p for p in family if _running(p)]
        for p in left:  # do not leave them to the rest of the suite
            os.kill(p, signal.SIGKILL)
        assert not left, f"still running 5 s after the kill: {left}"
        assert _our_tracebacks(cli.stderr.read().decode(errors="replace")) == []
    leftovers = [p for p in tmp_path.rglob(".~*")]
    status = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "status",
                             str(tmp_path / "run0" / "r.jeval")], capture_output=True, env=env,
                            timeout=120)
    assert status.returncode == 0, status.stderr.decode()
    assert not [p for p in tmp_path.rglob(".~*")], leftovers
    for run in range(2):
        sound(tmp_path / f"run{run}" / "r.jeval")
