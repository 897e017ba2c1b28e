"""The app with file names that are not plain text: the grid, its tooltips, the viewer, the skipped-files list
and the library panel show them (U+FFFD for bytes that are not UTF-8, ␊ for a newline) without crashing, and
everything that opens a file still uses the exact path."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.file_urls import local_url
from tests.gui.conftest import wait_idle
from tests.support.library_fixtures import write_photo
from tests.support.odd_names import ODD_NAMES, exact, write_odd_photos

pytestmark = pytest.mark.gui


def shown(window) -> list[tuple[str, str]]:
    model = window.results_model
    return [(model.data(model.index(r), Qt.ItemDataRole.DisplayRole),
             model.data(model.index(r), Qt.ItemDataRole.ToolTipRole)) for r in photo_rows(window)]


def photo_rows(window) -> list[int]:
    """Rows of photos (not the weaker matches' header)."""
    return [r for r in range(window.results_model.rowCount()) if not window.results_model.is_header(r)]


def test_grid_tooltips_and_viewer_show_odd_names(qtbot, window, tmp_path):
    pics = tmp_path / "Odd"
    odd = write_odd_photos(pics)
    window.add_folders([str(pics)])
    wait_idle(qtbot, window)
    assert window.library.status().counts == {"indexed": len(ODD_NAMES)}

    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == len(ODD_NAMES), timeout=5000)
    window.results_model.set_weaker_shown(True)  # every photo, the weaker matches too
    assert window.results_model.hit(0).path == odd["red"]  # the exact path behind the shown one
    names = [name for name, _ in shown(window)]
    assert names[0] == "caf\ufffd au lait.jpg"
    assert "first line\u240asecond line.png" in names
    assert ODD_NAMES["green"].decode() in names  # 255 bytes, shown whole
    assert {"\u00e9t\u00e9.jpg", "e\u0301te\u0301.jpg"} <= set(names)  # NFC and NFD: two photos
    for name, tip in shown(window):  # name, score, full path: each on its own line
        assert tip.startswith(name + "\nscore ") and tip.endswith("/" + name), tip
    assert shown(window)[0][1].endswith(f"{pics}/caf\ufffd au lait.jpg")
    assert any(tip.endswith(f"{pics}/Ferien \ufffd Roma/sunset.jpg") for _, tip in shown(window))
    window.results_view.grab()  # paints every visible cell
    qtbot.waitUntil(lambda: all(window.results_model.has_thumbnail(r) for r in photo_rows(window)), timeout=5000)

    viewer = window.search.open_viewer(0)
    qtbot.waitUntil(lambda: isinstance(viewer, ViewerDialog) and viewer.isVisible(), timeout=3000)
    assert viewer.fields["Name"].text() == "caf\ufffd au lait.jpg"
    assert viewer.windowTitle().startswith("caf\ufffd au lait.jpg")
    qtbot.waitUntil(lambda: viewer.full_loaded, timeout=5000)  # the real file was opened by its exact path
    with qtbot.waitSignal(window.query.results, timeout=5000):
        viewer.similar_button.click()  # "More like this" hands the exact path on
    assert odd["red"] not in [h.path for h in window.results_model.hits()]  # the photo itself left out


def test_skipped_files_and_library_panel_show_names_that_are_not_utf8(qtbot, window, tmp_path):
    root = exact(tmp_path, b"Fotos \xe9t\xe9")
    write_photo(Path(root) / "red.jpg", "red")
    Path(exact(Path(root), b"d\xe9fect.jpg")).write_bytes(b"\xff\xd8\xff\xe0 not a photo")
    window.add_folders([root])
    wait_idle(qtbot, window)
    assert window.library.status().counts == {"indexed": 1, "failed": 1}

    [(path, photos, state)] = window.library_panel.rows()
    assert path == root and photos == "1" and state == "done, 1 skipped"
    item = window.library_panel.tree.topLevelItem(0)
    assert item.text(0) == "Fotos \ufffdt\ufffd" and item.toolTip(0).endswith("Fotos \ufffdt\ufffd")

    dialog = window.show_skipped()
    [(name, reason)] = dialog.rows()
    assert name.endswith("Fotos \ufffdt\ufffd/d\ufffdfect.jpg") and reason
    dialog.close()

    item.setSelected(True)
    assert window.library_panel.selected_path() == root  # what "Remove" acts on: the exact path
    window.remove_folder(root, confirm=False)
    wait_idle(qtbot, window)
    assert window.library.folders() == []


def test_dropping_a_photo_whose_name_is_not_utf8_searches_by_it(qtbot, window, tmp_path):
    pics = tmp_path / "Odd"
    odd = write_odd_photos(pics)
    window.add_folders([str(pics)])
    wait_idle(qtbot, window)
    mime = QMimeData()
    mime.setUrls([local_url(odd["red"])])  # percent-encoded bytes, as a file manager sends them: caf%E9
    assert b"caf%E9" in bytes(mime.urls()[0].toEncoded())
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.query.results, timeout=5000) as blocker:
        window.search_box.dropEvent(event)
    assert blocker.args[0].kind == "similar" and blocker.args[0].query == odd["red"]
    assert "caf\ufffd au lait.jpg" in window.result_label.text()
