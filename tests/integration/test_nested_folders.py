"""Library folders never nest: a sub-folder added is part of its root, a parent added takes its roots in, a
catalog with nested roots from an older photoclip is repaired on open, and the sub-folder tree's counts come
from SQL and stay the same across a reopen. Real SQLite, real files."""

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

from photoclip.core.library import Library
from photoclip.core.scan.watcher import Watcher, WatchOptions
from photoclip.core.search import Filters
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, open_library, write_photo
from tests.support.watching import wait_for

REPO = Path(__file__).resolve().parents[2]


def _tree(photos: Path) -> Path:
    """photos/ holds 1 photo, Trip/ 2 (+1 in Trip/Day 2), Cats/ 1 and a broken file."""
    write_photo(photos / "top.jpg", "red")
    write_photo(photos / "Trip" / "beach.jpg", "blue")
    write_photo(photos / "Trip" / "sea.png", "green")
    write_photo(photos / "Trip" / "Day 2" / "sunset.jpg", "orange")
    write_photo(photos / "Cats" / "cat.jpg", "black")
    (photos / "Cats" / "broken.jpg").write_bytes(b"not a jpeg")
    return photos


def _folder_ids(library: Library) -> dict[str, int]:
    rows = library._catalog.db.conn.execute("SELECT path, folder_id FROM photos").fetchall()
    return {Path(r[0]).name: r[1] for r in rows}


def _counts(library: Library, path: Path) -> list[tuple[str, int, int, bool]]:
    return [(Path(f.path).name, f.photos, f.failed, f.has_subfolders) for f in library.subfolders(str(path))]


def test_adding_a_sub_folder_of_a_root_adds_no_root_and_embeds_nothing(tmp_path):
    photos = _tree(tmp_path / "Photos")
    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as library:
        library.index_folders([photos])
        embedded = embedder.images_embedded
        placement = library.place_folder(photos / "Trip")
        assert (placement.outcome, placement.root.path) == ("inside", str(photos))
        write_photo(photos / "Trip" / "new.jpg", "yellow")  # what the user dropped the folder for
        summary = library.index_folders([photos / "Trip"])

        assert [f.path for f in library.folders()] == [str(photos)]
        assert embedder.images_embedded == embedded + 1  # just the new photo
        assert (summary.added, summary.removed) == (1, 0)  # the rest of the root is not touched
        root = library.folders()[0].id
        assert set(_folder_ids(library).values()) == {root}
        assert library.status().folder_counts[root]["indexed"] == 6


def test_adding_a_parent_folds_the_roots_inside_it_keeping_tags_albums_and_vectors(tmp_path):
    photos = _tree(tmp_path / "Photos")
    trip, cats = photos / "Trip", photos / "Cats"
    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as library:
        library.index_folders([trip, cats])
        beach = library.photo_at(trip / "beach.jpg")
        library.tags.add_tags([beach.id], ["Holiday"])
        library.albums.create_manual("Best", [beach.id])
        library.set_watch_mode(cats, "poll")  # the user polls the Cats folder
        embedded = embedder.images_embedded

        placement = library.place_folder(photos)
        assert placement.outcome == "added"
        assert placement.folded == (str(cats), str(trip))
        summary = library.index_folders([photos])

        assert [f.path for f in library.folders()] == [str(photos)]
        assert embedder.images_embedded == embedded + 1  # top.jpg only: the folded photos keep their vectors
        assert (summary.added, summary.removed, summary.moved) == (1, 0, 0)
        kept = library.photo_at(trip / "beach.jpg")
        assert kept.id == beach.id and kept.folder_id == placement.root.id
        assert [t.tag for t in library.tags.tags_of(beach.id) if t.state == "accepted"] == ["Holiday"]
        assert library.albums.photo_ids("Best") == {beach.id}
        # polling carries up to the root; the folded roots' own settings are gone
        assert library.watch_mode(str(photos)) == "poll"
        assert library.watch_mode(str(cats)) is None


