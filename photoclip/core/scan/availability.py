"""Is a library folder there right now? An unmounted share leaves its empty mount-point folder behind, which
must read as "offline" (photos kept), not as "every photo deleted"."""

from __future__ import annotations

import os

from photoclip.core.filenames import path_inside
from photoclip.core.store.catalog import Catalog

#: catalog meta key set for a folder that is itself a mount point (a NAS share, a card)
MOUNT_META_PREFIX = "watch_mount:"


def was_mount(catalog: Catalog, path: str) -> bool:
    return catalog.get_meta(MOUNT_META_PREFIX + path) == "1"


def remember_if_mount(catalog: Catalog, path: str) -> bool:
    """Record that ``path`` is a mount point (once); returns whether it is one now."""
    if os.path.ismount(path):
        if not was_mount(catalog, path):
            catalog.set_meta(MOUNT_META_PREFIX + path, "1")
        return True
    return False


def is_available(path: str, mounted_before: bool) -> bool:
    return os.path.isdir(path) and (not mounted_before or os.path.ismount(path))


def mounts_inside(catalog: Catalog, root: str) -> list[str]:
    """Remembered mount points inside a library folder: shares that were library folders of their own before
    a folder holding them was added (catalog._fold keeps their record), so an unmounted one still reads as
    offline rather than as every photo on it deleted."""
    found = catalog.meta_with_prefix(MOUNT_META_PREFIX + root)
    paths = (key[len(MOUNT_META_PREFIX):] for key, value in found.items() if value == "1")
    return [path for path in paths if path_inside(path, root)]
