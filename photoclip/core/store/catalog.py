"""All SQL of the catalog. SQLite is the source of truth: photos, their metadata and their vectors."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from photoclip.core.filenames import db_bytes, from_db, is_text, path_inside, separator, to_db
from photoclip.core.records import FolderPlacement, FolderRow, PhotoRecord, PhotoRow, SubfolderCount
from photoclip.core.store.db import PAGE_SIZE, Database

SEARCHABLE = ("indexed", "offline")

#: ids bound per SQL statement (SQLite allows 32,766 variables)
_ID_CHUNK = 10_000
#: rows a rescan's fingerprints read per step
FINGERPRINT_CHUNK = 50_000


@dataclass(frozen=True)
class BrowseScope:
    """Which photos the library view shows: a folder (path prefix), dates taken, a set of photo ids (an
    album's), each optional."""

    folder: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    photo_ids: frozenset[int] | None = None

    @property
    def sql_args(self) -> tuple:
        return self.folder, self.date_from, self.date_to, self.photo_ids


@dataclass
class BatchResult:
    """What ``Catalog.commit_batch`` wrote."""

    #: (embedding id, vector) of the vectors it added
    added: list[tuple[int, np.ndarray]] = field(default_factory=list)
    #: (path, reason) of records that could not be stored as they were; each is stored as a failed photo with
    #: that reason instead where possible, and the rest of the batch commits
    failed: list[tuple[str, str]] = field(default_factory=list)


#: errors that belong to one record's values (text SQLite cannot take, a number out of range, a type a bug let
#: through, a constraint): that photo fails, the batch commits. A full disk or a locked catalog is not one.
_RECORD_ERRORS = (ValueError, OverflowError, sqlite3.IntegrityError, sqlite3.InterfaceError,
                  sqlite3.ProgrammingError, sqlite3.DataError)


@contextmanager
def _savepoint(db: sqlite3.Connection) -> Iterator[None]:
    """Undo just this block's writes when it raises, keeping the rest of the open transaction."""
    db.execute("SAVEPOINT photo_record")
    try:
        yield
    except BaseException:
        if db.in_transaction:  # some errors (SQLITE_FULL) may have rolled the whole transaction back already
            db.execute("ROLLBACK TO photo_record")
            db.execute("RELEASE photo_record")
        raise
    db.execute("RELEASE photo_record")


def _record_failure(exc: Exception) -> str:
    return f"could not be saved in the catalog ({type(exc).__name__}: {exc})"


@dataclass(frozen=True)
class OrphanCounts:
    """One model's vectors that no photo holds: all of them, and those past the grace period ("due")."""

    vectors: int
    due: int
    #: when the oldest one lost its photo (seconds since the epoch), None if unknown
    oldest: float | None


@dataclass(frozen=True)
class ModelUsage:
    model_id: str
    vectors: int
    vector_bytes: int
    text_vectors: int
    text_bytes: int


#: an embedding row besides its vector: 32-hex content hash, model id, id, time, record and cell headers
_ROW_OVERHEAD = 100
#: an embedding ``e`` whose content no photo row holds (offline folders' rows hold theirs)
_UNREFERENCED = "NOT EXISTS (SELECT 1 FROM photos p WHERE p.content_hash = e.content_hash)"


def _has_vector(db, content_hash: str | None, model_id: str) -> bool:
    return db.execute(
        "SELECT 1 FROM embeddings WHERE content_hash = ? AND model_id = ?", (content_hash, model_id)
    ).fetchone() is not None


def _photo(row) -> PhotoRow:
    values = {k: row[k] for k in PhotoRow.__dataclass_fields__}
    values["path"] = from_db(values["path"])  # a name that is not UTF-8 is stored as its bytes (filenames.py)
    return PhotoRow(**values)


def _folder(row) -> FolderRow:
    return FolderRow(row["id"], from_db(row["path"]), row["state"], row["last_scan_at"])


class Catalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self) -> Iterator:
        with self.db.write_lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # folders -------------------------------------------------------------------------------------------
    def add_folder(self, path: Path) -> FolderRow:
        """The root that holds ``path`` from now on (``place_folder``)."""
        return self.place_folder(path).root

    def place_folder(self, path: Path | str) -> FolderPlacement:
        """Add a folder without ever nesting roots: a folder inside a root is already covered (nothing is
        added); a folder holding roots becomes the root and folds them in (``_fold``). One transaction, so two
        processes adding folders at once cannot make nested roots either."""
        wanted = str(path)
        with self.transaction() as db:
            roots = [_folder(r) for r in db.execute("SELECT * FROM folders ORDER BY path")]
            for root in roots:
                if root.path == wanted:
                    return FolderPlacement(root, wanted, "known")
                if path_inside(wanted, root.path):
                    return FolderPlacement(root, wanted, "inside")
            new_id = db.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)",
                                (to_db(wanted), time.time())).lastrowid
            new = FolderRow(new_id, wanted, "ok", None)
            children = [r for r in roots if path_inside(r.path, wanted)]
            _fold(db, new, children)
        return FolderPlacement(new, wanted, "added", tuple(c.path for c in children))

    def fold_nested_roots(self) -> dict[str, list[str]]:
        """Repair a catalog made before roots could not nest (a sub-folder added as a root of its own, its
        photos' folder flipping between the two at each scan): each nested root becomes part of the outermost
        root holding it. Returns {outer root: roots folded into it}; without nested roots it writes nothing."""
        if not _nesting(self.folders()):
            return {}
        with self.transaction() as db:
            roots = [_folder(r) for r in db.execute("SELECT * FROM folders ORDER BY path")]
            nesting = _nesting(roots)  # read again under the write lock: another process may have folded them
            for outer, children in nesting.items():
                _fold(db, outer, children)
        return {outer.path: [c.path for c in children] for outer, children in nesting.items()}

    def folder_by_path(self, path: Path) -> FolderRow | None:
        row = self.db.conn.execute("SELECT * FROM folders WHERE path = ?", (to_db(str(path)),)).fetchone()
        return _folder(row) if row else None

    def folders(self) -> list[FolderRow]:
        rows = self.db.conn.execute("SELECT * FROM folders ORDER BY path").fetchall()
        return [_folder(r) for r in rows]

    def remove_folder(self, folder_id: int) -> int:
        with self.transaction() as db:
            removed = db.execute("DELETE FROM photos WHERE folder_id = ?", (folder_id,)).rowcount
            db.execute("DELETE FROM folders WHERE id = ?", (folder_id,))
        return removed

    def set_folder_state(self, folder_id: int, state: str, scanned: bool = False) -> None:
        with self.transaction() as db:
            if scanned:
                db.execute(
                    "UPDATE folders SET state = ?, last_scan_at = ? WHERE id = ?", (state, time.time(), folder_id)
                )
            else:
                db.execute("UPDATE folders SET state = ? WHERE id = ?", (state, folder_id))

    def subfolders(self, folder: str, failed: Iterable[str] | None = None) -> list[SubfolderCount]:
        """The sub-folders of ``folder`` (a root or a folder inside one) that hold photos, with their counts
        including their own sub-folders, by name. ``failed``: the paths of the files that could not be indexed
        where the caller has them (the library status does), else they are read here.

        A skip scan of the path index, never a row per photo in Python: SQLite finds the first path of the next
        sub-folder, counts its range of the index (index only), and jumps past it; a million photos in 25
        sub-folders take 25 short steps (benchmarks/subfolder_counts.py: ~0.1 s for the root)."""
        sep = separator(folder)
        prefix = folder.rstrip("/\\") + sep
        failed_paths = [from_db(r[0]) for r in self.db.conn.execute(
            "SELECT path FROM photos WHERE status = 'failed'")] if failed is None else failed
        found = [self._subfolder(prefix + name, failed_paths) for name in self._child_names(prefix)]
        return sorted((f for f in found if f.photos > 0), key=lambda f: (f.path.casefold(), f.path))

    def _child_names(self, prefix: str) -> Iterator[str]:
        """Names of the folders directly inside ``prefix`` (ending in the separator) that hold any file."""
        sep = prefix[-1]
        start = len(db_bytes(prefix)) + 1
        # text paths and byte paths (names that are not UTF-8) are two ranges of the same index
        for low, high in _ranges(prefix):
            while True:
                row = self.db.conn.execute(
                    """SELECT path FROM photos WHERE path >= ? AND path < ?
                       AND instr(substr(CAST(path AS BLOB), ?), ?) > 0 ORDER BY path LIMIT 1""",
                    (low, high, start, db_bytes(sep)),
                ).fetchone()
                if row is None:
                    break
                rest = from_db(row[0])[len(prefix):]
                name = rest[:rest.index(sep)]
                yield name
                after = prefix + name + chr(ord(sep) + 1)  # past every path of that sub-folder
                low = after if isinstance(low, str) else db_bytes(after)

    def _subfolder(self, path: str, failed: Iterable[str]) -> SubfolderCount:
        sep = separator(path)
        inner = path + sep
        files = sum(self.db.conn.execute("SELECT COUNT(*) FROM photos WHERE path >= ? AND path < ?",
                                         (low, high)).fetchone()[0] for low, high in _ranges(inner))
        broken = sum(1 for p in failed if p.startswith(inner))
        deeper = next(self._child_names(inner), None) is not None
        return SubfolderCount(path, files - broken, broken, deeper)

    # photos --------------------------------------------------------------------------------------------
    def photos_in_folder(self, folder_id: int, under: str | None = None) -> dict[str, PhotoRow]:
        """A root's photos; ``under``: only those inside that folder of it (a scan of one sub-folder)."""
        if under is None:
            rows = self.db.conn.execute("SELECT * FROM photos WHERE folder_id = ?", (folder_id,)).fetchall()
        else:
            prefix = db_bytes(under.rstrip("/\\") + separator(under))
            rows = self.db.conn.execute(
                "SELECT * FROM photos WHERE folder_id = ? AND substr(CAST(path AS BLOB), 1, ?) = ?",
                (folder_id, len(prefix), prefix)).fetchall()
        return {photo.path: photo for photo in map(_photo, rows)}

    def folder_fingerprints(self, folder_id: int, model_id: str | None, under: str | None = None,
                            outside: Iterable[str] = (), chunk: int = FINGERPRINT_CHUNK) -> tuple[np.ndarray, ...]:
        """(ids, hash(path), sizes, mtimes, current) of a folder's photos as arrays: what a rescan compares the
        walk with, without a PhotoRow per photo (a million of them took GBs). ``current``: failed, or with a
        vector for ``model_id`` (one lookup in the (content hash, model) index per row, unless the counts say
        every shown photo has one); without a model (a catalog pass), its content catalogued. ``under``: only
        photos inside that folder (as ``photos_in_folder``); ``outside``: none inside these folders."""
        select, args = self._fingerprint_select(model_id)
        where = ["p.folder_id = ?"]
        args.append(folder_id)
        for folder, keep in ((under, True), *((f, False) for f in outside)):
            if folder is None:
                continue
            prefix = db_bytes(folder.rstrip("/\\") + separator(folder))
            where.append(f"{'' if keep else 'NOT '}substr(CAST(p.path AS BLOB), 1, ?) = ?")
            args += [len(prefix), prefix]
        return _fingerprint_arrays([(f"{select} {' AND '.join(where)}", args)], self.db.conn, chunk)

    def fingerprints_inside(self, folder_id: int, model_id: str | None, folder: str) -> tuple[np.ndarray, ...]:
        """``folder_fingerprints`` of the photos inside ``folder`` (at any depth), read from a range of the path
        index (two: names stored as text, and as bytes), not from every photo of the library folder (the ``+``
        keeps SQLite from walking the folder index instead)."""
        select, args = self._fingerprint_select(model_id)
        sep = separator(folder)
        text = folder.rstrip("/\\") + sep
        after = text[:-1] + chr(ord(sep) + 1)  # the first name past every path starting with ``text``
        queries = [(f"{select} +p.folder_id = ? AND p.path >= ? AND p.path < ?", [*args, folder_id, low, high])
                   for low, high in ((text, after), (db_bytes(text), db_bytes(after)))
                   if isinstance(low, bytes) or is_text(text)]
        return _fingerprint_arrays(queries, self.db.conn, FINGERPRINT_CHUNK)

    def fingerprints_of(self, folder_id: int, model_id: str | None, ids: np.ndarray) -> tuple[np.ndarray, ...]:
        """``folder_fingerprints`` of just these photos (by id)."""
        select, args = self._fingerprint_select(model_id)
        queries = []
        for start in range(0, len(ids), 500):
            part = [int(i) for i in ids[start:start + 500]]
            queries.append((f"{select} p.folder_id = ? AND p.id IN ({','.join('?' * len(part))})",
                            [*args, folder_id, *part]))
        return _fingerprint_arrays(queries, self.db.conn, FINGERPRINT_CHUNK)

    def photo_ids_of_folder(self, folder_id: int) -> np.ndarray:
        """Every photo id of a library folder (an index range: ids only)."""
        cursor = self.db.conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute("SELECT id FROM photos WHERE folder_id = ?", (folder_id,))
        return np.fromiter((r[0] for r in rows), np.int64)

    def _fingerprint_select(self, model_id: str | None) -> tuple[str, list]:
        """``SELECT (id, path, size, mtime, current) FROM photos p WHERE`` for the fingerprints, and its arguments;
        the caller adds the conditions. ``current``: see ``folder_fingerprints``."""
        args: list = []
        if model_id is not None and self._fully_embedded(model_id):
            done = "p.status IN ('indexed', 'offline')"
        elif model_id is not None:
            done = "EXISTS (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash AND e.model_id = ?)"
            args.append(model_id)
        else:
            done = """EXISTS (SELECT 1 FROM photos q WHERE q.content_hash = p.content_hash AND q.width IS NOT NULL
                      AND q.status IN ('indexed', 'offline'))"""
        return f"SELECT p.id, p.path, p.size, p.mtime_ns, p.status = 'failed' OR {done} FROM photos p WHERE", args

    def _fully_embedded(self, model_id: str) -> bool:
        """Every shown photo has a vector for ``model_id`` (the trigger-kept counts, schema v8)."""
        done, total = self.vector_coverage(model_id)
        return done == total

    def photo_by_path(self, path: str) -> PhotoRow | None:
        row = self.db.conn.execute("SELECT * FROM photos WHERE path = ?", (to_db(path),)).fetchone()
        return _photo(row) if row else None

    def photos_by_ids(self, ids: Iterable[int]) -> list[PhotoRow]:
        ids = list(ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.conn.execute(f"SELECT * FROM photos WHERE id IN ({marks})", ids).fetchall()
        return [_photo(r) for r in rows]

    def photo_with_content(self, content_hash: str) -> PhotoRow | None:
        """A decoded photo with this content (its dimensions, date and camera serve its copies)."""
        row = self.db.conn.execute(
            "SELECT * FROM photos WHERE content_hash = ? AND width IS NOT NULL LIMIT 1", (content_hash,)
        ).fetchone()
        return _photo(row) if row else None

    def delete_photos(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        with self.transaction() as db:
            return db.executemany("DELETE FROM photos WHERE id = ?", [(i,) for i in ids]).rowcount

    def set_status_under(self, folder: str, old: str, new: str) -> int:
        """Photos inside ``folder`` (a share mounted inside a root) from status ``old`` to ``new``."""
        prefix = db_bytes(folder.rstrip("/\\") + separator(folder))
        with self.transaction() as db:
            return db.execute("UPDATE photos SET status = ? WHERE status = ? AND substr(CAST(path AS BLOB), 1, ?) = ?",
                              (new, old, len(prefix), prefix)).rowcount

    def set_photos_status(self, folder_id: int, status: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET status = ? WHERE folder_id = ? AND status != 'failed'", (status, folder_id))

    def commit_batch(self, model_id: str | None, records: list[PhotoRecord]) -> BatchResult:
        """Write a batch in one transaction. A record that cannot be written (``_RECORD_ERRORS``) is stored as
        a failed photo with the reason instead and listed in the result; the rest of the batch commits.
        ``model_id`` None: a catalog pass's photos, recorded without vectors (no model yet)."""
        result = BatchResult()
        records = list(records)  # a record whose vector fails is replaced by a failed one below
        now = time.time()
        with self.transaction() as db:
            for index, rec in enumerate(records):  # vectors first: a copy's record may come before its vector
                if rec.vector is not None:
                    try:
                        with _savepoint(db):
                            cur = db.execute(
                                "INSERT OR IGNORE INTO embeddings(content_hash, model_id, vector, created_at) "
                                "VALUES (?,?,?,?)",
                                (rec.content_hash, model_id, np.asarray(rec.vector, np.float32).tobytes(), now),
                            )
                    except _RECORD_ERRORS as exc:
                        records[index] = dataclasses.replace(rec, status="failed", error=_record_failure(exc))
                        result.failed.append((rec.path, records[index].error))
                        continue
                    if cur.rowcount:
                        result.added.append((cur.lastrowid, rec.vector))
            for rec in records:
                if (model_id is not None and rec.vector is None and rec.status == "indexed"
                        and not _has_vector(db, rec.content_hash, model_id)):
                    # Its vector was reclaimed since the run began (a backstop: reclaiming waits for indexing
                    # to finish). No indexed photo without a vector: the next run embeds it again.
                    if rec.replaces_id is not None:
                        db.execute("DELETE FROM photos WHERE id = ?", (rec.replaces_id,))
                    continue
                self._write_isolated(db, rec, now, result)
        return result

    def _write_isolated(self, db: sqlite3.Connection, rec: PhotoRecord, now: float, result: BatchResult) -> None:
        """One photo's row; if its values cannot be stored, a failed row with the reason (as far as possible)."""
        try:
            with _savepoint(db):
                self._write_photo(db, rec, now)
            return
        except _RECORD_ERRORS as exc:
            reason = _record_failure(exc)
        result.failed.append((rec.path, reason))
        failed = dataclasses.replace(rec, status="failed", error=reason, width=None, height=None, taken_at=None,
                                     camera=None, vector=None)
        # a path SQLite cannot hold at all is only reported (the caller tells the user); the batch goes on
        with contextlib.suppress(*_RECORD_ERRORS), _savepoint(db):
            self._write_photo(db, failed, now)
            return
        # not even the failed row could be stored: a vector written for it holds no photo, so it is an orphan
        # from now (``orphan_counts`` starts from these records)
        if rec.content_hash is not None:
            db.execute(
                """INSERT OR IGNORE INTO orphaned_hashes(content_hash, orphaned_at) SELECT ?, ?
                   WHERE NOT EXISTS (SELECT 1 FROM photos WHERE content_hash = ?)""",
                (rec.content_hash, now, rec.content_hash))

    @staticmethod
    def _write_photo(db, rec: PhotoRecord, now: float) -> None:
        values = (
            rec.folder_id, to_db(rec.path), rec.size, rec.mtime_ns, rec.content_hash, rec.width, rec.height,
            rec.taken_at, rec.camera, rec.status, rec.error, now,
        )
        if rec.replaces_id is not None:
            db.execute("DELETE FROM photos WHERE path = ? AND id != ?", (values[1], rec.replaces_id))
            db.execute(
                """UPDATE photos SET folder_id=?, path=?, size=?, mtime_ns=?, content_hash=?, width=?, height=?,
                   taken_at=?, camera=?, status=?, error=?, updated_at=? WHERE id=?""",
                (*values, rec.replaces_id),
            )
            return
        db.execute(
            """INSERT INTO photos(folder_id, path, size, mtime_ns, content_hash, width, height, taken_at, camera,
                                  status, error, updated_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(path) DO UPDATE SET folder_id=excluded.folder_id, size=excluded.size,
                 mtime_ns=excluded.mtime_ns, content_hash=excluded.content_hash, width=excluded.width,
                 height=excluded.height, taken_at=excluded.taken_at, camera=excluded.camera,
                 status=excluded.status, error=excluded.error, updated_at=excluded.updated_at""",
            values,
        )

    def catalogued_hashes(self) -> set[str]:
        """Content already read into the catalog (date, size, thumbnail): what a catalog pass need not decode."""
        rows = self.db.conn.execute("SELECT DISTINCT content_hash FROM photos WHERE status IN ('indexed', 'offline') "
                                    "AND content_hash IS NOT NULL AND width IS NOT NULL")
        return {r[0] for r in rows}

    # embeddings ----------------------------------------------------------------------------------------
    def known_hashes(self, model_id: str) -> set[str]:
        rows = self.db.conn.execute("SELECT content_hash FROM embeddings WHERE model_id = ?", (model_id,))
        return {r[0] for r in rows}

    def embedded_since(self, model_id: str, after_id: int) -> list[tuple[int, str]]:
        """(id, content hash) of a model's vectors with id > after_id: what other index jobs embedded since
        (ids are issued in commit order, so nothing committed later gets a smaller one)."""
        rows = self.db.conn.execute(
            "SELECT id, content_hash FROM embeddings WHERE model_id = ? AND id > ? ORDER BY id", (model_id, after_id))
        return [(r[0], r[1]) for r in rows]

    def vector_for_hash(self, content_hash: str, model_id: str) -> np.ndarray | None:
        row = self.db.conn.execute(
            "SELECT vector FROM embeddings WHERE content_hash = ? AND model_id = ?", (content_hash, model_id)
        ).fetchone()
        return np.frombuffer(row[0], dtype=np.float32).copy() if row else None

    def embeddings_after(
        self, model_id: str, after_id: int, chunk: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (ids, vectors) chunks of a model's embeddings with id > after_id, in id order."""
        last = after_id
        while True:
            rows = self.db.conn.execute(
                "SELECT id, vector FROM embeddings WHERE model_id = ? AND id > ? ORDER BY id LIMIT ?",
                (model_id, last, chunk),
            ).fetchall()
            if not rows:
                return
            ids, vectors = _id_vector_arrays(rows)
            yield ids, vectors
            last = int(ids[-1])

    def embedding_stats(self, model_id: str, up_to_id: int | None = None) -> tuple[int, int]:
        """(count, max id) of a model's embeddings, optionally only those with id <= up_to_id. The count of
        all of them is the one the schema's triggers keep (schema v8); only a smaller ``up_to_id`` counts rows."""
        conn = self.db.conn
        max_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM embeddings WHERE model_id = ?",
                              (model_id,)).fetchone()[0]  # the last entry of the (model, id) index
        if up_to_id is None or up_to_id >= max_id:
            row = conn.execute("SELECT vectors FROM vector_counts WHERE model_id = ?", (model_id,)).fetchone()
            return (int(row[0]) if row else 0), max_id
        count, max_id = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM embeddings WHERE model_id = ? "
                                     "AND id <= ?", (model_id, up_to_id)).fetchone()
        return count, max_id

    def library_signature(self, model_id: str) -> tuple[Any, ...]:
        """Changes whenever a vector is added or a photo is indexed, moved or removed: the cache key of the
        library's vector matrix, its calibration and search's library sample."""
        emb = self.db.conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM embeddings WHERE model_id = ?", (model_id,)
        ).fetchone()
        photos = self.db.conn.execute(
            """SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(MAX(updated_at), 0),
                      SUM(status IN ('indexed', 'offline')) FROM photos"""
        ).fetchone()
        return (model_id, *emb, *photos)

    def embedding_ids(self, model_id: str, up_to_id: int) -> np.ndarray:
        """Ids of a model's embeddings up to ``up_to_id``, sorted (what an index file may hold)."""
        rows = self.db.conn.execute(
            "SELECT id FROM embeddings WHERE model_id = ? AND id <= ? ORDER BY id", (model_id, up_to_id))
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def embeddings_by_id(self, model_id: str, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of these embeddings of a model, those that exist, in id order."""
        found: list[tuple[int, bytes]] = []
        for start in range(0, len(ids), 500):  # SQLite's bound-variable limit
            chunk = ids[start:start + 500]
            found += self.db.conn.execute(
                f"SELECT id, vector FROM embeddings WHERE model_id = ? AND id IN ({','.join('?' * len(chunk))})",
                (model_id, *chunk)).fetchall()
        found.sort(key=lambda row: row[0])  # rows are sqlite3.Row: they do not compare, their ids do
        return _id_vector_arrays(found)

    def searchable_embedding_ids(self, model_id: str) -> np.ndarray:
        """Sorted ids of the model's embeddings behind searchable photos (copies share one): what a sample of
        the library's vectors is drawn from. Reads indexes only, not the vector pages."""
        rows = self.db.conn.execute(
            """SELECT DISTINCT e.id FROM embeddings e JOIN photos p ON p.content_hash = e.content_hash
               WHERE e.model_id = ? AND p.status IN ('indexed', 'offline') ORDER BY e.id""", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def sample_searchable_embedding_ids(self, model_id: str, size: int, seed: int) -> np.ndarray:
        """About ``size`` sorted ids of the model's embeddings behind searchable photos, drawn at random without
        reading every id (a million-photo library: 2 s → milliseconds): random ids of the model's id range are
        looked up by primary key, oversampled by how sparse the range is, and every id is read only when the
        draws keep missing (most of the range other models' or removed photos' vectors)."""
        count, max_id = self.embedding_stats(model_id)
        min_id = self.db.conn.execute("SELECT MIN(id) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0]
        if not count:
            return np.zeros(0, np.int64)
        span = max_id - min_id + 1
        rng = np.random.default_rng(seed)
        found: set[int] = set()
        for _ in range(4):
            wanted = min(span, int((size - len(found)) * 1.3 * span / count) + 64)
            candidates = rng.choice(span, wanted, replace=False) + min_id
            for start in range(0, wanted, _ID_CHUNK):
                chunk = [int(i) for i in candidates[start:start + _ID_CHUNK]]
                found.update(r[0] for r in self.db.conn.execute(
                    f"""SELECT e.id FROM embeddings e WHERE e.model_id = ? AND e.id IN ({",".join("?" * len(chunk))})
                        AND EXISTS (SELECT 1 FROM photos p WHERE p.content_hash = e.content_hash
                                    AND p.status IN ('indexed', 'offline'))""", (model_id, *chunk)))
            if len(found) >= size or wanted == span:
                break
        if len(found) < size and wanted < span:
            return self.searchable_embedding_ids(model_id)  # the caller draws from every id
        return np.array(sorted(found), np.int64)

    def catalog_id(self) -> str:
        """A random id made once per catalog: an index file saved for another catalog (one deleted and started
        over) is never taken for this one's, even where their embedding ids overlap."""
        known = self.get_meta("catalog_id")
        if known or self.db.read_only:  # read-only and never indexed: no index file to tell apart anyway
            return known or ""
        with self.transaction() as db:  # OR IGNORE: another process may be making it at the same moment
            db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('catalog_id', ?)", (uuid.uuid4().hex,))
        return self.get_meta("catalog_id") or ""

    def last_embedding_id(self) -> int:
        """The highest embedding id ever issued (AUTOINCREMENT's counter): below an index file's max id, this
        catalog is older than the file (a restored backup) and ids the file holds will be issued again."""
        row = self.db.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'embeddings'").fetchone()
        return int(row[0]) if row else 0

    def removal_mark(self) -> int:
        """Grows whenever vectors are deleted (cleanup, old models), in the same transaction: an open index
        that saw another value may hold vectors that are gone (see VectorIndex.refresh)."""
        return int(self.get_meta(REMOVAL_MARK) or 0)

    def searchable_photos(self, model_id: str, embedding_ids: list[int]) -> list[tuple[int, PhotoRow]]:
        """Photos (with their embedding id) behind the given embedding ids; copies share one embedding."""
        found = []
        # in chunks: SQLite refuses more than 32,766 bound variables, and a grid scrolled far asks for 64k
        for start in range(0, len(embedding_ids), _ID_CHUNK):
            chunk = embedding_ids[start:start + _ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.db.conn.execute(
                f"""SELECT e.id AS embedding_id, p.* FROM embeddings e JOIN photos p ON p.content_hash = e.content_hash
                    WHERE e.model_id = ? AND e.id IN ({marks}) AND p.status IN ('indexed', 'offline')""",
                (model_id, *chunk),
            ).fetchall()
            found += [(r["embedding_id"], _photo(r)) for r in rows]
        return found

    def filtered_embeddings(
        self, model_id: str, folder: str | None, date_from: str | None, date_to: str | None,
        photo_ids: frozenset[int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of searchable photos matching the filters, for an exact search over a subset."""
        where, args = _filter_sql(folder, date_from, date_to, photo_ids)
        rows = self.db.conn.execute(
            f"""SELECT DISTINCT e.id, e.vector FROM embeddings e JOIN photos p ON p.content_hash = e.content_hash
                WHERE e.model_id = ? AND p.status IN ('indexed', 'offline') {where}""",
            (model_id, *args),
        ).fetchall()
        return _id_vector_arrays(rows)

    def count_filtered(self, model_id: str, folder: str | None, date_from: str | None, date_to: str | None,
                       photo_ids: frozenset[int] | None = None) -> int:
        where, args = _filter_sql(folder, date_from, date_to, photo_ids)
        return self.db.conn.execute(
            f"""SELECT COUNT(DISTINCT e.id) FROM embeddings e JOIN photos p ON p.content_hash = e.content_hash
                WHERE e.model_id = ? AND p.status IN ('indexed', 'offline') {where}""",
            (model_id, *args),
        ).fetchone()[0]

    # filtered search (issue 18): index ranges of the path and the effective date, never a pass over every photo
    def change_mark(self) -> tuple[int, int]:
        """Changes when anything is committed to the catalog, by any connection or process (SQLite's
        data_version for the others, this connection's own change count): what a cache of catalog reads keys on."""
        conn = self.db.conn
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

    def count_in_scope(self, scope: BrowseScope, bound: int) -> int:
        """Shown photos of ``scope``, counted up to ``bound`` (reads index entries only, at most ``bound``).
        Copies share one vector, so this is an upper bound on the vectors in scope."""
        where, args = _scope_sql(scope)
        return self.db.conn.execute(
            f"""SELECT COUNT(*) FROM (SELECT 1 FROM photos p WHERE p.status IN ('indexed', 'offline') {where}
                LIMIT ?)""", (*args, bound),
        ).fetchone()[0]

    def scope_embeddings(self, model_id: str, scope: BrowseScope) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of a model's vectors behind the shown photos of ``scope`` (each once), for an exact
        search of a few thousand photos: the photos come from an index range, their vectors by key."""
        where, args = _scope_sql(scope)
        cursor = self.db.conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            # CROSS JOIN: photos first (SQLite keeps that order), else it may walk every vector of the model
            f"""SELECT e.id, e.vector FROM photos p CROSS JOIN embeddings e
                  ON e.content_hash = p.content_hash AND e.model_id = ?
                WHERE p.status IN ('indexed', 'offline') {where}""",
            (model_id, *args),
        ).fetchall()
        ids, vectors = _id_vector_arrays(rows)
        ids, first = np.unique(ids, return_index=True)  # copies: one vector, several photos
        return ids, vectors[first]

    def scope_embedding_ids(self, model_id: str, scope: BrowseScope) -> np.ndarray:
        """Sorted ids of a model's vectors behind the shown photos of ``scope``: the index's allow-list for a
        scope too large to search exactly (ids only: index entries and key lookups, no vector pages)."""
        where, args = _scope_sql(scope)
        cursor = self.db.conn.cursor()
        cursor.row_factory = None
        cursor.execute(
            f"""SELECT e.id FROM photos p CROSS JOIN embeddings e ON e.content_hash = p.content_hash AND e.model_id = ?
                WHERE p.status IN ('indexed', 'offline') {where}""",
            (model_id, *args),
        )
        return np.unique(np.fromiter((r[0] for r in cursor), np.int64))

    # browsing by date -------------------------------------------------------------------------------------
    def browse_page(self, scope: BrowseScope, after: tuple[str, int] | None = None,
                    limit: int = 200) -> list[tuple[PhotoRow, str]]:
        """Up to ``limit`` shown photos of ``scope``, newest first by effective date (then id), after the
        (date, id) cursor ``after``: an index range of ``photos_timeline`` (schema v6), never a sort."""
        where, args = _filter_sql(*scope.sql_args, taken="p.effective_at")
        if after is not None:
            where += " AND (p.effective_at, p.id) < (?, ?)"
            args += list(after)
        rows = self.db.conn.execute(
            f"""SELECT p.* FROM photos p WHERE p.status IN ('indexed', 'offline') {where}
                ORDER BY p.effective_at DESC, p.id DESC LIMIT ?""",
            (*args, limit),
        ).fetchall()
        return [(_photo(r), r["effective_at"]) for r in rows]

    def timeline(self, scope: BrowseScope) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """Every shown photo of ``scope`` as ids in browse order (newest first), and the days they fall on as
        (YYYY-MM-DD, number of photos) in the same order: what a grid needs to lay out 100k photos without
        reading their rows (8 bytes and a day per photo)."""
        where, args = _filter_sql(*scope.sql_args, taken="p.effective_at")
        cursor = self.db.conn.cursor()
        # plain tuples read one by one: 100k sqlite3.Row objects held at once would outlive a few garbage
        # collections and then cost the GUI full collections later (benchmarks/browse_grid.py)
        cursor.row_factory = None
        cursor.execute(
            f"""SELECT p.id, substr(p.effective_at, 1, 10) FROM photos p
                WHERE p.status IN ('indexed', 'offline') {where} ORDER BY p.effective_at DESC, p.id DESC""",
            args,
        )
        ids: list[int] = []
        days: list[tuple[str, int]] = []
        day, n = None, 0
        for photo_id, date in cursor:
            ids.append(photo_id)
            if date == day:
                n += 1
                continue
            if day is not None:
                days.append((day, n))
            day, n = date, 1
        if day is not None:
            days.append((day, n))
        return np.array(ids, np.int64), days

    # reclaiming space -----------------------------------------------------------------------------------
    def orphan_counts(self, cutoff: float) -> dict[str, OrphanCounts]:
        """Per model: vectors whose content no photo row holds, and those that lost it at or before ``cutoff``
        (seconds since the epoch: past the grace period). Rows of offline folders hold their hashes, so their
        vectors never count. Starts from ``orphaned_hashes`` (which the schema's triggers keep exact, and
        ``_write_isolated`` for a vector whose photo row could not be written), not from every vector: a pass
        over a million vectors' hashes took seconds of ``photoclip status``."""
        rows = self.db.conn.execute(
            f"""SELECT e.model_id, COUNT(*), COALESCE(SUM(o.orphaned_at <= ?), 0), MIN(o.orphaned_at)
                FROM orphaned_hashes o CROSS JOIN embeddings e ON e.content_hash = o.content_hash
                WHERE {_UNREFERENCED} GROUP BY e.model_id""",  # CROSS: the records outside, as written
            (cutoff,),
        ).fetchall()
        return {r[0]: OrphanCounts(r[1], r[2], r[3]) for r in rows}

    def delete_orphans(self, cutoff: float, limit: int, model_ids: list[str]) -> dict[str, list[int]]:
        """Delete up to ``limit`` due orphan vectors of the given models in one transaction; returns their ids
        per model.

        Unreferenced vectors without a recorded time (none should exist: vector and photo row are written
        together) get one now, so they are reclaimed a grace period later rather than never."""
        removed: dict[str, list[int]] = {}
        with self.transaction() as db:
            db.execute(
                f"""INSERT OR IGNORE INTO orphaned_hashes(content_hash, orphaned_at)
                    SELECT DISTINCT e.content_hash, ? FROM embeddings e WHERE {_UNREFERENCED}""",
                (time.time(),),
            )
            marks = ",".join("?" * len(model_ids))
            rows = db.execute(
                f"""SELECT e.id, e.model_id FROM embeddings e JOIN orphaned_hashes o ON o.content_hash = e.content_hash
                    WHERE o.orphaned_at <= ? AND e.model_id IN ({marks}) AND {_UNREFERENCED}
                    ORDER BY e.id LIMIT ?""",
                (cutoff, *model_ids, limit),
            ).fetchall()
            db.executemany("DELETE FROM embeddings WHERE id = ?", [(r[0],) for r in rows])
            if rows:
                _bump_removal_mark(db)
            # Forget hashes with nothing left to reclaim (their vectors are gone, or they never had one).
            db.execute(
                """DELETE FROM orphaned_hashes WHERE orphaned_at <= ? AND NOT EXISTS
                   (SELECT 1 FROM embeddings e WHERE e.content_hash = orphaned_hashes.content_hash)""",
                (cutoff,),
            )
        for embedding_id, model_id in rows:
            removed.setdefault(model_id, []).append(embedding_id)
        return removed

    def model_usage(self) -> dict[str, ModelUsage]:
        """Per model id: its image vectors and cached text vectors (count, bytes of vector data). Vectors of
        one model all have one size, so image bytes are count × size: no pass over 200 MB of vector pages."""
        usage: dict[str, ModelUsage] = {}
        for model_id, n in self.db.conn.execute(_VECTORS_PER_MODEL):
            usage[model_id] = ModelUsage(model_id, n, n * self.vector_size(model_id), 0, 0)
        for model_id, n, size in self.db.conn.execute(
            "SELECT model_id, COUNT(*), SUM(length(vector) + length(text)) FROM text_vectors GROUP BY model_id"
        ):
            old = usage.get(model_id) or ModelUsage(model_id, 0, 0, 0, 0)
            usage[model_id] = ModelUsage(model_id, old.vectors, old.vector_bytes, n, size)
        return usage

    def vector_size(self, model_id: str, page: int | None = None) -> int:
        """Bytes one of the model's vectors takes in the file (0 without any), with this catalog's page size or
        ``page``. Rows do not share a page unless two fit: a 2,048-byte ViT-B/32 vector alone fills a 4 KiB
        page, so it frees 4 KiB, not 2."""
        row = self.db.conn.execute(
            "SELECT length(vector) FROM embeddings WHERE model_id = ? LIMIT 1", (model_id,)
        ).fetchone()
        if not row:
            return 0
        page = page or self.page_size()
        row_bytes = row[0] + _ROW_OVERHEAD
        if row_bytes > page - 35:  # spills into overflow pages
            return row_bytes
        return page // max(1, (page - 8) // row_bytes)

    def page_size(self) -> int:
        return self.db.conn.execute("PRAGMA page_size").fetchone()[0]

    def repack_saving(self) -> int:
        """About how many bytes rewriting the catalog with ``PAGE_SIZE`` pages frees; 0 if it has them, or if
        the saving is below ``REPACK_MIN_BYTES`` (every table and index then takes at least one larger page)."""
        if self.page_size() >= PAGE_SIZE:
            return 0
        saving = sum(n * (self.vector_size(model) - self.vector_size(model, PAGE_SIZE)) for model, n in
                     self.db.conn.execute(_VECTORS_PER_MODEL))
        return saving if saving >= REPACK_MIN_BYTES else 0

    def delete_model_data(self, model_id: str) -> int:
        """Every vector of a model: image vectors, cached text vectors, its quality-guard records. Photos,
        tags and albums stay (they belong to the photos, not to a model). Returns image vectors deleted."""
        with self.transaction() as db:
            removed = db.execute("DELETE FROM embeddings WHERE model_id = ?", (model_id,)).rowcount
            if removed:
                _bump_removal_mark(db)
            db.execute("DELETE FROM text_vectors WHERE model_id = ?", (model_id,))
            prefix = f"quality_guard:{model_id}:"
            db.execute("DELETE FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
            db.execute(
                """DELETE FROM orphaned_hashes WHERE NOT EXISTS
                   (SELECT 1 FROM embeddings e WHERE e.content_hash = orphaned_hashes.content_hash)"""
            )
        return removed

    def vacuum(self) -> bool:
        """Rewrite the file without its free pages, then fold the WAL back in and truncate it, so the space
        really returns to the disk. A catalog made with small pages gets ``PAGE_SIZE`` ones when that frees
        space (``repack_saving``) and nothing else has the file open (returns True then). Needs no open
        transaction on this thread's connection."""
        with self.db.write_lock:
            conn = self.db.conn
            repacked = self.repack_saving() > 0 and _repack(conn)
            if not repacked:
                conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return repacked

    def files_size(self) -> int:
        """Bytes the catalog takes on disk: the database, its WAL and shared-memory file."""
        path = self.db.path
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal"),
                                               path.with_name(path.name + "-shm")) if p.exists())

    # status --------------------------------------------------------------------------------------------
    def status_counts(self) -> dict[str, int]:
        """Photos per status (the counts the schema's triggers keep: no pass over the photos)."""
        rows = self.db.conn.execute(
            "SELECT status, SUM(photos) FROM photo_counts GROUP BY status HAVING SUM(photos) > 0").fetchall()
        return {r[0]: r[1] for r in rows}

    def taken_range(self) -> tuple[str | None, str | None]:
        """The first and last EXIF date taken in the library (two index lookups on photos_taken: SQLite
        optimises a lone MIN or MAX, not both in one query)."""
        first = self.db.conn.execute("SELECT MIN(taken_at) FROM photos").fetchone()[0]
        last = self.db.conn.execute("SELECT MAX(taken_at) FROM photos").fetchone()[0]
        return first, last

    def failures(self) -> list[PhotoRow]:
        # per folder (every photo has one): a lookup in the (folder, status) index, not a pass over the photos
        rows = self.db.conn.execute(
            """SELECT * FROM photos WHERE folder_id IN (SELECT id FROM folders) AND status = 'failed'
               ORDER BY path""").fetchall()
        return [_photo(r) for r in rows]

    def folder_counts(self) -> dict[int, dict[str, int]]:
        """Photos per folder and status (kept by triggers, schema v8)."""
        rows = self.db.conn.execute("SELECT folder_id, status, photos FROM photo_counts WHERE photos > 0")
        counts: dict[int, dict[str, int]] = {}
        for folder_id, status, n in rows:
            counts.setdefault(folder_id, {})[status] = n
        return counts

    # model switch --------------------------------------------------------------------------------------
    def vector_coverage(self, model_id: str) -> tuple[int, int]:
        """(photos with a vector for ``model_id``, photos that should have one: indexed or offline), from the
        counts the schema's triggers keep in every transaction that writes a photo or a vector (schema v8)."""
        conn = self.db.conn
        done = conn.execute("SELECT photos FROM vector_counts WHERE model_id = ?", (model_id,)).fetchone()
        total = conn.execute(
            "SELECT COALESCE(SUM(photos), 0) FROM photo_counts WHERE status IN ('indexed', 'offline')").fetchone()
        return int(done[0]) if done else 0, int(total[0])

    def switch_model_if_complete(self, switch_key: str, spec_key: str, spec: str, model_id: str) -> bool:
        """In one transaction: if every indexed photo has a vector for ``model_id``, make it the library's model
        (``spec_key`` = spec, ``model_id``) and forget the pending switch; else change nothing."""
        with self.transaction() as db:
            missing = db.execute(
                "SELECT 1 FROM photos p WHERE p.status IN ('indexed', 'offline') AND NOT EXISTS (SELECT 1 FROM"
                " embeddings e WHERE e.content_hash = p.content_hash AND e.model_id = ?) LIMIT 1", (model_id,)
            ).fetchone()
            if missing is not None:
                return False
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (spec_key, spec))
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('model_id', ?)", (model_id,))
            db.execute("DELETE FROM meta WHERE key = ?", (switch_key,))
            return True

    def delete_meta(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM meta WHERE key = ?", (to_db(key),))

    def get_meta(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (to_db(key),)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            # a key may hold a folder's path (availability.py, watcher.py): stored like paths
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (to_db(key), value))

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        # compared as bytes: a key holding a path that is not UTF-8 is stored as a BLOB of its bytes (to_db)
        raw = os.fsencode(prefix)
        rows = self.db.conn.execute(
            "SELECT key, value FROM meta WHERE substr(CAST(key AS BLOB), 1, ?) = ? ORDER BY key", (len(raw), raw)
        ).fetchall()
        return {from_db(r[0]): r[1] for r in rows}

    def sample_photo_paths(self, limit: int) -> list[str]:
        """Up to ``limit`` indexed photos spread over the library (a fixed hash order, not the first folder)."""
        rows = self.db.conn.execute(
            "SELECT path FROM photos WHERE status = 'indexed' ORDER BY (id * 2654435761) % 4294967296 LIMIT ?",
            (limit,),
        ).fetchall()
        return [from_db(r[0]) for r in rows]

    # watcher work queue --------------------------------------------------------------------------------
    def queue_put(self, entries: list[tuple[str, int, str, float, float]]) -> None:
        """(path, folder id, kind, enqueued_at, not_before) rows; a newer event for a path replaces the older."""
        if not entries:
            return
        with self.transaction() as db:
            # an entry of a root removed or folded into another since (the watcher drops those) is skipped
            db.executemany(
                """INSERT INTO queue(path, folder_id, kind, enqueued_at, not_before)
                   SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM folders WHERE id = ?2)
                   ON CONFLICT(path) DO UPDATE SET folder_id=excluded.folder_id, kind=excluded.kind,
                     enqueued_at=excluded.enqueued_at, not_before=excluded.not_before""",
                [(to_db(path), *rest) for path, *rest in entries],
            )

    def queue_pending(self) -> list[tuple[str, int, str, float, float]]:
        """Every queued (path, folder id, kind, enqueued_at, not_before), oldest first."""
        rows = self.db.conn.execute(
            "SELECT path, folder_id, kind, enqueued_at, not_before FROM queue ORDER BY enqueued_at"
        ).fetchall()
        return [(from_db(r[0]), *r[1:]) for r in rows]

    def queue_done(self, entries: list[tuple[str, float]]) -> None:
        """Remove (path, enqueued_at) entries once their work is committed; an entry re-queued since stays."""
        if not entries:
            return
        with self.transaction() as db:
            db.executemany("DELETE FROM queue WHERE path = ? AND enqueued_at <= ?",
                           [(to_db(path), enqueued_at) for path, enqueued_at in entries])

    def photo_paths_under(self, folder: str) -> list[str]:
        """Paths of the photos inside a folder (any depth): what a deleted or moved-away folder held."""
        prefix = db_bytes(folder.rstrip("/\\") + separator(folder))  # bytes: BLOB-stored paths match too
        rows = self.db.conn.execute(
            "SELECT path FROM photos WHERE substr(CAST(path AS BLOB), 1, ?) = ?", (len(prefix), prefix)
        ).fetchall()
        return [from_db(r[0]) for r in rows]


def _ranges(prefix: str) -> list[tuple[str | bytes, str | bytes]]:
    """The ranges of the path index that hold every path starting with ``prefix`` (which ends in the
    separator): as text, and as bytes for names stored as BLOBs (SQLite sorts all text before all blobs;
    under a prefix that is not text itself every path is a BLOB)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    as_bytes = (db_bytes(prefix), db_bytes(upper))
    return [(prefix, upper), as_bytes] if is_text(prefix) else [as_bytes]


#: catalog meta key of a folder's watch mode override ("auto", "native", "poll"; core/scan/watcher.py)
WATCH_MODE_PREFIX = "watch_mode:"


def _nesting(roots: list[FolderRow]) -> dict[FolderRow, list[FolderRow]]:
    """Each outermost root that holds other roots, with the roots inside it (few rows: the folder table)."""
    nesting: dict[FolderRow, list[FolderRow]] = {}
    for root in roots:
        outer = [r for r in roots if path_inside(root.path, r.path)]
        if outer:
            nesting.setdefault(min(outer, key=lambda r: len(r.path)), []).append(root)
    return nesting


def _fold(db: sqlite3.Connection, root: FolderRow, children: list[FolderRow]) -> None:
    """Make ``children`` (roots inside ``root``) sub-folders of ``root``: their photos and queued work move to
    it by folder id alone (paths, content hashes, tags, albums and vectors stay: nothing is re-embedded), then
    their rows go. A child's photos take the root's state: offline with an offline root, else indexed (a child
    that was offline is checked by the root's next scan). A child's polling override carries up: one that had
    to be polled (a network share inside the root) is still polled as part of the root; other overrides of
    the children are dropped, the root's own override wins. A child's record that it is a mount point stays:
    the root's scans then keep an unmounted share offline (scan/availability.mounts_inside)."""
    if not children:
        return
    ids = [c.id for c in children]
    marks = ",".join("?" * len(ids))
    status, old = ("offline", "indexed") if root.state == "offline" else ("indexed", "offline")
    db.execute(f"UPDATE photos SET status = ? WHERE folder_id IN ({marks}) AND status = ?", (status, *ids, old))
    db.execute(f"UPDATE photos SET folder_id = ? WHERE folder_id IN ({marks})", (root.id, *ids))
    db.execute(f"UPDATE queue SET folder_id = ? WHERE folder_id IN ({marks})", (root.id, *ids))
    keys = [to_db(WATCH_MODE_PREFIX + c.path) for c in children]
    modes = {r[0] for r in db.execute(f"SELECT value FROM meta WHERE key IN ({marks})", keys)}
    if "poll" in modes:
        db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, 'poll')", (to_db(WATCH_MODE_PREFIX + root.path),))
    db.execute(f"DELETE FROM meta WHERE key IN ({marks})", keys)
    db.execute(f"DELETE FROM folders WHERE id IN ({marks})", ids)


# ISO strings sort as dates; photos without EXIF dates (screenshots, scans) fall back to their file time.
_TAKEN = "COALESCE(p.taken_at, strftime('%Y-%m-%dT%H:%M:%S', p.mtime_ns / 1000000000, 'unixepoch', 'localtime'))"


def _id_vector_arrays(rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of ``(id, vector blob)`` rows: an int64 array and a float32 matrix, one row each."""
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids, vectors


def _filter_sql(folder: str | None, date_from: str | None, date_to: str | None,
                photo_ids: frozenset[int] | None = None, taken: str = _TAKEN) -> tuple[str, list]:
    """Folder is a path prefix; dates compare against EXIF taken-at, else the file's modification time
    (``taken``: that date in SQL; browsing passes the indexed ``effective_at`` column, schema v6); ``photo_ids``
    (an album's photos) is one JSON parameter, so any number fits."""
    clauses: list[str] = []
    args: list = []
    if folder:
        prefix = folder.rstrip("/\\")
        under = db_bytes(prefix + separator(prefix))  # bytes: a path stored as a BLOB matches too (filenames.py)
        clauses.append("(p.path = ? OR substr(CAST(p.path AS BLOB), 1, ?) = ?)")
        args += [to_db(prefix), len(under), under]
    if date_from:
        clauses.append(f"{taken} >= ?")
        args.append(date_from)
    if date_to:
        clauses.append(f"{taken} <= ?")
        args.append(end_of(date_to))
    if photo_ids is not None:
        clauses.append("p.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(sorted(photo_ids)))
    return "".join(f" AND {c}" for c in clauses), args


def _scope_sql(scope: BrowseScope) -> tuple[str, list]:
    """Search filters as conditions SQLite answers from an index: the folder as ranges of the path index
    (``path >= prefix/ AND path < prefix0``: '0' follows '/'), once for paths stored as text and once for those
    stored as bytes (BLOBs sort after all text, filenames.py), and dates on the stored ``effective_at``
    (schema v6, the ``photos_timeline`` index)."""
    clauses: list[str] = []
    args: list = []
    if scope.folder:
        prefix = scope.folder.rstrip("/\\")
        ranges = _ranges(prefix + separator(prefix))
        clauses.append("(" + " OR ".join(["p.path = ?", *["(p.path >= ? AND p.path < ?)"] * len(ranges)]) + ")")
        args += [to_db(prefix), *(bound for pair in ranges for bound in pair)]
    if scope.date_from:
        clauses.append("p.effective_at >= ?")
        args.append(scope.date_from)
    if scope.date_to:
        clauses.append("p.effective_at <= ?")
        args.append(end_of(scope.date_to))
    if scope.photo_ids is not None:
        clauses.append("p.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(sorted(scope.photo_ids)))
    return "".join(f" AND {c}" for c in clauses), args


def end_of(date_to: str) -> str:
    """A bare date as an upper bound means the whole day."""
    return date_to + "T23:59:59" if len(date_to) == 10 else date_to


def effective_date(photo: PhotoRow) -> str:
    """The same date ``_TAKEN`` computes in SQL, for rows filtered in Python."""
    if photo.taken_at:
        return photo.taken_at
    return datetime.fromtimestamp(photo.mtime_ns / 1e9).strftime("%Y-%m-%dT%H:%M:%S")


#: A rewrite with larger pages grows each table and index to at least one 16 KiB page (~0.4 MB in all), so it
#: is offered only when the vectors' saving is clearly larger (2 MB: about 1,200 photos of 512-d vectors).
REPACK_MIN_BYTES = 2_000_000

#: meta key of Catalog.removal_mark
REMOVAL_MARK = "vectors_removed"
#: vectors per model, as the schema's triggers count them (a GROUP BY over the vectors read every index entry)
_VECTORS_PER_MODEL = "SELECT model_id, vectors FROM vector_counts WHERE vectors > 0"


def _bump_removal_mark(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET "
               "value = CAST(value AS INTEGER) + 1", (REMOVAL_MARK,))


def _repack(conn: sqlite3.Connection) -> bool:
    """VACUUM into larger pages. SQLite changes the page size only outside WAL mode, and leaving WAL needs
    every other connection closed (another photoclip process, or this process's other threads): then it
    answers "locked" at once (short busy timeout) and the caller does a plain VACUUM instead."""
    conn.execute("PRAGMA busy_timeout=200")
    try:
        if conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0].lower() != "delete":
            return False
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("VACUUM")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute("PRAGMA busy_timeout=30000")  # connect()'s timeout=30
        conn.execute("PRAGMA journal_mode=WAL")


def _fingerprint_arrays(queries: list[tuple[str, list]], conn: sqlite3.Connection,
                        chunk: int) -> tuple[np.ndarray, ...]:
    """(ids, hash(path), sizes, mtimes, current) arrays of the rows these queries give, in that order."""
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a million Row objects cost a second
    for sql, args in queries:
        cursor.execute(sql, args)
        while rows := cursor.fetchmany(chunk):
            ids, paths, sizes, mtimes, current = zip(*rows, strict=True)
            parts[0].append(np.array(ids, np.int64))
            # names stored as bytes (rare) are keyed as the str the walk gives; text ones hash as they are
            text = bytes not in set(map(type, paths))
            parts[1].append(np.fromiter(map(hash, paths if text else map(from_db, paths)), np.int64, len(paths)))
            parts[2].append(np.array(sizes, np.int64))
            parts[3].append(np.array(mtimes, np.int64))
            parts[4].append(np.array(current, bool))
    kinds = (np.int64, np.int64, np.int64, np.int64, bool)
    return tuple(np.concatenate(p) if p else np.zeros(0, k) for p, k in zip(parts, kinds, strict=True))
