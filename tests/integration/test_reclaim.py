"""Reclaiming space: orphan vectors after a grace period, old models' data, the HNSW index kept consistent.

Real SQLite catalog, real hnswlib index, real files; the colour embedder stands in for CLIP.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from photoclip.core.errors import LibraryBusyError
from photoclip.core.events import ReclaimProgress
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.model_files import model_stem
from photoclip.core.reclaim import DAY, GRACE_DAYS
from photoclip.core.store import catalog as catalog_module
from tests.support.color_embedder import ColorEmbedder, WideColorEmbedder
from tests.support.library_fixtures import make_settings, open_library, small_page_catalog, write_photo

REPO = Path(__file__).resolve().parents[2]
LATER = GRACE_DAYS + 1  # days after a delete: past the grace period


class OtherModel(ColorEmbedder):
    """Another model (other weights, another id) with the same colour space, so results stay checkable."""

    model_id = "test/colors@v2"


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    for colour in ("red", "green", "blue", "yellow", "white", "black"):
        write_photo(root / f"{colour}.png", colour)
    return root


@pytest.fixture
def library(library, photos):
    """The shared library (tests/conftest.py) with this module's ``photos`` indexed."""
    library.index_folders([photos])
    return library


def vectors(lib, model_id: str = ColorEmbedder.model_id) -> int:
    return lib._catalog.embedding_stats(model_id)[0]


def sidecar(lib, model_id: str = ColorEmbedder.model_id) -> dict:
    return json.loads((lib.settings.index_dir / f"{model_stem(model_id)}.json").read_text())


def in_days(days: float) -> float:
    return time.time() + days * DAY


def test_a_deleted_photos_vector_is_kept_within_the_grace_period_and_reclaimed_after(library, photos):
    (photos / "red.png").unlink()
    assert library.index_folders().removed == 1
    assert vectors(library) == 6  # kept: the file may come back

    report = library.reclaimable()
    assert (report.orphans, report.due_orphans) == (1, 0)
    assert library.reclaim().orphans_removed == 0
    assert vectors(library) == 6

    later = library.reclaimable(now=in_days(LATER))
    assert later.due_orphans == 1 and later.due_orphan_bytes == library._catalog.vector_size(ColorEmbedder.model_id)
    assert later.due_orphan_bytes > ColorEmbedder.dim * 4  # the row, not only its vector
    result = library.reclaim(now=in_days(LATER))
    assert result.orphans_removed == 1 and result.indexes == {ColorEmbedder.model_id: "updated"}
    assert vectors(library) == 5
    assert library.reclaimable(now=in_days(LATER)).orphans == 0
    assert [h.path for h in library.search("red", limit=10) if h.path.endswith("red.png")] == []


def test_older_than_zero_reclaims_at_once_and_copies_keep_their_shared_vector(library, photos):
    shutil.copy(photos / "green.png", photos / "green copy.png")
    library.index_folders()
    (photos / "green.png").unlink()  # the copy still holds the content
    (photos / "blue.png").unlink()
    library.index_folders()
    result = library.reclaim(older_than_days=0)
    assert result.orphans_removed == 1
    assert library.search("green", limit=1)[0].path.endswith("green copy.png")


def test_an_edited_photo_releases_its_old_content(library, photos):
    write_photo(photos / "red.png", "red", second="blue", share=0.5)  # same path, new content
    summary = library.index_folders()
    assert summary.updated == 1 and summary.embedded == 1
    assert library.reclaimable(older_than_days=0).due_orphans == 1
    assert library.reclaim(older_than_days=0).orphans_removed == 1
    assert library.search("red", limit=1)[0].path.endswith("red.png")


def test_a_file_restored_within_the_grace_period_reuses_its_vector(library, photos, embedder, tmp_path):
    shutil.move(photos / "blue.png", tmp_path / "blue.png")
    library.index_folders()
    assert library.reclaim().orphans_removed == 0  # within the grace period
    shutil.move(tmp_path / "blue.png", photos / "blue.png")
    embedded_before = embedder.images_embedded
    assert library.index_folders().embedded == 0
    assert embedder.images_embedded == embedded_before
    # claimed again: no longer an orphan, even long after
    assert library.reclaimable(now=in_days(LATER)).orphans == 0


def test_an_offline_folders_vectors_are_never_touched(library, photos, tmp_path):
    photos.rename(tmp_path / "unplugged")
    assert library.index_folders().offline_folders == [str(photos)]
    report = library.reclaimable(older_than_days=0)
    assert report.orphans == 0
    assert library.reclaim(older_than_days=0, now=in_days(365)).orphans_removed == 0
    assert vectors(library) == 6
    assert library.search("blue", limit=1)[0].path == str(photos / "blue.png")


