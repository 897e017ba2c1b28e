"""Manual albums from the results grid: right-click ▸ Add to album ▸ New album… / an album (the selection or
the photo clicked), and Remove from album (or Delete) while the album is on screen in the library view."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

from photoclip.gui.widgets.results_view import build_menu
from tests.gui.conftest import browse_names, grid_names

pytestmark = pytest.mark.gui


def search(qtbot, window, text: str, first: str) -> None:
    window.query.search_text(text)
    qtbot.waitUntil(lambda: grid_names(window)[:1] == [first], timeout=5000)


def select_rows(window, rows: list[int]) -> None:
    view = window.results_view
    view.clearSelection()
    for row in rows:
        view.selectionModel().select(window.results_model.index(row), QItemSelectionModel.SelectionFlag.Select)


def album_names(window, name: str) -> list[str]:
    return sorted(Path(m.path).name for m in window.library.albums.members(name))


def test_add_selected_photos_to_albums_and_remove_them(qtbot, indexed):
    window = indexed
    albums = window.tags.albums
    view = window.results_view
    search(qtbot, window, "red", "red.jpg")
    assert grid_names(window)[:2] == ["red.jpg", "mostly-red.png"]
    select_rows(window, [0, 1])

    def name_it():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("Picked reds")
        dialog.accept()

    QTimer.singleShot(0, name_it)
    view.context_actions(1)["Add to album"]["New album…"]()  # right-click inside the selection: both photos
    qtbot.waitUntil(lambda: albums.rows() == [("Picked reds", "manual", 2)], timeout=5000)
    assert album_names(window, "Picked reds") == ["mostly-red.png", "red.jpg"]

    # a right-click outside the selection acts on that photo only
    search(qtbot, window, "blue", "blue.jpg")
    select_rows(window, [3])
    add = view.context_actions(0)["Add to album"]
    assert list(add) == ["Picked reds", "New album…"]
    menu = build_menu(QMenu(view), view.context_actions(0))  # the popup as built for a right-click
    assert [a.text() for a in menu.actions()] == ["Open", "More like this", "Show in folder", "Add to album"]
    assert [a.text() for a in menu.actions()[3].menu().actions()] == ["Picked reds", "New album…"]
    assert "Remove from album" not in view.context_actions(0)  # a search is on screen, not an album
    add["Picked reds"]()
    qtbot.waitUntil(lambda: albums.rows() == [("Picked reds", "manual", 3)], timeout=5000)

    # smart albums are not offered: their query decides what is in them
    window.tags.album_control.album_from_search("Blues")
    qtbot.waitUntil(lambda: len(albums.rows()) == 2, timeout=5000)
    assert list(view.context_actions(0)["Add to album"]) == ["Picked reds", "New album…"]

    # viewing the album (the library view, newest first): Remove from album takes the selected photos out,
    # the grid and count follow
    window.tags.album_control.show_album("Picked reds")
    qtbot.waitUntil(lambda: sorted(browse_names(window)) == ["blue.jpg", "mostly-red.png", "red.jpg"],
                    timeout=5000)
    grid = window.browse.view
    shown = browse_names(window)
    keep = shown.index("red.jpg")
    others = [row for row in range(3) if row != keep]
    grid.select_rows(others)
    menu = build_menu(QMenu(grid), grid.context_actions(others[1]))
    assert [a.text() for a in menu.actions()] == ["Open", "More like this", "Show in folder", "Add to album",
                                                  "Remove from album"]
    grid.context_actions(others[1])["Remove from album"]()
    qtbot.waitUntil(lambda: browse_names(window) == ["red.jpg"], timeout=5000)
    qtbot.waitUntil(lambda: ("Picked reds", "manual", 1) in albums.rows(), timeout=5000)
    assert album_names(window, "Picked reds") == ["red.jpg"]

    window.tags.album_control.show_album("Blues")
    qtbot.waitUntil(lambda: browse_names(window) == ["blue.jpg"], timeout=5000)
    assert "Remove from album" not in grid.context_actions(0)


def test_delete_key_takes_selected_photos_out_of_the_album_on_screen(qtbot, indexed):
    window = indexed
    view = window.results_view
    search(qtbot, window, "red", "red.jpg")
    window.results_model.set_weaker_shown(True)  # the two red matches and the first weaker one
    ids = [h.photo.id for h in window.results_model.hits()[:3]]
    shown = grid_names(window)[:3]
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # nothing selected: nothing happens

    # on a search, Delete / Backspace do nothing at all (never a file)
    select_rows(window, [0])
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    window.tags.album_control.new_album(ids, "Reds")
    qtbot.waitUntil(lambda: ("Reds", "manual", 3) in window.tags.albums.rows(), timeout=5000)
    assert grid_names(window)[:3] == shown

    window.tags.album_control.show_album("Reds")  # the library view, newest first
    qtbot.waitUntil(lambda: sorted(browse_names(window)) == sorted(shown), timeout=5000)
    grid = window.browse.view
    hits = window.browse.hits()
    gone = [Path(hits[0].path), Path(hits[2].path)]
    grid.select_rows([0, 2])
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(browse_names(window)) == 1, timeout=5000)
    qtbot.waitUntil(lambda: ("Reds", "manual", 1) in window.tags.albums.rows(), timeout=5000)
    assert album_names(window, "Reds") == browse_names(window)
    assert window.statusBar().currentMessage().startswith("Removed 2 photos from album “Reds”; the files are not")
    assert all(path.is_file() for path in gone)  # out of the album, still on disk

    grid.select_rows([0])
    qtbot.keyClick(grid, Qt.Key.Key_Backspace)  # the Mac's delete key
    qtbot.waitUntil(lambda: window.browse.model.request is not None and len(window.browse.model) == 0
                    and not window.browse.loading, timeout=5000)
    assert album_names(window, "Reds") == []
    assert window.browse.view.empty_text == "No photos in album “Reds”."
