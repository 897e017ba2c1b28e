"""An exception -> what the app says: a problem the user can fix (a banner, a dialog's line, a message box at
start) or, for anything else, a bug (the crash report).

Which is which is decided in one place for the CLI and the app, ``photoclip.core.errors.user_error_for``; every
part of the GUI asks it through ``as_user_error`` here (the worker lanes, indexing, the dialogs, adding a
folder, the start-up), so the app and the CLI never disagree on what an error means.
"""

from __future__ import annotations

from photoclip.core.errors import PhotoclipError, user_error_for


def as_user_error(exc: BaseException) -> PhotoclipError | None:
    """The typed error (message + hint) a user can act on, or None for a bug."""
    return user_error_for(exc)
