"""Compare a folder walk with the catalog: what is unchanged, what needs reading, what has disappeared."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from photoclip.core.records import PhotoRow
from photoclip.core.scan.walker import FileEntry, Listing


@dataclass(frozen=True)
class WorkItem:
    folder_id: int
    entry: FileEntry
    #: the catalog row at the same path whose file changed (None for a new path)
    existing: PhotoRow | None


@dataclass
class Plan:
    todo: list[WorkItem] = field(default_factory=list)
    unchanged: int = 0
    #: rows whose file was not found; a file with the same content elsewhere is a move of one of these
    missing: dict[int, PhotoRow] = field(default_factory=dict)

    def add(self, part: Plan) -> None:
        """Take in the plan of another part of the walk (a folder, a sub-folder a process compared)."""
        self.todo += part.todo
        self.unchanged += part.unchanged
        self.missing.update(part.missing)


def reconcile(
    plan: Plan, folder_id: int, entries: list[FileEntry], rows: dict[str, PhotoRow], known_hashes: set[str]
) -> None:
    """Add one folder's walk to the plan. A row is unchanged when (size, mtime) match and it is either
    indexed with a vector for the current model, or failed (a failed file is retried once it changes)."""
    seen: set[str] = set()
    for entry in entries:
        seen.add(entry.path)
        row = rows.get(entry.path)
        if row is not None and row.size == entry.size and row.mtime_ns == entry.mtime_ns and (
            row.status == "failed" or row.content_hash in known_hashes
        ):
            plan.unchanged += 1
            continue
        plan.todo.append(WorkItem(folder_id, entry, row))
    for path, row in rows.items():
        if path not in seen:
            plan.missing[row.id] = row


@dataclass
class FolderTable:
    """One folder's catalog rows in a few arrays (about 33 bytes a photo, not a PhotoRow object each): what
    reconciling a walk needs. ``keys`` are ``hash(path)``, sorted; ``current`` says the row is done (indexed with
    a vector for the model in use, or failed), so the same size and mtime make it unchanged."""

    ids: np.ndarray
    keys: np.ndarray
    sizes: np.ndarray
    mtimes: np.ndarray
    current: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, keys: np.ndarray, sizes: np.ndarray, mtimes: np.ndarray,
           current: np.ndarray) -> FolderTable:
        order = np.argsort(keys, kind="stable")
        return cls(ids[order], keys[order], sizes[order], mtimes[order], current[order])


def reconcile_walk(plan: Plan, folder_id: int, listings: Iterable[Listing], table: FolderTable,
                   row_at: Callable[[str], PhotoRow | None],
                   rows_of: Callable[[list[int]], list[PhotoRow]]) -> None:
    """``reconcile`` for a whole folder's walk (``walk_listings``: a folder's files as lists) against its
    ``FolderTable``, one numpy step per listed folder: full rows are read (``row_at``, ``rows_of``) only for
    changed and missing paths. A photo is matched by ``hash(path)`` and then needs the same size and mtime too,
    so two paths colliding on 64 bits (about 1 in 10^7 for a million photos, and a different pair each run:
    ``hash`` is salted per process) would also have to agree on both before a changed file could be taken for
    unchanged. Two catalog rows sharing a key are told apart by path before either is taken for missing
    (deleting a row loses its tags)."""
    seen = np.zeros(len(table.keys), bool)
    shared = set(table.keys[1:][table.keys[1:] == table.keys[:-1]].tolist())  # almost always empty
    walked_shared: set[str] = set()
    for listing in listings:
        n = len(listing)
        keys = np.fromiter(map(hash, listing.paths), np.int64, n)
        if shared:
            walked_shared.update(str(p) for p, k in zip(listing.paths, keys.tolist(), strict=True) if k in shared)
        sizes = np.array(listing.sizes, np.int64)
        mtimes = np.array(listing.mtimes, np.int64)
        at = np.minimum(np.searchsorted(table.keys, keys), max(len(table.keys) - 1, 0))
        known = table.keys[at] == keys if len(table.keys) else np.zeros(n, bool)
        seen[at[known]] = True
        same = known & (table.sizes[at] == sizes) & (table.mtimes[at] == mtimes) & table.current[at] \
            if len(table.keys) else known
        plan.unchanged += int(same.sum())
        for i in np.flatnonzero(~same).tolist():
            entry = listing.entry(i)
            plan.todo.append(WorkItem(folder_id, entry, row_at(entry.path) if known[i] else None))
    gone = table.ids[~seen].tolist()
    for start in range(0, len(gone), 500):
        for row in rows_of(gone[start:start + 500]):
            if row.path not in walked_shared:
                plan.missing[row.id] = row

