"""Indexing progress in the window: pause/resume, cancel, skipped files, folder states, remove."""

from __future__ import annotations

import pytest

from photoclip.core.library import Library
from tests.gui.conftest import grid_names, wait_idle
from tests.support.color_embedder import GatedColorEmbedder
from tests.support.images import write_garbage, write_truncated_jpeg
from tests.support.library_fixtures import gated_settings, write_photo

pytestmark = pytest.mark.gui

N_PHOTOS = 32
RED = {f"p{i:03d}.jpg" for i in range(0, N_PHOTOS, 4)}  # many_photos cycles red, green, blue, yellow


@pytest.fixture
def many_photos(tmp_path):
    root = tmp_path / "Many"
    colours = ("red", "green", "blue", "yellow")
    for i in range(N_PHOTOS):
        # distinct content, so every photo is embedded (identical files would reuse one vector)
        write_photo(root / f"p{i:03d}.jpg", colours[i % 4], second="white", share=i / 100, size=(64, 48))
    return root


@pytest.fixture
def gated(tmp_path, libraries):
    """A library whose indexing moves only as far as the test allows (``library.gate.allow(n)``)."""
    gate = GatedColorEmbedder()
    lib = Library.open(gated_settings(tmp_path / "gated"), embedder=gate)
    lib.gate = gate
    libraries.append(lib)
    return lib


def indexed_count(window) -> int:
    return window.library.status().counts.get("indexed", 0)


def test_pause_stops_progress_and_resume_finishes(qtbot, make_window, gated, many_photos):
    window = make_window(gated)
    window.add_folders([str(many_photos)])
    gated.gate.allow(8)
    qtbot.waitUntil(lambda: indexed_count(window) == 8 and window.progress_panel.bar.value() > 0,
                    timeout=10_000)
    assert window.library_panel.rows()[0][2] == "indexing"
    assert "photos/s" in window.progress_panel.label.text()

    window.progress_panel.pause_button.click()
    assert window.indexing.paused and window.progress_panel.pause_button.text() == "Resume"
    assert window.progress_panel.label.text().startswith("Paused")
    gated.gate.allow(N_PHOTOS)  # photos could be decoded now, but a paused run takes none of them
    qtbot.wait(500)
    assert indexed_count(window) == 8
    assert window.indexing.busy

    window.progress_panel.pause_button.click()
    assert not window.indexing.paused
    wait_idle(qtbot, window)
    assert indexed_count(window) == N_PHOTOS
    assert window.progress_panel.label.text() == f"Up to date · {N_PHOTOS} photos"
    assert not window.progress_panel.bar.isVisible()
    assert window.library_panel.rows()[0][1:] == (str(N_PHOTOS), "done")


def test_cancel_stops_the_run_and_a_rescan_completes_it(qtbot, make_window, gated, many_photos):
    window = make_window(gated)
    window.add_folders([str(many_photos)])
    gated.gate.allow(8)
    qtbot.waitUntil(lambda: indexed_count(window) == 8 and window.progress_panel.bar.value() > 0,
                    timeout=10_000)
    finished = []
    window.indexing.job_finished.connect(lambda job, summary: finished.append(summary))
    window.progress_panel.cancel_button.click()
    gated.gate.allow(2 * N_PHOTOS)  # lets the decodes in flight end; the cancelled run takes none
    wait_idle(qtbot, window)
    assert finished and finished[0].get("cancelled")
    assert indexed_count(window) == 8
    window.rescan_all()
    wait_idle(qtbot, window)
    assert indexed_count(window) == N_PHOTOS


def test_corrupt_files_are_listed_as_skipped(qtbot, window, photos):
    write_garbage(photos / "garbage.jpg")
    write_truncated_jpeg(photos / "cut.jpg", keep=0.3)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    assert window.progress_panel.skipped_button.isVisible()
    assert window.progress_panel.skipped_button.text() == "Skipped files (2)"
    assert window.library_panel.rows()[0][2] == "done, 2 skipped"
    dialog = window.show_skipped()
    rows = dict(dialog.rows())
    assert set(rows) == {str(photos / "garbage.jpg"), str(photos / "cut.jpg")}
    assert all(reason for reason in rows.values())
    assert str(photos / "cut.jpg") in dialog.as_text()
    dialog.close()


def test_removing_a_folder_drops_it_and_its_results(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=5000)
    window.remove_folder(str(photos), confirm=False)
    wait_idle(qtbot, window)
    assert window.library_panel.rows() == []
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 0, timeout=5000)  # the query re-ran
    # the re-run's answer and the fresh status (no folders left) arrive on two threads, in either order
    qtbot.waitUntil(lambda: "Add a folder" in window.message.text(), timeout=5000)


def test_a_folder_that_went_away_reads_offline(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    photos.rename(photos.with_name("Pictures-unplugged"))
    window.rescan_all()
    wait_idle(qtbot, window)
    assert window.library_panel.rows()[0][2] == "offline"
    window.query.search_text("red")  # offline photos stay searchable (the drive may come back)
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=5000)


def test_an_open_search_follows_the_indexing(qtbot, make_window, gated, many_photos):
    embedder = gated.gate
    window = make_window(gated)
    window.status_timer.setInterval(100)
    window.search.live_refresh_s = 0.1
    window.add_folders([str(many_photos)])
    embedder.allow(8)  # two batches of 4, then indexing waits on the gate
    qtbot.waitUntil(lambda: indexed_count(window) == 8, timeout=10_000)
    window.query.search_text("red")
    model = window.results_model
    qtbot.waitUntil(lambda: model.ranked_count() == 8, timeout=5000)

    embedder.allow(8)  # nobody types: the open search re-runs as photos arrive
    qtbot.waitUntil(lambda: model.ranked_count() == 16, timeout=5000)
    assert window.indexing.busy
    names = grid_names(window)
    assert names and set(names) <= RED  # the matches: red photos only, the others folded as weaker
    assert model.weaker_count() == 16 - len(names)

    embedder.allow(N_PHOTOS - 16)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: model.ranked_count() == N_PHOTOS, timeout=5000)
    qtbot.waitUntil(lambda: sorted(grid_names(window)) == sorted(RED), timeout=5000)
