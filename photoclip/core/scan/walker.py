"""Recursive walk of a photo folder: supported files with their (size, mtime), hidden/system folders skipped.

Every photo-named path that cannot be indexed is yielded too, with a ``problem`` (a pipe, a link to a device,
a broken link, an unreadable sub-folder), so the catalog lists it instead of it vanishing silently.
"""

from __future__ import annotations

import os
import stat
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from photoclip.core.scan.file_kinds import folder_reason, not_regular_reason, unstatable_reason

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".gif", ".avif"}
)

# Folders that hold app data, trash or previews rather than the user's photos.
SYSTEM_DIRS = frozenset(
    {
        "$recycle.bin", "system volume information", "lost+found", "@eadir", "#recycle", "#snapshot",
        "node_modules", "__pycache__",
    }
)


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    mtime_ns: int
    #: why this path cannot be indexed (it is never opened); None for an ordinary file
    problem: str | None = None


def is_photo_name(name: str) -> bool:
    # what os.path.splitext gives a name not starting with a dot, at a third of its cost (a million per walk)
    dot = name.rfind(".")
    return dot > 0 and not name.startswith(".") and name[dot:].lower() in PHOTO_EXTENSIONS


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_DIRS


@dataclass
class Listing:
    """One folder's photo files as parallel lists (no object per file: a million of them cost seconds to make
    and compare), in name order; ``problems``: position -> why that path cannot be indexed."""

    paths: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    def entry(self, i: int) -> FileEntry:
        return FileEntry(self.paths[i], self.sizes[i], self.mtimes[i], self.problems.get(i))

    def add(self, entry: FileEntry) -> None:
        if entry.problem is not None:
            self.problems[len(self.paths)] = entry.problem
        self.paths.append(entry.path)
        self.sizes.append(entry.size)
        self.mtimes.append(entry.mtime_ns)


def walk(root: Path) -> Iterator[FileEntry]:
    """Yield photo files under root, and problem entries for what cannot be read (never fatal)."""
    for listing in walk_listings(root):
        for i in range(len(listing)):
            yield listing.entry(i)


def walk_listings(root: Path) -> Iterator[Listing]:
    """``walk`` folder by folder, each folder's files as one ``Listing`` (an unreadable folder: one problem)."""
    stack = [str(root)]
    while stack:
        listing, subfolders = list_folder(stack.pop())
        stack.extend(subfolders)
        if listing:
            yield listing


def list_folder(folder: str) -> tuple[Listing, list[str]]:
    """One folder's own photo files (not its sub-folders') and the sub-folders to walk, in name order."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as exc:
        unreadable = Listing()
        unreadable.add(_problem(folder, folder_reason(exc)))
        return unreadable, []
    listing, subfolders = Listing(), []
    paths, sizes, mtimes = listing.paths, listing.sizes, listing.mtimes
    for entry in sorted(entries, key=_name):
        name = entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if not _skip_dir(name):
                    subfolders.append(entry.path)
                continue
        except OSError as exc:
            listing.add(_problem(entry.path, folder_reason(exc)))
            continue
        dot = name.rfind(".")  # is_photo_name, inline: this loop runs once per file
        if dot <= 0 or name[dot:].lower() not in PHOTO_EXTENSIONS or name[0] == ".":
            continue
        try:
            st = entry.stat()  # follows a link, as os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISREG(st.st_mode):
            paths.append(entry.path)
            sizes.append(st.st_size)
            mtimes.append(st.st_mtime_ns)
        elif (found := entry_for(entry.path)) is not None:  # a link, a pipe, gone: said why, once
            listing.add(found)
    return listing, subfolders


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def entry_for(path: str) -> FileEntry | None:
    """One photo-named path as the walker sees it: an ordinary file, a problem entry saying why it cannot be
    read, or None when it is gone. stat follows links, so a link is judged by its target; a pipe or a device
    is refused here, unopened."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        return _problem(path, unstatable_reason(path, exc)) if os.path.islink(path) else None
    except OSError as exc:
        return _problem(path, unstatable_reason(path, exc))
    if not stat.S_ISREG(st.st_mode):
        return _problem(path, not_regular_reason(path, st))
    return FileEntry(path, st.st_size, st.st_mtime_ns)


def _problem(path: str, reason: str) -> FileEntry:
    """A problem entry keeps the link's or folder's own (size, mtime): unchanged, it is not looked at again."""
    try:
        st = os.lstat(path)
        size, mtime_ns = st.st_size, st.st_mtime_ns
    except OSError:
        size, mtime_ns = 0, 0
    return FileEntry(path, size, mtime_ns, problem=reason)


class WalkedAhead:
    """Listings produced by a thread that runs up to ``max_files`` files ahead of the caller: the walk's system
    calls (``scandir``, a ``stat`` per file: a third of an unchanged rescan) run while the caller reads the
    catalog or compares (both release the GIL in C). The thread starts on entering and stops on leaving::

        with WalkedAhead(walk_listings(root)) as listings:
            table = read_the_catalog()
            for listing in listings: ...
    """

    def __init__(self, source: Iterator[Listing], max_files: int = 100_000) -> None:
        self._source, self._max = source, max_files
        self._items: deque[Listing] = deque()
        self._waiting = 0
        self._done = self._stopped = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="walk-ahead", daemon=True)

    def __enter__(self) -> WalkedAhead:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join()

    def __iter__(self) -> Iterator[Listing]:
        while True:
            with self._cond:
                while not self._items and not self._done:
                    self._cond.wait()
                if not self._items:
                    if self._error is not None:
                        raise self._error
                    return
                listing = self._items.popleft()
                self._waiting -= len(listing)
                self._cond.notify_all()
            yield listing

    def _run(self) -> None:
        try:
            for listing in self._source:
                with self._cond:
                    while self._waiting >= self._max and not self._stopped:
                        self._cond.wait()
                    if self._stopped:
                        return
                    self._items.append(listing)
                    self._waiting += len(listing)
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the caller, raised there
            with self._cond:
                self._error = exc
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:  # a generator stopped early ends now (its walking processes with it)
                close()
            with self._cond:
                self._done = True
                self._cond.notify_all()
