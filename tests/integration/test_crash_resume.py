"""kill -9 in the middle of indexing: the catalog stays consistent and the next run redoes only the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.support.library_fixtures import indexed_count, make_settings, open_library, write_photo

REPO = Path(__file__).resolve().parents[2]
COLOURS = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.support.color_embedder import ColorEmbedder
    from tests.support.library_fixtures import open_library

    class Slow(ColorEmbedder):
        def embed_prepared(self, batch):
            time.sleep(0.15)
            return super().embed_prepared(batch)

    lib = open_library(Path(sys.argv[1]), Slow())
    lib.index_folders([Path(sys.argv[2])])
    """
)


def test_kill_during_indexing_then_resume(tmp_path):
    photos = tmp_path / "Pictures"
    for i in range(60):
        write_photo(photos / f"{i:02}.png", COLOURS[i % 8], second=COLOURS[(i + 1) % 8], share=i / 70)
    catalog = make_settings(tmp_path).catalog_path
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(photos)], cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while indexed_count(catalog) < 12 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    committed = indexed_count(catalog)
    assert 12 <= committed < 60, "the child should have been killed mid-run"

    with open_library(tmp_path) as lib:
        db = lib._catalog.db.conn
        vectors = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        assert vectors == committed  # every indexed photo has its vector, and no vector is orphaned
        summary = lib.index_folders([photos])
        assert summary.embedded == 60 - committed
        assert summary.unchanged == committed
        assert len(lib.index) == 60
        assert lib.status().counts == {"indexed": 60}
        assert lib.search("purple", limit=1)[0].path.endswith(".png")
