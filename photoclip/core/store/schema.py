"""Catalog schema as ordered migrations. ``PRAGMA user_version`` is the number of migrations applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Statement by statement: ``executescript`` would commit the migration's open transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE folders (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            added_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'ok',        -- ok | offline
            last_scan_at REAL
        );
        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT,
            width INTEGER,
            height INTEGER,
            taken_at TEXT,                           -- ISO 8601 local time from EXIF, NULL if unknown
            camera TEXT,
            status TEXT NOT NULL,                    -- indexed | failed | offline
            error TEXT,
            updated_at REAL NOT NULL
        );
        CREATE INDEX photos_hash ON photos(content_hash);
        CREATE INDEX photos_folder ON photos(folder_id);
        CREATE INDEX photos_taken ON photos(taken_at);
        -- AUTOINCREMENT: ids are HNSW labels and must never be reused.
        CREATE TABLE embeddings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            content_hash TEXT NOT NULL,
            model_id TEXT NOT NULL,
            vector BLOB NOT NULL,                    -- float32, L2-normalised
            created_at REAL NOT NULL,
            UNIQUE (content_hash, model_id)
        );
        CREATE INDEX embeddings_model ON embeddings(model_id, id);
        """
    )


def _v2(db: sqlite3.Connection) -> None:
    """Work queue of the folder watcher, persisted so a crash or kill loses no pending file."""
    _script(
        db,
        """
        CREATE TABLE queue (
            path TEXT PRIMARY KEY,
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,                      -- upsert | delete | rescan (path is then a folder)
            enqueued_at REAL NOT NULL,
            not_before REAL NOT NULL DEFAULT 0       -- settle time: do not read before this moment
        );
        CREATE INDEX queue_due ON queue(not_before);
        """,
    )


def _v3(db: sqlite3.Connection) -> None:
    """Tags (zero-shot suggestions and the user's own), albums (manual and smart), label sets, text vectors."""
    _script(
        db,
        """
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,               -- 'Places|Beach': '|' separates hierarchy levels
            created_at REAL NOT NULL
        );
        -- One row per photo, tag and source, so the model's opinion and the user's never overwrite each other.
        CREATE TABLE photo_tags (
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            source TEXT NOT NULL,                    -- zero-shot | user
            state TEXT NOT NULL,                     -- suggested | accepted | rejected
            score REAL,                              -- calibrated score when suggested (zero-shot only)
            prompt TEXT,                             -- the prompt that matched best ("why")
            model_id TEXT,
            updated_at REAL NOT NULL,
            PRIMARY KEY (photo_id, tag_id, source)
        );
        CREATE INDEX photo_tags_tag ON photo_tags(tag_id, state);
        CREATE TABLE albums (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,                      -- manual | smart
            query TEXT,                              -- smart: search grammar (text, +term, -term)
            folder TEXT,                             -- smart: filters
            date_from TEXT,
            date_to TEXT,
            threshold REAL,                          -- smart: calibrated score a photo needs
            created_at REAL NOT NULL
        );
        CREATE TABLE album_photos (
            album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            added_at REAL NOT NULL,
            PRIMARY KEY (album_id, photo_id)
        );
        CREATE TABLE label_sets (
            name TEXT PRIMARY KEY,
            definition TEXT NOT NULL,                -- JSON, the same format as exported files
            updated_at REAL NOT NULL
        );
        -- Prompt vectors per model: tagging and smart albums then run without loading the model.
        CREATE TABLE text_vectors (
            model_id TEXT NOT NULL,
            text TEXT NOT NULL,
            vector BLOB NOT NULL,                    -- float32, L2-normalised
            PRIMARY KEY (model_id, text)
        );
        """,
    )


# Seconds since the epoch in SQL (unixepoch() needs SQLite 3.38; Debian 12's Python has 3.40, others older).
_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def _v4(db: sqlite3.Connection) -> None:
    """When each content hash lost its last photo, so unreferenced vectors are reclaimed only after a grace
    period (a file deleted by mistake and restored soon is not re-embedded). Triggers keep it exact whatever
    code path deletes, edits or moves a photo, in the same transaction. One statement per string: trigger
    bodies hold semicolons, which ``_script`` would split."""
    statements = (
        """CREATE TABLE orphaned_hashes (
               content_hash TEXT PRIMARY KEY,
               orphaned_at REAL NOT NULL             -- seconds since the epoch
           )""",
        f"""CREATE TRIGGER photos_hash_released AFTER DELETE ON photos
            WHEN OLD.content_hash IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM photos WHERE content_hash = OLD.content_hash)
            BEGIN
                INSERT OR REPLACE INTO orphaned_hashes(content_hash, orphaned_at) VALUES (OLD.content_hash, {_NOW});
            END""",
        f"""CREATE TRIGGER photos_hash_changed AFTER UPDATE OF content_hash ON photos
            WHEN OLD.content_hash IS NOT NEW.content_hash
            BEGIN
                DELETE FROM orphaned_hashes WHERE content_hash = NEW.content_hash;
                INSERT OR REPLACE INTO orphaned_hashes(content_hash, orphaned_at)
                    SELECT OLD.content_hash, {_NOW} WHERE OLD.content_hash IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM photos WHERE content_hash = OLD.content_hash);
            END""",
        """CREATE TRIGGER photos_hash_claimed AFTER INSERT ON photos
            WHEN NEW.content_hash IS NOT NULL
            BEGIN
                DELETE FROM orphaned_hashes WHERE content_hash = NEW.content_hash;
            END""",
        # Vectors already unreferenced before this version: their grace period starts now.
        f"""INSERT INTO orphaned_hashes(content_hash, orphaned_at)
            SELECT DISTINCT e.content_hash, {_NOW} FROM embeddings e
            WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.content_hash = e.content_hash)""",
    )
    for statement in statements:
        db.execute(statement)


