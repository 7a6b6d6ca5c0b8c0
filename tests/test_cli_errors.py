"""Every failure a plain answer (issue 15, part 4): each case the issue found answered with
程序内部错误 or a traceback now exits 1 with a specific Chinese message, and text from files
reaches the terminal with its control characters made visible (part 7)."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from corpus import edit

from jinan_eval_gui import catalogue, cli, workflow
from jinan_eval_gui.collect import samplefill
from jinan_eval_gui.store import Round

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNIT = "市大数据局"
ESC = "\x1b"


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "程序内部错误" not in out + err, err
    return code, out, err


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("clierr")
    with workflow.create_round(d / "pristine.jeval", year=2026) as rnd:
        workflow.issue_templates(rnd, d / "templates", units=[UNIT])
    (filled,) = samplefill.sample_fill(d / "templates", d / "filled", 3, 0.0, 0.0)
    cat = catalogue.load()
    ind = next(i for i in cat.indicators_for_unit(UNIT)
               if any(s.kind == "count" for s in cat.inputs_for_unit(i, UNIT)))
    key = next(s.key for s in cat.inputs_for_unit(ind, UNIT) if s.kind == "count")
    imported = d / "imported.jeval"
    shutil.copy(d / "pristine.jeval", imported)
    with Round.open(imported) as rnd:
        workflow.import_files(rnd, [filled])
    return d, filled, (ind.id, key), imported


@pytest.fixture
def imported(world, tmp_path) -> Path:
    path = tmp_path / "r.jeval"
    shutil.copy(world[3], path)
    return path


# -- --out ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["export", "feedback"])
def test_out_pointing_at_a_file(imported, tmp_path, capsys, command) -> None:
    a_file = tmp_path / "out.xlsx"
    a_file.write_bytes(b"x")
    extra = ["--unit", UNIT] if command == "feedback" else ["--format", "xlsx"]
    code, _out, err = run(capsys, command, imported, "--out", a_file, *extra)
    assert code == 1 and "是一个文件，不是文件夹" in err and a_file.read_bytes() == b"x"


@pytest.mark.parametrize("command", ["export", "feedback", "templates"])
def test_out_in_a_place_that_cannot_be_written(imported, capsys, command) -> None:
    extra = {"feedback": ["--unit", UNIT], "export": ["--format", "xlsx"]}.get(command, [])
    code, _out, err = run(capsys, command, imported, "--out", "/sys/jinan-eval-test", *extra)
    assert code == 1 and "无法创建输出文件夹" in err


def test_unwritable_existing_folder(imported, tmp_path, capsys, monkeypatch) -> None:
    from jinan_eval_gui.system import tempfiles

    def refuse(target):
        raise PermissionError(13, "Permission denied", str(target.parent))

    monkeypatch.setattr(tempfiles, "create_beside", refuse)
    code, _out, err = run(capsys, "feedback", imported, "--unit", UNIT, "--out", tmp_path)
    assert code == 1 and "无法在文件夹" in err and "没有访问权限" in err


def test_feedback_on_a_full_disk(imported, tmp_path, capsys, monkeypatch) -> None:
    import openpyxl

    def full(self, filename):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", full)
    code, _out, err = run(capsys, "feedback", imported, "--unit", UNIT, "--out", tmp_path / "fb")
    assert code == 1 and "磁盘空间不足" in err
    assert not list((tmp_path / "fb").iterdir())


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_in_a_real_process_gives_no_traceback(imported, tmp_path) -> None:
    """The operating system refuses the write (EFBIG), also for the error log itself."""
    code = textwrap.dedent("""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from jinan_eval_gui.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    state = tmp_path / "state" / "JinanEval"
    state.mkdir(parents=True)
    (state / "error.log").write_bytes(b"x" * 8192)  # already over the limit
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", code, "feedback", str(imported), "--unit", UNIT,
                           "--out", str(tmp_path / "fb")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and has_chinese(done.stderr), done.stderr
    assert not list((tmp_path / "fb").iterdir())


# -- new -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "words"), [
    (["--name", "   "], "名称不能为空"),
    (["--entity", "历下区", "--entity", "历下区"], "重复"),
    (["--entity", "历下区", "--entity", " 历下区 "], "重复"),
    (["--entity", "  "], "不能为空"),
    (["--entity", "历下区\x1b[2J"], "控制字符"),
])
def test_new_refuses_bad_names(tmp_path, capsys, args, words) -> None:
    path = tmp_path / "r.jeval"
    code, _out, err = run(capsys, "new", path, "--year", "2026", *args)
    assert code == 1 and words in err
    assert not path.exists()


def test_catalog_check_given_a_workbook(world, capsys) -> None:
    code, _out, err = run(capsys, "catalog", "check", world[1])
    assert code == 1 and "不是指标体系文件" in err


# -- a round whose content was changed ------------------------------------------------------
def _edit(path: Path, sql: str, *args) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


FIRST_NUMBER = ("(SELECT min(id) FROM input_values WHERE value_num IS NOT NULL"
                " AND input_key NOT GLOB '_*')")


