"""Backends side by side, end to end, in one process on the same camera-size JPEGs.

ViT-B/32 geometry (``CLIPConfig()``, RANDOM WEIGHTS: speed and agreement with fp32 only, never search quality).
For each setting: photos/s through the real pipeline (read, hash, decode, thumbnail, prepare, embed, commit,
HNSW), model-only images/s, per-stage costs, the floor those costs allow and the ratio to it, and for int8
the quality-guard figures against fp32.

    .venv/bin/python benchmarks/backends_end_to_end.py [--photos 48] [--threads 1] [--workers 1]
        [--decode threads processes]

Floor: the model is one consumer, so photos/s <= 1000 / model_ms; and all work shares the cores, so
photos/s <= cores × 1000 / (decode_ms + model_ms × threads). The lower of the two.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.indexing import camera_photos, vit_b32_folder  # noqa: E402
from photoclip.core.embed import backend_choice as choice  # noqa: E402
from photoclip.core.embed import quality_guard as guard  # noqa: E402
from photoclip.core.imaging import decode as decode_module  # noqa: E402
from photoclip.core.library import Library  # noqa: E402
from photoclip.core.settings import Settings  # noqa: E402

MODEL_ID = "bench-vitb32@random"
BATCH = 16


@contextmanager
def full_decode():
    """The naive pipeline: no DCT-scaled JPEG decode (the whole 12 MP image, then resize)."""
    real = decode_module._apply_draft
    decode_module._apply_draft = lambda *a, **k: None
    try:
        yield
    finally:
        decode_module._apply_draft = real


def decode_ms(files: list[Path], prepare) -> float:
    """CPU ms per photo for read + hash + decode + thumbnail + prepare on one core (what a decode worker does)."""
    from photoclip.core.pipeline import content_hash

    started = time.process_time()
    for path in files:
        data = path.read_bytes()
        content_hash(data)
        photo = decode_module.decode_photo(data, min_side=224)
        photo.thumbnail.tobytes()
        prepare(photo.image)
    return (time.process_time() - started) * 1000 / len(files)


def model_speed(embedder, batch: np.ndarray) -> float:
    embedder.embed_prepared(batch[:BATCH])  # warm-up
    started = time.perf_counter()
    for i in range(0, len(batch), BATCH):
        embedder.embed_prepared(batch[i : i + BATCH])
    return len(batch) / (time.perf_counter() - started)


def pipeline_speed(embedder, photos: Path, workers: int, mode: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache", decode_workers=workers)
        if hasattr(settings, "decode_mode"):
            settings.decode_mode = mode
        with Library.open(settings, embedder=embedder) as library:
            summary = library.index_folders([photos])
    assert summary.embedded == len(list(photos.glob("*.jpg"))), summary
    return summary.embedded / summary.seconds


def load(backend: str, folder: Path, threads: int, cache: Path, calibration: np.ndarray | None = None):
    req = choice.LoadRequest(folder, MODEL_ID, backend, "cpu", threads, cache)
    if backend.startswith("openvino"):
        return choice._openvino(req, backend.split("-", 1)[1], calibration=calibration)
    return choice._torch(req, backend)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--threads", type=int, default=1, help="model threads")
    parser.add_argument("--workers", type=int, default=1, help="decode workers")
    parser.add_argument("--decode", nargs="+", default=["threads"], choices=["threads", "processes"])
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder, photos = vit_b32_folder(), camera_photos(args.photos, (4000, 3000))
    files = sorted(photos.glob("*.jpg"))[: args.photos]
    cache = Path(tempfile.gettempdir()) / "photoclip-bench" / "cache"

    reference = load("openvino-fp32", folder, args.threads, cache)
    prepared = np.stack([reference.prepare(decode_module.decode_photo(p.read_bytes(), min_side=224).image)
                         for p in files])
    stage_decode = decode_ms(files, reference.prepare)
    with full_decode():
        stage_full = decode_ms(files[:8], reference.prepare)
    calibration, held_out = prepared[: choice.CALIBRATION_PHOTOS], prepared[choice.CALIBRATION_PHOTOS :]

    rows = []
    settings = [("torch fp32, naive (full decode)", "fp32", True), ("torch fast path (auto: int8 dynamic)", "auto",
                False), ("OpenVINO fp32", "openvino-fp32", False), ("OpenVINO int8 static (NNCF)", "openvino-int8",
                False)]
    for label, backend, naive in settings:
        embedder = load(backend, folder, args.threads, cache, calibration)
        ips = model_speed(embedder, prepared)
        model_ms = 1000 / ips
        dec = stage_full if naive else stage_decode
        floor = min(1000 / model_ms, cores * 1000 / (dec + model_ms * args.threads))
        figures = ""
        if backend != "openvino-fp32":
            result = guard.compare(reference.embed_prepared(held_out), embedder.embed_prepared(held_out),
                                   backend=embedder.backend, reference_name="fp32")
            figures = f"{result.cosine_mean:.4f} / {result.cosine_min:.4f} / {result.recall_at_k:.3f}"
        for mode in (["threads"] if naive else args.decode):
            with full_decode() if naive else _nothing():
                pps = pipeline_speed(embedder, photos, 1 if naive else args.workers, mode)
            rows.append((label, embedder.backend, mode, pps, ips, dec, model_ms, floor,
                         figures))
        del embedder

    naive_pps = rows[0][3]
    print(f"\n{len(files)} JPEGs 4000x3000, ViT-B/32 geometry (random weights), {cores} cores, model threads "
          f"{args.threads}, decode workers {args.workers}; load average at start {os.getloadavg()[0]:.2f}\n")
    print("| setting | backend | decode in | photos/s end to end | × naive | model-only img/s | decode ms/photo "
          "| model ms/img | floor photos/s | % of floor | guard vs fp32: cos mean / min / recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, backend, mode, pps, ips, dec, model_ms, floor, figures in rows:
        print(f"| {label} | {backend} | {mode} | {pps:.1f} | {pps / naive_pps:.1f}× | {ips:.1f} | {dec:.0f} | "
              f"{model_ms:.0f} | {floor:.1f} | {100 * pps / floor:.0f}% | {figures or '—'} |")


@contextmanager
def _nothing():
    yield


if __name__ == "__main__":
    main()
