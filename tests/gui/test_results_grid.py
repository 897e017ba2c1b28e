"""The grid is virtualized: only painted rows ask for thumbnails; thumbnails load off the GUI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from photoclip.core.records import PhotoRow
from photoclip.core.search import Hit
from photoclip.gui.models.results_model import ResultsModel
from photoclip.gui.widgets.results_view import ResultsView

pytestmark = pytest.mark.gui


class RecordingLoader(QObject):
    thumbnail_ready = Signal(str, QImage)
    thumbnail_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[str] = []

    def request_thumbnail(self, content_hash: str, path: str) -> None:
        self.requested.append(content_hash)

    def clear_thumbnail_requests(self) -> None:
        pass


def fake_hit(i: int) -> Hit:
    row = PhotoRow(i, 1, f"/photos/{i:06d}.jpg", 1, 1, f"{i:040x}", 4000, 3000, None, None, "indexed", None)
    return Hit(row, 1.0 - i / 1e6)


def test_100k_results_request_only_visible_thumbnails(qtbot):
    loader = RecordingLoader()
    model = ResultsModel(loader)
    view = ResultsView()
    view.setModel(model)
    view.resize(900, 700)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    model.set_hits([fake_hit(i) for i in range(100_000)])
    qtbot.waitUntil(lambda: len(loader.requested) > 0, timeout=3000)
    first_screen = len(loader.requested)
    assert first_screen < 200  # a screenful, not 100k
    view.scrollTo(model.index(99_999))
    qtbot.waitUntil(lambda: f"{99_999:040x}" in loader.requested, timeout=3000)
    assert len(loader.requested) < 400

    image = QImage(8, 8, QImage.Format.Format_RGB888)
    image.fill(0xFF0000)
    loader.thumbnail_ready.emit(f"{99_999:040x}", image)
    assert model.has_thumbnail(99_999)
