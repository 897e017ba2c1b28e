"""Small real photo folders and libraries for tests: real JPEG/PNG/WebP files, a real SQLite catalog."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from PIL import Image

from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.testing.color_embedder import PALETTE, ColorEmbedder

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003


def write_photo(path: Path, colour: str, *, second: str | None = None, share: float = 0.0,
                size: tuple[int, int] = (320, 240), taken_at: str | None = None) -> Path:
    """A photo filled with one palette colour; ``second`` covers the left ``share`` of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, PALETTE[colour])
    if second:
        image.paste(PALETTE[second], (0, 0, int(size[0] * share), size[1]))
    kwargs = {}
    if taken_at:
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken_at  # "YYYY:MM:DD HH:MM:SS"
        kwargs["exif"] = exif.tobytes()
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}[path.suffix.lower()]
    if fmt == "WEBP":
        kwargs["lossless"] = True
    image.save(path, fmt, **kwargs)
    return path


def color_model_env(root: Path) -> dict[str, str]:
    """``PHOTOCLIP_*`` variables for a real ``photoclip`` run on the built-in colour test model (no torch, no model
    files), keeping its data under ``root``; other ``PHOTOCLIP_*`` variables of the calling shell are dropped."""
    return {"PHOTOCLIP_DATA_DIR": str(root / "data"), "PHOTOCLIP_MODEL": "test:colors", "PHOTOCLIP_OFFLINE": "1"}


def make_settings(root: Path) -> Settings:
    # index_process=False: the app's tests index in the window's process unless they test the indexing process
    return Settings(data_dir=root / "data", cache_dir=root / "cache", decode_workers=2, batch_size=4,
                    index_process=False)


def gated_settings(root: Path) -> Settings:
    """Settings for a ``GatedColorEmbedder``: files decode one at a time, in the run's order."""
    return dataclasses.replace(make_settings(root), decode_workers=1)


def open_library(root: Path, embedder: ColorEmbedder | None = None) -> Library:
    return Library.open(make_settings(root), embedder=embedder or ColorEmbedder())


def open_indexed(root: Path, photos: Path, embedder: ColorEmbedder | None = None) -> Library:
    """A library under ``root`` with ``photos`` indexed; tests find both again as attributes."""
    lib = open_library(root, embedder)
    lib.index_folders([photos])
    lib.photos_root = photos
    lib.root = root
    return lib


def indexed_count(catalog: Path) -> int:
    """Photos indexed in the catalog file, read from another connection while a child process writes it
    (0 before the file or its tables exist)."""
    try:
        db = sqlite3.connect(catalog, timeout=5)
        try:
            count: int = db.execute("SELECT COUNT(*) FROM photos WHERE status = 'indexed'").fetchone()[0]
            return count
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def small_page_catalog(tmp_path: Path) -> None:
    """A catalog file as photoclip made it before 16 KiB pages (SQLite's default 4 KiB)."""
    path = make_settings(tmp_path).catalog_path
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size=4096")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
