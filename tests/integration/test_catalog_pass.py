"""No model on this computer yet (offline, still downloading, the first-run dialog cancelled): indexing catalogues
the photos (rows, EXIF dates, thumbnails, no vectors), they can be browsed at once, and the first run with the
model embeds each of them once, reading each file once more. Real files with EXIF, real SQLite, the real model
resolution (a hub id in no cache, downloads off)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import photoclip.core.decode_worker as decode_worker
from photoclip.core.library import Library
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import indexed_count, make_settings, open_library, write_photo

REPO = Path(__file__).resolve().parents[2]
ABSENT = "acme/not-downloaded-yet"  # a hub id in no cache on any machine
COLOURS = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]


def open_without_model(root: Path) -> Library:
    """The library as the app opens it with no model here: the real registry looks and finds none."""
    settings = make_settings(root)
    settings.model, settings.allow_download = ABSENT, False
    return Library.open(settings)


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "red.jpg", "red", taken_at="2021:07:01 10:00:00")
    write_photo(root / "blue.jpg", "blue", taken_at="2019:03:05 08:30:00")
    write_photo(root / "trip" / "green.png", "green", size=(300, 200))
    write_photo(root / "trip" / "red copy.jpg", "red", taken_at="2021:07:01 10:00:00")  # same bytes as red.jpg
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return root


def thumbnail_files(library: Library) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in library.thumbnails.root.rglob("*.jpg")}


def test_catalog_pass_records_rows_dates_and_thumbnails_without_vectors(tmp_path, photos):
    with open_without_model(tmp_path) as lib:
        summary = lib.index_folders([photos])
        assert summary.model_missing and "not on this computer" in summary.model_missing
        assert (summary.catalogued, summary.embedded, summary.failed) == (3, 0, 1)  # the copy shares red's row data
        assert summary.added == 3 and summary.reused == 1  # as in a model pass: a copy is "reused"
        rows = {Path(p.path).name: p for p in lib._catalog.photos_in_folder(lib.folders()[0].id).values()}
        assert rows["red.jpg"].taken_at == "2021-07-01T10:00:00" and rows["blue.jpg"].taken_at == "2019-03-05T08:30:00"
        assert rows["red copy.jpg"].taken_at == "2021-07-01T10:00:00" and rows["green.png"].width == 300
        assert rows["broken.jpg"].status == "failed" and rows["broken.jpg"].error
        assert lib._catalog.db.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0
        assert all(lib.thumbnails.load(rows[n].content_hash) is not None for n in ("red.jpg", "blue.jpg", "green.png"))
        # browsable by date, newest first, without a model
        assert [Path(d.photo.path).name for d in lib.browse().photos][-1] == "blue.jpg"
        assert len(lib.timeline().ids) == 4
        status = lib.status()
        assert (status.catalogued, status.embedded, status.model_available) == (4, 0, False)
        assert status.taken_range == ("2019-03-05T08:30:00", "2021-07-01T10:00:00")
        again = lib.index_folders([photos])  # nothing new: nothing is read again
        assert (again.unchanged, again.catalogued, again.added) == (5, 0, 0) and again.model_missing


def test_the_model_pass_embeds_each_photo_once_reading_each_file_once_more(tmp_path, photos, monkeypatch):
    with open_without_model(tmp_path) as lib:
        lib.index_folders([photos])
        thumbs_before = thumbnail_files(lib)
    opened: Counter[str] = Counter()
    lock = threading.Lock()
    real_open = decode_worker.open_photo

    def counting_open(path):  # a spy: the real function runs
        with lock:
            opened[Path(path).name] += 1
        return real_open(path)

    monkeypatch.setattr(decode_worker, "open_photo", counting_open)
    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as lib:
        summary = lib.index_folders([photos])
        assert summary.model_missing is None
        assert summary.embedded == 3 and embedder.images_embedded == 3  # red and its copy share one vector
        assert (summary.added, summary.updated, summary.failed) == (0, 0, 0)  # catalogued before, only embedded
        assert summary.unchanged == 1  # the broken file: failed, unchanged, not retried
        assert max(opened.values()) == 1 and "broken.jpg" not in opened  # each photo read once more at most
        assert thumbnail_files(lib) == thumbs_before  # the catalog pass's thumbnails are kept, not written again
        status = lib.status()
        assert (status.catalogued, status.embedded) == (4, 4)
        assert lib.search("red", limit=2)[0].path in {str(photos / "red.jpg"), str(photos / "trip" / "red copy.jpg")}
        opened.clear()
        assert lib.index_folders([photos]).unchanged == 5 and not opened  # done: nothing read


def test_a_photo_added_or_moved_while_offline_is_catalogued_then_embedded(tmp_path, photos):
    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as lib:
        lib.index_folders([photos])
    write_photo(photos / "new" / "yellow.jpg", "yellow", taken_at="2024:01:02 03:04:05")
    (photos / "blue.jpg").rename(photos / "new" / "blue.jpg")
    with open_without_model(tmp_path) as lib:
        lib.settings.model = ColorEmbedder.model_id  # the library's model, absent from this computer
        summary = lib.index_folders([photos])
        assert (summary.catalogued, summary.moved) == (1, 1)  # the move keeps its row (and vector)
        status = lib.status()
        assert (status.catalogued, status.embedded) == (5, 4)  # counted against the library's model
    with open_library(tmp_path, embedder) as lib:
        summary = lib.index_folders([photos])
        assert (summary.embedded, summary.added, summary.updated) == (1, 0, 0)
        assert lib.search("yellow", limit=1)[0].path == str(photos / "new" / "yellow.jpg")


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import photoclip.core.decode_worker as decode_worker
    from photoclip.core.library import Library
    from tests.support.library_fixtures import make_settings

    real = decode_worker.decode_photo

    def slow(*args, **kwargs):  # slow enough to be killed mid-run
        time.sleep(0.1)
        return real(*args, **kwargs)

    decode_worker.decode_photo = slow
    settings = make_settings(Path(sys.argv[1]))
    settings.model, settings.allow_download = "acme/not-downloaded-yet", False
    Library.open(settings).index_folders([Path(sys.argv[2])])
    """
)


def test_kill_during_the_catalog_pass_then_resume_and_embed(tmp_path):
    photos = tmp_path / "Pictures"
    for i in range(48):
        write_photo(photos / f"{i:02}.jpg", COLOURS[i % 8], size=(200 + i, 150),
                    taken_at=f"2020:01:{1 + i % 28:02} 12:00:00")
    catalog = make_settings(tmp_path).catalog_path
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(photos)], cwd=REPO, env=env)
    deadline = time.monotonic() + 90
    while indexed_count(catalog) < 16 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    committed = indexed_count(catalog)
    assert 16 <= committed < 48, "the child should have been killed mid-run"

    with open_without_model(tmp_path) as lib:
        summary = lib.index_folders([photos])  # resumes: only the rest is read
        assert (summary.unchanged, summary.catalogued) == (committed, 48 - committed)
    embedder = ColorEmbedder()
    with open_library(tmp_path, embedder) as lib:
        summary = lib.index_folders([photos])
        assert summary.embedded == 48 and embedder.images_embedded == 48
        assert lib.status().counts == {"indexed": 48} and len(lib.index) == 48
