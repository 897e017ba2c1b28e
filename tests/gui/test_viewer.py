"""The viewer as people use photo viewers: arrow keys and ◀ ▶ step through the result list from the moment it
opens (the focus is not in the tag field), full screen with F and Esc, zoom with + / − / Ctrl+wheel / 1:1 / fit
(the full resolution loads when zoomed past the first decode), tags as chips removed with their ×, and "Open
folder" that says so when no file manager can open it (the offscreen platform has none: a real failure)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.gui.conftest import wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui


def show_ranked(qtbot, window, query: str, photos: int) -> None:
    """Search, and unfold the weaker matches: the viewer steps through every photo shown."""
    window.query.search_text(query)
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == photos, timeout=5000)
    window.results_model.set_weaker_shown(True)
    assert len(window.results_model.hits()) == photos


def open_on_results(qtbot, window, query: str = "red", row: int = 0):
    show_ranked(qtbot, window, query, 8)
    viewer = window.search.open_viewer(row)
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.full_loaded, timeout=5000)
    return viewer


def names_of(window) -> list[str]:
    return [h.photo.path.rsplit("/", 1)[-1] for h in window.results_model.hits()]


def test_keys_and_buttons_step_through_the_results_from_the_start(qtbot, indexed):
    window = indexed
    viewer = open_on_results(qtbot, window)
    order = names_of(window)
    assert viewer.fields["Name"].text() == order[0]
    viewer.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    focus = QApplication.focusWidget()
    assert focus is viewer.image and focus is not viewer.tag_edit  # the photo has the keys, not the tag field

    qtbot.keyClick(focus, Qt.Key.Key_Right)  # as a user presses it: to the focused widget
    assert viewer.row == 1 and viewer.fields["Name"].text() == order[1]
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.keyClick(focus, Qt.Key.Key_Left)
    assert viewer.row == 1
    assert viewer.position.text() == "2 of 8"
    qtbot.keyClick(focus, Qt.Key.Key_End)
    assert viewer.row == 7 and not viewer.next_button.isEnabled()
    qtbot.keyClick(focus, Qt.Key.Key_Right)  # past the end: stays
    assert viewer.row == 7
    qtbot.mouseClick(viewer.previous_button, Qt.MouseButton.LeftButton)  # the on-screen buttons
    assert viewer.row == 6 and viewer.fields["Name"].text() == order[6]
    qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
    assert viewer.row == 7
    qtbot.keyClick(focus, Qt.Key.Key_Home)
    assert viewer.row == 0 and not viewer.previous_button.isEnabled()
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=5000)  # the stepped-to photo decodes too

    # in the tag field the keys type and move the cursor: they do not step
    viewer.tag_edit.setFocus()
    qtbot.keyClicks(viewer.tag_edit, "fz1+")
    qtbot.keyClick(viewer.tag_edit, Qt.Key.Key_Left)
    assert viewer.tag_edit.text() == "fz1+" and viewer.tag_edit.cursorPosition() == 3
    assert viewer.row == 0 and not viewer.isFullScreen() and viewer.image.fit
    viewer.close()


def test_full_screen_with_f_and_esc(qtbot, indexed):
    viewer = open_on_results(qtbot, indexed)
    qtbot.keyClick(viewer.image, Qt.Key.Key_F)
    assert viewer.isFullScreen() and not viewer.side.isVisible()  # the photo alone, with the ◀ ▶ bar
    assert viewer.next_button.isVisible()
    qtbot.keyClick(viewer.image, Qt.Key.Key_Right)  # stepping works there too
    assert viewer.row == 1
    qtbot.keyClick(viewer.image, Qt.Key.Key_Escape)  # Esc leaves full screen, the viewer stays
    assert not viewer.isFullScreen() and viewer.isVisible() and viewer.side.isVisible()
    qtbot.keyClick(viewer.image, Qt.Key.Key_F11)
    assert viewer.isFullScreen()
    viewer.full_screen_button.click()
    assert not viewer.isFullScreen()
    qtbot.keyClick(viewer.image, Qt.Key.Key_Escape)  # and the next Esc closes it
    assert not viewer.isVisible()


def wheel(widget, up: bool, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 if up else -120),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_zoom_keys_wheel_and_full_resolution(qtbot, window, photos):
    big = write_photo(photos / "big" / "red-big.jpg", "red", size=(4000, 3000))
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    show_ranked(qtbot, window, "red", 9)
    model = window.results_model
    row = next(r for r in range(model.rowCount()) if model.hit(r) is not None and model.hit(r).path == str(big))
    viewer = window.search.open_viewer(row)
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=10_000)
    view = viewer.image
    assert view.fit and view.zoom < 0.3  # 4000 px into a window-sized view
    assert max(view.picture.width(), view.picture.height()) == 2048  # the first decode, not the full photo
    assert viewer.zoom_label.text() == f"{view.zoom * 100:.0f}%"

    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert not view.fit and view.zoom == pytest.approx(view.fit_zoom() * 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.fit
    wheel(view.viewport(), up=True)
    assert not view.fit and view.zoom > view.fit_zoom()
    wheel(view.viewport(), up=False)
    assert view.fit
    scrolled = view.zoom
    wheel(view.viewport(), up=True, modifiers=Qt.KeyboardModifier.NoModifier)  # a plain wheel does not zoom
    assert view.fit and view.zoom == scrolled

    qtbot.keyClick(view, Qt.Key.Key_1)  # 1:1: one photo pixel per screen pixel, so the full 4000 px load
    assert view.zoom == 1.0 and viewer.zoom_label.text() == "100%"
    qtbot.waitUntil(lambda: max(view.picture.width(), view.picture.height()) == 4000, timeout=10_000)
    assert view.zoom == 1.0 and not view.fit  # the sharper picture kept the zoom
    assert view.horizontalScrollBar().maximum() > 0  # larger than the view: dragged or scrolled to pan
    qtbot.keyClick(view, Qt.Key.Key_Z)  # Z toggles back to fit
    assert view.fit
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton)  # and so does a double click
    assert view.zoom == 1.0
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert view.fit
    viewer.close()


def test_tags_are_chips_removed_with_their_cross(qtbot, indexed, photos):
    window = indexed
    tagger = window.library.tags
    red = window.library.photo_at(photos / "red.jpg")
    tagger.add_tags([red.id], ["Trips|Rome", "Bob"])
    run = tagger.run(["red"])
    tagger.save_run(run)
    tagger.accept([red.id], "red")
    viewer = open_on_results(qtbot, window)
    assert viewer.hit.path == str(photos / "red.jpg")
    qtbot.waitUntil(lambda: viewer.tag_names() == ["Bob", "Trips|Rome"], timeout=5000)
    assert viewer.model_chips.names() == ["red"]

    qtbot.mouseClick(viewer.tag_chips.remove_button("Trips|Rome"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.tag_names() == ["Bob"], timeout=5000)
    assert [r.tag for r in tagger.tags_of(red.id) if r.source == "user"] == ["Bob"]

    # a model's tag: its × rejects it, so it is not suggested again for this photo
    qtbot.mouseClick(viewer.model_chips.remove_button("red"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.model_chips.names() == [], timeout=5000)
    assert {(r.tag, r.state) for r in tagger.tags_of(red.id) if r.source != "user"} == {("red", "rejected")}
    viewer.close()


def test_open_folder_without_a_file_manager_says_where_the_photo_is(qtbot, indexed, photos):
    window = indexed
    viewer = open_on_results(qtbot, window)
    assert viewer.open_folder() is False  # offscreen: no file manager, as on a bare desktop
    box = viewer.findChild(QMessageBox, "noFileManager")
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=3000)
    assert "No file manager" in box.text() and str(photos) in box.informativeText()
    copy = next(b for b in box.buttons() if b.text() == "Copy path")
    copy.click()
    assert QApplication.clipboard().text() == str(photos)
    viewer.close()

    window._open_folder(str(photos))  # the grid's "Show in folder" says it too
    box = window.findChild(QMessageBox, "noFileManager")
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=3000)
    box.close()
