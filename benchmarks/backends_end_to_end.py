"""Backends side by side, end to end, in one process on the same camera-size JPEGs.

ViT-B/32 geometry (``CLIPConfig()``, RANDOM WEIGHTS: speed and agreement with fp32 only, never search quality).
For each setting: photos/s through the real pipeline (read, hash, decode, thumbnail, prepare, embed, commit,
HNSW), model-only images/s, per-stage costs, the floor those costs allow and the ratio to it, and for int8
the quality-guard figures against fp32.

    .venv/bin/python -m benchmarks.backends_end_to_end [--photos 48] [--threads N] [--workers N]
        [--decode threads processes] [--model clip|siglip2] [--backends auto openvino-int8 ...]

Without ``--threads`` / ``--workers`` the pipeline runs as photoclip does by default: an OpenVINO model (streams of
one thread) and decoding each get every core, other models are sized from the stage costs it measures
(core/balance.py); "1/1" rows pin both to 1 for comparison.

Floor: at t model threads the model is one consumer, so photos/s <= 1000 / model_ms(t); and all work shares the
cores, so photos/s <= cores × 1000 / (decode_ms + model_ms(t) × t). The lower of the two, at the best t (model
ms measured model-only at every thread count up to the cores).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from benchmarks.indexing import camera_photos
from benchmarks.random_models import clip_b32_folder, siglip2_b32_256_folder
from photoclip.core.embed import backend_choice as choice
from photoclip.core.embed import quality_guard as guard
from photoclip.core.imaging import decode as decode_module
from photoclip.core.library import Library
from photoclip.core.settings import Settings

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


def decode_ms(files: list[Path], prepare, min_side: int = 224) -> float:
    """CPU ms per photo for read + hash + decode + thumbnail + prepare on one core (what a decode worker does)."""
    from photoclip.core.pipeline import content_hash

    started = time.process_time()
    for path in files:
        data = path.read_bytes()
        content_hash(data)
        photo = decode_module.decode_photo(data, min_side=min_side)
        photo.thumbnail.tobytes()
        prepare(photo.image)
    return (time.process_time() - started) * 1000 / len(files)


def model_speed(embedder, batch: np.ndarray) -> float:
    return model_costs(embedder, batch)[0]


def model_costs(embedder, batch: np.ndarray) -> tuple[float, float]:
    """(images/s by the clock, CPU ms per image: all of the model's threads, which on a busy machine is the
    steadier figure)."""
    embedder.embed_prepared(batch[:BATCH])  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(batch), BATCH):
        embedder.embed_prepared(batch[i : i + BATCH])
    return len(batch) / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / len(batch)


def pipeline_speed(embedder, photos: Path, workers: int | None, mode: str, threads: int | None = None) -> float:
    """photos/s through the whole pipeline; ``workers`` / ``threads`` None: sized by the pipeline itself."""
    return pipeline_run(embedder, photos, workers, mode, threads)[0]


def pipeline_run(embedder, photos: Path, workers: int | None, mode: str, threads: int | None = None
                 ) -> tuple[float, int, int, float]:
    """(photos/s, decode workers, model threads at the end, cores used = CPU seconds per second, decode
    processes included) of one run over ``photos``."""
    import resource

    def cpu() -> float:
        return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

    before, busy = cpu(), machine_busy()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache", decode_workers=workers,
                            threads=threads, decode_mode=mode)
        with Library.open(settings, embedder=embedder) as library:
            summary = library.index_folders([photos])
    assert summary.embedded == len(list(photos.glob("*.jpg"))), summary
    used = (cpu() - before) / summary.seconds
    others = max(0.0, (machine_busy() - busy) / summary.seconds - used)  # cores other programs kept busy
    return summary.embedded / summary.seconds, summary.decode_workers, summary.model_threads, used, others


def machine_busy() -> float:
    """CPU seconds all programs have used (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def floor_of(decode: float, model_ms: dict[int, float], cores: int) -> tuple[float, int]:
    """(best photos/s the stage costs allow on ``cores``, at how many model threads)."""
    return max((min(1000 / m, cores * 1000 / (decode + m * t)), t) for t, m in model_ms.items())


def load(backend: str, folder: Path, threads: int | None, cache: Path, calibration: np.ndarray | None = None):
    req = choice.LoadRequest(folder, MODEL_ID, backend, "cpu", threads, cache)
    if backend.startswith("openvino"):
        return choice._openvino(req, backend.split("-", 1)[1], calibration=calibration)
    return choice._torch(req, backend)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--threads", type=int, default=None, help="model threads (default: balanced)")
    parser.add_argument("--workers", type=int, default=None, help="decode workers (default: balanced)")
    parser.add_argument("--decode", nargs="+", default=["threads"], choices=["threads", "processes"])
    parser.add_argument("--model", choices=["clip", "siglip2"], default="clip")
    parser.add_argument("--backends", nargs="+", default=["naive", "auto", "openvino-fp32", "openvino-int8"],
                        choices=["naive", "auto", "int8", "openvino-fp32", "openvino-bf16", "openvino-int8"])
    parser.add_argument("--pinned", action="store_true", help="also run each with 1 worker and 1 model thread")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder = clip_b32_folder(224) if args.model == "clip" else siglip2_b32_256_folder()
    files = sorted(camera_photos(args.photos, (4000, 3000)).glob("*.jpg"))[: args.photos]
    photos = Path(tempfile.mkdtemp(prefix="e2e-")) / "photos"  # exactly these photos (the cache may hold more)
    photos.mkdir()
    for path in files:
        os.link(path, photos / path.name)
    cache = Path(tempfile.gettempdir()) / "photoclip-bench" / f"cache-{args.model}"
    load_avg = [os.getloadavg()[0]]

    reference = load("openvino-fp32", folder, 1, cache)
    side = reference.input_size
    prepared = np.stack([reference.prepare(decode_module.decode_photo(p.read_bytes(), min_side=side).image)
                         for p in files])
    stage_decode = decode_ms(files, reference.prepare, side)
    with full_decode():
        stage_full = decode_ms(files[:8], reference.prepare, side)
    calibration, held_out = prepared[: choice.CALIBRATION_PHOTOS], prepared[choice.CALIBRATION_PHOTOS :]

    rows = []
    labels = {"naive": "torch fp32, naive (full decode)", "auto": "torch fast path (auto: int8 dynamic)",
              "int8": "torch int8 dynamic", "openvino-fp32": "OpenVINO fp32", "openvino-bf16": "OpenVINO bf16",
              "openvino-int8": "OpenVINO int8 static (NNCF)"}
    for name in args.backends:
        naive = name == "naive"
        backend = "fp32" if naive else name
        embedder = load(backend, folder, 1, cache, calibration)
        model_ms, model_cpu = {}, {}
        for t in range(1, cores + 1):  # model-only at every thread count: the floor's best t
            if t > 1 and not embedder.set_threads(t):
                break
            ips, model_cpu[t] = model_costs(embedder, prepared)
            model_ms[t] = 1000 / ips
        embedder.set_threads(1)
        dec = stage_full if naive else stage_decode
        floor, floor_t = floor_of(dec, model_ms, cores)
        figures = ""
        if backend != "openvino-fp32":
            result = guard.compare(reference.embed_prepared(held_out), embedder.embed_prepared(held_out),
                                   backend=embedder.backend, reference_name="fp32")
            figures = f"{result.cosine_mean:.4f} / {result.cosine_min:.4f} / {result.recall_at_k:.3f}"
        configs = [("defaults", args.workers, args.threads)]
        if args.pinned:
            configs.append(("1 worker, 1 thread", 1, 1))
        for mode in (["threads"] if naive else args.decode):
            for config, workers, threads in configs:
                embedder.set_threads(threads or 1)  # each run starts where a fresh load would
                load_avg.append(os.getloadavg()[0])
                with full_decode() if naive else _nothing():
                    pps, used_w, used_t, used, others = pipeline_run(embedder, photos, workers, mode, threads)
                free = floor_of(dec, model_ms, max(0.5, cores - others))[0]
                rows.append((labels[name], embedder.backend, mode, config, pps, f"{used_w} / {used_t}",
                             1000 / model_ms[1], dec, model_ms, floor, floor_t, figures, used, model_cpu[1],
                             others, free))
        del embedder

    naive_pps = rows[0][4] if args.backends[0] == "naive" else None
    print(f"\n{len(files)} JPEGs 4000x3000, {folder.name} (random weights), {cores} cores; "
          f"load average {min(load_avg):.2f}–{max(load_avg):.2f}\n")
    print("| setting | backend | decode in | workers, threads | photos/s end to end | × naive | used w / t "
          "| model-only img/s (1 thread) | decode ms/photo | model ms/img by threads | floor photos/s (at t) "
          "| % of floor | cores other programs used | floor on the cores left | % of that | cores it got "
          "| % of what that CPU time allows | guard vs fp32: cos mean / min / recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (label, backend, mode, config, pps, chosen, ips, dec, model_ms, floor, floor_t, figures, used, cpu1, others,
         free) in rows:
        times = " / ".join(f"{m:.0f}" for m in model_ms.values())
        versus = f"{pps / naive_pps:.1f}×" if naive_pps else "—"
        got = used * 1000 / (dec + cpu1)  # what the CPU time it got allows (decode + model CPU ms a photo)
        print(f"| {label} | {backend} | {mode} | {config} | {pps:.1f} | {versus} | {chosen} | {ips:.1f} | {dec:.0f} "
              f"| {times} | {floor:.1f} ({floor_t}) | {100 * pps / floor:.0f}% | {others:.2f} | {free:.1f} | "
              f"{100 * pps / free:.0f}% | {used:.2f} | {100 * pps / got:.0f}% | {figures or '—'} |")


@contextmanager
def _nothing():
    yield


if __name__ == "__main__":
    main()
