"""File → Reclaim space…: the real dialog over a real catalog and index, work on its own thread."""

from __future__ import annotations

from photoclip.core.library import Library
from photoclip.gui.dialogs.reclaim_space import ReclaimSpaceDialog
from tests.gui.conftest import wait_idle
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings


class OtherModel(ColorEmbedder):
    model_id = "test/colors@v2"


def open_dialog(qtbot, window):
    [action] = [a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "Reclaim s&pace…"]
    action.trigger()
    dialog = window.findChild(ReclaimSpaceDialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    return dialog


def vectors(library, model_id=ColorEmbedder.model_id) -> int:
    return library._catalog.embedding_stats(model_id)[0]


def test_the_menu_action_shows_what_would_be_freed_and_reclaims_it_on_a_worker(qtbot, window, library, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    (photos / "green.jpg").unlink()
    window.rescan_all()
    wait_idle(qtbot, window)

    dialog = open_dialog(qtbot, window)
    assert "1 more vector kept until their grace period ends" in dialog.orphans_label.text()
    assert not dialog.reclaim_button.isEnabled()  # nothing past the grace period
    assert not dialog.old_models.isEnabled()

    dialog.days.setValue(0)
    qtbot.waitUntil(lambda: dialog.report.grace_days == 0, timeout=5000)
    assert "0 days: 1 vector" in dialog.orphans_label.text()
    row = library._catalog.vector_size(ColorEmbedder.model_id)
    assert dialog.reclaim_button.isEnabled() and dialog.reclaim_button.text() == f"Reclaim {row} B"
    dialog.reclaim_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result.orphans_removed == 1 and dialog.status_label.text().startswith("Freed ")
    assert vectors(library) == len(list(photos.rglob("*.*"))) and not dialog.busy
    qtbot.waitUntil(lambda: dialog.report.due_orphans == 0, timeout=5000)
    assert not dialog.reclaim_button.isEnabled()
    dialog.close()


def test_reclaiming_while_indexing_says_why_it_waits(qtbot, window, library, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    dialog = open_dialog(qtbot, window)
    with library._jobs.indexing():  # an index job holds the library
        dialog.start()
        qtbot.waitUntil(lambda: "being indexed" in dialog.status_label.text(), timeout=5000)
    assert not dialog.busy and dialog.result is None
    dialog.close()


def test_old_models_are_removed_only_when_ticked(qtbot, make_window, libraries, photos, tmp_path):
    with Library.open(make_settings(tmp_path), embedder=ColorEmbedder()) as old:
        old.index_folders([photos])
    library = Library.open(make_settings(tmp_path), embedder=OtherModel())
    libraries.append(library)
    window = make_window(library)
    window.rescan_all()
    wait_idle(qtbot, window)

    dialog = open_dialog(qtbot, window)
    assert dialog.old_models.isEnabled()
    assert dialog.models_label.text().startswith(f"{ColorEmbedder.model_id}: 8 vectors")
    assert not dialog.reclaim_button.isEnabled()  # nothing unless the box is ticked
    dialog.old_models.setChecked(True)
    assert dialog.reclaim_button.isEnabled()
    dialog.reclaim_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result.models_removed == [ColorEmbedder.model_id]
    assert vectors(library) == 0 and vectors(library, OtherModel.model_id) == 8
    qtbot.waitUntil(lambda: not dialog.old_models.isEnabled(), timeout=5000)
    assert dialog.models_label.text() == "No data of other models."
    dialog.close()
