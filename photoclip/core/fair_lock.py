"""A first-come, first-served lock for the model.

The indexer takes the model for one batch, commits, and takes it again a few milliseconds later. With a plain
``threading.Lock`` a query waiting meanwhile is only woken, not handed the lock, so on a busy machine the indexer
can win every round and a search typed during indexing waits for the whole run. Tickets make the order the
order of arrival: a waiting query gets the model right after the batch in progress.
"""

from __future__ import annotations

import threading


class FairLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0

    def acquire(self) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
