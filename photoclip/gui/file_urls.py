"""file:// URLs for paths of any name. ``QUrl.fromLocalFile`` goes through a QString, which drops the bytes of a
name that is not UTF-8 (core/filenames.py); percent-encoding the exact bytes keeps them. And "Open folder", which
says so when no file manager opens it (``QDesktopServices.openUrl`` only returns False)."""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from photoclip.core.filenames import db_bytes, display, from_db, is_text


def local_url(path: str) -> QUrl:
    if is_text(path):
        return QUrl.fromLocalFile(path)
    return QUrl.fromEncoded(b"file://" + quote(db_bytes(path), safe="/").encode("ascii"))


def url_path(url: QUrl) -> str:
    """The local path of a file:// URL with its exact bytes: a file manager percent-encodes a name that is not
    UTF-8 byte for byte (%E9), which ``toLocalFile`` would turn into U+FFFD."""
    exact = from_db(unquote_to_bytes(bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded), "ascii")))
    return exact if not is_text(exact) else url.toLocalFile()


def open_folder(folder: str, parent: QWidget | None) -> bool:
    """Show ``folder`` in the file manager; without one (a minimal desktop, no xdg-open) say where it is, with
    a button that copies the path. False when it could not be opened."""
    if QDesktopServices.openUrl(local_url(folder)):
        return True
    box = QMessageBox(QMessageBox.Icon.Information, "Open folder",
                      "No file manager could open this folder.", QMessageBox.StandardButton.Close, parent)
    box.setObjectName("noFileManager")
    box.setInformativeText(f"It is here:\n{display(folder)}")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    copy = box.addButton("Copy path", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(display(folder)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return False
