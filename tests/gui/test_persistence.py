"""Settings and window geometry survive a restart (QSettings in a temp file, never the real config)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from photoclip.gui.preferences import ModelPreferences

pytestmark = pytest.mark.gui


def test_settings_dialog_stores_model_device_and_threads(qtbot, window, store):
    dialog = window.open_settings()
    dialog.model.setText("/models/my-clip")
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.threads.setValue(1)
    dialog.accept()
    assert window.library.model_spec == "/models/my-clip"  # nothing indexed yet: recorded, no switch needed
    assert window.library.settings.device == "cpu"
    reread = ModelPreferences.load(QSettings(store.fileName(), QSettings.Format.IniFormat), window.library.settings)
    assert (reread.model, reread.device, reread.threads) == ("/models/my-clip", "cpu", 1)


def test_window_geometry_persists(qtbot, make_window, library):
    first = make_window(library)
    first.resize(700, 520)  # inside the offscreen 800x600 screen: restoreGeometry clamps
    first.splitter.setSizes([first.splitter.sizes()[0] + 40, 1])
    sizes = first.splitter.sizes()
    first.close()
    second = make_window(library)
    assert (second.width(), second.height()) == (700, 520)
    assert second.splitter.sizes() == sizes


def test_an_environment_variable_wins_over_saved_preferences(tmp_path):
    from photoclip.core.settings import Settings

    store = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    ModelPreferences("/saved/model", "cpu", 3).save(store)
    env = {"PHOTOCLIP_DATA_DIR": str(tmp_path), "PHOTOCLIP_MODEL": "/from/env"}
    settings = Settings.from_env(env)
    ModelPreferences.load(store, settings).apply_to(settings, env=env)
    assert (settings.model, settings.device, settings.threads) == ("/from/env", "cpu", 3)
