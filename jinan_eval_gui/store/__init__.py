"""The evaluation round (评价轮次) as one SQLite file (``.jeval``).

Why SQLite with a rollback journal: the round is a single self-contained file
that people copy, e-mail and back up, and every import is one transaction, so
a crash (even SIGKILL) leaves the round as it was before that import.

Why a sidecar lock file: SQLite serialises single transactions, but two
programs editing the same round over hours would overwrite each other's
decisions.  The first writer holds an OS lock (``fcntl.flock`` /
``msvcrt.locking``) on ``<name>.jeval.lock``; the OS drops it when the process
dies, so a crashed writer never leaves a lock behind.  Read-only opens take no
lock.  Where the file system has no locks, the pid and host written in the lock
file decide (a dead pid on this host is a stale lock).

Opening checks the file before anything else can change it: identity from the
header bytes (SQLite magic, our ``application_id``), then an interrupted write is
rolled back as SQLite intends (hot journal), then under a read transaction the
layout (truncation), the schema version and ``PRAGMA integrity_check``.  Opening
never creates a file.  Content read later is decoded defensively: a value,
parameter or record that does not decode is a ``RoundDataError`` saying where.

Automatic backups (``backup``) are plain round files in ``<name>_自动备份`` beside
the round, made before imports and exports; ``restore_backup`` puts one back.

Times are local ISO 8601 with offset; exact numbers (values, scores) are stored
as decimal text so nothing is lost to binary floating point.
"""

from __future__ import annotations

from .backup import Restored, backup_round
from .backup import restore as restore_backup
from .backupnames import (
    KEEP_BACKUPS,
    Backup,
    backup_folder,
    latest_backup,
    list_backups,
    resolve_backup,
)
from .base import StoredValueError
from .db import APPLICATION_ID, FILE_SUFFIX
from .records import (
    AssumptionState,
    AuditEntry,
    CatalogueSnapshot,
    Conflict,
    Finding,
    NewValue,
    Override,
    RoundInfo,
    RoundLink,
    ScoreSnapshot,
    StoredValue,
    Submission,
    Template,
    UnitContact,
)
from .round import Round
from .scenarios import ScenarioRecord
from .schema import MIGRATIONS, SCHEMA_VERSION
from .survey import SurveyRecord

__all__ = ["APPLICATION_ID", "AssumptionState", "AuditEntry", "Backup", "KEEP_BACKUPS", "Restored", "StoredValueError", "backup_folder", "backup_round", "latest_backup", "list_backups", "resolve_backup", "restore_backup", "CatalogueSnapshot", "Conflict", "FILE_SUFFIX", "Finding", "MIGRATIONS", "NewValue", "Override", "Round", "RoundInfo", "SCHEMA_VERSION", "ScoreSnapshot", "StoredValue", "Submission", "Template", "ScenarioRecord", "RoundLink", "UnitContact", "SurveyRecord"]
