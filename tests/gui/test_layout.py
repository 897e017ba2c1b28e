"""The window at small sizes: 1024×700 with the Tags panel open, the thumbnail-size control, a saved geometry
larger than the screen. Widths are read from the real widgets' geometry (offscreen, Fusion style)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from photoclip.gui.widgets.thumb_size import DEFAULT_SIZE, MIN_SIZE, STEP
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

#: "usable" for the search box: its placeholder's first words and a typical query ("red car at night",
#: ~120 px) with room to edit; it shrank to ~130 px beside the Tags panel
SEARCH_USABLE = 250
#: a grid of a few columns, as photo apps show even in a small window (it fell to 1 column at 1024×700) ...
GRID_USABLE_COLUMNS = 3
#: ... of thumbnails no smaller than the smallest the size slider offers (cells shrink a little to fill a row)
THUMB_USABLE = MIN_SIZE
#: the threshold slider spans 0–10: a 0.1 step every 2 px at least (it was ~75 px)
SLIDER_USABLE = 200


def first_row_columns(view) -> int:
    """Cells the results grid shows on its first row, from their on-screen rectangles."""
    model = view.model()
    rects = [view.visualRect(model.index(r)) for r in range(model.rowCount())]
    first = [r for r in rects if r.top() == rects[0].top()]
    assert all(r.right() < view.viewport().width() for r in first)  # each one fully on screen
    return len(first)


def inside(widget: QWidget, outer: QWidget) -> bool:
    """``widget`` lies fully within ``outer`` (nothing cut off at its right or bottom edge)."""
    top_left = widget.mapTo(outer, QPoint(0, 0))
    return outer.rect().contains(top_left) and outer.rect().contains(top_left + QPoint(widget.width() - 1,
                                                                                         widget.height() - 1))


def small_window_with_tags(qtbot, window):
    window.resize(1024, 700)
    window.tags.show_panel()
    qtbot.waitUntil(lambda: window.tags.dock.isVisible() and window.width() == 1024)
    qtbot.wait(50)  # the dock's first width and the panels' fit are laid out
    return window


def test_at_1024x700_beside_the_tags_panel_the_search_and_grid_stay_usable(qtbot, indexed):
    window = small_window_with_tags(qtbot, indexed)
    window.search_box.setText("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=10_000)
    window.results_model.set_weaker_shown(True)  # every photo of the library: enough for full rows
    qtbot.wait(50)

    assert window.search_box.width() >= SEARCH_USABLE
    assert first_row_columns(window.results_view) >= GRID_USABLE_COLUMNS
    assert window.results_view.iconSize().width() >= THUMB_USABLE
    assert window.tags.panel.slider.width() >= SLIDER_USABLE
    assert inside(window.tags.panel.slider, window.tags.dock)
    # the filter row wraps rather than running past the grid's edge
    for part in (window.search_filters.folder_combo, window.search_filters.date_from,
                 window.search_filters.date_to):
        assert inside(part, window.grid_area)
    # the caption beside the box gives way (cut with "…" where needed) inside the window
    assert "for “red”" in window.result_label.text()
    assert inside(window.result_label, window.grid_area)


def test_the_library_view_keeps_its_columns_beside_the_tags_panel(qtbot, indexed):
    window = small_window_with_tags(qtbot, indexed)
    qtbot.waitUntil(lambda: window.browse.visible and not window.browse.loading and len(window.browse.model) > 0)
    view = window.browse.view
    assert view.cols >= GRID_USABLE_COLUMNS and view.thumb >= THUMB_USABLE
    assert view.row_rect(0).left() + view.cols * view.cell - 1 <= view.viewport().width()  # the last column shows


def test_the_thumbnail_size_control_sizes_both_grids_and_is_kept(qtbot, make_window, library, photos):
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    window.resize(1200, 780)
    window.search_box.setText("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 0, timeout=10_000)
    assert window.thumb_size() == DEFAULT_SIZE
    cell_before = window.results_view.visualRect(window.results_model.index(0)).width()
    icon_before = window.results_view.iconSize().width()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.results_view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)  # Ctrl+=
    qtbot.keyClick(window.results_view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.thumb_slider.value() == DEFAULT_SIZE + 2 * STEP
    qtbot.waitUntil(lambda: window.results_view.iconSize().width() > icon_before)
    assert window.results_view.visualRect(window.results_model.index(0)).width() > cell_before
    qtbot.keyClick(window.results_view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)  # Ctrl+-
    chosen = DEFAULT_SIZE + STEP
    assert window.thumb_slider.value() == chosen

    window.search_box.clear()  # the library view: the same size
    qtbot.waitUntil(lambda: window.browse.visible and not window.browse.loading)
    browse_cell = window.browse.view.thumb
    window.thumb_slider.set_value(MIN_SIZE)  # the slider itself
    assert window.browse.view.thumb < browse_cell
    assert window.results_view.iconSize().width() < icon_before
    window.thumb_slider.set_value(chosen)
    window.close()

    again = make_window(library)
    again.resize(1200, 780)
    assert again.thumb_size() == chosen
    qtbot.waitUntil(lambda: again.browse.visible and not again.browse.loading)
    assert again.browse.view.base == chosen and again.results_view.base == chosen


def test_an_oversized_saved_geometry_comes_back_inside_the_screen(qtbot, make_window, library):
    first = make_window(library)
    first.resize(2400, 1600)  # saved on a larger screen (or the same one before scaling it 1.5×)
    first.move(300, 200)
    first.close()

    again = make_window(library)
    area = again.screen().availableGeometry()
    assert area.contains(again.frameGeometry())
    assert again.width() < 2400


def test_with_the_tags_panel_open_the_restored_window_still_fits_the_screen(qtbot, make_window, library):
    first = make_window(library)
    first.tags.show_panel()
    first.resize(2400, 1600)
    qtbot.waitUntil(first.tags.dock.isVisible)
    smallest = first.minimumSizeHint().width()  # the window's narrowest layout with the panel docked
    first.close()

    again = make_window(library)
    area = again.screen().availableGeometry()
    assert area.contains(again.frameGeometry())
    if smallest > area.width():  # the offscreen test screen (800 px) is narrower: the panel closes, and says so
        assert again.tags.dock.isHidden()
        assert "Tags panel" in again.statusBar().currentMessage()
    else:  # a screen such as 1600×1000 at scale 1.5 (1067 px): window and panel both fit
        assert again.tags.dock.isVisible() and inside(again.tags.dock, again)
