"""Which local folders and photo files a drag carries."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData

from photoclip.core.scan.walker import is_photo_name
from photoclip.gui.file_urls import url_path


def dropped_paths(mime: QMimeData) -> tuple[list[str], list[str]]:
    """(folders, photo files) among the local URLs of a drag."""
    folders: list[str] = []
    photos: list[str] = []
    if mime.hasUrls():
        for url in mime.urls():
            if not url.isLocalFile():
                continue
            path = Path(url_path(url))
            if path.is_dir():
                folders.append(str(path))
            elif path.is_file() and is_photo_name(path.name):
                photos.append(str(path))
    return folders, photos
