"""*Save search…*: the search on screen becomes a smart album. The album keeps the query, the folder and date
filters, and a threshold on the calibrated score (the album holds the photos that clear it: at the default 3,
exactly the search's matches; docs/search.md).

The dialog says how many photos the album will hold at the threshold chosen, live: the scores of every photo
of the scope are computed once off the GUI thread (``Albums.preview_smart``), and each threshold is then a
count over them. The threshold it proposes keeps what the user saw: the highest one, at most the default 3,
at which every photo the grid shows is in the album (``threshold_keeping``): 3 while the weaker matches are
folded, lower once they are unfolded. (Before the search had its cutoff, it showed the best-ranked photos
whatever their score, and at a fixed 3 a 107-result search made an album of 0 photos, with nothing saying so.)"""

from __future__ import annotations

import bisect
from collections.abc import Collection

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QWidget

from photoclip.core.errors import PhotoclipError
from photoclip.core.search import Filters
from photoclip.core.tagging import DEFAULT_THRESHOLD, AlbumMember, threshold_keeping
from photoclip.formatting import count
from photoclip.gui.widgets.search_filters import describe


class SaveSearchDialog(QDialog):
    def __init__(self, query: str, filters: Filters, parent: QWidget | None = None,
                 seen: Collection[int] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save search as album")
        self.seen = frozenset(seen)  # ids of the photos the search showed
        self._scores: list[float] | None = None  # every candidate's score, ascending
        self._kept_seen: list[float] = []  # the scores of the photos seen that an album can hold
        self._touched = False  # the user chose a threshold: a late preview must not move it
        self.name = QLineEdit(query)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(-10.0, 1000.0)
        self.threshold.setDecimals(1)
        self.threshold.setSingleStep(0.5)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setToolTip("Typical-photo spreads a photo must stand above this library's typical photo "
                                  "for the query. Lower holds more photos, and more wrong ones.")
        self.threshold.valueChanged.connect(self._on_threshold)
        self.holds = QLabel("Counting the photos…")
        self.holds.setWordWrap(True)
        self.holds.setAccessibleName("Photos in the album")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Album name", self.name)
        form.addRow("Query", QLabel(f"“{query}”"))
        form.addRow("Filters", QLabel(describe(filters) or "none: the whole library"))
        form.addRow("Threshold", self.threshold)
        form.addRow("Album holds", self.holds)
        form.addRow(buttons)
        self.setMinimumWidth(420)

    def values(self) -> tuple[str, float]:
        return self.name.text(), round(self.threshold.value(), 1)

    # the preview --------------------------------------------------------------------------------------------
    def set_preview(self, members: list[AlbumMember]) -> None:
        """Every candidate with its score (from the tagging worker): propose a threshold, count at it."""
        self._scores = sorted(m.score for m in members if m.score is not None)
        self._kept_seen = [m.score for m in members if m.photo_id in self.seen and m.score is not None]
        if not self._touched:
            self.threshold.blockSignals(True)
            self.threshold.setValue(threshold_keeping(members, self.seen))
            self.threshold.blockSignals(False)
        self._show_count()

    def preview_failed(self, error: PhotoclipError) -> None:
        self.holds.setText(f"Cannot count the photos: {error.user_message}")

    def album_size(self, threshold: float | None = None) -> int | None:
        """How many photos the album holds at ``threshold`` (default: the one chosen); None until counted."""
        if self._scores is None:
            return None
        t = round(self.threshold.value() if threshold is None else threshold, 1)
        return len(self._scores) - bisect.bisect_left(self._scores, t)

    def _on_threshold(self, _value: float) -> None:
        self._touched = True
        self._show_count()

    def _show_count(self) -> None:
        n = self.album_size()
        if n is None:
            return
        t = round(self.threshold.value(), 1)
        text = f"{count(n, 'photo')} at {t:.1f}"
        if self.seen:
            kept = sum(score >= t for score in self._kept_seen)
            shown = count(len(self.seen), "photo")
            text += (f" · every one of the {shown} the search showed" if kept == len(self.seen)
                     else f" · {kept:,} of the {shown} the search showed")
        self.holds.setText(text)
