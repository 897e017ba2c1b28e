"""Compare a folder walk with the catalog: what is unchanged, what needs reading, what has disappeared."""

from __future__ import annotations

from dataclasses import dataclass, field

from photoclip.core.scan.walker import FileEntry
from photoclip.core.store.catalog import PhotoRow


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
