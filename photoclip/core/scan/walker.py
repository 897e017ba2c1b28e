"""Recursive walk of a photo folder: supported files with their (size, mtime), hidden/system folders skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".gif", ".avif"}
)

# Folders that hold app data, trash or previews rather than the user's photos.
SYSTEM_DIRS = frozenset(
    {
        "$recycle.bin", "system volume information", "lost+found", "@eadir", "#recycle", "#snapshot",
        "node_modules", "__pycache__",
    }
)


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    mtime_ns: int


def is_photo_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in PHOTO_EXTENSIONS


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_DIRS


def walk(root: Path) -> Iterator[FileEntry]:
    """Yield photo files under root. Unreadable sub-folders are skipped, not fatal."""
    stack = [str(root)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skip_dir(entry.name):
                        stack.append(entry.path)
                elif entry.is_file() and is_photo_name(entry.name):
                    st = entry.stat()
                    yield FileEntry(entry.path, st.st_size, st.st_mtime_ns)
            except OSError:
                continue
