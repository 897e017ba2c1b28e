"""The threshold field keeps what is typed at normal speed ("2.4" once became 2.0: the live update rewrote the
field between keys), the count follows the typed value, and the slider has a usable width in the Tags dock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from photoclip.gui.widgets.threshold_control import SLIDER_MIN_WIDTH
from tests.gui.test_tags_panel import make_colour_set, open_panel, run_set

pytestmark = pytest.mark.gui


def type_threshold(qtbot, panel, text: str) -> None:
    panel.spin.setFocus()
    panel.spin.selectAll()
    qtbot.keyClicks(panel.spin, text)  # key by key, each one through the live update


def test_typed_thresholds_are_kept(qtbot, indexed):
    panel = open_panel(qtbot, indexed)
    make_colour_set(qtbot, panel)
    run_set(qtbot, panel)
    panel.select_label("red")
    qtbot.waitUntil(lambda: panel.preview_shown.label == "red", timeout=5000)

    type_threshold(qtbot, panel, "2.4")
    assert panel.spin.text() == "2.4" and panel.spin.value() == pytest.approx(2.4)
    assert panel.thresholds["red"] == pytest.approx(2.4)
    assert panel.slider.value() == 24
    qtbot.keyClick(panel.spin, Qt.Key.Key_Return)
    assert panel.spin.text() == "2.4"  # editing finished: still what was typed
    assert panel.labels.currentItem().text(1) == "2.4 •"

    type_threshold(qtbot, panel, "85.5")  # red.jpg scores 99, mostly-red.png 81: one photo
    assert panel.spin.text() == "85.5" and panel.thresholds["red"] == pytest.approx(85.5)
    qtbot.waitUntil(lambda: panel.live_count.text() == "1 photo", timeout=5000)
    assert panel.spin.text() == "85.5"  # the count arriving does not touch the field either

    panel.slider.setValue(30)  # the slider still drives the field
    assert panel.spin.text() == "3.0" and panel.thresholds["red"] == pytest.approx(3.0)


def test_the_slider_has_a_usable_width_in_the_dock(qtbot, indexed):
    window = indexed
    panel = open_panel(qtbot, window)
    make_colour_set(qtbot, panel)
    window.resize(1024, 700)
    qtbot.wait(50)
    assert panel.slider.width() >= SLIDER_MIN_WIDTH
    # 0–10 over that width: a 0.1 step is at least two pixels
    assert panel.slider.width() / (panel.slider.maximum() - panel.slider.minimum()) >= 2
