"""Typed errors of the core, and ``user_error_for``: the one place an exception becomes what a user is told.

The CLI (exit 1, one line on stderr) and the GUI (a banner) both use it; whatever it does not know is a bug
and gets a crash report."""

from __future__ import annotations

from pathlib import Path


class PhotoclipError(Exception):
    """An expected problem a user can act on: ``user_message`` says what, ``hint`` says how to fix it."""

    def __init__(self, user_message: str, hint: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.user_message} {self.hint}".strip()


class ModelNotAvailableError(PhotoclipError):
    """No CLIP model on disk and none could be downloaded."""


class ModelDownloadCancelledError(ModelNotAvailableError):
    """The user cancelled a model download; the partial files are kept so a retry resumes."""


class DeviceNotAvailableError(PhotoclipError):
    """The configured device (PHOTOCLIP_DEVICE) does not exist or is not usable here."""


class ModelFormatError(PhotoclipError):
    """A model folder exists but is not a usable CLIP model (e.g. no safetensors weights)."""


class CatalogError(PhotoclipError):
    """The catalog cannot be opened or migrated."""


class CatalogTooNewError(CatalogError):
    """The catalog was written by a newer photoclip."""


class FolderNotFoundError(PhotoclipError):
    """A folder given by the user does not exist or is not a folder."""


class QueryError(PhotoclipError):
    """A search query that cannot be run (empty, unknown photo, ...)."""


class DecodeError(Exception):
    """One file could not be turned into pixels; ``reason`` is recorded in the catalog."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LabelSetError(PhotoclipError):
    """A label set file or definition that cannot be read (bad JSON, unknown preset, empty label)."""


class AlbumError(PhotoclipError):
    """An album that does not exist, or a name already taken."""


class TaggingError(PhotoclipError):
    """Tagging cannot run (nothing indexed yet, unknown tag, ...)."""


class XmpError(PhotoclipError):
    """An XMP sidecar cannot be written (no XMP library, unreadable sidecar, read-only folder)."""


class SidecarSkipped(XmpError):
    """One photo's sidecar was left exactly as it was (not valid XMP, not a regular file, not writable)."""

    def __init__(self, path: Path | str, user_message: str, hint: str = "") -> None:
        super().__init__(user_message, hint)
        self.path = path


class SidecarsSkippedError(XmpError):
    """The tags are saved in the catalog and every other sidecar is written, but these were left as they were."""

    def __init__(self, skipped: list[SidecarSkipped]) -> None:
        first = skipped[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        super().__init__(f"Tags are saved in the catalog, but {first.user_message[0].lower()}"
                         f"{first.user_message[1:]}{more}", first.hint)
        self.skipped = skipped


class LibraryBusyError(PhotoclipError):
    """Space cannot be reclaimed while photos are being indexed (in this process or another)."""


class DuplicatesError(PhotoclipError):
    """Near-duplicates cannot be looked for or moved (nothing indexed yet, a threshold out of range, no trash)."""


class SettingsError(PhotoclipError):
    """A ``PHOTOCLIP_*`` environment variable holds a value photoclip cannot use; the message names the
    variable, the value and what is allowed."""

    def __init__(self, variable: str, value: str, allowed: str) -> None:
        super().__init__(f"{variable}={value!r} is not a valid setting.", f"{variable} must be {allowed}.")
        self.variable = variable
        self.value = value


class StorageError(PhotoclipError):
    """The disk or folder photoclip keeps its data in cannot be used as it is; nothing is damaged."""


class DiskFullError(StorageError):
    """No space left (or the user's quota is used up) where photoclip writes."""


class StoragePermissionError(StorageError):
    """photoclip is not allowed to read or write one of its own files or folders."""


class ReadOnlyCatalogError(StorageError):
    """The catalog is on a read-only disk or in a folder photoclip may not write: search works, changes don't."""


# --- the one place exceptions become messages -------------------------------------------------------------

_FREE_SPACE = "Free some space, then run it again: indexing continues where it stopped."
READ_ONLY_HINT = ("To change it, make its folder writable, or copy the folder somewhere "
                   "writable and set PHOTOCLIP_DATA_DIR to the copy.")


def user_error_for(exc: BaseException, data_dir: Path | str | None = None) -> PhotoclipError | None:
    """What ``exc`` means to a user, as a typed error with a message and a hint, or None for a bug.

    The CLI (exit 1, one line) and the GUI's workers (a banner) both ask this; only None is a crash report.
    ``data_dir``, when known, is named in messages about the catalog. An exception raised ``from`` a known
    one (a library wrapping an OSError) is that one.
    """
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        known = _known(current, data_dir)
        if known is not None:
            return known
        current, seen = current.__cause__, seen + 1
    return None


def _known(exc: BaseException, data_dir: Path | str | None) -> PhotoclipError | None:
    import errno
    import sqlite3

    if isinstance(exc, PhotoclipError):
        return exc
    catalog = f"the photoclip catalog{f' in {data_dir}' if data_dir else ''}"
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "disk is full" in text:
            return DiskFullError(f"The disk holding {catalog} is full.", _FREE_SPACE)
        if "readonly database" in text or "read-only" in text:
            return ReadOnlyCatalogError(f"{_cap(catalog)} is read-only: photoclip can search it but not change it.",
                                        READ_ONLY_HINT)
        if "disk i/o error" in text:
            return StorageError(f"The disk holding {catalog} reported an input/output error.",
                                "Check the disk (and that it is still connected), then run it again.")
        if "unable to open database file" in text:
            return StorageError(f"{_cap(catalog)} cannot be opened (its folder is missing or may not be written).",
                                "Check the folder's permissions, or set PHOTOCLIP_DATA_DIR to a folder you own.")
        return None
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in str(exc) or "not a database" in str(exc)):
        return CatalogError(f"{_cap(catalog)} is damaged ({exc}).",
                            "Restore it from a backup, or move it aside to start a new catalog.")
    if not isinstance(exc, OSError):
        return None
    where = exc.filename or data_dir or "photoclip's data"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"The disk is full ({where}).", _FREE_SPACE)
    if exc.errno == errno.EROFS:
        return ReadOnlyCatalogError(f"{where} is on a read-only disk: photoclip can search but not change it.",
                                    READ_ONLY_HINT)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoragePermissionError(f"photoclip is not allowed to use {where} (permission denied).",
                                      "Check the folder's permissions, or set PHOTOCLIP_DATA_DIR to a folder you own.")
    if exc.errno == errno.EIO:
        return StorageError(f"The disk reported an input/output error ({where}).",
                            "Check the disk (and that it is still connected), then run it again.")
    return None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
