"""Indexing a real folder into a real catalog and HNSW index (deterministic colour embedder)."""

from __future__ import annotations

import shutil

import pytest

from photoclip.core.control import JobControl
from photoclip.core.errors import FolderNotFoundError
from photoclip.core.events import FileFailed, IndexProgress
from photoclip.core.library import Library
from tests.support.color_embedder import ColorEmbedder, GatedColorEmbedder
from tests.support.library_fixtures import gated_settings, open_library, write_photo


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "red.jpg", "red")
    write_photo(root / "green.png", "green")
    write_photo(root / "trip" / "blue.webp", "blue")
    write_photo(root / "trip" / "yellow.JPG", "yellow")
    write_photo(root / ".hidden" / "secret.jpg", "red")
    (root / "notes.txt").write_text("not a photo, wrong extension: never read")
    return root


def test_first_index_embeds_every_photo_and_skips_hidden_folders(library, photos, embedder):
    summary = library.index_folders([photos])
    assert (summary.added, summary.embedded, summary.failed, summary.unchanged) == (4, 4, 0, 0)
    assert embedder.images_embedded == 4
    assert library.status().counts == {"indexed": 4}
    assert all(".hidden" not in h.path for h in library.search("red", limit=10))


def test_second_run_reads_nothing_unchanged(library, photos, embedder):
    library.index_folders([photos])
    again = library.index_folders([photos])
    assert (again.unchanged, again.embedded, again.added) == (4, 0, 0)
    assert embedder.images_embedded == 4


def test_moved_and_renamed_files_keep_their_row_and_are_not_re_embedded(library, photos, embedder):
    library.index_folders([photos])
    before = library.photo_at(photos / "red.jpg")
    (photos / "trip" / "red-renamed.jpg").write_bytes((photos / "red.jpg").read_bytes())
    (photos / "red.jpg").unlink()
    shutil.move(photos / "trip", photos / "holiday")
    summary = library.index_folders([photos])
    assert summary.moved == 3 and summary.embedded == 0 and summary.removed == 0
    after = library.photo_at(photos / "holiday" / "red-renamed.jpg")
    assert after is not None and after.id == before.id
    assert library.search("red", limit=1)[0].path == after.path
    assert embedder.images_embedded == 4


def test_a_copy_reuses_the_stored_vector(library, photos, embedder):
    library.index_folders([photos])
    shutil.copy2(photos / "green.png", photos / "green copy.png")
    summary = library.index_folders([photos])
    assert (summary.reused, summary.embedded) == (1, 0)
    copy = library.photo_at(photos / "green copy.png")
    assert (copy.width, copy.height) == (320, 240)  # metadata comes from the stored twin, not a decode
    top = {h.path for h in library.search("green", limit=2)}
    assert top == {str(photos / "green.png"), str(photos / "green copy.png")}


def test_deleted_photos_leave_the_results(library, photos):
    library.index_folders([photos])
    (photos / "red.jpg").unlink()
    summary = library.index_folders([photos])
    assert summary.removed == 1
    assert all(h.path != str(photos / "red.jpg") for h in library.search("red", limit=10))


def test_a_file_changed_in_place_is_re_embedded(library, photos, embedder):
    library.index_folders([photos])
    write_photo(photos / "green.png", "purple")
    summary = library.index_folders([photos])
    assert (summary.updated, summary.embedded) == (1, 1)
    assert library.search("purple", limit=1)[0].path == str(photos / "green.png")


