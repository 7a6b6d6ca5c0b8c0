"""Nothing left behind (issue 15, part 5): worker processes tied to their parent, temporary
files hidden while written and swept at the next start.

The office's machines run Windows and no test machine does, so the Windows branches (a job
object that kills the workers with the parent; the hidden attribute on temporary files) are
exercised here with the platform switched and a fake ``kernel32`` that records every call.
"""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import sys

import pytest

from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.system import atomic, parallel, processes, tempfiles, winapi


class FakeKernel32:
    """Records the Windows calls; behaves like a Windows that grants everything."""

    def __init__(self, attributes: int = 0x20) -> None:
        self.calls: list[tuple] = []
        self.attributes: dict[str, int] = {}
        self.default_attributes = attributes
        self.exit_code = winapi.STILL_ACTIVE
        self.open_process_result = 77

    def __getattr__(self, name: str):
        def call(*args):
            self.calls.append((name, *args))
            return self._answer(name, args)
        return call

    def _answer(self, name: str, args: tuple):
        if name == "GetFileAttributesW":
            return self.attributes.get(args[0], self.default_attributes)
        if name == "SetFileAttributesW":
            self.attributes[args[0]] = args[1]
            return 1
        if name == "CreateJobObjectW":
            return 4242
        if name == "OpenProcess":
            return self.open_process_result
        if name == "GetExitCodeProcess":
            args[1]._obj.value = self.exit_code
            return 1
        return 1

    def named(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]


@pytest.fixture
def windows(monkeypatch) -> FakeKernel32:
    fake = FakeKernel32()
    monkeypatch.setattr(winapi, "is_windows", lambda: True)
    monkeypatch.setattr(winapi, "kernel32", lambda: fake)
    monkeypatch.setattr(processes, "_job", None)
    return fake


# -- Windows: the job object ---------------------------------------------------------------
def test_job_object_kills_workers_when_the_parent_closes(windows) -> None:
    job = processes.KillOnCloseJob()
    (_, security, name), = windows.named("CreateJobObjectW")
    assert security is None and name is None
    (_, handle, info_class, info, size), = windows.named("SetInformationJobObject")
    assert handle == 4242 and info_class == 9  # JobObjectExtendedLimitInformation
    limits = info._obj
    assert limits.BasicLimitInformation.LimitFlags == 0x2000  # KILL_ON_JOB_CLOSE
    assert size == ctypes.sizeof(limits)
    assert job.add(1234) and job.add(1234)
    (_, access, inherit, pid), = windows.named("OpenProcess")
    assert pid == 1234 and not inherit
    assert access == winapi.PROCESS_SET_QUOTA | winapi.PROCESS_TERMINATE
    assert windows.named("AssignProcessToJobObject") == [("AssignProcessToJobObject", 4242, 77)]
    assert ("CloseHandle", 77) in windows.calls
    assert ("CloseHandle", 4242) not in windows.calls  # held until this process ends


def test_adopt_puts_every_pool_worker_into_the_job(windows) -> None:
    class Pool:
        _processes = {101: object(), 102: object()}

    processes.adopt(Pool())
    processes.adopt(Pool())  # later submits: already members, not assigned twice
    assigned = [c[3] for c in windows.named("OpenProcess")]
    assert sorted(assigned) == [101, 102]
    assert len(windows.named("CreateJobObjectW")) == 1


def test_real_pool_worker_is_adopted(windows, monkeypatch) -> None:
    monkeypatch.delenv("JINAN_EVAL_SERIAL", raising=False)
    with parallel.pool(1) as executor:
        worker_pid = parallel.submit(executor, os.getpid).result(timeout=120)
    assert worker_pid != os.getpid()
    assert worker_pid in [c[3] for c in windows.named("OpenProcess")]


def test_adopt_survives_a_refusing_windows(windows) -> None:
    windows.open_process_result = 0  # OpenProcess fails (the worker already exited)

    class Pool:
        _processes = {5: object()}

    processes.adopt(Pool())
    assert not windows.named("AssignProcessToJobObject")


def test_adopt_does_nothing_on_posix(monkeypatch) -> None:
    monkeypatch.setattr(winapi, "is_windows", lambda: False)
    monkeypatch.setattr(winapi, "kernel32", lambda: pytest.fail("no Windows calls on POSIX"))

    class Pool:
        _processes = {5: object()}

    processes.adopt(Pool())


def test_pid_alive_windows_branch(windows, monkeypatch) -> None:
    assert processes.pid_alive(99)
    windows.exit_code = 0
    assert not processes.pid_alive(99)
    windows.open_process_result = 0
    monkeypatch.setattr(winapi, "last_error", lambda: winapi.ERROR_ACCESS_DENIED)
    assert processes.pid_alive(99)  # exists, but not ours to open
    monkeypatch.setattr(winapi, "last_error", lambda: 87)
    assert not processes.pid_alive(99)
    assert not processes.pid_alive(0)


