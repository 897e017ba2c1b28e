"""The worker lane under the window's services (query, status, browse, tagging, reclaim): a newer request with
the same key supersedes the older one, so fast typing never shows an older query's photos; a bug is reported
even from a superseded request; answers come back on the GUI thread; closing skips what is queued and waits
for what runs."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from photoclip.gui.workers.lane import Lane

pytestmark = pytest.mark.gui


def _blocker(lane: Lane) -> threading.Event:
    """Occupy the lane until the returned event is set, so requests queue up behind it."""
    gate, entered = threading.Event(), threading.Event()
    lane.submit("block", lambda: (entered.set(), gate.wait(5)))
    assert entered.wait(5)
    return gate


def test_only_the_newest_request_of_a_key_runs_and_answers_on_the_gui_thread(qtbot):
    lane = Lane("test")
    ran, answered, threads = [], [], []
    try:
        gate = _blocker(lane)
        for text in ("r", "re", "red"):
            lane.submit("search", lambda t=text: ran.append(t) or t,
                        lambda t: (answered.append(t), threads.append(threading.current_thread())), key="search")
        lane.submit("tags", lambda: "tags", answered.append)  # no key: never superseded
        with qtbot.waitSignal(lane.finished, check_params_cb=lambda what: what == "tags", timeout=5000):
            gate.set()
        assert ran == ["red"]  # the older ones were skipped while they waited
        assert answered == ["red", "tags"]
        assert threads == [threading.main_thread()]
        assert not lane.busy
    finally:
        assert lane.shutdown()


def test_a_superseded_answer_is_dropped_but_its_bug_is_still_reported(qtbot):
    lane = Lane("test")
    done, failed, crashed = [], [], []
    started, gate = threading.Event(), threading.Event()

    def slow_bug():
        started.set()
        gate.wait(5)
        raise KeyError("a bug")

    def slow_disk_full():
        started.set()
        gate.wait(5)
        raise sqlite3.OperationalError("database or disk is full")

    try:
        for fn in (slow_bug, slow_disk_full):
            started.clear()
            gate.clear()
            lane.submit("old", fn, done.append, key="k", on_failed=failed.append, on_crash=crashed.append)
            assert started.wait(5)  # running: superseding it now can only drop its answer
            lane.submit("new", lambda: "new", done.append, key="k", on_failed=failed.append)
            with qtbot.waitSignal(lane.finished, check_params_cb=lambda what: what == "new", timeout=5000):
                gate.set()
        assert done == ["new", "new"]
        assert failed == []  # a full disk is the user's to fix, but that search is no longer on screen
        assert [type(e) for e in crashed] == [KeyError]
    finally:
        assert lane.shutdown()


def test_a_failure_the_user_can_fix_is_told_in_their_words(qtbot):
    lane = Lane("test")
    failed = []
    try:
        with qtbot.waitSignal(lane.finished, timeout=5000):
            lane.submit("write", lambda: (_ for _ in ()).throw(sqlite3.OperationalError("database or disk is full")),
                        on_failed=failed.append, on_crash=lambda exc: pytest.fail(f"reported as a bug: {exc}"))
        assert len(failed) == 1 and "disk" in failed[0].user_message and "full" in failed[0].user_message
    finally:
        assert lane.shutdown()


def test_shutdown_waits_for_the_running_request_and_skips_the_queued_ones(qtbot):
    lane = Lane("test")
    ran = []
    gate = _blocker(lane)
    lane.submit("queued", lambda: ran.append("queued"))
    threading.Timer(0.2, gate.set).start()
    assert lane.shutdown(5000)  # returns once the blocking request finished
    assert ran == []
