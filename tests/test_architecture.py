"""The core never imports Qt: checked by importing every core module with PySide6 blocked."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jinan_eval_gui

ROOT = Path(__file__).resolve().parent.parent

STAGES = ("system", "catalogue", "scoring", "store", "collect", "outputs", "workflow")
CORE = sorted(m.name[len("jinan_eval_gui."):]
              for m in pkgutil.walk_packages(jinan_eval_gui.__path__, "jinan_eval_gui.")
              if not m.name.startswith("jinan_eval_gui.gui") and not m.name.endswith("__main__"))

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked for core modules: ' + name)
sys.meta_path.insert(0, Block())
"""


def test_core_modules_are_known():
    for name in (*STAGES, "catalogue.rules", "scoring.engine", "store.round",
                 "collect.templates", "collect.importer", "outputs.workbook", "outputs.report",
                 "cli"):
        assert name in CORE


def test_core_imports_without_qt():
    code = BLOCKER + "\n".join(f"import jinan_eval_gui.{name}" for name in CORE) + """
from jinan_eval_gui import catalogue
from jinan_eval_gui.scoring import engine
cat = catalogue.load()
engine.score(cat, {})
assert not any(m.startswith('PySide6') for m in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent)
    assert proc.returncode == 0, proc.stderr


def test_cli_help_imports_no_heavy_modules():
    """`jinan-eval --help` must start fast: no Excel, pandas, matplotlib or Qt at import."""
    code = """
import sys
from jinan_eval_gui import cli
heavy = [m for m in ('openpyxl', 'xlsxwriter', 'pandas', 'matplotlib', 'docx', 'fpdf', 'PySide6')
         if m in sys.modules]
print(','.join(heavy))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the contracts in ``root/pyproject.toml`` on ``root``'s package."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", run, "--config", str(root / "pyproject.toml"),
                           "--no-cache"],
                          capture_output=True, text=True, cwd=root, env=env)


def test_layer_contracts_hold():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("scoring/engine.py", "from jinan_eval_gui.store import Round", "layered"),
    ("catalogue/model.py", "from jinan_eval_gui.gui import settings", "layered"),
    ("store/records.py", "import PySide6", "never imports Qt"),
    ("catalogue/rules/syntax.py", "from jinan_eval_gui.catalogue import model",
     "stands alone"),
])
def test_a_planted_violation_breaks_a_contract(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "jinan_eval_gui", tmp_path / "jinan_eval_gui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "jinan_eval_gui" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    broken = [block for block in proc.stdout.split("\n\n") if "BROKEN" in block]
    assert any(contract in block for block in broken), proc.stdout


def test_no_import_cycles():
    """Modules import each other in one direction only (type-checking imports aside)."""
    import grimp

    graph = grimp.build_graph("jinan_eval_gui", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert cycles == []


def test_modules_stay_small():
    """One module, one job: none grows past ~500 lines (550 allows a docstring's slack)."""
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "jinan_eval_gui").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 550} == {}
