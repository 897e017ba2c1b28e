"""The folder watcher with real watchdog observers on real temp folders (no mocks): bursts, slow writers,
renamed folders, deletes, atomic saves, offline volumes, the persisted queue and the start-up rescan."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from photoclip.core.events import FileFailed, IndexFinished, WatchStatus, WatchWarning
from photoclip.core.scan.watcher import Watcher, WatchOptions
from tests.support.watching import copy_in, make_sources, photo_bytes, wait_for

SETTLE = 0.3


@pytest.fixture
def pics(tmp_path):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    return folder


@pytest.fixture
def library(library, pics):
    """The shared library (tests/conftest.py) with ``pics`` added."""
    library.add_folder(pics)
    return library


@pytest.fixture
def events(library):
    seen: list = []
    library.events.subscribe(seen.append)
    return seen


def options(**kw) -> WatchOptions:
    return WatchOptions(**{"settle": SETTLE, "health_interval": 0.2, "poll_interval": 0.2, **kw})


@pytest.fixture
def watcher(library):
    w = Watcher(library, options=options())
    w.start()
    assert wait_for(w.idle, 20), "watcher did not finish its start-up"
    yield w
    w.stop()
    assert w.error is None


def summaries(events) -> list[dict]:
    return [e.summary for e in events if isinstance(e, IndexFinished)]


def total(events, key: str) -> int:
    return sum(s[key] for s in summaries(events))


def settle_all(library, watcher, count: int, timeout: float = 60) -> None:
    assert wait_for(lambda: library.status().counts.get("indexed", 0) == count, timeout), (
        library.status().counts
    )
    assert wait_for(watcher.idle, timeout)


@pytest.mark.parametrize("count", [2000, pytest.param(10_000, marks=pytest.mark.slow)])
def test_burst_copied_in_is_indexed_exactly_once(tmp_path, library, pics, watcher, embedder, events, count):
    copy_in(make_sources(tmp_path / "camera", count), pics / "DCIM")
    settle_all(library, watcher, count, timeout=60 + count / 10)
    time.sleep(SETTLE * 2)  # late events must not redo anything
    assert embedder.images_embedded == count
    assert total(events, "added") == count and total(events, "failed") == 0
    assert library._catalog.queue_pending() == []
    assert len(library.index) == count


def test_slowly_written_file_is_indexed_once_and_complete(library, pics, watcher, embedder, events):
    data = photo_bytes(7, size=(640, 480))
    path = pics / "slow.png"
    chunks = 10
    step = len(data) // chunks + 1
    with open(path, "wb") as out:  # over 3 s, with gaps shorter than the settle time
        for k in range(chunks):
            out.write(data[k * step:(k + 1) * step])
            out.flush()
            time.sleep(0.3)
    settle_all(library, watcher, 1)
    row = library.photo_at(path)
    assert row.size == len(data) and row.width == 640
    assert embedder.images_embedded == 1
    assert not [e for e in events if isinstance(e, FileFailed)]


def test_reopened_and_appended_file_is_reindexed(library, pics, watcher, embedder):
    path = pics / "grow.png"
    path.write_bytes(photo_bytes(1))
    settle_all(library, watcher, 1)
    path.write_bytes(photo_bytes(2))  # rewritten in place: new content, same path
    assert wait_for(lambda: embedder.images_embedded == 2, 10)
    assert library.photo_at(path).size == len(photo_bytes(2))


@pytest.mark.parametrize("count", [500, pytest.param(3000, marks=pytest.mark.slow)])
def test_renamed_folder_keeps_rows_with_zero_re_embeds(tmp_path, library, pics, embedder, events, count):
    copy_in(make_sources(tmp_path / "camera", count), pics / "trip")
    library.index_folders()
    ids = {p.name: library.photo_at(p).id for p in (pics / "trip").iterdir()}
    embedded = embedder.images_embedded
    with Watcher(library, options=options()) as w:
        assert wait_for(w.idle, 20)
        (pics / "trip").rename(pics / "holiday")
        assert wait_for(lambda: library.photo_at(pics / "holiday" / "IMG_00000.png"), 30)
        settle_all(library, w, count)
    assert embedder.images_embedded == embedded
    assert library.photo_paths_under(str(pics / "trip")) == []
    after = {name: library.photo_at(pics / "holiday" / name).id for name in ids}
    assert after == ids
    assert total(events, "removed") == 0


def test_folder_renamed_during_an_import_keeps_its_rows(tmp_path, library, pics, embedder):
    """The two halves of each move are processed together even while other new files are still settling."""
    copy_in(make_sources(tmp_path / "old", 50), pics / "trip")
    library.index_folders()
    ids = {p.name: library.photo_at(p).id for p in (pics / "trip").iterdir()}
    embedded = embedder.images_embedded
    sources = make_sources(tmp_path / "camera", 200, start=1000)
    (pics / "import").mkdir()

    def slow_import() -> None:
        for src in sources:
            shutil.copyfile(src, pics / "import" / src.name)
            time.sleep(0.005)

    with Watcher(library, options=options()) as w:
        assert wait_for(w.idle, 20)
        importer = threading.Thread(target=slow_import)
        importer.start()
        time.sleep(0.3)
        (pics / "trip").rename(pics / "holiday")
        importer.join()
        settle_all(library, w, 250)
    assert embedder.images_embedded == embedded + 200
    assert {name: library.photo_at(pics / "holiday" / name).id for name in ids} == ids


def test_moved_file_keeps_its_row(library, pics, watcher, embedder):
    (pics / "a").mkdir()
    (pics / "a" / "x.png").write_bytes(photo_bytes(3))
    settle_all(library, watcher, 1)
    before = library.photo_at(pics / "a" / "x.png")
    os.rename(pics / "a" / "x.png", pics / "y.png")
    assert wait_for(lambda: library.photo_at(pics / "y.png") is not None, 10)
    assert library.photo_at(pics / "y.png").id == before.id
    assert embedder.images_embedded == 1


def test_deleted_files_and_folders_leave_the_results(tmp_path, library, pics, watcher):
    copy_in(make_sources(tmp_path / "src", 6), pics / "keep")
    copy_in(make_sources(tmp_path / "src2", 4, start=100), pics / "gone")
    settle_all(library, watcher, 10)
    (pics / "keep" / "IMG_00000.png").unlink()
    shutil.rmtree(pics / "gone")
    assert wait_for(lambda: library.status().counts.get("indexed", 0) == 5, 10)
    assert wait_for(watcher.idle, 10)
    paths = {h.path for h in library.search("red green blue yellow white black orange purple", limit=50)}
    assert len(paths) == 5 and not any("gone" in p or p.endswith("IMG_00000.png") for p in paths)


def test_atomic_save_is_one_update(library, pics, watcher, embedder, events):
    target = pics / "edit.png"
    target.write_bytes(photo_bytes(10))
    settle_all(library, watcher, 1)
    before = library.photo_at(target)
    events.clear()
    tmp = pics / ".edit.png.tmp-123"  # how editors save: write a temp file, then rename it onto the photo
    tmp.write_bytes(photo_bytes(11))
    os.replace(tmp, target)
    assert wait_for(lambda: embedder.images_embedded == 2, 10)
    assert wait_for(watcher.idle, 10)
    after = library.photo_at(target)
    assert after.id == before.id and after.size == len(photo_bytes(11))
    assert (total(events, "updated"), total(events, "removed"), total(events, "added")) == (1, 0, 0)


def test_hidden_folders_and_non_photos_are_ignored(library, pics, watcher, embedder):
    (pics / ".thumbs").mkdir()
    (pics / ".thumbs" / "t.png").write_bytes(photo_bytes(1))
    (pics / "notes.txt").write_text("hi")
    (pics / "ok.png").write_bytes(photo_bytes(2))
    settle_all(library, watcher, 1)
    time.sleep(SETTLE * 2)
    assert embedder.images_embedded == 1 and library.status().counts == {"indexed": 1}


def test_startup_rescan_reconciles_changes_made_while_closed(tmp_path, library, pics, embedder):
    copy_in(make_sources(tmp_path / "src", 5), pics)
    library.index_folders()
    (pics / "IMG_00000.png").unlink()
    (pics / "IMG_00001.png").write_bytes(photo_bytes(50))
    (pics / "new.png").write_bytes(photo_bytes(51))
    with Watcher(library, options=options()) as w:
        assert wait_for(w.idle, 20)
    assert library.photo_at(pics / "IMG_00000.png") is None
    assert library.photo_at(pics / "new.png").status == "indexed"
    assert library.photo_at(pics / "IMG_00001.png").size == len(photo_bytes(50))
    assert embedder.images_embedded == 7


def test_persisted_queue_is_processed_after_a_restart(tmp_path, library, pics, embedder):
    """Entries a previous run left in the catalog are indexed, then removed (no start-up rescan here)."""
    copy_in(make_sources(tmp_path / "src", 4), pics)
    folder_id = library.folders()[0].id
    now = time.time()
    library._catalog.queue_put([(str(p), folder_id, "upsert", now, now) for p in sorted(pics.iterdir())])
    with Watcher(library, options=options(startup_rescan=False)) as w:
        assert wait_for(lambda: library.status().counts.get("indexed", 0) == 4, 20)
        assert wait_for(w.idle, 10)
    assert embedder.images_embedded == 4
    assert library._catalog.queue_pending() == []


def test_offline_folder_keeps_its_photos_and_comes_back_without_re_embedding(tmp_path, library, pics, embedder,
                                                                           events):
    copy_in(make_sources(tmp_path / "src", 8), pics)
    with Watcher(library, options=options()) as w:
        settle_all(library, w, 8)
        unplugged = tmp_path / "unplugged"
        pics.rename(unplugged)  # the drive goes away
        assert wait_for(lambda: library.status().counts == {"offline": 8}, 10)
        assert library.folders()[0].state == "offline"
        assert len(library.search("red", limit=20)) == 8  # still searchable by their stored vectors
        unplugged.rename(pics)  # and comes back
        assert wait_for(lambda: library.status().counts == {"indexed": 8}, 10)
        assert wait_for(w.idle, 10)
        (pics / "later.png").write_bytes(photo_bytes(99))  # watched again
        assert wait_for(lambda: library.status().counts.get("indexed", 0) == 9, 10)
    assert embedder.images_embedded == 9
    reasons = [e.reason for e in events if isinstance(e, WatchWarning)]
    assert "offline" in reasons and "online" in reasons


def test_polling_override_for_a_folder(library, pics, embedder, events):
    with Watcher(library, options=options(modes={str(pics): "poll"})) as w:
        assert wait_for(w.idle, 20)
        assert (w.status().polled, w.status().watched) == (1, 0)
        (pics / "p.png").write_bytes(photo_bytes(5))
        assert wait_for(lambda: library.status().counts.get("indexed", 0) == 1, 10)
    assert any(isinstance(e, WatchStatus) and e.state == "stopped" for e in events)