# -- Windows: hidden temporary files -------------------------------------------------------
def test_temporary_file_hidden_while_written_then_shown(windows, tmp_path) -> None:
    target = tmp_path / "评分表.xlsx"
    with atomic.atomic_path(target) as tmp:
        assert windows.attributes[str(tmp)] == 0x20 | winapi.FILE_ATTRIBUTE_HIDDEN
        assert tmp.name.startswith(".~") and tmp.name.endswith(".xlsx.part")
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert windows.attributes[str(tmp)] == 0x20  # un-hidden before it took the real name
    sets = [c for c in windows.named("SetFileAttributesW") if c[1] == str(tmp)]
    assert [c[2] for c in sets] == [0x22, 0x20]


def test_a_new_round_file_is_not_left_hidden(windows, tmp_path) -> None:
    from test_store import new_round

    path = tmp_path / "r.jeval"
    new_round(path).close()
    hidden = [c for c in windows.named("SetFileAttributesW") if c[2] & 0x2]
    assert hidden and all(windows.attributes[c[1]] & 0x2 == 0 for c in hidden)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jeval"]


def test_set_hidden_is_a_no_op_elsewhere(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(winapi, "is_windows", lambda: False)
    assert winapi.set_hidden(tmp_path, True) is False


# -- temporary files swept at the next start -----------------------------------------------
def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_sweep_removes_temp_files_of_dead_processes_only(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    dead, alive = _dead_pid(), os.getppid()
    folder = tmp_path / "out"
    folder.mkdir()
    left = folder / f".~{dead}-0123456789ab.pdf.part"
    left.write_bytes(b"half a pdf")
    left_journal = folder / f".~{dead}-0123456789ab.jeval.part-journal"
    left_journal.write_bytes(b"j")
    other = folder / "报告.pdf"  # a user's file, even if a note names it
    other.write_bytes(b"keep")
    running = folder / f".~{alive}-fedcba987654.xlsx.part"
    running.write_bytes(b"being written")
    pending = tmp_path / "state" / "JinanEval" / "pending"
    pending.mkdir(parents=True)
    (pending / f"{dead}.txt").write_text(
        f"{left}\n{folder / f'.~{dead}-0123456789ab.jeval.part'}\n{other}\n", encoding="utf-8")
    (pending / f"{alive}.txt").write_text(f"{running}\n", encoding="utf-8")
    removed = tempfiles.sweep_stale()
    assert set(removed) == {left, left_journal}
    assert other.exists() and running.exists()
    assert not (pending / f"{dead}.txt").exists() and (pending / f"{alive}.txt").exists()


def test_temp_files_are_noted_for_the_sweep(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    tmp = tempfiles.create_beside(tmp_path / "a.docx")
    note = tmp_path / "state" / "JinanEval" / "pending" / f"{os.getpid()}.txt"
    assert str(tmp.resolve()) in note.read_text(encoding="utf-8").splitlines()
    assert tempfiles.is_temp_name(tmp.name)
    tempfiles.remove(tmp)


# -- writes the disk refuses ---------------------------------------------------------------
def test_disk_full_while_writing_is_a_chinese_error_and_leaves_nothing(tmp_path) -> None:
    target = tmp_path / "反馈.xlsx"
    with pytest.raises(ExportError, match="磁盘空间不足") as exc:
        with atomic.atomic_path(target):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert exc.value.hint
    assert list(tmp_path.iterdir()) == []


def test_ensure_folder_refuses_a_file_and_an_unwritable_place(tmp_path) -> None:
    a_file = tmp_path / "out.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(ExportError, match="是一个文件，不是文件夹"):
        atomic.ensure_folder(a_file)
    with pytest.raises(ExportError, match="无法创建输出文件夹") as caught:
        atomic.ensure_folder(a_file / "sub" / "deeper")
    # the message names the part of the path that is a file, whatever errno the OS gave
    assert f"“{a_file}”是一个文件" in str(caught.value)
    assert "另选" in caught.value.hint
    assert atomic.ensure_folder(tmp_path / "new" / "deep").is_dir()


def test_error_log_never_raises(monkeypatch, tmp_path) -> None:
    from jinan_eval_gui.system import logs

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logs, "user_data_dir", full)
    monkeypatch.setattr(logs.tempfile, "gettempdir", lambda: str(tmp_path / "missing"))
    try:
        raise ValueError("boom")
    except ValueError:
        assert logs.log_exception("test") is None
