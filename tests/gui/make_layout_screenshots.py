"""Render the window small, with the Tags panel open, into docs/screenshots/ (run: python -m
tests.gui.make_layout_screenshots): at 1024×700, and on a 1600×1000 screen scaled 1.5× (QT_SCALE_FACTOR=1.5,
1067×667 logical pixels) restoring a saved window larger than that screen.

Each shot runs in a process of its own: the offscreen platform's screen (its size, from a config file) and
the scale factor are fixed when Qt starts. Same generated photos and ColorEmbedder as make_screenshots.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SHOTS = {
    # name: (screen width, height in device pixels, scale factor)
    "layout-1024x700": (1280, 800, "1"),
    "layout-scale-1.5": (1600, 1000, "1.5"),
}


def run_shot(name: str) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from photoclip.core.tagging import Label, LabelSet
    from photoclip.gui.crash_reporter import CrashReporter
    from photoclip.gui.main_window import MainWindow
    from tests.gui.make_screenshots import OUT, make_photos, wait, wait_thumbnails
    from tests.support.library_fixtures import open_library

    app = QApplication(sys.argv)
    root = Path(tempfile.gettempdir()) / f"photoclip-demo-{name}"
    shutil.rmtree(root, ignore_errors=True)
    try:
        folders = make_photos(root / "Pictures")
        library = open_library(root / "lib")
        settings = str(root / "gui.ini")
        scaled = name == "layout-scale-1.5"

        def open_window() -> MainWindow:
            return MainWindow(library, QSettings(settings, QSettings.Format.IniFormat), CrashReporter())

        if scaled:  # the last session's window was larger than this screen (saved unscaled, or elsewhere)
            first = open_window()
            first.show()
            first.tags.show_panel()
            first.resize(1500, 950)
            app.processEvents()
            first.shutdown()
        window = open_window()
        window.show()
        if not scaled:
            window.resize(1024, 700)
        window.add_folders([str(f) for f in folders])
        wait(app, lambda: not window.indexing.busy, timeout=120)
        tags = window.tags
        tags.show_panel()
        panel = tags.panel
        library.tags.save_label_set(LabelSet("Colours", (
            Label("Colours|Red", prompts=("red",)), Label("Colours|Green", prompts=("green",)),
            Label("Colours|Blue", prompts=("blue",)))))
        panel.refresh_sets(select="Colours")
        wait(app, lambda: panel.label_set is not None and panel.label_set.name == "Colours")
        panel.run_labels()
        wait(app, lambda: panel.run is not None and panel.preview_shown is not None)
        panel.select_label("Colours|Red")
        wait(app, lambda: panel.preview_shown.label == "Colours|Red")
        wait(app, lambda: all(not panel.preview.item(i).icon().isNull() for i in range(panel.preview.count())))
        window.search_box.setText("red")
        wait(app, lambda: window.query.latest is not None and "for “red”" in window.result_label.text())
        window.results_model.set_weaker_shown(True)
        view = window.results_view  # thumbnails load for the cells painted: wait for those on screen
        on_screen = sum(view.viewport().rect().intersects(view.visualRect(window.results_model.index(r)))
                        for r in range(window.results_model.rowCount()))
        wait_thumbnails(app, window, on_screen)
        app.processEvents()
        print(name, "window", window.size().toTuple(), "screen", window.screen().availableGeometry().size().toTuple(),
              "search box", window.search_box.width(), "grid columns", window.results_view.columns(),
              "thumbnail", window.results_view.iconSize().width(), "threshold slider", panel.slider.width())
        if os.environ.get("LAYOUT_DEBUG"):
            for part in (window, window.library_panel, window.grid_area, tags.dock, tags.tabs, panel, tags.queue,
                         panel.threshold, panel.preview, panel.set_bar, window.statusBar(), window.search_filters):
                print(type(part).__name__, part.width(), part.minimumSizeHint().width(), part.minimumWidth())
        window.grab().save(str(OUT / f"{name}.png"))
        window.shutdown()
        library.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    if len(sys.argv) > 1:
        run_shot(sys.argv[1])
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (width, height, scale) in SHOTS.items():
            config = Path(tmp) / f"{name}.json"
            config.write_text(json.dumps({"screens": [{"name": "Screen", "x": 0, "y": 0, "width": width,
                                                       "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                       "dpr": 1}]}))
            env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR=scale)
            subprocess.run([sys.executable, "-m", "tests.gui.make_layout_screenshots", name], env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
