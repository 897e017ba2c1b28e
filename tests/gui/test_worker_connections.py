"""A worker thread keeps one catalog connection for its life. PySide runs each queued slot of a QThread under a
fresh Python thread state, so a connection kept in a ``threading.local`` was opened anew at every request and
never closed: two file descriptors a time, every 1.5 s while indexing (status) and on every grid page read
(the library view), until the process ran out of them."""

from __future__ import annotations

import os
import sys

import pytest

from photoclip.core.search import Filters
from photoclip.gui.workers.browse import BrowseService
from photoclip.gui.workers.status import StatusService

pytestmark = pytest.mark.gui


def open_files() -> int | None:
    return len(os.listdir("/proc/self/fd")) if sys.platform.startswith("linux") else None


def test_workers_reuse_one_connection_each(qtbot, library, photos):
    library.index_folders([photos])
    status, browse = StatusService(library), BrowseService(library)
    try:
        before, files = library._catalog.db.connections, open_files()
        for _ in range(30):
            with qtbot.waitSignal(status.ready, timeout=5000):
                status.request()
        with qtbot.waitSignal(browse.timeline_ready, timeout=5000) as loaded:
            request = browse.load(Filters())
        ids = loaded.args[1].ids.tolist()
        for page in range(30):
            with qtbot.waitSignal(browse.rows_ready, timeout=5000):
                browse.fetch(request.id, page, ids)
        assert library._catalog.db.connections <= before + 2  # one per worker thread
        if files is not None:
            assert open_files() <= files + 6  # each connection: the database, its WAL and shared memory
    finally:
        assert status.shutdown() and browse.shutdown()
