"""The library view: the window opens on the library newest first with month and day headers; a folder or an
album chosen in the library panel shows just that, and typing narrows it; clearing the search comes back to
the same place. Real JPEGs with real EXIF dates, real widgets offscreen, the colour test embedder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from photoclip.gui.widgets.browse_view import DAY_H, MONTH_H
from tests.gui.conftest import grid_names, wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui

#: (folder, file, colour, EXIF date taken or None)
SHOTS = [
    ("Pictures", "kite.jpg", "red", "2023:05:21 16:00:00"),
    ("Pictures", "lake.jpg", "blue", "2023:05:21 09:00:00"),
    ("Pictures", "tulips.jpg", "yellow", "2023:05:02 11:00:00"),
    ("Pictures", "lawn.jpg", "green", "2023:04:30 18:00:00"),
    ("Pictures", "snow.jpg", "white", "2022:12:24 10:00:00"),
    ("Pictures", "scan.png", "purple", None),  # no EXIF: dated by its file time, 2021-08-08 12:00
    ("Pictures", "sunset.jpg", "orange", "2019:07:14 21:00:00"),
    ("Phone", "poppy.jpg", "red", "2023:05:20 12:00:00"),
    ("Phone", "sea.jpg", "blue", "2022:08:01 15:00:00"),
]
NEWEST_FIRST = ["kite.jpg", "lake.jpg", "poppy.jpg", "tulips.jpg", "lawn.jpg", "snow.jpg", "sea.jpg", "scan.png",
                "sunset.jpg"]
HEADERS = ["May 2023", "Sunday 21 May · 2 photos", "Saturday 20 May · 1 photo", "Tuesday 2 May · 1 photo",
           "April 2023", "Sunday 30 April · 1 photo", "December 2022", "Saturday 24 December · 1 photo",
           "August 2022", "Monday 1 August · 1 photo", "August 2021", "Sunday 8 August · 1 photo",
           "July 2019", "Sunday 14 July · 1 photo"]


def write_shots(root: Path, shots=SHOTS) -> None:
    for folder, name, colour, taken in shots:
        write_photo(root / folder / name, colour, taken_at=taken)
        if taken is None:
            stamp = time.mktime(time.strptime("2021-08-08 12:00:00", "%Y-%m-%d %H:%M:%S"))
            os.utime(root / folder / name, (stamp, stamp))


@pytest.fixture
def shots(tmp_path) -> Path:
    root = tmp_path / "shots"
    write_shots(root)
    return root


@pytest.fixture
def opened(qtbot, make_window, library, shots):
    """A library with two folders indexed before the window opens."""
    library.index_folders([shots / "Pictures", shots / "Phone"])
    window = make_window(library)
    wait_browse(qtbot, window)
    return window


def wait_browse(qtbot, window, count: int | None = None) -> None:
    qtbot.waitUntil(lambda: not window.browse.loading and window.browse.model.request is not None
                    and (count is None or len(window.browse.model) == count), timeout=10_000)


def click_folder(qtbot, window, path: Path) -> None:
    tree = window.library_panel.tree
    rect = tree.visualItemRect(window.library_panel.item_for(str(path)))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_album(qtbot, window, name: str) -> None:
    tree = window.tags.albums.tree
    rect = tree.visualItemRect(window.tags.albums.item_named(name))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_window_opens_on_the_library_newest_first_with_headers(qtbot, opened):
    window = opened
    assert window.pages.currentWidget() is window.browse.page
    assert window.browse.names() == NEWEST_FIRST
    assert window.browse.view.header_titles() == HEADERS
    assert window.result_label.text() == "9 photos"
    assert window.library_panel.all_button.isChecked()
    # the grid paints what is on screen: headers above the first photos, thumbnails from the cache
    view = window.browse.view
    first = view.row_rect(0)
    assert first.top() >= MONTH_H + DAY_H
    assert view.row_at(first.center()) == 0
    assert view.row_at(QPoint(first.center().x(), first.top() - DAY_H // 2)) is None  # the day's header
    window.browse.page.grab()
    qtbot.waitUntil(lambda: window.browse.model.has_thumbnail(0), timeout=5000)


def test_clicking_a_folder_shows_just_it_and_typing_narrows_it(qtbot, opened, shots):
    window = opened
    click_folder(qtbot, window, shots / "Phone")
    wait_browse(qtbot, window, 2)
    assert window.browse.names() == ["poppy.jpg", "sea.jpg"]
    assert window.result_label.text() == "2 photos in Phone"
    assert window.search_filters.filters().folder == str(shots / "Phone")
    window.browse.page.grab()  # a later timeline's rows and thumbnails arrive too, not only the first one's
    qtbot.waitUntil(lambda: window.browse.model.has_thumbnail(0) and window.browse.model.has_thumbnail(1),
                    timeout=5000)
    assert not window.library_panel.all_button.isChecked()

    qtbot.keyClicks(window.search_box, "red")  # only this folder's photos are searched
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=5000)
    assert grid_names(window) == ["poppy.jpg"]  # the match; the folder's other photo is a weaker one
    assert window.results_model.weaker_count() == 1
    assert window.result_label.text() == "1 match for “red” · in Phone · 1 weaker"

    window.search_box.clear()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.browse.page, timeout=5000)
    assert window.browse.names() == ["poppy.jpg", "sea.jpg"]
    assert window.result_label.text() == "2 photos in Phone"

    window.library_panel.all_button.click()
    wait_browse(qtbot, window, 9)
    assert window.search_filters.filters().folder is None
    assert window.result_label.text() == "9 photos"
    window.browse.page.grab()
    qtbot.waitUntil(lambda: window.browse.model.has_thumbnail(0), timeout=5000)


def test_clicking_an_album_shows_it_and_a_search_looks_only_there(qtbot, opened, shots):
    window = opened
    ids = [window.library.photo_at(shots / f).id for f in ("Pictures/lake.jpg",
                                                                              "Pictures/sunset.jpg",
                                                                              "Phone/sea.jpg")]
    window.library.albums.create_manual("Water", ids)
    window.tags.album_control.refresh_albums()
    qtbot.waitUntil(lambda: window.tags.albums.item_named("Water") is not None, timeout=5000)
    window.search_box.setText("white")  # a search on screen: clicking the album replaces it
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=5000)

    click_album(qtbot, window, "Water")
    wait_browse(qtbot, window, 3)
    assert window.pages.currentWidget() is window.browse.page
    assert window.search_box.text() == "" and window.query.latest is None
    assert window.browse.names() == ["lake.jpg", "sea.jpg", "sunset.jpg"]
    assert window.result_label.text() == "3 photos in album “Water”"
    assert window.search_filters.album_chip.isVisible()
    assert window.browse.view.header_titles()[0] == "May 2023"

    window.search_box.setText("orange")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=5000)
    assert grid_names(window) == ["sunset.jpg"]  # only the album's photos are ranked
    assert window.results_model.weaker_count() == 2
    assert window.result_label.text() == "1 match for “orange” · in album “Water” · 2 weaker"

    window.search_filters.album_chip.click()  # the chip takes the album away: the search widens
    qtbot.waitUntil(lambda: window.result_label.text().endswith("for “orange” · 8 weaker"), timeout=5000)
    window.search_box.clear()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.browse.page, timeout=5000)
    wait_browse(qtbot, window, 9)


def many_shots(root: Path, n: int = 60) -> None:
    """``n`` photos, three a day on five days a month from January 2018 (enough to scroll)."""
    colours = ("red", "green", "blue", "yellow", "white", "orange", "purple")
    for i in range(n):
        day, hour = divmod(i, 3)
        taken = f"2018:{1 + day // 5:02d}:{1 + 5 * (day % 5):02d} {9 + 3 * hour:02d}:00:00"
        write_photo(root / f"IMG_{i:03d}.jpg", colours[i % len(colours)], taken_at=taken)


@pytest.fixture
def scrolling(qtbot, make_window, library, tmp_path):
    many_shots(tmp_path / "Many")
    library.index_folders([tmp_path / "Many"])
    window = make_window(library)
    wait_browse(qtbot, window, 60)
    window.browse.page.grab()
    return window


def test_clearing_the_search_comes_back_to_the_same_place(qtbot, scrolling):
    window = scrolling
    view = window.browse.view
    bar = view.verticalScrollBar()
    assert bar.maximum() > 2 * view.viewport().height()  # it scrolls
    view.scroll_to_row(40)
    top, scroll = view.top_row(), bar.value()
    assert top > 20 and scroll > 0
    view.select_rows([top + 1])

    qtbot.keyClicks(window.search_box, "blue")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=5000)
    window.search_box.clear()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.browse.page, timeout=5000)
    assert (bar.value(), view.top_row()) == (scroll, top)
    assert view.selected_rows() == [top + 1]

    # Escape in the search box clears it as well
    qtbot.keyClicks(window.search_box, "red")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.results_view, timeout=5000)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.browse.page, timeout=5000)
    assert (bar.value(), view.top_row()) == (scroll, top)


def test_new_photos_keep_the_place_and_only_shown_photos_load_thumbnails(qtbot, scrolling, tmp_path):
    window = scrolling
    view, model = window.browse.view, window.browse.model
    qtbot.waitUntil(lambda: model.has_thumbnail(0), timeout=5000)
    assert not model.has_thumbnail(59)  # never painted: never loaded
    view.scroll_to_row(30)
    top = view.top_row()
    top_id, top_y = model.photo_id(top), view.row_rect(top).top()

    write_photo(tmp_path / "Many" / "new-1.jpg", "red", taken_at="2024:01:01 10:00:00")
    write_photo(tmp_path / "Many" / "new-2.jpg", "blue", taken_at="2024:01:02 10:00:00")
    window.rescan_all()
    wait_idle(qtbot, window)
    wait_browse(qtbot, window, 62)
    assert window.browse.names()[:2] == ["new-2.jpg", "new-1.jpg"]
    row = model.row_of(top_id)
    assert row == top + 2 and view.top_row() == row  # the same photo at the top, where it was
    assert view.row_rect(row).top() == top_y


def test_scrubber_keyboard_and_viewer(qtbot, scrolling):
    window = scrolling
    view, scrubber = window.browse.view, window.browse.page.scrubber
    assert [label for _, label, _ in scrubber.landmarks()] == ["2018", "Mar", "Feb", "Jan"]
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(10, scrubber.height() - 5))
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()  # the oldest photos
    assert view.scroll_to_date("2018-01") is not None
    assert view.section_of(view.top_row()).day.date.startswith("2018-01-")

    view.setFocus()
    view.select_rows([0])
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.current_row() == 1 and view.selected_rows() == [1]
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the next row of photos, same column (across the day's header)
    assert view.row_rect(view.current_row()).top() > view.row_rect(1).top()
    assert view.row_rect(view.current_row()).left() == view.row_rect(1).left()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.current_row() == 59 and view.verticalScrollBar().value() > 0
    with qtbot.waitSignal(view.open_requested):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    viewer = window.browse.open_viewer(58)
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=5000)
    assert viewer.fields["Name"].text() == window.browse.names()[58]
    assert viewer.fields["Score"].text() == "–"  # browsing has no score
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.fields["Name"].text() == window.browse.names()[59]
    viewer.close()


def test_empty_library_and_empty_scope_say_so(qtbot, window, shots):
    assert window.pages.currentWidget() is window.message
    assert "Add a folder" in window.message.text()
    window.add_folders([str(shots / "Phone")])
    wait_idle(qtbot, window)
    wait_browse(qtbot, window, 2)
    assert window.pages.currentWidget() is window.browse.page
    window.search_filters.set_dates("2000-01-01", "2000-12-31")
    wait_browse(qtbot, window, 0)
    assert window.browse.view.empty_text == "No photos taken 2000-01-01 – 2000-12-31."


def test_a_sensitive_photo_is_blurred_in_the_library_view_until_clicked(qtbot, opened, shots):
    from photoclip.core.tagging import Label, LabelSet

    window = opened
    private = LabelSet("private", (Label("Sensitive|Red", prompts=("red",)),), sensitive=True)
    tagger = window.library.tags
    tagger.save_label_set(private)
    tagger.suggest(private)
    window.tags.refresh_blur()
    qtbot.waitUntil(lambda: window.tags.blur.hides(window.browse.hits()[0].photo.id), timeout=5000)
    model, view = window.browse.model, window.browse.view
    assert window.browse.names()[0] == "kite.jpg"  # red: sensitive
    window.browse.page.grab()
    qtbot.waitUntil(lambda: model.has_thumbnail(0) and model.has_thumbnail(1), timeout=5000)
    kite, lake = window.browse.hits()[:2]
    assert model.pixmap(0) is not model.thumbnail(kite.photo.content_hash)  # the blurred copy
    assert model.pixmap(1) is model.thumbnail(lake.photo.content_hash)  # blue: as it is
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.row_rect(0).center())
    assert model.pixmap(0) is model.thumbnail(kite.photo.content_hash)
    assert view.selected_rows() == [0]
