"""The round file's schema as an append-only list of migrations, applied in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from .db import _insert_audit

_SCHEMA_V1 = """
CREATE TABLE round_info (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    id          TEXT NOT NULL CHECK (length(id) = 32),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    year        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    app_version TEXT NOT NULL
);
CREATE TABLE catalogue_snapshot (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   TEXT NOT NULL,
    hash      TEXT NOT NULL,
    json      BLOB NOT NULL          -- the catalogue's JSON text (UTF-8), to rescore as it was
);
CREATE TABLE params (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- JSON
) WITHOUT ROWID;
CREATE TABLE entities (
    name     TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE templates (
    id               INTEGER PRIMARY KEY,
    entity           TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit             TEXT NOT NULL,
    file_name        TEXT NOT NULL,
    path             TEXT NOT NULL,
    issued_at        TEXT NOT NULL,
    deadline         TEXT,
    contact_person   TEXT,
    contact_phone    TEXT,
    template_version TEXT NOT NULL,
    sha256           TEXT NOT NULL CHECK (length(sha256) = 64)
);
CREATE INDEX templates_entity_unit ON templates(entity, unit);
CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    content     BLOB NOT NULL,       -- the returned file exactly as received
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded'))
);
CREATE INDEX submissions_entity_unit ON submissions(entity, unit);
CREATE TABLE input_values (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER REFERENCES submissions(id),   -- NULL: entered by hand
    entity        TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit          TEXT NOT NULL,
    indicator_id  INTEGER NOT NULL,
    input_key     TEXT NOT NULL,
    row_index     INTEGER,                               -- table rows
    column_key    TEXT,                                  -- table columns
    value_text    TEXT,                                  -- as typed (NULL: left blank)
    value_num     TEXT,                                  -- exact decimal, NULL if not a number
    source_sheet  TEXT,
    source_cell   TEXT,
    current       INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
    recorded_at   TEXT NOT NULL
);
CREATE INDEX input_values_slot ON input_values(entity, indicator_id, input_key, unit);
CREATE INDEX input_values_submission ON input_values(submission_id);
CREATE TABLE findings (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    severity      TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    sheet         TEXT,
    cell          TEXT,
    indicator_id  INTEGER,
    input_key     TEXT,
    value         TEXT,
    message       TEXT NOT NULL
);
CREATE INDEX findings_submission ON findings(submission_id);
CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    indicator_id INTEGER NOT NULL,
    input_key    TEXT NOT NULL,
    candidates   TEXT NOT NULL,      -- JSON list of the competing values / submissions
    detected_at  TEXT NOT NULL,
    resolution   TEXT,               -- JSON
    reason       TEXT,
    resolved_at  TEXT,
    resolved_by  TEXT,
    CHECK (resolved_at IS NULL OR length(trim(reason)) > 0)
);
CREATE TABLE overrides (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    indicator_id INTEGER NOT NULL,
    score        TEXT NOT NULL,      -- exact decimal; points deducted for deduction indicators
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    set_by       TEXT NOT NULL,
    set_at       TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX overrides_one_active ON overrides(entity, indicator_id) WHERE active = 1;
CREATE TABLE scores (
    entity      TEXT PRIMARY KEY REFERENCES entities(name) ON UPDATE CASCADE,
    computed_at TEXT NOT NULL,
    results     TEXT NOT NULL        -- JSON of the engine's last results
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'  -- JSON
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
"""

# v2: the office's choice and confirmation of each registered assumption (评分口径确认).
_SCHEMA_V2 = """
CREATE TABLE assumptions (
    id           TEXT PRIMARY KEY,
    choice       TEXT NOT NULL,
    changed_at   TEXT NOT NULL,
    changed_by   TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    note         TEXT,
    snapshot     TEXT,               -- JSON {"choice", "params"} as confirmed
    CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL))
) WITHOUT ROWID;
"""

# v3: the collection desk: whom to call at each unit (催报) and the round compared with (上年度).
_SCHEMA_V3_DESK = """
CREATE TABLE unit_contacts (
    entity     TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    unit       TEXT NOT NULL,
    person     TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (entity, unit)
) WITHOUT ROWID;
CREATE TABLE round_links (
    kind     TEXT PRIMARY KEY,       -- 'previous': the earlier round compared with (同比)
    path     TEXT NOT NULL,
    round_id TEXT NOT NULL CHECK (length(round_id) = 32),
    year     INTEGER NOT NULL,
    name     TEXT NOT NULL,
    set_at   TEXT NOT NULL,
    set_by   TEXT NOT NULL
) WITHOUT ROWID;
"""

# v4: 试算情景 (what-if scenarios) the office saved by name, which the report can cite.
_SCHEMA_V4_SCENARIOS = """
CREATE TABLE scenarios (
    id         INTEGER PRIMARY KEY,
    entity     TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    note       TEXT NOT NULL DEFAULT '',
    changes    TEXT NOT NULL,        -- JSON list of the changes (input, parameter, choice)
    summary    TEXT NOT NULL,        -- JSON: totals and scores as computed when saved
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (entity, name)
);
"""

# v5: 市民调查: the survey's raw response file (or a typed score with its source) per entity,
# the population shares the office enters for weighting, and the last computed result.
_SCHEMA_V5_SURVEY = """
CREATE TABLE surveys (
    id            INTEGER PRIMARY KEY,
    entity        TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('responses', 'score')),
    file_name     TEXT NOT NULL DEFAULT '',
    sha256        TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    content       BLOB,              -- responses: the export exactly as received
    questionnaire TEXT,              -- responses: the questionnaire's canonical JSON
    mapping       TEXT NOT NULL DEFAULT '{}',  -- JSON: the user's column -> question choices
    score         TEXT,              -- score: the typed score (exact decimal)
    source        TEXT NOT NULL DEFAULT '',    -- score: where the number comes from
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    current       INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
    cache_key     TEXT,              -- what the cached result was computed from
    cache         TEXT,              -- JSON of the last result (opening needs no recomputation)
    CHECK (kind = 'score' OR (content IS NOT NULL AND sha256 IS NOT NULL)),
    CHECK (kind = 'responses' OR (score IS NOT NULL AND length(trim(source)) > 0))
);
CREATE UNIQUE INDEX surveys_one_current ON surveys(entity) WHERE current = 1;
CREATE TABLE survey_shares (
    entity    TEXT NOT NULL REFERENCES entities(name) ON UPDATE CASCADE,
    attribute TEXT NOT NULL,
    category  TEXT NOT NULL,
    share     TEXT NOT NULL,         -- exact decimal in [0, 1]
    PRIMARY KEY (entity, attribute, category)
) WITHOUT ROWID;
"""

# Province scale (issue 19): a district's city (市 → 区县), for rankings within it; an index
# for the progress table.
_SCHEMA_ENTITY_PARENTS = """
CREATE TABLE entity_parents (
    entity TEXT PRIMARY KEY REFERENCES entities(name) ON UPDATE CASCADE,
    parent TEXT NOT NULL CHECK (length(trim(parent)) > 0),  -- a group name, often an entity
    CHECK (parent <> entity)
) WITHOUT ROWID;
-- the progress table reads which file is accepted for each unit without going through the
-- files' bytes stored in the same rows (thousands of returns in a province-wide round)
CREATE INDEX submissions_by_status ON submissions(status, entity, unit, file_name);
"""

Migration = str | Callable[[sqlite3.Connection], None]
# MIGRATIONS[i] brings a round from schema version i to i + 1; append, never edit.
MIGRATIONS: list[Migration] = [_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3_DESK, _SCHEMA_V4_SCENARIOS,
                              _SCHEMA_V5_SURVEY, _SCHEMA_ENTITY_PARENTS]
SCHEMA_VERSION = len(MIGRATIONS)


def latest_version() -> int:
    """The newest schema version this program can read and write.

    Read from :data:`MIGRATIONS` at call time (not :data:`SCHEMA_VERSION`), so that a test can
    append a migration and see files of the new version accepted.
    """
    return len(MIGRATIONS)


def _split_sql(script: str) -> Iterator[str]:
    """Yield the complete statements of ``script`` (triggers keep their inner ``;``).

    Why: ``executescript`` commits first, which would break the migration's
    single transaction.
    """
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                yield buffer
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {buffer[:60]!r}")


def _migrate(conn: sqlite3.Connection, actor: str) -> None:
    """Apply the pending migrations in one transaction (all or nothing)."""
    target = latest_version()
    conn.execute("PRAGMA foreign_keys = OFF")  # table rebuilds need it; checked below
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[start:]:
                if callable(step):
                    step(conn)
                else:
                    for statement in _split_sql(step):
                        conn.execute(statement)
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise sqlite3.IntegrityError("foreign key violation after migration")
            conn.execute(f"PRAGMA user_version = {int(target)}")
            if 0 < start < target:
                _insert_audit(conn, actor, "schema.migrate", {"from": start, "to": target})
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
