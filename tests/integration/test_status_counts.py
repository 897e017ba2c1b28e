"""The counts status reads (photos per folder and status, photos with a vector per model) are kept by the
catalog's triggers instead of counted per status call: they must equal a full count after every kind of write
(adds, copies, edits, removals, failures, offline folders, a second model's vectors, reclaiming, a folder
removed), after a writer killed inside its transaction, and after the migration from a catalog without them."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from photoclip.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, open_library, write_photo

MODEL = ColorEmbedder.model_id


def full_counts(conn: sqlite3.Connection) -> tuple[dict, dict]:
    """(photos per folder and status, shown photos with a vector per model), counted row by row."""
    per_folder: dict[int, dict[str, int]] = {}
    for folder_id, status, n in conn.execute(
            "SELECT folder_id, status, COUNT(*) FROM photos NOT INDEXED GROUP BY folder_id, status"):
        per_folder.setdefault(folder_id, {})[status] = n
    vectors = dict(conn.execute(
        """SELECT m.model_id, (SELECT COUNT(*) FROM photos p NOT INDEXED WHERE p.status IN ('indexed', 'offline')
                               AND EXISTS (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash
                                           AND e.model_id = m.model_id))
           FROM (SELECT DISTINCT model_id FROM embeddings) m"""))
    return per_folder, vectors


def assert_counts_exact(library) -> None:
    catalog = library._catalog
    per_folder, vectors = full_counts(catalog.db.conn)
    assert catalog.folder_counts() == per_folder
    totals: dict[str, int] = {}
    for counts in per_folder.values():
        for status, n in counts.items():
            totals[status] = totals.get(status, 0) + n
    assert catalog.status_counts() == totals
    shown = totals.get("indexed", 0) + totals.get("offline", 0)
    for model_id in {*vectors, MODEL, "other-model"}:
        assert catalog.vector_coverage(model_id) == (vectors.get(model_id, 0), shown)
        rows = catalog.db.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM embeddings NOT INDEXED "
                                       "WHERE model_id = ?", (model_id,)).fetchone()
        assert catalog.embedding_stats(model_id) == tuple(rows)
        assert catalog.embedding_stats(model_id, up_to_id=rows[1] + 5) == tuple(rows)
        if rows[1]:
            below = catalog.db.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM embeddings NOT INDEXED "
                                            "WHERE model_id = ? AND id <= ?", (model_id, rows[1] - 1)).fetchone()
            assert catalog.embedding_stats(model_id, up_to_id=rows[1] - 1) == tuple(below)
    per_model = dict(catalog.db.conn.execute("SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id"))
    assert {m: u.vectors for m, u in catalog.model_usage().items() if u.vectors} == per_model
    status = library.status()
    assert status.counts == totals and status.folder_counts == per_folder
    assert status.embedded == vectors.get(MODEL, 0)


def make_library(tmp_path: Path):
    photos = tmp_path / "Pictures"
    for i, colour in enumerate(("red", "green", "blue", "yellow", "purple", "orange")):
        write_photo(photos / f"sub{i % 2}" / f"p{i}.jpg", colour, size=(320 + i, 240))
    library = open_library(tmp_path)
    library.index_folders([photos])
    return library, photos


def test_counts_stay_exact_through_adds_copies_edits_removals_and_failures(tmp_path):
    library, photos = make_library(tmp_path)
    with library:
        assert_counts_exact(library)
        assert library.status().embedded == 6
        shutil.copy(photos / "sub0" / "p0.jpg", photos / "sub1" / "copy.jpg")  # a copy: one vector, two photos
        write_photo(photos / "sub0" / "p2.jpg", "purple", size=(300, 200))  # edited: now another photo's content
        (photos / "sub1" / "p1.jpg").unlink()
        (photos / "broken.jpg").write_bytes(b"not a photo")
        library.index_folders([photos])
        assert_counts_exact(library)
        assert library.status().embedded == 6 and library.status().counts["failed"] == 1
        write_photo(photos / "broken.jpg", "green")  # the failed file fixed
        library.index_folders([photos])
        assert_counts_exact(library)
        assert library.status().counts == {"indexed": 7}

        other = tmp_path / "More"
        write_photo(other / "m.jpg", "red")
        library.index_folders([other])
        folder = library._catalog.folder_by_path(other)
        library._catalog.set_photos_status(folder.id, "offline")  # an unplugged drive: still shown
        assert_counts_exact(library)
        library._catalog.set_photos_status(folder.id, "indexed")
        library.remove_folder(other)
        assert_counts_exact(library)


def test_counts_follow_a_second_models_vectors_and_reclaiming(tmp_path):
    from photoclip.core.records import PhotoRecord

    library, photos = make_library(tmp_path)
    with library:
        catalog = library._catalog
        rows = sorted(catalog.photos_in_folder(catalog.folders()[0].id).values(), key=lambda r: r.path)
        half = [PhotoRecord(r.folder_id, r.path, r.size, r.mtime_ns, r.content_hash, "indexed", r.width, r.height,
                            r.taken_at, r.camera, vector=[1.0, 0.0, 0.0]) for r in rows[:3]]
        catalog.commit_batch("other-model", half)
        assert catalog.vector_coverage("other-model") == (3, 6)
        assert_counts_exact(library)
        (photos / "sub0" / "p0.jpg").unlink()
        library.index_folders([photos])
        assert_counts_exact(library)
        library.reclaim(older_than_days=0, now=time.time() + 10, old_models=True)
        assert_counts_exact(library)
        catalog.delete_model_data("other-model")
        assert catalog.vector_coverage("other-model") == (0, 5)
        assert_counts_exact(library)


KILLED_WRITER = """
import os, sys
from pathlib import Path
from photoclip.core.store.catalog import Catalog
from photoclip.core.store.db import Database
catalog = Catalog(Database(Path(sys.argv[1])))
with catalog.transaction() as db:
    db.execute("DELETE FROM photos WHERE id = (SELECT MIN(id) FROM photos)")
    db.execute("UPDATE photos SET status = 'failed' WHERE id = (SELECT MAX(id) FROM photos)")
    db.execute("DELETE FROM embeddings WHERE id = (SELECT MAX(id) FROM embeddings)")
    os._exit(9)  # killed inside the transaction
"""


def test_a_writer_killed_inside_its_transaction_leaves_the_counts_exact(tmp_path):
    library, _ = make_library(tmp_path)
    path = library._catalog.db.path
    with library:
        before = (library._catalog.folder_counts(), library._catalog.vector_coverage(MODEL))
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=Path(__file__).parents[2])
    assert done.returncode == 9
    with open_library(tmp_path) as library:
        assert (library._catalog.folder_counts(), library._catalog.vector_coverage(MODEL)) == before
        assert_counts_exact(library)


def test_the_migration_fills_the_counts_from_the_tables(tmp_path):
    library, _ = make_library(tmp_path)
    library.close()
    path = make_settings(tmp_path).catalog_path
    db = sqlite3.connect(path)
    for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                 "(name LIKE 'photo_counts_%' OR name LIKE 'vector_counts_%')").fetchall():
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE photo_counts")
    db.execute("DROP TABLE vector_counts")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.execute("DELETE FROM photos WHERE id = (SELECT MIN(id) FROM photos)")  # written by the older version
    db.execute("UPDATE photos SET status = 'failed' WHERE id = (SELECT MAX(id) FROM photos)")
    db.commit()
    db.close()
    assert len(MIGRATIONS) == SCHEMA_VERSION
    with open_library(tmp_path) as library:
        assert_counts_exact(library)
        assert library.status().counts == {"indexed": 4, "failed": 1} and library.status().embedded == 4
