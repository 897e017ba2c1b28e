"""Tools → Find duplicates…: near-duplicate groups (bursts, re-saves, resized or edited copies, exact copies),
the keeper of each, and the one button that changes anything: "Move others to trash…", which asks first.

The neighbour queries run once on a worker (workers/duplicates.py); the similarity slider regroups on the GUI
thread from the pairs found (milliseconds). The keeper of each group follows the rule chosen (largest,
sharpest, oldest; sharpness is measured on the worker) until the user picks another photo of that group
("Keep this one" or a double-click), which then stays the keeper whatever the rule or slider.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.duplicates import (
    DEFAULT_THRESHOLD,
    KEEP_RULES,
    MIN_THRESHOLD,
    Candidates,
    DuplicateGroup,
    DuplicatePhoto,
    KeepChoice,
    TrashResult,
)
from photoclip.core.filenames import display
from photoclip.core.library import Library
from photoclip.formatting import count, file_size
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.widgets.thumb_strip import ThumbIcons
from photoclip.gui.workers.duplicates import DuplicatesService
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.known_errors import as_user_error

#: the slider works in thousandths of cosine
STEPS = 1000
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 1
RULE_NAMES = {"largest": "Largest (most pixels)", "sharpest": "Sharpest", "oldest": "Oldest (taken first)"}


class DuplicatesDialog(QDialog):
    #: photos were moved to the trash (the window refreshes its counts and results)
    library_changed = Signal()

    def __init__(self, library: Library, loader: ImageLoader, blur: SensitiveBlur | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find duplicates")
        self.resize(980, 640)
        self.candidates: Candidates | None = None
        self.groups: list[DuplicateGroup] = []
        self._by_id: dict[int, DuplicatePhoto] = {}
        #: keeper photo id of each group, by the rule (filled by the worker), and the user's own picks
        self.keepers: list[int] = []
        self.picked: set[int] = set()
        self.result: TrashResult | None = None
        self.confirmation: QMessageBox | None = None
        self.confirm_button: QPushButton | None = None
        #: rows of the groups list and items of the photo list by content hash, for thumbnails as they arrive
        self._group_rows: dict[str, set[int]] = {}
        self._photo_items: dict[str, list[QListWidgetItem]] = {}
        self._request = 0
        self._busy = False
        self.service = DuplicatesService(library)
        worker = self.service.worker
        worker.found.connect(self._on_found)
        worker.keepers.connect(self._on_keepers)
        worker.trashed.connect(self._on_trashed)
        worker.failed.connect(self._on_failed)
        worker.progress.connect(self._on_progress)
        self.icons = ThumbIcons(loader, blur, self._set_icon, self)
        self._build()
        self._set_busy(True, "Looking for near-duplicates…")
        self.service.find()

    def _build(self) -> None:
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(MIN_THRESHOLD * STEPS), STEPS)
        self.slider.setValue(round(DEFAULT_THRESHOLD * STEPS))
        self.slider.setAccessibleName("Similarity")
        self.slider.setToolTip("How alike two photos must be to be grouped: to the right only near-identical "
                               "copies, to the left also bursts and edits")
        self.slider.valueChanged.connect(self._on_threshold)
        self.threshold_label = QLabel()
        self.rule = QComboBox()
        for rule in KEEP_RULES:
            self.rule.addItem(RULE_NAMES[rule], rule)
        self.rule.setAccessibleName("Keep")
        self.rule.currentIndexChanged.connect(self._choose_keepers)
        top = QHBoxLayout()
        top.addWidget(QLabel("Similarity"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.threshold_label)
        top.addSpacing(16)
        top.addWidget(QLabel("Keep"))
        top.addWidget(self.rule)

        self.group_list = QListWidget()
        self.group_list.setAccessibleName("Groups")
        self.group_list.setIconSize(QSize(56, 56))
        self.group_list.currentRowChanged.connect(self._show_group)
        self.group_list.itemChanged.connect(lambda _item: self._update_button())
        self.photo_list = QListWidget()
        self.photo_list.setAccessibleName("Photos of the group")
        self.photo_list.setViewMode(QListView.ViewMode.IconMode)
        self.photo_list.setIconSize(QSize(160, 160))
        self.photo_list.setGridSize(QSize(190, 236))
        self.photo_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.photo_list.setMovement(QListView.Movement.Static)
        self.photo_list.setWordWrap(True)
        self.photo_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.photo_list.itemDoubleClicked.connect(lambda item: self.keep(item.data(PHOTO_ROLE)))
        self.photo_list.currentItemChanged.connect(lambda *_: self._update_button())
        self.keep_button = QPushButton("Keep this one")
        self.keep_button.clicked.connect(self._keep_selected)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.photo_list, 1)
        keep_row = QHBoxLayout()
        keep_row.addWidget(QLabel("The photo marked ✓ stays; double-click another to keep it instead."), 1)
        keep_row.addWidget(self.keep_button)
        right_layout.addLayout(keep_row)
        splitter = QSplitter()
        splitter.addWidget(self.group_list)
        splitter.addWidget(right)
        splitter.setSizes([300, 680])

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        #: what the last action did (moved, left in place, failed); stays until the next action
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.hide()
        self.trash_button = QPushButton("Move others to trash…")
        self.trash_button.setToolTip("Moves every photo not marked ✓ in the ticked groups to the system trash "
                                     "(you are asked first; nothing is deleted)")
        self.trash_button.clicked.connect(self.ask_to_trash)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.trash_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._show_threshold()

    # state ---------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def threshold(self) -> float:
        return self.slider.value() / STEPS

    @property
    def keep_rule(self) -> str:
        return self.rule.currentData()

    def set_threshold(self, value: float) -> None:
        self.slider.setValue(round(value * STEPS))

    def keeper_of(self, index: int) -> DuplicatePhoto:
        group = self.groups[index]
        picked = [p for p in group.photos if p.photo_id in self.picked]
        if picked:
            return picked[0]
        by_rule = self.keepers[index] if index < len(self.keepers) else None
        return next((p for p in group.photos if p.photo_id == by_rule), group.photos[0])

    def ticked(self) -> list[int]:
        """Indexes of the groups the trash button acts on."""
        return [i for i in range(self.group_list.count())
                if self.group_list.item(i).checkState() == Qt.CheckState.Checked]

    def choices(self) -> list[KeepChoice]:
        out = []
        for index in self.ticked():
            keeper = self.keeper_of(index)
            out.append(KeepChoice(keeper, tuple(self.groups[index].others(keeper))))
        return out

    def keep(self, photo_id: int) -> None:
        """The user's pick: this photo stays the keeper of its group whatever the rule or the slider."""
        index = self.group_list.currentRow()
        if not 0 <= index < len(self.groups):
            return
        group = self.groups[index]
        self.picked -= {p.photo_id for p in group.photos}
        self.picked.add(photo_id)
        self._show_group(index)
        self._label_group(index)

    def _keep_selected(self) -> None:
        item = self.photo_list.currentItem()
        if item is not None:
            self.keep(item.data(PHOTO_ROLE))

    # the scan and the groups ------------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat("Comparing photos: %v of %m")

    def _on_found(self, candidates: Candidates) -> None:
        self.candidates = candidates
        self._set_busy(False)
        self._regroup()

    def _on_threshold(self) -> None:
        self._show_threshold()
        if self.candidates is not None:
            self._regroup()

    def _show_threshold(self) -> None:
        self.threshold_label.setText(f"{self.threshold:.3f}")

    def _regroup(self) -> None:
        assert self.candidates is not None
        current = self.groups[self.group_list.currentRow()].photos[0].photo_id if self.groups and \
            self.group_list.currentRow() >= 0 else None
        self.groups = self.candidates.groups(self.threshold)
        self._by_id = {p.photo_id: p for g in self.groups for p in g.photos}
        self.keepers = []
        self._group_rows = {}
        self.group_list.blockSignals(True)
        self.group_list.clear()
        for index in range(len(self.groups)):
            item = QListWidgetItem()
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.group_list.addItem(item)
            self._label_group(index)
        self.group_list.blockSignals(False)
        row = next((i for i, g in enumerate(self.groups) if any(p.photo_id == current for p in g.photos)), 0)
        self.group_list.setCurrentRow(row if self.groups else -1)
        if not self.groups:
            self.photo_list.clear()
        self._choose_keepers()

    def _choose_keepers(self) -> None:
        if not self.groups:
            self._update_button()
            return
        self._request += 1
        if self.keep_rule == "sharpest":
            self.summary.setText("Measuring sharpness…")
        self._update_button()  # no trashing until the keepers of this rule are known
        self.service.choose(self._request, self.groups, self.keep_rule)

    def _on_keepers(self, request: int, keepers: list[int]) -> None:
        if request != self._request:
            return  # the slider or the rule moved on since
        self.keepers = keepers
        for index in range(len(self.groups)):
            self._label_group(index)
        self._show_group(self.group_list.currentRow())
        self._update_button()

    def _label_group(self, index: int) -> None:
        group, item = self.groups[index], self.group_list.item(index)
        keeper = self.keeper_of(index)
        kind = (f"{len(group.photos)} identical copies" if group.exact else
                f"{count(len(group.photos), 'photo')} · similarity ≥ {int(group.similarity * 1000) / 1000:.3f}")
        item.setText(f"{kind}\nkeep {display(Path(keeper.path).name)}")
        old = item.data(PHOTO_ROLE)
        if old is not None and old in self._by_id:
            self._group_rows.get(self._by_id[old].content_hash, set()).discard(index)
        item.setData(PHOTO_ROLE, keeper.photo_id)
        self._group_rows.setdefault(keeper.content_hash, set()).add(index)
        self.icons.request(keeper.content_hash, keeper.path, keeper.photo_id)

    def _show_group(self, index: int) -> None:
        self.photo_list.clear()
        self._photo_items = {}
        if not 0 <= index < len(self.groups):
            return
        group = self.groups[index]
        keeper = self.keeper_of(index)
        for photo in group.photos:
            kept = photo.photo_id == keeper.photo_id
            size = f"{photo.width}×{photo.height}" if photo.width else "size unknown"
            lines = [("✓ Keep  " if kept else "") + display(Path(photo.path).name),
                     f"{size} · {file_size(photo.size)}", photo.taken.replace("T", " ")]
            if group.copies_of(photo) and not group.exact:
                lines.append("identical copy")
            item = QListWidgetItem("\n".join(lines))
            item.setData(PHOTO_ROLE, photo.photo_id)
            item.setToolTip(display(photo.path))
            if kept:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.photo_list.addItem(item)
            self._photo_items.setdefault(photo.content_hash, []).append(item)
            self.icons.request(photo.content_hash, photo.path, photo.photo_id)

    def _set_icon(self, content_hash: str, icon: QIcon) -> None:
        for item in self._photo_items.get(content_hash, ()):
            item.setIcon(icon)
        for row in self._group_rows.get(content_hash, ()):
            self.group_list.item(row).setIcon(icon)

    # the explicit action --------------------------------------------------------------------------------
    def ask_to_trash(self) -> QMessageBox | None:
        choices = self.choices()
        moving = sum(len(c.others) for c in choices)
        if not moving or self.busy:
            return None
        question = f"Move {count(moving, 'photo')} from {count(len(choices), 'group')} to the trash?"
        box = QMessageBox(QMessageBox.Icon.Question, "Move to trash", question, parent=self)
        box.setInformativeText("Each group keeps the photo marked ✓, which gets the others' tags and album "
                               "membership. Nothing is deleted: you can restore the photos from the system trash.")
        self.confirm_button = box.addButton("Move to trash", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _code: self._confirmed(box, choices))
        self.confirmation = box
        box.open()
        return box

    def _confirmed(self, box: QMessageBox, choices: list[KeepChoice]) -> None:
        self.confirmation = None
        if box.clickedButton() is not self.confirm_button:
            self.status.setText("Nothing was moved.")
            return
        self.status.clear()
        self._set_busy(True, "Moving to the trash…")
        self.progress.setRange(0, 0)
        self.service.trash(choices)

    def _on_trashed(self, result: TrashResult) -> None:
        self.result = result
        text = (f"Moved {count(len(result.trashed), 'photo')} to the trash; keepers got "
                f"{count(len(result.tags_carried), 'tag')} and {count(len(result.albums_carried), 'album')}.")
        if result.skipped:
            path, reason = result.skipped[0]
            more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
            text += f" Left {count(len(result.skipped), 'photo')} in place: {display(Path(path).name)} {reason}{more}."
        self.status.setText(text)
        self.library_changed.emit()
        self._set_busy(False)
        if self.candidates is not None:  # the pairs of the photos left stand: no need to ask the index again
            self.candidates = self.candidates.without(set(result.trashed_ids))
            self._regroup()

    def _on_failed(self, error: Exception) -> None:
        known = as_user_error(error)  # a full or read-only disk says so, as in the CLI
        message = known.user_message if known is not None else f"{type(error).__name__}: {error}"
        self.status.setText(message)
        self._set_busy(False)

    def _set_busy(self, busy: bool, text: str | None = None) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
        if text is not None:
            self.summary.setText(text)
        self.slider.setEnabled(not busy)
        self.rule.setEnabled(not busy)
        self._update_button()

    def _update_button(self) -> None:
        choices = self.choices() if self.groups else []
        moving = sum(len(c.others) for c in choices)
        self.trash_button.setEnabled(not self.busy and moving > 0 and len(self.keepers) == len(self.groups))
        self.keep_button.setEnabled(not self.busy and self.photo_list.currentItem() is not None)
        if not self.busy and self.candidates is not None and len(self.keepers) == len(self.groups):
            self.summary.setText(
                f"{count(len(self.groups), 'group')} at similarity {self.threshold:.3f}; {count(moving, 'photo')} "
                "would go to the trash from the ticked groups." if self.groups else
                f"No near-duplicates at similarity {self.threshold:.3f}.")

    def done(self, code: int) -> None:
        if self.confirmation is not None:
            self.confirmation.close()
        self.service.shutdown()
        super().done(code)
