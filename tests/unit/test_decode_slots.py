"""Decode slots (core/pipeline.py ``Slots``): at most ``size`` threads inside, let in in the order they came, so
the photo the model waits for is not overtaken by a thread that left a slot and came straight back."""

from __future__ import annotations

import threading
import time

from photoclip.core.pipeline import Slots


def arrived(slots: Slots, threads: int) -> None:
    """Wait (at most 5 s) until ``threads`` threads have come to the slots."""
    deadline = time.monotonic() + 5
    while slots._tickets < threads and time.monotonic() < deadline:
        time.sleep(0.001)
    assert slots._tickets >= threads


def test_threads_are_let_in_in_the_order_they_came():
    slots, order = Slots(1), []
    holder = threading.Event()
    release = threading.Event()

    def first() -> None:
        with slots:
            holder.set()
            release.wait(5)
        with slots:  # straight back, like a pool thread with its next file
            order.append("first again")

    def second() -> None:
        with slots:
            order.append("second")

    a = threading.Thread(target=first)
    a.start()
    holder.wait(5)
    b = threading.Thread(target=second)
    b.start()
    arrived(slots, 2)  # the second thread waits at the slot
    release.set()
    a.join(5)
    b.join(5)
    assert order == ["second", "first again"]


def test_a_resize_lets_more_in_at_once():
    slots, inside, most = Slots(1), [0], [0]
    lock, go = threading.Lock(), threading.Event()

    def work() -> None:
        with slots:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            go.wait(5)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    arrived(slots, 3)
    slots.resize(3)
    deadline = time.monotonic() + 5
    while most[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    go.set()
    for t in threads:
        t.join(5)
    assert most[0] == 3