def test_re_checking_a_sub_folder_keeps_a_photo_moved_out_of_it_with_its_albums(tmp_path):
    """A photo moved from the sub-folder being re-checked to elsewhere in the library is a move (its row,
    albums and tags kept), not a deletion; one deleted from it goes."""
    photos = _tree(tmp_path / "Pictures")
    library = open_library(tmp_path / "lib")
    try:
        library.index_folders([photos])
        beach = library.photo_at(photos / "Trip" / "beach.jpg")
        library.albums.create_manual("Holiday", [beach.id])
        (photos / "Cats" / "beach.jpg").write_bytes((photos / "Trip" / "beach.jpg").read_bytes())
        (photos / "Trip" / "beach.jpg").unlink()
        (photos / "Trip" / "sea.png").unlink()
        summary = library.index_folders([photos / "Trip"])
        assert (summary.moved, summary.removed) == (1, 1)
        moved = library.photo_at(photos / "Cats" / "beach.jpg")
        assert moved is not None and moved.id == beach.id
        assert library.albums.photo_ids("Holiday") == {beach.id}
        assert library.photo_at(photos / "Trip" / "sea.png") is None
    finally:
        library.close()


def test_a_catalog_with_split_roots_is_repaired_on_open(tmp_path):
    """What the old photoclip made of a dropped sub-folder: a second root whose photos' folder flipped
    between the two roots at each scan."""
    photos = _tree(tmp_path / "Photos")
    with open_library(tmp_path) as library:
        library.index_folders([photos])
        root = library.folders()[0].id
    db = sqlite3.connect(make_settings(tmp_path).catalog_path)
    with db:
        sub = db.execute("INSERT INTO folders(path, added_at, state) VALUES (?, ?, 'offline')",
                         (str(photos / "Trip"), time.time())).lastrowid
        db.execute("UPDATE photos SET folder_id = ?, status = 'offline' WHERE path LIKE ?",
                   (sub, f"{photos / 'Trip'}/%"))
        db.execute("INSERT INTO queue(path, folder_id, kind, enqueued_at) VALUES (?, ?, 'upsert', 0)",
                   (str(photos / "Trip" / "beach.jpg"), sub))
    db.close()

    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as library:
        assert [(f.id, f.path) for f in library.folders()] == [(root, str(photos))]
        assert set(_folder_ids(library).values()) == {root}
        assert library._catalog.queue_pending()[0][1] == root
        assert library.status().counts == {"indexed": 5, "failed": 1}  # the root is online: so are its photos
        summary = library.index_folders()
        assert embedder.images_embedded == 0 and summary.removed == 0
        assert _counts(library, photos) == [("Cats", 1, 1, False), ("Trip", 3, 0, True)]


def test_sub_folder_counts_come_from_sql_and_stay_the_same_across_a_reopen(tmp_path):
    photos = _tree(tmp_path / "Photos")
    with open_library(tmp_path) as library:
        library.index_folders([photos])
        library.index_folders([photos / "Trip"])  # the old code made this a root and split the counts
        first = (_counts(library, photos), _counts(library, photos / "Trip"), library.status().folder_counts)
    assert first[0] == [("Cats", 1, 1, False), ("Trip", 3, 0, True)]
    assert first[1] == [("Day 2", 1, 0, False)]
    for _ in range(2):  # a restart, and a full rescan after it
        with open_library(tmp_path) as library:
            library.index_folders()
            again = (_counts(library, photos), _counts(library, photos / "Trip"), library.status().folder_counts)
        assert again == first


def test_sub_folder_counts_keep_names_that_are_not_utf8(tmp_path):
    photos = tmp_path / "Photos"
    odd = photos / Path(bytes.fromhex("4bf66c6e").decode("utf-8", "surrogateescape"))  # "Köln" in Latin-1
    write_photo(odd / "dom.jpg", "red")
    write_photo(photos / "Koln" / "dom.jpg", "blue")
    with open_library(tmp_path) as library:
        library.index_folders([photos])
        found = library.subfolders(str(photos))
        assert sorted(f.path for f in found) == sorted([str(odd), str(photos / "Koln")])
        assert [f.photos for f in found] == [1, 1]
        ids = {p.photo.id for p in library.browse(Filters(folder=str(odd))).photos}
        assert ids == {library.photo_at(odd / "dom.jpg").id}


