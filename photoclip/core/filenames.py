"""File names as the system gives them, and the forms SQLite, JSON and people can take.

On POSIX a file name is bytes. Python holds a name that is not valid UTF-8 (Latin-1 from an old camera, a
Windows share, a zip archive) as a ``str`` with lone surrogates (PEP 383 ``surrogateescape``): opening the file
with that ``str`` works, but SQLite, JSON, Qt and a UTF-8 terminal refuse or silently drop those characters.
So the core keeps paths as these exact ``str`` values and converts only at the edges:

- ``to_db`` / ``from_db``: the catalog stores a path as TEXT when it is valid UTF-8 (every ordinary name, so
  older catalogs need no migration) and as a BLOB of its exact bytes otherwise. A name has one stored form, so
  ``path = ?`` lookups, UNIQUE and the path index work unchanged; prefix matches compare bytes
  (``CAST(path AS BLOB)``, see ``db_bytes``).
- ``readable``: valid UTF-8 text, with U+FFFD for each byte that is not — for JSON and Qt text.
- ``display``: ``readable`` on one line (control characters such as a newline shown as their symbols, ␊) —
  for a terminal line, a label or a tooltip. Never used to open a file.
- ``json_fields``: ``{"path": readable}``, plus ``"path_bytes"`` (base64 of the exact bytes) when ``path`` is
  not exact, so scripts can still reach the file.
"""

from __future__ import annotations

import base64
import os
from typing import Any

#: how a lone surrogate maps to bytes: an escaped byte on POSIX (os.fsdecode), a UTF-16 half on Windows
_ERRORS = "surrogatepass" if os.name == "nt" else "surrogateescape"
#: C0 controls and DEL → the Unicode "control pictures" (U+2400..U+2421), so a name stays on one line
_CONTROL_PICTURES = {**{c: 0x2400 + c for c in range(0x20)}, 0x7F: 0x2421}


def is_text(path: str) -> bool:
    """Whether the name is valid Unicode text (no escaped bytes): then it is its own exact form everywhere."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def db_bytes(path: str) -> bytes:
    """The path's exact bytes (UTF-8 for text; escaped bytes restored) — what ``CAST(path AS BLOB)`` gives."""
    return path.encode("utf-8", _ERRORS)


def to_db(path: str) -> str | bytes:
    """The catalog's form of a path: itself when it is text, else its bytes (stored as a BLOB)."""
    return path if is_text(path) else db_bytes(path)


def from_db(value: str | bytes) -> str:
    """A path column's value back as the ``str`` the system's file functions take."""
    return value.decode("utf-8", _ERRORS) if isinstance(value, bytes) else value


def readable(path: str) -> str:
    """Valid UTF-8 text for JSON or Qt: undecodable bytes become U+FFFD. Exact whenever ``is_text``."""
    return path if is_text(path) else db_bytes(path).decode("utf-8", "replace")


def display(path: object) -> str:
    """One line for people: ``readable`` with control characters (a newline in a name) shown as symbols."""
    return readable(str(path)).translate(_CONTROL_PICTURES)


def separator(path: str) -> str:
    """The separator a stored folder path uses: a backslash only for a Windows path without slashes."""
    return "\\" if ("\\" in path and "/" not in path) else "/"


def path_inside(path: str, folder: str) -> bool:
    """Whether ``path`` lies inside ``folder`` (at any depth; not the folder itself)."""
    return path != folder and path.startswith(folder.rstrip("/\\") + separator(folder))


def json_fields(path: str, key: str = "path") -> dict[str, str]:
    """``{key: readable}``, and ``{key}_bytes`` (base64 of the exact bytes) when the readable form is not exact."""
    if is_text(path):
        return {key: path}
    return {key: readable(path), f"{key}_bytes": base64.b64encode(db_bytes(path)).decode("ascii")}


def json_safe(value: object) -> object:
    """A JSON-ready structure with every string valid UTF-8: a dict entry whose string is not exact text
    becomes its ``readable`` form plus ``<key>_bytes`` (``json_fields``); a bare string just its readable form."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            key = readable(key) if isinstance(key, str) else key  # a dict keyed by path
            if isinstance(item, str) and not is_text(item):
                out.update(json_fields(item, str(key)))
            else:
                out[key] = json_safe(item)
        return out
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, str):
        return readable(value)
    return value

