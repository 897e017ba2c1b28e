"""Near-duplicate grouping at library scale: real SQLite catalog, real hnswlib index, CLIP-like 512-d vectors.

The vectors imitate what CLIP ViT-B/32 gives photos: every image vector leans towards one shared direction
(unrelated photos have a cosine around 0.5), photos of one kind of scene cluster (around 0.75), and planted
near-duplicates sit at 0.95-0.99 of their burst's first frame (so at ~0.90 of each other). A share of the
photos are also byte-identical copies (one content hash, one vector). Everything is written through
``Catalog.commit_batch`` (the indexer's own path), then measured in one run:

- the first scan, which builds the HNSW index from the catalog (what a library without an index file pays once);
- a new session: the index loaded from its file, the neighbour queries, the photos behind the pairs;
- regrouping at other thresholds (the app's slider) from the pairs already found;
- how many planted bursts and copies come back whole at each threshold, and how many unrelated photos join.

    .venv/bin/python -m benchmarks.duplicates [--photos 100000] [--dim 512] [--bursts 0.05] [--copies 0.01]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.tagging_speed import RandomTextEmbedder
from photoclip.core.duplicates import DEFAULT_THRESHOLD
from photoclip.core.embed.base import normalize_rows
from photoclip.core.library import Library
from photoclip.core.records import PhotoRecord
from photoclip.core.settings import Settings

TOPICS = 300


def clip_like(rng: np.random.Generator, n: int, dim: int, mean: np.ndarray, topics: np.ndarray) -> np.ndarray:
    topic = topics[rng.integers(0, len(topics), n)]
    return normalize_rows(0.72 * mean + 0.5 * topic + 0.48 * normalize_rows(rng.standard_normal((n, dim))))


def plant(rng: np.random.Generator, photos: int, dim: int, burst_share: float, copy_share: float):
    """(vectors, hashes, planted bursts as lists of rows, copies as lists of rows)."""
    mean = normalize_rows(rng.standard_normal((1, dim)))[0]
    topics = normalize_rows(rng.standard_normal((TOPICS, dim)))
    vectors = clip_like(rng, photos, dim, mean, topics)
    hashes = [f"{i:032x}" for i in range(photos)]
    bursts, row = [], 0
    while row < photos * burst_share:
        size = int(rng.integers(2, 9))
        members = list(range(row, min(row + size, photos)))
        base = vectors[members[0]]
        for m in members[1:]:  # a frame, re-save or edit: close to the first frame, at a cosine of ~0.95-0.99
            noise = normalize_rows(rng.standard_normal((1, dim)))[0]
            vectors[m] = normalize_rows((base + rng.uniform(0.14, 0.33) * noise)[None])[0]
        bursts.append(members)
        row += size
    copies = []
    for start in range(row, row + int(photos * copy_share) * 2, 2):  # pairs of identical files
        hashes[start + 1] = hashes[start]
        vectors[start + 1] = vectors[start]
        copies.append([start, start + 1])
    return vectors, hashes, bursts, copies


def fill(library: Library, vectors: np.ndarray, hashes: list[str], model_id: str) -> None:
    folder = library._catalog.add_folder(Path("/bench/Pictures"))
    now_ns = time.time_ns()
    for start in range(0, len(vectors), 2000):
        seen: set[str] = set()
        records = []
        for i in range(start, min(start + 2000, len(vectors))):
            first = hashes[i] not in seen and (i == 0 or hashes[i] != hashes[i - 1])
            seen.add(hashes[i])
            records.append(PhotoRecord(folder.id, f"/bench/Pictures/{i:06d}.jpg", 2_000_000 + i, now_ns + i,
                                       hashes[i], "indexed", 4000, 3000, "2024-06-01T10:00:00", None, None,
                                       vectors[i] if first else None))
        library._catalog.commit_batch(model_id, records)
    library._catalog.set_meta("model_id", model_id)


def timed(label: str, work):
    """Wall time and CPU time of every thread of the process (hnswlib queries on every core): on a machine
    shared with other work the wall time grows, the CPU time much less."""
    start, cpu = time.perf_counter(), time.process_time()
    value = work()
    print(f"{label:<62} {time.perf_counter() - start:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--bursts", type=float, default=0.05, help="share of photos in planted bursts")
    parser.add_argument("--copies", type=float, default=0.01, help="share of photos with an identical copy")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    vectors, hashes, bursts, copies = plant(rng, args.photos, args.dim, args.bursts, args.copies)
    sample = rng.integers(0, args.photos, (2000, 2))
    unrelated = np.einsum("ij,ij->i", vectors[sample[:, 0]], vectors[sample[:, 1]])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.photos} photos, {args.dim}-d, {os.cpu_count()} cores (load average {load:.1f}); unrelated "
          f"pairs: cosine mean {unrelated.mean():.2f}, 99.9th percentile {np.quantile(unrelated, 0.999):.2f}; planted "
          f"{len(bursts)} bursts ({sum(map(len, bursts))} photos), {len(copies)} identical pairs")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        embedder = RandomTextEmbedder(args.dim)
        with Library.open(settings, embedder=embedder) as library:
            timed("setup: write the photos through Catalog.commit_batch", lambda: fill(
                library, vectors, hashes, embedder.model_id))
            first = timed("first scan: build the HNSW index from the catalog + find", library.find_duplicates)
            print(f"  {first.vectors} vectors compared, {len(first.pairs)} pairs >= {first.pairs.floor}")
        with Library.open(settings, embedder=embedder) as library:  # a new session, as `photoclip duplicates`
            candidates = timed("new session: load the index file + find (knn of every vector)",
                               library.find_duplicates)
            for threshold in (0.9, DEFAULT_THRESHOLD, 0.98):
                groups = timed(f"regroup at {threshold} (the slider)", lambda t=threshold: candidates.groups(t))
                print("  " + recovered(groups, bursts, copies))


def recovered(groups, bursts: list[list[int]], copies: list[list[int]]) -> str:
    """How the groups compare with what was planted (photo paths are their row numbers)."""
    found = {tuple(sorted(int(Path(p.path).stem) for p in g.photos)) for g in groups}
    planted = {r for b in bursts for r in b} | {r for c in copies for r in c}
    stray = sum(1 for g in found for r in g if r not in planted)
    whole = sum(tuple(b) in found for b in bursts)
    return (f"{len(groups)} groups: {whole} of {len(bursts)} planted bursts whole, "
            f"{sum(tuple(c) in found for c in copies)} of {len(copies)} identical pairs, "
            f"{stray} photos grouped that were not planted as copies")


if __name__ == "__main__":
    main()
