"""GUI tests: real widgets offscreen, real SQLite catalog, deterministic colour embedder, temp QSettings.

``library``, ``libraries``, ``embedder`` and ``photos`` come from tests/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported anywhere

import time

import pytest

try:
    from PySide6.QtCore import QSettings
except ImportError:  # the core's Qt-free test run: nothing here can run, collect nothing
    QSettings = None
    collect_ignore_glob = ["*.py"]

from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings


class SlowColorEmbedder(ColorEmbedder):
    """Takes ``delay`` seconds per image batch, like a real model, so a run lasts long enough to pause."""

    def __init__(self, delay: float = 0.08) -> None:
        super().__init__()
        self.delay = delay

    def embed_prepared(self, batch):
        time.sleep(self.delay)  # releases the GIL, as torch does
        return super().embed_prepared(batch)


@pytest.fixture(scope="session", autouse=True)
def _isolated_qsettings(tmp_path_factory):
    """Any QSettings() built without a path writes under a temp folder, never the user's real config."""
    root = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(root))
    return root


@pytest.fixture
def store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "photoclip-gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, store, libraries):
    from photoclip.gui.crash_reporter import CrashReporter
    from photoclip.gui.main_window import MainWindow

    windows = []

    def make(library, **kwargs):
        window = MainWindow(library, store, reporter=kwargs.pop("reporter", None) or CrashReporter(), **kwargs)
        # stopped before pytest-qt closes it: closing would ask about thresholds a test left unsaved
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        window.show()
        qtbot.waitExposed(window)
        # the first status comes from the status thread (the window shows without waiting for it)
        qtbot.waitUntil(lambda: not window.status_service.busy, timeout=10_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture
def window(make_window, library):
    return make_window(library)


def wait_idle(qtbot, window, timeout: int = 15_000) -> None:
    """Indexing done and the library panel showing the counts read after it."""
    qtbot.waitUntil(lambda: not window.indexing.busy and not window.status_service.busy, timeout=timeout)


@pytest.fixture
def indexed(qtbot, window, photos):
    """The window with the ``photos`` folder added and indexed."""
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    return window


def grid_names(window) -> list[str]:
    """File names in the results grid, in the order shown."""
    return [Path(h.path).name for h in window.results_model.hits()]


def browse_names(window) -> list[str]:
    """File names in the library view (a folder, an album or everything, newest first), once it has loaded."""
    if window.browse.loading or window.pages.currentWidget() is not window.browse.page:
        return []
    return window.browse.names()


def slow_library(root, delay: float = 0.08):
    from photoclip.core.library import Library

    return Library.open(make_settings(root), embedder=SlowColorEmbedder(delay))
