"""The viewer: one photo large (EXIF orientation applied), its details and tags, "Open folder" and "More like
this". It steps through the list it was opened on (the results, the library view, the review queue): Left /
Right and the ◀ ▶ buttons, Home / End. F or F11 is full screen (Esc leaves it); + / − / Ctrl+wheel zoom, Z or
a double click toggles 1:1 and fit, and a zoomed photo is dragged to pan.

Keys are the dialog's shortcuts, so they work wherever the focus is — except in the tag field, which keeps the
keys it types (a line edit claims them first). The focus starts on the photo, not in the tag field.

The large image decodes off the GUI thread; the cached thumbnail shows meanwhile, and zooming past the 2048 px
decode loads the photo's full resolution. A sensitive photo stays blurred until clicked. Tags the user typed
and the model's tags are chips, apart; the × of a typed tag removes it, that of a model's tag rejects it (it
is not suggested again for this photo)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeyEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photoclip import formatting
from photoclip.core.filenames import display
from photoclip.core.search import Hit
from photoclip.gui.file_urls import open_folder
from photoclip.gui.models.blur import SensitiveBlur, blur_pixmap
from photoclip.gui.widgets.photo_view import PhotoView
from photoclip.gui.widgets.tag_chips import TagChips
from photoclip.gui.workers.images import ImageLoader

FIT_SIDE = 2048  # the first decode: enough for any window, quick (JPEG draft)
FULL_SIDE_CAP = 12_000  # zoomed in: the full resolution, but never a 200 MP pixmap
DETAILS = ("Name", "Folder", "Taken", "Camera", "Size", "File", "Score")


class ViewerDialog(QDialog):
    similar_requested = Signal(object)  # path (object: any file name, core/filenames.py)

    #: asks for a photo's tags (the window answers through ``set_tags``)
    tags_requested = Signal(int)
    #: the user typed a tag to add to / removed one of their tags from the photo (photo id, tag)
    add_tag_requested = Signal(int, str)
    remove_tag_requested = Signal(int, str)
    #: the user removed a model's tag from the photo: rejected, never suggested again for it (photo id, tag)
    reject_tag_requested = Signal(int, str)

    def __init__(self, hits: Sequence[Hit], row: int, loader: ImageLoader, thumbnails=None, parent=None) -> None:
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
        self._asked_side = 0  # the largest decode asked for the current photo

        self.image = PhotoView()
        self.image.clicked.connect(self.reveal)
        self.image.zoom_changed.connect(self._on_zoom)
        self.side = self._build_side()
        photo_column = QVBoxLayout()
        photo_column.addWidget(self.image, 1)
        photo_column.addLayout(self._build_bar())
        layout = QHBoxLayout(self)
        layout.addLayout(photo_column, 1)
        layout.addWidget(self.side)
        self._build_keys()
        loader.full_ready.connect(self._on_full)
        loader.full_failed.connect(self._on_full_failed)
        self._pending_row = row

    # construction ------------------------------------------------------------------------------------------
    def _build_side(self) -> QWidget:
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in DETAILS:
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = label
            form.addRow(f"<b>{name}</b>", label)
        self.tag_chips = TagChips(remove_tip="Remove this tag from the photo")
        self.tag_chips.setToolTip("Tags you typed or accepted")
        self.tag_chips.removed.connect(lambda tag: self.remove_tag_requested.emit(self.hit.photo.id, tag))
        self.model_chips = TagChips(remove_tip="Not this: the model will not suggest it again for this photo")
        self.model_chips.setToolTip("The model's suggestions (✓ accepted by you)")
        self.model_chips.removed.connect(lambda tag: self.reject_tag_requested.emit(self.hit.photo.id, tag))
        form.addRow("<b>Tags</b>", self.tag_chips)
        form.addRow("<b>Model tags</b>", self.model_chips)
        self.tag_edit = QLineEdit()
        self.tag_edit.setPlaceholderText("Type a tag, e.g. Trips|Rome")
        self.tag_edit.setAccessibleName("New tag")
        self.tag_edit.returnPressed.connect(self.add_typed_tag)
        self.add_tag_button = QPushButton("Add tag")
        self.add_tag_button.setAutoDefault(False)
        self.add_tag_button.clicked.connect(self.add_typed_tag)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.tag_edit, 1)
        tag_row.addWidget(self.add_tag_button)
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setAutoDefault(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.similar_button = QPushButton("More like this")
        self.similar_button.setAutoDefault(False)
        self.similar_button.clicked.connect(lambda: self.similar_requested.emit(self.hit.path))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # no default button: Enter in the tag field adds the tag and must not close the viewer too
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        side = QWidget()
        side.setFixedWidth(300)
        side_layout = QVBoxLayout(side)
        side_layout.addLayout(form)
        side_layout.addLayout(tag_row)
        side_layout.addStretch(1)
        side_layout.addWidget(self.similar_button)
        side_layout.addWidget(self.open_folder_button)
        side_layout.addWidget(buttons)
        return side

    def _build_bar(self) -> QHBoxLayout:
        def button(text: str, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAccessibleName(tip.split(" (")[0])
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click leaves the focus (and the keys) where it was
            b.clicked.connect(slot)
            return b

        self.previous_button = button("◀", "Previous photo (Left)", self.show_previous)
        self.next_button = button("▶", "Next photo (Right)", self.show_next)
        self.position = QLabel()
        self.position.setMinimumWidth(90)
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_out_button = button("−", "Zoom out (−)", self.image.zoom_out)
        self.fit_button = button("Fit", "Fit to the window (0)", self.image.set_fit)
        self.actual_button = button("1:1", "Actual pixels (1; Z toggles with fit)", lambda: self.image.set_zoom(1.0))
        self.zoom_in_button = button("+", "Zoom in (+)", self.image.zoom_in)
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.full_screen_button = button("Full screen", "Full screen (F; Esc leaves)", self.toggle_full_screen)
        bar = QHBoxLayout()
        for widget in (self.previous_button, self.position, self.next_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.zoom_out_button, self.fit_button, self.actual_button, self.zoom_in_button,
                       self.zoom_label, self.full_screen_button):
            bar.addWidget(widget)
        return bar

    def _build_keys(self) -> None:
        keys = {
            ("Left",): self.show_previous, ("Right",): self.show_next,
            ("Home",): lambda: self.show_row(0), ("End",): lambda: self.show_row(len(self._hits) - 1),
            ("F", "F11"): self.toggle_full_screen,
            ("+", "=", "Ctrl++", "Ctrl+="): self.image.zoom_in, ("-", "Ctrl+-"): self.image.zoom_out,
            ("Z",): self.image.toggle_actual_size, ("0", "Ctrl+0"): self.image.set_fit,
            ("1",): lambda: self.image.set_zoom(1.0),
        }
        for sequences, slot in keys.items():
            action = QAction(self)
            action.setShortcuts([QKeySequence(s) for s in sequences])
            action.triggered.connect(slot)
            self.addAction(action)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending_row is not None:  # after show, so listeners connected to tags_requested hear it
            row, self._pending_row = self._pending_row, None
            self._show_row(row)
            self.image.setFocus(Qt.FocusReason.OtherFocusReason)  # not the tag field: arrows step at once

    # stepping ----------------------------------------------------------------------------------------------
    @property
    def hit(self) -> Hit:
        return self._hits[self.row]

    def show_row(self, row: int) -> None:
        if 0 <= row < len(self._hits) and row != self.row:
            self._show_row(row)

    def show_previous(self) -> None:
        self.show_row(self.row - 1)

    def show_next(self) -> None:
        self.show_row(self.row + 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.toggle_full_screen()  # Esc leaves full screen first; the next one closes
            return
        # a key that reached the dialog without its shortcut firing (the window was not the active one yet)
        pressed = QKeySequence(event.keyCombination())
        action = next((a for a in self.actions() if pressed in a.shortcuts()), None)
        if action is not None:
            action.trigger()
        else:
            super().keyPressEvent(event)

    # full screen -------------------------------------------------------------------------------------------
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.side.show()
            self.showNormal()
            self.full_screen_button.setText("Full screen")
        else:
            self.side.hide()  # the photo alone, with the bar under it
            self.showFullScreen()
            self.full_screen_button.setText("Leave full screen")

    # actions -----------------------------------------------------------------------------------------------
    def open_folder(self) -> bool:
        return open_folder(str(Path(self.hit.path).parent), self)

    def done(self, result: int) -> None:
        self._loader.full_ready.disconnect(self._on_full)
        self._loader.full_failed.disconnect(self._on_full_failed)
        if self.blur is not None:
            self.blur.changed.disconnect(self._redisplay)
        super().done(result)

    def _show_row(self, row: int) -> None:
        self.row = row
        self.full_loaded = False
        self._asked_side = 0
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
            "Score": f"{self.hit.score:.3f}" if self.hit.score == self.hit.score else "–",  # NaN: not a search
        }
        for name, value in values.items():
            self.fields[name].setText(value)
        self.tag_chips.set_tags([])
        self.model_chips.set_tags([])
        self.tags_requested.emit(photo.id)
        self.position.setText(f"{row + 1:,} of {len(self._hits):,}")
        self.previous_button.setEnabled(row > 0)
        self.next_button.setEnabled(row + 1 < len(self._hits))
        thumbnail = self._thumbnail_of(photo.content_hash or "") if self._thumbnail_of else None
        self._display(thumbnail)
        if thumbnail is None:
            self.image.show_message("Loading…")
        self._request(FIT_SIDE)

    @property
    def photo_side(self) -> int | None:
        """The photo's longer side in pixels, as the catalog knows it."""
        photo = self.hit.photo
        return max(photo.width, photo.height) if photo.width and photo.height else None

    def _request(self, side: int) -> None:
        self._asked_side = side
        self._loader.request_full(self.hit.path, side)

    def _on_zoom(self, zoom: float, fit: bool) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")
        self.fit_button.setEnabled(not fit)
        full = self.photo_side or FIT_SIDE
        if self.image.needs_detail and self.full_loaded and self._asked_side < min(full, FULL_SIDE_CAP):
            self._request(min(full, FULL_SIDE_CAP))  # zoomed past the 2048 px decode

    # blurring ----------------------------------------------------------------------------------------------
    def set_blur(self, blur: SensitiveBlur) -> None:
        self.blur = blur
        blur.changed.connect(self._redisplay)

    def _redisplay(self) -> None:
        self._display(self._shown, keep_view=True)

    @property
    def blurred(self) -> bool:
        return self.blur is not None and self.blur.hides(self.hit.photo.id)

    def reveal(self) -> None:
        if self.blur is not None:
            self.blur.reveal(self.hit.photo.id)  # the grid shows it too, through the blur's ``changed``

    def _display(self, pixmap: QPixmap | None, keep_view: bool = False) -> None:
        self._shown = pixmap
        if pixmap is not None and self.blurred:
            pixmap = blur_pixmap(pixmap)
        self.image.set_picture(pixmap, self.photo_side, keep_view=keep_view)

    # tags --------------------------------------------------------------------------------------------------
    def set_tags(self, photo_id: int, tags: list) -> None:
        """``tags``: (tag, state, source) rows, rejected ones left out: typed tags and the model's apart."""
        if photo_id != self.hit.photo.id:
            return
        self.tag_chips.set_tags([(tag, "") for tag, _, source in tags if source == "user"])
        self.model_chips.set_tags([(tag, "accepted" if state == "accepted" else "suggested")
                                   for tag, state, source in tags if source != "user"])

    def tag_names(self) -> list[str]:
        return self.tag_chips.names()

    def add_typed_tag(self) -> None:
        if self.tag_edit.text().strip():
            self.add_tag_requested.emit(self.hit.photo.id, self.tag_edit.text().strip())
            self.tag_edit.clear()

    # images ------------------------------------------------------------------------------------------------
    def _on_full(self, path: str, image: QImage) -> None:
        if path != self.hit.path:
            return
        side = max(image.width(), image.height())
        if self.full_loaded and self._shown is not None and side <= max(self._shown.width(), self._shown.height()):
            return  # an earlier, smaller decode arriving after the full resolution
        self.full_loaded = True
        self._display(QPixmap.fromImage(image), keep_view=True)
        self._on_zoom(self.image.zoom, self.image.fit)

    def _on_full_failed(self, path: str, reason: str) -> None:
        if path == self.hit.path:
            self._shown = None
            self.image.show_message(f"Cannot show this photo.\n{reason}")
