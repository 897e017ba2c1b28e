"""Tools → Find duplicates…: the real dialog over a real catalog and index, its work on a worker thread; the
trash is send2trash's real freedesktop trash inside the test's tmp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from photoclip.gui.dialogs.duplicates import DuplicatesDialog
from tests.gui.conftest import wait_idle
from tests.support.bursts import MIXES, write_burst
from tests.support.library_fixtures import write_photo
from tests.support.trash import trash_dir, trashed  # noqa: F401  (fixture)


@pytest.fixture
def burst_photos(tmp_path):
    folder = tmp_path / "Pictures"
    write_burst(folder / "beach", "beach", MIXES[0], seed=3, copies=("original", "resized", "blurred"))
    write_burst(folder / "market", "market", MIXES[1], seed=4, copies=("original", "cropped"))
    write_photo(folder / "forest.png", "green", second="black", share=0.3)
    shutil.copy(folder / "forest.png", folder / "forest copy.png")
    return folder


@pytest.fixture
def indexed_window(qtbot, window, burst_photos):
    window.add_folders([str(burst_photos)])
    wait_idle(qtbot, window)
    return window


def open_dialog(qtbot, window) -> DuplicatesDialog:
    [tools] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Tools"]
    [action] = [a for a in tools.actions() if a.text() == "Find &duplicates…"]
    action.trigger()
    dialog = window.findChild(DuplicatesDialog)
    qtbot.waitUntil(lambda: not dialog.busy and len(dialog.keepers) == len(dialog.groups), timeout=15_000)
    return dialog


def group_names(dialog) -> list[set[str]]:
    return [{Path(p.path).name for p in g.photos} for g in dialog.groups]


def photo_texts(dialog) -> list[str]:
    return [dialog.photo_list.item(i).text() for i in range(dialog.photo_list.count())]


def test_the_menu_opens_the_groups_with_a_keeper_each_and_thumbnails(qtbot, indexed_window):
    menus = [a.text().replace("&", "") for a in indexed_window.menuBar().actions()]
    assert menus.index("Tools") == menus.index("Help") - 1
    dialog = open_dialog(qtbot, indexed_window)
    assert dialog.threshold_label.text() == "0.950" and dialog.keep_rule == "largest"
    names = group_names(dialog)
    assert names[0] == {"beach-original.jpg", "beach-resized.jpg", "beach-blurred.jpg"}  # the biggest first
    assert sorted(names[1:], key=sorted) == [{"forest.png", "forest copy.png"},
                                             {"market-original.jpg", "market-cropped.jpg"}]
    assert dialog.summary.text() == ("3 groups at similarity 0.950; 4 photos would go to the trash from the ticked "
                                     "groups.")
    forest = names.index({"forest.png", "forest copy.png"})
    assert dialog.group_list.item(forest).text().startswith("2 identical copies\nkeep forest")
    dialog.group_list.setCurrentRow(0)  # the biggest group first
    texts = photo_texts(dialog)
    assert len(texts) == 3 and sum(t.startswith("✓ Keep") for t in texts) == 1
    qtbot.waitUntil(lambda: all(not dialog.photo_list.item(i).icon().isNull()
                                for i in range(dialog.photo_list.count())), timeout=10_000)
    assert not dialog.group_list.item(0).icon().isNull()
    dialog.close()


def test_the_slider_and_the_rule_change_groups_and_keepers_and_a_pick_stays(qtbot, indexed_window):
    dialog = open_dialog(qtbot, indexed_window)
    dialog.group_list.setCurrentRow(0)
    dialog.rule.setCurrentIndex(dialog.rule.findData("oldest"))
    qtbot.waitUntil(lambda: Path(dialog.keeper_of(0).path).name == "beach-original.jpg", timeout=10_000)
    dialog.rule.setCurrentIndex(dialog.rule.findData("sharpest"))
    qtbot.waitUntil(lambda: len(dialog.keepers) == len(dialog.groups), timeout=10_000)
    assert Path(dialog.keeper_of(0).path).name != "beach-blurred.jpg"

    blurred = next(p for p in dialog.groups[0].photos if p.path.endswith("beach-blurred.jpg"))
    row = next(i for i in range(dialog.photo_list.count())
               if dialog.photo_list.item(i).text().split("\n")[0].endswith("beach-blurred.jpg"))
    dialog.photo_list.setCurrentRow(row)
    dialog.keep_button.click()  # the user's own choice
    assert dialog.keeper_of(0) == blurred and photo_texts(dialog)[row].startswith("✓ Keep")
    dialog.rule.setCurrentIndex(dialog.rule.findData("largest"))
    qtbot.waitUntil(lambda: len(dialog.keepers) == len(dialog.groups), timeout=10_000)
    assert dialog.keeper_of(0) == blurred  # a pick outlives the rule

    dialog.set_threshold(1.0)  # identical vectors only: the colour embedder sees crops and blurs apart
    assert dialog.threshold_label.text() == "1.000"
    assert sum(len(g) for g in group_names(dialog)) < 7  # of 7 at 0.95
    dialog.set_threshold(0.9)
    qtbot.waitUntil(lambda: len(dialog.keepers) == len(dialog.groups) == 3, timeout=10_000)
    beach = next(i for i, names in enumerate(group_names(dialog)) if "beach-blurred.jpg" in names)
    assert dialog.keeper_of(beach) == blurred  # ... and the slider
    dialog.close()


def test_nothing_moves_until_the_user_confirms_then_the_others_go_to_the_trash(
        qtbot, indexed_window, library, burst_photos, trash_dir):  # noqa: F811
    beach = {p.name: p for p in (burst_photos / "beach").iterdir()}
    resized = library.photo_at(beach["beach-resized.jpg"])
    library.tags.add_tags([resized.id], ["Holiday"])
    library.albums.create_manual("Summer", [resized.id])
    dialog = open_dialog(qtbot, indexed_window)
    dialog.rule.setCurrentIndex(dialog.rule.findData("oldest"))
    qtbot.waitUntil(lambda: len(dialog.keepers) == len(dialog.groups), timeout=10_000)
    for index, names in enumerate(group_names(dialog)):
        if "beach-original.jpg" not in names:  # these groups stay as they are
            dialog.group_list.item(index).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.trash_button.isEnabled()

    dialog.trash_button.click()
    box = dialog.confirmation
    assert isinstance(box, QMessageBox) and box.text() == "Move 2 photos from 1 group to the trash?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.status.text() == "Nothing was moved." and len(list(burst_photos.rglob("*.*"))) == 7
    assert not trash_dir.exists()

    dialog.trash_button.click()
    dialog.confirmation.button(QMessageBox.StandardButton.Cancel)  # the box is open again
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None and not dialog.busy, timeout=15_000)
    moved = {str(beach["beach-resized.jpg"]), str(beach["beach-blurred.jpg"])}
    assert set(trashed(trash_dir)) == moved
    assert sorted(p.name for p in burst_photos.rglob("*.*")) == [
        "beach-original.jpg", "forest copy.png", "forest.png", "market-cropped.jpg", "market-original.jpg"]
    assert dialog.status.text().startswith("Moved 2 photos to the trash; keepers got 1 tag and 1 album.")
    keeper = library.photo_at(beach["beach-original.jpg"])
    assert library.tags.store.accepted_names(keeper.id) == ["Holiday"]
    assert [m.path for m in library.albums.members("Summer")] == [keeper.path]
    assert sorted(group_names(dialog), key=sorted) == [{"forest.png", "forest copy.png"},  # looked again
                                                       {"market-original.jpg", "market-cropped.jpg"}]
    dialog.close()


def test_an_empty_library_says_what_to_do(qtbot, window):
    [tools] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Tools"]
    tools.actions()[0].trigger()
    dialog = window.findChild(DuplicatesDialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.status.text() == "Nothing is indexed yet." and not dialog.trash_button.isEnabled()
    dialog.close()
