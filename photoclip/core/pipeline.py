"""The indexing pipeline: walk → reconcile → decode pool → batched embedding → one transaction per batch.

The calling thread owns the model and the catalog writer; decode workers only read files, hash, decode
and prepare model input. Read-ahead is bounded so memory stays flat on a 100k-photo folder. Other index jobs
may write to the same library (the app, ``watch``, a second ``photoclip index``): each batch is embedded and
committed under the library's writer lock, after dropping what they embedded meanwhile (``core/job_lock.py``).

Without a model (offline, still downloading, the first-run dialog cancelled) the same pipeline runs as a
*catalog pass* (``embedder=None``): each photo is read, hashed, dated and thumbnailed and recorded without a
vector, so the library can be browsed at once. The next run with the model reads and decodes each catalogued
photo once more, to embed it (its row, date and thumbnail stay).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from photoclip.core.balance import Balancer
from photoclip.core.control import JobControl
from photoclip.core.decode_worker import DecodeJob, DecodeOutcome, decode_file, decode_in_process, init_process
from photoclip.core.decode_worker import content_hash as content_hash
from photoclip.core.embed.base import Embedder
from photoclip.core.events import EventBus, FileFailed, IndexProgress, IndexWaiting, ScanFinished
from photoclip.core.imaging.decode import DEFAULT_MAX_PIXELS
from photoclip.core.imaging.thumbnails import ThumbnailCache
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.records import FolderRow, IndexSummary, PhotoRecord
from photoclip.core.scan.availability import is_available, mounts_inside, remember_if_mount, was_mount
from photoclip.core.scan.parallel_walk import (
    PARALLEL_WALK_MIN,
    Comparison,
    ParallelRescan,
    ParallelWalk,
    walking_processes,
)
from photoclip.core.scan.reconcile import FolderTable, Plan, WorkItem, reconcile, reconcile_walk
from photoclip.core.scan.walker import FileEntry, WalkedAhead, entry_for, is_photo_name, walk_listings
from photoclip.core.store.catalog import Catalog

PROGRESS_INTERVAL = 0.2
INDEX_SAVE_INTERVAL = 60.0
#: Decoded photos waiting for the model are bounded by count (two batches ahead) and by memory: a 384 px
#: model input is 1.7 MB a photo, so large models read ahead less.
READ_AHEAD_BYTES = 64 << 20
#: threads is the default: on 2 cores, 48 × 12 MP JPEGs with a tiny model (decode-bound), 2 threads indexed
#: 47 photos/s and 2 low-priority spawned processes 35 (start-up, 600 KB arrays pickled per photo); with
#: ViT-B/32 (model-bound) both gave 12 (docs/benchmarks.md). Pillow and numpy release the GIL while decoding.
DECODE_MODES = ("threads", "processes")
#: a catalog pass decodes at the default model's scale: the same draft decode and thumbnail as a model pass
CATALOG_MIN_SIDE = 224
#: the smallest batch embedded early, while the next photo is still decoding (a B/32 int8 tower, measured: a
#: few % more a photo at 4 than at 16 on one thread, 10-15% at 1)
EARLY_BATCH = 4

log = logging.getLogger(__name__)

#: the library's writer lock for one batch, told (holder) when it has to wait: ``JobLock.writing``
WriterLock = Callable[[Callable[[str], None]], AbstractContextManager]


@dataclass
class _Decoded(DecodeOutcome):
    """A decode worker's outcome with the work item it belongs to."""

    item: WorkItem = field(kw_only=True)


