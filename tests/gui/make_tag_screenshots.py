"""Render the Tags dock offscreen into docs/screenshots/ (run: python -m tests.gui.make_tag_screenshots).

Same generated photos and deterministic ColorEmbedder as make_screenshots.py (colour words match dominant
colours): the pictures show the interface, not a real CLIP model's tagging quality.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from photoclip.core.tagging import Label, LabelSet
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.main_window import MainWindow
from photoclip.gui.widgets.review_queue import PHOTO_ROLE
from tests.gui.make_screenshots import OUT, make_photos, wait
from tests.support.library_fixtures import open_library

COLOURS = LabelSet("Colours", (
    Label("Colours|Red", prompts=("red",)), Label("Colours|Green", prompts=("green",)),
    Label("Colours|Blue", prompts=("blue",)), Label("Sunny", prompts=("yellow", "orange"), negatives=("purple",)),
))
PRIVATE = LabelSet("private", (Label("Sensitive|Purple", prompts=("purple",), threshold=50),), sensitive=True)


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.gettempdir()) / "photoclip-demo-tags"
    shutil.rmtree(root, ignore_errors=True)
    try:
        folders = make_photos(root / "Pictures")
        library = open_library(root / "lib")
        window = MainWindow(library, QSettings(str(root / "gui.ini"), QSettings.Format.IniFormat), CrashReporter())
        window.resize(1440, 860)
        window.show()
        window.add_folders([str(f) for f in folders])
        wait(app, lambda: not window.indexing.busy, timeout=120)
        tagger = library.tags
        tagger.save_label_set(COLOURS)
        tagger.save_label_set(PRIVATE)
        tagger.suggest(PRIVATE)  # the lavender and violets photos: blurred in the grid
        tags = window.tags
        tags.refresh_blur()
        window.search_box.setText("red")
        wait(app, lambda: window.results_model.rowCount() > 0)
        tags.album_control.album_from_search("Reds")
        wait(app, lambda: tags.albums.rows() != [])
        window.search_box.setText("red +purple")
        wait(app, lambda: window.query.latest.query == "red +purple" and "purple" in window.result_label.text())
        window.results_model.set_weaker_shown(True)  # the blurred purple photos are among the weaker matches

        tags.show_panel()
        panel = tags.panel
        panel.refresh_sets(select="Colours")
        wait(app, lambda: panel.label_set is not None and panel.label_set.name == "Colours")
        panel.run_labels()
        wait(app, lambda: panel.run is not None and panel.preview_shown is not None)
        panel.select_label("Colours|Red")
        panel.set_threshold(8.0)
        wait(app, lambda: panel.preview_shown.label == "Colours|Red" and panel.preview_shown.threshold == 8.0)
        wait(app, lambda: all(not panel.preview.item(i).icon().isNull() for i in range(panel.preview.count())))
        rows = min(window.results_model.rowCount(), 8)
        model = window.results_model  # the "Weaker matches (N)" row has no thumbnail to wait for
        wait(app, lambda: all(model.hit(r) is None or model.has_thumbnail(r) for r in range(rows)))
        app.processEvents()
        window.grab().save(str(OUT / "tags-panel.png"))

        panel.send_to_queue()
        queue = tags.queue
        wait(app, lambda: len(queue.rows) > 3)
        tags.show_panel("Review")
        window.resizeDocks([tags.dock], [620], Qt.Orientation.Horizontal)  # room for a grid of thumbnails
        first = queue.rows[0].row
        queue.select(first.tag, [first.path])
        queue.decide_selected("accept")  # A: accepted, and the selection moves on to the next photo
        wait(app, lambda: first.path not in queue.grouped().get(first.tag, []))
        wait(app, lambda: not tags.service.busy)
        app.processEvents()
        shown = [queue.grid.item(i) for i in range(queue.grid.count())
                 if queue.grid.visualItemRect(queue.grid.item(i)).intersects(queue.grid.viewport().rect())]
        wait(app, lambda: all(not item.icon().isNull() for item in shown))
        app.processEvents()
        window.grab().save(str(OUT / "review-queue.png"))

        # the viewer opened from the grid (double-click): the photo's tags as chips, ◀ ▶ through the grid
        current = queue.grid.currentItem()
        tagger.add_tags([current.data(PHOTO_ROLE)], ["Trips|Lisbon", "Bob"])
        queue.open_item(current)
        viewer = next(v for v in window.findChildren(ViewerDialog) if v.isVisible())
        viewer.resize(1100, 700)
        wait(app, lambda: viewer.full_loaded and viewer.tag_names() and viewer.model_chips.names())
        app.processEvents()
        viewer.grab().save(str(OUT / "viewer-tags.png"))
        viewer.close()
        window.shutdown()
        library.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