def test_a_watcher_asked_for_a_sub_folder_watches_its_root_once(tmp_path):
    photos = _tree(tmp_path / "Photos")
    with open_library(tmp_path) as library:
        library.index_folders([photos])
        watcher = Watcher(library, [photos / "Trip"], WatchOptions(settle=0.2, startup_rescan=False))
        with watcher:
            assert wait_for(lambda: watcher.status().state == "watching" and watcher.status().watched
                            + watcher.status().polled == 1)
            write_photo(photos / "Cats" / "kitten.jpg", "white")  # elsewhere in the root: watched too
            assert wait_for(lambda: library.photo_at(photos / "Cats" / "kitten.jpg") is not None)
        assert [f.path for f in library.folders()] == [str(photos)]
        assert watcher.error is None


def test_a_parent_added_while_watching_replaces_the_child_observer(tmp_path):
    photos = _tree(tmp_path / "Photos")
    with open_library(tmp_path) as library:
        library.index_folders([photos / "Trip"])
        watcher = Watcher(library, options=WatchOptions(settle=0.2, health_interval=0.1, startup_rescan=False))
        with watcher:
            assert wait_for(lambda: watcher.status().state == "watching")
            library.place_folder(photos)
            # the new root is started with a rescan: the folded Trip photos are reused, the others added
            assert wait_for(lambda: library.status().counts.get("indexed") == 5 and watcher.idle())
            status = watcher.status()
            assert status.watched + status.polled == 1
        assert watcher.error is None


SHARE_CHILD = textwrap.dedent(
    """
    import json, subprocess, sys
    from pathlib import Path
    from tests.support.color_embedder import ColorEmbedder
    from tests.support.library_fixtures import open_library, write_photo

    data, photos = Path(sys.argv[1]), Path(sys.argv[2])
    share = photos / "nas"

    def mount():
        subprocess.run(["mount", "-t", "tmpfs", "share", str(share)], check=True)
        for colour in ("red", "green", "blue"):
            write_photo(share / "trip" / f"{colour}.png", colour)

    def run(library, *paths):
        summary = library.index_folders(list(paths) or None)
        return {"removed": summary.removed, "embedded": summary.embedded, "offline": summary.offline_folders,
                "counts": library.status().counts, "folders": [f.path for f in library.folders()]}

    embedder = ColorEmbedder()
    mount()
    with open_library(data, embedder) as library:
        report = {"share": run(library, share)}  # the share alone first: a root, remembered as a mount
        write_photo(photos / "home.png", "yellow")
        report["parent"] = run(library, photos)  # takes the share in
        subprocess.run(["umount", "-l", str(share)], check=True)  # its empty mount point stays
        report["unmounted"] = run(library)
        mount()
        report["remounted"] = run(library)
    print(json.dumps(report))
    """
)


def test_a_share_folded_into_a_parent_goes_offline_when_unmounted_not_deleted(tmp_path):
    unshare = shutil.which("unshare")
    prefix = [unshare, "--user", "--map-root-user", "--mount"] if unshare else []
    if not prefix or subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode != 0:
        pytest.skip("cannot create a private mount namespace here")
    photos = tmp_path / "Photos"
    (photos / "nas").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([*prefix, sys.executable, "-c", SHARE_CHILD, str(tmp_path), str(photos)], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["share"]["embedded"] == 3
    assert report["parent"]["folders"] == [str(photos)] and report["parent"]["embedded"] == 1
    unmounted = report["unmounted"]
    assert unmounted["removed"] == 0 and unmounted["offline"] == [str(photos / "nas")]
    assert unmounted["counts"] == {"indexed": 1, "offline": 3}  # kept, still searchable
    remounted = report["remounted"]
    assert (remounted["removed"], remounted["embedded"], remounted["offline"]) == (0, 0, [])
    assert remounted["counts"] == {"indexed": 4}