class Indexer:
    def __init__(
        self,
        catalog: Catalog,
        index: VectorIndex | Callable[[], VectorIndex] | None,
        embedder: Embedder | None,
        thumbnails: ThumbnailCache,
        bus: EventBus,
        *,
        batch_size: int = 16,
        decode_workers: int | None = 1,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        decode_mode: str = "threads",
        writer: WriterLock | None = None,
        model_threads: int | None = None,
        start_threads: int = 1,
        reserve: Callable[[], int] | None = None,
    ) -> None:
        """``decode_workers`` / ``model_threads``: fixed counts, or None to size them from the stage costs
        measured while running (``core/balance.py``); ``start_threads``: the model's count before it is measured
        (when the embedder does not say); ``reserve()``: cores to leave to the desktop now. ``embedder`` and
        ``index`` None: a catalog pass (see the module's doc). ``index`` may also be what opens it: only a run
        with something to embed opens it then (a GB-sized file at a million photos)."""
        self.catalog = catalog
        self._index: VectorIndex | None = None if callable(index) else index
        self._open_index = index if callable(index) else None
        self.embedder = embedder
        self.thumbnails = thumbnails
        self.bus = bus
        self.batch_size = batch_size
        self.decode_workers = decode_workers
        self.model_threads = model_threads
        self.start_threads = start_threads
        self.reserve = reserve or (lambda: 0)
        self.max_pixels = max_pixels
        self.decode_mode = decode_mode
        self.writer = writer

    @property
    def index(self) -> VectorIndex | None:
        if self._index is None and self._open_index is not None:
            self._index = self._open_index()
        return self._index

    # planning ------------------------------------------------------------------------------------------
    def plan(self, folders: list[FolderRow], summary: IndexSummary) -> Plan:
        plan = Plan()
        counts = self.catalog.folder_counts()
        for folder in folders:
            if not is_available(folder.path, was_mount(self.catalog, folder.path)):
                # An unplugged drive or unmounted share: keep its photos (searchable, marked offline).
                self.catalog.set_photos_status(folder.id, "offline")
                self.catalog.set_folder_state(folder.id, "offline")
                summary.offline_folders.append(folder.path)
                continue
            remember_if_mount(self.catalog, folder.path)
            if folder.state == "offline":
                self.catalog.set_photos_status(folder.id, "indexed")
            # a share inside it, unmounted: offline, left out
            away = [m for m in mounts_inside(self.catalog, folder.path) if not self._share_inside(m, summary)]
            photos = sum(counts.get(folder.id, {}).values())
            part = self._plan_folder(folder, photos, away)
            if folder.scope and part.missing:
                # photos gone from the folder being re-checked may have moved elsewhere in the root: only a
                # walk of all of it can tell a move (row and tags kept) from a deletion
                part = self._plan_folder(replace(folder, scope=None), photos, away)
            plan.add(part)
        summary.unchanged = plan.unchanged
        return plan

    def _plan_folder(self, folder: FolderRow, photos: int, away: list[str]) -> Plan:
        """One folder's walk (or its ``scope``'s) against its catalog rows. A whole folder the catalog holds
        ``PARALLEL_WALK_MIN`` photos of or more is walked by several processes (core/scan/parallel_walk.py), on
        the cores not left to the desktop, which compare it with its rows too unless shares inside it are away
        (their rows are left out: only the comparison here knows how)."""
        model_id = self.embedder.model_id if self.embedder is not None else None
        workers = walking_processes(self.reserve())
        parallel = not folder.scope and photos >= PARALLEL_WALK_MIN and workers > 1
        if parallel and not away:
            comparison = Comparison(str(self.catalog.db.path), folder.id, model_id)
            return ParallelRescan(Path(folder.path), workers, comparison).plan(self.catalog)
        plan = Plan()
        # the walk runs ahead in a thread while the catalog side is read: a scan of one folder inside the root
        # compares just that part of it; the catalog side as compact arrays, not a PhotoRow per photo (GBs at a
        # million photos)
        walked = Path(folder.scope or folder.path)
        with WalkedAhead(iter(ParallelWalk(walked, workers)) if parallel else walk_listings(walked)) as listings:
            table = FolderTable.of(*self.catalog.folder_fingerprints(folder.id, model_id, folder.scope, away))
            reconcile_walk(plan, folder.id, listings, table, self.catalog.photo_by_path, self.catalog.photos_by_ids)
        return plan

    def _share_inside(self, mount: str, summary: IndexSummary) -> bool:
        """A share mounted inside a root (it was a root of its own): unmounted (False), its photos are kept
        offline and left out of the reconcile, as an unmounted root's are; mounted again (True), they are back."""
        if is_available(mount, mounted_before=True):
            self.catalog.set_status_under(mount, "offline", "indexed")
            return True
        self.catalog.set_status_under(mount, "indexed", "offline")
        summary.offline_folders.append(mount)
        return False

    def plan_paths(self, items: list[tuple[int, str]], known: set[str], summary: IndexSummary) -> Plan:
        """Plan for single files (watcher events): (folder id, path) pairs; a vanished path is a removal."""
        plan = Plan()
        for folder_id, path in items:
            rows = {}
            row = self.catalog.photo_by_path(path)
            if row is not None:
                rows[path] = row
            entry = stat_entry(path)
            reconcile(plan, folder_id, [entry] if entry else [], rows, known)
        summary.unchanged = plan.unchanged
        return plan

    # running -------------------------------------------------------------------------------------------
    def run(self, folders: list[FolderRow], control: JobControl | None = None) -> IndexSummary:
        """Full reconcile of whole folders: new, changed, moved and deleted files."""
        summary = IndexSummary()
        started = time.monotonic()
        seen = self._seen()
        plan = self.plan(folders, summary)
        # every vector's hash (100 MB at a million photos) only when there is something to read
        known = self._known_hashes() if plan.todo else set()
        self._execute(plan, known, summary, control or JobControl(), started, seen)
        if self._index is not None:  # opened by this run (or given): saved
            self._index.save()
        if not summary.cancelled:
            for folder in folders:
                if folder.path not in summary.offline_folders:
                    self.catalog.set_folder_state(folder.id, "ok", scanned=True)
        return summary

    def run_paths(self, items: list[tuple[int, str]], control: JobControl | None = None) -> IndexSummary:
        """Index or remove just these files; a delete and a create of the same content become a move."""
        summary = IndexSummary()
        started = time.monotonic()
        seen, known = self._seen(), self._known_hashes()
        plan = self.plan_paths(items, known, summary)
        self._execute(plan, known, summary, control or JobControl(), started, seen)
        return summary

    def _seen(self) -> int:
        """The highest embedding id now: read before the hashes (see _Run.seen_id)."""
        return self.catalog.embedding_stats(self.embedder.model_id)[1] if self.embedder is not None else 0

    def _known_hashes(self) -> set[str]:
        """Content hashes needing no work: the model's vectors; for a catalog pass, the content already
        catalogued (its thumbnail, date and size are stored)."""
        if self.embedder is None:
            return self.catalog.catalogued_hashes()
        return self.catalog.known_hashes(self.embedder.model_id)

    def _execute(self, plan: Plan, known: set[str], summary: IndexSummary, control: JobControl,
                 started: float, seen_id: int) -> None:
        self.bus.emit(ScanFinished(len(plan.todo) + plan.unchanged, len(plan.todo), plan.unchanged))
        if plan.todo:
            self.index  # noqa: B018 -- opened (and caught up) before the first batch commits, as always
        _Run(self, plan, known, summary, control, started, seen_id).execute()
        if not summary.cancelled:
            summary.removed = self.catalog.delete_photos(plan.missing)
        if self._index is not None:
            self._index.save_if_due(INDEX_SAVE_INTERVAL)
        summary.seconds = round(time.monotonic() - started, 3)


