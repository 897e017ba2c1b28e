"""Which embedder runs the model: torch or OpenVINO, which precision, and the quality guard for int8.

``PHOTOCLIP_BACKEND``:

* ``fp32`` / ``bf16`` / ``int8`` / ``fp16``: torch (``clip_hf``); torch is also what CUDA and MPS use.
* ``openvino-fp32`` / ``openvino-bf16`` / ``openvino-int8``: OpenVINO on the CPU; ``openvino`` = int8.
  int8 is used only after the quality guard passed on this library's photos; otherwise the fp32 reference.
* ``auto``: on a CPU with OpenVINO installed, whichever of torch's fast path and OpenVINO (guarded int8)
  measured faster on this machine (measured once per model and thread count, kept in the cache folder);
  without OpenVINO, or on a GPU, torch's ``auto``.

An OpenVINO backend asked for where openvino is not installed falls back to torch with a log line, never an
error: the app must run from a plain install.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed import quality_guard as guard
from photoclip.core.embed.base import Embedder

log = logging.getLogger(__name__)

OPENVINO_BACKENDS = ("openvino", "openvino-fp32", "openvino-bf16", "openvino-int8")
#: Photos decoded from the library: the first CALIBRATION_PHOTOS calibrate int8, the rest check it.
SAMPLE_PHOTOS = 48
CALIBRATION_PHOTOS = 16
#: Fewer photos than this say too little about a library: int8 waits until the library has more.
MIN_GUARD_PHOTOS = 8
#: A verdict another library's photos gave on this computer is adopted only if it checked this many photos.
MIN_ADOPTED_PHOTOS = 32
#: A library that adopted this computer's verdict runs its own check once it holds this many indexed photos.
OWN_CHECK_PHOTOS = 500
#: The verdict kept beside the int8 IR it judged (``<cache>/openvino/<model id>/int8/guard.json``).
MACHINE_VERDICT = "guard.json"
SPEED_BATCH = 16

#: (prepare, min_side, count) -> (N, 3, S, S) prepared photos of the library being opened.
SampleProvider = Callable[[Callable, int, int], np.ndarray]
#: (what is being done, share done 0..1) for the one-off steps of a first load on OpenVINO.
StepReporter = Callable[[str, float], None]

#: The one-off steps of a first load on OpenVINO, in order, with what the user is told. Shares are by step
#: count, not time (quantising is most of the ~30 s on ViT-B/32); a cached step is skipped, not reported.
STEPS = {
    "sample": "reading some of your photos",
    "convert": "converting the model to OpenVINO",
    "quantise": "quantising it to int8 on your photos",
    "check": "checking int8 against full precision",
    "race": "measuring which is faster on this computer",
}


class MetaStore(Protocol):
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


@dataclass
class LoadRequest:
    folder: Path
    model_id: str
    backend: str
    device: str
    threads: int | None
    cache_root: Path
    sample: SampleProvider | None = None
    store: MetaStore | None = None
    progress: StepReporter | None = None
    #: indexed photos in the library (decides when an adopted guard verdict is checked on its own photos)
    library_photos: Callable[[], int] | None = None
    #: ``auto`` may embed with torch's fast path at once while OpenVINO int8 is made in the background
    #: (``background_upgrade``); the caller then waits for it before its process ends
    background: bool = False


def _step(req: LoadRequest, step: str) -> None:
    if req.progress is not None:
        req.progress(STEPS[step], list(STEPS).index(step) / len(STEPS))


def load_embedder(req: LoadRequest) -> Embedder:
    """Load the model ``req`` names with the backend it asks for (see the module doc)."""
    if req.backend in OPENVINO_BACKENDS:
        if not ir.openvino_available():
            log.warning("%s needs the openvino package, which is not installed; using torch", req.backend)
            return _torch(req, "auto")
        precision = "int8" if req.backend == "openvino" else req.backend.split("-", 1)[1]
        return _guarded_int8(req) if precision == "int8" else _openvino(req, precision)
    if req.backend == "auto" and _cpu_only(req.device) and ir.openvino_available():
        return _auto_cpu(req)
    return _torch(req, req.backend)


# --- torch ---------------------------------------------------------------------------------------------------


def _torch(req: LoadRequest, backend: str) -> Embedder:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    return ClipEmbedder.load(req.folder, model_id=req.model_id, backend=backend, device=req.device,
                             threads=req.threads)


def _cpu_only(device: str) -> bool:
    if device == "cpu" or (device == "auto" and not may_have_accelerator()):
        return True  # known without importing torch (~3 s): a cached OpenVINO model then loads without it
    from photoclip.core.embed.clip_hf import resolve_device

    return resolve_device(device) == "cpu"


def may_have_accelerator() -> bool:
    """False only where torch surely finds no GPU (no NVIDIA or ROCm driver, not a Mac), so ``auto`` is the CPU
    without importing torch; True means "ask torch"."""
    if "torch" in sys.modules or sys.platform == "darwin":  # already paid for; MPS
        return True
    if os.name == "nt":
        return (Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "nvcuda.dll").exists()
    return any(Path(p).exists() for p in ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd", "/dev/dxg"))


# --- OpenVINO ------------------------------------------------------------------------------------------------


def _openvino(req: LoadRequest, precision: str, calibration: np.ndarray | None = None) -> Embedder:
    from photoclip.core.embed.openvino_backend import OpenVinoEmbedder

    if not ir.is_cached(ir.cache_dir(req.cache_root, req.model_id, "fp32")):
        _step(req, "convert")
    if calibration is not None and not ir.is_cached(ir.cache_dir(req.cache_root, req.model_id, "int8")):
        _step(req, "quantise")
    return OpenVinoEmbedder.load(req.folder, model_id=req.model_id, precision=precision,
                                 cache_root=req.cache_root, threads=req.threads, calibration=calibration,
                                 compressed_text=compressed_text(req))


def compressed_text(req: LoadRequest) -> bool:
    """Whether texts may run on the int8-weight text tower (where it was made and passed its check): for the
    backends that use int8 where it passes (``auto``, ``openvino-int8``); ``openvino-fp32`` / ``-bf16`` are
    asked for by name and keep the fp32 text reference. The full load and the cold text-only load agree, so a
    query gives the same vector in the app, after ``photoclip index`` and from a cold ``photoclip search``."""
    return req.backend in ("auto", "openvino", "openvino-int8")


def _quality_fallback(req: LoadRequest) -> Embedder:
    """The better-quality OpenVINO setting: bf16 where the CPU has it natively, else fp32."""
    from photoclip.core.embed.clip_hf import cpu_has_native_bf16

    return _openvino(req, "bf16" if cpu_has_native_bf16() else "fp32")


def _guarded_int8(req: LoadRequest, fallback: Callable[[LoadRequest], Any] | None = None) -> Any:
    """OpenVINO int8 if the quality guard passed (checked once, kept in ``meta``), else ``fallback(req)``
    (default: the better-quality OpenVINO setting).

    The int8 model is calibrated once per model and computer (the IR cache); its verdict is kept beside it.
    A library without a verdict of its own adopts that one (no wait, no extra decoding) until it holds
    ``OWN_CHECK_PHOTOS`` indexed photos; its next load then checks int8 on a sample of its own photos, and
    that verdict decides from then on. docs/design.md says why.
    """
    fallback = fallback or _quality_fallback
    key = guard.meta_key(req.model_id, "openvino-int8")
    stored = _stored_verdict(req)
    int8_entry = ir.cache_dir(req.cache_root, req.model_id, "int8")
    int8_cached = ir.read_cached(int8_entry, (ir.IMAGE_XML,)) is not None
    if stored is None and int8_cached:
        stored = _adopt_machine_verdict(req, int8_entry)
        if stored is not None and req.store is not None:
            req.store.set_meta(key, stored.to_json())
    if stored is not None and not stored.passed:
        return fallback(req)
    if stored is not None and int8_cached:
        return _openvino(req, "int8")
    if not int8_cached and not ir.nncf_available():
        log.info("OpenVINO int8 needs nncf to calibrate (pip install 'photoclip[openvino]'); not using int8")
        return fallback(req)
    _step(req, "sample")
    photos = _sample(req)
    if len(photos) < MIN_GUARD_PHOTOS:
        log.info("only %d photos to check int8 against fp32; not using int8 yet", len(photos))
        return fallback(req)
    result, candidate, _reference = run_guard(req, photos)
    if req.store is not None:
        req.store.set_meta(key, result.to_json())
    _write_json(int8_entry / MACHINE_VERDICT, result.as_dict())
    log.info("quality guard: %s", result.summary())
    return candidate if result.passed else fallback(req)


def _stored_verdict(req: LoadRequest) -> guard.GuardResult | None:
    """The library's own verdict on int8 while it still decides: none after the thresholds changed, nor once a
    library that adopted this computer's verdict is large enough for a check on its own photos."""
    stored = guard.GuardResult.from_json(req.store.get_meta(guard.meta_key(req.model_id, "openvino-int8"))
                                         ) if req.store else None
    if stored is not None and stored.thresholds != guard.THRESHOLDS.__dict__:
        return None  # thresholds changed since: check again
    if stored is not None and stored.adopted and _library_photos(req) >= OWN_CHECK_PHOTOS:
        return None  # large enough now for a check on its own photos
    return stored


