"""The one thing near-duplicate finding ever does to files, and only when asked: move the photos not kept to
the system trash (never delete), after giving the keeper their tags and album membership.

Order, so a crash at any point loses nothing: (1) the keeper gets the others' accepted tags (typed and
accepted suggestions, through the Tagger, so an XMP sidecar follows when write-back is on) and their manual
albums; (2) each other photo goes to the trash (``send2trash``: the freedesktop trash on Linux, the Recycle
Bin on Windows, the Finder's Trash on macOS), with its own ``photo.jpg.xmp`` sidecar; (3) its catalog row is
deleted, as a reconcile does for a vanished file (its vector stays for the grace period, so a photo restored
from the trash is found again without re-embedding). A kill between (2) and (3) leaves a row whose file is
gone, which the next scan removes in the same way.

A photo is moved only when its file is the one that was indexed (same size and modification time), and a
group is left alone when its keeper is no longer there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoclip.core.duplicates.groups import DuplicatePhoto
from photoclip.core.duplicates.store import DuplicateStore
from photoclip.core.errors import DuplicatesError, SidecarSkipped, XmpError
from photoclip.core.records import PhotoRow

if TYPE_CHECKING:
    from photoclip.core.store.catalog import Catalog
    from photoclip.core.tagging import Tagger


@dataclass(frozen=True)
class KeepChoice:
    """Keep ``keeper``; move ``others`` to the trash."""

    keeper: DuplicatePhoto
    others: tuple[DuplicatePhoto, ...]


@dataclass
class TrashResult:
    #: paths of the photos now in the trash
    trashed: list[str] = field(default_factory=list)
    #: their photo ids (gone from the catalog)
    trashed_ids: list[int] = field(default_factory=list)
    #: sidecars that went to the trash with their photo
    sidecars: list[str] = field(default_factory=list)
    #: (path, reason) of photos left where they are
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: (keeper path, tag) given to keepers; (keeper path, album id) memberships given to keepers
    tags_carried: list[tuple[str, str]] = field(default_factory=list)
    albums_carried: list[tuple[str, int]] = field(default_factory=list)
    #: sidecar problems while writing the keepers' tags (the tags are in the catalog regardless)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "trashed": [{"path": p} for p in self.trashed],
            "sidecars": [{"path": p} for p in self.sidecars],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "tags_carried": [{"path": p, "tag": t} for p, t in self.tags_carried],
            "albums_carried": [{"path": p, "album_id": a} for p, a in self.albums_carried],
            "warnings": self.warnings,
        }


def send_to_trash(path: str) -> None:
    """Raises OSError when the file cannot go to the trash (no trash on that drive, no permission)."""
    from send2trash import send2trash  # lazy: read its environment (XDG_DATA_HOME) when first needed

    send2trash(path)


def _require_trash() -> None:
    try:
        import send2trash  # noqa: F401
    except ImportError as exc:
        raise DuplicatesError("Moving photos to the trash needs the send2trash package.",
                              "Install it: pip install send2trash") from exc


def move_others_to_trash(catalog: Catalog, tagger: Tagger, choices: list[KeepChoice]) -> TrashResult:
    """``tagger``: the library's (``library.tags``), which carries the others' tags to each keeper."""
    _require_trash()
    started = time.perf_counter()
    result = TrashResult()
    mover = _Mover(catalog, tagger, result)
    for choice in choices:
        mover.run(choice)
    result.seconds = time.perf_counter() - started
    return result


class _Mover:
    def __init__(self, catalog: Catalog, tagger: Tagger, result: TrashResult) -> None:
        self.catalog = catalog
        self.result = result
        self.store = DuplicateStore(catalog)
        self.tagger = tagger.reporting(self._sidecar_skipped)

    def run(self, choice: KeepChoice) -> None:
        keeper = _current(self.catalog, choice.keeper)
        if keeper is None:
            reason = f"the photo to keep ({Path(choice.keeper.path).name}) is no longer there"
            self.result.skipped += [(p.path, reason) for p in choice.others]
            return
        movable: list[PhotoRow] = []
        for other in choice.others:
            row, reason = _movable(self.catalog, other, keeper)
            if row is None:
                self.result.skipped.append((other.path, reason))
            else:
                movable.append(row)
        if not movable:
            return
        self._carry(keeper, movable)
        gone = [row for row in movable if self._trash(row)]
        self.catalog.delete_photos([row.id for row in gone])

    def _carry(self, keeper: PhotoRow, others: list[PhotoRow]) -> None:
        from photoclip.core.tagging.store import ACCEPTED, USER

        has = {(r.tag, r.source) for r in self.tagger.store.rows(states=(ACCEPTED,), photo_ids=[keeper.id])}
        wanted = {(r.tag, r.source) for r in self.tagger.store.rows(states=(ACCEPTED,),
                                                                      photo_ids=[o.id for o in others])}
        for tag, source in sorted(wanted - has):
            try:
                if source == USER:
                    self.tagger.add_tags([keeper.id], [tag])
                else:
                    self.tagger.accept([keeper.id], tag)
            except XmpError as exc:  # the tag is in the catalog; only its sidecar copy is missing
                self.result.warnings.append(f"{keeper.path}: {exc.user_message}")
            self.result.tags_carried.append((keeper.path, tag))
        store = self.tagger.store
        for album_id in sorted(self.store.manual_albums_of([o.id for o in others])):
            if keeper.id not in store.album_photo_ids(album_id):
                store.add_to_album(album_id, [keeper.id])
                self.result.albums_carried.append((keeper.path, album_id))

    def _trash(self, row: PhotoRow) -> bool:
        try:
            send_to_trash(row.path)
        except OSError as exc:
            self.result.skipped.append((row.path, f"could not be moved to the trash: {_reason(exc)}"))
            return False
        self.result.trashed.append(row.path)
        self.result.trashed_ids.append(row.id)
        sidecar = _own_sidecar(row.path)
        if sidecar is not None:
            try:
                send_to_trash(sidecar)
                self.result.sidecars.append(sidecar)
            except OSError as exc:
                self.result.warnings.append(f"{sidecar}: its sidecar stayed ({_reason(exc)})")
        return True

    def _sidecar_skipped(self, error: SidecarSkipped) -> None:
        self.result.warnings.append(f"{error.path}: {error.user_message}")


def _current(catalog: Catalog, photo: DuplicatePhoto) -> PhotoRow | None:
    """The photo's catalog row if it is still indexed and its file still there."""
    rows = catalog.photos_by_ids([photo.photo_id])
    if not rows or rows[0].status != "indexed" or not os.path.isfile(rows[0].path):
        return None
    return rows[0]


