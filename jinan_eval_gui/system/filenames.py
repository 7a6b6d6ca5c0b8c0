"""File names made from unit and entity names, safe on Windows (the office's machines).

Unit names come from the catalogue and entity names from the office; both can hold characters
Windows refuses in a file name or be a reserved device name (``CON``, ``COM1``…), so every file
the program names goes through :func:`sanitize_filename`.
"""

from __future__ import annotations

import re

_ILLEGAL_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


def sanitize_filename(stem: str) -> str:
    """A file name stem that Windows accepts: no <>:"/\\|?* or control characters."""
    text = _ILLEGAL_CHARS.sub("_", stem).strip().rstrip(". ")
    if not text:
        text = "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text[:200]
