"""Zero-shot tagging speed: N photos × L labels from stored vectors, in a real SQLite catalog.

Random unit vectors (512-d, like ViT-B/32) stand in for image embeddings and a hash-seeded fake model for the
text tower, so this measures the tagging path only: load vectors from the catalog, prompt vectors, one matrix
product, calibration, negatives, picking suggestions, writing them to the review queue.

    .venv/bin/python -m benchmarks.tagging_speed [--photos 100000] [--labels 100] [--dim 512]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np

from photoclip.core.embed.base import normalize_rows
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.core.tagging import Label, LabelSet


class RandomTextEmbedder:
    """The same text always gives the same random unit vector; no torch."""

    model_id = "bench/random@512"
    input_size = 224

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.texts = 0

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        seeds = [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") for t in texts]
        return normalize_rows(np.stack([np.random.default_rng(s).standard_normal(self.dim) for s in seeds]))


def fill_catalog(library: Library, photos: int, dim: int, model_id: str, first: int = 0) -> None:
    rng = np.random.default_rng(first)
    folder = library._catalog.add_folder(Path("/bench/Pictures"))
    now = time.time()
    with library._catalog.transaction() as db:
        for start in range(first, first + photos, 10_000):
            n = min(10_000, first + photos - start)
            vectors = normalize_rows(rng.standard_normal((n, dim)).astype(np.float32))
            hashes = [f"h{start + i:08d}" for i in range(n)]
            db.executemany(
                "INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES (?, ?, ?, ?)",
                [(h, model_id, v.tobytes(), now) for h, v in zip(hashes, vectors, strict=True)],
            )
            db.executemany(
                """INSERT INTO photos(folder_id, path, size, mtime_ns, content_hash, status, updated_at)
                   VALUES (?, ?, 1, 1, ?, 'indexed', ?)""",
                [(folder.id, f"/bench/Pictures/{h}.jpg", h, now) for h in hashes],
            )
    library._catalog.set_meta("model_id", model_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        embedder = RandomTextEmbedder(args.dim)
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        library = Library.open(settings, embedder=embedder)
        t = time.perf_counter()
        fill_catalog(library, args.photos, args.dim, embedder.model_id)
        print(f"catalog filled with {args.photos} photos in {time.perf_counter() - t:.1f} s (setup, not measured)")

        # every label with the default 7 templates; every tenth with a negative prompt
        labels = tuple(
            Label(f"Bench|label {i}", negatives=(f"not label {i}",) if i % 10 == 0 else ()) for i in range(args.labels)
        )
        label_set = LabelSet("bench", labels)
        tagger = library.tags

        rows = []
        runs = (("first ever: vectors from SQLite (cache written), prompts embedded", False),
                ("new session: vectors from the cache file, prompts from the catalog", True),
                *[(f"warm #{i}: vectors and prompts in memory", False) for i in (1, 2, 3)],
                ("warm, after one new photo was indexed", "add"))
        for name, action in runs:
            if action is True:
                library.close()
                library = Library.open(settings, embedder=embedder)
                tagger = library.tags
            elif action == "add":
                fill_catalog(library, 1, args.dim, embedder.model_id, first=args.photos)
            t0 = time.perf_counter()
            run = tagger.run(label_set)
            t1 = time.perf_counter()
            suggestions = run.suggestions()
            t2 = time.perf_counter()
            tagger.save_run(run)
            t3 = time.perf_counter()
            rows.append((name, run.timings, t1 - t0, t2 - t1, t3 - t2, len(suggestions)))

        vectors = tagger.space.library_vectors().matrix
        text = normalize_rows(np.random.default_rng(1).standard_normal((args.labels + 1, args.dim)).astype(np.float32))
        t = time.perf_counter()
        _ = vectors @ text.T
        matmul = time.perf_counter() - t
        t = time.perf_counter()
        run.count(labels[0].name, 2.0)
        slider = time.perf_counter() - t
        library.close()

    print(f"\n{args.photos:,} photos × {args.labels} labels ({args.dim}-d), 7 prompts per label, every tenth with a "
          f"negative; prompts embedded in all: {embedder.texts}\n")
    print("| run | load vectors | prompt vectors | score + calibrate | negatives/decided | run total "
          "| pick suggestions | save to queue (incl. picking) | suggestions |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, timings, total, pick, save, count in rows:
        print(f"| {name} | {timings['load_vectors_s']:.3f} s | {timings['text_vectors_s']:.3f} s "
              f"| {timings['score_calibrate_s']:.3f} s | {timings['negatives_decided_s']:.3f} s | {total:.3f} s "
              f"| {pick:.3f} s | {save:.3f} s | {count} |")
    print(f"\nbare matrix product {args.photos:,}×{args.dim} @ {args.dim}×{args.labels + 1}: {matmul:.3f} s; "
          f"slider count for one label at a new threshold: {slider * 1000:.1f} ms")


if __name__ == "__main__":
    main()
