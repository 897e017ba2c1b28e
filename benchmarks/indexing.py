"""Indexing and search throughput, measured side by side in one run.

ViT-B/32 geometry (``CLIPConfig()``, random weights: same FLOPs as openai/clip-vit-base-patch32, so speed only,
never search quality) on camera-size JPEGs. Prints a markdown table:
  model-only images/s · full pipeline photos/s · their ratio · fast CPU backend vs fp32 (speed, cosine)
  · text-query latency p50 at 100k vectors.

    .venv/bin/python -m benchmarks.indexing [--photos 48] [--size 4000x3000] [--vectors 100000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from photoclip.core.embed.clip_hf import ClipEmbedder
from photoclip.core.imaging.decode import decode_photo
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.testing.clip_vocab import write_vocab_files
from photoclip.testing.images import photo_like

REPO = Path(__file__).resolve().parents[1]

CACHE = Path(tempfile.gettempdir()) / "photoclip-bench"
VOCAB_GZ = REPO / ".test-assets" / "bpe_simple_vocab_16e6.txt.gz"


def vit_b32_folder() -> Path:
    """CLIPConfig() defaults are ViT-B/32: saved once in the hub's layout with the real tokenizer files."""
    folder = CACHE / "vit-b32-random"
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    torch.manual_seed(0)
    vocab, merges = write_vocab_files(VOCAB_GZ, folder)
    CLIPModel(CLIPConfig()).eval().save_pretrained(folder, safe_serialization=True)
    CLIPTokenizer(str(vocab), str(merges)).save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)
    return folder


def camera_photos(n: int, size: tuple[int, int]) -> Path:
    folder = CACHE / f"photos-{size[0]}x{size[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"IMG_{i:04}.jpg"
        if not path.exists():
            photo_like(size, seed=i).save(path, "JPEG", quality=90)
    return folder


def load(folder: Path, backend: str, threads: int) -> ClipEmbedder:
    return ClipEmbedder.load(folder, model_id=f"bench-vitb32-{backend}", backend=backend, device="cpu",
                             threads=threads)


def prepared_batch(embedder: ClipEmbedder, photos: Path, n: int) -> np.ndarray:
    files = sorted(photos.glob("*.jpg"))[:n]
    images = [decode_photo(p.read_bytes(), min_side=embedder.input_size).image for p in files]
    return np.stack([embedder.prepare(im) for im in images])


def images_per_second(embedder: ClipEmbedder, batch: np.ndarray, batch_size: int = 16) -> tuple[float, np.ndarray]:
    embedder.embed_prepared(batch[:batch_size])  # warm-up
    started = time.perf_counter()
    out = [embedder.embed_prepared(batch[i : i + batch_size]) for i in range(0, len(batch), batch_size)]
    return len(batch) / (time.perf_counter() - started), np.concatenate(out)


def pipeline_photos_per_second(embedder: ClipEmbedder, photos: Path, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache", decode_workers=workers)
        with Library.open(settings, embedder=embedder) as library:
            summary = library.index_folders([photos])
    return summary.embedded / summary.seconds


def query_latency_ms(embedder: ClipEmbedder, n_vectors: int) -> tuple[float, float, float, float]:
    """p50 of a new text query end to end (tokenise + text tower + HNSW + catalog join) at n_vectors photos,
    of its text tower alone, the index load time, and p50 of the same queries run again (their text vectors
    remembered: the open search re-run while indexing, a filter changed)."""
    from photoclip.core.embed.query_cache import QueryVectors
    from photoclip.core.records import PhotoRecord

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        with Library.open(settings, embedder=embedder) as library:
            folder = library._catalog.add_folder(Path(tmp) / "photos")
            for start in range(0, n_vectors, 5000):
                vectors = rng.normal(size=(5000, embedder.dim)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                records = [
                    PhotoRecord(folder.id, f"{tmp}/photos/{start + i}.jpg", 1, 1, f"h{start + i}", "indexed",
                                vector=vectors[i])
                    for i in range(5000)
                ]
                library._catalog.commit_batch(embedder.model_id, records)
            built = time.perf_counter()
            index_size = len(library.index)
            build_s = time.perf_counter() - built
            queries = ["a dog on a beach", "receipt from the hardware store", "kids on a red sled -snow"] * 10
            times = []
            for q in queries:
                library._query_vectors = QueryVectors()  # every query new to the library
                t = time.perf_counter()
                library.search(q, limit=20)
                times.append((time.perf_counter() - t) * 1000)
            again = []
            for q in queries:
                t = time.perf_counter()
                library.search(q, limit=20)
                again.append((time.perf_counter() - t) * 1000)
            text_only = []
            for q in queries:
                t = time.perf_counter()
                embedder.embed_texts([q])
                text_only.append((time.perf_counter() - t) * 1000)
    assert index_size == n_vectors
    return float(np.median(times)), float(np.median(text_only)), build_s, float(np.median(again))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the model")
    parser.add_argument("--workers", type=int, default=1, help="decode workers")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    folder, photos = vit_b32_folder(), camera_photos(args.photos, size)

    fast = load(folder, "auto", args.threads)
    batch = prepared_batch(fast, photos, args.photos)
    fast_ips, fast_vecs = images_per_second(fast, batch)
    pipe = pipeline_photos_per_second(fast, photos, args.workers)
    ref = load(folder, "fp32", args.threads)
    ref_ips, ref_vecs = images_per_second(ref, batch)
    cos = np.sum(fast_vecs * ref_vecs, axis=1)
    del ref
    q50, text50, build_s, again50 = query_latency_ms(fast, args.vectors)
    # `photoclip search` gives the text tower every core (nothing else runs in that process).
    cores = os.cpu_count() or 1
    q50_all, text50_all, _, _ = query_latency_ms(load(folder, "auto", cores), args.vectors)

    print(f"\n{args.photos} JPEGs {args.size}, ViT-B/32 geometry (random weights), {args.threads} model thread(s), "
          f"{args.workers} decode worker(s)\n")
    print("| measure | value |\n|---|---|")
    print(f"| model-only, {fast.backend} backend | {fast_ips:.1f} images/s |")
    print(f"| full pipeline (read, hash, draft decode, thumbnail, embed, commit, HNSW) | {pipe:.1f} photos/s |")
    print(f"| pipeline ÷ model-only | {pipe / fast_ips:.2f} |")
    print(f"| model-only, fp32 reference | {ref_ips:.1f} images/s |")
    print(f"| {fast.backend} ÷ fp32 speed | {fast_ips / ref_ips:.2f}× |")
    print(f"| {fast.backend} vs fp32 cosine (mean / min) | {cos.mean():.5f} / {cos.min():.5f} |")
    print(f"| text query p50 at {args.vectors:,} vectors (end to end) | {q50:.1f} ms |")
    print(f"| of which text tower p50 | {text50:.1f} ms |")
    print(f"| the same query run again (text vector remembered) p50 | {again50:.1f} ms |")
    print(f"| text query p50, {cores} threads (`photoclip search`) | {q50_all:.1f} ms |")
    print(f"| of which text tower p50, {cores} threads | {text50_all:.1f} ms |")
    print(f"| HNSW load/catch-up of {args.vectors:,} vectors | {build_s:.1f} s |")


if __name__ == "__main__":
    main()
