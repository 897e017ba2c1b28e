"""Embed with the backend at hand while a faster one is prepared in the background, then switch.

A first run on a computer used to spend 23-28 s (2.3-4 GB) in the foreground — converting the model to
OpenVINO, calibrating int8 on the library's photos, the quality guard, the speed race — before the first photo
was embedded. ``BackgroundUpgrade`` embeds with torch's fast path at once while that runs beside it (a thread
that reads the sample photos and waits for a child process doing the rest: ``upgrade_process``), and switches
between two batches once OpenVINO int8 has passed the guard and won the race. A caller that has nothing more to
embed until then (the command line, waiting at its end) sets the torch model aside (``set_aside``), so the two
processes do not hold a model each while the child works.

Vectors already made stay: torch's dynamic int8 and OpenVINO's guarded int8 both approximate the same fp32
model (one model id, one vector space; the guard requires cosine >= 0.98 to fp32 for every photo it checks,
and torch's dynamic int8 is what ``auto`` runs wherever OpenVINO is missing or loses the race), so a library
holding both kinds ranks like one made by either — as a library does whose backend changed between runs.
Re-embedding them would cost what the switch saves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from photoclip.core.embed.base import Embedder
from photoclip.core.embed.openvino_ir import release_freed_memory

log = logging.getLogger(__name__)

class BackgroundUpgrade:
    """An ``Embedder`` that is ``current`` until ``prepare()`` (run in a thread) returns a faster one."""

    def __init__(self, current: Embedder, prepare: Callable[[], Embedder | None],
                 reload: Callable[[], Embedder] | None = None) -> None:
        self._current: Any = current
        self._ready: Any = None
        self._prepare = prepare
        #: loads ``current`` again where it was set aside and nothing faster came (None: it is never set aside)
        self._reload = reload
        self._threads: int | None = getattr(current, "threads", None)
        self._swap = threading.Lock()
        self.model_id = current.model_id
        self.dim = current.dim
        self.input_size = current.input_size
        self.preprocess_config = getattr(current, "preprocess_config", None)
        self.device = getattr(current, "device", "cpu")
        #: set once preparing ended (a faster embedder is ready, or there is none)
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="photoclip-optimise", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            ready = self._prepare()
            if ready is not None:
                self._ready = ready
                log.info("switching to %s from the next batch", ready.backend)
        except Exception as exc:  # the backend at hand goes on; the next load tries again
            self.error = exc
            log.warning("preparing a faster backend failed (%s); staying on the backend at hand", exc)
        finally:
            self._prepare = None  # nor the closure: the torch model must go with the switch
            self.finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until preparing ended (True) or ``timeout`` passed (False)."""
        return self.finished.wait(timeout)

    def set_aside(self) -> None:
        """Nothing is embedded until preparing ends (the caller waits for it): drop the backend at hand now, so
        its memory is free while the child process converts. The next use takes the faster backend, or loads the
        one at hand again where none came."""
        if self._reload is None or self.finished.is_set() or self._current is None:
            return  # (called again and again while the caller waits: only the first call does anything)
        with self._swap:
            if self._current is None or self._ready is not None:
                return
            self._threads = getattr(self._current, "threads", None) or self._threads
            self._current = None
        release_freed_memory()

    def _embedder(self) -> Any:
        if self._current is None:
            self.finished.wait()
        if self._ready is not None or self._current is None:
            with self._swap:
                if self._ready is not None:
                    ready = self._ready
                    threads = getattr(self._current, "threads", None) or self._threads
                    set_threads = getattr(ready, "set_threads", None)
                    if threads and set_threads is not None:
                        set_threads(threads)  # the balancer's count carries over, before anyone embeds with it
                    self._current, self._ready = ready, None  # the torch model goes with its last reference
                elif self._current is None and self._reload is not None:
                    self._current = self._reload()
        return self._current

    # --- Embedder protocol --------------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        return str(self._embedder().backend)

    @property
    def threads(self) -> int | None:
        return getattr(self._embedder(), "threads", None)

    def set_threads(self, threads: int) -> bool:
        set_threads = getattr(self._embedder(), "set_threads", None)
        return bool(set_threads(threads)) if set_threads is not None else False

    def prepare(self, image: Any) -> np.ndarray:  # the same preprocessing on either backend
        current = self._current
        prepared: np.ndarray = (current if current is not None else self._embedder()).prepare(image)
        return prepared

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        vectors: np.ndarray = self._embedder().embed_prepared(batch)
        return vectors

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        vectors: np.ndarray = self._embedder().embed_texts(texts)
        return vectors

    def __getattr__(self, name: str) -> Any:  # tokenize, token_counts, max_text_tokens, spec, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._embedder(), name)

    def __repr__(self) -> str:
        return f"BackgroundUpgrade({self._current!r}, ready={self._ready is not None})"
