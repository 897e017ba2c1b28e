"""A library of 300k or 1,000,000 photos: start-up, rescan, status, cold search and memory, main beside this checkout.

The library (built once, cached under ``/work/scale-cache/`` or ``$PHOTOCLIP_SCALE_CACHE``, outside git):
synthetic CLIP-like 512-d vectors in 2,000 clusters around a shared mean direction (CLIP image vectors share
one), photos in 400 event folders of uneven size, each event drawing on a few clusters and a few days, written
through the real ``Catalog.commit_batch``; every photo is a sparse placeholder file of its recorded size and
mtime, so the walker sees an unchanged library. The HNSW index is built by ``VectorIndex.sync`` (hnswlib's
multithreaded ``add_items``) under ``nice``. The model is a random-weight ViT-B/32 (benchmarks/random_models.py):
search quality means nothing here, speed and memory do.

``build_library(photos)`` returns the library folder (``data/`` is ``PHOTOCLIP_DATA_DIR``, ``Pictures/`` the
photos; ``library_env(path)`` the environment a command needs); ``library_vectors(photos)`` regenerates the
vectors in id order for exact comparisons (benchmarks/scale_search.py).

Measured per checkout, each in a fresh process (wall time, peak RSS from ``os.wait4``), interleaved:
``photoclip index`` with nothing changed, ``photoclip status``, a cold ``photoclip search`` with the torch fp32
backend and with ``auto`` (the default; one untimed run first, which converts the text tower once where this
branch makes it), and the real window offscreen: process start to the first rows of the library grid, then its
RSS after 20 s (steady) and peak. The tags' vector matrix file is made first, as the app's first launch does.

    nice -n 10 .venv/bin/python -m benchmarks.million [--photos 300000] [--main /work/main] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

CACHE_ROOT = Path(os.environ.get("PHOTOCLIP_SCALE_CACHE", "/work/scale-cache"))
DIM, CLUSTERS, EVENTS = 512, 2_000, 400
SEED = 2026
PHOTO_BYTES = 3_000_000
FIRST_DAY = 1.45e9  # 2015-12
BATCH = 5_000
QUERY = "a dog on the beach"
PYTHON = sys.executable


# the library ----------------------------------------------------------------------------------------------
def centres() -> tuple[np.ndarray, np.ndarray]:
    """(shared mean direction (d,), cluster centres (C, d)), unit vectors."""
    rng = np.random.default_rng(SEED)
    mean = rng.standard_normal(DIM)
    mean /= np.linalg.norm(mean)
    c = rng.standard_normal((CLUSTERS, DIM))
    return mean.astype(np.float32), (c / np.linalg.norm(c, axis=1, keepdims=True)).astype(np.float32)


def layout(photos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per photo: its event folder, its cluster and its time (seconds); photos are in event order."""
    rng = np.random.default_rng(SEED + 1)
    weights = rng.lognormal(0.0, 0.8, EVENTS)
    sizes = np.maximum(1, np.floor(weights / weights.sum() * photos)).astype(np.int64)
    sizes[np.argmax(sizes)] += photos - sizes.sum()
    event = np.repeat(np.arange(EVENTS), sizes)
    # an event draws on 3-8 clusters and lasts 1-5 days, at some time in eight years
    picks = [rng.choice(CLUSTERS, rng.integers(3, 9), replace=False) for _ in range(EVENTS)]
    cluster = np.concatenate([rng.choice(picks[e], n) for e, n in enumerate(sizes)])
    start = FIRST_DAY + np.sort(rng.random(EVENTS)) * 8 * 365 * 86_400
    span = rng.integers(1, 6, EVENTS) * 86_400
    when = start[event] + rng.random(photos) * span[event]
    return event, cluster, when


