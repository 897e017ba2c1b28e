"""The embedder on OpenVINO (CPU), for every family of ``families.py``: the same transformers model's towers
converted to IR (``openvino_ir``).

Vectors live in the same space as the torch embedder's (same ``model_id``). Backends:

==================  ==================================================================================
``openvino-fp32``   f32 inference precision; the OpenVINO reference (max abs diff to torch ~1e-5).
``openvino-bf16``   bf16 inference precision, only on CPUs with native bf16 (else it runs as fp32).
``openvino-int8``   image tower statically quantised by NNCF, calibrated on the user's own photos;
                    text tower fp32. Used only after the quality guard passes (``backend_choice``).
==================  ==================================================================================
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photoclip.core.embed import fast_tokenizer
from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed.base import TEXT_CHUNK, embed_texts_by_length, normalize_rows
from photoclip.core.embed.families import ModelSpec, read_spec
from photoclip.core.embed.preprocess import PreprocessConfig

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16", "int8")


class CalibrationNeededError(RuntimeError):
    """int8 is not cached for this model yet and no calibration photos were given."""


class TextTower:
    """The text half of a model on OpenVINO: compiled on first use (an index run never embeds text, and the
    SigLIP 2 text tower alone holds 256,000 × 768 fp32 embeddings, ~0.8 GB once compiled), with the light
    tokenizer where one was verified for this model (``fast_tokenizer``: no transformers, no torch), else
    transformers' own."""

    def __init__(self, model: Any, *, folder: Path, spec: ModelSpec, entry: Path, threads: int | None,
                 tokenizer: Any = None, ir_folder: Path | None = None, source: TextSource | None = None) -> None:
        #: the text IR (ov.Model), or None: read from ``source`` (else ``ir_folder``) when first needed
        self._model = model
        self._ir_folder = ir_folder
        self._source = source or TextSource(ir_folder)
        self._folder = Path(folder)
        self._entry = entry
        self._threads = threads
        self._tokenizer = tokenizer
        self._request: Any = None
        self._inputs: set[str] = set()
        #: the token-embedding table (memory-mapped) where the IR was saved without it
        self._table: np.ndarray | None = None
        self._lock = threading.Lock()
        self.spec = spec

    @property
    def tokenizer(self) -> Any:
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = fast_tokenizer.load_verified(self._folder, self._entry) or \
                    verified_transformers_tokenizer(self._folder, self.spec, self._entry)
            return self._tokenizer

    def infer(self, tokens: dict[str, np.ndarray]) -> np.ndarray:
        with self._lock:
            if self._request is None:
                model = self._model if self._model is not None else _cached_text_model(self._source.folder)
                compiled = compile_kept(model, compile_config(self._threads, "fp32"), self._source.compiled)
                self._inputs = {name for port in compiled.inputs for name in port.get_names()}
                if ir.TOKEN_INPUT in self._inputs:  # the table is kept out of the IR: rows read from the file
                    self._table = np.load(self._ir_folder / ir.TOKEN_TABLE, mmap_mode="r")
                self._request, self._model = compiled.create_infer_request(), None
            feed = {k: v for k, v in tokens.items() if k in self._inputs}
            if self._table is not None:
                feed[ir.TOKEN_INPUT] = np.ascontiguousarray(self._table[tokens["input_ids"]], dtype=np.float32)
            return self._request.infer(feed)[0]


@dataclass(frozen=True)
class TextSource:
    """Where a text tower's IR is read from (the fp32 entry, or the int8-weight one) and where its compiled
    form is kept (None: not kept; an fp32 one would be a second copy of 0.25-0.35 GB on disk)."""

    folder: Path | None
    compiled: Path | None = None


