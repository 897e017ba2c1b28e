"""The review queue as a review grid: large thumbnails; A, A, R decides three photos in a row (the selection moves
on after each decision, even when the keys come faster than the catalog answers); double-click opens the viewer,
which steps through the grid."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from photoclip.core.tagging import Label, LabelSet
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.widgets.review_queue import ICON_SIZE
from tests.gui.conftest import wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui


@pytest.fixture
def queued(qtbot, window, photos):
    """Five photos suggested for "red" (red with more and more white), pending in the queue."""
    for i, share in enumerate((0.1, 0.2, 0.3, 0.4)):
        write_photo(photos / "reds" / f"red-{i}.jpg", "red", second="white", share=share)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    tagger = window.library.tags
    tagger.save_run(tagger.run(LabelSet("reds", (Label("red"),))), {"red": 0.0})
    window.tags.show_panel("Review")
    queue = window.tags.queue
    qtbot.waitUntil(lambda: len(queue.shown_keys()) >= 5, timeout=5000)
    return queue


def shown_names(queue) -> list[str]:
    path_of = {e.row.photo_id: e.row.path for e in queue.rows}
    return [Path(path_of[pid]).name for _, pid in queue.shown_keys()]


def states(window) -> dict[str, str]:
    return {Path(r.path).name: r.state for r in window.library.tags.store.rows(tag="red")}


def test_a_a_r_decides_three_consecutive_photos(qtbot, window, queued):
    queue = queued
    before = shown_names(queue)
    assert before[:2] == ["red.jpg", "red-0.jpg"]  # best first
    first, second, third, fourth = before[:4]
    queue.select("red", [queue.rows[0].row.path])
    queue.grid.setFocus()
    # three keys at typing speed: the second and third come before the catalog has answered the first
    for key in (Qt.Key.Key_A, Qt.Key.Key_A, Qt.Key.Key_R):
        qtbot.keyClick(queue.grid, key)
    assert shown_names(queue)[0] == fourth  # the decided ones left the grid at once
    current = queue.grid.currentItem()
    assert current is not None and current.isSelected() and shown_names(queue)[queue.grid.row(current)] == fourth
    qtbot.waitUntil(lambda: states(window)[third] == "rejected", timeout=5000)
    assert states(window)[first] == "accepted" and states(window)[second] == "accepted"
    assert states(window)[fourth] == "suggested"
    qtbot.waitUntil(lambda: window.tags.service.busy is False, timeout=5000)
    qtbot.wait(100)  # the refreshes after the decisions: the grid stays as decided
    assert shown_names(queue)[0] == fourth and queue.grid.currentItem().isSelected()
    assert shown_names(queue) == before[3:]

    # the buttons move on too, and the keys keep working after a click on one
    queue.accept_button.click()
    assert shown_names(queue) == before[4:]
    qtbot.keyClick(queue.grid, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: states(window)[before[4]] == "rejected", timeout=5000)
    assert states(window)[fourth] == "accepted"


def test_large_thumbnails_and_double_click_opens_the_viewer_over_the_grid(qtbot, window, queued):
    queue = queued
    assert queue.grid.iconSize().width() == ICON_SIZE >= 128  # not a 50 × 12 strip
    item = queue.grid.item(0)
    qtbot.waitUntil(lambda: not queue.grid.item(0).icon().isNull(), timeout=5000)  # the visible ones load
    rect = queue.grid.visualItemRect(item)
    assert rect.width() >= ICON_SIZE and rect.height() >= ICON_SIZE * 3 // 4  # a 4:3 photo at 160 px

    names = shown_names(queue)
    viewport = queue.grid.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=queue.grid.visualItemRect(queue.grid.item(1)).center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=queue.grid.visualItemRect(queue.grid.item(1)).center())
    qtbot.waitUntil(lambda: any(v.isVisible() for v in window.findChildren(ViewerDialog)), timeout=3000)
    viewer = next(v for v in window.findChildren(ViewerDialog) if v.isVisible())
    assert viewer.fields["Name"].text() == names[1]
    assert viewer.position.text() == f"2 of {len(names)}"
    qtbot.keyClick(viewer.image, Qt.Key.Key_Right)  # steps through the grid's photos
    assert viewer.fields["Name"].text() == names[2]
    # the model's suggestion shows on the photo, and rejecting it there takes it out of the queue
    pid = viewer.hit.photo.id
    qtbot.waitUntil(lambda: viewer.model_chips.names() == ["red"], timeout=5000)
    qtbot.mouseClick(viewer.model_chips.remove_button("red"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ("red", pid) not in queue.shown_keys(), timeout=5000)
    viewer.close()

    queue.grid.setCurrentItem(queue.grid.item(0))
    qtbot.keyClick(queue.grid, Qt.Key.Key_Return)  # Enter opens it too
    qtbot.waitUntil(lambda: any(v.isVisible() for v in window.findChildren(ViewerDialog)), timeout=3000)


def test_one_tag_at_a_time_and_bulk_decisions_follow_the_tag_shown(qtbot, window, queued):
    queue = queued
    tagger = window.library.tags
    tagger.save_run(tagger.run(LabelSet("whites", (Label("white"),))), {"white": 0.0})
    queue.refresh()
    qtbot.waitUntil(lambda: queue.tag_combo.count() == 3, timeout=5000)  # all, red, white
    assert queue.tag_combo.itemText(0).startswith("All tags (")
    queue.show_tag("white")
    assert {tag for tag, _ in queue.shown_keys()} == {"white"}
    queue.reject_all_button.click()
    qtbot.waitUntil(lambda: "white" not in queue.grouped(), timeout=5000)
    assert queue.current_tag() is None  # the tag is gone: all tags again
    assert "red" in queue.grouped()
