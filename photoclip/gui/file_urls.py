"""file:// URLs for paths of any name. ``QUrl.fromLocalFile`` goes through a QString, which drops the bytes of a
name that is not UTF-8 (core/filenames.py); percent-encoding the exact bytes keeps them."""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtCore import QUrl

from photoclip.core.filenames import db_bytes, is_text


def local_url(path: str) -> QUrl:
    if is_text(path):
        return QUrl.fromLocalFile(path)
    return QUrl.fromEncoded(b"file://" + quote(db_bytes(path), safe="/").encode("ascii"))
