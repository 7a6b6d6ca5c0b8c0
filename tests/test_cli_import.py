"""``jinan-eval import ROUND FILE... [--dry-run] [--json] [--compare EARLIER]``: the JSON contract,
the human summary and the exit codes (0 clean, 1 a file rejected or with errors, 2 the import
could not run), never a traceback for a file problem."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import (
    TEST_INDICATOR,
    TEST_UNIT,
    cfb,
    edit,
    extended_catalogue,
    fill,
    make_round,
    sha256,
)

from jinan_eval_gui import cli
from jinan_eval_gui.store import Round

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNITS = (TEST_UNIT, "市大数据局")
FINDING_KEYS = {"severity", "sheet", "cell", "indicator", "input", "message"}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    cat = extended_catalogue()
    make_round(d / "pristine.jeval", cat, units=UNITS, template_dir=d / "templates")
    filled = fill(d / "templates", d / "filled", cat)
    bad = edit(filled[TEST_UNIT], d / "with_errors.xlsx", {(TEST_INDICATOR, "t_count1"): "约100"})
    xls = d / "legacy.xls"
    xls.write_bytes(cfb(["Workbook"]))
    return d, filled, bad, xls


@pytest.fixture
def round_file(setup, tmp_path) -> Path:
    path = tmp_path / "round.jeval"
    shutil.copy(setup[0] / "pristine.jeval", path)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_json_contract_for_clean_returns(setup, round_file, capsys):
    _d, filled, _bad, _xls = setup
    code, out, _err = run(capsys, round_file, *filled.values(), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["dry_run"] is False
    assert data["summary"] == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 0,
                               "held": 0, "skipped": 0}
    assert [Path(f["path"]).name for f in data["files"]] == [p.name for p in filled.values()]
    for f in data["files"]:
        assert f["status"] == "imported"
        assert f["unit"] in UNITS and f["entity"] == "济南市" and len(f["sha256"]) == 64
        for finding in f["findings"]:
            assert set(finding) >= FINDING_KEYS
            assert finding["severity"] in ("error", "warning", "info")
            assert finding["indicator"] is None or isinstance(finding["indicator"], int)
            assert all(isinstance(finding[k], str) for k in FINDING_KEYS - {"indicator"})
        assert not [x for x in f["findings"] if x["severity"] == "error"]


def test_rejected_file_and_errors_exit_1(setup, round_file, capsys):
    _d, filled, bad, xls = setup
    code, out, _err = run(capsys, round_file, bad, xls, "--json")
    assert code == 1
    first, second = json.loads(out)["files"]
    # a file with errors is not accepted without --accept-errors: kept as a version, held
    assert (first["status"], first["decision"]) == ("held", "errors")
    assert first["submission_id"] is not None
    (error,) = [x for x in first["findings"] if x["severity"] == "error"]
    assert error["indicator"] == TEST_INDICATOR and error["input"] == "t_count1"
    assert error["sheet"] == "数据填报" and error["cell"] and error["value"] == "约100"
    assert "确切" in error["message"] and error["label"] == "测试数量1"
    assert second["status"] == "rejected"
    assert second["findings"][0]["severity"] == "error"
    assert ".xls" in second["findings"][0]["message"]
    assert "另存为" in second["findings"][0]["message"]


def test_dry_run_stores_nothing(setup, round_file, capsys):
    _d, filled, _bad, _xls = setup
    before = sha256(round_file)
    code, out, _err = run(capsys, round_file, *filled.values(), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True
    assert sha256(round_file) == before
    code, out, _err = run(capsys, round_file, *filled.values(), "--dry-run")
    assert "试运行" in out and "导入 2" in out
    assert sha256(round_file) == before


def test_same_file_twice_is_unchanged_and_newer_return_shows_changes(setup, round_file, capsys,
                                                                     tmp_path):
    _d, filled, _bad, _xls = setup
    run(capsys, round_file, filled[TEST_UNIT])
    before = sha256(round_file)
    code, out, _err = run(capsys, round_file, filled[TEST_UNIT], "--json")
    assert code == 0 and json.loads(out)["files"][0]["status"] == "unchanged"
    assert sha256(round_file) == before
    newer = edit(filled[TEST_UNIT], tmp_path / "newer.xlsx", {(TEST_INDICATOR, "t_count2"): 4321})
    code, out, _err = run(capsys, round_file, newer)
    assert code == 0
    assert "已更新：newer.xlsx" in out
    assert "变更" in out and "测试数量2" in out and "→ 4321" in out
    assert "更新 1" in out


def test_human_output_names_cell_value_and_what_to_do(setup, round_file, capsys):
    _d, _filled, bad, _xls = setup
    code, out, _err = run(capsys, round_file, bad)
    assert code == 1
    line = next(x for x in out.splitlines() if "[错误]" in x)
    assert "数据填报" in line and "测试数量1" in line and "约100" in line and "请" in line
    assert "合计：导入 0" in out and "待确认 1" in out and "错误 1 处" in out
    assert "有 1 个文件有错误，未接受" in out and "--accept-errors" in out
    code, out, _err = run(capsys, round_file, bad, "--accept-errors")
    assert code == 1 and "合计：导入 1" in out  # accepted on purpose, still exit 1 (errors)


def test_round_problems_exit_2(setup, round_file, capsys, tmp_path):
    _d, filled, _bad, _xls = setup
    code, out, err = run(capsys, tmp_path / "missing.jeval", filled[TEST_UNIT])
    assert code == 2 and "找不到评价轮次文件" in err and out == ""
    code, out, err = run(capsys, tmp_path / "missing.jeval", filled[TEST_UNIT], "--json")
    assert code == 2 and json.loads(out)["files"] == [] and json.loads(out)["error"]
    with Round.open(round_file):  # another program is writing the round
        code, _out, err = run(capsys, round_file, filled[TEST_UNIT])
    assert code == 2 and "不能同时编辑" in err
    code, _out, err = run(capsys, round_file, filled[TEST_UNIT], "--compare",
                          tmp_path / "none.jeval")
    assert code == 2 and "找不到评价轮次文件" in err


def test_compare_with_earlier_round(setup, round_file, capsys, tmp_path):
    d, filled, _bad, _xls = setup
    cat = extended_catalogue()
    earlier = tmp_path / "2023.jeval"
    make_round(earlier, cat, year=2023, units=(TEST_UNIT,), template_dir=tmp_path / "t2023")
    old = fill(tmp_path / "t2023", tmp_path / "f2023", cat)[TEST_UNIT]
    old = edit(old, tmp_path / "old.xlsx", {(TEST_INDICATOR, "t_count1"): 10})
    assert run(capsys, earlier, old)[0] == 0
    new = edit(filled[TEST_UNIT], tmp_path / "new.xlsx", {(TEST_INDICATOR, "t_count1"): 100})
    code, out, _err = run(capsys, round_file, new, "--compare", earlier, "--json")
    assert code == 0  # a warning, accepted
    warnings = [x for x in json.loads(out)["files"][0]["findings"]
                if x["severity"] == "warning" and x["input"] == "t_count1"]
    assert warnings and "2023 年度" in warnings[0]["message"]


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["import"])
    assert info.value.code == 2
    assert "缺少必需的参数" in capsys.readouterr().err


def test_real_process_exit_codes_without_traceback(setup, round_file, tmp_path):
    _d, filled, _bad, xls = setup
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}

    def cli_run(*args):
        proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "import",
                               *map(str, args)], capture_output=True, text=True, env=env,
                              timeout=300)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    proc = cli_run(round_file, filled[TEST_UNIT], xls, empty, tmp_path / "gone.xlsx", "--json")
    assert proc.returncode == 1
    statuses = [f["status"] for f in json.loads(proc.stdout)["files"]]
    assert statuses == ["imported", "rejected", "rejected", "rejected"]
    proc = cli_run(round_file, filled["市大数据局"])
    assert proc.returncode == 0 and "已导入" in proc.stdout
    assert cli_run(tmp_path / "nope.jeval", filled[TEST_UNIT]).returncode == 2
