"""The library panel's sub-folder counts at scale: ``Catalog.subfolders`` on a synthetic catalog.

``--photos`` rows (no files needed: counts read the catalog only) in one root laid out as photo libraries are,
``YYYY/MM/eventNN/IMG_n.jpg`` (25 years, 12 months, 40 events), written in one transaction. Measured, best of
``--repeat``: the root (every photo under it), a year and a month, each with the skip scan photoclip uses and,
side by side, the one-statement GROUP BY on the next path component it replaced; plus the status refresh's
``folder_counts`` (a full pass over the photos, for scale).

    .venv/bin/python -m benchmarks.subfolder_counts [--photos 1000000] [--repeat 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from photoclip.core.store.catalog import Catalog
from photoclip.core.store.db import Database

ROOT = "/home/someone/Pictures"


def build(catalog: Catalog, photos: int) -> None:
    folder = catalog.add_folder(Path(ROOT)).id
    rows = []
    for i in range(photos):
        path = f"{ROOT}/{2000 + i % 25}/{(i // 25) % 12 + 1:02}/event{(i // 300) % 40:02}/IMG_{i:07}.jpg"
        rows.append((folder, path, 1, 1, f"{i:032x}", "failed" if i % 1000 == 0 else "indexed", 0.0))
    with catalog.transaction() as db:
        db.executemany("INSERT INTO photos(folder_id, path, size, mtime_ns, content_hash, status, updated_at) "
                       "VALUES (?,?,?,?,?,?,?)", rows)


def group_by(catalog: Catalog, folder: str) -> int:
    """The straightforward query: every row under the folder through substr/instr and a GROUP BY."""
    prefix = folder + "/"
    rows = catalog.db.conn.execute(
        """SELECT child, SUM(status != 'failed') FROM (
               SELECT status, substr(rest, 1, instr(rest, '/') - 1) AS child FROM (
                   SELECT status, substr(path, ?) AS rest FROM photos WHERE path >= ? AND path < ?)
               WHERE instr(rest, '/') > 1) GROUP BY child""",
        (len(prefix) + 1, prefix, folder + "0")).fetchall()
    return len(rows)


def best(repeat: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep the catalog here (reused when it exists)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="photoclip-subfolders-"))
    catalog = Catalog(Database(data / "catalog.db"))
    if not catalog.folders():
        build(catalog, args.photos)
    failed = [p.path for p in catalog.failures()]  # the window has them from its status
    print(f"{catalog.status_counts()} · load {os.getloadavg()[0]:.1f}")
    for folder in (ROOT, f"{ROOT}/2010", f"{ROOT}/2010/05"):
        skip, found = best(args.repeat, lambda f=folder: catalog.subfolders(f, failed))
        grouped, _ = best(args.repeat, lambda f=folder: group_by(catalog, f))
        print(f"{folder.removeprefix(ROOT) or '/'}: {len(found)} sub-folders, {sum(s.photos for s in found):,} "
              f"photos · skip scan {skip * 1000:.0f} ms · GROUP BY {grouped * 1000:.0f} ms")
    status, _ = best(args.repeat, catalog.folder_counts)
    print(f"folder_counts (status refresh, for scale): {status * 1000:.0f} ms")


if __name__ == "__main__":
    main()
