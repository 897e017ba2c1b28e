"""Environment problems a user can fix, raised as plain OS/SQLite errors, turned into PhotoclipErrors so the
window shows a banner instead of a crash report."""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

from PySide6.QtCore import SignalInstance

from photoclip.core.errors import PhotoclipError


class DiskFullError(PhotoclipError):
    pass


class StoragePermissionError(PhotoclipError):
    pass


def as_user_error(exc: BaseException) -> PhotoclipError | None:
    if isinstance(exc, PhotoclipError):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"The disk is full ({exc.filename or 'photoclip data'}).",
                             "Free some space, then rescan: indexing continues where it stopped.")
    if isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc).lower():
        return DiskFullError("The disk holding the photoclip catalog is full.",
                             "Free some space, then rescan: indexing continues where it stopped.")
    if isinstance(exc, PermissionError):
        return StoragePermissionError(f"photoclip may not write {exc.filename or 'its data'}.",
                                      "Check the folder's permissions, or set PHOTOCLIP_DATA_DIR elsewhere.")
    return None


def emit_failure(request: Any, exc: BaseException, failed: SignalInstance, crashed: SignalInstance) -> None:
    """A worker's request raised: a problem the user can fix goes to ``failed`` (a banner), anything else to
    ``crashed`` (a crash report); both carry the request."""
    known = as_user_error(exc)
    if known is not None:
        failed.emit(request, known)
    else:
        crashed.emit(request, exc)
