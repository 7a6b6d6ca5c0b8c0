"""Builders of hostile and odd .xlsx files, shared by the reader and importer tests.

Everything is generated in code (no committed binaries): hand-made OOXML packages, zip archives
with chosen declared sizes, deflate streams that inflate to gigabytes without being inflated
here, and minimal OLE2 compound files (encrypted workbooks, legacy .xls).
"""

from __future__ import annotations

import copy
import hashlib
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinan_eval_gui.collect.xlsxsafe import OLE_SIGNATURE

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

BILLION_LAUGHS = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


def sheet_xml(rows: str, *, dimension: str = "", root_attrs: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'{XML}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"{root_attrs}>{dim}'
            f"<sheetData>{rows}</sheetData></worksheet>")


def sst_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'{XML}<sst xmlns="{MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


STYLES = (f'{XML}<styleSheet xmlns="{MAIN_NS}"><numFmts count="2">'
          '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '<numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
          '<cellStyleXfs count="1"><xf numFmtId="10"/></cellStyleXfs>'
          '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
          '<xf numFmtId="14"/><xf numFmtId="31"/></cellXfs>'
          '<dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="0%"/></dxf></dxfs></styleSheet>')


def package(
    path: Path,
    sheets: dict[str, str],
    *,
    states: dict[str, str] | None = None,
    shared_strings: str | None = None,
    styles: str | None = STYLES,
    defined_names: dict[str, str] | None = None,
    extra: dict[str, str | bytes] | None = None,
    main_type: str = XLSX_MAIN,
    workbook_pr: str = "",
    skip: tuple[str, ...] = (),
) -> Path:
    """Write a minimal but valid .xlsx package with the given sheet XML parts."""
    states = states or {}
    sheet_tags, rels = [], []
    for i, name in enumerate(sheets, start=1):
        state = f' state="{states[name]}"' if name in states else ""
        sheet_tags.append(f'<sheet name="{name}" sheetId="{i}"{state} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>')
    rels.append(f'<Relationship Id="rIdS" Type="{REL_NS}/styles" Target="styles.xml"/>')
    if shared_strings is not None:
        rels.append(f'<Relationship Id="rIdT" Type="{REL_NS}/sharedStrings" '
                    'Target="sharedStrings.xml"/>')
    names = "".join(f'<definedName name="{k}">{v}</definedName>'
                    for k, v in (defined_names or {}).items())
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": (
            f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/></Types>'),
        "_rels/.rels": (
            f'{XML}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{XML}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{workbook_pr}'
            f'<sheets>{"".join(sheet_tags)}</sheets>'
            + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{XML}<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>'),
    }
    if styles is not None:
        parts["xl/styles.xml"] = styles
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    for i, xml in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    for name in skip:
        del parts[name]
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> Path:
    """Write a zip whose entries are (name, deflate stream, declared CRC, declared size)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in entries:
        offset, encoded = len(out), name.encode()
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size,
                           len(encoded), 0) + encoded + data
        central += struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                               len(data), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    out += central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                                 len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def bomb_stream(total: int) -> tuple[bytes, int]:
    """A raw deflate stream of about ``total`` bytes of sheet rows, built without inflating it:
    one full-flushed block (no back-references across it) repeated."""
    chunk = b"<row><c><v>1</v></c></row>" * 40_000
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    repeats = total // len(chunk)
    return block * repeats + c.flush(zlib.Z_FINISH), repeats * len(chunk)


def bomb_package(path: Path, declared: int | None) -> Path:
    """A small .xlsx whose sheet XML inflates to about 2.5 GB (declared honestly unless told)."""
    head = b"<?xml version='1.0'?><worksheet xmlns='" + MAIN_NS.encode() + b"'><sheetData>"
    normal = {}
    package(path, {"Sheet1": ""})
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name != "xl/worksheets/sheet1.xml":
                normal[name] = zf.read(name)
    stream, size = bomb_stream(int(2.5 * 1024**3))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    prefix = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    entries = [(n, *deflated(d)) for n, d in normal.items()]
    entries.append(("xl/worksheets/sheet1.xml", prefix + stream, 0,
                    declared if declared is not None else size + len(head)))
    return raw_zip(path, entries)


def cfb(streams: list[str], *, break_directory: bool = False) -> bytes:
    """A minimal OLE2 compound file (MS-CFB v3, 512-byte sectors) holding empty streams."""
    free, end, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[:8] = OLE_SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1 if not break_directory else 999, 0, 4096,
                     end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", fatsect, end, *([free] * 126))

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, free,
                                                       right, child)
                + bytes(16) + struct.pack("<IQQIQ", 0, 0, 0, end, 0))

    names = ["Root Entry", *streams]
    directory = b"".join(
        entry(n, 5 if i == 0 else 2, child=1 if i == 0 else free,
              right=i + 1 if 0 < i < len(names) - 1 else free)
        for i, n in enumerate(names)
    )
    directory = directory.ljust(512 * ((len(directory) + 511) // 512), b"\0")
    return bytes(header) + fat + directory


# ------------------------------------------------------------------------------------------
# Returned templates: a test catalogue, rounds, filled returns and edits made the way units do


TEST_UNIT = "市卫生健康委"
TEST_INDICATOR = 18
#: Optional inputs of every kind added to indicator 18 (市卫生健康委) for the value-parsing
#: cases, plus a cross-field check of our own (t_part <= t_whole, an error).
TEST_INPUTS = [
    *({"key": f"t_count{i}", "label": f"测试数量{i}", "unit": "个", "kind": "count", "min": 0,
       "max": 100000, "required": False} for i in range(1, 11)),
    {"key": "t_whole", "label": "测试总数", "unit": "个", "kind": "count", "min": 0,
     "max": 100000, "required": False},
    {"key": "t_part", "label": "测试部分数", "unit": "个", "kind": "count", "min": 0,
     "max": 100000, "required": False},
    *({"key": f"t_amount{i}", "label": f"测试数值{i}", "unit": "万元", "kind": "amount",
       "min": 0, "max": 100000, "required": False} for i in range(1, 4)),
    *({"key": f"t_pct{i}", "label": f"测试比例{i}", "kind": "percent", "required": False}
      for i in range(1, 6)),
    *({"key": f"t_flag{i}", "label": f"测试是否{i}", "kind": "yesno", "required": False}
      for i in range(1, 10)),
    *({"key": f"t_choice{i}", "label": f"测试阶段{i}", "kind": "choice", "required": False,
       "options": [{"label": "规划中", "value": 1}, {"label": "建设中", "value": 2},
                   {"label": "已建成", "value": 3}]} for i in range(1, 3)),
    *({"key": f"t_note{i}", "label": f"测试说明{i}", "kind": "text", "required": False}
      for i in range(1, 3)),
]
TEST_CHECK = {"expr": "t_part <= t_whole", "message": "测试部分数不能大于测试总数",
              "severity": "error"}

_CATALOGUES: dict[str, Any] = {}


def extended_catalogue() -> Any:
    """The real catalogue with TEST_INPUTS and TEST_CHECK added to indicator 18."""
    if "test" not in _CATALOGUES:
        from jinan_eval_gui import catalogue

        raw = copy.deepcopy(catalogue.load().raw)
        entry = next(e for e in raw["indicator"] if e["id"] == TEST_INDICATOR)
        entry["inputs"] = [*entry["inputs"], *copy.deepcopy(TEST_INPUTS)]
        entry["checks"] = [*entry.get("checks", []), dict(TEST_CHECK)]
        _CATALOGUES["test"] = catalogue.build(raw)
    return _CATALOGUES["test"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_round(path: Path, cat: Any, *, year: int = 2024, entities: tuple[str, ...] = ("济南市",),
               units: tuple[str, ...] = (), template_dir: Path | None = None) -> dict[str, Path]:
    """Create a round with ``cat``, issue templates of ``units`` (all when empty); return them
    by unit. The round is closed afterwards (tests copy or reopen it)."""
    from jinan_eval_gui import workflow

    with workflow.create_round(path, year=year, catalogue=cat, entities=entities) as rnd:
        made = workflow.issue_templates(rnd, template_dir or path.parent / f"{path.stem}-templates",
                                        units=list(units) or None)
    return {t.unit: t.path for t in made}


def fill(template_dir: Path, out_dir: Path, cat: Any, *, seed: int = 7) -> dict[str, Path]:
    """Every template in ``template_dir`` filled with plausible values (samplefill)."""
    from jinan_eval_gui.collect import samplefill

    paths = samplefill.fill_dir(template_dir, out_dir, seed=seed, catalogue=cat)
    return {_unit_of(p): p for p in paths}


def _unit_of(path: Path) -> str:
    return meta_of(path).identity["unit"]


def meta_of(path: Path) -> Any:
    """The identity and input map of a workbook (read with openpyxl)."""
    import openpyxl

    from jinan_eval_gui.collect import templates

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return templates.parse_meta(wb[templates.META_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()


def address(meta: Any, indicator_id: int | None, key: str, row: int | None = None,
            column: str = "") -> str:
    """The cell of an input in a template's map."""
    return next(c.cell for c in meta.cells if c.indicator_id == indicator_id
                and c.input_key == key and c.row_index == row and c.column_key == column)


