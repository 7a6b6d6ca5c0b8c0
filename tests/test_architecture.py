"""The core never imports Qt: checked by importing every core module with PySide6 blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import jinan_eval_gui

CORE = sorted(m.name for m in pkgutil.iter_modules(jinan_eval_gui.__path__)
              if m.name != "gui" and not m.ispkg)

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked for core modules: ' + name)
sys.meta_path.insert(0, Block())
"""


def test_core_modules_are_known():
    for name in ("catalogue", "rules", "engine", "store", "templates", "importer", "export",
                 "report", "workflow", "cli"):
        assert name in CORE


def test_core_imports_without_qt():
    code = BLOCKER + "\n".join(f"import jinan_eval_gui.{name}" for name in CORE) + """
from jinan_eval_gui import catalogue, engine
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
