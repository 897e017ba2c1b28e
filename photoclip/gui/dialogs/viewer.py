"""The viewer: one photo large (EXIF orientation applied), its details and tags, "Open folder" and "More like
this". Left/Right step through the results. The large image decodes off the GUI thread; the cached thumbnail
shows meanwhile. A sensitive photo stays blurred until clicked. Tags the user typed and the model's tags are
shown apart; typed tags can be added and removed here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDesktopServices, QImage, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from photoclip import formatting
from photoclip.core.filenames import display
from photoclip.core.search import Hit
from photoclip.gui.file_urls import local_url
from photoclip.gui.models.blur import SensitiveBlur, blur_pixmap
from photoclip.gui.workers.images import ImageLoader


class _ImageLabel(QLabel):
    """Shows a pixmap scaled to fit, re-scaled on resize."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #1e1f22; color: #cfd2d6; border-radius: 6px;")
        self._source: QPixmap | None = None

    def set_source(self, pixmap: QPixmap | None) -> None:
        self._source = pixmap
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def mousePressEvent(self, event) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)

    def _rescale(self) -> None:
        if self._source is None or self._source.isNull():
            return
        self.setPixmap(self._source.scaled(self.size() - QSize(8, 8), Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))


class ViewerDialog(QDialog):
    similar_requested = Signal(object)  # path (object: any file name, core/filenames.py)

    #: asks for a photo's tags (the window answers through ``set_tags``)
    tags_requested = Signal(int)
    #: the user typed a tag to add to / remove from the photo (photo id, tag)
    add_tag_requested = Signal(int, str)
    remove_tag_requested = Signal(int, str)

    def __init__(self, hits: list[Hit], row: int, loader: ImageLoader, thumbnails=None, parent=None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1100, 720)
        self._hits = hits
        self._loader = loader
        self._thumbnail_of = thumbnails  # callable: content hash -> QPixmap | None
        self.row = row
        self.full_loaded = False
        self.blur: SensitiveBlur | None = None
        self._shown: QPixmap | None = None  # the current photo, unblurred

        self.image = _ImageLabel()
        self.image.clicked.connect(self.reveal)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in ("Name", "Folder", "Taken", "Camera", "Size", "File", "Score", "Tags", "Model tags"):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = label
            form.addRow(f"<b>{name}</b>", label)
        self.fields["Tags"].setToolTip("Tags you typed or accepted")
        self.fields["Model tags"].setToolTip("The model's suggestions (✓ accepted by you)")
        self.tag_edit = QLineEdit()
        self.tag_edit.setPlaceholderText("Type a tag, e.g. Trips|Rome")
        self.tag_edit.returnPressed.connect(self.add_typed_tag)
        self.add_tag_button = QPushButton("Add tag")
        self.add_tag_button.clicked.connect(self.add_typed_tag)
        self.remove_tag_button = QPushButton("Remove")
        self.remove_tag_button.clicked.connect(self.remove_typed_tag)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.add_tag_button)
        tag_row.addWidget(self.remove_tag_button)
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.similar_button = QPushButton("More like this")
        self.similar_button.clicked.connect(lambda: self.similar_requested.emit(self.hit.path))
        side = QWidget()
        side.setFixedWidth(300)
        side_layout = QVBoxLayout(side)
        side_layout.addLayout(form)
        side_layout.addWidget(self.tag_edit)
        side_layout.addLayout(tag_row)
        side_layout.addStretch(1)
        side_layout.addWidget(self.similar_button)
        side_layout.addWidget(self.open_folder_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        side_layout.addWidget(buttons)

        layout = QHBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(side)
        loader.full_ready.connect(self._on_full)
        loader.full_failed.connect(self._on_full_failed)
        self._pending_row = row

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending_row is not None:  # after show, so listeners connected to tags_requested hear it
            row, self._pending_row = self._pending_row, None
            self._show_row(row)

    @property
    def hit(self) -> Hit:
        return self._hits[self.row]

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(local_url(str(Path(self.hit.path).parent)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step and 0 <= self.row + step < len(self._hits):
            self._show_row(self.row + step)
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self._loader.full_ready.disconnect(self._on_full)
        self._loader.full_failed.disconnect(self._on_full_failed)
        if self.blur is not None:
            self.blur.changed.disconnect(self._redisplay)
        super().done(result)

    def _show_row(self, row: int) -> None:
        self.row = row
        self.full_loaded = False
        photo = self.hit.photo
        path = Path(photo.path)
        self.setWindowTitle(f"{display(path.name)} — photoclip")
        try:
            file_size = path.stat().st_size
        except OSError:
            file_size = None
        values = {
            "Name": display(path.name),  # Qt text drops bytes that are not UTF-8: show U+FFFD
            "Folder": display(path.parent),
            "Taken": formatting.taken(photo.taken_at),
            "Camera": photo.camera or "unknown",
            "Size": f"{photo.width} × {photo.height}" if photo.width and photo.height else "unknown",
            "File": formatting.file_size(file_size),
            "Score": f"{self.hit.score:.3f}",
        }
        for name, value in values.items():
            self.fields[name].setText(value)
        self.fields["Tags"].setText("…")
        self.fields["Model tags"].setText("…")
        self.tags_requested.emit(photo.id)
        thumbnail = self._thumbnail_of(photo.content_hash or "") if self._thumbnail_of else None
        self._display(thumbnail)
        if thumbnail is None:
            self.image.setText("Loading…")
        self._loader.request_full(photo.path)

    def set_blur(self, blur: SensitiveBlur) -> None:
        self.blur = blur
        blur.changed.connect(self._redisplay)

    def _redisplay(self) -> None:
        self._display(self._shown)

    @property
    def blurred(self) -> bool:
        return self.blur is not None and self.blur.hides(self.hit.photo.id)

    def reveal(self) -> None:
        if self.blur is not None:
            self.blur.reveal(self.hit.photo.id)  # the grid shows it too, through the blur's ``changed``

    def _display(self, pixmap: QPixmap | None) -> None:
        self._shown = pixmap
        if pixmap is not None and self.blurred:
            pixmap = blur_pixmap(pixmap)
        self.image.set_source(pixmap)

    def set_tags(self, photo_id: int, tags: list) -> None:
        """``tags``: (tag, state, source) rows, rejected ones left out: typed tags and the model's apart."""
        if photo_id != self.hit.photo.id:
            return
        mine = [tag for tag, _, source in tags if source == "user"]
        model = [f"{tag} ✓" if state == "accepted" else f"{tag} (suggested)"
                 for tag, state, source in tags if source != "user"]
        self.fields["Tags"].setText(", ".join(mine) if mine else "none")
        self.fields["Model tags"].setText(", ".join(model) if model else "none")

    def add_typed_tag(self) -> None:
        if self.tag_edit.text().strip():
            self.add_tag_requested.emit(self.hit.photo.id, self.tag_edit.text().strip())
            self.tag_edit.clear()

    def remove_typed_tag(self) -> None:
        if self.tag_edit.text().strip():
            self.remove_tag_requested.emit(self.hit.photo.id, self.tag_edit.text().strip())
            self.tag_edit.clear()

    def _on_full(self, path: str, image: QImage) -> None:
        if path == self.hit.path:
            self.full_loaded = True
            self._display(QPixmap.fromImage(image))

    def _on_full_failed(self, path: str, reason: str) -> None:
        if path == self.hit.path:
            self.image.set_source(None)
            self.image.setPixmap(QPixmap())
            self.image.setText(f"Cannot show this photo.\n{reason}")
