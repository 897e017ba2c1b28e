"""The grid shows a search's matches, then "Weaker matches (N)" folded; a click unfolds them. Tooltips give the
calibrated score and, for +/- queries, each term's share (real widgets, colour embedder)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.models.results_model import WEAKER_ROLE
from tests.gui.conftest import grid_names

pytestmark = pytest.mark.gui


def click(qtbot, window, row: int) -> None:
    view = window.results_view
    rect = view.visualRect(window.results_model.index(row))
    assert rect.isValid() and view.viewport().rect().contains(rect.center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_weaker_matches_are_folded_until_the_header_is_clicked(qtbot, indexed, photos):
    window = indexed
    model = window.results_model
    window.query.search_text("red")
    qtbot.waitUntil(lambda: grid_names(window) == ["red.jpg", "mostly-red.png"], timeout=5000)
    assert model.rowCount() == 3 and model.is_header(2)
    assert model.data(model.index(2), Qt.ItemDataRole.DisplayRole) == "Weaker matches (6)"
    assert window.result_label.text() == "2 matches for “red” · 6 weaker"
    window.results_view.grab()  # the header paints as a card of its own

    click(qtbot, window, 2)
    assert model.weaker_shown and model.rowCount() == 9
    weaker = grid_names(window)[2:]
    assert len(weaker) == 6 and not {"red.jpg", "mostly-red.png"} & set(weaker)
    assert not model.hit(3).match and model.hit(3).calibrated < 3 <= model.hit(0).calibrated
    assert model.data(model.index(3), WEAKER_ROLE) and not model.data(model.index(0), WEAKER_ROLE)  # fainter
    assert not window.results_view.selectionModel().isSelected(model.index(2))  # the header is not a photo

    viewer = window.search.open_viewer(3)  # the first weaker photo: rows after the header are one further in the list
    qtbot.waitUntil(lambda: isinstance(viewer, ViewerDialog) and viewer.isVisible(), timeout=3000)
    assert viewer.fields["Name"].text() == weaker[0]
    viewer.close()

    click(qtbot, window, 2)
    assert not model.weaker_shown and model.rowCount() == 3


def test_a_search_that_matches_nothing_shows_only_the_folded_ranking(qtbot, indexed):
    window = indexed
    model = window.results_model
    window.query.search_text("dog")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.is_header(0) and model.weaker_count() == 8 and grid_names(window) == []
    assert window.result_label.text() == "No photo stands out for “dog” · 8 weaker matches"
    assert window.pages.currentWidget() is window.results_view
    qtbot.keyClick(window.results_view, Qt.Key.Key_Down)  # the keyboard reaches the header too
    window.results_view.setCurrentIndex(model.index(0))
    qtbot.keyClick(window.results_view, Qt.Key.Key_Space)
    assert model.rowCount() == 9 and len(grid_names(window)) == 8


def test_tooltips_give_the_calibrated_score_and_each_terms_share(qtbot, indexed, photos):
    window = indexed
    model = window.results_model
    window.query.search_text("red -white")
    qtbot.waitUntil(lambda: grid_names(window)[:1] == ["red.jpg"], timeout=5000)
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    name, detail, why, path = tip.split("\n")
    assert name == "red.jpg" and path == str(photos / "red.jpg")
    assert detail.startswith("score ") and " · calibrated " in detail and detail.endswith(" · stands out")
    assert why.startswith("red +0.7") and " · -white -0.0" in why

    window.search.search_similar(str(photos / "red.jpg"))
    qtbot.waitUntil(lambda: grid_names(window) == ["mostly-red.png"], timeout=5000)
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert model.hit(0).reference == str(photos / "red.jpg") and "\nnearest to red.jpg (0.8" in tip


def test_the_same_search_again_keeps_the_weaker_matches_unfolded(qtbot, indexed):
    window = indexed
    model = window.results_model
    window.query.search_text("blue")
    qtbot.waitUntil(lambda: grid_names(window) == ["blue.jpg"], timeout=5000)
    model.set_weaker_shown(True)
    first = model.hit(0)
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.query.repeat()  # as indexing does when photos arrive
    assert model.weaker_shown and model.rowCount() == 9 and model.hit(0) is first
    window.query.search_text("green")
    qtbot.waitUntil(lambda: grid_names(window) == ["green.jpg"], timeout=5000)
    assert not model.weaker_shown  # another search starts folded
