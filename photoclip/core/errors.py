"""Typed errors of the core. The CLI and the GUI turn them into messages in one place each."""

from __future__ import annotations


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

    def __init__(self, path, user_message: str, hint: str = "") -> None:
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
