"""The HNSW file is a cache: missing, stale or corrupt, it is rebuilt from the catalog and answers the same."""

from __future__ import annotations

import io
import json
import sqlite3

import numpy as np
import pytest
from PIL import Image

from photoclip.core.errors import CatalogTooNewError
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.store.schema import SCHEMA_VERSION
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, open_library, write_photo
from tests.support.watching import photo_bytes

COLOURS = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]


@pytest.fixture
def indexed(tmp_path):
    root = tmp_path / "Pictures"
    for i, colour in enumerate(COLOURS * 3):
        write_photo(root / f"{i:02}-{colour}.png", colour, second=COLOURS[(i + 3) % 8], share=i / 50)
    with open_library(tmp_path) as lib:
        lib.index_folders([root])
        expected = [h.path for h in lib.search("green", limit=5)]
        index_file = lib.index.path
    return tmp_path, expected, index_file


def reopen_and_search(tmp_path):
    with open_library(tmp_path) as lib:
        hits = [h.path for h in lib.search("green", limit=5)]
        return hits, lib.index.path


def test_index_file_reloads(indexed):
    tmp_path, expected, index_file = indexed
    assert index_file.exists()
    assert reopen_and_search(tmp_path)[0] == expected


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage", "sidecar"])
def test_damaged_index_is_rebuilt(indexed, damage):
    tmp_path, expected, index_file = indexed
    if damage == "delete":
        index_file.unlink()
    elif damage == "truncate":
        index_file.write_bytes(index_file.read_bytes()[:100])
    elif damage == "garbage":
        index_file.write_bytes(b"\x00garbage" * 50)
    else:
        index_file.with_suffix(".json").write_text("{not json")
    assert reopen_and_search(tmp_path)[0] == expected


def test_index_behind_the_catalog_catches_up(indexed):
    """As after a kill between a batch commit and the index save."""
    tmp_path, _, index_file = indexed
    saved = index_file.read_bytes(), index_file.with_suffix(".json").read_text()
    root = tmp_path / "Pictures"
    write_photo(root / "new-green.png", "green")
    with open_library(tmp_path) as lib:
        lib.index_folders([root])
    index_file.write_bytes(saved[0])
    index_file.with_suffix(".json").write_text(saved[1])
    with open_library(tmp_path) as lib:
        assert len(lib.index) == 25
        assert str(root / "new-green.png") in [h.path for h in lib.search("green", limit=5)]


def test_catalog_records_its_schema_version(tmp_path):
    with open_library(tmp_path):
        pass
    db = sqlite3.connect(make_settings(tmp_path).catalog_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_catalog_from_a_newer_photoclip_is_refused_untouched(tmp_path):
    path = make_settings(tmp_path).catalog_path
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(CatalogTooNewError) as err:
        open_library(tmp_path)
    assert "newer photoclip" in err.value.user_message
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5


def catalog_files(tmp_path):
    path = make_settings(tmp_path).catalog_path
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def photos_of(root, colours):
    for colour in colours:
        write_photo(root / f"{colour}.png", colour)
    return root


def test_an_index_left_from_a_deleted_catalog_is_not_taken_for_the_new_one(tmp_path):
    with open_library(tmp_path) as lib:
        lib.index_folders([photos_of(tmp_path / "Old", ["red", "green", "blue"])])
    for path in catalog_files(tmp_path):  # "start over": the catalog goes, the index folder stays
        path.unlink(missing_ok=True)
    with open_library(tmp_path) as lib:  # the same ids 1-3 now belong to other photos
        lib.index_folders([photos_of(tmp_path / "New", ["yellow", "white", "black"])])
        hits = lib.search("yellow", limit=3)
        assert hits[0].path.endswith("yellow.png") and hits[0].score > 0.99
        assert len(lib.index) == 3


def test_a_restored_older_catalog_rebuilds_the_index(tmp_path):
    photos = photos_of(tmp_path / "Pictures", ["red", "green", "blue"])
    backup = tmp_path / "backup.sqlite3"
    with open_library(tmp_path) as lib:
        lib.index_folders([photos])
        lib._catalog.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with sqlite3.connect(backup) as copy:
            lib._catalog.db.conn.backup(copy)
        photos_of(photos, ["yellow", "white"])
        lib.index_folders()  # ids 4 and 5, in the index file
    for path in catalog_files(tmp_path):
        path.unlink(missing_ok=True)
    backup.rename(catalog_files(tmp_path)[0])  # the user restores the backup: it will issue ids 4 and 5 again
    (photos / "yellow.png").unlink()
    (photos / "white.png").unlink()
    photos_of(photos, ["orange", "purple"])
    with open_library(tmp_path) as lib:
        lib.index_folders()
        assert len(lib.index) == 5
        for colour in ("orange", "purple", "red"):
            assert lib.search(colour, limit=1)[0].path.endswith(f"{colour}.png")
    with open_library(tmp_path) as lib:
        assert len(lib.index) == 5


def write_index_with(index_file, vectors_file_ids, catalog, claimed_count=None):
    """Replace the saved index file with one holding just these vectors, and its sidecar's count with theirs
    (or ``claimed_count``): what a process that missed another's batches used to save."""
    import hnswlib

    ids, vectors = catalog.embeddings_by_id(ColorEmbedder.model_id, vectors_file_ids)
    index = hnswlib.Index(space="ip", dim=ColorEmbedder.dim)
    index.init_index(max_elements=max(len(ids), 16), M=16, ef_construction=200)
    index.add_items(vectors, ids)
    index.save_index(str(index_file))
    sidecar = index_file.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "count": len(ids) if claimed_count is None else claimed_count,
                                   "deleted": 0}))