#: the text tower with int8 weights (``compressed_text``), beside the model's fp32 and int8 entries
TEXT_INT8W = "text-int8w"
#: the int8-weight text tower is used only where its vectors are this close to fp32's on every probe
TEXT_MIN_COSINE = 0.999
#: varied queries the int8-weight text tower is checked on (short and long, names, numbers, other languages)
TEXT_PROBES = (
    "a dog", "a photo of a cat sleeping on a sofa", "sunset over the sea", "birthday cake with candles",
    "snow-covered mountains under a blue sky", "a red car parked in front of a house", "two children playing football",
    "receipt", "screenshot of a text message", "the Eiffel Tower at night", "a bowl of ramen", "wedding dress",
    "my passport", "a cathedral interior with stained glass windows", "fireworks", "a whiteboard with diagrams",
    "grandma in the garden, summer 1998", "a black and white portrait of an old man with a beard", "Hund am Strand",
    "un chat noir", "traffic jam in the rain", "close-up of a bee on a yellow flower", "empty", "2019",
    "people dancing at a concert with colourful lights and a crowd raising their hands in the air",
)


def text_source(cache_root: Path, model_id: str, compressed: bool) -> TextSource:
    """The text tower a load uses: the int8-weight one where ``compressed`` and it passed its check on this
    computer, else the fp32 reference (both read the token table from the fp32 entry)."""
    fp32 = ir.cache_dir(cache_root, model_id, "fp32")
    entry = ir.cache_dir(cache_root, model_id, TEXT_INT8W)
    if compressed and ir.is_cached(entry) and ir.manifest(entry).get("passed") is True:
        return TextSource(entry, ir.cache_dir(cache_root, model_id, COMPILED) / "text")
    return TextSource(fp32)


def prepare_compressed_text(folder: Path, model_id: str, cache_root: Path, spec: ModelSpec, threads: int | None
                            ) -> bool:
    """Make the int8-weight text tower once per model and computer (where nncf is installed: it is made with
    it) and check it against fp32 on ``TEXT_PROBES``; the verdict is kept in its manifest. True if it passed.

    Why: a cold query with SigLIP 2 B held 0.79 GB, nearly all of it the fp32 text weights twice (mapped from
    the IR and the plugin's repacked copy); with int8 weights 0.1 GB (docs/benchmarks.md). The image tower is
    int8 already wherever this runs (it is made in the same step as the int8 image tower)."""
    entry = ir.cache_dir(cache_root, model_id, TEXT_INT8W)
    if ir.is_cached(entry):
        return ir.manifest(entry).get("passed") is True
    fp32 = ir.cache_dir(cache_root, model_id, "fp32")
    tokenizer_at = tokenizer_entry(cache_root, model_id)
    reference = TextTower(None, folder=folder, spec=spec, entry=tokenizer_at, threads=threads, ir_folder=fp32)
    tokens = _TextProbe(reference, spec).tokenize(list(TEXT_PROBES))
    expected = normalize_rows(reference.infer(tokens))
    del reference  # its compiled weights (0.35 GB for SigLIP 2 B) go before the compressed tower compiles
    compressed = ir.compress_text_weights(_cached_text_model(fp32))
    candidate = TextTower(compressed, folder=folder, spec=spec, entry=tokenizer_at, threads=threads, ir_folder=fp32)
    got = normalize_rows(candidate.infer(tokens))
    worst = float(np.min(np.sum(expected * got, axis=1)))
    passed = worst >= TEXT_MIN_COSINE
    ir.write_entry(entry, {ir.TEXT_XML: compressed}, {"model_id": model_id, "passed": passed,
                                                      "min_cosine": round(worst, 6), "probes": len(TEXT_PROBES)})
    log.info("int8-weight text tower: min cosine to fp32 %.5f on %d probes (%s)", worst, len(TEXT_PROBES),
             "used" if passed else "not used")
    return passed


class _TextProbe:
    """Tokenising as the embedders do, for a bare ``TextTower``."""

    def __init__(self, text: TextTower, spec: ModelSpec) -> None:
        self._text, self.spec = text, spec

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        return _TextMethods.tokenize(self, texts)  # type: ignore[arg-type]


def _cached_text_model(folder: Path | None) -> Any:
    cached = ir.read_cached(folder, (ir.TEXT_XML,)) if folder is not None else None
    if cached is None:
        raise RuntimeError(f"the OpenVINO text tower in {folder} cannot be read")
    return cached[ir.TEXT_XML]


