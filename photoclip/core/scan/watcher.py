"""Watched folders: new, changed, moved and deleted photos flow into the index by themselves.

Threads: watchdog's observer threads run ``_Handler``, which only puts the raw event on an in-memory queue.
One worker thread owns everything else: it turns events into ``WorkQueue`` entries (persisted in the
catalog), waits until each file's (size, mtime) is stable for ``settle`` seconds, and hands due files to
``index_paths`` in one call, so a delete and a create of the same content (a move, a renamed folder)
land in the same run and keep their row with zero re-embeds. It also checks the folders: a vanished root
is marked offline, a returning one is rescanned, and lost inotify events (queue overflow, watch limit) lead
to a rescan of the folder plus a ``WatchWarning`` with the fix.

What it needs of the library is ``WatchedLibrary`` (``Library`` implements it; ``library.watcher()`` builds
one), so this module sits below the Library and never imports it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from photoclip.core.control import JobControl
from photoclip.core.errors import (
    CatalogError,
    FolderNotFoundError,
    ModelFormatError,
    ModelNotAvailableError,
    ReadOnlyCatalogError,
    user_error_for,
)
from photoclip.core.events import EventBus, WatchStatus, WatchWarning
from photoclip.core.filenames import path_inside
from photoclip.core.records import FolderRow, IndexSummary
from photoclip.core.scan import inotify_health
from photoclip.core.scan.availability import is_available
from photoclip.core.scan.queue import DELETE, RESCAN, UPSERT, Entry, WorkQueue
from photoclip.core.scan.volumes import choose_mode
from photoclip.core.scan.walker import SYSTEM_DIRS, is_photo_name
from photoclip.core.settings import Settings

DELETE_DIR = "delete_dir"
#: errors that stop the watcher: nothing can be indexed until the user acts
FATAL = (ModelNotAvailableError, ModelFormatError, CatalogError, ReadOnlyCatalogError)
INSTANCES_FIX = "sudo sysctl fs.inotify.max_user_instances=1024"
#: watchdog's event for lost events (a kernel queue overflow), by name: older watchdogs lack the class
EVENTS_LOST = "events_lost"
#: seconds between two overflow warnings for one folder (each loss still rescans it)
OVERFLOW_WARN_EVERY = 10.0


class IndexRunner(Protocol):
    """What indexes for the watcher: the library itself, or the app's indexing worker (one writer, and the
    user's pause and cancel apply)."""

    def index_folders(self, paths: list[Path | str] | None = None,
                      control: JobControl | None = None) -> IndexSummary: ...

    def index_paths(self, paths: list[str], control: JobControl | None = None) -> IndexSummary: ...


class WatchedLibrary(IndexRunner, Protocol):
    """What the watcher needs of a library (``Library`` implements it): indexing, its events, and a few reads
    and records of its catalog."""

    settings: Settings
    events: EventBus

    def folders(self) -> list[FolderRow]: ...

    def photo_paths_under(self, folder: str) -> list[str]: ...

    def work_queue(self, settle: float, delete_hold: float) -> WorkQueue: ...

    def mark_offline(self, folder_id: int) -> None: ...

    def watch_mode(self, root: str) -> str | None: ...

    def set_watch_mode(self, path: str | Path, mode: str) -> None: ...

    def was_mount(self, path: str) -> bool: ...

    def remember_if_mount(self, path: str) -> bool: ...


@dataclass
class WatchOptions:
    #: seconds a file's (size, mtime) must stay unchanged before it is read
    settle: float = 1.5
    #: seconds between two snapshots of a polled folder (network and FUSE mounts)
    poll_interval: float = 5.0
    #: seconds between checks that each folder is still there (offline volumes) or back
    health_interval: float = 2.0
    #: seconds between checks that every sub-folder of a natively watched folder has its inotify watch
    watch_check_interval: float = 60.0
    #: longest a delete waits for a create that is still settling (the other half of a move)
    delete_hold: float = 30.0
    #: reconcile everything that changed while photoclip was not running
    startup_rescan: bool = True
    #: folder path → "auto" | "native" | "poll"; wins over the per-folder setting stored in the catalog
    modes: dict[str, str] = field(default_factory=dict)


@dataclass
class _Folder:
    row: FolderRow
    mode: str
    online: bool = False
    #: the root was a mount point when last seen: a bare mount-point folder after unmount is not the volume
    was_mount: bool = False
    observer: BaseObserver | None = None

    @property
    def path(self) -> str:
        return self.row.path


