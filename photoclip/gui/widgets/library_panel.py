"""The library panel: watched folders with their photo counts and state, each a tree of its sub-folders that
hold photos (read when opened, counts including their sub-folders); add, remove, rescan. "All photos" and a
click on a folder or sub-folder choose what the library view shows (and where a search looks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.filenames import display, path_inside
from photoclip.core.library import LibraryStatus
from photoclip.core.records import SubfolderCount

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def folder_state(state: str, counts: dict[str, int], activity: str | None) -> str:
    """What the State column says: activity (indexing/queued/removing) wins, then offline, then errors."""
    if activity:
        return activity
    if state == "offline":
        return "offline"
    failed = counts.get("failed", 0)
    if failed:
        return f"done, {failed} skipped"
    return "done" if counts else "not indexed"


_CHILDREN = QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator
_NO_CHILDREN = QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicator
#: seconds between two reads of an expanded root's sub-folders while its counts change (indexing)
REFRESH_S = 3.0


def _holds(folder: str, path: str) -> bool:
    """``path`` is ``folder`` or inside it."""
    return path == folder or path_inside(path, folder)


def _activity_in(activity: dict[str, str], root: str) -> str | None:
    """What happens to a library folder: to it, or to a folder inside it (a dropped sub-folder's scan)."""
    return activity.get(root) or next((word for path, word in activity.items() if path_inside(path, root)), None)


class _ExactPath:
    """A folder's path kept as Python's ``str`` inside a Qt item (core/filenames.py)."""

    def __init__(self, path: str) -> None:
        self.path = path


class LibraryPanel(QWidget):
    add_requested = Signal()
    remove_requested = Signal(object)  # path (object: a Qt string would drop bytes that are not UTF-8)
    rescan_requested = Signal()
    #: a click on a folder: show just its photos (object: the exact path)
    folder_clicked = Signal(object)
    #: "All photos": the whole library
    all_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("Library")
        title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Folder", "Photos", "State"])
        self.tree.setRootIsDecorated(True)  # library folders open onto their sub-folders
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemExpanded.connect(self._on_expanded)
        #: sub-folders with counts of a folder, given the failed files' paths (the window sets it: the library's)
        self.subfolders: Callable[[str, list[str]], list[SubfolderCount]] | None = None
        self.refresh_s = REFRESH_S
        self._children: dict[str, list[SubfolderCount]] = {}  # folder → its sub-folders as last read
        self._read_at: dict[str, float] = {}  # root → when its sub-folders were last read
        self._root_counts: dict[str, tuple] = {}
        self._stale: set[str] = set()  # roots whose counts changed since their sub-folders were read
        self._status: LibraryStatus | None = None
        self._activity: dict[str, str] = {}
        self._failed: list[str] = []
        self._pending_select: str | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._refresh)
        self.tree.itemClicked.connect(lambda item, _: self.folder_clicked.emit(item.data(0, PATH_ROLE).path))
        self.all_button = QPushButton("All photos")
        self.all_button.setToolTip("Show every photo of the library, newest first")
        self.all_button.setFlat(True)
        self.all_button.setCheckable(True)  # checked while the whole library is the scope
        self.all_button.setStyleSheet("text-align: left; padding: 4px 6px;")
        self.all_button.clicked.connect(self._on_all)

        self.add_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the folder from the library (the photos are not touched)")
        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Look for new, changed and deleted photos in every folder")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.rescan_button.clicked.connect(self.rescan_requested)
        hint = QLabel("Drop folders here to add them.")
        hint.setStyleSheet("color: palette(placeholder-text);")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.rescan_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(title)
        layout.addWidget(self.all_button)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        self._layout = layout
        self._update_buttons()

    def add_section(self, widget: QWidget) -> None:
        """Another part of the library below the folders (the albums)."""
        self._layout.addWidget(widget, 1)

    def update_status(self, status: LibraryStatus, activity: dict[str, str]) -> None:
        """Refill from a LibraryStatus; ``activity`` maps folder paths to "indexing", "queued", "removing".
        Expanded folders stay expanded and the selection stays, so the tree does not jump while indexing."""
        self._status, self._activity = status, activity
        self._failed = [p.path for p in status.failures]
        self._note_changes(status)
        selected = self.selected_path()
        expanded = sorted(self._expanded_paths(), key=len)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.tree.blockSignals(True)  # a refill is not the user collapsing or choosing anything
        self.tree.clear()
        for folder in status.folders:
            counts = status.folder_counts.get(folder.id, {})
            photos = sum(n for s, n in counts.items() if s != "failed")
            item = self._item(folder.path, display(Path(folder.path).name or folder.path), photos,
                              folder_state(folder.state, counts, _activity_in(activity, folder.path)), icon)
            known = self._children.get(folder.path)
            item.setChildIndicatorPolicy(
                _NO_CHILDREN if self.subfolders is None or known == [] else _CHILDREN)
            self.tree.addTopLevelItem(item)
        self.tree.blockSignals(False)
        for path in expanded:
            item = self.item_for(path)
            if item is not None:
                item.setExpanded(True)  # -> _on_expanded: its sub-folders, from the cache while it is fresh
        shown = self.item_for(selected) if selected else None
        if shown is not None:  # inside a folder the user closed it is not listed: nothing to re-open
            shown.setSelected(True)
        if self._pending_select:
            pending, self._pending_select = self._pending_select, None
            self._select(pending, pending=False)
        self._update_buttons()

    def select_path(self, path: str) -> str | None:
        """Show and select ``path`` (a library folder, or a folder inside one, expanding its parents); a folder
        without photos of its own selects the nearest one above it. Returns the path selected; before the first
        status the selection waits for it."""
        return self._select(path, pending=True)

    def _select(self, path: str, pending: bool) -> str | None:
        item = self._reveal(path)
        if item is None:
            if pending:
                self._pending_select = path
            return None
        self.tree.clearSelection()
        item.setSelected(True)
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return item.data(0, PATH_ROLE).path

    def _reveal(self, path: str) -> QTreeWidgetItem | None:
        """The item of ``path`` or of the nearest folder above it that is listed, expanding the way down."""
        parent: QTreeWidgetItem | None = None
        items = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while True:
            below = next((i for i in items if _holds(i.data(0, PATH_ROLE).path, path)), None)
            if below is None:
                return parent
            if below.data(0, PATH_ROLE).path == path:
                return below
            below.setExpanded(True)
            parent, items = below, [below.child(i) for i in range(below.childCount())]

    def _item(self, path: str, name: str, photos: int, state: str, icon) -> QTreeWidgetItem:
        item = QTreeWidgetItem([name, f"{photos:,}", state])
        item.setIcon(0, icon)
        item.setToolTip(0, display(path))
        # a Python object, not a Qt string: that would drop the bytes of a name that is not UTF-8
        item.setData(0, PATH_ROLE, _ExactPath(path))
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    # sub-folders, read when a folder is expanded -----------------------------------------------------------------
    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        if item.childCount() or self.subfolders is None:
            return
        path = item.data(0, PATH_ROLE).path
        children = self._children.get(path)
        if children is None:
            children = self._children[path] = self.subfolders(path, self._failed)
            self._read_at[self._root_of(path)] = time.monotonic()
        if not children:
            item.setChildIndicatorPolicy(_NO_CHILDREN)
            return
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        for sub in children:
            child = self._item(sub.path, display(Path(sub.path).name), sub.photos,
                               f"{sub.failed:,} skipped" if sub.failed else "", icon)
            child.setChildIndicatorPolicy(_CHILDREN if sub.has_subfolders else _NO_CHILDREN)
            item.addChild(child)

    def _note_changes(self, status: LibraryStatus) -> None:
        """A root whose counts changed has its sub-folders read again, at most every ``refresh_s`` seconds
        (each read is a pass over the root's part of the path index: ~0.1 s for a million photos)."""
        now = time.monotonic()
        roots = {f.path: tuple(sorted(status.folder_counts.get(f.id, {}).items())) for f in status.folders}
        for root, counts in roots.items():
            if self._root_counts.get(root) != counts:
                self._root_counts[root] = counts
                self._stale.add(root)
        self._stale &= set(roots)
        for root in list(self._stale):
            if now - self._read_at.get(root, -self.refresh_s) >= self.refresh_s:
                self._stale.discard(root)
                for path in [p for p in self._children if p == root or _holds(root, p)]:
                    del self._children[path]
        for path in [p for p in self._children if not any(p == r or _holds(r, p) for r in roots)]:
            del self._children[path]  # a removed folder
        if self._stale and not self._refresh_timer.isActive():
            self._refresh_timer.start(round(self.refresh_s * 1000))

    def _refresh(self) -> None:
        if self._status is not None:
            self.update_status(self._status, self._activity)

    def _root_of(self, path: str) -> str:
        return next((r for r in self._root_counts if r == path or _holds(r, path)), path)

    def _expanded_paths(self) -> list[str]:
        found, stack = [], [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item.isExpanded():
                found.append(item.data(0, PATH_ROLE).path)
                stack += [item.child(i) for i in range(item.childCount())]
        return found

    # for tests and the window ------------------------------------------------------------------------------------
    def rows(self) -> list[tuple[str, str, str]]:
        """(path, photos, state) per library folder, as shown."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            out.append((item.data(0, PATH_ROLE).path, item.text(1), item.text(2)))
        return out

    def child_rows(self, path: str) -> list[tuple[str, str, str]]:
        """(path, photos, state) of the sub-folders of the folder at ``path``, expanding it."""
        item = self._reveal(path)
        if item is None or item.data(0, PATH_ROLE).path != path:
            return []
        item.setExpanded(True)
        return [(c.data(0, PATH_ROLE).path, c.text(1), c.text(2))
                for c in (item.child(i) for i in range(item.childCount()))]

    def selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, PATH_ROLE).path if items else None

    def item_for(self, path: str) -> QTreeWidgetItem | None:
        """The item of a library folder or of a sub-folder listed (read) so far."""
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item.data(0, PATH_ROLE).path == path:
                return item
            stack += [item.child(i) for i in range(item.childCount())]
        return None

    def _on_all(self) -> None:
        self.tree.clearSelection()
        self.all_requested.emit()

    def _remove_selected(self) -> None:
        path = self.selected_path()
        if path and self._is_root(path):
            self.remove_requested.emit(path)

    def _is_root(self, path: str) -> bool:
        return any(path == r[0] for r in self.rows())

    def _update_buttons(self) -> None:
        path = self.selected_path()
        self.remove_button.setEnabled(path is not None and self._is_root(path))
        self.remove_button.setToolTip(
            "A folder inside a library folder is part of it: remove the library folder"
            if path is not None and not self._is_root(path)
            else "Remove the folder from the library (the photos are not touched)")
        self.rescan_button.setEnabled(self.tree.topLevelItemCount() > 0)