def verified_transformers_tokenizer(folder: Path, spec: ModelSpec, entry: Path) -> Any:
    """transformers' tokenizer for ``folder``; its light copy is checked and kept for later cold starts."""
    from photoclip.core.embed.clip_hf import load_tokenizer

    tokenizer = load_tokenizer(Path(folder))
    if not fast_tokenizer.is_verified(folder, entry):
        fast_tokenizer.save_verified(folder, entry, spec, tokenizer)
    return tokenizer


def tokenizer_entry(cache_root: Path, model_id: str) -> Path:
    """Where the light tokenizer of ``model_id`` is kept, beside its OpenVINO IR (removed with it)."""
    return ir.cache_dir(cache_root, model_id, "tokenizer")


class _TextMethods:
    """Text embedding through a ``TextTower`` (shared by the full embedder and the text-only one)."""

    _text: TextTower
    dim: int

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return embed_texts_by_length(texts, self.dim, TEXT_CHUNK, self._embed_text_chunk)

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Token inputs by the family's rules (as the torch embedder's ``tokenize``), int64."""
        tokens = self.spec.tokenize(self._text.tokenizer, list(texts), "np")
        return {k: np.asarray(v, dtype=np.int64) for k, v in tokens.items()}

    def token_counts(self, texts: list[str]) -> list[int]:
        return self.spec.token_counts(self._text.tokenizer, list(texts))

    def _embed_text_chunk(self, texts: list[str]) -> np.ndarray:
        return normalize_rows(self._text.infer(self.tokenize(texts)))


class OpenVinoEmbedder(_TextMethods):
    """A model compiled by OpenVINO for the CPU, implementing the ``Embedder`` protocol."""

    device = "cpu"

    def __init__(self, *, image: Any, text: TextTower, preprocess: PreprocessConfig, model_id: str,
                 spec: ModelSpec, backend: str, threads: int | None = None) -> None:
        #: the image tower's streams (``image_config``): one infer request each, the first made now
        self._compiled = image
        self._requests = [image.create_infer_request()]
        self.streams = max(1, int(image.get_property("NUM_STREAMS")))
        #: each stream's threads; streams of one thread run independently (none waits for another's threads),
        #: so the pipeline may run them beside as many decode threads as there are cores (``Balancer``)
        self.stream_threads = max(1, int(image.get_property("INFERENCE_NUM_THREADS")) // self.streams)
        self.set_threads(threads or self.stream_threads)  # ``threads``: requests run at once × a stream's threads
        self._text = text
        self._preprocess = preprocess
        self.spec = spec
        self.model_id = model_id
        self.dim = spec.dim
        self.input_size = preprocess.size
        self.backend = backend
        self.max_text_tokens = spec.max_text_tokens

    @classmethod
    def load(cls, folder: Path, *, model_id: str, precision: str = "fp32", cache_root: Path,
             threads: int | None = None, calibration: np.ndarray | None = None,
             compressed_text: bool = False) -> OpenVinoEmbedder:
        """Compile the cached IR of ``folder``'s model (converting / quantising it first when not cached).

        ``calibration``: (N, 3, S, S) prepared photos, needed only when int8 is not cached yet.
        ``compressed_text``: texts run on the int8-weight text tower where it passed its check (made with the
        int8 image tower, where nncf is installed); the cold text-only load must be told the same.
        Raises ImportError without openvino, ``CalibrationNeededError`` for an uncached int8 without photos.
        From the cache, neither transformers nor torch is imported (the text tower compiles on first use).
        """
        if precision not in PRECISIONS:
            raise ValueError(f"unknown OpenVINO precision {precision!r}")
        from photoclip.core.embed.clip_hf import cpu_has_native_bf16, load_preprocess

        if precision == "bf16" and not cpu_has_native_bf16():
            log.warning("this CPU has no native bf16; OpenVINO runs fp32")
            precision = "fp32"
        folder = Path(folder)
        spec = read_spec(folder)
        entry = tokenizer_entry(cache_root, model_id)
        # the text IR is read again when first needed: nothing of it stays in memory for an index run
        fp32_entry = ir.cache_dir(cache_root, model_id, "fp32")
        text = TextTower(None, folder=folder, spec=spec, entry=entry, threads=threads, ir_folder=fp32_entry)

        def text_example() -> dict[str, Any]:
            return spec.tokenize(text.tokenizer, ["a photo of a dog"], "np")

        towers = fp32_towers(folder, model_id, cache_root, text_example)
        image_model = towers[ir.IMAGE_XML]
        if precision == "int8":
            image_model = int8_image_tower(image_model, model_id, cache_root, calibration)
            if compressed_text and ir.nncf_available():
                prepare_compressed_text(folder, model_id, cache_root, spec, threads)
        if compressed_text:
            text = TextTower(None, folder=folder, spec=spec, entry=entry, threads=threads, ir_folder=fp32_entry,
                             tokenizer=text._tokenizer, source=text_source(cache_root, model_id, True))
        compiled_cache = ir.cache_dir(cache_root, model_id, COMPILED) / "image"
        image = compile_kept(image_model, image_config(threads, precision), compiled_cache)
        return cls(image=image, text=text, preprocess=load_preprocess(folder), model_id=model_id, spec=spec,
                   backend=f"openvino-{precision}", threads=threads)

    # --- Embedder protocol --------------------------------------------------------------------------------

    @property
    def preprocess_config(self) -> PreprocessConfig:
        return self._preprocess

    def prepare(self, image: Image.Image) -> np.ndarray:
        return self._preprocess(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        """Vectors of a prepared batch: split over as many streams as ``threads`` allows, run at once."""
        if len(batch) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = np.ascontiguousarray(batch, dtype=np.float32)
        parts = np.array_split(pixels, min(len(pixels), self.threads // self.stream_threads))
        if len(parts) == 1:
            return normalize_rows(self._request(0).infer([pixels])[0])
        started: list[Any] = []
        try:
            for i, part in enumerate(parts):  # slices along the first axis: contiguous, alive until waited for
                request = self._request(i)
                request.start_async([part])
                started.append(request)
        finally:  # every started request is waited for, failed or not: a busy one would refuse the next batch
            waits = [_wait(request) for request in started]
        if failed := next((e for e in waits if e is not None), None):
            raise failed
        return normalize_rows(np.concatenate([r.get_output_tensor(0).data.copy() for r in started]))

    def _request(self, i: int) -> Any:
        while len(self._requests) <= i:
            self._requests.append(self._compiled.create_infer_request())
        return self._requests[i]

    def set_threads(self, threads: int) -> bool:
        """Use ``threads`` inference threads from the next batch: as many streams at once (each a part of the
        batch), so a change costs nothing (no compiling again). The caller holds the model lock."""
        requests = min(self.streams, max(1, -(-threads // self.stream_threads)))
        self.threads = requests * self.stream_threads
        return True

    def __repr__(self) -> str:
        return f"OpenVinoEmbedder({self.model_id!r}, backend={self.backend!r})"


class OpenVinoTextEmbedder(_TextMethods):
    """Only what a text query needs: the cached fp32 text tower and the verified light tokenizer. Loads in a
    fraction of a second with neither transformers nor torch imported (a cold ``photoclip search``)."""

    device = "cpu"
    backend = "openvino-fp32 (text only)"

    def __init__(self, text: TextTower, model_id: str, input_size: int) -> None:
        self._text = text
        self.spec = text.spec
        self.model_id = model_id
        self.dim = text.spec.dim
        self.input_size = input_size
        self.max_text_tokens = text.spec.max_text_tokens

    @classmethod
    def load(cls, folder: Path, *, model_id: str, cache_root: Path, threads: int | None = None,
             input_size: int = 224, compressed_text: bool = False) -> OpenVinoTextEmbedder | None:
        """The text-only embedder, or None when the text tower is not converted yet or no light tokenizer was
        verified for this model (the full load does both, once)."""
        folder = Path(folder)
        entry = tokenizer_entry(cache_root, model_id)
        if not ir.openvino_available():
            return None
        tokenizer = fast_tokenizer.load_verified(folder, entry)
        ir_folder = ir.cache_dir(cache_root, model_id, "fp32")
        if tokenizer is None or not ir.is_cached(ir_folder):
            return None
        text = TextTower(None, folder=folder, spec=read_spec(folder), entry=entry, threads=threads,
                         tokenizer=tokenizer, ir_folder=ir_folder,
                         source=text_source(cache_root, model_id, compressed_text))
        return cls(text, model_id, input_size)

    def prepare(self, image: Image.Image) -> np.ndarray:
        raise NotImplementedError("the text-only embedder has no image tower")

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError("the text-only embedder has no image tower")

    def __repr__(self) -> str:
        return f"OpenVinoTextEmbedder({self.model_id!r})"


def _wait(request: Any) -> Exception | None:
    """Wait for an infer request; what it raised, if it failed."""
    try:
        request.wait()
    except Exception as exc:  # handed back, raised once every request is done
        return exc
    return None


#: ``<cache>/openvino/<model>/compiled/{image,text}``: OpenVINO's own cache of compiled towers (``compile_kept``)
COMPILED = "compiled"
#: compiled towers kept per model: one per precision in use, or left by an older OpenVINO (a B/32 int8 one is
#: ~90 MB; the streams and threads are set as a blob is imported, so every core count shares one)
COMPILED_KEPT = 3


def compile_kept(model: Any, config: dict[str, Any], cache: Path | None) -> Any:
    """A tower compiled for the CPU, through OpenVINO's model cache in ``cache`` (None: not kept). Compiling a
    B/32 int8 image tower takes ~0.9 s, importing the kept result ~0.2 s: every index run that embeds pays it
    once, and a cold query for the int8-weight text tower. The
    blob depends on the model, the config, the OpenVINO version and this CPU, which OpenVINO checks itself;
    the oldest blobs beyond ``COMPILED_KEPT`` go."""
    core = ir.import_openvino().Core()
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            _prune_compiled(cache, COMPILED_KEPT - 1)
            core.set_property({"CACHE_DIR": str(cache)})
        except OSError as exc:  # a read-only or full cache folder: compile without keeping it
            log.info("not keeping the compiled model in %s (%s)", cache, exc)
    return core.compile_model(model, "CPU", config)


def _prune_compiled(cache: Path, keep: int) -> None:
    blobs = sorted(cache.glob("*.blob"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in blobs[keep:]:
        old.unlink(missing_ok=True)


#: the image tower's streams at most (each keeps its own buffers; more cores give each stream more threads)
MAX_STREAMS = 8


def image_config(threads: int | None, precision: str) -> dict[str, Any]:
    """The image tower as streams of one inference thread each, one per core this process may use (up to
    ``MAX_STREAMS``; beyond, each stream gets more threads), or ``threads`` where that is more: a batch is
    split over the streams in use, which the indexing pipeline changes from batch to batch at no cost. One
    compiled model with one request at ``t`` threads (LATENCY) had to be compiled again at each count (~140 ms
    plus a slow first batch, SigLIP 2 B/32 int8 on Zen 4), so the run's last photos, decoded, waited for the
    model on one thread while the other cores idled. Measured there: one stream 32 ms an image as one
    thread's LATENCY model, two streams at once 16 ms as two threads' (docs/benchmarks.md, "Sixth round")."""
    from photoclip.core.balance import available_cores

    cores = max(available_cores(), threads or 1)
    per_stream = -(-cores // MAX_STREAMS)
    config = compile_config(None, precision)
    config.pop("PERFORMANCE_HINT")  # the streams are said explicitly
    streams = max(1, cores // per_stream)
    config.update({"NUM_STREAMS": streams, "INFERENCE_NUM_THREADS": streams * per_stream})
    return config


def compile_config(threads: int | None, precision: str) -> dict[str, Any]:
    """The text tower's (and, less the hint, the image tower's: ``image_config``). LATENCY: one infer request
    per call, all of ``threads`` on it (a query is one text). f32 is explicit because OpenVINO picks bf16 by
    itself on CPUs that have it, which would make ``openvino-fp32`` not the reference. int8: the operations
    NNCF leaves in float run in bf16 where the CPU has it natively (SigLIP 2 B/32-256 on Zen 4: 33 -> 31 ms a
    photo, vectors within cosine 0.9999 of f32's; the quality guard measures int8 as it runs). No pinning: on
    Linux OpenVINO binds each process's inference threads to the first cores, so two processes (the window's
    text tower beside the indexing process, a terminal's search beside the app) ran on the same core at half
    speed each while another core idled (docs/benchmarks.md, "Fifth round")."""
    from photoclip.core.embed.clip_hf import cpu_has_native_bf16

    config: dict[str, Any] = {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" or (
            precision == "int8" and cpu_has_native_bf16()) else "f32",
        "ENABLE_CPU_PINNING": False,
    }
    if threads:
        config["INFERENCE_NUM_THREADS"] = int(threads)
    return config


def fp32_towers(folder: Path, model_id: str, cache_root: Path,
                text_example: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The fp32 image and text IR from the cache, converted from ``folder`` (torch) when not cached
    (``text_example()``: token inputs the text tower is traced with, asked for only then)."""
    entry = ir.cache_dir(cache_root, model_id, "fp32")
    names = (ir.IMAGE_XML, ir.TEXT_XML)
    cached = ir.read_cached(entry, names)
    if cached is not None:
        return cached
    from photoclip.core.embed.clip_hf import load_fp32_model

    log.info("converting %s to OpenVINO (once)", model_id)
    towers = ir.convert_towers(load_fp32_model(Path(folder)), text_example())
    towers[ir.TEXT_XML], table = ir.split_token_embeddings(towers[ir.TEXT_XML])
    ir.write_entry(entry, towers, {"model_id": model_id, "text_split": table is not None},
                   {ir.TOKEN_TABLE: table} if table is not None else None)
    del towers, table  # they share the torch model's weights: calibration must not start on top of them
    ir.release_freed_memory()
    cached = ir.read_cached(entry, names)
    if cached is None:
        raise RuntimeError(f"the OpenVINO model written to {entry} does not read back")
    return cached


def prepare_text_cache(folder: Path, model_id: str, cache_root: Path, compressed: bool = False) -> None:
    """What a cold text query needs (``OpenVinoTextEmbedder.load``), made once without loading the model for
    images: the fp32 IR (both towers, as the full load converts them) and the light tokenizer, checked against
    transformers' and kept where it agrees; with ``compressed`` (nncf installed, a backend that runs texts on
    it: ``compressed_text``) the int8-weight text tower too, checked as the int8 load checks it, whose compiled
    form is kept (compiling the fp32 text tower is most of a cold query's second otherwise)."""
    folder = Path(folder)
    spec = read_spec(folder)
    text = TextTower(None, folder=folder, spec=spec, entry=tokenizer_entry(cache_root, model_id), threads=None,
                     ir_folder=ir.cache_dir(cache_root, model_id, "fp32"))
    fp32_towers(folder, model_id, cache_root, lambda: spec.tokenize(text.tokenizer, ["a photo of a dog"], "np"))
    text.tokenizer  # noqa: B018 - verified (and its light copy kept) where the conversion did not need it
    if compressed:
        prepare_compressed_text(folder, model_id, cache_root, spec, None)


def int8_image_tower(image_fp32: Any, model_id: str, cache_root: Path, calibration: np.ndarray | None) -> Any:
    entry = ir.cache_dir(cache_root, model_id, "int8")
    cached = ir.read_cached(entry, (ir.IMAGE_XML,))
    if cached is not None:
        return cached[ir.IMAGE_XML]
    if calibration is None or len(calibration) == 0:
        raise CalibrationNeededError("int8 needs calibration photos the first time")
    log.info("quantising %s to int8 on %d photos (once)", model_id, len(calibration))
    quantized = ir.quantize_image_tower(image_fp32, calibration)
    ir.write_entry(entry, {ir.IMAGE_XML: quantized}, {"model_id": model_id, "calibration_photos": len(calibration)})
    return ir.read_cached(entry, (ir.IMAGE_XML,))[ir.IMAGE_XML]

