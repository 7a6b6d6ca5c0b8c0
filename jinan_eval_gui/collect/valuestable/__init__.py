"""The values table: a round's input values in and out, for data that does not come in templates.

A third-party evaluator (委托第三方机构), an audit, or data that arrives by another channel gives
values as a table instead of a unit's workbook; the office also exports what scoring uses, to
score it without a round (``jinan-eval score --values``) or to move it to another round. Three
forms hold the same content (see docs/DESIGN.md "Values table"):

* JSON (:mod:`.jsonform`): ``{"entities": [{"entity", "values": {"<indicator id>": {"<input
  key>": number | text | null | [{"<column key>": value}, ...] | {"<unit>": value}}}}],
  "params": {...}, "assumptions": {...}}``;
* the long .xlsx and .csv table (:mod:`.longform`), one row per value, Chinese headers
  (类别, 评价对象, 指标编号, 填报项, 填报单位, 行号, 列, 值, and columns for people to read).

Reading is bounded and strict (:mod:`.structure`: anything that does not fit the catalogue or
the round refuses the whole file, nothing imported); values are then checked exactly like a
returned workbook's (:mod:`.checking`) into import results that the importer decides and stores.
Writing (:mod:`.writing`) is exact and atomic.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .checking import Checked, check_table
from .jsonform import read_json
from .longform import read_csv, read_xlsx
from .model import (
    DEFAULT_SOURCE,
    FORMAT,
    FORMAT_LABELS,
    FORMATS,
    HEADERS,
    MAX_FILE_BYTES,
    SHEET,
    SOURCE_PREFIX,
    Entry,
    OverrideEntry,
    Setting,
    ValuesTable,
    format_of,
    refused,
)
from .structure import Settings, source_unit
from .writing import json_document, long_rows, write_table

__all__ = ["Checked", "DEFAULT_SOURCE", "Entry", "FORMAT", "FORMATS", "FORMAT_LABELS", "HEADERS",
           "MAX_FILE_BYTES", "OverrideEntry", "SHEET", "SOURCE_PREFIX", "Setting", "Settings",
           "ValuesTable", "check_table", "format_of", "json_document", "long_rows", "read_bytes",
           "read_table", "source_unit", "write_table"]

_READERS = {"json": read_json, "csv": read_csv, "xlsx": read_xlsx}


def read_bytes(path: Path) -> bytes:
    """The file's bytes, read once and bounded (ValuesFileError with a Chinese message)."""
    try:
        if path.is_dir():
            raise refused(path, "", "是一个文件夹", hint="请选择数据表文件")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise refused(path, "", f"大小为 {size // 1024} KB，超过数据表允许的 "
                                    f"{MAX_FILE_BYTES // 1024 // 1024} MB")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise refused(path, "", "不存在", hint="请检查文件路径") from None
    except OSError as exc:
        raise refused(path, "", f"无法读取（{exc.strerror or exc}）",
                      hint="如果该文件正在其他程序中打开，请先关闭") from exc
    if len(data) > MAX_FILE_BYTES:
        raise refused(path, "", "在读取时变大，超过数据表允许的大小")
    if not data:
        raise refused(path, "", "是空文件（0 字节）")
    return data


def read_table(path: str | Path) -> ValuesTable:
    """The values table in ``path`` (.json, .xlsx or .csv), read strictly; ValuesFileError if
    the file is not one (nothing is imported from it)."""
    path = Path(path)
    fmt = format_of(path)
    data = read_bytes(path)
    return _READERS[fmt](path, data, hashlib.sha256(data).hexdigest())
