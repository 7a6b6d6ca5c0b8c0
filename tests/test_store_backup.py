"""Automatic backups of a round and restoring one (issue 15, part 1).

Backups are plain round files beside the round, made with SQLite's online backup API before
every import and export; a restore keeps the current file first, replaces the round in one
rename and records itself in the restored file's audit log.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from test_store import new_round, sha

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.errors import RoundDataError, RoundFileError, RoundLockedError
from jinan_eval_gui.store import (
    NewValue,
    Round,
    backup,
    backup_folder,
    backup_round,
    list_backups,
    restore_backup,
)

UNIT = "市大数据局"


def _bump(path: Path, key: str = "missing_score", value: int = 1) -> None:
    """A change to the round, made so that the file time moves on."""
    with Round.open(path) as rnd:
        rnd.set_param(key, value)
    later = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))


@pytest.fixture
def round_path(tmp_path: Path) -> Path:
    path = tmp_path / "2024年度.jeval"
    with new_round(path) as rnd:
        sub = rnd.add_submission(entity="济南市", unit=UNIT, file_name="a.xlsx", content=b"PK-a")
        rnd.add_values(sub, [NewValue(1, "total", "120", Decimal(120))])
    return path


def test_backup_is_a_sound_round_beside_it(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        made = backup_round(rnd, "导入前")
        again = backup_round(rnd, "导入前")  # nothing changed since: no second copy
    assert made is not None and again is None
    assert made.path.parent == backup_folder(round_path) == round_path.with_name("2024年度_自动备份")
    assert made.path.name.startswith("2024年度_") and made.path.name.endswith("_导入前.jeval")
    assert made.reason == "导入前" and "导入前" in made.label
    with Round.open(made.path, readonly=True) as copy:
        assert copy.current_values("济南市")[1]["total"][0].number == 120
    assert [b.path for b in list_backups(round_path)] == [made.path]
    assert not [p for p in made.path.parent.iterdir() if p.name.startswith(".~")]


def test_only_the_newest_backups_are_kept(round_path: Path) -> None:
    made = []
    for i in range(5):
        _bump(round_path, value=i)
        with Round.open(round_path) as rnd:
            made.append(backup_round(rnd, "导出前", keep=3).path)
    kept = [b.path for b in list_backups(round_path)]
    assert kept == made[:-4:-1]  # newest first, three of them
    assert all(not p.exists() for p in made[:2])


def test_backup_failure_is_a_chinese_error(round_path: Path, monkeypatch) -> None:
    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.tempfiles, "create_beside", refuse)
    with Round.open(round_path) as rnd, pytest.raises(RoundFileError, match="磁盘空间不足"):
        backup_round(rnd, "导入前")


# -- restore ---------------------------------------------------------------------------------
def test_restore_puts_the_backup_back_and_keeps_the_current_file(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
    _bump(round_path, value=42)
    done = restore_backup(round_path, first.path, actor="李四")
    assert done.saved is not None and done.saved.name.endswith("_恢复前.jeval")
    with Round.open(round_path) as rnd:
        assert rnd.get_param("missing_score") == 0
        entry = rnd.audit_log("round.restore")[-1]
        assert entry.actor == "李四"
        assert entry.details["from"] == first.path.name
        assert entry.details["saved_current_as"] == done.saved.name
    with Round.open(done.saved, readonly=True) as saved:
        assert saved.get_param("missing_score") == 42
    assert not round_path.with_name(round_path.name + ".lock").exists()
    assert not [p for p in round_path.parent.iterdir() if p.name.startswith(".~")]


def test_restore_refused_while_the_round_is_open(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
        before = sha(round_path)
        with pytest.raises(RoundLockedError):
            restore_backup(round_path, first.path)
        assert sha(round_path) == before


def test_restore_refuses_a_backup_of_another_round(round_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jeval"
    new_round(other).close()
    before = sha(round_path)
    with pytest.raises(RoundFileError, match="另一个评价轮次"):
        restore_backup(round_path, other)
    assert sha(round_path) == before


def test_restore_of_a_damaged_round_keeps_its_bytes(round_path: Path) -> None:
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
    damaged = round_path.read_bytes()[:5000]
    round_path.write_bytes(damaged)
    with pytest.raises(RoundFileError) as exc:
        Round.open(round_path)
    assert first.path.name in str(exc.value)  # the message offers the latest backup
    done = restore_backup(round_path, first.path)
    assert done.saved is not None and done.saved.read_bytes() == damaged
    assert done.saved.name.endswith(".损坏")
    with Round.open(round_path) as rnd:
        assert rnd.current_values("济南市")[1]["total"][0].number == 120


def test_restore_is_all_or_nothing(round_path: Path, monkeypatch) -> None:
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
    _bump(round_path, value=7)
    before = sha(round_path)

    real_replace = os.replace

    def refused(src, dst):  # Windows: another program has the round open
        if Path(dst) == round_path:
            raise PermissionError(13, "in use")
        real_replace(src, dst)

    monkeypatch.setattr(backup.os, "replace", refused)
    with pytest.raises(RoundFileError, match="原文件未改变"):
        restore_backup(round_path, first.path)
    assert sha(round_path) == before
    assert not [p for p in round_path.parent.iterdir() if p.name.startswith(".~")]


def test_restore_ignores_a_stale_journal_of_the_replaced_file(round_path: Path) -> None:
    """A journal beside the round belongs to the content being replaced: rolling it into the
    restored file would corrupt it, so it goes (after the damaged file was kept with it)."""
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
    round_path.write_bytes(b"SQLite format 3\x00" + os.urandom(4080))
    journal = round_path.with_name(round_path.name + "-journal")
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + os.urandom(600))
    done = restore_backup(round_path, first.path)
    assert not journal.exists()
    assert done.saved.with_name(done.saved.name + "-journal").exists()
    conn = sqlite3.connect(round_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# -- through the workflow and the command line ----------------------------------------------
@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    d = tmp_path_factory.mktemp("returns")
    with workflow.create_round(d / "pristine.jeval", year=2026) as rnd:
        workflow.issue_templates(rnd, d / "templates", units=[UNIT])
    files = samplefill.sample_fill(d / "templates", d / "filled", 3, 0.0, 0.0)
    return d / "pristine.jeval", files


def test_import_and_export_back_up_first(returns, tmp_path: Path) -> None:
    path = tmp_path / "r.jeval"
    shutil.copy(returns[0], path)
    with Round.open(path) as rnd:
        workflow.import_files(rnd, returns[1], dry_run=True)
        assert list_backups(path) == []  # a dry run changes nothing
        workflow.import_files(rnd, returns[1])
        (first,) = list_backups(path)
        assert first.reason == "导入前"
        with Round.open(first.path, readonly=True) as copy:
            assert copy.list_submissions() == []
        workflow.export_all(rnd, tmp_path / "out", formats=("xlsx",))
        assert [b.reason for b in list_backups(path)] == ["导出前", "导入前"]
        workflow.export_all(rnd, tmp_path / "out", formats=("xlsx",))
    assert len(list_backups(path)) in (2, 3)  # the audit entry of an export is a change


def test_damaged_content_is_refused_and_not_backed_up(returns, tmp_path: Path) -> None:
    path = tmp_path / "r.jeval"
    shutil.copy(returns[0], path)
    with Round.open(path) as rnd:
        workflow.import_files(rnd, returns[1])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE input_values SET value_num = 'NaN' WHERE id = (SELECT min(id)"
                 " FROM input_values WHERE value_num IS NOT NULL AND input_key NOT GLOB '_*')")
    conn.commit()
    conn.close()
    good = list_backups(path)
    with Round.open(path) as rnd:
        with pytest.raises(RoundDataError, match="已损坏") as exc:
            workflow.export_all(rnd, tmp_path / "out", formats=("xlsx",))
        assert "NaN" in str(exc.value) and good[0].path.name in str(exc.value)
        with pytest.raises(RoundDataError, match="已损坏"):
            workflow.import_files(rnd, returns[1])
    assert list_backups(path) == good  # no backup of the damaged state


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_restore_command(round_path: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "restore", round_path)
    assert code == 0 and "还没有自动备份" in out
    with Round.open(round_path) as rnd:
        first = backup_round(rnd, "导入前")
    _bump(round_path, value=9)
    code, out, _ = run_cli(capsys, "restore", round_path, "--list")
    assert code == 0 and first.path.name in out and "导入前" in out and "--from" not in out
    code, out, _ = run_cli(capsys, "restore", round_path)
    assert "--from 1" in out
    code, _out, err = run_cli(capsys, "restore", round_path, "--from", "7")
    assert code == 1 and "没有编号为 7 的备份" in err
    code, out, _ = run_cli(capsys, "restore", round_path, "--from", "1")
    assert code == 0 and "已恢复" in out and "恢复前的文件已另存为" in out
    with Round.open(round_path, readonly=True) as rnd:
        assert rnd.get_param("missing_score") == 0
        assert json.dumps(rnd.audit_log("round.restore")[-1].details, ensure_ascii=False)
