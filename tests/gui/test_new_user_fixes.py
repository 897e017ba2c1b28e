"""Fixes from a new user's run: a query error clears the grid; turning XMP write-back on writes the tags accepted
before; offline, the first-run dialog points at its "Use a model folder…" button instead of CLI commands."""

from __future__ import annotations

import pytest

from photoclip.gui.dialogs.first_run import FOLDER_BUTTON, FirstRunDialog
from tests.support.library_fixtures import make_settings

pytestmark = pytest.mark.gui


def test_a_query_error_clears_the_grid(qtbot, indexed):
    window = indexed
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 8, timeout=5000)
    assert window.results_model.rowCount() > 0
    with qtbot.waitSignal(window.query.failed, timeout=5000):
        window.query.search_text("+red -red")
    assert window.results_model.rowCount() == 0  # no photos shown as if they answered "+red -red"
    assert window.result_label.text()  # the error, said inline
    window.query.search_text("green")  # and the next query fills it again
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 8 and window.results_model.rowCount() > 0,
                    timeout=5000)


def test_turning_xmp_write_back_on_writes_the_tags_accepted_before(qtbot, indexed, photos):
    pytest.importorskip("pyexiv2", reason="XMP write-back needs pyexiv2")
    from photoclip.core.tagging import xmp

    window = indexed
    tagger = window.library.tags
    red = window.library.photo_at(photos / "red.jpg")
    blue = window.library.photo_at(photos / "blue.jpg")
    tagger.add_tags([red.id], ["Trips|Rome"])  # while write-back was off: no sidecar
    tagger.add_tags([blue.id], ["Sea"])
    assert not tagger.xmp_enabled and not (photos / "red.jpg.xmp").exists()

    window.tags.show_panel()
    panel = window.tags.panel
    qtbot.waitUntil(lambda: panel.label_set is not None, timeout=5000)
    panel.xmp_box.click()
    assert "Writing the tags you accepted before" in panel.xmp_status.text()
    qtbot.waitUntil(lambda: "2 sidecars written" in panel.xmp_status.text(), timeout=10_000)
    assert tagger.xmp_enabled
    assert "Trips|Rome" in xmp.read_keywords(photos / "red.jpg")[1]  # digiKam's hierarchy
    assert xmp.read_keywords(photos / "blue.jpg")[0] == ["Sea"]
    assert not (photos / "green.jpg.xmp").exists()  # photos without tags get no sidecar

    panel.xmp_box.click()  # off: nothing more is written
    qtbot.waitUntil(lambda: not window.library.tags.xmp_enabled, timeout=5000)
    assert panel.xmp_status.text() == ""


def test_a_failed_download_points_at_the_model_folder_button(qtbot, tmp_path):
    settings = make_settings(tmp_path)
    settings.model = "acme/not-reachable"
    dialog = FirstRunDialog(settings, endpoint="http://127.0.0.1:9")  # nothing listens: no connection
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.offline_note.isVisible()
    dialog.download_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=30_000)
    text = dialog.error.text()
    assert "no connection" in text and f"“{FOLDER_BUTTON}” above" in text
    assert "photoclip model" not in text and "PHOTOCLIP_MODEL" not in text  # no CLI commands for an app user
    assert dialog.folder_button.isDefault() and dialog.folder_button.isEnabled()


def test_with_downloads_off_the_dialog_says_so_from_the_start(qtbot, tmp_path):
    settings = make_settings(tmp_path)
    settings.model = "acme/not-reachable"
    settings.allow_download = False
    dialog = FirstRunDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.download_button.isEnabled()
    assert dialog.offline_note.isVisible() and FOLDER_BUTTON in dialog.offline_note.text()
    assert dialog.folder_button.isDefault()
