"""Render installers/icons/photoclip.svg to the PNG sizes the installers use (hicolor theme sizes) plus the
Windows .ico and the macOS .icns the PyInstaller spec uses. Run after editing the SVG; the PNGs are committed.

    QT_QPA_PLATFORM=offscreen python installers/icons/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = HERE / "photoclip.svg"
    for size in SIZES:
        out = HERE / "png" / f"{size}x{size}" / "photoclip.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(svg, size).save(str(out)):
            print(f"could not write {out}", file=sys.stderr)
            return 1
    # Windows .ico: Qt writes one image per file; the multi-size .ico comes from Pillow (already a dependency)
    from PIL import Image

    ico = HERE.parent / "windows" / "photoclip.ico"
    ico.parent.mkdir(parents=True, exist_ok=True)
    biggest = Image.open(HERE / "png" / "256x256" / "photoclip.png")
    biggest.save(ico, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    icns = HERE.parent / "macos" / "photoclip.icns"  # macOS: Pillow writes the sizes the format needs
    icns.parent.mkdir(parents=True, exist_ok=True)
    Image.open(HERE / "png" / "512x512" / "photoclip.png").save(icns)
    print(f"wrote {len(SIZES)} PNG sizes, {ico.name} and {icns.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