def test_a_removed_folder_is_reclaimed_after_the_grace_period(library, photos, tmp_path):
    library.remove_folder(photos)
    assert library.reclaimable().due_orphans == 0
    result = library.reclaim(now=in_days(LATER))
    assert result.orphans_removed == 6 and vectors(library) == 0
    assert result.indexes == {ColorEmbedder.model_id: "compacted"}


def test_search_stays_exact_and_the_index_is_loaded_not_rebuilt_after_a_cleanup(tmp_path, photos):
    lib = open_library(tmp_path)
    lib.index_folders([photos])
    (photos / "red.png").unlink()  # 1 of 6: marked deleted (a quarter or more would compact)
    lib.index_folders()
    assert lib.reclaim(older_than_days=0).indexes == {ColorEmbedder.model_id: "updated"}
    expected = [(h.path, round(h.score, 5)) for h in lib.search("blue", limit=10)]
    lib.close()
    meta = sidecar(lib)
    assert meta["count"] == 5 and meta["deleted"] == 1  # marked deleted, saved atomically with the file

    again = open_library(tmp_path)
    index = VectorIndex(again.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
    assert index.sync(again._catalog) == "loaded" and len(index) == 5
    assert [(h.path, round(h.score, 5)) for h in again.search("blue", limit=10)] == expected
    assert len(expected) == 5
    again.close()


CLEANUP_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.support.library_fixtures import open_library

    with open_library(Path(sys.argv[1])) as lib:
        print(lib.reclaim(older_than_days=0).orphans_removed)
    """
)


def test_a_cleanup_in_another_process_while_the_app_is_open(tmp_path, photos):
    """The app keeps its index in memory; a `photoclip cleanup` elsewhere must not leave that copy holding
    removed vectors, nor let the app's next save write them back (which cost a full rebuild on the next open)."""
    app = open_library(tmp_path)
    app.index_folders([photos])
    assert len(app.search("red", limit=10)) == 6  # the index is loaded in the app
    (photos / "red.png").unlink()
    (photos / "green.png").unlink()
    app.index_folders()  # the app sees the deletes; the vectors wait out their grace period
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run([sys.executable, "-c", CLEANUP_CHILD, str(tmp_path)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120, check=True)
    assert child.stdout.split() == ["2"]

    hits = app.search("red", limit=10)
    assert sorted(Path(h.path).name for h in hits) == ["black.png", "blue.png", "white.png", "yellow.png"]
    assert len(app.index) == 4  # the app's copy followed the cleanup (it had 6)
    write_photo(photos / "orange.png", "orange")
    app.index_folders()  # adds one and saves the app's copy over the cleanup's file
    app.close()
    assert sidecar(app)["count"] == 5 == vectors(app)  # the saved file matches the catalog as it is

    again = open_library(tmp_path)
    index = VectorIndex(again.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
    assert index.sync(again._catalog) == "loaded" and len(index) == 5
    again.close()


def test_a_crash_between_the_catalog_delete_and_the_index_save_is_repaired_on_open(tmp_path, photos):
    lib = open_library(tmp_path)
    lib.index_folders([photos])
    (photos / "red.png").unlink()
    lib.index_folders()
    lib.close()
    # The crash point, with real files: the catalog rows are deleted (committed), the index file is the
    # one saved before, and the process dies before the index is touched.
    lib = open_library(tmp_path)
    removed = lib._catalog.delete_orphans(time.time(), 100, [ColorEmbedder.model_id])
    assert sum(len(ids) for ids in removed.values()) == 1
    lib._catalog.db.close()

    again = open_library(tmp_path)
    index = VectorIndex(again.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
    assert index.sync(again._catalog) == "loaded" and len(index) == 5  # repaired in place, not rebuilt
    hits = again.search("red", limit=10)
    assert len(hits) == 5 and not any(h.path.endswith("red.png") for h in hits)
    again.close()


KILLED_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from photoclip.core.index.hnsw import VectorIndex
    from tests.support.library_fixtures import open_library

    def die(self):  # the moment after the catalog delete, before the index file is written
        os.kill(os.getpid(), signal.SIGKILL)

    VectorIndex.save = die
    lib = open_library(Path(sys.argv[1]))
    lib.reclaim(older_than_days=0)
    """
)


def test_a_real_sigkill_mid_cleanup_leaves_a_catalog_and_index_the_next_open_repairs(tmp_path, photos):
    lib = open_library(tmp_path)
    lib.index_folders([photos])
    for colour in ("red", "green", "blue"):
        (photos / f"{colour}.png").unlink()
    lib.index_folders()
    lib.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run([sys.executable, "-c", KILLED_CHILD, str(tmp_path)], cwd=REPO, env=env, timeout=120)
    assert child.returncode == -9
    again = open_library(tmp_path)
    assert vectors(again) == 3  # the catalog delete was committed
    hits = again.search("white", limit=10)
    assert sorted(Path(h.path).name for h in hits) == ["black.png", "white.png", "yellow.png"]
    assert len(again.index) == 3
    again.close()


def test_old_model_data_is_listed_and_removed_on_request_and_the_model_in_use_is_untouched(tmp_path, photos):
    old = open_library(tmp_path)
    old.index_folders([photos])
    old._catalog.db.conn.execute(
        "INSERT INTO text_vectors(model_id, text, vector) VALUES (?, 'a photo of red', zeroblob(36))",
        (ColorEmbedder.model_id,),
    )
    old._catalog.set_meta(f"quality_guard:{ColorEmbedder.model_id}:openvino-int8", "{}")
    old.close()
    cache = make_settings(tmp_path).cache_dir
    ov = cache / "openvino" / "test_colors@v1" / "int8"
    ov.mkdir(parents=True)
    (ov / "image.bin").write_bytes(b"\0" * 50_000)
    (cache / "vectors").mkdir(parents=True)
    (cache / "vectors" / f"{model_stem(ColorEmbedder.model_id)}.npz").write_bytes(b"\0" * 1000)

    lib = open_library(tmp_path, OtherModel())  # the user switched models
    lib.index_folders()
    expected = [(h.path, round(h.score, 5)) for h in lib.search("yellow", limit=10)]
    report = lib.reclaimable()
    assert report.models_in_use == [OtherModel.model_id]
    [stale] = report.old_models
    assert (stale.model_id, stale.vectors, stale.text_vectors) == (ColorEmbedder.model_id, 6, 1)
    assert stale.file_bytes > 50_000 and len(stale.files) == 5  # .hnsw, .json, .lock, .npz, openvino folder

    assert lib.reclaim().models_removed == []  # not without asking
    events = []
    lib.events.subscribe(events.append)
    result = lib.reclaim(old_models=True)
    assert result.models_removed == [ColorEmbedder.model_id] and result.model_vectors_removed == 6
    assert result.file_bytes_freed == stale.file_bytes
    assert {e.stage for e in events if isinstance(e, ReclaimProgress)} >= {"orphans", "old models", "vacuum"}
    assert not any(p.exists() for p in stale.files)
    assert vectors(lib, ColorEmbedder.model_id) == 0 and vectors(lib, OtherModel.model_id) == 6
    assert lib._catalog.meta_with_prefix(f"quality_guard:{ColorEmbedder.model_id}") == {}
    assert lib.reclaimable().old_models == []
    assert [(h.path, round(h.score, 5)) for h in lib.search("yellow", limit=10)] == expected
    assert (lib.settings.index_dir / f"{model_stem(OtherModel.model_id)}.hnsw").exists()
    lib.close()


def test_vacuum_shrinks_the_catalog_file_and_reports_measured_bytes(tmp_path):
    photos = tmp_path / "Many"
    for i in range(400):
        write_photo(photos / f"{i:03}.png", "red", second="blue", share=i / 400, size=(400, 4))

    class Wide(ColorEmbedder):  # CLIP-sized vectors, so there is something to free
        model_id, dim = "test/wide@v1", 512

        def embed_prepared(self, batch):
            narrow = super().embed_prepared(batch)
            out = __import__("numpy").zeros((len(batch), 512), "float32")
            out[:, : narrow.shape[1]] = narrow
            return out

        def embed_texts(self, texts):
            narrow = super().embed_texts(texts)
            out = __import__("numpy").zeros((len(texts), 512), "float32")
            out[:, : narrow.shape[1]] = narrow
            return out

    lib = open_library(tmp_path, Wide())
    lib.index_folders([photos])
    stored = vectors(lib, Wide.model_id)
    assert stored > 300
    lib.remove_folder(photos)
    before = lib.settings.catalog_path.stat().st_size
    result = lib.reclaim(older_than_days=0)
    assert result.orphans_removed == stored
    assert result.catalog_bytes_before - result.catalog_bytes_after > stored * 2048 * 0.8
    assert lib.settings.catalog_path.stat().st_size < before
    assert result.bytes_freed == result.catalog_bytes_before - result.catalog_bytes_after
    lib.close()


def test_reclaiming_is_refused_while_an_index_job_runs_in_this_process(library):
    with library._jobs.indexing(), pytest.raises(LibraryBusyError) as err:
        library.reclaim(older_than_days=0)
    assert "indexed" in err.value.user_message
    assert library.reclaim(older_than_days=0).orphans_removed == 0  # free again


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from photoclip.core.job_lock import JobLock

    with JobLock(Path(sys.argv[1])).indexing():
        print("holding", flush=True)
        time.sleep(60)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="flock: POSIX only (Windows sees this process's jobs)")
def test_reclaiming_is_refused_while_another_process_indexes(library):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(library._jobs.path)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(LibraryBusyError):
            library.reclaim(older_than_days=0)
    finally:
        holder.kill()
        holder.wait()
    assert library.reclaim(older_than_days=0).orphans_removed == 0


def test_a_reused_vector_reclaimed_mid_run_leaves_the_photo_for_the_next_run_not_indexed_without_one(
        library, photos, tmp_path):
    from photoclip.core.records import PhotoRecord

    row = library.photo_at(photos / "red.png")
    library._catalog.delete_photos([row.id])
    library._catalog.delete_orphans(time.time() + 1, 100, [ColorEmbedder.model_id])
    # an index run that saw the hash as known before the delete commits the reuse afterwards
    record = PhotoRecord(row.folder_id, row.path, row.size, row.mtime_ns, row.content_hash, "indexed")
    library._catalog.commit_batch(ColorEmbedder.model_id, [record])
    assert library.photo_at(row.path) is None
    assert library.index_folders().embedded == 1  # the next run embeds it again


def test_migrating_a_v3_catalog_starts_the_grace_period_of_existing_orphans(tmp_path):
    from photoclip.core.store.db import Database
    from photoclip.core.store.schema import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:3]):
        migration(db)
        db.execute(f"PRAGMA user_version = {number + 1}")
    db.execute("INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES ('gone', 'm', x'00', 0)")
    db.close()
    migrated = Database(path)
    (hash_, when), = migrated.conn.execute("SELECT content_hash, orphaned_at FROM orphaned_hashes").fetchall()
    assert hash_ == "gone" and abs(when - time.time()) < 60
    migrated.close()


def test_new_catalogs_have_large_pages_and_a_cleanup_rewrites_old_ones(tmp_path, photos, monkeypatch):
    assert open_library(tmp_path / "new")._catalog.page_size() == 16384
    small_page_catalog(tmp_path)
    lib = open_library(tmp_path, WideColorEmbedder())
    lib.index_folders([photos])
    assert lib._catalog.page_size() == 4096
    assert lib.reclaimable().repack_bytes == 0  # 6 photos: larger pages would grow the file, not shrink it
    monkeypatch.setattr(catalog_module, "REPACK_MIN_BYTES", 0)  # as if it held thousands
    expected = [(h.path, round(h.score, 5)) for h in lib.search("blue", limit=10)]
    report = lib.reclaimable()
    assert report.due_orphans == 0 and report.repack_bytes > 0  # the one thing to reclaim

    result = lib.reclaim()
    assert result.repacked and lib._catalog.page_size() == 16384
    assert lib.reclaimable().repack_bytes == 0
    assert [(h.path, round(h.score, 5)) for h in lib.search("blue", limit=10)] == expected
    lib.close()
    again = open_library(tmp_path, WideColorEmbedder())
    assert again._catalog.page_size() == 16384
    assert again._catalog.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again._catalog.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(again.search("red", limit=10)) == 6
    again.close()


def test_a_catalog_open_elsewhere_is_vacuumed_without_changing_its_pages(tmp_path, photos, monkeypatch):
    monkeypatch.setattr(catalog_module, "REPACK_MIN_BYTES", 0)
    small_page_catalog(tmp_path)
    lib = open_library(tmp_path, WideColorEmbedder())
    lib.index_folders([photos])
    (photos / "red.png").unlink()
    lib.index_folders()
    other = sqlite3.connect(lib.settings.catalog_path)  # the app, open in another process
    other.execute("SELECT COUNT(*) FROM photos").fetchone()
    result = lib.reclaim(older_than_days=0)
    assert result.orphans_removed == 1 and not result.repacked  # the rest was reclaimed as usual
    assert result.repack_pending  # and the CLI says to run it again with the app closed
    assert lib._catalog.page_size() == 4096
    assert lib._catalog.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 5
    other.close()
    lib.close()
