"""Expected problems show as a banner with an action; a bug shows a copyable report and the app goes on."""

from __future__ import annotations

import errno
import sys

import pytest

from photoclip.core.errors import ModelNotAvailableError
from photoclip.core.library import Library
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.dialogs.crash_dialog import CrashDialog
from photoclip.gui.dialogs.first_run import FirstRunDialog
from tests.gui.conftest import wait_idle
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings

pytestmark = pytest.mark.gui


def no_model(_settings, _bus):
    raise ModelNotAvailableError("No CLIP model is installed and this computer is offline.",
                                 "Connect to the internet, or import a model folder in Settings.")


class BuggyEmbedder(ColorEmbedder):
    def embed_texts(self, texts):
        raise RuntimeError("boom in the text tower")


def test_model_missing_catalogues_and_a_search_shows_a_banner_with_a_way_to_a_model(qtbot, make_window, libraries,
                                                                                   tmp_path, photos):
    settings = make_settings(tmp_path / "lib")
    settings.model = "acme/not-downloaded-yet"  # what the first-run dialog offers to get
    library = Library.open(settings, embedder_factory=no_model)
    libraries.append(library)
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    assert not window.banner.isVisible()  # indexing catalogued the photos: browsable, not an error
    qtbot.waitUntil(lambda: len(window.browse.names()) == 8, timeout=10_000)

    window.query.search_text("red")  # a search needs the model: a banner, no crash dialog
    qtbot.waitUntil(window.banner.isVisible, timeout=5000)
    assert "offline" in window.banner.message.text()
    assert window.banner.action.text() == "Get a model…"
    assert not window.findChildren(CrashDialog)
    window.banner.action.click()
    assert not window.banner.isVisible()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(FirstRunDialog)), timeout=3000)
    next(d for d in window.findChildren(FirstRunDialog) if d.isVisible()).reject()


def test_a_bug_in_a_worker_opens_a_copyable_report_and_the_app_keeps_working(qtbot, make_window, libraries, tmp_path,
                                                                              photos):
    library = Library.open(make_settings(tmp_path / "lib"), embedder=BuggyEmbedder())
    libraries.append(library)
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    window.query.search_text("red")
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(CrashDialog)), timeout=5000)
    dialog = next(d for d in window.findChildren(CrashDialog) if d.isVisible())
    assert "RuntimeError: boom in the text tower" in dialog.text()
    assert "photoclip" in dialog.text().splitlines()[0]
    dialog.copy_to_clipboard()
    from PySide6.QtWidgets import QApplication

    assert "boom in the text tower" in QApplication.clipboard().text()
    # the query thread survived: photo->photo search needs no text tower
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.search.search_similar(str(photos / "red.jpg"))
    assert window.results_model.rowCount() > 0


def test_excepthook_reports_go_to_one_dialog(qtbot, window):
    reporter = window.reporter
    assert isinstance(reporter, CrashReporter)
    reporter.install()
    try:
        for n in range(2):
            try:
                raise ValueError(f"unexpected {n}")
            except ValueError:
                sys.excepthook(*sys.exc_info())
    finally:
        reporter.uninstall()
    qtbot.waitUntil(lambda: len(window.findChildren(CrashDialog)) == 1, timeout=3000)
    text = window.findChildren(CrashDialog)[0].text()
    assert "ValueError: unexpected 0" in text and "ValueError: unexpected 1" in text


def test_a_folder_that_is_gone_is_a_banner(qtbot, window, tmp_path):
    window.add_folders([str(tmp_path / "no-such-folder")])
    assert window.banner.isVisible()
    assert "is not a folder" in window.banner.message.text()
    assert window.banner.action.text() == "Add folder…"


class DiskFullEmbedder(ColorEmbedder):
    def embed_prepared(self, batch):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/photoclip/catalog.sqlite3")


def test_a_full_disk_is_a_banner_not_a_crash(qtbot, make_window, libraries, tmp_path, photos):
    library = Library.open(make_settings(tmp_path / "lib"), embedder=DiskFullEmbedder())
    libraries.append(library)
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    assert window.banner.isVisible()
    assert "disk is full" in window.banner.message.text()
    assert window.banner.action.text() == "Retry"
    assert not window.findChildren(CrashDialog)


APP_CHILD = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from photoclip.gui import app as gui

gui.create_app([])

def answer():  # runs inside the message box's own event loop: read it and close it, as a user would
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        print("BOX=" + box.text().replace("\\n", " | "), flush=True)
        box.accept()
    else:
        QTimer.singleShot(100, answer)

QTimer.singleShot(100, answer)
sys.exit(gui.main([]))
"""


@pytest.mark.parametrize(("name", "value", "words"), [
    ("PHOTOCLIP_THREADS", "abc", "whole number"),
    ("PHOTOCLIP_DATA_DIR", "{file}", "not a file"),
])
def test_a_bad_setting_at_app_start_is_a_message_not_a_traceback(tmp_path, name, value, words):
    import os
    import subprocess
    from pathlib import Path

    afile = tmp_path / "afile"
    afile.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_OFFLINE": "1",
            "XDG_CONFIG_HOME": str(tmp_path / "config"), name: value.format(file=afile)}
    result = subprocess.run([sys.executable, "-c", APP_CHILD], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [box] = [line for line in result.stdout.splitlines() if line.startswith("BOX=")]
    assert name in box and words in box
