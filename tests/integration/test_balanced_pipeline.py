"""The pipeline sizes its decode workers and model threads from what it measures, keeps the user's explicit
settings, and leaves a core to the desktop while the app is in front (core/balance.py decides; here, what a
run really does with it)."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest

from photoclip.core import balance
from photoclip.core.library import Library
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, write_photo


class Recording(ColorEmbedder):
    """Records how many decode workers prepared photos at once, and the model thread counts it was asked for;
    its model costs 20 ms a photo on one thread and scales with more (so a balancer has a reason to add)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads = 1
        self.asked: list[int] = []
        #: batches embedded before each of ``asked``
        self.asked_after: list[int] = []
        self.batches = 0
        self._now = 0
        self.most = 0
        self._lock = threading.Lock()

    def prepare(self, image):
        with self._lock:
            self._now += 1
            self.most = max(self.most, self._now)
        try:
            time.sleep(0.01)  # waiting, not CPU: overlapping workers show as concurrency
            return super().prepare(image)
        finally:
            with self._lock:
                self._now -= 1

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        time.sleep(0.02 * len(batch) / self.threads)
        self.batches += 1
        return super().embed_prepared(batch)

    def set_threads(self, threads: int) -> bool:
        self.asked.append(threads)
        self.asked_after.append(self.batches)
        self.threads = threads
        return True


@pytest.fixture
def four_cores(monkeypatch):
    monkeypatch.setattr(balance, "available_cores", lambda: 4)


@pytest.fixture
def pictures(tmp_path):
    root = tmp_path / "Pictures"
    for i in range(32):
        write_photo(root / f"{i:02}.jpg", ("red", "green", "blue", "white")[i % 4], size=(64 + i, 48))
    return root


def index(tmp_path, pictures, embedder, reserve: int = 0, **settings) -> Recording:
    options = dataclasses.replace(make_settings(tmp_path), decode_workers=None, threads=None)
    with Library.open(dataclasses.replace(options, **settings), embedder=embedder) as library:
        library.desktop_reserve = reserve
        assert library.index_folders([pictures]).embedded == 32
    return embedder


def test_decoding_uses_the_cores_and_the_model_gets_threads_when_it_is_the_limit(tmp_path, pictures, four_cores):
    embedder = index(tmp_path, pictures, Recording())
    assert embedder.most > 1  # more than one decode worker at once
    assert embedder.asked and max(embedder.asked) > 1  # the 20 ms model is the limit: more threads


def test_the_users_settings_are_kept(tmp_path, pictures, four_cores):
    embedder = index(tmp_path, pictures, Recording(), decode_workers=1, threads=1)
    assert embedder.most == 1 and embedder.asked == []


def test_a_core_is_left_to_the_desktop_while_the_app_is_in_front(tmp_path, pictures, monkeypatch):
    monkeypatch.setattr(balance, "available_cores", lambda: 2)
    embedder = index(tmp_path, pictures, Recording(), reserve=1)
    assert embedder.most == 1 and set(embedder.asked) <= {1}


class Streams(Recording):
    """A model of independent streams (OpenVINO's image tower): more at once cost nothing to switch to."""

    streams = 4


def test_a_model_of_streams_gets_every_core_beside_decoding_from_the_first_batch(tmp_path, pictures, four_cores):
    embedder = index(tmp_path, pictures, Streams())
    assert embedder.asked == [4]  # all four streams at once, from the start: nothing to measure or switch
    assert embedder.asked_after == [0]  # before the first batch
    assert embedder.most > 2  # and decode workers on every core beside them


def test_streams_of_several_threads_are_balanced_not_shared(tmp_path, pictures, four_cores):
    class WideStreams(Streams):
        streams, stream_threads = 2, 2  # more cores than streams: their threads wait for each other

    embedder = index(tmp_path, pictures, WideStreams())
    # measured and balanced: a thread count is chosen only from batches it timed (a second one, the first
    # warms up), never set for every core before the first batch (how many it then picks depends on timing)
    assert all(after >= 2 for after in embedder.asked_after)


def test_streams_leave_the_desktops_core_free_too(tmp_path, pictures, monkeypatch):
    monkeypatch.setattr(balance, "available_cores", lambda: 2)
    embedder = index(tmp_path, pictures, Streams(), reserve=1)
    assert embedder.most == 1 and set(embedder.asked) <= {1}


class SlowDecoding(ColorEmbedder):
    """Decoding takes 30 ms a photo (waiting, not CPU), the model next to nothing: the model waits for photos.
    Records the size of every batch it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def prepare(self, image):
        time.sleep(0.03)
        return super().prepare(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(len(batch))
        return super().embed_prepared(batch)


def test_the_model_starts_on_the_first_photos_instead_of_waiting_for_a_whole_batch(tmp_path, pictures):
    batches = index(tmp_path, pictures, SlowDecoding(), decode_workers=1, threads=1, batch_size=16).batches
    assert sum(batches) == 32 and max(batches) <= 16
    assert batches[0] < 16  # the first vectors come after a few photos, not after a batch's worth of decoding
    assert len(batches) < 32 // 2  # batches grow: not one small batch per photo