class _Handler(FileSystemEventHandler):
    """Runs on watchdog's thread: no I/O, no catalog, just hand the event over."""

    def __init__(self, folder_id: int, sink: queue.SimpleQueue[tuple[int, FileSystemEvent]]) -> None:
        self._folder_id = folder_id
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._sink.put((self._folder_id, event))


def translate(root: str, event: FileSystemEvent) -> list[tuple[str, str]]:
    """(kind, path) work for one watchdog event; hidden folders, system folders and non-photos are ignored."""
    src = os.fsdecode(event.src_path)
    dest = os.fsdecode(event.dest_path) if event.dest_path else ""
    kind = event.event_type
    if event.is_directory:
        # a renamed folder's files arrive as synthesised per-file moves; a folder moved away gives none
        return [(DELETE_DIR, src)] if kind in ("deleted", "moved") and _wanted(root, src, is_dir=True) else []
    if kind in ("created", "modified", "closed", "attrib"):
        return [(UPSERT, src)] if _wanted(root, src) else []
    if kind == "deleted":
        return [(DELETE, src)] if _wanted(root, src) else []
    if kind == "moved":
        work = [(DELETE, src)] if src and _wanted(root, src) else []
        return work + ([(UPSERT, dest)] if dest and _wanted(root, dest) else [])
    return []


def _partners(work: list[tuple[str, str]]) -> dict[str, str]:
    """path → other half, when one event is both a delete and an upsert (a move within the folder)."""
    if len(work) == 2 and work[0][0] == DELETE and work[1][0] == UPSERT:
        return {work[0][1]: work[1][1], work[1][1]: work[0][1]}
    return {}


def _wanted(root: str, path: str, is_dir: bool = False) -> bool:
    rel = os.path.relpath(path, root)
    if rel == ".":
        return is_dir
    if rel == ".." or rel.startswith(".." + os.sep):
        return False
    parts = rel.split(os.sep)
    folders = parts if is_dir else parts[:-1]
    if any(p.startswith(".") or p.lower() in SYSTEM_DIRS for p in folders):
        return False
    return is_dir or is_photo_name(parts[-1])


