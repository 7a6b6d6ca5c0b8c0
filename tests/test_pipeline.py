"""The whole pipeline through the CLI, offline, with the JSON contracts other tools rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_NETWORK = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("network access is disabled in this test")
class _NoSocket(socket.socket):
    def __init__(self, family=-1, *args, **kwargs):
        if family in (socket.AF_INET, socket.AF_INET6):
            raise OSError("network access is disabled in this test")
        super().__init__(family, *args, **kwargs)
socket.socket = _NoSocket
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def _run(args: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...] = (0,)):
    proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in ok, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory) -> dict[str, str]:
    """An environment whose Python processes (and their workers) cannot open sockets."""
    site = tmp_path_factory.mktemp("offline-site")
    (site / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    root = Path(__file__).parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(root), env.get("PYTHONPATH", "")])
    return env


def test_network_is_really_blocked(offline_env, tmp_path):
    proc = subprocess.run([sys.executable, "-c",
                           "import socket; socket.create_connection(('127.0.0.1', 9))"],
                          env=offline_env, capture_output=True, text=True)
    assert proc.returncode != 0 and "disabled" in proc.stderr


@pytest.mark.slow
def test_demo_runs_offline(offline_env, tmp_path):
    proc = _run(["demo", "--out", str(tmp_path / "demo")], offline_env, tmp_path)
    out = tmp_path / "demo"
    assert len(list((out / "1_下发模板").glob("*.xlsx"))) == 29
    assert len(list((out / "2_单位回传").glob("*.xlsx"))) == 29
    results = sorted(p.suffix for p in (out / "3_评价结果").iterdir())
    assert results == [".docx", ".pdf", ".xlsx"]
    assert "总分" in proc.stdout and "6/6" in proc.stdout


@pytest.mark.slow
def test_cli_pipeline_and_json_contracts(offline_env, tmp_path):
    env = offline_env
    rnd = tmp_path / "r.jeval"
    _run(["new", str(rnd), "--year", "2026"], env, tmp_path)
    made = _run(["templates", str(rnd), "--out", "tpl", "--deadline", "2027-01-31"], env, tmp_path)
    assert "共生成 29 份" in made.stdout
    _run(["sample-fill", "tpl", "--out", "filled", "--seed", "3"], env, tmp_path)
    files = sorted(str(p) for p in (tmp_path / "filled").glob("*.xlsx"))
    dry = json.loads(_run(["import", str(rnd), *files, "--dry-run", "--json"], env, tmp_path).stdout)
    assert {f["status"] for f in dry["files"]} == {"imported"}
    before = json.loads(_run(["status", str(rnd), "--json"], env, tmp_path).stdout)
    assert not any(u["returned"] for u in before["units"])  # dry run stored nothing
    imported = json.loads(_run(["import", str(rnd), *files, "--json"], env, tmp_path).stdout)
    assert len(imported["files"]) == 29
    for f in imported["files"]:
        assert set(f) >= {"path", "status", "findings"}
        assert f["status"] == "imported"
        for finding in f["findings"]:
            assert set(finding) >= {"severity", "sheet", "cell", "indicator", "input", "message"}
            assert finding["severity"] in ("error", "warning", "info")
    again = json.loads(_run(["import", str(rnd), files[0], "--json"], env, tmp_path).stdout)
    assert again["files"][0]["status"] == "unchanged"
    status = json.loads(_run(["status", str(rnd), "--json"], env, tmp_path).stdout)
    assert all(u["returned"] for u in status["units"]) and len(status["units"]) == 29
    score = json.loads(_run(["score", str(rnd), "--json"], env, tmp_path).stdout)
    assert set(score) >= {"total", "deductions", "level1", "level2", "indicators"}
    assert len(score["level1"]) == 8 and len(score["level2"]) == 26
    assert [i["id"] for i in score["indicators"]] == list(range(1, 89))
    assert all(i["status"] == "ok" for i in score["indicators"])
    weighted = sum(w * s["score"] for w, s in zip((21, 13, 6, 16, 0, 5, 16, 23),
                                                   score["level1"], strict=True) if w)
    assert abs(score["total"] - max(0, round(weighted / 100, 2) - score["deductions"])) < 0.006
    _run(["export", str(rnd), "--out", "out", "--format", "xlsx"], env, tmp_path)
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 1


def test_misuse_exits_2_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "import"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "缺少必需的参数" in proc.stderr


def test_missing_round_file_is_a_clear_message(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "status",
                           str(tmp_path / "none.jeval")], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "错误" in proc.stderr
