"""file:// URLs for paths of any name. ``QUrl.fromLocalFile`` goes through a QString, which drops the bytes of a
name that is not UTF-8 (core/filenames.py); percent-encoding the exact bytes keeps them."""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from PySide6.QtCore import QUrl

from photoclip.core.filenames import db_bytes, from_db, is_text


def local_url(path: str) -> QUrl:
    if is_text(path):
        return QUrl.fromLocalFile(path)
    return QUrl.fromEncoded(b"file://" + quote(db_bytes(path), safe="/").encode("ascii"))


def url_path(url: QUrl) -> str:
    """The local path of a file:// URL with its exact bytes: a file manager percent-encodes a name that is not
    UTF-8 byte for byte (%E9), which ``toLocalFile`` would turn into U+FFFD."""
    exact = from_db(unquote_to_bytes(bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded), "ascii")))
    return exact if not is_text(exact) else url.toLocalFile()
