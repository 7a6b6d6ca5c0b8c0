"""xlsxsafe: hostile and odd files are refused with a Chinese message; real ones read exactly.

Every file is generated here (no committed binaries): hand-made OOXML packages for the odd and
hostile cases, xlsxwriter for ordinary workbooks, LibreOffice to re-save one as a unit would.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from corpus import (
    BILLION_LAUGHS,
    MAIN_NS,
    PKG_REL_NS,
    REL_NS,
    XLSM_MAIN,
    XML,
    bomb_package,
    cfb,
    package,
    sheet_xml,
    sst_xml,
)
from lo import convert, needs_soffice

from jinan_eval_gui.collect.xlsxsafe import (
    OLE_SIGNATURE,
    CellValue,
    Limits,
    classify_format,
    normalize_address,
    ole_stream_names,
    open_workbook,
    serial_to_datetime,
)
from jinan_eval_gui.errors import WorkbookFileError

# ------------------------------------------------------------------------------------------
# The corpus


def xlsxwriter_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    pct = wb.add_format({"num_format": "0.00%"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    cn_date = wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    ws = wb.add_worksheet("填报表")
    ws.write_string("A1", "指标")
    ws.write_number("B2", 85)
    ws.write_number("B3", 1234.5)
    ws.write_number("B4", 0.85, pct)
    ws.write_string("B5", "85%")
    ws.write_string("B6", "１，２３４")
    ws.write_boolean("B7", True)
    ws.write_boolean("B8", False)
    ws.write_formula("B9", "=B2*2", None, 170)
    ws.write_formula("B10", "=1/0", None, "#DIV/0!")
    ws.write_formula("B11", "=NA()", None, "#N/A")
    ws.write_formula("B12", '="是"', None, "是")
    ws.write_datetime("B13", dt.datetime(2024, 1, 2), date)
    ws.write_datetime("B14", dt.datetime(2024, 3, 5), cn_date)
    ws.write_number("B15", 0.1 + 0.2)
    ws.write_string("B16", "line1\nline2 与 “引号” & <角括号>")
    ws.write_blank("B17", None, wb.add_format({"locked": False}))
    ws.write_number("XFD1048576", 7)
    meta = wb.add_worksheet("_meta")
    meta.write_string("A1", "format")
    meta.write_string("B1", "jinan-eval-template")
    meta.write_string("A2", "round_id")
    meta.write_string("B2", "2024-R1")
    meta.hide()
    very = wb.add_worksheet("veryhidden")
    very.very_hidden()
    wb.define_name("JE_ROUND_ID", "=_meta!$B$2")
    wb.define_name("填报表!LocalName", "=填报表!$B$2")
    wb.close()
    return path


EXPECTED = {
    "A1": ("s", "指标"),
    "B2": ("n", D(85)),
    "B3": ("n", D("1234.5")),
    "B4": ("n", D("0.85")),
    "B5": ("s", "85%"),
    "B6": ("s", "１，２３４"),
    "B7": ("b", True),
    "B8": ("b", False),
    "B9": ("n", D(170)),
    "B10": ("e", None),
    "B11": ("e", None),
    "B12": ("str", "是"),
    "B13": ("n", D(45293)),
    "B14": ("n", D(45356)),
    "B16": ("s", "line1\nline2 与 “引号” & <角括号>"),
    "XFD1048576": ("n", D(7)),
}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("corpus")
    files: dict[str, Path] = {}

    files["normal"] = xlsxwriter_workbook(d / "normal.xlsx")

    files["inline"] = package(d / "inline.xlsx", {
        "Sheet1": sheet_xml(
            '<x:row xmlns:x="' + MAIN_NS + '" r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>行内</x:t>'
            '</x:is></x:c></x:row>'
            '<row><c t="inlineStr"><is><r><t>富</t></r><r><t xml:space="preserve"> 文本</t></r>'
            '<rPh sb="0" eb="1"><t>ふ</t></rPh></is></c><c><v>12</v></c><c r="E2" s="1"><v>45356</v>'
            '</c><c><v>0.5</v></c></row>'
            '<row r="4"><c r="A4" t="s"><v>1</v></c><c r="B4" t="str"><f>A4</f><v>回车_x000D_符</v></c>'
            '<c r="C4" t="d"><v>2024-01-02T00:00:00</v></c><c r="D4" s="2"><v>0.125</v></c>'
            '<c r="E4" s="3"><v>1</v></c><c r="F4" s="4"><v>2</v></c><c r="G4" t="n"><v>NaN</v></c>'
            '<c r="H4" t="b"><v>1</v></c><c r="I4"><f>1+1</f></c><c r="J4" s="1"/></row>'
        ),
        "Sheet2": sheet_xml(""),
    }, shared_strings=sst_xml(["甲", "乙"]), workbook_pr='<workbookPr date1904="1"/>',
        defined_names={"JE_UNIT": "Sheet1!$A$1"})

    files["dimension"] = package(d / "dimension.xlsx", {
        "Sheet1": sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
                            '<row r="3"><c r="C3"><v>3</v></c></row>',
                            dimension="A1:XFD1048576"),
    })

    files["sst_bomb"] = package(d / "sst_bomb.xlsx", {
        "Sheet1": sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
    }, shared_strings=f'{XML}{BILLION_LAUGHS}<sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>')

    files["sheet_bomb"] = package(d / "sheet_bomb.xlsx", {
        "Sheet1": (f'{XML}{BILLION_LAUGHS}<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
                   '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'),
    })

    xxe = (f'{XML}<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
           '<sheet name="&xxe;" sheetId="1" r:id="rId1"/></sheets></workbook>')
    files["workbook_xxe"] = package(d / "workbook_xxe.xlsx", {"Sheet1": sheet_xml("")},
                                    skip=("xl/workbook.xml",), extra={"xl/workbook.xml": xxe})

    files["zip_bomb"] = bomb_package(d / "zip_bomb.xlsx", declared=None)
    files["zip_bomb_lying"] = bomb_package(d / "zip_bomb_lying.xlsx", declared=5_000)

    files["encrypted"] = d / "encrypted.xlsx"
    files["encrypted"].write_bytes(cfb(["EncryptionInfo", "EncryptedPackage",
                                        "\x06DataSpaces"]))
    files["encrypted_damaged"] = d / "encrypted_damaged.xlsx"
    files["encrypted_damaged"].write_bytes(cfb(["EncryptionInfo", "EncryptedPackage"],
                                               break_directory=True))
    files["xls"] = d / "legacy.xls"
    files["xls"].write_bytes(cfb(["Workbook", "\x05SummaryInformation"]))
    files["doc"] = d / "letter.xlsx"
    files["doc"].write_bytes(cfb(["WordDocument", "1Table"]))

    files["pdf"] = d / "renamed_pdf.xlsx"
    files["pdf"].write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    files["empty"] = d / "empty.xlsx"
    files["empty"].write_bytes(b"")
    files["csv"] = d / "data.xlsx"
    files["csv"].write_text("指标,数值\n电子证照使用率,85\n", encoding="utf-8")
    files["html"] = d / "export.xls"
    files["html"].write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    files["rar"] = d / "returned.xlsx"
    files["rar"].write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(100))
    files["lockfile"] = d / "~$normal.xlsx"
    files["lockfile"].write_bytes(b"\x08unit-user" + bytes(150))

    whole = files["normal"].read_bytes()
    files["truncated"] = d / "truncated.xlsx"
    files["truncated"].write_bytes(whole[: len(whole) // 2])
    files["corrupt"] = package(d / "corrupt.xlsx", {"Sheet1": sheet_xml(
        "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 3000)))})
    with zipfile.ZipFile(files["corrupt"]) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(files["corrupt"].read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 20
    data[start : start + 40] = bytes(40)
    files["corrupt"].write_bytes(bytes(data))

    files["traversal"] = package(d / "traversal.xlsx", {"Sheet1": sheet_xml("")},
                                 extra={"../../evil.txt": "pwned"})
    files["absolute"] = package(d / "absolute.xlsx", {"Sheet1": sheet_xml("")},
                                extra={"/etc/cron.d/evil": "pwned"})
    files["duplicate"] = package(d / "duplicate.xlsx", {"Sheet1": sheet_xml("")})
    with pytest.warns(UserWarning), zipfile.ZipFile(files["duplicate"], "a") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>666</v></c></row>'))

    files["external"] = package(d / "external.xlsx", {
        "Sheet1": sheet_xml('<row r="1"><c r="A1"><f>[1]Sheet1!A1</f><v>42</v></c></row>'),
    }, extra={
        # Never read: an entity bomb that would blow up if we followed the link.
        "xl/externalLinks/externalLink1.xml": f"{XML}{BILLION_LAUGHS}<externalLink>&lol9;</externalLink>",
        "xl/externalLinks/_rels/externalLink1.xml.rels": (
            f'{XML}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/externalLinkPath" Target="file:///C:/secret/other.xlsx" '
            'TargetMode="External"/></Relationships>'),
    })
    files["xlsm"] = package(d / "macro.xlsm", {
        "Sheet1": sheet_xml('<row r="1"><c r="A1"><v>5</v></c></row>'),
    }, main_type=XLSM_MAIN, extra={"xl/vbaProject.bin": cfb(["VBA", "PROJECT"])})

    files["no_workbook"] = d / "no_workbook.xlsx"
    with zipfile.ZipFile(files["no_workbook"], "w") as zf:
        zf.writestr("readme.txt", "hello")
    files["zipped_xlsx"] = d / "zipped.xlsx"
    with zipfile.ZipFile(files["zipped_xlsx"], "w") as zf:
        zf.write(files["normal"], "单位填报/normal.xlsx")
    files["docx"] = d / "report.xlsx"
    with zipfile.ZipFile(files["docx"], "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    files["ods"] = d / "calc.xlsx"
    with zipfile.ZipFile(files["ods"], "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    files["xlsb"] = package(d / "binary.xlsx", {}, skip=("xl/workbook.xml",),
                            extra={"xl/workbook.bin": b"\x83\x01\x00"})
    return files


# ------------------------------------------------------------------------------------------
# Hostile and wrong files


def refused(path: Path, *phrases: str, limits: Limits | None = None) -> str:
    with pytest.raises(WorkbookFileError) as info:
        wb = open_workbook(path, limits=limits)
        for sheet in wb.sheet_names:
            wb.cells(sheet)
    message = str(info.value)
    assert path.name in message
    for phrase in phrases:
        assert phrase in message, message
    assert "请" in message or "已拒绝" in message, message
    return message


@pytest.mark.parametrize(("key", "phrases"), [
    ("encrypted", ["密码", "取消"]),
    ("encrypted_damaged", ["密码"]),
    ("xls", ["旧版 Excel 97-2003 格式（.xls）", "另存为", ".xlsx"]),
    ("doc", ["Word"]),
    ("pdf", ["PDF"]),
    ("empty", ["空文件"]),
    ("csv", ["纯文本"]),
    ("html", ["网页", "另存为"]),
    ("rar", ["解压"]),
    ("lockfile", ["临时锁定文件"]),
    ("truncated", ["不完整"]),
    ("corrupt", ["损坏"]),
    ("traversal", ["异常的路径名", "../../evil.txt"]),
    ("absolute", ["异常的路径名"]),
    ("duplicate", ["重复"]),
    ("no_workbook", ["缺少 xl/workbook.xml"]),
    ("zipped_xlsx", ["解压"]),
    ("docx", ["Word 文档"]),
    ("ods", [".ods"]),
    ("xlsb", [".xlsb"]),
    ("sst_bomb", ["DTD", "sharedStrings"]),
    ("sheet_bomb", ["DTD", "工作表“Sheet1”"]),
    ("workbook_xxe", ["DTD"]),
])
def test_wrong_or_hostile_files_are_refused(corpus, key, phrases):
    refused(corpus[key], *phrases)


def test_legacy_xls_message_matches_the_brief(corpus):
    with pytest.raises(WorkbookFileError) as info:
        open_workbook(corpus["xls"])
    assert str(info.value) == ("文件“legacy.xls”是旧版 Excel 97-2003 格式（.xls），请在 Excel 或 WPS "
                               "中打开后“另存为” .xlsx 格式再导入。")


def test_ole_directory_is_parsed_and_scanned(corpus):
    assert {"encryptioninfo", "encryptedpackage"} <= ole_stream_names(corpus["encrypted"].read_bytes())
    assert "workbook" in ole_stream_names(corpus["xls"].read_bytes())
    # A broken directory chain falls back to looking for the UTF-16 stream names.
    assert "encryptedpackage" in ole_stream_names(corpus["encrypted_damaged"].read_bytes())


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(WorkbookFileError, match="不存在"):
        open_workbook(tmp_path / "gone.xlsx")
    with pytest.raises(WorkbookFileError, match="文件夹"):
        open_workbook(tmp_path)


def test_file_size_limit(corpus):
    refused(corpus["normal"], "超过允许", limits=Limits(max_file_bytes=1000))


def _measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        fn()
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak


def test_zip_bomb_refused_from_central_directory(corpus):
    path = corpus["zip_bomb"]
    assert path.stat().st_size < 10 * 1024**2
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 2 * 1024**3
    messages = []

    def attempt():
        with pytest.raises(WorkbookFileError) as info:
            open_workbook(path)
        messages.append(str(info.value))

    elapsed, peak = _measure(attempt)
    assert "压缩炸弹" in messages[0] and "已拒绝" in messages[0]
    assert elapsed < 2
    assert peak < 64 * 1024**2  # the file itself (~6 MB) is held once; nothing is inflated


def test_zip_bomb_with_lying_sizes_refused_while_streaming(corpus):
    path = corpus["zip_bomb_lying"]
    wb = open_workbook(path)  # the central directory looks harmless
    messages = []

    def attempt():
        with pytest.raises(WorkbookFileError) as info:
            wb.cells("Sheet1")
        messages.append(str(info.value))

    elapsed, peak = _measure(attempt)
    assert "损坏" in messages[0] or "压缩炸弹" in messages[0], messages[0]
    assert elapsed < 2
    assert peak < 16 * 1024**2


@pytest.mark.parametrize(("limits", "phrase"), [
    (Limits(max_entries=5), "内部部件"),
    (Limits(max_entry_bytes=1000), "单个部件上限"),
    (Limits(max_total_bytes=2000), "全部内容解压后"),
    (Limits(max_ratio=2, ratio_floor_bytes=100), "压缩比异常"),
])
def test_archive_limits(corpus, limits, phrase):
    refused(corpus["normal"], phrase, limits=limits)


def test_cell_cap(corpus):
    refused(corpus["corrupt"].with_name("dimension.xlsx"), "单元格超过 2 个",
            limits=Limits(max_cells_per_sheet=2))


def test_dimension_claim_is_ignored(corpus):
    with open_workbook(corpus["dimension"]) as wb:
        t0 = time.perf_counter()
        cells = wb.cells("Sheet1")
        assert time.perf_counter() - t0 < 1
    assert {a: c.value for a, c in cells.items()} == {"A1": D(1), "B1": D(2), "C3": D(3)}


def test_external_links_are_reported_never_followed(corpus):
    with open_workbook(corpus["external"]) as wb:
        assert wb.has_external_links
        assert not wb.is_macro_enabled
        cell = wb.cells("Sheet1")["A1"]
        assert (cell.value, cell.has_formula) == (D(42), True)
        assert any("外部链接" in n for n in wb.notices)


def test_macro_enabled_workbook_is_read_as_values(corpus):
    with open_workbook(corpus["xlsm"]) as wb:
        assert wb.is_macro_enabled
        assert wb.cells("Sheet1")["A1"].value == D(5)
        assert any("宏" in n and "不会运行" in n for n in wb.notices)


def test_normal_workbook_has_no_notices(corpus):
    with open_workbook(corpus["normal"]) as wb:
        assert not wb.is_macro_enabled and not wb.has_external_links
        assert wb.notices == ()


# ------------------------------------------------------------------------------------------
# Ordinary workbooks


def check_normal(wb, *, very_hidden_state: str, formulas: list[str]) -> None:
    assert wb.sheet_names == ("填报表", "_meta", "veryhidden")
    assert wb.sheet_state("填报表") == "visible"
    assert wb.sheet_state("_meta") == "hidden"
    assert wb.sheet_state("veryhidden") == very_hidden_state
    assert wb.defined_names["JE_ROUND_ID"] == "_meta!$B$2"
    assert wb.local_defined_names[("填报表", "LocalName")] == "填报表!$B$2"
    cells = wb.cells("填报表")
    for address, (kind, value) in EXPECTED.items():
        assert (cells[address].type, cells[address].value) == (kind, value), address
    assert cells["B10"].raw == "#DIV/0!" and cells["B11"].raw == "#N/A"
    assert cells["B4"].is_percent_format and not cells["B4"].is_date_format
    assert cells["B13"].is_date_format and cells["B14"].is_date_format
    assert not cells["B2"].is_date_format
    assert [a for a, c in cells.items() if c.has_formula] == formulas
    assert cells["B15"].value in (D("0.30000000000000004"), D("0.3"))
    assert "B17" not in cells  # empty cells are left out of a full read
    assert wb.cells("_meta")["B2"].value == "2024-R1"


def test_xlsxwriter_workbook(corpus):
    with open_workbook(corpus["normal"]) as wb:
        check_normal(wb, very_hidden_state="veryHidden", formulas=["B9", "B10", "B11", "B12"])
        assert len(wb.sha256) == 64


def test_wanted_cells(corpus):
    with open_workbook(corpus["normal"]) as wb:
        cells = wb.cells("填报表", {"$B$2", "b10", "B17", "Z99"})
    assert list(cells) == ["B2", "B10", "B17", "Z99"]
    assert cells["B2"].value == D(85)
    assert cells["B10"].type == "e"
    assert cells["B17"] == CellValue.blank("B17")
    assert cells["Z99"].is_blank


def test_whole_sheet_read_but_shared_strings_stop_early(tmp_path):
    # A sheet is read to its end even for one wanted cell (a cell written twice further down
    # must be found); shared strings stop at the highest index needed.
    rows = ('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>0</v>'
            '</c></row><row r="3"><c r="A3"><v>3</v></c></row>')
    broken = sheet_xml(rows).replace("</sheetData>", "<oops></sheetData>")
    sst = sst_xml(["甲"]).replace("</sst>", "<si><t>broken</si></sst>")
    path = package(tmp_path / "early.xlsx", {"Sheet1": sheet_xml(rows), "Sheet2": broken},
                   shared_strings=sst)
    with open_workbook(path) as wb:
        assert wb.cells("Sheet1", ["A1"])["A1"].value == D(1)
        assert wb.cells("Sheet1", ["A2"])["A2"].value == "甲"  # shared strings read up to index 0
        with pytest.raises(WorkbookFileError, match="已损坏"):
            wb.cells("Sheet2", ["A1"])


def test_odd_but_valid_package(corpus):
    with open_workbook(corpus["inline"]) as wb:
        assert wb.date1904
        assert wb.defined_names == {"JE_UNIT": "Sheet1!$A$1"}
        cells = wb.cells("Sheet1")
        assert cells["A1"].value == "行内"  # prefixed namespace, inline string
        assert cells["A2"].value == "富 文本"  # rich text runs, phonetic run left out
        assert (cells["B2"].type, cells["B2"].value) == ("n", D(12))  # no r: column counted
        assert cells["E2"].is_date_format and cells["E2"].number_format.startswith("yyyy")
        assert cells["E2"].date1904
        assert cells["F2"].value == D("0.5")
        assert cells["A4"].value == "乙"
        assert (cells["B4"].type, cells["B4"].value) == ("str", "回车\r符")
        assert (cells["C4"].type, cells["C4"].is_date_format) == ("d", True)
        assert cells["D4"].is_percent_format and cells["D4"].number_format == "0.0%"
        assert cells["E4"].is_date_format and cells["F4"].is_date_format  # built-in 14 and 31
        # never a Decimal NaN, nor the text "NaN": Excel cannot store it, so what it shows is unknown
        assert (cells["G4"].type, cells["G4"].value) == ("bad", None)
        assert "不是数字" in cells["G4"].problem and cells["G4"].raw == "NaN"
        assert cells["H4"].value is True
        assert (cells["I4"].type, cells["I4"].has_formula) == ("blank", True)
        assert "J4" not in cells
        assert wb.cells("Sheet1", ["J4"])["J4"].is_date_format
        assert wb.cells("Sheet2") == {}


def test_sheet_lookup(corpus):
    with open_workbook(corpus["inline"]) as wb:
        assert wb.cells("sheet1", ["A1"])["A1"].value == "行内"
        assert wb.sheet_kind("Sheet1") == "worksheet"
        with pytest.raises(WorkbookFileError, match="没有名为“填报表”的工作表"):
            wb.cells("填报表")


def test_reads_agree_with_openpyxl(corpus):
    """openpyxl (data_only) as an independent oracle for every cell of the xlsxwriter file."""
    ours = open_workbook(corpus["normal"]).cells("填报表")
    ws = openpyxl.load_workbook(corpus["normal"], data_only=True)["填报表"]
    for address, cell in ours.items():
        theirs = ws[address].value
        if cell.type == "n" and cell.is_date_format:
            assert serial_to_datetime(cell.value) == theirs
        elif cell.type == "n":
            assert float(cell.value) == theirs
        elif cell.type == "e":
            assert cell.raw == theirs
        else:
            assert cell.value == theirs, address


@needs_soffice
@pytest.mark.slow
def test_libreoffice_resaved_workbook(corpus, tmp_path):
    resaved = convert(corpus["normal"], tmp_path / "lo")
    with zipfile.ZipFile(resaved) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert 't="str"' in sheet and 't="e"' in sheet  # LibreOffice's own way of writing cells
    with open_workbook(resaved) as wb:
        # LibreOffice turns very hidden into hidden (shared/OFFICE-FILES.md) and writes
        # booleans as the formulas TRUE() and FALSE().
        check_normal(wb, very_hidden_state="hidden",
                     formulas=["B7", "B8", "B9", "B10", "B11", "B12"])


@needs_soffice
@pytest.mark.slow
def test_real_xls_from_libreoffice(corpus, tmp_path):
    xls = convert(corpus["normal"], tmp_path / "xls", to="xls")
    assert xls.read_bytes().startswith(OLE_SIGNATURE)
    refused(xls, "旧版 Excel 97-2003 格式")


# ------------------------------------------------------------------------------------------
# Small helpers


@pytest.mark.parametrize(("code", "expected"), [
    ("General", (False, False)),
    ("0", (False, False)),
    ("#,##0.00", (False, False)),
    ("0%", (False, True)),
    ("0.00%;[Red]-0.00%", (False, True)),
    ('0"%"', (False, False)),
    ("yyyy-mm-dd", (True, False)),
    ("yyyy\\-mm\\-dd", (True, False)),
    ('yyyy"年"m"月"d"日"', (True, False)),
    ("[$-804]yyyy年m月d日", (True, False)),
    ("[h]:mm:ss", (True, False)),
    ("h:mm AM/PM", (True, False)),
    ('"day"0', (False, False)),
    ("[Red]0.00", (False, False)),
    ("0.00E+00", (False, False)),
    ("@", (False, False)),
    ("[DBNum1][$-804]General", (False, False)),
])
def test_classify_format(code, expected):
    assert classify_format(code) == expected


def test_serial_to_datetime():
    assert serial_to_datetime(D(45293)) == dt.datetime(2024, 1, 2)
    assert serial_to_datetime(D("45293.5")) == dt.datetime(2024, 1, 2, 12)
    assert serial_to_datetime(D(1)) == dt.datetime(1900, 1, 1)
    assert serial_to_datetime(D(61)) == dt.datetime(1900, 3, 1)
    assert serial_to_datetime(D(0), date1904=True) == dt.datetime(1904, 1, 1)


def test_normalize_address():
    assert normalize_address("$b$3") == "B3"
    assert normalize_address(" XFD1048576 ") == "XFD1048576"
    with pytest.raises(ValueError):
        normalize_address("B3:C4")


def test_relationship_targets_never_leave_the_package(tmp_path):
    path = package(tmp_path / "escape.xlsx", {"Sheet1": sheet_xml("")})
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"../../../../etc/passwd")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with open_workbook(path) as wb:
        assert wb.sheet_names == ("Sheet1",)
        with pytest.raises(WorkbookFileError, match="内容缺失"):
            wb.cells("Sheet1")


def test_prefixed_shared_strings_with_runs(tmp_path):
    sst = (f'{XML}<x:sst xmlns:x="{MAIN_NS}"><x:si><x:t>甲</x:t></x:si><x:si><x:r><x:t>富</x:t>'
           '</x:r><x:r><x:t xml:space="preserve"> 文本_x000A_</x:t></x:r><x:rPh><x:t>ふ</x:t>'
           '</x:rPh></x:si></x:sst>')
    path = package(tmp_path / "prefixed.xlsx", {
        "Sheet1": sheet_xml('<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c>'
                            '</row>'),
    }, shared_strings=sst)
    with open_workbook(path) as wb:
        assert wb.cells("Sheet1", ["A1"])["A1"].value == "富 文本\n"
        with pytest.raises(WorkbookFileError, match="不存在的共享字符串"):
            wb.cells("Sheet1")


# ------------------------------------------------------------------------------------------
# One reading of each cell: what Excel would show is never guessed


def one_sheet(tmp_path: Path, name: str, rows: str, tail: str = "", **kwargs) -> Path:
    xml = sheet_xml(rows).replace("</sheetData>", "</sheetData>" + tail)
    return package(tmp_path / name, {"Sheet1": xml}, **kwargs)


@pytest.mark.parametrize(("rows", "phrase"), [
    ('<row r="8"><c r="D8"><v>85</v></c><c r="D8"><v>99</v></c></row>', "D8 出现了两次"),
    ('<row r="8"><c r="D8"><v>85</v></c></row><row r="8"><c r="D8"><v>99</v></c></row>',
     "第 8 行出现了两次"),
    ('<row r="9"><c r="D9"><v>1</v></c></row><row r="8"><c r="D8"><v>2</v></c></row>',
     "第 8 行出现了两次（或行的顺序颠倒）"),
    ('<row r="8"><c r="E8"><v>1</v></c><c r="D8"><v>2</v></c></row>', "D8 出现了两次"),
    ('<row r="8"><c r="D9"><v>1</v></c></row>', "D9 写在第 8 行"),
    ('<row r="8"><c r="8D"><v>1</v></c></row>', "地址“8D”无效"),
])
def test_cell_or_row_written_twice_is_refused_whatever_is_wanted(tmp_path, rows, phrase):
    path = one_sheet(tmp_path, "twice.xlsx", rows)
    with open_workbook(path) as wb, pytest.raises(WorkbookFileError) as info:
        wb.cells("Sheet1", ["A1"])  # even when the cell read is elsewhere
    assert phrase in str(info.value) and "另存为" in str(info.value)


@pytest.mark.parametrize(("cell", "phrase"), [
    ('<c r="A1" t="b"><v>2</v></c>', "应为 0 或 1"),
    ('<c r="A1" t="inlineStr"><v>85</v><is><t>99</t></is></c>', "不止一个值（“85”与“99”）"),
    ('<c r="A1"><v>85</v><v>99</v></c>', "不止一个值"),
    ('<c r="A1" t="n"><is><t>99</t></is></c>', "行内文字"),
    ('<c r="A1"><v>1E+999999999</v></c>', "超出 Excel 能表示的范围"),
    ('<c r="A1"><v>1E-999999999</v></c>', "超出 Excel 能表示的范围"),
    ('<c r="A1"><v>' + "1" * 50 + "</v></c>", "50 位"),
    ('<c r="A1" t="s"><v>x</v></c>', "共享字符串编号"),
    ('<c r="A1" t="zz"><v>1</v></c>', "无法识别"),
])
def test_contradictory_cell_is_bad_with_its_reason(tmp_path, cell, phrase):
    path = one_sheet(tmp_path, "bad.xlsx", f'<row r="1">{cell}</row>',
                     shared_strings=sst_xml(["甲"]))
    start = time.perf_counter()
    with open_workbook(path) as wb:
        (got,) = wb.cells("Sheet1", ["A1"]).values()
    assert time.perf_counter() - start < 1
    assert (got.type, got.value, got.is_bad) == ("bad", None, True)
    assert phrase in got.problem, got.problem
    assert len(got.raw) <= 100


def test_cell_hidden_under_a_merged_range_is_bad_but_its_anchor_is_read(tmp_path):
    rows = '<row r="8"><c r="C8" t="inlineStr"><is><t>99</t></is></c><c r="D8"><v>85</v></c></row>'
    path = one_sheet(tmp_path, "merged.xlsx", rows,
                     '<mergeCells count="1"><mergeCell ref="C8:D8"/></mergeCells>'
                     '<dataValidations count="0"/><mergeCells><mergeCell ref="A1:B1"/></mergeCells>')
    with open_workbook(path) as wb:
        cells = wb.cells("Sheet1", ["C8", "D8", "E8"])
        assert wb.merged_ranges("Sheet1") == ("C8:D8",)  # read up to the merged ranges only
    assert cells["C8"].value == "99"
    assert cells["D8"].is_bad and "与 C8 合并" in cells["D8"].problem
    assert cells["E8"].is_blank


def test_part_in_another_encoding_is_refused_with_a_message(tmp_path):
    xml = ('<?xml version="1.0" encoding="GBK"?>'
           f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
           '<t>数据</t></is></c></row></sheetData></worksheet>').encode("gbk")
    path = package(tmp_path / "gbk.xlsx", {"Sheet1": ""}, extra={"xl/worksheets/sheet1.xml": xml})
    refused(path, "文字编码（GBK）", "另存为")


def test_budget_for_all_parts_of_a_file(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 3001))
    path = one_sheet(tmp_path, "many.xlsx", rows)
    with open_workbook(path) as wb:
        assert len(wb.cells("Sheet1")) == 3000  # within the default budgets
    refused(path, "大量与填报无关的内容", limits=Limits(max_read_tags=5_000))
    refused(path, "大量与填报无关的内容", limits=Limits(max_read_bytes=50_000))


def test_saved_time_from_the_core_properties(tmp_path):
    def core(modified: str) -> dict[str, str]:
        return {"docProps/core.xml": (
            f'{XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dcterms:modified '
            f'xsi:type="dcterms:W3CDTF">{modified}</dcterms:modified></cp:coreProperties>')}

    utc = dt.UTC
    cases = {"2025-03-05T08:00:00Z": dt.datetime(2025, 3, 5, 8, tzinfo=utc),
             "2025-03-05T16:00:00+08:00": dt.datetime(2025, 3, 5, 8, tzinfo=utc),
             "2025-03-05T08:00:00": dt.datetime(2025, 3, 5, 8, tzinfo=utc),
             "not a date": None}
    for n, (text, expected) in enumerate(cases.items()):
        path = package(tmp_path / f"core{n}.xlsx", {"Sheet1": sheet_xml("")}, extra=core(text))
        with open_workbook(path) as wb:
            assert wb.saved_at() == expected, text
    with open_workbook(package(tmp_path / "none.xlsx", {"Sheet1": sheet_xml("")})) as wb:
        assert wb.saved_at() is None


def test_escaped_surrogate_becomes_a_replacement_character(tmp_path):
    path = one_sheet(tmp_path, "sur.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>a_xD800_b'
                                          "</t></is></c></row>")
    with open_workbook(path) as wb:
        assert wb.cells("Sheet1", ["A1"])["A1"].value == "a\ufffdb"
