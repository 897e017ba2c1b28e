"""The Tags dock over a real catalog with the colour embedder: a label set made in the panel, the threshold
slider's live count and preview, the review queue (keys, bulk, persistence), the viewer's tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from photoclip.core.tagging import Label
from tests.gui.conftest import wait_idle
from tests.support.library_fixtures import open_library

pytestmark = pytest.mark.gui


def names(paths) -> list[str]:
    return [Path(p).name for p in paths]


def open_panel(qtbot, window):
    window.tags.show_panel()
    panel = window.tags.panel
    qtbot.waitUntil(lambda: panel.label_set is not None, timeout=5000)
    return panel


def make_colour_set(qtbot, panel):
    """Made through the panel, as a user would: a new set, two labels typed in."""
    panel.new_set("colours")
    qtbot.waitUntil(lambda: panel.label_set is not None and panel.label_set.name == "colours", timeout=5000)
    panel.edit_label(None, Label("red"))
    qtbot.waitUntil(lambda: len(panel.label_set.labels) == 1, timeout=5000)
    panel.edit_label(None, Label("white"))
    qtbot.waitUntil(lambda: [lb.name for lb in panel.label_set.labels] == ["red", "white"], timeout=5000)


def run_set(qtbot, panel):
    panel.run_labels()
    qtbot.waitUntil(lambda: panel.run is not None and panel.preview_shown is not None, timeout=10_000)


def test_threshold_slider_gives_the_live_count_and_preview(qtbot, indexed, photos):
    window = indexed
    panel = open_panel(qtbot, window)
    make_colour_set(qtbot, panel)
    assert panel.label_set.name in [panel.set_combo.itemData(i) for i in range(panel.set_combo.count())]
    run_set(qtbot, panel)
    # both labels at the default threshold 3: the pure colour and the photo with a third of white in it
    assert [panel.labels.topLevelItem(i).text(2) for i in range(2)] == ["2", "2"]
    panel.select_label("red")
    qtbot.waitUntil(lambda: panel.preview_shown.label == "red", timeout=5000)
    assert names(panel.preview_paths()) == ["red.jpg", "mostly-red.png"]
    assert panel.live_count.text() == "2 photos"

    # red.jpg scores 99, mostly-red.png 81 on this library (uniform photos: small spread, high scores)
    panel.slider.setValue(850)  # 85.0
    assert panel.spin.value() == pytest.approx(85.0)
    qtbot.waitUntil(lambda: panel.live_count.text() == "1 photo", timeout=5000)
    assert names(panel.preview_paths()) == ["red.jpg"]
    assert panel.preview.count() == 1
    tip = panel.preview.item(0).toolTip()
    assert "score 99" in tip and "matched best: “a photo of red”" in tip
    assert panel.labels.currentItem().text(1) == "85.0 •"  # not saved into the set: the slider explores
    assert panel.labels.currentItem().text(2) == "1"

    panel.slider.setValue(panel.slider.maximum())
    qtbot.waitUntil(lambda: panel.live_count.text() == "0 photos", timeout=5000)
    assert panel.preview.count() == 0

    # a dragged slider is debounced: twenty moves, one or two computations
    previews = []
    window.tags.service.finished.connect(lambda what: previews.append(what) if what == "preview" else None)
    for value in range(300, 320):
        panel.slider.setValue(value)
    qtbot.waitUntil(lambda: panel.live_count.text() == "2 photos", timeout=5000)
    qtbot.wait(300)
    assert 1 <= len(previews) <= 2
    # the preview's thumbnails come from the image loader
    qtbot.waitUntil(lambda: not panel.preview.item(0).icon().isNull(), timeout=5000)


def test_review_queue_decisions_persist_and_rejected_never_return(qtbot, make_window, window, library, photos,
                                                                   tmp_path, libraries):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    panel = open_panel(qtbot, window)
    make_colour_set(qtbot, panel)
    run_set(qtbot, panel)
    panel.send_to_queue()
    queue = window.tags.queue
    qtbot.waitUntil(lambda: queue.grouped() != {}, timeout=5000)
    assert {tag: names(paths) for tag, paths in queue.grouped().items()} == {
        "red": ["red.jpg", "mostly-red.png"], "white": ["white.jpg", "mostly-red.png"]}
    assert queue.summary.text() == "4 suggestions waiting for review"

    window.tags.show_panel("Review")
    queue.select("red", [str(photos / "red.jpg")])
    qtbot.keyClick(queue.grid, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: names(queue.grouped().get("red", [])) == ["mostly-red.png"], timeout=5000)
    queue.select("red", [str(photos / "trip" / "mostly-red.png")])
    qtbot.keyClick(queue.grid, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: "red" not in queue.grouped(), timeout=5000)
    # bulk: every white suggestion scoring at least 50 (white.jpg 99; mostly-red.png 47 stays)
    queue.show_tag("white")
    queue.min_score.setValue(50.0)
    queue.accept_all_button.click()
    qtbot.waitUntil(lambda: {t: names(p) for t, p in queue.grouped().items()} == {"white": ["mostly-red.png"]},
                    timeout=5000)

    # the viewer shows the model's accepted tag apart from typed ones; a typed tag is added and removed there
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0
                    and window.results_model.hit(0).path == str(photos / "red.jpg"), timeout=5000)
    viewer = window.search.open_viewer(0)
    qtbot.waitUntil(lambda: viewer.model_chips.names() == ["red"], timeout=5000)
    assert viewer.model_chips.chip("red").findChild(QLabel).text() == "red ✓"
    assert viewer.tag_names() == []
    qtbot.keyClicks(viewer.tag_edit, "Trips|Rome")
    qtbot.keyClick(viewer.tag_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.tag_names() == ["Trips|Rome"], timeout=5000)
    assert viewer.model_chips.names() == ["red"]
    qtbot.mouseClick(viewer.tag_chips.remove_button("Trips|Rome"), Qt.MouseButton.LeftButton)  # its ×
    qtbot.waitUntil(lambda: viewer.tag_names() == [], timeout=5000)
    viewer.close()

    # re-open the library: the decisions are there, and a new run suggests none of them again
    window.shutdown()
    library.close()
    libraries.remove(library)
    reopened = open_library(tmp_path)
    libraries.append(reopened)
    states = {(Path(r.path).name, r.tag): r.state for r in reopened.tags.store.rows()}
    assert states == {("red.jpg", "red"): "accepted", ("mostly-red.png", "red"): "rejected",
                      ("white.jpg", "white"): "accepted", ("mostly-red.png", "white"): "suggested"}
    again = make_window(reopened)
    panel = open_panel(qtbot, again)
    panel.refresh_sets(select="colours")
    qtbot.waitUntil(lambda: panel.label_set.name == "colours", timeout=5000)
    run_set(qtbot, panel)
    panel.send_to_queue()
    queue = again.tags.queue
    qtbot.waitUntil(lambda: "sent to the review queue" in panel.run_status.text(), timeout=5000)
    qtbot.waitUntil(lambda: {t: names(p) for t, p in queue.grouped().items()} == {"white": ["mostly-red.png"]},
                    timeout=5000)
    assert panel.labels.topLevelItem(0).text(2) == "0"  # red: one accepted, one rejected, nothing new


def test_label_set_export_and_import(qtbot, indexed, tmp_path):
    panel = open_panel(qtbot, indexed)
    make_colour_set(qtbot, panel)
    target = tmp_path / "exported.txt"
    panel.export_set(str(target))
    qtbot.waitUntil(target.exists, timeout=5000)
    assert target.read_text().splitlines()[1:] == ["red", "white"]
    other = tmp_path / "warm.txt"
    other.write_text("Warm: red | orange ! blue @ 4\n")
    panel.import_set(str(other))
    qtbot.waitUntil(lambda: panel.label_set is not None and panel.label_set.name == "warm", timeout=5000)
    assert panel.label_set.labels == (Label("Warm", ("red", "orange"), ("blue",), 4.0),)
    assert panel.set_combo.currentData() == "warm"


def test_saved_threshold_is_what_the_next_run_uses(qtbot, make_window, window, library, photos, libraries,
                                                   tmp_path):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    panel = open_panel(qtbot, window)
    make_colour_set(qtbot, panel)
    run_set(qtbot, panel)
    panel.select_label("red")
    qtbot.waitUntil(lambda: panel.preview_shown.label == "red", timeout=5000)
    assert not panel.threshold.save_button.isEnabled()
    panel.slider.setValue(850)
    qtbot.waitUntil(lambda: panel.live_count.text() == "1 photo", timeout=5000)
    assert library.tags.label_set("colours").labels[0].threshold is None  # moving the slider saves nothing
    assert panel.threshold.save_button.text() == "Save thresholds (1)"

    panel.threshold.save_button.click()
    qtbot.waitUntil(lambda: panel.labels.currentItem().text(1) == "85.0", timeout=5000)  # the • is gone
    assert [(lb.name, lb.threshold) for lb in library.tags.label_set("colours").labels] == [
        ("red", 85.0), ("white", None)]
    assert not panel.threshold.save_button.isEnabled()
    assert panel.run is not None and panel.live_count.text() == "1 photo"  # the run and preview stay

    # the next session: the set loads with the saved threshold and a run counts with it
    window.shutdown()
    library.close()
    libraries.remove(library)
    reopened = open_library(tmp_path)
    libraries.append(reopened)
    panel = open_panel(qtbot, make_window(reopened))
    panel.refresh_sets(select="colours")
    qtbot.waitUntil(lambda: panel.label_set.name == "colours", timeout=5000)
    run_set(qtbot, panel)
    assert [panel.labels.topLevelItem(i).text(1) for i in range(2)] == ["85.0", "3.0"]
    assert [panel.labels.topLevelItem(i).text(2) for i in range(2)] == ["1", "2"]
    panel.select_label("red")
    qtbot.waitUntil(lambda: panel.preview_shown.label == "red", timeout=5000)
    assert names(panel.preview_paths()) == ["red.jpg"]