def synth_vectors(photos: int, chunk: int = BATCH) -> Iterator[tuple[int, np.ndarray]]:
    """(first photo, (n, d) unit vectors) in photo order: a photo's vector is its cluster's centre plus the
    shared mean plus noise (cosine to its centre ~0.6, to a random other photo ~0.25)."""
    mean, centre = centres()
    _, cluster, _ = layout(photos)
    rng = np.random.default_rng(SEED + 2)
    for start in range(0, photos, chunk):
        n = min(chunk, photos - start)
        noise = rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
        v = 0.45 * mean + 0.75 * centre[cluster[start:start + n]] + 0.6 * noise
        yield start, (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def library_vectors(photos: int) -> np.ndarray:
    """Every photo's vector in id order (embedding ids follow photo order in a built library)."""
    return np.concatenate([v for _, v in synth_vectors(photos)])


def model_folder() -> Path:
    from benchmarks.random_models import clip_b32_folder

    return clip_b32_folder(224)


def library_env(library: Path) -> dict[str, str]:
    # the cache (the tags' vector matrix, the OpenVINO text tower) per library: the matrix file is named by
    # model, and the 300k and 1M libraries share the model
    return {**os.environ, "PHOTOCLIP_DATA_DIR": str(library / "data"), "PHOTOCLIP_MODEL": str(model_folder()),
            "PHOTOCLIP_CACHE_DIR": str(library / "data" / "cache"), "PHOTOCLIP_OFFLINE": "1",
            "PHOTOCLIP_BACKEND": "fp32", "QT_QPA_PLATFORM": "offscreen"}


def prepare_matrix(library: Path, log=print) -> None:
    """The tags' vector matrix file, as the app's first launch leaves it (tag and album counts): what a cold
    search of this branch searches exactly. Once (a minute at a million photos)."""
    from photoclip.core.store.catalog import Catalog
    from photoclip.core.store.db import Database
    from photoclip.core.tagging.matrix_cache import MatrixCache
    from photoclip.core.tagging.store import TagStore

    data = library / "data"
    catalog = Catalog(Database(data / "catalog.sqlite3"))
    model_id = catalog.get_meta("model_id")
    started = time.perf_counter()
    ids, _ = MatrixCache(data / "cache" / "vectors", model_id).load(TagStore(catalog))
    catalog.db.close()
    log(f"  vector matrix: {len(ids):,} rows ({time.perf_counter() - started:.0f} s)")


def build_library(photos: int, root: Path = CACHE_ROOT, log=print) -> Path:
    """The library of ``photos`` photos, built once (minutes: files, catalog, HNSW) and reused after."""
    library = root / f"lib-{photos}"
    if (library / "built.json").exists():
        return library
    from photoclip.core.embed.registry import resolve_model
    from photoclip.core.index.hnsw import VectorIndex
    from photoclip.core.model_switch import remember_model
    from photoclip.core.records import PhotoRecord
    from photoclip.core.settings import Settings
    from photoclip.core.store.catalog import Catalog
    from photoclip.core.store.db import Database

    os.nice(10)  # shared machine: the build yields to everything else
    folder, model_id = resolve_model(str(model_folder()), Path("/nonexistent"), allow_download=False)
    if library.exists():
        import shutil

        shutil.rmtree(library)  # a build cut short: start over
    settings = Settings(data_dir=library / "data", cache_dir=library / "data" / "cache")
    pictures = library / "Pictures"
    event, _, when = layout(photos)
    started = time.perf_counter()
    for e in range(EVENTS):
        (pictures / f"event-{e:03d}").mkdir(parents=True, exist_ok=True)
    catalog = Catalog(Database(settings.catalog_path))
    settings.model = str(folder)
    remember_model(catalog, str(folder))
    catalog.set_meta("model_id", model_id)
    root_row = catalog.add_folder(pictures)
    for start, vectors in synth_vectors(photos):
        records = []
        for i, vector in enumerate(vectors, start):
            path = str(pictures / f"event-{event[i]:03d}" / f"IMG_{i:07d}.jpg")
            mtime_ns = int(when[i] * 1e9)
            with open(path, "wb") as fh:
                fh.truncate(PHOTO_BYTES)  # sparse: no blocks on disk
            os.utime(path, ns=(mtime_ns, mtime_ns))
            taken = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when[i]))
            records.append(PhotoRecord(root_row.id, path, PHOTO_BYTES, mtime_ns, f"{i:032x}", "indexed", 4000,
                                       3000, taken, "Bench Camera", vector=vector))
        catalog.commit_batch(model_id, records)
        if start % 100_000 == 0:
            log(f"  catalog {start:,} / {photos:,} ({time.perf_counter() - started:.0f} s)")
    catalog.set_folder_state(root_row.id, "ok", scanned=True)
    files_s = time.perf_counter() - started
    index = VectorIndex(settings.index_dir, model_id, DIM)
    index.sync(catalog)  # hnswlib add_items on every core
    index.save()
    hnsw_s = time.perf_counter() - started - files_s
    catalog.db.close()
    meta = {"photos": photos, "model_id": model_id, "model": str(folder), "files_and_catalog_s": round(files_s),
            "hnsw_s": round(hnsw_s), "built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    (library / "built.json").write_text(json.dumps(meta, indent=1))
    log(f"  built {photos:,} photos: files + catalog {files_s:.0f} s, HNSW {hnsw_s:.0f} s")
    return library


def main_copy(library: Path, main_schema: int = 7) -> Path:
    """The library as main's code can open it: the catalog copied with this branch's schema additions taken
    out (main refuses a catalog of a newer schema), the HNSW files hard-linked (saves replace files, never
    write into them), its own cache folder. Made once."""
    import sqlite3

    copy = library / "main-data"
    (copy / "index").mkdir(parents=True, exist_ok=True)
    for path in (library / "data" / "index").iterdir():  # (again: the HNSW may be built after the copy)
        if path.suffix in (".hnsw", ".json") and not (copy / "index" / path.name).exists():
            os.link(path, copy / "index" / path.name)
    if (copy / "catalog.sqlite3").exists():
        return copy
    source = sqlite3.connect(library / "data" / "catalog.sqlite3")
    target = sqlite3.connect(copy / "catalog.tmp")
    source.backup(target)
    source.close()
    if target.execute("PRAGMA user_version").fetchone()[0] > main_schema:  # schema v8 (this branch)
        for (trigger,) in target.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                         "(name LIKE 'photo_counts_%' OR name LIKE 'vector_counts_%')").fetchall():
            target.execute(f"DROP TRIGGER {trigger}")
        target.execute("DROP TABLE IF EXISTS photo_counts")
        target.execute("DROP TABLE IF EXISTS vector_counts")
        target.execute(f"PRAGMA user_version = {main_schema}")
    target.commit()
    target.close()
    os.replace(copy / "catalog.tmp", copy / "catalog.sqlite3")
    return copy


