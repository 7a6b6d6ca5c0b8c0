"""Command line ``jinan-eval``: every step of the yearly evaluation, scriptable.

One module per part of the year (:mod:`.catalog`, :mod:`.rounds`, :mod:`.results`, :mod:`.app`)
registers its commands with :func:`.base.command`; :mod:`.main` builds the parser from them.
Errors from the core (:class:`~jinan_eval_gui.errors.EvalError`) are printed as their Chinese
message; anything unexpected is logged to a file whose path is printed, never shown as a
traceback. Exit codes: 0 success, 1 a file was rejected or has errors, 2 misuse.
"""

from __future__ import annotations

import sys

from .main import build_parser, main, run_handler

__all__ = ["build_parser", "main", "run_handler"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