class Watcher:
    """Keeps a library's folders indexed while it runs. ``start()`` returns at once; ``stop()`` is clean."""

    def __init__(self, library: WatchedLibrary, paths: list[str | Path] | None = None,
                 options: WatchOptions | None = None, *, indexer: IndexRunner | None = None) -> None:
        """``indexer``: what runs the indexing (default: ``library``)."""
        self.library = library
        self._indexer: IndexRunner = indexer if indexer is not None else library
        self.options = options or WatchOptions()
        self._only = {str(Path(p).expanduser().resolve()) for p in paths} if paths else None
        self.work = library.work_queue(self.options.settle, self.options.delete_hold)
        self._raw: queue.SimpleQueue[tuple[int, FileSystemEvent]] = queue.SimpleQueue()
        self._folders: dict[int, _Folder] = {}
        self._stop = threading.Event()
        self._control = JobControl()
        self._thread: threading.Thread | None = None
        self._overflows: list[tuple[str | None, int | None]] = []
        self._overflow_lock = threading.Lock()
        self._hook = inotify_health.OverflowHook(self._on_overflow, self._on_unwatched)
        #: folder id -> when its last overflow warning was shown (one loss is reported by a log line and an event)
        self._overflow_warned: dict[int, float] = {}
        self._state = "starting"
        self._last_status: WatchStatus | None = None
        self._busy = False
        self._next_health = 0.0
        self._next_watch_check = float("inf")
        self.processed = 0
        #: a fatal error that stopped the worker (the model could not load, the catalog is broken)
        self.error: BaseException | None = None

    # lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._hook.install()
        self._thread = threading.Thread(target=self._run, name="photoclip-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30) -> None:
        """Stop watching; a batch in progress is cancelled (its files stay queued for the next start)."""
        self._stop.set()
        self._control.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
        self._hook.remove()

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> WatchStatus:
        online = [f for f in self._folders.values() if f.online]
        return WatchStatus(
            state=self._state, watched=sum(f.mode == "native" for f in online),
            polled=sum(f.mode == "poll" for f in online), offline=len(self._folders) - len(online),
            pending=len(self.work), processed=self.processed,
        )

    def idle(self) -> bool:
        """Nothing queued, settling or being indexed (tests and benchmarks wait for this)."""
        return not self._busy and self._raw.empty() and len(self.work) == 0 and self._state == "watching"

    def set_mode(self, path: str | Path, mode: str) -> None:
        """Remember "auto", "native" or "poll" for a folder (for the root that holds it: roots are what is
        watched); applies when the folder is next (re)started."""
        self.library.set_watch_mode(path, mode)

    # worker thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._guarded(self._startup)
            while not self._stop.is_set():
                self._guarded(self._tick)
                self._stop.wait(self._tick_seconds())
        except Exception as exc:  # FATAL, or a bug: kept for the caller (the CLI reports it), never printed
            self.error = exc
        finally:
            for folder in self._folders.values():
                self._stop_observer(folder)
            with contextlib.suppress(Exception):
                self.work.persist()
            self._state = "stopped"
            self._emit_status()

    def _tick_seconds(self) -> float:
        return max(0.02, min(0.1, self.options.settle / 5))

    def _startup(self) -> None:
        self.work.load()
        self._refresh_folders(startup=True)
        try:
            if self.options.startup_rescan:
                self._set_state("scanning")
                online: list[Path | str] = [f.path for f in self._folders.values() if f.online]
                if online:
                    self._count(self._indexer.index_folders(online, self._control))
        finally:
            self._set_state("watching")

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except FATAL:
            raise
        except FolderNotFoundError:
            self._next_health = 0.0  # it vanished between the check and the scan: the next tick marks it offline
        except Exception as exc:  # one bad tick (a full disk, a file system hiccup) must not end the watcher
            known = user_error_for(exc, self.library.settings.data_dir)
            if isinstance(known, FATAL):  # a read-only catalog: nothing can be indexed until the user acts
                raise known from exc
            if known is not None:
                self.library.events.emit(WatchWarning("", "error", known.user_message, known.hint))
            else:
                self.library.events.emit(WatchWarning("", "error", f"watcher error: {type(exc).__name__}: {exc}"))
            self._stop.wait(1.0)

    def _tick(self) -> None:
        now = time.monotonic()
        self._busy = not self._raw.empty()  # so idle() is never true between draining and queueing
        self._drain()
        self._handle_overflows()
        if now >= self._next_health:
            self._next_health = now + self.options.health_interval
            self._refresh_folders()
        if now >= self._next_watch_check:
            self._check_watches()
        self.work.persist()
        batch = self.work.take_due()
        self._busy = self._busy or bool(batch.rescans or batch.files)
        for entry in batch.rescans:
            self._rescan(entry)
        if batch.files:
            self._process(batch.files)
        self.work.persist()
        self._busy = False
        self._emit_status()

    # events --------------------------------------------------------------------------------------------
    def _drain(self) -> None:
        now = time.monotonic()
        while True:
            try:
                folder_id, event = self._raw.get_nowait()
            except queue.Empty:
                return
            folder = self._folders.get(folder_id)
            if folder is None or not folder.online:
                continue
            if event.event_type == EVENTS_LOST:  # watchdog >= 7.1.1 says so itself (older ones only log it)
                self._on_overflow(folder.path, None)
                continue
            work = translate(folder.path, event)
            partners = _partners(work)
            for kind, path in work:
                self._enqueue(folder, kind, path, now, partners.get(path))

    def _enqueue(self, folder: _Folder, kind: str, path: str, now: float, partner: str | None = None) -> None:
        if kind != DELETE_DIR:
            self.work.add(path, folder.row.id, kind, now, partner)
        elif path == folder.path:
            self._next_health = 0.0  # the root itself went away: check at once whether it is offline
        else:
            for photo in self.library.photo_paths_under(path):
                self.work.add(photo, folder.row.id, DELETE, now)

    def _on_overflow(self, path: str | None, thread_id: int | None) -> None:
        with self._overflow_lock:  # watchdog's thread: record only
            self._overflows.append((path, thread_id))

    def _on_unwatched(self) -> None:
        """watchdog logged that a new sub-folder could not be watched (the silent kernel form, where watchdog
        says anything at all): check every folder's watches at the next tick instead of within a minute."""
        self._next_watch_check = 0.0

    def _handle_overflows(self) -> None:
        with self._overflow_lock:
            seen, self._overflows = self._overflows, []
        hit: set[int] = set()
        for path, thread_id in seen:
            hit |= self._overflow_folders(path, thread_id)
        now = time.monotonic()
        for folder_id in hit:
            folder = self._folders[folder_id]
            self.work.add(folder.path, folder_id, RESCAN)  # one entry per folder: repeats merge
            if now - self._overflow_warned.get(folder_id, -OVERFLOW_WARN_EVERY) >= OVERFLOW_WARN_EVERY:
                self._overflow_warned[folder_id] = now
                self._warn(folder, "overflow",
                           "Too many changes at once: the system dropped some change events. Rescanning the folder.",
                           inotify_health.OVERFLOW_FIX)

    def _overflow_folders(self, path: str | None, thread_id: int | None) -> set[int]:
        native = [f for f in self._folders.values() if f.online and f.mode == "native" and f.observer]
        if path is not None:
            return {f.row.id for f in native if f.path == path.rstrip(os.sep)}
        readers = {_reader_thread(f.observer): f.row.id for f in native}
        if None in readers:  # cannot tell which observer overflowed: rescan them all
            return {f.row.id for f in native}
        return {readers[thread_id]} if thread_id in readers else set()

    # processing ----------------------------------------------------------------------------------------
    def _process(self, entries: list[Entry]) -> None:
        live, dropped = [], []
        for entry in entries:
            folder = self._folders.get(entry.folder_id)
            if folder is None or not folder.online or not self._available(folder):
                dropped.append(entry)  # offline: the rescan when it returns covers these files
            else:
                live.append(entry)
        if live:
            self._set_state("indexing")
            try:
                summary = self._indexer.index_paths([e.path for e in live], self._control)
            finally:
                self._set_state("watching")
            if summary.cancelled:
                return
            self._count(summary)
        self.work.done(live + dropped)

    def _rescan(self, entry: Entry) -> None:
        folder = self._folders.get(entry.folder_id)
        if folder is not None and folder.online and self._available(folder):
            self._set_state("scanning")
            try:
                summary = self._indexer.index_folders([folder.path], self._control)
            finally:
                self._set_state("watching")
            if summary.cancelled:
                return
            self._count(summary)
        self.work.done([entry])

    def _count(self, summary: IndexSummary) -> None:
        self.processed += summary.added + summary.updated + summary.moved + summary.removed + summary.reused

    # folders -------------------------------------------------------------------------------------------
    def _refresh_folders(self, startup: bool = False) -> None:
        rows = _outermost(self.library.folders())
        if self._only is not None:  # a folder asked for inside a root: the root is watched
            rows = [r for r in rows if any(p == r.path or path_inside(p, r.path) for p in self._only)]
        ids = {r.id for r in rows}
        for folder_id in [i for i in self._folders if i not in ids]:  # removed, or folded into a new root
            self.work.drop_folder(folder_id)  # the new root's own rescan covers its files
            self._stop_observer(self._folders.pop(folder_id))
        for row in rows:
            folder = self._folders.get(row.id)
            known = folder is not None
            if folder is None:
                folder = self._folders[row.id] = self._new_folder(row)
            available = self._available(folder)
            if available and not folder.online:
                self._go_online(folder, rescan=not startup, returning=known)
            elif not available and (folder.online or not known):
                self._go_offline(folder)

    def _new_folder(self, row: FolderRow) -> _Folder:
        return _Folder(row, self._mode_for(row.path), was_mount=self.library.was_mount(row.path))

    def _mode_for(self, path: str) -> str:
        override = self.options.modes.get(path) or self.library.watch_mode(path)
        return choose_mode(path, override)

    @staticmethod
    def _available(folder: _Folder) -> bool:
        return is_available(folder.path, folder.was_mount)

    def _go_online(self, folder: _Folder, rescan: bool, returning: bool) -> None:
        folder.online = True
        folder.was_mount = self.library.remember_if_mount(folder.path) or folder.was_mount
        self._start_observer(folder)
        if rescan:  # a new folder, or back from offline: reconcile reuses every unchanged photo
            self.work.add(folder.path, folder.row.id, RESCAN)
        if returning:
            self._warn(folder, "online", "The folder is back; checking it for changes.")

    def _go_offline(self, folder: _Folder) -> None:
        folder.online = False
        self._stop_observer(folder)
        self.library.mark_offline(folder.row.id)
        self.work.drop_folder(folder.row.id)
        self._warn(folder, "offline", "The folder is not reachable (drive unplugged or share unmounted); "
                                      "its photos stay searchable and are checked again when it returns.")

    def _start_observer(self, folder: _Folder) -> None:
        observer = self._make_observer(folder)
        try:
            observer.schedule(_Handler(folder.row.id, self._raw), folder.path, recursive=True)
            observer.start()
        except OSError as exc:
            if folder.mode != "native" or exc.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            observer.stop()  # closes its inotify instance: the watches it did get go back to the pool
            self._poll_instead(folder, exc)
            return
        folder.observer = observer
        if folder.mode == "native":
            self._check_folder_watches(folder)
            self._next_watch_check = time.monotonic() + self.options.watch_check_interval

    def _make_observer(self, folder: _Folder) -> BaseObserver:
        if folder.mode == "poll":
            return PollingObserver(timeout=self.options.poll_interval)
        try:
            return Observer()
        except OSError as exc:  # EMFILE: the per-user inotify instance limit (older watchdog raises it here)
            if exc.errno != errno.EMFILE:
                raise
            self._poll_instead(folder, exc, start=False)
            return PollingObserver(timeout=self.options.poll_interval)

    def _poll_instead(self, folder: _Folder, exc: OSError, start: bool = True) -> None:
        """inotify refused the folder outright (the kernel form that raises): poll it. Nothing was missed, so
        no rescan beyond the one that comes with starting the folder."""
        if exc.errno == errno.ENOSPC:
            self._warn_watch_limit(folder, "watching could not start for this folder")
        else:
            self._warn(folder, "watch_failed", f"Cannot watch the folder for changes ({exc}); polling it instead.",
                       INSTANCES_FIX)
        folder.mode = "poll"
        if start:
            self._start_observer(folder)

    def _warn_watch_limit(self, folder: _Folder, what: str) -> None:
        limit = inotify_health.read_limit("max_user_watches")
        self._warn(
            folder, "watch_limit",
            f"The system's limit on watched folders ({limit if limit is not None else 'unknown'}) is reached: "
            f"{what}. Polling this folder instead, which notices changes later and costs more.",
            inotify_health.WATCH_LIMIT_FIX,
        )

    def _stop_observer(self, folder: _Folder) -> None:
        observer, folder.observer = folder.observer, None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join(5)

    def _check_watches(self) -> None:
        self._next_watch_check = time.monotonic() + self.options.watch_check_interval
        for folder in list(self._folders.values()):
            if folder.online and folder.mode == "native":
                self._check_folder_watches(folder)

    def _check_folder_watches(self, folder: _Folder) -> None:
        """Sub-folders inotify could not watch (``max_user_watches`` reached): poll the folder instead."""
        missing = inotify_health.unwatched_dirs(folder.path)
        if missing:
            time.sleep(0.3)  # a folder created a moment ago may be getting its watch right now
            missing = sorted(set(missing) & set(inotify_health.unwatched_dirs(folder.path) or []))
        if not missing:
            return
        self._warn_watch_limit(folder, f"{len(missing)} sub-folders are not watched (e.g. {missing[0]})")
        self._stop_observer(folder)
        folder.mode = "poll"
        self._start_observer(folder)
        self.work.add(folder.path, folder.row.id, RESCAN)

    # events out ----------------------------------------------------------------------------------------
    def _warn(self, folder: _Folder, reason: str, message: str, fix: str = "") -> None:
        self.library.events.emit(WatchWarning(folder.path, reason, message, fix))

    def _set_state(self, state: str) -> None:
        self._state = state
        self._emit_status()

    def _emit_status(self) -> None:
        status = self.status()
        if status != self._last_status:
            self._last_status = status
            self.library.events.emit(status)


def _outermost(rows: list[FolderRow]) -> list[FolderRow]:
    """Roots not inside another root: one observer per tree, never two over the same files (a read-only
    catalog from before roots could not nest may still list nested ones)."""
    return [r for r in rows if not any(path_inside(r.path, o.path) for o in rows)]


def _reader_thread(observer: BaseObserver | None) -> int | None:
    """Thread id of an inotify observer's reader (watchdog 7 keeps one per observer), None if unknown."""
    reader = getattr(observer, "_inotify_fd", None)
    return getattr(reader, "ident", None)
