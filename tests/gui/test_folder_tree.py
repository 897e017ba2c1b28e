"""The library panel shows each library folder as a tree of its sub-folders (counts including their own
sub-folders), the same after a restart; clicking a sub-folder scopes the library view and search to it; a
dropped sub-folder of a library folder is selected with a message, never added as a second root. Real files,
real SQLite, real widgets offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests.gui.conftest import grid_names, wait_idle
from tests.support.library_fixtures import open_library, write_photo

pytestmark = pytest.mark.gui


@pytest.fixture
def tree(tmp_path) -> Path:
    """Photos/ with a photo of its own, Trip/ (2 photos, and 1 in Trip/Day 2) and Cats/ (1 photo, 1 broken)."""
    root = tmp_path / "Photos"
    write_photo(root / "top.jpg", "green")
    write_photo(root / "Trip" / "beach.jpg", "blue")
    write_photo(root / "Trip" / "kite.jpg", "red")
    write_photo(root / "Trip" / "Day 2" / "sunset.jpg", "orange")
    write_photo(root / "Cats" / "cat.jpg", "red", second="white", share=0.2)
    (root / "Cats" / "broken.jpg").write_bytes(b"not a jpeg")
    return root


def click(qtbot, window, path: Path) -> None:
    panel = window.library_panel
    item = panel.item_for(str(path))
    rect = panel.tree.visualItemRect(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def browse_names(qtbot, window, count: int) -> list[str]:
    qtbot.waitUntil(lambda: not window.browse.loading and len(window.browse.model) == count, timeout=10_000)
    return sorted(window.browse.names())


def test_the_sub_folder_tree_is_the_same_after_a_restart(qtbot, tmp_path, make_window, library, tree, libraries):
    library.index_folders([tree])
    library.index_folders([tree / "Trip"])  # the old photoclip made this a second root with split counts
    first = make_window(library)
    panel = first.library_panel
    expected_root = [(str(tree), "5", "done, 1 skipped")]
    expected_children = [(str(tree / "Cats"), "1", "1 skipped"), (str(tree / "Trip"), "3", "")]
    assert panel.rows() == expected_root
    assert panel.child_rows(str(tree)) == expected_children
    assert panel.child_rows(str(tree / "Trip")) == [(str(tree / "Trip" / "Day 2"), "1", "")]
    assert panel.item_for(str(tree / "Cats")).childIndicatorPolicy() == \
        panel.item_for(str(tree / "Cats")).ChildIndicatorPolicy.DontShowIndicator
    first.shutdown()
    library.close()

    reopened = open_library(tmp_path)
    libraries.append(reopened)
    second = make_window(reopened)
    wait_idle(qtbot, second)
    panel = second.library_panel
    assert panel.rows() == expected_root
    assert panel.child_rows(str(tree)) == expected_children
    assert panel.child_rows(str(tree / "Trip")) == [(str(tree / "Trip" / "Day 2"), "1", "")]


def test_clicking_a_sub_folder_scopes_the_view_and_search(qtbot, make_window, library, tree):
    library.index_folders([tree])
    window = make_window(library)
    window.library_panel.child_rows(str(tree))  # opens the folder
    click(qtbot, window, tree / "Trip")
    assert browse_names(qtbot, window, 3) == ["beach.jpg", "kite.jpg", "sunset.jpg"]  # Day 2 is inside Trip
    assert window.search_filters.filters().folder == str(tree / "Trip")
    assert window.library_panel.selected_path() == str(tree / "Trip")
    assert not window.library_panel.remove_button.isEnabled()  # a sub-folder is part of its library folder

    qtbot.keyClicks(window.search_box, "red")  # Cats/cat.jpg is red too, but outside Trip
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=10_000)
    qtbot.waitUntil(lambda: grid_names(window) == ["kite.jpg"], timeout=10_000)
    assert "in Trip" in window.result_label.text()


def test_dropping_a_sub_folder_selects_it_with_a_message(qtbot, make_window, library, tree):
    library.index_folders([tree])
    window = make_window(library)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tree / "Trip"))])
    window.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    assert "“Trip” is already in the library, inside “Photos”" in window.statusBar().currentMessage()
    wait_idle(qtbot, window)
    assert [f.path for f in library.folders()] == [str(tree)]
    assert [row[0] for row in window.library_panel.rows()] == [str(tree)]
    assert window.library_panel.selected_path() == str(tree / "Trip")
    assert browse_names(qtbot, window, 3) == ["beach.jpg", "kite.jpg", "sunset.jpg"]


def test_adding_a_parent_shows_the_old_folders_inside_it(qtbot, make_window, library, tree):
    library.index_folders([tree / "Trip", tree / "Cats"])
    window = make_window(library)
    assert len(window.library_panel.rows()) == 2
    window.add_folders([str(tree)])
    assert "takes in 2 library folders as sub-folders" in window.statusBar().currentMessage()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.library_panel.rows() == [(str(tree), "5", "done, 1 skipped")], timeout=10_000)
    assert [row[0] for row in window.library_panel.child_rows(str(tree))] == [str(tree / "Cats"), str(tree / "Trip")]


def test_an_open_folder_stays_open_and_its_counts_follow_indexing(qtbot, make_window, library, tree):
    library.index_folders([tree])
    window = make_window(library)
    panel = window.library_panel
    panel.refresh_s = 0.2  # counts of open folders are read again at most this often while they change
    assert (str(tree / "Trip"), "3", "") in panel.child_rows(str(tree))
    write_photo(tree / "Trip" / "new.jpg", "white")
    window.rescan_all()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.item_for(str(tree / "Trip")) is not None
                    and panel.item_for(str(tree / "Trip")).text(1) == "4", timeout=10_000)
    assert panel.item_for(str(tree)).isExpanded()
    assert panel.rows() == [(str(tree), "6", "done, 1 skipped")]
