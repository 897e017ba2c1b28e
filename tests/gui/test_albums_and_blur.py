"""Smart albums in the library panel (from a search, shown in the grid, following new photos, rename, delete)
and sensitive photos blurred in the grid and the viewer until clicked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from photoclip.core.tagging import Label, LabelSet
from tests.gui.conftest import browse_names, grid_names, wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui


def click_album(qtbot, window, name):
    tree = window.tags.albums.tree
    rect = tree.visualItemRect(window.tags.albums.item_named(name))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_smart_album_from_search_shows_its_members_and_follows_indexing(qtbot, indexed, photos):
    window = indexed
    albums = window.tags.albums
    assert not albums.save_search_button.isEnabled()
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=5000)
    assert albums.save_search_button.isEnabled()
    window.tags.album_control.album_from_search("Reds")
    qtbot.waitUntil(lambda: albums.rows() == [("Reds", "smart", 2)], timeout=5000)
    # the album holds the search's matches (the same calibrated score and threshold); the other six photos
    # were the search's weaker matches
    assert grid_names(window) == ["red.jpg", "mostly-red.png"] and window.results_model.weaker_count() == 6

    click_album(qtbot, window, "Reds")  # the album in the library view, newest first
    qtbot.waitUntil(lambda: sorted(browse_names(window)) == ["mostly-red.png", "red.jpg"], timeout=5000)
    assert window.result_label.text() == "2 photos in album “Reds”"
    assert window.search_box.text() == ""
    assert window.query.latest is None  # no search re-run will replace the album

    write_photo(photos / "new" / "fire-truck.jpg", "red", second="black", share=0.1)
    window.rescan_all()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: albums.rows() == [("Reds", "smart", 3)], timeout=5000)
    qtbot.waitUntil(lambda: sorted(browse_names(window)) == ["fire-truck.jpg", "mostly-red.png", "red.jpg"],
                    timeout=5000)

    window.tags.album_control.rename_album("Reds", "Warm reds")
    qtbot.waitUntil(lambda: albums.rows() == [("Warm reds", "smart", 3)], timeout=5000)
    window.tags.album_control.rename_album("Warm reds", "  ")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)  # a user error, not a crash
    window.tags.album_control.delete_album("Warm reds", confirm=False)
    qtbot.waitUntil(lambda: albums.rows() == [], timeout=5000)


def as_array(pixmap: QPixmap) -> np.ndarray:
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).astype(int)


def sharpest_step(pixels: np.ndarray) -> int:
    """The largest colour jump between neighbouring pixels along a row near the top (above the caption)."""
    row = pixels[len(pixels) // 10]
    return int(np.abs(np.diff(row, axis=0)).max())


def test_sensitive_photos_are_blurred_until_clicked(qtbot, indexed, photos):
    window = indexed
    private = LabelSet("private", (Label("Sensitive|Red", prompts=("red",)),), sensitive=True)
    tagger = window.library.tags
    tagger.save_label_set(private)
    assert {Path(s.path).name for s in tagger.suggest(private)} == {"red.jpg", "mostly-red.png"}
    window.tags.refresh_blur()
    blur = window.tags.blur
    qtbot.waitUntil(lambda: len(blur._hidden) == 2, timeout=5000)

    window.query.search_text("red")
    qtbot.waitUntil(lambda: grid_names(window)[:2] == ["red.jpg", "mostly-red.png"], timeout=5000)
    qtbot.waitUntil(lambda: window.results_model.has_thumbnail(1), timeout=5000)
    model = window.results_model
    hit = model.hit(1)  # mostly-red.png: a hard white | red edge
    original = model.thumbnail(hit.photo.content_hash)
    shown = model.data(model.index(1), Qt.ItemDataRole.DecorationRole)
    assert shown.size() == original.size()
    assert sharpest_step(as_array(original)) > 100  # (one resampled pixel in the middle of the edge)
    assert sharpest_step(as_array(shown)) < 30, sharpest_step(as_array(shown))  # the edge is washed out
    # the other photos are untouched (the first weaker match: the row after the header)
    model.set_weaker_shown(True)
    other = model.header_row() + 1
    window.results_view.grab()
    qtbot.waitUntil(lambda: model.has_thumbnail(other), timeout=5000)
    third = model.hit(other)
    assert model.data(model.index(other), Qt.ItemDataRole.DecorationRole) is model.thumbnail(third.photo.content_hash)

    # clicking reveals that photo (for this session), not the others
    rect = window.results_view.visualRect(model.index(1))
    qtbot.mouseClick(window.results_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    revealed = model.data(model.index(1), Qt.ItemDataRole.DecorationRole)
    assert as_array(revealed).tolist() == as_array(original).tolist()
    assert blur.hides(model.hit(0).photo.id)

    # the viewer blurs a hidden photo too, until its image is clicked
    viewer = window.search.open_viewer(0)
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=5000)
    assert viewer.blurred
    qtbot.mouseClick(viewer.image.viewport(), Qt.MouseButton.LeftButton)
    assert not viewer.blurred and not blur.hides(model.hit(0).photo.id)
    viewer.close()

    # View ▸ Blur sensitive photos off: nothing is blurred, and the choice is remembered
    blur._revealed.clear()
    assert blur.hides(model.hit(0).photo.id)
    window.tags.blur_action.setChecked(False)
    assert not blur.hides(model.hit(0).photo.id)
    assert window.store.value("view/blur_sensitive", type=bool) is False