# measuring ------------------------------------------------------------------------------------------------
def run(checkout: Path, argv: list[str], env: dict[str, str], timeout: float = 900) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, output tail) of ``python ARGV`` run with ``checkout`` first on the path."""
    env = {**env, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, *argv], cwd=checkout, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    text = out.decode(errors="replace")
    if status:
        text = f"FAILED ({status}): {text[-600:]}"
    return seconds, usage.ru_maxrss / 1024, text[-400:]


#: run in the child: the real window offscreen, from process start to the library grid's first rows
WINDOW_PROBE = r"""
import os, sys, time, resource
from pathlib import Path
t0 = float(os.environ["PROBE_T0"])
from PySide6.QtCore import QSettings
from photoclip.gui.app import create_app, create_window
app = create_app([])
window = create_window(QSettings(os.environ["PROBE_INI"], QSettings.Format.IniFormat))
window.show()
window.first_view.then(window.start_watching)  # as the app does: watch (a catch-up rescan) after the first view
def rows():
    return len(window.browse.model)
while rows() == 0:
    app.processEvents()
    time.sleep(0.002)
    if time.time() - t0 > 300:
        print("first_rows_s=timeout"); break
else:
    print(f"first_rows_s={time.time() - t0:.2f}")
def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
end = time.time() + float(os.environ.get("PROBE_SETTLE", "20"))
while time.time() < end:
    app.processEvents()
    time.sleep(0.01)
