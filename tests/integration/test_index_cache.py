"""The HNSW file is a cache: missing, stale or corrupt, it is rebuilt from the catalog and answers the same."""

from __future__ import annotations

import sqlite3

import pytest

from photoclip.core.errors import CatalogTooNewError
from photoclip.core.store.schema import SCHEMA_VERSION
from tests.support.library_fixtures import make_settings, open_library, write_photo

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
        lib.catalog.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with sqlite3.connect(backup) as copy:
            lib.catalog.db.conn.backup(copy)
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
