"""Folder and date filters under the search box: they narrow the search as you type and "More like this", and
*Save search…* keeps them (with a threshold) in the smart album."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import browse_names, grid_names, wait_idle
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.gui


@pytest.fixture
def indexed(qtbot, window, photos):
    # two red photos with a date taken in EXIF; the others are dated by their file time (today)
    write_photo(photos / "2019" / "red-2019.jpg", "red", taken_at="2019:07:01 12:00:00")
    write_photo(photos / "2021" / "red-2021.jpg", "red", second="black", share=0.05, taken_at="2021:08:15 09:30:00")
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    return window


def wait_grid(qtbot, window, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: grid_names(window) == expected, timeout=5000)


def test_filters_narrow_the_search_as_you_type(qtbot, indexed, photos):
    window = indexed
    filters = window.search_filters
    assert [filters.folder_combo.itemText(i) for i in range(filters.folder_combo.count())] == [
        "All folders", "Pictures", "Other folder…"]
    qtbot.keyClicks(window.search_box, "red")
    reds = ["red-2019.jpg", "red.jpg", "red-2021.jpg", "mostly-red.png"]
    wait_grid(qtbot, window, reds)  # the matches; the 6 others ranked under "Weaker matches (6)"
    assert window.results_model.weaker_count() == 6
    assert not filters.clear_button.isVisible()

    filters.set_folder(str(photos / "trip"))
    wait_grid(qtbot, window, ["mostly-red.png"])
    assert window.result_label.text() == "1 match for “red” · in trip"
    assert filters.clear_button.isVisible()

    filters.set_folder(None)
    filters.set_dates("2019-01-01", "2020-12-31")
    wait_grid(qtbot, window, ["red-2019.jpg"])
    filters.set_dates(None, "2021-12-31")  # the whole day of the upper bound counts
    wait_grid(qtbot, window, ["red-2019.jpg", "red-2021.jpg"])
    filters.set_dates("2021-08-15", "2021-08-15")
    wait_grid(qtbot, window, ["red-2021.jpg"])

    # typing another query keeps the filters
    filters.set_dates(None, "2021-12-31")
    window.search_box.clear()
    qtbot.keyClicks(window.search_box, "green")
    # the grid shows the same two photos for "red" already: wait for the label of green's own results
    qtbot.waitUntil(lambda: window.result_label.text()
                    == "No photo stands out for “green” · taken … – 2021-12-31 · 2 weaker matches", timeout=5000)
    assert window.query.latest.query == "green"
    assert grid_names(window) == []  # folded under "Weaker matches (2)"
    window.results_model.set_weaker_shown(True)
    assert sorted(grid_names(window)) == ["red-2019.jpg", "red-2021.jpg"]

    # "More like this" too
    filters.set_dates(None, None)
    filters.set_folder(str(photos / "trip"))
    window.search.search_similar(str(photos / "red.jpg"))
    wait_grid(qtbot, window, ["mostly-red.png"])

    filters.clear()
    window.search_box.setText("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 10, timeout=5000)  # every photo, ranked
    assert sorted(grid_names(window)) == sorted(reds)


def test_save_search_keeps_query_filters_and_threshold(qtbot, indexed, photos):
    window = indexed
    window.search_filters.set_dates(None, "2021-12-31")
    window.query.search_text("red")
    wait_grid(qtbot, window, ["red-2019.jpg", "red-2021.jpg"])

    def fill_dialog():
        dialog = QApplication.activeModalWidget()
        dialog.name.setText("Old reds")
        dialog.threshold.setValue(2.0)
        dialog.accept()

    QTimer.singleShot(0, fill_dialog)
    window.tags.album_control.album_from_search()  # the real dialog: name and threshold
    albums = window.tags.albums
    qtbot.waitUntil(lambda: albums.rows() == [("Old reds", "smart", 2)], timeout=5000)
    saved = window.library.albums.get("Old reds")
    assert (saved.query, saved.folder, saved.date_from, saved.date_to, saved.threshold) == (
        "red", None, None, "2021-12-31", 2.0)
    assert "taken … – 2021-12-31" in albums.item_named("Old reds").toolTip(0)

    # the same query without the date filter: an album of every red photo
    window.search_filters.set_dates(None, None)
    window.search_filters.set_folder(str(photos / "trip"))
    wait_grid(qtbot, window, ["mostly-red.png"])
    window.tags.album_control.album_from_search("Trip reds")
    qtbot.waitUntil(lambda: ("Trip reds", "smart", 1) in albums.rows(), timeout=5000)
    assert window.library.albums.get("Trip reds").folder == str(photos / "trip")
    window.tags.album_control.show_album("Old reds")  # the library view of the album, newest first
    qtbot.waitUntil(lambda: browse_names(window) == ["red-2021.jpg", "red-2019.jpg"], timeout=5000)
    assert window.search_filters.filters().folder is None  # the album is the scope now, not the folder


def open_calendar(field):
    """The calendar as its ▾ button shows it (popup() rather than the button's blocking exec)."""
    field.menu.popup(field.button.mapToGlobal(field.button.rect().bottomLeft()))
    return field.calendar


def test_typed_dates_apply_and_one_that_cannot_be_read_says_so(qtbot, indexed):
    window = indexed
    filters = window.search_filters
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 10, timeout=5000)

    qtbot.keyClicks(filters.date_to.edit, "20191231")  # typed into an empty box: no "any" to type after
    qtbot.keyClick(filters.date_to.edit, Qt.Key.Key_Return)
    assert filters.date_to.text() == "2019-12-31" and filters.filters().date_to == "2019-12-31"
    wait_grid(qtbot, window, ["red-2019.jpg"])

    filters.date_to.edit.selectAll()
    qtbot.keyClicks(filters.date_to.edit, "July 1st")
    qtbot.keyClick(filters.date_to.edit, Qt.Key.Key_Return)
    assert filters.date_to.invalid and filters.date_to.text() == "July 1st"  # kept as typed, marked
    assert "not a date" in filters.date_to.edit.toolTip()
    assert filters.filters().date_to == "2019-12-31"  # nothing silently changed

    filters.date_to.edit.selectAll()
    qtbot.keyClicks(filters.date_to.edit, "2021")  # a year: until its last day
    qtbot.keyClick(filters.date_to.edit, Qt.Key.Key_Return)
    assert not filters.date_to.invalid and filters.filters().date_to == "2021-12-31"
    qtbot.keyClicks(filters.date_from.edit, "2021-08")  # a month: from its first day
    qtbot.keyClick(filters.date_from.edit, Qt.Key.Key_Return)
    assert filters.filters().date_from == "2021-08-01"
    wait_grid(qtbot, window, ["red-2021.jpg"])

    filters.date_from.edit.clear()  # the clear button (or select-all + delete): any date at once
    assert filters.filters().date_from is None


