"""The workbook read from a package: sheets, defined names, styles, strings and cells."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from jinan_eval_gui.errors import WorkbookFileError

from .model import (
    _ASK_AGAIN,
    _RESAVE,
    _USE_TEMPLATE,
    CellValue,
    Limits,
    SheetState,
    _fail,
    _size_text,
)
from .package import _MAIN_MACRO_TYPE, ZipPackage, _rel_kind, _resolve
from .sheet import _cell_value, _index, _RawCell, _sheet_handlers, _sort_key, hidden_by_merge
from .sniff import OLE_SIGNATURE, _refuse_not_zip, _refuse_ole, read_file
from .xmlparts import (
    _local,
    _parse_rels,
    _SharedStrings,
    _Styles,
    _WorkbookInfo,
    normalize_address,
)

_STYLE_CACHE: dict[str, list[tuple[str, bool, bool]]] = {}
"""Parsed style tables by SHA-256 of ``styles.xml`` (read-only once stored)."""


def serial_to_datetime(serial: Decimal | float, date1904: bool = False) -> datetime:
    """The date and time an Excel serial number stands for (1900 or 1904 date system)."""
    serial = Decimal(serial)
    if date1904:
        base = datetime(1904, 1, 1)
    elif serial < 60:
        base = datetime(1899, 12, 31)  # 1900-01-01 is serial 1; serial 60 is Excel's 1900-02-29
    else:
        base = datetime(1899, 12, 30)
    days = int(serial)
    seconds = round((serial - days) * 86400)
    return base + timedelta(days=days, seconds=int(seconds))


def _utc(text: str) -> datetime | None:
    """A W3C date-time (``2024-03-05T10:00:00Z``) as an aware UTC datetime; no zone means UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class SafeWorkbook(ZipPackage):
    """A returned .xlsx opened by :func:`open_workbook`: metadata read, sheets read on demand.

    The file's bytes are held in memory (at most ``Limits.max_file_bytes``); nothing is written to
    disk and no handle on the file stays open, so the unit's file can be moved or deleted at once.
    """

    def __init__(self, path: Path, data: bytes, limits: Limits) -> None:
        super().__init__(path, data, limits)
        self._locate_main_part()
        self._read_workbook()
        self._styles: list[tuple[str, bool, bool]] | None = None
        self._sst: _SharedStrings | None = None
        self._merges: dict[str, list[str]] = {}

    # -- package structure ---------------------------------------------------------------------

    def _locate_main_part(self) -> None:
        names = self._names
        mimetype = names.get("mimetype")
        if mimetype is not None and mimetype.file_size < 200:
            if b"opendocument.spreadsheet" in self._zip.read(mimetype):
                raise _fail(self.name, "是 OpenDocument 表格（.ods），请在 WPS、Excel 或 LibreOffice "
                                       "中打开后“另存为” .xlsx 格式再导入。")
        main = None
        self._core_part: str | None = "docProps/core.xml"
        if "_rels/.rels" in names:
            for rel_type, target, mode in _parse_rels(self._parse, "_rels/.rels").values():
                kind = _rel_kind(rel_type)
                if kind == "officedocument" and mode != "External" and main is None:
                    main = _resolve("", target)
                elif kind == "core-properties" and mode != "External":
                    self._core_part = _resolve("", target)
        main = main or "xl/workbook.xml"
        if main.lower().endswith(".bin") or "xl/workbook.bin" in names:
            raise _fail(self.name, "是 Excel 二进制工作簿（.xlsb），请在 Excel 中打开后“另存为” .xlsx "
                                   "格式再导入。")
        if main.casefold() not in names:
            if "word/document.xml" in names:
                raise _fail(self.name, "是 Word 文档（.docx），不是 Excel 工作簿。" + _USE_TEMPLATE)
            if "ppt/presentation.xml" in names:
                raise _fail(self.name, "是 PowerPoint 演示文稿，不是 Excel 工作簿。" + _USE_TEMPLATE)
            if any(n.endswith((".xlsx", ".xls", ".xlsm", ".et")) for n in names):
                raise _fail(self.name, "是一个装有表格文件的 ZIP 压缩包，请先解压，再导入其中的 "
                                       ".xlsx 文件。")
            raise _fail(self.name, "是 ZIP 压缩文件，但不是 Excel 工作簿（缺少 xl/workbook.xml）。"
                                   "请确认发送的是填写后的模板文件。")
        self._main = self._info(main).filename  # type: ignore[union-attr]

    def _read_workbook(self) -> None:
        info = _WorkbookInfo(self.limits)
        self._parse(self._main, info.start, info.end, info.chars, "工作簿结构（workbook.xml）")
        rels_part = posixpath.join(posixpath.dirname(self._main), "_rels",
                                   posixpath.basename(self._main) + ".rels")
        rels = _parse_rels(self._parse, rels_part) if self._info(rels_part) else {}
        self.date1904 = info.date1904

        self._sheets: dict[str, tuple[SheetState, str, str | None]] = {}
        self._order: list[str] = []
        seen: set[str] = set()
        for entry in info.sheets:
            if not entry.name or entry.name.casefold() in seen:
                raise _fail(self.name, f"的工作表名称“{entry.name}”为空或重复，文件结构异常。"
                            + _RESAVE)
            rel_type, target, mode = rels.get(entry.rel_id, ("", "", ""))
            part = None if mode == "External" else _resolve(self._main, target)
            self._sheets[entry.name] = (entry.state, _rel_kind(rel_type) or "worksheet", part)
            self._order.append(entry.name)
            seen.add(entry.name.casefold())

        self._parts: dict[str, str | None] = {"sharedstrings": None, "styles": None}
        for rel_type, target, mode in rels.values():
            kind = _rel_kind(rel_type)
            if kind in self._parts and mode != "External":
                self._parts[kind] = _resolve(self._main, target)

        self._global_names: dict[str, str] = {}
        self._local_names: dict[tuple[str, str], str] = {}
        for def_name, local_id, text in info.names:
            if local_id is None:
                self._global_names[def_name] = text
            elif local_id < len(self._order):
                self._local_names[(self._order[local_id], def_name)] = text

        self.is_macro_enabled = (
            "xl/vbaproject.bin" in self._names
            or any(n.startswith("xl/macrosheets/") for n in self._names)
            or self.name.lower().endswith((".xlsm", ".xltm"))
            or any(k == "xlmacrosheet" for _, k, _ in self._sheets.values())
            or self._content_type_is_macro()
        )
        self.has_external_links = any(n.startswith("xl/externallinks/") for n in self._names)

    def _content_type_is_macro(self) -> bool:
        info = self._info("[Content_Types].xml")
        if info is None:
            return False
        found = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if _MAIN_MACRO_TYPE in attrs.get("ContentType", "").lower():
                found.append(True)

        self._parse(info.filename, start)
        return bool(found)

    # -- public metadata -------------------------------------------------------------------------

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """Sheet names in workbook order (worksheets, chart sheets, ...)."""
        return tuple(self._order)

    def _sheet_key(self, sheet: str) -> str:
        if sheet in self._sheets:
            return sheet
        for name in self._order:
            if name.casefold() == sheet.casefold():
                return name
        raise _fail(self.name, f"中没有名为“{sheet}”的工作表。请确认使用的是下发的模板，且没有删除或"
                               "重命名工作表。")

    def sheet_state(self, sheet: str) -> SheetState:
        """``"visible"``, ``"hidden"`` or ``"veryHidden"``."""
        return self._sheets[self._sheet_key(sheet)][0]

    def sheet_kind(self, sheet: str) -> str:
        """``"worksheet"``, ``"chartsheet"``, ``"dialogsheet"`` or ``"xlmacrosheet"``."""
        return self._sheets[self._sheet_key(sheet)][1]

    @property
    def defined_names(self) -> MappingProxyType[str, str]:
        """Workbook-scoped defined names: name -> reference text (e.g. ``_meta!$B$3``)."""
        return MappingProxyType(self._global_names)

    @property
    def local_defined_names(self) -> MappingProxyType[tuple[str, str], str]:
        """Sheet-scoped defined names: (sheet, name) -> reference text."""
        return MappingProxyType(self._local_names)

    @property
    def notices(self) -> tuple[str, ...]:
        """Facts about the file worth a warning on import, in Chinese."""
        out = []
        if self.is_macro_enabled:
            out.append(f"文件“{self.name}”包含宏（VBA 或宏表）。本工具只读取单元格中保存的值，不会运行"
                       "任何宏；如数据由宏生成，请核对数值是否为最新。")
        if self.has_external_links:
            out.append(f"文件“{self.name}”含有指向其他工作簿的外部链接。本工具不会打开链接的文件，只读取"
                       "单元格中保存的计算结果；请核对相关数值，最好将公式改为数值后重新发送。")
        return tuple(out)

    def saved_at(self) -> datetime | None:
        """When the file was last saved by its own record (``dcterms:modified`` in the core
        properties, which Excel, WPS and LibreOffice write on every save), in UTC; None when
        absent or unreadable (a damaged property part does not make the data unreadable)."""
        part = self._core_part
        if part is None or self._info(part) is None:
            return None
        found: list[str] = []
        text: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "modified":
                text.clear()
                found.append("")

        def end(name: str) -> None:
            if _local(name) == "modified" and found:
                found[-1] = "".join(text)[:64]

        def chars(data: str) -> None:
            if found and len(text) < 64:
                text.append(data)

        try:
            self._parse(self._info(part).filename, start, end, chars,  # type: ignore[union-attr]
                        "文档属性（core.xml）")
        except WorkbookFileError:
            return None
        return _utc(found[-1].strip()) if found else None

    def _style_table(self) -> list[tuple[str, bool, bool]]:
        if self._styles is None:
            part = self._parts["styles"] or "xl/styles.xml"
            if self._info(part) is None:
                self._styles = _Styles().table()
                return self._styles
            # Returned files are mostly copies of one template: identical styles parts are
            # parsed once per process (keyed by the SHA-256 of the inflated bytes).
            key = self._part_digest(part)
            table = _STYLE_CACHE.get(key) if key is not None else None
            if table is None:
                styles = _Styles()
                self._parse(part, styles.start, styles.end, what="样式（styles.xml）")
                table = styles.table()
                if key is not None:
                    if len(_STYLE_CACHE) >= 64:
                        _STYLE_CACHE.pop(next(iter(_STYLE_CACHE)))
                    _STYLE_CACHE[key] = table
            self._styles = table
        return self._styles

    def _shared_strings(self, needed: int | None) -> list[str]:
        """Shared strings, parsed up to index ``needed`` (all when None)."""
        sst = self._sst
        if sst is not None and (sst.complete or (needed is not None and len(sst.items) > needed)):
            return sst.items
        part = self._parts["sharedstrings"] or "xl/sharedStrings.xml"
        sst = _SharedStrings(self.limits, needed)
        if self._info(part) is not None:
            finished = []

            def end(name: str) -> None:
                sst.end(name)
                if _local(name) == "sst":
                    finished.append(True)

            # Namespaces off (faster): the part holds only main-namespace elements.
            self._parse(part, sst.start, end, sst.chars, "共享字符串（sharedStrings.xml）",
                        namespaces=False)
            sst.complete = bool(finished) or needed is None
        else:
            sst.complete = True
        self._sst = sst
        return sst.items

    def cells(self, sheet: str, wanted: Iterable[str] | None = None) -> dict[str, CellValue]:
        """The cells of ``sheet`` by address (``"B3"``).

        Without ``wanted``: every cell that holds a value or a formula (empty cells left out).
        With ``wanted`` (addresses such as ``"B3"`` or ``"$B$3"``): exactly those keys, normalised
        (``"B3"``), empty or absent cells as ``type == "blank"``, and a wanted cell hidden under
        a merged range (not its top-left cell) as ``"bad"``: Excel shows the top-left cell's
        content there. The whole sheet is read either way, so that a cell or row written twice
        anywhere is found (the file is refused) rather than one of its values chosen.
        """
        key = self._sheet_key(sheet)
        _state, kind, part = self._sheets[key]
        wanted_set = None if wanted is None else {normalize_address(a) for a in wanted}
        result: dict[str, CellValue] = {}
        if kind == "worksheet" and wanted_set != set():
            if part is None or self._info(part) is None:
                raise _fail(self.name, f"的工作表“{key}”内容缺失，文件可能已损坏。" + _RESAVE)
            start, end, chars, read = _sheet_handlers(self.limits, wanted_set)
            # Without namespace processing: inside <sheetData> only main-namespace elements
            # occur, and prefixes ("x:c") are stripped by the handlers.
            self._parse(part, start, end, chars, f"工作表“{key}”", namespaces=False)
            self._merges[key] = read.merges
            result = self._build_cells(key, read.cells)
        if wanted_set is None:
            return result
        out = {a: result.get(a) or CellValue.blank(a) for a in sorted(wanted_set, key=_sort_key)}
        for address, anchor in hidden_by_merge(wanted_set, self._merges.get(key, [])).items():
            cell = out[address]
            out[address] = CellValue(
                address, cell.raw, None, "bad", cell.has_formula, cell.is_date_format,
                cell.is_percent_format, cell.number_format, cell.date1904,
                problem=f"与 {anchor} 合并，Excel 只显示左上角 {anchor} 的内容，看到的不是本单元格"
                        "的值（请取消合并后在本单元格填写）")
        return out

    def merged_ranges(self, sheet: str) -> tuple[str, ...]:
        """The merged ranges (``"B4:F4"``) of a sheet read by :meth:`cells`, as stored."""
        return tuple(self._merges.get(self._sheet_key(sheet), ()))

    def _build_cells(self, sheet: str, raw_cells: list[_RawCell]) -> dict[str, CellValue]:
        styles = self._style_table()
        n_styles = len(styles)
        indices = [_index(raw[3]) for raw in raw_cells if raw[1] == "s"]
        needed = max((i for i in indices if i is not None), default=None)
        sst = self._shared_strings(needed) if needed is not None else []
        date1904 = self.date1904
        out: dict[str, CellValue] = {}
        for raw in raw_cells:
            address, s, has_f = raw[0], raw[2], raw[5]
            fmt, is_date, is_pct = styles[s] if s < n_styles else ("General", False, False)
            cell = _cell_value(raw, sst, (has_f, is_date, is_pct, fmt, date1904))
            if isinstance(cell, str):
                raise _fail(self.name, f"的工作表“{sheet}”单元格 {address} 引用了不存在的共享"
                                       "字符串，文件已损坏。" + _RESAVE)
            out[address] = cell
        return out

    # -- lifetime ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the in-memory copy of the file."""
        self._zip.close()
        self._data = b""

    def __enter__(self) -> SafeWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_bytes(data: bytes, path: str | Path, *, limits: Limits | None = None) -> SafeWorkbook:
    """Open a returned workbook from bytes already read (``path`` names it in messages).

    The same sniffing and bounds as :func:`open_workbook`, for callers that keep the exact
    bytes they validated (the importer stores those, never a second read of the file).
    """
    limits = limits or Limits()
    path = Path(path)
    name = path.name
    if len(data) > limits.max_file_bytes:
        raise _fail(name, f"大小超过允许的 {_size_text(limits.max_file_bytes)}。请确认文件是否正确。")
    if not data:
        raise _fail(name, "是空文件（0 字节），可能在保存或发送时出错。" + _ASK_AGAIN)
    if data.startswith(OLE_SIGNATURE):
        raise _refuse_ole(name, data)
    if not data.startswith(b"PK"):
        raise _refuse_not_zip(name, data)
    return SafeWorkbook(path, data, limits)


def open_workbook(path: str | Path, *, limits: Limits | None = None) -> SafeWorkbook:
    """Open a returned workbook safely; raises WorkbookFileError with a Chinese message."""
    return open_bytes(read_file(path, limits=limits), path, limits=limits)
