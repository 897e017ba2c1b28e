"""How long the tagging thread keeps the GIL (so the GUI thread waits) while it computes a label's preview:
the old pure-Python ordering (sorted() over (score, path, row) tuples: one C call that never lets go of the GIL)
side by side with the numpy ordering TagRun uses now (argpartition/argsort release it; ties by path still).

A probe thread sleeps 1 ms in a loop, as an idle GUI event loop would; its longest wake-up delay while another
thread computes previews is the stall a user would feel. 100,000 random 512-d vectors, 100 labels (as
benchmarks/tagging_speed.py); thresholds 1.0–3.0, where a label passes a few hundred to a few thousand photos.

    .venv/bin/python -m benchmarks.tag_preview_gil [--photos 100000] [--labels 100]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.tagging_speed import RandomTextEmbedder, fill_catalog
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.core.tagging import Label, LabelSet
from photoclip.core.tagging.suggest import TagRun

THRESHOLDS = (1.0, 1.5, 2.0, 2.5, 3.0)


def python_best_first(run: TagRun, rows: np.ndarray, column: int, limit: int | None = None) -> list[int]:
    """The ordering before: every passing row sorted in Python, then cut."""
    scores = run.z[rows, column]
    ordered = [int(r) for _, _, r in sorted(zip(-scores, (run.paths[r] for r in rows), rows, strict=True))]
    return ordered[:limit]


def longest_stall(work) -> float:
    """The longest extra delay (ms) of a thread sleeping 1 ms while ``work`` runs on another thread."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (work(), done.set()))
    late, last = 0.0, time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        late, last = max(late, now - last - 0.001), now
    worker.join()
    return late * 1000


def measure(run: TagRun, label: str, ordering) -> tuple[float, float, float]:
    """(median preview ms, median stall ms, max stall ms) over THRESHOLDS, three rounds."""
    TagRun._best_first = ordering
    times, stalls = [], []
    for _ in range(3):
        for threshold in THRESHOLDS:
            started = time.perf_counter()
            run.preview(label, threshold, limit=48)
            times.append((time.perf_counter() - started) * 1000)
            stalls.append(longest_stall(lambda t=threshold: run.preview(label, t, limit=48)))
    return float(np.median(times)), float(np.median(stalls)), max(stalls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=100)
    args = parser.parse_args()
    numpy_best_first = TagRun._best_first
    with tempfile.TemporaryDirectory() as tmp:
        embedder = RandomTextEmbedder(512)
        library = Library.open(Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache"),
                               embedder=embedder)
        fill_catalog(library, args.photos, 512, embedder.model_id)
        label_set = LabelSet("bench", tuple(Label(f"Bench|label {i}") for i in range(args.labels)))
        run = library.tags.run(label_set)
        label = label_set.labels[0].name
        passing = [run.count(label, t) for t in THRESHOLDS]
        python = measure(run, label, python_best_first)
        numpy_ = measure(run, label, numpy_best_first)
        TagRun._best_first = numpy_best_first
        library.close()
    print(f"{args.photos:,} photos × {args.labels} labels; the label passes {passing[-1]:,}–{passing[0]:,} photos "
          f"at thresholds {THRESHOLDS[-1]}–{THRESHOLDS[0]}; preview of 48\n")
    print("| ordering | preview median (ms) | 1 ms sleeper's stall median (ms) | max (ms) |\n|---|---:|---:|---:|")
    for name, (t, s, m) in (("Python sorted() (before)", python), ("numpy argpartition/argsort (now)", numpy_)):
        print(f"| {name} | {t:.1f} | {s:.1f} | {m:.1f} |")


if __name__ == "__main__":
    main()
