"""The public value types of the core: rows the Library hands out (photos, folders, tags, albums) and what an
index run reports. Plain frozen data, no SQL and no behaviour, so the CLI, the GUI and the core's own modules
all import them from here rather than from the store that fills them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


# photos and folders ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoRow:
    id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    width: int | None
    height: int | None
    taken_at: str | None
    camera: str | None
    status: str
    error: str | None


@dataclass(frozen=True)
class FolderRow:
    """A library root (roots never nest: see ``Catalog.place_folder``)."""

    id: int
    path: str
    state: str
    last_scan_at: float | None
    #: a folder inside the root to scan alone (None: the whole root); set for a scan, never stored
    scope: str | None = None


@dataclass(frozen=True)
class FolderPlacement:
    """Where a folder added to the library landed. Roots never nest: a folder inside a root is already part
    of it; a folder that holds roots becomes the root and takes them in as sub-folders."""

    root: FolderRow
    #: the folder asked for
    path: str
    #: "added": a new root; "known": already a root; "inside": inside ``root`` already (nothing added)
    outcome: str
    #: roots that became sub-folders of the new root (their photos, tags and albums kept, nothing re-embedded)
    folded: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubfolderCount:
    """A sub-folder that holds shown photos (at any depth), as the library panel lists it."""

    path: str
    #: shown photos (indexed or offline) in it and its sub-folders
    photos: int
    #: files that could not be indexed, in it and its sub-folders
    failed: int
    #: whether any of its photos lie deeper (it has sub-folders of its own to list)
    has_subfolders: bool


@dataclass(frozen=True)
class PhotoRecord:
    """What the pipeline learned about one file, written by ``Catalog.commit_batch``."""

    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    status: str  # indexed | failed
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    camera: str | None = None
    error: str | None = None
    #: set for a content hash the catalog had no vector for (None: vector already stored)
    vector: np.ndarray | None = None
    #: id of an existing row this file replaces (a move or rename keeps the photo's id and tags)
    replaces_id: int | None = None


# tags and albums ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoTagRow:
    photo_id: int
    path: str
    tag: str
    source: str
    state: str
    score: float | None
    prompt: str | None
    model_id: str | None


@dataclass(frozen=True)
class TagCount:
    name: str
    suggested: int
    accepted: int  # zero-shot suggestions the user accepted
    rejected: int
    user: int  # tags the user typed


@dataclass(frozen=True)
class AlbumRow:
    id: int
    name: str
    kind: str  # manual | smart
    query: str | None
    folder: str | None
    date_from: str | None
    date_to: str | None
    threshold: float | None


# index runs --------------------------------------------------------------------------------------------------
@dataclass
class IndexSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    failed: int = 0
    embedded: int = 0
    reused: int = 0
    #: photos a catalog pass recorded without a vector (no model yet): browsable, not yet searchable
    catalogued: int = 0
    #: why this run could not embed (no model on this computer): the model error's message and hint
    model_missing: str | None = None
    seconds: float = 0.0
    cancelled: bool = False
    offline_folders: list[str] = field(default_factory=list)
    #: "threads", "processes", or how a run that lost a decode process went on
    decoded_in: str = "threads"
    #: decode workers and model threads at the end of the run (core/balance.py sizes them)
    decode_workers: int = 0
    model_threads: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
