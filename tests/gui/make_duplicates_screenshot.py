"""Render Tools → Find duplicates… offscreen into docs/screenshots/duplicates.png
(run: python -m tests.gui.make_duplicates_screenshot).

Generated "landscapes" (make_screenshots.scene), each saved as the copies a library collects: the camera's
original, an identical copy from a second import, a re-compressed one from a messenger, a resized one, an
edited (brighter) one and a crop. They are indexed by the deterministic ColorEmbedder, so the picture shows the
interface, not how a real CLIP model groups real photos.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.main_window import MainWindow
from tests.gui.make_screenshots import OUT, scene, wait
from tests.support.bursts import copy_of
from tests.support.images import make_exif
from tests.support.library_fixtures import open_library

#: (file stem, dominant colour, the copies saved besides the original)
SHOTS = (("IMG_2041", "orange", ("messenger", "resized", "edited")),
         ("IMG_2107", "blue", ("copy", "cropped")),
         ("IMG_2230", "green", ("resized", "messenger")),
         ("IMG_2315", "purple", ("copy",)),
         ("IMG_2402", "red", ()))
HOW = {"messenger": ("recompressed", "-WA0003"), "resized": ("resized", "_small"), "edited": ("brighter", "-edit"),
       "cropped": ("cropped", "-crop"), "copy": ("original", " (1)")}


def make_photos(root: Path) -> Path:
    folder = root / "Pictures" / "Phone import"
    folder.mkdir(parents=True)
    for n, (stem, colour, copies) in enumerate(SHOTS):
        picture = scene(colour, 40 + n, size=(1600, 1200))
        exif = make_exif(taken_at=f"2024:07:{10 + n:02d} 18:{n * 7:02d}:00", make="Google", model="Pixel 8").tobytes()
        original = folder / f"{stem}.jpg"
        picture.save(original, quality=90, exif=exif)
        for copy in copies:
            how, suffix = HOW[copy]
            if copy == "copy":
                shutil.copy(original, folder / f"{stem}{suffix}.jpg")
                continue
            pixels, quality = copy_of(picture, how, ("orange",), 0)
            buffer = io.BytesIO()
            pixels.save(buffer, "JPEG", quality=quality, exif=exif)
            (folder / f"{stem}{suffix}.jpg").write_bytes(buffer.getvalue())
    return folder


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.gettempdir()) / "photoclip-demo-duplicates"
    shutil.rmtree(root, ignore_errors=True)
    try:
        folder = make_photos(root)
        library = open_library(root / "lib")
        window = MainWindow(library, QSettings(str(root / "gui.ini"), QSettings.Format.IniFormat), CrashReporter())
        window.resize(1280, 800)
        window.show()
        window.add_folders([str(folder)])
        wait(app, lambda: not window.indexing.busy, timeout=120)
        dialog = window.find_duplicates()
        dialog.resize(1100, 640)
        wait(app, lambda: not dialog.busy and dialog.groups and len(dialog.keepers) == len(dialog.groups))
        assert len(dialog.groups) == 4, [len(g.photos) for g in dialog.groups]  # the lone red one stays alone
        dialog.group_list.setCurrentRow(0)
        wait(app, lambda: all(not dialog.photo_list.item(i).icon().isNull() for i in range(dialog.photo_list.count()))
             and all(not dialog.group_list.item(i).icon().isNull() for i in range(dialog.group_list.count())))
        app.processEvents()
        dialog.grab().save(str(OUT / "duplicates.png"))
        dialog.close()
        window.shutdown()
        library.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"screenshot written to {OUT / 'duplicates.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