def edit(src: Path, dst: Path, values: dict[Any, Any] | None = None, *,
         formats: dict[Any, str] | None = None, strings: Iterable[Any] = (),
         change: Callable[[Any], None] | None = None) -> Path:
    """Open ``src`` with openpyxl as a unit's tool would, change it, save as ``dst``.

    ``values`` maps an input (``(indicator, key)`` or ``(indicator, key, row, column)``) or a
    plain ``"D8"`` address of the data sheet to the value to write (None clears the cell).
    ``formats`` sets number formats the same way; ``strings`` are keys whose value is written
    as text even when it starts with "=". ``change(workbook)`` may do anything else.
    """
    import openpyxl

    from jinan_eval_gui.collect import samplefill, templates

    meta = meta_of(src)
    with samplefill.fill._keep_merged_styles():
        wb = openpyxl.load_workbook(src)
    ws = wb[templates.DATA_SHEET]

    def where(key: Any) -> str:
        return key if isinstance(key, str) else address(meta, *key)

    forced = {where(k) for k in strings}
    for key, value in (values or {}).items():
        cell = ws[where(key)]
        cell.value = value
        if cell.coordinate in forced:
            cell.data_type = "s"
    for key, number_format in (formats or {}).items():
        ws[where(key)].number_format = number_format
    if change is not None:
        change(wb)
    wb.save(dst)
    return dst


