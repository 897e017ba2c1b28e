"""Decoding in processes gives the thread path's results: same vectors, thumbnails, failures and copies; a
decode process that dies mid-run (SIGKILL) leaves the run to threads with each photo indexed once."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from photoclip.core import pipeline
from photoclip.core.events import IndexProgress
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.images import photo_like, write_truncated_jpeg

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("Pictures")
    for i in range(10):
        photo_like((640, 480), seed=i).save(root / f"IMG_{i:02}.jpg", quality=90)
    shutil.copy(root / "IMG_03.jpg", root / "copy of IMG_03.jpg")  # same content: one vector
    write_truncated_jpeg(root / "broken.jpg")
    return root


def index(root: Path, pictures: Path, model: Path, mode: str) -> tuple[dict[str, np.ndarray], Library]:
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", model=str(model), backend="fp32",
                        threads=1, decode_mode=mode, allow_download=False)  # decode workers: balanced
    library = Library.open(settings)
    summary = library.index_folders([pictures])
    assert (summary.embedded, summary.reused, summary.failed) == (10, 1, 1)
    vectors = {}
    for folder in library.folders():
        for path, row in library._catalog.photos_in_folder(folder.id).items():
            if row.status == "indexed":
                vectors[Path(path).name] = library._catalog.vector_for_hash(row.content_hash, library.embedder.model_id)
    return vectors, library


def test_processes_give_the_same_vectors_as_threads(tiny_model_dir, pictures, tmp_path):
    threads, lib_t = index(tmp_path / "t", pictures, tiny_model_dir, "threads")
    processes, lib_p = index(tmp_path / "p", pictures, tiny_model_dir, "processes")
    assert sorted(threads) == sorted(processes) and len(threads) == 11
    for name in threads:  # batches follow decoding's pace (the first ones are small): float rounding may differ
        np.testing.assert_allclose(processes[name], threads[name], rtol=0, atol=1e-6)
    thumbs = sorted(p.name for p in (tmp_path / "p" / "cache" / "thumbnails").rglob("*.jpg"))
    assert thumbs == sorted(p.name for p in (tmp_path / "t" / "cache" / "thumbnails").rglob("*.jpg"))
    assert len(thumbs) == 10
    assert [f.error for f in lib_p.status().failures] == [f.error for f in lib_t.status().failures]
    lib_t.close()
    lib_p.close()


def test_processes_that_cannot_start_fall_back_to_threads(tiny_model_dir, pictures, tmp_path, monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError("no semaphores here")

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", no_processes)
    vectors, library = index(tmp_path, pictures, tiny_model_dir, "processes")
    assert len(vectors) == 11
    library.close()


def test_a_decode_process_killed_mid_run_falls_back_to_threads_and_indexes_each_photo_once(
        tiny_model_dir, tmp_path):
    root = tmp_path / "Pictures"
    root.mkdir()
    for i in range(24):  # more than the decode read-ahead (2 batches + 2): some are not even submitted yet
        photo_like((640, 480), seed=100 + i).save(root / f"IMG_{i:02}.jpg", quality=90)
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", model=str(tiny_model_dir),
                        backend="fp32", threads=1, decode_workers=2, decode_mode="processes", batch_size=4,
                        allow_download=False)
    killed: list[int] = []

    def kill_a_worker(event) -> None:  # on the first progress: photos are still being decoded in the workers
        if isinstance(event, IndexProgress) and not killed:
            worker = multiprocessing.active_children()[0]  # the pool's spawned decode processes
            os.kill(worker.pid, signal.SIGKILL)
            worker.join()
            time.sleep(0.5)  # the pool notices: the next submit raises too, not only the pending results
            killed.append(worker.pid)

    with Library.open(settings) as library:
        library.events.subscribe(kill_a_worker)
        summary = library.index_folders([root])
        rows = [row for folder in library.folders() for row in library._catalog.photos_in_folder(folder.id).values()]
        model_id = library.embedder.model_id
        vectors, _ = library._catalog.embedding_stats(model_id)
        in_index = len(library.index)
    assert killed
    assert summary.decoded_in == "processes, then threads (a decode process stopped)"
    assert (summary.added, summary.embedded, summary.failed, summary.reused) == (24, 24, 0, 0)
    assert sorted(Path(r.path).name for r in rows) == [f"IMG_{i:02}.jpg" for i in range(24)]  # one row each
    assert {r.status for r in rows} == {"indexed"}
    assert len({r.content_hash for r in rows}) == 24 and vectors == 24 and in_index == 24
