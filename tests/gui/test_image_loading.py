"""The viewer's large image is upright (EXIF orientation applied) and loads off the GUI thread."""

from __future__ import annotations

import threading

import pytest

from photoclip.core.imaging.thumbnails import ThumbnailCache
from photoclip.gui.workers.images import ImageLoader, load_full
from tests.support.images import RED, marker_image, stored_for_orientation, write_jpeg

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_large_image_respects_exif_orientation(tmp_path, orientation):
    upright = marker_image((400, 300), RED)  # landscape, red top-left quadrant
    path = write_jpeg(tmp_path / "o.jpg", image=stored_for_orientation(upright, orientation),
                      exif_orientation=orientation)
    image = load_full(str(path), 200)
    assert (image.width(), image.height()) == (200, 150)
    top_left = image.pixelColor(50, 37)
    assert top_left.red() > 200 and top_left.blue() < 80


def test_loader_makes_a_missing_thumbnail_and_caches_it(qtbot, tmp_path):
    photo = write_jpeg(tmp_path / "p.jpg", size=(640, 480), color=(10, 200, 30))
    cache = ThumbnailCache(tmp_path / "thumbs")
    loader = ImageLoader(cache)
    threads = []
    loader.thumbnail_ready.connect(lambda *_: threads.append(threading.current_thread()))
    try:
        with qtbot.waitSignal(loader.thumbnail_ready, timeout=5000) as blocker:
            loader.request_thumbnail("ab" * 20, str(photo))
        content_hash, image = blocker.args
        assert content_hash == "ab" * 20 and max(image.width(), image.height()) == 256
        assert cache.has("ab" * 20)
        assert threads == [threading.main_thread()]  # delivered to the GUI thread by a queued signal
        with qtbot.waitSignal(loader.thumbnail_failed, timeout=5000):
            loader.request_thumbnail("cd" * 20, str(tmp_path / "missing.jpg"))
    finally:
        loader.stop()
