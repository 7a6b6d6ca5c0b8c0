"""Finding internal words in text a person reads, and collecting that text from every output.

The forbidden set is made from the catalogue itself: every input key, table column key,
indicator and round parameter key, every step name that is not a symbol of the 指标体系's own
text (b1, b2 … stay), and every rule function name; plus 种子/seed. Identifiers match
case-sensitively as whole ASCII words, so GDP, APP, IPv6 or GB/T 33171-2016 never trip it.

A few keys are also words of the 指标体系's own text: ``n`` is indicator 4's parameter and the
``n`` of indicator 16's ``1/n×∑…;n 为…``, which the office's texts may quote and discuss. Such
ambiguous keys are not searched in free text; they are searched (``strict``) in the exact places
where keys would leak: parameter names and values, input labels, formulas and checks.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.catalogue.rules import FUNCTIONS

WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])")
SOURCE_WORDS = ("种子",)
"""Chinese words that must never reach a reader (the source is called 指标体系)."""
ASCII_WORDS = frozenset({"seed", "Seed", "SEED"})
"""ASCII words that must never reach a reader, besides the catalogue's identifiers."""
MACHINE_SHEETS = frozenset({"_meta", "_lists"})
"""Hidden identity sheets of a template: machine data, never shown."""


@dataclass(frozen=True)
class Hit:
    """One internal word found: where (file/sheet/cell or widget) and the text around it."""

    where: str
    word: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: “{self.word}” in {self.excerpt!r}"


def source_texts(cat: Catalogue) -> list[str]:
    """Every text of the 指标体系 itself, as a reader may see it quoted."""
    texts = [cat.title, cat.source, *(l1.name for l1 in cat.level1),
             *(l2.name for l2 in cat.level2), *(u.name for u in cat.units)]
    for ind in cat.indicators:
        texts += [ind.name, ind.description, ind.method, ind.attribute, *ind.codes,
                  *(ref.note for ref in ind.unit_refs)]
    return [t for t in texts if t]


class Checker:
    """Finds internal words in a text; built once per catalogue."""

    def __init__(self, cat: Catalogue) -> None:
        source_words = {w for t in source_texts(cat) for w in WORD.findall(t)}
        words = set(FUNCTIONS) | {p.key for p in cat.parameters}
        for ind in cat.indicators:
            words |= set(ind.params)
            for spec in ind.inputs:
                words.add(spec.key)
                words |= {c.key for c in spec.columns}
            words |= {s.name for s in ind.steps if s.name not in source_words}
        self.forbidden = frozenset(words | ASCII_WORDS)
        self.ambiguous = self.forbidden & source_words
        """Keys that are also words of the 指标体系 text: searched only where ``strict``."""

    def occurrences(self, text: str, *, strict: bool = False) -> list[tuple[str, int]]:
        """The internal words of ``text`` with their positions, in order; ``strict`` also
        finds the ambiguous keys (for places that show parameters, inputs and rules)."""
        found = [(w, m.start()) for w in SOURCE_WORDS for m in re.finditer(w, text)]
        for m in WORD.finditer(text):
            word = m.group()
            if word in self.forbidden and (strict or word not in self.ambiguous):
                found.append((word, m.start()))
        return sorted(found, key=lambda item: item[1])

    def words(self, text: str, *, strict: bool = False) -> list[str]:
        """The internal words of ``text``, in order (repeats kept)."""
        return [w for w, _ in self.occurrences(text, strict=strict)]

    def scan(self, items: Iterable[tuple[str, str]], *, strict: bool = False) -> list[Hit]:
        """Every hit in ``(where, text)`` pairs, each with the text around it."""
        hits = []
        for where, text in items:
            for word, at in self.occurrences(text or "", strict=strict):
                excerpt = text[max(0, at - 40):at + len(word) + 40].replace("\n", " ")
                hits.append(Hit(where, word, excerpt))
        return hits


def report(hits: list[Hit], limit: int = 80) -> str:
    """A failure message listing every place (the first ``limit`` in full)."""
    lines = [str(h) for h in hits[:limit]]
    if len(hits) > limit:
        lines.append(f"… and {len(hits) - limit} more")
    return f"{len(hits)} internal word(s) in user-facing text:\n" + "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Collecting the text of each kind of output
# ---------------------------------------------------------------------------------------
def workbook_texts(path: Path, *, skip_sheets: Iterable[str] = MACHINE_SHEETS
                   ) -> Iterator[tuple[str, str]]:
    """Cell text (no formulas), comments, validation messages, headers/footers, sheet names."""
    import openpyxl

    skip = set(skip_sheets)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        where = f"{path.name}/{ws.title}"
        yield where, ws.title
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and not (cell.data_type == "f" or value.startswith("=")
                                                   and cell.data_type != "s"):
                    yield f"{where}!{cell.coordinate}", value
                if cell.comment is not None:
                    yield f"{where}!{cell.coordinate} (comment)", cell.comment.text
        for dv in ws.data_validations.dataValidation:
            for part in ("promptTitle", "prompt", "errorTitle", "error"):
                yield f"{where} validation {dv.sqref} {part}", getattr(dv, part) or ""
        for hf in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter):
            for side in (hf.left, hf.center, hf.right):
                yield f"{where} header/footer", side.text or ""
    with zipfile.ZipFile(path) as zf:  # chart titles and labels
        for name in zf.namelist():
            if name.startswith("xl/charts/"):
                xml = zf.read(name).decode("utf-8")
                for text in re.findall(r"<a:t>([^<]*)</a:t>|<c:v>([^<]*)</c:v>", xml):
                    yield f"{path.name}/{name}", "".join(text)


def docx_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Paragraphs and table cells of the body, headers and footers of a Word file."""
    import docx

    document = docx.Document(str(path))

    def paragraphs(container: Any, where: str) -> Iterator[tuple[str, str]]:
        for k, p in enumerate(container.paragraphs):
            yield f"{where} paragraph {k + 1}", p.text
        for t, table in enumerate(container.tables):
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    yield from paragraphs(cell, f"{where} table {t + 1} row {r + 1} col {c + 1}")

    yield from paragraphs(document, path.name)
    for s, section in enumerate(document.sections):
        for part in ("header", "footer", "first_page_header", "first_page_footer"):
            yield from paragraphs(getattr(section, part), f"{path.name} section {s + 1} {part}")
    props = document.core_properties
    yield f"{path.name} properties", f"{props.title or ''} {props.subject or ''}"


def pdf_texts(path: Path) -> Iterator[tuple[str, str]]:
    """The text of each page, as pdftotext reads it (one item per page: lines wrap)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    for k, page in enumerate(text.split("\f")):
        yield f"{path.name} page {k + 1}", page
