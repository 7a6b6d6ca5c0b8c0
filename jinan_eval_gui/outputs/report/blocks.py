"""The report's block model: what both renderers (:mod:`.word`, :mod:`.pdf`) draw.

The builders produce a :class:`Report` of plain blocks and never import a renderer; each
renderer imports only this module, so the two files always say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ProgressFn = Callable[[int, int, str], None]
FindingsSummary = str | Sequence[str] | Mapping[str, Any] | None


# ---------------------------------------------------------------------------------------
# The intermediate document model
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A stretch of text; ``bold`` for labels inside a paragraph."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading (level 1 = chapter, 2 = section, 3 = subsection); ``text`` includes numbering."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph in a role: body, detail, note, item, title, subtitle, cover."""

    runs: tuple[Run, ...]
    style: str = "body"
    keep_with_next: bool = False  # an introduction that must not end a page

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``widths`` are relative, ``align`` one of l/c/r per column."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    align: str
    caption: str = ""
    bold_rows: frozenset[int] = frozenset()
    role: str = ""


@dataclass(frozen=True)
class Image:
    """A PNG picture (a chart) with its caption below."""

    png: bytes
    width_cm: float
    caption: str = ""
    role: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Spacer:
    """Vertical space (used on the title page)."""

    height_mm: float


Block = Heading | Paragraph | Table | Image | PageBreak | Spacer


@dataclass(frozen=True)
class ReportInfo:
    """Document-level facts: title, year, entity, date, running header and footer."""

    title: str
    year: int
    entity: str
    date_text: str
    issuer: str
    header: str
    footer: str
    draft: bool = False
    """征求意见稿: not every registered assumption is confirmed yet (cover and header say so)."""


@dataclass(frozen=True)
class AssumptionNote:
    """One registered assumption as the report states it (plain texts, already in Chinese)."""

    id: str
    category: str
    title: str
    indicators: tuple[int, ...]
    choice: str
    origin: str
    confirmed: bool


@dataclass
class Report:
    """A report ready to render: its facts, its blocks and the layout settings."""

    info: ReportInfo
    blocks: list[Block]
    layout: dict[str, Any] = field(repr=False)

    def headings(self, level: int | None = None) -> list[str]:
        return [b.text for b in self.blocks
                if isinstance(b, Heading) and (level is None or b.level == level)]


def iter_tables(report: Report, role: str | None = None) -> Iterator[Table]:
    """The report's tables (of one role such as ``appendix_a``), for tests and previews."""
    for block in report.blocks:
        if isinstance(block, Table) and (role is None or block.role == role):
            yield block