def patch_parts(path: Path, fn: Callable[[str, bytes], bytes | None], *,
                add: dict[str, bytes] | None = None) -> Path:
    """Rewrite a package part by part: ``fn(name, data)`` returns new bytes or None (drop)."""
    with zipfile.ZipFile(path) as zf:
        parts = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            new = fn(name, data)
            if new is not None:
                zf.writestr(name, new)
        for name, data in (add or {}).items():
            zf.writestr(name, data)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip name of a worksheet's XML, found through workbook.xml and its relationships."""
    import re

    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    tag = next(t for t in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook)
               if f'name="{sheet}"' in t)
    rel_id = re.search(r'\br:id="([^"]+)"', tag).group(1)
    rel = next(t for t in re.findall(r"<Relationship\b[^>]*>", rels) if f'Id="{rel_id}"' in t)
    target = re.search(r'Target="([^"]+)"', rel).group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def set_cached_values(path: Path, cached: dict[str, str]) -> Path:
    """Give formulas written by openpyxl (``<f>X</f><v></v>``) a cached result, as Excel does."""
    def fn(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        text = data.decode("utf-8")
        for formula, value in cached.items():
            text = text.replace(f"<f>{formula}</f><v></v>", f"<f>{formula}</f><v>{value}</v>")
            text = text.replace(f"<f>{formula}</f><v/>", f"<f>{formula}</f><v>{value}</v>")
        return text.encode("utf-8")

    return patch_parts(path, fn)


def with_cell(src: Path, dst: Path, sheet: str, cell: str, xml: str) -> Path:
    """``src`` with the XML of one cell replaced, as a crafted file would have it."""
    import re
    import shutil

    shutil.copy(src, dst)
    part = sheet_part(dst, sheet)

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = data.decode("utf-8")
        m = re.search(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)', text)
        assert m is not None, cell
        return (text[: m.start()] + xml + text[m.end():]).encode("utf-8")

    return patch_parts(dst, fn)


def xml_padding(size: int) -> bytes:
    """About ``size`` bytes of XML elements that are not cells (``<p12 q="345678"/>``…),
    compressing about 170:1: under the zip-bomb ratio, so only a budget on the work stops it."""
    import random

    rnd = random.Random(7)
    unit = "".join(f'<p{rnd.randrange(50)} q="{rnd.randrange(10**6)}"/>'
                   for _ in range(160)).encode()
    block = unit * (65536 // len(unit))
    return block * (size // len(block))