def _v5(db: sqlite3.Connection) -> None:
    """Keywords photoclip added to each photo's XMP sidecar that were not there before: the only ones it may
    remove again. Keyed by photo id, which a move keeps; a photo's rows go with it."""
    _script(
        db,
        """
        CREATE TABLE sidecar_keywords (
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            field TEXT NOT NULL,                     -- 'Xmp.dc.subject', 'Xmp.lr.hierarchicalSubject', ...
            keyword TEXT NOT NULL,                   -- as in that field: 'Beach', 'Places|Beach', 'Places/Beach'
            PRIMARY KEY (photo_id, field, keyword)
        ) WITHOUT ROWID;
        """,
    )


# The date a photo is shown under: EXIF DateTimeOriginal, else the file's modification time (local time, as
# catalog._TAKEN computes it). 'localtime' is not deterministic, so SQLite cannot index the expression itself.
_EFFECTIVE = ("COALESCE(taken_at, strftime('%Y-%m-%dT%H:%M:%S', mtime_ns / 1000000000, 'unixepoch', "
              "'localtime'))")


def _v6(db: sqlite3.Connection) -> None:
    """The library browsed by date: each photo's effective date stored (``effective_at``) and indexed with its
    id, so a page of the timeline is an index range (keyset pagination by (date, id)) and 100k photos never
    sort. Triggers keep it exact whatever code path writes a photo; existing rows are filled here."""
    statements = (
        "ALTER TABLE photos ADD COLUMN effective_at TEXT",
        f"UPDATE photos SET effective_at = {_EFFECTIVE}",
        # partial: only what the grid shows (failed files have no thumbnail), and smaller
        """CREATE INDEX photos_timeline ON photos(effective_at, id)
           WHERE status IN ('indexed', 'offline')""",
        f"""CREATE TRIGGER photos_date_inserted AFTER INSERT ON photos
            BEGIN
                UPDATE photos SET effective_at = {_EFFECTIVE} WHERE id = NEW.id;
            END""",
        f"""CREATE TRIGGER photos_date_changed AFTER UPDATE OF taken_at, mtime_ns ON photos
            BEGIN
                UPDATE photos SET effective_at = {_EFFECTIVE} WHERE id = NEW.id;
            END""",
    )
    for statement in statements:
        db.execute(statement)


def _v7(db: sqlite3.Connection) -> None:
    """Status without a pass over the photos: counts per folder and status, and the failed files, read from a
    small covering index (at a million photos the GROUP BYs over the table took over a second). It replaces
    the folder index (same leading column, so the same plans); status is not its first column, so queries for
    shown photos keep the timeline index and its order."""
    db.execute("CREATE INDEX photos_folder_status ON photos(folder_id, status)")
    db.execute("DROP INDEX photos_folder")


#: photos that should have a vector (the shown ones): what ``vector_counts`` counts when their content has one
_SHOWN = "('indexed', 'offline')"


