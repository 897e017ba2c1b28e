"""A worker's exception -> a banner (a problem the user can fix) or a crash report (a bug).

Which is which is decided in one place for the CLI and the app: ``photoclip.core.errors.user_error_for``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import SignalInstance

from photoclip.core.errors import DiskFullError, PhotoclipError, StoragePermissionError, user_error_for

__all__ = ["DiskFullError", "StoragePermissionError", "as_user_error", "emit_failure"]


def as_user_error(exc: BaseException) -> PhotoclipError | None:
    return user_error_for(exc)


def emit_failure(request: Any, exc: BaseException, failed: SignalInstance, crashed: SignalInstance) -> None:
    """A worker's request raised: a problem the user can fix goes to ``failed`` (a banner), anything else to
    ``crashed`` (a crash report); both carry the request."""
    known = as_user_error(exc)
    if known is not None:
        failed.emit(request, known)
    else:
        crashed.emit(request, exc)
