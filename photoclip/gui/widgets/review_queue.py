"""The review queue: the model's pending suggestions as a grid of large thumbnails, best first, one tag or all of
them (grouped by tag). Accept (A) or reject (R) the selected photos — the selection then moves on to the next
photo, so A, A, R walks through the grid as in Lightroom or digiKam — or everything of a tag at or above a
score. Double-click (or Enter) opens the photo in the viewer, which steps through the grid. Accepted suggestions
become the user's tags; rejected ones are never suggested again for that photo (the core keeps both decisions).

Decided photos leave the grid at once and stay out of it until the catalog says so (a refresh that was read
before the decision landed would bring them back for a moment). Thumbnails are asked for as items come into
view: a queue of thousands never loads thousands of thumbnails."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.filenames import display
from photoclip.core.records import PhotoRow, PhotoTagRow
from photoclip.core.search import Hit
from photoclip.formatting import count
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.widgets.thumb_strip import ThumbIcons
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.tagging import TagContext, TaggingService

TAG_ROLE = Qt.ItemDataRole.UserRole + 1
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 2
HASH_ROLE = Qt.ItemDataRole.UserRole + 3
ICON_SIZE = 160
#: a 4:3 box, as most photos are: a square one left a band of nothing under every landscape thumbnail
ICON_BOX = QSize(ICON_SIZE, ICON_SIZE * 3 // 4)
#: thumbnails are asked for this far beyond the visible part too (pixels), so scrolling finds them ready
PREFETCH_PX = 400
CELL = QSize(ICON_SIZE + 16, ICON_BOX.height() + 34)  # the thumbnail and a line of caption
#: the whole cell shows the selection (Qt's icon mode marks only the caption: hard to follow after A or R)
GRID_STYLE = ("QListWidget::item { border-radius: 6px; padding-top: 4px; }"
              "QListWidget::item:selected { background: palette(highlight); color: palette(highlighted-text); }")

Key = tuple[str, int]  # (tag, photo id): one suggestion


@dataclass(frozen=True)
class QueueRow:
    row: PhotoTagRow
    content_hash: str | None
    photo: PhotoRow | None = None

    @property
    def key(self) -> Key:
        return (self.row.tag, self.row.photo_id)


def _pending(ctx: TagContext) -> list[QueueRow]:
    rows = ctx.tagger.pending()
    photos: dict[int, PhotoRow] = {p.id: p for p in ctx.library.photos(sorted({r.photo_id for r in rows}))}
    return [QueueRow(r, getattr(photos.get(r.photo_id), "content_hash", None), photos.get(r.photo_id))
            for r in rows]


def _key(item: QListWidgetItem) -> Key:
    return (item.data(TAG_ROLE), item.data(PHOTO_ROLE))


class _ReviewGrid(QListWidget):
    decide = Signal(str)  # "accept" | "reject"
    open_current = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Review queue")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(ICON_BOX)
        self.setGridSize(CELL + QSize(4, 4))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setStyleSheet(GRID_STYLE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        verdict = {Qt.Key.Key_A: "accept", Qt.Key.Key_R: "reject"}.get(Qt.Key(event.key()))
        if verdict and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.decide.emit(verdict)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.open_current.emit()
        else:
            super().keyPressEvent(event)


class ReviewQueue(QWidget):
    #: the user decided something (tags, blurring and albums may change)
    decided = Signal()
    error = Signal(object)
    #: open the viewer on these photos at this row (the grid as shown)
    open_requested = Signal(list, int)

    def __init__(self, service: TaggingService, loader: ImageLoader, blur: SensitiveBlur | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.rows: list[QueueRow] = []
        self._deciding: set[Key] = set()  # decided here, not yet read back from the catalog
        self.tag_combo = QComboBox()
        self.tag_combo.setAccessibleName("Review which tag")
        self.tag_combo.currentIndexChanged.connect(lambda _i: self._show_rows())
        self.grid = _ReviewGrid()
        self.grid.decide.connect(lambda verdict: self.decide_selected(verdict))
        self.grid.open_current.connect(lambda: self.open_item(self.grid.currentItem()))
        self.grid.itemClicked.connect(self._on_clicked)
        self.grid.itemDoubleClicked.connect(self.open_item)
        self.grid.verticalScrollBar().valueChanged.connect(lambda _v: self._icons_soon.start())
        self._icons_soon = QTimer(self)
        self._icons_soon.setSingleShot(True)
        self._icons_soon.setInterval(30)
        self._icons_soon.timeout.connect(self._request_visible_icons)

        self.accept_button = QPushButton("Accept (A)")
        self.accept_button.clicked.connect(lambda: self.decide_selected("accept"))
        self.reject_button = QPushButton("Reject (R)")
        self.reject_button.clicked.connect(lambda: self.decide_selected("reject"))
        self.min_score = QDoubleSpinBox()
        self.min_score.setRange(-10.0, 1000.0)
        self.min_score.setDecimals(1)
        self.min_score.setValue(3.0)
        self.min_score.setPrefix("score ≥ ")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setToolTip("Accept every pending suggestion of the tag shown (of all tags when all "
                                          "are shown) at or above the score")
        self.accept_all_button.clicked.connect(lambda: self.accept_all(self.min_score.value()))
        self.reject_all_button = QPushButton("Reject all")
        self.reject_all_button.setToolTip("Reject every pending suggestion of the tag shown")
        self.reject_all_button.clicked.connect(lambda: self.reject_all())
        self.summary = QLabel("")
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.summary.setWordWrap(True)
        hint = QLabel("A accepts, R rejects and moves on · double-click opens the photo")
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Tag"))
        top.addWidget(self.tag_combo, 1)
        single = QHBoxLayout()
        single.addWidget(self.accept_button)
        single.addWidget(self.reject_button)
        single.addStretch(1)
        bulk = QHBoxLayout()
        bulk.addWidget(self.min_score)
        bulk.addWidget(self.accept_all_button)
        bulk.addWidget(self.reject_all_button)
        bulk.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)
        layout.addWidget(hint)
        layout.addLayout(single)
        layout.addLayout(bulk)
        self.icons = ThumbIcons(loader, blur, self._set_icon, self)

    # filling -------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.service.submit("pending", _pending, self._fill, key="pending", on_error=self.error.emit)

    def _fill(self, rows: list[QueueRow]) -> None:
        self.rows = [r for r in rows if r.key not in self._deciding]
        # a decision still pending in this read stays hidden; one the catalog has taken needs no hiding
        self._deciding &= {r.key for r in rows}
        by_tag: dict[str, int] = defaultdict(int)
        for entry in self.rows:
            by_tag[entry.row.tag] += 1
        shown = self.current_tag()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItem(f"All tags ({len(self.rows):,})", None)
        for tag, n in by_tag.items():
            self.tag_combo.addItem(f"{tag} ({n:,})", tag)
        index = self.tag_combo.findData(shown) if shown in by_tag else 0
        self.tag_combo.setCurrentIndex(max(index, 0))
        self.tag_combo.blockSignals(False)
        self._show_rows()
        waiting = count(len(self.rows), "suggestion")
        self.summary.setText(f"{waiting} waiting for review" if self.rows else "Nothing to review. Run a label set "
                             "and send its suggestions here.")

    def _show_rows(self) -> None:
        """The grid for the tag chosen, keeping the selection and current photo where they still are."""
        selected = {_key(i) for i in self.grid.selectedItems()}
        current = _key(self.grid.currentItem()) if self.grid.currentItem() else None
        tag = self.current_tag()
        self.grid.clear()
        for entry in self.rows:
            if tag is None or entry.row.tag == tag:
                self.grid.addItem(self._item(entry))
        for item in self._items():
            if _key(item) == current:
                self.grid.setCurrentItem(item, QItemSelectionModel.SelectionFlag.NoUpdate)
            if _key(item) in selected:
                item.setSelected(True)
        self._icons_soon.start()

    def _item(self, entry: QueueRow) -> QListWidgetItem:
        row = entry.row
        score = "" if row.score is None else f"{row.score:.2f}"
        item = QListWidgetItem(f"{row.tag} · {score}" if score else row.tag)
        item.setData(TAG_ROLE, row.tag)
        item.setData(PHOTO_ROLE, row.photo_id)
        item.setData(HASH_ROLE, entry.content_hash)
        item.setToolTip(f"{display(Path(row.path).name)}\n{row.tag}: score {score}"
                        + (f"\nmatched best: “{row.prompt}”" if row.prompt else "") + f"\n{display(row.path)}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        item.setSizeHint(CELL)  # the thumbnail's room before it arrives (a bare caption is 60 × 14)
        return item

    def _items(self) -> list[QListWidgetItem]:
        return [self.grid.item(i) for i in range(self.grid.count())]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._icons_soon.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._icons_soon.start()

    def _request_visible_icons(self) -> None:
        area = self.grid.viewport().rect().adjusted(0, -PREFETCH_PX, 0, PREFETCH_PX)
        path_of = {e.row.photo_id: e.row.path for e in self.rows}
        for item in self._items():
            if item.icon().isNull() and self.grid.visualItemRect(item).intersects(area):
                photo_id = item.data(PHOTO_ROLE)
                self.icons.request(item.data(HASH_ROLE), path_of.get(photo_id, ""), photo_id)

    def _set_icon(self, content_hash: str, icon: QIcon) -> None:
        for item in self._items():
            if item.data(HASH_ROLE) == content_hash:
                item.setIcon(icon)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.icons.reveal(item.data(PHOTO_ROLE))

    # what is shown ---------------------------------------------------------------------------------------------
    def grouped(self) -> dict[str, list[str]]:
        """{tag: [photo path, ...]} waiting for review, best first."""
        out: dict[str, list[str]] = defaultdict(list)
        for entry in self.rows:
            if entry.key not in self._deciding:
                out[entry.row.tag].append(entry.row.path)
        return dict(out)

    def shown_keys(self) -> list[Key]:
        """(tag, photo id) of the grid's items, in order."""
        return [_key(item) for item in self._items()]

    def show_tag(self, tag: str | None) -> None:
        """Review one tag (None: all of them)."""
        self.tag_combo.setCurrentIndex(max(self.tag_combo.findData(tag), 0))

    def current_tag(self) -> str | None:
        """The tag shown (None: all tags)."""
        return self.tag_combo.currentData()

    def select(self, tag: str, paths: list[str]) -> None:
        if self.current_tag() not in (None, tag):
            self.show_tag(tag)
        self.grid.clearSelection()
        path_of = {e.row.photo_id: e.row.path for e in self.rows}
        first = True
        for item in self._items():
            if item.data(TAG_ROLE) == tag and path_of.get(item.data(PHOTO_ROLE)) in paths:
                if first:
                    self.grid.setCurrentItem(item)
                    first = False
                item.setSelected(True)

    def open_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        entries = {e.key: e for e in self.rows}
        shown = [entries[k] for k in self.shown_keys() if k in entries and entries[k].photo is not None]
        hits = [Hit(e.photo, e.row.score if e.row.score is not None else float("nan")) for e in shown]
        row = next((i for i, e in enumerate(shown) if e.key == _key(item)), None)
        if row is not None:
            self.open_requested.emit(hits, row)

    # deciding ------------------------------------------------------------------------------------------------
    def decide_selected(self, verdict: str) -> None:
        items = self.grid.selectedItems() or ([self.grid.currentItem()] if self.grid.currentItem() else [])
        chosen: dict[str, list[int]] = defaultdict(list)
        for item in items:
            chosen[item.data(TAG_ROLE)].append(item.data(PHOTO_ROLE))
        if not chosen:
            return
        keys = {_key(item) for item in items}
        self._move_on(keys)

        def apply(ctx: TagContext) -> None:
            for tag, ids in chosen.items():
                (ctx.tagger.accept if verdict == "accept" else ctx.tagger.reject)(ids, tag)

        self._submit_decision(verdict, apply, keys)

    def _move_on(self, keys: set[Key]) -> None:
        """Take the decided photos out of the grid now and select the one after them (else the one before)."""
        items = self._items()
        decided = [i for i, item in enumerate(items) if _key(item) in keys]
        after = [item for item in items[decided[-1] + 1:] if _key(item) not in keys]
        before = [item for item in items[:decided[0]] if _key(item) not in keys]
        following = after[0] if after else (before[-1] if before else None)
        self._deciding |= keys
        for i in reversed(decided):
            self.grid.takeItem(i)
        self.grid.clearSelection()
        if following is not None:
            self.grid.setCurrentItem(following)  # selects it alone: the next A or R decides it
            self.grid.scrollToItem(following)
        self.grid.setFocus()  # after a click on Accept: the keys go on working
        self._icons_soon.start()

    def accept_all(self, min_score: float | None = None) -> None:
        tag = self.current_tag()
        self._submit_decision("accept all", lambda ctx: ctx.tagger.accept_all(tag=tag, min_score=min_score))

    def reject_all(self) -> None:
        tag = self.current_tag()
        self._submit_decision("reject all", lambda ctx: ctx.tagger.reject_all(tag=tag))

    def _submit_decision(self, what: str, fn, keys: set[Key] | frozenset = frozenset()) -> None:
        def finished(_=None) -> None:
            self.refresh()  # its read shows the decision; until then the decided photos stay hidden
            self.decided.emit()

        def failed(error) -> None:  # e.g. a sidecar could not be written: decided in the catalog anyway
            self._deciding -= keys  # whatever the catalog still holds as pending comes back
            finished()
            self.error.emit(error)

        self.service.submit(what, fn, finished, on_error=failed)
