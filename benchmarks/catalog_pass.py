"""What a catalog pass (no model yet: read, hash, EXIF, thumbnail, no vector) costs, and what the model pass after
it costs, against one model pass from scratch.

N camera-sized JPEGs (4000×3000, textured so they decode like photos). Three runs, each in a fresh data folder:
  scratch: a model pass on an empty library;
  catalog: the catalog pass (the real model resolution finds no model; downloads off);
  after:   the model pass on the catalogued library (embeds only: reads and decodes each photo once more, keeps
           its row and thumbnail).
The "model" has CLIP's geometry and preprocessing (224 px, bicubic, centre crop) but no network (a mean), so the
numbers are the pipeline's own decode, hash, thumbnail and catalog costs; a real image tower adds the same to
"scratch" and "after" (benchmarks/model_backends.py). CPU seconds are the process's (all threads).

    .venv/bin/python -m benchmarks.catalog_pass [--photos 24]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from photoclip.core.embed.preprocess import PreprocessConfig
from photoclip.core.library import Library
from photoclip.core.settings import Settings

EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 0x9003


class MeanModel:
    """CLIP's input geometry and preprocessing, a trivial 'tower': the pipeline's costs without a network's."""

    model_id = "bench/mean@v1"
    dim = 8
    input_size = 224
    preprocess_config = PreprocessConfig()

    def prepare(self, image):
        return self.preprocess_config(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        flat = batch.reshape(len(batch), -1)
        out = np.stack([flat[:, i::self.dim].mean(1) for i in range(self.dim)], 1).astype(np.float32) + 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_texts(self, texts):
        return np.ones((len(texts), self.dim), np.float32) / np.sqrt(self.dim)


def make_photos(folder: Path, count: int) -> Path:
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):  # cached between runs
        path = folder / f"{i:04d}.jpg"
        if path.exists():
            continue
        small = rng.integers(0, 255, (75, 100, 3), dtype=np.uint8)  # smooth areas and edges, like a photo
        image = Image.fromarray(small).resize((4000, 3000), Image.Resampling.BICUBIC)
        noise = rng.integers(-12, 12, (3000, 4000, 3), dtype=np.int16)
        pixels = np.clip(np.asarray(image, np.int16) + noise, 0, 255).astype(np.uint8)
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = f"2021:07:{1 + i % 28:02d} 10:00:00"
        Image.fromarray(pixels).save(path, "JPEG", quality=90, exif=exif.tobytes())
    return folder


def timed(run) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def settings_for(root: Path, no_model: bool) -> Settings:
    settings = Settings(data_dir=root / "data", cache_dir=root / "cache", batch_size=16)
    if no_model:
        settings = dataclasses.replace(settings, model="acme/not-downloaded-yet", allow_download=False)
    return settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "photoclip-bench-catalog")
    args = parser.parse_args()
    photos = make_photos(args.cache / "photos", args.photos)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"{args.photos} JPEGs 4000x3000 ({sum(p.stat().st_size for p in photos.glob('*.jpg')) / 2**20:.0f} MB)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with Library.open(settings_for(Path(tmp) / "a", False), embedder=MeanModel()) as lib:
            rows.append(("scratch (model pass)", *timed(lambda: lib.index_folders([photos]))))
        root = Path(tmp) / "b"
        with Library.open(settings_for(root, True)) as lib:
            rows.append(("catalog pass (no model)", *timed(lambda: lib.index_folders([photos]))))
        with Library.open(settings_for(root, False), embedder=MeanModel()) as lib:
            rows.append(("model pass after catalog", *timed(lambda: lib.index_folders([photos]))))
    print(f"{'run':<26} {'wall s':>7} {'CPU s':>7} {'CPU ms/photo':>13} {'catalogued':>10} {'embedded':>8}")
    for name, wall, cpu, summary in rows:
        print(f"{name:<26} {wall:7.2f} {cpu:7.2f} {1000 * cpu / args.photos:13.0f} {summary.catalogued:>10} "
              f"{summary.embedded:>8}")
    both = rows[1][2] + rows[2][2]
    print(f"catalog + model pass: {both:.2f} CPU s = {both / rows[0][2]:.2f}x one model pass from scratch; "
          f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
