"""What a photo-named path really is, and why it cannot be read, in words a user understands.

A folder can hold names that look like photos but are not ordinary files: a named pipe or a link to a device
(``/dev/zero``, ``/dev/urandom``) never ends, a link can point nowhere, a sub-folder can be unreadable. Such
paths are never opened for reading; they are listed with one of these reasons instead of vanishing silently.
"""

from __future__ import annotations

import errno
import os
import stat

#: What an ordinary photo file reads as; everything else is refused before it is opened.
_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a disk device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def plain_bytes(size: int) -> str:
    """2_100_000_000 -> '2.1 GB' (decimal units, as file managers show them)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}".replace(".0 ", " ") if value < 100 else f"{value:,.0f} {unit}"
    return f"{size} bytes"


def not_regular_reason(path: str, st: os.stat_result) -> str:
    """``st`` is the stat of the link's target when ``path`` is a link."""
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "not an ordinary file")
    if os.path.islink(path):
        target = os.path.realpath(path)
        return f"not a regular file: a link to {kind} ({target}); photoclip reads only ordinary files"
    return f"not a regular file: {kind}; photoclip reads only ordinary files"


def unstatable_reason(path: str, exc: OSError) -> str:
    """Why ``stat(path)`` failed: a broken link, or the file cannot be reached."""
    if os.path.islink(path) and exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
        if exc.errno == errno.ELOOP:
            return "broken link: it leads in a circle back to itself"
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"broken link: what it points to does not exist ({target})"
    return read_error_reason(exc, "file")


def read_error_reason(exc: OSError, what: str = "file") -> str:
    """'cannot read this file: permission denied' from an OSError."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        detail = "permission denied"
    elif exc.errno == errno.ENOENT:
        detail = "it is gone (moved or deleted)"
    elif exc.errno == errno.EIO:
        detail = "the disk reported a read error"
    else:
        detail = (exc.strerror or str(exc) or type(exc).__name__).lower()
    return f"cannot read this {what}: {detail}"


def folder_reason(exc: OSError) -> str:
    return read_error_reason(exc, "folder")
