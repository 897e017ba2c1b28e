"""The app watches its folders: a photo copied in shows up in the results, a deleted one leaves them; the
watcher's work runs as jobs on the app's one indexing thread."""

from __future__ import annotations

import pytest

from photoclip.core.scan.watcher import WatchOptions
from tests.gui.conftest import wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui

FAST = WatchOptions(settle=0.2, health_interval=0.2, poll_interval=0.3, modes={})


def result_paths(window) -> list[str]:
    return [h.path for h in window.results_model.hits()]


def test_a_photo_copied_into_a_watched_folder_appears_in_the_results(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    origins = []
    window.indexing.job_started.connect(lambda job: origins.append(job.origin))
    watcher = window.start_watching(FAST)
    qtbot.waitUntil(lambda: watcher.idle(), timeout=10_000)  # its start-up catch-up found nothing new
    assert "Watching 1 folder" in window.watch_label.text()

    window.query.search_text("purple")
    qtbot.waitUntil(lambda: result_paths(window)[:1] == [str(photos / "purple.jpg")], timeout=5000)
    write_photo(photos / "new" / "violet.png", "purple")
    qtbot.waitUntil(lambda: str(photos / "new" / "violet.png") in result_paths(window)[:2], timeout=10_000)
    assert "watcher" in origins

    (photos / "purple.jpg").unlink()
    qtbot.waitUntil(lambda: str(photos / "purple.jpg") not in result_paths(window), timeout=10_000)


def test_closing_the_window_stops_a_watcher_waiting_for_a_paused_job(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    watcher = window.start_watching(FAST)
    qtbot.waitUntil(lambda: watcher.idle(), timeout=10_000)
    window.indexing.pause()
    window.progress_panel.pause_button.setChecked(True)
    write_photo(photos / "late.jpg", "red")
    qtbot.waitUntil(lambda: window.indexing.busy, timeout=10_000)  # the watcher's job, paused
    assert window.shutdown()
    assert not watcher.running


def test_cancel_stops_the_watcher_too_and_rescan_starts_it_again(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    watcher = window.start_watching(FAST)
    qtbot.waitUntil(lambda: watcher.idle(), timeout=10_000)
    window.progress_panel.cancel_requested.emit()
    qtbot.waitUntil(lambda: not watcher.running, timeout=10_000)
    assert window.watcher is None
    assert "Rescan to resume" in window.watch_label.text()
    window.rescan_all()
    assert window.watcher is not None and window.watcher is not watcher
    qtbot.waitUntil(lambda: window.watcher.idle(), timeout=10_000)
    qtbot.waitUntil(lambda: "Watching 1 folder" in window.watch_label.text(), timeout=5000)
