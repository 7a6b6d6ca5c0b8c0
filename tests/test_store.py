"""The round file (store.py): real SQLite files in tmp_path."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from jinan_eval_gui import store
from jinan_eval_gui.errors import RoundFileError, RoundLockedError
from jinan_eval_gui.store import Finding, NewValue, Round

CATALOGUE = {"meta": {"title": "测试指标体系", "version": "2021.1"}, "indicators": [1, 2]}
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def new_round(path: Path, **overrides) -> Round:
    kwargs = dict(
        name="2024年度评价",
        year=2024,
        catalogue_version="2021.1",
        catalogue_hash="ab" * 32,
        catalogue_json=json.dumps(CATALOGUE, ensure_ascii=False),
        params={"missing_score": 0, "deduction_cap": 10},
        actor="tester",
    )
    kwargs.update(overrides)
    return Round.create(path, **kwargs)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def round_path(tmp_path: Path) -> Path:
    path = tmp_path / "2024.jeval"
    with new_round(path) as rnd:
        sub = rnd.add_submission(
            entity="济南市", unit="市大数据局", file_name="a.xlsx", content=b"PK-original"
        )
        rnd.add_values(sub, [NewValue(1, "total", "120", Decimal("120"), sheet="数据", cell="C5")])
    return path


def run_child(code: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


# -- create / open ----------------------------------------------------------


def test_create_open_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.jeval"
    with new_round(path, entities=("济南市", "历下区")) as rnd:
        info = rnd.info
        assert rnd.readonly is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jeval"]  # no temp, journal or lock
    with Round.open(path) as rnd:
        assert rnd.info == info
        assert len(info.id) == 32 and info.name == "2024年度评价" and info.year == 2024
        assert info.schema_version == store.SCHEMA_VERSION
        assert rnd.list_entities() == ["济南市", "历下区"]
        assert json.loads(rnd.catalogue().json_text) == CATALOGUE
        assert rnd.catalogue().hash == "ab" * 32
        assert rnd.get_params() == {"missing_score": 0, "deduction_cap": 10}
        assert [e.action for e in rnd.audit_log()] == ["round.create"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "r.jeval"
    path.write_bytes(b"keep me")
    with pytest.raises(RoundFileError, match="已存在"):
        new_round(path)
    assert path.read_bytes() == b"keep me"


def test_failed_create_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.jeval"
    with pytest.raises(TypeError):
        new_round(path, params={"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_open_missing_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(RoundFileError, match="找不到") as exc:
        Round.open(tmp_path / "nope.jeval")
    assert has_chinese(str(exc.value))
    assert list(tmp_path.iterdir()) == []


def test_readonly_refuses_writes(round_path: Path) -> None:
    before = sha(round_path)
    with Round.open(round_path, readonly=True) as rnd:
        assert rnd.current_values("济南市")[1]["total"][0].number == Decimal("120")
        with pytest.raises(RoundFileError, match="只读"):
            rnd.set_param("missing_score", 5)
    assert sha(round_path) == before


# -- bad files ----------------------------------------------------------------


def _other_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.execute("INSERT INTO notes VALUES ('hello')")
    conn.commit()
    conn.close()


def _truncated(path: Path) -> None:
    with new_round(path) as rnd:
        rnd.add_submission(entity="济南市", unit="u", file_name="f", content=os.urandom(200_000))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path: Path) -> None:
    new_round(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    conn.close()


def _corrupt(path: Path) -> None:
    with new_round(path) as rnd, rnd.transaction():
        for i in range(300):
            rnd.audit("filler", {"i": i, "pad": "x" * 200})
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = os.urandom(200)  # a b-tree page in the middle
    path.write_bytes(bytes(data))


def _index_mismatch(path: Path) -> None:
    """A page that still parses but disagrees with its table: only integrity_check sees it."""
    with new_round(path) as rnd:
        rnd.add_values(None, [NewValue(1, "k", "1", 1)], entity="济南市", unit="unitqqqq")
    conn = sqlite3.connect(path)
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'input_values_slot'"
    ).fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + data[start : start + page_size].index(b"unitqqqq")] = ord("X")
    path.write_bytes(bytes(data))


BAD_FILES = {
    "random bytes": lambda p: p.write_bytes(os.urandom(8192)),
    "text file": lambda p: p.write_text("评价轮次\n这不是数据库\n", encoding="utf-8"),
    "empty file": lambda p: p.write_bytes(b""),
    "other sqlite db": _other_sqlite,
    "truncated round": _truncated,
    "tiny truncation": lambda p: (new_round(p).close(), p.write_bytes(p.read_bytes()[:60])),
    "newer schema": _newer,
    "corrupt page": _corrupt,
    "index mismatch": _index_mismatch,
}


@pytest.mark.parametrize("readonly", [False, True])
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_files_refused_and_unchanged(tmp_path: Path, kind: str, readonly: bool) -> None:
    path = tmp_path / "bad.jeval"
    BAD_FILES[kind](path)
    before = sha(path)
    names = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RoundFileError) as exc:
        Round.open(path, readonly=readonly)
    assert not isinstance(exc.value, RoundLockedError)
    assert has_chinese(str(exc.value)) and exc.value.hint
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no journal, no lock left


def test_messages_say_what_is_wrong(tmp_path: Path) -> None:
    expected = {
        "text file": "不是评价轮次文件",
        "other sqlite db": "其他程序",
        "truncated round": "不完整",
        "newer schema": "更新版本",
        "corrupt page": "损坏",
        "index mismatch": "完整性检查未通过",
    }
    for kind, words in expected.items():
        path = tmp_path / f"{len(words)}-{hashlib.md5(kind.encode()).hexdigest()}.jeval"
        BAD_FILES[kind](path)
        with pytest.raises(RoundFileError, match=words):
            Round.open(path)


# -- params and audit ---------------------------------------------------------


def test_param_changes_are_audited(round_path: Path) -> None:
    with Round.open(round_path, actor="张三") as rnd:
        rnd.set_param("missing_score", 30)
        rnd.set_params({"missing_score": 30, "deduction_cap": 10})  # no real change
        rnd.set_params({"new_key": [1, 2]})
        assert rnd.get_param("missing_score") == 30
        assert rnd.get_param("absent", "dflt") == "dflt"
        changes = rnd.audit_log("params.set")
    assert [(e.actor, e.details) for e in changes] == [
        ("张三", {"key": "missing_score", "old": 0, "new": 30}),
        ("张三", {"key": "new_key", "old": None, "new": [1, 2]}),
    ]


def test_audit_log_is_append_only(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        rnd.audit("export", {"file": "评分表.xlsx", "total": Decimal("81.25")})
        assert rnd.audit_log("export")[0].details == {"file": "评分表.xlsx", "total": "81.25"}
    count = len(Round.open(round_path, readonly=True).audit_log())
    conn = sqlite3.connect(round_path)
    for sql in (
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log WHERE id = 1",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == count
    conn.close()


# -- writer lock --------------------------------------------------------------


def test_second_writer_refused_until_first_closes(round_path: Path) -> None:
    first = Round.open(round_path)
    with pytest.raises(RoundLockedError, match="正由另一程序") as exc:
        Round.open(round_path)
    assert str(os.getpid()) in str(exc.value)
    with Round.open(round_path, readonly=True) as reader:  # readers are welcome
        assert reader.list_entities() == ["济南市"]
    first.close()
    first.close()  # closing twice is harmless
    with Round.open(round_path) as second:
        second.set_param("missing_score", 1)


def test_second_writer_in_other_process(round_path: Path) -> None:
    child = run_child(
        """
        import sys, time
        from jinan_eval_gui.store import Round
        rnd = Round.open(sys.argv[1])
        print("open", flush=True)
        time.sleep(60)
        """,
        str(round_path),
    )
    try:
        assert child.stdout.readline().strip() == "open", child.stderr.read()
        with pytest.raises(RoundLockedError) as exc:
            Round.open(round_path)
        assert str(child.pid) in str(exc.value)
        Round.open(round_path, readonly=True).close()
    finally:
        child.kill()
        child.wait()
    with Round.open(round_path) as rnd:  # the OS dropped the dead writer's lock
        rnd.set_param("missing_score", 2)


def test_stale_lock_file_recovered(round_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock = round_path.with_name(round_path.name + ".lock")
    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    with Round.open(round_path) as rnd:
        holder = json.loads(lock.read_text(encoding="utf-8"))
        assert holder["pid"] == os.getpid()
        rnd.set_param("missing_score", 3)
    assert not lock.exists()


def test_lock_without_os_locking_uses_pid(round_path: Path, monkeypatch) -> None:
    def unsupported(fd: int) -> None:
        raise OSError(errno.ENOLCK, "no locks")

    monkeypatch.setattr(store.lock, "_os_lock", unsupported)
    lock = round_path.with_name(round_path.name + ".lock")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        with pytest.raises(RoundLockedError, match=str(sleeper.pid)):
            Round.open(round_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    with Round.open(round_path) as rnd:  # the holder died: stale
        assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == os.getpid()
        rnd.set_param("missing_score", 4)
    assert not lock.exists()


# -- crash safety -------------------------------------------------------------


def test_sigkill_mid_transaction_leaves_previous_data(round_path: Path) -> None:
    with Round.open(round_path, readonly=True) as rnd:
        before_values = rnd.current_values("济南市")
        before_subs = rnd.list_submissions()
        before_audit = rnd.audit_log()
    before_sha = sha(round_path)
    child = run_child(
        """
        import os, sys, time
        from decimal import Decimal
        from jinan_eval_gui.store import NewValue, Round
        rnd = Round.open(sys.argv[1])
        rnd._conn.execute("PRAGMA cache_size = 50")  # spill pages into the file mid-transaction
        with rnd.transaction():
            sub = rnd.add_submission(entity="济南市", unit="市公安局", file_name="big.xlsx",
                                     content=os.urandom(3_000_000))
            rnd.add_values(sub, [NewValue(1, "total", str(i), Decimal(i), row_index=i)
                                 for i in range(20_000)])
            rnd.set_param("missing_score", 99)
            print("inside", flush=True)
            time.sleep(60)
        """,
        str(round_path),
    )
    try:
        assert child.stdout.readline().strip() == "inside", child.stderr.read()
    finally:
        child.kill()
        child.wait()
    assert round_path.with_name(round_path.name + "-journal").exists()  # a hot journal
    assert sha(round_path) != before_sha  # the killed transaction had spilled into the file
    with Round.open(round_path, readonly=True) as rnd:  # a reader rolls the journal back too
        assert rnd.current_values("济南市") == before_values
        assert rnd.get_param("missing_score") == 0
    assert not round_path.with_name(round_path.name + "-journal").exists()
    with Round.open(round_path) as rnd:
        assert rnd.current_values("济南市") == before_values
        assert rnd.list_submissions() == before_subs
        assert rnd.audit_log() == before_audit
        assert rnd.get_param("missing_score") == 0
    assert sha(round_path) == before_sha  # byte for byte the round before the import
    conn = sqlite3.connect(round_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_failed_transaction_rolls_back(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        with pytest.raises(RuntimeError), rnd.transaction():
            rnd.set_param("missing_score", 50)
            rnd.add_entity("历城区")
            raise RuntimeError("import failed")
        assert rnd.get_param("missing_score") == 0
        assert rnd.list_entities() == ["济南市"]
        with rnd.transaction():  # a nested failure only undoes its own part
            rnd.add_entity("历下区")
            with pytest.raises(KeyError):
                rnd.set_submission_status(999, "rejected")
        assert rnd.list_entities() == ["济南市", "历下区"]


# -- values, findings, conflicts, overrides, scores ----------------------------


def test_values_history_keeps_superseded(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        sub2 = rnd.add_submission(
            entity="济南市", unit="市大数据局", file_name="a-v2.xlsx", content=b"PK-second"
        )
        rnd.add_values(sub2, [NewValue(1, "total", "130", 130, sheet="数据", cell="C5")])
        rnd.add_values(
            None, [NewValue(1, "note", "人工补录", None)], entity="济南市", unit="专家组"
        )
        current = rnd.current_values("济南市")
        history = rnd.value_history("济南市", 1, "total")
        assert rnd.submission_content(sub2) == b"PK-second"
    assert [v.number for v in current[1]["total"]] == [Decimal("130")]
    assert current[1]["note"][0].text == "人工补录" and current[1]["note"][0].number is None
    assert [(v.text, v.current) for v in history] == [("120", False), ("130", True)]
    assert history[0].sheet == "数据" and history[0].cell == "C5"
    assert history[1].submission_id == sub2


def test_table_input_replaced_whole_and_rejection(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        rows = [
            NewValue(7, "hospitals", None, i, row_index=i, column_key="visits") for i in range(3)
        ]
        sub = rnd.add_submission(entity="济南市", unit="市卫健委", file_name="w.xlsx", content=b"x")
        rnd.add_values(sub, rows)
        sub2 = rnd.add_submission(
            entity="济南市", unit="市卫健委", file_name="w2.xlsx", content=b"y"
        )
        rnd.add_values(sub2, rows[:1])
        assert len(rnd.current_values("济南市")[7]["hospitals"]) == 1
        rnd.set_submission_status(sub2, "rejected", "填报错误")
        assert 7 not in rnd.current_values("济南市")
        assert [s.status for s in rnd.list_submissions()][-1] == "rejected"


def test_templates_findings_conflicts_overrides_scores(round_path: Path) -> None:
    with Round.open(round_path, actor="李四") as rnd:
        tid = rnd.record_template(
            entity="济南市",
            unit="市公安局",
            file_name="公安.xlsx",
            path="out/公安.xlsx",
            sha256="AB" * 32,
            template_version="1",
            deadline="2025-01-31",
            contact_person="王五",
            contact_phone="0531-1234567",
        )
        assert rnd.list_templates()[0].id == tid and rnd.list_templates()[0].sha256 == "ab" * 32
        sub = rnd.list_submissions()[0].id
        rnd.add_findings(
            sub,
            [
                Finding(
                    "error",
                    "数值超出范围",
                    sheet="数据",
                    cell="C5",
                    indicator_id=1,
                    input_key="total",
                    value="-1",
                )
            ],
        )
        found = rnd.list_findings(sub)
        assert found[0].message == "数值超出范围" and found[0].submission_id == sub
        cid = rnd.add_conflict(
            "济南市", 1, "total", [{"unit": "甲", "value": "1"}, {"unit": "乙", "value": "2"}]
        )
        assert len(rnd.list_conflicts(open_only=True)) == 1
        with pytest.raises(ValueError):
            rnd.resolve_conflict(cid, {"value": "1"}, " ")
        rnd.resolve_conflict(cid, {"value": "1"}, "以主管部门为准")
        conflict = rnd.list_conflicts()[0]
        assert conflict.resolution == {"value": "1"} and conflict.resolved_by == "李四"
        assert rnd.list_conflicts(open_only=True) == []
        with pytest.raises(ValueError):
            rnd.set_override("济南市", 5, 80, "")
        rnd.set_override("济南市", 5, 80, "专家复核")
        rnd.set_override("济南市", 5, "85.5", "二次复核")
        assert [(o.score, o.active) for o in rnd.list_overrides(active_only=False)] == [
            (Decimal(80), False),
            (Decimal("85.5"), True),
        ]
        assert rnd.clear_override("济南市", 5, "撤销") is True
        assert rnd.list_overrides() == []
        assert rnd.load_scores("济南市") is None
        rnd.save_scores("济南市", {"total": Decimal("81.25")})
        rnd.save_scores("济南市", {"total": Decimal("82.50")})
        assert rnd.load_scores("济南市").results == {"total": "82.50"}
        actions = [e.action for e in rnd.audit_log()]
    for action in ("template.record", "conflict.resolve", "override.set", "override.clear"):
        assert action in actions


# -- migrations ---------------------------------------------------------------


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE round_info ADD COLUMN note TEXT NOT NULL DEFAULT '迁移'")


def test_migrations_apply_from_the_current_version(round_path: Path, monkeypatch) -> None:
    base = store.SCHEMA_VERSION
    v3 = "CREATE TABLE reminders (id INTEGER PRIMARY KEY, unit TEXT); INSERT INTO reminders (unit) VALUES ('a;b');"
    monkeypatch.setattr(store.schema, "MIGRATIONS", [*store.schema.MIGRATIONS, _v2, v3])
    before = sha(round_path)
    with Round.open(round_path, readonly=True) as rnd:  # in memory only
        assert rnd.info.schema_version == base + 2
    assert sha(round_path) == before
    with Round.open(round_path) as rnd:
        assert rnd.info.schema_version == base + 2
        assert rnd.current_values("济南市")[1]["total"][0].text == "120"
        assert rnd.audit_log("schema.migrate")[0].details == {"from": base, "to": base + 2}
        assert rnd._conn.execute("SELECT note FROM round_info").fetchone()[0] == "迁移"
        assert rnd._conn.execute("SELECT unit FROM reminders").fetchone()[0] == "a;b"


def test_failing_migration_changes_nothing(round_path: Path, monkeypatch) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("boom")

    monkeypatch.setattr(store.schema, "MIGRATIONS", [*store.schema.MIGRATIONS, broken])
    before = sha(round_path)
    with pytest.raises(RoundFileError, match="未被修改"):
        Round.open(round_path)
    assert sha(round_path) == before
    monkeypatch.undo()
    with Round.open(round_path) as rnd:
        assert rnd.info.schema_version == store.SCHEMA_VERSION
        tables = {r[0] for r in rnd._conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
    assert not round_path.with_name(round_path.name + ".lock").exists()


def test_a_version_1_round_gains_the_assumption_table(tmp_path: Path, monkeypatch) -> None:
    """Rounds made before the assumption register open, migrate and keep their data."""
    monkeypatch.setattr(store.schema, "MIGRATIONS", store.schema.MIGRATIONS[:1])
    path = tmp_path / "旧版.jeval"
    with Round.create(path, name="旧版轮次", year=2025, catalogue_version="1", catalogue_hash="h",
                      catalogue_json="{}", params={}) as rnd:
        rnd.add_values(None, [NewValue(1, "total", "120", 120)], entity="济南市", unit="市大数据局")
        assert rnd.info.schema_version == 1
    monkeypatch.undo()
    with Round.open(path) as rnd:
        assert rnd.info.schema_version == store.SCHEMA_VERSION
        assert rnd.assumption_states() == {}
        rnd.set_assumption_choice("G1", "renormalise", reason="试算")
        rnd.confirm_assumption("G1", choice="renormalise", by="张三", note="同意",
                               params={"missing_score": "0"})
        state = rnd.assumption_states()["G1"]
        assert (state.choice, state.confirmed_by, state.snapshot["params"]) == (
            "renormalise", "张三", {"missing_score": "0"})
        assert rnd.current_values("济南市")[1]["total"][0].text == "120"
        rnd.set_assumption_choice("G1", "zero")
        assert rnd.assumption_states()["G1"].confirmed_by is None
        actions = [e.action for e in rnd.audit_log()]
    assert actions[-3:] == ["assumption.choose", "assumption.confirm", "assumption.choose"]