@pytest.mark.parametrize("stored", ["NaN", "Infinity", "12O", "-inf"])
def test_stored_value_that_is_not_a_number(imported, tmp_path, capsys, stored) -> None:
    _edit(imported, f"UPDATE input_values SET value_num = ? WHERE id = {FIRST_NUMBER}", stored)
    for command in (["score"], ["export", "--out", tmp_path / "out", "--format", "xlsx"]):
        code, _out, err = run(capsys, command[0], imported, *command[1:])
        assert code == 1 and "已损坏" in err and "评价对象“济南市”" in err and "指标" in err
        assert "填报项“" in err


def test_stored_value_out_of_its_range(imported, capsys) -> None:
    _edit(imported, f"UPDATE input_values SET value_num = '-5' WHERE id = {FIRST_NUMBER}")
    code, _out, err = run(capsys, "score", imported)
    assert code == 1 and "超出该项允许的范围" in err


@pytest.mark.parametrize(("value", "words"), [
    ("-20", "“信息安全扣分上限”的值 -20 超出允许范围 0 ~ 100"),
    ("\"abc\"", "“信息安全扣分上限”的值“abc”不是有效的数值"),
    ("NaN", "不是有效的数值"),
    ("{bad json", "已损坏"),
])
def test_parameter_changed_by_hand(imported, capsys, value, words) -> None:
    _edit(imported, "INSERT OR REPLACE INTO params (key, value) VALUES ('deduction_cap', ?)", value)
    code, _out, err = run(capsys, "score", imported)
    assert code == 1 and words in err


def test_unknown_parameter_and_indicator_parameter(imported, capsys) -> None:
    cat = catalogue.load()
    ind = next(i for i in cat.indicators if i.params)
    name = next(iter(ind.params))
    _edit(imported, "INSERT INTO params (key, value) VALUES (?, '-1')", f"{ind.id}.{name}")
    code, _out, err = run(capsys, "score", imported)
    assert code == 1 and f"指标 {ind.id}“{ind.name}”" in err and "≥ 0" in err
    _edit(imported, "DELETE FROM params")
    _edit(imported, "INSERT INTO params (key, value) VALUES ('no_such', '1')")
    code, _out, err = run(capsys, "score", imported)
    assert code == 1 and "没有的评价参数" in err


def test_damaged_catalogue_snapshot_and_override(imported, capsys) -> None:
    _edit(imported, "INSERT INTO overrides (entity, indicator_id, score, reason, set_by, set_at)"
                    " VALUES ('济南市', 1, 'NaN', '手工', 'x', 'y')")
    code, _out, err = run(capsys, "score", imported)
    assert code == 1 and "专家评分" in err and "已损坏" in err


def test_random_byte_flips_never_an_internal_error(world, tmp_path, capsys) -> None:
    """The issue's experiment: flips that pass integrity_check and still fail decoding."""
    original = world[3].read_bytes()
    rng = random.Random(40)
    answered = 0
    for n in range(40):
        data = bytearray(original)
        for _ in range(3):
            data[rng.randrange(4096, len(data))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"flip{n}.jeval"
        path.write_bytes(bytes(data))
        code, _out, err = run(capsys, "score", path)
        assert code in (0, 1)
        if code:
            answered += 1
            assert err.startswith("错误：") and has_chinese(err)
    assert answered < 40


# -- output --------------------------------------------------------------------------------
def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.Popen([sys.executable, "-m", "jinan_eval_gui.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kwargs)


@pytest.mark.parametrize("args", [["catalog", "show"], ["--help"]])
def test_output_piped_into_head_ends_quietly(args) -> None:
    proc = _cli(*args)
    assert proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode("utf-8")
    proc.wait(timeout=60)
    assert err == "" and proc.returncode in (0, 1)


def test_control_characters_from_a_return_are_made_visible(world, imported, tmp_path, capsys):
    _d, filled, (ind_id, key), _ = world
    fake = "_x001B_[2J_x001B_[1A_x000A_合计：导入 9、更新 0、未变化 0、拒绝 0；错误 0 处"
    sneaky = tmp_path / f"回传{ESC}[31m.xlsx"
    edit(filled, sneaky, {(ind_id, key): fake})
    code, out, _err = run(capsys, "import", imported, sneaky)
    assert code == 1
    assert ESC not in out and "\\x1b[2J" in out and "\\x1b[31m" in out
    summaries = [line for line in out.splitlines() if line.startswith("合计：")]
    assert len(summaries) == 1  # the cell's fake summary stays inside its own line
    assert "\\n合计：导入 9" in out
    code, out, _err = run(capsys, "import", imported, sneaky, "--dry-run", "--json")
    data = json.loads(out)  # JSON output carries the text as it was, JSON-escaped
    values = [f["value"] for f in data["files"][0]["findings"] if f.get("value")]
    assert any(ESC in v and "\n合计" in v for v in values)
    assert ESC not in out  # escaped by JSON itself
