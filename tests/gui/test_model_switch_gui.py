"""Switching models in the app: Settings lists the catalog with this computer's recommendation; choosing another
model for an indexed library builds its vectors in the background while search keeps answering, then the app uses
it; a switch left unfinished goes on at the next start."""

from __future__ import annotations

import pytest

from photoclip.core import model_switch
from photoclip.core.embed.model_catalog import MODELS
from photoclip.core.library import Library
from tests.gui.conftest import wait_idle
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings

pytestmark = pytest.mark.gui


class NewColors(ColorEmbedder):
    model_id = "test/colors@v2"


@pytest.fixture
def library(tmp_path, libraries):
    old, new = ColorEmbedder(), NewColors()
    lib = Library.open(make_settings(tmp_path), embedder_factory=lambda s, _b: new if s.model == "v2" else old)
    libraries.append(lib)
    return lib


def test_settings_lists_the_catalog_and_switching_keeps_search_answering(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    dialog = window.open_settings()
    listed = [dialog.model_combo.itemData(i) for i in range(dialog.model_combo.count())]
    assert listed == [m.hub_id for m in MODELS]
    assert any("(recommended)" in dialog.model_combo.itemText(i) for i in range(dialog.model_combo.count()))
    dialog.model_combo.setCurrentIndex(1)
    assert dialog.model.text() == MODELS[1].hub_id and "published" in dialog.model_details.text()
    dialog.model.setText("v2")
    with qtbot.waitSignal(window.indexing.job_finished, timeout=30_000) as finished:
        dialog.accept()
        assert window.indexing.pending_jobs[-1].kind == "switch"
        window.query.search_text("red")  # asked while the new model builds: answered by the current one
    job = finished.args[0]
    assert job.kind == "switch" and job.outcome.switched
    assert window.library.embedder.model_id == "test/colors@v2" and window.library.model_spec == "v2"
    qtbot.waitUntil(lambda: "model test/colors@v2" in window.status_label.text(), timeout=5000)
    qtbot.waitUntil(lambda: window.results_model.hit(0) is not None
                    and window.results_model.hit(0).path.endswith("red.jpg"), timeout=5000)


def test_an_unfinished_switch_goes_on_at_the_next_start(qtbot, make_window, library, photos):
    library.index_folders([str(photos)])
    model_switch.begin(library._catalog, "v2", "test/colors@v2")
    window = make_window(library)
    assert "switching to v2: 0%" in window.status_label.text() or window.refresh_status() is None
    with qtbot.waitSignal(window.indexing.job_finished, timeout=30_000):
        job = window.resume_model_switch()
        assert job is not None and job.kind == "switch"
    assert window.library.embedder.model_id == "test/colors@v2"
    assert window.resume_model_switch() is None  # nothing left to resume
