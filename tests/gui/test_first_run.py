"""First run with no model: the dialog shows, a picked model folder or a download (from a loopback stand-in for
the hub) makes the app ready, and Cancel stops a download with the partial files kept for a retry."""

from __future__ import annotations

import json
import shutil

import pytest

from photoclip.core.library import Library
from photoclip.gui.dialogs.first_run import FirstRunDialog, download_text, needs_model_setup, offer_model_setup
from tests.model.conftest import clip_vocab_files, tiny_model_dir  # noqa: F401  (session fixtures)
from tests.support.fake_hub import serve_fake_hub
from tests.support.library_fixtures import make_settings

from .conftest import wait_idle

pytestmark = [pytest.mark.gui, pytest.mark.model]

ABSENT = "acme/not-downloaded-yet"  # a hub id in no cache on any machine


@pytest.fixture
def bare_library(tmp_path, libraries):
    """A library that loads the real CLIP code path (no injected embedder) and has no model yet."""
    settings = make_settings(tmp_path)
    settings.model = ABSENT
    settings.allow_download = False
    lib = Library.open(settings)
    libraries.append(lib)
    return lib


def test_dialog_shows_when_no_model_and_a_picked_folder_makes_the_app_ready(
        qtbot, make_window, bare_library, tiny_model_dir, photos):  # noqa: F811
    window = make_window(bare_library)
    assert needs_model_setup(bare_library.settings)
    dialog = offer_model_setup(window)
    assert dialog is not None and dialog.isVisible()
    assert not dialog.download_button.isEnabled()  # downloads are off: only the folder choice is offered

    with qtbot.waitSignal(dialog.model_ready, timeout=30_000) as ready:
        dialog.use_folder(str(tiny_model_dir))
    assert ready.args == ["tiny-clip"]
    assert bare_library.model_spec == "tiny-clip"  # recorded in the catalog: the library's model from now on
    assert not needs_model_setup(bare_library.settings, bare_library.model_spec)
    assert window.store.value("model/id") == "tiny-clip"  # remembered for the next start

    window.add_folders([str(photos)])  # the real tiny CLIP indexes and answers a search
    wait_idle(qtbot, window, timeout=120_000)
    with qtbot.waitSignal(window.query.results, timeout=60_000) as found:
        window.query.search_text("a red photo")
    assert len(found.args[1].ranking) == 8  # the whole ranking (a random tiny model: few or no matches)
    about = dict(window._about().model_rows)  # the real model's facts once loaded
    assert about["Model"] == "tiny-clip" and about["Model id"].startswith("tiny-clip@")
    assert about["Device"] == "cpu" and "chosen" not in about["Backend"]
    assert offer_model_setup(window) is None  # next start: no dialog


def test_a_folder_of_an_unsupported_model_is_refused_with_a_reason(qtbot, bare_library, tiny_model_dir,  # noqa: F811
                                                                   tmp_path):
    dialog = FirstRunDialog(bare_library.settings)
    qtbot.addWidget(dialog)
    dialog.show()
    other = tmp_path / "bert"
    shutil.copytree(tiny_model_dir, other)
    (other / "config.json").write_text(json.dumps({"model_type": "bert"}))
    dialog.use_folder(str(other))
    assert dialog.error.isVisible()
    assert "'bert' model; photoclip supports" in dialog.error.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog.use_folder(str(empty))
    assert "no config.json" in dialog.error.text()
    assert dialog.folder_button.isEnabled() and dialog.model_spec is None
    assert needs_model_setup(bare_library.settings)


def test_download_shows_progress_and_cancel_keeps_partial_files(qtbot, tmp_path, tiny_model_dir):  # noqa: F811
    settings = make_settings(tmp_path)
    settings.model = "acme/tiny-clip"
    # ~0.3 s per MiB: the tiny model's weights take a few seconds, long enough to see progress and cancel
    with serve_fake_hub("acme/tiny-clip", tiny_model_dir, delay=0.3) as (hub, endpoint):
        dialog = FirstRunDialog(settings, endpoint=endpoint)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.download_button.isEnabled() and not dialog.cancel_button.isVisible()
        dialog.download_button.click()
        assert dialog.cancel_button.isVisible() and not dialog.folder_button.isEnabled()
        qtbot.waitUntil(lambda: 0 < dialog.progress.value() < dialog.progress.maximum(), timeout=30_000)
        assert " of " in dialog.progress_label.text() and "%" in dialog.progress_label.text()
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: "cancelled" in dialog.progress_label.text(), timeout=30_000)
        assert dialog.download_button.isEnabled() and dialog.result() == 0
        assert not (settings.models_dir / "acme--tiny-clip").exists()
        assert (settings.models_dir / ".partial-acme--tiny-clip").is_dir()

        hub.delay = 0.0  # again: resumes and finishes
        with qtbot.waitSignal(dialog.model_ready, timeout=60_000) as ready:
            dialog.download_button.click()
    assert ready.args == ["acme/tiny-clip"]
    assert not needs_model_setup(settings)
    assert dialog.progress.value() == dialog.progress.maximum()


def test_download_text_says_bytes_percent_and_time_left():
    assert download_text(150 << 20, 600 << 20, 30.0) == "150.0 MB of 600.0 MB · 25% · 1:30 left"
    assert download_text(1 << 20, 600 << 20, 0.2) == "1.0 MB of 600.0 MB · 0%"  # too early for an estimate


def test_installed_bundle_with_a_model_needs_no_setup(tmp_path, tiny_model_dir):  # noqa: F811
    settings = make_settings(tmp_path)
    settings.model = "acme/tiny-clip"
    assert needs_model_setup(settings)
    settings.bundled_models_dir = tmp_path / "opt" / "models"
    shutil.copytree(tiny_model_dir, settings.bundled_models_dir / "acme--tiny-clip")
    assert not needs_model_setup(settings)
