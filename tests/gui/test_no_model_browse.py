"""A new user without a model (offline, or the first-run dialog put off): the photos show by date with thumbnails
at once, the search box says search waits for the model and offers the first-run dialog; once a model folder is
picked there, the catalogued photos are embedded and search works."""

from __future__ import annotations

import pytest

from photoclip.core.library import Library
from photoclip.gui.dialogs.first_run import FirstRunDialog
from photoclip.gui.main_window import GET_MODEL, NEEDS_MODEL
from tests.model.conftest import clip_vocab_files, tiny_model_dir  # noqa: F401  (session fixtures)
from tests.support.library_fixtures import make_settings, write_photo

from .conftest import wait_idle

pytestmark = pytest.mark.gui

ABSENT = "acme/not-downloaded-yet"  # a hub id in no cache on any machine


@pytest.fixture
def no_model_library(tmp_path, libraries):
    """The real model-loading path with no model on this computer and downloads off (offline)."""
    settings = make_settings(tmp_path)
    settings.model, settings.allow_download = ABSENT, False
    lib = Library.open(settings)
    libraries.append(lib)
    return lib


@pytest.fixture
def dated_photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "beach.jpg", "yellow", taken_at="2023:08:14 16:00:00")
    write_photo(root / "forest.jpg", "green", taken_at="2021:05:02 09:00:00")
    write_photo(root / "trip" / "sea.jpg", "blue", taken_at="2024:02:20 12:00:00")
    return root


def catalogued_window(qtbot, make_window, library, photos):
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.browse.page and not window.browse.loading
                    and len(window.browse.model) == 3, timeout=10_000)
    return window


def test_without_a_model_the_photos_show_by_date_and_search_says_it_needs_one(
        qtbot, make_window, no_model_library, dated_photos):
    window = catalogued_window(qtbot, make_window, no_model_library, dated_photos)
    assert window.browse.names() == ["sea.jpg", "beach.jpg", "forest.jpg"]  # newest first, by EXIF date
    window.browse.page.grab()
    qtbot.waitUntil(lambda: window.browse.model.has_thumbnail(0), timeout=5000)  # from the catalog pass's cache
    assert not window.banner.isVisible()  # not an error: the photos are here, search waits
    assert not window.search_box.isEnabled() and window.search_box.placeholderText() == NEEDS_MODEL
    assert window.get_model_button.isVisible() and window.get_model_button.text() == GET_MODEL
    assert "(0 searchable)" in window.status_label.text()
    assert "search waits for a model" in window.progress_panel.label.text()
    assert [row[:2] for row in window.library_panel.rows()] == [(str(dated_photos), "3")]  # the folder's count
    viewer = window.browse.open_viewer(0)  # the viewer works without a model
    assert viewer is not None and viewer.fields["Name"].text() == "sea.jpg"
    viewer.close()

    window.get_model_button.click()  # the way to a model: the first-run dialog with its folder button
    dialogs = [d for d in window.findChildren(FirstRunDialog) if d.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].folder_button.isEnabled()
    dialogs[0].reject()


@pytest.mark.model
def test_a_model_folder_picked_later_embeds_the_catalogued_photos(
        qtbot, make_window, no_model_library, dated_photos, tiny_model_dir):  # noqa: F811
    window = catalogued_window(qtbot, make_window, no_model_library, dated_photos)
    dialog = window.get_model()
    assert dialog is not None
    with qtbot.waitSignal(dialog.model_ready, timeout=30_000):
        dialog.use_folder(str(tiny_model_dir))
    qtbot.waitUntil(lambda: window.indexing.busy, timeout=5000)  # the catalogued photos are embedded now
    wait_idle(qtbot, window, timeout=120_000)
    qtbot.waitUntil(lambda: window.status is not None and window.status.embedded == 3, timeout=10_000)
    assert window.search_box.isEnabled() and not window.get_model_button.isVisible()
    assert "searchable" not in window.status_label.text()
    with qtbot.waitSignal(window.query.results, timeout=60_000) as found:
        window.query.search_text("the sea")
    assert len(found.args[1].ranking) == 3
