"""Opening a round that a killed write left behind, and the writer lock's file (issue 15).

The crash states are built byte for byte, so every write point of a commit is covered, not
only those a timed kill happens to hit: SQLite's commit first makes the rollback journal
durable (original pages, the original page count), then writes the changed pages into the
round in page order (page 1 first, whose header then counts pages the file does not have
yet), extends the file, and finally deletes the journal. A kill between any two of those
writes must reopen as the round before the commit.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import stat
import struct
from decimal import Decimal
from pathlib import Path

import pytest
from test_store import new_round

from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.store import NewValue, Round, filecheck
from jinan_eval_gui.store.lock import _WriterLock
from jinan_eval_gui.system import winapi

JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
SECTOR = 512


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pages(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def hot_journal(before: bytes, after: bytes, page_size: int, nonce: int = 0x5EED) -> bytes:
    """The journal SQLite has synced when it starts writing ``after`` over ``before``."""
    old, new = _pages(before, page_size), _pages(after, page_size)
    changed = [i for i in range(len(old)) if i < len(new) and old[i] != new[i]]
    header = (JOURNAL_MAGIC + struct.pack(">IIIII", len(changed), nonce, len(old), SECTOR,
                                          page_size)).ljust(SECTOR, b"\0")
    records = b""
    for i in changed:
        page = old[i]
        checksum = nonce + sum(page[k] for k in range(page_size - 200, 0, -200))
        records += struct.pack(">I", i + 1) + page + struct.pack(">I", checksum & 0xFFFFFFFF)
    return header + records


def crash_state(before: bytes, after: bytes, page_size: int, written: int) -> bytes:
    """The round file after the first ``written`` changed pages of the commit reached it."""
    old, new = _pages(before, page_size), _pages(after, page_size)
    todo = [i for i in range(len(new)) if i >= len(old) or old[i] != new[i]]
    pages = list(old)
    for i in todo[:written]:
        while len(pages) <= i:  # a page past the end extends the file (never leaves a hole)
            pages.append(b"\0" * page_size)
        pages[i] = new[i]
    return b"".join(pages)


def state(path: Path) -> tuple:
    with Round.open(path, readonly=True) as rnd:
        return (rnd.list_submissions(), rnd.current_values("济南市"), rnd.get_params(),
                [e.action for e in rnd.audit_log()])


@pytest.fixture
def before_after(tmp_path: Path) -> tuple[Path, bytes, bytes, int]:
    """A round, and the same round after an import-sized transaction that grows it."""
    path = tmp_path / "r.jeval"
    with new_round(path) as rnd:
        sub = rnd.add_submission(entity="济南市", unit="市大数据局", file_name="a.xlsx",
                                 content=b"PK-a")
        rnd.add_values(sub, [NewValue(1, "total", "120", Decimal(120))])
    before = path.read_bytes()
    grown = tmp_path / "grown.jeval"
    shutil.copy(path, grown)
    with Round.open(grown) as rnd, rnd.transaction():
        sub = rnd.add_submission(entity="济南市", unit="市公安局", file_name="b.xlsx",
                                 content=os.urandom(60_000))
        rnd.add_values(sub, [NewValue(2, "k", str(i), Decimal(i), row_index=i)
                             for i in range(400)])
        rnd.set_param("missing_score", 5)
    after = grown.read_bytes()
    page_size = int.from_bytes(before[16:18], "big")
    assert len(after) > len(before)
    return path, before, after, page_size


def test_kill_at_the_first_write_of_the_commit_reopens_as_before(before_after) -> None:
    """The issue's case: page 1 (header counting the new pages) written, file not extended.
    Every command called this round truncated; SQLite rolls it back."""
    path, before, after, page_size = before_after
    expected = state(path)
    path.write_bytes(crash_state(before, after, page_size, written=1))
    path.with_name(path.name + "-journal").write_bytes(hot_journal(before, after, page_size))
    header = path.read_bytes()[:100]
    assert len(before) < int.from_bytes(header[28:32], "big") * page_size  # "truncated"
    with Round.open(path) as rnd:
        assert rnd.get_param("missing_score") == 0
    assert path.read_bytes() == before
    assert state(path) == expected
    assert not path.with_name(path.name + "-journal").exists()


@pytest.mark.parametrize("readonly", [False, True])
def test_every_write_point_of_the_commit_reopens_as_before(before_after, readonly) -> None:
    path, before, after, page_size = before_after
    expected = state(path)
    changed = sum(1 for i, p in enumerate(_pages(after, page_size))
                  if i >= len(before) // page_size or before[i * page_size:(i + 1) * page_size] != p)
    for written in range(changed + 1):
        path.write_bytes(crash_state(before, after, page_size, written))
        path.with_name(path.name + "-journal").write_bytes(hot_journal(before, after, page_size))
        with Round.open(path, readonly=readonly) as rnd:
            assert rnd.get_param("missing_score") == 0, written
        assert path.read_bytes() == before, written
    assert state(path) == expected


def test_journal_deleted_means_committed(before_after) -> None:
    path, _before, after, _page_size = before_after
    path.write_bytes(after)
    with Round.open(path) as rnd:
        assert rnd.get_param("missing_score") == 5


def test_reader_in_a_read_only_place_recovers_in_a_copy(before_after, monkeypatch) -> None:
    """Where the round cannot be written (CD, read-only share), a reader still sees the
    round as before the killed write, and the files stay as they are."""
    path, before, after, page_size = before_after
    expected = state(path)
    crashed = crash_state(before, after, page_size, written=1)
    journal = hot_journal(before, after, page_size)
    path.write_bytes(crashed)
    path.with_name(path.name + "-journal").write_bytes(journal)
    real = filecheck._recover_hot_journal

    def no_writing_here(p: Path) -> bool:
        return False if p == path else real(p)

    monkeypatch.setattr(filecheck, "_recover_hot_journal", no_writing_here)
    assert state(path) == expected
    assert path.read_bytes() == crashed  # untouched: recovered in memory only
    assert path.with_name(path.name + "-journal").read_bytes() == journal
    with pytest.raises(RoundFileError, match="不可写"):
        Round.open(path)


def test_random_byte_flips_open_or_refuse_in_chinese(before_after, tmp_path) -> None:
    """A damaged file either opens and decodes, or is refused with a Chinese message."""
    path, before, _after, _ = before_after
    rng = random.Random(15)
    for n in range(40):
        data = bytearray(before)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(100, len(data))] ^= 1 << rng.randrange(8)
        damaged = tmp_path / f"flip{n}.jeval"
        damaged.write_bytes(bytes(data))
        try:
            with Round.open(damaged, readonly=True) as rnd:
                rnd.info, rnd.get_params(), rnd.current_values("济南市")
                rnd.list_submissions(), rnd.audit_log(), rnd.list_overrides()
        except RoundFileError as exc:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc))


# -- the lock file ---------------------------------------------------------------------------
def test_symlink_planted_as_lock_is_refused_and_target_unchanged(tmp_path) -> None:
    path = tmp_path / "r.jeval"
    new_round(path).close()
    victim = tmp_path / "important.txt"
    victim.write_text("重要数据\n", encoding="utf-8")
    lock = path.with_name(path.name + ".lock")
    lock.symlink_to(victim)
    with pytest.raises(RoundFileError, match="链接") as exc:
        Round.open(path)
    assert exc.value.hint
    assert victim.read_text(encoding="utf-8") == "重要数据\n"
    assert lock.is_symlink()  # left for the user to look at
    dangling = tmp_path / "nowhere.txt"
    lock.unlink()
    lock.symlink_to(dangling)
    with pytest.raises(RoundFileError, match="链接"):
        Round.open(path)
    assert not dangling.exists()
    Round.open(path, readonly=True).close()  # readers take no lock


def test_hard_link_and_fifo_planted_as_lock_are_refused(tmp_path) -> None:
    path = tmp_path / "r.jeval"
    new_round(path).close()
    lock = path.with_name(path.name + ".lock")
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")
    os.link(victim, lock)
    with pytest.raises(RoundFileError, match="硬链接"):
        Round.open(path)
    assert victim.read_text(encoding="utf-8") == "x"
    lock.unlink()
    if hasattr(os, "mkfifo"):
        os.mkfifo(lock)
        with pytest.raises(RoundFileError, match="不是普通文件"):
            Round.open(path)
        lock.unlink()
    with Round.open(path) as rnd:  # an ordinary stale lock file is still taken over
        rnd.set_param("missing_score", 1)
    assert not lock.exists()


def test_lock_refuses_windows_reparse_points(tmp_path, monkeypatch) -> None:
    """Windows: a junction or symlink shows as a reparse point in lstat's attributes."""
    lock = _WriterLock(tmp_path / "r.jeval")
    lock.path.write_text("{}", encoding="utf-8")
    real_lstat = os.lstat

    class Reparse:
        def __init__(self, st: os.stat_result) -> None:
            self._st = st
            self.st_mode = stat.S_IFREG | 0o644
            self.st_file_attributes = winapi.FILE_ATTRIBUTE_REPARSE_POINT

        def __getattr__(self, name: str):
            return getattr(self._st, name)

    monkeypatch.setattr(winapi, "is_windows", lambda: True)
    monkeypatch.setattr(os, "lstat", lambda p, *a, **k: Reparse(real_lstat(p, *a, **k))
                        if Path(p) == lock.path else real_lstat(p, *a, **k))
    with pytest.raises(RoundFileError, match="链接"):
        lock.acquire()
    assert lock.path.read_text(encoding="utf-8") == "{}"


def test_journal_of_another_program_is_left_to_sqlite(tmp_path) -> None:
    """A live writer's journal is not hot: opening waits for SQLite, never rolls it back."""
    path = tmp_path / "r.jeval"
    new_round(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO params (key, value) VALUES ('yoy_jump_ratio', '7')")
    assert path.with_name(path.name + "-journal").exists()
    with Round.open(path, readonly=True) as rnd:  # reads the committed state
        assert rnd.get_param("yoy_jump_ratio") is None
    other.execute("COMMIT")
    other.close()
    with Round.open(path, readonly=True) as rnd:
        assert rnd.get_param("yoy_jump_ratio") == 7
