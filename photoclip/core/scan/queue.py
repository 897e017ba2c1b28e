"""The watcher's work queue: one entry per path, settled until (size, mtime) is stable, persisted in the catalog.

Only the watcher's worker thread touches it. Entries are written to the catalog's ``queue`` table at every
tick and removed only after the work they describe is committed, so a crash or kill loses nothing; what
happened between the last tick and a kill is caught by the start-up rescan.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from photoclip.core.store.catalog import Catalog

UPSERT, DELETE, RESCAN = "upsert", "delete", "rescan"


@dataclass
class Entry:
    path: str
    folder_id: int
    kind: str
    #: wall-clock time of the latest event; identifies this version of the entry in the catalog
    enqueued_at: float
    #: monotonic time before which the entry is not processed
    due: float
    #: monotonic time of the first event, for the cap on how long a delete waits
    first_seen: float
    #: last observed (size, mtime_ns) of an upsert's file; None until seen
    signature: tuple[int, int] | None = None
    #: the other path of a move event: a delete's destination, an upsert's source
    partner: str | None = None


def file_signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


@dataclass
class Batch:
    rescans: list[Entry]
    #: upserts whose file is stable, and deletes (processed together so a delete + create pair is a move)
    files: list[Entry]


class WorkQueue:
    def __init__(self, catalog: Catalog, settle: float, delete_hold: float) -> None:
        self.catalog = catalog
        self.settle = settle
        self.delete_hold = delete_hold
        self.entries: dict[str, Entry] = {}
        self._dirty: set[str] = set()

    def __len__(self) -> int:
        return len(self.entries)

    # adding --------------------------------------------------------------------------------------------
    def add(self, path: str, folder_id: int, kind: str, now: float | None = None, partner: str | None = None) -> None:
        """Record an event. The newest kind wins: a delete then a create (an atomic save) is one upsert.
        ``partner`` links the two halves of a move, which are then always processed together."""
        now = time.monotonic() if now is None else now
        entry = self.entries.get(path)
        if entry is None:
            entry = Entry(path, folder_id, kind, time.time(), now + self.settle, now)
            self.entries[path] = entry
        else:
            if entry.kind != RESCAN:
                entry.kind = kind
            entry.folder_id = folder_id
            entry.enqueued_at = max(time.time(), entry.enqueued_at + 1e-6)
            entry.due = now + self.settle
        entry.partner = partner
        if entry.kind == UPSERT:
            entry.signature = file_signature(path)
        self._dirty.add(path)

    def load(self, now: float | None = None) -> int:
        """Take over the entries a previous run left in the catalog; every one settles again."""
        now = time.monotonic() if now is None else now
        for path, folder_id, kind, enqueued_at, _not_before in self.catalog.queue_pending():
            if path not in self.entries:
                sig = file_signature(path) if kind == UPSERT else None
                self.entries[path] = Entry(path, folder_id, kind, enqueued_at, now + self.settle, now, sig)
        return len(self.entries)

    def persist(self) -> None:
        """Write the entries changed since the last call, in one transaction."""
        if not self._dirty:
            return
        wall_offset = time.time() - time.monotonic()
        rows = [
            (e.path, e.folder_id, e.kind, e.enqueued_at, e.due + wall_offset)
            for p in self._dirty if (e := self.entries.get(p)) is not None
        ]
        self.catalog.queue_put(rows)
        self._dirty.clear()

    # taking --------------------------------------------------------------------------------------------
    def take_due(self, now: float | None = None) -> Batch:
        """Rescans and files ready now. An upsert whose file changed since it was last seen settles again;
        one whose file is gone becomes a delete. Deletes wait while a create is still settling (up to
        ``delete_hold``), because that create may be the other half of a move."""
        now = time.monotonic() if now is None else now
        rescans: list[Entry] = []
        files: list[Entry] = []
        deletes: list[Entry] = []
        settling = False
        for entry in list(self.entries.values()):
            if entry.kind == RESCAN:
                if entry.due <= now:
                    rescans.append(entry)
            elif entry.kind == DELETE:
                if entry.due <= now:
                    deletes.append(entry)
            elif self._settled(entry, now):
                files.append(entry)
            else:
                settling = True
        return Batch(rescans, files + self._deletes_to_take(deletes, files, settling, now))

    def _deletes_to_take(self, due: list[Entry], ready: list[Entry], settling: bool, now: float) -> list[Entry]:
        """The source of a move goes with its destination, whatever else is settling; a plain delete waits
        while creates settle (up to ``delete_hold``), since one may be the same photo moved by copy + delete."""
        taken: dict[str, Entry] = {}
        for entry in ready:  # a ready destination brings its source along, due or not
            source = self.entries.get(entry.partner) if entry.partner else None
            if source is not None and source.kind == DELETE:
                taken[source.path] = source
        for entry in due:
            held = now - entry.first_seen < self.delete_hold
            if entry.partner is not None and entry.partner in self.entries and held:
                continue  # its destination is still settling; taken with it above once ready
            if entry.partner is not None or not settling or not held:
                taken[entry.path] = entry
        return list(taken.values())

    def _settled(self, entry: Entry, now: float) -> bool:
        if entry.due > now:
            return False
        sig = file_signature(entry.path)
        if sig is None:
            entry.kind = DELETE
            self._dirty.add(entry.path)
            return False  # picked up as a delete on the next call
        if sig != entry.signature:
            entry.signature = sig
            entry.due = now + self.settle
            return False
        return True

    def done(self, entries: list[Entry]) -> None:
        """The work of these entries is committed: forget them, unless a newer event arrived meanwhile."""
        finished = []
        for entry in entries:
            finished.append((entry.path, entry.enqueued_at))
            current = self.entries.get(entry.path)
            if current is not None and current.enqueued_at == entry.enqueued_at:
                del self.entries[entry.path]
                self._dirty.discard(entry.path)
        self.persist()  # a newer version must reach the catalog before the old one is removed
        self.catalog.queue_done(finished)

    def drop_folder(self, folder_id: int) -> None:
        """Forget a folder's entries (it went offline: the rescan when it returns covers them)."""
        self.done([e for e in self.entries.values() if e.folder_id == folder_id])
