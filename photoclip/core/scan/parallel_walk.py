"""A big folder walked by several processes: the walk is a ``stat`` per file and a little Python for each, and in
one process the GIL lets it use one core (threads took turns: the catalog side, read beside it, gained nothing).

At a million photos an unchanged ``photoclip index`` spent 4.5 s of its 7.5 s walking (AMD EPYC, 2 cores);
two walking processes take 2.4 s (benchmarks/million.py). The parent lists the top of the tree itself until it
has a few sub-folders per process, then hands them out one at a time (uneven folders even out). A sub-folder's
listings are passed on only once its walk is complete, so when a walking process dies (killed, out of memory)
the parent walks the sub-folders it had left itself, and nothing is listed twice or lost.

``ParallelRescan`` goes one step further for a rescan: each process also reads the catalog rows inside the
sub-folders it walks and compares them, sending back only the plan, so no process reads, hashes or receives a
million paths (the whole unchanged rescan at 1M: 5.2-6.0 s -> 4.2-4.4 s).

Processes are spawned (the caller may have threads, and a frozen app starts children this way) at the caller's
priority, and end with it (``die_with_parent``)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from photoclip.core.scan.reconcile import FolderTable, Plan, reconcile_walk
from photoclip.core.scan.walker import Listing, list_folder, walk_listings
from photoclip.core.store.catalog import Catalog
from photoclip.core.store.db import Database

T = TypeVar("T")

#: a folder with at least this many photos in the catalog is walked by several processes: starting them costs
#: what they save at ~50k photos (walk alone, Zen 4: 0.21 s either way; at 100k 0.45 -> 0.34 s)
PARALLEL_WALK_MIN = 50_000
#: sub-folders handed out per walking process: small enough pieces that no process is left with a big last one
UNITS_PER_WORKER = 8


def walking_processes(reserve: int = 0) -> int:
    """Walking processes worth starting here: one per core not left to the desktop (``reserve``), at most four
    (beyond that the disk is the limit)."""
    return max(1, min((os.cpu_count() or 1) - reserve, 4))


class ParallelWalk:
    """``walk_listings(root)``'s listings (in another order) from ``workers`` processes::

        for listing in ParallelWalk(root, 2): ...
    """

    #: what the walking processes compare their sub-folders with (None: they only walk)
    comparison: Comparison | None = None

    def __init__(self, root: Path, workers: int, units_per_worker: int = UNITS_PER_WORKER) -> None:
        self.root, self.workers, self.units_per_worker = root, max(1, workers), units_per_worker
        #: the walking processes' ids while they run (tests end one to check nothing is lost)
        self.pids: list[int] = []

    def __iter__(self) -> Iterator[Listing]:
        own, units = self._top()
        yield from own
        if units:
            yield from self._walk_units(units)

    def _top(self) -> tuple[list[Listing], deque[str]]:
        """The top of the tree listed here (its folders' own files) until there are enough sub-folders to hand
        out: (those listings, the sub-folders)."""
        units: deque[str] = deque([str(self.root)])
        own: list[Listing] = []
        while units and len(units) < self.workers * self.units_per_worker:
            listing, subfolders = list_folder(units.popleft())
            units.extend(subfolders)
            if listing:
                own.append(listing)
        return own, units

    def _walk_units(self, units: deque[str]) -> Iterator[Listing]:
        for listings in self._by_unit(units, _listing, lambda unit: walk_listings(Path(unit))):
            yield from listings

    def _by_unit(self, units: deque[str], convert: Callable[[Any], T],
                 redo: Callable[[str], Iterable[T]]) -> Iterator[list[T]]:
        """Each unit's results once it is complete: its process's messages up to its None (``convert``-ed), or
        ``redo(unit)`` here for a unit whose process died (or where none could start)."""
        workers = self._start(min(self.workers, len(units))) if units else []
        busy: dict[Connection, tuple[str, list[T]]] = {}  # a process's unit and its results so far
        try:
            for _, conn in workers:
                _hand_out(conn, units, busy)
            while busy:
                ready = wait(list(busy))
                for conn in [c for c in busy if c in ready]:
                    unit, done = busy[conn]
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):  # the process died: its unit again, here
                        del busy[conn]
                        yield list(redo(unit))
                        continue
                    if message is not None:
                        done.append(convert(message))
                        continue
                    yield done  # the unit is complete
                    del busy[conn]
                    _hand_out(conn, units, busy)
            while units:  # every process died before the end
                yield list(redo(units.popleft()))
        finally:
            self._stop(workers)

    def _start(self, count: int) -> list[tuple[Any, Connection]]:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        started = []
        for _ in range(count):
            try:
                mine, theirs = context.Pipe()
                process = context.Process(target=serve, args=(theirs, os.getpid(), self.comparison),
                                          name="photoclip-walk", daemon=True)
                process.start()
            # no process can start here (AssertionError: this is a daemonic process, which multiprocessing
            # allows no children): the parent walks what is left
            except (OSError, RuntimeError, AssertionError):
                break
            theirs.close()
            started.append((process, mine))
            self.pids.append(process.pid or 0)
        return started

    def _stop(self, workers: list[tuple[Any, Connection]]) -> None:
        for _, conn in workers:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            conn.close()
        for process, _ in workers:
            process.join(timeout=2)
            if process.is_alive():  # the caller stopped early (a cancel) while it was walking
                process.kill()
                process.join()
        self.pids.clear()


@dataclass(frozen=True)
class Comparison:
    """What a walking process needs to compare the sub-folders it walks with their catalog rows itself."""

    catalog_path: str
    folder_id: int
    #: the model whose vectors make a photo current (None: a catalog pass)
    model_id: str | None

    def open(self) -> Catalog:
        return Catalog(Database(Path(self.catalog_path)))

    def unit(self, catalog: Catalog, unit: str, listings: Iterable[Listing]) -> tuple[Plan, np.ndarray]:
        """One sub-folder's walk against the rows inside it (a range of the path index): its plan, and the ids of
        the rows it compared."""
        table = FolderTable.of(*catalog.fingerprints_inside(self.folder_id, self.model_id, unit))
        plan = Plan()
        reconcile_walk(plan, self.folder_id, listings, table, catalog.photo_by_path, catalog.photos_by_ids)
        return plan, table.ids


class ParallelRescan(ParallelWalk):
    """A big folder's walk compared with the catalog by the walking processes: each reads the rows inside the
    sub-folders it walks and sends back only their plan, so no process reads, hashes or receives every path
    (at a million photos the parent's part was 1.6 s of reading and ~1 s of receiving and comparing). The
    parent compares the top of the tree it listed with the rows no process read (those, and the rows of
    sub-folders that are gone)::

        plan = ParallelRescan(root, 2, Comparison(catalog_path, folder_id, model_id)).plan(catalog)
    """

    def __init__(self, root: Path, workers: int, comparison: Comparison,
                 units_per_worker: int = UNITS_PER_WORKER) -> None:
        super().__init__(root, workers, units_per_worker)
        self.comparison = comparison

    def plan(self, catalog: Catalog) -> Plan:
        comparison = self.comparison
        assert comparison is not None
        own, units = self._top()
        plan = Plan()
        results = self._unit_plans(units, catalog)
        # every row of the folder, read here once the first sub-folder's plan came (the processes go on)
        first = next(results, None)
        every = catalog.photo_ids_of_folder(comparison.folder_id)
        rest = np.zeros(int(every.max()) + 1 if len(every) else 0, bool)
        rest[every] = True
        for part, ids in itertools.chain([first] if first is not None else [], results):
            plan.add(part)
            rest[ids[ids < len(rest)]] = False  # (a row written since ``every`` was read: not in it anyway)
        table = FolderTable.of(*catalog.fingerprints_of(comparison.folder_id, comparison.model_id,
                                                        np.flatnonzero(rest)))
        reconcile_walk(plan, comparison.folder_id, own, table, catalog.photo_by_path, catalog.photos_by_ids)
        return plan

    def _unit_plans(self, units: deque[str], catalog: Catalog) -> Iterator[tuple[Plan, np.ndarray]]:
        comparison = self.comparison
        assert comparison is not None
        for plans in self._by_unit(units, lambda message: message,
                                   lambda unit: [comparison.unit(catalog, unit, walk_listings(Path(unit)))]):
            yield from plans


def _hand_out(conn: Connection, units: deque[str], busy: dict[Connection, tuple[str, list[Any]]]) -> None:
    """The next unit to an idle process (it is busy with it from now); a process that died meanwhile is left
    out, its unit kept for another (or the parent)."""
    if not units:
        return
    try:
        conn.send(units[0])
    except OSError:
        return
    busy[conn] = (units.popleft(), [])


def _listing(message: tuple[list[str], list[int], list[int], dict[int, str]]) -> Listing:
    listing = Listing()
    listing.paths, listing.sizes, listing.mtimes, listing.problems = message
    return listing


def serve(conn: Connection, parent_pid: int, comparison: Comparison | None = None) -> None:
    """A walking process: walk each folder it is sent, each listing sent back, then None; None ends it. With a
    ``comparison``, each folder's walk is compared with its catalog rows here and only the result goes back
    (then None)."""
    from photoclip.core.child_lifetime import die_with_parent

    die_with_parent(parent_pid)
    try:
        catalog = comparison.open() if comparison is not None else None
        while (unit := conn.recv()) is not None:
            if comparison is not None and catalog is not None:
                conn.send(comparison.unit(catalog, unit, walk_listings(Path(unit))))
            else:
                for listing in walk_listings(Path(unit)):
                    conn.send((listing.paths, listing.sizes, listing.mtimes, listing.problems))
            conn.send(None)  # the unit is complete
    except (EOFError, OSError, KeyboardInterrupt):  # the parent went or stopped early
        pass
    except Exception:  # the parent does this sub-folder again itself, and meets the error there
        os._exit(1)  # (no traceback on the command's stderr from a process the user never started)
