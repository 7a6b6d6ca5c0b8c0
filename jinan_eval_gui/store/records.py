"""Plain immutable records that :class:`~.round.Round` returns (and the importer hands it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class RoundInfo:
    """The round's identity, as written into every template's ``_meta`` sheet."""

    id: str
    name: str
    year: int
    created_at: str
    app_version: str
    catalogue_version: str
    catalogue_hash: str
    schema_version: int


@dataclass(frozen=True)
class CatalogueSnapshot:
    """The catalogue the round was created with, so it can be rescored as it was."""

    version: str
    hash: str
    json_text: str


@dataclass(frozen=True)
class Template:
    """One issued template workbook."""

    id: int
    entity: str
    unit: str
    file_name: str
    path: str
    issued_at: str
    deadline: str | None
    contact_person: str | None
    contact_phone: str | None
    template_version: str
    sha256: str


@dataclass(frozen=True)
class Submission:
    """One imported returned file (its bytes via ``Round.submission_content``)."""

    id: int
    entity: str
    unit: str
    file_name: str
    sha256: str
    size: int
    imported_at: str
    imported_by: str
    status: str


@dataclass(frozen=True)
class NewValue:
    """One input cell read from a returned workbook (or typed by hand)."""

    indicator_id: int
    input_key: str
    text: str | None
    number: Decimal | int | str | None = None
    row_index: int | None = None
    column_key: str | None = None
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class StoredValue:
    """An input value as kept in the round; ``current`` is False once superseded."""

    id: int
    submission_id: int | None
    entity: str
    unit: str
    indicator_id: int
    input_key: str
    row_index: int | None
    column_key: str | None
    text: str | None
    number: Decimal | None
    sheet: str | None
    cell: str | None
    current: bool
    recorded_at: str


@dataclass(frozen=True)
class Finding:
    """A problem found in a returned file; ``id``/``submission_id`` are set when read back."""

    severity: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    indicator_id: int | None = None
    input_key: str | None = None
    value: str | None = None
    id: int | None = None
    submission_id: int | None = None


@dataclass(frozen=True)
class Conflict:
    """Differing values of a shared input, and how it was settled."""

    id: int
    entity: str
    indicator_id: int
    input_key: str
    candidates: list[Any]
    detected_at: str
    resolution: Any
    reason: str | None
    resolved_at: str | None
    resolved_by: str | None


@dataclass(frozen=True)
class Override:
    """An expert's score for an indicator (points deducted for deduction indicators)."""

    id: int
    entity: str
    indicator_id: int
    score: Decimal
    reason: str
    set_by: str
    set_at: str
    active: bool


@dataclass(frozen=True)
class ScoreSnapshot:
    """The engine's last results for an entity."""

    entity: str
    computed_at: str
    results: Any


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit log."""

    id: int
    ts: str
    actor: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AssumptionState:
    """The round's choice for one registered assumption and, if given, its confirmation.

    ``snapshot`` holds the choice and parameter values the office confirmed; the confirmation
    stands only while the round still has them (the workflow compares).
    """

    id: str
    choice: str
    changed_at: str
    changed_by: str
    confirmed_by: str | None
    confirmed_at: str | None
    note: str | None
    snapshot: dict[str, Any] | None


@dataclass(frozen=True)
class UnitContact:
    """Whom to call at a unit about its return (kept by the office, for reminders)."""

    entity: str
    unit: str
    person: str
    phone: str
    email: str
    note: str
    changed_at: str
    changed_by: str


@dataclass(frozen=True)
class RoundLink:
    """Another round this one refers to (``kind`` "previous": the year-on-year comparison)."""

    kind: str
    path: str
    round_id: str
    year: int
    name: str
    set_at: str
    set_by: str