def test_dates_in_the_locales_short_form(qtbot):
    from PySide6.QtCore import QLocale

    from photoclip.gui.widgets.date_field import parse_date

    german, american = QLocale(QLocale.Language.German, QLocale.Country.Germany), QLocale("en_US")
    assert parse_date("01.07.21", locale=german) == QDate(2021, 7, 1)
    assert parse_date("1.7.2021", locale=german) == QDate(2021, 7, 1)
    assert parse_date("7/1/21", locale=american) == QDate(2021, 7, 1)
    assert parse_date("7/1/1999", locale=american) == QDate(1999, 7, 1)
    assert parse_date("2021-07-01", locale=german) == QDate(2021, 7, 1)
    assert parse_date("2021-02", end=True) == QDate(2021, 2, 28)
    assert parse_date("2021-13") is None and parse_date("any20210701") is None


def test_calendars_open_on_the_librarys_dates_or_the_other_box(qtbot, indexed):
    filters = indexed.search_filters
    # the library's photos were taken from 2019-07-01 to 2021-08-15 (EXIF)
    calendar = open_calendar(filters.date_from)
    qtbot.waitUntil(calendar.isVisible, timeout=3000)
    assert (calendar.yearShown(), calendar.monthShown()) == (2019, 7)  # not this month, not January 1800
    filters.date_from.menu.hide()
    calendar = open_calendar(filters.date_to)
    assert (calendar.yearShown(), calendar.monthShown()) == (2021, 8)
    filters.date_to.menu.hide()

    filters.set_dates("2020-03-05", None)
    calendar = open_calendar(filters.date_to)  # "until" opens where "from" is
    assert (calendar.yearShown(), calendar.monthShown()) == (2020, 3)
    calendar.clicked.emit(QDate(2020, 3, 20))  # a pick fills the box and applies
    assert not filters.date_to.menu.isVisible()
    assert filters.filters().date_to == "2020-03-20" and filters.date_to.text() == "2020-03-20"
    calendar = open_calendar(filters.date_from)  # a box with a date opens on it
    assert (calendar.yearShown(), calendar.monthShown()) == (2020, 3)
    filters.date_from.menu.hide()


def test_an_empty_library_opens_the_calendar_on_this_month(qtbot, window):
    field = window.search_filters.date_from
    assert field.text() == "" and field.edit.placeholderText() == "any"
    calendar = open_calendar(field)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    field.menu.hide()
