"""What every command shares: the command registry, Chinese argparse texts, output helpers.

Start-up must stay fast (``--help`` well under 0.3 s), so command modules import the core
modules they need inside their handlers, never at module level.

Text that came from a file (cell values, file, sheet and unit names, messages quoting them) is
printed through :func:`shown`: control characters are made visible (``\x1b``, ``\n``), so a
cell cannot move the cursor, erase lines or fake a line of the summary. :func:`out` makes every
control character except our own tabs and line breaks visible as a second line of defence;
JSON output is JSON-escaped and left alone.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# argparse's own texts in Chinese: argparse looks ``_`` up at call time.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "expected one argument": "需要一个参数值",
    "invalid %(type)s value: %(value)r": "无效的值 %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "show program's version number and exit": "显示版本号并退出",
    "expected at least one argument": "至少需要一个参数值",
}


def _zh(text: str) -> str:
    return _ARGPARSE_ZH.get(text, text)


argparse._ = _zh  # type: ignore[attr-defined]


Handler = Callable[[argparse.Namespace], int]
Builder = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    """One sub-command: ``name`` may be ``"group sub"`` for a command inside a group."""

    name: str
    help: str
    build: Builder
    handler: Handler


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, tuple[str, str | None]] = {}
"""Command groups (``catalog``, …): their help text and the sub-command used when none is named."""


def group(name: str, help_text: str, *, default: str | None = None) -> None:
    """Declare a command group; ``default`` is run when the user names no sub-command."""
    GROUPS[name] = (help_text, default)


def command(name: str, help_text: str, build: Builder) -> Callable[[Handler], Handler]:
    """Register a handler under ``name`` with the function that adds its arguments."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, help_text, build, handler)
        return handler

    return register


# C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                       "\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def shown(text: object) -> str:
    """Text from a file, safe for a terminal: every control character made visible."""
    return _CONTROLS.sub(_visible, str(text))


def _terminal_safe(text: str) -> str:
    """Our own line: its tabs and line breaks kept, any other control character visible."""
    return _CONTROLS.sub(lambda m: m.group() if m.group() in "\n\t" else _visible(m), text)


def out(text: str = "") -> None:
    """One line of output on stdout (flushed, so progress and results interleave correctly)."""
    print(_terminal_safe(text), flush=True)


def err(text: str) -> None:
    """A message on stderr (control characters made visible, like :func:`out`)."""
    print(_terminal_safe(text), file=sys.stderr, flush=True)


def print_json(data: Any) -> None:
    """The machine-readable answer of a ``--json`` command, UTF-8, indented."""
    import json  # not at module level: ``--help`` and most commands never need it

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def progress(done: int, total: int, message: str) -> None:
    """Step-by-step progress on a terminal; silent when output goes to a file or a pipe."""
    if done < total and sys.stderr.isatty():
        print(f"  [{done + 1}/{total}] {shown(message)}", file=sys.stderr, flush=True)


def open_round(path: str, *, readonly: bool = False):
    """Open the round file named on the command line (Chinese errors come from the store)."""
    from jinan_eval_gui.store import Round

    return Round.open(Path(path), readonly=readonly)


def weight_text(weight: Any) -> str:
    """A weight as the indicator system writes it (``15%``), or a dash where it gives none."""
    return "——" if weight is None else f"{weight}%"


def import_not_run(exc: BaseException, *, as_json: bool, dry_run: bool) -> int:
    """An import that could not run at all (round missing, locked, damaged): say why, and for
    ``--json`` answer with an empty result; exit code 2."""
    err(f"错误：{shown(exc)}")
    if as_json:
        print_json({"dry_run": dry_run, "error": str(exc), "files": []})
    return 2
