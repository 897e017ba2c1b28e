"""What the adaptive cutoff costs a search, and how close the sampled calibration is to an exact one.

A real SQLite catalog and HNSW index with N photos whose 512-d vectors form clusters (a stand-in for a
library's subjects); the text "cluster K" embeds to cluster K's direction, so each query has real matches.
Measured: drawing the library sample (first query after opening), a query's time with and without the
cutoff (ranking only vs ranking + calibration + annotation + the margin ranking), and, over 20 queries, the
calibrated scores from the 4,096-vector sample against exact statistics over every vector.

    .venv/bin/python -m benchmarks.search_relevance_speed [--photos 100000] [--clusters 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from photoclip.core import calibration
from photoclip.core.embed.base import normalize_rows
from photoclip.core.library import Library
from photoclip.core.settings import Settings

DIM = 512


class ClusterTextEmbedder:
    """ "cluster K" → cluster K's centre; any other text → a fixed random direction (the neutral prompts)."""

    model_id = "bench/clusters@512"
    dim = DIM
    input_size = 224

    def __init__(self, centres: np.ndarray) -> None:
        self.centres = centres

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            if text.startswith("cluster "):
                rows.append(self.centres[int(text.split()[1])])
            else:
                seed = sum(text.encode())
                rows.append(np.random.default_rng(seed).standard_normal(DIM) * 0.2 + self.centres.mean(axis=0))
        return normalize_rows(np.stack(rows).astype(np.float32))


def fill(library: Library, vectors: np.ndarray, model_id: str) -> None:
    folder = library._catalog.add_folder(Path("/bench/Pictures"))
    now = time.time()
    with library._catalog.transaction() as db:
        for start in range(0, len(vectors), 10_000):
            chunk = vectors[start:start + 10_000]
            hashes = [f"h{start + i:08d}" for i in range(len(chunk))]
            db.executemany(
                "INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES (?, ?, ?, ?)",
                [(h, model_id, v.tobytes(), now) for h, v in zip(hashes, chunk, strict=True)])
            db.executemany(
                """INSERT INTO photos(folder_id, path, size, mtime_ns, content_hash, status, updated_at)
                   VALUES (?, ?, 1, 1, ?, 'indexed', ?)""",
                [(folder.id, f"/bench/Pictures/{h}.jpg", h, now) for h in hashes])
    library._catalog.set_meta("model_id", model_id)


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = normalize_rows(rng.standard_normal((args.clusters, DIM)).astype(np.float32))
    members = rng.integers(0, args.clusters, args.photos)
    # a photo shares some of its cluster's direction (cosines to the centre ~0.3-0.5, like CLIP's matches)
    vectors = normalize_rows(centres[members] * rng.uniform(0.3, 0.8, (args.photos, 1)).astype(np.float32)
                             + rng.standard_normal((args.photos, DIM)).astype(np.float32) / np.sqrt(DIM))
    embedder = ClusterTextEmbedder(centres)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        library = Library.open(settings, embedder=embedder)
        fill(library, vectors, embedder.model_id)
        library.index  # noqa: B018  (build the HNSW index: setup, not measured)
        library.search("cluster 0", limit=1)  # background prompts embedded and cached (setup)
        library.relevance.sample._key = None  # the next query draws the sample: measured below

        searcher = library._searcher()
        query = embedder.embed_texts(["cluster 1"])[0]
        t = time.perf_counter()
        library.search_results("cluster 1", limit=20)
        first = time.perf_counter() - t
        sample = library.relevance.sample.vectors(embedder.model_id, len(library.index))
        rows = [("first query after opening (draws the sample)", first)]
        for limit in (20, 1000):
            plain, _ = timed(lambda limit=limit: searcher.vector(query, limit))
            full, results = timed(lambda limit=limit: library.search_results("cluster 1", limit=limit))
            rows.append((f"ranking only (before the cutoff), limit {limit}", plain))
            rows.append((f"with cutoff + annotation + margin ranking, limit {limit} ({len(results.matches)} matches)",
                         full))
        fit, _ = timed(lambda: library.relevance.cutoff(query, embedder.model_id, len(library.index)))
        rows.append((f"of which fitting the cutoff on the {len(sample):,}-vector sample", fit))

        # sampled vs exact statistics over every vector, 20 queries
        background = library._background(embedder.model_id)
        deltas, agree, total = [], 0, 0
        for k in range(20):
            q = embedder.embed_texts([f"cluster {k}"])[0]
            margins = vectors @ q - vectors @ background
            center = float(np.median(margins))
            scale = max(1.4826 * float(np.median(np.abs(margins - center))), calibration.MIN_SCALE)
            exact_z = (margins - center) / scale
            cutoff = library.relevance.cutoff(q, embedder.model_id, len(library.index))
            sampled_z = cutoff.calibrated(margins)
            near = np.abs(exact_z - 3) < 3  # the photos around the threshold
            deltas.append(float(np.abs(sampled_z - exact_z)[near].max()) if near.any() else 0.0)
            exact_match = (exact_z >= 3) & (margins > calibration.MIN_MARGIN)
            sampled_match = cutoff.is_match(margins)
            agree += int((exact_match & sampled_match).sum())
            total += int((exact_match | sampled_match).sum())
        library.close()

    print(f"\n{args.photos:,} photos ({DIM}-d, {args.clusters} clusters), HNSW index, one process\n")
    print("| step | time |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.1f} ms |")
    print(f"\nsampled vs exact calibration over 20 queries: largest |Δz| near the threshold (exact z in 0…6) "
          f"{max(deltas):.3f} (median {np.median(deltas):.3f}); same match/no-match decision for "
          f"{agree:,} of {total:,} photos either calls a match ({agree / max(total, 1):.2%})")


if __name__ == "__main__":
    main()
