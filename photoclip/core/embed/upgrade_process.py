"""The first run's OpenVINO conversion, int8 calibration, quality guard and speed race, in a child process.

Why a process, not a thread of the indexing one (``background_upgrade``): converting loads a second, fp32
torch copy of the model beside the one indexing runs on, and calibrating holds the fp32 IR, NNCF's statistics
and the int8 model besides; in the indexing process that raised the first run's peak from 2.3 to 3.0 GB
(CLIP B/32-256) and from 4.0 to 4.8 GB (SigLIP 2), and the memory stayed with the process (docs/benchmarks.md).
A child that exits gives all of it back. The parent then loads the kept int8 model from the cache.

It runs at the command's own priority, not below it: a nice +10 thread let the photos be indexed first, but once
they were, the command waited for work the scheduler gave ~1% of the CPU whenever other programs were busy
(13.5 min against 7.7 for the whole first run before, at load 11-15: docs/benchmarks.md). The user waits for
the command to end, so that is what counts; the photos still come several times sooner than before, when the
conversion went first.

What the child does is ``backend_choice.upgrade_in_child`` (passed in, so this module knows nothing of it).
Over a ``multiprocessing`` pipe (spawn: it works where the app is frozen, as the app's indexing process does)
the child sends ``("step", detail, fraction)`` for each one-off step, then ``("done", result)``, or
``("failed", message)``; its death without "done" is an ``UpgradeFailedError`` too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

from photoclip.core.child_lifetime import die_with_parent

log = logging.getLogger(__name__)

#: (detail, share done 0..1) of a step, as ``backend_choice.StepReporter``
Report = Callable[[str, float], None]


class UpgradeFailedError(RuntimeError):
    """The child ended without an outcome (an error in it, a crash, killed); the message says how."""


def run_in_child(work: Callable[[Any, Report], Any], argument: Any, report: Report | None) -> Any:
    """``work(argument, report)`` in a child process (``work`` a module-level function, ``argument`` picklable);
    block until it ended and return what it returned. ``report`` hears its steps. Raises
    ``UpgradeFailedError`` when it ended without a result."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=child_main, args=(theirs, work, argument, os.getpid()),
                              name="photoclip-optimise", daemon=True)
    process.start()
    theirs.close()  # only the child holds its end: its death reads as the end of the connection
    del argument
    try:
        return _receive(ours, report)
    except (EOFError, OSError):
        process.join(30)
        raise UpgradeFailedError(f"the optimising process ended without a result (exit code {process.exitcode})"
                                 ) from None
    finally:
        ours.close()
        process.join(30)
        if process.is_alive():
            process.kill()


def _receive(conn: Any, report: Report | None) -> Any:
    while True:
        message = conn.recv()
        if message[0] == "step":
            if report is not None:
                report(message[1], message[2])
        elif message[0] == "failed":
            raise UpgradeFailedError(message[1])
        else:
            return message[1]


def child_main(conn: Any, work: Callable[[Any, Report], Any], argument: Any, parent_pid: int) -> None:
    """The child's body: ``work``, its steps and its result sent back; an error is told, not raised at the
    parent (which stays on the backend at hand; the next run tries again)."""
    die_with_parent(parent_pid)

    def report(detail: str, fraction: float) -> None:
        conn.send(("step", detail, fraction))

    try:
        conn.send(("done", work(argument, report)))
    except BaseException as exc:
        log.debug("optimising failed", exc_info=True)
        with contextlib.suppress(OSError):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise SystemExit(1) from None
    finally:
        conn.close()