def test_bad_files_are_recorded_with_a_reason_and_the_rest_indexes(library, photos):
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "text.jpg").write_text("hello, I am not a JPEG")
    good = (photos / "red.jpg").read_bytes()
    (photos / "truncated.jpg").write_bytes(good[: len(good) // 2])
    events = []
    library.events.subscribe(events.append)
    summary = library.index_folders([photos])
    assert summary.failed == 3 and summary.added == 4
    reasons = {p.path.rsplit("/", 1)[1]: p.error for p in library.status().failures}
    assert set(reasons) == {"empty.jpg", "text.jpg", "truncated.jpg"}
    assert all(reasons.values())
    assert {e.path.rsplit("/", 1)[1] for e in events if isinstance(e, FileFailed)} == set(reasons)
    # A failed file is not retried until it changes; once fixed it indexes.
    assert library.index_folders([photos]).failed == 0
    write_photo(photos / "truncated.jpg", "orange")
    fixed = library.index_folders([photos])
    assert fixed.updated == 1 and library.status().counts["failed"] == 2


def test_unicode_and_space_paths(library, tmp_path):
    root = tmp_path / "Fotos été 2024" / "日本"
    write_photo(root / "überraschung – rot.jpg", "red")
    library.index_folders([tmp_path / "Fotos été 2024"])
    assert library.search("red", limit=1)[0].path == str(root / "überraschung – rot.jpg")


def test_an_unplugged_folder_is_kept_offline_and_searchable(library, photos, tmp_path, embedder):
    library.index_folders([photos])
    parked = tmp_path / "parked"
    photos.rename(parked)  # the drive goes away
    summary = library.index_folders()
    assert summary.offline_folders == [str(photos)] and summary.removed == 0
    assert library.status().counts == {"offline": 4}
    assert library.search("blue", limit=1)[0].path.endswith("blue.webp")
    parked.rename(photos)  # and comes back
    back = library.index_folders()
    assert (back.unchanged, back.embedded) == (4, 0)
    assert library.status().counts == {"indexed": 4}


def test_adding_a_missing_folder_is_a_clear_error(library, tmp_path):
    with pytest.raises(FolderNotFoundError) as err:
        library.index_folders([tmp_path / "nope"])
    assert "not a folder" in err.value.user_message


def test_cancel_keeps_committed_batches_and_the_next_run_finishes(tmp_path):
    root = tmp_path / "many"
    colours = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]
    for i in range(40):
        write_photo(root / f"p{i:02}.png", colours[i % 8], second=colours[(i + 1) % 8], share=i / 40)
    control = JobControl()

    class CancelAfterTwoBatches(ColorEmbedder):
        def embed_prepared(self, batch):
            if self.image_calls == 2:
                control.cancel()  # the user presses Cancel while the second batch is being embedded
            return super().embed_prepared(batch)

    embedder = CancelAfterTwoBatches()
    with open_library(tmp_path, embedder) as lib:
        first = lib.index_folders([root], control)
    assert first.cancelled and 8 <= first.embedded < 40
    with open_library(tmp_path, embedder) as lib:
        second = lib.index_folders([root])
        assert second.embedded == 40 - first.embedded
        assert lib.status().counts == {"indexed": 40}


def test_pause_holds_the_run_until_resumed(tmp_path):
    import threading
    import time

    root = tmp_path / "p"
    for i in range(12):
        write_photo(root / f"{i}.png", "red", second="blue", share=i / 12)
    control = JobControl()
    control.pause()
    with open_library(tmp_path) as lib:
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("s", lib.index_folders([root], control)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and lib.status().counts == {}
        control.resume()
        worker.join(30)
        assert result["s"].embedded == 12


def test_progress_stays_current_while_decoding_stalls(tmp_path):
    """Throttled progress used to freeze on whatever it last sent when the next file was slow to decode
    (a sleeping share, a huge file); the stalled count must still reach the window."""
    import threading

    root = tmp_path / "p"
    for i in range(12):
        write_photo(root / f"{i:02}.png", "red", second="blue", share=i / 12)
    embedder = GatedColorEmbedder()
    with Library.open(gated_settings(tmp_path), embedder=embedder) as lib:
        reported, seen = threading.Event(), []
        lib.events.subscribe(lambda e: seen.append(e) or (isinstance(e, IndexProgress) and e.embedded == 8
                                                           and reported.set()))
        worker = threading.Thread(target=lib.index_folders, args=([root],))
        worker.start()
        embedder.allow(8)  # two batches of 4 go through quickly, then decoding stalls
        try:
            assert reported.wait(10), f"the stalled run never reported its 8 embedded photos: {seen}"
            assert worker.is_alive()
        finally:
            embedder.allow(12)
            worker.join(30)
        assert lib.status().counts == {"indexed": 12}


def test_index_paths_updates_single_files_and_pairs_delete_with_create_as_a_move(library, photos, embedder):
    library.index_folders([photos])
    new = write_photo(photos / "trip" / "purple.png", "purple")
    moved = photos / "trip" / "red-moved.jpg"
    (photos / "red.jpg").rename(moved)
    outside = write_photo(photos.parent / "elsewhere.png", "black")
    summary = library.index_paths([str(new), str(photos / "red.jpg"), str(moved), str(outside)])
    assert (summary.added, summary.moved, summary.removed, summary.embedded) == (1, 1, 0, 1)
    assert library.search("purple", limit=1)[0].path == str(new)
    assert library.photo_at(outside) is None
    new.unlink()
    assert library.index_paths([str(new)]).removed == 1