def _library_photos(req: LoadRequest) -> int:
    return req.library_photos() if req.library_photos is not None else 0


def _adopt_machine_verdict(req: LoadRequest, int8_entry: Path) -> guard.GuardResult | None:
    """This computer's verdict on the cached int8 model (another library's photos), for a library too small
    for its own check to be worth its cost; None when there is none to adopt."""
    if _library_photos(req) >= OWN_CHECK_PHOTOS:
        return None
    try:
        result = guard.GuardResult(**json.loads((int8_entry / MACHINE_VERDICT).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if result.thresholds != guard.THRESHOLDS.__dict__ or result.photos < MIN_ADOPTED_PHOTOS:
        return None
    return guard.GuardResult(**{**result.as_dict(), "adopted": True})


def run_guard(req: LoadRequest, photos: np.ndarray) -> tuple[guard.GuardResult, Embedder, Embedder]:
    """(guard result, int8 embedder, fp32 reference) for ``photos``; int8 is calibrated on the first ones and
    checked on the others when there are enough of them (held out: calibration photos flatter int8)."""
    calibration = photos[:CALIBRATION_PHOTOS]
    held_out = photos[CALIBRATION_PHOTOS:]
    check = held_out if len(held_out) >= MIN_GUARD_PHOTOS else photos
    candidate = _openvino(req, "int8", calibration=calibration)
    reference = _openvino(req, "fp32")
    _step(req, "check")
    result = guard.compare(reference.embed_prepared(check), candidate.embed_prepared(check),
                           backend=candidate.backend, reference_name=reference.backend)
    return result, candidate, reference


def _sample(req: LoadRequest) -> np.ndarray:
    if req.sample is None:
        return np.zeros((0,), dtype=np.float32)
    from photoclip.core.embed.clip_hf import load_preprocess

    preprocess = load_preprocess(Path(req.folder))
    return req.sample(preprocess, preprocess.size, SAMPLE_PHOTOS)


# --- auto on a CPU: measured once --------------------------------------------------------------------------


def _auto_cpu(req: LoadRequest) -> Embedder:
    """torch's fast path or OpenVINO, whichever measured faster here (once per model and thread count).

    OpenVINO's candidate is guarded int8 where it can be had (nncf installed, or the int8 model already
    calibrated), else its better float setting (bf16 where the CPU has it natively, else fp32): openvino is in
    every install, nncf only where int8 calibration pays (README). The race is run again once int8 becomes
    possible where it was not when the winner was recorded.
    """
    record = _speed_file(req)
    winner, raced_int8 = _read_record(record)
    int8 = _int8_possible(req)
    settled = winner is not None and (raced_int8 or not int8)
    if settled and winner == "torch":
        return _torch(req, "auto")
    if settled and winner in ("openvino-bf16", "openvino-fp32"):
        return _openvino(req, winner.split("-", 1)[1])
    if req.background and int8 and not ir.is_cached(ir.cache_dir(req.cache_root, req.model_id, "int8")):
        # the first run on this computer: convert, calibrate, guard and race behind torch's fast path
        from photoclip.core.embed.background_upgrade import BackgroundUpgrade

        return BackgroundUpgrade(_torch(req, "auto"), lambda: _faster_than(req, winner),
                                 reload=lambda: _torch(req, "auto"))
    openvino = _guarded_int8(req, fallback=lambda _req: None) if int8 else _quality_fallback(req)
    if openvino is None:
        # int8 failed the guard here, or the library is too small to check it yet: torch's fast path, and
        # no race recorded (it is between the two fast paths)
        return _torch(req, "auto")
    if winner is not None and winner == openvino.backend:
        return openvino
    return _race(req, _torch(req, "auto"), openvino)


def _faster_than(req: LoadRequest, winner: str | None) -> Embedder | None:
    """OpenVINO guarded int8 if it passes the guard and beats torch's fast path here (recorded), else None.

    The conversion, calibration, guard and race run in a child process (``upgrade_process``: the memory they
    take goes with it); this process reads the library's photos for it and loads the int8 model it kept."""
    from photoclip.core.embed.upgrade_process import run_in_child

    stored = _stored_verdict(req)
    if stored is not None and not stored.passed:
        return None  # int8 failed the guard on this library's photos (its cache since deleted): not again
    _step(req, "sample")
    photos = _sample(req)
    if len(photos) < MIN_GUARD_PHOTOS:
        log.info("only %d photos to check int8 against fp32; not using int8 yet", len(photos))
        return None
    key = guard.meta_key(req.model_id, "openvino-int8")
    given = req.store.get_meta(key) if req.store is not None else None
    start = _ChildStart(str(req.folder), req.model_id, str(req.cache_root), req.threads, photos,
                        {key: given} if given is not None else {}, _library_photos(req), winner)
    del photos
    meta, best = run_in_child(upgrade_in_child, start, req.progress)
    if req.store is not None:
        for name, value in meta.items():
            req.store.set_meta(name, value)
    return _openvino(req, "int8") if best == "openvino-int8" else None


@dataclass
class _ChildStart:
    """What the child process of ``_faster_than`` is given (it holds no library)."""

    folder: str
    model_id: str
    cache_root: str
    threads: int | None
    #: the library's sample photos, prepared (the child reads none)
    photos: np.ndarray
    #: the library's stored verdict on int8, so the child decides as the library would
    meta: dict[str, str]
    library_photos: int
    #: the race's recorded winner, if any (not raced again when int8 is that winner)
    winner: str | None


class _MetaCopy:
    """The library's ``meta`` table in the child: what it was given, and what the guard writes (sent back)."""

    def __init__(self, given: dict[str, str]) -> None:
        self.given: dict[str, str] = dict(given)
        self.written: dict[str, str] = {}

    def get_meta(self, key: str) -> str | None:
        return self.written.get(key, self.given.get(key))

    def set_meta(self, key: str, value: str) -> None:
        self.written[key] = value


def upgrade_in_child(start: _ChildStart, report: StepReporter) -> tuple[dict[str, str], str | None]:
    """In the child process: the guarded int8 model made and checked on ``start.photos``, then raced against
    torch's fast path. Returns (the meta rows the guard wrote, "openvino-int8" / "torch" / None where int8 did
    not pass); the cache entries it wrote are what the parent loads."""
    photos = start.photos

    def progress(detail: str, fraction: float) -> None:
        if detail != STEPS["sample"]:  # the parent read the photos
            report(detail, fraction)

    store = _MetaCopy(start.meta)
    req = LoadRequest(Path(start.folder), start.model_id, "auto", "cpu", start.threads, Path(start.cache_root),
                      sample=lambda _prepare, _side, _count: photos, store=store, progress=progress,
                      library_photos=lambda: start.library_photos)
    openvino = _guarded_int8(req, fallback=lambda _req: None)
    if openvino is None:
        return store.written, None
    if start.winner == openvino.backend:
        return store.written, start.winner
    # The race one model at a time: the parent loads the winner from the cache, so this process keeps
    # neither, and torch's model loads after the int8 one is gone (holding both was this process's peak)
    _step(req, "race")
    pixels = _race_pixels(openvino.input_size)
    backend, int8_speed = openvino.backend, images_per_second(openvino, pixels)
    del openvino
    ir.release_freed_memory()  # the int8 model and the guard's fp32 reference, before torch loads
    torch_embedder = _torch(req, "auto")
    torch_speed = images_per_second(torch_embedder, pixels)
    winner = _record_race(req, (torch_embedder.backend, torch_speed), (backend, int8_speed))
    return store.written, winner


def _race(req: LoadRequest, torch_embedder: Embedder, openvino: Embedder) -> Embedder:
    """The faster of the two here, measured and recorded (``_speed_file``)."""
    _step(req, "race")
    pixels = _race_pixels(openvino.input_size)
    winner = _record_race(req, (torch_embedder.backend, images_per_second(torch_embedder, pixels)),
                          (openvino.backend, images_per_second(openvino, pixels)))
    return torch_embedder if winner == "torch" else openvino


def _race_pixels(side: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((SPEED_BATCH, 3, side, side)).astype(np.float32)


def _record_race(req: LoadRequest, torch: tuple[str, float], openvino: tuple[str, float]) -> str:
    """Record the race (``_speed_file``): images/s of each (backend, speed) and the winner, "torch" or the
    OpenVINO backend, which it returns."""
    winner = "torch" if torch[1] >= openvino[1] else openvino[0]
    speeds = dict([torch, openvino])
    _write_json(_speed_file(req), {"winner": winner, "images_per_second": speeds,
                                   "int8": openvino[0] == "openvino-int8"})
    log.info("auto backend: %s (images/s %s)", winner, speeds)
    return winner


def _int8_possible(req: LoadRequest) -> bool:
    """Whether OpenVINO int8 can be had: calibrated already, or nncf installed to calibrate it."""
    return ir.is_cached(ir.cache_dir(req.cache_root, req.model_id, "int8")) or ir.nncf_available()


def images_per_second(embedder: Any, pixels: np.ndarray) -> float:
    """Best of two timed batches after a warm-up one."""
    embedder.embed_prepared(pixels)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        embedder.embed_prepared(pixels)
        times.append(time.perf_counter() - started)
    return round(len(pixels) / min(times), 2)


def _speed_file(req: LoadRequest) -> Path:
    return ir.cache_dir(req.cache_root, req.model_id, "auto") / f"speed-threads-{req.threads or 0}.json"


def recorded_speeds(cache_root: Path, model_id: str) -> dict[str, float]:
    """Images/s per backend that ``auto``'s race measured on this computer for ``model_id`` (any thread count;
    the best of each), or {} when it never ran here."""
    best: dict[str, float] = {}
    for path in ir.cache_dir(cache_root, model_id, "auto").glob("speed-threads-*.json"):
        try:
            speeds = json.loads(path.read_text(encoding="utf-8")).get("images_per_second") or {}
        except (OSError, ValueError, AttributeError):
            continue
        for backend, value in speeds.items():
            if isinstance(value, (int, float)):
                best[backend] = max(best.get(backend, 0.0), float(value))
    return best


def _read_record(path: Path) -> tuple[str | None, bool]:
    """(the recorded winner, whether OpenVINO int8 was in that race), or (None, False)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        speeds = record.get("images_per_second") or {}
        return record.get("winner"), bool(record.get("int8", "openvino-int8" in speeds))
    except (OSError, ValueError, AttributeError):
        return None, False


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    tmp.replace(path)


# --- text only: a query in a cold process -------------------------------------------------------------------


def load_text_embedder(req: LoadRequest, make: bool = False) -> Embedder | None:
    """What a text query needs and nothing more, where it can be had without torch: the cached OpenVINO text
    tower (fp32, or its int8-weight form where ``compressed_text``) with the light tokenizer verified for this
    model. ``make``: when they are not cached yet, make them now (converting the model once, with torch) rather
    than load the whole model: a process that runs one query (the command line) must not pay for ``auto``'s
    int8 check and speed race, which a library without a recorded race would otherwise run at every search.
    None when the backend is a torch one by choice, or nothing is cached yet (the full load caches both)."""
    if req.backend not in ("auto", *OPENVINO_BACKENDS) or req.device not in ("auto", "cpu"):
        return None
    from photoclip.core.embed.clip_hf import load_preprocess
    from photoclip.core.embed.openvino_backend import TEXT_INT8W, OpenVinoTextEmbedder, prepare_text_cache

    def load() -> Embedder | None:
        return OpenVinoTextEmbedder.load(req.folder, model_id=req.model_id, cache_root=req.cache_root,
                                         threads=req.threads, input_size=load_preprocess(req.folder).size,
                                         compressed_text=compressed_text(req))

    compressed = compressed_text(req) and ir.nncf_available()
    try:
        embedder = load()
        if make and ir.openvino_available() and (embedder is None or (compressed and not ir.is_cached(
                ir.cache_dir(req.cache_root, req.model_id, TEXT_INT8W)))):
            prepare_text_cache(req.folder, req.model_id, req.cache_root, compressed=compressed)
            embedder = load()
        return embedder
    except Exception as exc:  # a damaged cache entry: the full load rebuilds it
        log.info("text-only load failed (%s); loading the whole model", exc)
        return None