@pytest.mark.parametrize("mismatch", ["fewer", "more"])
def test_an_index_file_that_disagrees_with_the_catalog_is_repaired_on_open(indexed, mismatch):
    """fewer: the file lacks vectors with ids below its max id (two processes each saved their own batches;
    this failed every later search and index with a TypeError). more: it holds vectors the catalog lost."""
    tmp_path, _, index_file = indexed
    root = tmp_path / "Pictures"
    with open_library(tmp_path) as lib:
        every = lib._catalog.embedding_ids(ColorEmbedder.model_id, 10**9).tolist()
        if mismatch == "fewer":
            write_index_with(index_file, [*every[::3], every[-1]], lib._catalog)  # 1, 4, ..., 22 and 24 of 24
            gone = []
        else:  # the catalog lost 6 photos and their vectors after the file was saved
            gone = sorted(root.iterdir())[:6]
            for path in gone:
                digest = lib.photo_at(path).content_hash
                with lib._catalog.transaction() as db:
                    db.execute("DELETE FROM photos WHERE content_hash = ?", (digest,))
                    db.execute("DELETE FROM embeddings WHERE content_hash = ?", (digest,))
        expected = 24 - len(gone)
    with open_library(tmp_path) as lib:
        index = VectorIndex(lib.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
        assert index.sync(lib._catalog) == "loaded" and len(index) == expected  # repaired in place
        found = {h.path for h in lib.search("green", limit=100)}
        assert found == {str(p) for p in root.iterdir()} - {str(p) for p in gone}
    meta = json.loads(index_file.with_suffix(".json").read_text())
    assert meta["count"] == expected  # saved repaired: the next open loads it as it is
    with open_library(tmp_path) as lib:
        index = VectorIndex(lib.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
        assert index.sync(lib._catalog) == "loaded" and len(index) == expected


def test_a_search_for_the_whole_library_returns_all_of_it(tmp_path):
    """hnswlib cannot always return k = every vector (here 1,500 vectors of 9 colours: its graph does not
    reach them all and it raised "Cannot return the results in a contiguous 2D array"); the index then
    answers from an exact scan of the catalog."""
    embedder = ColorEmbedder()
    images = [Image.open(io.BytesIO(photo_bytes(10_000 + i))) for i in range(1500)]
    vectors = embedder.embed_prepared(np.stack([embedder.prepare(image) for image in images]))
    with open_library(tmp_path) as lib:
        with lib._catalog.transaction() as db:
            db.executemany("INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES (?,?,?,0)",
                           [(f"{i:032x}", ColorEmbedder.model_id, v.tobytes()) for i, v in enumerate(vectors)])
        index = VectorIndex(lib.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
        index.sync(lib._catalog)
        query = embedder.embed_texts(["red"])[0]
        ids, scores = index.query(query, 1500)
    exact = vectors @ query
    assert sorted(ids.tolist()) == list(range(1, 1501))
    np.testing.assert_allclose(scores, exact[ids - 1], rtol=1e-5)
    assert np.all(np.diff(scores) <= 1e-6)  # best first
