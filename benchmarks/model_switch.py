"""Switching models without downtime: what the switch costs and how search latency behaves while it runs.

A library of N small JPEGs indexed with model A, then ``Library.switch_model`` to model B while a thread runs text
searches in a loop against A. Both "models" are the deterministic colour embedder at 512 dimensions (CLIP B/32's
vector size, so the catalog, HNSW and SQL costs are real); model B sleeps ``--model-ms`` per photo inside
``embed_prepared`` to stand in for a real image tower (torch and OpenVINO release the GIL the same way). So this
measures the switch machinery (decode, batching, the writer lock, HNSW, the catalog) and whether a search waits
on it — not a real model's CPU contention, which depends on the model (benchmarks/model_families.py).

    .venv/bin/python -m benchmarks.model_switch [--photos 10000] [--model-ms 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.testing.color_embedder import PALETTE, WideColorEmbedder


class SlowNewModel(WideColorEmbedder):
    model_id = "bench/colors-512@v2"

    def __init__(self, ms_per_photo: float) -> None:
        super().__init__()
        self.ms = ms_per_photo

    def embed_prepared(self, batch):
        time.sleep(self.ms / 1000 * len(batch))
        return super().embed_prepared(batch)


def make_photos(folder: Path, count: int) -> Path:
    names = list(PALETTE)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):  # cached between runs
        path = folder / f"{i // 1000:02d}" / f"{i:06d}.jpg"
        if path.exists():
            continue
        path.parent.mkdir(exist_ok=True)
        image = Image.new("RGB", (320, 240), PALETTE[names[i % len(names)]])
        image.paste(PALETTE[names[(i // 7) % len(names)]], (0, 0, 8 + i % 300, 240))
        for bit in range(16):  # the photo's number in black and white squares: every file distinct
            shade = (255, 255, 255) if i >> bit & 1 else (0, 0, 0)
            image.paste(shade, (bit * 16, 224, bit * 16 + 16, 240))
        image.save(path, "JPEG", quality=80)
    return folder


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def search_latencies(library: Library, stop: threading.Event, out: list[float]) -> None:
    queries = [f"{a} {b}" for a in PALETTE for b in PALETTE]
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        library.search(queries[i % len(queries)] + f" {i}", 20)  # a new text every time: no cached vector
        out.append((time.perf_counter() - started) * 1000)
        i += 1
        time.sleep(0.05)  # a person typing, not a load test


def cpu_line() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    flags = set(next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("flags")).split(":", 1)[1].split())
    wanted = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{model} ({os.cpu_count()} cores; {' '.join(wanted)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--model-ms", type=float, default=8.0, help="model B's cost per photo (ms)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "photoclip-bench-switch")
    args = parser.parse_args()
    photos = make_photos(args.work / "photos", args.photos)
    data = Path(tempfile.mkdtemp(prefix="switch-", dir=args.work))
    settings = Settings(data_dir=data / "data", cache_dir=data / "cache", threads=1, decode_workers=1)
    new = SlowNewModel(args.model_ms)
    library = Library.open(settings, embedder_factory=lambda s, _b: new if s.model == "B" else WideColorEmbedder())
    print(f"CPU: {cpu_line()}; load {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    library.index_folders([photos])
    index_s = time.perf_counter() - t0

    idle: list[float] = []
    stop = threading.Event()
    threading.Timer(5.0, stop.set).start()
    search_latencies(library, stop, idle)

    during: list[float] = []
    stop = threading.Event()
    searcher = threading.Thread(target=search_latencies, args=(library, stop, during))
    searcher.start()
    t0 = time.perf_counter()
    outcome = library.switch_model("B")
    switch_s = time.perf_counter() - t0
    stop.set()
    searcher.join()
    assert outcome.switched
    print(f"| photos | index with A | switch to B (model {args.model_ms:g} ms/photo) | photos/s | search p50 / p95 "
          f"idle | search p50 / p95 during the switch | searches during |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.photos:,} | {index_s:.1f} s | {switch_s:.1f} s | {args.photos / switch_s:.0f} | "
          f"{statistics.median(idle):.1f} / {percentile(idle, 95):.1f} ms | "
          f"{statistics.median(during):.1f} / {percentile(during, 95):.1f} ms | {len(during)} |")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    library.close()


if __name__ == "__main__":
    main()