#: how often a wait for a decoded photo checks that the decode processes are all still alive
WORKER_CHECK_INTERVAL = 1.0


def _result(pool: Executor, future: Future, on_wait: Callable[[], None]) -> DecodeOutcome:
    """``future.result()``, but a dead decode process raises BrokenProcessPool instead of waiting forever;
    ``on_wait`` runs every second spent waiting (progress stays current while a slow file decodes).

    ProcessPoolExecutor notices a dead worker through the sentinels its manager thread waits on, but a worker
    spawned while the manager was already waiting is not among them (CPython 3.11), so a worker killed then
    (out of memory, by hand) left the run hanging on a result that never comes.
    """
    while True:
        try:
            return future.result(timeout=WORKER_CHECK_INTERVAL)
        except TimeoutError:
            if _dead_workers(pool):
                raise BrokenProcessPool("a decode process stopped") from None
            on_wait()


def _dead_workers(pool: Executor) -> list:
    processes = getattr(pool, "_processes", None) or {}  # ProcessPoolExecutor's pid -> Process
    return [p for p in list(processes.values()) if p.exitcode is not None]


def _stop_workers(pool: Executor) -> None:
    """Terminate what is left of a broken process pool, so nothing lingers after the run (or at exit)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.exitcode is None:
            process.terminate()


def _succeeded(future: Future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _no_model_input(image) -> None:
    """A catalog pass prepares no model input (there is no model yet)."""
    return None


def stat_entry(path: str) -> FileEntry | None:
    """The walker's view of one file (a problem entry for a pipe, a device, a broken link), or None when it is
    gone or not a photo."""
    if not is_photo_name(os.path.basename(path)):
        return None
    return entry_for(path)


class Slots:
    """A semaphore whose size can change while threads wait on it (decode threads allowed to run at once),
    taken in the order threads came to it: the pool hands out files in the run's order and the model takes
    them in that order, so a thread that leaves a slot and comes back with the next file must not go before
    one already waiting (the model then waited up to a second for one photo while later ones decoded)."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._taken = 0
        #: tickets in the order threads came; ``_serving`` is the next one let in
        self._tickets = 0
        self._serving = 0
        self._changed = threading.Condition()

    def resize(self, size: int) -> None:
        with self._changed:
            self._size = max(1, size)
            self._changed.notify_all()

    def __enter__(self) -> Slots:
        with self._changed:
            ticket, self._tickets = self._tickets, self._tickets + 1
            self._changed.wait_for(lambda: self._taken < self._size and ticket == self._serving)
            self._serving += 1
            self._taken += 1
            self._changed.notify_all()  # the next ticket may fit too (a slot was free for more than one)
        return self

    def __exit__(self, *exc) -> None:
        with self._changed:
            self._taken -= 1
            self._changed.notify_all()


