"""The window shows the one-off optimisation of a model's first load on OpenVINO (converting, quantising,
checking, measuring) in the progress panel with its share done, and says so in the status bar."""

from __future__ import annotations

import pytest

from photoclip.core.embed.backend_choice import STEPS
from photoclip.core.library import Library
from tests.model.conftest import clip_vocab_files, tiny_model_dir  # noqa: F401  (session fixtures)
from tests.support.images import photo_like
from tests.support.library_fixtures import make_settings

from .conftest import wait_idle

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = [pytest.mark.gui, pytest.mark.model]


def test_progress_panel_shows_each_optimising_step(qtbot, make_window, libraries, tiny_model_dir,  # noqa: F811
                                                   tmp_path):
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(24):  # enough for int8's calibration and a held-out check
        photo_like((320, 240), seed=i).save(pictures / f"IMG_{i:02}.jpg", quality=90)
    settings = make_settings(tmp_path)
    settings.model, settings.backend, settings.threads, settings.allow_download = str(tiny_model_dir), "auto", 1, False
    library = Library.open(settings)
    libraries.append(library)
    window = make_window(library)
    shown: list[tuple[str, str, bool, str]] = []

    def read_widgets(event) -> None:  # connected after the window's slot: sees what it just drew
        if event.stage == "optimising":
            panel = window.progress_panel
            shown.append((panel.label.text(), panel.bar.text(), panel.bar.isVisible(),
                          window.statusBar().currentMessage()))

    window.bridge.model_loading.connect(read_widgets)
    window.add_folders([str(pictures)])
    wait_idle(qtbot, window, timeout=120_000)

    assert [label for label, *_ in shown] == [
        f"Optimising the model for this computer — once: {step}…" for step in STEPS.values()]
    assert [bar for _, bar, *_ in shown] == ["0%", "20%", "40%", "60%", "80%"]
    assert all(visible for *_, visible, _ in shown)
    assert shown[0][3] == "Optimising the model for this computer (only the first time)"
    assert not window.statusBar().currentMessage().startswith("Optimising")  # replaced once loaded
    assert library.status().counts.get("indexed") == 24