print(f"steady_mb={rss():.0f}")
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
print(f"anon_mb={int(status['RssAnon'].split()[0]) / 1024:.0f}")
print(f"peak_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
window.shutdown(); window.close(); window.library.close()
os._exit(0)
"""


def window_probe(checkout: Path, env: dict[str, str], scratch: Path) -> dict[str, str]:
    env = {**env, "PROBE_T0": repr(time.time()), "PROBE_INI": str(scratch / f"gui-{os.getpid()}.ini")}
    _, peak, out = run(checkout, ["-c", WINDOW_PROBE], env)
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and line.split("=")[0].isidentifier())
    values.setdefault("peak_mb", f"{peak:.0f}")
    if "first_rows_s" not in values:
        values["error"] = out[-300:]
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=300_000)
    parser.add_argument("--main", type=Path, default=Path("/work/main"), help="the 'before' checkout")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-window", action="store_true")
    parser.add_argument("--only", choices=("main", "this"), help="measure one checkout (e.g. before the HNSW is built: "
                        "this branch's rescan, status and window never open it)")
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args()
    library = build_library(args.photos) if not args.only else CACHE_ROOT / f"lib-{args.photos}"
    built = json.loads((library / "built.json").read_text()) if (library / "built.json").exists() else {}
    print(f"{args.photos:,} photos (built in {built.get('files_and_catalog_s')} s + HNSW {built.get('hnsw_s')} s), "
          f"load {os.getloadavg()[0]:.1f}")
    env = library_env(library)
    checkouts = {"main": args.main.resolve(), "this": REPO}
    if args.only:
        checkouts = {args.only: checkouts[args.only]}
    with_catalog = {"this": env}
    if "main" in checkouts:
        with_catalog["main"] = {**env, "PHOTOCLIP_DATA_DIR": str(main_copy(library))}
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    notes: list[str] = []
    warmed: set[tuple[str, str]] = set()
    if "this" in checkouts and not args.no_search:
        prepare_matrix(library)
    for _ in range(args.repeats):
        for name, checkout in checkouts.items():
            auto = {**with_catalog[name], "PHOTOCLIP_BACKEND": "auto"}
            for what, argv, env_ in (("index (nothing changed)", ["-m", "photoclip", "index"], with_catalog[name]),
                                     ("status", ["-m", "photoclip", "status"], with_catalog[name]),
                                     ("cold search (fp32)", ["-m", "photoclip", "search", QUERY], with_catalog[name]),
                                     ("cold search (auto)", ["-m", "photoclip", "search", QUERY], auto)):
                if what.startswith("cold search") and args.no_search:
                    continue
                if what == "cold search (auto)" and (name, what) not in warmed:
                    warmed.add((name, what))  # the first run converts the text tower once (this branch)
                    print(f"  {name} {what}, first run: {run(checkout, argv, env_)[0]:.2f} s", flush=True)
                seconds, peak, out = run(checkout, argv, env_)
                print(f"  {name} {what}: {seconds:.2f} s, {peak:.0f} MB peak", flush=True)
                if out.startswith("FAILED"):
                    notes.append(f"{name} {what}: {out}")
                rows.setdefault((what, name), []).append((seconds, peak))
            if not args.skip_window:
                probe = window_probe(checkout, with_catalog[name], library)
                print(f"  {name} window: {probe}", flush=True)
                if "error" in probe:
                    notes.append(f"{name} window: {probe['error']}")
                    continue
                rows.setdefault(("window: start to first grid rows", name), []).append(
                    (float(probe["first_rows_s"]), float(probe["peak_mb"])))
                rows.setdefault(("window: steady RSS after 20 s (MB)", name), []).append(
                    (float(probe["steady_mb"]), float(probe["peak_mb"])))
                rows.setdefault(("window: of which anonymous (MB; the rest is mapped files)", name), []).append(
                    (float(probe["anon_mb"]), float(probe["peak_mb"])))
    print(f"\nload after: {os.getloadavg()[0]:.1f}\n")
    print("| measure | " + " | ".join(f"{n}: s (median) | {n}: peak RSS MB" for n in checkouts) + " |")
    print("|---|" + "---:|---:|" * len(checkouts))
    for what in dict.fromkeys(w for w, _ in rows):
        cells = []
        for name in checkouts:
            got = rows.get((what, name), [])
            cells += [f"{statistics.median(s for s, _ in got):.2f}" if got else "-",
                      f"{max(p for _, p in got):.0f}" if got else "-"]
        print(f"| {what} | " + " | ".join(cells) + " |")
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
