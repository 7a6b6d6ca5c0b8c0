"""Automatic backups of a round, as the CLI (``jinan-eval restore``) and the window use them.

The backups themselves are the store's (:mod:`jinan_eval_gui.store.backup`): plain round files
in ``<name>_自动备份`` beside the round. Here: making one before a step that changes the round,
listing them, and restoring one by its number, name or path.
"""

from __future__ import annotations

from pathlib import Path

from jinan_eval_gui.store import (
    KEEP_BACKUPS,
    Backup,
    Restored,
    Round,
    backup_folder,
    backup_round,
    list_backups,
    resolve_backup,
    restore_backup,
)

__all__ = ["KEEP", "Backup", "Restored", "backup_before", "backup_folder", "backups",
           "check_content", "restore"]

KEEP = KEEP_BACKUPS
"""How many automatic backups of a round are kept."""


def backup_before(rnd: Round, reason: str, *, checked: bool = False) -> Backup | None:
    """Back up a writable round before a step that changes it (nothing if unchanged since the
    newest backup; read-only rounds are not changed, so not backed up).

    The round's content is checked first (unless the caller just did, ``checked``): a round
    that fails to decode is refused with the message saying where, and is not backed up, so
    the newest backup the message offers is one from before the damage.
    """
    if rnd.readonly:
        return None
    if not checked:
        check_content(rnd)
    return backup_round(rnd, reason)


def check_content(rnd: Round) -> None:
    """Decode what scoring reads (catalogue snapshot, parameters, every current value,
    overrides, conflicts); RoundDataError naming the first thing that does not decode."""
    from .params import round_params
    from .rounds import round_catalogue
    from .scores import _stored_values

    cat = round_catalogue(rnd)
    round_params(rnd, cat)
    for entity in rnd.list_entities():
        _stored_values(rnd, cat, entity)
    rnd.list_overrides()
    rnd.list_conflicts()


def backups(round_path: str | Path) -> list[Backup]:
    """The round's automatic backups, newest first (number 1 is the newest)."""
    return list_backups(Path(round_path))


def restore(round_path: str | Path, choice: str | Path) -> Restored:
    """Restore the backup ``choice`` (number in :func:`backups`, file name or path) into the
    round, keeping the current file as a backup first. The round must not be open."""
    source = resolve_backup(Path(round_path), str(choice))
    return restore_backup(Path(round_path), source)
