"""How much JPEG draft-mode decoding (DCT scaling) changes the image vectors, against a full decode.

Same photos, same fp32 model (ViT-B/32 geometry, random weights from benchmarks/indexing.py's cache), same
CLIP preprocessing; only the decode differs. Prints the cosine between the two vectors per photo.

    .venv/bin/python -m benchmarks.draft_decode_effect [--photos 12]
"""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image, ImageOps

from benchmarks.indexing import camera_photos, load, vit_b32_folder
from photoclip.core.imaging.decode import decode_photo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=12)
    args = parser.parse_args()
    embedder = load(vit_b32_folder(), "fp32", 1)
    files = sorted(camera_photos(args.photos, (4000, 3000)).glob("*.jpg"))[: args.photos]
    draft = np.stack([embedder.prepare(decode_photo(p.read_bytes(), min_side=224).image) for p in files])
    full = np.stack([embedder.prepare(ImageOps.exif_transpose(Image.open(p)).convert("RGB")) for p in files])
    a, b = embedder.embed_prepared(draft), embedder.embed_prepared(full)
    cos = np.sum(a * b, axis=1)
    # Yardstick: how far apart this model puts *different* photos. Random weights map everything close
    # together, so the draft effect must be read relative to this, not against 1.0.
    others = (a @ a.T)[~np.eye(len(a), dtype=bool)]
    print(f"{len(files)} JPEGs 4000x3000: cosine(draft decode, full decode) mean {cos.mean():.6f}, "
          f"min {cos.min():.6f}; distance 1-cos: draft vs full {1 - cos.mean():.2e}, "
          f"between different photos {1 - others.mean():.2e}")


if __name__ == "__main__":
    main()
