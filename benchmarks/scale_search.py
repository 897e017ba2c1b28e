"""Search at scale: recall against exact search and query time, with and without filters (issue 18).

A synthetic library of CLIP-like 512-d vectors (2,000 subjects around one shared direction, as ViT-B/32 image
vectors lean) in 400 event folders of uneven size, each event a few days long, written
through the real ``Catalog.commit_batch`` (no files: search reads only the catalog and the index). The library
is kept in ``--root``/<photos> and reused by later runs (building 300k takes minutes).

Measured on it, beside an exact numpy search of every stored vector:
- recall@50 of text-like queries (off the image vectors' distribution: the modality gap) and image-like ones
  (stored vectors), mean and min, through the search path (``Searcher.vector``);
- query p50/p95 of that path without a filter, with a small folder, the largest folder, a month of dates and a
  folder + dates; recall of each filter against the exact filtered answer;
- ``--before``: the same with the search path as it was (ef = max(64, k), filters counted and scanned over the
  whole catalog), side by side.

Other benchmarks reuse it: ``build_library(path, photos)``, ``open_library(path)`` (any library: the model id is
read from its catalog, no model is loaded), then ``Truth(library)``, ``queries``, ``measure_cases``,
``measure_pages``; ``--data-dir`` measures another benchmark's library (benchmarks/million.py), ``--one-shot``
the cold command line's search path (exact over the mapped vector matrix) instead of the HNSW index.

    .venv/bin/python -m benchmarks.scale_search --photos 100000 [--before] [--pages] [--root /tmp/photoclip-scale]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks.figures import percentile
from photoclip.core.embed.base import normalize_rows
from photoclip.core.records import PhotoRecord

DIM = 512
MODEL_ID = "bench/scale@512"
ROOT = Path("/tmp/photoclip-scale")
PICTURES = "/bench/Pictures"


class SyntheticEmbedder:
    """Texts embed to fixed off-distribution directions (never loads a model); photos are never embedded."""

    dim = DIM
    input_size = 224

    def __init__(self, model_id: str = MODEL_ID) -> None:
        self.model_id = model_id  # another benchmark's library: its own model's id (no model is loaded)

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
    names = [f"{event_day[f]!s} event {f:03d}" for f in range(folders)]
    return vectors, folder_of, dates, names


def build_library(data_dir: Path, photos: int, clusters: int = 2000, folders: int = 400, seed: int = 0) -> None:
    """Write the synthetic library through ``Catalog.commit_batch`` and build its HNSW file (all cores)."""
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

    vectors, folder_of, dates, names = synth(photos, clusters, folders, seed)
    settings = Settings(data_dir=data_dir, cache_dir=data_dir / "cache")
    with Library.open(settings, embedder=SyntheticEmbedder()) as library:
        root = library._catalog.add_folder(Path(PICTURES))
        for start in range(0, photos, 5000):
            records = [
                PhotoRecord(root.id, f"{PICTURES}/{names[folder_of[i]]}/IMG_{i:07d}.jpg", 3_000_000, 1_600_000_000
                            * 10**9, f"{i:032x}", "indexed", 4000, 3000, str(dates[i]), "Camera", vector=vectors[i])
                for i in range(start, min(start + 5000, photos))
            ]
            library._catalog.commit_batch(MODEL_ID, records)
        library._catalog.set_meta("model_id", MODEL_ID)
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
    from photoclip.core.store.catalog import Catalog
    from photoclip.core.store.db import Database

    settings = Settings(data_dir=data_dir, cache_dir=data_dir / "cache")
    catalog = Catalog(Database(settings.catalog_path))
    model_id = catalog.get_meta("model_id") or MODEL_ID
    catalog.db.close()
    return Library.open(settings, embedder=SyntheticEmbedder(model_id))


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


class Truth:
    """Every stored vector with its photo's folder and date, for exact answers (numpy over the whole matrix)."""

    def __init__(self, library) -> None:
        catalog, model_id = library._catalog, library.embedder.model_id
        count = catalog.db.conn.execute("SELECT COUNT(*) FROM photos WHERE status = 'indexed'").fetchone()[0]
        self.ids = np.zeros(count, np.int64)
        self.vectors = None
        folders, dates, n = [], [], 0
        cursor = catalog.db.conn.cursor()
        cursor.row_factory = None
        cursor.execute("""SELECT e.id, e.vector, p.path, p.effective_at FROM photos p
                          JOIN embeddings e ON e.content_hash = p.content_hash AND e.model_id = ?
                          WHERE p.status = 'indexed' ORDER BY e.id""", (model_id,))
        for embedding_id, vector, path, date in cursor:  # streamed: 1M rows never sit in memory as rows
            if self.vectors is None:
                self.vectors = np.zeros((count, len(vector) // 4), np.float32)
            self.ids[n], self.vectors[n] = embedding_id, np.frombuffer(vector, np.float32)
            folders.append(path.rsplit("/", 1)[0])
            dates.append(date)
            n += 1
        self.ids, self.vectors = self.ids[:n], self.vectors[:n]
        self.folder_names, self.folder_codes = np.unique(np.array(folders), return_inverse=True)
        self.date = np.array(dates)

    @property
    def folder(self) -> np.ndarray:
        return self.folder_names[self.folder_codes]

    def mask(self, filters) -> np.ndarray:
        keep = np.ones(len(self.ids), bool)
        if filters is None:
            return keep
        if filters.folder:
            keep &= self.folder_codes == int(np.searchsorted(self.folder_names, filters.folder))
        if filters.date_from:
            keep &= self.date >= filters.date_from
        if filters.date_to:
            keep &= self.date <= filters.date_to + ("T23:59:59" if len(filters.date_to) == 10 else "")
        return keep

    def top(self, query: np.ndarray, k: int, mask: np.ndarray) -> np.ndarray:
        scores = np.where(mask, self.vectors @ query, -np.inf)
        best = np.argpartition(-scores, min(k, mask.sum()) - 1)[: min(k, mask.sum())]
        return self.ids[best]


def queries(truth: Truth, count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(text-like, photo-like) query vectors: core's synthetic off-distribution ones and stored vectors."""
    from photoclip.core.index.recall import synthetic_text_queries

    rng = np.random.default_rng(seed)
    photos = truth.vectors[rng.choice(len(truth.ids), count, replace=False)]
    return synthetic_text_queries(photos, rng), photos


def filter_cases(truth: Truth) -> dict[str, object]:
    """No filter, a small folder (~2,000 photos at 1M: 0.2 %), the largest folder, a month, folder + month."""
    from photoclip.core.search import Filters

    names, counts = truth.folder_names, np.bincount(truth.folder_codes)
    order = np.argsort(counts)
    small = names[order[np.searchsorted(counts[order], max(50, len(truth.ids) // 500))]]
    largest = names[order[-1]]
    months, month_counts = np.unique(np.char.ljust(truth.date.astype("U7"), 7), return_counts=True)
    month = months[np.argmax(month_counts)]
    largest_dates = np.sort(truth.date[truth.folder_codes == int(np.searchsorted(names, largest))])
    half = largest_dates[len(largest_dates) // 2][:10]
    return {
        "no filter": None,
        "small folder": Filters(folder=str(small)),
        "largest folder": Filters(folder=str(largest)),
        "one month": Filters(date_from=f"{month}-01", date_to=f"{month}-31"),
        "largest folder + dates": Filters(folder=str(largest), date_from=largest_dates[0][:10], date_to=half),
    }


def searcher_for(library, before: bool, one_shot: bool = False):
    """``one_shot``: as a cold ``photoclip search`` searches (exact over the mapped vector matrix)."""
    from photoclip.core.search import Searcher

    index = library._one_shot_vectors() if one_shot else library.index
    if index is None:
        raise SystemExit("--one-shot needs the vector matrix file (benchmarks/million.py: prepare_matrix)")
    searcher = Searcher(library._catalog, index, library.embedder, scopes=library._scopes)  # as the app does
    if before:
        searcher.vector = lambda q, limit=20, filters=None, exclude_paths=frozenset(), words=True: \
            vector_before(searcher, q, limit, filters, exclude_paths)
    return searcher


def vector_before(searcher, query: np.ndarray, limit: int, filters, exclude_paths: frozenset[str]):
    """The search path as it was before issue 18: count and scan the filter over the whole catalog, ef =
    max(64, k) with k = 4 x limit, widened 4x until the filter's share fills the page."""
    from photoclip.core.search import Filters

    filters = filters or Filters()
    catalog, model_id = searcher.catalog, searcher.embedder.model_id
    if filters.active and catalog.count_filtered(model_id, filters.folder, filters.date_from, filters.date_to,
                                                 filters.photo_ids) <= 20_000:
        ids, vectors = catalog.filtered_embeddings(model_id, filters.folder, filters.date_from, filters.date_to,
                                                   filters.photo_ids)
        scores = vectors @ query if len(ids) else np.zeros(0, np.float32)
        order = np.argsort(-scores)[: limit * 2 + len(exclude_paths)]
        return searcher._hits(ids[order], scores[order], limit, filters, exclude_paths)
    fetch = max(limit * 4, 64)
    while True:
        ids, scores = searcher.index.query(query, fetch + len(exclude_paths))  # ef = max(64, k)
        hits = searcher._hits(ids, scores, limit, filters, exclude_paths)
        if len(hits) >= limit or len(ids) >= len(searcher.index) or len(ids) < fetch + len(exclude_paths):
            return hits
        fetch *= 4


def measure_cases(library, truth: Truth, texts: np.ndarray, photos: np.ndarray, before: bool, k: int = 50,
                  only: set[str] | None = None, one_shot: bool = False) -> dict[str, dict]:
    """Per filter case: recall@k of text-like and photo-like queries through ``Searcher.vector`` against the
    exact filtered answer (mean, min), and the query time p50/p95 of text-like queries (ms)."""
    searcher = searcher_for(library, before, one_shot)
    out = {}
    # each kind's first query in a scope reads it from the catalog; the others reuse it (ScopeCache), as the
    # app's next query in the same folder or dates does
    for name, filters in filter_cases(truth).items():
        if only and name not in only:
            continue
        mask = truth.mask(filters)
        row: dict = {"photos in scope": int(mask.sum())}
        for kind, vectors, words in (("text", texts, True), ("photo", photos, False)):
            recalls, times = [], []
            for q in vectors:
                started = time.perf_counter()
                hits = searcher.vector(q, k, filters, words=words)
                times.append((time.perf_counter() - started) * 1000)
                exact = truth.top(q, k, mask)
                recalls.append(len(np.intersect1d([h.embedding_id for h in hits], exact)) / len(exact))
            row[f"{kind} recall mean"], row[f"{kind} recall min"] = float(np.mean(recalls)), float(np.min(recalls))
            row[f"{kind} p50 ms"], row[f"{kind} p95 ms"] = percentile(times, 50), percentile(times, 95)
            row[f"{kind} first ms"] = times[0]  # the scope read from the catalog; later queries reuse it
        out[name] = row
    return out


def measure_pages(library, text: np.ndarray, sizes=(1000, 4000, 16000, 64000, 100_000)) -> list[tuple]:
    """The GUI's scroll-to-load: (limit, filter, results, seconds) for ever larger pages, with and without a
    filter (any error propagates: the point is that none comes)."""
    from photoclip.core.search import Filters

    searcher = searcher_for(library, before=False)
    out = []
    for limit in sizes:
        for label, filters in (("none", None), ("dates", Filters(date_from="2012-01-01", date_to="2019-12-31"))):
            started = time.perf_counter()
            hits = searcher.vector(text, limit, filters)
            out.append((limit, label, len(hits), time.perf_counter() - started))
    return out


def print_cases(after: dict, before: dict | None) -> None:
    columns = ["photos in scope", "text recall mean", "text recall min", "photo recall mean", "photo recall min",
               "text first ms", "text p50 ms", "text p95 ms"]
    print("| filter | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in after.items():
        cells = []
        for column in columns:
            now = row.get(column, float("nan"))
            was = before[name].get(column) if before and name in before else None
            fmt = (lambda v: f"{v:,}") if column == "photos in scope" else \
                (lambda v: f"{v:.3f}") if "recall" in column else (lambda v: f"{v:.1f}")
            cells.append(fmt(now) if was is None or column == "photos in scope" else f"{fmt(was)} → {fmt(now)}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--before", action="store_true", help="also measure the search path as it was")
    parser.add_argument("--pages", action="store_true", help="also page to 100k results")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="measure this library instead (e.g. benchmarks/million.py's)")
    parser.add_argument("--one-shot", action="store_true", help="the cold command line's search path instead "
                        "(exact over the mapped vector matrix: no HNSW file loaded)")
    parser.add_argument("--before-cases", default="", help="comma-separated filter cases --before measures "
                        "(default: all; the old path scans the whole catalog per filtered query)")
    args = parser.parse_args()
    started = time.perf_counter()
    data_dir = args.data_dir or ensure_library(args.root, args.photos)
    print(f"library {data_dir} ready in {time.perf_counter() - started:.0f} s ({machine()})")
    if args.build_only:
        return
    with open_library(data_dir) as library:
        started = time.perf_counter()
        if not args.one_shot:
            library.index  # noqa: B018
        print(f"index loaded in {time.perf_counter() - started:.1f} s")
        truth = Truth(library)
        texts, photos = queries(truth, args.queries)
        cases = set(filter(None, args.before_cases.split(",")))
        before = measure_cases(library, truth, texts, photos, before=True, only=cases) if args.before else None
        after = measure_cases(library, truth, texts, photos, before=False, one_shot=args.one_shot)
        print(f"\n{len(truth.ids):,} photos, recall@50 against exact numpy, {args.queries} queries of each kind"
              f" ({'before → after' if before else 'after'}); {machine()}\n")
        print_cases(after, before)
        if args.pages:
            print()
            for limit, label, n, seconds in measure_pages(library, texts[0]):
                print(f"page of {limit:>7,} (filter: {label:<5}): {n:>7,} results in {seconds:6.2f} s")


if __name__ == "__main__":
    main()