def _movable(catalog: Catalog, photo: DuplicatePhoto, keeper: PhotoRow) -> tuple[PhotoRow | None, str]:
    """The row to move, or None and why not: gone, changed since it was indexed (it may now be something
    else), or the keeper itself."""
    rows = catalog.photos_by_ids([photo.photo_id])
    if not rows or rows[0].status != "indexed":
        return None, "no longer in the library"
    row = rows[0]
    if row.id == keeper.id or row.path == keeper.path:
        return None, "it is the photo to keep"
    if row.content_hash != photo.content_hash:
        return None, "its content changed since duplicates were looked for"
    try:
        stat = os.stat(row.path)
    except OSError as exc:
        return None, f"cannot be read ({_reason(exc)})"
    if stat.st_size != row.size or stat.st_mtime_ns != row.mtime_ns:
        return None, "the file changed since it was indexed; look at it again"
    return row, ""


def _own_sidecar(path: str) -> str | None:
    """The photo's ``photo.jpg.xmp`` sidecar if it has one. A ``photo.xmp`` sidecar goes too only when no
    other file shares the stem (with RAW + JPEG pairs, ``IMG_1.xmp`` belongs to both)."""
    photo = Path(path)
    appended = photo.with_name(photo.name + ".xmp")
    if appended.is_file():
        return str(appended)
    replaced = photo.with_suffix(".xmp")
    if replaced.is_file():
        try:
            siblings = [p for p in photo.parent.iterdir() if p.stem == photo.stem and p != replaced]
        except OSError:
            return None
        if not siblings:  # the photo itself is gone already (in the trash): nothing else uses this name
            return str(replaced)
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
