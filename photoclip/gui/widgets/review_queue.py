"""The review queue: the model's pending suggestions grouped by tag, best first. Accept (A) or reject (R) the
selected photos, or everything of a tag at or above a score. Accepted suggestions become the user's tags;
rejected ones are never suggested again for that photo (the core keeps both decisions)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.filenames import display
from photoclip.core.tagging.store import PhotoTagRow
from photoclip.formatting import count
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.widgets.thumb_strip import ThumbIcons
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.tagging import TagContext, TaggingService

TAG_ROLE = Qt.ItemDataRole.UserRole + 1
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 2
HASH_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class QueueRow:
    row: PhotoTagRow
    content_hash: str | None


def _pending(ctx: TagContext) -> list[QueueRow]:
    rows = ctx.tagger.pending()
    hashes: dict[int, str | None] = {}
    ids = sorted({r.photo_id for r in rows})
    for start in range(0, len(ids), 500):  # SQLite caps the parameters of one query
        hashes.update((p.id, p.content_hash) for p in ctx.library.catalog.photos_by_ids(ids[start:start + 500]))
    return [QueueRow(r, hashes.get(r.photo_id)) for r in rows]


class _QueueTree(QTreeWidget):
    decide = Signal(str)  # "accept" | "reject"

    def keyPressEvent(self, event: QKeyEvent) -> None:
        verdict = {Qt.Key.Key_A: "accept", Qt.Key.Key_R: "reject"}.get(Qt.Key(event.key()))
        if verdict and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.decide.emit(verdict)
        else:
            super().keyPressEvent(event)


class ReviewQueue(QWidget):
    #: the user decided something (tags, blurring and albums may change)
    decided = Signal()
    error = Signal(object)

    def __init__(self, service: TaggingService, loader: ImageLoader, blur: SensitiveBlur | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.rows: list[QueueRow] = []
        self.tree = _QueueTree()
        self.tree.setAccessibleName("Review queue")
        self.tree.setHeaderLabels(["Photo", "Score", "Matched best"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setIconSize(QSize(48, 48))
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 200)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.decide.connect(lambda verdict: self.decide_selected(verdict))
        self.tree.itemClicked.connect(self._on_clicked)

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
        self.accept_all_button.setToolTip("Accept every pending suggestion of the selected tag (of all tags when "
                                          "none is selected) at or above the score")
        self.accept_all_button.clicked.connect(lambda: self.accept_all(self.min_score.value()))
        self.reject_all_button = QPushButton("Reject all")
        self.reject_all_button.setToolTip("Reject every pending suggestion of the selected tag")
        self.reject_all_button.clicked.connect(lambda: self.reject_all())
        self.summary = QLabel("")
        self.summary.setStyleSheet("color: palette(placeholder-text);")

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
        layout.addWidget(self.tree, 1)
        layout.addLayout(single)
        layout.addLayout(bulk)
        self.icons = ThumbIcons(loader, blur, self._set_icon, self)

    # filling -------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.service.submit("pending", _pending, self._fill, key="pending", on_error=self.error.emit)

    def _fill(self, rows: list[QueueRow]) -> None:
        self.rows = rows
        selected = {(i.data(0, TAG_ROLE), i.data(0, PHOTO_ROLE)) for i in self.tree.selectedItems()}
        current = self.current_tag()
        self.tree.clear()
        by_tag: dict[str, list[QueueRow]] = defaultdict(list)
        for entry in rows:
            by_tag[entry.row.tag].append(entry)
        for tag, entries in by_tag.items():
            group = QTreeWidgetItem([f"{tag} ({len(entries)})"])
            group.setData(0, TAG_ROLE, tag)
            group.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(group)
            for entry in entries:
                group.addChild(self._item(entry))
            group.setExpanded(True)
            if tag == current and not selected:
                self.tree.setCurrentItem(group)
        path_of = {e.row.photo_id: e.row.path for e in rows}
        for item in self._photo_items():
            if (item.data(0, TAG_ROLE), item.data(0, PHOTO_ROLE)) in selected:
                item.setSelected(True)
            # once the item is in the tree, where the icon's arrival can find it
            self.icons.request(item.data(0, HASH_ROLE), path_of[item.data(0, PHOTO_ROLE)], item.data(0, PHOTO_ROLE))
        waiting = count(len(rows), "suggestion")
        self.summary.setText(f"{waiting} waiting for review" if rows else "Nothing to review. Run a label set "
                             "and send its suggestions here.")

    def _item(self, entry: QueueRow) -> QTreeWidgetItem:
        row = entry.row
        score = "" if row.score is None else f"{row.score:.2f}"
        item = QTreeWidgetItem([display(Path(row.path).name), score, row.prompt or ""])
        item.setData(0, TAG_ROLE, row.tag)
        item.setData(0, PHOTO_ROLE, row.photo_id)
        item.setData(0, HASH_ROLE, entry.content_hash)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tip = (f"{display(row.path)}\n{row.tag}: score {score}"
               + (f"\nmatched best: “{row.prompt}”" if row.prompt else ""))
        for column in range(3):
            item.setToolTip(column, tip)
        return item

    def _photo_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            out += [group.child(j) for j in range(group.childCount())]
        return out

    def _set_icon(self, content_hash: str, icon: QIcon) -> None:
        for item in self._photo_items():
            if item.data(0, HASH_ROLE) == content_hash:
                item.setIcon(0, icon)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        photo_id = item.data(0, PHOTO_ROLE)
        if photo_id is not None:
            self.icons.reveal(photo_id)

    def grouped(self) -> dict[str, list[str]]:
        """{tag: [photo path, ...]} as shown, best first."""
        out: dict[str, list[str]] = defaultdict(list)
        for entry in self.rows:
            out[entry.row.tag].append(entry.row.path)
        return dict(out)

    def select(self, tag: str, paths: list[str]) -> None:
        self.tree.clearSelection()
        path_of = {e.row.photo_id: e.row.path for e in self.rows}
        for item in self._photo_items():
            if item.data(0, TAG_ROLE) == tag and path_of.get(item.data(0, PHOTO_ROLE)) in paths:
                item.setSelected(True)

    def current_tag(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, TAG_ROLE) if item else None

    # deciding ------------------------------------------------------------------------------------------------
    def decide_selected(self, verdict: str) -> None:
        chosen: dict[str, list[int]] = defaultdict(list)
        for item in self.tree.selectedItems():
            if item.data(0, PHOTO_ROLE) is not None:
                chosen[item.data(0, TAG_ROLE)].append(item.data(0, PHOTO_ROLE))
        if not chosen:
            return

        def apply(ctx: TagContext) -> None:
            for tag, ids in chosen.items():
                (ctx.tagger.accept if verdict == "accept" else ctx.tagger.reject)(ids, tag)

        self._submit_decision(verdict, apply)

    def accept_all(self, min_score: float | None = None) -> None:
        tag = self.current_tag()
        self._submit_decision("accept all", lambda ctx: ctx.tagger.accept_all(tag=tag, min_score=min_score))

    def reject_all(self) -> None:
        tag = self.current_tag()
        self._submit_decision("reject all", lambda ctx: ctx.tagger.reject_all(tag=tag))

    def _submit_decision(self, what: str, fn) -> None:
        def finished(_=None) -> None:
            self.refresh()
            self.decided.emit()

        def failed(error) -> None:  # e.g. a sidecar could not be written: decided in the catalog anyway
            finished()
            self.error.emit(error)

        self.service.submit(what, fn, finished, on_error=failed)
