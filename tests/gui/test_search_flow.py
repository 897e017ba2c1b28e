"""Add a folder, wait for indexing, search as you type, open the viewer, photo->photo search."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from photoclip.gui.dialogs.viewer import ViewerDialog
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def first_path(window) -> str | None:
    hit = window.results_model.hit(0)
    return hit.path if hit else None


def test_typing_red_puts_the_red_photo_first(qtbot, indexed, photos):
    window = indexed
    assert window.library_panel.rows() == [(str(photos), "8", "done")]
    qtbot.keyClicks(window.search_box, "red")
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "red.jpg"), timeout=5000)
    assert window.pages.currentWidget() is window.results_view
    assert window.results_model.hit(1).path == str(photos / "trip" / "mostly-red.png")
    assert "score" in window.results_model.data(window.results_model.index(0), Qt.ItemDataRole.ToolTipRole)
    # the grid paints row 0, which requests its thumbnail lazily from the cache
    qtbot.waitUntil(lambda: window.results_model.has_thumbnail(0), timeout=5000)


def test_typing_is_debounced_into_one_query(qtbot, indexed):
    window = indexed
    started = []
    window.query.started.connect(started.append)
    with qtbot.waitSignal(window.query.results, timeout=5000):
        qtbot.keyClicks(window.search_box, "blue sky")
    assert [r.query for r in started] == ["blue sky"]


def test_only_the_latest_query_shows(qtbot, indexed, photos):
    window = indexed
    received = []
    window.query.results.connect(lambda request, hits: received.append(request.query))
    window.query.search_text("red")
    window.query.search_text("green")
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "green.jpg"), timeout=5000)
    qtbot.wait(200)
    assert received == ["green"]


def test_viewer_opens_on_double_click_with_details(qtbot, indexed, photos):
    window = indexed

    yellow = window.library.photo_at(photos / "yellow.jpg")
    window.library.tags.add_tags([yellow.id], ["Trips|Rome"])
    window.query.search_text("yellow")
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "yellow.jpg"), timeout=5000)
    window.results_model.set_weaker_shown(True)  # the viewer steps through the photos shown: one more than yellow
    rect = window.results_view.visualRect(window.results_model.index(0))
    viewport = window.results_view.viewport()
    # QTest's double click alone does not set the view's pressed index; a real double click starts with a press
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ViewerDialog)), timeout=3000)
    viewers = [d for d in window.findChildren(ViewerDialog) if d.isVisible()]
    assert len(viewers) == 1
    viewer = viewers[0]
    assert viewer.fields["Name"].text() == "yellow.jpg"
    assert viewer.fields["Folder"].text() == str(photos)
    assert viewer.fields["Size"].text() == "320 × 240"
    assert float(viewer.fields["Score"].text()) > 0.9
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=5000)
    qtbot.waitUntil(lambda: viewer.tag_names() == ["Trips|Rome"], timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.row == 1
    viewer.close()


def test_a_tag_typed_in_the_viewer_is_kept_when_its_sidecar_is_not_valid_xmp(qtbot, indexed, photos):
    pytest.importorskip("pyexiv2", reason="XMP write-back needs pyexiv2")

    window = indexed
    window.library.tags.set_xmp_writeback(True)
    broken = photos / "yellow.jpg.xmp"
    broken.write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>")  # cut short
    window.query.search_text("yellow")
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "yellow.jpg"), timeout=5000)
    viewer = window.search.open_viewer(0)
    qtbot.waitUntil(viewer.isVisible, timeout=3000)
    qtbot.keyClicks(viewer.tag_edit, "Bob")
    qtbot.keyClick(viewer.tag_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert f"the sidecar {broken} is not valid XMP; photoclip left it unchanged" in window.banner.message.text()
    qtbot.waitUntil(lambda: viewer.tag_names() == ["Bob"], timeout=5000)  # saved and shown all the same
    assert broken.read_bytes() == b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
    viewer.close()


def test_more_like_this_and_dropping_a_photo_search_by_photo(qtbot, indexed, photos):
    window = indexed
    window.query.search_text("orange")
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "orange.jpg"), timeout=5000)
    with qtbot.waitSignal(window.query.results, timeout=5000) as blocker:
        window.results_view.context_actions(0)["More like this"]()
    assert blocker.args[0].kind == "similar"
    assert str(photos / "orange.jpg") not in [h.path for h in window.results_model.hits()]

    outside = photos.parent / "outside-blue.png"
    from tests.support.library_fixtures import write_photo

    write_photo(outside, "blue")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(outside))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.search_box.dropEvent(event)
    qtbot.waitUntil(lambda: first_path(window) == str(photos / "blue.jpg"), timeout=5000)
    assert "outside-blue.png" in window.result_label.text()


def test_dropping_a_folder_on_the_window_adds_and_indexes_it(qtbot, window, photos):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photos))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.indexing.busy
    wait_idle(qtbot, window)
    assert [Path(p).name for p, _, _ in window.library_panel.rows()] == ["Pictures"]
    assert window.library.status().counts == {"indexed": 8}


def test_clearing_the_search_shows_the_library_again(qtbot, indexed):
    window = indexed
    window.search_box.setText("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=5000)
    window.search_box.clear()
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 0, timeout=3000)
    assert window.pages.currentWidget() is window.browse.page
    assert window.result_label.text() == "8 photos"


def test_escape_clears_the_search(qtbot, indexed):
    window = indexed
    qtbot.keyClicks(window.search_box, "red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=5000)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert window.search_box.text() == ""
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 0, timeout=3000)


def test_scrolling_to_the_end_loads_more_results(qtbot, make_window, library, photos):
    window = make_window(library, result_limit=2)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    window.query.search_text("red")
    model = window.results_model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)  # the two red photos: matches, no weaker yet
    first = model.hit(0)
    assert model.growable()  # a full page of matches: there may be more
    assert window.query.more(model.ranked_count())
    qtbot.waitUntil(lambda: model.ranked_count() == 8, timeout=5000)
    assert model.hit(0) is first  # appended, not replaced
    assert (model.match_count(), model.weaker_count(), model.rowCount()) == (2, 6, 3)  # the header folds 6
    model.set_weaker_shown(True)
    assert model.rowCount() == 9 and model.hit(0) is first
    with qtbot.waitSignal(window.query.results, timeout=5000):
        assert window.query.more(8)  # a full page of 8: there may be more
    assert model.rowCount() == 9 and model.weaker_shown  # the same answer: still unfolded
    assert not window.query.more(8)  # 8 of 32 asked for: that was everything


def test_scrolling_the_grid_to_its_end_asks_for_more(qtbot, make_window, library, tmp_path):
    from tests.support.library_fixtures import write_photo

    folder = tmp_path / "Many"
    for i in range(24):
        write_photo(folder / f"p{i:02d}.jpg", ("red", "blue", "green")[i % 3], size=(48, 32))
    window = make_window(library, result_limit=6)
    window.resize(640, 400)  # 6 thumbnails overflow the grid
    window.add_folders([str(folder)])
    wait_idle(qtbot, window)
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 6, timeout=5000)  # a full page of red matches
    window.results_view.doItemsLayout()
    bar = window.results_view.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    # all 8 red photos, then the header folding the 16 others
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 24, timeout=5000)
    assert window.results_model.rowCount() == 9 and window.results_model.is_header(8)
