"""Render the real app offscreen into docs/screenshots/ (run: python -m tests.gui.make_screenshots).

The library is generated colourful photos indexed by the deterministic ColorEmbedder (colour words match
dominant colours), so these pictures show the interface, not a real CLIP model's search quality.
"""

from __future__ import annotations

import json
import os
import tempfile

# Offscreen Qt's default screen is 800 px wide: the window would be kept at that width (it fits itself to its
# screen) and the grid's lower rows never painted. A 1600×1000 screen, as make_layout_screenshots does.
if "QT_QPA_PLATFORM" not in os.environ:
    _screen = os.path.join(tempfile.mkdtemp(prefix="photoclip-screen-"), "screen.json")
    with open(_screen, "w") as _f:
        json.dump({"screens": [{"name": "Screen", "x": 0, "y": 0, "width": 1600, "height": 1000,
                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}, _f)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"

import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.main_window import MainWindow
from tests.gui.conftest import slow_library
from tests.support.color_embedder import PALETTE
from tests.support.images import make_exif, write_garbage, write_truncated_jpeg

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCENES = {
    "Holidays 2023": [("sunset-beach", "orange"), ("red-boat", "red"), ("harbour", "blue"),
                      ("lemon-market", "yellow"), ("lavender", "purple"), ("poppies", "red"), ("sea-view", "blue"),
                      ("snowy-hut", "white"), ("tomatoes", "red"), ("night-street", "black"), ("vineyard", "green"),
                      ("orange-grove", "orange")],
    "Garden": [("roses", "red"), ("lawn", "green"), ("tulips", "yellow"), ("hedge", "green"), ("red-door", "red"),
               ("violets", "purple"), ("pond", "blue"), ("frost", "white"), ("ladybird", "red"), ("ferns", "green")],
}


def scene(colour: str, seed: int, size=(960, 720)) -> Image.Image:
    """A soft, photo-like picture dominated by one palette colour: sky gradient, hills, a sun, grain."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = np.array(PALETTE[colour], np.float32)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    light = np.clip(base * 1.25 + 25, 0, 255)
    dark = base * 0.55
    img = light * (1 - y) + dark * y + np.zeros((h, w, 3), np.float32)
    picture = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    sun = rng.uniform([0.15, 0.1], [0.85, 0.35]) * (w, h)
    draw.ellipse([sun[0] - 60, sun[1] - 60, sun[0] + 60, sun[1] + 60], fill=tuple(int(c) for c in light * 0.9 + 25))
    for layer in range(3):
        tone = tuple(int(c) for c in (dark * (0.95 - 0.2 * layer)).clip(0, 255))
        xs = np.linspace(0, w, 9)
        ys = h * (0.55 + 0.12 * layer) + rng.normal(0, h * 0.05, size=9)
        draw.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)], fill=tone)
    picture = picture.filter(ImageFilter.GaussianBlur(1.5))
    grain = rng.normal(0, 5, (h, w, 3))
    return Image.fromarray((np.asarray(picture, np.float32) + grain).clip(0, 255).astype(np.uint8))


def make_photos(root: Path) -> list[Path]:
    folders = []
    seed = 0
    for folder, items in SCENES.items():
        for name, colour in items:
            path = root / folder / f"{name}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            # four photos a day, as on a trip (the library view groups them under one day's header)
            taken = f"2023:0{1 + (seed // 4) % 9}:{10 + seed // 4:02d} {8 + seed % 10:02d}:{seed * 7 % 60:02d}:00"
            exif = make_exif(taken_at=taken,
                             make="Fujifilm" if folder == "Garden" else "Canon",
                             model="X-T30" if folder == "Garden" else "EOS R6")
            scene(colour, seed).save(path, quality=88, exif=exif.tobytes())
            seed += 1
        folders.append(root / folder)
    write_garbage(root / "Garden" / "IMG_0042.jpg")
    write_truncated_jpeg(root / "Holidays 2023" / "copy-interrupted.jpg", keep=0.4)
    return folders


def wait(app: QApplication, condition, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():  # a script, not the app: spinning the loop here is fine
        if time.monotonic() > deadline:
            raise TimeoutError
        app.processEvents()
        time.sleep(0.01)


def wait_thumbnails(app: QApplication, window: MainWindow, rows: int) -> None:
    """The first ``rows`` photo cells have their thumbnails (the weaker matches' header has none)."""
    model = window.results_model
    photo_rows = [r for r in range(min(model.rowCount(), rows)) if not model.is_header(r)]
    wait(app, lambda: all(model.has_thumbnail(r) for r in photo_rows))


def browse_shot(app: QApplication, window: MainWindow) -> None:
    """The library view: nothing searched, newest first under month and day headers, the date scrubber."""
    window.search_box.clear()
    browse = window.browse
    wait(app, lambda: browse.visible and not browse.loading and len(browse.model) > 0)
    browse.page.grab()  # a paint asks for the thumbnails on screen
    wait(app, lambda: all(browse.model.has_thumbnail(r) for r in browse.view.visible_rows()))
    app.processEvents()
    window.grab().save(str(OUT / "browse.png"))


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.gettempdir()) / "photoclip-demo"  # a stable, readable path for the viewer's "Folder"
    shutil.rmtree(root, ignore_errors=True)
    try:
        folders = make_photos(root / "Pictures")
        library = slow_library(root / "lib", delay=1.5)
        window = MainWindow(library, QSettings(str(root / "gui.ini"), QSettings.Format.IniFormat), CrashReporter())
        window.resize(1280, 800)
        window.show()
        window.add_folders([str(f) for f in folders])
        window.start_watching()  # as the app does; its catch-up rescan queues behind the first run
        bar = window.progress_panel.bar
        wait(app, lambda: bar.isVisible() and bar.maximum() > 0 and bar.value() >= bar.maximum() * 0.4)
        window.search_box.setText("green")  # searching works while indexing: what is indexed so far
        wait(app, lambda: window.results_model.rowCount() > 0)
        wait_thumbnails(app, window, 10)
        window.refresh_status()
        wait(app, lambda: not window.status_service.busy)
        app.processEvents()
        window.grab().save(str(OUT / "library-indexing.png"))

        wait(app, lambda: not window.indexing.busy and window.watcher.idle(), timeout=120)
        window.search_box.setText("red")
        wait(app, lambda: window.query.latest.query == "red" and "for “red”" in window.result_label.text())
        wait(app, lambda: window.results_model.rowCount() > 0)
        wait_thumbnails(app, window, 12)
        window.results_view.setCurrentIndex(window.results_model.index(0))
        app.processEvents()
        window.grab().save(str(OUT / "search-results.png"))

        # the matches, then the weaker ones unfolded under their header (fainter), one of them hovered
        window.results_model.set_weaker_shown(True)
        window.results_view.clearSelection()
        wait_thumbnails(app, window, 15)
        app.processEvents()
        window.grab().save(str(OUT / "weaker-matches.png"))
        window.results_model.set_weaker_shown(False)

        viewer = window.search.open_viewer(0)
        viewer.resize(1100, 700)
        wait(app, lambda: viewer.full_loaded)
        app.processEvents()
        viewer.grab().save(str(OUT / "viewer.png"))
        viewer.close()
        browse_shot(app, window)
        window.shutdown()
        library.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
