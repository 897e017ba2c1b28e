"""File names that are not plain text — Latin-1 bytes, a newline, 255 bytes, NFC beside NFD — are indexed,
found and kept like any other; a record, thumbnail or sidecar that fails is that file's failure alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest

from photoclip.core.events import FileFailed
from photoclip.core.filenames import display, from_db, json_fields, readable, to_db
from photoclip.core.records import PhotoRecord
from photoclip.core.search import Filters
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import write_photo
from tests.support.odd_names import ODD_NAMES, exact, write_odd_photos


@pytest.fixture
def pics(tmp_path):
    return tmp_path / "Pictures"


@pytest.fixture
def odd(pics):
    return write_odd_photos(pics)


def test_every_odd_name_is_indexed_found_by_search_and_left_alone_by_the_next_run(library, pics, odd, embedder):
    summary = library.index_folders([pics])
    assert (summary.added, summary.failed) == (len(ODD_NAMES), 0)
    assert library.status().counts == {"indexed": len(ODD_NAMES)}
    for colour, path in odd.items():
        top = library.search(colour, limit=1)[0]
        assert top.path == path, colour
        assert os.path.isfile(top.path)  # the path search gives opens the real file
        assert os.fsencode(top.path) == os.path.join(os.fsencode(pics), ODD_NAMES[colour])
    nfc, nfd = (library.photo_at(odd[c]) for c in ("yellow", "purple"))
    assert nfc.id != nfd.id and nfc.content_hash != nfd.content_hash  # two files, not one normalised name
    again = library.index_folders([pics])
    assert (again.unchanged, again.embedded, again.added, again.removed) == (len(ODD_NAMES), 0, 0, 0)
    assert embedder.images_embedded == len(ODD_NAMES)


def test_a_name_that_is_not_utf8_is_stored_as_its_exact_bytes(library, pics, odd):
    library.index_folders([pics])
    conn = sqlite3.connect(library.settings.catalog_path)
    stored = dict(conn.execute("SELECT path, typeof(path) FROM photos").fetchall())
    conn.close()
    assert stored[os.fsencode(odd["red"])] == "blob"  # bytes, not an approximation
    assert stored[odd["blue"]] == stored[odd["green"]] == "text"  # every valid name stays plain text


def test_folder_filter_and_removal_work_under_a_folder_whose_name_is_not_utf8(library, pics, odd):
    library.index_folders([pics])
    rome = os.path.dirname(odd["orange"])
    hits = library.search("orange red", limit=10, filters=Filters(folder=rome))
    assert [h.path for h in hits] == [odd["orange"]]
    assert library.photo_paths_under(rome) == [odd["orange"]]
    everything = library.search("orange", limit=10, filters=Filters(folder=str(pics)))
    assert len(everything) == len(ODD_NAMES)
    shutil.rmtree(rome)
    assert library.index_folders([pics]).removed == 1


def test_a_rename_between_odd_names_keeps_the_photo(library, pics, odd, embedder):
    library.index_folders([pics])
    before = library.photo_at(odd["red"])
    renamed = exact(pics, b"Caf\xc9 renamed \xff.jpg")
    os.rename(odd["red"], renamed)
    summary = library.index_folders([pics])
    assert (summary.moved, summary.embedded, summary.removed) == (1, 0, 0)
    assert library.photo_at(renamed).id == before.id
    assert library.photo_at(odd["red"]) is None


def test_the_watcher_queue_keeps_odd_names(library, pics, odd):
    folder = library.add_folder(pics)
    library._catalog.queue_put([(odd["red"], folder.id, "upsert", 1.0, 0.0)])
    assert library._catalog.queue_pending() == [(odd["red"], folder.id, "upsert", 1.0, 0.0)]
    library._catalog.queue_done([(odd["red"], 1.0)])
    assert library._catalog.queue_pending() == []


def test_a_library_folder_whose_name_is_not_utf8(library, tmp_path):
    root = exact(tmp_path, b"Fotos \xe9t\xe9")
    write_photo(Path(root) / "red.jpg", "red")
    assert library.index_folders([root]).added == 1
    assert [f.path for f in library.folders()] == [root]
    assert library.search("red", limit=1)[0].path == os.path.join(root, "red.jpg")
    assert library.remove_folder(root) == 1


def test_display_forms_are_valid_text_on_one_line(odd):
    for path in odd.values():
        shown = display(path)
        shown.encode("utf-8")  # never raises: no lone surrogates left
        assert "\n" not in shown
    assert display(odd["red"]).endswith("caf\ufffd au lait.jpg")
    assert display(odd["blue"]).endswith("first line\u240asecond line.png")
    assert readable(odd["blue"]) == odd["blue"]  # JSON escapes a newline itself: the exact name
    assert json_fields(odd["yellow"]) == {"path": odd["yellow"]}
    fields = json_fields(odd["red"])
    assert fields["path"].endswith("caf\ufffd au lait.jpg") and "path_bytes" in fields
    assert from_db(to_db(odd["red"])) == odd["red"]


# --- one file's failure is that file's alone ----------------------------------------------------------------

def test_a_batch_with_one_unwritable_thumbnail_still_commits(library, pics):
    for i, colour in enumerate(("red", "green", "blue", "yellow")):  # one batch (batch_size 4)
        write_photo(pics / f"{i}-{colour}.jpg", colour)
    blocked = hashlib.blake2b((pics / "1-green.jpg").read_bytes(), digest_size=16).hexdigest()
    shard = library.thumbnails.root / blocked[:2]
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.write_text("a file where the thumbnail folder should be")  # unwritable, even for root
    summary = library.index_folders([pics])
    assert (summary.added, summary.failed) == (4, 0)
    assert library.status().counts == {"indexed": 4}
    green = library.photo_at(pics / "1-green.jpg")
    assert green.status == "indexed" and "thumbnail could not be saved" in green.error
    assert library.search("green", limit=1)[0].path == green.path
    others = [library.photo_at(p) for p in sorted(pics.iterdir()) if p.name != "1-green.jpg"]
    assert all(library.thumbnails.has(p.content_hash) and p.error is None for p in others)


def test_a_record_sqlite_cannot_store_fails_alone_and_the_batch_commits(library, pics):
    pics.mkdir()
    folder = library.add_folder(pics)
    vector = np.eye(ColorEmbedder.dim, dtype=np.float32)

    def record(i: int, **extra) -> PhotoRecord:
        return PhotoRecord(folder.id, str(pics / f"{i}.jpg"), 10, 1, f"{i:032x}", "indexed", width=4, height=3,
                           vector=vector[i], **extra)

    bad = record(1, camera="Canon\ud800")  # a lone surrogate no file name or EXIF decoder should let through
    result = library._catalog.commit_batch(ColorEmbedder.model_id, [record(0), bad, record(2)])
    assert [p for p, _ in result.failed] == [bad.path]
    assert len(result.added) == 3
    assert library.photo_at(pics / "0.jpg").status == "indexed"
    assert library.photo_at(pics / "2.jpg").status == "indexed"
    stored = library.photo_at(bad.path)
    assert stored.status == "failed" and "could not be saved in the catalog" in stored.error


def test_a_failed_record_reaches_the_run_summary_and_the_events(library, pics, monkeypatch):
    for colour in ("red", "green", "blue"):
        write_photo(pics / f"{colour}.jpg", colour)
    failed: list[FileFailed] = []
    library.events.subscribe(lambda e: failed.append(e) if isinstance(e, FileFailed) else None)
    # Fault injection: the real decoders sanitise EXIF text and paths are stored exactly, so no real file reaches
    # this path any more; a value SQLite cannot take (a future bug) must still cost one photo, not the batch.
    from photoclip.core import decode_worker

    real = decode_worker.decode_photo

    def odd_camera(data, **kwargs):
        photo = real(data, **kwargs)
        if kwargs.get("name") == "green.jpg":
            photo = type(photo)(**{**photo.__dict__, "camera": "Nikon\ud800"})
        return photo

    monkeypatch.setattr(decode_worker, "decode_photo", odd_camera)
    summary = library.index_folders([pics])
    assert summary.failed == 1 and [os.path.basename(e.path) for e in failed] == ["green.jpg"]
    assert library.status().counts == {"indexed": 2, "failed": 1}
    assert library.search("red", limit=1)[0].path == str(pics / "red.jpg")


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed (libimage-exiftool-perl)")
def test_xmp_sidecars_are_written_beside_odd_names_and_one_that_cannot_be_does_not_stop_the_rest(
        library, pics, odd):
    pytest.importorskip("pyexiv2", reason="XMP write-back needs pyexiv2")
    from photoclip.core.errors import XmpError

    library.index_folders([pics])
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    ids = [library.photo_at(path).id for path in odd.values()]
    with pytest.raises(XmpError, match="saved in the catalog"):  # 255 bytes leave no room for ".xmp"
        tagger.add_tags(ids, ["Trips|Lisbon"])
    assert not os.path.exists(odd["green"] + ".xmp")
    for colour in ODD_NAMES.keys() - {"green"}:
        sidecar = os.fsencode(odd[colour] + ".xmp")  # beside the photo, under its exact name
        out = subprocess.run(["exiftool", "-j", "-XMP:Subject", "-XMP:HierarchicalSubject", sidecar],
                             capture_output=True, check=True, timeout=60)
        read = json.loads(out.stdout)[0]
        assert (read["Subject"], read["HierarchicalSubject"]) == ("Lisbon", "Trips|Lisbon"), colour