def _v8(db: sqlite3.Connection) -> None:
    """Status in constant time: photos per folder and status (``photo_counts``) and, per model, the shown
    photos whose content has a vector and the model's vectors (``vector_counts``), kept by triggers in the
    transaction that changes a photo or a vector, so they are exact after any write or kill. At a million
    photos counting them took ~1.5 s per status (a GROUP BY over the photos and an EXISTS per photo) and
    ~0.1-0.3 s per vector count, asked several times by a cold search. Filled here from the tables."""
    statements = (
        """CREATE TABLE photo_counts (
               folder_id INTEGER NOT NULL,
               status TEXT NOT NULL,
               photos INTEGER NOT NULL,
               PRIMARY KEY (folder_id, status)
           ) WITHOUT ROWID""",
        """CREATE TABLE vector_counts (
               model_id TEXT PRIMARY KEY,
               photos INTEGER NOT NULL,               -- shown photos whose content has this model's vector
               vectors INTEGER NOT NULL DEFAULT 0     -- the model's rows in embeddings
           ) WITHOUT ROWID""",
        """INSERT INTO photo_counts(folder_id, status, photos)
           SELECT folder_id, status, COUNT(*) FROM photos GROUP BY folder_id, status""",
        f"""INSERT INTO vector_counts(model_id, photos, vectors)
            SELECT m.model_id, (SELECT COUNT(*) FROM photos p WHERE p.status IN {_SHOWN} AND EXISTS
                                (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash
                                 AND e.model_id = m.model_id)), m.n
            FROM (SELECT model_id, COUNT(*) AS n FROM embeddings GROUP BY model_id) m""",
        # photos per folder and status
        """CREATE TRIGGER photo_counts_insert AFTER INSERT ON photos
           BEGIN
               INSERT OR IGNORE INTO photo_counts(folder_id, status, photos) VALUES (NEW.folder_id, NEW.status, 0);
               UPDATE photo_counts SET photos = photos + 1 WHERE folder_id = NEW.folder_id AND status = NEW.status;
           END""",
        """CREATE TRIGGER photo_counts_delete AFTER DELETE ON photos
           BEGIN
               UPDATE photo_counts SET photos = photos - 1 WHERE folder_id = OLD.folder_id AND status = OLD.status;
           END""",
        """CREATE TRIGGER photo_counts_update AFTER UPDATE OF folder_id, status ON photos
           WHEN OLD.folder_id IS NOT NEW.folder_id OR OLD.status IS NOT NEW.status
           BEGIN
               UPDATE photo_counts SET photos = photos - 1 WHERE folder_id = OLD.folder_id AND status = OLD.status;
               INSERT OR IGNORE INTO photo_counts(folder_id, status, photos) VALUES (NEW.folder_id, NEW.status, 0);
               UPDATE photo_counts SET photos = photos + 1 WHERE folder_id = NEW.folder_id AND status = NEW.status;
           END""",
        # shown photos with a vector, per model: a photo joins the count of every model its content has a
        # vector of, a vector brings the shown photos of its content
        f"""CREATE TRIGGER vector_counts_photo_insert AFTER INSERT ON photos
            WHEN NEW.status IN {_SHOWN} AND NEW.content_hash IS NOT NULL
            BEGIN
                UPDATE vector_counts SET photos = photos + 1
                WHERE model_id IN (SELECT model_id FROM embeddings WHERE content_hash = NEW.content_hash);
            END""",
        f"""CREATE TRIGGER vector_counts_photo_delete AFTER DELETE ON photos
            WHEN OLD.status IN {_SHOWN} AND OLD.content_hash IS NOT NULL
            BEGIN
                UPDATE vector_counts SET photos = photos - 1
                WHERE model_id IN (SELECT model_id FROM embeddings WHERE content_hash = OLD.content_hash);
            END""",
        f"""CREATE TRIGGER vector_counts_photo_update AFTER UPDATE OF status, content_hash ON photos
            WHEN OLD.content_hash IS NOT NEW.content_hash OR (OLD.status IN {_SHOWN}) != (NEW.status IN {_SHOWN})
            BEGIN
                UPDATE vector_counts SET photos = photos - 1 WHERE OLD.status IN {_SHOWN}
                  AND model_id IN (SELECT model_id FROM embeddings WHERE content_hash = OLD.content_hash);
                UPDATE vector_counts SET photos = photos + 1 WHERE NEW.status IN {_SHOWN}
                  AND model_id IN (SELECT model_id FROM embeddings WHERE content_hash = NEW.content_hash);
            END""",
        f"""CREATE TRIGGER vector_counts_vector_insert AFTER INSERT ON embeddings
            BEGIN
                INSERT OR IGNORE INTO vector_counts(model_id, photos) VALUES (NEW.model_id, 0);
                UPDATE vector_counts SET vectors = vectors + 1, photos = photos + (SELECT COUNT(*) FROM photos
                    WHERE content_hash = NEW.content_hash AND status IN {_SHOWN}) WHERE model_id = NEW.model_id;
            END""",
        f"""CREATE TRIGGER vector_counts_vector_delete AFTER DELETE ON embeddings
            BEGIN
                UPDATE vector_counts SET vectors = vectors - 1, photos = photos - (SELECT COUNT(*) FROM photos
                    WHERE content_hash = OLD.content_hash AND status IN {_SHOWN}) WHERE model_id = OLD.model_id;
            END""",
        f"""CREATE TRIGGER vector_counts_vector_update AFTER UPDATE OF content_hash, model_id ON embeddings
            BEGIN
                UPDATE vector_counts SET vectors = vectors - 1, photos = photos - (SELECT COUNT(*) FROM photos
                    WHERE content_hash = OLD.content_hash AND status IN {_SHOWN}) WHERE model_id = OLD.model_id;
                INSERT OR IGNORE INTO vector_counts(model_id, photos) VALUES (NEW.model_id, 0);
                UPDATE vector_counts SET vectors = vectors + 1, photos = photos + (SELECT COUNT(*) FROM photos
                    WHERE content_hash = NEW.content_hash AND status IN {_SHOWN}) WHERE model_id = NEW.model_id;
            END""",
    )
    for statement in statements:
        db.execute(statement)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
SCHEMA_VERSION = len(MIGRATIONS)
