"""Start-up order: the library's first photos come before the background work (warming the tags' vectors, the
watcher's catch-up rescan), which at a million photos delayed them from ~1 s to ~6 s; and that work still starts
when the first view never comes."""

from __future__ import annotations

import time

import pytest

from photoclip.gui.first_view import FirstView
from tests.gui.test_browse import SHOTS, write_shots

pytestmark = pytest.mark.gui


def test_watching_starts_after_the_first_photos_are_on_screen(qtbot, make_window, library, tmp_path, monkeypatch):
    write_shots(tmp_path / "shots")
    library.index_folders([tmp_path / "shots" / "Pictures", tmp_path / "shots" / "Phone"])
    timeline = library.timeline

    def slow_timeline(*args, **kwargs):  # the timeline of a big library takes a while
        time.sleep(0.5)
        return timeline(*args, **kwargs)

    monkeypatch.setattr(library, "timeline", slow_timeline)
    window = make_window(library)
    photos_when_watching: list[int] = []
    window.first_view.then(lambda: photos_when_watching.append(len(window.browse.model)))
    window.first_view.then(window.start_watching)  # as the app does
    assert window.watcher is None
    qtbot.waitUntil(lambda: window.watcher is not None, timeout=10_000)
    assert photos_when_watching == [len(SHOTS)]


def test_an_empty_library_starts_watching_at_once(qtbot, window):
    assert window.first_view.is_open
    window.first_view.then(window.start_watching)
    qtbot.waitUntil(lambda: window.watcher is not None, timeout=5_000)


def test_the_background_work_starts_when_the_first_view_never_comes(qtbot):
    gate = FirstView(wait_ms=200)
    ran: list[str] = []
    gate.then(lambda: ran.append("warm"))
    gate.then(lambda: ran.append("watch"))
    assert ran == []
    qtbot.waitUntil(lambda: ran == ["warm", "watch"], timeout=3_000)
    gate.open()  # the view arriving late runs nothing twice
    qtbot.wait(50)
    assert ran == ["warm", "watch"]
