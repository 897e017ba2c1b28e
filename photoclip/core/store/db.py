"""Opening the catalog: WAL, foreign keys, migrations with a backup first, one connection per thread."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from photoclip.core.errors import (
    CatalogError,
    CatalogTooNewError,
    ReadOnlyCatalogError,
    StorageError,
    user_error_for,
)
from photoclip.core.store.schema import MIGRATIONS, SCHEMA_VERSION

#: A 512-d vector row (2 KB) alone fills a 4 KiB page, two do not fit; 16 KiB pages hold 7. Measured with 20k
#: vectors: 4,148 → 2,405 bytes per row (-42%), full scan and point reads no slower (docs/benchmarks.md).
PAGE_SIZE = 16384


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return _connect_read_only(path)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # only a new file takes it; older ones change on VACUUM
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts the file.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A catalog photoclip may not write (a read-only disk or folder) can still be searched. WAL readers need
    the ``-shm`` file; where it cannot be created the file is opened as immutable (a catalog closed cleanly
    has everything in the main file; nobody can be writing a folder this process cannot write either)."""
    uri = f"file:{quote(str(path))}?mode=ro"
    for suffix in ("", "&immutable=1"):
        db = sqlite3.connect(uri + suffix, uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError:
            db.close()
            if suffix:
                raise
            continue
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db
    raise AssertionError("unreachable")


def cannot_write(path: Path) -> bool:
    """An existing catalog this process may not change: the file or its folder is read-only (a read-only
    mount answers so for root too)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def migrate(db: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CatalogTooNewError(
            f"The catalog at {path} was written by a newer photoclip (schema {version}, this one knows "
            f"{SCHEMA_VERSION}).",
            "Update photoclip, or point PHOTOCLIP_DATA_DIR at another folder.",
        )
    if version == SCHEMA_VERSION:
        return
    if read_only:
        raise ReadOnlyCatalogError(
            f"The catalog at {path} was made by an older photoclip and must be upgraded, which needs it writable.",
            "Make its folder writable and run photoclip once, or copy the folder somewhere writable and set "
            "PHOTOCLIP_DATA_DIR to the copy.",
        )
    if version > 0:
        _backup(db, path.with_name(f"{path.name}.before-v{SCHEMA_VERSION}.bak"))
    for number in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] > number:
                db.execute("COMMIT")  # another process (a second `photoclip index`, the app) migrated meanwhile
                continue
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise


def _backup(db: sqlite3.Connection, target: Path) -> None:
    with sqlite3.connect(target) as copy:
        db.backup(copy)


class Database:
    """Hands each thread its own connection; writes are serialised by ``write_lock``.

    Connections are keyed by the OS thread (``threading.get_ident``), not kept in a ``threading.local``: PySide
    runs each queued slot of a QThread worker under a fresh Python thread state, so a thread-local is empty at
    every call and each call opened (and kept) another connection, two file descriptors each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.write_lock = threading.RLock()
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._all_lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise StorageError(f"photoclip keeps its catalog in {path.parent}, but that is a file, not a folder.",
                               "Set PHOTOCLIP_DATA_DIR to a folder (it is created if missing).") from exc
        #: the catalog can be read but not changed: searching works, indexing and edits raise
        self.read_only = cannot_write(path)
        try:
            first = self.conn
            migrate(first, path, self.read_only)
        except sqlite3.DatabaseError as exc:
            storage = user_error_for(exc, path.parent)
            if isinstance(storage, StorageError):  # full, read-only, no permission: the catalog itself is fine
                raise storage from exc
            raise CatalogError(
                f"The catalog at {path} cannot be opened: {exc}.",
                "Restore it from a backup, or move it aside to start a new catalog.",
            ) from exc

    @property
    def conn(self) -> sqlite3.Connection:
        ident = threading.get_ident()
        db = self._by_thread.get(ident)
        if db is None:
            # a thread that ended may leave its id to a new one, which then takes over its idle connection
            db = connect(self.path, self.read_only)
            with self._all_lock:
                self._by_thread[ident] = db
        return db

    @property
    def connections(self) -> int:
        """Connections open (one per thread that used the catalog)."""
        return len(self._by_thread)

    def close(self) -> None:
        with self._all_lock:
            for db in self._by_thread.values():
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed from another thread already
                    db.close()
            self._by_thread.clear()
