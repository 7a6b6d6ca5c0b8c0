"""Telling an .xlsx from everything else before parsing: OLE2 (.xls, encrypted), text, archives."""

from __future__ import annotations

import struct
from pathlib import Path

from jinan_eval_gui.errors import WorkbookFileError

from .model import _ASK_AGAIN, _RESAVE, _USE_TEMPLATE, Limits, _fail, _size_text

# --------------------------------------------------------------------------------------------
# Sniffing


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA


def _cfb_directory_names(data: bytes) -> set[str]:
    """Names of the entries in an OLE2 compound file's directory (MS-CFB), casefolded.

    Follows the directory chain through the FAT (header DIFAT plus the DIFAT chain); every
    loop is bounded by the number of sectors in the file.
    """
    if len(data) < 512 or not data.startswith(OLE_SIGNATURE):
        raise ValueError("not a compound file")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << sector_shift
    n_sectors = (len(data) - 512) // size + 1

    def sector(index: int) -> bytes:
        start = (index + 1) * size
        if index > _MAX_SECTOR or start + size > len(data) + size:
            raise ValueError("sector out of range")
        return data[start : start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_SECTOR]
    difat = struct.unpack_from("<I", data, 0x44)[0]
    seen: set[int] = set()
    while difat <= _MAX_SECTOR and difat not in seen and len(seen) < n_sectors:
        seen.add(difat)
        values = struct.unpack(f"<{size // 4}I", sector(difat).ljust(size, b"\0"))
        fat_sectors.extend(v for v in values[:-1] if v <= _MAX_SECTOR)
        difat = values[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_sectors]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s).ljust(size, b"\0")))

    names: set[str] = set()
    current = struct.unpack_from("<I", data, 0x30)[0]
    visited: set[int] = set()
    while current <= _MAX_SECTOR and current not in visited and len(visited) < n_sectors:
        visited.add(current)
        block = sector(current)
        for offset in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            kind = block[offset + 66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                raw = block[offset : offset + length - 2]
                names.add(raw.decode("utf-16-le", errors="replace").casefold())
        current = fat[current] if current < len(fat) else _ENDOFCHAIN
    return names


_OLE_MARKERS = ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book", "WordDocument",
                "PowerPoint Document")


def ole_stream_names(data: bytes) -> set[str]:
    """Casefolded stream names of an OLE2 file; falls back to scanning for known names."""
    try:
        names = _cfb_directory_names(data)
    except (ValueError, struct.error, IndexError):
        names = set()
    if not names & {m.casefold() for m in _OLE_MARKERS}:
        # A damaged or unusual directory: look for the UTF-16 names anywhere in the file.
        names |= {m.casefold() for m in _OLE_MARKERS if m.encode("utf-16-le") in data}
    return names


def _refuse_ole(name: str, data: bytes) -> WorkbookFileError:
    streams = ole_stream_names(data)
    if {"encryptedpackage", "encryptioninfo"} & streams:
        return _fail(name, "设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中输入密码打开，"
                           "取消“打开密码”（文档加密）后另存为 .xlsx，再导入。")
    if {"workbook", "book"} & streams:
        return _fail(name, "是旧版 Excel 97-2003 格式（.xls），" + _RESAVE)
    if "worddocument" in streams:
        return _fail(name, "是 Word 97-2003 文档（.doc），不是 Excel 工作簿。" + _USE_TEMPLATE)
    if "powerpoint document" in streams:
        return _fail(name, "是 PowerPoint 97-2003 演示文稿，不是 Excel 工作簿。" + _USE_TEMPLATE)
    return _fail(name, "是旧版 Office 复合文档，不是 .xlsx 工作簿。" + _RESAVE)


def _refuse_not_zip(name: str, data: bytes) -> WorkbookFileError:
    head = data[:1024]
    if name.startswith("~$"):
        return _fail(name, "是 Excel 或 WPS 打开文件时生成的临时锁定文件，不是工作簿，请忽略它，"
                           "导入同名的正式文件即可。")
    if head.startswith(b"%PDF"):
        return _fail(name, "实际上是 PDF 文件，不是 Excel 工作簿（可能只是改了扩展名）。"
                           "请向填报单位索取填写后的 .xlsx 原文件。")
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        return _fail(name, "是 RAR/7z 压缩包，不是 Excel 工作簿。请先解压，再导入其中的 .xlsx 文件。")
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\0").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta",
                            b"<head", b"<body", b"<workbook")) or b"<html" in head.lower():
        return _fail(name, "是网页或 XML 格式的表格（常见于从其他系统导出的“.xls”），"
                           "不是标准的 Excel 工作簿。" + _RESAVE)
    if b"\0" not in head:
        return _fail(name, "是纯文本文件（如 CSV 或 TXT），不是 Excel 工作簿。"
                           "请使用下发的模板填写，或" + _RESAVE.removeprefix("请"))
    return _fail(name, "不是 Excel 工作簿（.xlsx），无法识别其格式。请确认发送的是填写后的模板文件。")


def read_file(path: str | Path, *, limits: Limits | None = None) -> bytes:
    """The bytes of a returned file, read once and bounded by ``limits.max_file_bytes``.

    Raises WorkbookFileError (Chinese message) for a missing file, a folder, an empty file, a
    file over the size limit or one that cannot be read. Nothing is parsed here.
    """
    limits = limits or Limits()
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise _fail(name, "不存在，可能已被移动或删除。请重新选择文件。") from exc
    except OSError as exc:
        raise _fail(name, f"无法读取（{exc.strerror}）。如果该文件正在 Excel 或 WPS 中打开，请先关闭"
                          "再导入。") from exc
    if path.is_dir():
        raise _fail(name, "是一个文件夹，不是 Excel 工作簿。请选择其中的 .xlsx 文件。")
    if size == 0:
        raise _fail(name, "是空文件（0 字节），可能在保存或发送时出错。" + _ASK_AGAIN)
    if size > limits.max_file_bytes:
        raise _fail(name, f"大小为 {_size_text(size)}，超过允许的 {_size_text(limits.max_file_bytes)}，"
                          "不像是本次填报的模板文件。请确认文件是否正确，或删除多余的图片和工作表后另存"
                          "再导入。")
    try:
        with path.open("rb") as fh:
            data = fh.read(size + 1)  # not max_file_bytes: read(n) allocates n bytes up front
    except OSError as exc:
        raise _fail(name, f"无法读取（{exc.strerror}）。如果该文件正在 Excel 或 WPS 中打开，请先关闭"
                          "再导入。") from exc
    if len(data) > limits.max_file_bytes:
        raise _fail(name, f"大小超过允许的 {_size_text(limits.max_file_bytes)}。请确认文件是否正确。")
    return data
