"""The model lock hands the model over in order of arrival: a search typed while indexing runs gets it after
the batch in progress, not after the whole run."""

from __future__ import annotations

import threading
import time

from photoclip.core.fair_lock import FairLock

BATCHES = 40


def _rounds_before_a_waiter_gets_in(lock) -> int:
    """An 'indexer' takes the lock for batch after batch with no pause between; count its batches from the
    moment a 'query' asks for the lock until the query holds it."""
    batches = 0
    first_batch = threading.Event()
    stop = threading.Event()

    def indexer() -> None:
        nonlocal batches
        for _ in range(BATCHES):
            if stop.is_set():
                return
            with lock:
                batches += 1
                first_batch.set()
                time.sleep(0.005)  # the model runs (the GIL is released, as in torch)

    worker = threading.Thread(target=indexer)
    worker.start()
    first_batch.wait(5)
    asked_at = batches
    with lock:
        got_at = batches
    stop.set()
    worker.join(10)
    return got_at - asked_at


def test_a_waiting_query_gets_the_model_after_the_batch_in_progress():
    assert _rounds_before_a_waiter_gets_in(FairLock()) <= 1
