"""Creating and opening a round file, and the :class:`Round` that combines the round's API."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinan_eval_gui import __version__
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.system import oserrors, tempfiles

from .assumptions import AssumptionRecords
from .collection import CollectionRecords
from .db import APPLICATION_ID, _connect, _default_actor, _insert_audit, _now
from .decisions import DecisionRecords
from .desk import DeskRecords
from .filecheck import (
    _check_identity,
    _file_error,
    _hint_backup,
    _open_readonly,
    _open_writable_checked,
)
from .hierarchy import HierarchyRecords
from .lock import _WriterLock
from .progress import ProgressRecords
from .records import CatalogueSnapshot, RoundInfo
from .scenarios import ScenarioRecords
from .schema import _migrate, latest_version
from .survey import SurveyRecords

# Creating a round file
# ---------------------------------------------------------------------------


def _exists_error(path: Path) -> RoundFileError:
    return RoundFileError(f"文件已存在：{path}", hint="请换一个文件名，或先移走原文件")


def _publish(tmp: Path, path: Path) -> None:
    """Move the finished temp file to ``path`` without ever replacing an existing file."""
    try:
        os.link(tmp, path)  # atomic, fails if path exists
    except FileExistsError as exc:
        raise _exists_error(path) from exc
    except OSError:  # no hard links on this file system
        if path.exists():
            raise _exists_error(path) from None
        os.rename(tmp, path)  # Windows refuses to replace; POSIX: we hold the writer lock
    else:
        os.unlink(tmp)
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _fill_new_round(
    conn: sqlite3.Connection,
    actor: str,
    *,
    name: str,
    year: int,
    catalogue: tuple[str, str, bytes],
    params: Mapping[str, Any],
    entities: Sequence[str],
) -> None:
    round_id = uuid.uuid4().hex
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO round_info (singleton, id, name, year, created_at, app_version)"
            " VALUES (1, ?, ?, ?, ?, ?)",
            (round_id, name, int(year), _now(), __version__),
        )
        conn.execute(
            "INSERT INTO catalogue_snapshot (singleton, version, hash, json) VALUES (1, ?, ?, ?)",
            catalogue,
        )
        conn.executemany(
            "INSERT INTO params (key, value) VALUES (?, ?)",
            [(str(key), json.dumps(value, ensure_ascii=False)) for key, value in params.items()],
        )
        conn.executemany(
            "INSERT INTO entities (name, position) VALUES (?, ?)",
            [(entity, i) for i, entity in enumerate(entities)],
        )
        _insert_audit(
            conn,
            actor,
            "round.create",
            {
                "id": round_id,
                "name": name,
                "year": year,
                "catalogue_version": catalogue[0],
                "catalogue_hash": catalogue[1],
                "entities": list(entities),
                "params": dict(params),
            },
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class Round(CollectionRecords, DecisionRecords, AssumptionRecords, DeskRecords, ScenarioRecords,
            SurveyRecords, HierarchyRecords, ProgressRecords):
    """An open evaluation round.  Use ``Round.create`` / ``Round.open``, then ``close``.

    A Round is used by one thread at a time.  Every write method is its own
    transaction unless it runs inside ``transaction()``, where it joins the
    caller's transaction (so one import is all or nothing).
    """

    # -- life cycle ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str,
        year: int,
        catalogue_version: str,
        catalogue_hash: str,
        catalogue_json: str | bytes,
        params: Mapping[str, Any],
        entities: Sequence[str] = ("济南市",),
        actor: str | None = None,
    ) -> Round:
        """Create a new round file and open it for writing.

        Built in a temp file beside ``path`` and moved into place only when
        complete, so a failure never leaves a half-created round; an existing
        file is never replaced.
        """
        path = Path(path)
        actor = actor or _default_actor()
        if isinstance(catalogue_json, str):
            catalogue_json = catalogue_json.encode("utf-8")
        json.loads(catalogue_json)  # ValueError for a caller passing something else
        if not str(name).strip() or not entities or len(set(entities)) != len(entities):
            raise ValueError("a round needs a name and distinct entities")
        if path.exists():
            raise _exists_error(path)
        if not path.parent.is_dir():
            raise RoundFileError(f"文件夹不存在：{path.parent}", hint="请先创建该文件夹")
        lock = _WriterLock(path)
        lock.acquire()
        try:
            if path.exists():
                raise _exists_error(path)
            cls._build(
                path,
                actor,
                name=str(name).strip(),
                year=year,
                catalogue=(catalogue_version, catalogue_hash, catalogue_json),
                params=params,
                entities=list(entities),
            )
            conn = _connect(path, "rw")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            lock.release()
            raise
        return cls(conn, path, readonly=False, lock=lock, actor=actor)

    @staticmethod
    def _build(path: Path, actor: str, **content: Any) -> None:
        """Build the round in a hidden temporary file (swept if we are killed), then publish."""
        tmp: Path | None = None
        try:
            tmp = tempfiles.create_beside(path)
            conn = _connect(tmp, "rw")
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                _migrate(conn, actor)
                _fill_new_round(conn, actor, **content)
            finally:
                conn.close()
            tempfiles.reveal(tmp)
            _publish(tmp, path)
        except (OSError, sqlite3.OperationalError) as exc:
            detail = oserrors.describe(exc) if isinstance(exc, OSError) else str(exc)
            raise RoundFileError(
                f"无法创建评价轮次文件：{path}（{detail}）", hint="请检查磁盘空间和文件夹权限"
            ) from exc
        finally:
            if tmp is not None:
                tempfiles.remove(tmp)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, readonly: bool = False, actor: str | None = None
    ) -> Round:
        """Open an existing round; RoundFileError (nothing changed) if it is not a sound round.

        For writing, takes the writer lock (RoundLockedError if another program
        has it), rolls back a transaction interrupted by a crash, and migrates
        an older schema in one transaction.  Read-only opens of an older schema
        migrate an in-memory copy, leaving the file untouched.
        """
        path = Path(path)
        actor = actor or _default_actor()
        _check_identity(path)
        if readonly:
            conn, version, in_memory = _open_readonly(path)
            if version < latest_version():
                if not in_memory:
                    memory = sqlite3.connect(":memory:", isolation_level=None,
                                             check_same_thread=False)
                    conn.backup(memory)
                    conn.close()
                    conn = memory
                    conn.row_factory = sqlite3.Row
                _migrate(conn, actor)
            conn.execute("PRAGMA query_only = ON")
            return cls(conn, path, readonly=True, lock=None, actor=actor)
        lock = _WriterLock(path)
        lock.acquire()
        try:
            version = _open_writable_checked(path)
            conn = _connect(path, "rw")
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA synchronous = FULL")
                if version < latest_version():
                    _migrate(conn, actor)
            except sqlite3.DatabaseError as exc:
                conn.close()
                damaged = "malformed" in str(exc) or "corrupt" in str(exc)
                raise _file_error(
                    path,
                    f"{'已损坏，' if damaged else ''}升级文件格式失败（{exc}），文件未被修改",
                    _hint_backup(path) if damaged else "请把该文件和此提示发给技术支持",
                ) from exc
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            lock.release()
            raise _file_error(path, f"无法打开（{exc}）", _hint_backup(path)) from exc
        except BaseException:
            lock.release()
            raise
        return cls(conn, path, readonly=False, lock=lock, actor=actor)

    def close(self) -> None:
        """Close the file and release the writer lock (an open transaction is rolled back)."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._conn.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Round:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Round({str(self.path)!r}, readonly={self.readonly})"

    # -- identity, catalogue, entities --------------------------------------

    @property
    def info(self) -> RoundInfo:
        """The round's identity (written into templates, checked on import)."""
        rows = self._rows(
            "SELECT r.id, r.name, r.year, r.created_at, r.app_version,"
            " c.version AS catalogue_version, c.hash AS catalogue_hash"
            " FROM round_info r, catalogue_snapshot c"
        )
        if not rows:
            raise self.damaged("评价轮次信息或指标体系快照", "缺失")
        row = rows[0]
        if isinstance(row["year"], bool) or not isinstance(row["year"], int):
            raise self.damaged("评价年度", f"存储为“{row['year']}”，不是年份")
        for key in ("id", "name", "catalogue_version", "catalogue_hash"):
            if not isinstance(row[key], str):
                raise self.damaged("评价轮次信息", f"“{key}”不是文字")
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return RoundInfo(**row, schema_version=version)

    def catalogue(self) -> CatalogueSnapshot:
        """The catalogue snapshot the round was created with (to rescore as it was)."""
        rows = self._rows("SELECT version, hash, json FROM catalogue_snapshot")
        if not rows:
            raise self.damaged("指标体系快照", "缺失")
        row = rows[0]
        raw = row["json"]
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        except UnicodeDecodeError as exc:
            raise self.damaged("指标体系快照", "不是 UTF-8 文本") from exc
        return CatalogueSnapshot(str(row["version"]), str(row["hash"]), text)

    def list_entities(self) -> list[str]:
        """The evaluated entities (济南市, or several districts), in creation order."""
        return [r["name"] for r in self._rows("SELECT name FROM entities ORDER BY position")]

    def add_entity(self, name: str) -> None:
        """Add an evaluated entity (e.g. a district) so it can get templates and scores."""
        name = name.strip()
        if not name:
            raise ValueError("entity name must not be empty")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO entities (name, position)"
                " VALUES (?, (SELECT coalesce(max(position), -1) + 1 FROM entities))",
                (name,),
            )
            self._audit("entity.add", {"name": name})

    # -- parameters ---------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """All round parameters (defaults were given by the caller at creation)."""
        return {r["key"]: self._json(r["value"], f"评价参数“{r['key']}”")
                for r in self._rows("SELECT * FROM params")}

    def get_param(self, key: str, default: Any = None) -> Any:
        """One round parameter, or ``default`` if the round does not set it."""
        return self.get_params().get(key, default)

    def set_params(self, changes: Mapping[str, Any]) -> None:
        """Change parameters; each real change is audited with its old and new value."""
        with self.transaction():
            old = self.get_params()
            for key, value in changes.items():
                if key in old and old[key] == value:
                    continue
                self._conn.execute(
                    "INSERT INTO params (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value, ensure_ascii=False)),
                )
                self._audit("params.set", {"key": key, "old": old.get(key), "new": value})

    def set_param(self, key: str, value: Any) -> None:
        """Change one parameter (audited)."""
        self.set_params({key: value})
