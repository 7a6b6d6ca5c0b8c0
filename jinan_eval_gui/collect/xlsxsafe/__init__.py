"""Bounded, defused reading of returned .xlsx workbooks (untrusted input).

Returned files come by email from dozens of units, so every file is treated as hostile until
proven otherwise:

* **Sniffed before parsing.** Empty files, renamed PDFs, text/CSV/HTML, RAR/7z archives, legacy
  OLE2 files (Excel 97-2003 ``.xls``, password-protected ``.xlsx`` whose OLE container holds an
  ``EncryptedPackage`` stream, Word/PowerPoint files), ``.ods``/``.xlsb``/``.docx`` renamed to
  ``.xlsx`` and truncated zips each get a precise Chinese message saying what to do.
* **Zip bombs refused from the central directory** (entry count, each entry's declared size, the
  sum, the compression ratio) before a byte is inflated, and the same limits enforced again while
  streaming, since declared sizes can lie. Nothing is ever extracted to disk: entry names are only
  lookup keys, and names that climb out (``../``) or are absolute make the file refused.
* **XML parsed with expat, DTDs forbidden.** Every part goes through :func:`_new_parser`, which
  refuses any ``<!DOCTYPE``, entity declaration or external entity, as ``defusedxml`` does
  (an entity bomb or XXE is refused at its first declaration). We use expat directly rather than
  ``defusedxml.ElementTree`` because a push parser lets us stream each part in bounded chunks and
  stop as soon as the wanted cells are read (see ``benchmarks/bench_readers.py``).
* **Values only.** Macros (``vbaProject.bin``, XLM macro sheets) are never run, nor external links
  followed; both are reported as facts (:attr:`SafeWorkbook.is_macro_enabled`,
  :attr:`SafeWorkbook.has_external_links`, :attr:`SafeWorkbook.notices`) for the importer.
* **Cells as stored.** For every cell: the cached value and its type (number, string, boolean,
  error such as ``#DIV/0!``), whether a formula produced it, and whether its number format is a
  date or a percent format. The sheet's ``<dimension>`` is ignored (a file can claim
  A1:XFD1048576); only cells that exist are read, up to a cap.
* **Bounded work per file.** Besides each part's size, the bytes inflated and the XML tags
  parsed in all the parts read of one file are budgeted together (``Limits.max_read_bytes``,
  ``max_read_tags``), so five parts of 100 MiB each cannot cost minutes. A number is checked for
  length and exponent before any Decimal work (``1E+999999999`` is refused, never expanded).
  Parts declared in another encoding than UTF-8/UTF-16 (e.g. GBK) are refused with a message.
* **One reading of each cell.** A cell or a row written twice, or out of order, makes the sheet
  unreadable rather than one value chosen; a cell that contradicts itself (``t="b"`` holding 2,
  ``<v>`` beside ``<is>``, a number Excel cannot hold) or is hidden under a merged range is a
  ``"bad"`` cell whose ``problem`` says why.

Every refusal is a :class:`~jinan_eval_gui.errors.WorkbookFileError` with a Chinese message.
"""

from __future__ import annotations

from .model import CellValue, Limits, MiB
from .sniff import OLE_SIGNATURE, ole_stream_names, read_file
from .workbook import SafeWorkbook, open_bytes, open_workbook, serial_to_datetime
from .xmlparts import classify_format, column_letters, column_number, normalize_address

__all__ = ["CellValue", "Limits", "MiB", "OLE_SIGNATURE", "SafeWorkbook", "classify_format", "column_letters", "column_number", "normalize_address", "ole_stream_names", "open_bytes", "open_workbook", "read_file", "serial_to_datetime"]
