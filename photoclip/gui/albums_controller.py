"""Albums in the window: the library panel's album list, an album as the window's scope (the library view shows
it and a search looks only in it: browse_controller.py), smart albums saved from the search on screen, and the
grids' album actions (context menu; Delete / Backspace take photos out of the manual album on screen, never the
files). Album calls run on the tagging worker it shares with the tags controller, which owns it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from photoclip.core.errors import AlbumError
from photoclip.core.search import Hit
from photoclip.formatting import count
from photoclip.gui.dialogs.save_search import SaveSearchDialog
from photoclip.gui.widgets.albums_panel import AlbumEntry, AlbumsPanel
from photoclip.gui.workers.tagging import TagContext, TaggingService

if TYPE_CHECKING:
    from photoclip.gui.browse_controller import BrowseController
    from photoclip.gui.search_controller import SearchController
    from photoclip.gui.widgets.library_panel import LibraryPanel
    from photoclip.gui.workers.indexing import IndexingService


def _albums(ctx: TagContext) -> list[AlbumEntry]:
    return [AlbumEntry(album, ctx.albums.count(album.name)) for album in ctx.albums.list()]


def _rename(ctx: TagContext, old: str, new: str) -> None:
    new = new.strip()
    if not new:
        raise AlbumError("An album needs a name.", "")
    if new != old and ctx.albums.store.album(new) is not None:
        raise AlbumError(f"An album named {new!r} exists already.", "Pick another name.")
    ctx.albums.update(old, name=new)


class AlbumsController(QObject):
    #: the albums' names, each time they are listed again (the tags panel offers them as run scopes)
    listed = Signal(list)

    def __init__(self, service: TaggingService, *, dialogs: QWidget, library_panel: LibraryPanel,
                 search: SearchController, browse: BrowseController, indexing: IndexingService,
                 show_message: Callable[[str, int], None]) -> None:
        super().__init__(dialogs)
        self.dialogs = dialogs  # the parent of its dialogs (the window)
        self.service = service
        self.search = search
        self.browse = browse
        self._show_message = show_message
        self.panel = AlbumsPanel()
        library_panel.add_section(self.panel)
        self._connect(indexing)

    def _connect(self, indexing: IndexingService) -> None:
        self.panel.open_requested.connect(self.show_album)
        self.panel.create_requested.connect(lambda: self.album_from_search())
        self.panel.rename_requested.connect(lambda name: self.rename_album(name))
        self.panel.delete_requested.connect(lambda name: self.delete_album(name))
        for grid in (self.search.view, self.browse.view):
            grid.extra_actions = self.album_actions
            grid.delete_requested.connect(self._on_grid_delete)
        self.search.query.results.connect(self._on_search_results)
        self.search.query.cleared.connect(lambda: self.panel.set_can_save_search(False))
        indexing.job_finished.connect(self._after_indexing)
        self.browse.scoped.connect(self._on_scoped)

    def _on_scoped(self, folder: str | None, album: str | None) -> None:
        """The library view's scope changed: the album shown is the one selected, else none is."""
        if album is None:
            self.panel.tree.clearSelection()
            return
        item = self.panel.item_named(album)
        if item is not None:
            item.setSelected(True)

    @property
    def shown_album(self) -> str | None:
        """The album the window is scoped to (the library view shows it; a search looks only there)."""
        return self.search.filters.filters().album

    def _after_indexing(self, job, summary: dict) -> None:
        """New photos join smart albums on read: recount (the library view reloads itself)."""
        self.refresh_albums()

    def refresh_albums(self) -> None:
        self.service.submit("albums", _albums, self._show_albums, key="albums")

    def _show_albums(self, entries: list[AlbumEntry]) -> None:
        self.panel.set_albums(entries)
        self.listed.emit([e.album.name for e in entries])

    def show_album(self, name: str) -> None:
        """The album in the library view, newest first; a search then looks only in it."""
        self.browse.show_album(name)

    def album_from_search(self, name: str | None = None, threshold: float | None = None) -> SaveSearchDialog | None:
        """A smart album from the search on screen: its query and folder/date filters, and a threshold (the
        dialog asks for the name and threshold and counts the album's photos; without a dialog, the default
        threshold unless given)."""
        latest = self.search.query.latest
        if latest is None or latest.kind != "text":
            return None
        # a smart album keeps a folder and dates, not another album: an album scope is not saved with it
        filters = dataclasses.replace(latest.filters, album=None, photo_ids=None)
        if name is None:
            return self._ask_save_search(latest.query, filters)
        self._create_smart(name, latest.query, filters, threshold)
        return None

    def _ask_save_search(self, query: str, f) -> SaveSearchDialog:
        seen = [h.photo.id for h in self.search.model.hits()]
        dialog = SaveSearchDialog(query, f, self.dialogs, seen=seen)
        dialog.finished.connect(dialog.deleteLater)

        def save() -> None:
            name, threshold = dialog.values()
            self._create_smart(name, query, f, threshold)

        dialog.accepted.connect(save)

        def preview(ctx: TagContext):
            return ctx.albums.preview_smart(query, folder=f.folder, date_from=f.date_from, date_to=f.date_to)

        def shown(members) -> None:
            if shiboken6.isValid(dialog):  # closed meanwhile: nothing to show
                dialog.set_preview(members)

        def failed(error) -> None:
            if shiboken6.isValid(dialog):
                dialog.preview_failed(error)

        self.service.submit("album preview", preview, shown, key="album preview", on_error=failed)
        dialog.open()  # window-modal; the count arrives while it is open
        return dialog

    def _create_smart(self, name: str, query: str, f, threshold: float | None) -> None:
        kwargs = {} if threshold is None else {"threshold": threshold}

        def create(ctx: TagContext):
            return ctx.albums.create_smart(name, query, folder=f.folder, date_from=f.date_from, date_to=f.date_to,
                                           **kwargs)

        self.service.submit("create album", create, lambda _: self.refresh_albums())

    def album_actions(self, hits: list[Hit]) -> dict:
        """The grid's context-menu entries for the photos right-clicked (or selected): Add to album ▸ each
        manual album / New album…, and Remove from album while a manual album is on screen."""
        ids = [h.photo.id for h in hits]
        manual = self._manual_albums()
        add = {name: (lambda n=name: self.add_to_album(n, ids)) for name in manual}
        add["New album…"] = lambda: self.new_album(ids)
        actions = {"Add to album": add}
        if self._manual_album_shown():
            actions["Remove from album"] = lambda album=self.shown_album: self.remove_from_album(album, ids)
        return actions

    def _manual_albums(self) -> list[str]:
        return [name for name, kind, _ in self.panel.rows() if kind == "manual"]

    def _manual_album_shown(self) -> bool:
        return self.shown_album is not None and self.shown_album in self._manual_albums()

    def _on_grid_delete(self, hits: list[Hit]) -> None:
        """Delete / Backspace: out of the manual album on screen (never the files); elsewhere nothing."""
        if self._manual_album_shown() and hits:
            self.remove_from_album(self.shown_album, [h.photo.id for h in hits])

    def new_album(self, photo_ids: list[int], name: str | None = None) -> None:
        """A manual album holding ``photo_ids`` (a dialog asks the name unless given)."""
        if name is None:
            n = len(photo_ids)
            name, ok = QInputDialog.getText(self.dialogs, "New album", f"Name of the album for {count(n, 'photo')}:")
            if not ok:
                return
        self.service.submit("new album", lambda ctx: ctx.albums.create_manual(name, photo_ids),
                            lambda _: self.refresh_albums())

    def add_to_album(self, name: str, photo_ids: list[int]) -> None:
        self.service.submit("add to album", lambda ctx: ctx.albums.add(name, photo_ids),
                            lambda _: self._after_album_edit(name))

    def remove_from_album(self, name: str, photo_ids: list[int]) -> None:
        def done(_) -> None:
            self._after_album_edit(name)
            self._show_message(
                f"Removed {count(len(photo_ids), 'photo')} from album “{name}”; the files are not deleted "
                "(Add to album puts them back)", 8000)

        self.service.submit("remove from album", lambda ctx: ctx.albums.remove(name, photo_ids), done)

    def _after_album_edit(self, name: str) -> None:
        self.refresh_albums()
        if self.shown_album == name:
            self.browse.reload(keep_place=True)
            if self.search.query.latest is not None:
                self.search.query.repeat()

    def rename_album(self, old: str, new: str | None = None) -> None:
        if new is None:
            new, ok = QInputDialog.getText(self.dialogs, "Rename album", "New name:", text=old)
            if not ok:
                return
        def renamed(_) -> None:
            self.refresh_albums()
            if self.shown_album == old:
                self.search.filters.set_album(new.strip())

        self.service.submit("rename album", lambda ctx: _rename(ctx, old, new), renamed)

    def delete_album(self, name: str, confirm: bool = True) -> None:
        if confirm:
            answer = QMessageBox.question(self.dialogs, "Delete album",
                                          f"Delete the album “{name}”?\nIts photos are not touched.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        def deleted(_) -> None:
            self.refresh_albums()
            if self.shown_album == name:
                self.search.filters.set_album(None)

        self.service.submit("delete album", lambda ctx: ctx.albums.delete(name), deleted)

    def _on_search_results(self, request, hits: list) -> None:
        self.panel.set_can_save_search(request.kind == "text")