class _Run:
    """State of one indexing run (kept out of Indexer so the Indexer stays reusable)."""

    def __init__(
        self, indexer: Indexer, plan: Plan, known: set[str], summary: IndexSummary, control: JobControl,
        started: float, seen_id: int = 0,
    ) -> None:
        self.ix = indexer
        self.plan = plan
        self.known = known
        self.summary = summary
        self.control = control
        self.started = started
        self.missing_by_hash = {row.content_hash: row for row in plan.missing.values() if row.content_hash}
        self.to_embed: list[_Decoded] = []
        self.records: list[PhotoRecord] = []
        self.done = 0
        self.last_progress = 0.0
        self.in_processes = False
        #: ``known`` holds every vector up to this embedding id; those above were embedded since
        self.seen_id = seen_id
        self.waited = False
        embedder = self.ix.embedder
        #: no model: record photos without vectors (a catalog pass)
        self.catalog_only = embedder is None
        #: what every decode (thread or process) needs; built once per run
        self.job = DecodeJob(self._input_size(), self.ix.max_pixels, self.ix.thumbnails.root,
                             getattr(embedder, "preprocess_config", None))
        self.prepare = _no_model_input if embedder is None else (self.job.preprocess or embedder.prepare)
        threads = indexer.model_threads or getattr(embedder, "threads", None) or indexer.start_threads
        self.balancer = Balancer(workers=indexer.decode_workers, threads=indexer.model_threads,
                                 start_threads=threads, reserve=indexer.reserve())
        #: the next batch is the first at a new thread count (or after loading): not a fair measurement
        self.warming = True
        #: decode threads that may run at once (the balancer's count; the pool may hold more threads)
        self.slots = Slots(self.balancer.workers)
        #: every photo is decoded: the model has the cores (``_tail``) and the balancer is not asked again
        self.tail = False
        self._adopt_streams()

    def _adopt_streams(self) -> None:
        """A model of independent streams shares the cores with decoding (``Balancer.shares_cores``); known
        when it is loaded, which a library's model is by the first batch. Streams of several threads each (more
        cores than ``MAX_STREAMS``) wait for their own threads when crowded: they are balanced, not shared."""
        embedder = self.ix.embedder
        if (self.balancer.streams or getattr(embedder, "streams", 1) <= 1
                or getattr(embedder, "stream_threads", 1) > 1):
            return
        self.balancer.model_streams()
        self.slots.resize(self.balancer.workers)
        if getattr(embedder, "threads", None) != self.balancer.threads:
            self._set_model_threads(self.balancer.threads)  # a change costs nothing

    def execute(self) -> None:
        todo = deque(self.plan.todo)
        pending: deque[tuple[WorkItem, Future]] = deque()
        pool = self._start_pool(len(todo))
        try:
            while todo or pending:
                # files wait in the pool's queue, so a worker goes on while this thread embeds a batch; how many
                # decode at once is the balancer's (``slots``: threads; processes: the pool's size)
                while todo and len(pending) < self._read_ahead() and not self.control.cancelled:
                    try:
                        pending.append((todo[0], self._submit(pool, todo[0])))
                    except BrokenProcessPool:  # a broken pool refuses new work too
                        pool, pending = self._to_threads(pool, pending)
                        continue
                    todo.popleft()
                if not self.control.wait_if_paused(timeout=None) or not pending:
                    break
                if not todo and not self.tail and all(f.done() for _, f in pending):
                    self._tail(len(self.to_embed) + len(pending))
                item, future = pending.popleft()
                if not future.done() and self._embed_while_waiting(len(todo) + len(pending) + 1):
                    self._flush(embed=True)
                try:
                    # while decoding stalls (a slow share, a huge file), the last throttled progress is sent
                    # and the rate and ETA keep moving, instead of the count freezing where it was
                    outcome = _result(pool, future, on_wait=lambda: self._progress(force=True))
                except BrokenProcessPool:
                    pending.appendleft((item, future))
                    pool, pending = self._to_threads(pool, pending)
                    continue
                self._accept(_Decoded(**outcome.__dict__, item=item))
                self._progress()
            if self.control.cancelled:
                self.summary.cancelled = True
                for _, fut in pending:
                    fut.cancel()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # On cancel the half-filled batch is dropped (not committed), so the next run redoes just those files.
        self._flush(embed=not self.summary.cancelled)
        self._progress(force=True)
        self.summary.decode_workers, self.summary.model_threads = self.balancer.workers, self.balancer.threads

    def _tail(self, backlog: int) -> None:
        """Every photo is decoded and ``backlog`` wait for the model: the cores decoding used are the model's
        now, where that pays for the change (a small folder's model-bound last second, at most)."""
        self.tail = True
        threads = self.balancer.tail_threads(backlog)
        if threads != self.balancer.threads and self._set_model_threads(threads):
            log.info("the last %d photos: %d model threads", backlog, threads)
            self.balancer.threads, self.warming = threads, True

    def _set_model_threads(self, threads: int) -> bool:
        """Run the model on ``threads`` threads from the next batch; False where it cannot change."""
        set_threads = getattr(self.ix.embedder, "set_threads", None)
        return set_threads is not None and bool(set_threads(threads))

    def _embed_while_waiting(self, left: int) -> bool:
        """Embed what is decoded now instead of waiting for a full batch while the next photo decodes (``left``:
        photos of this run not yet decoded or accepted): as the run starts (batches of 4, then as many as are
        embedded so far, up to a full one), so the model does not idle until a whole batch is decoded; and in
        the run's last batch, so the model embeds while the last photos decode instead of after them. In
        between, batches stay full (a commit each, and the model's best rate)."""
        waiting, batch = len(self.to_embed), self.ix.batch_size
        if waiting < EARLY_BATCH:
            return False
        return waiting + left <= batch or waiting >= min(batch, max(EARLY_BATCH, self.summary.embedded))

    # worker side (decode threads or processes) ---------------------------------------------------------
    def _start_pool(self, files: int) -> Executor:
        job = self.job
        # One file (the watcher) is not worth a process. A frozen app works too: its entry points call
        # multiprocessing.freeze_support() (installers/entry), so a spawned worker runs as a worker.
        wanted = self.ix.decode_mode == "processes" and files > 1
        if wanted and job.preprocess is not None:
            try:
                # spawn: safe beside the GUI's and the model's threads (fork would copy their locks)
                # the pool's size is how many decode at once: fixed for the run (processes cannot be told)
                pool = ProcessPoolExecutor(self.ix.decode_workers or self.balancer.workers,
                                           mp_context=multiprocessing.get_context("spawn"),
                                           initializer=init_process, initargs=(job, frozenset(self.known)))
                self.in_processes = True
                self.summary.decoded_in = "processes"
                return pool
            except (OSError, ValueError, NotImplementedError) as exc:
                log.warning("cannot start decode processes (%s); decoding in threads", exc)
        return self._thread_pool()

    def _to_threads(self, pool: Executor, pending: deque[tuple[WorkItem, Future]]
                    ) -> tuple[Executor, deque[tuple[WorkItem, Future]]]:
        """A decode process died (killed, out of memory): the pool is unusable, so go on in threads. Results
        already decoded are kept; everything else pending is decoded again (each file is accepted once)."""
        log.warning("decode processes stopped; decoding in threads")
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_workers(pool)
        threads = self._thread_pool()
        self.summary.decoded_in = "processes, then threads (a decode process stopped)"
        return threads, deque((item, f) if _succeeded(f) else (item, self._submit(threads, item))
                              for item, f in pending)

    def _thread_pool(self) -> ThreadPoolExecutor:
        self.in_processes = False
        return ThreadPoolExecutor(self._pool_size(), thread_name_prefix="photoclip-decode")

    def _pool_size(self) -> int:
        """Threads the pool may start; how many decode at once is ``balancer.workers`` (``slots``)."""
        return self.ix.decode_workers or self.balancer.cores

    def _input_size(self) -> int:
        """The model's input side; a catalog pass decodes as the default model would (thumbnails alike)."""
        return self.ix.embedder.input_size if self.ix.embedder is not None else CATALOG_MIN_SIDE

    def _read_ahead(self) -> int:
        side = self._input_size()
        photos = READ_AHEAD_BYTES // max(1, 3 * side * side * 4)
        batch = self.ix.batch_size
        return max(batch + self.balancer.workers, min(2 * batch + self.balancer.workers, photos))

    def _submit(self, pool: Executor, item: WorkItem) -> Future:
        if item.entry.problem is not None:  # a pipe, a device, a broken link, an unreadable folder: never opened
            listed: Future = Future()
            listed.set_result(DecodeOutcome(None, error=item.entry.problem))
            return listed
        if self.in_processes:
            return pool.submit(decode_in_process, item.entry.path)
        return pool.submit(self._decode, item)

    def _decode(self, item: WorkItem) -> DecodeOutcome:
        with self.slots:
            return decode_file(item.entry.path, self.job, self.known, self.prepare)

    # owner side (this thread) --------------------------------------------------------------------------
    def _accept(self, result: _Decoded) -> None:
        self.done += 1
        if result.prepared is not None:
            self.balancer.decoded(result.cpu_ms)
        if result.error is not None:
            self.records.append(self._record(result, status="failed"))
            self.summary.failed += 1
            self.ix.bus.emit(FileFailed(result.item.entry.path, result.error))
        elif self.catalog_only and result.width is not None and not self._catalogued(result.content_hash):
            self._catalogue(result)
        elif (result.prepared is None or result.content_hash in self.known
              or any(d.content_hash == result.content_hash for d in self.to_embed)):
            # known: embedded earlier in this run (a decode process only knows the hashes from the start)
            self._reuse(result)
        else:
            self.to_embed.append(result)
        if len(self.to_embed) >= self.ix.batch_size or len(self.records) >= 4 * self.ix.batch_size:
            self._flush(embed=True)

    def _catalogued(self, digest: str | None) -> bool:
        """Content a catalog pass has recorded already (a copy decoded at the same time as its twin)."""
        return digest in self.known or any(r.content_hash == digest and r.status == "indexed" for r in self.records)

    def _catalogue(self, result: _Decoded) -> None:
        """A catalog pass's photo: its row with date, size and thumbnail, no vector (the model pass adds it)."""
        moved_from = self._claim_move(result)
        if moved_from is None:
            self._count_new(result)
        self.summary.catalogued += 1
        self.records.append(self._record(result, "indexed", moved_from.id if moved_from else None))

    def _reuse(self, result: _Decoded) -> None:
        """A file whose content already has a vector: a move keeps its row (and tags), a copy gets one."""
        moved_from = self._claim_move(result)
        if moved_from is not None:
            self.records.append(self._record(result, "indexed", moved_from.id, source=moved_from))
            return
        self.summary.reused += 1
        source = None if result.prepared is not None else self._metadata_donor(result.content_hash)
        self.records.append(self._record(result, "indexed", source=source))

    def _claim_move(self, result: _Decoded):
        """The vanished row this new path is a move of, if any (same content)."""
        if result.item.existing is not None:
            return None
        moved_from = self.missing_by_hash.pop(result.content_hash, None)
        if moved_from is not None:
            self.plan.missing.pop(moved_from.id, None)
            self.summary.moved += 1
        return moved_from

    def _metadata_donor(self, digest: str | None):
        """Copies share content, so their dimensions, date and camera come from the stored twin."""
        for row in self.plan.missing.values():
            if row.content_hash == digest:
                return row
        return self.ix.catalog.photo_with_content(digest) if digest else None

    def _record(self, result: _Decoded, status: str, replaces_id: int | None = None, source=None) -> PhotoRecord:
        entry = result.item.entry
        if result.item.existing is not None:
            replaces_id = result.item.existing.id
        meta = source or result
        return PhotoRecord(
            folder_id=result.item.folder_id, path=entry.path, size=entry.size, mtime_ns=entry.mtime_ns,
            content_hash=result.content_hash, status=status, width=meta.width, height=meta.height,
            taken_at=meta.taken_at, camera=meta.camera, error=result.error or result.note, replaces_id=replaces_id,
        )

    def _flush(self, embed: bool) -> None:
        batch, self.to_embed = (self.to_embed, []) if embed else ([], self.to_embed)
        ensure_loaded = getattr(self.ix.embedder, "ensure_loaded", None)
        if batch and ensure_loaded is not None:
            ensure_loaded()  # the first photo to embed loads the model, before taking the writer lock (not inside it)
            self._adopt_streams()
        # Embedding and committing a batch is one turn of the library's writer lock: another job's vectors
        # committed in between are seen before embedding, so no content is embedded twice.
        measured: tuple[int, float] | None = None
        with self._writer() if batch else nullcontext():
            batch = self._drop_embedded_elsewhere(batch) if batch else batch
            if batch:
                started = time.perf_counter()
                vectors = self.ix.embedder.embed_prepared(np.stack([d.prepared for d in batch]))
                measured = (len(batch), (time.perf_counter() - started) * 1000)
                for decoded, vector in zip(batch, vectors, strict=True):
                    moved_from = self._claim_move(decoded)
                    if moved_from is None:
                        self._count_new(decoded)
                    rec = self._record(decoded, "indexed", moved_from.id if moved_from else None)
                    self.records.append(PhotoRecord(**{**rec.__dict__, "vector": vector}))
                self.summary.embedded += len(batch)
            model_id = self.ix.embedder.model_id if self.ix.embedder is not None else None
            result = self.ix.catalog.commit_batch(model_id, self.records) if self.records else None
        if measured is not None:  # outside the writer lock: a new thread count may mean a recompile
            self._measured(*measured)
        if result is None:
            return
        if self.catalog_only:  # their copies later in this run need no decode
            self.known.update(r.content_hash for r in self.records if r.status == "indexed" and r.content_hash)
        self.records = []
        for path, reason in result.failed:  # stored as failed with its reason; the rest of the batch committed
            self.summary.failed += 1
            self.ix.bus.emit(FileFailed(path, reason))
        if result.added:
            added = result.added
            self.ix.index.add(np.array([i for i, _ in added]), np.stack([v for _, v in added]))
            self.known.update(d.content_hash for d in batch)
        if self.ix.index is not None:
            self.ix.index.save_if_due(INDEX_SAVE_INTERVAL)

    def _measured(self, images: int, wall_ms: float) -> None:
        """Feed the balancer one batch's model time, then apply its plan (model threads, decode workers)."""
        if self.warming:  # the first batch at a thread count warms caches and kernels
            self.warming = False
            return
        if self.tail:  # nothing decodes any more: the plan's trade-offs no longer apply
            return
        self.balancer.embedded(images, wall_ms, self.balancer.threads)
        before = self.balancer.threads
        plan = self.balancer.rebalance(self.ix.reserve())
        self.slots.resize(plan.workers)
        if plan.threads != before:
            if not self._set_model_threads(plan.threads):
                self.balancer.threads = before
                self.balancer.fixed_threads = before  # this embedder cannot change: stop proposing it
            else:
                self.warming = True
            log.info("balance: %d decode workers, %d model threads (predicted %.1f photos/s)",
                     self.balancer.workers, self.balancer.threads, plan.rate)

    def _writer(self) -> AbstractContextManager:
        return self.ix.writer(self._on_wait) if self.ix.writer is not None else nullcontext()

    def _on_wait(self, holder: str) -> None:
        if not self.waited:  # once per run: under contention every batch waits its turn
            self.waited = True
            self.ix.bus.emit(IndexWaiting(holder))

    def _drop_embedded_elsewhere(self, batch: list[_Decoded]) -> list[_Decoded]:
        """Learn the vectors committed since this run last looked (by other jobs, or its own batches) and
        reuse them for the photos of ``batch`` that have one now; returns the rest. Later decodes skip them."""
        since = self.ix.catalog.embedded_since(self.ix.embedder.model_id, self.seen_id)
        if not since:
            return batch
        self.seen_id = since[-1][0]
        self.known.update(digest for _, digest in since)
        for decoded in batch:
            if decoded.content_hash in self.known:
                self._reuse(decoded)
        return [d for d in batch if d.content_hash not in self.known]

    def _count_new(self, decoded: _Decoded) -> None:
        existing, entry = decoded.item.existing, decoded.item.entry
        if existing is None:
            self.summary.added += 1
        elif (existing.size, existing.mtime_ns, existing.status) != (entry.size, entry.mtime_ns, "indexed"):
            self.summary.updated += 1
        # else: the same file, catalogued (or indexed with another model) before: now only embedded

    def _progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_progress < PROGRESS_INTERVAL:
            return
        self.last_progress = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        total = len(self.plan.todo)
        eta = (total - self.done) / rate if rate > 0 and self.done else None
        self.ix.bus.emit(
            IndexProgress(self.done, total, self.summary.embedded, self.summary.reused + self.summary.moved,
                          self.summary.failed, rate, eta, paused=self.control.paused)
        )
