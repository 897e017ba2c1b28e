"""Thresholds moved with the slider but not saved are not dropped silently: choosing or importing another label
set, or closing the window, asks Save / Discard / Cancel first (the real QMessageBox, answered by clicking it);
editing or removing a label keeps the other labels' moved thresholds on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from photoclip.core.tagging import Label
from tests.gui.conftest import wait_idle
from tests.gui.test_tags_panel import make_colour_set, open_panel, run_set

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton


def answer(button: Button) -> list[str]:
    """Click ``button`` in the next message box shown; returns (once shown) the question it asked."""
    asked: list[str] = []

    def click() -> None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        if not boxes:
            QTimer.singleShot(20, click)
            return
        asked.append(boxes[0].text())
        boxes[0].button(button).click()

    QTimer.singleShot(0, click)
    return asked


@pytest.fixture
def moved(qtbot, window, photos):
    """The colours set run, red's threshold moved to 85 and not saved."""
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    panel = open_panel(qtbot, window)
    make_colour_set(qtbot, panel)
    run_set(qtbot, panel)
    panel.select_label("red")
    panel.slider.setValue(850)
    assert panel.unsaved_thresholds() == {"red": 85.0}
    return panel


def choose_set(panel, name: str) -> None:
    panel.set_combo.setCurrentIndex(panel.set_combo.findData(name))


def saved_thresholds(library) -> list:
    return [(lb.name, lb.threshold) for lb in library.tags.label_set("colours").labels]


def test_cancel_keeps_the_set_and_its_moved_thresholds(qtbot, moved, library):
    panel = moved
    asked = answer(Button.Cancel)
    choose_set(panel, "scenes")
    assert asked == ["Save the thresholds you changed in colours?"]
    assert panel.set_combo.currentData() == "colours"
    qtbot.wait(200)  # nothing loads behind the dialog's back
    assert panel.label_set.name == "colours"
    assert panel.unsaved_thresholds() == {"red": 85.0}
    assert panel.labels.currentItem().text(1) == "85.0 •"
    assert saved_thresholds(library) == [("red", None), ("white", None)]


def test_discard_drops_them_and_save_keeps_them(qtbot, moved, library):
    panel = moved
    asked = answer(Button.Discard)
    choose_set(panel, "scenes")
    assert asked
    qtbot.waitUntil(lambda: panel.label_set.name == "scenes", timeout=5000)
    assert saved_thresholds(library) == [("red", None), ("white", None)]

    choose_set(panel, "colours")  # nothing moved in scenes: no question
    qtbot.waitUntil(lambda: panel.label_set.name == "colours", timeout=5000)
    assert panel.unsaved_thresholds() == {}
    run_set(qtbot, panel)  # the slider's range follows the run's best score
    panel.select_label("red")
    panel.slider.setValue(850)
    asked = answer(Button.Save)
    choose_set(panel, "scenes")
    assert asked
    qtbot.waitUntil(lambda: panel.label_set.name == "scenes", timeout=5000)
    assert panel.set_combo.currentData() == "scenes"
    assert saved_thresholds(library) == [("red", 85.0), ("white", None)]


def test_closing_the_window_asks_too(qtbot, moved, window, library):
    asked = answer(Button.Cancel)
    window.close()
    assert asked == ["Save the thresholds you changed in colours?"]
    assert window.isVisible() and not window._closed

    answer(Button.Save)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)  # closed once the save went through
    assert saved_thresholds(library) == [("red", 85.0), ("white", None)]


def test_editing_or_removing_a_label_keeps_the_others_moved(qtbot, moved, library):
    panel = moved
    panel.edit_label("white", Label("white", ("white", "snow")))
    qtbot.waitUntil(lambda: panel.label_set.labels[1].prompts == ("white", "snow"), timeout=5000)
    assert panel.unsaved_thresholds() == {"red": 85.0}  # still moved, still not saved
    assert saved_thresholds(library) == [("red", None), ("white", None)]

    panel.edit_label(None, Label("blue"))
    qtbot.waitUntil(lambda: len(panel.label_set.labels) == 3, timeout=5000)
    panel.remove_label("white")
    qtbot.waitUntil(lambda: [lb.name for lb in panel.label_set.labels] == ["red", "blue"], timeout=5000)
    assert panel.unsaved_thresholds() == {"red": 85.0}

    panel.remove_label("red")  # the moved threshold goes with its label
    qtbot.waitUntil(lambda: [lb.name for lb in panel.label_set.labels] == ["blue"], timeout=5000)
    assert panel.unsaved_thresholds() == {}


def test_importing_a_set_asks_first(qtbot, moved, library, tmp_path):
    panel = moved
    other = tmp_path / "warm.txt"
    other.write_text("Warm: red | orange\n")
    asked = answer(Button.Cancel)
    panel.import_set(str(other))
    assert asked == ["Save the thresholds you changed in colours?"]
    qtbot.wait(200)
    assert panel.label_set.name == "colours" and panel.unsaved_thresholds() == {"red": 85.0}

    answer(Button.Save)
    panel.import_set(str(other))
    qtbot.waitUntil(lambda: panel.label_set.name == "warm", timeout=5000)
    assert saved_thresholds(library) == [("red", 85.0), ("white", None)]
