"""*Save search…* says how many photos the album will hold at the threshold chosen, live (the scores are computed
once on the tagging worker), and proposes a threshold that keeps the photos the search showed."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from photoclip.core.tagging import threshold_keeping

pytestmark = pytest.mark.gui


def test_the_dialog_counts_the_album_live_and_keeps_what_the_search_showed(qtbot, indexed):
    window = indexed
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.query.search_text("red -white")
    seen = {h.photo.id for h in window.results_model.hits()}
    dialog = window.tags.album_control.album_from_search()
    assert dialog.isVisible() and dialog.holds.text() == "Counting the photos…"
    qtbot.waitUntil(lambda: dialog.album_size() is not None, timeout=5000)

    scored = window.library.albums.preview_smart("red -white")
    proposed = threshold_keeping(scored, seen)
    assert dialog.threshold.value() == pytest.approx(proposed)
    holdable = {m.photo_id for m in scored} & seen  # the photos shown that any album of the search can hold
    assert holdable and {m.photo_id for m in scored if m.score >= proposed} >= holdable
    assert dialog.album_size() == sum(m.score >= proposed for m in scored)
    assert dialog.holds.text().startswith(f"{dialog.album_size()} photo")

    # the count follows the threshold as it is typed or stepped: no new computation
    previews = []
    window.tags.service.finished.connect(lambda what: previews.append(what))
    dialog.threshold.setValue(50.0)  # red.jpg scores 70 here, mostly-red.png 20
    assert dialog.album_size() == sum(m.score >= 50.0 for m in scored) == 1
    assert dialog.holds.text().startswith(f"1 photo at 50.0 · 1 of the {len(seen)} photos the search showed")
    dialog.threshold.setValue(10.0)
    assert dialog.album_size() == 2 and previews == []

    dialog.name.setText("Reds")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: ("Reds", "smart", 2) in window.tags.albums.rows(), timeout=5000)  # as promised
    assert window.library.albums.get("Reds").threshold == 10.0


def test_a_late_count_does_not_move_a_threshold_the_user_chose(qtbot, indexed):
    window = indexed
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.query.search_text("red")
    dialog = window.tags.album_control.album_from_search()
    dialog.threshold.setValue(42.0)  # before the count arrives
    qtbot.waitUntil(lambda: dialog.album_size() is not None, timeout=5000)
    assert dialog.threshold.value() == 42.0
    assert dialog.album_size() == sum(m.score >= 42.0 for m in window.library.albums.preview_smart("red"))
    dialog.reject()
