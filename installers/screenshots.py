"""Render the first-run dialog (mid-download), Settings' model picker, the About dialog and the menu entry into
docs/screenshots/:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m installers.screenshots

The download is real: the tiny test CLIP served by a loopback stand-in for the hub, slowed down so the progress
bar is caught halfway; the dialog shows the default model's name as a user would see it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from installers.linux.smoke_assets import main as write_assets
from photoclip.core.settings import DEFAULT_MODEL
from photoclip.gui.app import create_app
from photoclip.gui.dialogs.about import AboutDialog
from photoclip.gui.dialogs.first_run import FirstRunDialog
from photoclip.testing.fake_hub import serve_fake_hub
from photoclip.testing.library_fixtures import make_settings, open_library

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "docs" / "screenshots"


def wait(app: QApplication, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the dialog did not get there")
        app.processEvents()
        time.sleep(0.01)


def first_run(app: QApplication, work: Path) -> None:
    settings = make_settings(work)
    settings.model = DEFAULT_MODEL
    with serve_fake_hub(DEFAULT_MODEL, work / "models" / "acme--tiny-clip", delay=0.6) as (_, endpoint):
        dialog = FirstRunDialog(settings, endpoint=endpoint)
        dialog.show()
        dialog.grab().save(str(OUT / "first-run.png"))
        dialog.download_button.click()
        wait(app, lambda: dialog.progress.value() > dialog.progress.maximum() * 0.4)
        wait(app, lambda: "left" in dialog.progress_label.text())  # after a second: the time-left estimate
        dialog.grab().save(str(OUT / "first-run-download.png"))
        dialog.reject()


def settings_dialog(work: Path) -> None:
    """Settings with the model catalog: the library's model, its published figures, the recommendation."""
    from photoclip.core.embed.model_catalog import detect_hardware, recommended
    from photoclip.gui.dialogs.settings_dialog import SettingsDialog
    from photoclip.gui.preferences import ModelPreferences

    prefs = ModelPreferences("google/siglip2-base-patch32-256", "auto", 1)
    dialog = SettingsDialog(prefs, False, os.cpu_count() or 1, recommended=recommended(detect_hardware()).hub_id)
    dialog.show()
    dialog.grab().save(str(OUT / "settings-model.png"))
    dialog.close()


def about(work: Path) -> None:
    library = open_library(work / "about")
    dialog = AboutDialog(library, f"{DEFAULT_MODEL}@3f9a1c0b7e42")
    dialog.show()
    dialog.grab().save(str(OUT / "about.png"))
    dialog.close()
    library.close()


def menu_entry() -> None:
    """What a desktop menu shows: the installed icon (hicolor 64 px) over the .desktop Name."""
    tile = QWidget()
    tile.setStyleSheet("background: #2b2d31; color: white; font-size: 13px;")
    layout = QVBoxLayout(tile)
    icon = QLabel()
    icon.setPixmap(QIcon(str(ROOT / "installers" / "icons" / "photoclip.svg")).pixmap(64, 64))
    icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
    name = QLabel("photoclip")
    name.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(icon)
    layout.addWidget(name)
    tile.resize(120, 110)
    tile.show()
    tile.grab().save(str(OUT / "menu-entry.png"))


def main() -> int:
    app = create_app(sys.argv[:1])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        work = Path(tmp)
        write_assets(work)
        first_run(app, work)
        settings_dialog(work)
        about(work)
        menu_entry()
    print(f"wrote first-run.png, first-run-download.png, settings-model.png, about.png, menu-entry.png to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
