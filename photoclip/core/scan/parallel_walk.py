"""A big folder walked by several processes: the walk is a ``stat`` per file and a little Python for each, and in
one process the GIL lets it use one core (threads took turns: the catalog side, read beside it, gained nothing).

At a million photos an unchanged ``photoclip index`` spent 4.5 s of its 7.5 s walking (AMD EPYC, 2 cores);
two walking processes take 2.4 s (benchmarks/million.py). The parent lists the top of the tree itself until it
has a few sub-folders per process, then hands them out one at a time (uneven folders even out). A sub-folder's
listings are passed on only once its walk is complete, so when a walking process dies (killed, out of memory)
the parent walks the sub-folders it had left itself, and nothing is listed twice or lost.

Processes are spawned (the caller may have threads, and a frozen app starts children this way) at the caller's
priority, and end with it (``die_with_parent``)."""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from photoclip.core.scan.walker import Listing, list_folder, walk_listings

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

    def __init__(self, root: Path, workers: int, units_per_worker: int = UNITS_PER_WORKER) -> None:
        self.root, self.workers, self.units_per_worker = root, max(1, workers), units_per_worker
        #: the walking processes' ids while they run (tests end one to check nothing is lost)
        self.pids: list[int] = []

    def __iter__(self) -> Iterator[Listing]:
        units: deque[str] = deque([str(self.root)])
        own: list[Listing] = []
        while units and len(units) < self.workers * self.units_per_worker:  # the top of the tree, listed here
            listing, subfolders = list_folder(units.popleft())
            units.extend(subfolders)
            if listing:
                own.append(listing)
        yield from own
        if units:
            yield from self._walk_units(units)

    def _walk_units(self, units: deque[str]) -> Iterator[Listing]:
        workers = self._start(min(self.workers, len(units)))
        busy: dict[Connection, tuple[str, list[Listing]]] = {}  # a process's unit and its listings so far
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
                        yield from walk_listings(Path(unit))
                        continue
                    if message is not None:
                        done.append(_listing(message))
                        continue
                    yield from done  # the unit is complete
                    del busy[conn]
                    _hand_out(conn, units, busy)
            while units:  # every process died before the end
                yield from walk_listings(Path(units.popleft()))
        finally:
            self._stop(workers)

    def _start(self, count: int) -> list[tuple[Any, Connection]]:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        started = []
        for _ in range(count):
            try:
                mine, theirs = context.Pipe()
                process = context.Process(target=serve, args=(theirs, os.getpid()), name="photoclip-walk",
                                          daemon=True)
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


def _hand_out(conn: Connection, units: deque[str], busy: dict[Connection, tuple[str, list[Listing]]]) -> None:
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


def serve(conn: Connection, parent_pid: int) -> None:
    """A walking process: walk each folder it is sent, each listing sent back, then None; None ends it."""
    from photoclip.core.child_lifetime import die_with_parent

    die_with_parent(parent_pid)
    with contextlib.suppress(EOFError, OSError, KeyboardInterrupt):  # the parent went or stopped early
        while (unit := conn.recv()) is not None:
            for listing in walk_listings(Path(unit)):
                conn.send((listing.paths, listing.sizes, listing.mtimes, listing.problems))
            conn.send(None)
